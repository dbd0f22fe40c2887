"""`stylegan-edu data ...`: build the ToyFaces cache, draw a grid of faces, prepare an image folder."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from stylegan_edu.cli_types import positive_int, power_of_two, seed_list


def add_parser(subparsers) -> None:
    data = subparsers.add_parser(
        "data",
        help="build and inspect datasets (ToyFaces, image folders)",
        description="Build and inspect the datasets used for training.",
    )
    sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    data.set_defaults(func=lambda args: _help(data))

    p = sub.add_parser(
        "toyfaces",
        help="render N ToyFaces into the multi-resolution cache (reused if already there)",
        description="Render ToyFaces 0..N-1 at RESOLUTION and every smaller power of two into a cache folder. "
        "A cache that already matches is reused.",
    )
    p.add_argument("--n", type=positive_int(), default=30000, help="number of faces (default 30000)")
    p.add_argument("--resolution", type=power_of_two(4, 128), default=64,
                   help="top resolution, a power of two 4..128 (default 64)")
    p.add_argument("--out", type=Path, help="dataset folder (default: data/cache/toyfaces-nN-rRES, or under "
                   "$STYLEGAN_EDU_CACHE)")  # fmt: skip
    p.add_argument("--workers", type=positive_int(), default=2, help="processes drawing faces (default 2)")
    p.add_argument("--detail", action="store_true",
                   help="draw each face with stochastic detail (hair strands, stray hairs, freckle positions) "
                        "that no attribute controls; default folder data/cache/toyfaces-detail-nN-rRES; train "
                        "on it with --data toyfaces-detail")
    p.set_defaults(func=_toyfaces)

    p = sub.add_parser(
        "grid",
        help="write a PNG grid of ToyFaces with their attributes",
        description="Draw ToyFaces into a PNG grid, each captioned with its attributes by scale "
        "(C coarse, M middle, F fine).",
    )
    p.add_argument("--seeds", type=seed_list(), default="0-15", help="seeds like 0-15 or 1,5,9 (default 0-15)")
    p.add_argument("--out", type=Path, default=Path("toyfaces_grid.png"), help="PNG file to write")
    p.add_argument("--size", type=power_of_two(4, 128), default=128,
                   help="face size in pixels, a power of two 4..128 (default 128)")
    p.add_argument("--columns", type=positive_int(), help="faces per row (default: a square grid)")
    p.add_argument("--no-captions", dest="captions", action="store_false", help="faces only")
    p.add_argument("--detail", action="store_true", help="draw the faces with their stochastic detail")
    p.set_defaults(func=_grid)

    p = sub.add_parser(
        "prepare",
        help="convert a folder of JPEG/PNG/WebP photos into the multi-resolution cache",
        description="Centre-crop, resize (Lanczos) and convert to RGB every .jpg/.jpeg/.png/.webp under SRC_DIR "
        "(sorted by path), into RESOLUTION and every smaller power of two. Unreadable files are skipped "
        "and listed in one warning.",
    )
    p.add_argument("src", type=Path, metavar="SRC_DIR", help="folder of images (searched recursively)")
    p.add_argument("--resolution", type=power_of_two(4, 1024), default=128,
                   help="top resolution, a power of two 4..1024 (default 128)")
    p.add_argument("--out", type=Path, help="dataset folder (default: data/cache/<SRC_DIR name>-rRES)")
    p.add_argument("--workers", type=positive_int(), default=2, help="processes decoding images (default 2)")
    p.set_defaults(func=_prepare)


def _help(parser) -> int:
    parser.print_help()
    return 2


def _usage(e: Exception):
    from stylegan_edu.errors import UsageError

    return UsageError(str(e))


def _toyfaces(args) -> int:
    from stylegan_edu.data.cache import DataError
    from stylegan_edu.data.generate import build_toyfaces

    try:
        folder = build_toyfaces(args.n, args.resolution, args.out, workers=args.workers, progress=True,
                                detail=args.detail)
    except DataError as e:
        raise _usage(e) from None
    print(folder)
    return 0


def _grid(args) -> int:
    from stylegan_edu.data.cache import DataError, check_resolution
    from stylegan_edu.data.grid import toyfaces_grid
    from stylegan_edu.cli_ckpt import output_file
    from stylegan_edu.data.toyfaces import NATIVE_SIZE

    try:
        seeds = args.seeds  # a list: parsed and checked by argparse
        check_resolution(args.size, largest=NATIVE_SIZE)
    except (ValueError, DataError) as e:
        raise _usage(e) from None
    if args.columns is not None and args.columns < 1:
        raise _usage(ValueError(f"--columns must be at least 1, got {args.columns}"))
    output_file(args.out, (".png",), folder_must_exist=True)
    toyfaces_grid(seeds, args.size, args.columns, args.captions, args.detail).save(args.out, optimize=True)
    print(args.out)
    return 0


def _prepare(args) -> int:
    from stylegan_edu.data.cache import DataError
    from stylegan_edu.data.folder import SkippedImagesWarning, prepare_folder

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedImagesWarning)
        try:
            folder = prepare_folder(args.src, args.out, args.resolution, workers=args.workers, progress=True)
        except DataError as e:
            raise _usage(e) from None
    for w in caught:  # one line on stderr, the same as Python would print minus the source line
        if issubclass(w.category, SkippedImagesWarning):
            sys.stderr.write(f"warning: {w.message}\n")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    print(folder)
    return 0
