"""Live demos for the lessons: each is a thin ipywidgets wire over a pure function that tests can call.

    render_mix(G, seed_a=1, seed_b=2, layers=G.cfg.level_layers("coarse"), psi=0.7, noise=1.0) -> PIL image
    mixing_demo(G)  # in a notebook: seeds, levels or a layer range, psi and noise; the picture updates live
"""

from __future__ import annotations

import io

import torch
from PIL import Image

from stylegan_edu.checks import check_number, check_psi, check_seed
from stylegan_edu.generator import Generator
from stylegan_edu.mixing import mix_ws, seed_styles
from stylegan_edu.viz import image_grid


@torch.no_grad()
def render_mix(G: Generator, seed_a: int, seed_b: int, layers, psi: float = 0.7, noise: float = 1.0,
               size: int = 128) -> Image.Image:
    """[face A | face B | A with the styles of `layers` from B], side by side, each `size` px wide.

    Noise uses the model's fixed noise images scaled by `noise` (0 = none), so only the controls change the
    picture. `layers`: style-layer indices (an empty list gives A again). seed_a, seed_b: integers in
    [0, 2**32 - 1]; psi: a finite number in [-2, 2]; noise: a finite number >= 0; size: 1 to 4096 px.
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
    imgs = G.synthesis(torch.cat([ws, mixed]), noise_mode="const", noise_strength=noise)
    return image_grid(imgs, columns=3, upscale_to=size)


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def level_layers(G: Generator, levels) -> list[int]:
    """Style layers of the chosen levels (any of coarse / middle / fine)."""
    return sorted(i for level in levels for i in G.cfg.level_layers(level))


def mixing_demo(G: Generator, seed_a: int = 1, seed_b: int = 2, max_seed: int = 1000):
    """Style mixing, live: source A and B seeds, which levels (or a layer range) take B, psi and noise.

    Returns the widget box; every callback reads the current values from the controls and calls render_mix.
    """
    import ipywidgets as widgets

    a = widgets.IntSlider(value=seed_a, min=0, max=max_seed, description="seed A")
    b = widgets.IntSlider(value=seed_b, min=0, max=max_seed, description="seed B")
    levels = widgets.ToggleButtons(options=["coarse", "middle", "fine", "range"], value="coarse",
                                   description="from B:", style={"button_width": "80px"})
    span = widgets.IntRangeSlider(value=(0, 3), min=0, max=G.num_layers - 1, description="layers",
                                  disabled=True)
    psi = widgets.FloatSlider(value=0.7, min=-1.0, max=1.0, step=0.05, description="psi")
    noise = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="noise")
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
        caption.value = (f"A = seed {a.value} &nbsp;|&nbsp; B = seed {b.value} &nbsp;|&nbsp; A with layers "
                         f"{layers[0]}&ndash;{layers[-1]} from B" if layers else "no layers from B")

    for control in (a, b, levels, span, psi, noise):
        control.observe(update, names="value")
    update()
    controls = widgets.VBox([a, b, levels, span, psi, noise])
    return widgets.HBox([controls, widgets.VBox([picture, caption])])


__all__ = ["level_layers", "mixing_demo", "png_bytes", "render_mix"]
