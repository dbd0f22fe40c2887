"""A picture of ToyFaces, optionally captioned with their attributes (for `stylegan-edu data grid`)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from stylegan_edu.checks import parse_seeds  # noqa: F401  (kept here: `data grid` and older code import it)
from stylegan_edu.data import toyfaces

# short labels so that a caption fits under a 128 px face
_SHORT = {
    "yaw": "yaw", "roll": "roll", "face_width": "wide", "face_size": "size", "pos_x": "x", "pos_y": "y",
    "eye_size": "eyes", "eye_open": "open", "smile": "smile", "brows": "brow", "hair_length": "hair",
    "bangs": "bangs", "glasses": "glasses", "hair_part": "part", "skin_tone": "skin", "hair_color": "hcol",
    "background_hue": "bg", "light_x": "light", "freckles": "frk", "eye_color": "ecol",
}  # fmt: skip


def caption(attrs: np.ndarray, fits=lambda line: len(line) <= 28) -> list[str]:
    """Lines 'C yaw+0.4 roll-0.1 ...' per scale (C, M, F), wrapped where `fits(line)` says."""
    lines = []
    for scale in ("coarse", "middle", "fine"):
        words = []
        for a, v in zip(toyfaces.ATTRIBUTES, attrs):
            if a.scale != scale:
                continue
            if a.binary and a.low == 0:
                if v > 0.5:
                    words.append(_SHORT[a.name])
            elif a.binary:
                words.append(f"{_SHORT[a.name]}{'+' if v > 0 else '-'}")
            else:
                words.append(f"{_SHORT[a.name]}{v:+.1f}")
        line = scale[0].upper()
        for w in words:
            if not fits(line + " " + w):
                lines.append(line)
                line = " "
            line += " " + w
        lines.append(line)
    return lines


def toyfaces_grid(seeds, size: int = 128, columns: int | None = None, captions: bool = True,
                  detail: bool = False) -> Image.Image:
    """ToyFaces `seeds` in a grid (row by row), each with a caption of its attributes if asked (`detail`:
    drawn with their stochastic detail, as in a `--detail` cache)."""
    seeds = list(seeds)
    columns = columns or math.ceil(math.sqrt(len(seeds)))
    rows = math.ceil(len(seeds) / columns)
    font = ImageFont.load_default(10)
    tile_w = size if not captions else max(size, 128) + 6  # a small gap between captions

    def fits(line):
        return font.getlength(line) <= tile_w - 6
    cap_h = 0
    caps = []
    for s in seeds:
        img, attrs = toyfaces.render_seed(s, size, detail)
        lines = [f"seed {s}"] + caption(attrs, fits) if captions else []
        caps.append((img, lines))
        cap_h = max(cap_h, 12 * len(lines) + (4 if lines else 0))
    sheet = Image.new("RGB", (columns * tile_w, rows * (size + cap_h)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for k, (img, lines) in enumerate(caps):
        x, y = (k % columns) * tile_w, (k // columns) * (size + cap_h)
        sheet.paste(Image.fromarray(img), (x + (tile_w - size) // 2, y))
        for j, line in enumerate(lines):
            draw.text((x + 3, y + size + 2 + 12 * j), line, fill=(20, 20, 20), font=font)
    return sheet
