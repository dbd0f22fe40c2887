"""Figure 1(b) drawn from a config: every resolution is labelled, and the A, B and FC boxes are as many as the
config builds (counted both in what the function reports and in the text drawn on the axes)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from stylegan_edu.configs import get_config  # noqa: E402
from stylegan_edu.figure1b import draw_generator  # noqa: E402


def _texts(drawing) -> list[str]:
    return [t.get_text() for t in drawing.ax.texts]


@pytest.mark.parametrize("name", ["toy-64", "ffhq-1024"])
def test_every_resolution_and_every_style_and_noise_input_is_drawn(name):
    cfg = get_config(name)
    d = draw_generator(cfg)
    try:
        texts = _texts(d)
        assert d.details("block") == [(r, cfg.channels(r)) for r in cfg.resolutions]
        for r in cfg.resolutions:
            assert f"{r}×{r}" in texts
            assert f"{cfg.channels(r)} maps" in texts
        assert texts.count("A") == d.count("A") == cfg.num_layers
        assert texts.count("B") == d.count("B") == cfg.num_layers
        assert texts.count("AdaIN") == cfg.num_layers
        assert d.details("A") == list(range(cfg.num_layers))
        assert texts.count("FC") == d.count("fc") == cfg.mapping_layers == 8
        assert f"Const 4×4×{cfg.channels(4)}" in texts
        assert f"Image\n{cfg.resolution}×{cfg.resolution}×3" in texts
        # one convolution per style layer after the first, fused with the upsampling from 128 px
        assert d.count("conv") == cfg.num_layers - 1
        fused = [t for t in texts if t.startswith("Upsample + Conv")]
        assert len(fused) == sum(cfg.fused(r) for r in cfg.resolutions[1:])
        assert texts.count("Upsample") == texts.count("Conv 3×3\n+ blur") == len(cfg.resolutions) - 1 - len(fused)
        assert texts.count("Conv 3×3") == len(cfg.resolutions)  # the second conv of every row
    finally:
        plt.close(d.fig)


def test_the_drawing_follows_the_config_not_the_paper():
    cfg = get_config("toy-64").replace(mapping_layers=3, use_noise=False, resolution=16, resample="bilinear")
    d = draw_generator(cfg)
    try:
        texts = _texts(d)
        assert texts.count("FC") == 3
        assert texts.count("A") == cfg.num_layers == 6
        assert "B" not in texts and d.count("B") == 0
        assert d.details("block") == [(4, 128), (8, 128), (16, 128)]
        assert [t for t in texts if t in ("4×4", "8×8", "16×16", "32×32", "64×64")] == ["4×4", "8×8", "16×16"]
        assert "Image\n16×16×3" in texts
        assert texts.count("Upsample\n(bilinear)") == 2 and not any("blur" in t for t in texts)
    finally:
        plt.close(d.fig)
