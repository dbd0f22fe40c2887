"""The small building blocks of StyleGAN v1, each a function or a tiny module.

Equalized learning rate, pixel norm, instance norm, AdaIN (style modulation), noise injection and the
minibatch standard deviation layer. Resampling (blur, up/down, fused convolutions) lives in `resample.py`.
Defaults follow the official TensorFlow code (`training/networks_stylegan.py`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.conv import conv2d

LRELU_SLOPE = 0.2  # leaky ReLU slope used everywhere in StyleGAN
DEFAULT_GAIN = math.sqrt(2)  # He gain for leaky-ReLU layers


def leaky_relu(x: torch.Tensor) -> torch.Tensor:
    """Leaky ReLU with the slope StyleGAN uses everywhere (0.2)."""
    return F.leaky_relu(x, LRELU_SLOPE)


# ---------------------------------------------------------------------------------------------------------
# Equalized learning rate: store weights ~ N(0, 1/lrmul^2) and multiply by gain*lrmul/sqrt(fan_in) at run
# time, so Adam sees every weight at the same scale. Biases are stored divided by lrmul too.
# ---------------------------------------------------------------------------------------------------------


class EqualizedLinear(nn.Module):
    """Dense layer with equalized learning rate: y = x @ (W * gain*lrmul/sqrt(fan_in))^T + b * lrmul."""

    def __init__(self, in_features: int, out_features: int, gain: float = DEFAULT_GAIN, lrmul: float = 1.0,
                 bias: bool = True, bias_init: float = 0.0):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.gain, self.lrmul = gain, lrmul
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lrmul)) if bias else None
        self.weight_gain = gain * lrmul / math.sqrt(in_features)  # the runtime scale of equalized lr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim > 2:  # the official dense layer flattens its input
            x = x.flatten(1)
        b = self.bias * self.lrmul if self.bias is not None else None
        return F.linear(x, self.weight * self.weight_gain, b)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, gain={self.gain:.4g}, lrmul={self.lrmul:g}"


class EqualizedConv2d(nn.Module):
    """Convolution with equalized learning rate and 'same' padding (odd kernels).

    The bias is optional because the synthesis layers add theirs after the noise (official order).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = DEFAULT_GAIN,
                 lrmul: float = 1.0, bias: bool = True):
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.gain, self.lrmul = gain, lrmul
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = gain * lrmul / math.sqrt(in_channels * kernel_size * kernel_size)

    def scaled_weight(self) -> torch.Tensor:
        return self.weight * self.weight_gain

    def scaled_bias(self) -> torch.Tensor | None:
        return self.bias * self.lrmul if self.bias is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.scaled_weight(), self.scaled_bias(), padding=self.kernel_size // 2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"gain={self.gain:.4g}, bias={self.bias is not None}")


class Bias(nn.Module):
    """Per-channel bias added to NCHW (or NC) tensors, with the lr multiplier of equalized lr."""

    def __init__(self, channels: int, lrmul: float = 1.0):
        super().__init__()
        self.lrmul = lrmul
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return x + (self.bias * self.lrmul).view(shape).to(x.dtype)


# ---------------------------------------------------------------------------------------------------------
# Normalisations
# ---------------------------------------------------------------------------------------------------------


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale each sample's vector (dim 1) to unit root-mean-square. Used on z before the mapping network."""
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + eps)


def instance_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Zero mean, unit variance per sample and channel over H, W (computed in float32, as the official code)."""
    orig = x.dtype
    x = x.float()
    x = x - x.mean(dim=(2, 3), keepdim=True)
    x = x * torch.rsqrt(x.square().mean(dim=(2, 3), keepdim=True) + eps)
    return x.to(orig)


def adain(x: torch.Tensor, y_s: torch.Tensor, y_b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Adaptive instance norm: normalise each channel, then scale by (y_s + 1) and shift by y_b.

    x: [N, C, H, W]; y_s, y_b: [N, C]. The +1 lets the affine layer start at the identity (bias 0).
    """
    return style_modulate(instance_norm(x, eps), y_s, y_b)


def style_modulate(x: torch.Tensor, y_s: torch.Tensor, y_b: torch.Tensor) -> torch.Tensor:
    """The style half of AdaIN: x * (y_s + 1) + y_b per sample and channel (x already normalised)."""
    return x * (y_s[:, :, None, None] + 1).to(x.dtype) + y_b[:, :, None, None].to(x.dtype)


class StyleAffine(nn.Module):
    """The learned affine transform "A" of the paper: w -> (y_s, y_b) for one layer.

    One dense layer w_dim -> 2C with gain 1 and lr multiplier 1; first C outputs are y_s, last C are y_b.
    """

    def __init__(self, w_dim: int, channels: int):
        super().__init__()
        self.channels = channels
        self.dense = EqualizedLinear(w_dim, 2 * channels, gain=1.0)

    def forward(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        style = self.dense(w)
        return style[:, : self.channels], style[:, self.channels:]


class NoiseInjection(nn.Module):
    """Add a single-channel noise image, scaled per channel by a learned weight initialised to 0 ("B")."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        # noise: [N or 1, 1, H, W], broadcast over channels
        return x + noise.to(x.dtype) * self.weight.view(1, -1, 1, 1).to(x.dtype)


# ---------------------------------------------------------------------------------------------------------
# Minibatch standard deviation (discriminator)
# ---------------------------------------------------------------------------------------------------------


def minibatch_stddev(x: torch.Tensor, group_size: int = 4, num_features: int = 1) -> torch.Tensor:
    """Append `num_features` channels holding the average std over groups of `group_size` samples.

    Samples i, i+M, i+2M, ... (M = N / group) form a group, as in the official reshape. The batch must be
    divisible by min(group_size, N).
    """
    n, c, h, w = x.shape
    g = min(group_size, n)
    if n % g != 0:
        raise ValueError(f"minibatch_stddev: batch size {n} is not divisible by the group size {g}")
    if c % num_features != 0:
        raise ValueError(f"minibatch_stddev: {c} channels are not divisible by num_features={num_features}")
    y = x.float().reshape(g, -1, num_features, c // num_features, h, w)  # [G, M, F, c, H, W]
    y = y - y.mean(dim=0)
    y = (y.square().mean(dim=0) + 1e-8).sqrt()  # [M, F, c, H, W]
    y = y.mean(dim=(2, 3, 4))  # [M, F]
    y = y.to(x.dtype).reshape(-1, num_features, 1, 1).repeat(g, 1, h, w)  # [N, F, H, W]
    return torch.cat([x, y], dim=1)
