"""The compiled generator (stylegan_edu.compiled, `--compile`): the same images as the eager G.

Compiling is slow on a CPU (about 30 s for the first compile of toy-32 on 2 cores with an empty cache), so one
compiled generator is shared by the tests of this file, and every call uses 5 latents: generate with 5 seeds and
a mixing grid of 1 row x 2 columns (1 + 2 + 2 images) then reuse the same compiled synthesis. The kernels land in
the same on-disk cache as the commands' (stylegan_edu.compiled.cache_dir), where the `generate --compile` test
finds them: about 65 s for this file in an empty cache, 20 s in a warm one. The inductor CPU backend needs a C++
compiler (g++ or $CXX): without one compile_generator raises a ValueError saying so and these tests fail; they
do not skip.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from stylegan_edu import cli_ckpt, compiled
from stylegan_edu.cli import build_parser, main
from stylegan_edu.compiled import CompiledGenerator, compile_generator
from stylegan_edu.generator import Generator, z_from_seeds
from stylegan_edu.mixing import style_mixing_grid
from stylegan_edu.pretrained import FORMAT, VERSION
from stylegan_edu.viz import image_grid

# torch 2.13's inductor imports torch.utils.mkldnn, which uses torch.jit.script_method and warns about it
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

SEEDS = [0, 1, 2, 3, 4]
TOL = 1e-3  # fp32: compiled kernels sum in another order; measured differences are about 3e-5


@pytest.fixture(scope="module")
def G():
    """toy-32 with weights moved off their initial values: the noise strengths start at zero, and a test of
    random noise on such a G would pass whatever noise the compiled one drew."""
    torch.manual_seed(3)
    G = Generator("toy-32").eval().requires_grad_(False)
    with torch.no_grad():
        G.w_avg.normal_()
        for p in G.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return G


@pytest.fixture(scope="module")
def Gc(G):
    return compile_generator(G)


@pytest.fixture(scope="module")
def z(G):
    return z_from_seeds(SEEDS, G.cfg.latent_size)


@torch.no_grad()
def test_const_noise_images_match_eager(G, Gc, z):
    want = G(z, truncation_psi=0.7, noise_mode="const")
    got = Gc(z, truncation_psi=0.7, noise_mode="const")
    assert isinstance(Gc, CompiledGenerator) and Gc.mapping.compiles >= 1 and Gc.compile_seconds() > 0
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, atol=TOL, rtol=0)


@torch.no_grad()
def test_random_noise_matches_eager_from_the_same_seed(G, Gc, z):
    torch.manual_seed(7)
    want = G(z, noise_mode="random")
    torch.manual_seed(7)
    got = Gc(z, noise_mode="random")
    torch.testing.assert_close(got, want, atol=TOL, rtol=0)
    # and the noise matters here, so the check above could fail
    torch.manual_seed(8)
    assert (G(z, noise_mode="random") - want).abs().max() > 100 * TOL


def test_mixing_grid_matches_eager_and_compiles_only_what_is_new(G, Gc, z):
    with torch.no_grad():
        Gc(z, noise_mode="const")  # compiled already when the tests run in order
    compiles = Gc.mapping.compiles, Gc.synthesis.compiles
    want = style_mixing_grid(G, [1], [2, 3], layers=[0, 1, 2, 3], psi=0.7)
    got = style_mixing_grid(Gc, [1], [2, 3], layers=[0, 1, 2, 3], psi=0.7)
    torch.testing.assert_close(got, want, atol=TOL, rtol=0)
    # mapping meets 3 latents (new: compiles again), synthesis 1 + 2 + 1 * 2 = 5 styles (as above: does not)
    assert (Gc.mapping.compiles, Gc.synthesis.compiles) == (compiles[0] + 1, compiles[1])


def test_shares_the_eager_generators_parameters_and_w_avg(G, Gc):
    assert {id(p) for p in Gc.parameters()} == {id(p) for p in G.parameters()}
    assert Gc.w_avg is G.w_avg and Gc.cfg is G.cfg and not Gc.training


def test_bad_modes_and_no_cpp_compiler_are_one_line_errors(G):
    with pytest.raises(ValueError, match="compile mode must be one of default, reduce-overhead"):
        compile_generator(G, "fast")
    with pytest.raises(ValueError, match="needs the generator on a CUDA device, not cpu"):
        compile_generator(G, "reduce-overhead")
    import torch._inductor.config as inductor  # it reads $CXX once, on import: set the compiler it searches for

    with inductor.patch({"cpp.cxx": (None, "/nonexistent/g++")}), pytest.raises(
            ValueError, match=r"needs a C\+\+ compiler \(install g\+\+ or set \$CXX\): No working") as e:
        compile_generator(G)
    assert "\n" not in str(e.value)


def test_the_cli_lists_the_library_modes():
    assert cli_ckpt.COMPILE_MODES == compiled.MODES


def test_cache_dir_is_the_users_choice_else_under_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    assert compiled.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    kernels = compiled.cache_dir().name  # one cache per choice of CPU kernels (see compiled._cpu_kernels)
    assert compiled.cache_dir() == tmp_path / "xdg" / "stylegan_edu" / "inductor" / kernels
    assert kernels.endswith("-onednn-all")
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert compiled.cache_dir().name.endswith("-onednn-avx2")
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", default_cache_dir())  # what importing inductor writes there
    assert compiled.cache_dir().parent == tmp_path / "xdg" / "stylegan_edu" / "inductor"


@pytest.mark.parametrize("command", ["generate", "mix", "metrics"])
def test_commands_take_compile_with_an_optional_mode(command):
    extra = {"generate": ["--out", "x.png"], "mix": ["--out", "x.png", "--rows", "1", "--cols", "2"],
             "metrics": []}[command]
    parse = lambda *a: build_parser().parse_args([command, "--ckpt", "m.pt", *extra, *a])
    assert parse().compile is None
    assert parse("--compile").compile == "default"
    assert parse("--compile", "max-autotune-no-cudagraphs").compile == "max-autotune-no-cudagraphs"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "stylegan_edu", *args], capture_output=True, text=True)


def test_generate_with_compile_gives_the_same_picture(G, z, tmp_path):
    torch.save({"format": FORMAT, "version": VERSION, "model_config": G.cfg.to_dict(), "G_ema": G.state_dict(),
                "info": {}}, tmp_path / "g.pt")  # as `stylegan-edu export` writes it
    r = _cli("generate", "--ckpt", str(tmp_path / "g.pt"), "--seeds", "0-4", "--device", "cpu", "--out",
             str(tmp_path / "compiled.png"), "--compile")
    assert r.returncode == 0, r.stderr
    assert "torch.compile (default): 2 compiling calls of mapping / synthesis took" in r.stderr
    with torch.no_grad():  # what `generate` without --compile saves (its defaults: psi 0.7, const noise)
        want = np.asarray(image_grid(G(z, truncation_psi=0.7, noise_mode="const")), dtype=int)
    got = np.asarray(Image.open(tmp_path / "compiled.png"), dtype=int)
    # 8-bit pixels: a difference of 1e-3 in [-1, 1] can still round one pixel to the next level
    assert got.shape == want.shape and np.abs(got - want).max() <= 1 and (got != want).mean() < 0.01

def test_cuda_graphs_on_a_cpu_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["generate", "--ckpt", "toyfaces-64", "--device", "cpu", "--out", str(tmp_path / "x.png"),
                 "--compile", "reduce-overhead"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'reduce-overhead' records CUDA graphs" in err, err
    assert main(["mix", "--ckpt", "x", "--rows", "1", "--cols", "2", "--out", "x.png", "--compile", "fast"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --compile: invalid choice: 'fast'" in err, err
