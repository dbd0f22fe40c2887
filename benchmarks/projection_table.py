"""Projection into W and W+ on real ToyFaces the shipped model never saw, against their true attributes.

    .venv/bin/python benchmarks/projection_table.py [--n 20] [--first-seed 100000] [--steps 150] [--threads 1]
    .venv/bin/python benchmarks/projection_table.py --n 100 --batch 25   # 100 images, 25 optimised together

The shipped toyfaces-64 model trained on ToyFaces 0-29,999 (every model shipped so far); the targets here are ToyFaces first-seed .. first-seed
+ n - 1 rendered at 64 px. Each is projected (stylegan_edu.projection.project, default settings) into W and into
W+; the feature network then reads the attributes of the projection and, as a ceiling, of the target itself.
Per editable attribute: for the binary ones (bangs, glasses, hair_part) the accuracy of the reader's high/low call
against the true value; for the continuous ones the Pearson correlation of the value read with the true value.
Also PSNR (8-bit) and the perceptual distance used (ToyFaces feature network unless LPIPS weights are present),
and the seconds per image (with --batch B, B images are optimised together, each independently of the others, as
`project` does for a batch: the time per image is then the batch's time / B, less than one image alone takes).
Prints figures; not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stylegan_edu import pretrained  # noqa: E402
from stylegan_edu.cli_types import positive_int, seed_int  # noqa: E402
from stylegan_edu.data.toyfaces import ATTRIBUTE_BINARY, ATTRIBUTE_NAMES, render_seed  # noqa: E402
from stylegan_edu.editing import _quantize, editable_attributes  # noqa: E402
from stylegan_edu.metrics.toy_features import load_toy_features  # noqa: E402
from stylegan_edu.projection import DEFAULT_STEPS, perceptual_distance, project, psnr  # noqa: E402


def agreement(reader, images: torch.Tensor, true: torch.Tensor, names: list[str]) -> dict:
    with torch.no_grad():
        img = _quantize(images)
        probs = reader.attribute_probabilities(img)
        values = reader.attribute_values(img, standardized=False)
    out = {}
    for n in names:
        k = ATTRIBUTE_NAMES.index(n)
        if ATTRIBUTE_BINARY[k]:
            out[n] = ("acc", float(((probs[:, k] > 0.5) == (true[:, k] > reader.medians[k])).float().mean()))
        else:
            out[n] = ("r", float(np.corrcoef(values[:, k].numpy(), true[:, k].numpy())[0, 1]))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ckpt", default="toyfaces-64")
    p.add_argument("--n", type=positive_int(), default=20)
    p.add_argument("--first-seed", type=seed_int(), default=100_000)
    p.add_argument("--steps", type=positive_int(), default=DEFAULT_STEPS)
    p.add_argument("--spaces", default="w,w+")
    p.add_argument("--threads", type=positive_int(), default=1)
    p.add_argument("--batch", type=positive_int(), default=1, help="images optimised together (default 1)")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    G, reader = pretrained.load(args.ckpt), load_toy_features()
    names = editable_attributes(reader)
    seeds = list(range(args.first_seed, args.first_seed + args.n))
    imgs, attrs = zip(*(render_seed(s, G.cfg.resolution) for s in seeds))
    target = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 127.5 - 1
    true = torch.from_numpy(np.stack(attrs))
    distance, dist_name = perceptual_distance(G.cfg.resolution)
    rows = {"target": agreement(reader, target, true, names)}
    summary = {}
    for space in args.spaces.split(","):
        out, secs = [], []
        for i in range(0, args.n, args.batch):
            part = target[i:i + args.batch]
            t0 = time.perf_counter()
            r = project(G, part, space=space, steps=args.steps, distance=distance, seed=i, progress=False)
            secs += [(time.perf_counter() - t0) / len(part)] * len(part)
            out.append(r["image"])
            print(f"{space} {i + len(part)}/{args.n} seeds {seeds[i]}-{seeds[i] + len(part) - 1}: "
                  f"{secs[-1]:.1f} s per image, PSNR {float(psnr(part, r['image']).mean()):.1f} dB",
                  file=sys.stderr, flush=True)
        proj = torch.cat(out)
        rows[space] = agreement(reader, proj, true, names)
        with torch.no_grad():
            summary[space] = {"psnr": float(psnr(target, proj).mean()), "distance": float(distance(proj, target).mean()),
                              "seconds": float(np.mean(secs))}
    cols = list(rows)
    print(f"projection of {args.n} real ToyFaces (seeds {seeds[0]}-{seeds[-1]}, never seen in training), "
          f"{args.steps} steps, {args.batch} at a time, distance {dist_name}, {args.threads} thread(s), load average "
          f"{os.getloadavg()[0]:.1f}\n")
    print(f"{'attribute':<16}{'':>4}" + "".join(f"{c:>9}" for c in cols))
    for n in names:
        kind = rows["target"][n][0]
        print(f"{n:<16}{kind:>4}" + "".join(f"{rows[c][n][1]:>9.2f}" for c in cols))
    for kind in ("acc", "r"):
        ks = [n for n in names if rows["target"][n][0] == kind]
        print(f"{'mean ' + kind:<20}" + "".join(f"{np.mean([rows[c][n][1] for n in ks]):>9.2f}" for c in cols))
    print()
    for space, s in summary.items():
        print(f"{space:<3} PSNR {s['psnr']:.1f} dB, {dist_name} distance {s['distance']:.3f}, "
              f"{s['seconds']:.1f} s per image")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary, "n": args.n, "steps": args.steps}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
