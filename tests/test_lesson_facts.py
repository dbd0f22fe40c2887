"""Numbers the lessons state in words or draw on their axes agree with the library."""

import math
from pathlib import Path

import torch

from stylegan_edu.configs import get_config
from stylegan_edu.layers import StyleAffine
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.schedule import phase_at, resolution_ticks, schedule_level

SRC = Path(__file__).resolve().parents[1] / "notebooks" / "src"


def test_schedule_plot_labels_are_the_resolutions():
    # lesson 01 plots schedule_level and labels its y axis with resolution_ticks
    for name, final in (("toy-32", 32), ("ffhq-1024", 1024)):
        cfg = get_train_config(name)
        levels, labels = resolution_ticks(cfg.start_resolution, final)
        assert labels[0] == str(cfg.start_resolution) and labels[-1] == str(final)
        label_at = dict(zip(levels, labels))
        phase_len = cfg.stable_kimg + cfg.fade_kimg
        for k in range(int(math.log2(final // cfg.start_resolution)) + 1):
            stable = phase_at(cfg, final, int((k * phase_len + cfg.stable_kimg / 2) * 1000))
            assert stable.alpha == 1.0
            assert label_at[schedule_level(stable)] == str(stable.resolution), (name, stable)
        fading = phase_at(cfg, final, int((phase_len + cfg.stable_kimg + cfg.fade_kimg / 2) * 1000))
        assert 0 < fading.alpha < 1
        # a fade-in ramps from the previous resolution's label up to its own
        assert math.log2(fading.resolution) - 1 < schedule_level(fading) < math.log2(fading.resolution)
    assert "resolution_ticks(" in (SRC / "01_progressive_growing.py").read_text()


def _level_pixels(cfg):
    levels = {}
    for layer in range(cfg.num_layers):
        levels.setdefault(cfg.level_of_layer(layer), set()).add(cfg.layer_resolution(layer))
    return {k: "–".join(str(r) for r in sorted(v)) + " px" for k, v in levels.items()}


def test_level_resolutions_in_lessons_05_and_06_match_the_model():
    px = _level_pixels(get_config("toy-64"))
    assert px == {"coarse": "4–8 px", "middle": "16–32 px", "fine": "64 px"}
    l05 = (SRC / "05_constant_input_and_noise.py").read_text()
    l06 = (SRC / "06_style_mixing.py").read_text()
    assert f"coarse layers ({px['coarse']})" in l05 and f"fine layers ({px['fine']})" in l05
    assert f"middle layers, {px['middle']}" in l05
    assert f"**coarse** ({px['coarse']})" in l06
    assert f"**middle** ({px['middle']}" in l06 and f"**fine** ({px['fine'].replace(' px', ' px here')}" in l06


def test_a_fresh_style_layer_is_not_the_identity():
    # lesson 04: only the affine layer's bias starts at 0; its weights are random, so y_s + 1 is 1 on average
    torch.manual_seed(0)
    affine = StyleAffine(512, 256)
    assert torch.count_nonzero(affine.dense.bias) == 0
    w = torch.randn(4096, 512)
    y_s, _ = affine(w)
    assert y_s.std().item() > 0.5  # about as large as w's entries: far from the identity for a given w
    assert abs(y_s.mean().item()) < 0.05  # centred on 0, so the scale y_s + 1 is 1 on average
