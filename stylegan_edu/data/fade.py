"""Fade-in of real images while a new resolution is blended into the networks.

While the generator fades in resolution r, its output is a mix of the new r-pixel layer and the
upsampled (r/2)-pixel one. The reals get the same treatment so that D compares like with like:
each 2x2 block is averaged and repeated (nearest upsampling), then blended with the original by
the same alpha (official `process_reals`, where alpha = 1 - fractional lod).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def fade_in_reals(images: torch.Tensor, alpha: float) -> torch.Tensor:
    """alpha * x + (1 - alpha) * up(down(x)) for a batch x [N, C, H, W] with even H and W.

    alpha = 1: the images as they are; alpha = 0: what they look like at half the resolution.
    """
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if images.ndim != 4 or images.shape[-1] % 2 or images.shape[-2] % 2:
        raise ValueError(f"expected NCHW images with even height and width, got shape {tuple(images.shape)}")
    if alpha == 1.0:
        return images
    low = F.avg_pool2d(images, 2)
    low = low.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    return torch.lerp(low, images, alpha)
