"""Train toy-32 from scratch for two minutes on ToyFaces with the CLI and lay its sample grids side by side.

    python benchmarks/train_two_minutes.py [--minutes 2] [--out docs/figures/toy32-two-minutes.png]

Prints how far the run got (kimg, resolution) and writes one picture: the EMA generator's samples for the same
16 seeds at every snapshot (every 2 kimg), captioned with the kimg. The ToyFaces cache is built first, outside
the timed run.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--minutes", type=float, default=2.0)
parser.add_argument("--out", default="docs/figures/toy32-two-minutes.png")
parser.add_argument("--every", type=int, default=1, help="keep every k-th sample grid")
args = parser.parse_args()

from stylegan_edu.data import load_toyfaces  # noqa: E402

load_toyfaces(n=30000, resolution=32, progress=False)
with tempfile.TemporaryDirectory() as tmp:
    run = Path(tmp) / "run"
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "stylegan_edu", "train", "--config", "toy-32", "--out", str(run),
                        "--minutes", str(args.minutes), "--no-progress"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        sys.exit(r.stderr.strip()[-2000:])
    last = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    print(r.stdout.strip().splitlines()[-1])
    print(f"wall {wall:.0f} s (training {args.minutes:g} min); reached kimg {last['kimg']:.1f} at "
          f"{last['resolution']} px, alpha {last['alpha']:.2f}, {last['img_per_s']:.0f} img/s at the end")
    grids = sorted(run.glob("samples-*.png"))[:: args.every]
    tiles = [Image.open(p).convert("RGB") for p in grids]
w, h = tiles[0].size
caption = 16
sheet = Image.new("RGB", (len(tiles) * (w + 6), h + caption), "white")
draw = ImageDraw.Draw(sheet)
for i, (tile, path) in enumerate(zip(tiles, grids)):
    sheet.paste(tile, (i * (w + 6), caption))
    draw.text((i * (w + 6) + 4, 2), f"kimg {int(path.stem.split('-')[1]) / 1000:.1f}", fill="black")
Path(args.out).parent.mkdir(parents=True, exist_ok=True)
sheet.save(args.out)
print(f"{len(tiles)} sample grids -> {args.out}")
