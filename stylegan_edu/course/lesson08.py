"""Lesson 08's exercises: the Fréchet distance of two 1-D Gaussians, the spherical interpolation of Z-space PPL,
and the conditional entropy behind linear separability."""

from __future__ import annotations

import math

import numpy as np
import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


def _number(out, what: str) -> float:
    """`out` as a Python float (a number, a numpy scalar or a one-element tensor), or Wrong."""
    if isinstance(out, torch.Tensor):
        if out.numel() != 1:
            raise Wrong(f"{what} should be one number, got a tensor of shape {tuple(out.shape)}")
        out = out.item()
    if isinstance(out, np.ndarray):
        if out.size != 1:
            raise Wrong(f"{what} should be one number, got an array of shape {out.shape}")
        out = out.item()
    if isinstance(out, bool) or not isinstance(out, (int, float, np.integer, np.floating)):
        raise Wrong(f"{what} should be a number, got {type(out).__name__}")
    return float(out)


# --- exercise 1: the Fréchet distance of two 1-D Gaussians ---------------------------------------------------

_FRECHET_CASES = ((0.0, 2.0, 0.0, 2.0), (1.0, 2.0, -1.0, 0.5), (3.0, 0.1, 3.0, 4.0), (0.5, 3.0, 2.0, 1.5))


def _frechet_library(mu1, s1, mu2, s2) -> float:
    from stylegan_edu.metrics import frechet_distance

    return float(frechet_distance(np.array([mu1]), np.array([[s1 ** 2]]), np.array([mu2]), np.array([[s2 ** 2]])))


def _judge_frechet_1d(fn):
    got = {args: _number(call(fn, *args), f"frechet_1d{args}") for args in _FRECHET_CASES}
    want = {args: _frechet_library(*args) for args in _FRECHET_CASES}
    if all(math.isclose(got[a], want[a], rel_tol=1e-6, abs_tol=1e-6) for a in _FRECHET_CASES):
        return
    same, spread = (0.0, 2.0, 0.0, 2.0), (3.0, 0.1, 3.0, 4.0)
    no_root = {a: (a[0] - a[2]) ** 2 + a[1] ** 2 + a[3] ** 2 - 2 * a[1] ** 2 * a[3] ** 2 for a in _FRECHET_CASES}
    if all(math.isclose(got[a], no_root[a], rel_tol=1e-6, abs_tol=1e-6) for a in _FRECHET_CASES):
        raise Wrong(f"frechet_1d{same} gave {got[same]:.4g}: the square root of S1·S2 is missing. With 1x1 "
                    "matrices Tr(S1 + S2 - 2·sqrt(S1 S2)) is sigma1² + sigma2² - 2·sigma1·sigma2")
    if abs(got[same]) > 1e-6:
        raise Wrong(f"frechet_1d{same} gave {got[same]:.4g}: two identical Gaussians are at distance 0")
    if abs(got[spread]) <= 1e-6:
        raise Wrong(f"frechet_1d{spread} gave 0: equal means but standard deviations 0.1 and 4 must be far "
                    "apart (the trace term measures the difference in spread)")
    if all(math.isclose(got[a], want[a] ** 0.5, rel_tol=1e-6, abs_tol=1e-6) for a in _FRECHET_CASES):
        raise Wrong("your values are the square roots of the expected ones: FID is the *squared* Fréchet "
                    "distance, ||mu1 - mu2||^2 + Tr(...), with no root taken at the end")
    squared_vars = {a: (a[0] - a[2]) ** 2 + (a[1] ** 2 - a[3] ** 2) ** 2 for a in _FRECHET_CASES}
    if all(math.isclose(got[a], squared_vars[a], rel_tol=1e-6, abs_tol=1e-6) for a in _FRECHET_CASES):
        raise Wrong("sigma1 and sigma2 are standard deviations, not variances: the covariance matrices are "
                    "[[sigma1**2]] and [[sigma2**2]]")
    args = next(a for a in _FRECHET_CASES if not math.isclose(got[a], want[a], rel_tol=1e-6, abs_tol=1e-6))
    raise Wrong(f"frechet_1d{args} gave {got[args]:.4f}, expected {want[args]:.4f}")


check_frechet_1d = exercise(
    "frechet_1d", _judge_frechet_1d,
    hint="write the formula above with 1x1 matrices: S1 = sigma1**2, S2 = sigma2**2; what is sqrt(S1 S2)?",
    success="the 1-D Fréchet distance: the means' gap squared plus the standard deviations' gap squared.")


# --- exercise 2: slerp, the path of PPL in Z --------------------------------------------------------------------

def _slerp_inputs():
    g = torch.Generator().manual_seed(8)
    a = torch.randn(6, 16, generator=g) * 3.0  # not unit length: the official slerp normalises first
    b = torch.randn(6, 16, generator=g) * 0.5
    return a, b


def _unit(v):
    return v / v.norm(dim=-1, keepdim=True)


def _judge_slerp(fn):
    from stylegan_edu.metrics import slerp as library_slerp

    a, b = _slerp_inputs()
    for t in (0.25, 0.7):
        what = f"slerp(a, b, {t}) for a, b of shape (6, 16)"
        out = tensor(call(fn, a.clone(), b.clone(), t), (6, 16), what)
        want = library_slerp(a, b, t)
        if max_diff(out, want) <= 1e-5:
            continue
        if torch.isnan(out).any():
            raise Wrong(f"{what} contains nan: is the angle taken from the dot product of the raw a and b? That "
                        "lies far outside [-1, 1]; clamped, its acos is 0 or pi, so sin(angle) is 0 and the formula "
                        "divides 0 by 0 (unclamped, acos gives nan itself). Take the angle from the dot product of "
                        "the normalised a and b, clamped to [-1, 1]")
        if max_diff(out, torch.lerp(a, b, t)) <= 1e-5 or max_diff(out, torch.lerp(_unit(a), _unit(b), t)) <= 1e-5:
            raise Wrong("that is a straight line between the two points (lerp); in Z the paper walks along the "
                        "sphere, turning by an angle")
        if max_diff(out, library_slerp(a, b, 1 - t)) <= 1e-5:
            raise Wrong("the path runs backwards: t = 0 must give a's direction and t = 1 b's")
        norms = out.norm(dim=-1)
        if (norms - 1).abs().max() > 1e-4:
            raise Wrong(f"the results have lengths {norms.min():.3f} .. {norms.max():.3f}; normalise a and b "
                        "first, so the path lies on the unit sphere (as the official Z-space PPL does)")
        cos_a = (_unit(out) * _unit(a)).sum(-1).clamp(-1, 1)
        total = (_unit(a) * _unit(b)).sum(-1).clamp(-1, 1).acos()
        if (cos_a.acos() - t * total).abs().max() > 1e-4:
            raise Wrong(f"the points lie on the sphere, but at t = {t} the angle from a should be {t} of the "
                        "angle between a and b; normalising a straight-line point does not space them evenly "
                        "in angle")
        raise Wrong(f"{what} differs from the expected point by up to {max_diff(out, want):.3g}")


check_slerp = exercise(
    "slerp", _judge_slerp,
    hint="normalise a and b and find the angle between them (torch.acos of their dot product); the classic "
         "slerp formula then mixes a and b with weights made of sines, so that t = 0 gives a and t = 1 gives b",
    success="spherical interpolation; with it, PPL in Z walks along the sphere that Gaussian latents live near.")


# --- exercise 3: the conditional entropy H(label | side) ---------------------------------------------------------

def _entropy_cases():
    rng = np.random.default_rng(3)
    labels = rng.random(400) < 0.3
    noisy = labels ^ (rng.random(400) < 0.15)  # a side that agrees with the label 85 % of the time
    return [
        ("a side that predicts the label 85 % of the time", labels, noisy),
        ("a side that always agrees with the label", labels, labels.copy()),
        ("a side that is True for every sample", labels, np.ones(400, dtype=bool)),
        ("a side that is independent of the label", labels, rng.random(400) < 0.5),
    ]


def _entropy(p) -> float:
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _judge_conditional_entropy(fn):
    from stylegan_edu.metrics import conditional_entropy_bits as library_h

    for what, labels, side in _entropy_cases():
        got = _number(call(fn, labels.copy(), side.copy()), f"conditional_entropy_bits for {what}")
        want = library_h(labels, side)
        if math.isclose(got, want, abs_tol=1e-6):
            continue
        if math.isnan(got):
            raise Wrong(f"{what} gives nan: an empty cell of the 2x2 table has p = 0, and 0 * log 0 counts as 0")
        if math.isclose(got, want * math.log(2), abs_tol=1e-6):
            raise Wrong("the answer is in nats: measure the entropy in bits (log base 2)")
        h_label = _entropy([labels.mean(), 1 - labels.mean()])
        if math.isclose(got, h_label, abs_tol=1e-6):
            raise Wrong(f"for {what} you get H(label) = {h_label:.3f}, what is unknown before looking at the "
                        "side; the score needs what is left once the side is known")
        joint = [np.mean(labels & side), np.mean(labels & ~side), np.mean(~labels & side), np.mean(~labels & ~side)]
        if math.isclose(got, _entropy(joint), abs_tol=1e-6):
            raise Wrong(f"for {what} you get the joint entropy H(label, side) = {got:.3f}; the score needs "
                        "H(label | side), which is 0 when the side tells the label")
        if math.isclose(got, library_h(side, labels), abs_tol=1e-6):
            raise Wrong(f"for {what} you get H(side | label) = {got:.3f}, the wrong way round: the score is "
                        "the uncertainty about the label once the side is known")
        raise Wrong(f"for {what} you get {got:.4f} bits, expected {want:.4f}")


check_conditional_entropy = exercise(
    "conditional_entropy", _judge_conditional_entropy,
    hint="count how often each of the four (side, label) combinations occurs to get p(side, label), and add "
         "p(side) = p(side, False) + p(side, True); a combination that never occurs adds nothing",
    success="H(label | side) in bits; linear separability is 2 to the power of its sum over the attributes.")
