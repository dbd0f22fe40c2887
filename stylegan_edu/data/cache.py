"""The multi-resolution cache format shared by ToyFaces and prepared image folders.

A dataset is a folder:

    manifest.json        what it is (kind, renderer version, N, resolutions, source); written last
    images_64.npy        uint8 [N, 3, 64, 64]   one array per resolution, memory-mapped when read
    images_32.npy        ...                   each made from the one above by 2x2 averaging
    ...
    images_4.npy
    attributes.npy       float32 [N, A]         (A = 0 for image folders)

A build writes into a hidden temporary folder next to the target and renames it into place at the
end, so an interrupted build never leaves a folder that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from stylegan_edu.checks import number_problem

CACHE_FORMAT = 1
MANIFEST = "manifest.json"
ATTRIBUTES_FILE = "attributes.npy"


class DataError(ValueError):
    """Bad input for a data command (a one-line message meant for the user)."""


def default_cache_root() -> Path:
    """`$STYLEGAN_EDU_CACHE`, or `data/cache/` at the repository root (ignored by git)."""
    env = os.environ.get("STYLEGAN_EDU_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "data" / "cache"


def check_resolution(resolution: int, largest: int | None = None) -> int:
    """A power of two from 4 (up to `largest`), or a DataError."""
    bad, r = number_problem(resolution, 4, integer=True)
    if bad or r & (r - 1):
        raise DataError(f"resolution must be a power of two of at least 4, got {resolution}")
    if largest is not None and r > largest:
        raise DataError(f"resolution must be at most {largest}, got {resolution}")
    return r


def resolutions_down_from(top: int) -> list[int]:
    """[top, top/2, ..., 4]"""
    out = [top]
    while out[-1] > 4:
        out.append(out[-1] // 2)
    return out


def image_file(folder: Path, resolution: int) -> Path:
    return Path(folder) / f"images_{resolution}.npy"


def downsample2x(x: np.ndarray) -> np.ndarray:
    """uint8 [N, C, H, W] -> [N, C, H/2, W/2], each pixel the rounded mean of a 2x2 block."""
    s = x[..., 0::2, :].astype(np.uint16) + x[..., 1::2, :]  # pairs of rows first: whole rows at a time
    s = s[..., 0::2] + s[..., 1::2]  # then pairs of columns (sums up to 4 * 255: uint16 holds them)
    s += 2  # round half up
    s >>= 2
    return s.astype(np.uint8)


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a complete dataset folder, or None when there is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, manifest: dict) -> bool:
    """Every file the manifest promises is there with the right shape."""
    n = manifest.get("n")
    try:
        for r in manifest["resolutions"]:
            shape, dtype = _npy_header(image_file(folder, r))
            if shape != (n, 3, r, r) or dtype != np.uint8:
                return False
        attrs = np.load(Path(folder) / ATTRIBUTES_FILE)  # small; loaded whole (it may have 0 columns)
        return attrs.shape == (n, len(manifest.get("attribute_names", []))) and attrs.dtype == np.float32
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _npy_header(path: Path):
    arr = np.load(path, mmap_mode="r")  # reads only the header; the data stays on disk
    return arr.shape, arr.dtype


def check_target(folder: Path, kind: str, source: str) -> dict | None:
    """Refuse to build over something that is not an earlier version of the same dataset.

    Returns the existing manifest (same kind and source) or None when the folder is free.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder} exists and is not a folder")
    if not folder.exists() or not any(folder.iterdir()):
        return None
    manifest = read_manifest(folder)
    if manifest is None:
        raise DataError(f"{folder} is not empty and holds no stylegan-edu dataset; choose another output folder")
    if manifest.get("kind") != kind or manifest.get("source") != source:
        raise DataError(
            f"{folder} already holds a different dataset ({manifest.get('kind')} from {manifest.get('source')}); "
            "choose another output folder"
        )
    return manifest


def write_manifest(folder: Path, manifest: dict) -> None:
    manifest = {"format": CACHE_FORMAT, **manifest}
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


@contextlib.contextmanager
def building(final: Path):
    """Yield a fresh temporary folder next to `final`; on success it replaces `final` in one rename.

    On any error (Ctrl-C included) the temporary folder is removed and `final` is left as it was.
    """
    final = Path(final).resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(final)
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        if not (tmp / MANIFEST).is_file():
            raise RuntimeError("a build must write its manifest last, before the folder is committed")
        if final.exists():
            old = final.parent / f".{final.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            os.rename(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove_stale_temporaries(final: Path) -> None:
    """Temporary folders left by a build that was killed (its process is gone)."""
    for p in final.parent.glob(f".{final.name}.*-*-*"):
        try:
            pid = int(p.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            pass


def create_arrays(folder: Path, n: int, top: int) -> None:
    """Allocate the (empty) image files of every resolution, ready to be filled by `write_pyramid`."""
    for r in resolutions_down_from(top):
        arr = np.lib.format.open_memmap(image_file(folder, r), mode="w+", dtype=np.uint8, shape=(n, 3, r, r))
        del arr


def write_pyramid(folder: Path, start: int, images: np.ndarray) -> None:
    """Store a chunk of top-resolution images [k, 3, R, R] at index `start`, and its smaller versions.

    Several processes may fill disjoint chunks of the same files at once. Each chunk is a plain
    write at its byte offset: it lands in the page cache, where every process (and the reader
    after the build) sees it, and the kernel writes it to disk in the background. (Writing through
    a memmap and flushing it after every chunk made each worker wait for the disk.)
    """
    x = images
    while True:
        r = x.shape[-1]
        with open(image_file(folder, r), "r+b") as f:
            shape, dtype = _read_npy_header(f)
            if shape[1:] != x.shape[1:] or dtype != x.dtype or start + len(x) > shape[0]:
                raise ValueError(f"a chunk {x.shape} {x.dtype} at {start} does not fit {f.name} {shape} {dtype}")
            f.seek(f.tell() + start * math.prod(shape[1:]) * dtype.itemsize)  # after the header, image by image
            f.write(np.ascontiguousarray(x).data)
        if r == 4:
            break
        x = downsample2x(x)


def _read_npy_header(f):
    """(shape, dtype) of the open .npy file `f`, leaving it positioned at the first data byte."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    return shape, dtype
