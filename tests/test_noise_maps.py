"""Average noise maps: where a generator's noise acts, and where ToyFaces' stochastic detail lies."""

import pytest
import torch

from stylegan_edu.configs import ModelConfig
from stylegan_edu.generator import Generator
from stylegan_edu.noise_maps import detail_map, level_strength, map_agreement, noise_map


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    cfg = ModelConfig(resolution=16, fmap_base=64, fmap_max=16, latent_size=16, dlatent_size=16, mapping_fmaps=16,
                      mapping_layers=2)
    return Generator(cfg).eval()


def test_noise_map_is_zero_without_noise_and_follows_the_layers_given_noise(G):
    # trained weights would be nonzero; a fresh generator's noise strengths start at 0, as in the paper
    assert noise_map(G, seeds=range(2), draws=4).abs().max() == 0
    with torch.no_grad():
        for e in G.synthesis.epilogues():
            e.noise.weight.fill_(0.5)
    m = noise_map(G, seeds=range(3), draws=4)
    assert m.shape == (16, 16) and (m > 0).all()
    last = [0.0] * (G.num_layers - 1) + [1.0]
    only_last = noise_map(G, seeds=range(3), draws=4, noise_strength=last)
    assert 0 < only_last.mean() < m.mean()
    assert torch.equal(noise_map(G, seeds=range(3), draws=4), m)  # fixed noise draws: repeatable


def test_noise_map_refuses_one_draw_and_no_faces(G):
    with pytest.raises(ValueError, match="draws must be at least 2"):
        noise_map(G, draws=1)
    with pytest.raises(ValueError, match="seeds is empty"):
        noise_map(G, seeds=[])


def test_detail_map_lies_on_the_hair_and_not_on_the_features():
    d = detail_map(64, seeds=range(28000, 28040), draws=4)
    assert d.shape == (64, 64)
    crown = d[12:24, 20:44].mean()  # the hair above the forehead, on most faces
    middle = d[30:40, 26:38].mean()  # eyes and nose: freckles, and the fringe of faces placed low
    corners = torch.cat([d[:4, :4].flatten(), d[:4, -4:].flatten()])
    assert crown > 2 * middle and corners.max() == 0, (crown, middle, corners.max())
    with pytest.raises(ValueError, match="draws must be at least 2"):
        detail_map(8, draws=1)


def test_level_strength_keeps_one_level():
    from stylegan_edu.configs import get_config

    cfg = get_config("toy-64")  # 10 layers: coarse 0-3, middle 4-7, fine 8-9
    for level in ("coarse", "middle", "fine"):
        s = level_strength(cfg, level)
        assert len(s) == cfg.num_layers and [i for i, v in enumerate(s) if v == 1.0] == cfg.level_layers(level)
        assert set(s) == {0.0, 1.0}


def test_map_agreement():
    a = torch.rand(8, 8)
    assert map_agreement(a, a) == pytest.approx(1.0)
    assert map_agreement(a, -a) == pytest.approx(-1.0)
    assert map_agreement(torch.zeros(8, 8), a) == 0.0
    big = torch.nn.functional.interpolate(a[None, None], size=(16, 16), mode="bilinear", align_corners=False)[0, 0]
    assert map_agreement(a, big) == pytest.approx(1.0, abs=1e-5)  # resized to the second's size first
