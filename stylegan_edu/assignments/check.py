"""A learner's self-check of an assignment notebook, scored the way nbgrader's autograder scores it, without nbgrader.

The notebook runs top to bottom in a fresh kernel (errors do not stop it, as in `nbgrader autograde`). Every
autograded test cell then scores by nbgrader's rule: no points when it raised an error or wrote to stderr,
otherwise all its points (a test cell whose last line has a numeric value would give that as partial credit;
ours end with an assert, so they never do). Written answers are listed as graded by hand.

With `hidden=True` the read-only cells and the test cells are first replaced by the instructor's versions,
matched by their nbgrader id, as nbgrader's autograder restores them from its database: that brings back the
hidden tests. It needs the instructor version of the assignment (assignments/source/<name>/<name>.ipynb); the
assignment is found from the notebook's file name or, for a renamed copy, from its nbgrader grade ids.

When a learner's own cell fails above a failing test cell (a SyntaxError in the solution cell, an exception while
a class is defined), the table names that error rather than the test's consequence (a NameError, usually).
"""

from __future__ import annotations

import copy
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stylegan_edu.assignments import CELL_TIMEOUT, INSTRUCTOR, instructor_path

TIMEOUT_ERROR = {"ename": "CellTimeoutError", "evalue": "the cell ran longer than the per-cell timeout",
                 "traceback": ["CellTimeoutError: the cell ran longer than the per-cell timeout"]}
UNANSWERED = "YOUR ANSWER HERE"  # what nbgrader leaves in a written-answer cell of the student version


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return bool(m.get("grade")) and bool(m.get("solution"))


@dataclass
class TaskScore:
    grade_id: str
    points: float
    score: float | None  # None: a written answer, graded by hand
    note: str

    @property
    def autograded(self) -> bool:
        return self.score is not None


@dataclass
class Report:
    notebook: str
    hidden: bool
    tasks: list[TaskScore] = field(default_factory=list)
    seconds: float = 0.0
    executed: object = field(default=None, repr=False)  # the executed notebook

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks if t.autograded)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tasks if t.autograded)

    @property
    def scores(self) -> dict[str, float | None]:
        return {t.grade_id: t.score for t in self.tasks}

    def table(self) -> str:
        tests = "with the hidden tests" if self.hidden else "the tests in the notebook; --hidden adds the hidden ones"
        width = max([len(t.grade_id) for t in self.tasks] + [16])
        lines = [f"{self.notebook}: self-check ({tests}), {self.seconds:.0f} s", "",
                 f"  {'task':<{width}}  {'points':^10}  result"]
        for t in self.tasks:
            got = "-" if t.score is None else f"{t.score:g}"
            lines.append(f"  {t.grade_id:<{width}}  {got:>4} / {t.points:<3g}  {t.note}")
        lines += ["", f"  {'autograded total':<{width}}  {self.score:>4g} / {self.max_score:<3g}"]
        return "\n".join(lines)


def _partial(output, points: float) -> float:
    """nbgrader's partial credit: a numeric value shown by the cell, clipped to [0, points]."""
    text = output.get("data", {}).get("text/plain", "")
    try:
        value = float("".join(text) if isinstance(text, list) else text)
    except ValueError:
        return points
    return min(max(value, 0.0), points)


def score_cell(cell) -> tuple[float, str]:
    """(points earned, note) of an executed test cell by nbgrader's rule."""
    points = float(nbgrader_meta(cell)["points"])
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            return 0.0, _error_note(out)
        if out.output_type == "stream" and out.name == "stderr":
            return 0.0, f"wrote to stderr: {out.text.strip().splitlines()[0] if out.text.strip() else ''}".strip()
        if out.output_type == "execute_result":
            got = _partial(out, points)
            return got, "passed" if got == points else "partial credit from the cell's value"
    return points, "passed"


def _error_note(out) -> str:
    """The first line of an error output, 'ename: evalue'."""
    if out.ename == "NotImplementedError" and not out.evalue:
        return "NotImplementedError: not written yet"
    evalue = out.evalue
    if out.ename in ("SyntaxError", "IndentationError", "TabError"):  # the kernel's cell file name says nothing
        evalue = re.sub(r"\([^()]*\.py, (line \d+)\)", r"(\1)", evalue)
    lines = f"{out.ename}: {evalue}".strip().splitlines()
    return lines[0] if lines else out.ename


def is_learner_cell(cell) -> bool:
    """A code cell the learner writes: a solution cell, or a cell they added (no nbgrader metadata)."""
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and not m.get("locked") and not m.get("grade")


def own_errors(nb) -> dict[str, str]:
    """{test grade_id: note} for test cells below a learner's cell that failed (since the previous test cell).

    The task's own `<grade_id>_solution` cell comes first; another failed cell of the learner's in between
    is named as such."""
    found, pending = {}, []
    for cell in nb.cells:
        if is_test_cell(cell):
            grade_id = nbgrader_meta(cell).get("grade_id")
            own = [(gid, note) for gid, note in pending if gid == f"{grade_id}_solution"]
            if own:
                found[grade_id] = f"your solution cell failed: {own[0][1]}"
            elif pending:
                found[grade_id] = f"a cell of yours above the test failed: {pending[0][1]}"
            pending = []
        elif is_learner_cell(cell):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                pending.append((nbgrader_meta(cell).get("grade_id"), _error_note(errors[0])))
    return found


def with_instructor_cells(nb, instructor_nb):
    """A copy of `nb` whose read-only and test cells are the instructor's (nbgrader's OverwriteCells, by id)."""
    theirs = {nbgrader_meta(c)["grade_id"]: c for c in instructor_nb.cells
              if nbgrader_meta(c).get("grade_id") and (nbgrader_meta(c).get("locked") or is_test_cell(c))}
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        ref = theirs.get(nbgrader_meta(cell).get("grade_id"))
        if ref is not None and not nbgrader_meta(cell).get("solution"):
            cell.source = ref.source
            cell.cell_type = ref.cell_type
    return nb


def execute(nb, cwd: Path, timeout: int = CELL_TIMEOUT):
    """Run every cell in a fresh python3 kernel, on past errors; `nb` is changed in place and returned."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, error_on_timeout=TIMEOUT_ERROR,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(stderr=subprocess.DEVNULL)  # the kernel process's own log lines; cell output is separate
    return nb


def score(nb, tasks_from=None, name: str = "notebook", hidden: bool = False, seconds: float = 0.0) -> Report:
    """Score an executed notebook. `tasks_from` (default: `nb`) lists the graded cells that count."""
    ref = nb if tasks_from is None else tasks_from
    cells = {nbgrader_meta(c).get("grade_id"): c for c in nb.cells if nbgrader_meta(c).get("grade_id")}
    failed_above = own_errors(nb)
    report = Report(name, hidden, seconds=seconds, executed=nb)
    for ref_cell in ref.cells:
        if not (is_test_cell(ref_cell) or is_answer_cell(ref_cell)):
            continue
        grade_id = nbgrader_meta(ref_cell)["grade_id"]
        points = float(nbgrader_meta(ref_cell)["points"])
        cell = cells.get(grade_id)
        if is_answer_cell(ref_cell):
            answered = cell is not None and cell.source.strip() not in ("", UNANSWERED)
            note = "written answer, graded by hand" if answered else "written answer, not answered yet"
            report.tasks.append(TaskScore(grade_id, points, None, note))
        elif cell is None:
            report.tasks.append(TaskScore(grade_id, points, 0.0, "the test cell is missing"))
        else:
            got, note = score_cell(cell)
            if got < points and grade_id in failed_above:
                note = failed_above[grade_id]
            report.tasks.append(TaskScore(grade_id, points, got, note))
    return report


def _test_ids(nb) -> set[str]:
    return {nbgrader_meta(c).get("grade_id") for c in nb.cells if is_test_cell(c)}


def find_assignment(path: Path, nb, source_dir: Path | None = None, assignment: str | None = None) -> str:
    """The name of the assignment that notebook `nb` (read from `path`) is, among the instructor versions.

    `assignment` (a name or its prefix, e.g. "a1") decides when given. Otherwise: the file name itself
    (a1_building_blocks.ipynb), then the nbgrader grade ids of its test cells (a renamed or duplicated copy,
    e.g. a1_building_blocks-Copy1.ipynb: the one that shares the most), then a file name that starts with an
    assignment's name.
    FileNotFoundError when the instructor version is missing or the assignment cannot be told."""
    import nbformat

    folder = INSTRUCTOR if source_dir is None else Path(source_dir)
    available = sorted(d.name for d in folder.iterdir() if (d / f"{d.name}.ipynb").is_file()) \
        if folder.is_dir() else []
    if assignment is not None:
        hits = [n for n in available if n == assignment] or [n for n in available if n.startswith(assignment)]
        if len(hits) != 1:
            there = ", ".join(available) or "none"
            what = "matches several" if hits else "matches none"
            raise FileNotFoundError(f"--assignment {assignment} {what} of the instructor versions in {folder} "
                                    f"(there: {there})")
        return hits[0]
    if path.stem in available:
        return path.stem
    mine = _test_ids(nb)
    shared = {n: len(mine & _test_ids(nbformat.read(instructor_path(n, folder), as_version=4))) for n in available}
    best = max(shared.values(), default=0)
    by_ids = [n for n, k in shared.items() if k == best]
    if best > 0 and len(by_ids) == 1:
        return by_ids[0]
    by_name = [n for n in available if path.stem.startswith(n)]
    if len(by_name) == 1:
        return by_name[0]
    if not available:
        raise FileNotFoundError(f"--hidden needs the instructor versions in {folder}, which are not there "
                                f"(pass --source DIR)")
    raise FileNotFoundError(f"cannot tell which assignment {path.name} is (its task ids match no instructor version "
                            f"in {folder}): pass --assignment NAME, e.g. --assignment {available[0]}")


def check_notebook(path, hidden: bool = False, source_dir: Path | None = None, timeout: int = CELL_TIMEOUT,
                   nb=None, assignment: str | None = None) -> Report:
    """Run and score one assignment notebook (`nb` overrides the file's content, e.g. a modified copy).

    hidden=True also runs the instructor's hidden tests; the assignment is `assignment` (a name or prefix) or
    found by `find_assignment`. FileNotFoundError when its instructor version is not there or it cannot be told.
    """
    import nbformat

    path = Path(path)
    if nb is None:
        if path.is_dir():
            raise FileNotFoundError(f"{path} is a folder; name the assignment notebook (.ipynb) in it")
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist")
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as e:  # not JSON, not UTF-8 (a picture), not a notebook's schema
            raise ValueError(f"{path} is not a Jupyter notebook (.ipynb): {str(e).splitlines()[0][:120]}") from None
    if not any(is_test_cell(c) for c in nb.cells):
        raise ValueError(f"{path} has no autograded test cells (nbgrader metadata); is it an assignment?")
    tasks_from = None
    if hidden:
        name = find_assignment(path, nb, source_dir, assignment)
        ref_path = instructor_path(name, source_dir)
        if not ref_path.is_file():
            raise FileNotFoundError(f"--hidden needs the instructor version {ref_path}, which is not there")
        tasks_from = nbformat.read(ref_path, as_version=4)
        if not _test_ids(nb) & _test_ids(tasks_from):
            raise ValueError(f"{path.name} has none of the tasks of {name}: is it another assignment?")
        nb = with_instructor_cells(nb, tasks_from)
    else:
        nb = copy.deepcopy(nb)
    t0 = time.perf_counter()
    execute(nb, path.resolve().parent, timeout)
    return score(nb, tasks_from, path.name, hidden, time.perf_counter() - t0)
