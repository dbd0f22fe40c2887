"""Time to load the shipped ToyFaces generator on the CPU and draw its first faces (the target is under 1 s).

    python benchmarks/pretrained_load.py [--name toyfaces-64] [--repeats 5]

Each repeat runs in a fresh Python process, so it includes reading the file and building the network (not the
`import torch` itself, which is printed separately).
"""

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import torch
import stylegan_edu.pretrained as pretrained
from stylegan_edu.generator import z_from_seeds
t1 = time.perf_counter()
G = pretrained.load(sys.argv[1])
t2 = time.perf_counter()
with torch.no_grad():
    G(z_from_seeds(range(16), G.cfg.latent_size), truncation_psi=0.7, noise_mode="const")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_16_faces": t3 - t2}))
"""

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--name", default="toyfaces-64")
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

runs = []
for _ in range(args.repeats):
    out = subprocess.run([sys.executable, "-c", CHILD, args.name], capture_output=True, text=True, check=True)
    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
for key in ("import", "load", "first_16_faces"):
    vals = sorted(r[key] for r in runs)
    print(f"{key:>15}: median {1000 * vals[len(vals) // 2]:7.1f} ms   (min {1000 * vals[0]:.1f}, "
          f"max {1000 * vals[-1]:.1f}) over {len(vals)} fresh processes")
