"""The widely used PyTorch port's training iteration, timed on this machine (fp32), for a same-machine ratio.

    git clone https://github.com/rosinality/style-based-gan-pytorch /path/to/port    # on a machine with network
    python benchmarks/port_step.py --port-dir /path/to/port --resolution 32 --batch 32

The port (rosinality/style-based-gan-pytorch) is not a dependency and nothing of it is in this repository: this
script imports the `model` module from --port-dir and runs, with random images in place of a data loader, the
work of one iteration of the port's `train.py --loss r1 --mixing` (its default n_critic 1), stable at
--resolution (alpha 1):
  D: softplus(-D(real)) backward, then R1 = 10/2 * mean |grad_real D|^2 through a double backward, then
     softplus(D(G(z1))) backward, Adam step;
  G: softplus(-D(G(z2))) backward, Adam step (the mapping network at 0.01x lr), running-average update;
  z1, z2 are pairs of latents (style mixing) with probability 0.9.
Compare with `python benchmarks/cpu_step_variants.py --resolution R --batch B --variants fast` in the same
session. Prints ms per step and images per second (median of --steps after --warmup) and the CPU time per step.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import math
import random
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F


def load_port(port_dir: Path):
    path = port_dir / "model.py"
    if not path.is_file():
        sys.exit(f"port_step: no model.py in {port_dir} (clone rosinality/style-based-gan-pytorch there first)")
    spec = importlib.util.spec_from_file_location("port_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def latents(batch: int, code: int = 512):
    if random.random() < 0.9:
        return [torch.randn(batch, code), torch.randn(batch, code)]
    return torch.randn(batch, code)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port-dir", type=Path, required=True, help="a checkout of rosinality/style-based-gan-pytorch")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--warmup", type=int, default=1)
    args = p.parse_args()
    port = load_port(args.port_dir)
    torch.manual_seed(0)
    random.seed(0)
    step = int(math.log2(args.resolution)) - 2
    G, D = port.StyledGenerator(512), port.Discriminator()
    G_running = copy.deepcopy(G).eval()
    g_opt = torch.optim.Adam(G.generator.parameters(), lr=1e-3, betas=(0.0, 0.99))
    g_opt.add_param_group({"params": G.style.parameters(), "lr": 1e-5})
    d_opt = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.99))
    g_params, r_params = dict(G.named_parameters()), dict(G_running.named_parameters())

    def iteration():
        for q in G.parameters():
            q.requires_grad_(False)
        for q in D.parameters():
            q.requires_grad_(True)
        D.zero_grad()
        real = (torch.rand(args.batch, 3, args.resolution, args.resolution) * 2 - 1).requires_grad_(True)
        real_loss = F.softplus(-D(real, step=step, alpha=1)).mean()
        real_loss.backward(retain_graph=True)
        (grad_real,) = torch.autograd.grad(real_loss.sum(), real, create_graph=True)
        r1 = 10 / 2 * (grad_real.view(args.batch, -1).norm(2, dim=1) ** 2).mean()
        r1.backward()
        z1, z2 = latents(args.batch), latents(args.batch)
        F.softplus(D(G(z1, step=step, alpha=1), step=step, alpha=1)).mean().backward()
        d_opt.step()
        G.zero_grad()
        for q in G.parameters():
            q.requires_grad_(True)
        for q in D.parameters():
            q.requires_grad_(False)
        F.softplus(-D(G(z2, step=step, alpha=1), step=step, alpha=1)).mean().backward()
        g_opt.step()
        with torch.no_grad():
            for k, v in r_params.items():
                v.mul_(0.999).add_(g_params[k], alpha=0.001)

    for _ in range(args.warmup):
        iteration()
    times, cpu = [], []
    for _ in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        iteration()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    dt = statistics.median(times)
    print(f"port (rosinality): {args.resolution} px, batch {args.batch}, fp32, R1 every step, mixing 0.9: "
          f"{dt * 1000:.0f} ms/step, {args.batch / dt:.2f} img/s, CPU time {statistics.median(cpu):.1f} s/step "
          f"(CPU {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads)", flush=True)


if __name__ == "__main__":
    main()
