"""Cost per image of serving training batches from the cache: 64 images at 64 px, as float tensors in
[-1, 1] on the CPU, with mirror augmentation (the memmap pages are warm, as they are after the first epoch).

    python benchmarks/data_loading.py [--n 30000] [--batch 64] [--resolution 64]

Uses the ToyFaces cache of that size in the cache folder (built first if missing; see
`stylegan-edu data toyfaces`).
"""

import argparse
import time

import torch

from stylegan_edu.data import load_toyfaces

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=30000)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--resolution", type=int, default=64)
parser.add_argument("--batches", type=int, default=500)
args = parser.parse_args()

ds = load_toyfaces(args.n, args.resolution)
g = torch.Generator().manual_seed(0)
for _ in range(len(ds) // args.batch + 1):  # touch every page once
    ds.batch(args.batch, mirror=True, generator=g)
t0 = time.perf_counter()
for _ in range(args.batches):
    x, a = ds.batch(args.batch, resolution=args.resolution, mirror=True, generator=g)
seconds = time.perf_counter() - t0
assert x.shape == (args.batch, 3, args.resolution, args.resolution) and x.dtype == torch.float32
per_image_us = 1e6 * seconds / (args.batches * args.batch)
print(f"torch threads: {torch.get_num_threads()}, dataset: {ds}")
print(f"{args.batches} batches of {args.batch} at {args.resolution} px with mirroring: "
      f"{1000 * seconds / args.batches:.2f} ms per batch, {per_image_us:.1f} us per image")
