"""Lesson 04's exercises: AdaIN from a packed style vector, and AdaIN as a module with its style affine "A"."""

from __future__ import annotations

import math

import torch
from torch import nn

from stylegan_edu import layers
from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor

_TOL = 1e-4


def _inputs(n=2, c=4, hw=8, seed=0):
    """Features whose channels have different means and stds in each sample (so batch norm != instance norm)."""
    g = torch.Generator().manual_seed(seed)
    scale = 0.5 + 4 * torch.rand(n, c, 1, 1, generator=g)
    offset = 3 * torch.randn(n, c, 1, 1, generator=g)
    return torch.randn(n, c, hw, hw, generator=g) * scale + offset, g


def _norm(x, dims, unbiased=False):
    centred = x - x.mean(dim=dims, keepdim=True)
    var = centred.square().sum(dim=dims, keepdim=True) / (math.prod(x.shape[d] for d in dims) - unbiased)
    return centred / (var + 1e-8).sqrt()


def _adain_mistakes(x, y_s, y_b, out, c):
    """Wrong naming the mistake when `out` is a known wrong version of adain(x, y_s, y_b); else None."""
    s, b = y_s[:, :, None, None], y_b[:, :, None, None]
    mistakes = [
        (layers.adain(x, y_b, y_s), "scale and shift are swapped: the first C numbers of the style are y_s "
                                    "(the scale), the last C are y_b (the shift)"),
        (layers.instance_norm(x) * s + b, "the scale is y_s + 1, not y_s: the official code adds 1, so the "
                                          "scale is 1 where y_s is 0"),
        (_norm(x, (0, 2, 3)) * (s + 1) + b, "this normalises over the batch too (batch norm): instance norm "
                                            "takes each sample's channel mean and std over H and W only"),
        (_norm(x, (1, 2, 3)) * (s + 1) + b, "this normalises over all channels together (layer norm): instance "
                                            "norm takes one mean and std per channel, over H and W only"),
        (_norm(x, (2, 3), unbiased=True) * (s + 1) + b, "the std is the unbiased one (divided by H*W - 1): "
                                                        "use the population std, the mean of the squares of the "
                                                        "centred values (unbiased=False)"),
    ]
    for want, message in mistakes:
        if max_diff(out, want) <= _TOL:
            raise Wrong(message)
    means, stds = out.mean(dim=(2, 3)), out.std(dim=(2, 3), unbiased=False)
    if max_diff(means, y_b) > _TOL:
        raise Wrong(f"after AdaIN each channel's mean should be its y_b (style[:, {c}:]), got means "
                    f"{[round(v, 3) for v in means[0].tolist()]} in sample 0 instead of "
                    f"{[round(v, 3) for v in y_b[0].tolist()]}")
    if max_diff(stds, (y_s + 1).abs()) > _TOL:
        raise Wrong("each channel's mean is right, but its std should be |y_s + 1|: divide the centred "
                    "features by their std over H and W before scaling")


def _judge_adain_from_style(fn):
    x, g = _inputs()
    c = x.shape[1]
    style = torch.randn(2, 2 * c, generator=g)
    out = tensor(call(fn, x.clone(), style.clone()), x.shape, "adain_from_style(x, style)")
    y_s, y_b = style[:, :c], style[:, c:]
    if max_diff(out, layers.adain(x, y_s, y_b)) <= _TOL:
        return
    if max_diff(out, layers.adain(x, style[:, 0::2], style[:, 1::2])) <= _TOL:
        raise Wrong("the style is not interleaved: y_s is the first half, style[:, :C], and y_b the second "
                    "half, style[:, C:]")
    _adain_mistakes(x, y_s, y_b, out, c)
    raise Wrong("this is not AdaIN with y_s = style[:, :C] and y_b = style[:, C:]")


check_adain_from_style = exercise(
    "adain_from_style", _judge_adain_from_style,
    hint="C = x.shape[1]; split the style into its two halves and pass them to your my_adain",
    success="AdaIN from the packed style vector that the affine layer A produces.")


def _judge_adain_module(cls):
    w_dim, c = 16, 4
    module = call(cls, w_dim, c)
    if not isinstance(module, nn.Module):
        raise Wrong(f"{getattr(cls, '__name__', 'it')}(w_dim, channels) should build an nn.Module, "
                    f"got {type(module).__name__}")
    x, g = _inputs(c=c)
    w = torch.randn(2, w_dim, generator=g)
    with torch.no_grad():
        tensor(call(module, x.clone(), w.clone()), x.shape, "the module's output")  # Not written yet if None
    params = list(module.parameters())
    shapes = sorted((tuple(p.shape) for p in params), key=len)
    if shapes != [(2 * c,), (2 * c, w_dim)]:
        raise Wrong(f"A is one dense layer from w ({w_dim} numbers) to the style (2C = {2 * c}): a weight "
                    f"{(2 * c, w_dim)} and a bias {(2 * c,)}, got parameters of shapes {shapes}")
    weight = next(p for p in params if p.ndim == 2)
    bias = next(p for p in params if p.ndim == 1)
    std = weight.detach().std().item()
    if 50 < std < 200:  # EqualizedLinear stores its weights as randn / lrmul
        raise Wrong(f"A's weights start with std {std:.3g}, about 100: that is EqualizedLinear with lrmul=0.01, "
                    "the mapping network's learning-rate multiplier (lesson 03); A keeps the default lrmul 1")
    if not 0.7 < std < 1.3:
        raise Wrong(f"A's weights start with std {std:.3f}; with the equalized "
                    "learning rate they are stored as a standard normal (std 1) and scaled at run time: "
                    "build A from layers.EqualizedLinear")
    if bias.detach().abs().max().item() != 0:
        raise Wrong("A's bias should start at 0")
    w0 = torch.randn(2 * c, w_dim, generator=g)
    b0 = 0.5 * torch.randn(2 * c, generator=g)
    with torch.no_grad():
        weight.copy_(w0)
        bias.copy_(b0)
        out = tensor(call(module, x.clone(), w.clone()), x.shape, "the module's output")
    style = w @ (w0 / math.sqrt(w_dim)).T + b0  # EqualizedLinear(w_dim, 2C, gain=1)
    y_s, y_b = style[:, :c], style[:, c:]
    if max_diff(out, layers.adain(x, y_s, y_b)) <= _TOL:
        return
    for scale, message in ((math.sqrt(2), "A has gain 1, not the default √2 of EqualizedLinear (that gain is "
                                          "for layers followed by a leaky ReLU): pass gain=1.0"),
                           (math.sqrt(w_dim), "A's weights are used without the equalized-lr runtime scale "
                                              "1/√w_dim: build A from layers.EqualizedLinear")):
        other = w @ (w0 * scale / math.sqrt(w_dim)).T + b0
        if max_diff(out, layers.adain(x, other[:, :c], other[:, c:])) <= _TOL:
            raise Wrong(message)
    _adain_mistakes(x, y_s, y_b, out, c)
    raise Wrong("this is not AdaIN of x with the style (y_s, y_b) = A(w)")


check_adain_module = exercise(
    "adain_module", _judge_adain_module,
    hint="in __init__ make A with layers.EqualizedLinear (which gain does a style need?); in forward split "
         "A(w) into y_s and y_b and apply AdaIN as in section 2",
    success="AdaIN with its own style affine A, as in every layer of the synthesis network.")

