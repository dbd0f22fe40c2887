"""Plausible wrong answers to lesson 03's exercises, with a word the check's message must contain."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def pixel_norm_l2(z, eps=1e-8):
    return z / (z.square().sum(dim=1, keepdim=True) + eps).sqrt()


def pixel_norm_over_batch(z, eps=1e-8):
    return z / (z.square().mean(dim=0, keepdim=True) + eps).sqrt()


def pixel_norm_standardise(z, eps=1e-8):
    return (z - z.mean(dim=1, keepdim=True)) / (z.std(dim=1, keepdim=True) + eps)


def pixel_norm_no_eps(z):
    return z / z.square().mean(dim=1, keepdim=True).sqrt()


def pixel_norm_whole_tensor(z, eps=1e-8):
    return z / (z.square().mean() + eps).sqrt()


def runtime_scale_no_lrmul(fan_in, gain=math.sqrt(2), lrmul=1.0):
    return gain / math.sqrt(fan_in)


def runtime_scale_divides_by_lrmul(fan_in, gain=math.sqrt(2), lrmul=1.0):
    return gain / lrmul / math.sqrt(fan_in)


def runtime_scale_no_sqrt(fan_in, gain=math.sqrt(2), lrmul=1.0):
    return gain * lrmul / fan_in


def runtime_scale_no_gain(fan_in, gain=math.sqrt(2), lrmul=1.0):
    return lrmul / math.sqrt(fan_in)


class LinearPrescaled(nn.Module):
    """The usual He initialisation: weights stored already scaled, no runtime factor."""

    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * gain / math.sqrt(in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class LinearWeightsNotDividedByLrmul(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain * lrmul / math.sqrt(in_features), lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class LinearScaleWithoutLrmul(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain / math.sqrt(in_features), lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class LinearBiasAsStored(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = gain * lrmul / math.sqrt(in_features)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class LinearFanOut(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain * lrmul / math.sqrt(out_features), lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class LinearNoGain(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = lrmul / math.sqrt(in_features), lrmul  # gain left out

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class LinearGainIgnored(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = math.sqrt(2) * lrmul / math.sqrt(in_features), lrmul  # gain hard-coded

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class LinearTransposedWeight(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain * lrmul / math.sqrt(in_features), lrmul

    def forward(self, x):
        return x @ (self.weight * self.scale) + self.bias * self.lrmul


class LinearWithActivation(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain * lrmul / math.sqrt(in_features), lrmul

    def forward(self, x):
        return F.leaky_relu(F.linear(x, self.weight * self.scale, self.bias * self.lrmul), 0.2)


class LinearScaleAsParameter(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = nn.Parameter(torch.tensor(gain * lrmul / math.sqrt(in_features)))  # would be trained
        self.lrmul = lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


WRONG = {
    "pixel_norm": [
        (pixel_norm_l2, "MEAN of the squares"),
        (pixel_norm_over_batch, "over the batch"),
        (pixel_norm_standardise, "does not subtract the mean"),
        (pixel_norm_no_eps, "add eps"),
        (pixel_norm_whole_tensor, "scales each row to RMS 1"),
    ],
    "runtime_scale": [
        (runtime_scale_no_lrmul, "leaves out the lr multiplier"),
        (runtime_scale_divides_by_lrmul, "divides by lrmul"),
        (runtime_scale_no_sqrt, "its square root"),
        (runtime_scale_no_gain, "leaves out the gain"),
    ],
    "equalized_linear": [
        (LinearPrescaled, "store them unscaled"),
        (LinearWeightsNotDividedByLrmul, "divide the N(0, 1) weights by lrmul"),
        (LinearScaleWithoutLrmul, "runtime scale leaves out lrmul"),
        (LinearBiasAsStored, "multiply it by lrmul at run time too"),
        (LinearFanOut, "uses fan_out"),
        (LinearNoGain, "leaves out the gain"),
        (LinearGainIgnored, "ignores its `gain` argument"),
        (LinearTransposedWeight, "expected (fan_out, fan_in)"),
        (LinearWithActivation, "leaky ReLU"),
        (LinearScaleAsParameter, "exactly two parameters"),
    ],
}
