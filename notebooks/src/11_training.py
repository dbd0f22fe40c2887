# %% [markdown]
# # 11 · Training your own StyleGAN
#
# Everything so far used the shipped model. Now you train with the library's training loop: the paper's
# losses (non-saturating logistic + R1), style mixing regularisation, the EMA copy of G (an exponential moving
# average of G's weights), which samples are drawn from, and the progressive schedule of lesson 01. Two runs,
# both short enough for a laptop CPU:
#
# 1. **From scratch**, for 4 kimg or 40 seconds, whichever comes first. This shows how training *starts*, not
#    where it ends: the samples are still 8 px blotches when it stops. (The shipped 64 px model was trained for
#    about 420,000 images shown to D, 420 kimg drawn again and again from 30,000 faces, for hours, mostly on a
#    two-core CPU.)
# 2. **Fine-tuning** the shipped model on a part of ToyFaces, only the faces with glasses. Its starting point
#    already draws faces, so a few dozen steps visibly move what it draws, and the attribute reader of lesson 08
#    measures by how much.
#
# The same code runs on a GPU and on several GPUs.

# %%
import copy
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import display

from stylegan_edu import pretrained
from stylegan_edu.data import load_toyfaces
from stylegan_edu.generator import z_from_seeds
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train import finetune
from stylegan_edu.train.finetune import attribute_subset, finetune_config, finetune_trainer, warm_up_discriminator
from stylegan_edu.train.loop import Trainer
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## 1 · The preset
#
# `toy-32` starts at 8 px, trains each resolution 5 kimg and fades the next one in over 5 kimg, with
# minibatch 16, and the official R1 weight γ = 10, but applied every 4th step and weighted ×4 (StyleGAN2's lazy
# R1; the official v1 code applies it every step). Its precision is `auto`: the trainer picks bf16 autocast
# only on CPUs that compute bf16 natively (AVX-512 bf16 or AMX) and fp32 elsewhere, where emulated bf16 would be
# about 9× slower, and prints its choice (`precision: ...`).
# The outputs stored in this lesson come from a CPU with native bf16, so the training below says bf16 (the
# fine-tuning of section 3 asks for fp32 itself); lesson 01's were run with bf16 switched off and say fp32. On
# your machine the losses and pictures below differ in their details.

# %%
cfg = get_train_config("toy-32")
for key in ("start_resolution", "stable_kimg", "fade_kimg", "minibatch", "lr_base", "r1_gamma", "r1_interval",
            "style_mixing_prob", "ema_half_life_kimg", "amp"):
    print(f"{key:>20}: {getattr(cfg, key)}")

# %% [markdown]
# ## 2 · Train from scratch for 4 kimg and watch
#
# The loop below calls `trainer.step()` (one D step and one G step) until D has seen 4,000 real images
# (4 kimg, 250 minibatches of 16, all still at 8 px: the first 5 kimg of `toy-32` are the 8 px phase), and
# draws the EMA generator's samples for 16 fixed seeds after every kimg. The picture under the cell updates
# live while it trains; the snapshots are kept for the strip after it. The loop also stops after 40 seconds
# of training: a CPU too slow for 4 kimg in that time ends short of it, with a last panel at wherever it got
# to (a 2-core 2017 server CPU reached 2.2 kimg).

# %%
data = load_toyfaces(n=5000, resolution=32, progress=False)
trainer = Trainer(cfg.replace(snapshot_kimg=1e9), data, out_dir=None, device=device, progress=False)
grids, titles, losses = [], [], []
live = display(trainer.sample_grid(), display_id=True)  # one picture, replaced in place
BUDGET_S, t0 = 40, time.perf_counter()  # the lesson's time budget for this loop, whatever the CPU
for kimg in range(5):
    while trainer.nimg < kimg * 1000 and time.perf_counter() - t0 < BUDGET_S:
        losses.append(trainer.step())
    ph = trainer.phase()
    grids.append(trainer.sample_grid())
    titles.append(f"kimg {trainer.nimg / 1000:.1f}\n{ph.resolution} px, alpha {ph.alpha:.2f}")
    live.update(grids[-1])
    if trainer.nimg < kimg * 1000:  # out of time: the last panel shows where it stopped
        break

# %%
fig, axes = plt.subplots(1, 5, figsize=(12, 2.9))  # a run the time budget stopped leaves panels empty
for ax in axes:
    ax.axis("off")
for ax, im, title in zip(axes, grids, titles):
    ax.imshow(im)
    ax.set_title(title, fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# What the strip shows: at 0 kimg the untrained G draws random blocks of saturated colour. At 1 kimg the blocks
# are smaller but still saturated; from 2 kimg they soften and the colours grow less pure, and by 3–4 kimg many
# samples have a warmer or darker patch in the middle against a paler surround: at 8 px, that is the first hint
# of a head in front of a backdrop. There is no face yet, and the colours are still far from the data's (green,
# cyan and magenta casts remain).

# %%
plt.figure(figsize=(6, 2.5))
plt.plot([s["kimg"] for s in losses], [s["loss_D"] for s in losses], label="D loss", lw=0.8)
plt.plot([s["kimg"] for s in losses], [s["loss_G"] for s in losses], label="G loss", lw=0.8)
plt.xlabel("kimg")
plt.legend()
plt.tight_layout()
plt.show()
assert all(torch.isfinite(torch.tensor([s["loss_D"], s["loss_G"]])).all() for s in losses)

# %% [markdown]
# The losses: D's logistic loss and G's non-saturating loss. D's loss falls from about 3 to about 0.3 within
# the first kimg while G's climbs to 2–5: D is ahead at first, telling the real faces from G's blotches
# easily. Then R1 holds it back (it may not put a steep cliff at the data), D's loss climbs again and settles
# between about 0.5 and 1.5, and G's comes down to about 2. The regular teeth in D's loss are the R1 steps:
# every fourth step adds the penalty, weighted ×4 (lazy R1). Losses that do not go to zero are normal for a
# GAN, and their values alone do not say how good the samples
# are. Watch the samples, and measure them (lesson 08).

# %% [markdown]
# ## 3 · Fine-tune the shipped model: only faces with glasses
#
# Training from scratch needs hours before it shows faces. Fine-tuning starts from a generator that already
# draws them: keep training the shipped model, but show D only the faces *with glasses* (595 of the first
# 2,000 ToyFaces, from their ground-truth attributes). D learns to call faces without glasses fake, and G,
# following D's gradient, draws glasses more often. To see it, count: the ToyFaces attribute reader of
# lesson 08 says, for each of 96 fixed seeds, whether the face wears glasses. In ToyFaces 30 % do (8,989 of the
# 30,000 faces the shipped model was trained on).

# %%
G = pretrained.load("toyfaces-64")
net = load_toy_features()
faces = load_toyfaces(n=2000, resolution=64, progress=False)
glasses = attribute_subset(faces, "glasses", lambda v: v > 0.5)
z = z_from_seeds(range(1000, 1096), G.cfg.latent_size)


def glasses_share(G):
    """The share of the 96 seeds' faces (no truncation, constant noise) that the reader sees glasses on."""
    with torch.no_grad():
        images = G(z.to(G.w_avg.device), noise_mode="const").cpu()
    return finetune.attribute_share(images, net, "glasses")


with torch.no_grad():
    before = G(z[:16], noise_mode="const")
print(f"{len(glasses)} of {len(faces)} training faces wear glasses")
print(f"shipped model: the reader sees glasses on {glasses_share(G):.2f} of the 96 faces")

# %% [markdown]
# The shipped file holds only the EMA generator, not its discriminator, so D starts from random weights. A
# random D's gradient points nowhere in particular, and G would wander after it; so D first trains alone for
# 20 minibatches against the frozen G's faces (a D warm-up). Then the usual loop: up to 30 calls of
# `trainer.step()` (on a CPU too slow for all 30 in 50 seconds, the cell stops at the first count after
# that, but never before 10 steps),
# each a D step and a G step on minibatches of 16, here at 64 px only (every layer is already trained, so there
# is no growing). The EMA generator follows G with a half-life of 50 images, so it smooths over about three
# steps instead of the hundreds of a long run. Every 5 steps we count glasses again, and whenever the count is
# the highest so far we keep a copy of the EMA generator.

# %%
# NBVAL_IGNORE_OUTPUT
# (the counts after 5-30 steps move with the CPU's rounding: a few faces sit near the reader's threshold, and
# 30 GAN steps amplify differences in the last bits. The assert below is the check that holds on every CPU.)
FINETUNE_BUDGET_S, t0 = 50, time.perf_counter()
trainer = finetune_trainer(G, glasses, finetune_config(minibatch={64: 16}, ema_half_life_kimg=0.05), device=device)
d_warmup = warm_up_discriminator(trainer, 20)
steps, shares = [0], [glasses_share(trainer.G_ema)]
best, best_step = copy.deepcopy(trainer.G_ema), 0
for step in range(1, 31):
    trainer.step()
    if step % 5 == 0:
        steps.append(step)
        shares.append(glasses_share(trainer.G_ema))
        if shares[-1] > shares[best_step // 5]:  # the highest count so far: keep this EMA generator
            best, best_step = copy.deepcopy(trainer.G_ema), step
        if step >= 10 and time.perf_counter() - t0 > FINETUNE_BUDGET_S:  # a slow CPU: stop at this count
            break
print(f"share with glasses after {', '.join(map(str, steps))} steps:", " ".join(f"{s:.2f}" for s in shares))
print("highest after", best_step, "steps")
# GAN steps do not move monotonically, and the peak differs between CPUs (0.60-0.82 on ours): ask for the
# best count to be well above the start
assert max(shares) >= shares[0] + 0.25

# %%
with torch.no_grad():
    at_best = best(z[:16].to(device), noise_mode="const").cpu()
    after = trainer.G_ema(z[:16].to(device), noise_mode="const").cpu()
fig = plt.figure(figsize=(17, 4.2))
plot = fig.add_subplot(1, 4, 1)
plot.plot(steps, shares, "o-")
plot.axhline(0.3, color="gray", ls="--", lw=0.8)
plot.text(steps[-1], 0.32, "share in ToyFaces", fontsize=8, color="gray", ha="right")
plot.set(xlabel="fine-tuning steps (minibatch 16)", ylabel="share of 96 faces with glasses", ylim=(0, 1))
for k, (imgs, title) in enumerate(((before, "seeds 1000-1015, shipped model"),
                                   (at_best, f"after {best_step} steps (the highest count)"),
                                   (after, f"after {steps[-1]} steps"))):
    ax = fig.add_subplot(1, 4, k + 2)
    ax.imshow(image_grid(imgs, columns=4, upscale_to=96))
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# On the left, the reader's count: the shipped model draws glasses on 0.22 of these 96 faces (less often than
# the 0.30 of ToyFaces, the dashed line; on 512 other seeds, 2000-2511, we measured 0.16). In the run stored
# with this notebook the count rose to 0.43 after 5 steps and 0.60 after 10, then fell back: 0.56, 0.44, 0.47 and 0.42
# after 15, 20, 25 and 30 steps (your CPU may give other counts: see the comment in the cell; a run of ours
# under CI's AVX2 kernels went 0.40, 0.65, 0.76, 0.70, 0.59, 0.28). Ten steps are 160 training images (after
# the 320 of D's warm-up), against about 420,000 in the shipped model's own training. On the right, the same 16
# seeds before, at the highest count and at the end: pose, backdrop, hair and skin stay; what changes is round
# the eyes, where after 10 steps several faces have more dark dotted rings and bars, drawn as smudgily as the
# shipped model draws glasses. After 30 steps many of those marks are still there, but the reader sees glasses
# on fewer faces again (0.42), and several mouths have turned redder.
#
# A run this short is noisy, and G and D both move at every step: what D rewards shifts while G chases it, so
# the count can overshoot and fall back, as here. Adam's normalised steps also move G by about the same amount
# each step whatever the size of D's gradient. That is why long runs keep snapshots and choose one by a
# measurement (lesson 08), as the middle picture does. A longer EMA half-life gives a steadier, slower count: with
# 150 images instead of 50 (`ema_half_life_kimg=0.15`), a run of ours on this notebook's CPU rose to 0.41 after
# 10 steps and stayed between 0.43 and 0.46 from 15 steps to 30.

# %% [markdown]
# ## 4 · From the command line, with snapshots
#
# The command does the same with progress bars, a sample grid and a snapshot every few kimg, and a log file:
#
#     stylegan-edu train --config toy-32 --out runs/my-first --minutes 10
#     stylegan-edu train --out runs/my-first --resume auto          # continue where it stopped
#     stylegan-edu generate --ckpt runs/my-first/snapshot-....pt --seeds 0-15 --out faces.png
#
# Ctrl-C (or `--minutes`) stops with a snapshot; `--resume auto` continues exactly where it stopped.
#
# ## 5 · On a GPU, on your own images, on several GPUs
#
# * GPU: the same command; it picks CUDA when present (`--amp auto` chooses the precision; `--amp bf16`
#   forces bf16).
# * Your own images: `stylegan-edu data prepare ~/photos --resolution 256 --out data/cache/photos`, then
#   `--data data/cache/photos --config ffhq-256`.
# * Several GPUs: `torchrun --nproc_per_node 8 -m stylegan_edu train --config ffhq-1024 --data ...`; the
#   minibatch is split across the processes and rank 0 writes the files.

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** The EMA generator averages G's weights with a half-life given in kimg. Write
# `ema_beta(batch, half_life_kimg)`: the factor β in `G_ema = β · G_ema + (1 − β) · G` after one minibatch,
# so that after `half_life_kimg` thousand images the old weights count half.

# %%
from stylegan_edu.course.lesson11 import check_attribute_share, check_ema_beta, check_update_ema

# %%
def ema_beta(batch, half_life_kimg):
    """The weight β (a float) that the old average keeps after one minibatch of `batch` images."""
    ### BEGIN SOLUTION
    return 0.5 ** (batch / (half_life_kimg * 1000))
    ### END SOLUTION


check_ema_beta(ema_beta)

# %% [markdown]
# **Exercise 2.** After every step the trainer moves G_ema towards G. Write `update_ema(G_ema, G, beta)`: every
# parameter of G_ema becomes β · (its old value) + (1 − β) · (G's), changed in place, and the buffers (the
# running average w_avg and the fixed noise images, which are not trained) are copied from G as they are.

# %%
def update_ema(G_ema, G, beta):
    """Update the module G_ema in place from G (same architecture); return G_ema."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        for p_ema, p in zip(G_ema.parameters(), G.parameters()):
            p_ema.copy_(beta * p_ema + (1 - beta) * p)
        for b_ema, b in zip(G_ema.buffers(), G.buffers()):
            b_ema.copy_(b)
    return G_ema
    ### END SOLUTION


check_update_ema(update_ema)

# %% [markdown]
# **Exercise 3.** Section 3 counted glasses with the library's `finetune.attribute_share`. Write your own
# `attribute_share(images, net, name)`: the share of the images in which the attribute reader `net` labels the
# attribute `name` as high (for glasses: present). `net.attribute_logits(images)` gives one logit per image and
# attribute, in the order of `ATTRIBUTE_NAMES`.

# %%
from stylegan_edu.data import ATTRIBUTE_NAMES


def attribute_share(images, net, name):
    """images: (N, 3, 64, 64) in [-1, 1]; returns the share (a float in [0, 1]) labelled high for `name`."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        logits = net.attribute_logits(images)[:, ATTRIBUTE_NAMES.index(name)]
    return (logits > 0).float().mean().item()
    ### END SOLUTION


check_attribute_share(attribute_share)
