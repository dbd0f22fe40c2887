"""Trained generators: export the EMA generator of a training snapshot, load a shipped one by name.

An exported generator file is a plain dict (format marker, model config, G_ema weights with w_avg and the
fixed noise buffers, and where it came from), read with `torch.load(weights_only=True)`.

    G = stylegan_edu.pretrained.load("toyfaces-64")      # data/pretrained/toyfaces-64.pt, on the CPU

NVIDIA's original StyleGAN v1 pickles convert to the same format (`stylegan-edu convert`, stylegan_edu/convert);
`load` and `load_generator` also take an original `.pkl` directly (converted in memory, nothing in it is run),
and `find_ffhq()` says where a converted FFHQ model is, if there is one.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from stylegan_edu.configs import ModelConfig
from stylegan_edu.cpu_memory import keep_freed_memory
from stylegan_edu.generator import Generator

FORMAT = "stylegan-edu-generator"
VERSION = 1
SHIPPED = ("toyfaces-64", "toyfaces-64-detail")
FFHQ_FILE = "karras2019stylegan-ffhq-1024x1024.pt"  # what `stylegan-edu convert` names the converted FFHQ model


def pretrained_dir() -> Path:
    """data/pretrained at the repository root, or $STYLEGAN_EDU_PRETRAINED."""
    env = os.environ.get("STYLEGAN_EDU_PRETRAINED")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "pretrained"


def cache_dir() -> Path:
    """~/.cache/stylegan_edu/pretrained, or $XDG_CACHE_HOME/stylegan_edu/pretrained: where converted models go."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylegan_edu" / "pretrained"


def find_ffhq() -> Path | None:
    """The converted official FFHQ 1024 model: $STYLEGAN_EDU_FFHQ if it names a file, else
    cache_dir()/karras2019stylegan-ffhq-1024x1024.pt if it exists, else None (a lesson then says where to get
    the original: README.md, "Using NVIDIA's original models")."""
    env = os.environ.get("STYLEGAN_EDU_FFHQ")
    if env and Path(env).expanduser().is_file():
        return Path(env).expanduser()
    path = cache_dir() / FFHQ_FILE
    return path if path.is_file() else None


FFHQ_MISSING = ("No converted FFHQ model on this machine: see README.md, 'Using NVIDIA's original models', "
                "then run this cell again.")


def load_ffhq(device: str | torch.device = "cpu") -> Generator | None:
    """The converted official FFHQ model (`find_ffhq`) in eval mode, or None after printing where to get it:
    the lessons' optional FFHQ cells start with this."""
    path = find_ffhq()
    if path is None:
        print(FFHQ_MISSING)
        return None
    return load(str(path), device)


def export_generator(snapshot: Path | str, out: Path | str) -> Path:
    """Write the EMA generator of a training snapshot as a small stand-alone file."""
    from stylegan_edu.files import atomic_save
    from stylegan_edu.train.checkpoint import load_snapshot

    state = load_snapshot(snapshot)
    info = {"kimg": state["progress"]["nimg"] / 1000, "train_config": state["train_config"]}
    return atomic_save({"format": FORMAT, "version": VERSION, "model_config": state["model_config"],
                        "G_ema": state["G_ema"], "info": info}, out)


def load_generator(path: Path | str, device: str | torch.device = "cpu") -> Generator:
    """A generator in eval mode from an exported file, a training snapshot (its G_ema), or an original NVIDIA
    StyleGAN v1 `.pkl` (converted in memory: see stylegan_edu.convert)."""
    from stylegan_edu.train.checkpoint import CheckpointError, FORMAT as SNAPSHOT_FORMAT, read_weights_only

    if Path(path).suffix.lower() == ".pkl":
        from stylegan_edu.convert import convert

        state = convert(path)
    else:
        state = read_weights_only(path)
    if not isinstance(state, dict) or state.get("format") not in (FORMAT, SNAPSHOT_FORMAT):
        raise CheckpointError(f"{path}: neither a stylegan-edu generator nor a training snapshot")
    G = Generator(ModelConfig.from_dict(state["model_config"]))
    G.load_state_dict(state["G_ema"])
    keep_freed_memory(device)  # to run on the CPU: each batch then reuses the last one's pages (cpu_memory.py)
    return G.eval().requires_grad_(False).to(device)


def load(name: str = "toyfaces-64", device: str | torch.device = "cpu") -> Generator:
    """A shipped pretrained generator by name (see SHIPPED), or any path to a generator file."""
    if name not in SHIPPED:
        if Path(name).is_file():
            return load_generator(name, device)
        raise ValueError(f"unknown pretrained model {name!r}; shipped: {', '.join(SHIPPED)}")
    path = pretrained_dir() / f"{name}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; it is committed in the repository (git lfs is not used), "
                                f"or train one: see data/pretrained/MODEL_CARD.md")
    return load_generator(path, device)
