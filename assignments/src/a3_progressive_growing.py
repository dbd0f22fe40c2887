# %% [markdown]
# # Assignment 3 · Progressive growing
#
# StyleGAN v1 trains like its predecessor ProGAN: both networks start at a tiny resolution and grow. A new,
# larger resolution is never switched on at once; it is blended in over many images with a weight α that
# rises from 0 to 1. In this assignment you write:
#
# 1. the **fade-in of the generator's output**,
# 2. the same fade-in applied to the **real images** the discriminator sees,
# 3. the **fade-in of the discriminator's input** side,
# 4. the **schedule**: the resolution and α after a given number of thousands of real images (kimg),
# 5. the **minibatch standard deviation** layer that lets the discriminator see the variety of a batch.
#
# Run the read-only setup cell first, replace each `raise NotImplementedError()` with your code and run the
# test cell below it (silent when it passes). Score the notebook with
#
#     stylegan-edu assignments check notebooks/assignments/a3_progressive_growing.ipynb
#
# Lesson 01 covers G's fade-in, the reals' and the schedule, lesson 09 the discriminator (FromRGB, its blocks,
# the minibatch standard deviation); the fade-in at D's input is described in task 3 itself. The library's
# versions live in `stylegan_edu.synthesis`,
# `stylegan_edu.data.fade`, `stylegan_edu.discriminator`, `stylegan_edu.train.schedule` and `stylegan_edu.layers`.

# %% setup id=setup
# Read-only setup: imports, seeds, and no warnings on stderr (the autograder fails a test cell that writes there).
import math
import random
import warnings

import numpy as np
import torch
import torch.nn.functional as F

import stylegan_edu.layers as L
from stylegan_edu import pretrained
from stylegan_edu.assignments.expect import close, report
from stylegan_edu.data.fade import fade_in_reals as library_fade_in_reals
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import broadcast, z_from_seeds
from stylegan_edu.resample import downscale2d, upscale2d
from stylegan_edu.train.config import TrainConfig
from stylegan_edu.train.schedule import phase_at

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)
_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")  # the shipped ToyFaces generator (64 px), for task 1

# %% [markdown]
# ## Task 1 · Fading in the generator's output (2 points)
#
# While resolution r fades in, the generator computes two images: `rgb_high`, the ToRGB output of the new
# r-pixel layers, and `rgb_low`, the ToRGB output of the previous resolution r/2. Its output is
#
#     (1 − α) · up(rgb_low) + α · rgb_high
#
# where `up` repeats every pixel as a 2×2 block (nearest neighbour, `upscale2d`). At α = 0 the new layers have
# no influence yet; at α = 1 the old ToRGB is no longer used. Write `fade_in_output(rgb_low, rgb_high, alpha)`.

# %% solution id=fade_in_output_solution
def fade_in_output(rgb_low, rgb_high, alpha):
    ### BEGIN SOLUTION
    return torch.lerp(upscale2d(rgb_low), rgb_high, float(alpha))
    ### END SOLUTION

# %% tests id=fade_in_output points=2
# The shipped generator run at 32 px with alpha = 0.25; its features include each resolution's ToRGB output.
with torch.no_grad():
    ws = broadcast(G.mapping(z_from_seeds([1, 2], G.cfg.latent_size)), G.num_layers)
    img, info = G.synthesis(ws, resolution=32, alpha=0.25, noise_mode="const", return_features=True)
    got = fade_in_output(info["rgb"][-2], info["rgb"][-1], 0.25)
assert close(got, img, rtol=1e-4, atol=1e-5), report(
    "fade_in_output(rgb_16px, rgb_32px, alpha=0.25) against the generator's own 32 px output", got, img,
    "alpha weighs the NEW (high-resolution) image; upsample the old one by repeating pixels")
### BEGIN HIDDEN TESTS
low, high = info["rgb"][-2], info["rgb"][-1]
for alpha, want in [(0.0, upscale2d(low)), (1.0, high)]:
    got = fade_in_output(low, high, alpha)
    assert close(got, want, rtol=1e-4, atol=1e-5), report(f"fade_in_output at alpha={alpha}", got, want,
                                                          "alpha = 0 gives the upsampled old image, 1 the new one")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 2 · Fading in the real images (2 points)
#
# If only the fake images were blended, the discriminator could tell them from real ones by their blockiness
# alone. So the reals get the same treatment: average each 2×2 block (box downsampling), repeat it back up as a
# 2×2 block, and blend with the original by the same α:
#
#     (1 − α) · up(down(x)) + α · x
#
# Write `fade_in_reals(images, alpha)` for `images` of shape `[N, C, H, W]` with even H and W.

# %% solution id=fade_in_reals_solution
def fade_in_reals(images, alpha):
    ### BEGIN SOLUTION
    low = upscale2d(F.avg_pool2d(images, 2))
    return torch.lerp(low, images, float(alpha))
    ### END SOLUTION

# %% tests id=fade_in_reals points=2
g = torch.Generator().manual_seed(2)
x = torch.randn(2, 3, 8, 8, generator=g)
got, want = fade_in_reals(x, 0.25), library_fade_in_reals(x, 0.25)
assert close(got, want), report("fade_in_reals(x, 0.25) for x [2, 3, 8, 8]", got, want,
                                "blend (1 - alpha) of the 2x2-block AVERAGE (repeated) with alpha of the original")
### BEGIN HIDDEN TESTS
x = torch.randn(3, 1, 4, 6, generator=g)
for alpha in (0.0, 0.7, 1.0):
    got, want = fade_in_reals(x, alpha), library_fade_in_reals(x, alpha)
    assert close(got, want), report(f"fade_in_reals(x, {alpha}) for x [3, 1, 4, 6]", got, want,
                                    "alpha = 1 leaves the images as they are; H and W need not be equal")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 3 · Fading in the discriminator's input (2 points)
#
# The discriminator grows at its input. While its new first block (for r-pixel images) fades in, it scores
# the image along two paths and blends the features where they meet, at resolution r/2:
#
# * new path: `block(fromrgb_new(img))`, the new FromRGB layer followed by the new block (which halves the size);
# * old path: `fromrgb_old(down(img))`, the old FromRGB on the image box-downsampled to r/2 (`downscale2d`).
#
# The result is `(1 − α) · old + α · new`. Write `discriminator_input(img, fromrgb_new, block, fromrgb_old,
# alpha)`; the three networks are callables.

# %% solution id=discriminator_input_solution
def discriminator_input(img, fromrgb_new, block, fromrgb_old, alpha):
    ### BEGIN SOLUTION
    new = block(fromrgb_new(img))
    old = fromrgb_old(downscale2d(img))
    return torch.lerp(old, new, float(alpha))
    ### END SOLUTION

# %% tests id=discriminator_input points=2
# A toy-32 discriminator scoring 16 px images: FromRGB 2 and block 1 are new, FromRGB 1 is old.
g = torch.Generator().manual_seed(3)
D = Discriminator("toy-32").eval()
img = torch.randn(4, 3, 16, 16, generator=g)


def score_with(features):
    return D.epilogue(D.blocks[0](features))


with torch.no_grad():
    got, want = score_with(discriminator_input(img, D.fromrgb[2], D.blocks[1], D.fromrgb[1], 0.3)), D(img, alpha=0.3)
assert close(got, want, rtol=1e-4, atol=1e-5), report(
    "the discriminator's score with your input fade-in at alpha=0.3", got, want,
    "alpha weighs the new path block(fromrgb_new(img)); the old path sees the box-downsampled image")
### BEGIN HIDDEN TESTS
with torch.no_grad():
    for alpha in (0.0, 0.9):
        got = score_with(discriminator_input(img, D.fromrgb[2], D.blocks[1], D.fromrgb[1], alpha))
        want = D(img, alpha=alpha)
        assert close(got, want, rtol=1e-4, atol=1e-5), report(f"the score at alpha={alpha}", got, want,
                                                              "(1 - alpha) * old + alpha * new")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 4 · The schedule (3 points)
#
# Training counts real images shown to the discriminator, in thousands (kimg), and moves through phases of
# `stable_kimg + fade_kimg` each. In phase p (p = 0, 1, …) the networks first train at resolution
# `start · 2^p` with α = 1 for `stable_kimg`, then the next resolution `start · 2^(p+1)` fades in with α rising
# linearly from 0 to 1 over `fade_kimg`. While a resolution fades in, it is the one the networks run at. Once
# the final resolution is reached it stays, with α = 1. At the exact moment a fade begins, report the old
# resolution with α = 1 (it draws the same image as the new one at α = 0).
#
# Write `resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20)`
# returning the pair `(resolution, alpha)` with an int resolution and a float α.

# %% solution id=schedule_solution
def resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20):
    ### BEGIN SOLUTION
    phase_length = stable_kimg + fade_kimg
    phase = math.floor(kimg / phase_length)
    into_phase = kimg - phase * phase_length
    # "level of detail": log2 of how many times smaller than the final image we are; it falls during a fade
    lod = math.log2(final_resolution) - math.log2(start_resolution) - phase
    lod -= max(into_phase - stable_kimg, 0.0) / fade_kimg
    lod = max(lod, 0.0)
    return final_resolution // 2 ** math.floor(lod), 1.0 - (lod - math.floor(lod))
    ### END SOLUTION

# %% tests id=schedule points=3
def library_schedule(kimg, start, final, stable, fade):
    phase = phase_at(TrainConfig(start_resolution=start, stable_kimg=stable, fade_kimg=fade), final, round(kimg * 1000))
    return phase.resolution, phase.alpha


for kimg in (0, 10, 25, 30, 39.9, 40, 50, 65, 99):
    got, want = resolution_and_alpha(kimg), library_schedule(kimg, 8, 64, 20, 20)
    assert close(got, want, rtol=0, atol=1e-9), report(
        f"resolution_and_alpha({kimg}) with 8 -> 64 px, 20 + 20 kimg per phase", got, want,
        "a phase lasts stable + fade kimg; during the fade the NEW resolution runs with alpha rising from 0")
got, want = resolution_and_alpha(20), library_schedule(20, 8, 64, 20, 20)
assert close(got, want, rtol=0, atol=1e-9), report(
    "resolution_and_alpha(20), the moment the first fade begins", got, want,
    "at the exact start of a fade, report the old resolution with alpha 1 (the task's last sentence)")
### BEGIN HIDDEN TESTS
for kimg in (119.9, 120, 130, 500):
    got, want = resolution_and_alpha(kimg), library_schedule(kimg, 8, 64, 20, 20)
    assert close(got, want, rtol=0, atol=1e-9), report(f"resolution_and_alpha({kimg}) with 8 -> 64 px", got, want,
                                                       "after the last fade the final resolution stays, alpha 1")
for kimg in (0, 3, 7, 12.5, 19, 21, 40, 70):
    got, want = resolution_and_alpha(kimg, 4, 32, 5, 15), library_schedule(kimg, 4, 32, 5, 15)
    assert close(got, want, rtol=0, atol=1e-9), report(
        f"resolution_and_alpha({kimg}, start 4, final 32, stable 5, fade 15)", got, want,
        "use every argument; the stable and fade parts of a phase may differ in length")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 5 · Minibatch standard deviation (3 points)
#
# Near its end the discriminator appends one feature map that describes the batch's variety, so that a
# generator producing the same image over and over is easy to spot. Split the batch of N samples into groups
# of `G = min(group_size, N)` samples (N is divisible by G) such that, with M = N / G, **samples i, i + M,
# i + 2M, … form one group** (this is what reshaping `[N, …]` to `[G, M, …]` gives). For every group:
#
# 1. the standard deviation over the group's G samples, separately for every channel and position (divide by
#    G, not G − 1, and add 1e-8 before the square root),
# 2. its average over all channels and positions: one number per group.
#
# Append that number as an extra constant channel to every sample of the group: `[N, C, H, W]` →
# `[N, C + 1, H, W]`. Write `minibatch_stddev(x, group_size=4)`.

# %% solution id=minibatch_stddev_solution
def minibatch_stddev(x, group_size=4):
    ### BEGIN SOLUTION
    n, c, h, w = x.shape
    g = min(group_size, n)
    y = x.reshape(g, -1, c, h, w)  # y[j, i] is sample j * M + i: group i holds samples i, i + M, ...
    y = y - y.mean(dim=0)
    y = (y.square().mean(dim=0) + 1e-8).sqrt()  # [M, C, H, W]
    y = y.mean(dim=(1, 2, 3))  # [M]
    y = y.reshape(1, -1, 1, 1, 1).expand(g, -1, 1, h, w).reshape(n, 1, h, w)
    return torch.cat([x, y], dim=1)
    ### END SOLUTION

# %% tests id=minibatch_stddev points=3
g = torch.Generator().manual_seed(5)
x = torch.randn(4, 3, 4, 4, generator=g)
got, want = minibatch_stddev(x, group_size=4), L.minibatch_stddev(x, group_size=4)
assert close(got, want), report("minibatch_stddev(x) for one group of 4 samples, x [4, 3, 4, 4]", got, want,
                                "the standard deviation (not the variance) over the group, dividing by G, then the mean")
### BEGIN HIDDEN TESTS
x = torch.randn(8, 2, 3, 3, generator=g)
for group_size in (4, 2, 16):
    got, want = minibatch_stddev(x, group_size), L.minibatch_stddev(x, group_size)
    assert close(got, want), report(f"minibatch_stddev(x, group_size={group_size}) for a batch of 8", got, want,
                                    "samples i, i + M, i + 2M, ... form a group; G = min(group_size, N)")
### END HIDDEN TESTS

# %% [markdown]
# ## Written answer (2 points)
#
# Suppose the real images were **not** faded in (task 2) while the generator's output was. What could the
# discriminator learn during a fade-in, and what would that do to the generator?

# %% [markdown] answer id=why_fade_reals points=2
# *Model answer.* During the fade the generated images are partly upsampled low-resolution images, so they
# carry **2×2 blockiness that sharp real images never have**. The discriminator could then tell fake from real
# by that artefact alone, without judging the content, and its gradients would push the generator to **hide
# the blocks (lean on its new, still untrained layers) instead of improving the faces**, so the fade would stop
# being a gentle transition. Blending the reals the same way removes the shortcut: at every α both kinds of
# images have the same mixture of coarse and fine detail.
