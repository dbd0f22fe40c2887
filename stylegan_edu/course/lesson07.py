"""Lesson 07's exercises: truncation in W with the model's cutoff, and the moving average w_avg that truncation
pulls towards."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


@functools.cache
def _G():
    from stylegan_edu import pretrained

    return pretrained.load("toyfaces-64")


def _judge_truncated_ws(fn):
    from stylegan_edu.generator import broadcast, truncate, z_from_seeds

    G = _G()
    L, D, cutoff = G.num_layers, G.cfg.dlatent_size, G.cfg.truncation_cutoff
    z = z_from_seeds([8, 9], G.cfg.latent_size)
    for psi in (0.4, 1.0, -0.5):  # none of them 1 - G.cfg.truncation_psi (0.3) or the default itself (0.7)
        what = f"truncated_ws(G, z, {psi}) for two latents"
        out = call(fn, G, z, psi)
        if isinstance(out, torch.Tensor) and tuple(out.shape) == (2, D):
            raise Wrong(f"{what} has shape {tuple(out.shape)}: one w per latent; the synthesis network wants one "
                        f"per layer, shape (2, {L}, {D}) (copy w to every layer before truncating)")
        out = tensor(out, (2, L, D), what)
        with torch.no_grad():
            ws = broadcast(G.mapping(z), L)
        want = truncate(ws, G.w_avg, psi, cutoff)
        if max_diff(out, want) <= 1e-5:
            continue
        default = G.cfg.truncation_psi
        if psi != default and max_diff(out, truncate(ws, G.w_avg, default, cutoff)) <= 1e-5:
            raise Wrong(f"{what} is truncated with the model's default psi {default} (G.cfg.truncation_psi): "
                        "use the psi argument")
        if max_diff(out, ws) <= 1e-5:
            raise Wrong(f"{what} gave the untruncated w (if you scaled z: the mapping's pixel norm undoes that): "
                        "map z to w first, then move w towards G.w_avg")
        if max_diff(out, truncate(ws, G.w_avg, psi, None)) <= 1e-5:
            raise Wrong("every layer is truncated: only the layers below G.cfg.truncation_cutoff move, the later "
                        "ones keep each latent's own w")
        if max_diff(out, truncate(ws, G.w_avg, 1 - psi, cutoff)) <= 1e-5:
            raise Wrong(f"psi works the other way round: psi is the share of the distance to w_avg that is kept "
                        f"(psi = 1 leaves w alone); at psi = {psi} you moved w a share {psi} of the way instead")
        if max_diff(out, truncate(ws, torch.zeros_like(G.w_avg), psi, cutoff)) <= 1e-5:
            raise Wrong("w was pulled towards 0: truncation pulls towards the average w, G.w_avg")
        for c in (cutoff - 1, cutoff + 1):
            if max_diff(out, truncate(ws, G.w_avg, psi, c)) <= 1e-5:
                raise Wrong(f"{c} layers are truncated instead of {cutoff}: the layers 0 .. cutoff - 1 move, layer "
                            "`cutoff` and the ones after it do not")
        raise Wrong(f"{what} differs from w truncated in W with the model's cutoff "
                    f"(largest difference {max_diff(out, want):.3g})")


check_truncated_ws = exercise(
    "truncated_ws", _judge_truncated_ws,
    hint="z -> w with G.mapping, one copy per layer, then w_avg + psi * (w - w_avg) in the layers below "
         "G.cfg.truncation_cutoff only",
    success="truncation in W with the model's cutoff, the same w the generator uses at truncation_psi=psi.")


def _judge_update_w_avg(fn):
    from stylegan_edu.generator import Generator

    gen = torch.Generator().manual_seed(7)
    for beta in (0.9, 0.995):
        w_avg = torch.randn(16, generator=gen)
        w = torch.randn(8, 16, generator=gen) + 3.0
        what = f"update_w_avg(w_avg, w, {beta}) with w_avg of shape (16,) and a batch w of shape (8, 16)"
        out = call(fn, w_avg.clone(), w.clone(), beta)
        if isinstance(out, torch.Tensor) and out.dim() == 0:
            raise Wrong(f"{what} gave one number: average over the batch (dim 0) only, one mean per w entry")
        if isinstance(out, torch.Tensor) and tuple(out.shape) == tuple(w.shape):
            raise Wrong(f"{what} has the batch's shape {tuple(w.shape)}: take the batch's mean w first (dim 0)")
        out = tensor(out, (16,), what)
        holder = SimpleNamespace(w_avg=w_avg.clone())
        Generator.update_w_avg(holder, w, beta)  # the library's update, on a stand-in for G
        want, mean = holder.w_avg, w.mean(dim=0)
        if max_diff(out, want) <= 1e-5:
            continue
        if max_diff(out, (1 - beta) * w_avg + beta * mean) <= 1e-5:
            raise Wrong(f"the weights are swapped: the old average keeps the share beta ({beta}) and the new batch "
                        f"adds only 1 - beta ({1 - beta:.3g}), so w_avg moves slowly")
        if max_diff(out, mean) <= 1e-5:
            raise Wrong("that is the batch's mean alone: a moving average keeps the share beta of the old w_avg")
        if max_diff(out, beta * w_avg + (1 - beta) * w.sum(dim=0)) <= 1e-4:
            raise Wrong("the batch is summed: use its mean, so the batch size does not matter")
        if max_diff(out, beta * w_avg + (1 - beta) * mean.mean()) <= 1e-5:
            raise Wrong("the batch mean was averaged over the w entries too: average over dim 0 only")
        raise Wrong(f"{what} differs from the moving average (largest difference {max_diff(out, want):.3g})")


check_update_w_avg = exercise(
    "update_w_avg", _judge_update_w_avg,
    hint="a moving average: the new w_avg keeps the share beta of the old one and takes the rest from the "
         "mean w of the batch",
    success="the moving average the generator keeps while training (G.update_w_avg, beta = 0.995).")
