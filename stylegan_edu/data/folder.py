"""Prepare a folder of real photos (FFHQ, CelebA, your own) in the multi-resolution cache format.

Every .jpg/.jpeg/.png/.webp below the source folder (any case, hidden files and folders skipped),
in sorted path order: centre-cropped to a square, resized with a Lanczos filter (it anti-aliases
when shrinking), converted to RGB. Transparent images are composited on white. Files that cannot
be read are skipped and reported in one `SkippedImagesWarning`.
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from tqdm.auto import tqdm

from stylegan_edu.data import cache
from stylegan_edu.data.cache import DataError

KIND = "image-folder"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
CHUNK = 64
_LISTED = 50  # files named in the warning; the full list goes to skipped.txt


class SkippedImagesWarning(UserWarning):
    """Some files under the source folder were not usable images."""


def list_files(src: Path) -> tuple[list[Path], list[Path]]:
    """(image candidates, other files) under `src`, sorted, hidden entries left out."""
    images, others = [], []
    for p in sorted(src.rglob("*"), key=lambda p: p.relative_to(src).as_posix()):
        rel = p.relative_to(src)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        (images if p.suffix.lower() in IMAGE_EXTENSIONS else others).append(p)
    return images, others


def load_square(path: Path | str, resolution: int) -> np.ndarray:
    """One image as uint8 [3, r, r]: centre square crop, Lanczos resize, RGB. Raises on bad files."""
    with Image.open(path) as im:
        # JPEG can decode at 1/2, 1/4, 1/8 size for free; keep at least twice the target size.
        short = min(im.size)
        if im.format == "JPEG" and short > 2 * resolution:
            k = 2 * resolution / short
            im.draft("RGB", (math.ceil(im.size[0] * k), math.ceil(im.size[1] * k)))
        im.load()  # truncated or corrupt files fail here
        im = ImageOps.exif_transpose(im)
        im = _to_rgb(im)
    w, h = im.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    # crop first so that the filter never reaches past the square into the cut-away borders
    im = im.crop((left, top, left + s, top + s)).resize((resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, im).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: scale to 8 bits before converting
        a = np.asarray(im, dtype=np.float64)
        im = Image.fromarray(np.clip(a / 257.0 + 0.5, 0, 255).astype(np.uint8), "L")
    return im.convert("RGB")


def _load_chunk(task):
    paths, resolution = task
    out, bad = [], []
    for p in paths:
        try:
            out.append(load_square(p, resolution))
        except Exception as e:  # any decoding failure: skip the file, say why
            bad.append((p, type(e).__name__))
    images = np.stack(out) if out else np.empty((0, 3, resolution, resolution), np.uint8)
    return images, bad


def prepare_folder(
    src: Path | str,
    out: Path | str | None = None,
    resolution: int = 128,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Convert the images under `src` into a dataset folder at `out` (default: in the cache root).

    Rebuilds a folder that holds an earlier preparation of the same source; refuses (DataError)
    an output folder holding anything else.
    """
    resolution = cache.check_resolution(resolution)
    src = Path(src).expanduser().resolve()
    if not src.is_dir():
        raise DataError(f"source folder {src} does not exist or is not a folder")
    folder = Path(out) if out is not None else cache.default_cache_root() / f"{src.name}-r{resolution}"
    folder = folder.expanduser().resolve()
    if folder == src or src in folder.parents:
        raise DataError(f"output folder {folder} must not be inside the source folder {src}")
    cache.check_target(folder, KIND, str(src))
    paths, others = list_files(src)
    if not paths:
        raise DataError(f"no .jpg/.jpeg/.png/.webp images found under {src}")

    skipped = [(p, "not a JPEG/PNG/WebP file") for p in others]
    with cache.building(folder) as tmp:
        top = np.lib.format.open_memmap(
            tmp / "capacity.npy", mode="w+", dtype=np.uint8, shape=(len(paths), 3, resolution, resolution)
        )
        n = 0
        tasks = [(paths[s : s + CHUNK], resolution) for s in range(0, len(paths), CHUNK)]
        with tqdm(total=len(paths), desc=f"prepare {resolution}px", unit="img", disable=not progress) as bar:
            results = map(_load_chunk, tasks)
            pool = None
            if workers > 1 and len(tasks) > 1:
                pool = multiprocessing.get_context().Pool(workers)
                results = pool.imap(_load_chunk, tasks)  # in order: the dataset order is the path order
            try:
                for (chunk_paths, _), (images, bad) in zip(tasks, results):
                    top[n : n + len(images)] = images
                    n += len(images)
                    skipped.extend(bad)
                    bar.update(len(chunk_paths))
            finally:
                if pool is not None:
                    pool.terminate()
        if n == 0:
            raise DataError(f"none of the {len(paths)} image files under {src} could be read")
        # the top array was sized for every candidate; write the final arrays with exactly n images
        cache.create_arrays(tmp, n, resolution)
        for s in range(0, n, 1024):
            cache.write_pyramid(tmp, s, np.asarray(top[s : min(s + 1024, n)]))
        del top
        (tmp / "capacity.npy").unlink()
        np.save(tmp / cache.ATTRIBUTES_FILE, np.zeros((n, 0), np.float32))
        bad = {p for p, _ in skipped}
        kept = [p for p in paths if p not in bad]
        (tmp / "files.txt").write_text("".join(p.relative_to(src).as_posix() + "\n" for p in kept))
        if skipped:
            (tmp / "skipped.txt").write_text(
                "".join(f"{p.relative_to(src).as_posix()}\t{why}\n" for p, why in skipped)
            )
        cache.write_manifest(
            tmp,
            {"kind": KIND, "n": n, "resolutions": sorted(cache.resolutions_down_from(resolution)), "source": str(src)},
        )
    if skipped:
        names = ", ".join(f"{p.relative_to(src).as_posix()} ({why})" for p, why in skipped[:_LISTED])
        more = f" and {len(skipped) - _LISTED} more (see {folder / 'skipped.txt'})" if len(skipped) > _LISTED else ""
        warnings.warn(SkippedImagesWarning(f"skipped {len(skipped)} files under {src}: {names}{more}"), stacklevel=2)
    return folder
