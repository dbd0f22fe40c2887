"""Lesson 11's exercises: the EMA generator's decay per minibatch and its update, and the share of faces the
attribute reader sees an attribute in (the measure of the fine-tuning run)."""

from __future__ import annotations

import functools

import torch
from torch import nn

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff
from stylegan_edu.course.lesson08 import _number


# --- exercise 1: beta from the half-life -------------------------------------------------------------------------

_BETA_CASES = ((16, 1.0), (32, 10.0), (256, 10.0), (16, 2.0))


def _judge_ema_beta(fn):
    from stylegan_edu.train.ema import ema_beta as library_beta

    for batch, half_life in _BETA_CASES:
        got = _number(call(fn, batch, half_life), f"ema_beta({batch}, {half_life})")
        want = library_beta(batch, half_life)
        if abs(got - want) <= 1e-9:
            continue
        if abs(got - (1 - want)) <= 1e-9:
            raise Wrong(f"ema_beta({batch}, {half_life}) gave {got:.6f}: that is the weight of the new G, 1 - beta; "
                        "beta is the weight the old average keeps, close to 1")
        if abs(got - 0.5 ** (batch / half_life)) <= 1e-9:
            raise Wrong(f"ema_beta({batch}, {half_life}) gave {got:.6f}: the half-life is in kimg, thousands of "
                        "images, and the batch in images")
        if abs(got - 0.5 ** (half_life * 1000 / batch)) <= 1e-9:
            raise Wrong(f"ema_beta({batch}, {half_life}) gave {got:.3g}: the exponent is upside down; a bigger "
                        "batch moves the average further, so it must make beta smaller")
        steps = half_life * 1000 / batch
        raise Wrong(f"ema_beta({batch}, {half_life}) gave {got:.6f}, expected {want:.6f}: after {steps:g} "
                    f"minibatches of {batch} (= {half_life:g} kimg) beta ** {steps:g} must be exactly 0.5, "
                    f"and yours gives {got ** steps:.4f}")


check_ema_beta = exercise(
    "ema_beta", _judge_ema_beta,
    hint="after half_life_kimg * 1000 / batch minibatches, beta to that power must be 0.5",
    success="the EMA decay per minibatch.")


# --- exercise 2: the EMA update of a module ------------------------------------------------------------------------

class _Net(nn.Module):
    """A small stand-in for G: parameters in a submodule and at the top, and a running average as a buffer."""

    def __init__(self, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.layer = nn.Linear(6, 4)
        self.scale = nn.Parameter(torch.randn(4, generator=g))
        with torch.no_grad():
            self.layer.weight.copy_(torch.randn(4, 6, generator=g))
            self.layer.bias.copy_(torch.randn(4, generator=g))
        self.register_buffer("w_avg", torch.randn(6, generator=g))


def _judge_update_ema(fn):
    G_ema, G = _Net(1).requires_grad_(False), _Net(2)
    before = {k: v.clone() for k, v in G_ema.state_dict().items()}
    g_state = {k: v.clone() for k, v in G.state_dict().items()}
    beta = 0.9
    out = call(fn, G_ema, G, beta)
    if any(max_diff(v, g_state[k]) > 0 for k, v in G.state_dict().items()):
        raise Wrong("G changed: only G_ema moves; G keeps the weights the optimiser gave it")
    if out is not G_ema:
        raise Wrong("return G_ema itself, updated in place (the trainer keeps using the same G_ema object)"
                    if isinstance(out, nn.Module) else
                    f"update_ema should return the module G_ema, got {type(out).__name__}")
    state = G_ema.state_dict()
    for name, p in G.named_parameters():
        want = beta * before[name] + (1 - beta) * p.detach()
        got = state[name]
        if max_diff(got, want) <= 1e-6:
            continue
        if max_diff(got, before[name]) == 0:
            raise Wrong(f"parameter {name!r} of G_ema did not change: update it in place "
                        "(p_ema.copy_(...) under torch.no_grad()), not a new tensor bound to a local name")
        if max_diff(got, (1 - beta) * before[name] + beta * p.detach()) <= 1e-6:
            raise Wrong(f"parameter {name!r}: the weights are swapped; the old average keeps the weight beta "
                        "(0.9 here) and G gets 1 - beta")
        raise Wrong(f"parameter {name!r} of G_ema differs from beta * old + (1 - beta) * G by up to "
                    f"{max_diff(got, want):.3g}")
    if max_diff(state["w_avg"], g_state["w_avg"]) > 0:
        if max_diff(state["w_avg"], before["w_avg"]) == 0:
            raise Wrong("the buffer w_avg was not copied: buffers (w_avg, the fixed noise images) are not trained, "
                        "G_ema takes G's as they are")
        raise Wrong("the buffer w_avg was averaged: buffers are copied from G as they are (w_avg is already a "
                    "running average of its own)")


check_update_ema = exercise(
    "update_ema", _judge_update_ema,
    hint="loop over zip(G_ema.parameters(), G.parameters()) and then over the two modules' buffers(); change "
         "G_ema's tensors in place under torch.no_grad()",
    success="G_ema follows G: parameters averaged with weight beta on the old ones, buffers copied.")


# --- exercise 3: the share of faces with an attribute ----------------------------------------------------------------

@functools.cache
def _reader_and_images():
    from stylegan_edu.data import load_toyfaces
    from stylegan_edu.metrics.toy_features import load_toy_features

    images, _ = load_toyfaces(n=2000, resolution=64, progress=False).batch(list(range(40)))
    return load_toy_features(), images


def _judge_attribute_share(fn):
    from stylegan_edu.data import ATTRIBUTE_NAMES
    from stylegan_edu.train.finetune import attribute_share as library_share

    net, images = _reader_and_images()
    with torch.no_grad():
        logits = net.attribute_logits(images)
        values = net.attribute_values(images)
    for name in ("glasses", "hair_color", "bangs"):
        j = ATTRIBUTE_NAMES.index(name)
        got = _number(call(fn, images, net, name), f"attribute_share(images, net, {name!r})")
        want = library_share(images, net, name)
        if abs(got - want) <= 1e-6:
            continue
        if not 0 <= got <= 1:
            raise Wrong(f"attribute_share(images, net, {name!r}) gave {got:.3f}: a share lies between 0 and 1")
        if abs(got - torch.sigmoid(logits[:, j]).mean().item()) <= 1e-5:
            raise Wrong(f"for {name!r} that is the mean probability; count the faces instead: each face has the "
                        "attribute or not, by whether the reader's probability is above one half")
        if abs(got - (values[:, j] > 0).float().mean().item()) <= 1e-6:
            raise Wrong(f"for {name!r} you thresholded the value head (attribute_values) at its mean; the "
                        "high/low label is the logit head's (attribute_logits > 0)")
        if abs(got - 1.0) <= 1e-6:
            raise Wrong(f"for {name!r} every face counts: probabilities are never below 0, so compare them with "
                        "0.5 (or the logits with 0)")
        raise Wrong(f"attribute_share(images, net, {name!r}) gave {got:.3f}, expected {want:.3f}; pick the "
                    "column with ATTRIBUTE_NAMES.index(name)")


check_attribute_share = exercise(
    "attribute_share", _judge_attribute_share,
    hint="net.attribute_logits(images) has one column per name in ATTRIBUTE_NAMES; a face has the attribute "
         "when its logit is above 0",
    success="the share of faces the reader sees the attribute in, as the fine-tuning run measures it.")

