"""Running an exercise check: one line that says Correct, Not written yet (with the hint) or what is wrong.

A lesson module defines each exercise with a judge that calls the learner's code through `call` and raises
`Wrong("what is wrong")` on a wrong answer:

    def _judge_blur(fn):
        out = call(fn, x)
        if out.shape != x.shape:
            raise Wrong(f"the output has shape {tuple(out.shape)}; a blur keeps the shape {tuple(x.shape)}")

    check_blur = exercise("blur", _judge_blur, hint="...", success="...")

`check_blur(blur)` prints the verdict and never raises, so a notebook with unwritten exercises runs top to
bottom. `verdict("blur", answer)` returns the same line (tests/test_exercises.py feeds it wrong answers).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from typing import Callable

import torch

EXERCISES: dict[str, "Exercise"] = {}
NOT_WRITTEN = "Not written yet."
CORRECT = "Correct:"


class Wrong(Exception):
    """A wrong answer; the message names what is wrong."""


class NotWritten(Exception):
    """The learner's code is still the scaffold (its body is `...` and it returned None, or it raised
    NotImplementedError)."""


class LearnerError(Exception):
    """The learner's code raised; the message carries the exception."""


@dataclass(frozen=True)
class Exercise:
    name: str
    judge: Callable
    hint: str
    success: str

    def verdict(self, answer) -> str:
        if answer is None or answer is Ellipsis:
            return f"{NOT_WRITTEN} Hint: {self.hint}"
        try:
            # every judge starts from the same random state and leaves the notebook's untouched, so the cells
            # after a check compute the same numbers whatever the learner's answer drew
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                self.judge(answer)
        except NotWritten:
            return f"{NOT_WRITTEN} Hint: {self.hint}"
        except LearnerError as e:
            return f"Your code raised {e}. Hint: {self.hint}"
        except Wrong as e:
            return f"Not yet: {e}"
        return f"{CORRECT} {self.success}"

    def __call__(self, answer) -> None:
        print(self.verdict(answer))


def exercise(name: str, judge: Callable, hint: str, success: str) -> Exercise:
    """Register an exercise; the returned object is the lesson's `check_NAME` (call it with the answer)."""
    if name in EXERCISES:
        raise ValueError(f"exercise {name!r} is defined twice")
    EXERCISES[name] = ex = Exercise(name, judge, hint, success)
    return ex


def verdict(name: str, answer) -> str:
    """The line `check_NAME(answer)` prints."""
    load_all()
    return EXERCISES[name].verdict(answer)


def load_all() -> dict[str, Exercise]:
    """Import every lesson's checks (they register themselves) and return the registry."""
    import importlib
    import pkgutil

    import stylegan_edu.course as course

    for info in pkgutil.iter_modules(course.__path__):
        if info.name.startswith("lesson"):
            importlib.import_module(f"stylegan_edu.course.{info.name}")
    return EXERCISES


def call(fn, *args, **kwargs):
    """Call the learner's function: None from the `...` scaffold means not written, None from written code a
    missing `return`; their exceptions are reported as theirs, not as a failure of the check."""
    if not callable(fn):
        raise Wrong(f"expected a function or class, got {type(fn).__name__}")
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError:
        raise NotWritten() from None
    except Exception as e:  # noqa: BLE001 - anything the learner's code raises is reported to them
        raise LearnerError(f"{type(e).__name__}: {e}") from None
    if out is None:
        if _is_scaffold(fn):
            raise NotWritten()
        raise Wrong("your code returned None: is a `return` missing?")
    return out


def _is_scaffold(fn) -> bool:
    """Whether the code that returned None is still the scaffold: a body of only `...` or `pass` after the
    docstring (or code whose source cannot be read). Written code that returns None lacks a `return`."""
    target = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else getattr(type(fn), "forward", None)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(target)))
    except (OSError, TypeError, SyntaxError):
        return True
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return True  # a lambda or something unusual: keep the old answer
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str):
        body = body[1:]
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                           and s.value.value is Ellipsis) for s in body)


def tensor(out, shape: tuple | None = None, what: str = "the result") -> torch.Tensor:
    """`out` as a float tensor of `shape`, or Wrong naming what it is instead."""
    if not isinstance(out, torch.Tensor):
        raise Wrong(f"{what} should be a torch tensor, got {type(out).__name__}")
    if shape is not None and tuple(out.shape) != tuple(shape):
        raise Wrong(f"{what} has shape {tuple(out.shape)}, expected {tuple(shape)}")
    if not out.is_floating_point():
        raise Wrong(f"{what} has dtype {out.dtype}, expected a float tensor")
    return out.float()


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()
