"""Plausible wrong answers to lesson 00's exercises, with a word the check's message must contain."""

import torch

from stylegan_edu.generator import z_from_seeds


def draw_faces_untruncated(G, seeds, psi):
    with torch.no_grad():
        return G(z_from_seeds(seeds, G.cfg.latent_size), noise_mode="const")


def draw_faces_random_noise(G, seeds, psi):
    with torch.no_grad():
        return G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, noise_mode="random")


def draw_faces_global_seed(G, seeds, psi):
    torch.manual_seed(seeds[0])
    with torch.no_grad():
        return G(torch.randn(len(seeds), G.cfg.latent_size), truncation_psi=psi, noise_mode="const")


def draw_faces_no_noise(G, seeds, psi):
    with torch.no_grad():
        return G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, noise_mode="none")


def draw_faces_rescaled(G, seeds, psi):
    with torch.no_grad():
        return (G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, noise_mode="const") + 1) / 2


def lerp_backwards(z0, z1, steps):
    t = torch.linspace(0, 1, steps)[:, None]
    return t * z0 + (1 - t) * z1


def lerp_end_left_out(z0, z1, steps):
    t = torch.arange(steps)[:, None] / steps
    return (1 - t) * z0 + t * z1


def lerp_wrong_shape(z0, z1, steps):
    return torch.stack([z0, z1])


WRONG = {
    "draw_faces": [(draw_faces_untruncated, "not truncated"), (draw_faces_random_noise, "noise_mode='const'"),
                   (draw_faces_global_seed, "z_from_seeds"), (draw_faces_no_noise, "no noise at all"),
                   (draw_faces_rescaled, "return G's output unchanged")],
    "lerp_latents": [(lerp_backwards, "backwards"), (lerp_end_left_out, "last exactly z1"),
                     (lerp_wrong_shape, "shape (2, 128), expected (5, 128)")],
}
