"""Data for the course: ToyFaces (a procedural face dataset with known factors), real image
folders, the multi-resolution cache both are stored in, and the loader training uses."""

from stylegan_edu.data.cache import DataError, default_cache_root, downsample2x
from stylegan_edu.data.dataset import CachedDataset, load_toyfaces, open_dataset
from stylegan_edu.data.fade import fade_in_reals
from stylegan_edu.data.folder import SkippedImagesWarning, prepare_folder
from stylegan_edu.data.generate import build_toyfaces, toyfaces_folder
from stylegan_edu.data.grid import toyfaces_grid
from stylegan_edu.data.image_files import ImageFiles, UpscaledImagesWarning, open_image_files
from stylegan_edu.data.toyfaces import (
    ATTRIBUTE_BINARY,
    ATTRIBUTE_NAMES,
    ATTRIBUTE_SCALES,
    ATTRIBUTES,
    MIRROR_SIGNS,
    NATIVE_SIZE,
    RENDERER_VERSION,
    mirror_attributes,
    render,
    render_seed,
    sample_attributes,
)

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_BINARY",
    "ATTRIBUTE_NAMES",
    "ATTRIBUTE_SCALES",
    "CachedDataset",
    "DataError",
    "ImageFiles",
    "MIRROR_SIGNS",
    "NATIVE_SIZE",
    "RENDERER_VERSION",
    "SkippedImagesWarning",
    "UpscaledImagesWarning",
    "build_toyfaces",
    "default_cache_root",
    "downsample2x",
    "fade_in_reals",
    "load_toyfaces",
    "mirror_attributes",
    "open_dataset",
    "open_image_files",
    "prepare_folder",
    "render",
    "render_seed",
    "sample_attributes",
    "toyfaces_folder",
    "toyfaces_grid",
]
