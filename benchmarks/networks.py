"""Forward + backward time and peak memory of G and D (one training-like step, no optimizer).

    python benchmarks/networks.py --config ffhq-1024 --batch 8 --device cuda --amp bf16
    python benchmarks/networks.py --config toy-64 --batch 32 --amp bf16 --channels-last

Prints one line per setting: ms per step, images per second, peak memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import Generator

AMP = {"none": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def step(G, D, z, resolution, amp_dtype, device_type):
    with torch.autocast(device_type, dtype=amp_dtype, enabled=amp_dtype is not None):
        img = G(z, resolution=resolution)
        score = D(img)
    score.float().mean().backward()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="toy-64")
    p.add_argument("--resolution", type=int, default=None, help="current resolution (default: the config's)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", choices=list(AMP), default="none")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    args = p.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    G, D = Generator(args.config).to(device), Discriminator(args.config).to(device)
    if args.channels_last:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    z = torch.randn(args.batch, G.cfg.latent_size, device=device)
    res = args.resolution or G.cfg.resolution

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step(G, D, z, res, AMP[args.amp], device.type)
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(args.iters):
        G.zero_grad(set_to_none=True)
        D.zero_grad(set_to_none=True)
        step(G, D, z, res, AMP[args.amp], device.type)
    sync()
    dt = (time.perf_counter() - t0) / args.iters
    if device.type == "cuda":
        peak = f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB"
    else:
        peak = f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU x{torch.get_num_threads()} threads"
    print(f"{args.config} {res}px batch {args.batch} {args.amp} channels_last={args.channels_last} on {name}: "
          f"{dt * 1000:.1f} ms/step (G fwd + D fwd + bwd), {args.batch / dt:.1f} img/s, {peak}")


if __name__ == "__main__":
    main()
