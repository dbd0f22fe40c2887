"""How much FID moves between the two ways of resizing to Inception's 299 px (docs/deviations.md #17).

    python benchmarks/fid_resize_difference.py --ckpt toyfaces-64 --num 10000 --weights PATH

The official graph resizes with TF1's `resize_bilinear` (no half-pixel centres, our default `tf1`);
pytorch-fid samples at half-pixel centres (`pytorch-fid`). Both runs see the same generated and real images
(same seeds), so the printed difference is the resize's alone. Needs the FID Inception weights file
pt_inception-2015-12-05-6726825d.pth (--weights, $STYLEGAN_EDU_WEIGHTS or the cache folder; without it the
script stops with the message that says where to get it).
"""

from __future__ import annotations

import argparse
import sys

import torch

from stylegan_edu import pretrained
from stylegan_edu.data import load_toyfaces
from stylegan_edu.metrics.run import compute_metrics
from stylegan_edu.metrics.weights import WeightsError


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default="toyfaces-64", help="a shipped name or a generator file")
    p.add_argument("--num", type=int, default=10_000, help="generated and real images (default 10000)")
    p.add_argument("--weights", default=None, help="the Inception weights file or its folder")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()

    G = pretrained.load(args.ckpt, args.device)
    reals = load_toyfaces(n=max(args.num, 30_000), resolution=G.cfg.resolution)
    fids = {}
    for resize in ("tf1", "pytorch-fid"):
        try:
            out = compute_metrics(G, "fid", dataset=reals, num=args.num, features="inception", weights=args.weights,
                                  batch_size=args.batch, inception_resize=resize)
        except WeightsError as e:
            print(str(e).splitlines()[0], file=sys.stderr)
            return 2
        fids[resize] = out["metrics"]["fid"]
        print(f"{resize:>12}: FID {fids[resize]:.3f} ({args.num} images, {out['seconds']['features']:.0f} s)")
    print(f"  difference: {fids['pytorch-fid'] - fids['tf1']:+.3f} (pytorch-fid minus tf1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
