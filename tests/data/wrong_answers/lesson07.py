"""Plausible wrong answers to lesson 07's exercises, with a fragment the check's message must contain."""

import torch

from stylegan_edu.generator import broadcast


def truncate_in_z(G, z, psi):
    return broadcast(G.mapping(psi * z), G.num_layers).detach()


def truncate_default_psi(G, z, psi):  # G.cfg.truncation_psi where the psi argument belongs
    ws = broadcast(G.mapping(z), G.num_layers).detach()
    out = ws.clone()
    c, default = G.cfg.truncation_cutoff, G.cfg.truncation_psi
    out[:, :c] = G.w_avg + default * (ws[:, :c] - G.w_avg)
    return out


def truncate_every_layer(G, z, psi):
    ws = broadcast(G.mapping(z), G.num_layers).detach()
    return G.w_avg + psi * (ws - G.w_avg)


def truncate_psi_reversed(G, z, psi):
    ws = broadcast(G.mapping(z), G.num_layers).detach()
    out = ws.clone()
    c = G.cfg.truncation_cutoff
    out[:, :c] = ws[:, :c] + psi * (G.w_avg - ws[:, :c])
    return out


def truncate_towards_zero(G, z, psi):
    ws = broadcast(G.mapping(z), G.num_layers).detach()
    out = ws.clone()
    out[:, :G.cfg.truncation_cutoff] *= psi
    return out


def truncate_cutoff_inclusive(G, z, psi):
    ws = broadcast(G.mapping(z), G.num_layers).detach()
    out = ws.clone()
    c = G.cfg.truncation_cutoff + 1
    out[:, :c] = G.w_avg + psi * (ws[:, :c] - G.w_avg)
    return out


def truncate_one_w(G, z, psi):
    w = G.mapping(z).detach()
    return G.w_avg + psi * (w - G.w_avg)


def w_avg_swapped(w_avg, w, beta):
    return (1 - beta) * w_avg + beta * w.mean(dim=0)


def w_avg_batch_mean_only(w_avg, w, beta):
    return w.mean(dim=0)


def w_avg_summed(w_avg, w, beta):
    return beta * w_avg + (1 - beta) * w.sum(dim=0)


def w_avg_no_mean(w_avg, w, beta):
    return beta * w_avg + (1 - beta) * w


def w_avg_mean_of_all(w_avg, w, beta):
    return (beta * w_avg + (1 - beta) * w).mean()


WRONG = {
    "truncated_ws": [(truncate_in_z, "untruncated w"), (truncate_default_psi, "default psi 0.7"),
                     (truncate_every_layer, "every layer is truncated"),
                     (truncate_psi_reversed, "the other way round"), (truncate_towards_zero, "towards 0"),
                     (truncate_cutoff_inclusive, "9 layers are truncated instead of 8"),
                     (truncate_one_w, "one w per latent")],
    "update_w_avg": [(w_avg_swapped, "swapped"), (w_avg_batch_mean_only, "mean alone"), (w_avg_summed, "summed"),
                     (w_avg_no_mean, "batch's mean w first"), (w_avg_mean_of_all, "one number")],
}
