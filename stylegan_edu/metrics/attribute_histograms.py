"""Does the generator draw each attribute as often as the data does? Histogram distance per ToyFaces attribute.

FID and recall say that a generator misses part of the data; this says which part. The ToyFaces feature network
reads an attribute value off every image (its value head, in the attribute's own units); we histogram the values
of generated and of real faces and report the total variation distance of the two histograms per attribute,

    TV(p, q) = 1/2 * sum_bins |p_bin - q_bin|      (0: the same histogram, 1: no overlap)

A generator that paints every backdrop lilac has a large TV for `background_hue`; one that never draws glasses
has TV = 0.3 for `glasses` (30 % of ToyFaces wear them). Binning: 10 equal bins over the attribute's range
[low, high] (values outside go into the end bins); binary attributes (glasses, bangs, hair_part) get 2 bins split
at the middle of their range. With 10,000 images per side the sampling noise of one TV is about 0.02; compare with
the floor, the same distance between two disjoint sets of real faces (`compute_metrics(..., real_floor=True)`).
"""

from __future__ import annotations

import numpy as np
import torch

from stylegan_edu.data.toyfaces import ATTRIBUTE_BINARY, ATTRIBUTE_HIGH, ATTRIBUTE_LOW, ATTRIBUTE_NAMES

BINS = 10
# the attributes the model card's target names (skin tone, hair colour, glasses)
CARD_ATTRIBUTES = ("skin_tone", "hair_color", "glasses")


@torch.no_grad()
def attribute_values_from_features(net, features) -> np.ndarray:
    """[N, 20] attribute values in their own units from the feature network's penultimate features
    (what `net(images)` returns), so one pass over the images serves FID and the histograms."""
    f = torch.as_tensor(np.asarray(features), dtype=torch.float32, device=net.attr_mean.device)
    return (net.value_head(f) * net.attr_std + net.attr_mean).double().cpu().numpy()


def attribute_histogram(values, index: int, bins: int = BINS) -> np.ndarray:
    """Normalised histogram (sums to 1) of attribute `index` (ATTRIBUTE_NAMES order) over values [N]."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or len(v) == 0:
        raise ValueError(f"expected a non-empty 1-D array of values, got shape {v.shape}")
    lo, hi = float(ATTRIBUTE_LOW[index]), float(ATTRIBUTE_HIGH[index])
    n = 2 if ATTRIBUTE_BINARY[index] else bins
    # clip into the range: a reader's value a little past the end belongs to the end bin
    edges = np.linspace(lo, hi, n + 1)
    counts = np.histogram(np.clip(v, lo, hi), bins=edges)[0]
    return counts / counts.sum()


def total_variation(p, q) -> float:
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"histograms of different shapes {p.shape} and {q.shape}")
    return 0.5 * float(np.abs(p - q).sum())


def histogram_distances(real_values, fake_values, names=ATTRIBUTE_NAMES, bins: int = BINS) -> dict[str, float]:
    """{attribute: TV distance between the histograms of real and generated values}, for the named attributes.
    real_values, fake_values: [N, 20] and [M, 20] attribute values in ATTRIBUTE_NAMES order."""
    real, fake = np.asarray(real_values), np.asarray(fake_values)
    for label, a in (("real", real), ("generated", fake)):
        if a.ndim != 2 or a.shape[1] != len(ATTRIBUTE_NAMES):
            raise ValueError(f"{label} values must be [N, {len(ATTRIBUTE_NAMES)}], got shape {a.shape}")
    out = {}
    for name in names:
        i = ATTRIBUTE_NAMES.index(name)
        out[name] = total_variation(attribute_histogram(real[:, i], i, bins), attribute_histogram(fake[:, i], i, bins))
    return out
