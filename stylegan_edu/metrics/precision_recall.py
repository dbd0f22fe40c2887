"""Improved precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for
Assessing Generative Models").

Each feature set approximates its manifold by a union of balls: around every sample, a ball reaching to its
k-th nearest neighbour within the same set. Precision is the fraction of generated samples that fall inside
the real manifold (are the fakes realistic?); recall is the fraction of real samples inside the generated
manifold (is the variety of the real data covered?).

Distances are computed in torch, a block of rows at a time, on the device of the inputs (CUDA tensors in,
CUDA computation); memory is about batch_size x (size of the other set) distances.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_tensor(x, name: str) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if t.ndim != 2:
        raise ValueError(f"{name} must have shape [N, D], got {list(t.shape)}")
    if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t


def _row_blocks(x: torch.Tensor, batch_size: int):
    for start in range(0, x.shape[0], batch_size):
        yield x[start:start + batch_size]


def manifold_radii(features: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    """Distance from each sample to its k-th nearest neighbour in the same set (the sample itself excluded)."""
    if not 1 <= k < features.shape[0]:
        raise ValueError(f"k must lie in [1, N - 1] = [1, {features.shape[0] - 1}], got {k}")
    # the k+1-th smallest distance of a row skips the zero distance of the sample to itself
    return torch.cat([torch.cdist(block, features).kthvalue(k + 1, dim=1).values
                      for block in _row_blocks(features, batch_size)])


def inside_manifold(probe: torch.Tensor, manifold: torch.Tensor, radii: torch.Tensor,
                    batch_size: int) -> torch.Tensor:
    """For each probe sample: does it lie in at least one ball (manifold sample, radius)?"""
    return torch.cat([(torch.cdist(block, manifold) <= radii.unsqueeze(0)).any(dim=1)
                      for block in _row_blocks(probe, batch_size)])


def precision_recall(real, fake, k: int = 3, batch_size: int = 10000) -> dict:
    """Precision and recall of fake features [M, D] with respect to real features [N, D] (k = 3 as the paper).

    Returns {"precision": float, "recall": float}.
    """
    real, fake = _as_tensor(real, "real"), _as_tensor(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature sizes differ: {real.shape[1]} and {fake.shape[1]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = fake.device if fake.device.type != "cpu" else real.device  # one on the GPU takes both there
    dtype = torch.promote_types(real.dtype, fake.dtype)
    real, fake = real.to(device, dtype), fake.to(device, dtype)
    with torch.no_grad():
        real_radii = manifold_radii(real, k, batch_size)
        fake_radii = manifold_radii(fake, k, batch_size)
        precision = inside_manifold(fake, real, real_radii, batch_size).double().mean().item()
        recall = inside_manifold(real, fake, fake_radii, batch_size).double().mean().item()
    return {"precision": precision, "recall": recall}
