"""Projection into W (GAN inversion): find the w (or one w per layer, W+) and noise maps that redraw an image.

The recipe is StyleGAN2's projector (Karras et al. 2020, `projector.py` of stylegan2-ada-pytorch), on our v1
generator:

- start at w_avg; w_std = the RMS distance of 10,000 mapped w from it;
- Adam (betas 0.9, 0.999) on w and on every layer's noise map; learning rate ramped up over the first 5% of the
  steps and down with a half cosine over the last 25% (peak `initial_lr` = 0.1);
- w is jittered with Gaussian noise of sd `w_std * initial_noise_factor * max(0, 1 - t / noise_ramp)^2`
  (t = step / steps, the jitter is gone at 75%), which keeps the early steps from settling in a bad corner;
- the noise maps start as N(0, 1) images, are regularised towards white noise (squared autocorrelation at one
  pixel shift, summed over an image pyramid down to 8 px, weight 1e5) and renormalised to mean 0, sd 1 after
  every step, so that they cannot carry the image;
- loss = perceptual distance + `mse_weight` * pixel MSE. The perceptual distance is LPIPS (VGG16) when its
  weights are on disk (stylegan_edu.metrics.weights), else the ToyFaces feature network's LPIPS-like distance
  (`ToyFeatureNet.distance`), which is what the shipped 64 px ToyFaces model gets without downloads.

    from stylegan_edu import pretrained
    from stylegan_edu.projection import project, load_image

    G = pretrained.load("toyfaces-64")
    target = load_image("face.png", G.cfg.resolution)          # [1, 3, 64, 64] in [-1, 1]
    out = project(G, target, space="w")                        # out["ws"] [1, 10, 128], out["image"], ...

or `stylegan-edu project face.png --ckpt toyfaces-64 --out proj/ [--space w|w+] [--steps N]`.

Space: "w" optimises one w broadcast to every layer (the face stays in the generator's W); "w+" one w per layer
(starting from the same w_avg), which fits more closely but can leave W, so edits behave less predictably.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from stylegan_edu.checks import check_number

SPACES = ("w", "w+")
DEFAULT_STEPS = 150  # one 64 px image: ~12 s with one thread at load 5, 24-50 s on a busier CPU (docs/benchmarks.md)
MSE_WEIGHT = 1.0


def load_image(path: Path | str, resolution: int) -> torch.Tensor:
    """One image file as [1, 3, r, r] float in [-1, 1]: centre square crop, Lanczos resize, RGB (transparent
    parts on white), exactly as `stylegan-edu data prepare` reads photos. A file that is not a JPEG/PNG/WebP or
    cannot be decoded raises ValueError with one line: 'PATH (why)', the wording data prepare uses."""
    from stylegan_edu.data.folder import IMAGE_EXTENSIONS, load_square

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} (no such file)")
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ValueError(f"{path} (not a JPEG/PNG/WebP file)")
    try:
        arr = load_square(path, resolution)
    except Exception as e:  # the same catch-all as data prepare's reader: a decoding failure of any kind
        raise ValueError(f"{path} (could not be read as an image: {type(e).__name__})") from None
    return torch.from_numpy(arr.copy()).float().div(127.5).sub(1)[None]


def perceptual_distance(resolution: int, device="cpu"):
    """(distance function img0, img1 -> [N], name): LPIPS when its weights are present, else the ToyFaces
    feature network's distance."""
    from stylegan_edu.metrics.weights import WeightsError

    try:
        from stylegan_edu.metrics.lpips import load_lpips

        lp = load_lpips(device=device).requires_grad_(False)
        if resolution < 32:  # VGG's relu5_3 needs 16 px; enlarge tiny images
            return (lambda a, b: lp(F.interpolate(a, size=64, mode="bilinear", align_corners=False),
                                    F.interpolate(b, size=64, mode="bilinear", align_corners=False))), "lpips"
        return lp, "lpips"
    except (WeightsError, FileNotFoundError, OSError, ValueError):
        from stylegan_edu.metrics.toy_features import load_toy_features

        reader = load_toy_features(device=device)
        return reader.distance, "toyfaces-features"


def noise_regularization(noises: list[torch.Tensor]) -> torch.Tensor:
    """StyleGAN2's noise regulariser: per image of the pyramid of each noise map (halved down to 8 px), the
    squared mean of the map times itself shifted one pixel right, and one pixel down; summed. [N] per image."""
    reg = 0.0
    for v in noises:
        x = v
        while True:
            reg = reg + (x * torch.roll(x, shifts=1, dims=3)).mean(dim=(1, 2, 3)).square()
            reg = reg + (x * torch.roll(x, shifts=1, dims=2)).mean(dim=(1, 2, 3)).square()
            if x.shape[2] <= 8:
                break
            x = F.avg_pool2d(x, kernel_size=2)
    return reg


def w_statistics(G, num_samples: int = 10_000, seed: int = 123) -> tuple[torch.Tensor, float]:
    """(w_avg [D] as stored in the model, w_std: the RMS distance of `num_samples` mapped w from it)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(num_samples, G.cfg.latent_size, generator=g).to(G.w_avg.device)
    with torch.no_grad():
        w = G.mapping(z)
    w_avg = G.w_avg.detach().clone()
    return w_avg, float((w - w_avg).square().sum(dim=1).mean().sqrt())


def lr_at(t: float, initial_lr: float = 0.1, rampdown: float = 0.25, rampup: float = 0.05) -> float:
    """The projector's learning rate at progress t in [0, 1): up over `rampup`, half-cosine down over `rampdown`."""
    ramp = min(1.0, (1.0 - t) / rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    return initial_lr * ramp * min(1.0, t / rampup)


def project(G, target: torch.Tensor, space: str = "w", steps: int = DEFAULT_STEPS, distance=None,
            mse_weight: float = MSE_WEIGHT, initial_lr: float = 0.1, initial_noise_factor: float = 0.05,
            noise_ramp: float = 0.75, lr_rampdown: float = 0.25, lr_rampup: float = 0.05,
            regularize_noise_weight: float = 1e5, optimize_noise: bool = True, seed: int = 0,
            progress: bool = True, desc: str = "project") -> dict:
    """Project target images [N, 3, r, r] in [-1, 1] (r = the model's resolution) into W or W+.

    The N images are optimised together but independently (every loss term is per image and Adam is per
    parameter). distance: img0, img1 -> [N] (default `perceptual_distance`). seed: the initial noise maps and
    the w jitter. Returns {"w": [N, D] ("w") or [N, L, D] ("w+"), "ws": [N, L, D], "noise": per-layer maps
    [N, 1, r, r], "image": the projection rendered with them [N, 3, r, r], "loss": the last step's [N] losses,
    "distance_name", "space", "steps"}.
    """
    if space not in SPACES:
        raise ValueError(f"space must be one of {', '.join(SPACES)}, got {space!r}")
    steps = check_number("steps", steps, 1, 100_000, integer=True)
    mse_weight = check_number("mse_weight", mse_weight, 0)
    r = G.cfg.resolution
    if target.dim() != 4 or tuple(target.shape[1:]) != (3, r, r):
        raise ValueError(f"target must be [N, 3, {r}, {r}], got {tuple(target.shape)}")
    if not torch.isfinite(target).all():
        raise ValueError("target has NaN or infinite pixels")
    device = G.w_avg.device
    target = target.to(device).float()
    n, L = len(target), G.num_layers
    name = "custom"
    if distance is None:
        distance, name = perceptual_distance(r, device)

    w_avg, w_std = w_statistics(G)
    g = torch.Generator().manual_seed(int(seed))
    shape = (n, L, w_avg.numel()) if space == "w+" else (n, 1, w_avg.numel())
    w_opt = w_avg.expand(shape).clone().requires_grad_(True)
    # one noise map per style layer, at the layer's resolution (4, 4, 8, 8, ..., r, r)
    sizes = [G.cfg.layer_resolution(i) for i in range(L)]
    noises = [torch.randn(n, 1, s, s, generator=g).to(device) for s in sizes]
    params = [w_opt]
    if optimize_noise:
        for v in noises:
            v.requires_grad_(True)
        params += noises
    opt = torch.optim.Adam(params, betas=(0.9, 0.999), lr=initial_lr)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc=desc, unit="step", leave=False, file=sys.stderr)
    loss = None
    for step in range(steps):
        t = step / steps
        w_noise_scale = w_std * initial_noise_factor * max(0.0, 1.0 - t / noise_ramp) ** 2
        lr = lr_at(t, initial_lr, lr_rampdown, lr_rampup)
        for group in opt.param_groups:
            group["lr"] = lr
        w_noise = torch.randn(shape, generator=g).to(device) * w_noise_scale
        ws = (w_opt + w_noise).expand(n, L, -1)
        img = G.synthesis(ws, noise=noises, noise_mode="const")
        dist = distance(img, target)
        mse = (img - target).square().mean(dim=(1, 2, 3))
        reg = noise_regularization(noises) if optimize_noise else torch.zeros(n, device=device)
        loss = dist + mse_weight * mse + regularize_noise_weight * reg
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        if optimize_noise:
            with torch.no_grad():  # renormalise: mean 0, sd 1 per map
                for v in noises:
                    v -= v.mean(dim=(1, 2, 3), keepdim=True)
                    v *= v.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt()
        if bar is not None:
            bar.update(1)
            if step % 10 == 0 or step == steps - 1:
                bar.set_postfix(dist=f"{float(dist.mean()):.3f}", mse=f"{float(mse.mean()):.4f}")
    if bar is not None:
        bar.close()
    with torch.no_grad():
        w = w_opt.detach()
        ws = w.expand(n, L, -1).clone()
        noise = [v.detach().clone() for v in noises]
        image = G.synthesis(ws, noise=noise, noise_mode="const")
    return {"w": w[:, 0].clone() if space == "w" else w.clone(), "ws": ws, "noise": noise, "image": image,
            "loss": loss.detach(), "distance_name": name, "space": space, "steps": steps}


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """[N] peak signal-to-noise ratio in dB of images in [-1, 1] after rounding both to 8 bits."""
    qa = ((a + 1) * 127.5).round().clamp(0, 255)
    qb = ((b + 1) * 127.5).round().clamp(0, 255)
    mse = (qa - qb).square().mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return 10 * torch.log10(255.0**2 / mse)


def side_by_side(target: torch.Tensor, projected: torch.Tensor, labels: bool = True, upscale_to: int = 128):
    """[target | projection] for each image (one row each), labelled, as a PIL image."""
    from stylegan_edu.mixing import label_grid
    from stylegan_edu.viz import image_grid

    imgs = torch.stack([target.cpu(), projected.cpu()], dim=1).flatten(0, 1)
    grid = image_grid(imgs, columns=2, upscale_to=upscale_to)
    if not labels:
        return grid
    p = psnr(target.cpu(), projected.cpu())
    rows = [f"{float(x):.1f} dB" for x in p]
    return label_grid(grid, columns=["target", "projection"], rows=rows)


def save_projection(out_dir: Path | str, stem: str, target: torch.Tensor, result: dict, index: int = 0) -> list[Path]:
    """Write <stem>-projected.png, <stem>-w.pt (w, ws, noise, space) and <stem>-side.png into out_dir."""
    from stylegan_edu.files import atomic_save
    from stylegan_edu.viz import image_grid

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    img = result["image"][index:index + 1].cpu()
    paths = [out_dir / f"{stem}-projected.png", out_dir / f"{stem}-w.pt", out_dir / f"{stem}-side.png"]
    image_grid(img, columns=1, pad=0).save(paths[0])
    atomic_save({"w": result["w"][index].cpu(), "ws": result["ws"][index].cpu(), "space": result["space"],
                 "noise": [v[index].cpu() for v in result["noise"]], "steps": result["steps"],
                 "distance": result["distance_name"]}, paths[1])
    side_by_side(target[index:index + 1], img).save(paths[2])
    return paths


__all__ = ["DEFAULT_STEPS", "SPACES", "load_image", "lr_at", "noise_regularization", "perceptual_distance",
           "project", "psnr", "save_projection", "side_by_side", "w_statistics"]
