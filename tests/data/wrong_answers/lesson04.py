"""Plausible wrong answers to lesson 04's exercises, with a phrase the check's message must contain."""

import torch
from torch import nn

from stylegan_edu import layers


def _instance_norm(x, dims=(2, 3), unbiased=False):
    centred = x - x.mean(dim=dims, keepdim=True)
    return centred / x.std(dim=dims, keepdim=True, unbiased=unbiased)


# --- adain_from_style(x, style) ---------------------------------------------------------------------------

def adain_swapped(x, style):
    c = x.shape[1]
    return layers.adain(x, style[:, c:], style[:, :c])


def adain_interleaved(x, style):
    return layers.adain(x, style[:, 0::2], style[:, 1::2])


def adain_without_plus_one(x, style):
    c = x.shape[1]
    return layers.instance_norm(x) * style[:, :c, None, None] + style[:, c:, None, None]


def adain_batch_norm(x, style):
    c = x.shape[1]
    return _instance_norm(x, dims=(0, 2, 3)) * (style[:, :c, None, None] + 1) + style[:, c:, None, None]


def adain_centred_only(x, style):
    c = x.shape[1]
    return (x - x.mean(dim=(2, 3), keepdim=True)) * (style[:, :c, None, None] + 1) + style[:, c:, None, None]


# --- class MyAdaIN(nn.Module): __init__(w_dim, channels), forward(x, w) -----------------------------------

class _AdaIN(nn.Module):
    def __init__(self, w_dim, channels):
        super().__init__()
        self.channels = channels
        self.affine = layers.EqualizedLinear(w_dim, 2 * channels, gain=1.0)

    def normalise(self, x):
        return layers.instance_norm(x)

    def forward(self, x, w):
        style = self.affine(w)
        c = self.channels
        return self.normalise(x) * (style[:, :c, None, None] + 1) + style[:, c:, None, None]


class AdaINGainSqrt2(_AdaIN):
    def __init__(self, w_dim, channels):
        super().__init__(w_dim, channels)
        self.affine = layers.EqualizedLinear(w_dim, 2 * channels)  # the default gain √2


class AdaINPlainLinear(_AdaIN):
    def __init__(self, w_dim, channels):
        super().__init__(w_dim, channels)
        self.affine = nn.Linear(w_dim, 2 * channels)


class AdaINUnscaledWeights(_AdaIN):
    def __init__(self, w_dim, channels):
        super().__init__(w_dim, channels)
        self.affine = nn.Linear(w_dim, 2 * channels)
        with torch.no_grad():  # standard normal weights, zero bias, but no runtime scale
            self.affine.weight.normal_()
            self.affine.bias.zero_()


class AdaINMappingLrmul(_AdaIN):
    def __init__(self, w_dim, channels):
        super().__init__(w_dim, channels)
        self.affine = layers.EqualizedLinear(w_dim, 2 * channels, gain=1.0, lrmul=0.01)  # as in lesson 03's mapping


class AdaINBatchNorm(_AdaIN):
    def normalise(self, x):
        return _instance_norm(x, dims=(0, 2, 3))


class AdaINUnbiasedStd(_AdaIN):
    def normalise(self, x):
        return _instance_norm(x, unbiased=True)


class AdaINLayerNorm(_AdaIN):
    def normalise(self, x):
        return _instance_norm(x, dims=(1, 2, 3))


class AdaINWithoutPlusOne(_AdaIN):
    def forward(self, x, w):
        y_s, y_b = self.affine(w).chunk(2, dim=1)
        return layers.instance_norm(x) * y_s[:, :, None, None] + y_b[:, :, None, None]


WRONG = {
    "adain_from_style": [(adain_swapped, "swapped"), (adain_interleaved, "not interleaved"),
                         (adain_without_plus_one, "y_s + 1, not y_s"), (adain_batch_norm, "batch norm"),
                         (adain_centred_only, "std should be |y_s + 1|")],
    "adain_module": [(AdaINGainSqrt2, "gain 1"), (AdaINPlainLinear, "standard normal"),
                     (AdaINUnscaledWeights, "runtime scale"), (AdaINMappingLrmul, "default lrmul 1"),
                     (AdaINBatchNorm, "batch norm"),
                     (AdaINUnbiasedStd, "population std"), (AdaINLayerNorm, "layer norm"),
                     (AdaINWithoutPlusOne, "y_s + 1, not y_s")],
}
