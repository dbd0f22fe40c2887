# %% [markdown]
# # Assignment 4 · Style mixing and truncation on ToyFaces
#
# Every synthesis layer reads its own copy of w. Feeding different copies to different layers mixes two
# faces; pulling the copies towards the average w trades variety for typical, clean images. You will work
# on the shipped ToyFaces generator (`G`, 64 px, 10 style layers: 0–3 coarse at 4–8 px, 4–7 middle at
# 16–32 px, 8–9 fine at 64 px) and write:
#
# 1. **mixing at a crossover**: the layers before it read one w, the others another,
# 2. the **truncation trick** in W, towards `w_avg`, for the layers below a cutoff,
# 3. **truncated faces** from seeds: the whole path z → w → truncated styles → image,
# 4. **mixed faces** from two sets of seeds, coarse styles from one and the rest from the other,
# 5. an **attribute check** that reads which face a mixed face took each attribute from.
#
# Tasks 3 and 4 are graded by equality with the library and, in the hidden tests, by meaning: the ToyFaces
# attribute reader (a small network trained to read the 20 attributes of a ToyFace back from an image) must
# find the coarse attributes (pose, head size and position) of your mixed faces in the coarse source, and the
# fine ones (colours, lighting) in the other.
#
# Run the read-only setup cell first, replace each `raise NotImplementedError()` with your code and run the
# test cell below it (silent when it passes). Score the notebook with
#
#     stylegan-edu assignments check notebooks/assignments/a4_mixing_and_truncation.ipynb
#
# Lessons 06 (style mixing) and 07 (truncation) cover the background.

# %% setup id=setup
# Read-only setup: imports, seeds, the ToyFaces generator and attribute reader, and no warnings on stderr
# (the autograder fails a test cell that writes there).
import random
import warnings

import numpy as np
import torch

from stylegan_edu import pretrained
from stylegan_edu.assignments import reference
from stylegan_edu.assignments.expect import close, report
from stylegan_edu.data import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES
from stylegan_edu.generator import broadcast, mix_styles, truncate, z_from_seeds
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.mixing import mix_ws, seed_styles
from stylegan_edu.viz import image_grid

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)
_ = torch.manual_seed(0)
torch.set_grad_enabled(False)  # nothing here trains

G = pretrained.load("toyfaces-64")
reader = load_toy_features()
SCALES = np.array(ATTRIBUTE_SCALES)  # "coarse", "middle" or "fine" for each of the 20 attributes
print(f"{G.num_layers} style layers of width {G.cfg.dlatent_size}; truncation cutoff {G.cfg.truncation_cutoff}")
print("attributes:", ", ".join(f"{n} ({s})" for n, s in zip(ATTRIBUTE_NAMES, ATTRIBUTE_SCALES)))

# %% [markdown]
# ## Task 1 · Mixing at a crossover (2 points)
#
# Per-layer styles have shape `[N, L, D]` (N samples, L layers, D = width of w). Write
# `mix_at_crossover(ws1, ws2, crossover)`: a new tensor whose layers `0 … crossover − 1` come from `ws1` and
# whose layers `crossover … L − 1` come from `ws2`. Leave both inputs unchanged.

# %% solution id=mix_at_crossover_solution
def mix_at_crossover(ws1, ws2, crossover):
    ### BEGIN SOLUTION
    return torch.cat([ws1[:, :crossover], ws2[:, crossover:]], dim=1)
    ### END SOLUTION

# %% tests id=mix_at_crossover points=2
g = torch.Generator().manual_seed(1)
ws1, ws2 = torch.randn(2, 10, 8, generator=g), torch.randn(2, 10, 8, generator=g)
got, want = mix_at_crossover(ws1, ws2, 4), mix_styles(ws1, ws2, 4)
assert close(got, want, rtol=0, atol=0), report("mix_at_crossover(ws1, ws2, 4)", got, want,
                                                "layers 0-3 (below the crossover) from ws1, layers 4-9 from ws2")
### BEGIN HIDDEN TESTS
keep1, keep2 = ws1.clone(), ws2.clone()
for crossover in (0, 1, 9, 10):
    got, want = mix_at_crossover(ws1, ws2, crossover), mix_styles(ws1, ws2, crossover)
    assert close(got, want, rtol=0, atol=0), report(f"mix_at_crossover(ws1, ws2, {crossover})", got, want,
                                                    "crossover 0 takes everything from ws2, crossover L from ws1")
unchanged = bool(torch.equal(ws1, keep1) and torch.equal(ws2, keep2))
assert unchanged, report("the inputs after mixing", "changed", "unchanged",
                         "build a new tensor (torch.cat, torch.where or a clone) instead of writing into ws1")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 2 · Truncation in W (3 points)
#
# The truncation trick moves each style towards the average `w_avg` (tracked during training):
#
#     w' = w_avg + ψ · (w − w_avg)
#
# ψ = 1 changes nothing, ψ = 0 gives every sample the average. StyleGAN applies it only to the layers
# `0 … cutoff − 1` (with the official cutoff 8: the coarse and middle layers, 4–32 px, where the odd poses,
# shapes and features come from); `cutoff=None` means all layers.
# Write `truncate_w(ws, w_avg, psi, cutoff)` for `ws` `[N, L, D]` and `w_avg` `[D]`, without changing `ws`.

# %% solution id=truncate_w_solution
def truncate_w(ws, w_avg, psi, cutoff):
    ### BEGIN SOLUTION
    cutoff = ws.shape[1] if cutoff is None else cutoff
    out = ws.clone()
    out[:, :cutoff] = w_avg + psi * (ws[:, :cutoff] - w_avg)
    return out
    ### END SOLUTION

# %% tests id=truncate_w points=3
g = torch.Generator().manual_seed(2)
ws, w_avg = torch.randn(3, 10, 8, generator=g), torch.randn(8, generator=g)
want = truncate(ws, w_avg, 0.7, 4)
got = truncate_w(ws, w_avg, 0.7, 4)
assert close(got, want), report("truncate_w(ws, w_avg, psi=0.7, cutoff=4)", got, want,
                                "only layers 0-3 move, towards w_avg (not towards 0): w_avg + psi * (w - w_avg)")
### BEGIN HIDDEN TESTS
keep = ws.clone()
for psi, cutoff in [(0.7, None), (0.0, 8), (1.0, 10), (-0.5, 2)]:
    got, want = truncate_w(ws, w_avg, psi, cutoff), truncate(ws, w_avg, psi, cutoff)
    assert close(got, want), report(f"truncate_w(ws, w_avg, psi={psi}, cutoff={cutoff})", got, want,
                                    "cutoff=None truncates every layer; psi may be 0 or negative")
assert torch.equal(ws, keep), report("ws after truncate_w", "changed", "unchanged", "work on a copy")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 3 · Truncated faces (3 points)
#
# Put the path together. For each seed take the latent `z_from_seeds(seeds, G.cfg.latent_size)` (one z per seed,
# the same on every machine), map it with `G.mapping`, copy w to every layer (`broadcast(w, G.num_layers)`),
# truncate **in W** towards `G.w_avg` with `psi` and `cutoff` (use the library's `truncate`, so a slip in task 2
# does not cost you twice), and render with `G.synthesis(ws, noise_mode="const")` (the stored noise, so a seed
# always gives the same face). Write `truncated_faces(G, seeds, psi, cutoff)` returning images `[N, 3, 64, 64]`.

# %% solution id=truncated_faces_solution
def truncated_faces(G, seeds, psi, cutoff):
    ### BEGIN SOLUTION
    w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
    ws = truncate(broadcast(w, G.num_layers), G.w_avg, psi, cutoff)
    return G.synthesis(ws, noise_mode="const")
    ### END SOLUTION

# %% tests id=truncated_faces points=3
got, want = truncated_faces(G, [1, 2, 3], 0.6, 8), reference.truncated_faces(G, [1, 2, 3], 0.6, 8)
assert close(got, want, rtol=1e-4, atol=1e-4), report(
    "truncated_faces(G, [1, 2, 3], psi=0.6, cutoff=8)", got, want,
    "truncate w = G.mapping(z) towards G.w_avg, not z; use noise_mode='const'")
### BEGIN HIDDEN TESTS
got = truncated_faces(G, [7], 0.5, 4)
want = G(z_from_seeds([7], G.cfg.latent_size), truncation_psi=0.5, truncation_cutoff=4, noise_mode="const")
assert close(got, want, rtol=1e-4, atol=1e-4), report("truncated_faces(G, [7], psi=0.5, cutoff=4)", got, want,
                                                      "pass the cutoff on")
# by meaning: with psi = 0 on every layer all seeds give the same, average face
faces = truncated_faces(G, [11, 12, 13, 14], 0.0, G.num_layers)
spread = (faces - faces[:1]).abs().max().item()
assert spread < 1e-3, report("the largest difference between faces at psi=0 on all layers", spread, 0.0,
                             "psi = 0 must put every sample at G.w_avg (the average of W), whatever its z")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 4 · Mixed faces (3 points)
#
# Write `mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7)`. For two equally long lists of seeds,
# compute the styles of both lists as in task 3 but with the model's own cutoff (`G.cfg.truncation_cutoff`),
# then give face i the styles of `seeds_coarse[i]` in the layers below `crossover` and those of `seeds_fine[i]`
# in the others (the library's `mix_styles` does that step), and render with the stored noise. With the default
# crossover 4, the coarse layers (4–8 px) come from the first list and everything from 16 px up from the second.

# %% solution id=mixed_faces_solution
def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7):
    ### BEGIN SOLUTION
    def styles(seeds):
        w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
        return truncate(broadcast(w, G.num_layers), G.w_avg, psi, G.cfg.truncation_cutoff)

    ws = mix_styles(styles(seeds_coarse), styles(seeds_fine), crossover)
    return G.synthesis(ws, noise_mode="const")
    ### END SOLUTION

# %% tests id=mixed_faces points=3
got = mixed_faces(G, [101, 102, 103], [201, 202, 203])
want = reference.mixed_faces(G, [101, 102, 103], [201, 202, 203])
assert close(got, want, rtol=1e-4, atol=1e-4), report(
    "mixed_faces(G, [101, 102, 103], [201, 202, 203])", got, want,
    "layers below the crossover from seeds_coarse; truncate both with psi and G.cfg.truncation_cutoff")
### BEGIN HIDDEN TESTS
got = mixed_faces(G, [5, 6], [8, 9], crossover=8, psi=0.5)
want = G.synthesis(mix_styles(seed_styles(G, [5, 6], 0.5), seed_styles(G, [8, 9], 0.5), 8), noise_mode="const")
assert close(got, want, rtol=1e-4, atol=1e-4), report("mixed_faces(G, [5, 6], [8, 9], crossover=8, psi=0.5)", got,
                                                      want, "use the crossover and psi arguments")
# by meaning: read the 20 attributes of the mixed faces and of both sources with the ToyFaces reader
coarse_seeds, fine_seeds = list(range(300, 312)), list(range(400, 412))
mixed = reader.attribute_values(mixed_faces(G, coarse_seeds, fine_seeds)).numpy()
from_coarse = reader.attribute_values(G.synthesis(seed_styles(G, coarse_seeds, 0.7), noise_mode="const")).numpy()
from_fine = reader.attribute_values(G.synthesis(seed_styles(G, fine_seeds, 0.7), noise_mode="const")).numpy()
to_coarse, to_fine = np.abs(mixed - from_coarse).mean(axis=0), np.abs(mixed - from_fine).mean(axis=0)
for level, source in [("coarse", "coarse"), ("fine", "fine")]:
    near_coarse = to_coarse[SCALES == level].mean() < to_fine[SCALES == level].mean()
    assert near_coarse == (source == "coarse"), report(
        f"the source nearest to the {level} attributes of your mixed faces", "the other source", f"the {source} source",
        "the coarse layers (below the crossover) must come from seeds_coarse, the others from seeds_fine")
### END HIDDEN TESTS

# %% [markdown]
# Your mixes, once task 4 works: the top row gives the coarse styles, the middle row the rest.

# %%
try:
    pictures = torch.cat([G.synthesis(seed_styles(G, [101, 102, 103, 104], 0.7), noise_mode="const"),
                          G.synthesis(seed_styles(G, [201, 202, 203, 204], 0.7), noise_mode="const"),
                          mixed_faces(G, [101, 102, 103, 104], [201, 202, 203, 204])])
    display(image_grid(pictures, columns=4, upscale_to=96))  # noqa: F821 (IPython)
except NotImplementedError:
    print("Task 4 is not done yet: your mixed faces will appear here.")

# %% [markdown]
# ## Task 5 · Reading where each attribute came from (2 points)
#
# Looking at pictures is not proof; the hidden tests of task 4 check mixes by reading attributes. Write that
# check: `attribute_distances(reader, mixed, faces_a, faces_b)` takes three batches of N images each (mixed
# face i made from faces_a[i] and faces_b[i]), reads the 20 standardised attribute values of every image with
# `reader.attribute_values(images)` (`[N, 20]`), and returns the pair `(to_a, to_b)` of numpy arrays of shape
# `[20]`: for each attribute, the mean over the N faces of the absolute difference between the mixed face's
# value and face a's (`to_a`) or face b's (`to_b`). An attribute that follows face b has `to_b < to_a`.

# %% solution id=attribute_distances_solution
def attribute_distances(reader, mixed, faces_a, faces_b):
    ### BEGIN SOLUTION
    v_mixed, v_a, v_b = (reader.attribute_values(x).numpy() for x in (mixed, faces_a, faces_b))
    return np.abs(v_mixed - v_a).mean(axis=0), np.abs(v_mixed - v_b).mean(axis=0)
    ### END SOLUTION

# %% tests id=attribute_distances points=2
# A coarse-level mix made by the library: face a with the coarse styles (layers 0-3) of face b.
ws_a, ws_b = seed_styles(G, list(range(500, 508)), 0.7), seed_styles(G, list(range(600, 608)), 0.7)
faces_a, faces_b = G.synthesis(ws_a, noise_mode="const"), G.synthesis(ws_b, noise_mode="const")
mixed = G.synthesis(mix_ws(ws_a, ws_b, G.cfg.level_layers("coarse")), noise_mode="const")
got = attribute_distances(reader, mixed, faces_a, faces_b)
want = reference.attribute_distances(reader, mixed, faces_a, faces_b)
assert close(got, want, rtol=1e-4, atol=1e-5), report(
    "attribute_distances(reader, mixed, faces_a, faces_b)", got, want,
    "attribute_values (not probabilities); mean over the faces of |mixed - a| and of |mixed - b|, in that order")
### BEGIN HIDDEN TESTS
to_a, to_b = got
# on average over the coarse attributes (single ones, e.g. the face's width, are partly drawn by later layers)
coarse_follow_b = bool(to_b[SCALES == "coarse"].mean() < to_a[SCALES == "coarse"].mean())
assert coarse_follow_b, report("the source nearest to the coarse attributes of a coarse mix, on average", "face a",
                               "face b", "to_a and to_b are mean absolute differences per attribute")
got = attribute_distances(reader, faces_a[:3], faces_a[:3], faces_b[:3])
assert close(got[0], np.zeros(20), atol=1e-6), report("to_a when the mixed faces ARE faces a", got[0],
                                                      np.zeros(20), "compare the mixed faces with faces_a for to_a")
### END HIDDEN TESTS

# %% [markdown]
# ## Written answer (3 points)
#
# Truncation could also be done in Z, by shrinking z towards 0 before mapping. Why does StyleGAN truncate in
# W, and why only in the layers below the cutoff (with cutoff 8, the coarse and middle layers)?

# %% [markdown] answer id=why_truncate_w points=3
# *Model answer.* Shrinking z towards the origin of a Gaussian only moves it towards the most likely *latent*,
# but the mapping is nonlinear, so **the image of the origin of Z need not be a typical face**, and regions
# that the generator renders badly are not the ones far from the origin of Z. W is shaped by the mapping to
# follow the data, so **its mean `w_avg` is close to an average, well-rendered face**, and moving towards it
# removes the rare, badly learned extremes. Scaling z would not even do anything here: the mapping network starts
# with pixel norm, which divides every z by its root mean square, so **ψ·z maps to the same w as z for every ψ > 0** (lesson 07
# shows the faces unchanged); truncation in Z would have to move z along the sphere instead. The cutoff keeps truncation to the coarse and middle layers
# (0–7, 4–32 px), where the unusual poses, shapes, layouts and features come from; **the fine layers keep their
# full range**, so colours and details do not all become the same.
