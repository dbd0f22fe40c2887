"""Lesson 10's exercises: moving faces along an attribute's direction in W on chosen style layers (compared with
`stylegan_edu.editing.edit`), and the conditional direction that leaves other attributes alone (compared with
`stylegan_edu.editing.conditional_direction`)."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor

# --- exercise 1: my_edit(ws, direction, strengths, layers) -> [N, S, L, D] -------------------------------------

_EDIT_CASES = (  # (faces N, style layers L, w_dim D, strengths, edited layers); S != N, so the order shows
    (3, 10, 128, (-2.0, 0.0, 1.0, 2.5), (4, 5, 6, 7)),
    (2, 18, 16, (3.0,), (0, 1)),
    (1, 10, 8, (-1.0, 1.0, 2.5), tuple(range(10))),
    (2, 10, 8, (0.5, -3.0, 1.0), (9,)),
)
EDIT_TOL = 1e-5


def _library_edit(ws, direction, strengths, layers):
    from stylegan_edu.editing import edit

    # edit() reads only the number of style layers from G when the layers are given as indices
    return edit(SimpleNamespace(num_layers=ws.shape[1]), ws, direction, list(strengths), list(layers))


def _edit_mistake(out, ws, d, strengths, layers) -> str | None:
    """What a wrong [N, S, L, D] result did, when it is one of the usual slips; else None."""
    L = ws.shape[1]
    others = [i for i in range(L) if i not in layers]
    plain = list(strengths)
    same = lambda alt: max_diff(out, alt) <= EDIT_TOL  # noqa: E731
    if others and same(_library_edit(ws, d, plain, range(L))):
        return (f"every layer moved, but only the layers in `layers` ({list(layers)}) should: the others keep "
                "their w (put the step on those layers only)")
    if others and same(_library_edit(ws, d, plain, others)):
        return (f"the layers outside `layers` moved and layers {list(layers)} stayed: the step goes on the layers "
                "listed in `layers`, the others keep their w")
    if len(layers) > 1 and same(_library_edit(ws, d, plain, layers[:-1])):
        return (f"layer {layers[-1]} did not move: every layer in `layers` takes the step, the last one too "
                f"(a slice {layers[0]}:{layers[-1]} stops one early)")
    if same(_library_edit(ws, d, [-s for s in plain], layers)):
        return "the faces moved the wrong way: add strength × direction (a positive strength goes towards 'high')"
    if same(_library_edit(ws, d / d.norm(), plain, layers)):
        return ("the step was strength × direction / |direction|: the direction already has its length (strength 1 "
                "is one standard deviation of w along it), so do not normalise it")
    if len(set(plain)) > 1 and same(_library_edit(ws, d, [1.0] * len(plain), layers)):
        return "every strength gave the same face: the step must be strength × direction, one edit per strength"
    zero = [k for k, s in enumerate(plain) if s == 0]
    if zero and max_diff(out[:, zero[0]], ws) > EDIT_TOL:
        return ("at strength 0 the face changed: it must come back unchanged, since the step is strength × "
                "direction")
    return None


def _judge_edit(fn):
    gen = torch.Generator().manual_seed(10)
    for n, L, D, strengths, layers in _EDIT_CASES:
        ws = torch.randn(n, L, D, generator=gen)
        d = torch.randn(D, generator=gen) * 0.3  # an edit vector: not a unit vector
        ws0, d0 = ws.clone(), d.clone()
        S = len(strengths)
        what = f"my_edit(ws [{n}, {L}, {D}], direction [{D}], strengths {list(strengths)}, layers {list(layers)})"
        out = call(fn, ws, d, list(strengths), list(layers))
        if not torch.equal(ws, ws0) or not torch.equal(d, d0):
            raise Wrong("my_edit changed ws (or direction) itself: build the result in a new tensor, e.g. "
                        "ws[:, None] + step, or write into ws.clone()")
        if isinstance(out, torch.Tensor) and tuple(out.shape) == (S, n, L, D):
            raise Wrong(f"{what} has shape {tuple(out.shape)}, [S, N, L, D]: the faces come first and the strengths "
                        f"second, [N, S, L, D] = {(n, S, L, D)} (one row of edits per face)")
        if isinstance(out, torch.Tensor) and tuple(out.shape) == (n * S, L, D):
            raise Wrong(f"{what} has shape {tuple(out.shape)}: keep faces and strengths as two dimensions, "
                        f"[N, S, L, D] = {(n, S, L, D)}")
        out = tensor(out, (n, S, L, D), what)
        want = _library_edit(ws, d, strengths, layers)
        if max_diff(out, want) <= EDIT_TOL:
            continue
        says = _edit_mistake(out, ws, d, list(strengths), list(layers))
        if says:
            raise Wrong(says)
        raise Wrong(f"{what} differs from stylegan_edu.editing.edit by up to {max_diff(out, want):.3g}: for each "
                    "face and strength, the layers in `layers` get w + strength × direction and the other layers "
                    "keep w")


check_my_edit = exercise(
    "my_edit", _judge_edit,
    hint="for each strength s the step is s × direction; add it only on the layers listed in `layers` (a 0/1 mask "
         "over the layer dimension) to ws[:, None], so that faces and strengths are the first two dimensions",
    success="your edits equal stylegan_edu.editing.edit: each chosen layer moves by strength × direction, "
            "the others keep their w.")


# --- exercise 2: my_conditional_direction(n, others) -> [D] -------------------------------------------------------

COND_TOL = 1e-4


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm()


def _conditional_cases():
    """(n, others): one row of length 3; two unit rows at cosine 0.6 to each other; three rows of mixed lengths,
    one of them close to n. The rows are never orthogonal to each other (as real attribute normals)."""
    gen = torch.Generator().manual_seed(11)
    rnd = lambda d: torch.randn(d, generator=gen, dtype=torch.float64)  # noqa: E731
    cases = []
    n = _unit(rnd(32))
    cases.append((n, (3 * _unit(rnd(32) + 0.8 * n))[None]))
    n = _unit(rnd(48))
    a, b = _unit(rnd(48)), _unit(rnd(48))
    b = _unit(b - (b @ a) * a)
    cases.append((n + 0.5 * a, torch.stack([a, 0.6 * a + 0.8 * b])))
    n = _unit(rnd(128))
    rows = torch.stack([2 * _unit(rnd(128) + 0.5 * n), 0.5 * _unit(rnd(128) - 0.3 * n), _unit(rnd(128) + 2 * n)])
    rows[1] += 0.4 * rows[0]
    cases.append((n, rows))
    return [(x.float(), o.float()) for x, o in cases]


def _cond_mistake(out, n, others) -> str | None:
    from stylegan_edu.editing import conditional_direction

    want = conditional_direction(n, others)
    length = float(out.norm())
    if length < 1e-8:
        return "the result is the zero vector: only the components along the rows of others are removed, not all of n"
    cos = lambda a, b: float(a @ b / (a.norm() * b.norm()))  # noqa: E731
    if cos(out, want) > 1 - 1e-6:
        return (f"the direction is right but its length is {length:.3f}: divide by its norm so that it is a unit "
                "vector (the strength's unit comes later, from Directions.scale)")
    if cos(out, want) < -1 + 1e-6:
        return "the result points away from n: it should be what is left of n, n minus its parts along the others"
    if cos(out, n) > 1 - 1e-6:
        return "this is n itself: remove from n its components along the rows of others"
    q, _ = torch.linalg.qr(others.T)
    if cos(out, q @ (q.T @ n)) > 1 - 1e-5:
        return ("this is the part of n inside the span of the others; the conditional direction is what is left "
                "when that part is removed")
    if others.shape[0] == 1 and abs(float(others[0].norm()) - 1) > 1e-3 and \
            cos(out, n - (n @ others[0]) * others[0]) > 1 - 1e-5:
        return (f"the row of others has length {float(others[0].norm()):g}, not 1: n's component along a row o is "
                "(n·o / o·o) o, and (n·o) o is that only when |o| = 1")
    one_by_one = n - sum((n @ o) / (o @ o) * o for o in others)
    one_by_one_unit_rows = n - sum((n @ o) * o for o in others)
    successive = n.clone()
    for o in others:
        successive = successive - (successive @ o) / (o @ o) * o
    if others.shape[0] > 1 and any(cos(out, alt) > 1 - 1e-5 for alt in (one_by_one, one_by_one_unit_rows,
                                                                          successive)):
        return ("the rows of others are not orthogonal to each other, so removing n's component along each row in "
                "turn does not leave a vector orthogonal to all of them: first find an orthonormal basis of their "
                "span (Gram-Schmidt, or torch.linalg.qr(others.T)) and remove n's components along that")
    cosines = [abs(cos(out, o)) for o in others]
    worst = max(range(len(cosines)), key=cosines.__getitem__)
    if cosines[worst] > 1e-4:
        return (f"the result is not orthogonal to row {worst} of others (cosine {cosines[worst]:.3f}): the conditional "
                "direction must have no component along any of them")
    return None


def _judge_conditional(fn):
    from stylegan_edu.editing import conditional_direction

    for n, others in _conditional_cases():
        K, D = others.shape
        what = f"my_conditional_direction(n [{D}], others [{K}, {D}])"
        n_in, others_in = n.clone(), others.clone()
        out = call(fn, n_in, others_in)
        if not torch.equal(n_in, n) or not torch.equal(others_in, others):
            raise Wrong("my_conditional_direction changed n or others itself: compute the result in a new tensor "
                        "(m = n - ..., not n -= ...)")
        out = tensor(out, (D,), what)
        want = conditional_direction(n, others)
        if max_diff(out, want) <= COND_TOL:
            continue
        says = _cond_mistake(out, n, others)
        if says:
            raise Wrong(says)
        raise Wrong(f"{what} differs from stylegan_edu.editing.conditional_direction by up to "
                    f"{max_diff(out, want):.3g}: it should be n minus its projection onto the span of the rows of "
                    "others, scaled to length 1")


check_my_conditional_direction = exercise(
    "my_conditional_direction", _judge_conditional,
    hint="the rows of others need not be orthogonal to each other: first find an orthonormal basis of their span "
         "(the columns of Q from torch.linalg.qr(others.T)), remove n's components along it, and scale what is "
         "left to length 1",
    success="your direction equals stylegan_edu.editing.conditional_direction: a unit vector orthogonal to every "
            "row of others, as close to n as that allows.")
