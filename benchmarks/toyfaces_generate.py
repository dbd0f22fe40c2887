"""Time to build the ToyFaces cache: 30,000 faces at 64 px plus 32, 16, 8 and 4 px, into a fresh temp folder.

    python benchmarks/toyfaces_generate.py [--n 30000] [--resolution 64] [--workers 2] [--repeat 1] [--hash]

Besides the wall time it prints the CPU time of this process and its workers together: on a
machine shared with other jobs the wall time mostly measures them, while CPU seconds / cores
still estimates the wall time on an idle machine. --hash prints a digest of the cache files
(images and attributes), to check that a change to the renderer left every pixel as it was.
"""

import argparse
import hashlib
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from stylegan_edu.data import build_toyfaces, open_dataset

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=30000)
parser.add_argument("--resolution", type=int, default=64)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--repeat", type=int, default=1, help="builds to time; the medians are printed")
parser.add_argument("--hash", action="store_true", help="print a sha256 of the cache files of the last build")
args = parser.parse_args()


def cpu_seconds():
    """User + system time of this process and of its finished children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


walls, cpus = [], []
for _ in range(args.repeat):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "toyfaces"
        t0, c0 = time.perf_counter(), cpu_seconds()
        build_toyfaces(args.n, args.resolution, out, workers=args.workers, progress=False)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        ds = open_dataset(out)
        size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
        if args.hash:
            digest = hashlib.sha256()
            for f in sorted(out.glob("*.npy")):
                digest.update(f.name.encode() + f.read_bytes())
    print(f"  build {len(walls)}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU", flush=True)
seconds, cpu = statistics.median(walls), statistics.median(cpus)
print(f"cpus: {os.cpu_count()}, workers: {args.workers}, load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
print(f"built {len(ds)} ToyFaces at {ds.resolutions} px ({size:.0f} MiB) in {seconds:.1f} s "
      f"({1000 * seconds / args.n:.2f} ms per face; median of {len(walls)})")
print(f"CPU time (this process and its workers): {cpu:.1f} s ({1000 * cpu / args.n:.2f} ms per face)")
if args.hash:
    print(f"sha256 of the cache files: {digest.hexdigest()}")
