"""Choosing the autocast dtype for training (`amp="auto"`).

bf16 autocast is only a speed-up where the hardware computes in bf16. Measured with toy-32 at 32 px, batch 32:
on a CPU with AVX-512 bf16 a training step runs at 55 img/s in bf16 vs 26 in fp32, but on an AVX2-only CPU torch
emulates bf16 and the step is about 9x *slower* (2.5 img/s bf16 vs 23 fp32). So "auto" asks torch what the CPU
can do and picks bf16 only where it is native, fp32 everywhere else. On CUDA "auto" is fp32 (see
`resolve_amp`).

Set `STYLEGAN_EDU_BF16=0` (or "off", "false", "no") to keep "auto" away from bf16 on every machine, e.g. for
reproducible course runs in CI. An explicit "none", "bf16" or "fp16" is always used as given.
"""

from __future__ import annotations

import math
import os
import platform
import time
from pathlib import Path

import torch

from stylegan_edu import machine_cache
from stylegan_edu.switches import switched_off

AMP_MODES = ("auto", "none", "bf16", "fp16")
DISABLE_ENV = "STYLEGAN_EDU_BF16"
CACHE_NAME = "cpu_bf16"  # the micro-benchmark's verdicts, per machine (stylegan_edu/machine_cache.py)
_LABELS = {"none": "fp32", "bf16": "bf16 autocast", "fp16": "fp16 autocast"}

_memo: dict[str, tuple[bool, str]] = {}  # micro-benchmark verdicts of this process, by cache key


def bf16_disabled() -> bool:
    """True when $STYLEGAN_EDU_BF16 is 0 / off / false / no."""
    return switched_off(DISABLE_ENV)


def resolve_amp(amp: str, device) -> tuple[str, str]:
    """The autocast mode to train with ("none", "bf16" or "fp16") and a short reason.

    Explicit modes come back unchanged. "auto": on a CPU bf16 where it is native (`cpu_bf16_native`), else fp32;
    on CUDA and other devices fp32.
    """
    if amp not in AMP_MODES:
        raise ValueError(f"amp must be one of {AMP_MODES}, got {amp!r}")
    if amp != "auto":
        return amp, "asked for"
    kind = torch.device(device).type if device is not None else "cpu"
    if kind == "cpu":
        if bf16_disabled():
            return "none", f"{DISABLE_ENV}={os.environ[DISABLE_ENV]} turns bf16 off"
        native, why = cpu_bf16_native()
        return ("bf16" if native else "none"), why
    if kind == "cuda":
        # Full training steps on an H200 (ffhq-1024 at 1024 px, batch 8): fp32 14.1 img/s vs bf16 12.9 (2026-11-26);
        # bf16 paid only with channels_last (23.6 vs fp32 16.5, 2026-11-30), a separate switch, so fp32 here.
        # --amp bf16 (or fp16, with loss scaling) still forces one.
        return "none", ("on CUDA bf16 alone measured no faster than fp32 (H200, 1024 px); "
                        "with --channels-last it was faster: --amp bf16 --channels-last")
    return "none", f"no reduced precision measured on {kind}"


def describe(amp: str, requested: str, reason: str) -> str:
    """The one line the trainer prints, e.g. 'precision: fp32 (auto: this CPU has no native bf16, ...)'."""
    return f"precision: {_LABELS.get(amp, amp)} ({'auto: ' if requested == 'auto' else ''}{reason})"


# --- is bf16 native on this CPU? -----------------------------------------------------------------------------

def cpu_bf16_native() -> tuple[bool, str]:
    """Whether this CPU runs bf16 natively, and why. Asks torch; where torch cannot tell (functions missing or
    failing, a non-x86 CPU), times bf16 against fp32 once and caches the verdict per machine."""
    verdict = _ask_torch()
    return verdict if verdict is not None else _benchmark_verdict()


def _ask_torch() -> tuple[bool, str] | None:
    """Torch's view: ATen's vector ISA, oneDNN's bf16 support and the bf16 instructions. None if it cannot tell."""
    if platform.machine().lower() not in ("x86_64", "amd64", "x86", "i386", "i686"):
        return None
    try:
        cap = str(torch.backends.cpu.get_cpu_capability())  # honours ATEN_CPU_CAPABILITY
        onednn = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())  # honours ONEDNN_MAX_CPU_ISA
        avx512_bf16, amx = _cpu_flag("_is_avx512_bf16_supported"), _cpu_flag("_is_amx_tile_supported")
    except Exception:
        return None
    if not (cap.upper().startswith("AVX512") or "AMX" in cap.upper()):
        return False, f"this CPU has no native bf16, ATen capability {cap}"
    if not onednn:
        return False, f"oneDNN has no native bf16 here (ATen capability {cap})"
    if not (avx512_bf16 or amx):
        return False, f"ATen capability {cap} but no avx512_bf16/AMX instructions: bf16 would be emulated"
    return True, f"native bf16 on this CPU, ATen capability {cap}, {'AMX' if amx else 'avx512_bf16'}"


def _cpu_flag(name: str) -> bool:
    """torch.cpu.<name>() (torch >= 2.3 reads cpuinfo there), else torch._C._cpu.<name>(); raises if neither."""
    for owner in (getattr(torch, "cpu", None), getattr(torch._C, "_cpu", None)):
        fn = getattr(owner, name, None)
        if fn is not None:
            return bool(fn())
    raise AttributeError(f"torch has no {name}")


def _valid(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("native"), bool)


def _benchmark_verdict() -> tuple[bool, str]:
    key = _cache_key()
    if key in _memo:
        return _memo[key]
    entry = machine_cache.read(CACHE_NAME).get(key)
    if _valid(entry):
        verdict = entry["native"], f"{entry.get('reason', 'measured')} (cached)"
    else:
        bf16, fp32 = _time_probe()
        native = bf16 <= fp32
        # The probe on the 2-core AVX-512 bf16 machine: bf16 0.67x the fp32 time; forced to AVX2 (emulated): 13-14x.
        reason = (f"measured: a small conv step took {bf16 * 1e3:.1f} ms in bf16 vs {fp32 * 1e3:.1f} ms in fp32, "
                  f"so bf16 {'is native' if native else 'is emulated or slower'}")
        entry = machine_cache.settle(CACHE_NAME, key, {"native": native, "reason": reason,
                                                       "bf16_ms": round(bf16 * 1e3, 3),
                                                       "fp32_ms": round(fp32 * 1e3, 3)}, _valid)
        verdict = entry["native"], entry.get("reason", "measured")  # another process's, if it stored one first
    _memo[key] = verdict
    return verdict


def _time_probe(repeats: int = 5) -> tuple[float, float]:
    """Seconds (best of `repeats`, interleaved) for a small conv forward + backward under bf16 autocast and in
    fp32, on one thread: with the machine's other work competing for the cores, a multi-threaded probe measured
    scheduling, not arithmetic. About 0.05 s where bf16 is native, 0.3 s where it is emulated. Uses its own random
    generator, so the global torch RNG is untouched."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 64, 16, 16, generator=g).contiguous(memory_format=torch.channels_last).requires_grad_(True)
    w = torch.randn(64, 64, 3, 3, generator=g).contiguous(memory_format=torch.channels_last).requires_grad_(True)

    def once(dtype) -> float:
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None):
            y = torch.nn.functional.conv2d(x, w, padding=1)
        y.float().square().mean().backward()
        return time.perf_counter() - t0

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        once(torch.bfloat16), once(None)  # warm-up: oneDNN builds its kernels on the first call
        bf16 = fp32 = math.inf
        for _ in range(repeats):
            bf16, fp32 = min(bf16, once(torch.bfloat16)), min(fp32, once(None))
    finally:
        torch.set_num_threads(threads)
    return bf16, fp32


def _cache_key() -> str:
    return machine_cache.machine_key()


def cache_path() -> Path:
    """~/.cache/stylegan_edu/cpu_bf16.json, or $XDG_CACHE_HOME/stylegan_edu/cpu_bf16.json."""
    return machine_cache.cache_path(CACHE_NAME)
