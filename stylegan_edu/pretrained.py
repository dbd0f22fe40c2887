"""Trained generators: export the EMA generator of a training snapshot, load a shipped one by name.

An exported generator file is a plain dict (format marker, model config, G_ema weights with w_avg and the
fixed noise buffers, and where it came from), read with `torch.load(weights_only=True)`.

    G = stylegan_edu.pretrained.load("toyfaces-64")      # data/pretrained/toyfaces-64.pt, on the CPU
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from stylegan_edu.configs import ModelConfig
from stylegan_edu.generator import Generator

FORMAT = "stylegan-edu-generator"
VERSION = 1
SHIPPED = ("toyfaces-64",)


def pretrained_dir() -> Path:
    """data/pretrained at the repository root, or $STYLEGAN_EDU_PRETRAINED."""
    env = os.environ.get("STYLEGAN_EDU_PRETRAINED")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "pretrained"


def export_generator(snapshot: Path | str, out: Path | str) -> Path:
    """Write the EMA generator of a training snapshot as a small stand-alone file."""
    from stylegan_edu.files import atomic_save
    from stylegan_edu.train.checkpoint import load_snapshot

    state = load_snapshot(snapshot)
    info = {"kimg": state["progress"]["nimg"] / 1000, "train_config": state["train_config"]}
    return atomic_save({"format": FORMAT, "version": VERSION, "model_config": state["model_config"],
                        "G_ema": state["G_ema"], "info": info}, out)


def load_generator(path: Path | str, device: str | torch.device = "cpu") -> Generator:
    """A generator in eval mode from an exported file or a training snapshot (its G_ema)."""
    from stylegan_edu.train.checkpoint import CheckpointError, FORMAT as SNAPSHOT_FORMAT, read_weights_only

    state = read_weights_only(path)
    if not isinstance(state, dict) or state.get("format") not in (FORMAT, SNAPSHOT_FORMAT):
        raise CheckpointError(f"{path}: neither a stylegan-edu generator nor a training snapshot")
    G = Generator(ModelConfig.from_dict(state["model_config"]))
    G.load_state_dict(state["G_ema"])
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
