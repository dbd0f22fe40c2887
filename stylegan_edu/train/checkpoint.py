"""Snapshots that survive a kill: atomic writes, the last K kept, loading that cannot run code.

A snapshot is a plain dict of tensors, numbers, strings, lists and dicts, saved with torch.save and read with
`torch.load(weights_only=True)`, so opening a file never unpickles code. It is written to a temporary file
in the same folder, flushed and fsynced, then renamed over its final name: a crash at any moment leaves
either the previous snapshots or the new complete one, never a half-written file under a snapshot name.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from stylegan_edu.files import atomic_save

FORMAT = "stylegan-edu-snapshot"
VERSION = 1
_NAME = re.compile(r"snapshot-(\d{9})\.pt")


class CheckpointError(ValueError):
    """A file that is not a complete stylegan-edu snapshot (the message names the file)."""


def snapshot_name(nimg: int) -> str:
    return f"snapshot-{nimg:09d}.pt"


def list_snapshots(folder: Path | str) -> list[Path]:
    """Snapshot files in `folder`, oldest first (temporary files are not listed)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def save_snapshot(state: dict, folder: Path | str, nimg: int, keep: int) -> Path:
    """Write `state` as snapshot-<nimg>.pt in `folder`, then delete all but the newest `keep` snapshots."""
    state = {"format": FORMAT, "version": VERSION, **state}
    path = atomic_save(state, Path(folder) / snapshot_name(nimg))
    for old in list_snapshots(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def read_weights_only(path: Path | str, map_location="cpu"):
    """torch.load(weights_only=True) with every failure turned into a one-line CheckpointError naming the file."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder; name a .pt file in it (a snapshot-*.pt of a run)")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # truncated zip, pickle with code, random bytes...
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "weights_only" in reason:  # torch's advice (weights_only=False) would run the file's code: not ours
            reason = "it holds Python objects other than tensors and numbers"
        raise CheckpointError(f"{path}: not a readable stylegan-edu file ({reason[:160]})") from None


def load_snapshot(path: Path | str, map_location="cpu") -> dict:
    """Read a snapshot; any truncated, foreign or unreadable file raises CheckpointError naming it."""
    state = read_weights_only(path, map_location)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a stylegan-edu snapshot (no '{FORMAT}' marker)")
    if state.get("version") != VERSION:
        raise CheckpointError(f"{path}: snapshot version {state.get('version')} is not supported "
                              f"(this stylegan-edu reads version {VERSION})")
    return state


def remove_partial_snapshots(folder: Path | str) -> list[Path]:
    """Delete the temporary files a killed writer left behind (`.snapshot-*.pt.*.tmp`); returns them. Only the
    process that owns the run folder may call this (another writer's file in progress would go too)."""
    folder = Path(folder)
    stale = sorted(folder.glob(".snapshot-*.pt.*.tmp")) if folder.is_dir() else []
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def latest_snapshot(folder: Path | str) -> Path | None:
    snaps = list_snapshots(folder)
    return snaps[-1] if snaps else None
