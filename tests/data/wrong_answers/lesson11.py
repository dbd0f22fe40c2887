"""Plausible wrong answers to lesson 11's exercises, with words the check's message must contain."""

import copy

import torch

from stylegan_edu.data import ATTRIBUTE_NAMES


# ema_beta(batch, half_life_kimg)
def beta_half_life_in_images(batch, half_life_kimg):
    return 0.5 ** (batch / half_life_kimg)


def beta_upside_down(batch, half_life_kimg):
    return 0.5 ** (half_life_kimg * 1000 / batch)


def beta_weight_of_new(batch, half_life_kimg):
    return 1 - 0.5 ** (batch / (half_life_kimg * 1000))


def beta_linearised(batch, half_life_kimg):  # 1 - x instead of 0.5 ** x
    return 1 - batch / (half_life_kimg * 1000)


# update_ema(G_ema, G, beta)
def ema_swapped(G_ema, G, beta):
    with torch.no_grad():
        for p_ema, p in zip(G_ema.parameters(), G.parameters()):
            p_ema.copy_(beta * p + (1 - beta) * p_ema)
        for b_ema, b in zip(G_ema.buffers(), G.buffers()):
            b_ema.copy_(b)
    return G_ema


def ema_buffers_left_out(G_ema, G, beta):
    with torch.no_grad():
        for p_ema, p in zip(G_ema.parameters(), G.parameters()):
            p_ema.copy_(beta * p_ema + (1 - beta) * p)
    return G_ema


def ema_whole_state_dict(G_ema, G, beta):  # averages the buffers too
    new = {k: beta * v + (1 - beta) * G.state_dict()[k] for k, v in G_ema.state_dict().items()}
    G_ema.load_state_dict(new)
    return G_ema


def ema_rebinds_names(G_ema, G, beta):  # a new tensor bound to the loop variable; G_ema never changes
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema = beta * p_ema + (1 - beta) * p
    return G_ema


def ema_returns_a_copy(G_ema, G, beta):
    out = copy.deepcopy(G_ema)
    with torch.no_grad():
        for p_ema, p in zip(out.parameters(), G.parameters()):
            p_ema.copy_(beta * p_ema + (1 - beta) * p)
        for b_ema, b in zip(out.buffers(), G.buffers()):
            b_ema.copy_(b)
    return out


def ema_moves_G(G_ema, G, beta):
    with torch.no_grad():
        for p_ema, p in zip(G_ema.parameters(), G.parameters()):
            p.copy_(beta * p_ema + (1 - beta) * p)
    return G_ema


# attribute_share(images, net, name)
def share_mean_probability(images, net, name):
    with torch.no_grad():
        return net.attribute_probabilities(images)[:, ATTRIBUTE_NAMES.index(name)].mean().item()


def share_value_head(images, net, name):
    with torch.no_grad():
        return (net.attribute_values(images)[:, ATTRIBUTE_NAMES.index(name)] > 0).float().mean().item()


def share_probability_above_zero(images, net, name):
    with torch.no_grad():
        return (net.attribute_probabilities(images)[:, ATTRIBUTE_NAMES.index(name)] > 0).float().mean().item()


def share_off_by_one(images, net, name):
    with torch.no_grad():
        return (net.attribute_logits(images)[:, ATTRIBUTE_NAMES.index(name) + 1] > 0).float().mean().item()


WRONG = {
    "ema_beta": [(beta_half_life_in_images, "thousands of images"), (beta_upside_down, "upside down"),
                 (beta_weight_of_new, "weight of the new G"), (beta_linearised, "must be exactly 0.5")],
    "update_ema": [(ema_swapped, "swapped"), (ema_buffers_left_out, "not copied"),
                   (ema_whole_state_dict, "was averaged"), (ema_rebinds_names, "did not change"),
                   (ema_returns_a_copy, "in place"), (ema_moves_G, "G changed")],
    "attribute_share": [(share_mean_probability, "mean probability"), (share_value_head, "value head"),
                        (share_probability_above_zero, "every face counts"), (share_off_by_one, "column")],
}
