# %% [markdown]
# # 04 · AdaIN: styles as per-channel statistics
#
# In a StyleGAN generator the latent never enters the convolutions directly. Instead, after the constant
# input and after every convolution each feature channel is **normalised** (zero mean, unit standard deviation
# over its pixels) and then **re-scaled and shifted** by two numbers per channel, the *style* (y_s, y_b),
# computed from w by a learned affine layer "A". This is adaptive instance normalisation (AdaIN):
#
#     AdaIN(x, y) = (y_s + 1) · (x − μ(x)) / σ(x) + y_b        (per sample, per channel)
#
# The "+ 1" is a detail of the official code. At the start of training the affine layer's weights are random
# (standard normal, scaled at run time by 1/√(w size), gain 1) and only its biases are zero, so y_s is a
# random projection of w, about as large as w's entries and of either sign. With the "+ 1" the scale y_s + 1
# is centred on 1: each layer starts close to plain normalisation, and the style nudges it. Without it the
# scale would be centred on 0: a random factor of either sign for every channel, which flips as many features
# as it keeps. Because the normalisation wipes out the previous statistics, each style controls its own layer
# only, until the next AdaIN overwrites it. That locality is what makes style mixing (lesson 06) work.

# %%
import matplotlib.pyplot as plt
import torch

from stylegan_edu import layers, pretrained
from stylegan_edu.data import load_toyfaces
from stylegan_edu.generator import z_from_seeds
from stylegan_edu.mixing import label_grid, mix_ws
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)

# %% [markdown]
# ## 1 · Instance normalisation by hand

# %%
def my_instance_norm(x, eps=1e-8):
    mean = x.mean(dim=(2, 3), keepdim=True)  # one mean per sample and channel
    centred = x - mean
    std = (centred.square().mean(dim=(2, 3), keepdim=True) + eps).sqrt()  # population std, as the paper
    return centred / std


x = 3 + 2 * torch.randn(4, 8, 16, 16)  # 4 samples, 8 channels, mean 3, std 2
n = my_instance_norm(x)
# rounded to 4 decimals (+ 0.0 turns -0.0 into 0.0): the last bits differ between machines
print("mean per channel after:", n.mean(dim=(2, 3))[0, :4].round(decimals=4) + 0.0)
print("std per channel after: ", n.std(dim=(2, 3), unbiased=False)[0, :4].round(decimals=4))
torch.testing.assert_close(n, layers.instance_norm(x))
print("matches stylegan_edu.layers.instance_norm")

# %% [markdown]
# ## 2 · AdaIN by hand
#
# The style is two vectors of length C (one number per channel): y_s scales, y_b shifts. After AdaIN each
# channel has mean y_b and standard deviation |y_s + 1|, whatever it had before.

# %%
def my_adain(x, y_s, y_b):
    return my_instance_norm(x) * (y_s[:, :, None, None] + 1) + y_b[:, :, None, None]


y_s, y_b = torch.randn(4, 8), torch.randn(4, 8)
out = my_adain(x, y_s, y_b)
torch.testing.assert_close(out.mean(dim=(2, 3)), y_b, atol=1e-4, rtol=0)
torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False), (y_s + 1).abs(), atol=1e-4, rtol=0)
torch.testing.assert_close(out, layers.adain(x, y_s, y_b))
print("AdaIN sets each channel's mean to y_b and its std to |y_s + 1|; matches stylegan_edu.layers.adain")

# %% [markdown]
# ## 3 · AdaIN on pictures: colour statistics are a style
#
# Treat the three colour channels of a ToyFaces image as feature maps. Normalising face A and giving it the
# per-channel mean and standard deviation of face B moves A's colours towards B's, and keeps A's layout.
# (This is the original use of AdaIN, for style transfer, by Huang and Belongie, 2017.)

# %%
faces, _ = load_toyfaces(n=2000, resolution=64, progress=False).batch([3, 11], 64)
a, b = faces[:1], faces[1:]
b_mean = b.mean(dim=(2, 3))
b_std = b.std(dim=(2, 3), unbiased=False)
a_with_b_colours = my_adain(a, b_std - 1, b_mean)  # y_s + 1 = target std, y_b = target mean
label_grid(image_grid(torch.cat([a, b, a_with_b_colours.clamp(-1, 1)]), columns=3, upscale_to=128),
           columns=["face A", "face B", "A with B's colours"], font_size=11)

# %% [markdown]
# ## 4 · Styles inside the generator
#
# The shipped ToyFaces model has 10 style layers (two per resolution, 4 to 64 px). `return_features=True`
# gives each layer's style (y_s, y_b) next to the image. After every layer's AdaIN, the channel means equal
# that layer's y_b exactly, as you proved above.

# %%
G = pretrained.load("toyfaces-64")
z = z_from_seeds([5, 9], G.cfg.latent_size)
with torch.no_grad():
    img, info = G(z, truncation_psi=0.7, noise_mode="const", return_features=True)
for i, (feat, (s, b)) in enumerate(zip(info["features"], info["styles"])):
    if i % 2 == 0:
        print(f"layer {i}: features {tuple(feat.shape[1:])}, style scale and shift of length {s.shape[1]}")
torch.testing.assert_close(info["features"][4].mean(dim=(2, 3)), info["styles"][4][1], atol=1e-4, rtol=1e-4)
print("layer 4's channel means are its y_b")

# %% [markdown]
# Swap one resolution's styles between the two faces and see what changes. The row shows seed 5, seed 9, then
# five times the face of seed 5 with the style of one resolution (both of its layers) taken from seed 9.
# The 4 px styles give the head seed 9's turn and redraw its outline and hair; the 8–32 px ones change smaller
# things (the 8 px ones hardly anything, the 16 px ones bring seed 9's paler skin, the 32 px ones turn the
# shirt brown); the 64 px ones leave the face as it was and bring only seed 9's blue-green background.

# %%
with torch.no_grad():
    ws = G.mapping(z)[:, None].repeat(1, G.num_layers, 1)
    ws = G.w_avg + 0.7 * (ws - G.w_avg)  # truncation, as above
    rows = [ws[:1], ws[1:]]
    for res_index in range(G.num_layers // 2):
        rows.append(mix_ws(ws[:1], ws[1:], [2 * res_index, 2 * res_index + 1]))
    swapped = G.synthesis(torch.cat(rows), noise_mode="const")
print("seed 5, seed 9, then seed 5 with the style of 4, 8, 16, 32, 64 px from seed 9")
image_grid(swapped, columns=7, upscale_to=96)

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** The affine layer A is one dense layer, so it computes each layer's style as one tensor
# [N, 2C]: the first C numbers are y_s, the last C are y_b (as in the official code). Write
# `adain_from_style(x, style)` with your `my_adain`.

# %%
from torch import nn

from stylegan_edu.course.lesson04 import check_adain_from_style, check_adain_module

# %%
def adain_from_style(x, style):
    """AdaIN of x [N, C, H, W] with a packed style [N, 2C]: y_s is its first C numbers, y_b the last C."""
    ### BEGIN SOLUTION
    c = x.shape[1]
    return my_adain(x, style[:, :c], style[:, c:])
    ### END SOLUTION


check_adain_from_style(adain_from_style)

# %% [markdown]
# **Exercise 2.** Now the whole style input of one layer as a module: the affine layer A, one dense layer from
# w to the 2C style numbers, followed by AdaIN. Build A with `layers.EqualizedLinear` from lesson 03. Its
# weights start as a standard normal and its bias at zero, as the introduction says; choose its gain knowing
# that no leaky ReLU follows A. `forward(x, w)` applies AdaIN to the features x with the style A(w).

# %%
class MyAdaIN(nn.Module):
    """The style input of one synthesis layer: A (w -> y_s, y_b), then AdaIN of the features."""

    def __init__(self, w_dim, channels):
        super().__init__()
        ### BEGIN SOLUTION
        self.affine = layers.EqualizedLinear(w_dim, 2 * channels, gain=1.0)
        ### END SOLUTION

    def forward(self, x, w):
        """x: features [N, channels, H, W]; w: [N, w_dim]. Returns AdaIN(x) with the style A(w)."""
        ### BEGIN SOLUTION
        y_s, y_b = self.affine(w).chunk(2, dim=1)
        return my_adain(x, y_s, y_b)
        ### END SOLUTION


check_adain_module(MyAdaIN)

# %% [markdown]
# In the library A is `layers.StyleAffine`: the same dense layer, whose forward hands back the two halves
# already split, `(y_s, y_b)`. Every synthesis layer ends with it and AdaIN
# (`LayerEpilogue` in `stylegan_edu/synthesis.py`). Layer 4 of the shipped model, for example, turns the
# 128 numbers of w into a style of 2 × 128:

# %%
print(G.synthesis.epilogues()[4].affine)
