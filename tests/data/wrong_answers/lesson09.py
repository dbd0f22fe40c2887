"""Plausible wrong answers to lesson 09's exercises, with a fragment the check's message must contain.

The networks are the lesson's solution with one mistake each (a switch in the classes below)."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.discriminator import FromRGB
from stylegan_edu.layers import (Bias, EqualizedConv2d, EqualizedLinear, NoiseInjection, StyleAffine, instance_norm,
                                 leaky_relu, minibatch_stddev, style_modulate)
from stylegan_edu.resample import ConvDown2d, UpConv2d, downscale2d
from stylegan_edu.synthesis import ConstInput, SynthesisLayer, ToRGB
from stylegan_edu.train import losses

# --- the synthesis network -------------------------------------------------------------------------------


class Epilogue(nn.Module):
    def __init__(self, channels, w_dim, resolution, noise=True, norm_first=False, use_noise=True):
        super().__init__()
        self.norm_first, self.use_noise = norm_first, use_noise
        if noise:
            self.noise = NoiseInjection(channels)
        self.bias = Bias(channels)
        self.affine = StyleAffine(w_dim, channels)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))

    def forward(self, x, w):
        if hasattr(self, "noise") and self.use_noise:
            x = self.noise(x, self.noise_const)
        x = self.bias(x)
        x = leaky_relu(instance_norm(x)) if self.norm_first else instance_norm(leaky_relu(x))
        y_s, y_b = self.affine(w)
        return style_modulate(x, y_s, y_b)


class Layer(nn.Module):
    def __init__(self, c_in, c_out, w_dim, resolution, up, blur=True, **epilogue):
        super().__init__()
        resample = "blur" if blur else "nearest"
        self.conv = UpConv2d(c_in, c_out, 3, resample=resample) if up else EqualizedConv2d(c_in, c_out, 3, bias=False)
        self.epilogue = Epilogue(c_out, w_dim, resolution, **epilogue)

    def forward(self, x, w):
        return self.epilogue(self.conv(x), w)


class Synthesis(nn.Module):
    OPTIONS = {}
    ONE_W = False
    LIBRARY_LAYERS = False

    def __init__(self, cfg):
        super().__init__()
        w_dim, c4 = cfg.dlatent_size, cfg.channels(4)
        make = self._library_layer if self.LIBRARY_LAYERS else self._layer
        self.input = ConstInput(c4)
        self.input_epilogue = Epilogue(c4, w_dim, 4, **{k: v for k, v in self.OPTIONS.items() if k != "blur"})
        self.layers = nn.ModuleList([make(c4, c4, w_dim, 4, False)])
        self.torgb = nn.ModuleList([ToRGB(c4)])
        for res in cfg.resolutions[1:]:
            c_in, c_out = cfg.channels(res // 2), cfg.channels(res)
            self.layers.append(make(c_in, c_out, w_dim, res, True))
            self.layers.append(make(c_out, c_out, w_dim, res, False))
            self.torgb.append(ToRGB(c_out))

    def _layer(self, c_in, c_out, w_dim, res, up):
        return Layer(c_in, c_out, w_dim, res, up, **self.OPTIONS)

    @staticmethod
    def _library_layer(c_in, c_out, w_dim, res, up):
        return SynthesisLayer(c_in, c_out, w_dim, res, up=up)

    def forward(self, ws):
        x = self.input_epilogue(self.input(ws.shape[0]), ws[:, 0])
        for i, layer in enumerate(self.layers):
            w = ws[:, 0] if self.ONE_W else ws[:, i + 1]
            x = layer(x, w, "const")[0] if self.LIBRARY_LAYERS else layer(x, w)
        return self.torgb[-1](x)


class SynthesisWithoutNoise(Synthesis):
    OPTIONS = {"noise": False}


class SynthesisNoiseNeverAdded(Synthesis):
    OPTIONS = {"use_noise": False}


class SynthesisNormBeforeActivation(Synthesis):
    OPTIONS = {"norm_first": True}


class SynthesisWithoutBlur(Synthesis):
    OPTIONS = {"blur": False}


class SynthesisOneWForAllLayers(Synthesis):
    ONE_W = True


class SynthesisOfLibraryLayers(Synthesis):
    LIBRARY_LAYERS = True


# --- the discriminator -----------------------------------------------------------------------------------


class DownWithoutBlur(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = EqualizedConv2d(c_in, c_out, 3)

    def forward(self, x):
        return downscale2d(self.conv(x))


class DBlock(nn.Module):
    def __init__(self, c_in, c_out, blur=True, act0=True):
        super().__init__()
        self.act0 = act0
        self.conv0 = EqualizedConv2d(c_in, c_in, 3)
        self.conv1_down = ConvDown2d(c_in, c_out, 3) if blur else DownWithoutBlur(c_in, c_out)

    def forward(self, x):
        x = self.conv0(x)
        return leaky_relu(self.conv1_down(leaky_relu(x) if self.act0 else x))


class DEpilogue(nn.Module):
    def __init__(self, channels, dense_channels, mbstd=True):
        super().__init__()
        self.mbstd = mbstd
        self.conv = EqualizedConv2d(channels + (1 if mbstd else 0), channels, 3)
        self.dense0 = EqualizedLinear(channels * 16, dense_channels)
        self.dense1 = EqualizedLinear(dense_channels, 1, gain=1.0)

    def forward(self, x):
        if self.mbstd:
            x = minibatch_stddev(x, 4, 1)
        return self.dense1(leaky_relu(self.dense0(leaky_relu(self.conv(x)))))


class Disc(nn.Module):
    BLOCK = {}
    MBSTD = True
    UPWARDS = False

    def __init__(self, cfg):
        super().__init__()
        self.fromrgb = nn.ModuleList(FromRGB(3, cfg.channels(r)) for r in cfg.resolutions)
        self.blocks = nn.ModuleList(DBlock(cfg.channels(r), cfg.channels(r // 2), **self.BLOCK)
                                    for r in cfg.resolutions[1:])
        self.epilogue = DEpilogue(cfg.channels(4), cfg.nf(0), self.MBSTD)

    def forward(self, img):
        k = int(math.log2(img.shape[-1])) - 2
        x = self.fromrgb[k](img)
        for block in (self.blocks[:k] if self.UPWARDS else reversed(self.blocks[:k])):
            x = block(x)
        return self.epilogue(x)


class DiscWithoutMinibatchStddev(Disc):
    MBSTD = False


class DiscWithoutBlur(Disc):
    BLOCK = {"blur": False}


class DiscBlocksInTheWrongOrder(Disc):
    UPWARDS = True


class DiscWithoutActivationAfterConv0(Disc):
    BLOCK = {"act0": False}


# --- the losses ------------------------------------------------------------------------------------------


def g_loss_saturating(fake_scores):
    return -F.softplus(fake_scores).mean()


def g_loss_of_d(fake_scores):
    return F.softplus(fake_scores).mean()


def g_loss_log_sigmoid(fake_scores):
    return -torch.log(torch.sigmoid(fake_scores)).mean()


def g_loss_summed(fake_scores):
    return F.softplus(-fake_scores).sum()


def d_loss_swapped(real_scores, fake_scores):
    return (F.softplus(real_scores) + F.softplus(-fake_scores)).mean()


def d_loss_summed(real_scores, fake_scores):
    return (F.softplus(fake_scores) + F.softplus(-real_scores)).sum()


def d_loss_log_sigmoid(real_scores, fake_scores):
    return (-torch.log(torch.sigmoid(real_scores)) - torch.log(1 - torch.sigmoid(fake_scores))).mean()


def d_loss_reals_only(real_scores, fake_scores):
    return F.softplus(-real_scores).mean()


# --- R1 --------------------------------------------------------------------------------------------------


def r1_at_r(real_scores, reals, final_resolution):
    (grad,) = torch.autograd.grad(real_scores.sum(), reals, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean()


def r1_divided_by_f(real_scores, reals, final_resolution):
    (grad,) = torch.autograd.grad(real_scores.sum(), reals, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean() / (final_resolution / reals.shape[-1])


def r1_without_graph(real_scores, reals, final_resolution):
    (grad,) = torch.autograd.grad(real_scores.sum(), reals)
    f = final_resolution / reals.shape[-1]
    return grad.square().sum(dim=(1, 2, 3)).mean() / (f * f)


def r1_mean_over_pixels(real_scores, reals, final_resolution):
    (grad,) = torch.autograd.grad(real_scores.sum(), reals, create_graph=True)
    f = final_resolution / reals.shape[-1]
    return grad.square().mean() / (f * f)


# --- the style-mixing regulariser ------------------------------------------------------------------------


def _mixed(G, z, resolution, prob, n=None, swap=False, always=False, low=1):
    ws = G.mapping(z).unsqueeze(1).repeat(1, G.num_layers, 1)
    if always or torch.rand(()) < prob:
        w2 = G.mapping(torch.randn_like(z))
        n = G.cfg.num_layers_at(resolution) if n is None else n
        c = int(torch.randint(low, max(n, 2), ()))
        if swap:
            ws[:, :c] = w2.unsqueeze(1)
        else:
            ws[:, c:] = w2.unsqueeze(1)
    return ws


def mixed_ws_swapped(G, z, resolution, prob):
    return _mixed(G, z, resolution, prob, swap=True)


def mixed_ws_crossover_among_all_layers(G, z, resolution, prob):
    return _mixed(G, z, resolution, prob, n=G.num_layers)


def mixed_ws_always(G, z, resolution, prob):
    torch.rand(())
    return _mixed(G, z, resolution, prob, always=True)


def mixed_ws_crossover_from_0(G, z, resolution, prob):  # torch.randint(0, n, ()): crossover 0 swaps every layer
    return _mixed(G, z, resolution, prob, low=0)


def mixed_ws_never(G, z, resolution, prob):
    return G.mapping(z).unsqueeze(1).repeat(1, G.num_layers, 1)


# --- the training step -----------------------------------------------------------------------------------


def _step(G, D, G_opt, D_opt, reals, alpha, step, cfg, r1_final=True, r1_every_step=False, weight="official",
          mixing=True, d_alpha=True):
    n, r, latent = reals.shape[0], reals.shape[-1], G.cfg.latent_size
    da = alpha if d_alpha else 1.0  # D(images) without alpha= scores at alpha 1

    def styles(z):
        if mixing:
            return _mixed(G, z, r, cfg.style_mixing_prob)
        return G.mapping(z).unsqueeze(1).repeat(1, G.num_layers, 1)

    with torch.no_grad():
        fakes = G.synthesis(styles(torch.randn(n, latent)), resolution=r, alpha=alpha)
    fake_scores = D(fakes, alpha=da)
    do_r1 = r1_every_step or step % cfg.r1_interval == 0
    reals = reals.detach().requires_grad_(do_r1)
    real_scores = D(reals, alpha=da)
    d_loss = losses.d_logistic(real_scores, fake_scores)
    if do_r1:
        r1 = losses.r1_penalty(real_scores, reals, G.cfg.resolution if r1_final else None)
        w = cfg.r1_gamma / 2 * (cfg.r1_interval if weight == "official" else 1)
        d_loss = d_loss + r1 * w
    D_opt.zero_grad()
    d_loss.backward()
    D_opt.step()
    D.requires_grad_(False)
    g_loss = losses.g_logistic_nonsaturating(D(G.synthesis(styles(torch.randn(n, latent)), resolution=r,
                                                           alpha=alpha), alpha=da))
    G_opt.zero_grad()
    g_loss.backward()
    G_opt.step()
    D.requires_grad_(True)
    return d_loss.item(), g_loss.item()


def step_r1_at_r(*args):
    return _step(*args, r1_final=False)


def step_r1_every_step(*args):
    return _step(*args, r1_every_step=True)


def step_r1_not_weighted_by_interval(*args):
    return _step(*args, weight="gamma/2")


def step_without_mixing(*args):
    return _step(*args, mixing=False)


def step_d_without_alpha(*args):
    return _step(*args, d_alpha=False)


def step_saturating_g_loss(G, D, G_opt, D_opt, reals, alpha, step, cfg):
    real_g_loss = losses.g_logistic_nonsaturating
    losses.g_logistic_nonsaturating = lambda scores: -F.softplus(scores).mean()
    try:
        return _step(G, D, G_opt, D_opt, reals, alpha, step, cfg)
    finally:
        losses.g_logistic_nonsaturating = real_g_loss


WRONG = {
    "assembled_synthesis": [
        (SynthesisWithoutNoise, "no `input_epilogue.noise.weight`"),
        (SynthesisNoiseNeverAdded, "`input_epilogue.bias`"),
        (SynthesisNormBeforeActivation, "noise -> bias -> leaky ReLU -> instance norm"),
        (SynthesisWithoutBlur, "`layers.1.conv` (style layer 2, 8 px), from the same input: the upsampling"),
        (SynthesisOneWForAllLayers, "ws[:, i]"),
        (SynthesisOfLibraryLayers, "the library's SynthesisLayer"),
    ],
    "assembled_discriminator": [
        (DiscWithoutMinibatchStddev, "`epilogue.conv.weight` has shape (128, 128, 3, 3) in yours"),
        (DiscWithoutBlur, "`blocks.1.conv1_down`, from the same input"),
        (DiscBlocksInTheWrongOrder, "blocks[k-1] first"),
        (DiscWithoutActivationAfterConv0, "goes through a leaky ReLU first"),
    ],
    "nonsaturating_g_loss": [(g_loss_saturating, "saturating (minimax)"), (g_loss_of_d, "D's loss on the fakes"),
                             (g_loss_log_sigmoid, "F.softplus computes it stably"),
                             (g_loss_summed, "the sum over the batch")],
    "logistic_d_loss": [(d_loss_swapped, "swapped"), (d_loss_summed, "the sum over the batch"),
                        (d_loss_log_sigmoid, "rounds to 0 in float32"), (d_loss_reals_only, "only one half")],
    "r1_penalty_official": [(r1_at_r, "(final/r)^2 = 16 times too large"), (r1_divided_by_f, "not final/r"),
                            (r1_without_graph, "create_graph=True"),
                            (r1_mean_over_pixels, "do not average over pixels")],
    "mixing_regularizer": [(mixed_ws_swapped, "swapped"),
                           (mixed_ws_crossover_among_all_layers, "as if all 10 layers were in use"),
                           (mixed_ws_always, "with prob = 0 nothing may be mixed"),
                           (mixed_ws_never, "nothing was mixed"),
                           (mixed_ws_crossover_from_0, "every layer took the second latent's w")],
    "assembled_training_step": [(step_r1_at_r, "measure it at the final resolution"),
                                (step_r1_every_step, "step 1 is not an R1 step"),
                                (step_r1_not_weighted_by_interval, "lacks the r1_interval"),
                                (step_without_mixing, "without style mixing"),
                                (step_saturating_g_loss, "that is the saturating loss"),
                                (step_d_without_alpha, "D must be called with alpha=alpha")],
}
