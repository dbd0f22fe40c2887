"""`stylegan-edu edit`: a labelled grid of faces edited along an attribute's direction in W (stylegan_edu.editing)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from stylegan_edu.cli_ckpt import add_ckpt_arguments
from stylegan_edu.cli_types import positive_int, seed_list, truncation_psi


def _strengths(text: str) -> list[float]:
    from stylegan_edu.editing import parse_strengths

    try:
        return parse_strengths(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


_strengths.checked_number = True  # a checked numeric type (tests/test_cli_numbers.py)
_strengths.__name__ = "strengths"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "edit", help="edit faces along a learned attribute direction in W and draw the grid",
        description="Find (or read from the cache) the direction in W of each ToyFaces attribute the feature network "
                    "reads reliably (a linear classifier on w of 1000 generated faces), move the seeds' faces along "
                    "one of them and write a grid: a row per face, a column per strength (in standard deviations of "
                    "w along the direction). --measure prints, instead, how well every direction edits its "
                    "attribute, read back on --faces faces.")
    # argparse takes "-3..3" and "-3,0,3" for options (only "-3" and "-.5" look like numbers to it); let strength
    # lists that start with a minus through as values, so `--steps -3..3` works as well as `--steps=-3..3`
    p._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[\d.]+(\.\.|,)[-\d.,:]*$")
    add_ckpt_arguments(p)
    p.add_argument("--seeds", type=seed_list(), default="0-7", help="faces, seeds like 0-7 or 1,5,9 (default 0-7)")
    p.add_argument("--attribute", default=None,
                   help="the attribute to edit, e.g. glasses (needed to draw); with --measure a comma-separated list "
                        "(default: every editable attribute)")
    p.add_argument("--steps", type=_strengths, default="-3..3", metavar="LO..HI[:STEP]|A,B,...",
                   help="edit strengths in sd of w along the direction: -3..3 (step 1), -2..2:0.5 or -3,0,3 "
                        "(default -3..3)")
    p.add_argument("--level", choices=("coarse", "middle", "fine", "own"), default=None,
                   help="move only this level's styles (default: every layer); with --measure also 'own': each "
                        "attribute on its own ToyFaces level's styles")
    p.add_argument("--condition", default="", metavar="A,B|others",
                   help="attributes to hold still (conditional editing: their directions are projected out); "
                        "'others': every other editable attribute (with --measure: every edit holds all the others)")
    p.add_argument("--psi", type=truncation_psi(), default=0.7, help="truncation psi of the faces (default 0.7)")
    p.add_argument("--out", default="edit.png", help="PNG file to write (default edit.png)")
    p.add_argument("--measure", action="store_true",
                   help="print the editing table (Spearman, share of range reached, other attributes' movement, "
                        "conditional vs unconditional) instead of drawing")
    p.add_argument("--half-range", action="store_true",
                   help="with --measure: also edit each face to the strength that covers half the attribute's range "
                        "and read the other attributes there")
    p.add_argument("--faces", type=positive_int(), default=200, help="faces measured with --measure (default 200)")
    p.add_argument("--samples", type=positive_int(), default=1000,
                   help="generated faces the directions are fitted on (default 1000; cached)")
    p.add_argument("--json", action="store_true", help="print one JSON object (what was written, or the table)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import torch

    from stylegan_edu.editing import (cached_directions, edit_figure, edit_images, editable_attributes, format_table,
                                      measure_editing)
    from stylegan_edu.errors import UsageError
    from stylegan_edu.metrics.toy_features import ToyFeaturesError, load_toy_features
    from stylegan_edu.cli_ckpt import generator_from_args, output_file

    out = Path(args.out) if args.measure else output_file(args.out, (".png",), folder_must_exist=True)
    if args.samples < 10:
        raise UsageError(f"--samples must be at least 10, got {args.samples}")
    G = generator_from_args(args)
    try:
        reader = load_toy_features(device=G.w_avg.device)
    except ToyFeaturesError as e:
        raise UsageError(str(e)) from None
    editable = editable_attributes(reader)
    condition = [c.strip() for c in args.condition.split(",") if c.strip()]
    hold_others = condition == ["others"]
    attrs = [a.strip() for a in (args.attribute or "").split(",") if a.strip()]
    if hold_others:
        condition = [n for n in editable if n not in attrs]
    for name in attrs + condition:
        if name not in editable:
            raise UsageError(f"no direction for {name!r}; editable attributes: {', '.join(editable)}")
    if args.half_range and not args.measure:
        raise UsageError("--half-range belongs to --measure")
    if not args.measure and len(attrs) != 1:
        got = "none given" if args.attribute is None else f"got {args.attribute!r}"
        raise UsageError(f"--attribute takes one attribute to draw (editable: {', '.join(editable)}); {got}")
    try:  # every editable attribute's direction is fitted at once (and cached), so a sample too small fails here
        dirs = cached_directions(G, reader, num_samples=args.samples, progress=not args.no_progress)
    except ValueError as e:
        raise UsageError(f"{e} (--samples {args.samples})") from None
    if args.measure:
        m = measure_editing(G, reader, dirs, num_faces=args.faces, strengths=args.steps,
                            attributes=attrs or None,
                            condition=None if hold_others else condition or None, layers=args.level,
                            psi=args.psi, half_range=args.half_range, hold_others=hold_others,
                            progress=not args.no_progress)
        if args.json:
            json.dump(m | {"ckpt": args.ckpt}, sys.stdout)
            sys.stdout.write("\n")
        else:
            print(format_table(m))
        return 0
    level = args.level
    if level == "own":  # the level the dataset gives the attribute
        from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES
        level = ATTRIBUTE_SCALES[ATTRIBUTE_NAMES.index(attrs[0])]
    with torch.no_grad():
        images = edit_images(G, dirs, args.seeds, attrs[0], args.steps, level, condition, args.psi)
    fig = edit_figure(G, dirs, args.seeds, attrs[0], args.steps, level, condition, args.psi, reader=reader,
                      images=images)
    fig.save(out)
    if args.json:
        json.dump({"out": str(out), "attribute": attrs[0], "seeds": args.seeds, "strengths": args.steps,
                   "level": args.level, "condition": condition, "psi": args.psi, "ckpt": args.ckpt}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(out)
    return 0
