"""Lesson 09's exercises: StyleGAN assembled from the library's layers and trained with the learner's losses.

Each judge compares with the library itself: the learner's synthesis network loads the shipped generator's
weights and must draw its faces (`stylegan_edu.synthesis`), the learner's discriminator loads a random
library discriminator's weights and must give its scores (`stylegan_edu.discriminator`), the losses and R1
are compared with `stylegan_edu.train.losses`, the style-mixing regulariser with `Generator.forward`, and the
learner's training step with `Trainer.step()` from the same seed (`stylegan_edu.train.loop`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import math

import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.course.checks import NotWritten, Wrong, call, exercise, max_diff, tensor

FACE_TOL = 1e-5  # the faces of the learner's synthesis network against the library's
SCORE_TOL = 1e-4  # discriminator scores, relative to their size
LOSS_TOL = 1e-4  # training-step losses


@functools.cache
def _G():
    from stylegan_edu import pretrained

    return pretrained.load("toyfaces-64")


def example_styles(G=None) -> torch.Tensor:
    """The styles ws [4, num_layers, w_dim] the synthesis check renders: seeds 0-3 for the layers below 4 and
    seeds 4-7 from layer 4 on, truncated with psi 0.7 (so each layer gets its own w)."""
    from stylegan_edu.generator import broadcast, mix_styles, truncate, z_from_seeds

    G = G or _G()
    with torch.no_grad():
        w1, w2 = (broadcast(G.mapping(z_from_seeds(s, G.cfg.latent_size)), G.num_layers)
                  for s in (range(0, 4), range(4, 8)))
        return truncate(mix_styles(w1, w2, 4), G.w_avg, 0.7, G.cfg.truncation_cutoff)


# --------------------------------------------------------------------------------------------------------
# Comparing a learner's module with the library's: parameter names and shapes, then outputs layer by layer
# --------------------------------------------------------------------------------------------------------

def _module(out, what: str) -> nn.Module:
    if not isinstance(out, nn.Module):
        raise Wrong(f"{what} should build an nn.Module, got {type(out).__name__}")
    return out


def _refuse_library_blocks(net: nn.Module, classes: tuple, pieces: str) -> None:
    for name, m in net.named_modules():
        if type(m) in classes:
            where = f"`{name}` is" if name else "your module is"
            raise Wrong(f"{where} the library's {type(m).__name__}, the piece this exercise asks you to write: "
                        f"build it from {pieces}")


def _same_tensors(net: nn.Module, lib: nn.Module, lib_name: str) -> None:
    """Wrong naming the first parameter or buffer that is missing, extra or of another shape."""
    mine = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    want = {k: tuple(v.shape) for k, v in lib.state_dict().items()}
    if not mine:
        raise NotWritten()
    for key, shape in want.items():
        if key not in mine:
            alike = [k for k, s in mine.items() if s == shape and k not in want]
            also = f" (yours has `{alike[0]}` of that shape: another name?)" if alike else ""
            raise Wrong(f"your module has no `{key}` of shape {shape}, which {lib_name} has{also}")
        if mine[key] != shape:
            raise Wrong(f"`{key}` has shape {mine[key]} in yours, {shape} in {lib_name}")
    extra = [k for k in mine if k not in want]
    if extra:
        raise Wrong(f"your module has `{extra[0]}` {mine[extra[0]]}, which {lib_name} has not "
                    f"({len(extra)} extra tensor{'s' if len(extra) > 1 else ''})")


def _load(net: nn.Module, lib: nn.Module) -> None:
    try:
        net.load_state_dict(lib.state_dict(), strict=True)
    except Exception as e:  # noqa: BLE001 - a custom module may refuse in its own way
        raise Wrong(f"load_state_dict(strict=True) refused the library's weights: {e}") from None


def _first_tensor(value):
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0].detach()
    return None


def _record(module: nn.Module, run) -> dict:
    """{submodule name: (its first input, its first output)}, in the order the outputs were computed."""
    seen, handles = {}, []

    def hook(name):
        def keep(_module, args, out):  # returns None: a forward hook's return value would replace the output
            if name not in seen:
                seen[name] = (_first_tensor(args), _first_tensor(out))
        return keep

    for name, m in module.named_modules():
        if name:
            handles.append(m.register_forward_hook(hook(name)))
    try:
        run()
    except Exception:  # noqa: BLE001 - the learner's run may fail halfway; what ran before is still useful
        pass
    finally:
        for h in handles:
            h.remove()
    return seen


def _differs(a: torch.Tensor, ref: torch.Tensor, rtol: float) -> str | None:
    if a.shape != ref.shape:
        return f"shape {tuple(a.shape)}, the library's {tuple(ref.shape)}"
    if max_diff(a, ref) > rtol * max(1.0, ref.abs().max().item()):
        return f"different by up to {max_diff(a, ref):.3g}"
    return None


def first_difference(net: nn.Module, lib: nn.Module, run_net, run_lib, rtol: float = 1e-4):
    """The first library submodule, in the order the library's outputs are computed, whose output differs in
    the learner's module of the same name: (name, "input" or "output", how). "input" when that module was
    already handed a different input (the mistake lies before it), "output" when it computed something else
    from the same input. None when every such submodule agrees."""
    with torch.no_grad():
        want, got = _record(lib, run_lib), _record(net, run_net)
    for name, (ref_in, ref_out) in want.items():
        if name not in got:
            continue
        my_in, my_out = got[name]
        if ref_out is None or my_out is None or not _differs(my_out, ref_out, rtol):
            continue
        if ref_in is not None and my_in is not None:
            how = _differs(my_in, ref_in, rtol)
            if how:
                return name, "input", f"its input: {how}"
        return name, "output", f"its output from the same input: {_differs(my_out, ref_out, rtol)}"
    return None


# --------------------------------------------------------------------------------------------------------
# Exercise: the synthesis network
# --------------------------------------------------------------------------------------------------------

def _layer_of(name: str, cfg) -> tuple[int, int] | None:
    """(style layer index, its resolution) of a synthesis submodule name."""
    if name.startswith("input_epilogue"):
        return 0, 4
    parts = name.split(".")
    if parts[0] == "layers" and len(parts) > 1 and parts[1].isdigit():
        i = int(parts[1]) + 1
        return i, cfg.layer_resolution(i)
    return None


def _synthesis_advice(name: str, kind: str, cfg) -> str:
    where = _layer_of(name, cfg)
    at = f" (style layer {where[0]}, {where[1]} px)" if where else ""
    first = f"the first module whose output differs from the library's is `{name}`{at}"
    last = name.split(".")[-1]
    up = where is not None and where[0] % 2 == 0 and where[0] > 0
    if last in ("affine", "dense"):
        return f"{first}, given another w: style layer i takes its own w, ws[:, i]"
    if last == "noise":
        return (f"{first}: the noise B is the layer's stored image `noise_const`, scaled per channel by the "
                "learned weight (NoiseInjection), added to the convolution's output")
    if last == "bias" and kind == "input":
        return (f"{first}, given another input: the order after the convolution is noise -> bias -> leaky "
                "ReLU -> instance norm -> style; is the noise (the stored `noise_const`) added first?")
    if last == "conv" and kind == "output" and up:
        return (f"{first}, from the same input: the upsampling convolution. Officially it is nearest 2x "
                "upsampling, a 3x3 conv and then the [1, 2, 1] blur (resample.UpConv2d)")
    if last == "conv" and kind == "input":
        return (f"{first}, given another input: each layer's conv takes the previous layer's output; the first "
                "one (`layers.0`) takes the constant after its epilogue (`input_epilogue`)")
    if last == "epilogue" or name == "input_epilogue":
        return (f"{first}, while the noise, bias and style inside it agree: the order after the convolution is "
                "noise -> bias -> leaky ReLU -> instance norm -> style (x * (y_s + 1) + y_b)")
    if name.startswith("torgb"):
        return f"{first}: the image is the last ToRGB applied to the last layer's output (a 1x1 conv, linear)"
    return first


def _judge_assembled_synthesis(cls):
    from stylegan_edu.synthesis import LayerEpilogue, SynthesisLayer, SynthesisNetwork

    G = _G()
    lib = G.synthesis
    net = _module(call(cls, G.cfg), "MySynthesis(cfg)")
    _refuse_library_blocks(net, (SynthesisNetwork, SynthesisLayer, LayerEpilogue),
                           "EqualizedConv2d, UpConv2d, NoiseInjection, Bias, StyleAffine, instance_norm, "
                           "style_modulate, ConstInput and ToRGB")
    _same_tensors(net, lib, "the library's synthesis network")
    _load(net, lib)
    net.eval()
    ws = example_styles(G)
    with torch.no_grad():
        want = lib(ws, noise_mode="const")
        out = tensor(call(net, ws), tuple(want.shape), "MySynthesis(cfg)(ws)")
    if max_diff(out, want) <= FACE_TOL:
        return
    found = first_difference(net, lib, lambda: net(ws), lambda: lib(ws, noise_mode="const"))
    if found:
        name, kind, how = found
        raise Wrong(f"{_synthesis_advice(name, kind, G.cfg)} ({how})")
    raise Wrong(f"every layer's output agrees but the faces differ by up to {max_diff(out, want):.3g}: the image "
                "is the last ToRGB applied to the last layer's output")


check_assembled_synthesis = exercise(
    "assembled_synthesis", _judge_assembled_synthesis,
    hint="copy the names from the table above: `input` (ConstInput), `input_epilogue`, `layers` (an "
         "nn.ModuleList: 4 px conv, then per resolution an upsampling layer and a plain one), `torgb` (one ToRGB "
         "per resolution); each layer is `conv` then `epilogue` (noise, bias, leaky ReLU, instance norm, style)",
    success="your synthesis network holds the shipped weights and draws the shipped model's faces.")


def faces_side_by_side(cls, columns: int = 4):
    """A picture: the library's synthesis network's faces for `example_styles()` (top row), the ones your class
    draws with the shipped weights loaded (middle row) and their difference x 1000 (bottom row, grey = 0).
    While your class is not written (or fails), its rows are left white and the title says why."""
    import matplotlib.pyplot as plt

    from stylegan_edu.viz import image_grid

    G = _G()
    ws = example_styles(G)[:columns]
    with torch.no_grad():
        want = G.synthesis(ws, noise_mode="const")
    mine, note = None, "yours: not written yet"
    try:
        with torch.random.fork_rng(devices=[]):
            net = cls(G.cfg)
        if isinstance(net, nn.Module) and net.state_dict():
            note = "yours: not yet right (see the check above)"
            net.load_state_dict(G.synthesis.state_dict(), strict=True)
            with torch.no_grad():
                out = net.eval()(ws)
            if out is None:
                note = "yours: forward not written yet"
            elif isinstance(out, torch.Tensor) and out.shape == want.shape:
                mine = out.float()
                close = max_diff(mine, want) <= FACE_TOL
                note = f"yours (max difference {'at most 1e-5' if close else 'above 1e-5: see the check above'})"
    except Exception:  # noqa: BLE001 - a picture must not fail; the check above says what is wrong
        mine = None
    blank = torch.ones_like(want)  # white: nothing to show yet (grey would mean a difference of 0)
    rows = [("library", want), (note, blank if mine is None else mine),
            ("difference x 1000 (grey = 0)", blank if mine is None else ((mine - want) * 1000).clamp(-1, 1))]
    fig, axes = plt.subplots(3, 1, figsize=(2.0 * columns, 6.6))
    for ax, (title, imgs) in zip(axes, rows):
        ax.imshow(image_grid(imgs, columns=columns, upscale_to=96))
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------
# Exercise: the discriminator
# --------------------------------------------------------------------------------------------------------

@functools.cache
def _D():
    """A library discriminator for the shipped model's config; every parameter random (biases too)."""
    from stylegan_edu.discriminator import Discriminator

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(9)
        D = Discriminator(_G().cfg)
        with torch.no_grad():
            for name, p in D.named_parameters():
                if name.endswith("bias"):
                    p.normal_(0.0, 0.2)
    return D.eval().requires_grad_(False)


def _discriminator_advice(name: str, kind: str) -> str:
    first = f"the first module whose output differs from the library's is `{name}`"
    last = name.split(".")[-1]
    if name.startswith("fromrgb"):
        return (f"{first}: an image of r px enters through fromrgb[k], r = 4 * 2**k (FromRGB: 1x1 conv, "
                "leaky ReLU)")
    if last == "conv1_down" and kind == "output":
        return (f"{first}, from the same input: the downsampling convolution. Officially it is the [1, 2, 1] "
                "blur, a 3x3 conv, then 2x2 box downsampling (resample.ConvDown2d)")
    if last == "conv1_down":
        return (f"{first}, given another input although `conv0` before it agrees: conv0's output goes "
                "through a leaky ReLU first")
    if name.startswith("blocks") and kind == "input":
        return (f"{first}, given another input: the blocks run from the image's resolution down, "
                "blocks[k-1] first (after fromrgb[k]), then blocks[k-2], ..., blocks[0], then the epilogue; "
                "each block ends with a leaky ReLU")
    if name.startswith("epilogue"):
        return (f"{first}: the 4x4 head is minibatch stddev -> 3x3 conv -> leaky ReLU -> dense -> leaky ReLU "
                "-> dense to one score")
    return first


def _judge_assembled_discriminator(cls):
    from stylegan_edu.discriminator import Discriminator, DiscriminatorBlock, DiscriminatorEpilogue

    lib = _D()
    net = _module(call(cls, lib.cfg), "MyDiscriminator(cfg)")
    _refuse_library_blocks(net, (Discriminator, DiscriminatorBlock, DiscriminatorEpilogue),
                           "FromRGB, EqualizedConv2d, ConvDown2d, minibatch_stddev and EqualizedLinear")
    _same_tensors(net, lib, "the library's discriminator")
    _load(net, lib)
    net.eval()
    gen = torch.Generator().manual_seed(3)
    for res in (16, lib.cfg.resolution):
        img = 0.5 * torch.randn(4, lib.cfg.num_channels, res, res, generator=gen)
        with torch.no_grad():
            want = lib(img)
            out = tensor(call(net, img), (4, 1), f"MyDiscriminator(cfg)({res} px images)")
        if max_diff(out, want) <= SCORE_TOL * max(1.0, want.abs().max().item()):
            continue
        found = first_difference(net, lib, lambda: net(img), lambda: lib(img))
        if found:
            name, kind, how = found
            raise Wrong(f"for {res} px images {_discriminator_advice(name, kind)} ({how})")
        raise Wrong(f"for {res} px images every layer agrees but the scores differ by up to "
                    f"{max_diff(out, want):.3g}: the score is the epilogue's last dense layer")


check_assembled_discriminator = exercise(
    "assembled_discriminator", _judge_assembled_discriminator,
    hint="copy the names from the table: `fromrgb` (a FromRGB per resolution), `blocks` (blocks[k-1] takes "
         "4 * 2**k px down to half: conv0, then conv1_down), `epilogue` (conv, dense0, dense1 after the "
         "minibatch stddev, which adds one channel)",
    success="your discriminator holds the library's weights and gives its scores at every resolution.")


# --------------------------------------------------------------------------------------------------------
# Exercises: the logistic losses
# --------------------------------------------------------------------------------------------------------

def _scalar(out, what: str) -> torch.Tensor:
    out = tensor(out, None, what)
    if out.numel() != 1:
        raise Wrong(f"{what} has shape {tuple(out.shape)}: a loss is one number, the average over the batch")
    return out.reshape(())


def _close(a: float, b: float, rtol: float = 1e-5) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


_FAKES = torch.tensor([[1.5], [-0.5], [2.0], [-2.0]])
_REALS = torch.tensor([[0.8], [-1.2], [2.5], [0.1]])


def _judge_nonsaturating_g_loss(fn):
    from stylegan_edu.train import losses

    what = "g_nonsaturating_loss(fake_scores)"
    got = _scalar(call(fn, _FAKES.clone()), what).item()
    want = losses.g_logistic_nonsaturating(_FAKES).item()
    if not _close(got, want):
        sp = F.softplus
        if _close(got, -sp(_FAKES).mean().item()):
            raise Wrong("that is the saturating (minimax) loss log(1 - sigmoid(D(G(z)))): its gradient vanishes "
                        "while D easily rejects the fakes. The non-saturating G maximises log sigmoid(D(G(z)))")
        if _close(got, sp(_FAKES).mean().item()):
            raise Wrong("that is D's loss on the fakes, softplus(D(G(z))): G wants the opposite, a high score "
                        "for its fakes")
        if _close(got, sp(-_FAKES).sum().item()):
            raise Wrong("the sum over the batch: average it (.mean()) so the loss does not grow with the batch")
        raise Wrong(f"for scores {_FAKES.flatten().tolist()} the loss should be {want:.4f}, got {got:.4f}")
    big = torch.tensor([[-120.0], [1.0]])
    got = _scalar(call(fn, big.clone()), what).item()
    if not math.isfinite(got) or not _close(got, losses.g_logistic_nonsaturating(big).item(), 1e-4):
        raise Wrong(f"for a fake scored -120 the loss is {got:.4g}: log(sigmoid(x)) underflows to log(0) in "
                    "float32. -log(sigmoid(x)) = softplus(-x), and F.softplus computes it stably")


check_nonsaturating_g_loss = exercise(
    "nonsaturating_g_loss", _judge_nonsaturating_g_loss,
    hint="G wants D to call its fakes real: minimise -log sigmoid(D(G(z))), averaged over the batch; "
         "torch.nn.functional.softplus(x) = log(1 + e^x)",
    success="the non-saturating logistic loss of G (softplus(-D(G(z))), averaged).")


def _judge_logistic_d_loss(fn):
    from stylegan_edu.train import losses

    what = "d_logistic_loss(real_scores, fake_scores)"
    got = _scalar(call(fn, _REALS.clone(), _FAKES.clone()), what).item()
    want = losses.d_logistic(_REALS, _FAKES).item()
    if not _close(got, want):
        sp = F.softplus
        if _close(got, losses.d_logistic(_FAKES, _REALS).item()):
            raise Wrong("real and fake are swapped: D wants high scores for reals (softplus(-D(x))) and low "
                        "ones for fakes (softplus(D(G(z))))")
        if _close(got, (sp(_FAKES) + sp(-_REALS)).sum().item()):
            raise Wrong("the sum over the batch: average it (.mean()) so the loss does not grow with the batch")
        if _close(got, sp(-_REALS).mean().item()) or _close(got, sp(_FAKES).mean().item()):
            raise Wrong("only one half: D's loss has a term for the reals and one for the fakes")
        raise Wrong(f"for real scores {_REALS.flatten().tolist()} and fake scores {_FAKES.flatten().tolist()} "
                    f"the loss should be {want:.4f}, got {got:.4f}")
    reals, fakes = torch.tensor([[2.0], [0.5]]), torch.tensor([[-1.0], [60.0]])
    got = _scalar(call(fn, reals.clone(), fakes.clone()), what).item()
    if not math.isfinite(got) or not _close(got, losses.d_logistic(reals, fakes).item(), 1e-4):
        raise Wrong(f"for a fake scored 60 the loss is {got:.4g}: 1 - sigmoid(60) rounds to 0 in float32 and "
                    "its log to -inf. -log(1 - sigmoid(x)) = softplus(x); F.softplus computes it stably")


check_logistic_d_loss = exercise(
    "logistic_d_loss", _judge_logistic_d_loss,
    hint="D is a classifier: -log sigmoid(D(x)) for the reals plus -log(1 - sigmoid(D(G(z)))) for the fakes, "
         "averaged; both are softplus of a score with the right sign",
    success="the logistic loss of D (softplus(D(G(z))) + softplus(-D(x)), averaged).")


# --------------------------------------------------------------------------------------------------------
# Exercise: R1 with the official weighting
# --------------------------------------------------------------------------------------------------------

@functools.cache
def _small_D():
    from stylegan_edu.discriminator import Discriminator

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return Discriminator("toy-32")


def _judge_r1_penalty_official(fn):
    from stylegan_edu.train import losses

    D, final = _small_D(), 32
    gen = torch.Generator().manual_seed(5)
    for r in (8, 16):
        reals = torch.randn(4, 3, r, r, generator=gen)
        x = reals.clone().requires_grad_(True)
        out = _scalar(call(fn, D(x), x, final), f"r1_penalty(real_scores, reals, {final}) at {r} px")
        x2 = reals.clone().requires_grad_(True)
        want = losses.r1_penalty(D(x2), x2, final).item()
        got, f = out.item(), final / r
        if not _close(got, want, 1e-4):
            plain = want * f * f
            cases = [(plain, f"at {r} px your penalty is (final/r)^2 = {f * f:g} times too large: the official code "
                             f"measures the gradient w.r.t. the reals upscaled to {final} px, which divides the "
                             f"squared norm by (final/r)^2"),
                     (plain / f, f"at {r} px your penalty is final/r = {f:g} times too large: the squared norm "
                                 "shrinks by (final/r)^2, not final/r"),
                     (want * 4, "the sum over the batch: average the per-image squared norms"),
                     (plain * 4, "the sum over the batch: average the per-image squared norms"),
                     (want / (3 * r * r), "sum the squared gradient over each image's channels and pixels "
                                          "(then average over the batch), do not average over pixels")]
            for value, why in cases:
                if _close(got, value, 1e-4):
                    raise Wrong(why)
            raise Wrong(f"at {r} px with final resolution {final}: expected {want:.6g}, got {got:.6g} (the squared "
                        "gradient norm of D's score w.r.t. the reals, per image, averaged, / (final/r)^2)")
        if not out.requires_grad:
            raise Wrong("the value is right but it carries no graph, so D cannot learn from it: take the gradient "
                        "with torch.autograd.grad(..., create_graph=True)")


check_r1_penalty_official = exercise(
    "r1_penalty_official", _judge_r1_penalty_official,
    hint="torch.autograd.grad(real_scores.sum(), reals, create_graph=True) gives dD/dx per image; square, sum "
         "over channels and pixels, average over the batch, and divide by (final_resolution / r)^2",
    success="R1 as the official code measures it, at every resolution, differentiable for D's update.")


# --------------------------------------------------------------------------------------------------------
# Exercise: the style-mixing regulariser
# --------------------------------------------------------------------------------------------------------

def _pattern(ws: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor) -> list[str]:
    """Per layer: "1" if it holds w1, "2" if w2, "?" otherwise."""
    out = []
    for i in range(ws.shape[1]):
        out.append("1" if max_diff(ws[:, i], w1) <= 1e-5 else "2" if max_diff(ws[:, i], w2) <= 1e-5 else "?")
    return out


class _Stop(Exception):
    pass


def _library_ws(G, z, resolution, prob) -> torch.Tensor:
    """The styles the library's regulariser (inside Generator.forward) hands the synthesis network; the
    synthesis pass itself is skipped."""
    got = {}

    def grab(_module, args):
        got["ws"] = args[0]
        raise _Stop

    handle = G.synthesis.register_forward_pre_hook(grab)
    try:
        with torch.no_grad():
            G(z, resolution=resolution, style_mixing_prob=prob)
    except _Stop:
        pass
    finally:
        handle.remove()
    return got["ws"]


def _judge_mixing_regularizer(fn):
    G = _G()
    L, latent = G.num_layers, G.cfg.latent_size
    z = torch.randn(4, latent, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        w1 = G.mapping(z)
    for res, prob, seed in ((16, 1.0, 3), (64, 1.0, 5), (32, 0.9, 11), (16, 0.0, 7), (64, 0.9, 2)):
        what = f"mixed_ws(G, z, {res}, {prob})"
        torch.manual_seed(seed)
        want = _library_ws(G, z, res, prob)
        mixed = [i for i in range(L) if max_diff(want[:, i], w1) > 1e-6]
        crossover, w2 = (mixed[0], want[:, -1]) if mixed else (None, None)
        torch.manual_seed(seed)
        with torch.no_grad():
            out = tensor(call(fn, G, z, res, prob), (4, L, G.cfg.dlatent_size), what)
        if max_diff(out, want) <= 1e-5:
            continue
        n_active = G.cfg.num_layers_at(res)
        if crossover is None:
            if prob == 0:
                raise Wrong(f"{what}: with prob = 0 nothing may be mixed: every layer takes w = G.mapping(z)")
            raise Wrong(f"{what}: the draw torch.rand(()) < prob says no mixing this time, so every layer takes "
                        "w = G.mapping(z); decide with that draw before drawing anything else")
        pat = _pattern(out, w1, w2)
        if "?" in pat:
            if "2" not in pat and all(p == "?" for p in pat[crossover:]):
                raise Wrong(f"{what}: the layers from the crossover on hold another w than the library's second "
                            "latent: after the decision draw z2 = torch.randn_like(z) and map it with G.mapping")
            raise Wrong(f"{what}: some layers hold neither w = G.mapping(z) nor the second latent's w")
        if "2" not in pat:
            raise Wrong(f"{what}: nothing was mixed; with probability prob the layers from a random crossover "
                        "on take a second latent's w")
        if all(p == "2" for p in pat):
            raise Wrong(f"{what}: every layer took the second latent's w: the crossover is drawn from 1 .. n-1 "
                        "(torch.randint(1, n, ())), so layer 0 always keeps w = G.mapping(z)")
        if pat[0] == "2":
            raise Wrong(f"{what}: swapped: the layers before the crossover keep w = G.mapping(z) and the layers "
                        "from the crossover on take the second latent's w")
        mine = pat.index("2")
        torch.manual_seed(seed)  # the crossover the same draws give among all layers instead of the active ones
        torch.rand(())
        torch.randn_like(z)
        among_all = int(torch.randint(1, max(L, 2), ()))
        if mine >= n_active or (mine == among_all and n_active < L):
            raise Wrong(f"{what}: your crossover is layer {mine}, drawn as if all {L} layers were in use, but "
                        f"at {res} px only {n_active} layers are in use: draw it among them, torch.randint(1, n, "
                        "()) with n = G.cfg.num_layers_at(resolution)")
        raise Wrong(f"{what}: your crossover is layer {mine}, the library's draw gives {crossover}: after "
                    "torch.rand and torch.randn_like, draw torch.randint(1, n, ()) with n the layers in use at "
                    "this resolution")


check_mixing_regularizer = exercise(
    "mixing_regularizer", _judge_mixing_regularizer,
    hint="w = G.mapping(z) repeated for every layer ([N, num_layers, w_dim]); if torch.rand(()) < prob: "
         "z2 = torch.randn_like(z), a crossover in 1 .. n-1 (n = G.cfg.num_layers_at(resolution)), and the "
         "layers from the crossover on take G.mapping(z2)",
    success="the style-mixing regulariser, with the library's random draws.")


# --------------------------------------------------------------------------------------------------------
# Exercise: a training step, against Trainer.step()
# --------------------------------------------------------------------------------------------------------

def train_config():
    """toy-32 on a tiny schedule (like tests/test_train.py's TINY): minibatch 4, 8 px for 8 images, then 16 px
    fades in over 16; lazy R1 every 2 steps; fp32, no channels_last. Five steps: 8, 8, 8, 16 (alpha 0.25) and
    16 px (alpha 0.5), R1 on steps 0, 2 and 4."""
    from stylegan_edu.train.config import get_train_config

    return get_train_config("toy-32").replace(stable_kimg=0.008, fade_kimg=0.016, minibatch={8: 4, 16: 4, 32: 4},
                                              minibatch_base=4, snapshot_kimg=1000.0, amp="none",
                                              channels_last=False, r1_interval=2)


STEPS = 5


@functools.cache
def _train_data():
    from stylegan_edu.data import load_toyfaces

    return load_toyfaces(n=2000, resolution=32, progress=False)


def new_trainer():
    """A library Trainer on `train_config()` and 2000 ToyFaces at 32 px (its precision line is not printed)."""
    from stylegan_edu.train.loop import Trainer

    with contextlib.redirect_stdout(io.StringIO()):
        return Trainer(train_config(), _train_data(), out_dir=None, device="cpu", progress=False)


@contextlib.contextmanager
def _one_thread():
    """The training-step check's networks are tiny (8 and 16 px, minibatch 4): one thread computes them faster
    than several that wait for each other, and gives the same numbers on every machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@functools.cache
def _reference_steps() -> tuple:
    with torch.random.fork_rng(devices=[]), _one_thread():
        tr = new_trainer()
        return tuple(tr.step() for _ in range(STEPS))


def reference_steps() -> list[dict]:
    """The statistics of the library Trainer's first STEPS steps (what the training-step check compares with)."""
    return [dict(s) for s in _reference_steps()]


def _begin_step(tr):
    """What Trainer.step() does before its D step: the optimisers and learning rate of the phase, the step's
    seed, the faded-in reals. Returns (reals, phase, seed)."""
    cfg, ph = tr.cfg, tr.phase()
    if tr.G_opt is None or (cfg.reset_optimizer and ph.optimizer_key != tr.opt_key):
        tr._make_optimizers()
    tr.opt_key = ph.optimizer_key
    for opt in (tr.G_opt, tr.D_opt):
        for group in opt.param_groups:
            group["lr"] = ph.lr
    reals, ph, seed = _next_batch(tr)
    torch.manual_seed(seed)
    return reals, ph, seed


def _end_step(tr, ph):
    from stylegan_edu.train.ema import ema_beta, update_ema

    update_ema(tr.G_ema, tr.G, ema_beta(ph.batch, tr.cfg.ema_half_life_kimg))
    tr.nimg += ph.batch
    tr.step_count += 1


def _diagnose(tr) -> dict:
    """Before the reference Trainer's step: the parts of its D loss (and what plausible mistakes would give)."""
    from stylegan_edu.train import losses

    reals, ph, seed = _next_batch(tr)
    cfg, final = tr.cfg, tr.mcfg.resolution

    def fake_scores(prob, d_alpha):
        torch.manual_seed(seed)
        with torch.no_grad():
            fakes = tr.G(torch.randn(ph.batch, tr.mcfg.latent_size), resolution=ph.resolution, alpha=ph.alpha,
                         style_mixing_prob=prob)
            return tr.D(fakes, alpha=d_alpha)

    def real_terms(d_alpha):
        """D's scores of the reals (detached) and R1 at them, with D run at d_alpha."""
        x = reals.detach().requires_grad_(True)
        scores = tr.D(x, alpha=d_alpha)
        return scores.detach(), losses.r1_penalty(scores, x, final).item()

    real_scores, r1 = real_terms(ph.alpha)
    out = dict(r1=r1, f=final / ph.resolution, do_r1=tr.step_count % cfg.r1_interval == 0, alpha=ph.alpha,
               logistic=losses.d_logistic(real_scores, fake_scores(cfg.style_mixing_prob, ph.alpha)).item(),
               no_mix=losses.d_logistic(real_scores, fake_scores(0.0, ph.alpha)).item())
    if ph.alpha < 1:  # D called without alpha (so at its default, 1) on the reals and the fakes
        real_at_1, r1_at_1 = real_terms(1.0)
        out.update(d_at_1=losses.d_logistic(real_at_1, fake_scores(cfg.style_mixing_prob, 1.0)).item(),
                   r1_at_1=r1_at_1)
    return out


def _diagnose_at(k: int) -> dict:
    """`_diagnose` before the reference Trainer's step k (replayed from the start)."""
    tr = new_trainer()
    for _ in range(k):
        tr.step()
    return _diagnose(tr)


def _next_batch(tr):
    """The reals, phase and seed of the Trainer's next step, without changing the Trainer."""
    from stylegan_edu.data.fade import fade_in_reals
    from stylegan_edu.train.loop import _step_seed

    ph = tr.phase()
    seed = _step_seed(tr.cfg.seed, 0, tr.step_count)
    gen = torch.Generator().manual_seed(seed)
    reals, _ = tr.dataset.batch(ph.batch, ph.resolution, mirror=tr.cfg.mirror, generator=gen, device=tr.device)
    return fade_in_reals(reals, ph.alpha), ph, seed


def _d_advice(k: int, d: float, want: float, diag: dict, cfg) -> str:
    w = cfg.r1_gamma * 0.5 * cfg.r1_interval
    r1, f = diag["r1"], diag["f"]
    base = diag["logistic"]
    close = lambda v: abs(d - v) <= LOSS_TOL * max(1.0, abs(v))  # noqa: E731
    if "d_at_1" in diag and close(diag["d_at_1"] + (w * diag["r1_at_1"] if diag["do_r1"] else 0.0)):
        return (f"your D loss is the one of D called at alpha 1: during the fade-in (alpha {diag['alpha']:.2f} "
                "here) D must be called with alpha=alpha (D(images, alpha=alpha)), for the fakes and the reals")
    if diag["do_r1"]:
        if close(base):
            return (f"step {k} is an R1 step (step % r1_interval == 0) but your D loss has no R1 term: add "
                    "r1 * r1_gamma / 2 * r1_interval")
        if close(base + w * r1 * f * f):
            return (f"your R1 term is (final/r)^2 = {f * f:g} times too large: measure it at the final resolution, "
                    "as the official code (r1_penalty(..., final_resolution=G.cfg.resolution))")
        if close(base + cfg.r1_gamma * 0.5 * r1):
            return ("lazy R1 runs every r1_interval steps, so it is weighted by r1_gamma / 2 * r1_interval to "
                    "keep its average strength; your R1 term lacks the r1_interval")
        if close(base + cfg.r1_gamma * cfg.r1_interval * r1):
            return "the R1 weight is r1_gamma / 2 (times r1_interval): your R1 term is twice too large"
        if close(diag["no_mix"] + w * r1):
            return ("your D loss is the one of fakes without style mixing: draw the fakes' styles with your "
                    "mixed_ws(G, z, resolution, cfg.style_mixing_prob) and render them with G.synthesis")
    else:
        if any(close(base + c * r1) for c in (w, cfg.r1_gamma * 0.5, w * f * f, cfg.r1_gamma * 0.5 * f * f)):
            return (f"step {k} is not an R1 step: lazy R1 adds the penalty only when step % r1_interval == 0 "
                    f"(every {cfg.r1_interval} steps)")
        if close(diag["no_mix"]):
            return ("your D loss is the one of fakes without style mixing: draw the fakes' styles with your "
                    "mixed_ws(G, z, resolution, cfg.style_mixing_prob) and render them with G.synthesis")
    return (f"your D loss is {d:.5f}, the Trainer's {want:.5f}. The D step: fakes from z = torch.randn(batch, "
            "latent_size) without gradient, D's logistic loss of real and fake scores, and on R1 steps the "
            "penalty of fresh scores of reals that require grad")


def _g_advice(g: float, want: float, G_before, D_after, seed: int, ph, cfg) -> str:
    """Why the G loss of a step whose D loss matched differs: candidates from G before the step and the
    learner's D after its (matching) D update, with the step's random draws replayed."""
    from stylegan_edu.generator import broadcast
    from stylegan_edu.train import losses

    n, latent, kw = ph.batch, G_before.cfg.latent_size, dict(resolution=ph.resolution, alpha=ph.alpha)
    prob = cfg.style_mixing_prob

    def unmixed(z):
        return G_before.synthesis(broadcast(G_before.mapping(z), G_before.num_layers), **kw)

    with torch.no_grad():
        score = lambda images: D_after(images, alpha=ph.alpha)  # noqa: E731
        torch.manual_seed(seed)
        G_before(torch.randn(n, latent), style_mixing_prob=prob, **kw)  # the D step's draws
        after_d_step = torch.get_rng_state()
        right = score(G_before(torch.randn(n, latent), style_mixing_prob=prob, **kw))
        torch.set_rng_state(after_d_step)
        no_mix_here = losses.g_logistic_nonsaturating(score(unmixed(torch.randn(n, latent)))).item()
        torch.manual_seed(seed)
        unmixed(torch.randn(n, latent))
        no_mix_at_all = losses.g_logistic_nonsaturating(score(unmixed(torch.randn(n, latent)))).item()
    close = lambda v: abs(g - v) <= LOSS_TOL * max(1.0, abs(v))  # noqa: E731
    mine = f"your G loss is {g:.5f}, the Trainer's {want:.5f}"
    if close(no_mix_here) or close(no_mix_at_all):
        return (f"{mine}, which is the loss of fakes without style mixing: draw the G step's styles with your "
                "mixed_ws(G, z, resolution, cfg.style_mixing_prob) as well")
    if close(-F.softplus(right.float()).mean().item()):
        return f"{mine}: that is the saturating loss; the G step uses your non-saturating g_nonsaturating_loss"
    return (f"{mine}. The G step: a fresh z = torch.randn(N, latent_size) after the D update, your mixed_ws, "
            "G.synthesis at the same resolution and alpha, D's scores (D frozen), your non-saturating loss")


def _judge_assembled_training_step(fn):
    with _one_thread():
        _run_training_steps(fn)


def _run_training_steps(fn):
    mine = new_trainer()
    cfg = mine.cfg
    for k, stats in enumerate(_reference_steps()):
        reals, ph, seed = _begin_step(mine)
        G_before = copy.deepcopy(mine.G)
        mine.D.requires_grad_(True)
        out = call(fn, mine.G, mine.D, mine.G_opt, mine.D_opt, reals, ph.alpha, k, cfg)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong(f"train_step should return the pair (d_loss, g_loss), got {type(out).__name__}")
        try:
            d, g = float(out[0]), float(out[1])
        except (TypeError, ValueError, RuntimeError):
            raise Wrong("train_step should return two numbers (d_loss, g_loss): one-element tensors or floats") \
                from None
        _end_step(mine, ph)
        where = f"step {k} ({ph.resolution} px, alpha {ph.alpha:.2f})"
        if abs(d - stats["loss_D"]) > LOSS_TOL:
            raise Wrong(f"{where}: {_d_advice(k, d, stats['loss_D'], _diagnose_at(k), cfg)}")
        if abs(g - stats["loss_G"]) > LOSS_TOL:
            why = _g_advice(g, stats["loss_G"], G_before, mine.D, seed, ph, cfg)
            raise Wrong(f"{where}: your D loss matches, but {why}")


check_assembled_training_step = exercise(
    "assembled_training_step", _judge_assembled_training_step,
    hint="follow the docstring's order exactly (the random draws must come in the Trainer's order): D step with "
         "fakes under torch.no_grad(), R1 when step % cfg.r1_interval == 0 weighted by r1_gamma / 2 * "
         "r1_interval; then the G step with a fresh z",
    success=f"your {STEPS} training steps give the library Trainer's D and G losses (within {LOSS_TOL:g}).")
