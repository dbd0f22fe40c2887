"""Plausible wrong answers to lesson 05's exercises, with a phrase the check's message must contain."""

import torch
from torch import nn

# --- noise_strengths(num_layers, layers_with_noise) -------------------------------------------------------


def strengths_reversed(num_layers, layers_with_noise):
    return [0.0 if i in layers_with_noise else 1.0 for i in range(num_layers)]


def strengths_counted_from_one(num_layers, layers_with_noise):
    return [1.0 if i + 1 in layers_with_noise else 0.0 for i in range(num_layers)]


def strengths_only_listed(num_layers, layers_with_noise):
    return [1.0 for _ in layers_with_noise]


def strengths_slice(num_layers, layers_with_noise):  # right only when the listed layers are consecutive
    out = [0.0] * num_layers
    if layers_with_noise:
        out[min(layers_with_noise):max(layers_with_noise)] = [1.0] * (max(layers_with_noise) - min(layers_with_noise))
    return out


# --- class MyNoiseInjection(nn.Module): __init__(channels), forward(x, noise=None) ------------------------


class _Noise(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def draw(self, x):
        return torch.randn(x.shape[0], 1, x.shape[2], x.shape[3])

    def forward(self, x, noise=None):
        if noise is None:
            noise = self.draw(x)
        return x + self.weight.view(1, -1, 1, 1) * noise


class NoisePerChannel(_Noise):
    def draw(self, x):
        return torch.randn_like(x)


class NoiseSameForTheBatch(_Noise):
    def draw(self, x):
        return torch.randn(1, 1, x.shape[2], x.shape[3])


class NoiseUniform(_Noise):
    def draw(self, x):
        return torch.rand(x.shape[0], 1, x.shape[2], x.shape[3])


class NoiseOneStrength(_Noise):
    def __init__(self, channels):
        super().__init__(channels)
        self.weight = nn.Parameter(torch.zeros(1))


class NoiseStartsAtOne(_Noise):
    def __init__(self, channels):
        super().__init__(channels)
        self.weight = nn.Parameter(torch.ones(channels))


class NoiseStrengthNotLearned(_Noise):
    def __init__(self, channels):
        super().__init__(channels)
        del self.weight
        self.register_buffer("weight", torch.zeros(channels))


class NoiseUnscaled(_Noise):
    def forward(self, x, noise=None):
        return x + (self.draw(x) if noise is None else noise)


WRONG = {
    "noise_strengths": [(strengths_reversed, "other way round"), (strengths_counted_from_one, "counted from 0"),
                        (strengths_only_listed, "one per layer"), (strengths_slice, "entry i should be 1.0")],
    "noise_module": [(NoisePerChannel, "its own noise image"), (NoiseSameForTheBatch, "same noise image"),
                     (NoiseUniform, "standard Gaussian"), (NoiseOneStrength, "not one for the whole layer"),
                     (NoiseStartsAtOne, "start with every strength at 0"),
                     (NoiseStrengthNotLearned, "nn.Parameter"), (NoiseUnscaled, "unscaled")],
}
