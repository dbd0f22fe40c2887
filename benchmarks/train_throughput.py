"""Training throughput: real images per second through full training steps (D step with R1 + G step + EMA).

    python benchmarks/train_throughput.py --config toy-64 --resolution 64 --batch 32
    python benchmarks/train_throughput.py --config toy-64 --resolution 64 --batch 32 --amp none --no-channels-last
    python benchmarks/train_throughput.py --config toy-64 --resolution 64 --batch 32 --compile --steps 8
    python benchmarks/train_throughput.py --config ffhq-256 --resolution 256 --batch 32 --device cuda --amp bf16

The networks run stable (alpha = 1) at --resolution on a small ToyFaces cache (or random images for
resolutions above ToyFaces' 128 px). Prints one line with the figure.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from stylegan_edu.precision import AMP_MODES
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer


class RandomImages:
    """Stand-in dataset of random images at every resolution (for sizes ToyFaces does not render)."""

    kind = "random"

    def __init__(self, top: int):
        self.resolutions = [2**i for i in range(2, top.bit_length())]

    def __len__(self):
        return 1000

    def batch(self, n, resolution, mirror=False, generator=None, device=None):
        x = torch.rand(n, 3, resolution, resolution, generator=generator) * 2 - 1
        return x.to(device), torch.zeros(n, 0, device=device)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="toy-64", help="training preset (names the model)")
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", choices=AMP_MODES, default=None, help="default: the preset's (auto: by the hardware)")
    p.add_argument("--channels-last", dest="channels_last", action="store_true", default=None)
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--r1-interval", type=int, default=None, help="default: the preset's")
    p.add_argument("--cuda-graphs", dest="cuda_graphs", action="store_true", default=None,
                   help="replay each step as a captured CUDA graph (the first timed steps include no capture)")
    p.add_argument("--compile", dest="compile", action="store_true", default=None,
                   help="stable steps through torch.compile (the warm-up steps compile)")
    p.add_argument("--profile", type=int, default=0, metavar="ROWS",
                   help="after timing, profile 2 more steps with torch.profiler and print the ROWS operators with "
                        "the most device (CUDA) or CPU self time, with the device-busy total against wall time")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args()

    cfg = get_train_config(args.config)
    changes = dict(start_resolution=args.resolution, minibatch={}, minibatch_base=args.batch,
                   stable_kimg=1e9, snapshot_kimg=1e9)
    for k in ("amp", "channels_last", "r1_interval", "cuda_graphs", "compile"):
        if getattr(args, k) is not None:
            changes[k] = getattr(args, k)
    cfg = cfg.replace(**changes)
    if args.resolution <= 128:
        from stylegan_edu.data import load_toyfaces
        data = load_toyfaces(n=256, resolution=args.resolution, cache_dir=tempfile.mkdtemp(), progress=False)
    else:
        data = RandomImages(args.resolution)
    model = cfg.model
    from stylegan_edu.configs import get_config
    mcfg = get_config(model).replace(resolution=args.resolution) if get_config(model).resolution != args.resolution \
        else None
    tr = Trainer(cfg, data, None, model_cfg=mcfg, device=args.device, progress=False)
    sync = torch.cuda.synchronize if tr.device.type == "cuda" else (lambda: None)
    t0 = time.perf_counter()
    for _ in range(max(args.warmup, 2 * (cfg.r1_interval > 1))):  # with lazy R1, both graphs captured here
        tr.step()
    sync()
    warm = time.perf_counter() - t0
    sync()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        tr.step()
    sync()
    dt = time.perf_counter() - t0
    where = torch.cuda.get_device_name() if tr.device.type == "cuda" else f"CPU x{torch.get_num_threads()} threads"
    amp = tr.amp if cfg.amp == tr.amp else f"{cfg.amp}->{tr.amp}"  # e.g. auto->none
    print(f"{args.config} at {args.resolution}px, batch {args.batch}, amp {amp}, channels_last "
          f"{cfg.channels_last}, r1 every {cfg.r1_interval}, cuda_graphs {cfg.cuda_graphs}, compile {cfg.compile} "
          f"on {where}: "
          f"{args.steps * args.batch / dt:.1f} img/s ({dt / args.steps * 1000:.0f} ms/step; warm-up steps "
          f"{warm:.1f} s)" + (f", peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB"
                               if tr.device.type == "cuda" else ""))

    if args.profile:
        profile(tr, args.profile)


def profile(tr, rows: int) -> None:
    """Where the step's time goes: device self time per operator over 2 steps, and the device-busy share."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    cuda = tr.device.type == "cuda"
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with torch_profile(activities=acts) as prof:
        t0 = time.perf_counter()
        for _ in range(2):
            tr.step()
        if cuda:
            torch.cuda.synchronize()
        wall = time.perf_counter() - t0
    key = "self_device_time_total" if cuda else "self_cpu_time_total"
    events = prof.key_averages()
    busy = sum(getattr(e, key) for e in events) / 1e6  # microseconds -> s
    print(f"profile of 2 steps: wall {wall * 1000:.0f} ms, {'device' if cuda else 'CPU'} self time summed over "
          f"operators {busy * 1000:.0f} ms")
    print(events.table(sort_by=key, row_limit=rows, max_name_column_width=60))


if __name__ == "__main__":
    main()
