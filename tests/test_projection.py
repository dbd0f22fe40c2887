"""Projection into W/W+: the projector's schedule and regulariser, recovering a face the generator drew itself,
and the `project` command (files written, bad images as one-line errors, exit codes)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from stylegan_edu.cli import main
from stylegan_edu.projection import load_image, lr_at, noise_regularization, project, psnr

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def G():
    from stylegan_edu import pretrained

    return pretrained.load("toyfaces-64")


def test_learning_rate_ramps_up_and_down():
    assert lr_at(0.0) == 0.0
    assert math.isclose(lr_at(0.05), 0.1) and math.isclose(lr_at(0.5), 0.1)
    assert lr_at(0.9) < lr_at(0.8) < 0.1 and lr_at(0.999) < 1e-4


def test_noise_regularisation_is_small_for_white_noise_and_large_for_smooth_maps():
    g = torch.Generator().manual_seed(0)
    white = [torch.randn(2, 1, 32, 32, generator=g)]
    smooth = [torch.nn.functional.interpolate(torch.randn(2, 1, 4, 4, generator=g), size=32, mode="bilinear")]
    smooth = [(v - v.mean()) / v.std() for v in smooth]
    r_white, r_smooth = noise_regularization(white), noise_regularization(smooth)
    assert r_white.shape == (2,)
    assert (r_white < 0.01).all() and (r_smooth > 0.3).all()


def test_projecting_a_face_the_generator_drew_recovers_it(G):
    from stylegan_edu.editing import seed_ws

    with torch.no_grad():
        target = G.synthesis(seed_ws(G, [5], psi=0.7), noise_mode="const")
    start = G.synthesis(G.w_avg.expand(1, G.num_layers, -1), noise_mode="const")
    out = project(G, target, space="w", steps=100, progress=False)
    assert out["w"].shape == (1, G.w_avg.numel()) and out["ws"].shape == (1, G.num_layers, G.w_avg.numel())
    assert len(out["noise"]) == G.num_layers and out["noise"][-1].shape == (1, 1, 64, 64)
    before, after = float(psnr(target, start)), float(psnr(target, out["image"]))
    assert after > 25 and after > before + 8, (before, after)
    for v in out["noise"]:  # renormalised after every step
        assert abs(float(v.mean())) < 1e-4 and abs(float(v.std(unbiased=False)) - 1) < 1e-3
    plus = project(G, target, space="w+", steps=5, progress=False)
    assert plus["w"].shape == (1, G.num_layers, G.w_avg.numel())


def test_project_rejects_bad_arguments(G):
    t = torch.zeros(1, 3, 64, 64)
    with pytest.raises(ValueError, match="space must be one of w, w\\+"):
        project(G, t, space="z", steps=1, progress=False)
    with pytest.raises(ValueError, match="target must be"):
        project(G, torch.zeros(1, 3, 32, 32), steps=1, progress=False)
    with pytest.raises(ValueError, match="steps must be"):
        project(G, t, steps=0, progress=False)
    with pytest.raises(ValueError, match="NaN"):
        project(G, t * math.nan, steps=1, progress=False)


def _png(path, size=(80, 64), mode="RGB"):
    arr = (np.random.default_rng(0).random((size[1], size[0], 3 if mode == "RGB" else 4)) * 255).astype(np.uint8)
    Image.fromarray(arr, mode).save(path)
    return path


def test_load_image_crops_like_data_prepare_and_names_bad_files(tmp_path):
    x = load_image(_png(tmp_path / "a.png"), 64)
    assert x.shape == (1, 3, 64, 64) and -1 <= float(x.min()) and float(x.max()) <= 1
    assert load_image(_png(tmp_path / "rgba.png", mode="RGBA"), 32).shape == (1, 3, 32, 32)
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "cut.png").write_bytes((tmp_path / "a.png").read_bytes()[:200])
    for name, why in [("junk.png", "could not be read as an image: UnidentifiedImageError"),
                      ("notes.txt", "not a JPEG/PNG/WebP file"), ("missing.png", "no such file"),
                      ("cut.png", "could not be read as an image")]:
        with pytest.raises(ValueError, match=f"{name} \\({why}"):
            load_image(tmp_path / name, 64)


def test_project_command_writes_image_w_and_side_by_side(tmp_path, capsys, G):
    from stylegan_edu.data.toyfaces import render_seed

    img, _ = render_seed(100_000, 64)
    Image.fromarray(img).save(tmp_path / "face.png")
    out = tmp_path / "out"
    rc = main(["project", str(tmp_path / "face.png"), "--ckpt", "toyfaces-64", "--out", str(out), "--steps", "3",
               "--space", "w+", "--no-progress", "--device", "cpu", "--json"])
    assert rc == 0
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0 and '"space": "w+"' in line and '"distance": "toyfaces-features"' in line
    assert Image.open(out / "face-projected.png").size == (64, 64)
    assert Image.open(out / "face-side.png").size[0] > 2 * 128
    saved = torch.load(out / "face-w.pt", weights_only=True)
    assert saved["w"].shape == (G.num_layers, G.w_avg.numel()) and saved["space"] == "w+"
    with torch.no_grad():  # the saved w and noise redraw the saved picture
        again = G.synthesis(saved["ws"][None], noise=[v[None] for v in saved["noise"]], noise_mode="const")
    saved_png = np.asarray(Image.open(out / "face-projected.png"))
    redrawn = ((again[0].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    assert np.abs(saved_png.astype(int) - redrawn.astype(int)).max() <= 1


@pytest.mark.parametrize("files, extra, fragment", [
    (["junk.png"], [], "cannot project {d}/junk.png (could not be read as an image: UnidentifiedImageError)"),
    (["notes.txt"], [], "cannot project {d}/notes.txt (not a JPEG/PNG/WebP file)"),
    (["nothere.png"], [], "cannot project {d}/nothere.png (no such file)"),
    (["a.png"], ["--steps", "0"], "argument --steps: must be an integer in [1, 100000]"),
    (["a.png"], ["--steps", "nan"], "argument --steps"),
    (["a.png"], ["--space", "z"], "argument --space: invalid choice"),
    (["a.png"], ["--mse-weight", "-1"], "argument --mse-weight"),
    (["a.png", "sub/a.png"], [], "two images have the same file name"),
])
def test_project_command_bad_input_exits_2_with_one_line(tmp_path, capsys, files, extra, fragment):
    _png(tmp_path / "a.png")
    (tmp_path / "sub").mkdir()
    _png(tmp_path / "sub" / "a.png")
    (tmp_path / "junk.png").write_bytes(b"garbage")
    (tmp_path / "notes.txt").write_text("hello")
    argv = ["project", *[str(tmp_path / f) for f in files], "--ckpt", "toyfaces-64", "--out", str(tmp_path / "o"),
            "--no-progress", "--device", "cpu", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment.format(d=tmp_path) in err, err
    assert not (tmp_path / "o").exists()  # nothing written before the inputs are checked
