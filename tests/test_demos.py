"""The live mixing demo: the pure render function over the whole range of every control, and the widget wire."""

import time

import numpy as np
import pytest
import torch

from stylegan_edu.demos import level_layers, mixing_demo, png_bytes, render_mix
from stylegan_edu.generator import Generator


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    G = Generator("toy-32").eval().requires_grad_(False)
    with torch.no_grad():  # a random net with noise switched on and a w_avg away from 0
        G.w_avg.normal_()
        for e in G.synthesis.epilogues():
            e.noise.weight.fill_(0.5)
    return G


def panels(img):
    a = np.asarray(img)
    w = (a.shape[1] - 2) // 3
    return [a[:, 2 + i * w: (i + 1) * w] for i in range(3)]


@pytest.mark.parametrize("seed_a,seed_b", [(0, 1), (1000, 0), (7, 7)])
@pytest.mark.parametrize("levels", [["coarse"], ["middle"], ["fine"], ["coarse", "middle", "fine"], []])
def test_render_mix_over_seeds_and_levels(G, seed_a, seed_b, levels):
    img = render_mix(G, seed_a, seed_b, level_layers(G, levels))
    assert img.size == (3 * 128 + 4 * 2, 128 + 2 * 2)
    A, B, mix = panels(img)
    if not levels or seed_a == seed_b:
        assert np.array_equal(mix, A)  # nothing taken from B (or B is A)
    elif len(levels) == 3:
        assert np.array_equal(mix, B)  # every style from B
    else:
        assert not np.array_equal(mix, A) and not np.array_equal(mix, B)


@pytest.mark.parametrize("psi", [-1.0, 0.0, 0.5, 1.0])
@pytest.mark.parametrize("noise", [0.0, 1.0, 2.0])
def test_render_mix_over_psi_and_noise(G, psi, noise):
    A, B, _ = panels(render_mix(G, 3, 4, [0, 1], psi=psi, noise=noise))
    A1, _, _ = panels(render_mix(G, 3, 4, [0, 1], psi=1.0, noise=noise))
    assert not np.array_equal(A, B)  # the fine layers are never truncated (cutoff), so A and B always differ
    assert (psi == 1.0) == np.array_equal(A, A1)  # psi moves the picture


def test_noise_and_psi_change_the_picture(G):
    base = np.asarray(render_mix(G, 3, 4, [0, 1]))
    assert not np.array_equal(base, np.asarray(render_mix(G, 3, 4, [0, 1], noise=0.0)))
    assert not np.array_equal(base, np.asarray(render_mix(G, 3, 4, [0, 1], psi=1.0)))
    with pytest.raises(ValueError, match="layers must lie in"):
        render_mix(G, 3, 4, [G.num_layers])


def test_widget_updates_the_image_when_a_control_moves(G):
    box = mixing_demo(G)
    controls, (picture, caption) = box.children[0].children, box.children[1].children
    a, b, levels, span, psi, noise = controls
    before = picture.value
    assert before == png_bytes(render_mix(G, a.value, b.value, G.cfg.level_layers("coarse")))
    timings = []
    fine = G.cfg.level_layers("fine")
    for move in (lambda: setattr(levels, "value", "fine"), lambda: setattr(a, "value", 5),
                 lambda: setattr(psi, "value", 0.3), lambda: setattr(noise, "value", 0.0),
                 lambda: setattr(span, "value", (2, 5))):
        if len(timings) == 4:  # switch to "range": the slider keeps fine's layers, so the same picture
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
    print(f"widget callback times (toy-32, CPU): max {max(timings) * 1000:.0f} ms")
