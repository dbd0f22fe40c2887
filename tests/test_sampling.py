"""Exported generators, the figure-3 mixing grid, and the generate / mix commands."""

import subprocess
import sys

import pytest
import torch
from PIL import Image

from stylegan_edu.configs import get_config
from stylegan_edu.generator import Generator, z_from_seeds
from stylegan_edu.mixing import mix_ws, parse_layers, style_mixing_grid
from stylegan_edu.pretrained import export_generator, load, load_generator
from stylegan_edu.train.checkpoint import CheckpointError, save_snapshot


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A snapshot as the trainer writes it, with a generator whose weights are not the initial ones."""
    torch.manual_seed(3)
    G = Generator("toy-32")
    with torch.no_grad():
        G.w_avg.normal_()
        for p in G.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    from stylegan_edu.train.config import get_train_config
    state = {"model_config": G.cfg.to_dict(), "train_config": get_train_config("toy-32").to_dict(),
             "G_ema": G.state_dict(), "progress": {"nimg": 1234, "step": 1, "opt_key": None}}
    path = save_snapshot(state, tmp_path_factory.mktemp("run"), 1234, keep=1)
    return path, G.eval()


def test_parse_layers():
    cfg = get_config("toy-64")
    assert parse_layers("coarse", cfg) == [0, 1, 2, 3]
    assert parse_layers("middle,fine", cfg) == [4, 5, 6, 7, 8, 9]
    assert parse_layers("0-2,7", cfg) == [0, 1, 2, 7]
    for bad in ("huge", "3-1x", "0-10"):
        with pytest.raises(ValueError):
            parse_layers(bad, cfg)


def test_mix_ws_replaces_only_given_layers():
    a, b = torch.zeros(2, 6, 3), torch.ones(2, 6, 3)
    out = mix_ws(a, b, [1, 4])
    assert out[:, [1, 4]].eq(1).all() and out[:, [0, 2, 3, 5]].eq(0).all() and a.eq(0).all()


def test_style_mixing_grid_layout(snapshot):
    _, G = snapshot
    rows, cols = [1, 2], [3, 4, 5]
    all_layers = list(range(G.num_layers))
    grid = style_mixing_grid(G, rows, cols, all_layers, psi=1.0).view(3, 4, 3, 32, 32)
    with torch.no_grad():
        faces = G(z_from_seeds(rows + cols, 128), noise_mode="const")
    assert grid[0, 0].eq(1).all()  # blank corner
    torch.testing.assert_close(grid[0, 1:], faces[2:], atol=1e-4, rtol=0)  # top row: column faces
    torch.testing.assert_close(grid[1:, 0], faces[:2], atol=1e-4, rtol=0)  # left column: row faces
    torch.testing.assert_close(grid[2, 1:], faces[2:], atol=1e-4, rtol=0)  # all styles copied: column face
    none = style_mixing_grid(G, rows, cols, [], psi=1.0).view(3, 4, 3, 32, 32)
    torch.testing.assert_close(none[1, 1:], faces[:1].expand(3, -1, -1, -1), atol=1e-4, rtol=0)
    coarse = style_mixing_grid(G, rows, cols, G.cfg.level_layers("coarse"), psi=1.0).view(3, 4, 3, 32, 32)
    assert not torch.allclose(coarse[1, 1], faces[0], atol=1e-3) and not torch.allclose(coarse[1, 1], faces[2], atol=1e-3)


def test_export_and_load_generator_roundtrip(snapshot, tmp_path):
    path, G = snapshot
    z = torch.randn(2, 128)
    with torch.no_grad():
        expected = G(z, noise_mode="const")
        from_snapshot = load_generator(path)(z, noise_mode="const")
        exported = export_generator(path, tmp_path / "g.pt")
        G2 = load_generator(exported)
        torch.testing.assert_close(G2(z, noise_mode="const"), expected)
    torch.testing.assert_close(from_snapshot, expected)
    assert not G2.training and not any(p.requires_grad for p in G2.parameters())
    torch.testing.assert_close(G2.w_avg, G.w_avg)
    assert exported.stat().st_size < path.stat().st_size * 2


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown pretrained model"):
        load("celebahq-1024")
    bad = tmp_path / "x.pt"
    torch.save({"weights": torch.zeros(2)}, bad)
    with pytest.raises(CheckpointError, match="neither a stylegan-edu generator"):
        load_generator(bad)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "stylegan_edu", *args], capture_output=True, text=True)


def test_generate_and_mix_commands(snapshot, tmp_path):
    path, _ = snapshot
    r = _cli("generate", "--ckpt", str(path), "--seeds", "0-5", "--columns", "3", "--out", str(tmp_path / "g.png"))
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "g.png").size == (3 * 34 + 2, 2 * 34 + 2)
    r = _cli("mix", "--ckpt", str(path), "--rows", "1,2,3", "--cols", "4,5", "--levels", "coarse",
             "--out", str(tmp_path / "m.png"))
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "m.png").size == (3 * 34 + 2, 4 * 34 + 2)
    r = _cli("export", "--ckpt", str(path), "--out", str(tmp_path / "exported.pt"))
    assert r.returncode == 0 and load_generator(tmp_path / "exported.pt").cfg.name == "toy-32"
    for args in (["generate", "--ckpt", str(tmp_path / "none.pt"), "--out", "x.png"],
                 ["export", "--ckpt", str(tmp_path / "m.png"), "--out", str(tmp_path / "e.pt")],
                 ["generate", "--ckpt", str(path), "--seeds", "a-b", "--out", "x.png"],
                 ["mix", "--ckpt", str(path), "--rows", "1", "--cols", "2", "--levels", "huge", "--out", "x.png"]):
        r = _cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_output_and_checkpoint_mistakes_are_named_and_nothing_is_overwritten(snapshot, tmp_path):
    path, _ = snapshot
    before = path.read_bytes()
    for args, says in (
            (["export", "--ckpt", str(path), "--out", str(path)], "is the snapshot being read"),
            (["export", "--ckpt", str(path), "--out", str(tmp_path)], "is a folder"),
            (["generate", "--ckpt", str(path), "--out", str(tmp_path)], "is a folder"),
            (["generate", "--ckpt", str(path), "--out", str(tmp_path / "g.txt")], "must be a .png"),
            (["mix", "--ckpt", str(path), "--rows", "1", "--cols", "2", "--out", "m.pdf"], "must be a .png"),
            (["generate", "--ckpt", str(tmp_path), "--out", str(tmp_path / "g.png")], "is a folder; name a .pt file"),
            (["generate", "--ckpt", "toyfaces-65", "--out", str(tmp_path / "g.png")], "shipped models are named"),
            (["generate", "--ckpt", str(path), "--device", "banana", "--out", str(tmp_path / "g.png")],
             "not a device name")):
        r = _cli(*args)
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    assert path.read_bytes() == before
