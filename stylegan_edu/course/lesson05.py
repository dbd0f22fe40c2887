"""Lesson 05's exercises: per-layer noise strengths, and the noise input "B" as a module."""

from __future__ import annotations

import torch
from torch import nn

from stylegan_edu import layers
from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


def _strengths(fn, num_layers, listed):
    what = f"noise_strengths({num_layers}, {listed})"
    out = call(fn, num_layers, listed)
    if isinstance(out, torch.Tensor):
        out = out.tolist()
    if not isinstance(out, (list, tuple)):
        raise Wrong(f"{what} should return a list of numbers, got {type(out).__name__}")
    try:
        values = [float(v) for v in out]
    except (TypeError, ValueError):
        raise Wrong(f"{what} should return a list of numbers, got {out}") from None
    if len(values) != num_layers:
        raise Wrong(f"{what} returned {len(values)} numbers: noise_strength needs one per layer, "
                    f"{num_layers} in all")
    return values


def _judge_noise_strengths(fn):
    for num_layers, listed in ((10, [4, 5]), (10, [0, 1, 9]), (6, []), (4, [0, 1, 2, 3])):
        values = _strengths(fn, num_layers, listed)
        want = [1.0 if i in listed else 0.0 for i in range(num_layers)]
        if values == want:
            continue
        if values == [1.0 - v for v in want]:
            raise Wrong("the other way round: 1.0 for the layers in layers_with_noise, 0.0 for the rest")
        if values == [1.0 if i + 1 in listed else 0.0 for i in range(num_layers)]:
            raise Wrong("layers are counted from 0: layer 4 is entry 4 of the list (the fifth)")
        raise Wrong(f"noise_strengths({num_layers}, {listed}) gave {values}: entry i should be 1.0 when layer i "
                    "is listed, else 0.0")


check_noise_strengths = exercise(
    "noise_strengths", _judge_noise_strengths,
    hint="one entry per layer, in layer order (range(num_layers)): 1.0 where the layer is listed",
    success="one noise strength per layer, ready for G(..., noise_strength=...).")


def _judge_noise_module(cls):
    c = 8
    module = call(cls, c)
    if not isinstance(module, nn.Module):
        raise Wrong(f"{getattr(cls, '__name__', 'it')}(channels) should build an nn.Module, "
                    f"got {type(module).__name__}")
    g = torch.Generator().manual_seed(1)
    x, noise = torch.randn(3, c, 16, 16, generator=g), torch.randn(3, 1, 16, 16, generator=g)
    with torch.no_grad():
        tensor(call(module, x.clone(), noise.clone()), x.shape, "the module's output")  # Not written yet if None
    params = list(module.parameters())
    if not params:
        raise Wrong("the strengths B must be learned: make them an nn.Parameter")
    sizes = [p.numel() for p in params]
    if sizes == [1]:
        raise Wrong(f"B is one learned strength per channel ({c} numbers), not one for the whole layer")
    if sizes != [c]:
        raise Wrong(f"B is one learned strength per channel: one parameter of {c} numbers, got parameters "
                    f"of shapes {[tuple(p.shape) for p in params]}")
    weight = params[0]
    if weight.detach().abs().max().item() != 0:
        raise Wrong("a new layer should start with every strength at 0 (torch.zeros), so the network turns the "
                    "noise on only as far as training finds it useful")
    strength = torch.linspace(-1, 2, c)
    reference = layers.NoiseInjection(c)
    with torch.no_grad():
        weight.copy_(strength.view(weight.shape))
        reference.weight.copy_(strength)
        out = tensor(call(module, x.clone(), noise.clone()), x.shape, "the module's output")
        if max_diff(out, reference(x, noise)) > 1e-5:
            if max_diff(out, x + noise) <= 1e-5:
                raise Wrong("the noise is added unscaled: multiply it by each channel's strength first")
            raise Wrong("with a given noise image the output should be x + strength[c] · noise in channel c")
        drawn = [tensor(call(module, x.clone()), x.shape, "the output without a noise image") for _ in range(2)]
    per_channel = [(d - x) / strength.view(1, -1, 1, 1) for d in drawn]
    n = per_channel[0]
    if max_diff(n, n[:, :1].expand_as(n)) > 1e-4:
        raise Wrong("each channel got its own noise image: draw one single-channel image [N, 1, H, W] and let "
                    "it broadcast over the channels, each scaled by its own strength")
    if max_diff(n[0], n[1]) <= 1e-6:
        raise Wrong("every sample got the same noise image: draw one per sample, shape [N, 1, H, W]")
    if max_diff(per_channel[0], per_channel[1]) <= 1e-6:
        raise Wrong("two calls added the same noise: draw a fresh noise image on every call")
    if not (0.8 < n[:, 0].std().item() < 1.2 and abs(n[:, 0].mean().item()) < 0.2):
        raise Wrong(f"the drawn noise has mean {n[:, 0].mean().item():.2f} and std {n[:, 0].std().item():.2f}: "
                    "it should be standard Gaussian (torch.randn)")


check_noise_module = exercise(
    "noise_module", _judge_noise_module,
    hint="__init__: one nn.Parameter of `channels` numbers, starting at zero; forward: when noise is None draw "
         "torch.randn of shape [N, 1, H, W], then add it scaled as in section 3",
    success="the noise input B: one Gaussian image per sample, scaled per channel by learned strengths.")
