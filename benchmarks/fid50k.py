"""Wall-clock time of a whole FID-50k: generated features, real features read from a folder of JPEG files, and
the Fréchet distance.

    python benchmarks/fid50k.py --prepare-only --prepare-workers 16                      # the reals, untimed
    python benchmarks/fid50k.py --device cuda --compile --amp bf16 --workers 14        # ffhq-1024, 1024 px
    python benchmarks/fid50k.py --config toy-32 --num 256 --features toy --workers 2   # a CPU dry run

Step 1 (untimed, reported apart): unless --reals already holds them, write --num JPEG files (quality 90) at the
generator's resolution: ToyFaces drawn at 64 px and enlarged with PIL, cheap smooth pictures whose decoding costs
what a photo of the same size costs. A pool of --prepare-workers processes writes them; a hidden marker file
says the folder is complete.

Step 2 (timed): the FID as `stylegan-edu metrics --data FOLDER` computes it: --num generated images through the
feature network (run.generated_features), --num real images decoded from the folder by --workers processes
(data.image_files through run.real_features), then the statistics and the Fréchet distance. A warm-up first
(timed apart) compiles G for both batch sizes it meets when --compile is on, and lets cuDNN choose its kernels.
Without --ckpt the generator has fresh weights, and without --weights so does Inception: the times are those of
the real thing, the FID value printed means nothing then and is labelled so.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from stylegan_edu.amp_generator import AMP_MODES, amp_generator
from stylegan_edu.cli_ckpt import COMPILE_MODES
from stylegan_edu.data import default_cache_root, open_image_files, render_seed
from stylegan_edu.data.image_files import default_workers
from stylegan_edu.generator import Generator
from stylegan_edu.metrics.fid import FRECHET_METHODS, feature_statistics, frechet_distance
from stylegan_edu.metrics.run import generated_features, load_features, real_features

DONE = ".complete"  # hidden: the image-folder reader skips it


def _write_jpeg(task) -> None:
    i, resolution, folder = task
    face, _ = render_seed(i, 64)
    Image.fromarray(face).resize((resolution, resolution), Image.Resampling.BICUBIC).save(
        folder / f"{i:06d}.jpg", quality=90)


def prepare_reals(folder: Path, num: int, resolution: int, workers: int) -> float:
    """Write the JPEG folder unless it is complete already; the seconds it took (0 when it was there)."""
    if (folder / DONE).exists():
        return 0.0
    t0 = time.perf_counter()
    tmp = folder.with_name(folder.name + ".partial")  # renamed into place at the end: never a half folder
    tmp.mkdir(parents=True, exist_ok=True)
    tasks = [(i, resolution, tmp) for i in range(num) if not (tmp / f"{i:06d}.jpg").exists()]
    with multiprocessing.get_context().Pool(workers) as pool:
        for _ in pool.imap_unordered(_write_jpeg, tasks, chunksize=64):
            pass
    (tmp / DONE).write_text(f"{num} ToyFaces JPEG files at {resolution} px\n")
    tmp.rename(folder)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="ffhq-1024", help="generator config when no --ckpt is given")
    p.add_argument("--ckpt", default=None, help="a checkpoint or shipped model name (default: fresh weights)")
    p.add_argument("--features", choices=("inception", "toy"), default="inception")
    p.add_argument("--weights", default=None, help="the Inception weights file (default: fresh weights)")
    p.add_argument("--num", type=int, default=50_000, help="generated and real images each (default 50000)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--reals", default=None, metavar="FOLDER",
                   help="the JPEG folder (default: <cache root>/fid-reals-N<num>-r<resolution>, made if missing)")
    p.add_argument("--workers", type=int, default=default_workers(), help="processes decoding the reals")
    p.add_argument("--prepare-workers", type=int, default=os.cpu_count(), help="processes writing the JPEGs")
    p.add_argument("--prepare-only", action="store_true", help="write the JPEG folder (if missing) and stop")
    p.add_argument("--compile", nargs="?", const="default", default=None, choices=COMPILE_MODES, metavar="MODE")
    p.add_argument("--amp", choices=AMP_MODES, default="none", help="the generator's precision (Inception: fp32)")
    p.add_argument("--frechet", choices=FRECHET_METHODS, default="eigh", help="how the Fréchet distance is computed")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()

    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if args.ckpt:
        from stylegan_edu import pretrained
        G = pretrained.load(args.ckpt, device=device)
    else:
        torch.manual_seed(0)  # fresh weights, the same in every run
        G = Generator(args.config).eval().requires_grad_(False).to(device)
    res = G.cfg.resolution
    folder = Path(args.reals) if args.reals else default_cache_root() / f"fid-reals-N{args.num}-r{res}"
    prep = prepare_reals(folder, args.num, res, args.prepare_workers)
    if args.prepare_only:
        print(f"reals: {args.num} JPEG files in {folder}, "
              + (f"written in {prep:.1f} s" if prep else "already there"))
        return 0
    if args.compile:
        from stylegan_edu.compiled import compile_generator
        G = compile_generator(G, args.compile)
    G = amp_generator(G, args.amp)  # after compiling is fine: compiling happens at the first call
    if args.features == "inception" and not args.weights:
        from stylegan_edu.metrics.inception import FIDInceptionV3
        net = FIDInceptionV3().eval().requires_grad_(False).to(device)
    else:
        net, _ = load_features(args.features, args.weights, device)

    reals = open_image_files(folder, res, args.workers)

    t0 = time.perf_counter()  # every batch size the timed part meets: the full batches and the last one
    generated_features(G, net, args.batch + args.num % args.batch, args.batch, seed=99, progress=False)
    sync()
    warm = time.perf_counter() - t0

    t0 = time.perf_counter()
    fake = generated_features(G, net, args.num, args.batch, seed=0, progress=False)
    sync()
    t1 = time.perf_counter()
    real = real_features(reals, net, args.num, res, args.batch, seed=1, progress=False, device=device)
    sync()
    t2 = time.perf_counter()
    (mu_r, s_r), (mu_f, s_f) = feature_statistics(real), feature_statistics(fake)
    fid = frechet_distance(mu_r, s_r, mu_f, s_f, method=args.frechet)
    t3 = time.perf_counter()

    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU x{torch.get_num_threads()}"
    fresh_net = args.features == "inception" and not args.weights
    print(f"{where}, {os.cpu_count()} CPU cores, torch {torch.__version__}; G {args.ckpt or args.config} "
          f"{'' if args.ckpt else '(fresh weights) '}at {res} px, amp {args.amp}, compile {args.compile}, batch "
          f"{args.batch}; features {args.features}{' (fresh weights)' if fresh_net else ''}")
    print(f"reals: {len(reals)} JPEG files in {folder}, "
          + (f"written in {prep:.1f} s (untimed)" if prep else "already there"))
    print(f"warm-up (compile, cuDNN; untimed): {warm:.1f} s")
    gen_s, real_s, fd_s = t1 - t0, t2 - t1, t3 - t2
    print(f"generated features: {args.num} images in {gen_s:.1f} s = {args.num / gen_s:.0f} img/s")
    print(f"real features:      {real.shape[0]} images in {real_s:.1f} s = {real.shape[0] / real_s:.0f} img/s "
          f"({args.workers} decoding workers)")
    print(f"statistics + Fréchet distance ({args.frechet}, {real.shape[1]}-d): {fd_s:.1f} s")
    print(f"total FID: {t3 - t0:.1f} s wall ({(t3 - t0) / 60:.2f} min); with the warm-up {t3 - t0 + warm:.1f} s")
    print(f"FID = {fid:.4g}" + (" (means nothing: Inception with fresh weights)" if fresh_net else ""))
    return 0 if np.isfinite(fid) else 1


if __name__ == "__main__":
    raise SystemExit(main())
