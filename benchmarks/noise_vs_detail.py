"""Where a generator's noise acts, against where ToyFaces' stochastic detail lies.

    python benchmarks/noise_vs_detail.py --ckpt toyfaces-64 --ckpt data/pretrained/toyfaces-64-detail.pt \
        --png noise_maps.png

For each generator: the mean over 32 faces of the per-pixel std over 16 noise draws (w fixed), with all
layers' noise and with each level's alone, and the Pearson correlation of each map with the data's detail
map (the same statistic over 8 detail seeds of ToyFaces 28000-28199, attributes fixed; stylegan_edu.noise_maps).
The PNG shows the data's map and each model's, each scaled to its own maximum.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image

from stylegan_edu.noise_maps import detail_map, level_strength, map_agreement, noise_map
from stylegan_edu.pretrained import load


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", action="append", required=True, help="shipped name or generator file (repeatable)")
    p.add_argument("--faces", type=int, default=32)
    p.add_argument("--draws", type=int, default=16)
    p.add_argument("--png", help="write the maps side by side here")
    args = p.parse_args()

    t0 = time.perf_counter()
    maps = {}
    for ckpt in args.ckpt:
        G = load(ckpt)
        res = G.cfg.resolution
        if "data" not in maps:
            target = detail_map(res)
            maps["data"] = target
            print(f"data ({res} px): detail map mean {target.mean():.4f}, max {target.max():.4f}")
        m = noise_map(G, seeds=range(args.faces), draws=args.draws)
        maps[ckpt] = m
        row = [f"{ckpt}: noise map mean {m.mean():.4f}, agreement with the detail map {map_agreement(m, target):.3f}"]
        for level in ("coarse", "middle", "fine"):
            ml = noise_map(G, seeds=range(args.faces), draws=args.draws, noise_strength=level_strength(G.cfg, level))
            row.append(f"{level} alone: mean {ml.mean():.4f}, agreement {map_agreement(ml, target):.3f}")
        print("; ".join(row))
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.png:
        tiles = [m.numpy() / max(m.max().item(), 1e-12) for m in maps.values()]
        size = max(t.shape[0] for t in tiles)
        tiles = [np.asarray(Image.fromarray(t).resize((size, size), Image.BILINEAR)) for t in tiles]
        sheet = (np.concatenate(tiles, 1).clip(0, 1) * 255).astype(np.uint8)
        Image.fromarray(sheet).resize((sheet.shape[1] * 3, sheet.shape[0] * 3), Image.NEAREST).save(args.png)
        print(f"wrote {args.png}: {', '.join(maps)}")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
