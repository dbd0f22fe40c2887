"""Instructor notebooks from text sources: the lessons' percent format plus nbgrader roles on the cell markers.

    # %% [markdown]                              a markdown cell (lines are comments)
    # %%                                         a plain code cell
    # %% setup id=setup                          read-only code cell that every task relies on (nbgrader "locked")
    # %% solution id=NAME                        learners write here: the code between ### BEGIN SOLUTION and
    #                                            ### END SOLUTION becomes `raise NotImplementedError()`
    # %% tests id=NAME points=P                  autograded tests (read-only); a ### BEGIN HIDDEN TESTS ...
    #                                            ### END HIDDEN TESTS region is left out of the student version
    # %% [markdown] answer id=NAME points=P      a written answer graded by hand (the instructor's model answer)

The role becomes nbgrader cell metadata (schema version 3); the cells themselves are parsed by the lessons'
`notebooks/build.py`. Rules that keep nbgrader's scoring meaningful are checked here: test cells print
nothing and do not end with an expression (nbgrader would read its value as partial credit), solution regions
sit only in solution cells, hidden tests only in test cells.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from stylegan_edu.assignments import ROOT

SCHEMA_VERSION = 3
ROLES = ("setup", "solution", "tests", "answer")
_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")  # nbgrader's grade_id pattern (non-empty)
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class SourceError(ValueError):
    """A text source that does not describe a valid assignment (the message names the cell)."""


@functools.cache
def lesson_build():
    """The lessons' notebooks/build.py as a module (its `parse`, `to_notebook` and `execute` are reused)."""
    path = ROOT / "notebooks" / "build.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: building assignments needs the repository checkout")
    spec = importlib.util.spec_from_file_location("stylegan_edu_lesson_build", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@dataclass(frozen=True)
class Role:
    role: str | None  # None for a plain cell
    grade_id: str | None = None
    points: float | None = None

    def metadata(self) -> dict | None:
        """The cell's `nbgrader` metadata, or None for a plain cell."""
        if self.role is None:
            return None
        grade, solution, locked = {"setup": (False, False, True), "solution": (False, True, False),
                                   "tests": (True, False, True), "answer": (True, True, False)}[self.role]
        meta = {"grade": grade, "grade_id": self.grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
                "solution": solution}
        if grade:
            meta["points"] = self.points
        return meta


def parse_marker(line: str) -> Role:
    """'# %% [markdown] answer id=why points=2' -> Role('answer', 'why', 2.0)."""
    words = line[len("# %%"):].replace("[markdown]", " ").split()
    if not words:
        return Role(None)
    role, fields = words[0], {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or key not in ("id", "points"):
            raise SourceError(f"cell marker {line!r}: expected id=NAME or points=P, got {word!r}")
        fields[key] = value
    if role not in ROLES:
        raise SourceError(f"cell marker {line!r}: the role must be one of {', '.join(ROLES)}, got {role!r}")
    grade_id = fields.get("id", "")
    if not _ID.match(grade_id):
        raise SourceError(f"cell marker {line!r}: needs id=NAME with letters, digits, _ or - only")
    points = fields.get("points")
    if (role in ("tests", "answer")) != (points is not None):
        raise SourceError(f"cell marker {line!r}: points= belongs on tests and answer cells, and only there")
    if points is not None:
        try:
            points = float(points)
        except ValueError:
            raise SourceError(f"cell marker {line!r}: points must be a number, got {points!r}") from None
        if points <= 0:
            raise SourceError(f"cell marker {line!r}: points must be positive")
    return Role(role, grade_id, points)


def _check_tests_cell(grade_id: str, source: str) -> None:
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        raise SourceError(f"tests {grade_id}: the last statement is an expression; nbgrader would take its value "
                          f"as partial credit (end with an assert)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "display"):
            raise SourceError(f"tests {grade_id}: test cells print nothing (line {node.lineno})")


def parse_source(text: str) -> list[tuple[str, str, Role]]:
    """Source text -> [(cell_type, source, role)], checked against the rules in the module docstring."""
    markers = [line for line in text.splitlines() if line.startswith("# %%")]
    cells = lesson_build().parse(text)
    assert len(markers) == len(cells)
    out, seen = [], set()
    for marker, (kind, source) in zip(markers, cells):
        role = parse_marker(marker)
        name = role.grade_id or f"cell {len(out) + 1}"
        if role.role == "answer" and kind != "markdown":
            raise SourceError(f"{name}: a written answer must be a markdown cell")
        if role.role in ("setup", "solution", "tests") and kind != "code":
            raise SourceError(f"{name}: a {role.role} cell must be a code cell")
        if role.grade_id in seen:
            raise SourceError(f"{name}: the id is used twice")
        if role.grade_id:
            seen.add(role.grade_id)
        has_solution = BEGIN_SOLUTION in source or END_SOLUTION in source
        has_hidden = BEGIN_HIDDEN in source or END_HIDDEN in source
        if role.role == "solution" and kind == "code" and (source.count(BEGIN_SOLUTION) < 1 or
                                                           source.count(BEGIN_SOLUTION) != source.count(END_SOLUTION)):
            raise SourceError(f"{name}: a solution cell needs matching {BEGIN_SOLUTION} / {END_SOLUTION} lines")
        if has_solution and role.role != "solution":
            raise SourceError(f"{name}: {BEGIN_SOLUTION} outside a solution cell")
        if has_hidden and (role.role != "tests" or source.count(BEGIN_HIDDEN) != source.count(END_HIDDEN)):
            raise SourceError(f"{name}: hidden tests belong in a tests cell, between matching markers")
        if role.role == "tests":
            _check_tests_cell(name, source)
        out.append((kind, source, role))
    if not any(r.role == "setup" for _, _, r in out):
        raise SourceError("an assignment needs a setup cell (# %% setup id=setup)")
    return out


def to_notebook(text: str):
    """An instructor notebook (not executed) with nbgrader metadata, from a text source."""
    parsed = parse_source(text)
    nb = lesson_build().to_notebook(text)
    for cell, (_, _, role) in zip(nb.cells, parsed):
        meta = role.metadata()
        if meta is not None:
            cell.metadata["nbgrader"] = meta
    return nb


def comparable(nb) -> list[tuple]:
    """What must agree between a committed instructor notebook and its source: cell types, sources, roles."""
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


def build(text_path: Path, out_path: Path, execute: bool = True) -> None:
    """Write the instructor notebook for one text source (executed, so nbval can compare its outputs)."""
    import nbformat

    nb = to_notebook(Path(text_path).read_text())
    if execute:
        nb = lesson_build().execute(nb)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_path)


def is_current(text_path: Path, out_path: Path) -> bool:
    import nbformat

    if not Path(out_path).is_file():
        return False
    return comparable(nbformat.read(out_path, as_version=4)) == comparable(to_notebook(Path(text_path).read_text()))
