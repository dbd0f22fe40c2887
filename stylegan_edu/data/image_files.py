"""Real images read straight from a folder of image files, with no prepared cache, for the metrics.

    reals = open_image_files("ffhq-1024/", resolution=1024, workers=8)
    for x in reals.batches([(indices, flips), ...], device=device):   # float NCHW in [-1, 1] on that device
        ...

A prepared cache (stylegan_edu.data.folder) keeps every image as uint8 at every resolution: 50,000 faces at
1024 px would need 150 GB. For FID the reals are read once, so here they are decoded as they are needed, by
DataLoader worker processes, while the GPU works on the batches before. Each file goes through the same
`load_square` (centre square crop, Lanczos resize, RGB) that `prepare_folder` uses, and the same sorted file
list, so the batches are the very images a cache prepared at this resolution from the folder would give.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from stylegan_edu.data.cache import DataError, check_resolution
from stylegan_edu.data.folder import SkippedImagesWarning, list_files, load_square

_LISTED = 5  # files named in a warning


class UpscaledImagesWarning(UserWarning):
    """Some real images were smaller than the resolution asked for and were enlarged."""


def default_workers() -> int:
    """Decoding processes when none are asked for: one per CPU core, at most 8."""
    return min(8, os.cpu_count() or 1)


class ImageFiles(torch.utils.data.Dataset):
    """The image files under a folder as a dataset at one resolution (the generator's).

    `ds[(i, mirror)]` gives (uint8 [3, r, r], the image's shorter side before resizing, error text or "");
    a file that cannot be decoded is reported by the error text rather than raised, because an exception in a
    worker process reaches the caller as a multi-line traceback.
    """

    def __init__(self, folder: Path | str, resolution: int, workers: int | None = None):
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise DataError(f"{self.folder} does not exist or is not a folder")
        self.resolution = check_resolution(resolution)
        self.resolutions = [self.resolution]  # what CachedDataset calls its resolutions: here only one
        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 0:
            raise DataError(f"workers must be >= 0, got {workers}")
        self.paths, others = list_files(self.folder)
        if not self.paths:
            raise DataError(f"no .jpg/.jpeg/.png/.webp images found under {self.folder}")
        if others:
            names = ", ".join(p.relative_to(self.folder).as_posix() for p in others[:_LISTED])
            more = f" and {len(others) - _LISTED} more" if len(others) > _LISTED else ""
            warnings.warn(SkippedImagesWarning(f"skipped {len(others)} files under {self.folder} that are not "
                                               f"JPEG/PNG/WebP: {names}{more}"), stacklevel=2)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, item):
        i, mirror = item
        path = self.paths[i]
        try:
            with Image.open(path) as im:  # the header only: the size before load_square resizes
                short = min(im.size)
            x = load_square(path, self.resolution)
        except Exception as e:  # any decoding failure: reported to the caller in one line
            reason = (str(e).strip().splitlines() or [""])[0][:120]
            error = f"{path.relative_to(self.folder).as_posix()} ({type(e).__name__}: {reason})"
            return torch.zeros(3, self.resolution, self.resolution, dtype=torch.uint8), 0, error
        if mirror:
            x = x[:, :, ::-1]
        return torch.from_numpy(np.ascontiguousarray(x)), short, ""

    def batches(self, plan, device="cpu", prefetch: int = 4):
        """Yields the images of each (indices, mirror flags) in `plan` as float NCHW in [-1, 1] on `device`,
        converted as CachedDataset.batch converts them; decoding runs `prefetch` batches ahead per worker."""
        device = torch.device(device)
        loader = torch.utils.data.DataLoader(
            self, batch_sampler=[list(zip(idx.tolist(), flip.tolist())) for idx, flip in plan],
            num_workers=self.workers, pin_memory=device.type == "cuda",
            prefetch_factor=prefetch if self.workers else None)
        upscaled = 0
        for x, short, errors in loader:
            bad = [e for e in errors if e]
            if bad:
                raise DataError(f"cannot read {bad[0]} under {self.folder}; remove the file or fix it")
            upscaled += int((short < self.resolution).sum())
            x = x.to(device, non_blocking=True)  # move uint8 (4x fewer bytes), convert on the device
            yield x.float().div_(127.5).sub_(1)
        if upscaled:
            warnings.warn(UpscaledImagesWarning(
                f"{upscaled} of the real images under {self.folder} are smaller than {self.resolution} px and were "
                f"enlarged: the reals are blurrier than the generator's images"), stacklevel=2)

    def __repr__(self) -> str:
        return (f"ImageFiles(n={len(self)}, resolution={self.resolution}, workers={self.workers}, "
                f"folder={str(self.folder)!r})")


def open_image_files(folder: Path | str, resolution: int, workers: int | None = None) -> ImageFiles:
    """The images under `folder` (not a prepared cache) at `resolution`, decoded by `workers` processes
    (0: in this process; default `default_workers()`)."""
    return ImageFiles(folder, resolution, workers)
