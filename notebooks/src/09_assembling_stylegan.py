# %% [markdown]
# # 09 · Assembling StyleGAN
#
# Lessons 02 to 05 built the pieces one at a time: the blur and the up/down convolutions, the equalized
# learning rate, AdaIN, the constant input and the noise. Here you put them together yourself:
#
# 1. the **synthesis network** g of the paper's figure 1(b), with exactly the parameter names and shapes of the
#    library's, so that the shipped ToyFaces generator's weights load into *your* module and it draws the
#    same faces;
# 2. the **discriminator**, the mirror image of g, likewise;
# 3. what trains them: the **non-saturating logistic loss** for G and the **logistic loss** for D, the **R1
#    penalty** as the official code weighs it, and the **style-mixing regulariser**;
# 4. **one training step**, whose losses must equal the library's `Trainer` step by step from the same seed.
#
# The checks compare with the library; each one prints a single line. Nothing after a check uses your code,
# so you can leave an exercise and come back.

# %%
import inspect
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from stylegan_edu import pretrained
from stylegan_edu.course.lesson09 import (check_assembled_discriminator, check_assembled_synthesis,
                                          check_assembled_training_step, check_logistic_d_loss,
                                          check_mixing_regularizer, check_nonsaturating_g_loss,
                                          check_r1_penalty_official, faces_side_by_side, reference_steps)
from stylegan_edu.discriminator import Discriminator, FromRGB
from stylegan_edu.generator import z_from_seeds
from stylegan_edu.layers import (Bias, EqualizedConv2d, EqualizedLinear, NoiseInjection, StyleAffine,
                                 instance_norm, leaky_relu, minibatch_stddev, style_modulate)
from stylegan_edu.resample import ConvDown2d, UpConv2d
from stylegan_edu.synthesis import ConstInput, ToRGB
from stylegan_edu.train import losses
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
cfg = G.cfg


def show_tensors(module, prefixes):
    """Print the name and shape of every parameter and buffer of `module` whose name starts with a prefix."""
    for name, t in module.state_dict().items():
        if name.startswith(prefixes):
            print(f"  {name:<38} {tuple(t.shape)}")


# %% [markdown]
# ## 1 · The map: what the shipped weights are called
#
# `load_state_dict` matches tensors by name, so your network must use the library's names. The synthesis
# network of the `toy-64` model: a learned constant `input`, then style layer 0 (`input_epilogue`, no
# convolution), style layer 1 (`layers.0`, a 3×3 conv at 4 px), and per resolution 8, 16, 32 and 64 px an
# upsampling layer (`layers.1`, `.3`, `.5`, `.7`) and a plain one (`layers.2`, `.4`, `.6`, `.8`): ten style
# layers. After each convolution comes the *epilogue*: noise B (a learned weight per channel; `noise_const` is
# the stored noise image the model uses in `noise_mode="const"`), bias, leaky ReLU, instance norm, and the
# style from A (`affine`, a dense layer w → (y_s, y_b)). Each resolution has a ToRGB (a 1×1 conv); at full
# size only the last one draws the image, the others serve progressive growing (lesson 01).

# %%
print("the first layers:")
show_tensors(G.synthesis, ("input", "layers.0.", "layers.1."))
print("layers.2 to layers.8 go on alike: a plain layer, then an upsampling one, up to 64 px; channels per "
      "resolution:", {r: cfg.channels(r) for r in cfg.resolutions})
print("the ToRGBs (one per resolution):")
show_tensors(G.synthesis, ("torgb.0.", "torgb.4."))

# %% [markdown]
# ## 2 · Your synthesis network
#
# The parts are the library's layers, imported above. Earlier lessons built most of them by hand under other
# names; the cell below prints what each one takes (for a module, what its `forward` takes too) and does, and
# which lesson it comes from. The last three are for the discriminator of section 3.

# %%
parts = {  # each building block, and the lesson that built it (or the idea) by hand
    EqualizedConv2d: "03: the equalized lr of EqualizedLinear, for a convolution",
    UpConv2d: "02: nearest upsampling, then the conv, then the [1, 2, 1] blur",
    ConvDown2d: "02: the blur, then the conv, then the 2x2 average",
    NoiseInjection: "05: noise B; forward(x, noise) adds noise * weight",
    Bias: "03: the bias of the equalized-lr layers, on its own",
    leaky_relu: "03: the activation of the mapping network (slope 0.2)",
    instance_norm: "04: my_instance_norm",
    StyleAffine: "04: A, whose forward returns (y_s, y_b)",
    style_modulate: "04: the second half of my_adain, x * (y_s + 1) + y_b",
    ConstInput: "05: the learned constant input; forward(batch_size) returns it as [batch_size, C, 4, 4]",
    ToRGB: "01 and 05: the 1x1 conv that draws the image (toRGB in the fade-in)",
    FromRGB: "01, the idea: D's counterpart of toRGB, where an image enters D (1x1 conv, then leaky ReLU)",
    EqualizedLinear: "03: the dense layer with equalized lr; an [N, C, H, W] input is flattened to [N, C*H*W] first",
    minibatch_stddev: "01, the idea: the minibatch standard deviation, appended to x as num_features channels",
}
for part, lesson in parts.items():
    doc = part.__doc__.strip().splitlines()[0]
    call = ""
    if isinstance(part, type):  # a module: the arguments of its forward (without self)
        forward = inspect.signature(part.forward, eval_str=True)
        call = f"\n    forward{forward.replace(parameters=list(forward.parameters.values())[1:])}"
    print(f"{part.__name__}{inspect.signature(part, eval_str=True)}{call}\n    lesson {lesson}\n    {doc}")

# %% [markdown]
# **Exercise 1.** Fill in the three classes below with these parts, not with the library's `SynthesisLayer` or
# `LayerEpilogue`, which are the answer. Your network runs at full resolution with the stored noise images;
# `forward(ws)` takes one w per style layer, `ws[:, i]` for layer i. The config gives the sizes: w_dim is
# `cfg.dlatent_size`, the channels at r px `cfg.channels(r)`, the image channels `cfg.num_channels`, and
# `cfg.resolutions` lists r = 4, 8, ..., 64.
# The check loads the shipped weights into your module (`load_state_dict(strict=True)`) and compares its faces
# with the library's; when they differ it names the first parameter, or the first layer's output, that
# differs.

# %%
class MyEpilogue(nn.Module):
    """What follows a convolution: noise B (the stored image `noise_const`, a buffer of shape
    [1, 1, resolution, resolution]), bias, leaky ReLU, instance norm, then the style (y_s, y_b) = A(w)."""

    def __init__(self, channels, w_dim, resolution):
        super().__init__()
        ### BEGIN SOLUTION
        self.noise = NoiseInjection(channels)
        self.bias = Bias(channels)
        self.affine = StyleAffine(w_dim, channels)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        ### END SOLUTION

    def forward(self, x, w):
        ### BEGIN SOLUTION
        x = self.noise(x, self.noise_const)
        x = instance_norm(leaky_relu(self.bias(x)))
        y_s, y_b = self.affine(w)
        return style_modulate(x, y_s, y_b)
        ### END SOLUTION


class MyLayer(nn.Module):
    """`conv` (a 3x3 conv without bias, or the upsampling UpConv2d when `up`), then `epilogue`."""

    def __init__(self, c_in, c_out, w_dim, resolution, up):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv = UpConv2d(c_in, c_out, 3) if up else EqualizedConv2d(c_in, c_out, 3, bias=False)
        self.epilogue = MyEpilogue(c_out, w_dim, resolution)
        ### END SOLUTION

    def forward(self, x, w):
        ### BEGIN SOLUTION
        return self.epilogue(self.conv(x), w)
        ### END SOLUTION


class MySynthesis(nn.Module):
    """ws [N, num_layers, w_dim] -> images [N, 3, resolution, resolution] (full size, stored noise)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION
        w_dim, c4 = cfg.dlatent_size, cfg.channels(4)
        self.input = ConstInput(c4)
        self.input_epilogue = MyEpilogue(c4, w_dim, 4)
        self.layers = nn.ModuleList([MyLayer(c4, c4, w_dim, 4, up=False)])
        self.torgb = nn.ModuleList([ToRGB(c4, cfg.num_channels)])
        for res in cfg.resolutions[1:]:
            c_in, c_out = cfg.channels(res // 2), cfg.channels(res)
            self.layers.append(MyLayer(c_in, c_out, w_dim, res, up=True))
            self.layers.append(MyLayer(c_out, c_out, w_dim, res, up=False))
            self.torgb.append(ToRGB(c_out, cfg.num_channels))
        ### END SOLUTION

    def forward(self, ws):
        ### BEGIN SOLUTION
        x = self.input_epilogue(self.input(ws.shape[0]), ws[:, 0])
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i + 1])
        return self.torgb[-1](x)
        ### END SOLUTION


check_assembled_synthesis(MySynthesis)

# %% [markdown]
# The check's faces: four pairs of seeds, each face taking its first four style layers from one seed and the
# other six from the other, truncated with ψ = 0.7. Top row: the library's synthesis network; middle row:
# yours with the shipped weights loaded; bottom row: their difference magnified 1000 times (grey is zero). Both
# lower rows stay white until your class builds, takes the shipped weights and runs; from then on they show
# your faces even while the check still fails, and the middle title says whether they agree.

# %%
fig = faces_side_by_side(MySynthesis)
plt.show()

# %% [markdown]
# ## 3 · Your discriminator
#
# D mirrors g: an image of r px enters through its own FromRGB (a 1×1 conv and leaky ReLU; `fromrgb[k]` for
# r = 4·2^k), then blocks halve the size down to 4 px. Each block is a 3×3 conv (`conv0`, channels kept) and a
# downsampling conv (`conv1_down`: blur, 3×3 conv, 2×2 box average; `ConvDown2d` in the parts list above), each
# followed by a leaky ReLU; `blocks[k-1]` takes 4·2^k px. At 4 px the head (`epilogue`) appends the
# minibatch standard deviation, one extra channel that tells D how varied the batch is (so a generator that
# makes the same face every time is easy to spot), then a 3×3 conv, a dense layer and a last dense layer to
# one score. The check runs images of 16 and 64 px (no fade-in), with a random library discriminator's
# weights loaded into yours.

# %%
D_lib = Discriminator(cfg)
print("fromrgb.0 (4 px) and fromrgb.4 (64 px); blocks.0 (8 -> 4 px) and blocks.3 (64 -> 32 px); the 4x4 head:")
show_tensors(D_lib, ("fromrgb.0.", "fromrgb.4.", "blocks.0.", "blocks.3.", "epilogue."))

# %% [markdown]
# **Exercise 2.** Fill in the discriminator (you may use the library's `FromRGB`, not its
# `DiscriminatorBlock`, `DiscriminatorEpilogue` or `Discriminator`).

# %%
class MyDBlock(nn.Module):
    """`conv0` (3x3, c_in -> c_in) and `conv1_down` (ConvDown2d, c_in -> c_out, half the size), each followed by a
    leaky ReLU."""

    def __init__(self, c_in, c_out):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv0 = EqualizedConv2d(c_in, c_in, 3)
        self.conv1_down = ConvDown2d(c_in, c_out, 3)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return leaky_relu(self.conv1_down(leaky_relu(self.conv0(x))))
        ### END SOLUTION


class MyDEpilogue(nn.Module):
    """The 4x4 head: minibatch_stddev (group 4, one feature), `conv` (3x3), `dense0`, `dense1` (one score, gain 1,
    no activation)."""

    def __init__(self, channels, dense_channels):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv = EqualizedConv2d(channels + 1, channels, 3)
        self.dense0 = EqualizedLinear(channels * 16, dense_channels)
        self.dense1 = EqualizedLinear(dense_channels, 1, gain=1.0)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = minibatch_stddev(x, 4, 1)
        x = leaky_relu(self.conv(x))
        x = leaky_relu(self.dense0(x))
        return self.dense1(x)
        ### END SOLUTION


class MyDiscriminator(nn.Module):
    """images [N, 3, r, r] at any resolution r of the config -> scores [N, 1]."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION
        self.fromrgb = nn.ModuleList(FromRGB(cfg.num_channels, cfg.channels(r)) for r in cfg.resolutions)
        self.blocks = nn.ModuleList(MyDBlock(cfg.channels(r), cfg.channels(r // 2)) for r in cfg.resolutions[1:])
        self.epilogue = MyDEpilogue(cfg.channels(4), cfg.nf(0))
        ### END SOLUTION

    def forward(self, img):
        ### BEGIN SOLUTION
        k = int(math.log2(img.shape[-1])) - 2  # r = 4 * 2**k
        x = self.fromrgb[k](img)
        for block in reversed(self.blocks[:k]):
            x = block(x)
        return self.epilogue(x)
        ### END SOLUTION


check_assembled_discriminator(MyDiscriminator)

# %% [markdown]
# ## 4 · The losses
#
# D outputs a score, a logit: sigmoid(score) is its belief that the image is real. D is trained as a classifier,
# minimising −log sigmoid(D(x)) on reals and −log(1 − sigmoid(D(G(z)))) on fakes. G could simply maximise D's
# loss, minimising log(1 − sigmoid(D(G(z)))) (the *saturating* loss of the original GAN), but early in training
# D rejects the fakes with very negative scores, where that curve is flat and G gets almost no gradient. The
# paper uses the *non-saturating* loss instead: G minimises −log sigmoid(D(G(z))), the same goal with a steep
# slope exactly there. Both −log sigmoid(s) and −log(1 − sigmoid(s)) are a softplus (log(1 + eˢ)) of ±s,
# which stays finite for any score.
#
# **Exercise 3.** G's non-saturating loss, averaged over the batch.

# %%
def g_nonsaturating_loss(fake_scores):
    """fake_scores [N, 1] = D(G(z)) -> a 0-dim tensor."""
    ### BEGIN SOLUTION
    return F.softplus(-fake_scores).mean()
    ### END SOLUTION


check_nonsaturating_g_loss(g_nonsaturating_loss)

# %% [markdown]
# **Exercise 4.** D's logistic loss, averaged over the batch.

# %%
def d_logistic_loss(real_scores, fake_scores):
    """real_scores = D(x), fake_scores = D(G(z)), both [N, 1] -> a 0-dim tensor."""
    ### BEGIN SOLUTION
    return (F.softplus(fake_scores) + F.softplus(-real_scores)).mean()
    ### END SOLUTION


check_logistic_d_loss(d_logistic_loss)

# %% [markdown]
# The two G losses as functions of the score D gives a fake (drawn with the library's losses): where D rejects
# the fakes (scores far below 0), the saturating loss is flat (slope near 0), while the non-saturating one has
# slope close to −1.

# %%
s = torch.linspace(-6, 6, 121)[:, None]
plt.figure(figsize=(5.5, 3.2))
plt.plot(s, [losses.g_logistic_nonsaturating(v) for v in s], label="non-saturating: softplus(−s)")
plt.plot(s, [-F.softplus(v).mean() for v in s], label="saturating: log(1 − sigmoid(s)) = −softplus(s)")
plt.axvline(0, color="grey", lw=0.5)
plt.xlabel("D's score s of a fake")
plt.ylabel("G's loss")
plt.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5 · R1, weighted as the official code weighs it
#
# R1 (Mescheder et al. 2018) penalises D's gradient on real images, γ/2 · E‖∇ₓD(x)‖², so D cannot put a steep
# cliff at the data; the paper uses γ = 10, and so do the toy presets (`docs/deviations.md` #14 tells why 0.1 failed). One
# detail matters while the networks grow. The official code never shows D a small image: it enlarges the
# r×r reals by nearest-neighbour upsampling to the final size, and D box-averages them back down. The gradient
# is taken with respect to that full-size image, and the box average spreads each pixel's gradient over
# f × f pixels (f = final / r) at 1/f² of its size, so the squared norm is the r×r one divided by f²
# (`docs/deviations.md` #1). Our D works on r×r images, so R1 must divide by (final / r)² to be the official
# penalty.
#
# **Exercise 5.** The R1 penalty (without γ): `reals` already requires grad and `real_scores = D(reals)`. Keep
# the graph of the gradient (`create_graph=True`), so D's update can differentiate through it.

# %%
def r1_penalty(real_scores, reals, final_resolution):
    """E ||d sum(real_scores) / d reals||^2 per image, averaged over the batch, / (final_resolution / r)^2."""
    ### BEGIN SOLUTION
    (grad,) = torch.autograd.grad(real_scores.sum(), reals, create_graph=True)
    f = final_resolution / reals.shape[-1]
    return grad.square().sum(dim=(1, 2, 3)).mean() / (f * f)
    ### END SOLUTION


check_r1_penalty_official(r1_penalty)

# %% [markdown]
# With the library's `r1_penalty`, on a `toy-32` discriminator and 8 px images, the penalty measured on the
# 8×8 images is (32 / 8)² = 16 times the official one:

# %%
_ = torch.manual_seed(1)
D32 = Discriminator("toy-32")
x8 = torch.randn(4, 3, 8, 8, requires_grad=True)
plain = losses.r1_penalty(D32(x8), x8)
official = losses.r1_penalty(D32(x8), x8, final_resolution=32)
print(f"measured on 8x8: {plain.item():.3g}, official (final 32 px): {official.item():.3g}, "
      f"ratio {plain.item() / official.item():.1f}")

# %% [markdown]
# ## 6 · The style-mixing regulariser
#
# In training, with probability 0.9 (`style_mixing_prob`) a minibatch's fakes are each drawn from *two* latents:
# the layers before a random crossover (one for the whole minibatch) take w₁ = f(z₁), the layers from the
# crossover on take w₂ = f(z₂). Then no layer can count on its neighbours having the same style, which keeps the
# levels separate (lesson 06). While growing, only the layers
# of the current resolution are in use, so the crossover is drawn among those: `G.cfg.num_layers_at(r)` of them
# at r px.
#
# **Exercise 6.** Return the styles for every layer (`[N, G.num_layers, w_dim]`). For your training step to draw
# the same random numbers as the library's, draw them with torch's global generator in this order:
# `torch.rand(())` to decide (mix when it is below `prob`), then the second latent `torch.randn_like(z)`, then
# the crossover `torch.randint(1, n, ())` with n the layers in use (at least 2).

# %%
def mixed_ws(G, z, resolution, prob):
    """z [N, latent_size] -> ws [N, num_layers, w_dim]: w = G.mapping(z) for every layer, mixed with a second
    latent's w from a random crossover on, with probability `prob`."""
    ### BEGIN SOLUTION
    ws = G.mapping(z).unsqueeze(1).repeat(1, G.num_layers, 1)
    if torch.rand(()) < prob:
        w2 = G.mapping(torch.randn_like(z))
        n = G.cfg.num_layers_at(resolution)
        crossover = int(torch.randint(1, max(n, 2), ()))
        ws[:, crossover:] = w2.unsqueeze(1)
    return ws
    ### END SOLUTION


check_mixing_regularizer(mixed_ws)

# %% [markdown]
# What D sees during training, drawn with the library's generator: rows A and B are the two latents' own faces,
# the bottom row their mix at the crossover written below (in training it is drawn at random). At crossover 1
# only style layer 0 comes from A and the mix is close to B; at crossover 6 (B from 32 px up) it keeps A's head
# shape and pose with B's lighter hair colour; at 8 (B at both 64 px layers) A's shapes stay but B's lilac
# backdrop comes in and the skin turns pale; at 9 (B only in the last layer) it is A's face with small changes.

# %%
za, zb = z_from_seeds(range(20, 26), cfg.latent_size), z_from_seeds(range(40, 46), cfg.latent_size)
crossovers = [1, 2, 4, 6, 8, 9]
with torch.no_grad():
    faces_a = G(za, noise_mode="const")
    faces_b = G(zb, noise_mode="const")
    mixes = torch.cat([G(za[i:i + 1], z_mix=zb[i:i + 1], crossover=c, noise_mode="const")
                       for i, c in enumerate(crossovers)])
grid = image_grid(torch.cat([faces_a, faces_b, mixes]), columns=6, upscale_to=128)
tile = grid.height / 3  # one row of faces, padding included
fig, ax = plt.subplots(figsize=(9, 4.8))
ax.imshow(grid)
ax.set_yticks([tile * (i + 0.5) for i in range(3)], ["A", "B", "mix"])
ax.set_xticks([grid.width / 6 * (i + 0.5) for i in range(6)], [f"crossover {c}" for c in crossovers], fontsize=8)
plt.tight_layout()
plt.show()


# %% [markdown]
# ## 7 · One training step
#
# A training step is a D step and a G step on one minibatch, at the resolution and fade-in α of the schedule.
# D step: fakes from fresh latents (with mixing), D's logistic loss on real and fake scores, plus every
# `r1_interval` steps the R1 penalty weighted by γ/2 · `r1_interval` ("lazy" R1: applied less often, weighted
# up to the same average strength; the toy presets use every 4th step, the check below every 2nd, the official
# code every step). G step: D frozen, new fakes, the non-saturating loss. The library's `Trainer.step()` does
# exactly this (plus the EMA copy of G, an exponential moving average of G's weights, and w_avg, which do not
# change the losses).
#
# **Exercise 7.** Write the step with your functions from exercises 3 to 6. The check builds two Trainers from
# the same seed on a tiny `toy-32` schedule: one runs `Trainer.step()` five times (8 px three times, then
# 16 px fading in at α = 0.25 and 0.5; R1 on steps 0, 2 and 4); for the other it prepares each minibatch as
# the Trainer does (optimisers, learning rate, seed, faded-in reals) and calls your `train_step`. Every D and G
# loss must agree within 1e-4.

# %%
def train_step(G, D, G_opt, D_opt, reals, alpha, step, cfg):
    """One minibatch, in the Trainer's order; returns (d_loss, g_loss) as floats.

    reals: faded-in real images [N, 3, r, r] at the current resolution r; alpha: the fade-in; step: the step's
    number; cfg: the TrainConfig (style_mixing_prob, r1_gamma, r1_interval).
    D step: z = torch.randn(N, G.cfg.latent_size); fakes = G.synthesis(mixed_ws(...), resolution=r, alpha=alpha)
      without gradient; D's scores (D(images, alpha=alpha)) of fakes and reals; your D loss, plus on R1 steps
      (step % cfg.r1_interval == 0) your R1 at G's final resolution times cfg.r1_gamma / 2 * cfg.r1_interval
      (the reals must require grad before D scores them); zero D's gradients, backward, D_opt.step().
    G step: D.requires_grad_(False); a new z, mixed styles, fakes, D's scores, your G loss; zero G's gradients,
      backward, G_opt.step(); D.requires_grad_(True).
    """
    ### BEGIN SOLUTION
    n, r, latent = reals.shape[0], reals.shape[-1], G.cfg.latent_size
    with torch.no_grad():
        fakes = G.synthesis(mixed_ws(G, torch.randn(n, latent), r, cfg.style_mixing_prob), resolution=r, alpha=alpha)
    fake_scores = D(fakes, alpha=alpha)
    do_r1 = cfg.r1_gamma > 0 and step % cfg.r1_interval == 0
    reals = reals.detach().requires_grad_(do_r1)
    real_scores = D(reals, alpha=alpha)
    d_loss = d_logistic_loss(real_scores, fake_scores)
    if do_r1:
        d_loss = d_loss + r1_penalty(real_scores, reals, G.cfg.resolution) * (cfg.r1_gamma / 2 * cfg.r1_interval)
    D_opt.zero_grad()
    d_loss.backward()
    D_opt.step()

    D.requires_grad_(False)
    fakes = G.synthesis(mixed_ws(G, torch.randn(n, latent), r, cfg.style_mixing_prob), resolution=r, alpha=alpha)
    g_loss = g_nonsaturating_loss(D(fakes, alpha=alpha))
    G_opt.zero_grad()
    g_loss.backward()
    G_opt.step()
    D.requires_grad_(True)
    return d_loss.item(), g_loss.item()
    ### END SOLUTION


check_assembled_training_step(train_step)

# %% [markdown]
# The library's five steps that the check compares with (rounded): R1 is computed on steps 0, 2 and 4 only,
# and step 3 is the first at 16 px, with fresh Adam optimisers for the new resolution.

# %%
# NBVAL_IGNORE_OUTPUT
# (the second decimals move from one CPU to another, Intel against AMD included: the matrix products run
# in kernels the maths library picks by processor, and GAN steps grow last-bit differences. The check
# above compared your step with the library's on this machine.)
print(" step   res  alpha  loss_D  loss_G      r1")
for k, st in enumerate(reference_steps()):
    r1 = f"{st['r1']:8.2g}" if "r1" in st else "       -"
    print(f"{k:5d} {st['resolution']:5d} {st['alpha']:6.2f} {st['loss_D']:7.2f} {st['loss_G']:7.2f} {r1}")

# %% [markdown]
# That is all of StyleGAN: your synthesis network draws the shipped faces, and your losses and step train
# exactly as the library's loop does. Lesson 11 runs that loop for real.
