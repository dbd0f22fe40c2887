"""`stylegan-edu metrics`: FID, KID, precision/recall, PPL and linear separability of a trained generator."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from stylegan_edu.cli_ckpt import add_amp_argument, add_ckpt_arguments, add_compile_argument
from stylegan_edu.cli_types import number, seed_int


def add_parser(subparsers) -> None:
    from stylegan_edu.metrics.run import FEATURES, METRICS, PPL_DISTANCES

    p = subparsers.add_parser(
        "metrics", help="FID/KID, PPL, linear separability, precision/recall of a generator",
        description="Measure a trained generator by the official recipes and print one JSON object. attrs: "
                    "total variation between the histograms of ToyFaces attributes read off generated and real "
                    "faces (skin tone, hair colour, glasses in metrics; every reliably read one in details). With "
                    "--features toy (the offline default) the numbers come from the shipped ToyFaces feature "
                    "network and are labelled *_toy; --features inception needs the FID Inception weights "
                    "file (see `stylegan_edu.metrics.weights`).")
    add_ckpt_arguments(p)
    p.add_argument("--metrics", default="fid", help=f"comma-separated, from: {','.join(METRICS)} (default fid)")
    p.add_argument("--num", type=number(2, integer=True), default=50_000,
                   help="samples per metric, >= 2 (official 50000)")
    p.add_argument("--ppl-num", type=number(2, integer=True), default=None,
                   help="PPL pairs (default --num; official 100000)")
    p.add_argument("--ls-num", type=number(2, integer=True), default=None,
                   help="separability samples (default --num; official 200000)")
    p.add_argument("--features", choices=FEATURES, default="toy", help="feature network for fid/kid/pr")
    p.add_argument("--inception-resize", choices=("tf1", "pytorch-fid"), default="tf1",
                   help="how --features inception resizes to 299 px: tf1 (the official graph's, default) or "
                        "pytorch-fid (half-pixel centres)")
    p.add_argument("--ppl-distance", choices=PPL_DISTANCES, default="auto",
                   help="lpips, toy, or auto = lpips when its weight files are found (default)")
    p.add_argument("--weights", default=None, metavar="PATH",
                   help="folder or file of the standard weights (default: $STYLEGAN_EDU_WEIGHTS, then the cache)")
    p.add_argument("--real-floor", action="store_true",
                   help="also measure fid/kid/pr/attrs between two disjoint sets of --num real images (the best "
                        "any generator can score with that many samples); printed as real_floor")
    p.add_argument("--data", default="toyfaces", metavar="DATA",
                   help="real images for fid/kid/pr/attrs: toyfaces (default), toyfaces-detail (ToyFaces with "
                        "stochastic detail, for a model trained on them), a prepared dataset folder, or a "
                        "folder of .jpg/.png/.webp files read as they are (cropped and resized as `prepare` does)")
    p.add_argument("--workers", type=number(0, integer=True), default=None,
                   help="processes decoding a --data folder of image files (default: one per CPU core, at most 8; "
                        "0: in this process)")
    p.add_argument("--batch", type=number(2, integer=True), default=64, help="images at once, >= 2 (default 64)")
    p.add_argument("--seed", type=seed_int(), default=0, help="in [0, 2**32-1] (default 0)")
    p.add_argument("--no-progress", action="store_true")
    add_compile_argument(p)
    add_amp_argument(p)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from stylegan_edu.errors import UsageError
    from stylegan_edu.metrics.run import REAL_METRICS, compute_metrics, parse_metrics
    from stylegan_edu.metrics.weights import WeightsError
    from stylegan_edu.cli_ckpt import generator_from_args, report_compile

    try:
        names = parse_metrics(args.metrics)
    except ValueError as e:
        raise UsageError(str(e)) from None
    G = generator_from_args(args)
    dataset = None
    if any(m in REAL_METRICS for m in names):
        from stylegan_edu.data import DataError, load_toyfaces, open_dataset, open_image_files
        from stylegan_edu.data.cache import MANIFEST
        from stylegan_edu.data.generate import DATA_NAMES
        try:
            if args.data in DATA_NAMES:
                dataset = load_toyfaces(n=max(args.num * (2 if args.real_floor else 1), 30_000),
                                        resolution=G.cfg.resolution,
                                        progress=not args.no_progress, detail=DATA_NAMES[args.data])
            elif (Path(args.data) / MANIFEST).exists():  # a prepared cache (open_dataset checks it is complete)
                dataset = open_dataset(args.data)
            else:
                dataset = open_image_files(args.data, G.cfg.resolution, args.workers)
        except DataError as e:
            raise UsageError(str(e)) from None
        if G.cfg.resolution not in dataset.resolutions:
            raise UsageError(f"{args.data} has resolutions {dataset.resolutions}, the generator makes "
                             f"{G.cfg.resolution} px")
    t0 = time.perf_counter()
    try:
        out = compute_metrics(G, names, dataset=dataset, num=args.num, features=args.features,
                              weights=args.weights, ppl_distance=args.ppl_distance, ppl_num=args.ppl_num,
                              ls_num=args.ls_num, batch_size=args.batch, seed=args.seed,
                              progress=not args.no_progress, inception_resize=args.inception_resize,
                              real_floor=args.real_floor)
    except (WeightsError, FileNotFoundError, ValueError) as e:
        raise UsageError(str(e).splitlines()[0]) from None
    report_compile(G)
    out.update(ckpt=args.ckpt, device=str(G.w_avg.device), total_seconds=round(time.perf_counter() - t0, 1))
    dropped = out["details"].get("ls_dropped_attributes")
    if dropped:
        sys.stderr.write(f"linear separability left out {', '.join(dropped)}: the feature network reads them "
                         f"below 80 % accuracy (details.ls_dropped_attributes)\n")
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0
