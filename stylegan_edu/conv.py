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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GRADFIX_DEVICES = {"cuda"}


class _Geometry:
    """stride / padding / groups of one convolution."""

    def __init__(self, stride: int, padding: tuple[int, int], groups: int):
        self.stride, self.padding, self.groups = [stride] * 2, list(padding), groups

    def grads(self, gy, x_like, w_like, mask):
        """(input, weight, bias) gradients where `mask` asks for them, by the backend's own backward kernels, as
        autograd's first-order pass gets them (same numbers); `x_like` / `w_like` may only lend shapes."""
        bias_sizes = [w_like.shape[0]] if mask[2] else None
        return torch.ops.aten.convolution_backward(gy, x_like, w_like, bias_sizes, self.stride, self.padding,
                                                   [1, 1], False, [0, 0], self.groups, list(mask))


class _Conv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b, g):
        ctx.save_for_backward(x, w)
        ctx.g = g
        return F.conv2d(x, w, b, g.stride, g.padding, 1, g.groups)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
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
    if (dev not in GRADFIX_DEVICES or not torch.is_grad_enabled()
            or not any(t is not None and t.requires_grad for t in (x, weight, bias))):
        return F.conv2d(x, weight, bias, stride, padding, 1, groups)
    if torch.is_autocast_enabled(dev):
        # autocast is off inside backward passes, so cast here, where autograd records the casts
        dtype = torch.get_autocast_dtype(dev)
        x, weight = x.to(dtype), weight.to(dtype)
        bias = None if bias is None else bias.to(dtype)
    pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
    return _Conv.apply(x, weight, bias, _Geometry(int(stride), pad, int(groups)))
