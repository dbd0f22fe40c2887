"""Wall time of `stylegan-edu metrics` on this machine (the command a user runs), with its JSON result.

    python benchmarks/metrics_runtime.py [--metrics fid] [--num 10000] [--features toy] [--device cpu]

Runs the command in a fresh process against the shipped ToyFaces model, after building the ToyFaces cache it
reads (so the cache build is not counted), and prints the wall time and the per-stage seconds it reports.
"""

import argparse
import json
import os
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--ckpt", default="toyfaces-64")
parser.add_argument("--metrics", default="fid")
parser.add_argument("--num", type=int, default=10000)
parser.add_argument("--features", default="toy")
parser.add_argument("--device", default="cpu")
parser.add_argument("--batch", type=int, default=64)
args = parser.parse_args()

from stylegan_edu.data import load_toyfaces  # noqa: E402

load_toyfaces(n=max(args.num, 30000), resolution=64, progress=False)  # warm the cache outside the timing
cmd = [sys.executable, "-m", "stylegan_edu", "metrics", "--ckpt", args.ckpt, "--metrics", args.metrics,
       "--num", str(args.num), "--features", args.features, "--device", args.device, "--batch", str(args.batch),
       "--no-progress"]
t0 = time.perf_counter()
out = subprocess.run(cmd, capture_output=True, text=True)
wall = time.perf_counter() - t0
if out.returncode:
    sys.exit(out.stderr.strip())
result = json.loads(out.stdout)
print(f"cpus: {os.cpu_count()}, torch threads: default, device: {args.device}")
print(" ".join(cmd[1:]))
print(f"wall time: {wall:.1f} s; stages: {result['seconds']}")
print(json.dumps(result["metrics"]))
