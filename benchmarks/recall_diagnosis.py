"""Why recall_toy is low: precision/recall in the ToyFaces reader's attribute space, and how the samples'
attributes spread and correlate, against real ToyFaces (issue 15).

    .venv/bin/python benchmarks/recall_diagnosis.py [--ckpt toyfaces-64 ...] [--num 5000] [--data toyfaces]
    .venv/bin/python benchmarks/recall_diagnosis.py --simulate [--num 5000]
    .venv/bin/python benchmarks/recall_diagnosis.py --png pair.png   # also: the most changed pair, seen

For each checkpoint: `num` samples (no truncation, random noise, as the metrics draw them) and `num` real faces,
plus a second disjoint set of `num` reals for the floor, all read by the ToyFaces feature network. Prints

- precision / recall (k = 3, Kynkaenniemi et al. 2019) in the network's feature space (what `recall_toy`
  measures) and in the space of the 17 reliable attribute values (standardised), each beside the real-vs-real
  floor: if recall is low in the attribute space too, the samples miss combinations of attributes, not only
  textures the attributes do not describe;
- per attribute, the samples' standard deviation over the reals' (1: the same spread);
- the participation ratio of the attributes' covariance, (sum of eigenvalues)^2 / sum of squared eigenvalues:
  about 17 for 17 independent attributes of equal spread, less when the samples fill a thinner slice;
- the mean |correlation| between different attributes and the pairs whose correlation differs most from the
  reals' (ToyFaces draws every attribute independently, so the reals' are near 0);
- the median distance to the 3rd nearest neighbour within each set (a denser set has smaller balls, so fewer
  reals fall inside the samples' balls: recall falls).

--png FILE: for the first checkpoint, of its first 1,024 samples (the same draws) the eight lowest and the
eight highest in the first attribute of the most changed pair, each row labelled with the mean of both.

--mixed: also the same figures for style-mixed samples, drawn as the training loop shows them to D in 90 % of
its minibatches (each batch of 64 mixed with fresh z at one random crossover layer): if recall is much higher
there, the single-w samples' couplings are ones a D trained mostly on mixed images rarely sees.

--simulate: the same precision / recall for uniform stand-ins instead (17 independent attributes, some of the
samples' dimensions shrunk), to see how much a narrower spread alone lowers recall.

Prints figures; not a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stylegan_edu.cli_types import positive_int  # noqa: E402


def participation_ratio(x: torch.Tensor) -> float:
    e = torch.linalg.eigvalsh(torch.cov(x.T))
    return float(e.sum() ** 2 / (e ** 2).sum())


def simulate(num: int) -> None:
    from stylegan_edu.metrics.precision_recall import precision_recall

    g = torch.Generator().manual_seed(0)
    real = torch.rand(num, 17, generator=g, dtype=torch.float64) * 2 - 1
    print(f"{num} uniform reals in [-1, 1]^17 against {num} uniform samples with some dimensions shrunk:")
    for shrink, dims in ((1.0, 0), (0.9, 7), (0.8, 7), (0.7, 7), (0.7, 3), (0.5, 2)):
        fake = torch.rand(num, 17, generator=g, dtype=torch.float64) * 2 - 1
        fake[:, :dims] *= shrink
        pr = precision_recall(real, fake)
        print(f"  {dims:>2} of 17 dimensions at {shrink:.1f} of the spread: precision {pr['precision']:.3f}, "
              f"recall {pr['recall']:.3f}")


@torch.no_grad()
def pair_extremes(G, net, first: str, second: str, num: int = 1024, per_row: int = 8):
    """The `per_row` samples lowest and highest in `first` among the first `num` samples, labelled with the
    unstandardised values of `first` and `second`."""
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES
    from stylegan_edu.metrics.run import _generated
    from stylegan_edu.mixing import label_grid
    from stylegan_edu.viz import image_grid

    images = torch.cat([x for _, x in _generated(G, num, 64, 0, False, "")])
    v = net.attribute_values(images, standardized=False)
    a, b = v[:, ATTRIBUTE_NAMES.index(first)], v[:, ATTRIBUTE_NAMES.index(second)]
    order = a.argsort()
    pick = torch.cat([order[:per_row], order[-per_row:]])
    grid = image_grid(images[pick], columns=per_row, upscale_to=96)
    rows = [f"{name} {first} {float(a[r].mean()):+.2f}, {second} {float(b[r].mean()):.2f}"
            for name, r in (("lowest", pick[:per_row]), ("highest", pick[per_row:]))]
    return label_grid(grid, rows=rows, title=f"of {num} samples, the {per_row} lowest and highest in {first} "
                                             f"(row means of the reader's values)", font_size=11)


@torch.no_grad()
def mixed_features(G, net, num: int, batch: int = 64, seed: int = 0) -> torch.Tensor:
    """Features of `num` samples, every batch style-mixed (style_mixing_prob 1: a second z and a random crossover
    per batch, as `Trainer.step` draws them), no truncation, random noise, rounded to 8 bits as the metrics are."""
    from stylegan_edu.viz import quantize

    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # noise images and the mixing draws inside G
    out = []
    for start in range(0, num, batch):
        z = torch.randn(min(batch, num - start), G.cfg.latent_size, generator=gen)
        out.append(net(quantize(G(z, style_mixing_prob=1.0, noise_mode="random"))).double())
    return torch.cat(out)


def main() -> int:
    from stylegan_edu import pretrained
    from stylegan_edu.data import load_toyfaces
    from stylegan_edu.data.generate import DATA_NAMES
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES
    from stylegan_edu.metrics.precision_recall import manifold_radii, precision_recall
    from stylegan_edu.metrics.run import generated_features, real_features
    from stylegan_edu.metrics.toy_features import load_toy_features, reliable_attributes

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ckpt", action="append", default=None, help="name or path (repeatable; default toyfaces-64)")
    p.add_argument("--num", type=positive_int(), default=5000)
    p.add_argument("--data", default="toyfaces", choices=sorted(DATA_NAMES))
    p.add_argument("--threads", type=positive_int(), default=1)
    p.add_argument("--top", type=positive_int(), default=3, help="attribute pairs listed (default 3)")
    p.add_argument("--mixed", action="store_true", help="also style-mixed samples, as D sees them (see above)")
    p.add_argument("--simulate", action="store_true", help="uniform stand-ins instead of a model (see above)")
    p.add_argument("--png", type=Path, default=None, help="the most changed pair's extremes, as a labelled grid")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.simulate:
        simulate(args.num)
        return 0
    net = load_toy_features()
    names = reliable_attributes(net, 0.8)
    cols = [ATTRIBUTE_NAMES.index(n) for n in names]

    @torch.no_grad()
    def attrs(features):
        return net.value_head(torch.as_tensor(features).float())[:, cols].double()

    spaces = (("features", lambda x: x), (f"{len(names)} attribute values", attrs))
    reals = {}  # per resolution: the first set of reals and the floor of each space (the same for every ckpt)
    for ckpt in args.ckpt or ["toyfaces-64"]:
        t0 = time.perf_counter()
        G = pretrained.load(ckpt)
        res = G.cfg.resolution
        if res not in reals:
            ds = load_toyfaces(n=max(2 * args.num, 30_000), resolution=res, progress=False,
                               detail=DATA_NAMES[args.data])
            r1 = torch.as_tensor(real_features(ds, net, args.num, res, seed=1, progress=False))
            r2 = torch.as_tensor(real_features(ds, net, args.num, res, seed=1, progress=False, skip=args.num))
            reals[res] = r1, [precision_recall(tr(r1), tr(r2)) for _, tr in spaces]
        r1, floors = reals[res]
        fake = torch.as_tensor(generated_features(G, net, args.num, progress=False))
        mixed = mixed_features(G, net, args.num) if args.mixed else None
        print(f"\n{ckpt}: {args.num} samples against {args.num} real {args.data} at {res} px "
              f"({time.perf_counter() - t0:.0f} s)")
        print(f"{'space':<24}{'samples P / R':>16}{'reals P / R (floor)':>22}"
              + (f"{'style-mixed P / R':>20}" if args.mixed else ""))
        for (space, tr), fl in zip(spaces, floors):
            pr = precision_recall(tr(r1), tr(fake))
            space = f"{space} ({fake.shape[1]}-d)" if space == "features" else space
            line = (f"{space:<24}{pr['precision']:>8.3f} / {pr['recall']:.3f}{fl['precision']:>14.3f} / "
                    f"{fl['recall']:.3f}")
            if mixed is not None:
                pm = precision_recall(tr(r1), tr(mixed))
                line += f"{pm['precision']:>12.3f} / {pm['recall']:.3f}"
            print(line)
        a_r, a_f = attrs(r1), attrs(fake)
        spread = a_f.std(0) / a_r.std(0)
        print("spread (samples' sd / reals'): " + ", ".join(f"{n} {float(s):.2f}" for n, s in zip(names, spread)))
        c_r, c_f = torch.corrcoef(a_r.T), torch.corrcoef(a_f.T)
        off = ~torch.eye(len(names), dtype=torch.bool)
        print(f"participation ratio: samples {participation_ratio(a_f):.1f}, reals {participation_ratio(a_r):.1f} "
              f"(of {len(names)}); mean |correlation| between attributes: samples {c_f[off].abs().mean():.3f}, "
              f"reals {c_r[off].abs().mean():.3f}")
        diff = (c_f - c_r).abs().triu(1)
        pairs = [divmod(int(i), len(names)) for i in diff.flatten().topk(args.top).indices]
        print("most changed pairs (samples / reals): " + "; ".join(
            f"{names[i]} & {names[j]} {float(c_f[i, j]):+.2f} / {float(c_r[i, j]):+.2f}" for i, j in pairs))
        print(f"median 3-NN radius in the attribute space: samples {manifold_radii(a_f, 3, 10_000).median():.2f}, "
              f"reals {manifold_radii(a_r, 3, 10_000).median():.2f}")
        if mixed is not None:
            a_m = attrs(mixed)
            c_m = torch.corrcoef(a_m.T)
            print(f"style-mixed samples: participation ratio {participation_ratio(a_m):.1f}, mean |correlation| "
                  f"{c_m[off].abs().mean():.3f}; the pairs above: " + "; ".join(
                      f"{names[i]} & {names[j]} {float(c_m[i, j]):+.2f}" for i, j in pairs))
        if args.png is not None:
            pair_extremes(G, net, names[pairs[0][0]], names[pairs[0][1]]).save(args.png)
            print(f"wrote {args.png}")
            args.png = None  # the first checkpoint only
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
