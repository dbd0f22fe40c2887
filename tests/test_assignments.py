"""The graded assignments: sources, instructor and student versions, the self-check, and nbgrader itself.

Each instructor version is executed once (module fixture) and scored with its hidden tests; each student
version is executed once; the wrong answers in tests/data/assignments/wrong are planted into the instructor
versions, several tasks per run; one nbgrader round trip (generate_assignment, autograde, export) runs in a
temporary course folder.
"""

from __future__ import annotations

import ast
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from stylegan_edu import assignments as A
from stylegan_edu.assignments import check, release, source
from stylegan_edu.cli import main

NAMES = A.names()
WRONG = Path(__file__).resolve().parent / "data" / "assignments" / "wrong"
SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def _read(path):
    return nbformat.read(path, as_version=4)


def _meta(cell) -> dict:
    return check.nbgrader_meta(cell)


def _test_ids(nb) -> list[str]:
    return [_meta(c)["grade_id"] for c in nb.cells if check.is_test_cell(c)]


def _points(nb) -> tuple[float, float]:
    auto = sum(_meta(c)["points"] for c in nb.cells if check.is_test_cell(c))
    written = sum(_meta(c)["points"] for c in nb.cells if check.is_answer_cell(c))
    return auto, written


def _wrong_answers(task: str) -> list[tuple[str, str, str]]:
    """[(caught_by, what is wrong, solution cell source)] from tests/data/assignments/wrong/<task>.py."""
    text = (WRONG / f"{task}.py").read_text()
    markers = [line for line in text.splitlines() if line.startswith("# %%")]
    out = []
    for marker, (_, body) in zip(markers, source.lesson_build().parse(text)):
        caught, sep, what = marker[len("# %%"):].strip().partition(":")
        assert sep and caught in ("visible", "hidden"), f"{task}.py: bad marker {marker!r}"
        out.append((caught, what.strip(), body))
    return out


def _cell_seconds(cell) -> float:
    t = cell.metadata.get("execution", {})
    start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


@pytest.fixture(scope="module")
def instructor_reports():
    """Every instructor version executed once and scored with its hidden tests."""
    return {name: check.check_notebook(A.instructor_path(name), hidden=True) for name in NAMES}


# --------------------------------------------------------------------------------------------------------------
# Sources, metadata, student versions (no execution)
# --------------------------------------------------------------------------------------------------------------


def test_five_assignments_with_enough_tasks():
    assert NAMES == ["a1_building_blocks", "a2_mapping_and_styles", "a3_progressive_growing",
                     "a4_mixing_and_truncation", "a5_metrics"]
    total = 0
    for name in NAMES:
        nb = _read(A.instructor_path(name))
        tests = _test_ids(nb)
        answers = [c for c in nb.cells if check.is_answer_cell(c)]
        assert 4 <= len(tests) <= 6, (name, tests)
        assert 1 <= len(answers) <= 2, name
        total += len(tests)
        # every test cell follows its own solution cell, <task>_solution
        code = [c for c in nb.cells if c.cell_type == "code"]
        for prev, cell in zip(code, code[1:]):
            if check.is_test_cell(cell):
                assert _meta(prev).get("grade_id") == f"{_meta(cell)['grade_id']}_solution", _meta(cell)
    assert total >= 20


def test_instructor_versions_match_their_sources():
    assert main(["assignments", "build", "--check"]) == 0


def test_cell_metadata_passes_nbgraders_validator():
    from nbgrader.nbgraderformat import MetadataValidator

    for name in NAMES:
        for path in (A.instructor_path(name), A.student_path(name)):
            nb = _read(path)
            MetadataValidator().validate_nb(nb)  # raises on an invalid cell
            graded = [c for c in nb.cells if _meta(c)]
            assert graded and all(_meta(c)["schema_version"] == 3 for c in graded), path
            assert {"grade", "solution", "locked", "grade_id"} <= set(_meta(graded[0])), path
            setup = graded[0]
            assert _meta(setup)["grade_id"] == "setup" and _meta(setup)["locked"] and not _meta(setup)["grade"]
            assert "warnings.filterwarnings(\"ignore\")" in setup.source and "manual_seed(0)" in setup.source


def test_student_versions_are_up_to_date():
    assert release.release(NAMES, check=True) == []
    assert main(["assignments", "release", "--check"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_student_version_holds_no_solution_and_no_hidden_test(name):
    inst, stud = _read(A.instructor_path(name)), _read(A.student_path(name))
    assert len(inst.cells) == len(stud.cells)
    public, secret = set(), set()
    for cell in inst.cells:
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if any(m in s for m in SECRET_MARKERS):
                inside = "BEGIN" in s
                continue
            (secret if inside or check.is_answer_cell(cell) else public).add(s)
    secret = {s for s in secret - public if len(s) >= 12}
    assert len(secret) > 20  # the check below has something to find
    for cell in stud.cells:
        assert not any(m in cell.source for m in SECRET_MARKERS), cell.source
        leaked = secret & {line.strip() for line in cell.source.splitlines()}
        assert not leaked, f"{name}: solution or hidden-test lines in the student version: {sorted(leaked)[:3]}"
        assert cell.get("outputs", []) == []
        if _meta(cell).get("solution"):
            expected = check.UNANSWERED if cell.cell_type == "markdown" else "raise NotImplementedError()"
            assert expected in cell.source


def test_test_cells_print_nothing_and_do_not_end_with_an_expression():
    for name in NAMES:
        for path in (A.instructor_path(name), A.student_path(name)):
            for cell in _read(path).cells:
                if check.is_test_cell(cell):
                    assert cell.outputs == [], (path, _meta(cell)["grade_id"])  # committed, executed: silent
                    last = ast.parse(cell.source).body[-1]  # nbgrader would read its value as partial credit
                    assert not isinstance(last, ast.Expr), (path, _meta(cell)["grade_id"])


@pytest.mark.parametrize("bad, message", [
    ("# %% tests id=t points=1\nx = 1\nx\n", "last statement is an expression"),
    ("# %% tests id=t points=1\nprint(1)\nassert True\n", "print nothing"),
    ("# %% solution id=s\nx = 1\n", "BEGIN SOLUTION"),
    ("# %% [markdown] answer id=a\n# text\n", "points="),
    ("# %% answer id=a points=1\nx = 1\n", "markdown"),
    ("# %% grade id=g\nx = 1\n", "role must be one of"),
    ("# %% setup id=s\nx = 1\n# %% solution id=s\n### BEGIN SOLUTION\n### END SOLUTION\n", "used twice"),
    ("# %%\nx = 1  ### BEGIN HIDDEN TESTS\n", "hidden tests belong in a tests cell"),
])
def test_bad_sources_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(source.SourceError, match=message):
        source.parse_source("# %% setup id=setup\nimport math\n" + bad)


def test_readme_points_table_matches_the_notebooks():
    readme = (A.COURSE / "README.md").read_text()
    for name in NAMES:
        nb = _read(A.instructor_path(name))
        auto, written = _points(nb)
        row = f"| `{name}` | {len(_test_ids(nb))} | {auto:g} | {written:g} | {auto + written:g} |"
        assert row in readme, row


def test_nbgrader_config_timeout_is_the_self_checks():
    text = (A.COURSE / "nbgrader_config.py").read_text()
    assert re.search(r"^c\.Execute\.timeout = (\d+)$", text, re.M).group(1) == str(A.CELL_TIMEOUT)


# --------------------------------------------------------------------------------------------------------------
# The scoring rule, without executing anything
# --------------------------------------------------------------------------------------------------------------


def _graded_cell(outputs, points=3):
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t",
                                 "points": points, "schema_version": 3}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def test_score_cell_follows_nbgraders_rule():
    from nbgrader.utils import determine_grade

    cases = [
        ([], 3.0),
        ([{"output_type": "stream", "name": "stdout", "text": "hello\n"}], 3.0),
        ([{"output_type": "stream", "name": "stderr", "text": "a warning\n"}], 0.0),
        ([{"output_type": "error", "ename": "AssertionError", "evalue": "x: expected 1, got 2", "traceback": []}], 0.0),
        ([{"output_type": "execute_result", "data": {"text/plain": "1.5"}, "metadata": {}, "execution_count": 1}], 1.5),
    ]
    for outputs, want in cases:
        cell = _graded_cell(outputs)
        assert check.score_cell(cell)[0] == want == determine_grade(cell)[0], outputs
    assert check.score_cell(_graded_cell(cases[3][0]))[1] == "AssertionError: x: expected 1, got 2"


def test_hidden_mode_restores_the_instructors_test_and_setup_cells():
    inst, stud = _read(A.instructor_path(NAMES[0])), _read(A.student_path(NAMES[0]))
    tampered = copy.deepcopy(stud)
    for cell in tampered.cells:
        if check.is_test_cell(cell) or _meta(cell).get("locked"):
            cell.source = "pass"
        elif _meta(cell).get("solution"):
            cell.source = "# my answer"
    restored = check.with_instructor_cells(tampered, inst)
    for mine, ref in zip(restored.cells, inst.cells):
        if check.is_test_cell(ref) or _meta(ref).get("locked"):
            assert mine.source == ref.source
        elif _meta(ref).get("solution"):
            assert mine.source == "# my answer"  # the learner's answers stay theirs
    assert sum("BEGIN HIDDEN TESTS" in c.source for c in restored.cells) == len(_test_ids(inst))


# --------------------------------------------------------------------------------------------------------------
# Executing the notebooks
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_instructor_versions_get_full_marks_quickly(instructor_reports, record_artifact):
    for name, report in instructor_reports.items():
        assert report.score == report.max_score > 0, report.table()
        assert all(t.note == "passed" for t in report.tasks if t.autograded), report.table()
        cells = report.executed.cells
        slowest = max(_cell_seconds(c) for c in cells)
        assert report.seconds < 180 and slowest < A.CELL_TIMEOUT / 4, (name, report.seconds, slowest)
        for cell in cells:
            if check.is_test_cell(cell):
                assert cell.outputs == [], (name, _meta(cell)["grade_id"], cell.outputs)
        record_artifact(f"assignment {name}: {report.seconds:.1f} s to run with hidden tests, slowest cell "
                        f"{slowest:.1f} s, {report.score:g}/{report.max_score:g} autograded points")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_student_version_fails_exactly_in_its_graded_cells(name):
    nb = _read(A.student_path(name))
    check.execute(nb, A.student_path(name).parent)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, (name, cell.source[:60], stderr)
        if check.is_test_cell(cell):
            assert [e.ename for e in errors] == ["NotImplementedError"], (name, _meta(cell)["grade_id"], errors)
        else:
            assert not errors, (name, cell.source[:60], errors)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_wrong_answer_loses_its_tasks_points(name):
    """Plant the wrong answers, one per task and run (tasks without one keep the instructor's solution and must
    keep their points). Before each planted task's test cell a copy of the student version's test cell (the
    visible part only) runs too, to confirm whether the visible test alone catches the mistake."""
    inst, stud = _read(A.instructor_path(name)), _read(A.student_path(name))
    visible = {_meta(c)["grade_id"]: c.source for c in stud.cells if check.is_test_cell(c)}
    points = {_meta(c)["grade_id"]: _meta(c)["points"] for c in inst.cells if check.is_test_cell(c)}
    wrong = {task: _wrong_answers(task) for task in points}
    assert all(wrong.values())
    problems = []
    for r in range(max(len(v) for v in wrong.values())):
        nb, planted = copy.deepcopy(inst), {}
        nb.cells = []
        for cell in copy.deepcopy(inst.cells):
            gid = _meta(cell).get("grade_id", "")
            if _meta(cell).get("solution") and gid.endswith("_solution") and r < len(wrong[gid[:-9]]):
                planted[gid[:-9]] = wrong[gid[:-9]][r]
                cell.source = planted[gid[:-9]][2]
            if check.is_test_cell(cell) and gid in planted:
                probe = nbformat.v4.new_code_cell(visible[gid])
                probe.metadata["probe"] = gid
                nb.cells.append(probe)
            nb.cells.append(cell)
        check.execute(nb, A.instructor_path(name).parent)
        scores = check.score(nb).scores
        for task, full in points.items():
            if task in planted and scores[task] != 0:
                problems.append(f"{task}: wrong answer '{planted[task][1]}' kept {scores[task]:g} points")
            if task not in planted and scores[task] != full:
                problems.append(f"{task}: the instructor's solution lost points in round {r}")
        for cell in nb.cells:
            task = cell.metadata.get("probe")
            if task is None:
                continue
            caught_by, what, _ = planted[task]
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if bool(errors) != (caught_by == "visible"):
                problems.append(f"{task}: '{what}' is marked '{caught_by}' but the visible test "
                                f"{'catches' if errors else 'misses'} it")
            for e in errors:
                if e.ename == "AssertionError" and not ("expected" in e.evalue and "Hint:" in e.evalue):
                    problems.append(f"{task}: the visible failure message lacks expected/got/hint: {e.evalue}")
    assert not problems, "\n".join(problems)


def test_every_wrong_answer_file_belongs_to_a_task():
    tasks = {t for name in NAMES for t in _test_ids(_read(A.instructor_path(name)))}
    files = {p.stem for p in WRONG.glob("*.py")}
    assert files == tasks
    hidden_only = [t for t in tasks if any(c == "hidden" for c, _, _ in _wrong_answers(t))]
    assert len(hidden_only) >= 10, hidden_only  # hidden tests that catch what the visible ones let through
    answers = [c for t in tasks for c, _, _ in _wrong_answers(t)]
    claim = f"holds {len(answers)} such slips ({answers.count('hidden')} of them caught only by the hidden tests)"
    assert claim in " ".join((A.COURSE / "README.md").read_text().split()), claim


# --------------------------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------------------------


def _one_line_error(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_check_reports_bad_input_in_one_line(capsys, tmp_path):
    _one_line_error(capsys, ["assignments", "check", str(tmp_path / "nope.ipynb")], "does not exist")
    _one_line_error(capsys, ["assignments", "check", str(tmp_path)], "is a folder; name the assignment notebook")
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _one_line_error(capsys, ["assignments", "check", str(tmp_path / "a.png")], "is not a Jupyter notebook")
    lesson = next(A.ROOT.joinpath("notebooks").glob("0*.ipynb"))
    _one_line_error(capsys, ["assignments", "check", str(lesson)], "no autograded test cells")
    # a renamed copy is recognised by its task ids (test_self_check_of_a_renamed_copy...); one whose ids match
    # no assignment, or one checked against another assignment, is refused in one line that names the option
    unknown = _read(A.student_path(NAMES[0]))
    for cell in unknown.cells:
        if _meta(cell).get("grade_id"):
            _meta(cell)["grade_id"] = "renamed_" + _meta(cell)["grade_id"]
    nbformat.write(unknown, tmp_path / "renamed_assignment.ipynb")
    _one_line_error(capsys, ["assignments", "check", str(tmp_path / "renamed_assignment.ipynb"), "--hidden"],
                    "pass --assignment NAME")
    copied = tmp_path / "my_homework.ipynb"
    shutil.copy(A.student_path(NAMES[0]), copied)
    _one_line_error(capsys, ["assignments", "check", str(copied), "--hidden", "--assignment", "zz"],
                    "--assignment zz matches none")
    _one_line_error(capsys, ["assignments", "check", str(copied), "--hidden", "--assignment", "a2"],
                    "has none of the tasks of a2_mapping_and_styles")
    _one_line_error(capsys, ["assignments", "check", str(copied), "--hidden", "--source", str(tmp_path)],
                    "needs the instructor versions")
    _one_line_error(capsys, ["assignments", "release", "zz"], "no assignment starts with 'zz'")


def test_hidden_check_finds_the_assignment_of_a_renamed_copy(tmp_path):
    nb = _read(A.student_path("a2_mapping_and_styles"))
    for file_name in ("a2_mapping_and_styles-Copy1.ipynb", "alice homework.ipynb", "a1_building_blocks.ipynb.bak"):
        assert check.find_assignment(tmp_path / file_name, nb) == "a2_mapping_and_styles", file_name
    assert check.find_assignment(tmp_path / "x.ipynb", nb, assignment="a2") == "a2_mapping_and_styles"
    nb.cells = [c for c in nb.cells if not check.is_test_cell(c)]  # no task ids left: the file name decides
    assert check.find_assignment(tmp_path / "a3_progressive_growing (1).ipynb", nb) == "a3_progressive_growing"


def _notes(task, test_error, learner_cells):
    """{task: note} for a1's student version in which the cells above `task`'s test hold `learner_cells`
    [(grade_id or None for a cell the learner added, error output or None)] and every test cell raised
    `test_error` (None: they passed)."""
    nb = _read(A.student_path("a1_building_blocks"))
    cells = []
    for cell in nb.cells:
        if check.is_test_cell(cell):
            if _meta(cell)["grade_id"] == task:
                for gid, error in learner_cells:
                    extra = next((c for c in cells if _meta(c).get("grade_id") == gid), None) if gid else None
                    if extra is None:
                        extra = nbformat.v4.new_code_cell("x = 1")
                        cells.append(extra)
                    extra.outputs = [nbformat.v4.new_output("error", **error)] if error else []
            cell.outputs = [nbformat.v4.new_output("error", **test_error)] if test_error else []
        cells.append(cell)
    nb.cells = cells
    return {t.grade_id: t.note for t in check.score(nb).tasks}


def test_a_failed_solution_cell_is_named_instead_of_the_tests_name_error():
    syntax = {"ename": "SyntaxError", "evalue": "expected ':' (235294106.py, line 7)", "traceback": []}
    name_error = {"ename": "NameError", "evalue": "name 'blur_kernel' is not defined", "traceback": []}
    zero = {"ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": []}
    notes = _notes("blur", name_error, [("blur_solution", syntax)])
    assert notes["blur"] == "your solution cell failed: SyntaxError: expected ':' (line 7)", notes
    # only the cells between the previous test cell and this one count
    assert notes["resample"] == notes["pixel_norm"] == "NameError: name 'blur_kernel' is not defined", notes
    assert _notes("blur", name_error, [(None, zero)])["blur"] == \
        "a cell of yours above the test failed: ZeroDivisionError: division by zero"
    assert _notes("blur", name_error, [(None, zero), ("blur_solution", syntax)])["blur"].startswith(
        "your solution cell failed: SyntaxError")
    assert _notes("blur", None, [("blur_solution", syntax)])["blur"] == "passed"  # a passing test stays passed


def test_without_nbgrader_release_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbgrader", None)  # makes `import nbgrader...` fail
    monkeypatch.setitem(sys.modules, "nbgrader.preprocessors", None)
    _one_line_error(capsys, ["assignments", "release", "--check"], "pip install -e '.[instructor]'")


def test_nothing_else_imports_nbgrader():
    code = ("import sys, stylegan_edu.cli as c, stylegan_edu.assignments.check, stylegan_edu.assignments.source; "
            "c.build_parser(); sys.exit('nbgrader' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


@pytest.mark.slow
def test_self_check_of_an_untouched_student_version(capsys):
    assert main(["assignments", "check", str(A.student_path("a1_building_blocks"))]) == 1
    out = capsys.readouterr().out
    assert re.search(r"equalized_linear\s+0 / 3\s+NotImplementedError: not written yet", out), out
    assert re.search(r"why_runtime_scale\s+- / 3\s+written answer, not answered yet", out), out
    assert re.search(r"autograded total\s+0 / 13", out), out


@pytest.mark.slow
def test_self_check_of_a_renamed_copy_with_failing_solution_cells(capsys, tmp_path):
    """A duplicated notebook (Jupyter's "-Copy1") with --hidden, the instructor's solutions except a SyntaxError
    in blur's solution cell and an exception while EqualizedConv2d is defined."""
    name = "a1_building_blocks"
    solutions = {_meta(c)["grade_id"]: c.source for c in _read(A.instructor_path(name)).cells
                 if _meta(c).get("solution")}
    solutions["blur_solution"] = solutions["blur_solution"].replace("def blur2d(x):", "def blur2d(x)")
    solutions["equalized_conv_solution"] = solutions["equalized_conv_solution"].replace(
        "class EqualizedConv2d(nn.Module):\n", "class EqualizedConv2d(nn.Module):\n    padding = kernel_size // 2\n")
    nb = _read(A.student_path(name))
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            cell.source = solutions[_meta(cell)["grade_id"]]
    path = tmp_path / f"{name}-Copy1.ipynb"
    nbformat.write(nb, path)
    assert main(["assignments", "check", str(path), "--hidden"]) == 1
    out = capsys.readouterr().out
    assert "with the hidden tests" in out, out
    assert re.search(r"blur\s+0 / 3\s+your solution cell failed: SyntaxError: expected ':' \(line \d+\)", out), out
    assert re.search(r"equalized_conv\s+0 / 2\s+your solution cell failed: NameError: name 'kernel_size' is not "
                     r"defined", out), out
    for task in ("equalized_linear", "pixel_norm", "resample"):
        assert re.search(rf"{task}\s+(\d+) / \1\s+passed", out), out


# --------------------------------------------------------------------------------------------------------------
# A real nbgrader round trip
# --------------------------------------------------------------------------------------------------------------


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.slow
def test_nbgrader_round_trip(tmp_path):
    """generate_assignment, autograde of a correct and a wrong submission, export to CSV, in a fresh course."""
    name, wrong_task = "a1_building_blocks", "pixel_norm"
    course = tmp_path / "course"
    shutil.copytree(A.instructor_path(name).parent, course / "source" / name)
    shutil.copy(A.COURSE / "nbgrader_config.py", course)
    _nbgrader(course, "generate_assignment", name)

    released = _read(course / "release" / name / f"{name}.ipynb")
    committed = _read(A.student_path(name))
    assert [(c.cell_type, c.source, c.metadata) for c in released.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in committed.cells]

    inst = _read(A.instructor_path(name))
    solutions = {_meta(c)["grade_id"]: c.source for c in inst.cells if _meta(c).get("solution")}
    wrong_source = next(body for caught_by, _, body in _wrong_answers(wrong_task) if caught_by == "hidden")
    for student, wrong in [("alice", None), ("bob", wrong_source)]:
        nb = copy.deepcopy(released)
        for cell in nb.cells:
            gid = _meta(cell).get("grade_id")
            if _meta(cell).get("solution"):
                cell.source = wrong if wrong and gid == f"{wrong_task}_solution" else solutions[gid]
        (course / "submitted" / student / name).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / name / f"{name}.ipynb")
    _nbgrader(course, "autograde", name)
    _nbgrader(course, "export", "--to", str(course / "grades.csv"))

    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    auto, written = _points(inst)
    task_points = next(_meta(c)["points"] for c in inst.cells if _meta(c).get("grade_id") == wrong_task)
    assert float(rows["alice"]["score"]) == auto  # the written answers wait for a human grader
    assert float(rows["bob"]["score"]) == auto - task_points
    assert float(rows["alice"]["max_score"]) == float(rows["bob"]["max_score"]) == auto + written
    # the same verdict from the self-check, without nbgrader
    report = check.check_notebook(course / "submitted" / "bob" / name / f"{name}.ipynb", hidden=True)
    assert report.score == auto - task_points and report.scores[wrong_task] == 0
    graded = json.loads((course / "autograded" / "bob" / name / f"{name}.ipynb").read_text())
    assert any("BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in graded["cells"])  # nbgrader restored them
