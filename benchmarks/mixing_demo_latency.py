"""How long the lesson-06 style-mixing demo takes to answer a control, in the kernel (target: < 0.5 s on CPU).

    python benchmarks/mixing_demo_latency.py [--moves 20] [--threads N]

Builds `mixing_demo` on the shipped 64 px ToyFaces model and moves its controls in turn (seeds, level buttons,
the layer range, psi, noise), timing each callback: render three faces, encode the PNG, update the widget.
The full browser round trip (click to new picture in Chromium) is measured by tests/test_browser.py.
"""

import argparse
import statistics
import time

import torch

from stylegan_edu import pretrained
from stylegan_edu.demos import mixing_demo

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--moves", type=int, default=20)
parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)

G = pretrained.load("toyfaces-64")
box = mixing_demo(G, seed_a=101, seed_b=201)
a, b, levels, span, psi, noise = box.children[0].children
picture = box.children[1].children[0]
moves = [
    lambda i: setattr(a, "value", 101 + i), lambda i: setattr(b, "value", 201 + i),
    lambda i: setattr(levels, "value", ("middle", "fine", "coarse")[i % 3]),
    lambda i: setattr(psi, "value", round(0.4 + 0.02 * i, 2)),
    lambda i: setattr(noise, "value", round(0.1 * (i % 10 + 1), 1)),
]  # each move sets a value different from the current one, so every move renders
times = []
for i in range(args.moves):
    old = picture.value
    t0 = time.perf_counter()
    moves[i % len(moves)](i + 1)
    times.append(time.perf_counter() - t0)
    assert picture.value != old, "a move did not change the picture"
print("per move (ms):", [round(t * 1000) for t in times])
print(f"mixing demo callback, {args.moves} moves, torch threads {torch.get_num_threads()}: "
      f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
