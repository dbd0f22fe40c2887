"""Build the lesson notebooks from their sources in notebooks/src/ (plain Python in the "percent" format).

    python notebooks/build.py              # write and execute every lesson (outputs are committed)
    python notebooks/build.py 02 06        # only the lessons whose names start with these prefixes
    python notebooks/build.py --check      # fail when a committed notebook's cells differ from its source
    python notebooks/build.py --text-only 06   # carry markdown edits into the committed notebooks, keeping
                                               # their outputs (refused if any code cell changed)

A source is Python with cell markers: `# %%` starts a code cell, `# %% [markdown]` a markdown cell whose
lines are comments (`# ` is stripped). Editing the .py file and rebuilding keeps reviews readable; nbval then
checks the executed notebooks (see the README's test command).

Exercises mark their solution with `### BEGIN SOLUTION` / `### END SOLUTION` lines (as nbgrader does). Each
lesson is built twice: the learner's copy `notebooks/NN_*.ipynb`, where every solution becomes the scaffold
`# YOUR CODE HERE` + `...` (so an unwritten function returns None and its check says "Not written yet"), and
the solved copy `notebooks/solutions/NN_*.ipynb`, where only the marker lines are dropped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
SOLUTIONS = HERE / "solutions"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
SCAFFOLD = ("# YOUR CODE HERE", "...")


def _versions(text: str) -> tuple[str, str]:
    """Source text -> (learner text, solved text); a solution region is replaced by the scaffold at its indent."""
    learner, solved, inside = [], [], None
    for number, line in enumerate(text.splitlines(), 1):
        mark = line.strip()
        if mark == BEGIN_SOLUTION:
            if inside is not None:
                raise ValueError(f"line {number}: {BEGIN_SOLUTION} inside another solution (line {inside})")
            inside = number
            indent = line[:len(line) - len(line.lstrip())]
            learner += [indent + s for s in SCAFFOLD]
        elif mark == END_SOLUTION:
            if inside is None:
                raise ValueError(f"line {number}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            inside = None
        elif line.startswith("# %%") and inside is not None:
            raise ValueError(f"line {inside}: {BEGIN_SOLUTION} is not closed in its cell")
        else:
            solved.append(line)
            if inside is None:
                learner.append(line)
    if inside is not None:
        raise ValueError(f"line {inside}: {BEGIN_SOLUTION} is never closed")
    return "\n".join(learner) + "\n", "\n".join(solved) + "\n"


def learner_text(text: str) -> str:
    return _versions(text)[0]


def solved_text(text: str) -> str:
    return _versions(text)[1]


def count_solutions(text: str) -> int:
    return sum(line.strip() == BEGIN_SOLUTION for line in text.splitlines())


def parse(text: str) -> list[tuple[str, str]]:
    """Source text -> [(cell_type, source)], in order; text before the first marker is not allowed."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, []))
            continue
        if not cells:
            if line.strip():
                raise ValueError(f"text before the first '# %%' marker: {line!r}")
            continue
        kind, lines = cells[-1]
        if kind == "markdown":
            if line.strip() and not line.startswith("#"):
                raise ValueError(f"markdown cell line is not a comment: {line!r}")
            line = line[2:] if line.startswith("# ") else line[1:]
        lines.append(line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in cells]


def to_notebook(text: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in parse(text):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.pop("id", None)
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids: they would change on every build
    return nb


def execute(nb, timeout: int = 900, cwd: Path = HERE):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    nb.metadata.pop("widgets", None)  # never commit widget state
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps
    return nb


def cells_of(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def update_text(target: Path, fresh) -> str | None:
    """Copy the markdown of `fresh` into the committed notebook `target` (outputs kept). Returns why it cannot
    (None when done): the outputs are only valid if every code cell and the cell layout are unchanged."""
    import nbformat

    if not target.exists():
        return "it has never been built"
    old = nbformat.read(target, as_version=4)
    if [c.cell_type for c in old.cells] != [c.cell_type for c in fresh.cells]:
        return "cells were added, removed or moved"
    for a, b in zip(old.cells, fresh.cells):
        if a.cell_type == "code" and a.source != b.source:
            return "a code cell changed"
    for a, b in zip(old.cells, fresh.cells):
        if a.cell_type == "markdown":
            a.source = b.source
    nbformat.write(old, target)
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lessons", nargs="*", help="name prefixes, e.g. 02 06 (default: all)")
    p.add_argument("--check", action="store_true", help="only compare committed notebooks with their sources")
    p.add_argument("--no-execute", action="store_true", help="write notebooks without outputs")
    p.add_argument("--text-only", action="store_true",
                   help="update only the markdown cells of the committed notebooks, keeping their outputs; "
                        "refused when a code cell or the cell layout changed (rebuild those)")
    args = p.parse_args(argv)

    import nbformat

    sources = sorted(SRC.glob("[0-9][0-9]_*.py"))
    if args.lessons:
        sources = [s for s in sources if any(s.name.startswith(x) for x in args.lessons)]
    stale = []
    for src in sources:
        text = src.read_text()
        builds = [(HERE / f"{src.stem}.ipynb", learner_text(text))]
        if count_solutions(text):
            builds.append((SOLUTIONS / f"{src.stem}.ipynb", solved_text(text)))
        for target, version in builds:
            nb = to_notebook(version)
            for kind, source in parse(version):
                if kind == "code":
                    compile(source, f"{target.name}, a code cell", "exec")  # a scaffold must stay valid Python
            if args.check:
                if not target.exists() or cells_of(nbformat.read(target, as_version=4)) != cells_of(nb):
                    stale.append(str(target.relative_to(HERE)))
                continue
            if args.text_only:
                problem = update_text(target, nb)
                if problem:
                    print(f"{target.relative_to(HERE)}: not updated, {problem}", file=sys.stderr)
                    stale.append(str(target.relative_to(HERE)))
                continue
            t0 = time.perf_counter()
            if not args.no_execute:
                target.parent.mkdir(exist_ok=True)
                nb = execute(nb, cwd=target.parent)
            target.parent.mkdir(exist_ok=True)
            nbformat.write(nb, target)
            print(f"{target.relative_to(HERE)}: {len(nb.cells)} cells, {time.perf_counter() - t0:.0f} s")
    if stale:
        print(f"out of date (run python notebooks/build.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
