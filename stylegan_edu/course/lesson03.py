"""Lesson 03's exercises: pixel norm, the runtime scale of the equalized learning rate, and an equalized-lr dense
layer as an nn.Module."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


def _judge_pixel_norm(fn):
    from stylegan_edu.layers import pixel_norm

    g = torch.Generator().manual_seed(3)
    z = torch.randn(6, 32, generator=g) * torch.tensor([0.1, 1, 3, 10, 1, 1])[:, None] + 0.5
    what = "pixel_norm(z) for z of shape (6, 32)"
    out = tensor(call(fn, z), (6, 32), what)
    want = pixel_norm(z)
    if max_diff(out, want) > 1e-5:
        rms = out.square().mean(dim=1).sqrt()
        if max_diff(out, z / z.norm(dim=1, keepdim=True)) <= 1e-5:
            raise Wrong(f"{what}: each row has length 1, so its root mean square is 1/sqrt(32) = "
                        f"{rms[0].item():.3f}; pixel norm divides by the root of the MEAN of the squares")
        if max_diff(out, z / z.square().mean(dim=0, keepdim=True).add(1e-8).sqrt()) <= 1e-5:
            raise Wrong(f"{what} normalised over the batch (dim 0); pixel norm normalises each sample's own "
                        "vector, over dim 1")
        if out.mean(dim=1).abs().max() < 1e-4:  # z's rows have means far from 0 (the + 0.5)
            raise Wrong(f"{what}: every row now has mean 0: pixel norm does not subtract the mean (it is not a "
                        "standardisation), it only rescales each vector to unit root mean square")
        if (rms - 1).abs().max() < 1e-4:
            raise Wrong(f"{what}: every row has RMS 1 but the directions changed; pixel norm only rescales z")
        raise Wrong(f"{what}: the rows' root mean squares are {rms.min().item():.3g} to {rms.max().item():.3g}; "
                    "pixel norm scales each row to RMS 1")
    zero = tensor(call(fn, torch.zeros(2, 32)), (2, 32), "pixel_norm of zeros")
    if not torch.isfinite(zero).all():
        raise Wrong("pixel_norm of an all-zero z gives NaN or inf: add eps = 1e-8 to the mean of the squares "
                    "before the square root, as the official code does")


check_pixel_norm = exercise(
    "pixel_norm", _judge_pixel_norm,
    hint="each row of z divided by its root mean square: the mean over dim 1 (keepdim=True, so it "
         "broadcasts), with eps inside the square root",
    success="pixel norm: every z scaled to unit root mean square, only its direction kept.")


def _judge_runtime_scale(fn):
    from stylegan_edu.layers import EqualizedLinear

    for fan_in, gain, lrmul in ((512, math.sqrt(2), 0.01), (128, 1.0, 1.0), (4608, math.sqrt(2), 1.0)):
        with torch.random.fork_rng():  # the library's layer draws weights; leave the notebook's RNG alone
            want = EqualizedLinear(fan_in, 1, gain=gain, lrmul=lrmul).weight_gain
        what = f"runtime_scale({fan_in}, {gain:.4g}, {lrmul:g})"
        got = call(fn, fan_in, gain, lrmul)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Wrong(f"{what} should return a number, got {type(got).__name__}") from None
        if math.isclose(got, want, rel_tol=1e-6):
            continue
        if math.isclose(got, want / lrmul, rel_tol=1e-6):
            raise Wrong(f"{what} = {got:.6g} leaves out the lr multiplier: the runtime scale includes lrmul")
        if math.isclose(got, want / lrmul / lrmul, rel_tol=1e-6):
            raise Wrong(f"{what} = {got:.6g} divides by lrmul; the stored weights are divided by lrmul, the "
                        "runtime scale multiplies by it")
        if math.isclose(got, gain * lrmul / fan_in, rel_tol=1e-6):
            raise Wrong(f"{what} = {got:.6g} divides by fan_in; He's constant divides by its square root")
        if math.isclose(got, lrmul / math.sqrt(fan_in), rel_tol=1e-6):
            raise Wrong(f"{what} = {got:.6g} leaves out the gain")
        raise Wrong(f"{what} = {got:.6g} is not He's constant gain / sqrt(fan_in) times the lr multiplier")


check_runtime_scale = exercise(
    "runtime_scale", _judge_runtime_scale,
    hint="He's constant gain / sqrt(fan_in), times the lr multiplier (section 2)",
    success="the equalized learning rate's runtime scale.")


def _layer_params(layer, what):
    params = dict(layer.named_parameters())
    if set(params) != {"weight", "bias"}:
        raise Wrong(f"{what} should have exactly two parameters, `weight` and `bias` (nn.Parameter), got "
                    f"{sorted(params) or 'none'}")
    return params["weight"], params["bias"]


def _judge_equalized_linear(cls):
    from stylegan_edu.layers import EqualizedLinear

    # sizes for which gain / sqrt(fan_in), 1 / sqrt(fan_in) and gain / sqrt(fan_out) all differ
    for fan_in, fan_out, gain, lrmul in ((64, 96, math.sqrt(2), 0.01), (96, 32, 1.0, 1.0)):
        what = f"MyEqualizedLinear({fan_in}, {fan_out}, gain={gain:.4g}, lrmul={lrmul:g})"
        with torch.random.fork_rng():
            torch.manual_seed(4)
            layer = call(cls, fan_in, fan_out, gain=gain, lrmul=lrmul)
        if not isinstance(layer, torch.nn.Module):
            raise Wrong(f"{what} should build an nn.Module, got {type(layer).__name__}")
        if not list(layer.parameters()):  # the scaffold: __init__ stores nothing and forward returns None
            call(layer, torch.zeros(1, fan_in))
        weight, bias = _layer_params(layer, what)
        if tuple(weight.shape) != (fan_out, fan_in):
            raise Wrong(f"{what}.weight has shape {tuple(weight.shape)}, expected (fan_out, fan_in) = "
                        f"{(fan_out, fan_in)}, as nn.Linear stores it")
        if tuple(bias.shape) != (fan_out,):
            raise Wrong(f"{what}.bias has shape {tuple(bias.shape)}, expected ({fan_out},)")
        if torch.count_nonzero(bias.detach()) != 0:
            raise Wrong(f"{what}.bias should start at 0")
        std, want_std = weight.detach().float().std().item(), 1 / lrmul
        if abs(std / want_std - 1) > 0.1:
            scale = gain * lrmul / math.sqrt(fan_in)
            if lrmul != 1 and abs(std - 1) < 0.1:
                why = "divide the N(0, 1) weights by lrmul when you store them"
            elif abs(std / (scale / lrmul) - 1) < 0.1 or abs(std / scale - 1) < 0.1:
                why = "store them unscaled; He's constant multiplies them at run time, in forward"
            else:
                why = "draw them with torch.randn and divide by lrmul"
            raise Wrong(f"{what}.weight has std {std:.3g}; equalized lr stores N(0, 1/lrmul^2) weights, std "
                        f"{want_std:g} here: {why}")

        # the function: both layers get the same random weight and bias, then must compute the same outputs
        with torch.random.fork_rng():
            ref = EqualizedLinear(fan_in, fan_out, gain=gain, lrmul=lrmul)
        g = torch.Generator().manual_seed(5)
        with torch.no_grad():
            weight.copy_(torch.randn(fan_out, fan_in, generator=g) / lrmul)
            bias.copy_(torch.randn(fan_out, generator=g) / lrmul)
            ref.weight.copy_(weight)
            ref.bias.copy_(bias)
        x = torch.randn(8, fan_in, generator=g)
        with torch.no_grad():
            out = tensor(call(layer, x), (8, fan_out), f"{what}(x) for x of shape (8, {fan_in})")
            if max_diff(out, ref(x)) <= 1e-4 * max(1.0, ref(x).abs().max().item()):
                continue
            w, b = weight.detach(), bias.detach()
            he = gain / math.sqrt(fan_in)
            close = lambda y: max_diff(out, y) <= 1e-4 * max(1.0, y.abs().max().item())  # noqa: E731
            if close(F.linear(x, w * he, b * lrmul)):
                raise Wrong(f"{what}: the runtime scale leaves out lrmul; the weights are multiplied by "
                            "gain * lrmul / sqrt(fan_in)")
            if close(F.linear(x, w * he * lrmul, b)):
                raise Wrong(f"{what}: the bias is used as stored; multiply it by lrmul at run time too")
            if close(F.linear(x, w * lrmul / math.sqrt(fan_in), b * lrmul)):
                raise Wrong(f"{what}: the runtime scale leaves out the gain; it is gain * lrmul / sqrt(fan_in)")
            if gain != math.sqrt(2) and close(F.linear(x, w * math.sqrt(2) * lrmul / math.sqrt(fan_in), b * lrmul)):
                raise Wrong(f"{what}: the layer ignores its `gain` argument (it uses sqrt(2) whatever gain is "
                            "passed)")
            if close(F.linear(x, w * gain * lrmul / math.sqrt(fan_out), b * lrmul)):
                raise Wrong(f"{what}: the runtime scale uses fan_out; He's constant counts the inputs, "
                            "gain / sqrt(fan_in)")
            if close(F.linear(x, w, b)) or close(F.linear(x, w, b * lrmul)):
                raise Wrong(f"{what}: the stored weight is used as it is; multiply it by the runtime scale "
                            "gain * lrmul / sqrt(fan_in) in forward")
            if close(F.leaky_relu(ref(x), 0.2)):
                raise Wrong(f"{what}: the layer applies a leaky ReLU; the dense layer is linear (the mapping "
                            "network adds the activation after it)")
            raise Wrong(f"{what} computes something other than x @ (weight * scale).T + bias * lrmul")


check_equalized_linear = exercise(
    "equalized_linear", _judge_equalized_linear,
    hint="__init__ stores the weight as an nn.Parameter of N(0, 1) numbers divided by lrmul, and a zero bias; "
         "forward scales them (section 2) just before F.linear",
    success="an equalized-lr dense layer: it computes what stylegan_edu.layers.EqualizedLinear computes, and "
            "loads its weights.")
