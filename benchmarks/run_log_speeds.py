"""Median training speed and losses per resolution (and per phase) from a run's log.jsonl, the figures the
model card and docs/benchmarks.md quote for a training run.

    python benchmarks/run_log_speeds.py /work/runs/toy64-v5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path


def phase_medians(records: list[dict]) -> list[dict]:
    """One row per (resolution, stable/fade) phase in the order met: kimg range, median img/s and losses."""
    rows: list[dict] = []
    for r in records:
        if "img_per_s" not in r:
            continue  # events (precision, resume, ...)
        key = (r["resolution"], "stable" if r["alpha"] >= 1 else "fade")
        if not rows or rows[-1]["key"] != key:
            rows.append({"key": key, "kimg": [r["kimg"], r["kimg"]], "speed": [], "loss_D": [], "loss_G": []})
        row = rows[-1]
        row["kimg"][1] = r["kimg"]
        row["speed"].append(r["img_per_s"])
        row["loss_D"].append(r["loss_D"])
        row["loss_G"].append(r["loss_G"])
    return [{"resolution": row["key"][0], "phase": row["key"][1], "kimg_from": row["kimg"][0],
             "kimg_to": row["kimg"][1], "median_img_per_s": statistics.median(row["speed"]),
             "median_loss_D": statistics.median(row["loss_D"]), "median_loss_G": statistics.median(row["loss_G"]),
             "records": len(row["speed"])} for row in rows]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", help="a run folder (or its log.jsonl)")
    args = p.parse_args(argv)
    path = Path(args.run)
    path = path / "log.jsonl" if path.is_dir() else path
    if not path.is_file():
        print(f"error: {path} not found", file=sys.stderr)
        return 2
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = phase_medians(records)
    print(f"{'res':>4} {'phase':6} {'kimg':>15} {'img/s':>7} {'loss_D':>7} {'loss_G':>7}")
    for r in rows:
        print(f"{r['resolution']:4d} {r['phase']:6} {r['kimg_from']:7.1f}-{r['kimg_to']:7.1f} "
              f"{r['median_img_per_s']:7.1f} {r['median_loss_D']:7.3f} {r['median_loss_G']:7.3f}")
    by_res: dict[int, list[float]] = {}
    for r in records:
        if "img_per_s" in r:
            by_res.setdefault(r["resolution"], []).append(r["img_per_s"])
    print("median img/s per resolution: " + ", ".join(f"{res} px {statistics.median(v):.0f}"
                                                       for res, v in sorted(by_res.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
