"""The mapping network f: Z -> W, an MLP of equalized-lr dense layers with a 100x smaller learning rate."""

from __future__ import annotations

import torch
from torch import nn

from stylegan_edu.layers import DEFAULT_GAIN, EqualizedLinear, leaky_relu, pixel_norm


class MappingNetwork(nn.Module):
    """z [N, latent_size] -> w [N, dlatent_size].

    Official order: pixel-norm z, then `num_layers` x (dense -> bias -> leaky ReLU), the last one included.
    Both weights and biases use lr multiplier `lrmul` (0.01).
    """

    def __init__(self, latent_size: int = 512, dlatent_size: int = 512, num_layers: int = 8,
                 hidden_size: int = 512, lrmul: float = 0.01, normalize_latents: bool = True):
        super().__init__()
        self.latent_size, self.dlatent_size = latent_size, dlatent_size
        self.normalize_latents = normalize_latents
        sizes = [latent_size] + [hidden_size] * (num_layers - 1) + [dlatent_size]
        self.layers = nn.ModuleList(
            EqualizedLinear(sizes[i], sizes[i + 1], gain=DEFAULT_GAIN, lrmul=lrmul) for i in range(num_layers)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_size:
            raise ValueError(f"mapping expects z of shape [N, {self.latent_size}], got {list(z.shape)}")
        x = pixel_norm(z) if self.normalize_latents else z
        for layer in self.layers:
            x = leaky_relu(layer(x))
        return x
