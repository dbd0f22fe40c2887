"""The ToyFaces cache (build, reuse, rebuild, atomicity), the loader, the fade-in helper and the CLI."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from stylegan_edu.cli import main
from stylegan_edu.data import (
    DataError,
    build_toyfaces,
    default_cache_root,
    downsample2x,
    fade_in_reals,
    load_toyfaces,
    open_dataset,
    render_seed,
    sample_attributes,
    toyfaces_folder,
)
from stylegan_edu.data import cache, generate, toyfaces


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """40 faces at 16 px (and 8, 4), drawn in this process."""
    return build_toyfaces(40, 16, tmp_path_factory.mktemp("cache") / "tf", workers=1, progress=False)


def _files(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_cache_layout_and_contents(small):
    m = json.loads((small / "manifest.json").read_text())
    assert m["kind"] == "toyfaces" and m["n"] == 40 and m["resolutions"] == [4, 8, 16]
    assert m["renderer_version"] == toyfaces.RENDERER_VERSION
    top = np.load(small / "images_16.npy", mmap_mode="r")
    assert isinstance(top, np.memmap) and top.dtype == np.uint8 and top.shape == (40, 3, 16, 16)
    for i in (0, 17, 39):
        np.testing.assert_array_equal(top[i], render_seed(i, 16)[0].transpose(2, 0, 1))
    # each lower resolution is the 2x2 average of the one above
    np.testing.assert_array_equal(np.load(small / "images_8.npy"), downsample2x(np.asarray(top)))
    np.testing.assert_array_equal(np.load(small / "images_4.npy"), downsample2x(np.load(small / "images_8.npy")))
    attrs = np.load(small / "attributes.npy")
    assert attrs.dtype == np.float32
    np.testing.assert_array_equal(attrs, np.stack([sample_attributes(i) for i in range(40)]))
    assert not list(small.parent.glob(".*"))  # no temporary folder left behind


def test_downsample2x_rounds_the_mean():
    x = np.array([[[[0, 1], [1, 1]]], [[[255, 255], [255, 254]]]], dtype=np.uint8)
    assert downsample2x(x).ravel().tolist() == [1, 255]  # 0.75 -> 1, 254.75 -> 255
    x = np.random.default_rng(0).integers(0, 256, (3, 3, 16, 8), dtype=np.uint8)
    blocks = x.astype(int).reshape(3, 3, 8, 2, 4, 2).sum((3, 5))
    np.testing.assert_array_equal(downsample2x(x), (blocks + 2) // 4)


# sha256 of the files of a 24-face cache at 32 px, as built before the renderer and the writer
# were made faster: renderer, downsampling and file layout together must not change a byte.
PINNED_CACHE = {
    "attributes.npy": "f5188c48bc44f20c357496ea933deabf0e5b24528f7c378f81a75226585f8bfa",
    "images_16.npy": "3c0c94f8dd5565896a2ab8a010cc3195697c5c720b01d446f275c3dcfa151a59",
    "images_32.npy": "14001c3e432f9fa62b3c04e786181bc4a45ce658c73a6db4805d5311a71e2bff",
    "images_4.npy": "7703e5db85b13fffac5d32a775f30bf608407e313c5a20f790ef26fdb52ef57c",
    "images_8.npy": "e9a075837866a4ba8edaa67ef8cc93225d9aafb8633f1e4a55b7312e35e29ff7",
}


def test_cache_files_are_pinned(tmp_path):
    out = build_toyfaces(24, 32, tmp_path / "tf", workers=1, progress=False)
    assert {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in out.glob("*.npy")} == PINNED_CACHE


def test_write_pyramid_fills_chunks_in_any_order_and_refuses_misfits(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (10, 3, 16, 16), dtype=np.uint8)
    cache.create_arrays(tmp_path, 10, 16)
    cache.write_pyramid(tmp_path, 6, x[6:])
    cache.write_pyramid(tmp_path, 0, x[:6])
    for r, expected in ((16, x), (8, downsample2x(x)), (4, downsample2x(downsample2x(x)))):
        np.testing.assert_array_equal(np.load(cache.image_file(tmp_path, r)), expected)
    with pytest.raises(ValueError, match="does not fit"):
        cache.write_pyramid(tmp_path, 8, x[:4])  # would run past the end
    with pytest.raises(ValueError, match="does not fit"):
        cache.write_pyramid(tmp_path, 0, x[:, :2])  # two channels
    with pytest.raises(ValueError, match="does not fit"):
        cache.write_pyramid(tmp_path, 0, x.astype(np.float32))


def test_same_images_whatever_the_number_of_workers(small, tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "CHUNK", 7)  # several tasks for the two workers
    two = build_toyfaces(40, 16, tmp_path / "two", workers=2, progress=False)
    for f in ("images_16.npy", "images_8.npy", "images_4.npy", "attributes.npy"):
        assert (two / f).read_bytes() == (small / f).read_bytes(), f


def test_reuse_does_not_render_again(tmp_path, monkeypatch):
    out = build_toyfaces(12, 8, tmp_path / "tf", workers=1, progress=False)
    before = _files(out)

    def boom(task):
        raise AssertionError("rendered again")

    monkeypatch.setattr(generate, "_render_chunk", boom)
    assert build_toyfaces(12, 8, out, workers=1, progress=False) == out
    assert _files(out) == before


def test_rebuild_when_n_or_renderer_version_changes(tmp_path, monkeypatch):
    out = build_toyfaces(12, 8, tmp_path / "tf", workers=1, progress=False)
    build_toyfaces(10, 8, out, workers=1, progress=False)
    assert open_dataset(out).images(8).shape[0] == 10
    monkeypatch.setattr(toyfaces, "RENDERER_VERSION", toyfaces.RENDERER_VERSION + 1)
    calls = []
    real = generate._render_chunk
    monkeypatch.setattr(generate, "_render_chunk", lambda t: calls.append(t) or real(t))
    build_toyfaces(10, 8, out, workers=1, progress=False)
    assert calls, "a new renderer version must rebuild"
    assert cache.read_manifest(out)["renderer_version"] == toyfaces.RENDERER_VERSION
    build_toyfaces(10, 16, out, workers=1, progress=False)  # a new top resolution rebuilds too
    assert open_dataset(out).resolutions == [4, 8, 16]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tf"]


def test_detail_cache_has_its_own_folder_manifest_and_images(small, tmp_path):
    assert toyfaces_folder(40, 16, tmp_path) == tmp_path / "toyfaces-n40-r16"
    assert toyfaces_folder(40, 16, tmp_path, detail=True) == tmp_path / "toyfaces-detail-n40-r16"
    detailed = load_toyfaces(40, 16, cache_dir=tmp_path, workers=1, progress=False, detail=True)
    assert detailed.folder == tmp_path / "toyfaces-detail-n40-r16"
    m = cache.read_manifest(detailed.folder)
    assert m["detail"] is True and "stochastic detail" in m["source"]
    assert cache.read_manifest(small)["detail"] is False
    plain = open_dataset(small)
    np.testing.assert_array_equal(detailed.attributes.numpy(), plain.attributes.numpy())  # same faces
    same = (detailed.images(16) == plain.images(16)).reshape(40, -1).all(1)
    assert not same.any()  # every face has hair, so every face changes somewhere
    np.testing.assert_array_equal(detailed.images(16)[5], toyfaces.render_seed(5, 16, detail=True)[0].transpose(2, 0, 1))


def test_asking_for_the_other_detail_setting_rebuilds(tmp_path):
    out = build_toyfaces(6, 8, tmp_path / "tf", workers=1, progress=False)
    build_toyfaces(6, 8, out, workers=1, progress=False, detail=True)
    assert cache.read_manifest(out)["detail"] is True
    assert generate.toyfaces_cache_matches(out, 6, 8, detail=True)
    assert not generate.toyfaces_cache_matches(out, 6, 8, detail=False)


def test_interrupted_build_leaves_the_old_cache_and_no_half_written_one(tmp_path, monkeypatch):
    out = build_toyfaces(12, 8, tmp_path / "tf", workers=1, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(generate, "CHUNK", 4)
    real, calls = generate._render_chunk, []

    def interrupted(task):
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(generate, "_render_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_toyfaces(20, 8, out, workers=1, progress=False)  # N changed: a rebuild, interrupted
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        build_toyfaces(20, 8, tmp_path / "new", workers=1, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tf"]  # no temp folder, no "new"


def test_never_builds_over_something_else(tmp_path):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "me.jpg").write_bytes(b"precious")
    with pytest.raises(DataError, match="not empty and holds no stylegan-edu dataset"):
        build_toyfaces(4, 8, other, workers=1, progress=False)
    assert (other / "me.jpg").read_bytes() == b"precious"
    with pytest.raises(DataError, match="power of two"):
        build_toyfaces(4, 12, tmp_path / "x", workers=1, progress=False)
    with pytest.raises(DataError, match="at most 128"):
        build_toyfaces(4, 256, tmp_path / "x", workers=1, progress=False)
    with pytest.raises(DataError, match="positive integer"):
        build_toyfaces(0, 8, tmp_path / "x", workers=1, progress=False)


def test_cache_root_default_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("STYLEGAN_EDU_CACHE", raising=False)
    assert default_cache_root().parts[-2:] == ("data", "cache")
    assert (default_cache_root().parent / "README.md").exists()  # the repository's data/ folder
    monkeypatch.setenv("STYLEGAN_EDU_CACHE", str(tmp_path))
    assert default_cache_root() == tmp_path
    assert toyfaces_folder(100, 32) == tmp_path / "toyfaces-n100-r32"
    ds = load_toyfaces(6, 8, workers=1, progress=False)
    assert ds.folder == tmp_path / "toyfaces-n6-r8" and len(ds) == 6


# ----------------------------------------------------------------------------------------------
# the loader


def test_dataset_api(small):
    ds = open_dataset(small)
    assert len(ds) == 40 and ds.resolutions == [4, 8, 16] and ds.resolution == 16
    assert ds.images(8).shape == (40, 3, 8, 8) and ds.images(8).dtype == np.uint8
    assert ds.attributes.dtype == torch.float32 and ds.attributes.shape == (40, len(toyfaces.ATTRIBUTES))
    assert ds.attribute_names == list(toyfaces.ATTRIBUTE_NAMES)
    assert ds.attribute_scales == list(toyfaces.ATTRIBUTE_SCALES)
    x, a = ds[3]
    assert x.shape == (3, 16, 16) and x.dtype == torch.float32
    torch.testing.assert_close(x, torch.from_numpy(render_seed(3, 16)[0].transpose(2, 0, 1)).float() / 127.5 - 1)
    assert ds.at(4)[3][0].shape == (3, 4, 4) and ds.resolution == 16
    with pytest.raises(DataError, match="resolution 32"):
        ds.images(32)


def test_batch_values_and_range(small):
    ds = open_dataset(small)
    x, a = ds.batch([5, 0, 5], resolution=8)
    assert x.shape == (3, 3, 8, 8) and x.dtype == torch.float32
    expected = torch.from_numpy(np.asarray(ds.images(8)[[5, 0, 5]])).float() / 127.5 - 1
    torch.testing.assert_close(x, expected)
    assert x.min() >= -1 and x.max() <= 1
    torch.testing.assert_close(a, ds.attributes[[5, 0, 5]])
    g = torch.Generator().manual_seed(1)
    x1, _ = ds.batch(16, generator=g)
    x2, _ = ds.batch(16, generator=torch.Generator().manual_seed(1))
    assert x1.shape == (16, 3, 16, 16) and torch.equal(x1, x2)


def test_batch_mirror_flips_images_and_attributes_together(small):
    ds = open_dataset(small)
    idx = list(range(40))
    plain, attrs = ds.batch(idx)
    x, a = ds.batch(idx, mirror=True, generator=torch.Generator().manual_seed(0))
    flipped = (a != attrs).any(1)
    assert 5 < flipped.sum() < 35  # about half are mirrored
    for i in range(40):
        if flipped[i]:
            assert torch.equal(x[i], plain[i].flip(2))
            torch.testing.assert_close(a[i], attrs[i] * ds.mirror_signs)
            # and the flipped image is exactly the face its new attributes describe
            redraw = toyfaces.render(a[i].numpy(), 16).transpose(2, 0, 1)
            torch.testing.assert_close(x[i], torch.from_numpy(redraw).float() / 127.5 - 1)
        else:
            assert torch.equal(x[i], plain[i])


def test_dataset_pickles_as_a_folder_reference(small):
    import pickle

    ds = open_dataset(small).at(8)
    data = pickle.dumps(ds)
    assert len(data) < 20000  # not the images
    back = pickle.loads(data)
    assert back.resolution == 8 and torch.equal(back[5][0], ds[5][0])


def test_open_dataset_refuses_incomplete_folders(tmp_path):
    with pytest.raises(DataError, match="no complete"):
        open_dataset(tmp_path)


# ----------------------------------------------------------------------------------------------
# fade-in of the reals


def test_fade_in_endpoints_and_middle():
    x = torch.tensor([[[[0.0, 2.0, 1.0, 1.0], [4.0, 6.0, -1.0, -3.0], [0, 0, 0, 0], [0, 0, 0, 8.0]]]])
    low = torch.tensor([[[[3.0, 3.0, -0.5, -0.5], [3.0, 3.0, -0.5, -0.5], [0, 0, 2, 2], [0, 0, 2, 2.0]]]])
    torch.testing.assert_close(fade_in_reals(x, 1.0), x)
    torch.testing.assert_close(fade_in_reals(x, 0.0), low)
    torch.testing.assert_close(fade_in_reals(x, 0.25), 0.25 * x + 0.75 * low)
    assert fade_in_reals(x, 0.25)[0, 0, 0, 0].item() == pytest.approx(0.25 * 0 + 0.75 * 3)
    with pytest.raises(ValueError, match="alpha"):
        fade_in_reals(x, 1.5)
    with pytest.raises(ValueError, match="even"):
        fade_in_reals(x[..., :3], 0.5)


# ----------------------------------------------------------------------------------------------
# CLI


def test_cli_toyfaces_builds_and_prints_the_folder(tmp_path, capsys):
    out = tmp_path / "tf"
    assert main(["data", "toyfaces", "--n", "8", "--resolution", "8", "--out", str(out), "--workers", "1"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert open_dataset(out).resolutions == [4, 8]


def test_cli_toyfaces_detail(tmp_path, capsys):
    out = tmp_path / "tf"
    assert main(["data", "toyfaces", "--n", "4", "--resolution", "8", "--out", str(out), "--workers", "1",
                 "--detail"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert cache.read_manifest(out)["detail"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["toyfaces", "--resolution", "48"], "power of two"),
        (["toyfaces", "--n", "0"], "positive integer"),
        (["toyfaces", "--workers", "0"], "--workers"),
        (["grid", "--seeds", "a-b"], "seeds must look like"),
        (["grid", "--size", "256"], "at most 128"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    argv = ["data", *args]
    if args[0] == "toyfaces":
        argv += ["--out", str(tmp_path / "tf")]
    else:
        argv += ["--out", str(tmp_path / "g.png")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not list(tmp_path.iterdir())


def test_cli_grid_writes_a_png(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "grid.png"
    assert main(["data", "grid", "--seeds", "0-3", "--size", "32", "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.format == "PNG" and im.width >= 2 * 32 and im.height > 2 * 32
    detailed = tmp_path / "detail.png"
    assert main(["data", "grid", "--seeds", "0-3", "--size", "32", "--out", str(detailed), "--detail"]) == 0
    with Image.open(out) as im, Image.open(detailed) as im_d:
        assert im_d.size == im.size and np.asarray(im_d).tolist() != np.asarray(im).tolist()


def test_cli_error_in_a_subprocess(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "stylegan_edu", "data", "toyfaces", "--resolution", "48", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "power of two" in r.stderr, r.stderr
