"""The live attribute-editing demo: a slider per editable attribute and a level selector, over a pure function.

    render_edit(G, dirs, seed=0, strengths={"glasses": 2.0, "yaw": -1.0}, level="all", psi=0.7) -> PIL image
    editing_demo(G, dirs)   # in a notebook: the face, its edited version, and the difference, live

Every slider adds strength x (the attribute's edit vector, `Directions.vector`) to the face's w; the level selector
limits the move to the coarse, middle or fine styles. The pure function is what pytest checks over the whole range
of every control; the widget only reads the controls and calls it.
"""

from __future__ import annotations

import base64

import torch
from PIL import Image

from stylegan_edu.checks import check_number, check_psi, check_seed

STRENGTH_MAX = 3.0  # the sliders run from -STRENGTH_MAX to +STRENGTH_MAX sd
LEVEL_CHOICES = ("all", "coarse", "middle", "fine")


@torch.no_grad()
def render_edit(G, dirs, seed: int = 0, strengths: dict | None = None, level: str = "all", psi: float = 0.7,
                size: int = 128, labels: bool = True) -> Image.Image:
    """[the face | the face with every strength applied | |difference| x 4], each `size` px.

    strengths: {attribute: strength in sd} for any of `dirs.names` (missing ones are 0), each in
    [-STRENGTH_MAX, STRENGTH_MAX]. level: 'all' or a style level. seed in [0, 2**32 - 1]; psi in [-2, 2].
    """
    from stylegan_edu.editing import edit, seed_ws
    from stylegan_edu.mixing import label_grid
    from stylegan_edu.viz import image_grid

    seed = check_seed("seed", seed)
    psi = check_psi(psi)
    size = check_number("size", size, 1, 4096, integer=True)
    if level not in LEVEL_CHOICES:
        raise ValueError(f"level must be one of {', '.join(LEVEL_CHOICES)}, got {level!r}")
    strengths = dict(strengths or {})
    step = torch.zeros(dirs.normals.shape[1])
    for name, s in strengths.items():
        s = check_number(f"strength of {name}", s, -STRENGTH_MAX, STRENGTH_MAX)
        if s:
            step += s * dirs.vector(name)
    ws = seed_ws(G, [seed], psi)
    edited = edit(G, ws, step.to(ws), [1.0], None if level == "all" else level)[:, 0]
    faces = G.synthesis(torch.cat([ws, edited]), noise_mode="const")
    diff = ((faces[1:] - faces[:1]).abs().mean(dim=1, keepdim=True) * 2).clamp(0, 1) * 2 - 1  # |d| x 4 of [0,1]
    grid = image_grid(torch.cat([faces, diff.expand(-1, 3, -1, -1)]), columns=3, upscale_to=size)
    if not labels:
        return grid
    moved = ", ".join(f"{n} {s:+g}" for n, s in strengths.items() if s) or "nothing"
    where = "all layers" if level == "all" else f"{level} styles"
    return label_grid(grid, columns=[f"seed {seed}", "edited", "|difference| \u00d74"],
                      title=f"{moved} ({where}); \u03c8 {psi:g}")


def _box(children, picture):
    """An HBox that also carries its picture as a plain PNG (as demos._demo_box): a viewer without widgets shows
    the picture the demo drew when it was run."""
    import ipywidgets as widgets

    class EditingDemo(widgets.HBox):
        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            data["text/plain"] = "attribute-editing demo (run the notebook to move its controls)"
            data["image/png"] = base64.b64encode(picture.value).decode("ascii")
            return data

    return EditingDemo(children)


def editing_demo(G, dirs, seed: int = 0, max_seed: int = 1000, psi: float = 0.7):
    """Attribute editing, live: a seed slider, a level selector, and a strength slider (-3 to 3 sd) per editable
    attribute. Returns the widget box; the callback reads every control and calls render_edit."""
    import ipywidgets as widgets

    from stylegan_edu.demos import png_bytes

    seed_w = widgets.IntSlider(value=seed, min=0, max=max_seed, description="seed")
    level = widgets.ToggleButtons(options=list(LEVEL_CHOICES), value="all", description="layers:",
                                  style={"button_width": "70px"})
    sliders = {n: widgets.FloatSlider(value=0.0, min=-STRENGTH_MAX, max=STRENGTH_MAX, step=0.5, description=n,
                                      continuous_update=False, style={"description_width": "110px"})
               for n in dirs.names}
    reset = widgets.Button(description="reset sliders")
    picture = widgets.Image(format="png")
    resetting = False

    def update(_=None):
        if resetting:
            return
        strengths = {n: s.value for n, s in sliders.items()}
        picture.value = _png(render_edit(G, dirs, seed_w.value, strengths, level.value, psi))

    def on_reset(_):
        nonlocal resetting
        resetting = True
        try:
            for s in sliders.values():
                s.value = 0.0
        finally:
            resetting = False
        update()

    _png = png_bytes
    for c in (seed_w, level, *sliders.values()):
        c.observe(update, names="value")
    reset.on_click(on_reset)
    update()
    controls = widgets.VBox([seed_w, level, reset, *sliders.values()])
    return _box([controls, picture], picture)


__all__ = ["LEVEL_CHOICES", "STRENGTH_MAX", "editing_demo", "render_edit"]
