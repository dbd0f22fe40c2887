"""`stylegan-edu project`: find the w (or W+) and noise maps that redraw each image (stylegan_edu.projection)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from stylegan_edu.cli_ckpt import add_ckpt_arguments
from stylegan_edu.cli_types import number, positive_int, seed_int


def add_parser(subparsers) -> None:
    from stylegan_edu.projection import DEFAULT_STEPS

    p = subparsers.add_parser(
        "project", help="project images into W or W+ (GAN inversion), writing the w and side-by-side pictures",
        description="Optimise w (one for every layer, or one per layer with --space w+) and the noise maps so the "
                    "generator redraws each image, as StyleGAN2's projector does: start at w_avg, learning-rate "
                    "ramp, decaying jitter on w, noise regularisation. Loss: LPIPS when its weights are on disk, "
                    "else the ToyFaces feature network's distance, plus pixel MSE. Each image is centre-cropped and "
                    "resized as `data prepare` does. Writes NAME-projected.png, NAME-w.pt and NAME-side.png into "
                    "--out.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="JPEG/PNG/WebP files")
    add_ckpt_arguments(p)
    p.add_argument("--out", required=True, help="folder for the results (created if missing)")
    p.add_argument("--space", choices=("w", "w+"), default="w", help="w: one w for all layers (default); "
                   "w+: one per layer")
    p.add_argument("--steps", type=positive_int(100_000), default=DEFAULT_STEPS,
                   help=f"optimisation steps per image (default {DEFAULT_STEPS}: about 12 s for a 64 px image on one "
                        "free CPU core)")
    p.add_argument("--mse-weight", type=number(0, 1e6), default=1.0,
                   help="weight of the pixel MSE next to the perceptual distance (default 1)")
    p.add_argument("--seed", type=seed_int(), default=0, help="seed of the initial noise maps and jitter (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object per image instead of the file names")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from stylegan_edu.errors import UsageError
    from stylegan_edu.metrics.toy_features import ToyFeaturesError
    from stylegan_edu.projection import load_image, perceptual_distance, project, psnr, save_projection
    from stylegan_edu.cli_ckpt import generator_from_args

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    G = generator_from_args(args)
    r = G.cfg.resolution
    targets = []
    for path in args.images:  # read every image first: a bad file stops the run before any work is done
        try:
            targets.append(load_image(path, r))
        except ValueError as e:
            raise UsageError(f"cannot project {e}") from None
    stems = [Path(p).stem for p in args.images]
    if len(set(stems)) != len(stems):
        raise UsageError("two images have the same file name; their results would overwrite each other")
    try:
        distance, name = perceptual_distance(r, G.w_avg.device)
    except ToyFeaturesError as e:
        raise UsageError(str(e)) from None
    for path, stem, target in zip(args.images, stems, targets):
        t0 = time.perf_counter()
        res = project(G, target, space=args.space, steps=args.steps, distance=distance, mse_weight=args.mse_weight,
                      seed=args.seed, progress=not args.no_progress, desc=stem)
        res["distance_name"] = name
        seconds = time.perf_counter() - t0
        files = save_projection(out, stem, target, res)
        if args.json:
            json.dump({"image": str(path), "projected": str(files[0]), "w": str(files[1]), "side": str(files[2]),
                       "space": args.space, "steps": args.steps, "distance": name,
                       "psnr": round(float(psnr(target, res["image"].cpu())[0]), 3),
                       "loss": round(float(res["loss"][0]), 5), "seconds": round(seconds, 1)}, sys.stdout)
            sys.stdout.write("\n")
        else:
            print("\n".join(str(f) for f in files))
    return 0
