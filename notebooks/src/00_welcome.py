# %% [markdown]
# # 00 · Welcome: StyleGAN, built piece by piece
#
# StyleGAN (Karras, Laine and Aila, CVPR 2019) is a generator of images, famous for photorealistic faces of
# people who do not exist, and for *control*: it can copy the pose of one face and the colouring of another.
# It first maps its random input z to a latent w, then feeds w into the image at every resolution separately,
# through a learned transform per layer, as "styles"; giving the coarse layers one face's w and the fine layers
# another face's w does the copying. In this course you build every part of it, see what each part does, and
# check that your few lines compute exactly what the full implementation in `stylegan_edu` computes.
#
# | lesson | what you build |
# | --- | --- |
# | 01 | a GAN, progressive growing and fade-in |
# | 02 | nearest, bilinear and [1, 2, 1]-blur resampling |
# | 03 | the mapping network z → w, equalized learning rate |
# | 04 | AdaIN: styles as per-channel scale and shift |
# | 05 | the constant input and per-layer noise |
# | 06 | style mixing: coarse, middle and fine control (with a live demo) |
# | 07 | truncation in W |
# | 08 | metrics: FID, KID, perceptual path length, linear separability |
# | 09 | StyleGAN assembled from your pieces, with its losses and R1 |
# | 10 | editing faces along directions in W, and projecting real images into W |
# | 11 | training your own, on a CPU or on GPUs |
#
# Everything runs on a laptop CPU. Where a lesson needs a trained network it loads the one shipped with the
# course, trained on **ToyFaces**.

# %%
import torch

import stylegan_edu
from stylegan_edu import pretrained
from stylegan_edu.data import ATTRIBUTES, load_toyfaces
from stylegan_edu.generator import z_from_seeds
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
print("stylegan_edu", stylegan_edu.__version__, "| torch", torch.__version__.split("+")[0],
      "| device:", "cuda" if torch.cuda.is_available() else "cpu")

# %% [markdown]
# ## ToyFaces
#
# Real face datasets are large and come without the truth about each face. ToyFaces is drawn by a small
# program from 20 known attributes, so every lesson can check what the generator learned. The attributes come
# at three scales, like StyleGAN's styles: **coarse** (pose, head shape and position), **middle** (eyes,
# mouth, hair style, glasses) and **fine** (colours, freckles, lighting).

# %%
for scale in ("coarse", "middle", "fine"):
    print(f"{scale:>6}: " + ", ".join(a.name for a in ATTRIBUTES if a.scale == scale))

# %%
faces, attrs = load_toyfaces(n=2000, resolution=64, progress=False).batch(list(range(16)), 64)
image_grid(faces, columns=8, upscale_to=96)

# %% [markdown]
# ## The pretrained generator
#
# `pretrained.load("toyfaces-64")` returns the StyleGAN generator trained on ToyFaces (its model card is in
# `data/pretrained/MODEL_CARD.md`). Give it latents, get faces. Each seed gives one face, always the same.
# `truncation_psi=0.7` pulls each face's w part of the way towards the average w, trading variety for quality
# (lesson 07); `noise_mode="const"` reuses the random noise images stored in the model (lesson 05) instead of
# drawing new ones, so a seed always gives the same face.

# %%
G = pretrained.load("toyfaces-64")
print(f"{sum(p.numel() for p in G.parameters()):,} parameters, {G.num_layers} style layers, "
      f"{G.cfg.resolution} px")
with torch.no_grad():
    fakes = G(z_from_seeds(range(16), G.cfg.latent_size), truncation_psi=0.7, noise_mode="const")
image_grid(fakes, columns=8, upscale_to=96)

# %% [markdown]
# ## Your turn
#
# Each lesson ends with exercises. A code cell holds a function with its docstring and the line `# YOUR CODE HERE`
# above a `...`: replace those two lines with your code and run the cell; its last line runs the check (the checks
# are imported by a cell of their own, before the first exercise). The check answers in one line: **Correct**,
# **Not written yet** (with a hint), or **Not yet** and what is wrong; if your code raises an error, it shows that
# error with the hint. The checks compare with the library, so they never show the answer; nothing later in a
# lesson uses your function, so you can skip an exercise and come back. The solved copies of the lessons are in
# `notebooks/solutions/`.
#
# **Exercise 1.** Write `draw_faces(G, seeds, psi)`: the faces of the given seeds, truncated with `psi`, with
# the model's constant noise so a seed always gives the same face.

# %%
from stylegan_edu.course.lesson00 import check_draw_faces, check_lerp_latents

# %%
def draw_faces(G, seeds, psi):
    """The images (N, 3, H, W) of the faces of `seeds` (a list of N ints), truncation psi `psi`, constant noise."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        return G(z_from_seeds(seeds, G.cfg.latent_size), truncation_psi=psi, noise_mode="const")
    ### END SOLUTION


check_draw_faces(draw_faces)

# %% [markdown]
# Once it says Correct, `image_grid(draw_faces(G, range(100, 108), 0.7), columns=8, upscale_to=96)` shows
# seeds 100 to 107.
#
# **Exercise 2.** Faces change smoothly when the latent changes smoothly. Write `lerp_latents(z0, z1, steps)`:
# `steps` latents evenly spaced on the straight line from `z0` to `z1`, both ends included. The cell after the
# check walks from seed 0's face to seed 1's with the course's own copy of this function (`latent_line`), so it
# runs whether or not yours is written yet.

# %%
def lerp_latents(z0, z1, steps):
    """A (steps, D) tensor whose rows go evenly from z0 (row 0) to z1 (the last row); z0 and z1 have shape (D,)."""
    ### BEGIN SOLUTION
    t = torch.linspace(0, 1, steps)[:, None]
    return (1 - t) * z0 + t * z1
    ### END SOLUTION


check_lerp_latents(lerp_latents)

# %%
from stylegan_edu.course.lesson00 import latent_line

z0, z1 = z_from_seeds([0, 1], G.cfg.latent_size)
walk = latent_line(z0, z1, 8)  # the course's copy of lerp_latents: 8 latents from z0 to z1
with torch.no_grad():
    walk_faces = G(walk, truncation_psi=0.7, noise_mode="const")
image_grid(walk_faces, columns=8, upscale_to=96)
