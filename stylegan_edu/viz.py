"""Turning network outputs into pictures: uint8 conversion and image grids (Pillow, no plotting needed)."""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Round to 8-bit pixels and back (float in [-1, 1] again), so generated images meet the ToyFaces feature
    network and the metrics as the reals do (stored as uint8)."""
    return ((images.float() + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[N, C, H, W] floats in [-1, 1] -> uint8 [N, H, W, C] (values outside are clipped)."""
    x = (images.detach().float().clamp(-1, 1) + 1) * 127.5
    return x.round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def image_grid(images: torch.Tensor | np.ndarray, columns: int | None = None, pad: int = 2,
               upscale_to: int | None = None) -> Image.Image:
    """Tile a batch into one RGB picture. Floats are taken as [-1, 1] NCHW, uint8 as NHWC.

    upscale_to: nearest-neighbour enlarge each tile by the smallest whole factor that makes it at least this
    size (for low-resolution samples: 64 px tiles with upscale_to=96 are shown at 128 px).
    """
    arr = to_uint8(images) if isinstance(images, torch.Tensor) else np.asarray(images)
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
        raise ValueError(f"image_grid expects a batch of images, got shape {arr.shape}")
    if arr.shape[-1] == 1:
        arr = arr.repeat(3, axis=-1)
    if upscale_to and arr.shape[1] < upscale_to:
        f = -(-upscale_to // arr.shape[1])  # ceiling: a whole factor keeps every pixel square
        arr = arr.repeat(f, axis=1).repeat(f, axis=2)
    n, h, w, _ = arr.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    canvas = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        canvas[y:y + h, x:x + w] = arr[i]
    return Image.fromarray(canvas)
