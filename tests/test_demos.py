"""The live mixing demo: the pure render function over the whole range of every control, and the widget wire."""

import base64
import time

import numpy as np
import pytest
import torch

from stylegan_edu.demos import NOISE_GAIN, NOISE_MAX, level_layers, mixing_demo, noise_effect, png_bytes, render_mix
from stylegan_edu.generator import Generator
from stylegan_edu.mixing import label_grid, layers_label, level_label, level_pixels, mixing_figure, styles_label


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    G = Generator("toy-32").eval().requires_grad_(False)
    with torch.no_grad():  # a random net with noise switched on and a w_avg away from 0
        G.w_avg.normal_()
        for e in G.synthesis.epilogues():
            e.noise.weight.fill_(0.5)
    return G


def panels(img, size=128, pad=2):
    """The four panels [A, B, mix, noise] of an unlabelled render_mix picture, without the padding."""
    a = np.asarray(img)
    assert a.shape == (size + 2 * pad, 4 * size + 5 * pad, 3)
    return [a[pad:pad + size, pad + i * (size + pad): pad + i * (size + pad) + size] for i in range(4)]


@pytest.mark.parametrize("seed_a,seed_b", [(0, 1), (1000, 0), (7, 7)])
@pytest.mark.parametrize("levels", [["coarse"], ["middle"], ["fine"], ["coarse", "middle", "fine"], []])
def test_render_mix_over_seeds_and_levels(G, seed_a, seed_b, levels):
    A, B, mix, _ = panels(render_mix(G, seed_a, seed_b, level_layers(G, levels), labels=False))
    if not levels or seed_a == seed_b:
        assert np.array_equal(mix, A)  # nothing taken from B (or B is A)
    elif len(levels) == 3:
        assert np.array_equal(mix, B)  # every style from B
    else:
        assert not np.array_equal(mix, A) and not np.array_equal(mix, B)


@pytest.mark.parametrize("psi", [0.0, 0.5, 1.0])  # the demo's psi slider: 0 to 1
@pytest.mark.parametrize("noise", [0.0, 1.0, 5.0, NOISE_MAX])
def test_render_mix_over_psi_and_noise(G, psi, noise):
    A, B, mix, shown = panels(render_mix(G, 3, 4, [0, 1], psi=psi, noise=noise, labels=False))
    A1, _, _, _ = panels(render_mix(G, 3, 4, [0, 1], psi=1.0, noise=noise, labels=False))
    assert not np.array_equal(A, B)  # the fine layers are never truncated (cutoff), so A and B always differ
    assert (psi == 1.0) == np.array_equal(A, A1)  # psi moves the picture
    if noise == 0:
        assert shown.max() == 0  # no noise: the noise panel is black
    else:
        assert (shown > 0).mean() > 0.05  # it shows where the noise changed the mix


def test_the_noise_panel_is_the_amplified_difference_and_grows_with_the_noise(G):
    x = torch.zeros(1, 3, 4, 4)
    y = x.clone()
    y[0, :, 0, 0] = 2 / NOISE_GAIN  # a change of 1/gain of the colour range [-1, 1] turns the pixel white
    y[0, :, 0, 1] = 0.5 / NOISE_GAIN
    e = noise_effect(y, x)
    assert e.shape == x.shape and e[0, 0, 0, 0] == 1 and e[0, 0, 0, 1] == -0.5 and e[0, 0, 1, 1] == -1
    means = [panels(render_mix(G, 3, 4, [0, 1], noise=n, labels=False))[3].mean() for n in (0.01, 0.05, 0.2)]
    assert means[0] < means[1] < means[2]


def test_noise_and_psi_change_the_picture(G):
    base = np.asarray(render_mix(G, 3, 4, [0, 1]))
    assert not np.array_equal(base, np.asarray(render_mix(G, 3, 4, [0, 1], noise=0.0)))
    assert not np.array_equal(base, np.asarray(render_mix(G, 3, 4, [0, 1], psi=1.0)))
    with pytest.raises(ValueError, match="layers must lie in"):
        render_mix(G, 3, 4, [G.num_layers])


def test_labels_sit_above_the_unlabelled_picture(G):
    plain = np.asarray(render_mix(G, 3, 4, [0, 1], labels=False))
    labelled = np.asarray(render_mix(G, 3, 4, [0, 1]))
    h, w, _ = plain.shape
    assert labelled.shape[0] > h and labelled.shape[1] >= w
    assert np.array_equal(labelled[-h:, :w], plain)  # the same panels under a band of text
    assert (labelled[:-h] < 128).any()  # the band holds dark text


def test_level_labels_come_from_the_config(G):
    # toy-32: coarse 4-8 px (layers 0-3), middle 16 px (4-5), fine 32 px (6-7)
    assert [level_label(G.cfg, lvl) for lvl in ("coarse", "middle", "fine")] == \
        ["coarse 4\u20138 px", "middle 16 px", "fine 32 px"]
    big = Generator("toy-64").cfg
    assert level_label(big, "middle") == "middle 16\u201332 px" and level_label(big, "fine") == "fine 64 px"
    assert layers_label(big, [2, 3, 4, 5]) == "layers 2\u20135 (8\u201316 px)"
    assert layers_label(big, [8]) == "layer 8 (64 px)" and level_pixels(big, []) == "no layers"
    assert styles_label(big, [0, 1, 2, 3]) == "the coarse styles (layers 0\u20133, 4\u20138 px)"
    assert styles_label(big, [1, 3]) == "the styles of layers 1, 3 (4\u20138 px)"


def test_label_grid_and_the_labelled_mixing_figure(G):
    from stylegan_edu.viz import image_grid

    grid = image_grid(torch.zeros(6, 3, 8, 8), columns=3)
    out = label_grid(grid, columns=["a", "b", "c"], rows=["r1", "r2"], title="title")
    assert out.size[0] > grid.size[0] and out.size[1] > grid.size[1]
    with pytest.raises(ValueError, match="needs column labels"):
        label_grid(grid)
    fig = mixing_figure(G, [1, 2], [3, 4, 5], G.cfg.level_layers("coarse"), upscale_to=32)
    assert fig.size[0] > 4 * 34 and fig.size[1] > 3 * 34


def test_image_grid_enlarges_by_a_whole_factor_to_at_least_upscale_to():
    from stylegan_edu.viz import image_grid

    faces = torch.rand(2, 3, 64, 64) * 2 - 1
    # 64 px tiles asked for 96 px: doubled (a factor of 1 would leave them small), every pixel a 2x2 block
    grid = np.asarray(image_grid(faces, columns=2, pad=0, upscale_to=96))
    assert grid.shape == (128, 256, 3)
    assert (grid[0::2, 0::2] == grid[1::2, 1::2]).all()
    assert image_grid(faces, columns=2, pad=0, upscale_to=64).size == (128, 64)  # already that size
    assert image_grid(faces[:, :, :32, :32], columns=2, pad=0, upscale_to=96).size == (192, 96)


def test_widget_controls_say_their_ranges(G):
    box = mixing_demo(G)
    a, b, levels, span, psi, noise = box.children[0].children
    assert [label for label, _ in levels.options[:3]] == [level_label(G.cfg, lvl) for lvl in ("coarse", "middle", "fine")]
    assert (psi.min, psi.max) == (0.0, 1.0)  # negative psi waits for lesson 07
    assert (noise.min, noise.max) == (0.0, NOISE_MAX)
    bundle = box._repr_mimebundle_()  # a viewer without widgets shows the demo's picture
    picture = box.children[1].children[0]
    assert base64.b64decode(bundle["image/png"]) == picture.value
    assert "application/vnd.jupyter.widget-view+json" in bundle and "demo" in bundle["text/plain"]


def test_widget_updates_the_image_when_a_control_moves(G):
    box = mixing_demo(G)
    controls, (picture, caption) = box.children[0].children, box.children[1].children
    a, b, levels, span, psi, noise = controls
    before = picture.value
    assert before == png_bytes(render_mix(G, a.value, b.value, G.cfg.level_layers("coarse")))
    timings = []
    fine = G.cfg.level_layers("fine")
    for move in (lambda: setattr(levels, "value", "fine"), lambda: setattr(a, "value", 5),
                 lambda: setattr(psi, "value", 0.3), lambda: setattr(noise, "value", NOISE_MAX),
                 lambda: setattr(noise, "value", 0.0), lambda: setattr(span, "value", (2, 5))):
        if len(timings) == 5:  # switch to "range": the slider keeps fine's layers, so the same picture
            shown = picture.value
            levels.value = "range"
            assert not span.disabled and picture.value == shown
        old = picture.value
        t0 = time.perf_counter()
        move()
        timings.append(time.perf_counter() - t0)
        assert picture.value != old
        if span.disabled:  # a level is chosen: the greyed-out slider shows that level's layers
            assert span.value == (fine[0], fine[-1])
    assert not span.disabled and "layers 2&ndash;5" in caption.value
    assert picture.value == png_bytes(render_mix(G, 5, b.value, [2, 3, 4, 5], psi=0.3, noise=0.0))
    print(f"widget callback times (toy-32, CPU): max {max(timings) * 1000:.0f} ms")


def test_noise_is_visible_in_the_shipped_model():
    """At the trained strength the noise changes the 64 px faces by about 1 % of the colour range; the demo's
    noise panel (x10) must still show it, and strength 10 must change the face itself visibly."""
    from stylegan_edu import pretrained

    G = pretrained.load("toyfaces-64")
    _, _, mix0, _ = panels(render_mix(G, 1, 2, [0, 1], noise=0.0, labels=False))
    _, _, mix1, shown1 = panels(render_mix(G, 1, 2, [0, 1], noise=1.0, labels=False))
    _, _, mix10, _ = panels(render_mix(G, 1, 2, [0, 1], noise=NOISE_MAX, labels=False))
    assert (shown1 > 64).mean() > 0.02  # a few percent of the panel lights up (the outlines)
    assert np.abs(mix10.astype(int) - mix0).mean() > 5 * np.abs(mix1.astype(int) - mix0).mean()
