"""Plausible wrong answers to lesson 08's exercises, with words the check's message must contain."""

import math

import numpy as np
import torch


# frechet_1d(mu1, sigma1, mu2, sigma2)
def frechet_variances(mu1, sigma1, mu2, sigma2):
    return (mu1 - mu2) ** 2 + (sigma1 ** 2 - sigma2 ** 2) ** 2


def frechet_means_only(mu1, sigma1, mu2, sigma2):
    return (mu1 - mu2) ** 2


def frechet_square_root(mu1, sigma1, mu2, sigma2):
    return math.sqrt((mu1 - mu2) ** 2 + (sigma1 - sigma2) ** 2)


def frechet_trace_without_root(mu1, sigma1, mu2, sigma2):  # Tr(S1 + S2 - 2 S1 S2), the root forgotten
    return (mu1 - mu2) ** 2 + sigma1 ** 2 + sigma2 ** 2 - 2 * sigma1 ** 2 * sigma2 ** 2


def frechet_without_cross_term(mu1, sigma1, mu2, sigma2):  # Tr(S1 + S2), the -2 sqrt(S1 S2) forgotten
    return (mu1 - mu2) ** 2 + sigma1 ** 2 + sigma2 ** 2


# slerp(a, b, t)
def slerp_lerp(a, b, t):
    return a + t * (b - a)


def slerp_nlerp(a, b, t):
    a, b = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    v = a + t * (b - a)
    return v / v.norm(dim=-1, keepdim=True)


def slerp_unnormalised(a, b, t):  # the textbook formula on the raw vectors
    cos = (a * b).sum(-1, keepdim=True) / (a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True))
    angle = torch.acos(cos.clamp(-1, 1))
    return (torch.sin((1 - t) * angle) * a + torch.sin(t * angle) * b) / torch.sin(angle)


def slerp_angle_of_raw_vectors(a, b, t):  # a and b normalised for the mix, the angle from the raw dot product
    a_unit, b_unit = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    angle = torch.acos((a * b).sum(-1, keepdim=True).clamp(-1, 1))
    return (torch.sin((1 - t) * angle) * a_unit + torch.sin(t * angle) * b_unit) / torch.sin(angle)


def slerp_backwards(a, b, t):
    a, b = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    angle = torch.acos((a * b).sum(-1, keepdim=True).clamp(-1, 1))
    return (torch.sin(t * angle) * a + torch.sin((1 - t) * angle) * b) / torch.sin(angle)


# conditional_entropy_bits(labels, side)
def _joint(labels, side):
    return {(s, y): np.mean((side == s) & (labels == y)) for s in (False, True) for y in (False, True)}


def entropy_nats(labels, side):
    joint = _joint(labels, side)
    p_side = {s: joint[s, False] + joint[s, True] for s in (False, True)}
    return -sum(p * np.log(p / p_side[s]) for (s, y), p in joint.items() if p > 0)


def entropy_nan_on_empty_cells(labels, side):
    joint = _joint(labels, side)
    p_side = {s: joint[s, False] + joint[s, True] for s in (False, True)}
    with np.errstate(divide="ignore", invalid="ignore"):
        return -sum(p * np.log2(p / p_side[s]) for (s, y), p in joint.items())


def entropy_of_label_only(labels, side):
    p = labels.mean()
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def entropy_joint(labels, side):
    return -sum(p * np.log2(p) for p in _joint(labels, side).values() if p > 0)


def entropy_side_given_label(labels, side):
    joint = _joint(labels, side)
    p_label = {y: joint[False, y] + joint[True, y] for y in (False, True)}
    return -sum(p * np.log2(p / p_label[y]) for (s, y), p in joint.items() if p > 0)


WRONG = {
    "frechet_1d": [(frechet_variances, "not variances"), (frechet_means_only, "difference in spread"),
                   (frechet_square_root, "square roots"),
                   (frechet_trace_without_root, "square root of S1·S2 is missing"),
                   (frechet_without_cross_term, "identical Gaussians")],
    "slerp": [(slerp_lerp, "straight line"), (slerp_nlerp, "evenly"), (slerp_unnormalised, "normalise a and b"),
              (slerp_backwards, "backwards"), (slerp_angle_of_raw_vectors, "contains nan")],
    "conditional_entropy": [(entropy_nats, "nats"), (entropy_nan_on_empty_cells, "0 * log 0"),
                                 (entropy_of_label_only, "H(label) ="), (entropy_joint, "joint entropy"),
                                 (entropy_side_given_label, "wrong way round")],
}
