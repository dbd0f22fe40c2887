# %% [markdown]
# # Assignment 2 · Mapping network and styles
#
# The style-based generator turns a latent `z` into an intermediate latent `w` with an MLP, and then lets `w`
# steer every synthesis layer through adaptive instance normalisation (AdaIN). Random noise adds the
# details that need not be controlled. In this assignment you write:
#
# 1. the **8-layer mapping network** (its parameter count must equal the official one),
# 2. **AdaIN** with the style scale written as `y_s + 1`,
# 3. **noise injection** with a per-channel weight that starts at zero,
# 4. the **epilogue** of a synthesis layer (what happens after its convolution),
# 5. one **synthesis block**: a resolution step of the generator, from upsampling to the second style.
#
# Run the read-only setup cell first, replace each `raise NotImplementedError()` with your code and run the
# test cell below it (silent when it passes). Score the notebook with
#
#     stylegan-edu assignments check notebooks/assignments/a2_mapping_and_styles.ipynb
#
# Each task may use the library's building blocks named in its statement (they are what assignment 1 built),
# so one slip does not cost you twice. Lessons 03–05 cover the background.

# %% setup id=setup
# Read-only setup: imports, seeds, and no warnings on stderr (the autograder fails a test cell that writes there).
import math
import random
import warnings

import numpy as np
import torch
from torch import nn

import stylegan_edu.layers as L
import stylegan_edu.resample as R
from stylegan_edu.assignments.expect import close, report
from stylegan_edu.mapping import MappingNetwork
from stylegan_edu.synthesis import LayerEpilogue, SynthesisLayer

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)
_ = torch.manual_seed(0)

# %% [markdown]
# ## Task 1 · The mapping network (3 points)
#
# `f: z → w` first applies pixel norm to `z`, then `num_layers` dense layers, **each** followed by a leaky ReLU
# (slope 0.2), the last one included. All layers use equalized learning rate with gain √2 and the learning-rate
# multiplier `lrmul` (0.01 in the paper). The hidden layers have `hidden_size` outputs; the last one has
# `dlatent_size`.
#
# Write the class `Mapping` below. Keep its layers, in order, in an `nn.ModuleList` called `layers`, made of
# `L.EqualizedLinear(in_features, out_features, gain=..., lrmul=...)`; use `L.pixel_norm` and `L.leaky_relu`.
# With the paper's sizes it has exactly 2,101,248 parameters, as the official TensorFlow model.

# %% solution id=mapping_solution
class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        ### BEGIN SOLUTION
        sizes = [latent_size] + [hidden_size] * (num_layers - 1) + [dlatent_size]
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b, gain=math.sqrt(2), lrmul=lrmul)
                                    for a, b in zip(sizes[:-1], sizes[1:]))
        ### END SOLUTION

    def forward(self, z):
        ### BEGIN SOLUTION
        x = L.pixel_norm(z)
        for layer in self.layers:
            x = L.leaky_relu(layer(x))
        return x
        ### END SOLUTION

# %% tests id=mapping points=3
g = torch.Generator().manual_seed(1)


def randomise(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=g))  # so that the biases are not zero


def copy_parameters(src, dst, what):
    shapes = [tuple(p.shape) for p in dst.parameters()]
    want = [tuple(p.shape) for p in src.parameters()]
    assert shapes == want, report(f"{what}: parameter shapes in order", shapes, want,
                                  "one EqualizedLinear per layer, in order, each with a weight and a bias")
    with torch.no_grad():
        for p, q in zip(dst.parameters(), src.parameters()):
            p.copy_(q)


count = sum(p.numel() for p in Mapping().parameters())
assert count == 2_101_248, report("parameters of Mapping() with the paper's sizes", count, 2_101_248,
                                  "8 dense layers of 512 -> 512, each with a weight and a bias")
lib = MappingNetwork(latent_size=32, dlatent_size=32, num_layers=8, hidden_size=32, lrmul=0.01)
mine = Mapping(latent_size=32, dlatent_size=32, hidden_size=32)
randomise(lib)
copy_parameters(lib, mine, "Mapping(32, 32, 32)")
z = torch.randn(6, 32, generator=g)
got, want = mine(z), lib(z)
assert close(got, want), report("Mapping(32, 32, 32)(z) with the library's weights", got, want,
                                "pixel-norm z first; a leaky ReLU with slope 0.2 after every layer (L.leaky_relu; "
                                "F.leaky_relu's default slope is 0.01); lrmul=0.01 on every layer")
### BEGIN HIDDEN TESTS
lib = MappingNetwork(latent_size=24, dlatent_size=16, num_layers=3, hidden_size=40, lrmul=0.05)
mine = Mapping(latent_size=24, dlatent_size=16, hidden_size=40, num_layers=3, lrmul=0.05)
randomise(lib)
copy_parameters(lib, mine, "Mapping(24, 16, 40, num_layers=3, lrmul=0.05)")
z = torch.randn(4, 24, generator=g)
got, want = mine(z), lib(z)
assert close(got, want), report("Mapping(latent 24, w 16, hidden 40, 3 layers, lrmul 0.05)(z)", got, want,
                                "the last layer outputs dlatent_size values; every size comes from the arguments")
got, want = mine(5 * z), lib(z)
assert close(got, want), report("Mapping()(5 z) compared with Mapping()(z)", got, want,
                                "pixel norm makes the mapping ignore the length of z")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 2 · AdaIN (3 points)
#
# Adaptive instance normalisation first normalises every channel of every sample to zero mean and unit
# standard deviation over its H×W positions, then applies that sample's style:
#
#     adain(x, y_s, y_b) = (x - mean) / sqrt(var + eps) · (y_s + 1) + y_b
#
# with `x` of shape `[N, C, H, W]`, `y_s` and `y_b` of shape `[N, C]`, mean and variance per sample and
# channel (the variance divides by H·W, not H·W − 1). The `+ 1` centres the scale at 1: a freshly initialised
# style layer has random weights and zero biases, so its `y_s` is 0 only on average over w, and the scale
# `y_s + 1` starts at 1 on average (not for every w) instead of 0. Write `adain(x, y_s, y_b, eps=1e-8)`.

# %% solution id=adain_solution
def adain(x, y_s, y_b, eps=1e-8):
    ### BEGIN SOLUTION
    x = x - x.mean(dim=(2, 3), keepdim=True)
    x = x * torch.rsqrt(x.square().mean(dim=(2, 3), keepdim=True) + eps)
    return x * (y_s[:, :, None, None] + 1) + y_b[:, :, None, None]
    ### END SOLUTION

# %% tests id=adain points=3
g = torch.Generator().manual_seed(2)
x = 2 + 3 * torch.randn(2, 4, 8, 8, generator=g)
y_s, y_b = torch.randn(2, 4, generator=g), torch.randn(2, 4, generator=g)
got, want = adain(x, y_s, y_b), L.adain(x, y_s, y_b)
assert close(got, want, rtol=1e-4, atol=1e-5), report(
    "adain(x, y_s, y_b) for x [2, 4, 8, 8]", got, want,
    "normalise over H and W (dims 2, 3) by the standard deviation, then scale by (y_s + 1) and add y_b")
### BEGIN HIDDEN TESTS
flat = torch.full((1, 2, 4, 4), 3.0)
y_s, y_b = torch.zeros(1, 2), torch.tensor([[0.5, -1.0]])
got, want = adain(flat, y_s, y_b), L.adain(flat, y_s, y_b)
assert close(got, want, rtol=1e-4, atol=1e-5), report("adain of a constant feature map", got, want,
                                                      "eps inside the square root keeps a constant map finite")
x = torch.randn(3, 5, 4, 4, generator=g)
y_s, y_b = torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g)
got, want = adain(x, y_s, y_b), L.adain(x, y_s, y_b)
assert close(got, want, rtol=1e-4, atol=1e-5), report("adain(x, y_s, y_b) for x [3, 5, 4, 4]", got, want,
                                                      "the variance divides by H*W (unbiased=False)")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 3 · Noise injection (2 points)
#
# Each synthesis layer adds one single-channel noise image per sample, `[N, 1, H, W]`, to its feature map,
# scaled by a learned weight **per channel**. The weights start at **zero**, so noise only enters where
# training finds it useful.
#
# Write `NoiseInjection(channels)` with one parameter `weight` of shape `[channels]`, and
# `forward(x, noise=None)`: when `noise` is None, draw a fresh standard-normal noise image per sample with
# `torch.randn`; return `x + weight * noise`, the weight broadcast over N, H, W and the noise over channels.

# %% solution id=noise_solution
class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.zeros(channels))
        ### END SOLUTION

    def forward(self, x, noise=None):
        ### BEGIN SOLUTION
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], dtype=x.dtype)
        return x + self.weight.view(1, -1, 1, 1) * noise
        ### END SOLUTION

# %% tests id=noise points=2
g = torch.Generator().manual_seed(3)
mine = NoiseInjection(6)
weight = mine.weight.detach().clone()
assert close(weight, torch.zeros(6), rtol=0, atol=0), report("NoiseInjection(6).weight at the start", weight,
                                                             torch.zeros(6), "one weight per channel, all zero")
lib = L.NoiseInjection(6)
with torch.no_grad():
    lib.weight.normal_(generator=g)
    mine.weight.copy_(lib.weight)
x, noise = torch.randn(2, 6, 4, 4, generator=g), torch.randn(2, 1, 4, 4, generator=g)
got, want = mine(x, noise), lib(x, noise)
assert close(got, want), report("NoiseInjection(6)(x, noise) with a given noise [2, 1, 4, 4]", got, want,
                                "each channel adds the one-channel noise times its own weight (broadcast "
                                "the [C] weight over N, H and W)")
### BEGIN HIDDEN TESTS
with torch.no_grad():
    mine.weight.fill_(1.0)
x = torch.zeros(2, 6, 4, 4)
added = mine(x) - x
spread = (added - added[:, :1]).abs().max().item()
assert spread == 0, report("largest difference between channels of the drawn noise", spread, 0.0,
                           "draw ONE noise channel per sample, [N, 1, H, W], and share it across channels")
differ = (added[0] - added[1]).abs().max().item()
assert differ > 0, report("largest difference between the noise of sample 0 and sample 1", differ, "a positive number",
                          "every sample gets its own noise image")
fresh = NoiseInjection(3)
got = fresh(x[:, :3])
assert close(got, x[:, :3]), report("a fresh NoiseInjection applied without noise", got, x[:, :3],
                                    "with zero weights nothing is added")
big = NoiseInjection(2)
with torch.no_grad():
    big.weight.fill_(1.0)
drawn = big(torch.zeros(4, 2, 64, 64))
mean, std = drawn.mean().item(), drawn.std().item()
assert abs(mean) < 0.05 and 0.95 < std < 1.05, report(
    "the noise drawn for x [4, 2, 64, 64] at weight 1", f"mean {mean:.3g}, std {std:.3g}", "mean 0, std 1",
    "draw standard-normal noise: torch.randn, not torch.rand (uniform on [0, 1))")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 4 · The epilogue of a synthesis layer (3 points)
#
# After its 3×3 convolution, every synthesis layer does, in this order:
#
# 1. add noise (`self.noise(x, noise)`),
# 2. add the per-channel bias (`self.bias(x)`) and apply the leaky ReLU (`L.leaky_relu`),
# 3. AdaIN with the style of this layer: `y_s, y_b = self.affine(w)` (the learned affine transform "A" of the
#    paper), then `L.adain(x, y_s, y_b)`.
#
# Fill in `forward(x, w, noise)` of the class below (its modules are given); `x` is `[N, C, H, W]`, `w` is
# `[N, w_dim]` and `noise` is `[N, 1, H, W]`.

# %% solution id=epilogue_solution
class Epilogue(nn.Module):
    def __init__(self, channels, w_dim):
        super().__init__()
        self.noise = L.NoiseInjection(channels)
        self.bias = L.Bias(channels)
        self.affine = L.StyleAffine(w_dim, channels)

    def forward(self, x, w, noise):
        ### BEGIN SOLUTION
        x = self.noise(x, noise)
        x = L.leaky_relu(self.bias(x))
        y_s, y_b = self.affine(w)
        return L.adain(x, y_s, y_b)
        ### END SOLUTION

# %% tests id=epilogue points=3
g = torch.Generator().manual_seed(4)


def randomised_epilogue(channels, w_dim, resolution):
    lib = LayerEpilogue(channels, w_dim, resolution)
    with torch.no_grad():
        for p in lib.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    mine = Epilogue(channels, w_dim)
    mine.load_state_dict(lib.state_dict(), strict=False)
    return lib, mine


lib, mine = randomised_epilogue(4, 8, 8)
x, w, noise = torch.randn(2, 4, 8, 8, generator=g), torch.randn(2, 8, generator=g), torch.randn(2, 1, 8, 8, generator=g)
got, want = mine(x, w, noise), lib(x, w, noise=noise)[0]
assert close(got, want, rtol=1e-4, atol=1e-5), report(
    "Epilogue(4, 8)(x, w, noise) with the library's weights", got, want,
    "noise, then bias and leaky ReLU, then AdaIN with (y_s, y_b) = affine(w) - in this order")
### BEGIN HIDDEN TESTS
lib, mine = randomised_epilogue(3, 5, 4)
x, w, noise = torch.randn(3, 3, 4, 4, generator=g), torch.randn(3, 5, generator=g), torch.randn(3, 1, 4, 4, generator=g)
got, want = mine(x, w, noise), lib(x, w, noise=noise)[0]
assert close(got, want, rtol=1e-4, atol=1e-5), report("Epilogue(3, 5) on a batch of 3 at 4x4", got, want,
                                                      "every sample uses its own w")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 5 · One synthesis block (3 points)
#
# A block of the synthesis network doubles the resolution and holds two style layers:
#
# 1. upsample 2× by nearest neighbour (`R.upscale2d`), apply `conv0`, then the [1, 2, 1] blur (`R.blur2d`),
# 2. `epilogue0` with the first style `w0` and `noise0`,
# 3. `conv1`, then `epilogue1` with the second style `w1` and `noise1`.
#
# The epilogues are the library's `LayerEpilogue`: call them with the noise **by keyword**,
# `self.epilogue0(x, w0, noise=noise0)` (unlike your `Epilogue` of task 4, their third positional argument is
# `noise_mode`); they return a pair `(x, styles)`, of which you need the first. Fill in `forward`.

# %% solution id=synthesis_block_solution
class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution):
        super().__init__()
        self.conv0 = L.EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue0 = LayerEpilogue(out_channels, w_dim, resolution)
        self.conv1 = L.EqualizedConv2d(out_channels, out_channels, 3, bias=False)
        self.epilogue1 = LayerEpilogue(out_channels, w_dim, resolution)

    def forward(self, x, w0, w1, noise0, noise1):
        ### BEGIN SOLUTION
        x = R.blur2d(self.conv0(R.upscale2d(x)))
        x = self.epilogue0(x, w0, noise=noise0)[0]
        x = self.conv1(x)
        return self.epilogue1(x, w1, noise=noise1)[0]
        ### END SOLUTION

# %% tests id=synthesis_block points=3
g = torch.Generator().manual_seed(5)


def block_pair(c_in, c_out, w_dim, res):
    layers = [SynthesisLayer(c_in, c_out, w_dim, res, up=True), SynthesisLayer(c_out, c_out, w_dim, res)]
    with torch.no_grad():
        for p in layers[0].parameters():
            p.copy_(torch.randn(p.shape, generator=g))
        for p in layers[1].parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    mine = SynthesisBlock(c_in, c_out, w_dim, res)
    with torch.no_grad():
        mine.conv0.weight.copy_(layers[0].conv.conv.weight)
        mine.conv1.weight.copy_(layers[1].conv.weight)
    mine.epilogue0.load_state_dict(layers[0].epilogue.state_dict())
    mine.epilogue1.load_state_dict(layers[1].epilogue.state_dict())
    return layers, mine


def block_inputs(n, c_in, w_dim, res):
    return (torch.randn(n, c_in, res // 2, res // 2, generator=g), torch.randn(n, w_dim, generator=g),
            torch.randn(n, w_dim, generator=g), torch.randn(n, 1, res, res, generator=g),
            torch.randn(n, 1, res, res, generator=g))


(lib0, lib1), mine = block_pair(4, 6, 8, 16)
x, w0, w1, n0, n1 = block_inputs(2, 4, 8, 16)
got = mine(x, w0, w1, n0, n1)
want = lib1(lib0(x, w0, noise=n0)[0], w1, noise=n1)[0]
assert close(got, want, rtol=1e-4, atol=1e-5), report(
    "SynthesisBlock(4, 6, w_dim=8, 16 px)(x, w0, w1, noise0, noise1)", got, want,
    "nearest 2x, conv0, blur, epilogue0(x, w0, noise=noise0), conv1, epilogue1(x, w1, noise=noise1)")
### BEGIN HIDDEN TESTS
(lib0, lib1), mine = block_pair(3, 3, 5, 8)
x, w0, w1, n0, n1 = block_inputs(3, 3, 5, 8)
got = mine(x, w0, w1, n0, n1)
want = lib1(lib0(x, w0, noise=n0)[0], w1, noise=n1)[0]
assert close(got, want, rtol=1e-4, atol=1e-5), report("SynthesisBlock(3, 3, w_dim=5, 8 px)", got, want,
                                                      "the two layers read different styles: w0, then w1")
### END HIDDEN TESTS

# %% [markdown]
# ## Written answers
#
# **Question 1 (3 points).** The paper finds W less entangled than Z: moving along one direction of W tends to
# change one factor of the image. Explain in a few sentences why a learned mapping from Z helps, using the
# example of a training set in which some combination of attributes (say, long hair on faces with beards) is
# missing.

# %% [markdown] answer id=why_w points=3
# *Model answer (graders: look for the fixed distribution of Z, the warping, and the pressure of the generator).*
# Z is sampled from a fixed distribution, a Gaussian that has probability everywhere. If a combination of
# factors never occurs in the data, the generator must still map the whole of Z onto real-looking images, so
# it has to **bend Z so that the missing region gets squeezed out**; factors then vary along curved,
# interlinked directions. W is not sampled from a fixed distribution: it is whatever the mapping network
# produces, so it **can leave the missing region empty** and keep the factors on roughly straight axes. The
# generator also has an easier job producing images from a disentangled representation, so training pushes W
# that way.

# %% [markdown]
# **Question 2 (2 points).** The noise weights start at zero. What would the generator's images look like at
# the start of training if they started at one instead, and what does the noise end up controlling once the
# model is trained?

# %% [markdown] answer id=why_zero_noise points=2
# *Model answer.* With weight one, unit-variance noise would be added to every feature map from the first step,
# **as large as the signal itself**, and since every layer normalises afterwards the images would be
# dominated by noise until the network learned to suppress it. Starting at zero lets the network **bring noise
# in only where it helps**. After training the noise controls stochastic detail that does not change the
# identity of the image: exact placement of hair strands, freckles, skin pores and the like.
