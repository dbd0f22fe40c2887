"""The discriminator (the official D_basic): a mirror of the synthesis network, grown progressively.

Per resolution a FromRGB (1x1 conv + leaky ReLU) and a block "conv 3x3 -> blur -> conv 3x3 down"; at 4x4
the minibatch standard deviation, a 3x3 conv and two dense layers produce one score per image. While a
resolution fades in, the features of the new block are blended with FromRGB of the box-downsampled image.
"""

from __future__ import annotations

import torch
from torch import nn

from stylegan_edu.configs import ModelConfig, get_config
from stylegan_edu.layers import EqualizedConv2d, EqualizedLinear, leaky_relu, minibatch_stddev
from stylegan_edu.resample import ConvDown2d, downscale2d
from stylegan_edu.synthesis import check_resolution


class FromRGB(nn.Module):
    """1x1 conv from image channels to features, with bias and leaky ReLU."""

    def __init__(self, num_channels: int, out_channels: int):
        super().__init__()
        self.conv = EqualizedConv2d(num_channels, out_channels, 1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return leaky_relu(self.conv(img))


class DiscriminatorBlock(nn.Module):
    """conv 3x3 (channels kept) -> leaky ReLU -> [blur] -> conv 3x3 down (channels change) -> leaky ReLU."""

    def __init__(self, in_channels: int, out_channels: int, fused: bool = False, resample: str = "blur"):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3)
        self.conv1_down = ConvDown2d(in_channels, out_channels, 3, fused=fused, resample=resample)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return leaky_relu(self.conv1_down(leaky_relu(self.conv0(x))))


class DiscriminatorEpilogue(nn.Module):
    """The 4x4 head: minibatch stddev -> conv 3x3 -> dense -> dense to one score (gain 1, linear)."""

    def __init__(self, channels: int, dense_channels: int, mbstd_group_size: int = 4, mbstd_num_features: int = 1):
        super().__init__()
        self.mbstd_group_size, self.mbstd_num_features = mbstd_group_size, mbstd_num_features
        extra = mbstd_num_features if mbstd_group_size > 1 else 0
        self.conv = EqualizedConv2d(channels + extra, channels, 3)
        self.dense0 = EqualizedLinear(channels * 16, dense_channels)
        self.dense1 = EqualizedLinear(dense_channels, 1, gain=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mbstd_group_size > 1:
            x = minibatch_stddev(x, self.mbstd_group_size, self.mbstd_num_features)
        x = leaky_relu(self.conv(x))
        x = leaky_relu(self.dense0(x))
        return self.dense1(x)


class Discriminator(nn.Module):
    """image [N, C, r, r] (r = current resolution) -> score [N, 1]."""

    def __init__(self, cfg: ModelConfig | str = "ffhq-1024"):
        super().__init__()
        self.cfg = cfg = get_config(cfg) if isinstance(cfg, str) else cfg
        # fromrgb[k] and blocks[k - 1] work at resolution 4 * 2**k
        self.fromrgb = nn.ModuleList(FromRGB(cfg.num_channels, cfg.channels(r)) for r in cfg.resolutions)
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(cfg.channels(r), cfg.channels(r // 2), fused=cfg.fused(r), resample=cfg.resample)
            for r in cfg.resolutions[1:]
        )
        self.epilogue = DiscriminatorEpilogue(cfg.channels(4), cfg.nf(0), cfg.mbstd_group_size,
                                              cfg.mbstd_num_features)

    def forward(self, img: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
        """Score images at their own resolution; alpha < 1 blends in the previous resolution's path."""
        if img.ndim != 4 or img.shape[1] != self.cfg.num_channels or img.shape[2] != img.shape[3]:
            raise ValueError(f"discriminator expects square images [N, {self.cfg.num_channels}, r, r], "
                             f"got {list(img.shape)}")
        k = check_resolution(img.shape[-1], self.cfg.resolution) - 2
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        x = self.fromrgb[k](img)
        if k > 0:
            x = self.blocks[k - 1](x)
            if alpha < 1.0:  # fade in: the new block's features vs FromRGB of the half-size image
                x = torch.lerp(self.fromrgb[k - 1](downscale2d(img)), x, float(alpha))
            for j in range(k - 1, 0, -1):
                x = self.blocks[j - 1](x)
        return self.epilogue(x)
