"""Where noise acts: average maps of per-pixel variation, for a generator and for ToyFaces' stochastic detail.

The paper's figure 4 shows one face: keep w, redraw the noise, look at the standard deviation per pixel. Averaged
over many faces the same map says where a model puts its noise on the whole, and ToyFaces with stochastic detail
(`render(..., detail=SEED)`) gives the map a model should aim at: redraw the detail seed with the attributes
fixed, and only the hair strands, the stray hairs at the hair's edge and the freckles move.

    from stylegan_edu.noise_maps import detail_map, map_agreement, noise_map
    target = detail_map(64)                  # [64, 64]: where the data varies with the attributes fixed
    model = noise_map(G)                     # [64, 64]: where G varies with w fixed
    map_agreement(model, target)             # Pearson correlation of the two maps

Both maps are in the images' units (pixels in [-1, 1]), averaged over RGB.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from stylegan_edu.generator import z_from_seeds


def _faces(seeds, draws: int) -> list:
    """`seeds` as a list, after checking there are faces and enough draws for a standard deviation."""
    if draws < 2:
        raise ValueError(f"draws must be at least 2 (a standard deviation needs two), got {draws}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty")
    return seeds


def level_strength(cfg, level: str) -> list[float]:
    """A `noise_strength` list that keeps the noise of one level's layers ("coarse", "middle", "fine") only."""
    layers = set(cfg.level_layers(level))
    return [1.0 if i in layers else 0.0 for i in range(cfg.num_layers)]


@torch.no_grad()
def noise_map(G, seeds=range(32), draws: int = 16, truncation_psi: float = 1.0, noise_strength=1.0) -> torch.Tensor:
    """Mean over the faces `seeds` of the per-pixel std over `draws` noise draws (w fixed per face): [H, W].

    noise_strength: as for G (one number, or one per layer), e.g. `level_strength(G.cfg, "fine")` to see one
    level's noise alone."""
    z = z_from_seeds(_faces(seeds, draws), G.cfg.latent_size, device=G.w_avg.device)
    gen = torch.Generator().manual_seed(0)  # the same noise images for every call, whatever the device
    sizes = [G.cfg.layer_resolution(i) for i in range(G.num_layers)]
    total = None
    for face in z:
        noise = [torch.randn((draws, 1, r, r), generator=gen).to(face.device) for r in sizes]
        imgs = G(face.expand(draws, -1), truncation_psi=truncation_psi, noise=noise, noise_strength=noise_strength)
        std = imgs.float().std(dim=0).mean(dim=0)
        total = std if total is None else total + std
    return (total / len(z)).cpu()


# ToyFaces outside the 0..27999 that metrics and the lessons' training runs use.
DETAIL_SEEDS = range(28000, 28200)


def detail_images(seed: int, resolution: int = 64, draws: int = 8) -> np.ndarray:
    """ToyFace `seed` drawn with detail seeds 0..draws-1, attributes fixed: [draws, r, r, 3] uint8."""
    from stylegan_edu.data import toyfaces

    a = toyfaces.sample_attributes(seed)
    return np.stack([toyfaces.render(a, resolution, detail=d) for d in range(draws)])


def detail_map(resolution: int = 64, seeds=DETAIL_SEEDS, draws: int = 8) -> torch.Tensor:
    """Mean over ToyFaces `seeds` of the per-pixel std over `draws` detail seeds (attributes fixed): [r, r]."""
    seeds = _faces(seeds, draws)
    total = np.zeros((resolution, resolution))
    for s in seeds:
        imgs = detail_images(s, resolution, draws).astype(np.float64) / 127.5
        total += imgs.std(axis=0, ddof=1).mean(axis=2)
    return torch.from_numpy(total / len(seeds)).float()


def map_agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    """Pearson correlation of two maps; the first is resized (bilinear) to the second's size if they differ."""
    a, b = a.float(), b.float()
    if a.shape != b.shape:
        a = F.interpolate(a[None, None], size=b.shape, mode="bilinear", align_corners=False)[0, 0]
    a, b = a.flatten() - a.mean(), b.flatten() - b.mean()
    denom = a.norm() * b.norm()
    if denom == 0:
        return 0.0  # a constant map (no noise at all) agrees with nothing
    return float(a @ b / denom)
