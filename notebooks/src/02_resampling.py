# %% [markdown]
# # 02 · Resampling: nearest, bilinear and the [1, 2, 1] blur
#
# Every time StyleGAN changes resolution it has to invent new pixels (upsampling, in the generator) or throw
# pixels away (downsampling, in the discriminator). Progressive GAN did both the crudest way: copy each pixel
# into a 2×2 block, and average 2×2 blocks. StyleGAN adds a small low-pass filter, the separable [1, 2, 1]
# blur, to every upsampling layer (nearest 2×, then the 3×3 convolution, then the blur) and to every
# downsampling layer (the blur, then the 3×3 convolution, then the 2×2 average). The convolution and the blur
# are both linear filters, and swapping two linear filters does not change which frequencies get through
# (away from the border), so this lesson leaves the convolution out. The paper calls the blur "bilinear"
# because, combined with the 2× nearest step, it behaves like bilinear interpolation.
#
# In this lesson you will
# 1. build the blur kernel and the three resampling modes,
# 2. look at what they do to a test pattern full of fine stripes (aliasing),
# 3. measure their frequency response, and
# 4. write the blur itself and binomial kernels of any size (the exercises), checked against
#    `stylegan_edu.resample`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from stylegan_edu import resample

_ = torch.manual_seed(0)

# %% [markdown]
# ## 1 · The blur kernel
#
# The 1-D taps [1, 2, 1] are a tiny binomial filter: the middle pixel counts twice as much as its
# neighbours. The 2-D kernel is the outer product of the taps with themselves, divided by its sum (16) so that
# blurring a flat region leaves it unchanged.

# %%
taps = torch.tensor([1.0, 2.0, 1.0])
my_kernel = torch.outer(taps, taps)
my_kernel = my_kernel / my_kernel.sum()
print(my_kernel * 16)

torch.testing.assert_close(my_kernel, resample.blur_kernel())
print("matches stylegan_edu.resample.blur_kernel")

# %% [markdown]
# Blurring filters every channel on its own with this kernel: a **depthwise** convolution, in which red never
# leaks into green. Zero padding keeps the size; it also darkens the border slightly, exactly as the official
# TensorFlow code does. You write this blur yourself in the exercises; until then the lesson uses the
# library's `resample.blur2d`. Blurring a flat 5×5 image of ones shows both (printed × 16): the inside stays
# 16/16 = 1, an edge pixel loses the kernel's outer row and drops to 12/16, a corner loses a row and a column
# and drops to 9/16.

# %%
print(resample.blur2d(torch.ones(1, 1, 5, 5))[0, 0] * 16)

# %% [markdown]
# ## 2 · Three ways to double the resolution
#
# * **nearest**: copy each pixel into a 2×2 block (Progressive GAN),
# * **blur**: nearest, then the [1, 2, 1] blur (StyleGAN's, without the 3×3 convolution between them),
# * **bilinear**: proper bilinear interpolation (what most people mean by the word).

# %%
def my_upsample(x, mode):
    up = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest: 2x2 copies
    if mode == "nearest":
        return up
    if mode == "blur":
        return resample.blur2d(up)
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


x = torch.randn(2, 3, 16, 16)
for mode in ("nearest", "blur", "bilinear"):
    torch.testing.assert_close(my_upsample(x, mode), resample.upsample(x, mode))
print("all three upsampling modes match stylegan_edu.resample.upsample")

# %% [markdown]
# A 4×4 checkerboard made bigger shows the difference: nearest keeps hard blocky edges; the blur and bilinear
# versions both melt it into soft grey squares of much lower contrast, alike inside but not at the border.
# Bilinear repeats the edge pixels, so its corners stay black and white and its edges keep more contrast than
# the inside; the blur pads with zeros (grey), so its border fades like the rest of the picture.

# %%
small = (torch.arange(4)[:, None] + torch.arange(4)[None, :]).remainder(2).float()[None, None] * 2 - 1
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
axes[0].imshow(small[0, 0], cmap="gray", vmin=-1, vmax=1)
axes[0].set_title("4x4 input")
for ax, mode in zip(axes[1:], ("nearest", "blur", "bilinear")):
    y = small
    for _ in range(2):  # 4 -> 8 -> 16 px
        y = my_upsample(y, mode)
    ax.imshow(y[0, 0], cmap="gray", vmin=-1, vmax=1)
    ax.set_title(f"{mode}, 16x16")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3 · Aliasing when downsampling
#
# Downsampling is where the filter matters most. Take a "zone plate": rings that get finer towards the
# corners, and halve it twice in four ways:
#
# * **nearest**: keep every other pixel (the library's `"nearest"` mode; no GAN here does this, it shows the
#   worst case),
# * **box**: average each 2×2 block (Progressive GAN's discriminator),
# * **blur**: the [1, 2, 1] blur, then the 2×2 average (StyleGAN's, without the 3×3 convolution between them),
# * **bilinear**: PyTorch's antialiased bilinear resize.
#
# Keeping every other pixel folds the finest rings back as large fake patterns (aliasing, the moiré you see
# on photographed screens). Averaging 2×2 blocks removes part of the frequencies the smaller image cannot
# hold; blurring first removes most of them, so far less fake structure appears.

# %%
def zone_plate(size=128):
    r = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    return torch.cos(math.pi * size / 4.5 * (xx**2 + yy**2))[None, None]  # 0.45 cycles/pixel per axis at the rim


def my_downsample(x, mode):
    if mode == "nearest":
        return x[:, :, ::2, ::2]
    if mode == "box":
        return F.avg_pool2d(x, 2)
    if mode == "blur":
        return F.avg_pool2d(resample.blur2d(x), 2)  # blur, then average 2x2 blocks
    return F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False, antialias=True)


plate = zone_plate()
down_modes = ("nearest", "box", "blur", "bilinear")
for mode in ("nearest", "blur", "bilinear"):
    torch.testing.assert_close(my_downsample(plate, mode), resample.downsample(plate, mode))
torch.testing.assert_close(my_downsample(plate, "box"), resample.downscale2d(plate))  # the library's box

fig, axes = plt.subplots(1, 5, figsize=(12.5, 2.8))
axes[0].imshow(plate[0, 0], cmap="gray")
axes[0].set_title("128 px zone plate")
for ax, mode in zip(axes[1:], down_modes):
    y = plate
    for _ in range(2):  # 128 -> 64 -> 32 px
        y = my_downsample(y, mode)
    ax.imshow(y[0, 0], cmap="gray", vmin=-1, vmax=1)
    ax.set_title(f"{mode}, 32 px")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# How much fake pattern is left? In the zone plate the stripe frequency grows with the distance r from the
# centre; at 32 px everything beyond r ≈ 0.3 is finer than the grid can hold, so a perfect downsampler would
# leave that region flat grey (0). Whatever pattern remains there is aliasing. We measure its RMS beyond
# r = 0.4: smaller is better.

# %%
def aliasing_rms(img):
    n = img.shape[-1]
    r = torch.linspace(-1, 1, n)
    radius = (r[:, None] ** 2 + r[None, :] ** 2).sqrt()
    return img[0, 0][radius > 0.4].square().mean().sqrt().item()


aliasing = {}
for mode in down_modes:
    y = plate
    for _ in range(2):
        y = my_downsample(y, mode)
    aliasing[mode] = aliasing_rms(y)
    print(f"{mode:>8}: aliasing RMS {aliasing[mode]:.3f}")
assert aliasing["blur"] < 0.5 * aliasing["box"] < 0.5 * aliasing["nearest"]

# %% [markdown]
# ## 4 · Frequency response
#
# Keeping every other pixel leaves the rings at nearly full strength (0.699: the fake pattern is as strong as
# the real one), Progressive GAN's 2×2 average leaves about a sixth of that (0.107), and the blur about an
# eightieth (0.009), as little as the antialiased bilinear resize. Why does the blur help? Its response (the
# Fourier transform of the taps) is cos²(πf): 1 for flat areas (f = 0), falling smoothly to 0 at f = 0.5 cycles
# per pixel, the finest pattern a grid can hold. After halving, the smaller grid holds only frequencies up to
# 0.25 cycles per original pixel: everything between 0.25 and 0.5 folds back as a fake, coarser pattern, and
# f = 0.5 folds onto flat areas. The blur halves the frequencies at 0.25 and removes those at 0.5 completely;
# followed by the 2×2 average (dashed line) it lets at most 0.35 of any of them through. The 2×2 box alone is
# cos(πf): it lets far more of them through (0.71 at f = 0.25).

# %%
f = np.linspace(0, 0.5, 101)
H_blur = np.abs(np.array([1, 2, 1]) @ np.exp(-2j * np.pi * np.outer([-1, 0, 1], f))) / 4
H_box = np.abs(np.array([1, 1]) @ np.exp(-2j * np.pi * np.outer([0, 1], f))) / 2
plt.figure(figsize=(5, 3))
plt.plot(f, H_box, label="2-tap box (Progressive GAN)")
plt.plot(f, H_blur, label="[1,2,1] blur (StyleGAN)")
plt.plot(f, H_blur * H_box, "--", label="blur then box")
plt.xlabel("frequency (cycles per pixel)")
plt.ylabel("gain")
plt.legend()
plt.tight_layout()
plt.show()
np.testing.assert_allclose(H_blur, np.cos(np.pi * f) ** 2, atol=1e-12)

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write `blur(x)`: the [1, 2, 1] blur of section 1 for a batch `x` of shape (N, C, H, W), any
# number of channels, each channel blurred on its own, zero padding, the same size out. (`my_kernel` from
# section 1 is the 3×3 kernel.)

# %%
from stylegan_edu.course.lesson02 import check_binomial_kernel, check_blur

# %%
def blur(x):
    """x (N, C, H, W) -> (N, C, H, W): every channel convolved with the normalised [1, 2, 1] x [1, 2, 1] kernel,
    zero padding."""
    ### BEGIN SOLUTION
    c = x.shape[1]
    weight = my_kernel[None, None].repeat(c, 1, 1, 1)  # (C, 1, 3, 3): one copy of the kernel per channel
    return F.conv2d(x, weight, padding=1, groups=c)
    ### END SOLUTION


check_blur(blur)

# %% [markdown]
# **Exercise 2.** The paper's code can use other binomial filters. Write `binomial_kernel(n)`: the normalised
# 2-D kernel built from row `n` of Pascal's triangle (n = 2 gives [1, 2, 1], n = 4 gives [1, 4, 6, 4, 1]).
# `math.comb` gives the entries of a row.

# %%
def binomial_kernel(n):
    """The (n + 1, n + 1) kernel: the outer product of the taps C(n, 0), ..., C(n, n) with themselves, summing
    to 1."""
    ### BEGIN SOLUTION
    taps = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float32)
    k = torch.outer(taps, taps)
    return k / k.sum()
    ### END SOLUTION


check_binomial_kernel(binomial_kernel)
