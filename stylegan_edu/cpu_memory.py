"""Let a CPU run reuse freed tensor memory instead of handing it back to the kernel (Linux with glibc only).

glibc's malloc serves every block above its mmap threshold (128 KiB to start, at most 32 MiB as it adapts) with a
fresh mmap and gives it back with munmap when freed. A training step allocates and frees hundreds of large
activations, so each one arrives as untouched pages and pays a page fault per 4 KiB on its first write. Measured
on a 2-core AVX2 EPYC (two runs hours apart): a depthwise 3x3 blur of a (32, 512, 32, 32) tensor took 77-108
ms, and 14-31 ms with this setting; a full-width 32 px training step 31.1 s against 24.2 s with it, back to back
(`python benchmarks/cpu_step_variants.py --resolution 32 --batch 32 --variants fast`, with and without
`STYLEGAN_EDU_KEEP_FREED_MEMORY=0`; docs/benchmarks.md).

`keep_freed_memory()` raises the mmap threshold to 1 GiB and the trim threshold out of reach, so freed blocks stay
in the heap and the next step writes into pages it already has. The cost is memory: the process keeps its peak
instead of shrinking between steps (full width at 32 px: peak RSS 3.73 GB against 3.15 GB). The trainer, the
metric loops (samples, real features, PPL) and `pretrained.load*` (which every command loading a model goes
through) call it for the CPU; lessons 03, 07 and 08, which generate thousands of faces, ran in 52-59 % of their
time with it (nbval, same machine). Set `STYLEGAN_EDU_KEEP_FREED_MEMORY=0` to leave glibc's defaults alone;
glibc's own `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_` / `GLIBC_TUNABLES` settings, when given, win as
well.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

from stylegan_edu.switches import switched_off

OPT_OUT_ENV = "STYLEGAN_EDU_KEEP_FREED_MEMORY"
_GLIBC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
# Older glibc refuses a threshold above half its 64 MiB heap size; 32 MiB still covers most activations
MMAP_THRESHOLDS = (1 << 30, 32 << 20)
TRIM_THRESHOLD = (1 << 31) - 1

_state: dict[str, str | None] = {}  # what this process did, so that repeated calls are free


def _glibc():
    """The C library when it is glibc (has gnu_get_libc_version), else None (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # AttributeError on other C libraries
    except (OSError, AttributeError):
        return None
    return libc


def keep_freed_memory(device="cpu") -> str | None:
    """Set glibc's thresholds once per process, for work on `device` (a torch device or its name; on a GPU the
    host's allocator matters little, so nothing is set). Returns a short description of what was set, or None when
    nothing was (not the CPU, opted out, glibc settings given by the user, or not glibc)."""
    if not str(device).startswith("cpu"):
        return None
    if "done" in _state:
        return _state["done"]
    result = None
    left_alone = switched_off(OPT_OUT_ENV) or any(name in os.environ for name in _GLIBC_ENV)
    if not left_alone and (libc := _glibc()) is not None:
        for threshold in MMAP_THRESHOLDS:
            if libc.mallopt(M_MMAP_THRESHOLD, threshold) == 1:
                libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                result = f"glibc malloc keeps freed blocks up to {threshold >> 20} MiB for reuse"
                break
    _state["done"] = result
    return result
