"""Build (or reuse) the ToyFaces cache: N faces at one top resolution plus every smaller one.

Image i is ToyFace number i (`render_seed(i)`), so the result does not depend on how many worker
processes drew it. Workers write their chunk straight into the memory-mapped arrays of the
temporary folder; only the attributes travel back to the parent.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from stylegan_edu.checks import number_problem
from stylegan_edu.data import cache, toyfaces
from stylegan_edu.data.cache import DataError

KIND = "toyfaces"
# The names a --data option takes for ToyFaces, and whether each has stochastic detail (toyfaces.render).
DATA_NAMES = {"toyfaces": False, "toyfaces-detail": True}
CHUNK = 250  # images per task: big enough to amortise the memmap opens, small enough for a smooth bar


def toyfaces_folder(n: int, resolution: int, cache_root: Path | str | None = None, detail: bool = False) -> Path:
    """Where `load_toyfaces(n, resolution, detail=detail)` keeps its cache by default."""
    root = Path(cache_root) if cache_root is not None else cache.default_cache_root()
    return root / f"toyfaces{'-detail' if detail else ''}-n{n}-r{resolution}"


def _source(n: int, detail: bool) -> str:
    return f"ToyFaces seeds 0..{n - 1}" + (" with stochastic detail" if detail else "")


def toyfaces_cache_matches(folder: Path, n: int, resolution: int, detail: bool = False) -> bool:
    m = cache.read_manifest(folder)
    return (
        m is not None
        and m.get("format") == cache.CACHE_FORMAT
        and m.get("kind") == KIND
        and m.get("renderer_version") == toyfaces.RENDERER_VERSION
        and m.get("detail", False) == detail
        and m.get("n") == n
        and m.get("resolutions", [None])[-1] == resolution
        and cache.is_complete(folder, m)
    )


def build_toyfaces(
    n: int = 30000,
    resolution: int = 64,
    out: Path | str | None = None,
    workers: int = 2,
    progress: bool = True,
    detail: bool = False,
) -> Path:
    """Make sure a complete ToyFaces cache for (n, resolution) exists at `out`; return its folder.

    Reused as is when its manifest matches (kind, renderer version, detail, N, top resolution);
    rebuilt when any of them changed. A folder holding anything else is never touched (DataError).
    `detail`: draw each face with its stochastic detail (`toyfaces.render`).
    """
    resolution = cache.check_resolution(resolution, largest=toyfaces.NATIVE_SIZE)
    bad, n_checked = number_problem(n, 1, integer=True)
    if bad:
        raise DataError(f"the number of images must be a positive integer (>= 1), got {n}")
    n = n_checked
    detail = bool(detail)
    folder = Path(out) if out is not None else toyfaces_folder(n, resolution, detail=detail)
    if toyfaces_cache_matches(folder, n, resolution, detail):
        return folder
    # Anything but an out-of-date ToyFaces cache (other N, version, resolution) is an error.
    existing = cache.read_manifest(folder)
    if existing is not None and existing.get("kind") == KIND:
        pass  # stale ToyFaces: rebuilt below
    else:
        cache.check_target(folder, KIND, _source(n, detail))

    with cache.building(folder) as tmp:
        cache.create_arrays(tmp, n, resolution)
        attrs = np.zeros((n, len(toyfaces.ATTRIBUTES)), dtype=np.float32)
        tasks = [(str(tmp), s, min(s + CHUNK, n), resolution, detail) for s in range(0, n, CHUNK)]
        bar = tqdm(total=n, desc=f"ToyFaces {resolution}px", unit="img", disable=not progress)
        with bar:
            if workers <= 1:
                for t in tasks:
                    start, a = _render_chunk(t)
                    attrs[start : start + len(a)] = a
                    bar.update(len(a))
            else:
                with multiprocessing.get_context().Pool(workers) as pool:
                    for start, a in pool.imap_unordered(_render_chunk, tasks):
                        attrs[start : start + len(a)] = a
                        bar.update(len(a))
        np.save(tmp / cache.ATTRIBUTES_FILE, attrs)
        cache.write_manifest(
            tmp,
            {
                "kind": KIND,
                "renderer_version": toyfaces.RENDERER_VERSION,
                "detail": detail,
                "n": n,
                "resolutions": sorted(cache.resolutions_down_from(resolution)),
                "source": _source(n, detail),
                "attribute_names": list(toyfaces.ATTRIBUTE_NAMES),
                "attribute_scales": list(toyfaces.ATTRIBUTE_SCALES),
                "attribute_binary": [bool(b) for b in toyfaces.ATTRIBUTE_BINARY],
                "mirror_signs": [int(s) for s in toyfaces.MIRROR_SIGNS],
            },
        )
    return folder


def _render_chunk(task):
    folder, start, stop, resolution, detail = task
    images = np.empty((stop - start, 3, resolution, resolution), dtype=np.uint8)
    attrs = np.empty((stop - start, len(toyfaces.ATTRIBUTES)), dtype=np.float32)
    for k, seed in enumerate(range(start, stop)):
        img, attrs[k] = toyfaces.render_seed(seed, resolution, detail)
        images[k] = img.transpose(2, 0, 1)
    cache.write_pyramid(Path(folder), start, images)
    return start, attrs
