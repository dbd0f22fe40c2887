"""Time to build the ToyFaces cache: 30,000 faces at 64 px plus 32, 16, 8 and 4 px, into a fresh temp folder.

    python benchmarks/toyfaces_generate.py [--n 30000] [--resolution 64] [--workers 2]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from stylegan_edu.data import build_toyfaces, open_dataset

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=30000)
parser.add_argument("--resolution", type=int, default=64)
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "toyfaces"
    t0 = time.perf_counter()
    build_toyfaces(args.n, args.resolution, out, workers=args.workers, progress=False)
    seconds = time.perf_counter() - t0
    ds = open_dataset(out)
    size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
print(f"cpus: {os.cpu_count()}, workers: {args.workers}")
print(f"built {len(ds)} ToyFaces at {ds.resolutions} px ({size:.0f} MiB) in {seconds:.1f} s "
      f"({1000 * seconds / args.n:.2f} ms per face)")
