"""The exponential moving average of the generator's weights (the official Gs, "G_smoothing")."""

from __future__ import annotations

import torch
from torch import nn


def ema_beta(batch: int, half_life_kimg: float) -> float:
    """Weight of the old average after one minibatch: 0.5 ** (batch / (half_life_kimg * 1000))."""
    return 0.5 ** (batch / (half_life_kimg * 1000.0)) if half_life_kimg > 0 else 0.0


@torch.no_grad()
def update_ema(G_ema: nn.Module, G: nn.Module, beta: float) -> None:
    """Parameters: G_ema <- lerp(G, G_ema, beta). Buffers (w_avg, noise images) are copied as they are."""
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema.copy_(torch.lerp(p.detach(), p_ema, beta))
    for b_ema, b in zip(G_ema.buffers(), G.buffers()):
        b_ema.copy_(b)
