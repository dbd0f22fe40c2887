"""Live demos for the lessons: each is a thin ipywidgets wire over a pure function that tests can call.

    render_mix(G, seed_a=1, seed_b=2, layers=G.cfg.level_layers("coarse"), psi=0.7, noise=1.0) -> PIL image
    mixing_demo(G)  # in a notebook: seeds, levels or a layer range, psi and noise; the picture updates live
"""

from __future__ import annotations

import base64
import io

import torch
from PIL import Image

from stylegan_edu.checks import check_number, check_psi, check_seed
from stylegan_edu.generator import Generator
from stylegan_edu.mixing import label_grid, layers_label, level_label, mix_ws, seed_styles, styles_label
from stylegan_edu.viz import image_grid

NOISE_GAIN = 10  # the noise panel shows |mix - mix without noise| amplified this much (as lesson 05 does)
NOISE_MAX = 10.0  # the demo's noise slider: 0 (none) to 10x the trained strength
PANELS = ("A", "B", "mix", "noise")


def noise_effect(with_noise: torch.Tensor, without: torch.Tensor, gain: float = NOISE_GAIN) -> torch.Tensor:
    """|with - without| averaged over RGB, times `gain`, as a grey image in [-1, 1] (black: noise changed
    nothing; white: it moved the pixel by 1/gain of the colour range or more). [N, 3, H, W] -> [N, 3, H, W]."""
    d = (with_noise - without).abs().mean(dim=1, keepdim=True) / 2  # in units of the colour range [0, 1]
    return ((gain * d).clamp(0, 1) * 2 - 1).expand(-1, 3, -1, -1)


@torch.no_grad()
def render_mix(G: Generator, seed_a: int, seed_b: int, layers, psi: float = 0.7, noise: float = 1.0,
               size: int = 128, labels: bool = True) -> Image.Image:
    """[face A | face B | A with the styles of `layers` from B | what the noise does to the mix], each `size` px.

    The fourth panel is |mix - the same mix without noise| x NOISE_GAIN (black = no change), so the effect of
    the noise can be seen even where it is a few percent of the colour range. Noise uses the model's fixed
    noise images scaled by `noise` (0 = none, 1 = as trained), so only the controls change the picture.
    labels: a title line (the layers from B, their pixel range, psi, noise) and a label over each panel.
    `layers`: style-layer indices (an empty list gives A again). seed_a, seed_b: integers in [0, 2**32 - 1];
    psi: a finite number in [-2, 2]; noise: a finite number >= 0; size: 1 to 4096 px.
    """
    seed_a, seed_b = check_seed("seed_a", seed_a), check_seed("seed_b", seed_b)
    psi = check_psi(psi)
    noise = check_number("noise", noise, 0)
    size = check_number("size", size, 1, 4096, integer=True)
    layers = sorted(set(int(i) for i in layers))
    if any(not 0 <= i < G.num_layers for i in layers):
        raise ValueError(f"layers must lie in 0-{G.num_layers - 1}, got {layers}")
    ws = seed_styles(G, [seed_a, seed_b], psi)
    mixed = mix_ws(ws[:1], ws[1:], layers)
    # one batch: A, B and the mix with the fixed noise images x noise, and the mix once more without noise
    on = torch.tensor([noise, noise, noise, 0.0], device=ws.device).view(4, 1, 1, 1)
    noises = [e.noise_const * on for e in G.synthesis.epilogues()]
    out = G.synthesis(torch.cat([ws, mixed, mixed]), noise=noises)
    shown = noise_effect(out[2:3], out[3:]) if noise else torch.full_like(out[3:], -1.0)  # no noise: black
    imgs = torch.cat([out[:3], shown])
    grid = image_grid(imgs, columns=4, upscale_to=size)
    if not labels:
        return grid
    return label_grid(grid, columns=[f"A = seed {seed_a}", f"B = seed {seed_b}", "mix",
                                     f"noise in mix \u00d7{NOISE_GAIN}"],
                      title=f"mix: A with {styles_label(G.cfg, layers)} from B;  \u03c8 {psi:g}, noise \u00d7{noise:g}")


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def level_layers(G: Generator, levels) -> list[int]:
    """Style layers of the chosen levels (any of coarse / middle / fine)."""
    return sorted(i for level in levels for i in G.cfg.level_layers(level))


def _demo_box(children, picture):
    """An HBox that also carries its picture as a plain PNG in the notebook output: JupyterLab shows the live
    widget, a viewer without widgets (GitHub, nbviewer) shows the picture the demo drew when it was run."""
    import ipywidgets as widgets

    class MixingDemo(widgets.HBox):
        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            data["text/plain"] = "style-mixing demo (run the notebook to move its controls)"
            data["image/png"] = base64.b64encode(picture.value).decode("ascii")
            return data

    return MixingDemo(children)


def mixing_demo(G: Generator, seed_a: int = 1, seed_b: int = 2, max_seed: int = 1000):
    """Style mixing, live: source A and B seeds, which level (or a layer range) takes B, psi and noise.

    The level buttons say the pixel range of their layers (from the model config). psi runs from 0 to 1 (lesson
    07 explains the rest); noise from 0 to NOISE_MAX times the trained strength, and the picture's fourth panel
    shows what it changes. Returns the widget box; every callback reads the current values from the controls
    and calls render_mix.
    """
    import ipywidgets as widgets

    a = widgets.IntSlider(value=seed_a, min=0, max=max_seed, description="seed A")
    b = widgets.IntSlider(value=seed_b, min=0, max=max_seed, description="seed B")
    levels = widgets.ToggleButtons(
        options=[(level_label(G.cfg, lvl), lvl) for lvl in ("coarse", "middle", "fine")] + [("layers:", "range")],
        value="coarse", description="from B:", style={"button_width": "136px"},
        tooltips=[f"{layers_label(G.cfg, G.cfg.level_layers(lvl))}" for lvl in ("coarse", "middle", "fine")]
        + ["choose the layers with the slider below"])
    span = widgets.IntRangeSlider(value=(0, 3), min=0, max=G.num_layers - 1, description="layers",
                                  disabled=True)
    psi = widgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.05, description="psi")
    noise = widgets.FloatSlider(value=1.0, min=0.0, max=NOISE_MAX, step=0.5, description="noise \u00d7")
    picture = widgets.Image(format="png")
    caption = widgets.HTML()

    def chosen_layers() -> list[int]:
        if levels.value == "range":
            lo, hi = span.value
            return list(range(lo, hi + 1))
        return G.cfg.level_layers(levels.value)

    syncing = False  # set while update() moves the slider itself, so that move does not render again

    def update(_=None):
        nonlocal syncing
        if syncing:
            return
        span.disabled = levels.value != "range"
        layers = chosen_layers()
        if span.disabled and layers and span.value != (layers[0], layers[-1]):
            syncing = True  # the greyed-out slider shows which layers the chosen level is
            try:
                span.value = (layers[0], layers[-1])
            finally:
                syncing = False
        picture.value = png_bytes(render_mix(G, a.value, b.value, layers, psi.value, noise.value))
        caption.value = (f"A = seed {a.value} &nbsp;|&nbsp; B = seed {b.value} &nbsp;|&nbsp; A with "
                         f"{layers_label(G.cfg, layers).replace(chr(0x2013), '&ndash;')} from B"
                         if layers else "no layers from B")

    for control in (a, b, levels, span, psi, noise):
        control.observe(update, names="value")
    update()
    controls = widgets.VBox([a, b, levels, span, psi, noise])
    return _demo_box([controls, widgets.VBox([picture, caption])], picture)


__all__ = ["NOISE_GAIN", "NOISE_MAX", "level_layers", "mixing_demo", "noise_effect", "png_bytes", "render_mix"]
