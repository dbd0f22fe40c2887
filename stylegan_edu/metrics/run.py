"""Run the metrics on a generator, as the official `metrics/` recipes do, on whatever device G is on.

    results = compute_metrics(G, ["fid", "ppl_wend", "ls"], dataset=reals, num=10_000, features="toy")

Every number is labelled by the network that measured it: with the ToyFaces feature network the keys end in
`_toy` (`fid_toy`, `ppl_wend_toy`, `ls_w_toy`), so they are never mistaken for the standard Inception / LPIPS
figures (`fid`, `ppl_wend`), which need the official weight files (see `stylegan_edu.metrics.weights`).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

from stylegan_edu.checks import check_number, check_seed
from stylegan_edu.cpu_memory import keep_freed_memory
from stylegan_edu.viz import quantize

FEATURE_METRICS = ("fid", "kid", "pr")
PPL_METRICS = ("ppl_zfull", "ppl_wfull", "ppl_zend", "ppl_wend")
# attrs: histogram distance of ToyFaces attributes, generated vs real (metrics/attribute_histograms.py)
REAL_METRICS = FEATURE_METRICS + ("attrs",)  # the ones that compare with real images
METRICS = REAL_METRICS + PPL_METRICS + ("ls",)
FEATURES = ("toy", "inception")
PPL_DISTANCES = ("auto", "lpips", "toy")


class MetricsWarning(UserWarning):
    """A metric ran on fewer samples than asked, or fell back to the ToyFaces network."""


def parse_metrics(text: str | list[str]) -> list[str]:
    names = [m.strip() for m in text.split(",")] if isinstance(text, str) else list(text)
    bad = [m for m in names if m not in METRICS]
    if bad or not names:
        raise ValueError(f"unknown metric {', '.join(bad) or '(none)'}; choose from {', '.join(METRICS)}")
    return list(dict.fromkeys(names))


def load_features(kind: str, weights=None, device="cpu", inception_resize: str = "tf1"):
    """(network, label suffix) for `kind` in FEATURES; `inception_resize` as in FIDInceptionV3."""
    if kind == "toy":
        from stylegan_edu.metrics.toy_features import load_toy_features
        return load_toy_features(weights, device=device), "_toy"
    if kind == "inception":
        from stylegan_edu.metrics.inception import load_inception
        return load_inception(weights, device=device, resize=inception_resize), ""
    raise ValueError(f"features must be one of {FEATURES}, got {kind!r}")


def load_ppl_distance(kind: str = "auto", weights=None, toy_net=None, device="cpu"):
    """(distance function, label suffix): LPIPS-VGG16 when asked or when its files are found, else ToyFaces."""
    if kind not in PPL_DISTANCES:
        raise ValueError(f"PPL distance must be one of {PPL_DISTANCES}, got {kind!r}")
    if kind in ("auto", "lpips"):
        from stylegan_edu.metrics.lpips import load_lpips
        from stylegan_edu.metrics.weights import WeightsError
        try:
            return load_lpips(weights, weights, device=device), ""
        except WeightsError as e:
            if kind == "lpips":
                raise
            warnings.warn(f"PPL uses the ToyFaces network's distance (labelled _toy): {e}", MetricsWarning,
                          stacklevel=2)
    if toy_net is None:
        from stylegan_edu.metrics.toy_features import load_toy_features
        toy_net = load_toy_features(device=device)
    return toy_net.distance, "_toy"


def _batches(num: int, batch_size: int):
    for start in range(0, num, batch_size):
        yield start, min(batch_size, num - start)


@torch.no_grad()
def _generated(G, num: int, batch_size: int, seed: int, progress: bool, desc: str, uint8: bool = True):
    """Yields (z, images) batch by batch: z drawn from `seed`, no truncation, random noise; the images rounded
    to 8 bits (as the official FID code feeds them) unless uint8=False (the official separability code feeds
    G's float output to its classifiers)."""
    device = G.w_avg.device
    keep_freed_memory(device)  # on the CPU: each batch reuses the last one's pages (cpu_memory.py)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the noise images drawn inside G
    for _, n in tqdm(list(_batches(num, batch_size)), desc=desc, disable=not progress, leave=False):
        z = torch.randn(n, G.cfg.latent_size, generator=gen).to(device)
        images = G(z, noise_mode="random")
        yield z, quantize(images) if uint8 else images


@torch.no_grad()
def generated_features(G, net, num: int, batch_size: int = 64, seed: int = 0, progress: bool = True,
                       desc: str = "generated") -> np.ndarray:
    """Features of `num` faces from G (no truncation, random noise) for z drawn from `seed`."""
    out = [net(images).double().cpu() for _, images in _generated(G, num, batch_size, seed, progress, desc)]
    return torch.cat(out).numpy()


@torch.no_grad()
def real_features(dataset, net, num: int, resolution: int, batch_size: int = 64, seed: int = 0,
                  progress: bool = True, device="cpu", skip: int = 0) -> np.ndarray:
    """Features of `num` distinct real images (randomly mirrored, as the official recipe), the images at
    places skip ... skip + num of a random order drawn from `seed` (skip: a second set disjoint from the first)."""
    if skip + num > len(dataset):
        if skip:
            raise ValueError(f"two disjoint sets of {num} real images need {skip + num}; the dataset has "
                             f"{len(dataset)}")
        warnings.warn(f"the dataset has {len(dataset)} images, fewer than the {num} asked for; using all",
                      MetricsWarning, stacklevel=2)
        num = len(dataset)
    keep_freed_memory(device)
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=gen)[skip:skip + num]
    spans = list(_batches(num, batch_size))
    if hasattr(dataset, "batches"):  # image files decoded by worker processes (data.image_files)
        if resolution not in dataset.resolutions:
            raise ValueError(f"the image files are read at {dataset.resolutions[0]} px, not {resolution}")
        # the mirror flags drawn batch by batch from `gen`, the very draws CachedDataset.batch makes below
        plan = [(order[start:start + n], torch.rand(n, generator=gen) < 0.5) for start, n in spans]
        images = dataset.batches(plan, device)
    else:
        images = (dataset.batch(order[start:start + n], resolution, mirror=True, generator=gen, device=device)[0]
                  for start, n in spans)
    out = [net(x).double().cpu()
           for x in tqdm(images, total=len(spans), desc="real", disable=not progress, leave=False)]
    return torch.cat(out).numpy()


@torch.no_grad()
def separability_samples(G, classifier, num: int, batch_size: int = 64, seed: int = 0, progress: bool = True):
    """(z, w, attribute probabilities) of `num` generated faces, labelled by `classifier(images) -> [N, A]`."""
    zs, ws, ps = [], [], []
    for z, images in _generated(G, num, batch_size, seed, progress, "labelling", uint8=False):
        ws.append(G.mapping(z).double().cpu())
        ps.append(classifier(images).double().cpu())
        zs.append(z.double().cpu())
    return torch.cat(zs).numpy(), torch.cat(ws).numpy(), torch.cat(ps).numpy()


def compute_metrics(G, metrics, *, dataset=None, num: int = 10_000, features: str = "toy", weights=None,
                    ppl_distance: str = "auto", ppl_num: int | None = None, ls_num: int | None = None,
                    batch_size: int = 64, seed: int = 0, progress: bool = True,
                    inception_resize: str = "tf1", real_floor: bool = False) -> dict:
    """Compute `metrics` (names from METRICS) for generator G; returns {labelled name: value} plus timings.

    `num`: generated and real samples for fid/kid/pr (official: 50,000); `ppl_num` PPL pairs (official 100,000)
    and `ls_num` samples for linear separability (official 200,000) default to `num`.
    `dataset`: the real images for fid/kid/pr: a CachedDataset, or data.ImageFiles (image files decoded as they are
    read). `weights`: a file or folder for the standard networks (else $STYLEGAN_EDU_WEIGHTS and the cache folder
    are searched).
    `real_floor`: also compute the fid/kid/pr/attrs figures between two disjoint sets of `num` real images
    (returned as "real_floor"): what a perfect generator would score with this many samples.
    """
    from stylegan_edu.metrics.ppl import perceptual_path_length
    from stylegan_edu.metrics.separability import linear_separability

    num = check_number("num", num, 2, integer=True)
    ppl_num = None if ppl_num is None else check_number("ppl_num", ppl_num, 2, integer=True)
    ls_num = None if ls_num is None else check_number("ls_num", ls_num, 2, integer=True)
    batch_size = check_number("batch_size", batch_size, 1, integer=True)
    seed = check_seed("seed", seed)
    metrics = parse_metrics(metrics)
    device = G.w_avg.device
    results, seconds, details = {}, {}, {}
    toy_net = None

    feats = [m for m in metrics if m in REAL_METRICS]
    floor = None
    if feats:
        if dataset is None:
            raise ValueError(f"{', '.join(feats)} compare with real images: pass a dataset")
        if "attrs" in feats and features != "toy":
            raise ValueError("attrs reads attributes with the ToyFaces network: run it with features='toy'")
        t0 = time.perf_counter()
        net, suffix = load_features(features, weights, device, inception_resize)
        if features == "toy":
            toy_net = net
        fake = generated_features(G, net, num, batch_size, seed, progress)
        real = real_features(dataset, net, num, G.cfg.resolution, batch_size, seed + 1, progress, device)
        results.update(_compare_with_reals(real, fake, feats, suffix, net, device, details))
        if real_floor:  # the same comparison between two disjoint sets of reals: the best a generator can get
            real2 = real_features(dataset, net, num, G.cfg.resolution, batch_size, seed + 1, progress, device,
                                  skip=num)
            floor = _compare_with_reals(real, real2, feats, suffix, net, device, {})
        seconds["features"] = time.perf_counter() - t0

    ppls = [m for m in metrics if m in PPL_METRICS]
    if ppls:
        t0 = time.perf_counter()
        distance, suffix = load_ppl_distance(ppl_distance, weights, toy_net, device)
        for name in ppls:
            space, sampling = name[4], name[5:]
            out = perceptual_path_length(G, distance, num_samples=ppl_num or num, space=space, sampling=sampling,
                                         batch_size=batch_size, seed=seed, progress=progress)
            results[f"{name}{suffix}"] = float(out["ppl"])
        seconds["ppl"] = time.perf_counter() - t0

    if "ls" in metrics:
        t0 = time.perf_counter()
        if toy_net is None:
            from stylegan_edu.metrics.toy_features import load_toy_features
            toy_net = load_toy_features(device=device)
        from stylegan_edu.data import ATTRIBUTE_NAMES
        from stylegan_edu.metrics.toy_features import reliable_attributes

        # only attributes the network reads reliably (>= 80 % on held-out faces): a label that is noise is
        # inseparable in any space and would only add the same constant to both scores
        names = reliable_attributes(toy_net, 0.8)
        details["ls_dropped_attributes"] = [n for n in ATTRIBUTE_NAMES if n not in names]
        cols = [ATTRIBUTE_NAMES.index(n) for n in names]
        z, w, probs = separability_samples(G, toy_net.attribute_probabilities, ls_num or num, batch_size, seed,
                                           progress)
        for space, latents in (("z", z), ("w", w)):
            ls = linear_separability(latents, probs[:, cols], names=names)
            results[f"ls_{space}_toy"] = float(ls["score"])
            details[f"ls_{space}_toy"] = {k: round(float(v), 4) for k, v in ls["entropies"].items()}
        seconds["ls"] = time.perf_counter() - t0

    out = {"metrics": results, "num": num, "features": features, "details": details,
           "seconds": {k: round(v, 1) for k, v in seconds.items()}}
    if floor is not None:
        out["real_floor"] = floor
    return out


def _compare_with_reals(real: np.ndarray, fake: np.ndarray, names, suffix: str, net, device, details: dict) -> dict:
    """The feature metrics in `names` between real and generated features (details gets the per-attribute
    table of attrs)."""
    from stylegan_edu.metrics.fid import fid_from_features
    from stylegan_edu.metrics.kid import kernel_inception_distance
    from stylegan_edu.metrics.precision_recall import precision_recall

    out = {}
    if "fid" in names:
        out[f"fid{suffix}"] = fid_from_features(real, fake)
    if "kid" in names:
        out[f"kid{suffix}"] = kernel_inception_distance(real, fake)
    if "pr" in names:
        pr = precision_recall(torch.from_numpy(real).to(device), torch.from_numpy(fake).to(device))
        out[f"precision{suffix}"] = float(pr["precision"])
        out[f"recall{suffix}"] = float(pr["recall"])
    if "attrs" in names:
        from stylegan_edu.metrics.attribute_histograms import (CARD_ATTRIBUTES, attribute_values_from_features,
                                                               histogram_distances)
        from stylegan_edu.metrics.toy_features import reliable_attributes

        # only the attributes the network reads reliably: a histogram of a reader's noise says nothing
        names_read = reliable_attributes(net, 0.8)
        tv = histogram_distances(attribute_values_from_features(net, real), attribute_values_from_features(net, fake),
                                 names=names_read)
        details["attr_tv_toy"] = {k: round(v, 4) for k, v in tv.items()}
        for name in CARD_ATTRIBUTES:
            out[f"attr_tv_{name}_toy"] = tv[name]
    return out
