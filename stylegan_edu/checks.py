"""Checks of numeric arguments, shared by the library functions and the command line (no imports from the package:
every module may use it).

    check_number("psi", psi, PSI_MIN, PSI_MAX)          -> float, or ValueError "psi must be a finite number in
                                                            [-2, 2], got nan"
    check_number("num_pairs", n, lo=1, integer=True)     -> int
    check_seed("seed", s)                                -> int in [0, 2**32 - 1]
    parse_seeds("0-7,9")                                 -> [0, 1, ..., 7, 9]

The ranges used across the package:

- truncation psi: a finite number in [PSI_MIN, PSI_MAX] = [-2, 2]. 1 is no truncation, 0 the average face, and
  negative values the "anti-face" the lessons show (psi from 1 down to -1); beyond +-2 the faces leave the
  trained distribution entirely, and a value such as 70 is almost always a typo for 0.70.
- seeds: integers in [0, SEED_MAX] = [0, 2**32 - 1] (the uint32 range numpy and the official code accept).
- noise strength: a finite number >= 0 (0 = no noise).
"""

from __future__ import annotations

import math
import numbers

PSI_MIN, PSI_MAX = -2.0, 2.0
SEED_MAX = 2**32 - 1
MAX_SEEDS = 100_000  # seeds one seed list may hold ("0-4294967295" would not fit in memory)


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def describe_range(lo=None, hi=None, lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> str:
    """'a finite number in [-2, 2]', 'a positive integer (>= 1)', 'a finite number > 0', ..."""
    kind = "an integer" if integer else "a finite number"
    if lo is not None and hi is not None:
        return f"{kind} in {'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}{')' if hi_open else ']'}"
    if lo is not None:
        op = ">" if lo_open else ">="
        if integer and lo == 1 and not lo_open:
            return "a positive integer (>= 1)"
        if lo == 0 and lo_open and not integer:
            return "a positive finite number (> 0)"
        return f"{kind} {op} {_fmt(lo)}"
    if hi is not None:
        return f"{kind} {'<' if hi_open else '<='} {_fmt(hi)}"
    return kind


def number_problem(value, lo=None, hi=None, lo_open: bool = False, hi_open: bool = False,
                   integer: bool = False):
    """(None, converted value) when `value` is a number in range, else (what it must be, None)."""
    want = describe_range(lo, hi, lo_open, hi_open, integer)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) and not hasattr(value, "__float__"):
        return want, None
    try:
        x = float(value)
    except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor with more than one element
        return want, None
    if not math.isfinite(x):
        return want, None
    if integer:
        if isinstance(value, numbers.Integral):
            x = int(value)
        elif x.is_integer():
            x = int(x)
        else:
            return want, None
    if lo is not None and (x <= lo if lo_open else x < lo):
        return want, None
    if hi is not None and (x >= hi if hi_open else x > hi):
        return want, None
    return None, x


def check_number(name: str, value, lo=None, hi=None, lo_open: bool = False, hi_open: bool = False,
                 integer: bool = False):
    """`value` as a float (an int with integer=True) when it is finite and in range; else a ValueError that names
    the parameter and the range, e.g. "psi must be a finite number in [-2, 2], got nan"."""
    want, x = number_problem(value, lo, hi, lo_open, hi_open, integer)
    if want:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return x


def check_psi(value, name: str = "psi") -> float:
    """Truncation psi: a finite number in [-2, 2] (see the module docstring)."""
    return check_number(name, value, PSI_MIN, PSI_MAX)


def check_seed(name: str, value) -> int:
    return check_number(name, value, 0, SEED_MAX, integer=True)


def parse_seeds(text: str) -> list[int]:
    """'0-15' or '3,7,10-12' -> list of seeds in [0, 2**32 - 1], at most MAX_SEEDS of them (ValueError otherwise)."""
    seeds: list[int] = []
    for part in str(text).split(","):
        lo, sep, hi = part.strip().partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            raise ValueError(f"seeds must look like 0-15 or 1,5,9, got {text!r}")
        a, b = int(lo), int(hi) if sep else int(lo)
        if b > SEED_MAX:
            raise ValueError(f"seeds must be integers in [0, {SEED_MAX}], got {b}")
        if b < a:
            raise ValueError(f"empty seed range {part.strip()!r}")
        if len(seeds) + b - a + 1 > MAX_SEEDS:
            raise ValueError(f"at most {MAX_SEEDS} seeds, got {text!r}")
        seeds.extend(range(a, b + 1))
    return seeds


__all__ = ["MAX_SEEDS", "PSI_MAX", "PSI_MIN", "SEED_MAX", "check_number", "check_psi", "check_seed",
           "describe_range", "number_problem", "parse_seeds"]
