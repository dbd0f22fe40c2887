"""The loader training uses, for ToyFaces and prepared image folders alike.

    ds = load_toyfaces(n=30000, resolution=64)          # builds the cache the first time
    ds = open_dataset("data/cache/my-photos-r128")      # any folder in the cache format
    x, a = ds.batch(64, resolution=32, mirror=True)     # float NCHW in [-1, 1], attributes [64, A]

Images stay uint8 in memory-mapped files; a batch is one fancy-index into the memmap and one
conversion to float, which costs a few microseconds per image.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from stylegan_edu.data import cache
from stylegan_edu.data.cache import DataError
from stylegan_edu.data.generate import build_toyfaces, toyfaces_folder


class CachedDataset(torch.utils.data.Dataset):
    """A dataset folder in the multi-resolution cache format.

    `ds[i]` gives (image float [3, r, r] in [-1, 1], attributes float [A]) at `ds.resolution`
    (the top one unless chosen with `ds.at(r)`), so it also works with a torch DataLoader.
    """

    def __init__(self, folder: Path | str, resolution: int | None = None):
        self.folder = Path(folder)
        manifest = cache.read_manifest(self.folder)
        if manifest is None or not cache.is_complete(self.folder, manifest):
            raise DataError(f"{self.folder} holds no complete stylegan-edu dataset")
        self.manifest = manifest
        self.kind: str = manifest["kind"]
        self.resolutions: list[int] = sorted(manifest["resolutions"])
        self._open_images()
        self.attributes = torch.from_numpy(np.load(self.folder / cache.ATTRIBUTES_FILE))
        self.attribute_names: list[str] = list(manifest.get("attribute_names", []))
        self.attribute_scales: list[str] = list(manifest.get("attribute_scales", []))
        self.attribute_binary: list[bool] = list(manifest.get("attribute_binary", []))
        # mirroring an image multiplies its attributes by these (+1 or -1)
        self.mirror_signs = torch.tensor(manifest.get("mirror_signs", []), dtype=torch.float32)
        self.resolution = self._check(resolution or self.resolutions[-1])

    def _open_images(self):
        self._images = {r: np.load(cache.image_file(self.folder, r), mmap_mode="r") for r in self.resolutions}

    # A DataLoader worker started by spawn gets a pickled copy: send the folder, not the arrays.
    def __getstate__(self):
        return {**self.__dict__, "_images": None}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._open_images()

    def _check(self, resolution: int) -> int:
        if resolution not in self._images:
            raise DataError(f"resolution {resolution} is not in this dataset (it has {self.resolutions})")
        return resolution

    def __len__(self) -> int:
        return len(self.attributes)

    def images(self, resolution: int | None = None) -> np.ndarray:
        """The uint8 [N, 3, r, r] memory-mapped array of one resolution."""
        return self._images[self._check(resolution or self.resolution)]

    def at(self, resolution: int) -> "CachedDataset":
        """The same data served at another resolution (shares the memmaps)."""
        other = copy.copy(self)
        other.resolution = self._check(resolution)
        return other

    def __getitem__(self, i: int):
        x = torch.from_numpy(np.array(self._images[self.resolution][i]))
        return x.float() / 127.5 - 1, self.attributes[i]

    def batch(
        self,
        indices,
        resolution: int | None = None,
        mirror: bool = False,
        generator: torch.Generator | None = None,
        device=None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch (images float NCHW in [-1, 1], attributes [B, A]).

        `indices`: a batch size (drawn uniformly with replacement using `generator`, a CPU
        generator) or the indices.
        `mirror`: flip each image left-right with probability 1/2, and its attributes with it.
        """
        if isinstance(indices, int):
            idx = torch.randint(len(self), (indices,), generator=generator)
        else:
            idx = torch.as_tensor(indices, dtype=torch.long)
        arr = self.images(resolution)
        x = torch.from_numpy(arr[idx.numpy()])  # one gather from the memmap
        a = self.attributes[idx]
        if mirror:
            flip = torch.rand(len(idx), generator=generator) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            if a.shape[1]:
                a = torch.where(flip[:, None], a * self.mirror_signs, a)
        x = x.to(device)  # move uint8 (4x fewer bytes), convert on the device
        return x.float().div_(127.5).sub_(1), a.to(device)

    def __repr__(self) -> str:
        return (
            f"CachedDataset({self.kind}, n={len(self)}, resolutions={self.resolutions}, "
            f"attributes={len(self.attribute_names)}, folder={str(self.folder)!r})"
        )


def open_dataset(folder: Path | str, resolution: int | None = None) -> CachedDataset:
    """Open a dataset folder (ToyFaces cache or prepared image folder)."""
    return CachedDataset(folder, resolution)


def load_toyfaces(
    n: int = 30000,
    resolution: int = 64,
    cache_dir: Path | str | None = None,
    workers: int = 2,
    progress: bool = True,
    detail: bool = False,
) -> CachedDataset:
    """ToyFaces 0..n-1 at `resolution` and below, built into `cache_dir` once and reused after
    (`detail`: each face with its stochastic detail, in a cache of its own)."""
    folder = build_toyfaces(n, resolution, toyfaces_folder(n, resolution, cache_dir, detail), workers, progress,
                            detail)
    return CachedDataset(folder)
