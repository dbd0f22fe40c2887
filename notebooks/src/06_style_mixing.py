# %% [markdown]
# # 06 · Style mixing: coarse, middle and fine control
#
# Every synthesis layer reads its own copy of w (lesson 04). Nothing forces the copies to be equal: give the
# first layers the w of face A and the remaining layers the w of face B, and the generator paints a face that
# takes some properties from A and the rest from B. Which properties go where depends on the resolution of
# the layers:
#
# * **coarse** (4–8 px): pose, face shape, the general hair style, eyeglasses;
# * **middle** (16–32 px, on ToyFaces as in the paper): smaller facial features, the finer hair style, eyes
#   open or closed;
# * **fine** (64 px here, 64–1024 px in the paper): the colour scheme and the micro-structure.
#
# That is the split the paper's figure 3 shows; section 3 measures how far this small model follows it. The
# measurement uses the level ToyFaces tags each of its attributes with (data/README.md), and two of these tags
# differ from the paper's split: `glasses` and `hair_length` are tagged *middle*. The glasses are, because they
# barely change an 8 px thumbnail of the face (data/README.md measures how much each attribute changes one);
# the hair length is tagged middle with the other hair attributes (`bangs`, `hair_part`), although a change
# of length does show at 8 px, through the hair's outline. This lesson keeps the dataset's tags, so its
# numbers count both as middle attributes, and a coarse mix that carries them counts as a leak, although the
# paper's figure 3 shows exactly that: eyeglasses and the general hair style go with the coarse styles.
#
# During training StyleGAN switches to a second random w at a random layer for 90 % of the images ("mixing
# regularisation"), so the network cannot rely on neighbouring layers sharing one w. This lesson rebuilds
# the paper's figure 3 on the ToyFaces model, checks what each level controls with the attribute reader,
# and ends with a live demo.

# %%
import numpy as np
import torch

from stylegan_edu import pretrained
from stylegan_edu.data import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES
from stylegan_edu.demos import mixing_demo, render_mix
from stylegan_edu.generator import broadcast, truncate, z_from_seeds
from stylegan_edu.metrics.toy_features import load_toy_features, reliable_attributes
from stylegan_edu.mixing import level_label, mix_ws, mixing_figure, style_mixing_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
for lvl in ("coarse", "middle", "fine"):
    print(f"{level_label(G.cfg, lvl):>16}: style layers {G.cfg.level_layers(lvl)}")

# %% [markdown]
# ## 1 · Mixing by hand
#
# Map two seeds to w, copy w once per layer, truncate a little (ψ = 0.7, lesson 07) and replace the chosen
# layers of A by B's.

# %%
def my_mix(G, seed_a, seed_b, layers, psi=0.7):
    z = z_from_seeds([seed_a, seed_b], G.cfg.latent_size)
    ws = G.mapping(z)[:, None, :].repeat(1, G.num_layers, 1)  # [2, layers, w_dim]
    ws = truncate(ws, G.w_avg, psi, G.cfg.truncation_cutoff)
    mixed = ws[:1].clone()
    mixed[:, layers] = ws[1:, layers]
    return mixed


with torch.no_grad():
    mine = my_mix(G, 11, 22, G.cfg.level_layers("coarse"))
    z = z_from_seeds([11, 22], G.cfg.latent_size)
    ws = truncate(broadcast(G.mapping(z), G.num_layers), G.w_avg, 0.7, G.cfg.truncation_cutoff)
    torch.testing.assert_close(mine, mix_ws(ws[:1], ws[1:], G.cfg.level_layers("coarse")))
print("my_mix matches stylegan_edu.mixing.mix_ws")

# %% [markdown]
# ## 2 · The figure-3 grid
#
# Top row: the B faces (style sources). Left column: the A faces. Each cell: its row's A with one level's
# styles taken from its column's B. The title of each grid names the level, its layers and their pixels.

# %%
rows, cols = [101, 102, 103, 104], [201, 202, 203, 204, 205]
grids = {}
for level in ("coarse", "middle", "fine"):
    grids[level] = style_mixing_grid(G, rows, cols, G.cfg.level_layers(level), psi=0.7)
    display(mixing_figure(G, rows, cols, G.cfg.level_layers(level), grid=grids[level]))

# %% [markdown]
# ## 3 · Checking the levels with the attribute reader
#
# Looking is not proof. The ToyFaces feature network reads every attribute back from an image. For each
# mixed face we ask: is this attribute closer to A's value or to B's? Averaged over the grid, attributes of
# the mixed level should follow B and the others should stay with A.
#
# The reader is not equally good at every attribute, so only those it reads reliably count: the attributes
# whose high/low label it gets right on at least 80 % of held-out faces. Three fail that rule: on `smile` and
# `eye_color` it is right about as often as a coin toss, on `eye_size` only 0.77 of the time (the cell prints
# the three). The other 17 count.

# %%
reader = load_toy_features()
scales = np.array(ATTRIBUTE_SCALES)
reliable = np.isin(ATTRIBUTE_NAMES, reliable_attributes(reader, 0.8))  # right on >= 80 % of held-out faces
accuracy = reader.metrics["validation"]["accuracy"]
print(f"{reliable.sum()} of {len(ATTRIBUTE_NAMES)} attributes count; left out:",
      ", ".join(f"{a} ({accuracy[a]:.2f} right)" for a in np.array(ATTRIBUTE_NAMES)[~reliable]))


def follows_b(grid):
    g = grid.view(len(rows) + 1, len(cols) + 1, 3, 64, 64)
    with torch.no_grad():
        val = lambda x: reader.attribute_values(x.reshape(-1, 3, 64, 64)).numpy().reshape(*x.shape[:2], -1)
        a, b, m = val(g[1:, :1]), val(g[:1, 1:]), val(g[1:, 1:])
    return (np.abs(m - b) < np.abs(m - a)).mean(axis=(0, 1))  # share of cells nearer B, per attribute


share = {}  # per level mixed: the share of cells nearer B, averaged over each group of counted attributes
for level, grid in grids.items():
    per_attribute = follows_b(grid)
    share[level] = {k: per_attribute[(scales == k) & reliable].mean() for k in ("coarse", "middle", "fine")}
print(f"{'share of mixed faces nearer B':>32}   coarse attrs  middle attrs  fine attrs")
for level, s in share.items():
    print(f"{level + ' styles from B':>32}   " + "  ".join(f"{x:11.2f}" for x in s.values()))
assert share["coarse"]["coarse"] > share["coarse"]["fine"]
assert share["fine"]["fine"] > share["fine"]["coarse"]

# %% [markdown]
# How to read the table: a row is one kind of mix, a column one group of attributes, and 1.0 would mean every
# mixed face took that group from B. Coarse styles carry the coarse attributes (pose, head size and place)
# most of the time (0.85), and drag many middle ones along (0.64). Two of those the paper counts as coarse
# anyway, the hair length and the glasses (the introduction); the others, the eyes, brows, fringe and parting,
# sit on a head whose shape and pose the coarse layers decide. In the coarse grid the heads take B's hair cut
# with its pose, but keep A's colours. Coarse styles even move 0.44 of the fine attributes, though not the
# colours (the last table below takes the attributes one by one). Fine styles move 0.42 of the fine
# attributes and hardly touch the pose: in the fine grid the background follows the top row, and the shades
# of the hair and the skin partly do. Middle styles are the weakest level of this small 64 px model: the
# faces keep their row's pose, hair cut and background, only the eyes and the skin's shade change here and
# there, and the middle attributes follow B (0.22) no more often than the fine ones (0.29). The paper's
# 1024 px model has more layers per level and shows the clean order (figure 3): pose from coarse, smaller
# features from middle, colour scheme from fine.

# %% [markdown]
# The grid has only 20 mixed faces per level. The library measures the same thing over random pairs of faces
# (`stylegan_edu.levels.level_separation`, also `stylegan-edu levels --ckpt toyfaces-64`): for each level,
# `own` is the share of that level's attributes the mix took from B (ideally 1) and `leak` the share of the
# other levels' attributes it took along (ideally 0). An attribute counts only in pairs whose A and B differ
# clearly in it, and only the 17 attributes of section 3 count, those the reader gets right on at least 80 %
# of held-out faces (`smile`, `eye_color` and `eye_size` are left out; lesson 08's linear separability uses
# the same 17).

# %%
from stylegan_edu.levels import level_separation

sep = level_separation(G, reader, num_pairs=150, progress=False)
print(f"{'styles from B':<14}{'own':>6}{'leak':>6}   (150 random pairs)")
for level, r in sep["levels"].items():
    print(f"{level:<14}{r['own']:6.2f}{r['leak']:6.2f}")
print("\nthe attributes one by one: share of pairs in which each moved to B")
print(f"{'attribute (its level)':<24}" + "".join(f"{level + ' from B':>15}" for level in sep["levels"]))
for a, own_level in sep["attribute_levels"].items():
    shares = [r["per_attribute"][a] for r in sep["levels"].values()]
    print(f"{a + ' (' + own_level + ')':<24}" + "".join(f"{x:15.2f}" for x in shares))

# %% [markdown]
# Over random pairs the picture is the grid's. Coarse styles take the pose and the place almost always and the
# head's shape often, but drag about half of the other attributes along: the hair length (0.73), the brows
# (0.70), the parting (0.62), half of the glasses (the paper's figure 3 also sees eyeglasses and the general
# hair style follow the coarse styles), the freckles (0.62) and the direction of the light (0.83), which this
# model ties to the pose. The middle level is the weakest: it moves 0.28 of its own attributes, the eyes'
# opening (0.43) and the glasses (0.39) most, and even these two go with the coarse styles at least as often;
# the skin tone, a fine attribute, follows it (0.54) more often than any middle one. The fine level takes the
# background hue nearly always (0.98), the hair colour and the skin tone about half the time (0.50, 0.47), and
# leaks least (0.09). A model whose levels separate well would show `own` near 1 and `leak`
# near 0 in every row. This small model does not yet, even if the hair length and the glasses are counted as
# coarse, as in the paper: the brows, the parting, the freckles and the light still go with the coarse styles,
# and the middle styles still move little.

# %% [markdown]
# ## 4 · Live demo
#
# Choose the two seeds, which level takes B, the truncation ψ and the noise strength. Each level button says
# the pixels its layers work at; the greyed-out "layers" slider shows which style layers that level is; pick
# **layers:** to choose any layers yourself. ψ runs from 0 to 1 here (lesson 07 shows what lies beyond).
# The noise slider multiplies the noise the model was trained with: at ×1 it moves the average pixel by under
# 1 % of the colour range, too little to see on most of the face; only a few pixels around the eyes move by
# much more (set it to 0 and watch the eyes). The fourth panel shows what it changes in the mix, 10×
# amplified (black: no change). Raise it to ×5 or ×10 and the grain shows in the faces themselves. Each
# update renders four 64 px faces (A, B, the mix, and the mix without noise), a few tens of milliseconds on
# a laptop CPU. Where the notebook is only read (on GitHub), the cell shows the picture the demo drew when it was run.

# %%
mixing_demo(G, seed_a=101, seed_b=205)

# %% [markdown]
# The demo starts with seed 101 as A, seed 205 as B and the coarse styles of B: the mix takes B's turn of the
# head and its chin-length bob, where A's hair hangs longer on one side, while the lavender backdrop, the
# lighter brown of the hair and the pale skin stay A's. In the noise panel the changes sit on the outlines of
# the hair and the face and around the eyes: noise moves where edges fall, not who the person is (lesson 05).
#
# The demo is a thin wire over one pure function, `render_mix`, which you can call yourself. With the middle
# styles of the same B the mix stays close to A, as the table of section 3 predicts for this model:

# %%
render_mix(G, 101, 205, G.cfg.level_layers("middle"), psi=0.7, noise=1.0)

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Mixing regularisation (the introduction) switches from A's w to B's *at* a layer, the
# crossover: the layers before it keep A. Write `crossover_layers(num_layers, crossover)`, the list of layers
# that take B's w. The check also mixes with your layers and compares the image with the generator's own
# `G(z_a, z_mix=z_b, crossover=...)`.

# %%
from stylegan_edu.course.lesson06 import check_crossover_layers, check_mix_level

# %%
def crossover_layers(num_layers, crossover):
    """The style layers (a list of ints, ascending) that take the second w when the switch is at `crossover`."""
    ### BEGIN SOLUTION
    return list(range(crossover, num_layers))
    ### END SOLUTION


check_crossover_layers(crossover_layers)

# %% [markdown]
# **Exercise 2.** Section 1 took a level's layers from `G.cfg.level_layers`. Work them out yourself: write
# `mix_level(ws_a, ws_b, cfg, level)`, A's per-layer styles with the layers of `level` ("coarse", "middle" or
# "fine") taken from B. A layer belongs to coarse when its resolution is at most `cfg.coarse_max_res`, to
# middle when at most `cfg.middle_max_res`, otherwise to fine; `cfg.num_layers` says how many layers there
# are. The check runs it on three models: this one, the smaller toy-32 (its fine level is 32 px) and the
# paper's 1024 px model.

# %%
def mix_level(ws_a, ws_b, cfg, level):
    """ws_a, ws_b: styles [N, cfg.num_layers, w_dim]. Returns a new tensor: ws_a with the layers of `level`
    replaced by ws_b's (ws_a and ws_b themselves unchanged). Do not call cfg.level_layers."""
    ### BEGIN SOLUTION
    def level_of(layer):
        res = 2 ** (layer // 2 + 2)  # two style layers per resolution: 4, 4, 8, 8, 16, 16, ...
        return "coarse" if res <= cfg.coarse_max_res else "middle" if res <= cfg.middle_max_res else "fine"

    out = ws_a.clone()
    layers = [i for i in range(cfg.num_layers) if level_of(i) == level]
    out[:, layers] = ws_b[:, layers]
    return out
    ### END SOLUTION


check_mix_level(mix_level)

# %% [markdown]
# ## Optional · The same grids on NVIDIA's FFHQ model
#
# The paper drew figure 3 with its FFHQ model at 1024×1024, and this library can load NVIDIA's original file
# without TensorFlow: download `karras2019stylegan-ffhq-1024x1024.pkl` and convert it once, as the README's
# section "Using NVIDIA's original models" explains (`stylegan-edu convert karras2019stylegan-ffhq-1024x1024.pkl`),
# or set `STYLEGAN_EDU_FFHQ` to a converted file. The cell below draws the three grids from it when it finds the
# file (each 1024 px face takes a second or two on a CPU; the grids are shown at 256 px) and otherwise says how
# to get it.

# %%
# NBVAL_IGNORE_OUTPUT
G_ffhq = pretrained.load_ffhq()  # None (after saying where to get it) when the converted model is not here
if G_ffhq is not None:
    for level in ("coarse", "middle", "fine"):
        layers = G_ffhq.cfg.level_layers(level)
        with torch.no_grad():
            grid = style_mixing_grid(G_ffhq, [101, 102], [201, 202, 203], layers, 0.7)
        size = min(256, G_ffhq.cfg.resolution)
        small = torch.nn.functional.interpolate(grid, size=(size, size), mode="area")
        display(mixing_figure(G_ffhq, [101, 102], [201, 202, 203], layers, grid=small))  # noqa: F821 (IPython)
