"""Attribute editing along W directions on the shipped model, read back with the ToyFaces feature network.

    .venv/bin/python benchmarks/editing_table.py [--faces 200] [--level coarse|middle|fine|own] [--half-range]
        [--floor] [--hold-others] [--json out.json]

For every editable attribute (the feature network's reliable ones): Spearman of the read-back value with the
edit strength, the share of the attribute's range reached within strengths -3..3, the mean and worst movement of
the other attributes, and the worst one's movement without and with conditional editing (stylegan_edu.editing).
Prints figures; not a pass/fail test. The directions come from the cache (computed on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stylegan_edu import pretrained  # noqa: E402
from stylegan_edu.cli_types import positive_int  # noqa: E402
from stylegan_edu.editing import (STRENGTHS, cached_directions, format_table, measure_editing,  # noqa: E402
                                  measure_reader_floor)
from stylegan_edu.metrics.toy_features import load_toy_features  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ckpt", default="toyfaces-64")
    p.add_argument("--faces", type=positive_int(), default=200)
    p.add_argument("--level", choices=("coarse", "middle", "fine", "own"), default=None, help="edit only these layers; own: each attribute on its own ToyFaces level's layers")
    p.add_argument("--threads", type=positive_int(), default=1)
    p.add_argument("--json", type=Path, default=None, help="also write the full result here")
    p.add_argument("--half-range", action="store_true",
                   help="also edit each face to the strength that covers half the attribute's range and read it again")
    p.add_argument("--floor", action="store_true",
                   help="also the reader's floor: real ToyFaces changed in one attribute only, read back")
    p.add_argument("--hold-others", action="store_true",
                   help="edit along each direction conditioned on every other editable attribute")
    p.add_argument("--attributes", default=None, help="comma-separated subset (default: every editable one)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    G, reader = pretrained.load(args.ckpt), load_toy_features()
    t0 = time.perf_counter()
    dirs = cached_directions(G, reader, progress=True)
    t1 = time.perf_counter()
    attrs = args.attributes.split(",") if args.attributes else None
    m = measure_editing(G, reader, dirs, num_faces=args.faces, strengths=STRENGTHS, attributes=attrs,
                        layers=args.level, half_range=args.half_range, hold_others=args.hold_others,
                        progress=True)
    t2 = time.perf_counter()
    print(format_table(m))
    print(f"\n{args.ckpt}, {args.threads} thread(s), directions {t1 - t0:.0f} s (cached if ~0), measurement "
          f"{t2 - t1:.0f} s, load average {os.getloadavg()[0]:.1f}")
    if args.floor:
        f = measure_reader_floor(reader, list(m["attributes"]), num_faces=args.faces)
        m["reader_floor"] = f
        print(f"\nthe reader's floor: {f['num_faces']} real ToyFaces (numbers {f['seed']}-), one attribute "
              f"changed over the middle {f['cover']:g} of its range (a binary one: 0 to 1), every attribute read back")
        print(f"{'attribute':<15}{'reached':>8}{'others':>7}  worst other")
        for name, e in f["attributes"].items():
            print(f"{name:<15}{e['reached']:>8.2f}{e['others_mean']:>7.2f}  {e['others_worst']} "
                  f"{e['others_worst_moved']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(m, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
