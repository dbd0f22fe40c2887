"""Resampling: the [1,2,1] blur, nearest/box scaling, and the up/down convolutions of StyleGAN.

The official generator upsamples with nearest neighbour, convolves, then blurs with the separable
[1,2,1] filter (normalised to sum 1); the discriminator blurs, convolves, then box-downsamples. From 128 px
up the two steps "scale + 3x3 conv" are fused into one stride-2 (transposed) convolution whose 4x4 kernel is
the 3x3 weight summed over its four shifts, built at run time from the stored 3x3 weight.

`resample` selects the flavour, so the lesson on resampling can compare them with the same parameters:
  "blur"      official: nearest + blur in G, blur + box in D (fused from 128 px)
  "bilinear"  plain bilinear interpolation, no extra blur
  "nearest"   nearest-neighbour upsampling / strided subsampling, no blur (aliasing on purpose)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.conv import conv2d
from stylegan_edu.layers import DEFAULT_GAIN, EqualizedConv2d

RESAMPLE_MODES = ("blur", "bilinear", "nearest")

# Devices on which the unfused "blur" layers below 128 px run as their stride-2 equivalents: nearest-up + 3x3
# conv is a transposed 4x4 convolution of the half-size input (kernel rotated by 180 degrees, see UpConv2d),
# and 3x3 conv + 2x2 box-down is a stride-2 4x4 convolution. Same function, 2.25x fewer multiply-adds.
# Measured faster on the CPU (docs/benchmarks.md, benchmarks/cpu_step_variants.py); empty it to run the
# step-by-step reference path everywhere.
STRIDED_SCALE_DEVICES = {"cpu"}


def check_resample(mode: str) -> str:
    if mode not in RESAMPLE_MODES:
        raise ValueError(f"resample must be one of {RESAMPLE_MODES}, got {mode!r}")
    return mode


def blur_kernel(taps: Sequence[float] = (1, 2, 1), normalize: bool = True) -> torch.Tensor:
    """The 2-D separable blur filter: the outer product of `taps` with itself, scaled to sum 1."""
    k = torch.as_tensor(taps, dtype=torch.float32)
    k = torch.outer(k, k)
    return k / k.sum() if normalize else k


def _depthwise(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Cross-correlate every channel with the 2-D `kernel` (zero padding, same size out)."""
    kh, kw = kernel.shape
    weight = kernel.to(device=x.device, dtype=x.dtype)[None, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(x, weight, padding=(kh // 2, kw // 2), groups=x.shape[1])


class _BlurFunction(torch.autograd.Function):
    """The blur with its own gradient: the blur's adjoint is the blur with the flipped kernel, and so on.

    PyTorch's generic double backward of a grouped convolution runs one convolution per channel group, which
    made the R1 penalty (a gradient of a gradient through D) ~100x slower on a GPU at 1024 px. Defining the
    backward as another blur keeps every derivative order a single depthwise convolution, as the official code
    does with its custom-gradient blur.
    """

    @staticmethod
    def forward(ctx, x, kernel):
        ctx.save_for_backward(kernel)
        return _depthwise(x, kernel)

    @staticmethod
    def backward(ctx, grad):
        (kernel,) = ctx.saved_tensors
        return _BlurFunction.apply(grad, kernel.flip(0, 1)), None


_KERNELS: dict[torch.device, torch.Tensor] = {}


def _default_kernel(device: torch.device) -> torch.Tensor:
    # made once per device: a copy from the CPU at every call would also be refused inside a CUDA graph capture
    # (a plain dict, not functools.lru_cache, which torch.compile warns about and traces through)
    if device not in _KERNELS:
        _KERNELS[device] = blur_kernel().to(device)
    return _KERNELS[device]


def blur2d(x: torch.Tensor, kernel: torch.Tensor | None = None) -> torch.Tensor:
    """Blur every channel with `kernel` (default [1,2,1]x[1,2,1]/16), zero padding, same size out."""
    if kernel is None:
        kernel = _default_kernel(x.device)
    kh, kw = kernel.shape
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"blur2d needs an odd-sized kernel to keep the image size, got {kh}x{kw}")
    # cross-correlation, as the official depthwise conv (the default kernel is symmetric anyway)
    return _BlurFunction.apply(x, kernel.detach())


class Blur(nn.Module):
    """`blur2d` as a module; the kernel is a non-persistent buffer (not part of the state dict)."""

    def __init__(self, taps: Sequence[float] = (1, 2, 1)):
        super().__init__()
        self.register_buffer("kernel", blur_kernel(taps), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return blur2d(x, self.kernel)


def upscale2d(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Nearest-neighbour upsampling: each pixel becomes a factor x factor block."""
    return x.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)


def downscale2d(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Box downsampling: the average of each factor x factor block."""
    return F.avg_pool2d(x, factor)


def upsample(x: torch.Tensor, mode: str) -> torch.Tensor:
    """2x upsampling of an image or feature map in one of the RESAMPLE_MODES (without the conv)."""
    if mode == "bilinear":
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    x = upscale2d(x)
    return blur2d(x) if mode == "blur" else x


def downsample(x: torch.Tensor, mode: str) -> torch.Tensor:
    """2x downsampling in one of the RESAMPLE_MODES (without the conv)."""
    if mode == "bilinear":
        return F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False, antialias=True)
    if mode == "nearest":
        return x[:, :, ::2, ::2]
    return downscale2d(blur2d(x))


def fused_kernel(weight: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """4x4 kernel of the fused scale+conv: the 3x3 `weight` zero-padded to 5x5 and summed over 4 shifts.

    Computed as a 2x2 average pool with zero padding (times 4 * scale), one pass over the weight instead of a
    pad and three additions: at 512 feature maps the kernel is as big as a batch of activations.
    """
    o, i, kh, kw = weight.shape
    mean = F.avg_pool2d(weight.reshape(o * i, 1, kh, kw), 2, stride=1, padding=1, count_include_pad=True)
    mean = mean.reshape(o, i, kh + 1, kw + 1)  # the mean of the four shifts
    return mean if scale == 0.25 else mean * (4.0 * scale)


class UpConv2d(nn.Module):
    """Generator's "Conv0_up": 2x upsample + 3x3 conv (+ blur in the official mode). No bias here.

    fused=True (official from 128 px output) computes upsample+conv as one transposed convolution.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, gain: float = DEFAULT_GAIN,
                 fused: bool = False, resample: str = "blur"):
        super().__init__()
        self.resample = check_resample(resample)
        self.fused = bool(fused) and resample == "blur"
        self.conv = EqualizedConv2d(in_channels, out_channels, kernel_size, gain=gain, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            w = fused_kernel(self.conv.scaled_weight()).transpose(0, 1)  # conv_transpose wants [in, out, k, k]
            x = F.conv_transpose2d(x, w, stride=2, padding=1)
        elif self.resample == "blur" and x.device.type in STRIDED_SCALE_DEVICES:
            # nearest-up + conv(w) == the fused transposed conv of w rotated by 180 degrees (same function)
            w = fused_kernel(self.conv.scaled_weight().flip((2, 3))).transpose(0, 1)
            x = F.conv_transpose2d(x, w, stride=2, padding=1)
        else:  # the official blur comes after the conv, so its upsampling step is plain nearest
            x = self.conv(upsample(x, "bilinear" if self.resample == "bilinear" else "nearest"))
        return blur2d(x) if self.resample == "blur" else x


class ConvDown2d(nn.Module):
    """Discriminator's "Conv1_down": (blur +) 3x3 conv + 2x downsample, with bias.

    fused=True (official from 128 px input) computes conv+box-downsample as one stride-2 convolution
    whose 4x4 kernel is the summed 3x3 weight times 0.25.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, gain: float = DEFAULT_GAIN,
                 fused: bool = False, resample: str = "blur"):
        super().__init__()
        self.resample = check_resample(resample)
        self.fused = bool(fused) and resample == "blur"
        self.conv = EqualizedConv2d(in_channels, out_channels, kernel_size, gain=gain, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.resample == "blur":
            x = blur2d(x)
            if self.fused or x.device.type in STRIDED_SCALE_DEVICES:  # conv + box-down == one stride-2 conv
                w = fused_kernel(self.conv.scaled_weight(), 0.25)
                return conv2d(x, w, self.conv.scaled_bias(), stride=2, padding=1)
            return downscale2d(self.conv(x))
        return downsample(self.conv(x), self.resample)
