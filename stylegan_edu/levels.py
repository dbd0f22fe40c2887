"""How well a generator's coarse, middle and fine styles separate, measured against ToyFaces' known attributes.

StyleGAN's claim (section 3.1, figure 3): copying the coarse styles of face B into face A gives A B's pose and
head shape, the middle styles B's facial features and hair style, the fine styles B's colours. ToyFaces lets us
count it. For `num_pairs` random pairs (A, B) and each level L we render A, B and "A with L's styles from B"
(`mixing.mix_ws`), read the attributes of all three images with the ToyFaces feature network, and ask for each
attribute whether the mixed face took it from B:

    moved to B  <=>  |attr(mix) - attr(B)| < |attr(mix) - attr(A)|     (the mix is past the midpoint of A and B)

    own[L]  = mean, over the attributes of level L, of the share of pairs in which the attribute moved to B
    leak[L] = the same mean over the attributes of the two other levels

A perfectly separated generator has own = 1 and leak = 0 at every level.

    from stylegan_edu import pretrained
    from stylegan_edu.levels import level_separation
    from stylegan_edu.metrics.toy_features import load_toy_features

    out = level_separation(pretrained.load("toyfaces-64"), load_toy_features(), num_pairs=500)
    out["levels"]["coarse"]["own"]

or `stylegan-edu levels --ckpt toyfaces-64 [--pairs 500] [--json]`.

Choices, and why:

- **Which level an attribute belongs to** comes from the dataset, `ATTRIBUTE_SCALES` in
  `stylegan_edu/data/toyfaces.py` (table in data/README.md): coarse = pose, head shape, size and position,
  middle = eyes, brows, mouth, hair style, fringe, glasses, parting, fine = colours, light and freckles. The tags
  follow how the renderer draws each attribute, never what a model does with it.
- **Which attributes are used:** only those the feature network reads reliably, `reliable_attributes(reader,
  0.8)`: validation accuracy of its high/low head of at least 0.8 (the same list as the linear-separability
  metric). With the shipped network that leaves out `smile` and `eye_color` (at chance) and `eye_size` (0.77);
  the 17 kept ones have validation R^2 of at least 0.59 (data/pretrained/TOYFACES_FEATURES_CARD.md).
- **Pairs that cannot tell:** the reader's values are standardised by the attribute's mean and standard deviation
  over real ToyFaces. A pair whose A and B readings differ by less than `min_difference` = 0.5 of that standard
  deviation is left out for that attribute (both faces wear glasses, both look straight ahead): the reader's own
  error is of that size for the weaker attributes, so which of two close values the mix is nearer is a coin
  toss. The number of pairs each attribute kept is returned (`pairs_used`); an attribute that kept none is
  reported as None and left out of the means.
- **Why the midpoint and not "the mix moved towards B"** (|attr(mix) - attr(B)| < |attr(A) - attr(B)|): every
  mix changes the image a little, and the reader's value of an attribute that the mix did not touch jitters by
  a small amount in a random direction, half the time towards B. With that rule the pose of the model shipped
  until 2026-12-01 "moves towards B" in 0.5-0.6 of the middle and fine mixes, where the midpoint rule says
  0.00-0.02: the leak would have a floor of about one half. Requiring the mix to be nearer B than A asks that the
  attribute was taken from B, not nudged. A tie (the mix exactly at the midpoint) counts as not moved.
- **Means:** every attribute weighs the same in own and leak (the mean of the per-attribute shares, so the
  per-attribute table adds up to the summary); binary attributes keep fewer pairs and would otherwise weigh less.
- **Sampling:** psi = 1 (no truncation: the config's cutoff truncates the coarse and middle layers but not the
  fine ones, which would shrink the differences of two levels and not the third), the generator's stored noise
  images (`noise_mode="const"`, so a run repeats exactly), z drawn on the CPU from `seed`. Pairs share faces
  cyclically (face i is A of pair i and B of pair i - 1), so N pairs take N faces and 3N mixes to render, not
  5N images. The images are rounded to 8-bit pixels before reading, as the metrics do, since the reader was
  trained on 8-bit images.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence

import torch

from stylegan_edu.checks import check_number, check_psi, check_seed
from stylegan_edu.cli_ckpt import add_ckpt_arguments
from stylegan_edu.cli_types import positive_int, seed_int, truncation_psi
from stylegan_edu.configs import LEVELS
from stylegan_edu.viz import quantize as _quantize  # the reader was trained on 8-bit images

MIN_ACCURACY = 0.8  # reader's validation accuracy an attribute needs to be used
MIN_DIFFERENCE = 0.5  # |attr(A) - attr(B)| in standard deviations of the attribute over real ToyFaces


def _default_attributes(reader, min_accuracy: float) -> list[str]:
    from stylegan_edu.metrics.toy_features import reliable_attributes

    return reliable_attributes(reader, min_accuracy)


@torch.no_grad()
def level_separation(G, reader, num_pairs: int = 500, seed: int = 0, batch_size: int = 50, psi: float = 1.0,
                     noise_mode: str = "const", min_difference: float = MIN_DIFFERENCE,
                     min_accuracy: float = MIN_ACCURACY, attributes: Sequence[str] | None = None,
                     progress: bool = True) -> dict:
    """Own and leak share of each style level of `G`, read with the ToyFaces feature network `reader`.

    G: a Generator (or anything with `cfg`, `mapping`, `synthesis(ws, noise_mode=...)`, `w_avg`).
    reader: a ToyFeatureNet (`attribute_values(images)` -> [N, 20] standardised values, `metrics` for the
        reliability filter). attributes: names to use instead of `reliable_attributes(reader, min_accuracy)`.
    num_pairs, seed: the random (A, B) pairs (face i is A in pair i and B in pair i - 1: 4 renders a pair);
        batch_size: images rendered at once.
    psi: truncation (1 = none) with the config's cutoff. min_difference: see the module docstring.

    Returns (JSON-serialisable)::

        {"levels": {"coarse": {"own": 0.97, "leak": 0.5, "per_attribute": {"yaw": 0.95, ...},
                               "by_attribute_level": {"coarse": 0.97, "middle": 0.72, "fine": 0.27}}, ...},
         "num_pairs": 500, "seed": 0, "psi": 1.0, "min_difference": 0.5,
         "attribute_levels": {"yaw": "coarse", ...}, "pairs_used": {"yaw": 412, ...}}

    per_attribute[a] is the share of the pairs used for `a` in which `a` moved to B (None if none was used);
    by_attribute_level is the mean of those shares per attribute level (own is the entry of the level itself).
    """
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES
    from stylegan_edu.generator import broadcast, truncate
    from stylegan_edu.mixing import mix_ws

    num_pairs = check_number("num_pairs", num_pairs, 1, integer=True)
    batch_size = check_number("batch_size", batch_size, 1, integer=True)
    seed = check_seed("seed", seed)
    psi = check_psi(psi)
    min_difference = check_number("min_difference", min_difference, 0)
    min_accuracy = check_number("min_accuracy", min_accuracy, 0, 1)
    names = list(attributes) if attributes is not None else _default_attributes(reader, min_accuracy)
    unknown = [n for n in names if n not in ATTRIBUTE_NAMES]
    if unknown or not names:
        raise ValueError(f"unknown attributes {unknown}" if unknown else "no attributes to measure")
    cols = [ATTRIBUTE_NAMES.index(n) for n in names]
    scale = dict(zip(ATTRIBUTE_NAMES, ATTRIBUTE_SCALES))
    attr_level = {n: scale[n] for n in names}

    cfg = G.cfg
    device = G.w_avg.device
    # face i is A in pair i and B in pair i - 1 (cyclically): num_pairs faces + 3 mixes per pair, 4 renders a
    # pair instead of 5; every pair still joins two independent random faces
    num_faces = max(num_pairs, 2)
    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(num_faces, cfg.latent_size, generator=g)  # on the CPU: the same faces on every device
    ia = torch.arange(num_pairs)
    ib = (ia + 1) % num_faces
    layers = {L: cfg.level_layers(L) for L in LEVELS}

    def read(ws):
        img = G.synthesis(ws, noise_mode=noise_mode)
        return reader.attribute_values(_quantize(img))[:, cols].float().cpu()

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=num_faces + 3 * num_pairs, desc="levels", unit="img", leave=False, file=sys.stderr)
    ws, faces = [], []
    for zb in z.split(batch_size):
        w = broadcast(G.mapping(zb.to(device)), cfg.num_layers)
        if psi != 1.0:
            w = truncate(w, G.w_avg, psi, cfg.truncation_cutoff)
        ws.append(w)
        faces.append(read(w))
        if bar is not None:
            bar.update(len(zb))
    ws, faces = torch.cat(ws), torch.cat(faces)
    v = {"A": faces[ia], "B": faces[ib]}  # each [num_pairs, len(names)]
    for L in LEVELS:
        mixed = []
        for start in range(0, num_pairs, batch_size):
            a_idx, b_idx = ia[start:start + batch_size], ib[start:start + batch_size]
            mixed.append(read(mix_ws(ws[a_idx.to(device)], ws[b_idx.to(device)], layers[L])))
            if bar is not None:
                bar.update(len(a_idx))
        v[L] = torch.cat(mixed)
    if bar is not None:
        bar.close()

    a, b = v["A"], v["B"]
    valid = (a - b).abs() >= min_difference  # [P, K]
    used = valid.sum(0)
    levels = {}
    for L in LEVELS:
        m = v[L]
        moved = (m - b).abs() < (m - a).abs()
        share = (moved & valid).sum(0).double() / used.clamp_min(1)
        per_attr = {n: (round(float(share[k]), 4) if used[k] > 0 else None) for k, n in enumerate(names)}

        def mean_of(ks):
            xs = [per_attr[names[k]] for k in ks if per_attr[names[k]] is not None]
            return round(sum(xs) / len(xs), 4) if xs else None

        by_level = {M: mean_of([k for k, n in enumerate(names) if attr_level[n] == M]) for M in LEVELS}
        levels[L] = {
            "own": by_level[L],
            "leak": mean_of([k for k, n in enumerate(names) if attr_level[n] != L]),
            "per_attribute": per_attr,
            "by_attribute_level": by_level,
        }
    return {
        "levels": levels,
        "num_pairs": int(num_pairs),
        "seed": int(seed),
        "psi": float(psi),
        "min_difference": float(min_difference),
        "attribute_levels": attr_level,
        "pairs_used": {n: int(used[k]) for k, n in enumerate(names)},
    }


def _fmt(x, width: int) -> str:
    return f"{'-':>{width}}" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:{width}.2f}"


def format_table(result: dict) -> str:
    """The summary (rows: the level whose styles came from B; columns: own, leak and the share per attribute
    level) and the per-attribute table."""
    lv = result["levels"]
    lines = [f"share of attributes taken from B ({result['num_pairs']} pairs, seed {result['seed']}, "
             f"psi {result['psi']:g})", "",
             f"{'styles from B':<14}{'own':>6}{'leak':>6}   |{'coarse attrs':>13}{'middle attrs':>13}"
             f"{'fine attrs':>11}"]
    for L in LEVELS:
        by = lv[L]["by_attribute_level"]
        lines.append(f"{L:<14}{_fmt(lv[L]['own'], 6)}{_fmt(lv[L]['leak'], 6)}   |{_fmt(by['coarse'], 13)}"
                     f"{_fmt(by['middle'], 13)}{_fmt(by['fine'], 11)}")
    lines += ["", f"{'attribute':<16}{'level':<8}{'pairs':>6}   |{'coarse mix':>11}{'middle mix':>11}{'fine mix':>9}"]
    for n, tag in result["attribute_levels"].items():
        lines.append(f"{n:<16}{tag:<8}{result['pairs_used'][n]:>6}   |"
                     + "".join(_fmt(lv[L]["per_attribute"][n], w) for L, w in zip(LEVELS, (11, 11, 9))))
    lines += ["", "own: mean share of the level's own attributes that the mix took from B (ideal 1);",
              "leak: the same over the other levels' attributes (ideal 0). pairs: pairs whose A and B differ "
              f"by at least {result['min_difference']:g} sd"]
    return "\n".join(lines)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "levels", help="how well coarse/middle/fine styles separate, read with the ToyFaces feature network",
        description="Mix one style level of random face B into face A and read the ToyFaces attributes of A, B and "
                    "the mix with the feature network. own: share of the level's own attributes taken from B; "
                    "leak: share of the other levels' attributes taken from B. Prints a table, or one JSON "
                    "object with --json.")
    add_ckpt_arguments(p)
    p.add_argument("--pairs", type=positive_int(), default=500, help="random (A, B) pairs (default 500)")
    p.add_argument("--seed", type=seed_int(), default=0, help="seed of the pairs, in [0, 2**32-1] (default 0)")
    p.add_argument("--psi", type=truncation_psi(), default=1.0, help="truncation psi in [-2, 2] (default 1 = none)")
    p.add_argument("--batch", type=positive_int(), default=50, help="images rendered at once (default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from stylegan_edu.errors import UsageError
    from stylegan_edu.metrics.toy_features import ToyFeaturesError, load_toy_features
    from stylegan_edu.cli_ckpt import generator_from_args

    G = generator_from_args(args)
    try:
        reader = load_toy_features(device=G.w_avg.device)
    except ToyFeaturesError as e:
        raise UsageError(str(e)) from None
    t0 = time.perf_counter()
    out = level_separation(G, reader, num_pairs=args.pairs, seed=args.seed, batch_size=args.batch, psi=args.psi,
                           progress=not args.no_progress)
    seconds = round(time.perf_counter() - t0, 1)
    if args.json:
        doc = {L: {"own": out["levels"][L]["own"], "leak": out["levels"][L]["leak"]} for L in LEVELS}
        doc.update(num_pairs=out["num_pairs"], seed=out["seed"], psi=out["psi"],
                   min_difference=out["min_difference"],
                   per_attribute={L: out["levels"][L]["per_attribute"] for L in LEVELS},
                   attribute_levels=out["attribute_levels"], pairs_used=out["pairs_used"],
                   ckpt=args.ckpt, device=str(G.w_avg.device), seconds=seconds)
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(format_table(out))
        print(f"{args.ckpt} on {G.w_avg.device}, {seconds:.1f} s")
    return 0
