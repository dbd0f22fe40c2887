"""The lessons' exercises: every check answers a scaffold with "Not written yet", each plausible wrong answer in
tests/data/wrong_answers with a message naming what is wrong, and the committed learner and solved notebooks
print what they should."""

import importlib.util
import re
from pathlib import Path

import pytest
import torch

from stylegan_edu.course import checks

ROOT = Path(__file__).resolve().parents[1]
WRONG_DIR = Path(__file__).parent / "data" / "wrong_answers"
NOTEBOOKS = ROOT / "notebooks"


def _wrong_answers() -> dict:
    out = {}
    for path in sorted(WRONG_DIR.glob("lesson*.py")):
        spec = importlib.util.spec_from_file_location(f"wrong_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, answers in mod.WRONG.items():
            assert name not in out, f"{path.name}: wrong answers for {name!r} given twice"
            out[name] = answers
    return out


WRONG = _wrong_answers()
EXERCISES = checks.load_all()


def test_every_exercise_has_at_least_two_wrong_answers_on_file():
    assert set(WRONG) <= set(EXERCISES), f"wrong answers for unknown exercises: {set(WRONG) - set(EXERCISES)}"
    few = {name: len(WRONG.get(name, [])) for name in EXERCISES if len(WRONG.get(name, [])) < 2}
    assert not few, f"exercises with fewer than two wrong answers in tests/data/wrong_answers: {few}"


@pytest.mark.parametrize("name,index", [(n, i) for n in sorted(WRONG) for i in range(len(WRONG[n]))])
def test_a_wrong_answer_gets_a_message_naming_what_is_wrong(name, index):
    answer, says = WRONG[name][index]
    line = checks.verdict(name, answer)
    assert line.startswith(("Not yet:", "Your code raised")), f"{answer.__name__}: {line}"
    assert says in line, f"{answer.__name__}: expected the message to say {says!r}, got: {line}"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_scaffold_is_not_written_yet_and_says_its_hint(name):
    def scaffold(*args, **kwargs):
        ...

    for answer in (scaffold, None):
        line = checks.verdict(name, answer)
        assert line == f"Not written yet. Hint: {EXERCISES[name].hint}"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_written_code_without_a_return_is_told_so_not_called_unwritten(name):
    def forgot_return(*args, **kwargs):
        """Something was written here, but nothing is returned."""
        _ = len(args)

    assert checks.verdict(name, forgot_return) == "Not yet: your code returned None: is a `return` missing?"


@pytest.mark.parametrize("kind", [set, lambda r: map(int, r), lambda r: (i for i in r)])
def test_layers_given_as_any_iterable_are_judged_not_crashed_on(kind):
    assert checks.verdict("crossover_layers", lambda n, c: kind(range(c, n))).startswith("Correct:")


def test_a_module_whose_forward_lacks_a_return_is_told_so():
    class Scaffolded(torch.nn.Module):
        def forward(self, x):
            """The build's scaffold."""
            # YOUR CODE HERE
            ...

    class Forgot(torch.nn.Module):
        def forward(self, x):
            x = x * 2

    with pytest.raises(checks.NotWritten):
        checks.call(Scaffolded(), torch.zeros(1))
    with pytest.raises(checks.Wrong, match="return` missing"):
        checks.call(Forgot(), torch.zeros(1))


def _check_outputs(path: Path) -> list[str]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(r"^check_\w+\(", cell.source, re.M):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            lines += [ln for ln in text.splitlines() if ln.startswith(("Correct", "Not", "Your code"))]
    return lines


def _lessons():
    return sorted(p.stem for p in (NOTEBOOKS / "src").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("lesson", _lessons())
def test_each_lesson_has_two_exercises_unsolved_for_the_learner_and_solved_in_solutions(lesson):
    source = (NOTEBOOKS / "src" / f"{lesson}.py").read_text()
    calls = re.findall(r"^check_(\w+)\(", source, re.M)
    assert len(set(calls)) >= 2, f"{lesson}: {len(set(calls))} exercise(s), at least two wanted"
    assert set(calls) <= set(EXERCISES), f"{lesson}: checks not in stylegan_edu.course: {set(calls) - set(EXERCISES)}"
    assert source.count("### BEGIN SOLUTION") >= len(set(calls))
    learner = _check_outputs(NOTEBOOKS / f"{lesson}.ipynb")
    solved = _check_outputs(NOTEBOOKS / "solutions" / f"{lesson}.ipynb")
    assert len(learner) == len(solved) == len(calls), (lesson, learner, solved)
    assert all(ln.startswith("Not written yet.") for ln in learner), learner
    assert all(ln.startswith("Correct:") for ln in solved), solved
    assert "### BEGIN SOLUTION" not in (NOTEBOOKS / f"{lesson}.ipynb").read_text()
