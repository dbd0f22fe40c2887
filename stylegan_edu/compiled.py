"""A compiled generator for inference: the same images as the eager G, made by torch.compile's kernels.

    Gc = compile_generator(G)                     # G: a Generator, already on its device, in eval mode
    imgs = Gc(z, truncation_psi=0.7, noise_mode="const")   # as G(...); the first call compiles (seconds)

The eager modules stay the readable reference; this is an opt-in switch (`--compile` on generate, mix and
metrics). What is compiled: G.mapping and G.synthesis, each on its own. Those two are what every caller runs
(generate calls G(z), mix and PPL call G.mapping and G.synthesis directly); truncation and style mixing between
them are a few small tensor ops left eager. torch._dynamo.explain on toy-32 (torch 2.13) finds one graph and no
graph breaks in each, for noise_mode const, random and explicit noise images. Each new batch size, noise mode,
resolution or number passed as alpha / noise_strength compiles again (dynamic=False: static shapes give the
fastest kernels, and a run meets two batch sizes at most: the full batches and the last one).

Random noise: inductor draws random numbers with its own generator unless `fallback_random` is on, so with it
on (always, here) noise_mode="random" draws the same noise images as eager G from the same torch seed.

Same images means equal to about 3e-5 in fp32 (the kernels sum in another order), not bit for bit. FID does not
notice; PPL divides image differences by epsilon**2 = 1e-8 and moved by 0.1 % (toy-32, 16 pairs). Under bf16
autocast the compiled kernels keep fused intermediates in fp32, so they differ from eager bf16 by about as much
as eager bf16 differs from fp32 (benchmarks/inference_throughput.py prints both).

Compiling takes seconds to minutes on the first call. torch keeps what it compiled on disk (inductor's FX graph
cache and the AOTAutograd cache, both on by default) in $TORCHINDUCTOR_CACHE_DIR; torch's default for that is
/tmp/torchinductor_$USER, which a reboot empties, so when the variable is unset we point it at
~/.cache/stylegan_edu/inductor. Measured on the 2-core CPU (toy-32, batch 4, const noise): the first calls of
mapping + synthesis took 27 s in an empty cache and 2.8 s in the next process.
"""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path

import torch
from torch import nn
from torch._dynamo.utils import counters
from torch._inductor import list_mode_options

from stylegan_edu.generator import Generator

MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")
CUDA_GRAPH_MODES = ("reduce-overhead",)
CACHE_ENV = "TORCHINDUCTOR_CACHE_DIR"


def cache_dir() -> Path:
    """Where torch keeps compiled kernels for us: $TORCHINDUCTOR_CACHE_DIR when the user set it, else
    ~/.cache/stylegan_edu/inductor/KERNELS (or under $XDG_CACHE_HOME), KERNELS naming the CPU kernels in use."""
    env = os.environ.get(CACHE_ENV)
    if env and not _is_torch_default(env):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylegan_edu" / "inductor" / _cpu_kernels()


def _is_torch_default(path: str) -> bool:
    # importing torch._inductor writes its own default (/tmp/torchinductor_USER) into the variable, so a value
    # equal to that default is torch's, not the user's
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    except ImportError:  # another torch layout: take the value as the user's
        return False
    return os.path.abspath(path) == os.path.abspath(default_cache_dir())


def _cpu_kernels() -> str:
    """e.g. 'avx512-onednn-all': one cache per choice of CPU kernels. Torch's cache key misses oneDNN's: on a
    2-core EPYC, kernels cached with AVX-512 and then loaded under ATEN_CPU_CAPABILITY=avx2 and
    ONEDNN_MAX_CPU_ISA=AVX2 (how CI imitates a laptop) gave NaN images; a fresh cache gave the right ones."""
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "all").lower()
    return f"{torch.backends.cpu.get_cpu_capability().lower()}-onednn-{isa}"


def _keep_cache() -> None:
    # torch reads the variable at every compile; a user's own choice is kept (cache_dir returns it)
    os.environ[CACHE_ENV] = str(cache_dir())


def _clone(out):
    """A copy of every tensor in out (a tensor, or tuples / lists / dicts of them)."""
    if isinstance(out, torch.Tensor):
        return out.clone()
    if isinstance(out, (tuple, list)):
        return type(out)(_clone(x) for x in out)
    if isinstance(out, dict):
        return {k: _clone(v) for k, v in out.items()}
    return out


class CompiledPart(nn.Module):
    """One compiled network (G.mapping or G.synthesis), called like it; counts the calls that compiled (the first,
    and each new batch size or noise mode) and the seconds they took."""

    def __init__(self, module: nn.Module, options: dict, dynamic: bool, clone_outputs: bool,
                 none_means: dict | None = None):
        super().__init__()
        self.eager = module  # registered, so the compiled generator's parameters() are G's
        # Every call is passed on with all arguments named and defaulted, and with the values that None stands for
        # (none_means) filled in: compiled code is guarded on how it was called, and G's forward calls
        # synthesis(ws, resolution=None, ...) while mix calls synthesis(ws, noise_mode=...): the same call, which
        # must not compile twice.
        self.signature = inspect.signature(module.forward)
        self.none_means = none_means or {}
        self.compiled = torch.compile(module, dynamic=dynamic, options=options)
        # CUDA graphs hand back tensors in memory that the next call overwrites: callers keep images across
        # calls (generate concatenates its batches), so they get a copy
        self.clone_outputs = clone_outputs
        self.compiles, self.compile_seconds = 0, 0.0

    def forward(self, *args, **kwargs):
        call = self.signature.bind(*args, **kwargs)
        call.apply_defaults()
        for name, value in self.none_means.items():
            if call.arguments[name] is None:
                call.arguments[name] = value
        graphs = counters["stats"]["unique_graphs"]  # dynamo's count of graphs it has compiled in this process
        t0 = time.perf_counter()
        out = self.compiled(**call.arguments)
        if counters["stats"]["unique_graphs"] != graphs:  # this call compiled (or read the kernels from the cache)
            device = (out[0] if isinstance(out, tuple) else out).device  # synthesis may return (img, features)
            if device.type == "cuda":
                torch.cuda.synchronize(device)  # kernels run asynchronously: wait for them before reading the clock
            self.compiles += 1
            self.compile_seconds += time.perf_counter() - t0
        return _clone(out) if self.clone_outputs else out


class CompiledGenerator(Generator):
    """G with compiled mapping and synthesis networks: G's own parameters, w_avg, config and forward (truncation,
    style mixing), so it is called exactly as G. Move G before compiling; this does not follow a later .to()."""

    def __init__(self, G: Generator, mode: str = "default", dynamic: bool = False):
        nn.Module.__init__(self)  # not Generator.__init__: that would build new networks, we reuse G's
        self.cfg, self.mode = G.cfg, mode
        # a mode's inductor settings spelt out, so that fallback_random can be added (torch.compile takes a mode
        # or options, not both)
        options = {**list_mode_options(mode, dynamic), "fallback_random": True}
        clone = mode in CUDA_GRAPH_MODES
        self.mapping = CompiledPart(G.mapping, options, dynamic, clone)
        self.synthesis = CompiledPart(G.synthesis, options, dynamic, clone, {"resolution": G.cfg.resolution})
        self.register_buffer("w_avg", G.w_avg)  # the same tensor as G's
        self.train(G.training)

    def compile_seconds(self) -> float:
        """Seconds the calls that compiled took (compiling or reading the kernels from the cache, plus one run)."""
        return self.mapping.compile_seconds + self.synthesis.compile_seconds

    def describe(self) -> str:
        """One line for the commands: how many calls compiled and how long they took."""
        n = self.mapping.compiles + self.synthesis.compiles
        return (f"torch.compile ({self.mode}): {n} compiling call{'s' * (n != 1)} of mapping / synthesis took "
                f"{self.compile_seconds():.1f} s (each new batch size or noise mode compiles; the kernels are kept "
                f"in {cache_dir()})")


def compile_generator(G: Generator, mode: str = "default", dynamic: bool = False) -> CompiledGenerator:
    """G compiled with torch.compile (inductor) for inference; called as G, it returns the same images.

    mode: "default", "reduce-overhead" (CUDA graphs: a CUDA generator only) or "max-autotune-no-cudagraphs"
    (tries several kernels per op while compiling: slower to start, sometimes faster to run).
    dynamic: compile for any batch size at once (slower kernels) instead of once per batch size.
    ValueError for an unknown mode, a CUDA-graph mode on another device, or a CPU generator without a C++ compiler.
    """
    if mode not in MODES:
        raise ValueError(f"compile mode must be one of {', '.join(MODES)}, got {mode!r}")
    device = G.w_avg.device
    if mode in CUDA_GRAPH_MODES and device.type != "cuda":
        raise ValueError(f"compile mode {mode!r} records CUDA graphs and needs the generator on a CUDA device, "
                         f"not {device.type}; use 'default' there")
    prepare(device)
    return CompiledGenerator(G, mode, dynamic)


def prepare(device: torch.device) -> None:
    """Before compiling for `device`: a C++ compiler for the CPU (a one-line ValueError when missing) and our
    kernel cache (cache_dir)."""
    if device.type == "cpu":
        _check_cpp_compiler()
    _keep_cache()


def _check_cpp_compiler() -> None:
    """Inductor writes C++ for the CPU and builds it with g++ (or $CXX); say so now, in one line, rather than in a
    traceback at the first call."""
    from torch._inductor.cpp_builder import get_cpp_compiler
    from torch._inductor.exc import InvalidCxxCompiler

    try:
        get_cpp_compiler()
    except InvalidCxxCompiler as e:
        raise ValueError(f"compiling for the CPU needs a C++ compiler (install g++ or set $CXX): "
                         f"{str(e).splitlines()[0]}") from None
