"""Where a generator's noise acts, against where ToyFaces' stochastic detail lies.

    python benchmarks/noise_vs_detail.py --ckpt toyfaces-64 --ckpt data/pretrained/toyfaces-64-detail.pt \
        --png noise_maps.png

For each generator: the mean over 32 faces of the per-pixel std over 16 noise draws (w fixed), with all
layers' noise and with each level's alone, and the Pearson correlation of each map with the data's detail
map (the same statistic over 8 detail seeds of ToyFaces 28000-28199, attributes fixed; stylegan_edu.noise_maps).
The PNG has one row for the data and one per generator: a face, the same face again (another detail seed for
the data, another noise draw for a generator, w fixed), their difference amplified 10 times, and the average
map (each scaled to its own maximum, with its agreement in the title).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from stylegan_edu.generator import z_from_seeds
from stylegan_edu.noise_maps import DETAIL_SEEDS, detail_images, detail_map, level_strength, map_agreement, noise_map
from stylegan_edu.pretrained import load

GAIN = 10  # the difference images' amplification


def data_pair(resolution: int, seed: int = DETAIL_SEEDS[0]) -> torch.Tensor:
    """One ToyFace drawn with two detail seeds (same attributes): [2, 3, r, r] in [-1, 1]."""
    imgs = detail_images(seed, resolution, draws=2).astype(np.float32) / 127.5 - 1
    return torch.from_numpy(imgs).permute(0, 3, 1, 2)


def model_pair(G, seed: int = 0) -> torch.Tensor:
    """One face of G (psi 1, as noise_map) with two noise draws: [2, 3, r, r]."""
    z = z_from_seeds([seed, seed], G.cfg.latent_size)
    torch.manual_seed(1)
    return G(z, noise_mode="random").float().clamp(-1, 1)


def write_sheet(path: str, rows: dict) -> None:
    """rows: name -> (pair [2, 3, r, r], average map [r, r], title of the map). A labelled PNG via matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 4, figsize=(8.4, 2.3 * len(rows)), squeeze=False)
    for ax_row, (name, (pair, avg, map_title)) in zip(axes, rows.items()):
        pictures = ((pair + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        diff = ((pair[0] - pair[1]).abs().mean(dim=0) * GAIN / 2).clamp(0, 1).numpy()
        ax_row[0].imshow(pictures[0])
        ax_row[1].imshow(pictures[1])
        ax_row[2].imshow(diff, cmap="gray", vmin=0, vmax=1)
        ax_row[3].imshow(avg.numpy(), cmap="magma")
        titles = ["one face", "again (" + ("other detail seed" if name == "data" else "other noise") + ")",
                  f"|difference| x {GAIN}", map_title]
        for ax, title in zip(ax_row, titles):
            ax.set_title(title, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", action="append", required=True, help="shipped name or generator file (repeatable)")
    p.add_argument("--faces", type=int, default=32)
    p.add_argument("--draws", type=int, default=16)
    p.add_argument("--png", help="write the maps side by side here")
    args = p.parse_args()

    t0 = time.perf_counter()
    maps, gens = {}, {}
    for ckpt in args.ckpt:
        G = gens[ckpt] = load(ckpt)
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
        rows = {"data": (data_pair(res), maps["data"], f"detail map, mean of {len(DETAIL_SEEDS)} faces")}
        for ckpt in args.ckpt:
            rows[ckpt] = (model_pair(gens[ckpt]), maps[ckpt],
                          f"noise map, {args.faces} faces: agreement {map_agreement(maps[ckpt], maps['data']):.2f}")
        write_sheet(args.png, rows)
        print(f"wrote {args.png}: {', '.join(rows)}")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
