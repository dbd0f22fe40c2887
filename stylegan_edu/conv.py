"""2-D convolution whose derivatives of every order are again ordinary convolution kernels.

Why: the R1 penalty (and WGAN-GP) differentiates D's gradient once more so that D can learn from it. PyTorch's
generic double backward of a convolution gets the weight term by convolving the input with the *gradient map
as the kernel* (a 1024x1024 "kernel" at full size), which cuDNN runs with slow dilated/indexed kernels: on an
H200 they took ~0.8 s of the 1.05 s R1 pass of `ffhq-1024` at 1024 px, batch 8 (benchmarks/train_step_profile.py).
Grouped convolutions were worse still: one convolution per group.

Here the three linear maps of a convolution are autograd Functions whose backward passes are each other:
  conv          y  = conv(x, w) + b     backward: x <- input_grad(gy, w), w <- weight_grad(gy, x), b <- Σ gy
  input_grad    gx = input_grad(gy, w)  backward: gy <- conv(ggx, w),     w <- weight_grad(gy, ggx)
  weight_grad   gw = weight_grad(gy, x) backward: gy <- conv(x, ggw),     x <- input_grad(gy, ggw)
(all three are linear in each argument), so every derivative runs the backend's forward, backward-data and
backward-weight kernels, the ones a first-order training step uses anyway.

Only on the device types in GRADFIX_DEVICES (default: CUDA). On the CPU the generic double backward measured
faster (R1 pass of toy-64, batch 8: 225-236 ms generic vs 283-302 ms here; 2-core EPYC), so it stays there.
The CUDA gain is expected from the profile above but not yet measured: `benchmarks/train_step_profile.py
--gradfix off` vs `--gradfix auto` on a GPU gives it.
The same idea is behind the official StyleGAN2-ADA code's custom convolution; this is our own formulation.

Winograd on the CPU (WINOGRAD_DEVICES): oneDNN computes a 3x3 convolution directly (9 multiply-adds per input
channel and output pixel); NNPACK, which PyTorch's CPU wheels include, has Winograd kernels that need about 2.25x
fewer. For the 3x3, stride-1 convolutions of a training step (fp32, batch >= 16, maps >= 16 px, >= 128 channels) the
forward pass and the input gradient (itself a 3x3 convolution, of gy with the flipped, transposed kernel) go
through NNPACK where it is faster on this machine; the weight gradient stays with oneDNN. Those convolutions
take the autograd Functions above on the CPU too, so that R1's double backward reaches NNPACK as well. The
results differ from oneDNN's by ~5e-6 (relative RMS): rounding, not a different function. Smaller maps, batches
or channel counts are faster (or only possible) with oneDNN (benchmarks/cpu_step_variants.py, docs/benchmarks.md).

Which is faster depends on the CPU, not on its instruction set alone: NNPACK has AVX2 kernels only, oneDNN uses
AVX-512 where there is one. On a 2-core AMD EPYC with AVX-512 NNPACK took a 512->512 convolution at 32 px, batch
32, in 0.44 s against oneDNN's 0.68; on a 2-core Intel Xeon with AVX-512 (and AMX) oneDNN won every shape tried,
e.g. 0.45 s against NNPACK's 0.63. So the first convolution of each shape times both (three runs of each, about six
times the convolution's own cost) and every later one of that shape takes the faster (`winograd_choices()` lists
the verdicts; WINOGRAD_MEASURE = False skips the timing and always takes NNPACK). The times are kept per machine
on disk (~/.cache/stylegan_edu/cpu_conv.json, stylegan_edu/machine_cache.py) and later processes use them: near a
tie, a timing taken under load came out the other way in another process, whose numbers then differed by that
rounding, and a resumed training run no longer repeated the uninterrupted one exactly.
"""

from __future__ import annotations

import math
import os
import time

import torch
import torch.nn.functional as F

from stylegan_edu import machine_cache

GRADFIX_DEVICES = {"cuda"}
WINOGRAD_DEVICES = {"cpu"}
WINOGRAD_MEASURE = True
NNPACK_MARGIN = 0.95  # NNPACK must be this much faster to be taken: near a tie, keep oneDNN (rounding 2e-7, not 5e-6)
CACHE_NAME = "cpu_conv"  # the two backends' times per shape, per machine
_nnpack_faster: dict[tuple, tuple[bool, float, float]] = {}  # (x shape, w shape, threads, cache) -> verdict, ms, ms


def _winograd(x, w, stride: int, padding: tuple[int, int], groups: int) -> bool:
    """Whether NNPACK's Winograd kernels take this convolution (see the module text)."""
    # not under torch.compile, whose own kernels take the convolutions (switching oneDNN off there recompiles)
    return (x.device.type in WINOGRAD_DEVICES and x.device.type == "cpu" and not torch.compiler.is_compiling()
            and torch.backends.nnpack.is_available()
            and x.dtype == w.dtype == torch.float32 and not torch.is_autocast_enabled("cpu")
            and stride == 1 and groups == 1 and tuple(w.shape[-2:]) == (3, 3) and tuple(padding) == (1, 1)
            and x.shape[0] >= 16 and min(x.shape[-2:]) >= 16 and min(x.shape[1], w.shape[0]) >= 128
            and (not WINOGRAD_MEASURE or _measured_faster(x, w)))


def _measured_faster(x, w) -> bool:
    """Whether NNPACK ran this shape faster than oneDNN: timed on the first call on this machine, then read from
    the machine's cache file (the first process's times stand, so that every process takes the same kernel)."""
    # the cache folder is part of the key: a test that points XDG_CACHE_HOME elsewhere gets its own verdicts
    key = (tuple(x.shape), tuple(w.shape), torch.get_num_threads(), os.environ.get("XDG_CACHE_HOME"))
    if key not in _nnpack_faster:
        disk_key = _disk_key(key)
        entry = machine_cache.read(CACHE_NAME).get(disk_key)
        if not _valid(entry):
            nnpack, onednn = _time_both(x.detach(), w.detach())
            entry = machine_cache.settle(CACHE_NAME, disk_key, {"nnpack_ms": round(nnpack * 1e3, 4),
                                                                "onednn_ms": round(onednn * 1e3, 4)}, _valid)
        nn, dn = entry["nnpack_ms"], entry["onednn_ms"]
        _nnpack_faster[key] = (nn < NNPACK_MARGIN * dn, nn, dn)
    return _nnpack_faster[key][0]


def _valid(entry) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(k), (int, float)) and not isinstance(entry.get(k), bool)
                                           and entry[k] > 0 for k in ("nnpack_ms", "onednn_ms"))


def _disk_key(key: tuple) -> str:
    """The cache file's key for a shape: the machine's key, then the shape and thread count."""
    return f"{machine_cache.machine_key()} | {_shape_text(key)}"


def _shape_text(key: tuple) -> str:
    xs, ws, threads = key[:3]
    return f"{'x'.join(map(str, xs))} * {'x'.join(map(str, ws))}, {threads} threads"


def _time_both(x, w, repeats: int = 2) -> tuple[float, float]:
    """Best-of-`repeats` seconds of the forward convolution by NNPACK and by oneDNN, interleaved, after one
    untimed call each (oneDNN builds its kernel on the first)."""
    best = [math.inf, math.inf]
    with torch.no_grad():
        for i in range(repeats + 1):
            for j, run in enumerate((_nnpack_conv, lambda a, b: F.conv2d(a, b, None, 1, 1))):
                t0 = time.perf_counter()
                run(x, w)
                if i:
                    best[j] = min(best[j], time.perf_counter() - t0)
    return best[0], best[1]


def winograd_choices() -> list[str]:
    """One line per convolution shape this process has met: which backend takes it and the two times."""
    return [f"{_shape_text(key)}: {'NNPACK' if yes else 'oneDNN'} (NNPACK {nn:.1f} ms, oneDNN {dn:.1f} ms)"
            for key, (yes, nn, dn) in _nnpack_faster.items()]


def _nnpack_conv(x, w, b=None):
    """A 3x3, stride-1, padding-1 convolution by NNPACK: PyTorch picks it when oneDNN is off (and the shapes
    suit it, which `_winograd` checked)."""
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        return F.conv2d(x, w, b, 1, 1)
    finally:
        torch.backends.mkldnn.enabled = enabled


class _Geometry:
    """stride / padding / groups of one convolution."""

    def __init__(self, stride: int, padding: tuple[int, int], groups: int, winograd: bool = False):
        self.stride, self.padding, self.groups = [stride] * 2, list(padding), groups
        self.winograd = winograd

    def conv(self, x, w, b=None):
        return _nnpack_conv(x, w, b) if self.winograd else F.conv2d(x, w, b, self.stride, self.padding, 1,
                                                                     self.groups)

    def grads(self, gy, x_like, w_like, mask):
        """(input, weight, bias) gradients where `mask` asks for them, by the backend's own backward kernels, as
        autograd's first-order pass gets them (same numbers); `x_like` / `w_like` may only lend shapes."""
        if self.winograd and mask[0]:  # the input gradient is the 3x3 convolution with the adjoint kernel
            gx = _nnpack_conv(gy, w_like.flip((2, 3)).transpose(0, 1))
            rest = self._backend(gy, x_like, w_like, (False, mask[1], mask[2])) if mask[1] or mask[2] else (None,) * 3
            return gx, rest[1], rest[2]
        return self._backend(gy, x_like, w_like, mask)

    def _backend(self, gy, x_like, w_like, mask):
        bias_sizes = [w_like.shape[0]] if mask[2] else None
        return torch.ops.aten.convolution_backward(gy, x_like, w_like, bias_sizes, self.stride, self.padding,
                                                   [1, 1], False, [0, 0], self.groups, list(mask))


def _engine_wants(ctx, i: int) -> bool:
    """Whether this backward pass will use the gradient for forward argument i. `ctx.needs_input_grad` only says
    that the argument requires grad; R1's `autograd.grad(scores, reals, create_graph=True)` wants the input
    gradients alone, and D's weight gradients there (a third of that pass's work on the CPU) would be thrown
    away. PyTorch's own convolution skips them the same way. A leaf weight under `autograd.grad` cannot be asked
    about: then compute it."""
    node = ctx.next_functions[i][0]
    if node is None:
        return False
    try:
        return torch._C._will_engine_execute_node(node)
    except RuntimeError:
        return True


class _Conv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b, g):
        ctx.save_for_backward(x, w)
        ctx.g = g
        return g.conv(x, w, b)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        need = [n and _engine_wants(ctx, i) for i, n in enumerate(ctx.needs_input_grad)]
        if not torch.is_grad_enabled():  # a first-order pass (no create_graph): one backend call, as autograd's
            return (*ctx.g.grads(gy, x, w, need[:3]), None)
        gx = _Gradient.apply(gy, w, x.detach(), ctx.g, 0) if need[0] else None
        gw = _Gradient.apply(gy, x, w.detach(), ctx.g, 1) if need[1] else None
        # the bias gradient, a sum over gy, is differentiated by autograd's own rule
        gb = ctx.g.grads(gy, x.detach(), w.detach(), (False, False, True))[2] if need[2] else None
        return gx, gw, gb, None


class _Gradient(torch.autograd.Function):
    """The input gradient (which=0: `other` is the weight, `like` lends x's shape) or the weight gradient
    (which=1: `other` is the input, `like` lends w's shape) of a convolution, itself differentiable."""

    @staticmethod
    def forward(ctx, gy, other, like, g, which):
        ctx.save_for_backward(gy, other)
        ctx.g, ctx.which = g, which
        x_like, w_like = (like, other) if which == 0 else (other, like)
        mask = (which == 0, which == 1, False)
        return g.grads(gy, x_like, w_like, mask)[which]

    @staticmethod
    def backward(ctx, gg):
        gy, other = ctx.saved_tensors
        need = ctx.needs_input_grad
        x, w = (gg, other) if ctx.which == 0 else (other, gg)
        d_gy = _Conv.apply(x, w, None, ctx.g) if need[0] else None
        # the other argument's gradient is the other kind of gradient, taken with gg in its place
        d_other = _Gradient.apply(gy, gg, other.detach(), ctx.g, 1 - ctx.which) if need[1] else None
        return d_gy, d_other, None, None, None


def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, stride: int = 1,
           padding: int | tuple[int, int] = 0, groups: int = 1) -> torch.Tensor:
    """`F.conv2d` (no dilation) with derivatives of every order as plain convolutions; see the module text."""
    dev = x.device.type
    pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
    g = _Geometry(int(stride), pad, int(groups), _winograd(x, weight, int(stride), pad, int(groups)))
    needs_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (x, weight, bias))
    if not needs_grad or (dev not in GRADFIX_DEVICES and not g.winograd):
        return g.conv(x, weight, bias)  # PyTorch's own autograd, if any
    if torch.is_autocast_enabled(dev):
        # autocast is off inside backward passes, so cast here, where autograd records the casts
        dtype = torch.get_autocast_dtype(dev)
        x, weight = x.to(dtype), weight.to(dtype)
        bias = None if bias is None else bias.to(dtype)
    return _Conv.apply(x, weight, bias, g)
