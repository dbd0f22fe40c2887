# %% [markdown]
# # 07 · Truncation in W: trading variety for typicality
#
# A generator is worst where the training data is thin: unusual combinations of features get few examples,
# and samples from those regions look broken more often. The *truncation trick* pulls every w part of the
# way towards the centre of W before synthesis:
#
#     w' = w_avg + ψ · (w − w_avg)
#
# ψ = 1 leaves w alone, ψ = 0 puts every seed at w_avg, the "average face", and a negative ψ jumps to the
# opposite side of the average: the "anti-face" of the paper's figure 8. This works in W, not in Z: the
# mapping network shapes W after the data (lesson 03), so its centre w_avg is a typical face, whereas
# shrinking z does nothing at all (section 4 shows why).
#
# w_avg is not computed after training: the generator tracks it as a moving average of the w it sees while
# training. The official code also truncates only the first 8 layers (the coarse and middle ones), so the
# fine details keep their variety; on ToyFaces that cutoff is `G.cfg.truncation_cutoff`, also 8: layers 0–7
# (4–32 px) are truncated, the two 64 px layers 8 and 9 keep each seed's own w.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from stylegan_edu import pretrained
from stylegan_edu.data import ATTRIBUTE_NAMES
from stylegan_edu.generator import broadcast, truncate, z_from_seeds
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
print("w_avg: a vector of", G.w_avg.numel(), "numbers; truncation cutoff:", G.cfg.truncation_cutoff, "of",
      G.num_layers, "layers")

# %% [markdown]
# ## 1 · Truncation by hand

# %%
def my_truncate(ws, w_avg, psi, cutoff):
    """ws [N, layers, w_dim]; only layers below `cutoff` move towards w_avg."""
    out = ws.clone()
    out[:, :cutoff] = w_avg + psi * (ws[:, :cutoff] - w_avg)
    return out


z = z_from_seeds([1, 2, 3, 4], G.cfg.latent_size)
with torch.no_grad():
    ws = broadcast(G.mapping(z), G.num_layers)
for psi in (1.0, 0.7, 0.0, -0.5):
    torch.testing.assert_close(my_truncate(ws, G.w_avg, psi, G.cfg.truncation_cutoff),
                               truncate(ws, G.w_avg, psi, G.cfg.truncation_cutoff))
print("my_truncate matches stylegan_edu.generator.truncate")

# %% [markdown]
# ## 2 · The paper's figure 8: ψ from 1 to −1
#
# Each row is one seed. Only layers 0–7 are truncated, so what the 64 px layers draw stays the seed's own.

# %%
psis = [1.0, 0.75, 0.5, 0.25, 0.0, -0.25, -0.5, -0.75, -1.0]
seeds = [1, 2, 3, 4]
with torch.no_grad():
    rows = [G(z, truncation_psi=psi, noise_mode="const") for psi in psis]
grid = torch.stack(rows, dim=1).reshape(-1, 3, 64, 64)  # seed-major: one row per seed
tile = 64 + 2  # image_grid: 64 px faces, 2 px apart
fig, ax = plt.subplots(figsize=(10, 5))
ax.imshow(image_grid(grid, columns=len(psis)))
ax.set_xticks([2 + 32 + i * tile for i in range(len(psis))], [f"ψ = {p:g}".replace("-", "−") for p in psis])
ax.set_yticks([2 + 32 + i * tile for i in range(len(seeds))], [f"seed {s}" for s in seeds])
ax.tick_params(length=0)
ax.spines[:].set_visible(False)
ax.set_title(f"truncation ψ per column: layers 0–{G.cfg.truncation_cutoff - 1} "
             f"({G.cfg.layer_resolution(0)}–{G.cfg.layer_resolution(G.cfg.truncation_cutoff - 1)} px) truncated, "
             f"the {G.cfg.layer_resolution(G.num_layers - 1)} px layers left alone")
plt.show()

# %% [markdown]
# At ψ = 0 (the middle column) the rows converge on one head, centred and facing forward with the same
# chin-length bob, but not on one picture: the second row keeps its lighter, greener blue background and its
# pale skin, the last row its darker skin. At negative ψ the heads turn to the other side, and some drift
# further: seed 2's hair grows long and pale and its face fades, seed 4's face darkens inside a blurred halo
# and its background turns greyish mauve. The first three rows keep their background: the colours drawn by
# the untruncated 64 px layers mostly do not flip.

# %% [markdown]
# ## 3 · What truncation does to the attributes
#
# Read the attributes of 256 faces at several ψ. As ψ shrinks the mean spread of the attributes shrinks with
# it (less variety), but not to 0; at ψ = −1 the pose flips to the other side of the average (the anti-face).

# %%
reader = load_toy_features()
z = torch.randn(256, G.cfg.latent_size, generator=torch.Generator().manual_seed(0))
spread, flips = {}, {}
with torch.no_grad():
    base = reader.attribute_values(G(z, truncation_psi=1.0, noise_mode="const"))
    for psi in (1.0, 0.7, 0.4, 0.0, -1.0):
        vals = reader.attribute_values(G(z, truncation_psi=psi, noise_mode="const"))
        spread[psi] = vals.std(dim=0).mean().item()
        flips[psi] = vals
for psi, s in spread.items():
    print(f"psi {psi:+.1f}: mean attribute spread {s:.3f}")
assert spread[0.0] < spread[0.7] < spread[1.0] + 1e-6

yaw = ATTRIBUTE_NAMES.index("yaw")
corr = np.corrcoef(base[:, yaw], flips[-1.0][:, yaw])[0, 1]
print(f"correlation of the head turn at psi = 1 and psi = -1: {corr:+.2f} (negative: the anti-face turns the other way)")
kept = {a: (flips[0.0][:, i].std() / base[:, i].std()).item() for i, a in enumerate(ATTRIBUTE_NAMES)}
print("spread left at psi = 0, as a share of psi = 1:",
      ", ".join(f"{a} {kept[a]:.2f}" for a in ("pos_x", "yaw", "skin_tone", "hair_color", "background_hue")))
assert kept["background_hue"] > 0.5 > kept["pos_x"]

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(list(spread), list(spread.values()), "o-")
left.set(xlabel="ψ", ylabel="mean attribute spread (std)", title="variety shrinks towards ψ = 0")
right.scatter(base[:, yaw], flips[-1.0][:, yaw], s=6)
right.set(xlabel="head turn at ψ = 1", ylabel="head turn at ψ = −1", title="the anti-face turns the other way")
plt.tight_layout()
plt.show()

# %% [markdown]
# At ψ = 0 the head's place and turn keep under a tenth of their spread, but the skin tone and the
# background hue keep about nine tenths of it and the hair colour three quarters. At ψ = 0 every truncated
# layer gets the same w_avg, so whatever still varies comes from the 64 px layers, which are not truncated:
# they paint the colours. That remainder is why the mean spread at ψ = 0 stays well above 0.

# %% [markdown]
# ## 4 · Why truncate in W rather than Z?
#
# Why not simply shrink z towards 0? Try it: scale every z by 0.4 and read the attributes again.

# %%
with torch.no_grad():
    in_z = reader.attribute_values(G(0.4 * z, noise_mode="const")).std(dim=0).mean().item()
print(f"attribute spread at 0.4 in Z: {in_z:.3f}   at psi 0.4 in W: {spread[0.4]:.3f}   untruncated: {spread[1.0]:.3f}")
assert abs(in_z - spread[1.0]) < 1e-3 < spread[1.0] - spread[0.4]

# %% [markdown]
# Nothing changed at all. The mapping network starts with pixel norm (lesson 03), which rescales every z to
# the same length, so 0.4·z and z give the same w and the same face. And even without it, the origin of Z is
# not the "average face": the mapping is not linear, so the centre of the faces lives at w_avg in W, which
# is where truncation pulls.

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** A classic mistake is to truncate z instead of w (section 4 showed why that does nothing).
# Write `truncated_ws(G, z, psi)`: the per-layer w for the latents `z`, truncated with `psi` *in W*, only in
# the layers below the model's cutoff.

# %%
from stylegan_edu.course.lesson07 import check_truncated_ws, check_update_w_avg

# %%
def truncated_ws(G, z, psi):
    """z [N, latent] -> styles [N, G.num_layers, w_dim]: layers below G.cfg.truncation_cutoff truncated with psi."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        ws = broadcast(G.mapping(z), G.num_layers)
    return my_truncate(ws, G.w_avg, psi, G.cfg.truncation_cutoff)
    ### END SOLUTION


check_truncated_ws(truncated_ws)

# %% [markdown]
# **Exercise 2.** Where does w_avg come from? While training, after each batch the generator moves w_avg a
# little towards the mean w of that batch: a moving average with decay β = `G.cfg.w_avg_beta` (0.995), so
# the old average keeps the share β and the batch brings the rest. Write `update_w_avg(w_avg, w, beta)`: the
# new average after one batch.

# %%
def update_w_avg(w_avg, w, beta):
    """w_avg [w_dim]: the average so far; w [N, w_dim]: one batch of mapped latents. Returns the new average."""
    ### BEGIN SOLUTION
    return beta * w_avg + (1 - beta) * w.mean(dim=0)
    ### END SOLUTION


check_update_w_avg(update_w_avg)

# %% [markdown]
# The library's version is `G.update_w_avg(w)`. Run it on a copy of the shipped model whose w_avg starts at
# 0, for 1500 batches of 16 latents, and measure how far the running average is from the mean of 20 000 w
# (relative to that mean's length). The same measure for the shipped model's own w_avg is the dashed line.

# %%
import copy

gen = torch.Generator().manual_seed(1)
with torch.no_grad():
    mean_w = G.mapping(torch.randn(20000, G.cfg.latent_size, generator=gen)).mean(dim=0)
    tracker = copy.deepcopy(G)
    tracker.w_avg.zero_()
    distance = []
    for step in range(1500):
        tracker.update_w_avg(G.mapping(torch.randn(16, G.cfg.latent_size, generator=gen)))
        distance.append(((tracker.w_avg - mean_w).norm() / mean_w.norm()).item())
shipped = ((G.w_avg - mean_w).norm() / mean_w.norm()).item()
for step in (100, 500, 1000, 1500):
    print(f"after {step:4d} batches: {distance[step - 1]:.3f}")
print(f"shipped w_avg: {shipped:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(range(1, 1501), distance, label="running average from 0")
ax.axhline(shipped, color="k", ls="--", label="shipped G.w_avg")
ax.set(xlabel="batches of 16", ylabel="|w_avg − mean w| / |mean w|", title=f"β = {G.cfg.w_avg_beta}")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# On the log scale the start is a straight line: each batch keeps β of the distance, so the running average
# forgets its start at 0 by a factor e every 1/(1 − β) = 200 batches (0.61 after 100 batches, 0.08 after
# 500). From about 1000 batches on it stays within 1–2 % of the mean w, about as close as the shipped w_avg
# (0.013), and jitters there: every batch of 16 latents has a mean of its own, and β = 0.995 averages that
# noise away only down to about a percent. Training runs for tens of thousands of batches, so w_avg follows
# the mapping network as it changes, and truncation pulls towards an up-to-date centre.

# %% [markdown]
# ## Optional · Truncation on NVIDIA's FFHQ model
#
# With the official FFHQ model converted (README.md, "Using NVIDIA's original models", or `STYLEGAN_EDU_FFHQ`
# naming the converted file), the cell below draws the paper's figure 8 on real faces: the same seeds at ψ = 1,
# 0.7, 0.5, 0 and −0.5, with the paper's cutoff 8. Without the file it says how to get it.

# %%
# NBVAL_IGNORE_OUTPUT
G_ffhq = pretrained.load_ffhq()  # None (after saying where to get it) when the converted model is not here
if G_ffhq is not None:
    psis, seeds = [1.0, 0.7, 0.5, 0.0, -0.5], [1, 2, 3]
    z = z_from_seeds(seeds, G_ffhq.cfg.latent_size)
    with torch.no_grad():
        rows = [G_ffhq(z, truncation_psi=psi, truncation_cutoff=8, noise_mode="const") for psi in psis]
    faces = torch.stack(rows, 1).flatten(0, 1)  # seed by seed, psi along the row
    size = min(256, G_ffhq.cfg.resolution)
    display(image_grid(torch.nn.functional.interpolate(faces, size=(size, size), mode="area"),  # noqa: F821
                       columns=len(psis)))
    print("columns: psi = " + ", ".join(f"{p:g}" for p in psis))
