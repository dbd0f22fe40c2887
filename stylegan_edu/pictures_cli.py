"""`stylegan-edu generate` and `stylegan-edu mix`: pictures from a trained generator."""

from __future__ import annotations

from pathlib import Path

import torch

from stylegan_edu.cli_ckpt import (add_amp_argument, add_ckpt_arguments, add_compile_argument,
                                   IMAGE_SUFFIXES, generator_from_args, output_file, report_compile)
from stylegan_edu.cli_types import positive_int, seed_list, truncation_psi


def _add_common(p) -> None:
    add_ckpt_arguments(p)
    p.add_argument("--psi", type=truncation_psi(), default=0.7,
                   help="truncation psi in [-2, 2] (1 = none; default 0.7)")
    p.add_argument("--noise", choices=("const", "random", "none"), default="const",
                   help="noise inputs: the stored fixed images (default), fresh random ones, or none")
    p.add_argument("--out", required=True, metavar="PNG")
    add_compile_argument(p)
    add_amp_argument(p)


def add_parser(subparsers) -> None:
    g = subparsers.add_parser("generate", help="a grid of faces from seeds",
                              description="Generate one face per seed with a trained generator and save a grid.")
    _add_common(g)
    g.add_argument("--seeds", type=seed_list(), default="0-15",
                   help="e.g. 0-15 or 1,5,9, each in [0, 2**32-1] (default 0-15)")
    g.add_argument("--columns", type=positive_int(), default=None)
    g.set_defaults(func=_generate)

    m = subparsers.add_parser(
        "mix", help="a style-mixing grid (the paper's figure 3)",
        description="Top row: the --cols faces; left column: the --rows faces; each cell is its row's face with "
                    "the styles of --levels copied from its column's face.")
    _add_common(m)
    m.add_argument("--rows", type=seed_list(), required=True, help="seeds of the row faces, e.g. 1,2,3")
    m.add_argument("--cols", type=seed_list(), required=True,
                   help="seeds of the column faces (style sources), e.g. 4,5,6")
    m.add_argument("--levels", default="coarse",
                   help="styles taken from the column face: coarse, middle, fine, a list, or layers like 0-3")
    m.set_defaults(func=_mix)

    e = subparsers.add_parser("export", help="save the EMA generator of a snapshot as a small file",
                              description="Write the EMA generator (with w_avg and the fixed noise images) of a "
                                          "training snapshot to a stand-alone file that `--ckpt` and "
                                          "stylegan_edu.pretrained.load_generator read.")
    e.add_argument("--ckpt", required=True, metavar="SNAPSHOT")
    e.add_argument("--out", required=True, metavar="PT")
    e.set_defaults(func=_export)


def _save(img, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)
    print(out)
    return 0


@torch.no_grad()
def _generate(args) -> int:
    out = output_file(args.out, IMAGE_SUFFIXES)  # before any work
    from stylegan_edu.generator import z_from_seeds
    from stylegan_edu.viz import image_grid

    seeds = args.seeds  # a list: parsed and checked by argparse
    G = generator_from_args(args)
    z = z_from_seeds(seeds, G.cfg.latent_size, G.w_avg.device)
    imgs = torch.cat([G(zb, truncation_psi=args.psi, noise_mode=args.noise) for zb in z.split(32)])
    report_compile(G)
    return _save(image_grid(imgs, args.columns), out)


def _mix(args) -> int:
    out = output_file(args.out, IMAGE_SUFFIXES)  # before any work
    from stylegan_edu.errors import UsageError
    from stylegan_edu.mixing import parse_layers, style_mixing_grid
    from stylegan_edu.viz import image_grid

    rows, cols = args.rows, args.cols
    G = generator_from_args(args)
    try:
        layers = parse_layers(args.levels, G.cfg)
    except ValueError as e:
        raise UsageError(str(e)) from None
    imgs = style_mixing_grid(G, rows, cols, layers, psi=args.psi, noise_mode=args.noise)
    report_compile(G)
    return _save(image_grid(imgs, columns=len(cols) + 1), out)


def _export(args) -> int:
    from stylegan_edu.errors import UsageError
    from stylegan_edu.pretrained import export_generator
    from stylegan_edu.train.checkpoint import CheckpointError

    out = output_file(args.out, (".pt",))
    if out.exists() and out.resolve() == Path(args.ckpt).resolve():
        raise UsageError(f"--out {args.out} is the snapshot being read; write the generator to another file")
    try:
        path = export_generator(args.ckpt, out)
    except CheckpointError as e:
        raise UsageError(str(e)) from None
    print(path)
    return 0
