# %% [markdown]
# # 01 · GANs and progressive growing
#
# A GAN trains two networks against each other. The **generator** G turns random numbers into samples; the
# **discriminator** D looks at a sample and scores how real it seems. D learns to tell real from generated, G
# learns to fool D. When neither can improve, G's samples look like the data.
#
# StyleGAN inherits its training scheme from Progressive GAN (Karras et al., 2018): start both networks at a
# tiny resolution (4 or 8 px), where the broad layout is easy to learn, then add layers for 2× the resolution,
# and again, until the full size. Each new layer is **faded in**: its output is blended with the upsampled
# output of the previous resolution, with a weight α that climbs from 0 to 1, so the new layer never shocks the
# networks that are already trained.
#
# This lesson trains a two-number GAN in seconds, then looks at the schedule and the fade-in of the real
# StyleGAN training loop and runs it for forty seconds on ToyFaces.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu.data import fade_in_reals, load_toyfaces
from stylegan_edu.resample import upscale2d
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer
from stylegan_edu.train.schedule import phase_at, resolution_ticks, schedule_level
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)

# %% [markdown]
# ## 1 · A GAN in two dimensions
#
# The "data" are points on a ring of 8 blobs. G maps 2-D noise to points; D is a small MLP. The losses are
# the ones StyleGAN uses: the non-saturating logistic loss, softplus(−D(G(z))) for G, and
# softplus(D(G(z))) + softplus(−D(x)) for D.

# %%
def real_points(n, g):
    angle = torch.randint(0, 8, (n,), generator=g) * (2 * np.pi / 8)
    centres = torch.stack([angle.cos(), angle.sin()], dim=1) * 2
    return centres + 0.08 * torch.randn(n, 2, generator=g)


def mlp(n_in, n_out):
    return nn.Sequential(nn.Linear(n_in, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2),
                         nn.Linear(64, n_out))


g = torch.Generator().manual_seed(0)
G2, D2 = mlp(2, 2), mlp(2, 1)
opt_g = torch.optim.Adam(G2.parameters(), lr=1e-3, betas=(0.0, 0.99))
opt_d = torch.optim.Adam(D2.parameters(), lr=1e-3, betas=(0.0, 0.99))
snapshots = {}
for step in range(1501):
    x, z = real_points(128, g), torch.randn(128, 2, generator=g)
    d_loss = F.softplus(D2(G2(z).detach())).mean() + F.softplus(-D2(x)).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = F.softplus(-D2(G2(torch.randn(128, 2, generator=g)))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    if step in (0, 300, 1500):
        with torch.no_grad():
            snapshots[step] = G2(torch.randn(1000, 2, generator=torch.Generator().manual_seed(1)))

fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
ring = real_points(1000, torch.Generator().manual_seed(2))
for ax, (step, pts) in zip(axes, snapshots.items()):
    ax.scatter(ring[:, 0], ring[:, 1], s=2, c="lightgrey", label="real")
    ax.scatter(pts[:, 0], pts[:, 1], s=2, c="crimson", label="G(z)")
    ax.set_title(f"step {step}")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
axes[0].legend(loc="upper right", markerscale=4)
plt.tight_layout()
plt.show()

# %% [markdown]
# The generated points move from a shapeless cloud onto the ring and reach all eight blobs. G is a continuous
# function of z, so it cannot jump from one blob to the next: it leaves a trail of points in the gaps between
# them. Small GANs also often miss some blobs entirely ("mode collapse"). Against this, Progressive GAN gave D
# minibatch standard deviation (an extra input that tells D how much the samples of a batch differ from each
# other), and StyleGAN keeps it.

# %%
# 1,500 Adam steps amplify the last bits of rounding, which differ between CPUs, so the check is a bound
dist_to_ring = (snapshots[1500].norm(dim=1) - 2).abs().mean().item()
start = (snapshots[0].norm(dim=1) - 2).abs().mean().item()
print(f"mean distance of generated points from the ring of radius 2: below 0.5 after 1,500 steps: "
      f"{dist_to_ring < 0.5}; more than halved since step 0: {dist_to_ring < start / 2}")
assert dist_to_ring < 0.5 and dist_to_ring < start / 2

# %% [markdown]
# ## 2 · The schedule: resolution and α over training
#
# Training time is counted in **kimg**, thousands of real images shown to D. Each resolution first trains
# `stable_kimg` at α = 1, then the next resolution fades in over `fade_kimg`. Here is the `toy-32` preset
# (8 → 16 → 32 px) and the official FFHQ one (8 → … → 1024 px). The curve is log2 of the resolution: a flat
# step is a stable phase, labelled with its resolution, and a ramp is a fade-in, which reaches the next
# label when α = 1.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3))
for ax, name, final in ((axes[0], "toy-32", 32), (axes[1], "ffhq-1024", 1024)):
    cfg = get_train_config(name)
    kimg = np.linspace(0, min(cfg.total_kimg, 12 * (cfg.stable_kimg + cfg.fade_kimg)), 2000)
    phases = [phase_at(cfg, final, int(k * 1000)) for k in kimg]
    ax.plot(kimg, [schedule_level(p) for p in phases])  # log2(resolution), a ramp during a fade-in
    ax.set_yticks(*resolution_ticks(cfg.start_resolution, final))
    ax.set_xlabel("kimg")
    ax.set_ylabel("resolution (fade-in shown as a ramp)")
    ax.set_title(f"{name}: stable {cfg.stable_kimg:g} kimg, fade {cfg.fade_kimg:g} kimg")
plt.tight_layout()
plt.show()

cfg = get_train_config("toy-32")
for k in (2, 7, 12, 17):
    p = phase_at(cfg, 32, k * 1000)
    print(f"kimg {k:>2}: {p.resolution:>2} px, alpha {p.alpha:.2f}, minibatch {p.batch}, lr {p.lr}")

# %% [markdown]
# ## 3 · Fade-in
#
# While 16 px fades in, G's output is `α · toRGB16(new layers) + (1 − α) · upsample(toRGB8(old layers))`,
# where upsample is nearest neighbour (`upscale2d`: each pixel becomes a 2×2 block), as in the official code.
# D sees real images blended the same way: `α · x + (1 − α) · upsample(downsample(x))`, so real and fake
# images are equally sharp at every moment. Here are real ToyFaces at 16 px as D sees them during the fade.

# %%
reals16, _ = load_toyfaces(n=2000, resolution=64, progress=False).batch([0, 1, 2, 3], 16)
alphas = [0.0, 0.25, 0.5, 0.75, 1.0]
blend = torch.cat([fade_in_reals(reals16, a) for a in alphas])
print("rows: alpha", alphas)
image_grid(blend, columns=4, upscale_to=64)

# %% [markdown]
# Check the blend by hand: at α = 0 the 16 px images are exactly the 8 px images blown up.

# %%
low = upscale2d(F.avg_pool2d(reals16, 2))
torch.testing.assert_close(fade_in_reals(reals16, 0.0), low)
torch.testing.assert_close(fade_in_reals(reals16, 0.3), 0.3 * reals16 + 0.7 * low)
print("fade_in_reals = alpha * x + (1 - alpha) * up(down(x))")

# %% [markdown]
# ## 4 · Forty seconds of progressive training on ToyFaces
#
# The library's `Trainer` runs the real loop: the logistic loss with R1 (a penalty on the size of D's gradient at
# real images), style mixing (lesson 06), an EMA of G (a slowly moving average of G's weights, which gives cleaner
# samples) and the schedule above. The cell trains for a fixed 40 seconds of wall time, whatever the CPU, and draws
# the EMA generator's samples after each quarter; the titles say how far this machine got (kimg, resolution, α). A
# recent laptop gets through the 8 px stage into the 16 px fade-in: the random colours calm down into softer blobs
# around a darker, warmer patch in the middle where the head will be; faces need minutes more (lesson 11). The
# trainer also prints the precision it chose (bf16 only where the CPU computes it natively, fp32 otherwise; the
# stored output below says fp32 because this lesson was last run with bf16 switched off by `STYLEGAN_EDU_BF16=0`,
# as the course's tests do, to time every lesson as a CPU without bf16 runs it). Lesson 11 trains longer; the
# shipped model trained for hours.

# %%
torch.set_num_threads(max(1, torch.get_num_threads()))
data = load_toyfaces(n=2000, resolution=32, progress=False)
trainer = Trainer(get_train_config("toy-32").replace(snapshot_kimg=1e9), data, out_dir=None, progress=False)
budget = 40.0  # seconds
grids, seen = [], []
t0 = time.perf_counter()
for quarter in (1, 2, 3, 4):
    while time.perf_counter() - t0 < budget * quarter / 4:
        trainer.step()
    ph = trainer.phase()
    grids.append(trainer.sample_grid())
    seen.append(f"{budget * quarter / 4:.0f} s, kimg {trainer.nimg / 1000:.1f}: {ph.resolution} px, "
                f"alpha {ph.alpha:.2f}")
fig, axes = plt.subplots(1, len(grids), figsize=(3.2 * len(grids), 3.4))
for ax, im, title in zip(axes, grids, seen):
    ax.imshow(im)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write the schedule of section 2 yourself: `growing_schedule(kimg, start_resolution,
# final_resolution, stable_kimg, fade_kimg)` returns the resolution the networks run at after `kimg` thousand
# real images, and α. During a fade-in the resolution is the new one (α < 1); once `final_resolution` is
# reached, it stays there at α = 1. The table printed in section 2 (toy-32: 8 → 32 px, 5 kimg stable, 5 kimg
# fade) gives four points to try your function on.

# %%
from stylegan_edu.course.lesson01 import check_faded_output, check_growing_schedule

# %%
def growing_schedule(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    """(resolution, alpha) after `kimg` thousand real images. Each resolution, from `start_resolution` up,
    trains `stable_kimg` at alpha = 1, then the next (2x) resolution fades in over `fade_kimg`, alpha rising
    from 0 to 1; `final_resolution` is the last and stays at alpha = 1. At the exact moment a fade begins,
    return the old resolution at alpha = 1 (it draws what the new one draws at alpha = 0), as the library
    reports it."""
    ### BEGIN SOLUTION
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    resolution = start_resolution * 2 ** int(phase)
    if resolution >= final_resolution:
        return final_resolution, 1.0
    if within <= stable_kimg:
        return resolution, 1.0
    return 2 * resolution, (within - stable_kimg) / fade_kimg
    ### END SOLUTION


check_growing_schedule(growing_schedule)

# %% [markdown]
# **Exercise 2.** Write `faded_output(img_low, img_high, alpha)`: G's output while a new resolution fades in
# (section 3), from the previous resolution's RGB image `img_low` (half the size) and the new layer's
# `img_high`.

# %%
def faded_output(img_low, img_high, alpha):
    """The blended image, the size of `img_high` (N, 3, H, W); `img_low` is (N, 3, H/2, W/2), alpha in [0, 1]."""
    ### BEGIN SOLUTION
    return alpha * img_high + (1 - alpha) * upscale2d(img_low)
    ### END SOLUTION


check_faded_output(faded_output)
