"""Real features read straight from a folder of image files (data.image_files): the same images, order and
mirroring as a cache prepared from that folder, the same with or without worker processes, and one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from stylegan_edu.data import (DataError, SkippedImagesWarning, UpscaledImagesWarning, open_dataset,
                               open_image_files, prepare_folder)
from stylegan_edu.metrics.run import real_features

RES = 64


def _pixels(x: torch.Tensor) -> torch.Tensor:
    """A 'feature network' that returns the pixels: equal features mean equal images, in the same order."""
    return x.flatten(1)


def _write_images(folder, n, sizes, seed=0):
    """n smooth random pictures (gradients and blobs, as photos are smooth), PNG and JPEG alternately,
    of the given (width, height) sizes in turn: neither square nor at the target size, so crop and resize act."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        w, h = sizes[i % len(sizes)]
        yy, xx = np.mgrid[0:h, 0:w] / max(w, h)
        colour = rng.uniform(0, 255, (3, 3))
        img = colour[:, 0] + colour[:, 1] * xx[..., None] + 0.5 * colour[:, 2] * np.sin(7 * yy[..., None] + i)
        img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
        ext = "png" if i % 2 else "jpg"
        Image.fromarray(img).save(folder / f"{i:03d}.{ext}", quality=90)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """(image folder, a cache prepared from it at RES px)."""
    root = tmp_path_factory.mktemp("photos")
    src = root / "src"
    _write_images(src, 40, [(80, 72), (66, 96), (70, 70), (128, 90)])
    cache = prepare_folder(src, root / "cache", resolution=RES, workers=1, progress=False)
    return src, cache


def test_folder_gives_the_cache_images_in_the_same_order_and_mirroring(photos):
    src, cache = photos
    files, ds = open_image_files(src, RES, workers=0), open_dataset(cache)
    assert len(files) == len(ds) == 40 and files.resolutions == [RES]
    for num, skip in ((30, 0), (10, 30)):  # skip: the second, disjoint set of --real-floor
        got = real_features(files, _pixels, num, RES, batch_size=8, seed=3, progress=False, skip=skip)
        want = real_features(ds, _pixels, num, RES, batch_size=8, seed=3, progress=False, skip=skip)
        np.testing.assert_array_equal(got, want)
    # the mirroring really happened: about half of the images differ from the unflipped ones of the same order
    order = torch.randperm(40, generator=torch.Generator().manual_seed(3))[:30]
    plain = ds.batch(order, RES)[0].flatten(1).double().numpy()
    got = real_features(files, _pixels, 30, RES, batch_size=8, seed=3, progress=False)
    assert 5 < (got != plain).any(axis=1).sum() < 25


def test_worker_processes_give_identical_features(photos):
    src, _ = photos
    one = real_features(open_image_files(src, RES, workers=0), _pixels, 40, RES, batch_size=16, seed=5,
                        progress=False)
    two = real_features(open_image_files(src, RES, workers=2), _pixels, 40, RES, batch_size=16, seed=5,
                        progress=False)
    np.testing.assert_array_equal(one, two)


def test_bad_folders_say_what_is_wrong(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        open_image_files(tmp_path / "nowhere", RES)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no pictures here")
    with pytest.raises(DataError, match="no .jpg/.jpeg/.png/.webp images found"):
        open_image_files(tmp_path / "empty", RES)
    with pytest.raises(DataError, match="power of two"):
        open_image_files(tmp_path / "empty", 48)

    _write_images(tmp_path / "mixed", 6, [(70, 70)])
    (tmp_path / "mixed" / "readme.md").write_text("not an image")
    with pytest.warns(SkippedImagesWarning, match="readme.md"):
        files = open_image_files(tmp_path / "mixed", RES, workers=0)
    assert len(files) == 6

    (tmp_path / "mixed" / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    with pytest.warns(SkippedImagesWarning):  # readme.md again
        files = open_image_files(tmp_path / "mixed", RES, workers=0)
    with pytest.raises(DataError, match=r"cannot read broken.jpg \(UnidentifiedImageError"):
        real_features(files, _pixels, 7, RES, batch_size=4, progress=False)

    _write_images(tmp_path / "small", 4, [(40, 50)])
    with pytest.warns(UpscaledImagesWarning, match="4 of the real images .* smaller than 64 px"):
        real_features(open_image_files(tmp_path / "small", RES, workers=0), _pixels, 4, RES, progress=False)
    with pytest.raises(ValueError, match="read at 64 px, not 32"):
        real_features(open_image_files(tmp_path / "small", RES, workers=0), _pixels, 4, 32, progress=False)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "stylegan_edu", "metrics", "--ckpt", "toyfaces-64", "--device",
                           "cpu", "--no-progress", *args], capture_output=True, text=True)


def test_cli_reads_a_folder_of_images_and_matches_the_prepared_cache(photos, tmp_path):
    src, cache = photos
    common = ("--metrics", "fid", "--num", "16", "--batch", "8")
    from_files = _cli(*common, "--data", str(src), "--workers", "2")
    assert from_files.returncode == 0, from_files.stderr
    from_cache = _cli(*common, "--data", str(cache))
    assert from_cache.returncode == 0, from_cache.stderr
    fid = json.loads(from_files.stdout)["metrics"]["fid_toy"]
    assert fid > 0 and fid == json.loads(from_cache.stdout)["metrics"]["fid_toy"]

    (tmp_path / "empty").mkdir()
    r = _cli(*common, "--data", str(tmp_path / "empty"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "no .jpg" in r.stderr
