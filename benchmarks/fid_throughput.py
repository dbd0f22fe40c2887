"""Throughput of the generated side of FID at full size: G (1024 px) → quantize → Inception-v3 pool3 features.

    python benchmarks/fid_throughput.py --device cuda --num 5000 --batch 64
    python benchmarks/fid_throughput.py --device cuda --weights pt_inception-2015-12-05-6726825d.pth

This times the same code path as `stylegan-edu metrics --features inception` (run.generated_features) for a
`ffhq-1024` generator, then the Fréchet distance of two 2048-d feature sets. The networks' weights do not
change the time: without --ckpt the generator is freshly initialised, and without --weights (the Inception
file) the Inception network is too, in which case the FID value printed means nothing and is labelled so.
Prints images per second, the seconds for --num, and the rate carried over to the official 50,000 samples
(labelled as an extrapolation, not a measurement).
"""

from __future__ import annotations

import argparse
import time

import torch

from stylegan_edu.generator import Generator
from stylegan_edu.metrics.fid import fid_from_features
from stylegan_edu.metrics.inception import FIDInceptionV3, load_inception
from stylegan_edu.metrics.run import generated_features


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="ffhq-1024", help="generator config when no --ckpt is given")
    p.add_argument("--ckpt", default=None, help="a checkpoint or shipped model name (default: fresh weights)")
    p.add_argument("--weights", default=None, help="the Inception weights file (default: fresh weights)")
    p.add_argument("--num", type=int, default=5000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()

    device = torch.device(args.device)
    if args.ckpt:
        from stylegan_edu import pretrained
        G = pretrained.load(args.ckpt, device=device)
    else:
        G = Generator(args.config).eval().requires_grad_(False).to(device)
    net = load_inception(args.weights, device=device) if args.weights else \
        FIDInceptionV3().eval().requires_grad_(False).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    generated_features(G, net, 2 * args.batch, args.batch, seed=99, progress=False)  # warm-up (cuDNN choices)
    sync()
    t0 = time.perf_counter()
    fake = generated_features(G, net, args.num, args.batch, seed=0, progress=False)
    sync()
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    fid = fid_from_features(fake[: args.num // 2], fake[args.num // 2:])  # two halves: times sqrtm of 2048²
    fd_seconds = time.perf_counter() - t1

    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU x{torch.get_num_threads()}"
    print(f"{where}, torch {torch.__version__}; G {args.ckpt or args.config + ' (fresh weights)'} at "
          f"{G.cfg.resolution} px, Inception {'from ' + args.weights if args.weights else '(fresh weights)'}")
    rate = args.num / seconds
    print(f"generated features: {args.num} images in {seconds:.1f} s = {rate:.0f} img/s (batch {args.batch})")
    print(f"Fréchet distance of two 2048-d sets: {fd_seconds:.1f} s"
          + ("" if args.weights else " (value meaningless with fresh Inception weights)"))
    print(f"extrapolated to 50,000 generated images: {50000 / rate:.0f} s + Fréchet distance "
          f"(not measured at 50,000)")
    if args.weights:
        print(f"FID between the two halves: {fid:.2f}")


if __name__ == "__main__":
    main()
