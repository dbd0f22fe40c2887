# %% [markdown]
# # 03 · The mapping network: from Z to W
#
# A classic GAN feeds the random vector z straight into the generator. z is Gaussian, so the generator has to
# map a round, evenly filled cloud onto the set of faces. If some combination of features is rare in the
# data (say long hair together with a strong head turn), the round cloud has no hole for it: every direction
# of z is as likely as every other. To give that combination only the small share it has in the data, the
# generator must bend its map from z to features around it: small steps in z then cause large jumps in the
# image, and factors of variation become tangled together.
#
# StyleGAN first sends z through an 8-layer MLP, f: z → w. W has no fixed shape: the MLP can stretch it so
# that the data's factors line up with straight directions. The paper measures this (lesson 08) and finds W
# far more "linear" than Z.
#
# You will meet the two tricks of the official code, pixel norm of z and the **equalized learning rate** with
# a 100× smaller learning rate for the mapping layers, assemble the MLP from the library's layers, and look at
# Z and W of the trained ToyFaces model. In the exercises you write both tricks yourself.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu import layers, pretrained
from stylegan_edu.configs import get_config
from stylegan_edu.data import ATTRIBUTE_NAMES
from stylegan_edu.mapping import MappingNetwork
from stylegan_edu.metrics.toy_features import load_toy_features

_ = torch.manual_seed(0)

# %% [markdown]
# ## 1 · Pixel norm
#
# Before the MLP, z is scaled to unit root-mean-square length: only its direction matters. The library's
# `layers.pixel_norm` does it (you write it in exercise 1). Five latents drawn three times too large come out
# with RMS 1:

# %%
z = torch.randn(5, 128) * 3
for name, v in (("z", z), ("pixel_norm(z)", layers.pixel_norm(z))):
    print(f"RMS of each row of {name:>13}:", "  ".join(f"{r:.2f}" for r in v.square().mean(dim=1).sqrt()))

# %% [markdown]
# ## 2 · The equalized learning rate
#
# Adam divides each gradient by its running size, so the *parameter's* scale decides how fast a layer learns. The
# official code stores every weight as N(0, 1) and multiplies it at run time by the He constant gain / √fan_in,
# where fan_in is the number of inputs of the layer (512 for a 512 → 512 dense layer); this is the standard
# deviation of He's initialisation, with gain = √2 by default. Then all layers learn at the same relative speed.
# For the mapping network the stored weights are N(0, 1/λ²) and the runtime factor is multiplied by λ = 0.01 (the
# "lr multiplier"): the layers behave as if their learning rate were 100× smaller, which keeps w stable while the
# synthesis network learns. The bias gets the same treatment without the He constant: it is stored as it starts
# (zeros) and multiplied by λ at run time, so it too learns 100× slower in the mapping network.
#
# `layers.EqualizedLinear` is such a layer (you write your own in exercise 3). One of the mapping network's
# layers, 512 → 512 with λ = 0.01, stores weights of standard deviation 1/λ = 100 and multiplies them at run
# time by √2 · 0.01 / √512 = 0.000625, so the weights it computes with have He's standard deviation
# √2 / √512 = 0.0625:

# %%
dense = layers.EqualizedLinear(512, 512, lrmul=0.01)
print(f"stored weights: std {dense.weight.std():.1f}; runtime scale {dense.weight_gain:.6f}; "
      f"weights used: std {(dense.weight * dense.weight_gain).std():.4f}")

# %% [markdown]
# The mapping network is eight of these dense layers, each followed by a leaky ReLU (slope 0.2), after the
# pixel norm of z.

# %%
class MyMapping(nn.Module):
    def __init__(self, z_dim=512, w_dim=512, hidden=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [z_dim] + [hidden] * (num_layers - 1) + [w_dim]
        self.layers = nn.ModuleList(layers.EqualizedLinear(sizes[i], sizes[i + 1], lrmul=lrmul)
                                    for i in range(num_layers))

    def forward(self, z):
        x = layers.pixel_norm(z)
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2)
        return x


def count(module):
    return sum(p.numel() for p in module.parameters())


official = get_config("ffhq-1024")
mine = MyMapping(official.latent_size, official.dlatent_size, official.mapping_fmaps, official.mapping_layers)
print(f"my mapping network for FFHQ 1024: {count(mine):,} parameters")
assert count(mine) == count(MappingNetwork(512, 512, 8, 512)) == 2_101_248  # the official count

# %% [markdown]
# Load the trained ToyFaces mapping weights into your MLP: it computes the same w.

# %%
G = pretrained.load("toyfaces-64")
toy = MyMapping(G.cfg.latent_size, G.cfg.dlatent_size, G.cfg.mapping_fmaps, G.cfg.mapping_layers)
toy.load_state_dict(G.mapping.state_dict())
z = torch.randn(16, G.cfg.latent_size)
with torch.no_grad():
    torch.testing.assert_close(toy(z), G.mapping(z))
print("my mapping network == G.mapping on the trained ToyFaces model")

# %% [markdown]
# ## 3 · Z versus W on ToyFaces
#
# ToyFaces knows the truth about every face: its pose, hair colour, glasses... The shipped feature network
# reads these attributes back from generated images. Draw 2,000 faces, read their head turn (yaw) and hair
# colour, and project their z and their w onto the two directions that predict each attribute best (a least
# squares fit). Each dot is one face, placed by the prediction of its yaw (across) and hair colour (up) and
# coloured by the yaw the network read from its picture (the colour bar). In W the colour runs cleanly from
# left to right; in Z the blue and red dots overlap much more. The titles give R², the share of each
# attribute's variance the straight direction explains.

# %%
features = load_toy_features()
n = 2000
z = torch.randn(n, G.cfg.latent_size, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    w = G.mapping(z)
    images = torch.cat([G(z[i:i + 200], noise_mode="const") for i in range(0, n, 200)])
    attrs = features.attribute_values(images)
names = ["yaw", "hair_color"]
idx = [ATTRIBUTE_NAMES.index(a) for a in names]
y = attrs[:, idx].numpy()


def linear_fit_r2(latents, target):
    """R² of the best linear prediction of target from latents (least squares with a constant)."""
    X = np.concatenate([latents, np.ones((len(latents), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(X, target, rcond=None)
    pred = X @ coef
    return 1 - ((target - pred) ** 2).sum(0) / ((target - target.mean(0)) ** 2).sum(0), X @ coef


fig, axes = plt.subplots(1, 2, figsize=(10.5, 4))
r2 = {}
for ax, (space, lat) in zip(axes, (("Z", z.numpy()), ("W", w.numpy()))):
    r2[space], pred = linear_fit_r2(lat, y)
    dots = ax.scatter(pred[:, 0], pred[:, 1], c=y[:, 0], s=4, cmap="coolwarm")
    ax.set_title(f"{space}: R² yaw {r2[space][0]:.2f}, hair colour {r2[space][1]:.2f}")
    ax.set_xlabel(f"yaw predicted from {space.lower()}")
    ax.set_ylabel(f"hair colour predicted from {space.lower()}")
    fig.colorbar(dots, ax=ax, label="yaw read from the image")
plt.tight_layout()
plt.show()
print("a straight direction in W explains more of each attribute than in Z:", bool((r2["W"] > r2["Z"]).all()))

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write `pixel_norm(z, eps=1e-8)` (section 1): every row of z (N, D) scaled to unit root mean
# square, with `eps` inside the square root so that an all-zero z does not give NaN.

# %%
from stylegan_edu.course.lesson03 import check_equalized_linear, check_pixel_norm, check_runtime_scale

# %%
def pixel_norm(z, eps=1e-8):
    """z (N, D) -> (N, D): each row divided by its root mean square."""
    ### BEGIN SOLUTION
    return z / (z.square().mean(dim=1, keepdim=True) + eps).sqrt()
    ### END SOLUTION


check_pixel_norm(pixel_norm)

# %% [markdown]
# **Exercise 2.** What runtime scale does an equalized-lr dense layer use? Write `runtime_scale(fan_in, gain,
# lrmul)`.

# %%
def runtime_scale(fan_in, gain=math.sqrt(2), lrmul=1.0):
    """The number the stored weights are multiplied by at run time."""
    ### BEGIN SOLUTION
    return gain * lrmul / math.sqrt(fan_in)
    ### END SOLUTION


check_runtime_scale(runtime_scale)

# %% [markdown]
# **Exercise 3.** Write the equalized-lr dense layer as an `nn.Module`, with the parameter names of
# `nn.Linear` so that it can load the library's weights. The check compares it with `layers.EqualizedLinear`:
# what it stores when created, and what it computes from the same weights.

# %%
class MyEqualizedLinear(nn.Module):
    """Dense layer with equalized learning rate. Parameters: `weight` (out_features, in_features), stored as
    N(0, 1/lrmul^2), and `bias` (out_features,), stored as zeros; forward(x) takes x (N, in_features) and
    scales both at run time, as in section 2: the weight by gain * lrmul / sqrt(fan_in), the bias by lrmul."""

    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.weight_gain = gain * lrmul / math.sqrt(in_features)
        self.lrmul = lrmul
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return F.linear(x, self.weight * self.weight_gain, self.bias * self.lrmul)
        ### END SOLUTION


check_equalized_linear(MyEqualizedLinear)

# %% [markdown]
# Once it says Correct, your layer computes what the trained model's first mapping layer computes:
# `mine = MyEqualizedLinear(128, 128, lrmul=0.01)`, `mine.load_state_dict(G.mapping.layers[0].state_dict())`,
# then compare `mine(z)` with `G.mapping.layers[0](z)`.
