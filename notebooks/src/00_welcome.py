# %% [markdown]
# # 00 · Welcome: StyleGAN, built piece by piece
#
# StyleGAN (Karras, Laine and Aila, CVPR 2019) is a generator of images, famous for photorealistic faces of
# people who do not exist, and for *control*: it can copy the pose of one face and the colouring of another,
# because it feeds its random input into the image at every resolution separately, as "styles". In this
# course you build every part of it, see what each part does, and check that your few lines compute exactly
# what the full implementation in `stylegan_edu` computes.
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
# | 09 | training your own, on a CPU or on GPUs |
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
# Make a grid of the faces for seeds 100 to 107. Use `z_from_seeds`, `G(...)` with `truncation_psi=0.7` and
# `noise_mode="const"`, then `image_grid`. Store the images (the tensor, not the picture) in `my_faces`.

# %%
with torch.no_grad():
    my_faces = G(z_from_seeds(range(100, 108), G.cfg.latent_size), truncation_psi=0.7, noise_mode="const")
image_grid(my_faces, columns=8, upscale_to=96)

# %%
def check_my_faces(images):
    if not isinstance(images, torch.Tensor) or images.shape != (8, 3, 64, 64):
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        return print(f"expected a tensor of shape (8, 3, 64, 64), got {shape}. Hint: seeds 100 to 107 are 8 seeds.")
    with torch.no_grad():
        want = G(z_from_seeds(range(100, 108), G.cfg.latent_size), truncation_psi=0.7, noise_mode="const")
    if not torch.allclose(images, want, atol=1e-5):
        return print("these are not the faces of seeds 100-107 with psi 0.7 and the constant noise")
    print("Correct: you can draw faces from the pretrained model.")


check_my_faces(my_faces)
