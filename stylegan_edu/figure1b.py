"""The paper's figure 1(b), the style-based generator, drawn from a model's own config.

`draw_generator(G.cfg)` draws what that config builds: the mapping network (normalise z, `mapping_layers`
fully connected layers, w), then one row per resolution of the synthesis network: the learned constant (4x4)
or the upsampling, two 3x3 convolutions, after each one the noise, added through "B" (a learned per-channel
scale), and AdaIN, whose style comes from w through "A" (a learned affine layer). Nothing is hard-coded: the
number of FC layers, the resolutions, the feature maps per resolution, whether the upsampling is fused into the
convolution and whether there is noise all come from the config.

The function returns what it drew (`Drawing.items`), so tests can count the A and B inputs and the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stylegan_edu.configs import ModelConfig

# colours: mapping network, synthesis operations, A (style), B (noise)
_MAP, _OP, _A, _B = "#dbe8f6", "#ffffff", "#f8d9a8", "#cfe8cf"
_FRAME, _LINE = "#f2f2f2", "#333333"

# horizontal slots of one synthesis row: upsample, conv, +noise, AdaIN, conv, +noise, AdaIN
_SLOTS = (0.0, 1.5, 2.75, 3.85, 5.2, 6.45, 7.55)
_ROW_H = 3.0  # height of one resolution's row
_X0 = 2.15  # x of slot 0 (left of it: the row's label)


@dataclass
class Drawing:
    """What `draw_generator` drew: the figure, its axes and one (kind, detail) item per element.

    kinds: "z", "normalize", "fc" (detail: index), "w", "block" (detail: (resolution, feature maps)),
    "const", "upsample", "conv", "A" and "B" (detail: style layer index), "adain" (detail: layer index),
    "torgb", "image".
    """

    fig: object
    ax: object
    items: list = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(k == kind for k, _ in self.items)

    def details(self, kind: str) -> list:
        return [d for k, d in self.items if k == kind]


def draw_generator(cfg: ModelConfig, ax=None, noise_seed: int = 0) -> Drawing:
    """Draw figure 1(b) of the paper for `cfg` (e.g. `G.cfg`) and return what was drawn.

    ax: a matplotlib axes to draw into (default: a new figure sized to the config).
    noise_seed: seeds the little noise images beside the B boxes (decoration only).
    """
    import matplotlib.pyplot as plt

    rows = cfg.resolutions
    map_y = 1.6  # the mapping network runs left to right above the synthesis rows
    y_out = -(len(rows) - 1) * _ROW_H - 3.35  # the ToRGB and image boxes below the last row
    bottom, top_edge = y_out - 1.6, map_y + 1.0  # the key is written under them
    width = _X0 + _SLOTS[-1] + 2.2
    if ax is None:
        fig, ax = plt.subplots(figsize=(width * 0.62, (top_edge - bottom) * 0.62))
    else:
        fig = ax.figure
    ax.set_xlim(-0.3, width)
    ax.set_ylim(bottom, top_edge)
    ax.set_aspect("equal")
    ax.axis("off")
    d = Drawing(fig, ax)
    rng = np.random.default_rng(noise_seed)

    def box(x, y, w, h, text, colour=_OP, size=8, kind=None, detail=None, weight="normal"):
        ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=colour, edgecolor=_LINE, lw=0.8,
                                   zorder=2))
        ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=3, fontweight=weight)
        if kind:
            d.items.append((kind, detail))

    def arrow(x0, y0, x1, y1):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color=_LINE, lw=0.8, shrinkA=0, shrinkB=0,
                                    mutation_scale=8))

    def line(xs, ys):
        ax.plot(xs, ys, color=_LINE, lw=0.8, zorder=1, solid_capstyle="butt")

    # --- mapping network: z -> normalise -> FC x mapping_layers -> w, left to right ---------------------
    chain = ([("z", f"Latent z\n({cfg.latent_size})")]
             + ([("normalize", "Normalize")] if cfg.normalize_latents else [])
             + [("fc", "FC")] * cfg.mapping_layers + [("w", f"w\n({cfg.dlatent_size})")])
    widths = {"z": 1.25, "normalize": 1.35, "w": 0.95}
    gap = 0.28
    room = _X0 + _SLOTS[-1] + 0.9 - sum(widths.get(k, 0) for k, _ in chain) - gap * (len(chain) - 1)
    widths["fc"] = min(1.0, room / cfg.mapping_layers)
    x, fc, fc_xs = 0.0, 0, []
    for i, (kind, text) in enumerate(chain):
        bw = widths[kind]
        if i:
            arrow(x, map_y, x + gap, map_y)
            x += gap
        colour = _MAP if kind in ("normalize", "fc") else "#ffffff"
        box(x + bw / 2, map_y, bw, 0.75, text, colour, size=8 if kind == "fc" else 7, kind=kind,
            detail=fc if kind == "fc" else None, weight="bold" if kind in ("z", "w") else "normal")
        if kind == "fc":
            fc_xs.append(x + bw / 2)
            fc += 1
        x += bw
    w_right = x
    ax.text((fc_xs[0] + fc_xs[-1]) / 2, map_y + 0.6,
            f"Mapping network f: {cfg.mapping_layers} fully connected layers", ha="center", fontsize=9,
            fontweight="bold")

    # the w bus: from w down the right-hand side, one branch per row
    bus_x = _X0 + _SLOTS[-1] + 1.3
    line([w_right, bus_x, bus_x], [map_y, map_y, -(len(rows) - 1) * _ROW_H - 0.25])
    ax.text(_X0 + _SLOTS[3], 0.15, "Synthesis network g", ha="left", fontsize=9, fontweight="bold")

    layer = 0
    prev_out = None  # (x, y) where the previous row's last AdaIN leaves
    for r, res in enumerate(rows):
        top = -r * _ROW_H
        y_w, y_a, y_m, y_b = top - 0.25, top - 0.85, top - 1.6, top - 2.35
        xs = [_X0 + s for s in _SLOTS]
        c = cfg.channels(res)
        ax.add_patch(plt.Rectangle((-0.2, top - 2.75), xs[-1] + 0.75, 2.6, facecolor=_FRAME, edgecolor="none",
                                   zorder=0))
        size = 11 if res < 100 else 10 if res < 1000 else 8  # "1024×1024" must fit left of the first box
        ax.text(0.75, y_m + 0.1, f"{res}×{res}", ha="center", va="bottom", fontsize=size, fontweight="bold")
        ax.text(0.75, y_m - 0.05, f"{c} maps", ha="center", va="top", fontsize=7)
        d.items.append(("block", (res, c)))
        # the w branch of this row, feeding both A boxes
        line([xs[3], bus_x], [y_w, y_w])
        ax.plot([bus_x], [y_w], "o", color=_LINE, ms=2.5, zorder=3)

        # first operation(s): the constant, or upsampling (+ conv)
        if r == 0:
            box(xs[1] - 0.35, y_m, 2.0, 0.6, f"Const {res}×{res}×{c}", kind="const", detail=res)
            start = xs[1] + 0.65
        else:
            blur = "\n+ blur" if cfg.resample == "blur" else ""  # the official [1,2,1] blur after the conv
            if cfg.fused(res) and cfg.resample == "blur":
                box((xs[0] + xs[1]) / 2, y_m, 2.75, 0.6, "Upsample + Conv 3×3\n(fused) + blur", size=7,
                    kind="upsample", detail=res)
                d.items.append(("conv", layer))
            else:
                up = "Upsample" if cfg.resample == "blur" else f"Upsample\n({cfg.resample})"
                box(xs[0], y_m, 1.25, 0.6, up, size=7 if "\n" in up else 8, kind="upsample", detail=res)
                box(xs[1], y_m, 1.25, 0.6, "Conv 3×3" + blur, size=7 if blur else 8, kind="conv", detail=layer)
                arrow(xs[0] + 0.625, y_m, xs[1] - 0.625, y_m)
            px, py = prev_out
            line([px, px, xs[0]], [py, top + 0.1, top + 0.1])
            arrow(xs[0], top + 0.1, xs[0], y_m + 0.3)
            start = xs[1] + 0.625
        # two style layers: (+B noise) -> AdaIN <- A, with a 3x3 conv between them
        for k, (plus, ada) in enumerate(((2, 3), (5, 6))):
            if k == 1:
                box(xs[4], y_m, 1.25, 0.6, "Conv 3×3", kind="conv", detail=layer)
                arrow(xs[3] + 0.55, y_m, xs[4] - 0.625, y_m)
                start = xs[4] + 0.625
            if cfg.use_noise:
                ax.add_patch(plt.Circle((xs[plus], y_m), 0.2, facecolor="white", edgecolor=_LINE, lw=0.8,
                                        zorder=2))
                ax.text(xs[plus], y_m, "+", ha="center", va="center", fontsize=10, zorder=3)
                arrow(start, y_m, xs[plus] - 0.2, y_m)
                box(xs[plus], y_b, 0.45, 0.45, "B", _B, size=9, kind="B", detail=layer, weight="bold")
                arrow(xs[plus], y_b + 0.225, xs[plus], y_m - 0.2)
                n = min(res, 16)
                ax.imshow(rng.standard_normal((n, n)), cmap="gray", extent=(xs[plus] - 0.95, xs[plus] - 0.55,
                          y_b - 0.2, y_b + 0.2), zorder=2, interpolation="nearest")
                arrow(xs[plus] - 0.55, y_b, xs[plus] - 0.225, y_b)
                start = xs[plus] + 0.2
            arrow(start, y_m, xs[ada] - 0.55, y_m)
            box(xs[ada], y_m, 1.1, 0.6, "AdaIN", kind="adain", detail=layer)
            box(xs[ada], y_a, 0.45, 0.45, "A", _A, size=9, kind="A", detail=layer, weight="bold")
            ax.text(xs[ada] + 0.3, y_a, f"{layer}", ha="left", va="center", fontsize=6, color="#777777")
            line([xs[ada], xs[ada]], [y_w, y_a + 0.225])
            ax.plot([xs[ada]], [y_w], "o", color=_LINE, ms=2.5, zorder=3)
            arrow(xs[ada], y_a - 0.225, xs[ada], y_m + 0.3)
            layer += 1
        prev_out = (xs[6], y_m - 0.3)  # the next row's input leaves through the bottom of this AdaIN

    # output: ToRGB (1x1 conv) -> image
    last = -(len(rows) - 1) * _ROW_H
    xs = [_X0 + s for s in _SLOTS]
    arrow(xs[6], last - 1.9, xs[6], y_out + 0.3)
    box(xs[6], y_out, 1.25, 0.6, "ToRGB\n(1×1 conv)", size=7, kind="torgb")
    box(xs[4], y_out, 1.9, 0.6, f"Image\n{cfg.resolution}×{cfg.resolution}×{cfg.num_channels}", size=7,
        kind="image", weight="bold")
    arrow(xs[6] - 0.625, y_out, xs[4] + 0.95, y_out)
    key = ("A: learned affine, w → style (y_s, y_b) of the style layer numbered beside it"
           "\nAdaIN: normalise each channel, then scale by y_s + 1 and shift by y_b")
    if cfg.use_noise:
        key += "\nB: learned per-channel scale of one noise image     +: add"
    ax.text(-0.2, y_out - 0.7, key, ha="left", va="top", fontsize=7, color="#444444")
    return d
