"""The standard weight files behind FID and LPIPS, found on disk only — nothing is ever downloaded at run time.

    path = find_weights("inception")                          # explicit path, $STYLEGAN_EDU_WEIGHTS, the cache
    state = load_state_dict_checked(path, expected_shapes, WEIGHT_FILES["inception"].sha256_prefix)

Put the files (under their standard names) in one folder and point `$STYLEGAN_EDU_WEIGHTS` at it, or copy them
into the cache folder (`~/.cache/stylegan_edu/weights`, or `$XDG_CACHE_HOME/stylegan_edu/weights`). Every failure
(missing, truncated, a different file, wrong keys or shapes) is a `WeightsError` with a one-line message.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch

ENV_VAR = "STYLEGAN_EDU_WEIGHTS"


@dataclass(frozen=True)
class WeightFile:
    filename: str
    what: str
    how_to_get: str
    sha256_prefix: str | None  # None: not published, so not checked (keys and shapes still are)


# torch.hub names a file `<name>-<first 8 hex digits of its sha256>.<ext>` and checks that prefix on download
# (torchvision's model builders pass check_hash=True); the two hub-style names below carry theirs.
WEIGHT_FILES: dict[str, WeightFile] = {
    "inception": WeightFile(
        filename="pt_inception-2015-12-05-6726825d.pth",
        what="the TensorFlow FID Inception-v3 ported to PyTorch by pytorch-fid",
        how_to_get="download https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                   "pt_inception-2015-12-05-6726825d.pth",
        sha256_prefix="6726825d",
    ),
    "vgg16": WeightFile(
        filename="vgg16-397923af.pth",
        what="torchvision's ImageNet VGG16, VGG16_Weights.IMAGENET1K_V1",
        how_to_get="download https://download.pytorch.org/models/vgg16-397923af.pth",
        sha256_prefix="397923af",
    ),
    "lpips_vgg": WeightFile(
        filename="vgg.pth",
        what="the LPIPS v0.1 linear heads for VGG16 from the lpips package",
        how_to_get="run `pip download lpips --no-deps` and unzip lpips/weights/v0.1/vgg.pth from the wheel "
                   "(or take it from github.com/richzhang/PerceptualSimilarity, lpips/weights/v0.1/vgg.pth)",
        sha256_prefix=None,
    ),
}


class WeightsError(FileNotFoundError):
    """A standard weight file is missing, unreadable, or not the expected file. The message is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))

    def __str__(self) -> str:
        return self.args[0]


def cache_dir() -> Path:
    """~/.cache/stylegan_edu/weights, or $XDG_CACHE_HOME/stylegan_edu/weights."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylegan_edu" / "weights"


def find_weights(name: str, path: str | os.PathLike | None = None) -> Path:
    """The local copy of WEIGHT_FILES[name]: `path` (the file itself, or a folder holding it), then the folder
    $STYLEGAN_EDU_WEIGHTS, then cache_dir(). Raises WeightsError naming every place looked at and how to get it."""
    if name not in WEIGHT_FILES:
        raise ValueError(f"unknown weight file {name!r}; known: {', '.join(WEIGHT_FILES)}")
    spec = WEIGHT_FILES[name]
    searched = []
    if path is not None:
        path = Path(path).expanduser()
        if path.is_file():
            return path
        candidate = path / spec.filename if path.is_dir() else path
        if candidate.is_file():
            return candidate
        searched.append(str(candidate))
    env = os.environ.get(ENV_VAR)
    if env:
        candidate = Path(env).expanduser() / spec.filename
        if candidate.is_file():
            return candidate
        searched.append(f"${ENV_VAR}={env}")
    else:
        searched.append(f"${ENV_VAR} (not set)")
    candidate = cache_dir() / spec.filename
    if candidate.is_file():
        return candidate
    searched.append(str(cache_dir()))
    raise WeightsError(f"{spec.filename} ({spec.what}) not found; searched: {', '.join(searched)}; "
                       f"to get it: {spec.how_to_get}, then put it in the folder ${ENV_VAR} names or in {cache_dir()}")


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _matches(key: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)


def load_state_dict_checked(path: str | os.PathLike, expected: dict[str, tuple], sha256_prefix: str | None = None,
                            *, optional: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                            hint: str = "") -> dict[str, torch.Tensor]:
    """Read a state dict with torch.load(weights_only=True) on the CPU and check it is the file we think it is.

    `expected`: key -> shape of every tensor we need. `sha256_prefix`: when given, the file's sha256 must start
    with it. `optional`: glob patterns of expected keys the file may lack (e.g. "*.num_batches_tracked", absent
    from files written before PyTorch 0.4.1). `ignore`: glob patterns of keys in the file we do not use (they are
    dropped). Returns {key: tensor} for the expected keys present. Any mismatch raises a one-line WeightsError
    naming the file and the first offending key; `hint` is appended (how to get a good copy)."""
    path = Path(path)
    tail = f"; {hint}" if hint else ""
    if sha256_prefix:
        try:
            digest = sha256_of(path)
        except OSError as e:
            raise WeightsError(f"{path}: cannot read ({e.strerror or e}){tail}") from e
        if not digest.startswith(sha256_prefix.lower()):
            raise WeightsError(f"{path}: sha256 {digest[:16]}... does not start with {sha256_prefix} "
                               f"(damaged or a different file){tail}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, garbage, unpickling refused, permissions ...
        detail = " ".join(str(e).split())
        detail = f"{type(e).__name__}: {detail[:100]}{'...' if len(detail) > 100 else ''}" if detail else type(e).__name__
        raise WeightsError(f"{path}: cannot read as a PyTorch weights file, damaged or truncated ({detail}){tail}") from e
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: holds a {type(state).__name__}, not a state dict{tail}")
    missing = [k for k in expected if k not in state and not _matches(k, optional)]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise WeightsError(f"{path}: missing key {missing[0]!r}{more}{tail}")
    unexpected = [k for k in state if k not in expected and not _matches(k, ignore)]
    if unexpected:
        more = f" (and {len(unexpected) - 1} more)" if len(unexpected) > 1 else ""
        raise WeightsError(f"{path}: unexpected key {unexpected[0]!r}{more}{tail}")
    out = {}
    for key, shape in expected.items():
        if key not in state:
            continue
        value = state[key]
        if not isinstance(value, torch.Tensor):
            raise WeightsError(f"{path}: {key!r} is a {type(value).__name__}, not a tensor{tail}")
        if tuple(value.shape) != tuple(shape):
            raise WeightsError(f"{path}: {key!r} has shape {list(value.shape)}, expected {list(shape)}{tail}")
        out[key] = value
    return out


def load_standard(name: str, expected: dict[str, tuple], path: str | os.PathLike | None = None, *,
                  check_hash: bool = True, optional: tuple[str, ...] = (),
                  ignore: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
    """find_weights(name, path) + load_state_dict_checked with the file's published sha256 prefix
    (check_hash=False skips it, e.g. for a re-saved copy; keys and shapes are always checked)."""
    spec = WEIGHT_FILES[name]
    found = find_weights(name, path)
    return load_state_dict_checked(found, expected, spec.sha256_prefix if check_hash else None,
                                   optional=optional, ignore=ignore, hint=f"to get {spec.filename}: {spec.how_to_get}")
