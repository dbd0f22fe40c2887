"""The offline feature network for the metrics: a small CNN trained on ToyFaces to predict its attributes.

The paper's metrics lean on networks trained on real photos: FID on Inception-v3 features, perceptual path
length on LPIPS (VGG-16 features), linear separability on attribute classifiers trained on CelebA-HQ. None of
them can be downloaded in an offline course, so we train our own on ToyFaces, whose true attributes we know:

    net = load_toy_features()                    # data/pretrained/toyfaces-features.pt, eval mode, frozen
    f = net(images)                              # [N, 256]   penultimate layer: features for fid_toy, kid_toy, P&R
    p = net.attribute_probabilities(images)      # [N, 20]    P(attribute is high): labels for linear separability
    v = net.attribute_values(images)             # [N, 20]    regression of the standardised attributes
    d = net.distance(img0, img1)                 # [N]        LPIPS-like distance for PPL

`images` are float NCHW in [-1, 1] of any size (resized to 64x64 inside). Metrics computed with this network
carry the suffix `_toy` (`fid_toy`, ...): they are not comparable with numbers computed on Inception features.

Rebuild the shipped file (about 8 minutes on one CPU thread, see data/pretrained/TOYFACES_FEATURES_CARD.md):

    python -m stylegan_edu.metrics.toy_features --out data/pretrained/toyfaces-features.pt
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.data.toyfaces import ATTRIBUTE_BINARY, ATTRIBUTE_HIGH, ATTRIBUTE_LOW, ATTRIBUTE_NAMES

FILE_NAME = "toyfaces-features.pt"
FORMAT = "stylegan-edu-toy-features"
VERSION = 1
REBUILD = "python -m stylegan_edu.metrics.toy_features --out data/pretrained/toyfaces-features.pt"
NUM_ATTRIBUTES = len(ATTRIBUTE_NAMES)


class ToyFeaturesError(ValueError):
    """A missing or unreadable feature-network file (the message names the file and the rebuild command)."""


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """To size x size: box averaging when shrinking (as the ToyFaces cache makes its small images), bilinear
    when enlarging."""
    h, w = images.shape[-2:]
    if (h, w) == (size, size):
        return images
    if h >= size and w >= size:
        return F.interpolate(images, size=(size, size), mode="area")
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


class ToyFeatureNet(nn.Module):
    """A small convolutional network: 64x64 RGB (+ two coordinate channels) -> 4x4 -> pooled -> features.

    Stages (each a 3x3 convolution, BatchNorm, ReLU; the stride-2 ones halve the size):

        stem 64x64 -> 32x32 -> 16x16 -> 8x8 (two convolutions) -> 4x4 -> average pool -> linear -> features

    The two coordinate channels (x and y from -1 to 1) let a network with global pooling tell where the head
    is. `forward` returns the penultimate layer (`feature_dim` values, after a leaky ReLU so no feature is
    constantly zero); two linear heads read it: `attribute_logits` (is each attribute high?) and
    `attribute_values` (the standardised attribute values).
    """

    name = "toy"

    def __init__(self, channels=(24, 32, 64, 128, 256), feature_dim: int = 256, resolution: int = 64):
        super().__init__()
        c = list(channels)
        self.config = {"channels": c, "feature_dim": int(feature_dim), "resolution": int(resolution)}
        self.feature_dim = int(feature_dim)
        self.resolution = int(resolution)

        def block(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

        self.stages = nn.ModuleList([
            block(3 + 2, c[0], 1),                                      # 64x64  (tap 0)
            block(c[0], c[1], 2),                                       # 32x32  (tap 1)
            block(c[1], c[2], 2),                                       # 16x16  (tap 2)
            nn.Sequential(block(c[2], c[3], 2), block(c[3], c[3], 1)),  # 8x8    (tap 3)
            block(c[3], c[4], 2),                                       # 4x4
        ])
        self.fc = nn.Linear(c[4], self.feature_dim)
        self.logit_head = nn.Linear(self.feature_dim, NUM_ATTRIBUTES)
        self.value_head = nn.Linear(self.feature_dim, NUM_ATTRIBUTES)
        # "attribute is high" means value > threshold: the training-set median for continuous attributes, the
        # midpoint of the two values for binary ones (so glasses/bangs: present, hair_part: parted right).
        self.register_buffer("medians", torch.zeros(NUM_ATTRIBUTES))
        # attribute_values predicts (a - mean) / std with the training-set mean and std
        self.register_buffer("attr_mean", torch.zeros(NUM_ATTRIBUTES))
        self.register_buffer("attr_std", torch.ones(NUM_ATTRIBUTES))
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, resolution), torch.linspace(-1, 1, resolution), indexing="ij")
        self.register_buffer("coords", torch.stack([xs, ys])[None], persistent=False)
        self.metrics: dict | None = None  # the validation results stored with a trained file (load_toy_features)

    def _taps(self, images: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x = _resize(images, self.resolution)
        x = torch.cat([x, self.coords.to(x.dtype).expand(len(x), -1, -1, -1)], dim=1)
        taps = []
        for stage in self.stages:
            x = stage(x)
            taps.append(x)
        return taps[:-1], x

    def _features(self, last: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.fc(last.mean(dim=(2, 3))), 0.2)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features [N, feature_dim] of images float NCHW in [-1, 1]."""
        return self._features(self._taps(images)[1])

    def attribute_logits(self, images: torch.Tensor) -> torch.Tensor:
        """[N, 20] logits of "this attribute is high" (above `medians`), in ATTRIBUTE_NAMES order."""
        return self.logit_head(self(images))

    def attribute_probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """[N, 20] probabilities that each attribute is high (the sigmoid of `attribute_logits`)."""
        return torch.sigmoid(self.attribute_logits(images))

    def attribute_values(self, images: torch.Tensor, standardized: bool = True) -> torch.Tensor:
        """[N, 20] predicted attribute values: standardised with the training-set mean and std, or in the
        attribute's own units (`standardized=False`, e.g. yaw in -1 ... 1)."""
        v = self.value_head(self(images))
        return v if standardized else v * self.attr_std + self.attr_mean

    def distance(self, img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        """[N] LPIPS-like perceptual distance between two batches of images.

        As LPIPS: at each of 4 intermediate layers (64, 32, 16 and 8 px) the activations are unit-normalised over
        channels, the squared difference is summed over channels and averaged over positions, and the layers are
        summed. Unlike LPIPS there are no learned per-channel weights (every channel weighs 1, LPIPS's
        "baseline" variant): the distance is only as perceptual as attribute-trained features are.
        distance(x, x) is 0; each layer contributes at most 4.
        """
        taps0, _ = self._taps(img0)
        taps1, _ = self._taps(img1)
        d = 0
        for a, b in zip(taps0, taps1):
            a = a / (a.norm(dim=1, keepdim=True) + 1e-10)
            b = b / (b.norm(dim=1, keepdim=True) + 1e-10)
            d = d + (a - b).square().sum(dim=1).mean(dim=(1, 2))
        return d


def reliable_attributes(net: ToyFeatureNet, min_accuracy: float = 0.8) -> list[str]:
    """Attributes whose high/low label `net` predicts with at least `min_accuracy` on its validation faces
    (smile and eye_color change a handful of pixels at 64 px and the shipped network does not see them)."""
    if not net.metrics:
        raise ValueError("this network carries no validation metrics (load a trained file)")
    acc = net.metrics["validation"]["accuracy"]
    return [n for n in ATTRIBUTE_NAMES if acc[n] >= min_accuracy]


# ---------------------------------------------------------------------------------------------------------
# Loading


def default_path() -> Path:
    from stylegan_edu.pretrained import pretrained_dir

    return pretrained_dir() / FILE_NAME


def load_toy_features(path: Path | str | None = None, device: str | torch.device = "cpu") -> ToyFeatureNet:
    """The trained feature network (default: data/pretrained/toyfaces-features.pt), in eval mode, frozen.

    A missing or unreadable file raises ToyFeaturesError with one line naming the file and the command
    that rebuilds it.
    """
    path = Path(path) if path is not None else default_path()
    hint = f"rebuild it with: {REBUILD}"
    if not path.is_file():
        raise ToyFeaturesError(f"{path}: no such file; {hint}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"no '{FORMAT}' marker")
        if state.get("version") != VERSION:
            raise ValueError(f"version {state.get('version')} is not {VERSION}")
        cfg = state["config"]
        net = ToyFeatureNet(channels=cfg["channels"], feature_dim=cfg["feature_dim"], resolution=cfg["resolution"])
        net.load_state_dict(state["state_dict"])
        net.metrics = state.get("metrics")
    except Exception as e:  # truncated zip, random bytes, a pickle with code, another model's weights
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise ToyFeaturesError(f"{path}: not a readable ToyFaces feature network ({reason}); {hint}") from None
    return net.eval().requires_grad_(False).to(device)


# ---------------------------------------------------------------------------------------------------------
# Training


def _evaluate(net: ToyFeatureNet, ds, indices: torch.Tensor, resolution: int, batch_size: int, device,
              downsample: bool = False) -> dict:
    """Per-attribute accuracy of the high/low logits and R^2 of the value head on `indices`."""
    net.eval()
    logits, values, attrs = [], [], []
    with torch.no_grad():
        for i in range(0, len(indices), batch_size):
            x, a = ds.batch(indices[i:i + batch_size], resolution=resolution, device=device)
            if downsample:
                x = _resize(F.avg_pool2d(x, 2), x.shape[-1])
            logits.append(net.attribute_logits(x))
            values.append(net.attribute_values(x))
            attrs.append(a)
    logits, values, attrs = torch.cat(logits), torch.cat(values), torch.cat(attrs)
    target_high = attrs > net.medians
    target_std = (attrs - net.attr_mean) / net.attr_std
    acc = ((logits > 0) == target_high).float().mean(0)
    r2 = 1 - (values - target_std).square().mean(0) / target_std.var(0, unbiased=False).clamp_min(1e-12)
    return {
        "accuracy": {n: round(float(v), 4) for n, v in zip(ATTRIBUTE_NAMES, acc)},
        "r2": {n: round(float(v), 4) for n, v in zip(ATTRIBUTE_NAMES, r2)},
        "mean_accuracy": round(float(acc.mean()), 4),
        "mean_r2": round(float(r2.mean()), 4),
    }


def format_metrics(metrics: dict) -> str:
    """A plain-text table of per-attribute validation accuracy and R^2."""
    lines = [f"{'attribute':16s} {'accuracy':>9s} {'R2':>7s}"]
    for n in ATTRIBUTE_NAMES:
        lines.append(f"{n:16s} {metrics['accuracy'][n]:9.3f} {metrics['r2'][n]:7.3f}")
    lines.append(f"{'mean':16s} {metrics['mean_accuracy']:9.3f} {metrics['mean_r2']:7.3f}")
    return "\n".join(lines)


def card_table(net: ToyFeatureNet, n_images: int = 28000, n_val: int = 2000, device="cpu",
               progress: bool = False) -> str:
    """The per-attribute validation table of data/pretrained/TOYFACES_FEATURES_CARD.md (markdown), measured on
    the validation faces (ToyFaces n_images .. n_images + n_val - 1) at 64 px and box-downsampled to 32 px;
    accuracies below 0.6 (chance is 0.5) in bold."""
    from stylegan_edu.data import ATTRIBUTE_SCALES, load_toyfaces

    ds = load_toyfaces(n=n_images + n_val, resolution=64, progress=progress)
    val_idx = torch.arange(n_images, n_images + n_val)
    full = _evaluate(net, ds, val_idx, 64, 256, device)
    half = _evaluate(net, ds, val_idx, 64, 256, device, downsample=True)

    def num(x, bold=False):
        text = f"{x:.3f}".replace("-", "\u2212")
        return f"**{text}**" if bold else text

    lines = ["| # | attribute | scale | accuracy | R² | accuracy at 32 px | R² at 32 px |",
             "|---|-----------|-------|---------:|---:|------------------:|------------:|"]
    for i, (n, scale) in enumerate(zip(ATTRIBUTE_NAMES, ATTRIBUTE_SCALES)):
        acc = full["accuracy"][n]
        lines.append(f"| {i} | {n} | {scale} | {num(acc, acc < 0.6)} | {num(full['r2'][n])} | "
                     f"{num(half['accuracy'][n])} | {num(half['r2'][n])} |")
    lines.append(f"| | mean | | {num(full['mean_accuracy'])} | {num(full['mean_r2'])} | "
                 f"{num(half['mean_accuracy'])} | {num(half['mean_r2'])} |")
    return "\n".join(lines)


def train_toy_features(
    out_path: Path | str,
    n_images: int = 28000,
    resolution: int = 64,
    epochs: int = 4,
    batch_size: int = 64,
    seed: int = 0,
    device=None,
    progress: bool = True,
    n_val: int = 2000,
    lr: float = 2e-3,
    low_res_prob: float = 0.25,
    channels=(24, 32, 64, 128, 256),
    feature_dim: int = 256,
    cache_dir: Path | str | None = None,
) -> dict:
    """Train a ToyFeatureNet on ToyFaces and save it (atomically, weights-only loadable) to `out_path`.

    Data: ToyFaces 0 ... n_images + n_val - 1 from the cache (`load_toyfaces`; the defaults reuse the 30000-image
    cache); the first `n_images` faces train, the last `n_val` (other seeds) validate. Each batch is mirrored
    at random with the dataset's mirror support, which negates the left-right attributes (yaw, roll, pos_x,
    hair_part, light_x) with the image: ToyFaces is drawn exactly mirror-symmetric, so the mirrored pair is a
    true face. With probability `low_res_prob` a batch is box-downsampled to half size and enlarged back, so
    the features also behave on the blurrier images of a generator's low-resolution phases.

    Loss: binary cross-entropy on "attribute is high" (binary: the true value; continuous: above the training
    median) plus mean squared error on the standardised values. Adam with a cosine-decayed learning rate.

    Returns the metrics dict (validation accuracy and R^2 per attribute, at 64 px and half resolution,
    wall time), which is also stored in the file.
    """
    from stylegan_edu.data.dataset import load_toyfaces
    from stylegan_edu.files import atomic_save

    t0 = time.time()
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if n_images < 1 or n_val < 1:
        raise ValueError(f"need at least one training and one validation image, got {n_images} and {n_val}")
    ds = load_toyfaces(n=n_images + n_val, resolution=resolution, cache_dir=cache_dir, workers=1, progress=progress)
    train_idx = torch.arange(n_images)
    val_idx = torch.arange(n_images, n_images + n_val)

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = ToyFeatureNet(channels=channels, feature_dim=feature_dim, resolution=64)
    train_attrs = ds.attributes[:n_images]
    # training-set statistics; medians computed from the mirror-augmented distribution would be the same for
    # the mirror-symmetric ranges of ToyFaces, so the plain ones are used
    binary = torch.as_tensor(ATTRIBUTE_BINARY)
    midpoint = torch.as_tensor((ATTRIBUTE_LOW + ATTRIBUTE_HIGH) / 2)
    net.medians.copy_(torch.where(binary, midpoint, train_attrs.median(0).values))
    net.attr_mean.copy_(train_attrs.mean(0))
    net.attr_std.copy_(train_attrs.std(0).clamp_min(1e-6))
    net.to(device)

    steps_per_epoch = math.ceil(n_images / batch_size)
    total = steps_per_epoch * epochs
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.1)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="toy features", unit="batch")
    step = 0
    for epoch in range(epochs):
        net.train()
        perm = train_idx[torch.randperm(n_images, generator=g)]
        for i in range(0, n_images, batch_size):
            x, a = ds.batch(perm[i:i + batch_size], resolution=resolution, mirror=True, generator=g, device=device)
            if resolution != 64:
                x = _resize(x, 64)
            if low_res_prob > 0 and torch.rand((), generator=g) < low_res_prob:
                x = _resize(F.avg_pool2d(x, 2), 64)
            feats = net(x)
            high = (a > net.medians).float()
            loss_bce = F.binary_cross_entropy_with_logits(net.logit_head(feats), high)
            loss_mse = F.mse_loss(net.value_head(feats), (a - net.attr_mean) / net.attr_std)
            loss = loss_bce + loss_mse
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if bar is not None:
                bar.update(1)
                if step % 20 == 0:
                    bar.set_postfix(epoch=epoch + 1, bce=f"{loss_bce.item():.3f}", mse=f"{loss_mse.item():.3f}")
    if bar is not None:
        bar.close()
    train_seconds = time.time() - t0

    val = _evaluate(net, ds, val_idx, resolution, 256, device)
    val_half = _evaluate(net, ds, val_idx, resolution, 256, device, downsample=True)
    metrics = {
        "validation": val,
        "validation_half_resolution": {k: val_half[k] for k in ("mean_accuracy", "mean_r2")},
        "train_seconds": round(train_seconds, 1),
        "n_images": int(n_images),
        "n_val": int(n_val),
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "seed": int(seed),
        "device": str(device),
    }
    net = net.cpu().eval()
    atomic_save({
        "format": FORMAT,
        "version": VERSION,
        "state_dict": {k: v.detach().clone() for k, v in net.state_dict().items()},
        "config": dict(net.config),
        "medians": net.medians.clone(),
        "metrics": metrics,
        "attribute_names": list(ATTRIBUTE_NAMES),
    }, out_path)
    return metrics


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed blocks instead of unmapping them: every activation of a 64-image batch is
    several MB, and glibc would otherwise return it to the system and fault it back in at each step
    (about a fifth of the training time on a 2-core CPU). Linux/glibc only; elsewhere nothing happens."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def main(argv=None) -> int:
    from stylegan_edu.cli_types import positive_int, seed_int

    p = argparse.ArgumentParser(
        prog="python -m stylegan_edu.metrics.toy_features",
        description="Train the ToyFaces feature network used by the offline metrics (fid_toy, ...).")
    p.add_argument("--out", default=str(default_path()), help="output file (default: %(default)s)")
    p.add_argument("--n", type=positive_int(), default=28000,
                   help="training images, ToyFaces 0..n-1 (default: %(default)s)")
    p.add_argument("--n-val", type=positive_int(), default=2000,
                   help="validation images, the next ones (default: %(default)s)")
    p.add_argument("--epochs", type=positive_int(), default=4, help="default: %(default)s")
    p.add_argument("--batch-size", type=positive_int(), default=64, help="default: %(default)s")
    p.add_argument("--seed", type=seed_int(), default=0, help="default: %(default)s")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--card", action="store_true",
                   help="train nothing: measure the network in --out on the validation faces (--n, --n-val) and "
                        "print the model card's table")
    args = p.parse_args(argv)
    if args.card:
        try:
            print(card_table(load_toy_features(args.out, device=args.device or "cpu"), args.n, args.n_val,
                             args.device or "cpu", progress=not args.no_progress))
        except ToyFeaturesError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return 0
    _keep_freed_memory()
    try:
        m = train_toy_features(args.out, n_images=args.n, n_val=args.n_val, epochs=args.epochs,
                               batch_size=args.batch_size, seed=args.seed, device=args.device,
                               progress=not args.no_progress)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_metrics(m["validation"]))
    h = m["validation_half_resolution"]
    print(f"half resolution (32 px enlarged): mean accuracy {h['mean_accuracy']:.3f}, mean R2 {h['mean_r2']:.3f}")
    print(f"trained in {m['train_seconds']:.0f} s on {m['device']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
