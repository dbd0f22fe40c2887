"""Choices measured once per machine and kept on disk, so that every process on the machine makes the same one.

Some choices are made by timing: is bf16 native on this CPU (precision.py), is NNPACK faster than oneDNN for this
convolution (conv.py). A timing taken while other work competes for the cores can come out either way, and a
choice that changes from one process to the next changes the numbers: a run resumed from a snapshot then no
longer repeats the uninterrupted run exactly (seen: the kill-and-resume soak test failed under load, a resumed
process having taken the other convolution kernel). So the first verdict for a key is written to
`~/.cache/stylegan_edu/NAME.json` (or under $XDG_CACHE_HOME), keyed by the CPU, torch and the instruction-set
variables, and later processes read it instead of timing again. Two processes that time at the same moment
agree as well: under a lock file, the second to store takes the verdict already stored. Delete the file to
measure again. An unwritable cache folder only means measuring in every process.
"""

from __future__ import annotations

import json
import os
import platform
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import torch

ISA_ENV = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")  # both change what torch runs, so they key the cache


def cpu_model() -> str:
    try:
        name = torch.cpu.get_capabilities().get("cpu_name")
        if name:
            return str(name)
    except Exception:
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_key() -> str:
    """The CPU, torch's version and the instruction-set variables: what a measured verdict depends on."""
    env = ", ".join(f"{k}={os.environ.get(k, '')}" for k in ISA_ENV)
    return f"{cpu_model()} ({platform.machine()}) | torch {torch.__version__} | {env}"


def cache_path(name: str) -> Path:
    """~/.cache/stylegan_edu/NAME.json, or $XDG_CACHE_HOME/stylegan_edu/NAME.json."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylegan_edu" / f"{name}.json"


def read(name: str) -> dict:
    """The whole file as a dict; {} when it is missing, unreadable or not a JSON object."""
    try:
        data = json.loads(cache_path(name).read_text())
    except Exception:
        return {}
    return data if isinstance(data, dict) else {}


def settle(name: str, key: str, entry: dict, valid: Callable[[Any], bool]) -> dict:
    """Store `entry` under `key` unless a valid one is there already; return the one that stands (the stored
    one if another process got there first, else `entry`). Best effort: if the file cannot be written, `entry`."""
    path = cache_path(name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.with_name(f".{path.name}.lock")):
            data = read(name)
            if valid(data.get(key)):
                return data[key]
            data[key] = entry
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            os.replace(tmp, path)  # atomic: a reader without the lock never sees half a file
    except Exception:
        try:
            tmp.unlink(missing_ok=True)
        except Exception:
            pass
    return entry


@contextmanager
def _locked(lock: Path):
    """An exclusive lock on `lock` where the OS has flock (not on Windows: there the last writer wins)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
