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
# opposite side of the average: the "anti-face" of the paper's figure 8. Because W is smooth (lesson 03) this
# works far better in W than in Z.
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
with torch.no_grad():
    rows = [G(z, truncation_psi=psi, noise_mode="const") for psi in psis]
grid = torch.stack(rows, dim=1).reshape(-1, 3, 64, 64)  # seed-major: one row per seed
print("psi:", psis)
image_grid(grid, columns=len(psis), upscale_to=80)

# %% [markdown]
# At ψ = 0 (the middle column) the rows converge on one head, centred and facing forward with the same bob of
# hair, but not on one picture: the first row keeps its purple background and the others their blue one. At
# negative ψ the heads turn and shift to the other side, and some break up, while each row keeps its
# background: the colours drawn by the untruncated 64 px layers do not flip.

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
# At ψ = 0 the head's place and turn keep under a tenth of their spread, but the background hue keeps all of
# it and the hair colour nine tenths: the 64 px layers, which are not truncated, draw them. The skin tone
# keeps about half. That remainder is why the mean spread at ψ = 0 stays well above 0.

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
# A classic mistake is to truncate z instead of w. Write `truncated_ws(G, z, psi)` that returns the
# per-layer w for latents `z` truncated with `psi` *in W*, using the model's cutoff.

# %%
def truncated_ws(G, z, psi):
    ws = broadcast(G.mapping(z), G.num_layers)
    return my_truncate(ws, G.w_avg, psi, G.cfg.truncation_cutoff)


# %%
def check_truncated_ws(fn):
    z = z_from_seeds([8, 9], G.cfg.latent_size)
    with torch.no_grad():
        got = fn(G, z, 0.5)
        want = truncate(broadcast(G.mapping(z), G.num_layers), G.w_avg, 0.5, G.cfg.truncation_cutoff)
        wrong_z = broadcast(G.mapping(0.5 * z), G.num_layers)
    if got.shape != want.shape:
        return print(f"expected shape {tuple(want.shape)} (seeds, layers, w_dim), got {tuple(got.shape)}")
    if torch.allclose(got, wrong_z, atol=1e-5):
        return print("these are the untruncated w (scaling z changes nothing, pixel norm undoes it): "
                     "map z to w first, then move w towards G.w_avg")
    if not torch.allclose(got, want, atol=1e-5):
        return print("close: remember the cutoff, the layers from G.cfg.truncation_cutoff on are not truncated")
    print("Correct: truncation in W with a cutoff.")


check_truncated_ws(truncated_ws)
