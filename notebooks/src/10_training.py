# %% [markdown]
# # 10 · Training your own StyleGAN
#
# Everything so far used the shipped model. Now you train one from scratch with the library's training loop:
# the paper's losses (non-saturating logistic + R1), style mixing regularisation, the EMA copy of G that
# samples are drawn from, and the progressive schedule of lesson 01. Ninety CPU seconds on ToyFaces take the
# samples from coloured noise to blurry 16 px heads (how far depends on the CPU): a lighter face patch in the
# middle, often darker hair above it, background around; faces with eyes and mouths take about an hour (the shipped 64 px model trained for about two hours
# on two CPU cores). The same code runs on a GPU and on several GPUs.

# %%
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import display

from stylegan_edu.data import load_toyfaces
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer

_ = torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## 1 · The preset
#
# `toy-32` starts at 8 px, trains each resolution 5 kimg and fades the next one in over 5 kimg, with
# minibatch 16, and R1 with γ = 0.1 every 4 steps (the official γ = 10 is tuned for 1024 px). Its precision
# is `auto`: the trainer picks bf16 autocast only on CPUs that compute bf16 natively (AVX-512 bf16 or AMX)
# and fp32 elsewhere, where emulated bf16 would be about 9× slower, and prints its choice (`precision: ...`).

# %%
cfg = get_train_config("toy-32")
for key in ("start_resolution", "stable_kimg", "fade_kimg", "minibatch", "lr_base", "r1_gamma", "r1_interval",
            "style_mixing_prob", "ema_half_life_kimg", "amp"):
    print(f"{key:>20}: {getattr(cfg, key)}")

# %% [markdown]
# ## 2 · Train for ninety seconds and watch
#
# The loop below calls `trainer.step()` (one D step and one G step) and draws the EMA generator's samples
# for 16 fixed seeds every 15 seconds. The picture under the cell updates live while it trains; the
# snapshots are kept for the strip after it.

# %%
data = load_toyfaces(n=5000, resolution=32, progress=False)
trainer = Trainer(cfg.replace(snapshot_kimg=1e9), data, out_dir=None, device=device, progress=False)
budget, every = 90.0, 15.0
grids, titles, losses = [], [], []
live = display(trainer.sample_grid(), display_id=True)  # one picture, replaced in place
t0 = time.perf_counter()
next_grid = 0.0
while True:
    elapsed = time.perf_counter() - t0
    if elapsed >= next_grid:
        ph = trainer.phase()
        grids.append(trainer.sample_grid())
        titles.append(f"{elapsed:.0f} s, kimg {trainer.nimg / 1000:.1f}\n{ph.resolution} px, alpha {ph.alpha:.2f}")
        live.update(grids[-1])
        next_grid += every
    if elapsed >= budget:
        break
    losses.append(trainer.step())
live.update(trainer.sample_grid())

# %%
fig, axes = plt.subplots(1, len(grids), figsize=(2.4 * len(grids), 2.9))
for ax, im, title in zip(axes, grids, titles):
    ax.imshow(im)
    ax.set_title(title, fontsize=8)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# The losses: D's logistic loss and G's non-saturating loss. Unlike ordinary training they do not go to
# zero: the two networks chase each other, and a stable tug-of-war is the healthy sign.

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
# ## 3 · From the command line, with snapshots
#
# The command does the same with progress bars, a sample grid and a snapshot every few kimg, and a log file:
#
#     stylegan-edu train --config toy-32 --out runs/my-first --minutes 10
#     stylegan-edu train --out runs/my-first --resume auto          # continue where it stopped
#     stylegan-edu generate --ckpt runs/my-first/snapshot-....pt --seeds 0-15 --out faces.png
#
# Ctrl-C (or `--minutes`) stops with a snapshot; `--resume auto` continues exactly where it stopped.
#
# ## 4 · On a GPU, on your own images, on several GPUs
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
# The EMA generator averages G's weights with a half-life given in kimg. Write `ema_beta(batch, half_life_kimg)`:
# the factor β in `G_ema = β · G_ema + (1 − β) · G` after one minibatch, so that after `half_life_kimg`
# thousand images the old weights count half.

# %%
def ema_beta(batch, half_life_kimg):
    return 0.5 ** (batch / (half_life_kimg * 1000))


# %%
def check_ema_beta(fn):
    from stylegan_edu.train.ema import ema_beta as library_beta

    for batch, hl in ((16, 1.0), (32, 10.0), (256, 10.0)):
        want, got = library_beta(batch, hl), fn(batch, hl)
        if abs(got - want) > 1e-9:
            return print(f"batch {batch}, half-life {hl} kimg: expected {want:.6f}, got {got:.6f}. "
                         "Hint: after half_life_kimg * 1000 / batch steps, beta ** steps must be 0.5.")
    print("Correct: the EMA decay per minibatch.")


check_ema_beta(ema_beta)
