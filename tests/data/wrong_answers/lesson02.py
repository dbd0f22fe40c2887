"""Plausible wrong answers to lesson 02's exercises, with a word the check's message must contain."""

import math

import torch
import torch.nn.functional as F

TAPS = torch.tensor([1.0, 2.0, 1.0])


def blur_mixes_channels(x):
    c = x.shape[1]
    k = torch.outer(TAPS, TAPS) / 16
    return F.conv2d(x, k.expand(c, c, 3, 3), padding=1)  # a full convolution: every output sums all channels


def blur_unnormalised(x):
    c = x.shape[1]
    return F.conv2d(x, torch.outer(TAPS, TAPS).repeat(c, 1, 1, 1), padding=1, groups=c)


def blur_no_padding(x):
    c = x.shape[1]
    return F.conv2d(x, (torch.outer(TAPS, TAPS) / 16).repeat(c, 1, 1, 1), groups=c)


def blur_replicate_border(x):
    c = x.shape[1]
    x = F.pad(x, (1, 1, 1, 1), mode="replicate")
    return F.conv2d(x, (torch.outer(TAPS, TAPS) / 16).repeat(c, 1, 1, 1), groups=c)


def blur_box(x):
    c = x.shape[1]
    return F.conv2d(x, torch.full((c, 1, 3, 3), 1 / 9), padding=1, groups=c)


def blur_taps_normalised_once(x):
    c = x.shape[1]
    taps = TAPS / TAPS.sum()
    k = torch.outer(TAPS, taps)  # only one factor normalised: sums to 4
    return F.conv2d(x, k.repeat(c, 1, 1, 1), padding=1, groups=c)


def blur_twice(x):
    c = x.shape[1]
    k = (torch.outer(TAPS, TAPS) / 16).repeat(c, 1, 1, 1)
    return F.conv2d(F.conv2d(x, k, padding=1, groups=c), k, padding=1, groups=c)  # normalised, but too wide


def blur_binomial_5x5(x):
    c = x.shape[1]
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
    return F.conv2d(x, (torch.outer(taps, taps) / 256).repeat(c, 1, 1, 1), padding=2, groups=c)


def binomial_unnormalised(n):
    taps = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float32)
    return torch.outer(taps, taps)


def binomial_n_taps(n):
    taps = torch.tensor([math.comb(n, k) for k in range(n)], dtype=torch.float32)
    k = torch.outer(taps, taps)
    return k / k.sum()


def binomial_1d(n):
    taps = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float32)
    return taps / taps.sum()


def binomial_sum_not_product(n):
    taps = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float32)
    k = taps[:, None] + taps[None, :]
    return k / k.sum()


def binomial_integer_division(n):
    taps = torch.tensor([math.comb(n, k) for k in range(n + 1)])
    k = torch.outer(taps, taps)
    return k // k.sum()  # an integer tensor (all zeros)


WRONG = {
    "blur": [
        (blur_mixes_channels, "depthwise"),
        (blur_unnormalised, "not normalised: a flat image of ones comes out as 16"),
        (blur_taps_normalised_once, "comes out as 4 inside"),
        (blur_no_padding, "pad one row and column of zeros"),
        (blur_replicate_border, "not at the border"),
        (blur_box, "is not the [1, 2, 1] blur"),
        (blur_twice, "beyond its 8 neighbours"),
        (blur_binomial_5x5, "beyond its 8 neighbours"),
    ],
    "binomial_kernel": [
        (binomial_unnormalised, "sums to 16"),
        (binomial_n_taps, "n + 1 entries"),
        (binomial_1d, "is 1-D"),
        (binomial_sum_not_product, "not the products"),
        (binomial_integer_division, "dtype torch.int64"),
    ],
}
