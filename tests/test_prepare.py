"""Preparing a folder of real images into the cache format."""

import warnings

import numpy as np
import pytest
from PIL import Image

from stylegan_edu.cli import main
from stylegan_edu.data import (
    DataError,
    SkippedImagesWarning,
    build_toyfaces,
    downsample2x,
    open_dataset,
    prepare_folder,
)
from stylegan_edu.data import folder as folder_mod


def _solid(color, size=(40, 30), mode="RGB"):
    return Image.new(mode, size, color)


@pytest.fixture
def photos(tmp_path):
    """A messy source folder: JPEG/PNG of several shapes, grayscale, RGBA, a truncated JPEG, text."""
    src = tmp_path / "photos"
    (src / "sub").mkdir(parents=True)
    # wide red image with blue side bands: the centre crop must cut the bands away
    wide = np.zeros((30, 60, 3), np.uint8)
    wide[:] = (220, 20, 20)
    wide[:, :14] = wide[:, -14:] = (0, 0, 255)
    Image.fromarray(wide).save(src / "a_wide.png")
    _solid((20, 200, 30), (50, 80)).save(src / "b_tall.jpg", quality=95)
    _solid((240, 240, 20), (64, 64)).save(src / "sub" / "c_upper.JPG", quality=95)
    _solid((10, 10, 200), (32, 32)).save(src / "d.webp")
    _solid(128, (32, 32), mode="L").save(src / "e_gray.png")
    rgba = Image.new("RGBA", (32, 32), (0, 0, 0, 0))  # fully transparent: becomes white
    rgba.paste((255, 0, 0, 255), (0, 0, 32, 16))  # top half opaque red
    rgba.save(src / "f_rgba.png")
    full = src / "g_truncated.jpg"
    _solid((100, 100, 100), (64, 64)).save(full, quality=95)
    full.write_bytes(full.read_bytes()[:300])
    (src / "h_notes.txt").write_text("not an image\n")
    (src / "i_fake.png").write_text("a text file with a .png name\n")
    (src / ".hidden.jpg").write_bytes(b"ignored: hidden")
    return src


def test_prepare_a_messy_folder(photos, tmp_path):
    out = tmp_path / "out"
    with pytest.warns(SkippedImagesWarning) as record:
        assert prepare_folder(photos, out, resolution=16, workers=1, progress=False) == out.resolve()
    assert len(record) == 1  # one warning for all of them
    msg = str(record[0].message)
    assert msg.startswith("skipped 3 files")
    for name in ("g_truncated.jpg", "h_notes.txt", "i_fake.png"):
        assert name in msg
    assert ".hidden" not in msg

    ds = open_dataset(out)
    assert ds.kind == "image-folder" and len(ds) == 6 and ds.resolutions == [4, 8, 16]
    assert ds.attributes.shape == (6, 0) and ds.attribute_names == []
    names = (out / "files.txt").read_text().split()
    assert names == ["a_wide.png", "b_tall.jpg", "d.webp", "e_gray.png", "f_rgba.png", "sub/c_upper.JPG"]
    img = np.asarray(ds.images(16)).astype(int)
    assert np.abs(img[0] - np.array([220, 20, 20])[:, None, None]).max() <= 2  # bands cropped away
    assert np.abs(img[1] - np.array([20, 200, 30])[:, None, None]).max() <= 8  # JPEG
    assert np.abs(img[2] - np.array([10, 10, 200])[:, None, None]).max() <= 8  # WebP
    gray = img[3]
    assert (gray == 128).all()  # grayscale -> three equal channels
    rgba = img[4]
    assert (rgba[:, -2:] == 255).all()  # transparent bottom rows -> white
    assert (rgba[:, :2] == np.array([255, 0, 0])[:, None, None]).all()  # opaque top rows keep their colour
    np.testing.assert_array_equal(ds.images(8), downsample2x(np.asarray(ds.images(16))))
    assert not list(tmp_path.glob(".*"))  # no temporary folder left


def test_lanczos_resize_antialiases(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes: a plain subsample would give solid black or white
    Image.fromarray(stripes).save(src / "stripes.png")
    out = prepare_folder(src, tmp_path / "out", resolution=8, workers=1, progress=False)
    img = np.asarray(open_dataset(out).images(8))
    assert np.abs(img.astype(int) - 128).max() <= 8  # grey, up to a little ringing at the borders


def test_prepare_with_two_workers_gives_the_same_dataset(photos, tmp_path, monkeypatch):
    monkeypatch.setattr(folder_mod, "CHUNK", 2)
    with pytest.warns(SkippedImagesWarning):
        one = prepare_folder(photos, tmp_path / "one", resolution=8, workers=1, progress=False)
    with pytest.warns(SkippedImagesWarning):
        two = prepare_folder(photos, tmp_path / "two", resolution=8, workers=2, progress=False)
    for f in ("images_8.npy", "images_4.npy", "files.txt"):
        assert (one / f).read_bytes() == (two / f).read_bytes()


def test_bad_inputs(tmp_path, photos):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no .jpg/.jpeg/.png/.webp images found"):
        prepare_folder(empty, tmp_path / "o", workers=1, progress=False)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "x.jpg").write_text("not a jpeg")
    with pytest.raises(DataError, match="none of the 1 image files"):
        prepare_folder(junk, tmp_path / "o", workers=1, progress=False)
    with pytest.raises(DataError, match="does not exist"):
        prepare_folder(tmp_path / "missing", tmp_path / "o", workers=1, progress=False)
    for bad in (48, 2, 0):
        with pytest.raises(DataError, match="power of two"):
            prepare_folder(photos, tmp_path / "o", resolution=bad, workers=1, progress=False)
    assert not (tmp_path / "o").exists()
    assert not list(tmp_path.glob(".*"))


def test_never_overwrites_a_different_dataset(tmp_path, photos):
    toy = build_toyfaces(6, 8, tmp_path / "toy", workers=1, progress=False)
    before = {p.name: p.read_bytes() for p in toy.iterdir()}
    with pytest.raises(DataError, match="already holds a different dataset"):
        prepare_folder(photos, toy, resolution=8, workers=1, progress=False)
    assert {p.name: p.read_bytes() for p in toy.iterdir()} == before

    # a dataset prepared from another source folder is not replaced either
    other = tmp_path / "other"
    other.mkdir()
    _solid((1, 2, 3)).save(other / "x.png")
    prepared = prepare_folder(other, tmp_path / "prepared", resolution=8, workers=1, progress=False)
    with pytest.raises(DataError, match="already holds a different dataset"):
        prepare_folder(photos, prepared, resolution=8, workers=1, progress=False)
    assert len(open_dataset(prepared)) == 1
    # while preparing the same source again (another resolution) replaces it
    prepare_folder(other, prepared, resolution=16, workers=1, progress=False)
    assert open_dataset(prepared).resolutions == [4, 8, 16]


def test_interrupted_prepare_leaves_nothing_that_looks_complete(tmp_path, photos, monkeypatch):
    real, calls = folder_mod.load_square, []

    def interrupted(path, resolution):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, resolution)

    monkeypatch.setattr(folder_mod, "load_square", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_folder(photos, tmp_path / "out", resolution=8, workers=1, progress=False)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]


def test_cli_prepare(tmp_path, photos, capsys):
    out = tmp_path / "out"
    assert main(["data", "prepare", str(photos), "--resolution", "8", "--out", str(out), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out.resolve())
    warning_lines = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warning_lines) == 1 and "skipped 3 files" in warning_lines[0]
    assert len(open_dataset(out)) == 6


@pytest.mark.parametrize(
    "make, args, message",
    [
        ("empty", ["--resolution", "8"], "no .jpg/.jpeg/.png/.webp images found"),
        ("photos", ["--resolution", "100"], "power of two"),
        ("photos", ["--resolution", "8", "--out", "{toy}"], "already holds a different dataset"),
    ],
)
def test_cli_prepare_errors(tmp_path, photos, capsys, make, args, message):
    src = photos
    if make == "empty":
        src = tmp_path / "empty"
        src.mkdir()
    toy = build_toyfaces(4, 8, tmp_path / "toy", workers=1, progress=False)
    args = [a.format(toy=toy) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing else may be printed
        assert main(["data", "prepare", str(src), *args, "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()
