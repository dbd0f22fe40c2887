"""The synthesis network g: per-layer styles w -> image, grown progressively from 4x4.

Figure 1(b) of the paper: a learned constant 4x4 input, then per resolution two layers, each
"conv -> add noise -> bias -> leaky ReLU -> instance norm -> style (AdaIN)"; a ToRGB (1x1 conv) for every
resolution. While a new resolution fades in, the image is a blend of the new ToRGB output and the
nearest-upsampled image of the previous resolution, weighted by alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from stylegan_edu.checks import check_number
from stylegan_edu.configs import ModelConfig
from stylegan_edu.layers import (Bias, EqualizedConv2d, NoiseInjection, StyleAffine, instance_norm,
                                 leaky_relu, style_modulate)
from stylegan_edu.resample import UpConv2d, upscale2d

NOISE_MODES = ("random", "const", "none")


def _short(value) -> str:
    """A value for an error message: a tensor by its shape, anything else by its repr."""
    return f"a tensor of shape {list(value.shape)}" if isinstance(value, torch.Tensor) else repr(value)


class LayerEpilogue(nn.Module):
    """Everything after the convolution of one synthesis layer, in the official order:
    noise -> bias -> leaky ReLU -> instance norm -> style modulation with (y_s, y_b) = A(w).
    """

    def __init__(self, channels: int, w_dim: int, resolution: int, use_noise: bool = True):
        super().__init__()
        self.resolution = resolution
        self.noise = NoiseInjection(channels) if use_noise else None
        self.bias = Bias(channels)
        self.affine = StyleAffine(w_dim, channels)
        # a fixed noise image for noise_mode="const" (a buffer, not trained; the official "noise%d" vars)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))

    def make_noise(self, x: torch.Tensor, mode: str) -> torch.Tensor | None:
        if not isinstance(mode, str) or mode not in NOISE_MODES:  # e.g. a noise image passed in its place
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {_short(mode)}; pass a noise image "
                             "as noise=...")
        if mode == "none":
            return None
        if mode == "const":
            return self.noise_const
        return torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=torch.float32)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "random",
                noise: torch.Tensor | None = None, noise_strength: float = 1.0):
        """noise: an explicit noise image [N or 1, 1, H, W]; when None one is made by `noise_mode`."""
        if self.noise is not None:
            noise = self.make_noise(x, noise_mode) if noise is None else noise
            if noise is not None:
                x = self.noise(x, noise * noise_strength)
        x = leaky_relu(self.bias(x))
        x = instance_norm(x)
        y_s, y_b = self.affine(w)
        return style_modulate(x, y_s, y_b), (y_s, y_b)


class SynthesisLayer(nn.Module):
    """A 3x3 convolution (upsampling when `up`) followed by the epilogue."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: bool = False,
                 fused: bool = False, resample: str = "blur", use_noise: bool = True):
        super().__init__()
        if up:
            self.conv = UpConv2d(in_channels, out_channels, 3, fused=fused, resample=resample)
        else:
            self.conv = EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue = LayerEpilogue(out_channels, w_dim, resolution, use_noise)

    def forward(self, x, w, noise_mode="random", noise=None, noise_strength=1.0):
        return self.epilogue(self.conv(x), w, noise_mode, noise, noise_strength)


class ConstInput(nn.Module):
    """The learned 4x4 starting tensor, initialised to ones, shared by every sample."""

    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.const = nn.Parameter(torch.ones(1, channels, size, size))

    def forward(self, batch_size: int) -> torch.Tensor:
        return self.const.expand(batch_size, -1, -1, -1)


class ToRGB(nn.Module):
    """1x1 convolution to the image channels, gain 1, linear (no activation)."""

    def __init__(self, in_channels: int, num_channels: int = 3):
        super().__init__()
        self.conv = EqualizedConv2d(in_channels, num_channels, 1, gain=1.0, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class SynthesisNetwork(nn.Module):
    """ws [N, num_layers, w_dim] -> image [N, C, r, r] at the current resolution r.

    Layer indices: 2k and 2k+1 belong to resolution 4 * 2**k. Block 0 is the constant input plus one
    conv at 4x4; every later block upsamples (fused from 128 px in the official config).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.num_layers = cfg.num_layers
        self.w_dim = cfg.dlatent_size
        c4 = cfg.channels(4)
        self.input = ConstInput(c4)
        self.input_epilogue = LayerEpilogue(c4, self.w_dim, 4, cfg.use_noise)
        self.layers = nn.ModuleList([SynthesisLayer(c4, c4, self.w_dim, 4, use_noise=cfg.use_noise)])
        self.torgb = nn.ModuleList([ToRGB(c4, cfg.num_channels)])
        for res in cfg.resolutions[1:]:
            c_in, c_out = cfg.channels(res // 2), cfg.channels(res)
            self.layers.append(SynthesisLayer(c_in, c_out, self.w_dim, res, up=True, fused=cfg.fused(res),
                                              resample=cfg.resample, use_noise=cfg.use_noise))
            self.layers.append(SynthesisLayer(c_out, c_out, self.w_dim, res, use_noise=cfg.use_noise))
            self.torgb.append(ToRGB(c_out, cfg.num_channels))

    def epilogues(self) -> list[LayerEpilogue]:
        """The epilogue of every style layer, in layer order (layer 0 is the constant's)."""
        return [self.input_epilogue] + [layer.epilogue for layer in self.layers]

    def forward(self, ws: torch.Tensor, resolution: int | None = None, alpha: float = 1.0,
                noise_mode: str = "random", noise_strength: float | Sequence[float] = 1.0,
                noise: Sequence[torch.Tensor | None] | None = None, return_features: bool = False):
        """Render images from per-layer styles.

        ws: [N, num_layers, w_dim] (or [N, w_dim], used for every layer).
        resolution: current resolution while growing (default: the full one); alpha in [0, 1] fades it in.
        noise_mode: "random" (fresh per call), "const" (the stored buffers) or "none".
        noise_strength: a scale for the noise, one number or one per layer.
        noise: explicit noise images per layer ([N or 1, 1, r, r]); overrides noise_mode where not None.
        return_features: also return a dict with every layer's output, style and each resolution's RGB.
        """
        resolution = self.cfg.resolution if resolution is None else resolution
        num_active = check_resolution(resolution, self.cfg.resolution) * 2 - 2
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if ws.ndim == 2:
            ws = ws.unsqueeze(1).expand(-1, self.num_layers, -1)
        if ws.ndim != 3 or ws.shape[1] < num_active or ws.shape[2] != self.w_dim:
            raise ValueError(f"synthesis expects ws of shape [N, {self.num_layers}, {self.w_dim}], "
                             f"got {list(ws.shape)}")
        strengths = _per_layer(noise_strength, self.num_layers, "noise_strength")
        if noise is not None and len(noise) < num_active:
            raise ValueError(f"noise needs one entry per layer ({num_active}), got {len(noise)}")

        feats, styles, rgbs = [], [], []

        def run(layer_idx: int, x: torch.Tensor) -> torch.Tensor:
            args = (ws[:, layer_idx], noise_mode, None if noise is None else noise[layer_idx], strengths[layer_idx])
            layer = self.input_epilogue if layer_idx == 0 else self.layers[layer_idx - 1]
            x, style = layer(x, *args)
            if return_features:
                feats.append(x)
                styles.append(style)
            return x

        x = run(0, self.input(ws.shape[0]))
        x = run(1, x)
        num_blocks = num_active // 2
        prev_x = x
        for b in range(1, num_blocks):
            prev_x = x
            x = run(2 * b, x)
            x = run(2 * b + 1, x)
            if return_features:
                rgbs.append(self.torgb[b - 1](prev_x))
        img = self.torgb[num_blocks - 1](x)
        if num_blocks > 1 and alpha < 1.0:  # fade in: blend with the upsampled previous resolution
            img_prev = upscale2d(self.torgb[num_blocks - 2](prev_x))
            img = torch.lerp(img_prev, img, float(alpha))
        if not return_features:
            return img
        rgbs.append(self.torgb[num_blocks - 1](x))
        return img, {"features": feats, "styles": styles, "rgb": rgbs, "ws": ws}


def check_resolution(resolution: int, max_resolution: int) -> int:
    """Validate a current resolution and return its log2."""
    if resolution < 4 or resolution > max_resolution or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two in [4, {max_resolution}], got {resolution}")
    return int(math.log2(resolution))


def _per_layer(value, num_layers: int, name: str) -> list[float]:
    """One finite number >= 0, or one per layer (ValueError otherwise)."""
    if isinstance(value, (int, float)):
        return [check_number(name, value, 0)] * num_layers
    values = [check_number(name, v, 0) for v in value]
    if len(values) != num_layers:
        raise ValueError(f"{name} needs 1 or {num_layers} values, got {len(values)}")
    return values
