"""Full-width training steps on the CPU (fp32): the reference path against each speed switch.

    python benchmarks/cpu_step_variants.py --resolution 32 --batch 32
    python benchmarks/cpu_step_variants.py --resolution 64 --batch 32 --variants reference,fast

"Full width" is the paper's network (ffhq-256's 512 feature maps up to 32 px, 256 at 64 px) trained stable
at --resolution with R1 on every minibatch and style mixing, as the official code and the widely used PyTorch
port train; fp32 unless --amp bf16. Variants (each a switch that computes the same function):
  reference  unfused resampling (nearest-up + conv, conv + box-down), NCHW
  strided    resample.STRIDED_SCALE_DEVICES: up/down convolutions as their stride-2 4x4 equivalents
  nhwc       channels_last tensors (oneDNN's native layout)
  gradfix    conv.GRADFIX_DEVICES on the CPU: double backward as plain convolution kernels
  winograd   conv.WINOGRAD_DEVICES: 3x3 stride-1 convolutions (>= 16 px, batch >= 16, >= 128 channels) by NNPACK,
             always (conv.WINOGRAD_MEASURE off)
  fast       what the library does by default on this machine (NNPACK only for the shapes it measured faster on;
             those verdicts are printed after the line)
Prints one line per variant: ms per step and images per second (median of --steps steps after a warm-up), and
the process CPU time per step (less sensitive to other load on the machine than the wall time) and the minor page
faults per step (what stylegan_edu/cpu_memory.py cuts; STYLEGAN_EDU_KEEP_FREED_MEMORY=0 times the step without it).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time

import torch

from stylegan_edu import conv, resample
from stylegan_edu.configs import get_config
from stylegan_edu.data import load_toyfaces
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer

DEFAULTS = dict(strided=set(resample.STRIDED_SCALE_DEVICES), gradfix=set(conv.GRADFIX_DEVICES),
                winograd=set(conv.WINOGRAD_DEVICES))
VARIANTS = {
    "reference": dict(strided=set(), gradfix=set(), winograd=set(), channels_last=False),
    "strided": dict(strided={"cpu"}, gradfix=set(), winograd=set(), channels_last=False),
    "nhwc": dict(strided=set(), gradfix=set(), winograd=set(), channels_last=True),
    "strided+nhwc": dict(strided={"cpu"}, gradfix=set(), winograd=set(), channels_last=True),
    "gradfix": dict(strided=set(), gradfix={"cpu"}, winograd=set(), channels_last=False),
    "strided+winograd": dict(strided={"cpu"}, gradfix=set(), winograd={"cpu"}, channels_last=False),
    "strided+winograd+nhwc": dict(strided={"cpu"}, gradfix=set(), winograd={"cpu"}, channels_last=True),
    "fast": dict(strided=DEFAULTS["strided"], gradfix=DEFAULTS["gradfix"], winograd=DEFAULTS["winograd"],
                 channels_last=None),
}


def _page_faults() -> int:
    # minor faults: first writes to freshly mapped pages, what stylegan_edu/cpu_memory.py avoids
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_variant(name, data, args):
    v = VARIANTS[name]
    resample.STRIDED_SCALE_DEVICES, conv.GRADFIX_DEVICES = v["strided"], v["gradfix"]
    conv.WINOGRAD_DEVICES = v["winograd"]
    conv.WINOGRAD_MEASURE = name == "fast"
    base = get_train_config("ffhq-256")
    cfg = base.replace(start_resolution=args.resolution, minibatch={}, minibatch_base=args.batch,
                       stable_kimg=1e9, snapshot_kimg=1e9, amp=args.amp, r1_interval=1, style_mixing_prob=0.9,
                       channels_last=base.channels_last if v["channels_last"] is None else v["channels_last"])
    mcfg = get_config("ffhq-256").replace(resolution=args.resolution)
    tr = Trainer(cfg, data, None, model_cfg=mcfg, device="cpu", progress=False)
    for _ in range(args.warmup):
        tr.step()
    times, cpu, faults = [], [], []
    for _ in range(args.steps):
        t0, c0, f0 = time.perf_counter(), time.process_time(), _page_faults()
        tr.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        faults.append(_page_faults() - f0)
    dt = statistics.median(times)
    precision = "fp32" if tr.amp == "none" else tr.amp
    print(f"{name:>13}: {args.resolution} px, batch {args.batch}, {precision}, R1 every step, channels_last "
          f"{cfg.channels_last}: {dt * 1000:.0f} ms/step, {args.batch / dt:.2f} img/s, "
          f"CPU time {statistics.median(cpu):.1f} s/step, {statistics.median(faults) / 1e3:.0f}k page faults/step "
          f"(CPU {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads)", flush=True)
    if conv.WINOGRAD_MEASURE:
        for line in conv.winograd_choices():
            print(f"{'':>15}{line}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--amp", choices=("none", "bf16"), default="none",
                   help="none: fp32, the port's precision (default); bf16: autocast, what --amp auto picks on CPUs "
                        "with native bf16")
    p.add_argument("--variants", default="reference,strided,nhwc,strided+nhwc,gradfix,fast")
    args = p.parse_args()
    data = load_toyfaces(n=256, resolution=args.resolution, cache_dir=tempfile.mkdtemp(), progress=False)
    for name in args.variants.split(","):
        time_variant(name, data, args)


if __name__ == "__main__":
    main()
