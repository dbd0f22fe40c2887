"""The style-based generator: mapping network + synthesis network, with the paper's tricks around them.

    z --mapping--> w --(track w_avg)--> per-layer ws --(style mixing)--> --(truncation)--> synthesis -> image

Style mixing feeds w1 to the layers before a crossover and w2 to the rest; truncation pulls w towards the
running average w_avg in the first `cutoff` layers: w' = w_avg + psi * (w - w_avg).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

from stylegan_edu.checks import check_number, check_psi, check_seed
from stylegan_edu.configs import ModelConfig, get_config
from stylegan_edu.mapping import MappingNetwork
from stylegan_edu.synthesis import SynthesisNetwork, check_resolution


def broadcast(w: torch.Tensor, num_layers: int) -> torch.Tensor:
    """[N, D] -> [N, num_layers, D]: the same w for every layer."""
    return w.unsqueeze(1).repeat(1, num_layers, 1)


def _need_per_layer(ws: torch.Tensor, who: str) -> None:
    if ws.dim() != 3:
        raise ValueError(f"{who} needs per-layer styles [N, num_layers, w_dim], got shape {list(ws.shape)}: "
                         "broadcast(w, num_layers) first")


def mix_styles(ws1: torch.Tensor, ws2: torch.Tensor, crossover: int) -> torch.Tensor:
    """Layers < crossover take ws1, layers >= crossover take ws2 (both [N, L, D])."""
    _need_per_layer(ws1, "mix_styles")
    if ws1.shape != ws2.shape:
        raise ValueError(f"mix_styles needs equal shapes, got {list(ws1.shape)} and {list(ws2.shape)}")
    layer = torch.arange(ws1.shape[1], device=ws1.device).view(1, -1, 1)
    return torch.where(layer < crossover, ws1, ws2)


def truncate(ws: torch.Tensor, w_avg: torch.Tensor, psi: float, cutoff: int | None) -> torch.Tensor:
    """The truncation trick in W: layers < cutoff move to w_avg + psi * (w - w_avg); others unchanged.

    psi: a finite number in [-2, 2] (1 = none, 0 = the average face, negative = the "anti-face")."""
    psi = check_psi(psi)
    _need_per_layer(ws, "truncate")
    num_layers = ws.shape[1]
    cutoff = num_layers if cutoff is None else cutoff
    layer = torch.arange(num_layers, device=ws.device).view(1, -1, 1)
    coefs = torch.where(layer < cutoff, torch.full_like(layer, psi, dtype=ws.dtype),
                        torch.ones_like(layer, dtype=ws.dtype))
    return torch.lerp(w_avg.to(ws.dtype), ws, coefs)


def z_from_seeds(seeds: Iterable[int], latent_size: int, device=None) -> torch.Tensor:
    """One z per seed, drawn on the CPU so a seed gives the same face on every device."""
    zs = [torch.randn(latent_size, generator=torch.Generator().manual_seed(check_seed("seed", s))) for s in seeds]
    return torch.stack(zs).to(device)


class Generator(nn.Module):
    """StyleGAN v1 generator (the official G_style): z [N, latent] -> image [N, 3, r, r] in about [-1, 1]."""

    def __init__(self, cfg: ModelConfig | str = "ffhq-1024"):
        super().__init__()
        self.cfg = get_config(cfg) if isinstance(cfg, str) else cfg
        c = self.cfg
        self.mapping = MappingNetwork(c.latent_size, c.dlatent_size, c.mapping_layers, c.mapping_fmaps,
                                      c.mapping_lrmul, c.normalize_latents)
        self.synthesis = SynthesisNetwork(c)
        self.register_buffer("w_avg", torch.zeros(c.dlatent_size))  # a buffer: tracked, not trained

    @property
    def num_layers(self) -> int:
        return self.cfg.num_layers

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor, beta: float | None = None) -> None:
        """w_avg <- lerp(batch mean of w, w_avg, beta), beta = 0.995 by default (called while training)."""
        beta = self.cfg.w_avg_beta if beta is None else beta
        self.w_avg.copy_(torch.lerp(w.detach().float().mean(dim=0), self.w_avg, beta))

    def random_crossover(self, resolution: int) -> int:
        """Uniform in 1 .. (active layers - 1), as the official style-mixing regulariser."""
        num_active = self.cfg.num_layers_at(resolution)
        return int(torch.randint(1, max(num_active, 2), ()))

    def forward(self, z: torch.Tensor, *, resolution: int | None = None, alpha: float = 1.0,
                truncation_psi: float = 1.0, truncation_cutoff: int | None = None,
                z_mix: torch.Tensor | None = None, crossover: int | None = None,
                style_mixing_prob: float = 0.0, update_w_avg: bool = False,
                noise_mode: str = "random", noise_strength: float | Sequence[float] = 1.0,
                noise: Sequence[torch.Tensor | None] | None = None, return_features: bool = False):
        """Generate images.

        resolution, alpha: progressive growing (default: full resolution, alpha 1).
        truncation_psi: 1 means no truncation (training, metrics); the config's 0.7 is for sampling. A finite
            number in [-2, 2] (ValueError otherwise); style_mixing_prob (as alpha) must lie in [0, 1].
        truncation_cutoff: layers truncated; None takes the config's (8 for the paper's model).
        z_mix, crossover: style mixing with a second latent; crossover None draws it at random (an int, or a
            0-dim integer tensor on G's device; >= num_layers means no mixing).
        style_mixing_prob: the training regulariser: with this probability mix with a fresh random z.
        update_w_avg: track the moving average of w (training only).
        noise_mode / noise_strength / noise: see SynthesisNetwork.forward.
        return_features: also return a dict with z, w, ws, each layer's feature map, style and RGB.
        """
        truncation_psi = check_psi(truncation_psi, "truncation_psi")
        style_mixing_prob = check_number("style_mixing_prob", style_mixing_prob, 0, 1)
        resolution = self.cfg.resolution if resolution is None else resolution
        check_resolution(resolution, self.cfg.resolution)
        w = self.mapping(z)
        if update_w_avg:
            self.update_w_avg(w)
        ws = broadcast(w, self.num_layers)

        num_active = self.cfg.num_layers_at(resolution)
        if z_mix is None and style_mixing_prob > 0 and torch.rand(()) < style_mixing_prob:
            z_mix = torch.randn_like(z)
        if z_mix is not None:
            if crossover is None:
                crossover = self.random_crossover(resolution)
            # a 0-dim tensor (the CUDA-graph training step's) is not range-checked: reading it would sync
            if not torch.is_tensor(crossover) and not 0 <= crossover <= self.num_layers:
                raise ValueError(f"crossover must lie in [0, {self.num_layers}], got {crossover}")
            ws = mix_styles(ws, broadcast(self.mapping(z_mix), self.num_layers), crossover)

        if truncation_psi != 1.0:
            cutoff = self.cfg.truncation_cutoff if truncation_cutoff is None else truncation_cutoff
            ws = truncate(ws, self.w_avg, truncation_psi, cutoff)

        out = self.synthesis(ws, resolution=resolution, alpha=alpha, noise_mode=noise_mode,
                             noise_strength=noise_strength, noise=noise, return_features=return_features)
        if not return_features:
            return out
        img, info = out
        info.update(z=z, w=w, num_active_layers=num_active)
        return img, info
