"""Where a training step's time goes: D step with and without the R1 pass, G step, and the top kernels of R1.

    python benchmarks/train_step_profile.py --config ffhq-1024 --resolution 1024 --batch 8 --device cuda
    python benchmarks/train_step_profile.py --config ffhq-1024 --batch 8 --device cuda --gradfix off

Times each piece on its own (after warm-up, synchronised), then prints torch.profiler's table of the operators
with the most device (or CPU) self time in one D step with R1. Random images stand in for reals.
"""

from __future__ import annotations

import argparse
import time

import torch

from stylegan_edu import conv
from stylegan_edu.configs import get_config
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import Generator
from stylegan_edu.train import losses


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="ffhq-1024")
    p.add_argument("--resolution", type=int, default=None)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", choices=["none", "bf16"], default="bf16")
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--rows", type=int, default=15)
    p.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN time its algorithms first")
    p.add_argument("--gradfix", choices=["auto", "on", "off"], default="auto",
                   help="stylegan_edu.conv's double-backward-friendly convolution: the library's choice (CUDA "
                        "only), everywhere, or nowhere")
    args = p.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    if args.gradfix != "auto":
        conv.GRADFIX_DEVICES = {"cpu", "cuda"} if args.gradfix == "on" else set()

    dev = torch.device(args.device)
    cfg = get_config(args.config)
    res = args.resolution or cfg.resolution
    G, D = Generator(cfg).to(dev), Discriminator(cfg).to(dev)
    amp = dict(device_type=dev.type, dtype=torch.bfloat16, enabled=args.amp == "bf16")
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    reals = torch.rand(args.batch, 3, res, res, device=dev) * 2 - 1
    z = lambda: torch.randn(args.batch, cfg.latent_size, device=dev)

    def d_plain():
        with torch.autocast(**amp):
            loss = losses.d_logistic(D(reals), D(G(z(), resolution=res)))
        loss.backward()

    def d_r1_only():  # the fp32 R1 pass as the trainer does it
        x = reals.detach().requires_grad_(True)
        r1 = losses.r1_penalty(D(x), x)
        r1.backward()

    def g_step():
        with torch.autocast(**amp):
            loss = losses.g_logistic_nonsaturating(D(G(z(), resolution=res)))
        loss.backward()

    def timed(fn):
        fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(args.iters):
            fn()
        sync()
        return (time.perf_counter() - t0) / args.iters * 1000

    where = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU x{torch.get_num_threads()}"
    print(f"{args.config} at {res} px, batch {args.batch}, amp {args.amp} (R1 pass in fp32) on {where}; "
          f"cudnn.benchmark {args.cudnn_benchmark}, gradfix {args.gradfix} -> {sorted(conv.GRADFIX_DEVICES)}")
    for name, fn in (("D fwd+bwd, no R1 (G fwd incl.)", d_plain), ("R1 pass (D fwd, grad, bwd)", d_r1_only),
                     ("G fwd+bwd (D fwd incl.)", g_step)):
        print(f"  {name}: {timed(fn):.1f} ms")

    kind = torch.profiler.ProfilerActivity
    acts = [kind.CPU] + ([kind.CUDA] if dev.type == "cuda" else [])
    with torch.profiler.profile(activities=acts) as prof:
        d_r1_only()
        sync()
    key = "self_cuda_time_total" if dev.type == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=key, row_limit=args.rows, max_name_column_width=60))


if __name__ == "__main__":
    main()
