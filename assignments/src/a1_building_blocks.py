# %% [markdown]
# # Assignment 1 · Building blocks
#
# StyleGAN is built from a handful of small pieces that appear in every layer. In this assignment you write
# five of them yourself:
#
# 1. a dense layer with **equalized learning rate** and a learning-rate multiplier,
# 2. the same idea for a **convolution**,
# 3. **pixel norm**, which puts every latent vector on the same scale,
# 4. the **[1, 2, 1] blur** that StyleGAN applies around every change of resolution,
# 5. **2× up- and downsampling** with that blur, as the generator and the discriminator do it.
#
# **How to work.** Run the read-only setup cell first. Write your code in place of
# `raise NotImplementedError()` in each solution cell, then run the test cell below it: it stays silent when
# your code passes, and otherwise says what it expected, what it got and gives a hint. The instructor's
# autograder runs more tests than the ones you see. From a terminal, score the whole notebook with
#
#     stylegan-edu assignments check notebooks/assignments/a1_building_blocks.ipynb
#
# The library (`stylegan_edu.layers`, `stylegan_edu.resample`) holds a reference version of everything here;
# the tests compare with it. Write your own code rather than calling it: the point is to build the pieces.
# Lessons 02 (resampling) and 03 (the equalized learning rate, pixel norm) cover the background; task 2
# carries lesson 03's rule over to a convolution.

# %% setup id=setup
# Read-only setup: imports, seeds, and no warnings on stderr (the autograder fails a test cell that writes there).
import math
import random
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import stylegan_edu.layers as L
import stylegan_edu.resample as R
from stylegan_edu.assignments.expect import close, report

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)
_ = torch.manual_seed(0)

# %% [markdown]
# ## Task 1 · Equalized learning rate in a dense layer (3 points)
#
# A plain layer would initialise its weights with He's scale `gain / sqrt(fan_in)`. StyleGAN instead stores
# weights drawn from a standard normal and multiplies by that constant **every time the layer runs**. The
# optimiser then sees all weights on the same scale, whatever the layer's fan-in.
#
# The learning-rate multiplier `lrmul` slows some layers down (the mapping network uses 0.01): the stored
# weight is drawn from N(0, 1/lrmul²) and the run-time constant is multiplied by `lrmul`, so the layer computes
# the same function at the start while Adam's steps on it are `lrmul` times smaller relative to its scale. The
# bias is stored as it is and multiplied by `lrmul` at run time too.
#
# Write `EqualizedLinear(in_features, out_features, gain=sqrt(2), lrmul=1.0)` with two parameters, `weight`
# of shape `[out_features, in_features]` and `bias` of shape `[out_features]` (initialised to zero), whose
# `forward(x)` for `x` of shape `[N, in_features]` returns
#
#     x @ (weight * gain * lrmul / sqrt(in_features)).T + bias * lrmul

# %% solution id=equalized_linear_solution
class EqualizedLinear(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.weight_scale = gain * lrmul / math.sqrt(in_features)
        self.lrmul = lrmul
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return F.linear(x, self.weight * self.weight_scale, self.bias * self.lrmul)
        ### END SOLUTION

# %% tests id=equalized_linear points=3
g = torch.Generator().manual_seed(1)
lib, mine = L.EqualizedLinear(16, 8), EqualizedLinear(16, 8)
shapes = (tuple(mine.weight.shape), tuple(mine.bias.shape))
assert shapes == ((8, 16), (8,)), report("EqualizedLinear(16, 8): shapes of weight and bias", shapes,
                                         ((8, 16), (8,)), "weight is [out_features, in_features], bias is [out_features]")
with torch.no_grad():
    lib.bias.normal_(generator=g)
    mine.weight.copy_(lib.weight)
    mine.bias.copy_(lib.bias)
x = torch.randn(5, 16, generator=g)
got, want = mine(x), lib(x)
assert close(got, want), report("EqualizedLinear(16, 8)(x), same stored weight and bias as the library", got, want,
                                "multiply the stored weight by gain / sqrt(in_features) inside forward(), at every "
                                "call; add the bias times lrmul")
### BEGIN HIDDEN TESTS
lib, mine = L.EqualizedLinear(32, 4, gain=1.0, lrmul=0.01), EqualizedLinear(32, 4, gain=1.0, lrmul=0.01)
with torch.no_grad():
    lib.bias.normal_(generator=g)
    mine.weight.copy_(lib.weight)
    mine.bias.copy_(lib.bias)
x = torch.randn(3, 32, generator=g)
got, want = mine(x), lib(x)
assert close(got, want), report("EqualizedLinear(32, 4, gain=1, lrmul=0.01)(x)", got, want,
                                "at run time the weight gets gain * lrmul / sqrt(fan_in) and the bias gets lrmul")
std = EqualizedLinear(256, 256, lrmul=0.01).weight.std().item()
assert 90 < std < 110, report("the std of the stored weight with lrmul=0.01", std, 100.0,
                              "store weights drawn from N(0, 1/lrmul^2), i.e. randn(...) / lrmul")
bias = EqualizedLinear(8, 8).bias
assert close(bias, torch.zeros(8)), report("the initial bias", bias, torch.zeros(8), "the bias starts at zero")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 2 · Equalized learning rate in a convolution (2 points)
#
# The same for a 2-D convolution with a square, odd-sized kernel. Its fan-in is the number of inputs that meet
# in one output value: `in_channels * kernel_size * kernel_size`. Pad with zeros so that the output has the
# size of the input.
#
# Write `EqualizedConv2d(in_channels, out_channels, kernel_size, gain=sqrt(2), lrmul=1.0)` with parameters
# `weight` `[out_channels, in_channels, kernel_size, kernel_size]` (drawn from N(0, 1/lrmul²)) and `bias`
# `[out_channels]` (zeros), scaled at run time as in task 1.

# %% solution id=equalized_conv_solution
class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_scale = gain * lrmul / math.sqrt(in_channels * kernel_size * kernel_size)
        self.lrmul = lrmul
        self.padding = kernel_size // 2
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return F.conv2d(x, self.weight * self.weight_scale, self.bias * self.lrmul, padding=self.padding)
        ### END SOLUTION

# %% tests id=equalized_conv points=2
g = torch.Generator().manual_seed(2)


def same_conv(lib, mine):
    with torch.no_grad():
        lib.bias.normal_(generator=g)
        mine.weight.copy_(lib.weight)
        mine.bias.copy_(lib.bias)


lib, mine = L.EqualizedConv2d(4, 6, 3), EqualizedConv2d(4, 6, 3)
same_conv(lib, mine)
x = torch.randn(2, 4, 8, 8, generator=g)
got, want = mine(x), lib(x)
assert close(got, want), report("EqualizedConv2d(4, 6, 3)(x), same stored weight and bias as the library", got,
                                want, "the fan-in of a convolution is in_channels * kernel_size**2; pad by "
                                "kernel_size // 2; add the bias times lrmul")
### BEGIN HIDDEN TESTS
for args, kwargs in [((3, 5, 1), {"gain": 1.0}), ((2, 3, 5), {"lrmul": 0.1})]:
    lib, mine = L.EqualizedConv2d(*args, **kwargs), EqualizedConv2d(*args, **kwargs)
    same_conv(lib, mine)
    x = torch.randn(2, args[0], 7, 7, generator=g)
    got, want = mine(x), lib(x)
    assert close(got, want), report(f"EqualizedConv2d{args} with {kwargs}", got, want,
                                    "padding and fan-in depend on kernel_size; the bias is multiplied by lrmul")
std = EqualizedConv2d(64, 64, 3, lrmul=0.01).weight.std().item()
assert 90 < std < 110, report("the std of the stored weight of EqualizedConv2d(64, 64, 3, lrmul=0.01)", std, 100.0,
                              "store weights drawn from N(0, 1/lrmul^2), i.e. randn(...) / lrmul")
bias = EqualizedConv2d(3, 8, 3).bias
assert close(bias, torch.zeros(8)), report("the initial bias of EqualizedConv2d(3, 8, 3)", bias, torch.zeros(8),
                                           "the bias starts at zero")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 3 · Pixel norm (2 points)
#
# Before the mapping network, each latent vector `z` is rescaled so that the mean of its squared entries is 1:
#
#     pixel_norm(x) = x / sqrt(mean(x², over dim 1) + eps)
#
# (ProGAN, StyleGAN's predecessor, also applied it after every convolution of its generator, to each pixel
# of a feature map, hence the name: for an input `[N, C, H, W]` the mean runs over the C channels of each
# pixel.) The small `eps` keeps an all-zero vector finite. Write `pixel_norm(x, eps=1e-8)`.

# %% solution id=pixel_norm_solution
def pixel_norm(x, eps=1e-8):
    ### BEGIN SOLUTION
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + eps)
    ### END SOLUTION

# %% tests id=pixel_norm points=2
g = torch.Generator().manual_seed(3)
x = 3 * torch.randn(4, 16, generator=g)
got, want = pixel_norm(x), L.pixel_norm(x)
assert close(got, want), report("pixel_norm(x) for x of shape [4, 16]", got, want,
                                "divide by the root of the MEAN of the squares over dim 1 (not by the vector's length)")
### BEGIN HIDDEN TESTS
zeros = torch.zeros(2, 8)
got = pixel_norm(zeros)
assert close(got, zeros), report("pixel_norm of an all-zero vector", got, zeros, "add eps inside the square root")
x = torch.randn(2, 8, 3, 3, generator=g)
got, want = pixel_norm(x), L.pixel_norm(x)
assert close(got, want), report("pixel_norm(x) for a feature map [2, 8, 3, 3]", got, want,
                                "the mean runs over dim 1 only, separately for every pixel")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 4 · The [1, 2, 1] blur (3 points)
#
# StyleGAN low-pass filters feature maps with the 3×3 kernel that is the outer product of `[1, 2, 1]` with
# itself, **divided by its sum** so that a flat image stays flat. Each channel is filtered on its own (a
# depthwise convolution), with zero padding so that the size stays the same.
#
# Write `blur_kernel()`, returning that 3×3 float tensor, and `blur2d(x)` for `x` of shape `[N, C, H, W]`.
# Hint: `F.conv2d(..., groups=C)` with a weight of shape `[C, 1, 3, 3]` filters every channel separately.

# %% solution id=blur_solution
def blur_kernel():
    ### BEGIN SOLUTION
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = torch.outer(taps, taps)
    return k / k.sum()
    ### END SOLUTION


def blur2d(x):
    ### BEGIN SOLUTION
    c = x.shape[1]
    weight = blur_kernel().to(x.dtype)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, weight, padding=1, groups=c)
    ### END SOLUTION

# %% tests id=blur points=3
g = torch.Generator().manual_seed(4)
got, want = blur_kernel(), R.blur_kernel()
assert close(got, want), report("blur_kernel()", got, want, "outer([1, 2, 1], [1, 2, 1]), divided by the sum (16)")
x = torch.randn(2, 3, 8, 8, generator=g)
got, want = blur2d(x), R.blur2d(x)
assert close(got, want), report("blur2d(x) for a three-channel image [2, 3, 8, 8]", got, want,
                                "the normalised kernel, zero padding 1, each channel on its own (groups=C)")
### BEGIN HIDDEN TESTS
x = torch.randn(2, 1, 6, 6, generator=g)
got, want = blur2d(x), R.blur2d(x)
assert close(got, want), report("blur2d(x) for a one-channel image [2, 1, 6, 6]", got, want,
                                "filter each channel on its own: weight [C, 1, 3, 3] and groups=C")
x = torch.randn(1, 5, 7, 9, generator=g)
got, want = blur2d(x), R.blur2d(x)
assert close(got, want), report("blur2d(x) for five channels [1, 5, 7, 9]", got, want,
                                "filter each channel on its own: weight [C, 1, 3, 3] and groups=C")
flat = torch.ones(1, 2, 5, 5)
got = blur2d(flat)[..., 1:-1, 1:-1]
assert close(got, flat[..., 1:-1, 1:-1]), report("the inside of a blurred flat image", got, flat[..., 1:-1, 1:-1],
                                                 "a normalised kernel keeps a constant image constant")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 5 · Upsampling and downsampling with the blur (3 points)
#
# The generator doubles the resolution by repeating every pixel as a 2×2 block (nearest neighbour) and blurs
# after the convolution that follows; the discriminator halves it by blurring, convolving, and then averaging
# each 2×2 block. Without the convolutions, as here, that is nearest then blur, and blur then average. The blur
# removes the blockiness of nearest upsampling and the aliasing of downsampling.
#
# Write `upsample_2x(x)` (`[N, C, H, W]` → `[N, C, 2H, 2W]`) and `downsample_2x(x)` (`[N, C, H, W]` →
# `[N, C, H/2, W/2]`). Use the library's `R.blur2d` for the blur, so a slip in task 4 does not cost you twice.

# %% solution id=resample_solution
def upsample_2x(x):
    ### BEGIN SOLUTION
    x = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    return R.blur2d(x)
    ### END SOLUTION


def downsample_2x(x):
    ### BEGIN SOLUTION
    return F.avg_pool2d(R.blur2d(x), 2)
    ### END SOLUTION

# %% tests id=resample points=3
g = torch.Generator().manual_seed(5)
x = torch.randn(1, 2, 4, 4, generator=g)
got, want = upsample_2x(x), R.upsample(x, "blur")
assert close(got, want), report("upsample_2x(x) for x [1, 2, 4, 4]", got, want,
                                "repeat each pixel as a 2x2 block (nearest, not bilinear), then blur")
got, want = downsample_2x(x), R.downsample(x, "blur")
assert close(got, want), report("downsample_2x(x) for x [1, 2, 4, 4]", got, want,
                                "blur first, then take the MEAN of each 2x2 block")
### BEGIN HIDDEN TESTS
x = torch.randn(3, 4, 8, 8, generator=g)
for fn, mode in [(upsample_2x, R.upsample), (downsample_2x, R.downsample)]:
    got, want = fn(x), mode(x, "blur")
    assert close(got, want), report(f"{fn.__name__}(x) for x [3, 4, 8, 8]", got, want,
                                    "nearest-then-blur up, blur-then-average down, every channel separately")
### END HIDDEN TESTS

# %% [markdown]
# ## Written answer (3 points)
#
# At the first training step a layer with equalized learning rate computes exactly what a layer initialised
# with He's scale computes. Explain in three or four sentences what is different **during training** with
# Adam, and why StyleGAN's mapping network uses `lrmul = 0.01`.

# %% [markdown] answer id=why_runtime_scale points=3
# *Model answer (graders: look for the two ideas in bold).* Adam divides each step by a running estimate of
# the gradient's size, so **every parameter moves by about the same amount per step regardless of its scale**.
# With He initialisation the weights of wide layers are tiny, so the same step changes them relatively far
# more than those of narrow layers; storing N(0, 1) weights and scaling at run time makes the relative speed of
# learning equal across layers. The multiplier works the same way in reverse: **the stored weight is
# 1/lrmul larger, so Adam's fixed-size steps change the layer 100× more slowly**, which keeps the mapping
# network (and with it w) stable while the synthesis network learns.
