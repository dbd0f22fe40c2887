# %% [markdown]
# # 03 · The mapping network: from Z to W
#
# A classic GAN feeds the random vector z straight into the generator. z is Gaussian, so the generator has to
# map a round, evenly filled cloud onto the set of faces. If some combination of features is rare in the
# data (say long hair together with a strong head turn), it must still own its share of that round cloud,
# and the generator is forced to bend: small steps in z then cause large jumps in the image, and factors of
# variation become tangled together.
#
# StyleGAN first sends z through an 8-layer MLP, f: z → w. W has no fixed shape: the MLP can stretch it so
# that the data's factors line up with straight directions. The paper measures this (lesson 08) and finds W
# far more "linear" than Z.
#
# You will build the MLP with the two tricks of the official code: pixel norm of z and the **equalized
# learning rate** with a 100× smaller learning rate for the mapping layers, and then look at Z and W of the
# trained ToyFaces model.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from stylegan_edu import layers, pretrained
from stylegan_edu.configs import get_config
from stylegan_edu.data import ATTRIBUTE_NAMES
from stylegan_edu.mapping import MappingNetwork
from stylegan_edu.metrics.toy_features import load_toy_features

_ = torch.manual_seed(0)

# %% [markdown]
# ## 1 · Pixel norm
#
# Before the MLP, z is scaled to unit root-mean-square length: only its direction matters.

# %%
def my_pixel_norm(z, eps=1e-8):
    return z / (z.square().mean(dim=1, keepdim=True) + eps).sqrt()


z = torch.randn(5, 128) * 3
torch.testing.assert_close(my_pixel_norm(z), layers.pixel_norm(z))
print("RMS after pixel norm:", my_pixel_norm(z).square().mean(dim=1).sqrt())

# %% [markdown]
# ## 2 · The equalized learning rate
#
# Adam divides each gradient by its running size, so the *parameter's* scale decides how fast a layer learns.
# The official code stores every weight as N(0, 1) and multiplies it at run time by the He constant
# gain / √fan_in. Then all layers learn at the same relative speed. For the mapping network the stored weights
# are N(0, 1/λ²) and the runtime factor is multiplied by λ = 0.01 (the "lr multiplier"): the layers behave
# as if their learning rate were 100× smaller, which keeps w stable while the synthesis network learns.

# %%
class MyEqualizedLinear(torch.nn.Module):
    def __init__(self, fan_in, fan_out, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(fan_out, fan_in) / lrmul)
        self.bias = torch.nn.Parameter(torch.zeros(fan_out))
        self.scale = gain * lrmul / math.sqrt(fan_in)
        self.lrmul = lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)


class MyMapping(torch.nn.Module):
    def __init__(self, z_dim=512, w_dim=512, hidden=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [z_dim] + [hidden] * (num_layers - 1) + [w_dim]
        self.layers = torch.nn.ModuleList(MyEqualizedLinear(sizes[i], sizes[i + 1], lrmul=lrmul)
                                          for i in range(num_layers))

    def forward(self, z):
        x = my_pixel_norm(z)
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
# squares fit). In W the colours line up along a straight direction much more cleanly than in Z.

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


fig, axes = plt.subplots(1, 2, figsize=(9, 4))
r2 = {}
for ax, (space, lat) in zip(axes, (("Z", z.numpy()), ("W", w.numpy()))):
    r2[space], pred = linear_fit_r2(lat, y)
    ax.scatter(pred[:, 0], pred[:, 1], c=y[:, 0], s=4, cmap="coolwarm")
    ax.set_title(f"{space}: R² yaw {r2[space][0]:.2f}, hair colour {r2[space][1]:.2f}")
    ax.set_xlabel("best linear direction for yaw")
    ax.set_ylabel("best linear direction for hair colour")
plt.tight_layout()
plt.show()
print("a straight direction in W explains more of each attribute than in Z:", bool((r2["W"] > r2["Z"]).all()))

# %% [markdown]
# ## Your turn
#
# What runtime scale does an equalized-lr dense layer use? Write `runtime_scale(fan_in, gain, lrmul)`.

# %%
def runtime_scale(fan_in, gain=math.sqrt(2), lrmul=1.0):
    return gain * lrmul / math.sqrt(fan_in)


# %%
def check_runtime_scale(fn):
    for fan_in, gain, lrmul in ((512, math.sqrt(2), 0.01), (128, 1.0, 1.0), (4608, math.sqrt(2), 1.0)):
        want = layers.EqualizedLinear(fan_in, 1, gain=gain, lrmul=lrmul).weight_gain
        got = fn(fan_in, gain, lrmul)
        if not math.isclose(got, want, rel_tol=1e-6):
            hint = ("did you forget the lr multiplier?" if math.isclose(got, want / lrmul, rel_tol=1e-6)
                    else "He's constant divides by the square root of fan_in.")
            return print(f"fan_in={fan_in}, gain={gain:.3f}, lrmul={lrmul}: expected {want:.6g}, got {got:.6g}; {hint}")
    print("Correct: the equalized learning rate's runtime scale.")


check_runtime_scale(runtime_scale)
