"""Graded course assignments: nbgrader-compatible notebooks that learners can also check without nbgrader.

Where things live (the repository root is the folder above `stylegan_edu/`):

    assignments/src/<name>.py                     the text source of an assignment (percent format, see source.py)
    assignments/source/<name>/<name>.ipynb        the instructor version: solutions, hidden tests, outputs
    notebooks/assignments/<name>.ipynb            the student version, made from it by nbgrader's preprocessors

`assignments/` is an nbgrader course folder (with `nbgrader_config.py`); its README is the instructor guide.
The commands are `stylegan-edu assignments build | release | check` (cli.py).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "assignments"
SOURCE_TEXT = COURSE / "src"  # the .py text sources
INSTRUCTOR = COURSE / "source"  # nbgrader's "source" folder: one sub-folder per assignment
STUDENT = ROOT / "notebooks" / "assignments"

# Seconds one cell may run before the self-check (and nbgrader, see assignments/nbgrader_config.py) stops it.
CELL_TIMEOUT = 60

INSTALL_HINT = "pip install -e '.[instructor]' (from the repository root)"


def names() -> list[str]:
    """The assignments that have a text source, in order."""
    return sorted(p.stem for p in SOURCE_TEXT.glob("*.py"))


def instructor_path(name: str, source_dir: Path | None = None) -> Path:
    return (INSTRUCTOR if source_dir is None else Path(source_dir)) / name / f"{name}.ipynb"


def student_path(name: str) -> Path:
    return STUDENT / f"{name}.ipynb"


def select(prefixes: list[str] | None) -> list[str]:
    """The assignment names that start with one of `prefixes` (all when empty); ValueError when one matches none."""
    available = names()
    if not prefixes:
        return available
    chosen = []
    for p in prefixes:
        hits = [n for n in available if n.startswith(p)]
        if not hits:
            raise ValueError(f"no assignment starts with {p!r}; there are: {', '.join(available)}")
        chosen += [n for n in hits if n not in chosen]
    return chosen
