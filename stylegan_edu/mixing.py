"""Style mixing figures (the paper's figure 3): copy the styles of some layers from one face to another."""

from __future__ import annotations

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
