"""Helpers for the test cells of the assignments: a comparison and a failure message that a learner can act on.

A test cell reads

    got = pixel_norm(x)
    want = L.pixel_norm(x)
    assert close(got, want), report("pixel_norm(x)", got, want, "divide by the root mean square over dim 1")

`close` never raises (a wrong type or shape is simply "not close"); `report` is only evaluated when the assert
fails and says what was expected, what came back and a hint. Neither prints anything: nbgrader takes any
output on stderr in a test cell as a failure, and test cells stay silent when they pass.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_array(x):
    """A float64 numpy array for tensors, arrays, numbers and (nested) sequences of them; None otherwise."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float64).numpy()
    if isinstance(x, (bool, int, float, np.number, np.ndarray, list, tuple)):
        try:
            if isinstance(x, (list, tuple)):
                x = [v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v for v in x]
            a = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return a
    return None


def close(got, want, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """True when `got` has the shape of `want` and every value is within atol + rtol * |want| (NaN never is)."""
    if isinstance(want, torch.Tensor) and not isinstance(got, torch.Tensor):
        return False
    a, b = _as_array(got), _as_array(want)
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))  # False where either is NaN


def _summary(x, limit: int = 4) -> str:
    if x is None:
        return "None (does the function return its result?)"
    if isinstance(x, str):
        return x
    a = _as_array(x)
    if a is None:
        return f"a {type(x).__name__}: {str(x)[:80]}"
    kind = "tensor" if isinstance(x, torch.Tensor) else "array" if isinstance(x, np.ndarray) else ""
    if a.ndim == 0:
        return f"{a.item():.6g}"
    values = ", ".join(f"{v:.4g}" for v in a.ravel()[:limit]) + (", ..." if a.size > limit else "")
    return f"{kind} of shape {list(a.shape)} [{values}]".strip()


def report(what: str, got, want, hint: str) -> str:
    """'<what>: expected <want>, got <got> (largest difference ...). Hint: <hint>' on one line."""
    msg = f"{what}: expected {_summary(want)}, got {_summary(got)}"
    a, b = _as_array(got), _as_array(want)
    if a is not None and b is not None and a.shape == b.shape and a.size > 1:
        diff = np.abs(a - b)
        if np.isnan(diff).any():
            msg += " (it contains NaN)"
        else:
            where = np.unravel_index(int(np.argmax(diff)), diff.shape)
            msg += f" (largest difference {diff[where]:.3g} at index {list(map(int, where))})"
    elif isinstance(want, torch.Tensor) and not isinstance(got, torch.Tensor) and got is not None:
        msg += f" (a {type(got).__name__}, not a torch tensor)"
    return f"{msg}. Hint: {hint}"
