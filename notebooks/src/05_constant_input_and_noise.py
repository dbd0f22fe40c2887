# %% [markdown]
# # 05 · The constant input and per-layer noise
#
# Two more surprises in the StyleGAN generator:
#
# 1. **It does not start from z.** The first layer is a learned 4×4 block of numbers, the same for every
#    face. Everything that makes one face differ from another enters through the styles (lesson 04) and
#    through noise.
# 2. **Noise, one fresh random image per layer.** Hair strands, freckles, the exact placement of small
#    details are random in real photos: two pictures of the same person differ in them. Instead of making the
#    network invent its own randomness from z, StyleGAN adds a single-channel Gaussian noise image after the
#    constant and after every convolution, scaled per channel by a learned weight (initialised to 0, so the
#    network decides how much it wants).
#
# You will inspect the learned constant, add noise by hand, and reproduce the paper's figures 4 and 5 on the
# trained ToyFaces model: what noise changes, and how that depends on the layer it enters.

# %%
import matplotlib.pyplot as plt
import torch

from stylegan_edu import layers, pretrained
from stylegan_edu.configs import get_config
from stylegan_edu.figure1b import draw_generator
from stylegan_edu.generator import z_from_seeds
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")

# %% [markdown]
# ## 1 · The whole generator (the paper's figure 1(b))
#
# `draw_generator` draws the paper's figure 1(b) from the model's own config, `G.cfg`, so it shows the
# network you have loaded. At the top the mapping network turns z into w through 8 fully connected layers
# (lesson 03). Below it the synthesis network has one grey row per resolution, 4×4 to 64×64, with its number
# of feature maps on the left. The first row starts from the learned constant (section 2), every later row
# from the output of the row above, upsampled, convolved and blurred (lesson 02). After the constant and after
# every 3×3 convolution, the noise image beside "B" is added, scaled per channel by B (section 3), and then
# AdaIN gives the features the style that A computes from w (lesson 04). The bias and leaky ReLU that come
# between the noise and AdaIN are left out, as in the paper. The small grey numbers count the style layers,
# 0 to 9, two per resolution. At the bottom ToRGB turns the 64×64 features into the image.

# %%
drawing = draw_generator(G.cfg)
plt.show()
print("rows (resolution, feature maps):", drawing.details("block"))
print(f"{drawing.count('fc')} FC layers, {drawing.count('A')} A inputs, {drawing.count('B')} B inputs")

# %% [markdown]
# The paper's own network (`get_config("ffhq-1024")`; `draw_generator` draws it too, nine rows tall) has the
# same 8 FC layers, only 512 wide, and nine rows, 4×4 to 1024×1024: 18 style layers, each with its A and its
# B. From 128×128 up it computes the upsampling and the convolution after it as one transposed convolution
# (the drawing marks those rows "fused"), which is cheaper at those sizes.

# %%
paper = get_config("ffhq-1024")
print(f"ffhq-1024: {paper.num_layers} style layers, feature maps", [paper.channels(r) for r in paper.resolutions])

# %% [markdown]
# ## 2 · The learned constant
#
# It is a parameter of shape [1, C, 4, 4], initialised to ones. After training its channels hold a fixed
# "canvas" that the styles then reshape. Every face starts from exactly these numbers.

# %%
const = G.synthesis.input.const.detach()
print("shape:", tuple(const.shape), " initialised to ones, now mean", round(const.mean().item(), 3),
      "std", round(const.std().item(), 3))
m = (const[0, :8] - 1).abs().max().item()  # one colour scale for all eight, centred on the initial value 1
fig, axes = plt.subplots(1, 8, figsize=(10, 1.5), layout="constrained")
for i, ax in enumerate(axes):
    shown = ax.imshow(const[0, i], cmap="RdBu_r", vmin=1 - m, vmax=1 + m)
    ax.set_title(f"ch {i}", fontsize=8)
    ax.axis("off")
fig.colorbar(shown, ax=axes, shrink=0.9, pad=0.01)
plt.show()

# %% [markdown]
# These are 8 of the 128 channels, all on one colour scale: white is the initial value 1, red lies above it,
# blue below. Training has turned the ones into a different 4×4 pattern in each of them, with values
# well above and well below 1.
#
# ## 3 · Noise injection by hand
#
# One noise image [N, 1, H, W] is shared by all channels of a layer; each channel multiplies it by its own
# learned weight.

# %%
def my_noise_injection(x, noise, weight):
    return x + noise * weight.view(1, -1, 1, 1)


inject = layers.NoiseInjection(8)
with torch.no_grad():
    inject.weight.copy_(torch.randn(8))
x, noise = torch.randn(2, 8, 16, 16), torch.randn(2, 1, 16, 16)
torch.testing.assert_close(my_noise_injection(x, noise, inject.weight.detach()), inject(x, noise).detach())
print("matches stylegan_edu.layers.NoiseInjection; a new layer starts at weight 0:",
      bool(layers.NoiseInjection(8).weight.eq(0).all()))

# %% [markdown]
# How strongly did training turn the noise on, layer by layer? (mean |weight| of each layer's channels)

# %%
strength = [e.noise.weight.abs().mean().item() for e in G.synthesis.epilogues()]
plt.figure(figsize=(6, 2.5))
plt.bar(range(len(strength)), strength)
plt.xticks(range(len(strength)), [f"{4 * 2 ** (i // 2)}px" for i in range(len(strength))], fontsize=8)
plt.ylabel("mean |noise weight|")
plt.tight_layout()
plt.show()

# %% [markdown]
# Training turned the noise up most in the first 32 px layer and left the two 64 px layers almost at 0.
# Sections 4 and 5 show what that does to the picture.
#
# ## 4 · Stochastic variation (the paper's figure 4)
#
# Keep w fixed and draw new noise: the face stays the same person; only small details move. The standard
# deviation over many noise draws, pixel by pixel, shows *where* noise acts.

# %%
z = z_from_seeds([7], G.cfg.latent_size)
torch.manual_seed(1)
with torch.no_grad():
    draws = G(z.repeat(64, 1), truncation_psi=0.7, noise_mode="random")
std_map = draws.std(dim=0).mean(dim=0)  # per-pixel std over the 64 draws, averaged over RGB
image_grid(draws[:6], upscale_to=96)

# %%
plt.figure(figsize=(3, 3))
plt.imshow(std_map, cmap="magma")
plt.title("std over 64 noise draws")
plt.axis("off")
plt.show()
print(f"per-pixel std over the draws: mean {std_map.mean():.3f}, largest {std_map.max():.2f}")

# %% [markdown]
# Most of the picture hardly moves: on average a pixel's std is 0.013 (colours run from −1 to 1), too little
# to spot. A few pixels around the eyes move far more (up to 0.38), and those you can see in the six draws
# above: the small dark marks of the eyes and brows come out a little different each time. Subtract two draws
# and amplify the difference 10× to see the rest.

# %%
def as_picture(x):  # [3, H, W] in [-1, 1] -> [H, W, 3] in [0, 1] for imshow
    return ((x.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def show_two_draws(draws, gain=10, std_map=None):
    """Two noise draws, their difference amplified `gain` times, and (if given) the std map beside them."""
    difference = (draws[0] - draws[1]).abs().mean(dim=0)  # per pixel, averaged over RGB
    panels = 3 if std_map is None else 4
    fig, axes = plt.subplots(1, panels, figsize=(3 * panels, 3.3))
    axes[0].imshow(as_picture(draws[0]))
    axes[0].set_title("noise draw 1")
    axes[1].imshow(as_picture(draws[1]))
    axes[1].set_title("noise draw 2")
    axes[2].imshow((gain * difference / 2).clamp(0, 1), cmap="gray", vmin=0, vmax=1)  # not stretched to fit
    axes[2].set_title(f"|draw 1 - draw 2| x {gain}")
    if std_map is not None:
        axes[3].imshow(std_map, cmap="magma")
        axes[3].set_title(f"std over {len(draws)} noise draws")
    for ax in axes:
        ax.axis("off")
    plt.tight_layout()
    plt.show()


show_two_draws(draws)

# %% [markdown]
# The two draws show the same person with the same hair; only the marks around the eyes differ to the eye.
# The amplified difference shows more: besides the bright eyes, thin lines follow the outlines, the outer edge
# of the hair, the hairline around the face and the jaw, while the skin, the hair between its edges and the
# background do not change. That is the paper's point in figure 4: noise decides exactly where edges and small
# details fall, not who the person is.
#
# One thing is different from the paper's photographs: the ToyFaces this model learned from draw nothing at
# random. Every pixel of such a face follows from its attribute vector (`render(attrs)` in
# `stylegan_edu/data/toyfaces.py`; even the freckles are the first few of one fixed set of spots), so the data
# holds no detail that only noise could explain, and a generator could draw every one of them without noise.
# What noise does in this model is variation the network keeps for itself, and it sits where the model draws
# least well: the eyes and brows.
#
# ### When the data has random detail
#
# ToyFaces can also be drawn *with* stochastic detail (`render(attrs, detail=seed)`, data/README.md): the hair
# gets strands, a few stray hairs stick out of its outline, and the freckles land in random places, all from a
# second random stream that no attribute controls. Two faces with the same attributes then differ exactly where
# two photographs of one person differ. The course ships a second generator, `toyfaces-64-detail`: the same
# network, trained from scratch on such faces by the first model's recipe (the `toy-64` preset, then the
# official learning rate, minibatch size and EMA half-life from 340 kimg; 700 kimg in all; its card is
# data/pretrained/TOYFACES_64_DETAIL_CARD.md). EMA is the exponential moving average of G's weights that
# training keeps beside G; that average is the generator the course ships. Here is the same experiment on it,
# with the same z:

# %%
G_detail = pretrained.load("toyfaces-64-detail")
torch.manual_seed(1)
with torch.no_grad():
    draws_d = G_detail(z.repeat(64, 1), truncation_psi=0.7, noise_mode="random")
std_map_d = draws_d.std(dim=0).mean(dim=0)
show_two_draws(draws_d, std_map=std_map_d)
print(f"per-pixel std over the draws: mean {std_map_d.mean():.3f}, largest {std_map_d.max():.2f}")

# %% [markdown]
# Here noise moves something else. The amplified difference is brightest along the outer edge of the hair,
# which shifts by about a pixel from draw to draw, the way the end of a strand or a stray hair would, with a
# faint speckle over the face and a little around the eyes; the backdrop stays still. This model's noise is
# quieter than the first model's (mean std 0.004 against 0.013), and its largest value (0.06) sits on the
# hair's edge, where the first model's (0.38) sat on the eyes.

# %% [markdown]
# One face can mislead, so average over many: for 100 ToyFaces, the per-pixel std over 8 detail seeds with the
# attributes fixed (where the *data* varies at random), and for 16 faces of each model, the per-pixel std over 8
# noise draws with w fixed (where the *model* varies). `map_agreement` is the correlation of two such maps: 1
# when they are bright in the same places in the same proportions, 0 when they have nothing to do with each
# other.

# %%
from stylegan_edu.noise_maps import detail_map, map_agreement, noise_map

average_maps = {
    "data: detail seeds": detail_map(64, seeds=range(28000, 28100), draws=8),
    "toyfaces-64: noise": noise_map(G, seeds=range(16), draws=8),
    "toyfaces-64-detail: noise": noise_map(G_detail, seeds=range(16), draws=8),
}
fig, axes = plt.subplots(1, 3, figsize=(9, 3.3))
for ax, (name, m) in zip(axes, average_maps.items()):
    ax.imshow(m, cmap="magma")  # each on its own scale
    ax.set_title(name, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()
target = average_maps["data: detail seeds"]
for name in ("toyfaces-64: noise", "toyfaces-64-detail: noise"):
    m = average_maps[name]
    print(f"{name:>26}: mean {m.mean():.4f}, agreement with the data's map {map_agreement(m, target):.2f}")

# %% [markdown]
# The data's map (left) is brightest on the crown, where the strands lie on most faces, and thins out down the
# sides where long hair falls; the faint patch in the middle is the freckles. The first model's noise (middle)
# sits in a band across the eyes and hardly touches the hair: agreement 0.34. The detail model's (right)
# follows the outlines of hair and head and fills the head, brightest over its upper half, where the data's
# is brightest too, though less on the crown and more across the eyes than the data's: agreement 0.70. Same
# network, same recipe, other data: a model spends its noise where its data is random when the data has
# randomness to offer. It does not yet draw the strands themselves, the thin lighter and darker lines of the
# data; after 700 kimg its hair shows only a faint texture, and much of its noise goes into moving edges.

# %%
assert map_agreement(average_maps["toyfaces-64-detail: noise"], target) > map_agreement(
    average_maps["toyfaces-64: noise"], target)  # what the text above says

# %% [markdown]
# ## 5 · Noise at the three style levels (compare the paper's figure 5)
#
# The paper's figure 5 splits the layers in two only: its "coarse" noise goes to the 4–32 px layers, its
# "fine" noise to the 64–1024 px layers. Here we use the three levels of lesson 06 instead (coarse 4–8 px,
# middle 16–32 px, fine 64 px), so the paper's coarse noise is our coarse and middle noise together.
#
# `noise_strength` accepts one number per layer. Give noise only to the coarse layers (4–8 px), or only to
# the fine layers (64 px), and compare with all and none. `level_strength(G.cfg, level)` from
# `stylegan_edu.noise_maps` builds such a list (1.0 for the level's layers, 0.0 for the others); exercise 1 asks
# you for the general version, for any list of layers. (The middle layers, 16–32 px, come after that
# exercise.)

# %%
from stylegan_edu.noise_maps import level_strength

settings = {
    "all layers": [1.0] * G.num_layers,
    "none": [0.0] * G.num_layers,
    "coarse only": level_strength(G.cfg, "coarse"),
    "fine only": level_strength(G.cfg, "fine"),
}


def noise_std_map(G, noise_strength, draws=16):
    """Where `draws` noise draws for the face z differ (w fixed): per-pixel std, averaged over RGB, [H, W]."""
    torch.manual_seed(2)
    with torch.no_grad():
        imgs = G(z.repeat(draws, 1), truncation_psi=0.7, noise_mode="random", noise_strength=noise_strength)
    return imgs.std(dim=0).mean(dim=0)


def show_std_maps(maps, top=None):
    """The maps side by side on one colour scale, 0 to `top`, so that their brightness compares; with no `top`
    each on its own scale, 0 to its largest value (in its title), to show where it acts however weak."""
    fig, axes = plt.subplots(1, len(maps), figsize=(2.8 * len(maps), 3))
    for ax, (name, m) in zip(axes, maps.items()):
        ax.imshow(m, cmap="magma", vmin=0, vmax=top if top is not None else m.max().item())
        ax.set_title(f"std, noise: {name}" + ("" if top is not None else f" (max {m.max():.3f})"), fontsize=9)
        ax.axis("off")
    plt.tight_layout()
    plt.show()


variation, maps = {}, {}
for name, s in settings.items():
    maps[name] = noise_std_map(G, s)
    variation[name] = maps[name].mean().item()
    print(f"{name:>12}: mean per-pixel std over noise draws {variation[name]:.4f}")
# the draws look alike to the eye (as in the section above), so show where they differ, on one colour scale
top = max(m.max().item() for m in maps.values())
show_std_maps(maps, top)

# %% [markdown]
# With no noise at all every draw is the same picture (std 0). The noise of the coarse layers (4–8 px) shifts
# where the outlines fall (the edge of the hair, the hairline, the jaw) and the eyes a little; the later
# layers turn these shifts into sharp edges. Noise in the fine 64 px layers does practically nothing: its std
# rounds to 0.0000, because this model has switched its 64 px noise almost off (the last two bars of
# section 3). In the paper's figure 5, noise in the 4–32 px layers curls the hair in large waves and noise in
# the 64–1024 px layers adds small curls and skin pores; ToyFaces draws no curls or pores, so its fine noise
# has nothing to do. Coarse noise alone (0.0066) gives only about half of what all layers give (0.0124), and
# its map lacks most of the bright eyes: the rest comes from the middle layers, which you measure after the
# first exercise.

# %%
assert variation["none"] == 0.0
assert variation["all layers"] > 0
assert variation["coarse only"] > variation["fine only"]  # what the text above says of this model

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write `noise_strengths(num_layers, layers_with_noise)`, the per-layer list for
# `noise_strength`: 1.0 for the listed layers, 0.0 for the others.

# %%
from torch import nn

from stylegan_edu.course.lesson05 import check_noise_module, check_noise_strengths

# %%
def noise_strengths(num_layers, layers_with_noise):
    """A list of num_layers floats: 1.0 at the indices in layers_with_noise, 0.0 elsewhere."""
    ### BEGIN SOLUTION
    return [1.0 if i in set(layers_with_noise) else 0.0 for i in range(num_layers)]
    ### END SOLUTION


check_noise_strengths(noise_strengths)

# %% [markdown]
# Such a list gives noise only to the middle layers (16–32 px), the setting that section 5 left out. The cell
# below measures it as section 5 did (with `level_strength`, so it runs whatever your function returns).

# %%
middle_only = level_strength(G.cfg, "middle")
maps["middle only"] = noise_std_map(G, middle_only)
variation["middle only"] = maps["middle only"].mean().item()
print("noise_strength:", middle_only)
levels = ("coarse only", "middle only", "fine only")
for name in levels:
    print(f"{name:>12}: mean per-pixel std over noise draws {variation[name]:.4f}")
show_std_maps({name: maps[name] for name in levels}, top)
assert variation["middle only"] > variation["coarse only"] > variation["fine only"]  # what the text below says

# %% [markdown]
# Noise in the middle layers (16–32 px) does the most in this model (0.0086), nearly all of it on the eyes,
# whose small dark marks it redraws in every draw; along the outlines it leaves only faint lines. Most of it
# comes from the strongest noise of section 3, the first 32 px layer (layer 6): run the cell above with
# `noise_strengths(G.num_layers, [6])` in place of `middle_only` to see. So each level's noise has its own job
# in this model: the coarse noise moves the outlines, the middle noise the details of the eyes, and the fine
# noise nothing.
#
# The detail model of section 4 learned from faces whose strands and freckles fall at random. The same three
# settings on it (the same face z, the same noise draws), each map on its own scale this time, since its fine
# noise is much weaker than its coarse noise:

# %%
maps_d = {f"{level} only": noise_std_map(G_detail, level_strength(G_detail.cfg, level))
          for level in ("coarse", "middle", "fine")}
for name in levels:
    print(f"{name:>12}: mean per-pixel std over noise draws {maps_d[name].mean():.4f}")
show_std_maps(maps_d)

# %% [markdown]
# Here the fine layers' noise is on: 0.0017 on average, where the first model's rounds to 0.0000. It is a
# speckle over the whole head, hair and skin alike, brightest around the eyes. The coarse noise does
# what the first model's did, moving the outlines of hair and head, and the middle noise is the weakest of the
# three (0.0005; in the first model the strongest). That is closer to the paper's figure 5, where the noise of
# the 4–32 px layers moves large shapes and that of the 64–1024 px layers adds the finest detail: the data's
# strands and freckles are a pixel or two wide, the scale the 64 px layers work at. What this model's fine
# noise draws is still a speckle, not strands.

# %%
assert maps_d["fine only"].mean() > maps_d["middle only"].mean()  # what the text above says
assert maps_d["fine only"].mean() > 0.001 > variation["fine only"]  # on here, off in the first model

# %% [markdown]
# **Exercise 2.** Write the noise input of section 3 as a module, the "B" of figure 1(b). It holds one learned
# strength per channel, all starting at 0. `forward(x, noise)` adds the single-channel noise image, scaled by
# each channel's strength; when no noise image is given, it draws a fresh standard Gaussian one for each
# sample (as `noise_mode="random"` does).

# %%
class MyNoiseInjection(nn.Module):
    """The noise input B of one synthesis layer: learned per-channel strengths times one noise image."""

    def __init__(self, channels):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.zeros(channels))
        ### END SOLUTION

    def forward(self, x, noise=None):
        """x: features [N, channels, H, W]; noise: [N, 1, H, W], or None to draw a fresh one."""
        ### BEGIN SOLUTION
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device)
        return x + noise * self.weight.view(1, -1, 1, 1)
        ### END SOLUTION


check_noise_module(MyNoiseInjection)

# %% [markdown]
# The library's version is `layers.NoiseInjection`. In the shipped model every style layer has one, and its
# strengths are the ones plotted in section 3; the layer's noise image is drawn in `LayerEpilogue.make_noise`
# (`stylegan_edu/synthesis.py`).
