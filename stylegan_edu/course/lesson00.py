"""Lesson 00's exercises: drawing faces from seeds, and a straight line between two latents."""

from __future__ import annotations

import functools

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


@functools.cache
def _G():
    from stylegan_edu import pretrained

    return pretrained.load("toyfaces-64")


def _judge_draw_faces(fn):
    from stylegan_edu.generator import z_from_seeds

    G, seeds, psi = _G(), [100, 101, 102], 0.7
    what = "draw_faces(G, [100, 101, 102], 0.7)"
    out = tensor(call(fn, G, seeds, psi), (3, 3, 64, 64), what)
    z = z_from_seeds(seeds, G.cfg.latent_size)
    with torch.no_grad():
        if max_diff(out, G(z, truncation_psi=psi, noise_mode="const")) <= 1e-5:
            return
        if max_diff(out, G(z, truncation_psi=1.0, noise_mode="const")) <= 1e-5:
            raise Wrong("these faces are not truncated: pass truncation_psi=psi to G")
        if max_diff(out, G(z, truncation_psi=psi, noise_mode="none")) <= 1e-5:
            raise Wrong("these faces have no noise at all: use noise_mode='const', the noise stored in the model")
    if max_diff(out, tensor(call(fn, G, seeds, psi), (3, 3, 64, 64), what)) > 1e-6:
        raise Wrong("two calls give different faces: use noise_mode='const' so a seed always gives the same face")
    raise Wrong("these are not G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, noise_mode='const'): "
                "check the latents, the psi you pass and the noise mode, and return G's output unchanged")


check_draw_faces = exercise(
    "draw_faces", _judge_draw_faces,
    hint="z_from_seeds turns seeds into latents; G takes truncation_psi= and noise_mode= (see the cells above)",
    success="you can draw any seed's face from the pretrained model.")


def latent_line(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """The course's own lerp_latents: the lesson's walk uses it, so the learner's cell is never needed later."""
    t = torch.linspace(0, 1, steps)[:, None]
    return (1 - t) * z0 + t * z1


def _judge_lerp_latents(fn):
    z0, z1 = torch.randn(128, generator=torch.Generator().manual_seed(1)), -torch.ones(128)
    out = tensor(call(fn, z0, z1, 5), (5, 128), "lerp_latents(z0, z1, 5)")
    want = latent_line(z0, z1, 5)
    if max_diff(out, want) <= 1e-5:
        return
    if max_diff(out, want.flip(0)) <= 1e-5:
        raise Wrong("the line runs backwards: row 0 must be z0 and the last row z1")
    if max_diff(out[0], z0) > 1e-5 or max_diff(out[-1], z1) > 1e-5:
        raise Wrong("the first row must be exactly z0 and the last exactly z1 (both ends included: "
                    "torch.linspace(0, 1, steps))")
    raise Wrong("the rows between the ends are not evenly spaced on the straight line from z0 to z1")


check_lerp_latents = exercise(
    "lerp_latents", _judge_lerp_latents,
    hint="torch.linspace(0, 1, steps) gives each row's fraction t of the way from z0 to z1",
    success="evenly spaced latents from z0 to z1, both ends included.")
