"""How a ToyFaces run's samples improve from snapshot to snapshot: FID, precision / recall and the spread of the
generated faces in the ToyFaces feature network's space, with a few thousand samples (quick, and comparable
only with itself: the model card's 10,000-sample figures come from `stylegan-edu metrics`).

    python benchmarks/snapshot_trend.py RUN/snapshot-000300000.pt RUN/snapshot-000380000.pt [--num 2000] \
        [--data toyfaces-detail]

One line per snapshot and network (G_ema, and G with --raw): fid_toy, precision and recall with k = 3 (the
metric's) and recall with k = 10 (less harsh, so it moves earlier), the median distance of a generated face to
its 3rd nearest generated neighbour, and the total variance of the generated features (the reals' is printed
first). The real features are computed once per run of the script (seed 0, the first --num of a random order).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from stylegan_edu.configs import ModelConfig
from stylegan_edu.data import load_toyfaces
from stylegan_edu.data.generate import DATA_NAMES
from stylegan_edu.generator import Generator
from stylegan_edu.metrics.fid import fid_from_features
from stylegan_edu.metrics.precision_recall import manifold_radii, precision_recall
from stylegan_edu.metrics.run import generated_features, real_features
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.train.checkpoint import load_snapshot


def _networks(path: Path, raw: bool):
    state = load_snapshot(path)
    for key in ("G_ema", "G") if raw else ("G_ema",):
        G = Generator(ModelConfig.from_dict(state["model_config"]))
        G.load_state_dict(state[key])
        yield key, G.eval().requires_grad_(False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("snapshots", nargs="+", type=Path)
    p.add_argument("--num", type=int, default=2000, help="generated and real faces each (default 2000)")
    p.add_argument("--raw", action="store_true", help="also the training generator G, not only G_ema")
    p.add_argument("--data", choices=sorted(DATA_NAMES), default="toyfaces",
                   help="the reals: the data the run trained on (default toyfaces)")
    args = p.parse_args()

    net = load_toy_features()
    t0 = time.perf_counter()
    real = real_features(load_toyfaces(n=30000, detail=DATA_NAMES[args.data]), net, args.num, 64, progress=False)
    real_radius = manifold_radii(torch.tensor(real), 3, 10000).median().item()
    print(f"reals: {args.num} faces, 3-NN radius {real_radius:.2f}, total feature variance {real.var(0).sum():.1f}",
          flush=True)
    for path in args.snapshots:
        for key, G in _networks(path, args.raw):
            fake = generated_features(G, net, args.num, progress=False)
            pr3, pr10 = precision_recall(real, fake), precision_recall(real, fake, k=10)
            radius = manifold_radii(torch.tensor(fake), 3, 10000).median().item()
            print(f"{path.parent.name}/{path.name} {key:5s} fid_toy {fid_from_features(real, fake):6.2f}  precision "
                  f"{pr3['precision']:.3f}  recall {pr3['recall']:.3f}  recall(k=10) {pr10['recall']:.3f}  "
                  f"3-NN radius {radius:.2f}  variance {fake.var(0).sum():.1f}", flush=True)
    print(f"{time.perf_counter() - t0:.0f} s on {torch.get_num_threads()} thread(s)")


if __name__ == "__main__":
    main()
