"""Plausible wrong answers to lesson 10's exercises, with words the check's message must contain."""

import torch


# my_edit(ws, direction, strengths, layers) -> [N, S, L, D]
def _mask(ws, layers):
    mask = torch.zeros(ws.shape[1], dtype=ws.dtype)
    mask[list(layers)] = 1
    return mask[None, :, None]


def edit_every_layer(ws, direction, strengths, layers):
    return torch.stack([ws + s * direction for s in strengths], dim=1)


def edit_other_layers(ws, direction, strengths, layers):
    return torch.stack([ws + s * (1 - _mask(ws, layers)) * direction for s in strengths], dim=1)


def edit_slice_misses_last(ws, direction, strengths, layers):
    out = ws[:, None].repeat(1, len(strengths), 1, 1)
    for k, s in enumerate(strengths):
        out[:, k, layers[0]:layers[-1]] += s * direction
    return out


def edit_strengths_first(ws, direction, strengths, layers):
    return torch.stack([ws + s * _mask(ws, layers) * direction for s in strengths], dim=0)


def edit_flat(ws, direction, strengths, layers):
    return torch.cat([ws + s * _mask(ws, layers) * direction for s in strengths], dim=0)


def edit_wrong_way(ws, direction, strengths, layers):
    return torch.stack([ws - s * _mask(ws, layers) * direction for s in strengths], dim=1)


def edit_normalised(ws, direction, strengths, layers):
    n = direction / direction.norm()
    return torch.stack([ws + s * _mask(ws, layers) * n for s in strengths], dim=1)


def edit_ignores_strength(ws, direction, strengths, layers):
    return torch.stack([ws + _mask(ws, layers) * direction for _ in strengths], dim=1)


def edit_in_place(ws, direction, strengths, layers):
    out = []
    for s in strengths:
        ws[:, layers] += s * direction
        out.append(ws.clone())
    return torch.stack(out, dim=1)


# my_conditional_direction(n, others) -> [D]
def cond_one_row_at_a_time(n, others):
    m = n - sum((n @ o) / (o @ o) * o for o in others)
    return m / m.norm()


def cond_successive(n, others):  # Gram-Schmidt on n alone, the rows never made orthogonal to each other
    m = n.clone()
    for o in others:
        m = m - (m @ o) / (o @ o) * o
    return m / m.norm()


def cond_assumes_unit_rows(n, others):
    m = n - sum((n @ o) * o for o in others)
    return m / m.norm()


def cond_not_normalised(n, others):
    q, _ = torch.linalg.qr(others.T)
    return n - q @ (q.T @ n)


def cond_inside_the_span(n, others):
    q, _ = torch.linalg.qr(others.T)
    m = q @ (q.T @ n)
    return m / m.norm()


def cond_sign_flipped(n, others):
    q, _ = torch.linalg.qr(others.T)
    m = q @ (q.T @ n) - n
    return m / m.norm()


def cond_in_place(n, others):
    q, _ = torch.linalg.qr(others.T)
    n -= q @ (q.T @ n)
    return n / n.norm()


WRONG = {
    "my_edit": [(edit_every_layer, "every layer moved"), (edit_other_layers, "outside `layers` moved"),
                (edit_slice_misses_last, "the last one too"), (edit_strengths_first, "strengths second"),
                (edit_flat, "two dimensions"), (edit_wrong_way, "wrong way"),
                (edit_normalised, "do not normalise"), (edit_ignores_strength, "same face"),
                (edit_in_place, "changed ws")],
    "my_conditional_direction": [(cond_one_row_at_a_time, "not orthogonal to each other"),
                                 (cond_successive, "not orthogonal to each other"),
                                 (cond_assumes_unit_rows, "not 1"), (cond_not_normalised, "unit vector"),
                                 (cond_inside_the_span, "inside the span"), (cond_sign_flipped, "points away"),
                                 (cond_in_place, "changed n")],
}
