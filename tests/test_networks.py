"""Generator and discriminator: official parameter counts and the behaviour of each paper feature."""

import json
import subprocess
import sys

import pytest
import torch

from stylegan_edu.configs import CONFIGS, ModelConfig, get_config
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import Generator, mix_styles, truncate, z_from_seeds
from stylegan_edu.info import count_params, model_summary
from stylegan_edu.resample import upscale2d, downscale2d

OFFICIAL = {"mapping": 2101248, "synthesis": 24118379, "generator": 26219627, "discriminator": 23087249}


@pytest.fixture(scope="module")
def ffhq():
    torch.manual_seed(0)
    return Generator("ffhq-1024"), Discriminator("ffhq-1024")


@pytest.fixture
def toy():
    G = Generator("toy-32").eval()
    with torch.no_grad():  # give w_avg and the noise weights non-trivial values
        G.w_avg.normal_()
        for ep in G.synthesis.epilogues():
            ep.noise.weight.normal_()
    return G


def test_info_json_prints_official_counts():
    out = subprocess.run([sys.executable, "-m", "stylegan_edu", "info", "--config", "ffhq-1024", "--json"],
                         capture_output=True, text=True, check=True).stdout
    counts = json.loads(out)
    assert {k: counts[k] for k in OFFICIAL} == OFFICIAL
    assert counts["num_style_layers"] == 18


def test_info_table_and_bad_config():
    from stylegan_edu.cli import main
    assert main(["info", "--config", "toy-64"]) == 0
    r = subprocess.run([sys.executable, "-m", "stylegan_edu", "info", "--config", "nope"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "unknown config 'nope'" in r.stderr


def test_component_counts_match_official_breakdown(ffhq):
    G, D = ffhq
    syn = G.synthesis
    assert sum(count_params(m) for m in syn.torgb) == 7659
    assert sum(count_params(ep.affine) for ep in syn.epilogues()) == 5220288
    assert sum(ep.noise.weight.numel() for ep in syn.epilogues()) == 5088
    assert syn.input.const.numel() == 8192
    assert sum(count_params(m) for m in D.fromrgb) == 10176
    # buffers, not parameters
    assert G.w_avg.numel() == 512 and not any(p is G.w_avg for p in G.parameters())
    assert sum(ep.noise_const.numel() for ep in syn.epilogues()) == 2796192
    assert D.epilogue.conv.weight.shape[1] == 513 and D.epilogue.dense0.in_features == 8192


def test_channel_table_and_style_layers():
    cfg = get_config("ffhq-1024")
    assert [cfg.channels(r) for r in cfg.resolutions] == [512, 512, 512, 512, 256, 128, 64, 32, 16]
    assert cfg.num_layers == 18
    assert cfg.level_layers("coarse") == [0, 1, 2, 3]
    assert cfg.level_layers("middle") == [4, 5, 6, 7]
    assert cfg.level_layers("fine") == list(range(8, 18))
    assert [cfg.fused(r) for r in cfg.resolutions] == [False] * 5 + [True] * 4
    for name in CONFIGS:  # every preset has all three levels so mixing demos work
        c = get_config(name)
        assert all(c.level_layers(level) for level in ("coarse", "middle", "fine")), name


def test_resample_modes_keep_parameter_count():
    base = model_summary(get_config("toy-32"))
    for mode in ("bilinear", "nearest"):
        other = model_summary(get_config("toy-32").replace(resample=mode))
        assert other["generator"] == base["generator"] and other["discriminator"] == base["discriminator"]


def test_config_roundtrip_and_bad_values():
    cfg = get_config("toy-64")
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="power of two"):
        ModelConfig(resolution=48)
    with pytest.raises(ValueError, match="resample"):
        ModelConfig(resample="bicubic")
    with pytest.raises(ValueError, match="unknown config"):
        get_config("ffhq-2048")
    with pytest.raises(ValueError, match="unknown model config keys"):
        ModelConfig.from_dict({"resolution": 64, "colour": 1})


def test_generator_fade_in_endpoints(toy):
    z = torch.randn(2, 128)
    with torch.no_grad():
        low = toy(z, resolution=16, noise_mode="const")
        new = toy(z, resolution=32, alpha=1.0, noise_mode="const")
        torch.testing.assert_close(toy(z, resolution=32, alpha=0.0, noise_mode="const"), upscale2d(low))
        torch.testing.assert_close(toy(z, resolution=32, alpha=1.0, noise_mode="const"), new)
        mid = toy(z, resolution=32, alpha=0.25, noise_mode="const")
        torch.testing.assert_close(mid, 0.75 * upscale2d(low) + 0.25 * new, atol=1e-5, rtol=1e-5)
    assert new.shape == (2, 3, 32, 32) and low.shape == (2, 3, 16, 16)


def test_discriminator_fade_in_endpoints():
    D = Discriminator("toy-32")
    img = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(D(img, alpha=0.0), D(downscale2d(img)))
        assert not torch.allclose(D(img, alpha=1.0), D(downscale2d(img)))
        for r in (4, 8, 16, 32):
            assert D(torch.randn(4, 3, r, r), alpha=0.5).shape == (4, 1)


def test_truncation_psi_zero_and_one(toy):
    z = torch.randn(3, 128)
    cutoff = toy.cfg.truncation_cutoff
    _, info0 = toy(z, truncation_psi=0.0, return_features=True)
    ws = info0["ws"]
    torch.testing.assert_close(ws[:, :cutoff], toy.w_avg.expand(3, cutoff, -1))
    torch.testing.assert_close(ws[:, cutoff:], info0["w"].unsqueeze(1).expand(-1, toy.num_layers - cutoff, -1))
    _, info1 = toy(z, truncation_psi=1.0, return_features=True)
    torch.testing.assert_close(info1["ws"], info1["w"].unsqueeze(1).expand(-1, toy.num_layers, -1))
    # psi = 0.5 halfway, by the formula w_avg + psi (w - w_avg)
    w = torch.randn(2, 8, 128)
    torch.testing.assert_close(truncate(w, toy.w_avg, 0.5, 8), toy.w_avg + 0.5 * (w - toy.w_avg))


def test_truncation_is_applied_to_w_not_z(toy):
    # truncating z instead of w would leave ws equal to mapping(psi * z); check it does not
    z = torch.randn(2, 128)
    _, info = toy(z, truncation_psi=0.5, truncation_cutoff=toy.num_layers, return_features=True)
    expected = toy.w_avg + 0.5 * (toy.mapping(z) - toy.w_avg)
    torch.testing.assert_close(info["ws"][:, 0], expected)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_mixing_crossover_gives_early_layers_first_w(toy, k):
    z1, z2 = torch.randn(2, 128), torch.randn(2, 128)
    _, info = toy(z1, z_mix=z2, crossover=k, return_features=True)
    w1, w2 = toy.mapping(z1), toy.mapping(z2)
    ws = info["ws"]
    for layer in range(toy.num_layers):
        torch.testing.assert_close(ws[:, layer], w1 if layer < k else w2)
    ws_direct = mix_styles(w1[:, None].repeat(1, 8, 1), w2[:, None].repeat(1, 8, 1), k)
    torch.testing.assert_close(ws_direct, ws)


def test_random_crossover_range_and_mixing_probability(toy):
    seen = {toy.random_crossover(32) for _ in range(300)}
    assert seen == set(range(1, 8))
    assert {toy.random_crossover(8) for _ in range(100)} == {1, 2, 3}
    z = torch.randn(2, 128)
    _, info = toy(z, style_mixing_prob=0.0, return_features=True)  # never mixes
    assert torch.equal(info["ws"][:, 0], info["ws"][:, -1])
    mixed = 0
    for _ in range(100):
        ws = toy(z, style_mixing_prob=0.9, return_features=True)[1]["ws"]
        mixed += not torch.equal(ws[:, 0], ws[:, -1])
    assert 78 <= mixed <= 98  # 90 expected; bounds are about 3 standard deviations


def test_w_avg_tracking_uses_beta():
    G = Generator("toy-32")
    w = torch.randn(16, 128)
    G.update_w_avg(w)
    torch.testing.assert_close(G.w_avg, (1 - 0.995) * w.mean(0))
    prev = G.w_avg.clone()
    z = torch.randn(4, 128)
    G(z, update_w_avg=True)
    torch.testing.assert_close(G.w_avg, torch.lerp(G.mapping(z).mean(0), prev, 0.995).detach())


def test_zero_initialised_noise_weights_leave_output_unchanged():
    G = Generator("toy-32")
    z = torch.randn(2, 128)
    with torch.no_grad():
        torch.testing.assert_close(G(z, noise_mode="random"), G(z, noise_mode="none"))
        for ep in G.synthesis.epilogues():
            ep.noise.weight.fill_(0.5)
        assert not torch.allclose(G(z, noise_mode="random"), G(z, noise_mode="none"))


def test_noise_modes_strength_and_explicit_noise(toy):
    z = torch.randn(2, 128)
    with torch.no_grad():
        const_a, const_b = toy(z, noise_mode="const"), toy(z, noise_mode="const")
        torch.testing.assert_close(const_a, const_b)
        assert not torch.allclose(toy(z, noise_mode="random"), toy(z, noise_mode="random"))
        # strength 0 equals no noise; per-layer strengths: zero everywhere but the last layer changes only it
        torch.testing.assert_close(toy(z, noise_mode="const", noise_strength=0.0), toy(z, noise_mode="none"))
        only_last = [0.0] * 7 + [1.0]
        _, f_last = toy(z, noise_mode="const", noise_strength=only_last, return_features=True)
        _, f_none = toy(z, noise_mode="none", return_features=True)
        torch.testing.assert_close(f_last["features"][6], f_none["features"][6])
        assert not torch.allclose(f_last["features"][7], f_none["features"][7])
        explicit = [ep.noise_const for ep in toy.synthesis.epilogues()]
        torch.testing.assert_close(toy(z, noise=explicit, noise_mode="none"), const_a)
    with pytest.raises(ValueError, match="noise_strength needs"):
        toy(z, noise_strength=[1.0, 2.0])
    with pytest.raises(ValueError, match="noise_mode"):
        toy(z, noise_mode="fixed")


def test_return_features_shapes(toy):
    z = torch.randn(2, 128)
    img, info = toy(z, return_features=True)
    cfg = toy.cfg
    assert [f.shape[-1] for f in info["features"]] == [cfg.layer_resolution(i) for i in range(8)]
    assert [f.shape[1] for f in info["features"]] == [cfg.channels(cfg.layer_resolution(i)) for i in range(8)]
    assert [s[0].shape for s in info["styles"]] == [(2, f.shape[1]) for f in info["features"]]
    assert [r.shape[-1] for r in info["rgb"]] == [4, 8, 16, 32]
    torch.testing.assert_close(info["rgb"][-1], img)
    assert info["w"].shape == (2, 128) and info["ws"].shape == (2, 8, 128)


def test_same_seed_same_image_and_different_seeds_differ():
    G = Generator("toy-32")
    z = z_from_seeds([3, 3, 4], 128)
    torch.testing.assert_close(z[0], z[1])
    with torch.no_grad():
        torch.manual_seed(7)
        a = G(z)
        torch.manual_seed(7)
        b = G(z)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a[0], a[1])
    assert not torch.allclose(a[0], a[2])


def test_bad_inputs_give_clear_errors(toy):
    D = Discriminator("toy-32")
    z = torch.randn(2, 128)
    with pytest.raises(ValueError, match=r"resolution must be a power of two in \[4, 32\]"):
        toy(z, resolution=24)
    with pytest.raises(ValueError, match=r"resolution must be a power of two in \[4, 32\]"):
        toy(z, resolution=64)
    with pytest.raises(ValueError, match="alpha"):
        toy(z, alpha=1.5)
    with pytest.raises(ValueError, match="mapping expects z"):
        toy(torch.randn(2, 64))
    with pytest.raises(ValueError, match="crossover"):
        toy(z, z_mix=z, crossover=9)
    with pytest.raises(ValueError, match="synthesis expects ws"):
        toy.synthesis(torch.randn(2, 8, 64))
    with pytest.raises(ValueError, match="square images"):
        D(torch.randn(4, 3, 32, 16))
    with pytest.raises(ValueError, match="power of two"):
        D(torch.randn(4, 3, 12, 12))


def test_cpu_bf16_autocast_forward_backward_is_finite():
    G, D = Generator("toy-32"), Discriminator("toy-32")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        img = G(torch.randn(4, 128))
        score = D(img)
    assert img.dtype == torch.bfloat16
    score.float().sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in G.parameters() if p.grad is not None)


@pytest.mark.slow
def test_full_1024_forward_backward_on_cpu(ffhq):
    G, D = ffhq
    img = G(torch.randn(1, 512))
    assert img.shape == (1, 3, 1024, 1024) and torch.isfinite(img).all()
    D(img).sum().backward()
    grads = [p.grad for p in list(G.parameters()) + list(D.parameters()) if p.grad is not None]
    assert len(grads) > 100 and all(torch.isfinite(g).all() for g in grads)
    assert G.mapping.layers[0].weight.grad.abs().sum() > 0  # gradients reach the mapping network


def test_dtype_follows_the_model_and_inputs():
    G, D = Generator("toy-32").double(), Discriminator("toy-32").double()
    img = G(torch.randn(4, 128, dtype=torch.float64), noise_mode="random")
    assert img.dtype == torch.float64 and D(img).dtype == torch.float64


def test_library_hard_codes_no_device():
    from pathlib import Path
    import stylegan_edu
    for path in Path(stylegan_edu.__file__).parent.rglob("*.py"):
        src = path.read_text()
        assert ".cuda(" not in src and 'device="cuda"' not in src, path


def test_a_noise_image_passed_as_noise_mode_is_refused_not_replaced_by_random_noise():
    from stylegan_edu.synthesis import LayerEpilogue

    epi = LayerEpilogue(8, 16, 4, use_noise=True)
    x, w, noise = torch.randn(2, 8, 4, 4), torch.randn(2, 16), torch.randn(2, 1, 4, 4)
    with pytest.raises(ValueError, match=r"noise_mode must be one of .* got a tensor of shape \[2, 1, 4, 4\]"):
        epi(x, w, noise)  # positionally, the noise lands in noise_mode
    torch.testing.assert_close(epi(x, w, noise=noise)[0], epi(x, w, "random", noise)[0])


def test_truncate_and_mix_styles_ask_for_per_layer_styles():
    w = torch.randn(3, 128)
    with pytest.raises(ValueError, match=r"truncate needs per-layer styles .* \[3, 128\]: broadcast"):
        truncate(w, torch.zeros(128), 0.7, 8)
    with pytest.raises(ValueError, match=r"mix_styles needs per-layer styles .* \[3, 128\]: broadcast"):
        mix_styles(w, w, 4)
