"""Style mixing figures (the paper's figure 3): copy the styles of some layers from one face to another."""

from __future__ import annotations

import functools
from pathlib import Path

import torch

from stylegan_edu.checks import check_psi
from stylegan_edu.configs import LEVELS, ModelConfig
from stylegan_edu.generator import Generator, broadcast, truncate, z_from_seeds


def parse_layers(spec: str, cfg: ModelConfig) -> list[int]:
    """'coarse', 'middle,fine', '0-3' or '2,5,6' -> sorted layer indices (ValueError otherwise)."""
    layers: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if part in LEVELS:
            layers.update(cfg.level_layers(part))
            continue
        lo, sep, hi = part.partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            raise ValueError(f"levels must be coarse, middle, fine or layer numbers like 0-3, got {spec!r}")
        a, b = int(lo), int(hi) if sep else int(lo)
        if not 0 <= a <= b < cfg.num_layers:
            raise ValueError(f"layers must lie in 0-{cfg.num_layers - 1}, got {part!r}")
        layers.update(range(a, b + 1))
    return sorted(layers)


def mix_ws(ws_dst: torch.Tensor, ws_src: torch.Tensor, layers: list[int]) -> torch.Tensor:
    """ws_dst with the given layers replaced by ws_src's."""
    out = ws_dst.clone()
    out[:, layers] = ws_src[:, layers]
    return out


def seed_styles(G: Generator, seeds: list[int], psi: float) -> torch.Tensor:
    """Per-layer styles [len(seeds), num_layers, w_dim] of the seeds' faces, truncated with the model's cutoff."""
    zs = z_from_seeds(seeds, G.cfg.latent_size, G.w_avg.device)
    return truncate(broadcast(G.mapping(zs), G.num_layers), G.w_avg, psi, G.cfg.truncation_cutoff)


@torch.no_grad()
def style_mixing_grid(G: Generator, row_seeds: list[int], col_seeds: list[int], layers: list[int],
                      psi: float = 0.7, noise_mode: str = "const") -> torch.Tensor:
    """Images for a figure-3 grid, [(R+1)*(C+1), 3, r, r] in row-major order.

    Top row: the column faces (the style sources). Left column: the row faces. Cell (r, c): the row face
    with the styles of `layers` taken from column face c. The top-left corner is left blank (white).
    psi: a finite number in [-2, 2]; seeds: integers in [0, 2**32 - 1] (ValueError otherwise).
    """
    psi = check_psi(psi)
    ws = seed_styles(G, list(row_seeds) + list(col_seeds), psi)
    ws_rows, ws_cols = ws[: len(row_seeds)], ws[len(row_seeds):]
    R, C = len(row_seeds), len(col_seeds)
    cells = [mix_ws(ws_rows[r:r + 1].expand(C, -1, -1), ws_cols, layers) for r in range(R)]
    all_ws = torch.cat([ws_cols, ws_rows] + cells)
    imgs = G.synthesis(all_ws, noise_mode=noise_mode)
    top, left, body = imgs[:C], imgs[C:C + R], imgs[C + R:].view(R, C, *imgs.shape[1:])
    blank = torch.ones_like(imgs[:1])
    rows = [torch.cat([blank, top])] + [torch.cat([left[r:r + 1], body[r]]) for r in range(R)]
    return torch.cat(rows)


# --- labels for the figures: which faces, which level, which pixels -------------------------------------------

def level_pixels(cfg: ModelConfig, layers: list[int]) -> str:
    """The resolutions the style layers `layers` act at, e.g. '4-8 px' or '64 px' (en dash)."""
    if not layers:
        return "no layers"
    lo, hi = cfg.layer_resolution(min(layers)), cfg.layer_resolution(max(layers))
    return f"{lo} px" if lo == hi else f"{lo}\u2013{hi} px"


def level_label(cfg: ModelConfig, level: str) -> str:
    """'coarse 4-8 px': a level with the pixel range of its layers, read from the model config."""
    return f"{level} {level_pixels(cfg, cfg.level_layers(level))}"


def layers_label(cfg: ModelConfig, layers: list[int]) -> str:
    """'layers 0-3 (4-8 px)', or 'layer 8 (64 px)' for one layer."""
    layers = sorted(layers)
    if not layers:
        return "no layers"
    span = f"layer {layers[0]}" if len(layers) == 1 else f"layers {layers[0]}\u2013{layers[-1]}"
    if layers != list(range(layers[0], layers[-1] + 1)):
        span = "layers " + ", ".join(map(str, layers))
    return f"{span} ({level_pixels(cfg, layers)})"


def styles_label(cfg: ModelConfig, layers: list[int]) -> str:
    """'the coarse styles (layers 0-3, 4-8 px)' when `layers` is a level, else 'the styles of layers 2-5 (8-16 px)'."""
    layers = sorted(layers)
    if not layers:
        return "no styles"
    for level in LEVELS:
        if layers == cfg.level_layers(level):
            return f"the {level} styles ({layers_label(cfg, layers).replace(' (', ', ').rstrip(')')})"
    return f"the styles of {layers_label(cfg, layers)}"


@functools.cache
def _font(size: int):
    """DejaVu Sans from matplotlib's data (it has the en dash, arrows and Greek letters), else Pillow's own."""
    from PIL import ImageFont

    try:
        import matplotlib

        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size)
    except (ImportError, OSError):
        return ImageFont.load_default()


def label_grid(img, columns: list[str] = (), rows: list[str] = (), title: str = "", pad: int = 2,
               font_size: int = 12):
    """A grid picture from viz.image_grid with a label over each column, beside each row, and a title on top.

    columns / rows: one label per column / row of tiles (the grid's column and row counts are read from
    them; give at least one of the two). Returns a new, larger PIL image on white.
    """
    from PIL import Image, ImageDraw

    font = _font(font_size)
    W, H = img.size
    ncols, nrows = len(columns), len(rows)
    if not ncols and not nrows:
        raise ValueError("label_grid needs column labels, row labels or both")
    tile_w = (W - pad) / ncols - pad if ncols else None
    tile_h = (H - pad) / nrows - pad if nrows else None
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = lambda s: measure.textlength(s, font=font)
    line = font_size + 4
    left = int(max((text_w(s) for s in rows), default=0)) + (8 if rows else 0)
    top = (line if title else 0) + (line if any(columns) else 0)
    width = max(left + W, int(text_w(title)) + 8)
    out = Image.new("RGB", (width, top + H), "white")
    out.paste(img, (left, top))
    draw = ImageDraw.Draw(out)
    if title:
        draw.text((4, 2), title, fill="black", font=font)
    for i, s in enumerate(columns):
        x = left + pad + i * (tile_w + pad) + tile_w / 2
        draw.text((x, top - 2), s, fill="black", font=font, anchor="md")
    for j, s in enumerate(rows):
        y = top + pad + j * (tile_h + pad) + tile_h / 2
        draw.text((left - 4, y), s, fill="black", font=font, anchor="rm")
    return out


def mixing_figure(G: Generator, row_seeds: list[int], col_seeds: list[int], layers: list[int],
                  grid: torch.Tensor | None = None, psi: float = 0.7, upscale_to: int = 64, title: str | None = None):
    """The figure-3 grid of `style_mixing_grid`, labelled: 'B = seed' over the top row (the style sources),
    'A = seed' beside the left column, and a title (default: the layers taken from B with their pixel range).
    `grid`: the images already made by style_mixing_grid with the same arguments (made here when None)."""
    from stylegan_edu.viz import image_grid

    if grid is None:
        grid = style_mixing_grid(G, row_seeds, col_seeds, layers, psi)
    img = image_grid(grid, columns=len(col_seeds) + 1, upscale_to=upscale_to)
    if title is None:
        title = f"A with {styles_label(G.cfg, layers)} from B"
    return label_grid(img, columns=[""] + [f"B = {s}" for s in col_seeds],
                      rows=[""] + [f"A = {s}" for s in row_seeds], title=title)
