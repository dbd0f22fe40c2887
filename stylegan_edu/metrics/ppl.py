"""Perceptual path length (section 4.1 of the paper): how much the image changes, perceptually, when the
latent moves a tiny step along an interpolation path.

    l = E[ d(g(lerp(w0, w1, t)), g(lerp(w0, w1, t + eps))) / eps^2 ]        in W
    l = E[ d(G(slerp(z0, z1, t)), G(slerp(z0, z1, t + eps))) / eps^2 ]      in Z

with d the LPIPS (VGG16) distance, eps = 1e-4, t ~ U(0, 1) ("full" paths) or t = 0 ("end" points), 100k pairs.
As the official metric (metrics/perceptual_path_length.py of NVlabs/stylegan): both images of a pair get the
same noise, no truncation, only the face crop is compared (rows 3H/8-7H/8, columns 2W/8-6W/8), a crop larger
than 256 px is box-downsampled to 256, and the mean leaves out values outside the 1st-99th percentile.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from stylegan_edu.cpu_memory import keep_freed_memory
from stylegan_edu.generator import broadcast

SPACES = ("z", "w")
SAMPLINGS = ("full", "end")


def _t_like(t, ref: torch.Tensor) -> torch.Tensor:
    """t as a tensor that broadcasts against ref: a scalar, or one value per row ([N] becomes [N, 1, ...])."""
    t = torch.as_tensor(t, dtype=ref.dtype, device=ref.device)
    if t.ndim == 1 and ref.ndim > 1 and t.shape[0] == ref.shape[0]:
        t = t.view(-1, *([1] * (ref.ndim - 1)))
    return t


def _normalize(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(v.dtype).tiny)


def slerp(a: torch.Tensor, b: torch.Tensor, t) -> torch.Tensor:
    """Spherical interpolation between the directions of a and b ([..., D]), as the official Z-space PPL:
    both are normalised first, and the result is a unit vector at angle t * angle(a, b) from a towards b.
    t: a number or one value per row.
    """
    a, b = _normalize(a), _normalize(b)
    cos = (a * b).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0)
    angle = torch.acos(cos) * _t_like(t, cos)
    towards_b = _normalize(b - cos * a)  # the unit vector orthogonal to a in the plane of a and b
    return _normalize(a * torch.cos(angle) + towards_b * torch.sin(angle))


def lerp(a: torch.Tensor, b: torch.Tensor, t) -> torch.Tensor:
    """Linear interpolation a + t (b - a); t: a number or one value per row."""
    return a + (b - a) * _t_like(t, a)


def ppl_crop(images: torch.Tensor) -> torch.Tensor:
    """The official FFHQ face crop: rows 3H/8 .. 7H/8 and columns 2W/8 .. 6W/8 of [N, C, H, W] images."""
    h, w = images.shape[-2] // 8, images.shape[-1] // 8
    if h == 0 or w == 0:
        raise ValueError(f"images must be at least 8x8 to crop, got {list(images.shape[-2:])}")
    return images[..., 3 * h:7 * h, 2 * w:6 * w]


def box_downsample(images: torch.Tensor, size: int = 256) -> torch.Tensor:
    """Average-pool images taller than `size` by the integer factor H // size (the official code: VGG was
    trained on 224 px images); smaller images are returned unchanged."""
    factor = images.shape[-2] // size
    return F.avg_pool2d(images, factor) if images.shape[-2] > size and factor > 1 else images


def filtered_mean(values, lo: float = 1, hi: float = 99) -> float:
    """Mean of the values between the lo-th and hi-th percentile (bounds included; the official code takes
    the percentiles with 'lower' / 'higher' interpolation so both are actual values)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("filtered_mean needs at least one value")
    lo_v = np.percentile(v, lo, method="lower")
    hi_v = np.percentile(v, hi, method="higher")
    return float(v[(v >= lo_v) & (v <= hi_v)].mean())


def _pair_noise(n: int, resolution: int, device, dtype, gen: torch.Generator) -> list[torch.Tensor]:
    """One noise image per pair and style layer, repeated for the two images of the pair ([2n, 1, r, r])."""
    num_layers = 2 * int(math.log2(resolution)) - 2
    noise = []
    for layer in range(num_layers):
        r = 2 ** (layer // 2 + 2)
        x = torch.randn(n, 1, 1, r, r, device=device, dtype=dtype, generator=gen)
        noise.append(x.expand(n, 2, 1, r, r).reshape(2 * n, 1, r, r))
    return noise


def _endpoint_styles(G, z: torch.Tensor, t: torch.Tensor, epsilon: float, space: str) -> torch.Tensor:
    """z [n, 2, latent] (pairs), t [n] -> ws [2n, num_layers, w_dim]: rows 2i and 2i+1 are the path of pair i at
    t and t + epsilon."""
    n = z.shape[0]
    if space == "z":
        lat = torch.stack([slerp(z[:, 0], z[:, 1], t), slerp(z[:, 0], z[:, 1], t + epsilon)], dim=1)
        w = G.mapping(lat.reshape(2 * n, -1))
    else:
        w_pairs = G.mapping(z.reshape(2 * n, -1)).view(n, 2, -1)
        w0, w1 = w_pairs[:, 0], w_pairs[:, 1]
        w = torch.stack([lerp(w0, w1, t), lerp(w0, w1, t + epsilon)], dim=1).reshape(2 * n, -1)
    return broadcast(w, G.num_layers)


def perceptual_path_length(G, distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                           num_samples: int = 100_000, space: str = "w", sampling: str = "end",
                           epsilon: float = 1e-4, crop: bool = True, batch_size: int = 64,
                           resolution: int | None = None, device=None, seed: int = 0,
                           progress: bool = True) -> dict:
    """PPL of generator G over `num_samples` latent pairs.

    G needs: `G.cfg.latent_size`, `G.cfg.resolution` (when `resolution` is None), `G.num_layers`,
    `G.mapping(z [N, latent]) -> w [N, w_dim]` and `G.synthesis(ws [N, L, w_dim], resolution=, noise=)`
    (a stylegan_edu Generator has all of them). Latents are drawn in the dtype of G's parameters.
    distance(img_a, img_b) -> [n]: a perceptual distance (LPIPS) of two batches of images in [-1, 1], already
        cropped / downsampled here.
    space: "z" (slerp of z) or "w" (lerp of w = mapping(z)); sampling: "full" (t ~ U(0, 1)) or "end" (t = 0).
    resolution: the current resolution of a progressively growing G (default its full resolution).
    device: where latents and noise are made (default: G's device; G is not moved).
    seed: for a fixed batch_size and device, one seed gives the same z pairs whatever the space and sampling.

    Returns {"ppl": filtered mean, "values": [num_samples] path lengths, "space", "sampling", "epsilon",
    "num_samples"}.
    """
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if num_samples < 1 or batch_size < 1:
        raise ValueError(f"num_samples and batch_size must be >= 1, got {num_samples} and {batch_size}")
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    param = next(iter(G.parameters()), None)
    device = torch.device(device) if device is not None else (param.device if param is not None else "cpu")
    keep_freed_memory(device)  # on the CPU: each batch reuses the last one's pages (cpu_memory.py)
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    resolution = G.cfg.resolution if resolution is None else resolution
    latent_size = G.cfg.latent_size
    gen = torch.Generator(device=device).manual_seed(seed)

    values = []
    with torch.no_grad(), tqdm(total=num_samples, disable=not progress, unit="pair",
                               desc=f"PPL {space}-{sampling}") as bar:
        done = 0
        while done < num_samples:
            n = min(batch_size, num_samples - done)
            # z first, then t (drawn for "end" too), so a seed gives the same pairs for every space/sampling
            z = torch.randn(n, 2, latent_size, device=device, dtype=dtype, generator=gen)
            t = torch.rand(n, device=device, dtype=dtype, generator=gen)
            if sampling == "end":
                t = torch.zeros_like(t)
            ws = _endpoint_styles(G, z, t, epsilon, space)
            noise = _pair_noise(n, resolution, device, dtype, gen)
            images = G.synthesis(ws, resolution=resolution, noise=noise)
            if crop:
                images = ppl_crop(images)
            images = box_downsample(images, 256)
            d = distance(images[0::2], images[1::2])
            values.append(d.detach().reshape(n).to("cpu", torch.float64).numpy() / epsilon**2)
            done += n
            bar.update(n)
    values = np.concatenate(values)
    return {"ppl": filtered_mean(values), "values": values, "space": space, "sampling": sampling,
            "epsilon": epsilon, "num_samples": num_samples}
