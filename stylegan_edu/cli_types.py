"""argparse `type=` factories that reject NaN, +-inf and out-of-range values with one line naming the range.

    p.add_argument("--psi", type=truncation_psi(), default=0.7)
    p.add_argument("--kimg", type=positive_float())
    p.add_argument("--seeds", type=seed_list(), default="0-15")

argparse prefixes the option: "stylegan-edu generate: error: argument --psi: must be a finite number in [-2, 2],
got 'nan'" (exit code 2). Every numeric option of every subcommand uses one of these (tests/test_cli_numbers.py
fails on a plain type=int or type=float). The ranges themselves are in stylegan_edu.checks.
"""

from __future__ import annotations

import argparse

from stylegan_edu import checks


def _checked(fn, name: str):
    fn.__name__ = name  # argparse names the type in some messages
    fn.checked_number = True  # how tests/test_cli_numbers.py recognises a checked type
    return fn


def number(lo=None, hi=None, lo_open: bool = False, hi_open: bool = False, integer: bool = False):
    """A type for a finite number (an integer with integer=True) in the given range."""

    def parse(text: str):
        try:
            value = int(text, 10) if integer else float(text)
        except ValueError:
            try:  # "1e3" or "8.0" for an integer option: judged by its value below
                value = float(text)
            except ValueError:
                value = text
        want, x = checks.number_problem(value, lo, hi, lo_open, hi_open, integer)
        if want:
            raise argparse.ArgumentTypeError(f"must be {want}, got {text!r}")
        return x

    return _checked(parse, "int" if integer else "float")


def positive_int(hi=None):
    """An integer >= 1 (and <= hi)."""
    return number(1, hi, integer=True)


def positive_float(hi=None):
    """A finite number > 0 (and <= hi)."""
    return number(0, hi, lo_open=True)


def truncation_psi():
    """Truncation psi: a finite number in [-2, 2]."""
    return number(checks.PSI_MIN, checks.PSI_MAX)


def seed_int():
    """One seed: an integer in [0, 2**32 - 1]."""
    return number(0, checks.SEED_MAX, integer=True)


def power_of_two(lo: int = 4, hi: int | None = None):
    """A power of two >= lo (and <= hi), e.g. a resolution."""
    want = f"a power of two, at least {lo}" + ("" if hi is None else f" and at most {hi}")

    def parse(text: str):
        try:
            r = int(text, 10)
        except ValueError:
            r = None
        if r is None or r < lo or (hi is not None and r > hi) or r & (r - 1):
            raise argparse.ArgumentTypeError(f"must be {want}, got {text!r}")
        return r

    return _checked(parse, "int")


def seed_list():
    """Seeds like 0-15 or 1,5,9: integers in [0, 2**32 - 1], at most checks.MAX_SEEDS of them -> list[int]."""

    def parse(text: str):
        try:
            return checks.parse_seeds(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return _checked(parse, "seeds")


def is_checked(type_) -> bool:
    return bool(getattr(type_, "checked_number", False))


__all__ = ["is_checked", "number", "positive_float", "positive_int", "power_of_two", "seed_int", "seed_list",
           "truncation_psi"]
