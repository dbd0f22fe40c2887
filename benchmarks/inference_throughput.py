"""Images per second of the generator alone (inference: no gradients), eager or compiled (stylegan_edu.compiled).

    python benchmarks/inference_throughput.py --config ffhq-1024 --batch 64 --device cuda
    python benchmarks/inference_throughput.py --config ffhq-1024 --batch 64 --amp bf16 --channels-last --compile default
    python benchmarks/inference_throughput.py --config toy-32 --batch 8 --iters 3 --compile default   # CPU dry run

Times G(z, truncation_psi=--psi, noise_mode=--noise), the call `stylegan-edu generate` and `metrics` make (the
defaults, psi 1 and random noise, are the metrics' one). Fresh weights: they do not change the time. Prints one
line: img/s as the median over --iters timed batches (each between two CUDA synchronisations), the seconds of the
first call (with --compile: compiling, or reading the kernels from the on-disk cache), and peak GPU memory of the
timed batches on CUDA (peak RSS of the process on a CPU). With --compile a second line gives the largest
difference from the eager generator on the same latents and torch seed (noise as --noise, so nothing recompiles),
and under --amp the distance of both from eager fp32 (in bf16 the compiled kernels keep fused intermediates in
fp32, so they differ from eager bf16 by about as much as eager bf16 differs from fp32).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import torch

from stylegan_edu.compiled import MODES, compile_generator
from stylegan_edu.configs import get_config
from stylegan_edu.generator import Generator

AMP = {"none": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="ffhq-1024")
    p.add_argument("--resolution", type=int, default=None,
                   help="build the config's generator for this output resolution instead (e.g. 64 for a dry run)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", choices=list(AMP), default="none", help="autocast dtype (default none: fp32)")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", choices=("none",) + MODES, default="none")
    p.add_argument("--noise", choices=("random", "const"), default="random")
    p.add_argument("--psi", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--warmup", type=int, default=3,
                   help="untimed calls, the first included (reduce-overhead records its CUDA graphs on the 2nd/3rd)")
    p.add_argument("--iters", type=int, default=20)
    args = p.parse_args()
    if args.batch < 1 or args.iters < 1 or args.warmup < 1:
        p.error("--batch, --iters and --warmup must be at least 1")

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cfg = get_config(args.config)
    if args.resolution:
        cfg = cfg.replace(resolution=args.resolution)
    torch.manual_seed(0)
    G = Generator(cfg).eval().requires_grad_(False).to(device)
    if args.channels_last:
        G = G.to(memory_format=torch.channels_last)
    try:
        run_G = G if args.compile == "none" else compile_generator(G, args.compile)
    except ValueError as e:
        p.error(str(e))
    z = torch.randn(args.batch, cfg.latent_size, device=device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def call(gen, amp=args.amp, latents=z):
        with torch.no_grad(), torch.autocast(device.type, dtype=AMP[amp], enabled=amp != "none"):
            return gen(latents, truncation_psi=args.psi, noise_mode=args.noise)

    sync()
    t0 = time.perf_counter()
    call(run_G)
    sync()
    first = time.perf_counter() - t0
    for _ in range(args.warmup - 1):
        call(run_G)
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    seconds = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        call(run_G)
        sync()
        seconds.append(time.perf_counter() - t0)
    dt = statistics.median(seconds)

    if device.type == "cuda":
        where = torch.cuda.get_device_name(device)
        peak = f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"
    else:
        where = f"CPU x{torch.get_num_threads()} threads"
        peak = f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    print(f"{cfg.name} {cfg.resolution}px batch {args.batch} {args.amp if args.amp != 'none' else 'fp32'} "
          f"channels_last={args.channels_last} compile={args.compile} noise={args.noise} psi={args.psi:g} on {where}, "
          f"torch {torch.__version__}: {args.batch / dt:.1f} img/s (median of {args.iters}, {dt * 1e3:.1f} ms/batch), "
          f"first call {first:.1f} s, {peak}", flush=True)

    if args.compile != "none":  # the switch must give the eager images: how closely did it here (same z, seed)?
        def seeded(gen, amp=args.amp):
            # two batches, both kept until the end as `generate` keeps its batches: a CUDA graph that reused the
            # first batch's memory for the second would show here
            torch.manual_seed(1)
            return torch.cat([call(gen, amp, latents) for latents in (z, -z)]).float()

        want, got = seeded(G), seeded(run_G)
        line = (f"  max |compiled - eager| = {(got - want).abs().max().item():.2e} ({args.noise} noise, same z and "
                f"seed, 2 batches; images span [{want.min().item():.2f}, {want.max().item():.2f}])")
        if args.amp != "none":  # reduced precision: both differ from fp32 by rounding; compare with that instead
            fp32 = seeded(G, "none")
            line += (f"; from eager fp32: compiled {(got - fp32).abs().max().item():.2e}, eager {args.amp} "
                     f"{(want - fp32).abs().max().item():.2e}")
        print(line, flush=True)
        from torch._dynamo.utils import counters  # torch's own tallies: recompiles or skipped CUDA graphs show here
        print(f"  graphs compiled: {counters['stats']['unique_graphs']} (mapping + synthesis = 2 without "
              f"recompiles), CUDA-graph skips: {counters['inductor']['cudagraph_skips']} (TORCH_LOGS=cudagraphs says "
              f"why)", flush=True)

if __name__ == "__main__":
    main()
