# %% [markdown]
# # 06 · Style mixing: coarse, middle and fine control
#
# Every synthesis layer reads its own copy of w (lesson 04). Nothing forces the copies to be equal: give the
# first layers the w of face A and the remaining layers the w of face B, and the generator paints a face that
# takes some properties from A and the rest from B. Which properties go where depends on the resolution of
# the layers:
#
# * **coarse** (4–8 px): pose, head shape and position, the overall layout;
# * **middle** (16–32 px, on ToyFaces as in the paper): features such as hair style, eyes, glasses;
# * **fine** (64 px here, 64–1024 px in the paper): colours and small details.
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
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.mixing import mix_ws, style_mixing_grid
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
print("style layers per level:", {lvl: G.cfg.level_layers(lvl) for lvl in ("coarse", "middle", "fine")})

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
# Top row: the B faces (style sources). Left column: the A faces. Each cell: A with one level taken from B.

# %%
rows, cols = [101, 102, 103, 104], [201, 202, 203, 204, 205]
grids = {}
for level in ("coarse", "middle", "fine"):
    grids[level] = style_mixing_grid(G, rows, cols, G.cfg.level_layers(level), psi=0.7)
    print(f"{level} styles from the top row")
    display(image_grid(grids[level], columns=len(cols) + 1, upscale_to=96))

# %% [markdown]
# ## 3 · Checking the levels with the attribute reader
#
# Looking is not proof. The ToyFaces feature network reads every attribute back from an image. For each
# mixed face we ask: is this attribute closer to A's value or to B's? Averaged over the grid, attributes of
# the mixed level should follow B and the others should stay with A.

# %%
reader = load_toy_features()
scales = np.array(ATTRIBUTE_SCALES)


def follows_b(grid):
    g = grid.view(len(rows) + 1, len(cols) + 1, 3, 64, 64)
    with torch.no_grad():
        val = lambda x: reader.attribute_values(x.reshape(-1, 3, 64, 64)).numpy().reshape(*x.shape[:2], -1)
        a, b, m = val(g[1:, :1]), val(g[:1, 1:]), val(g[1:, 1:])
    return (np.abs(m - b) < np.abs(m - a)).mean(axis=(0, 1))  # share of cells nearer B, per attribute


share = {level: follows_b(grids[level]) for level in grids}
print(f"{'share of mixed faces nearer B':>32}   coarse attrs  middle attrs  fine attrs")
for level, s in share.items():
    print(f"{level + ' styles from B':>32}   " + "  ".join(f"{s[scales == k].mean():11.2f}"
                                                           for k in ("coarse", "middle", "fine")))
assert share["coarse"][scales == "coarse"].mean() > share["coarse"][scales == "fine"].mean()
assert share["fine"][scales == "fine"].mean() > share["fine"][scales == "coarse"].mean()

# %% [markdown]
# How to read the table: a row is one kind of mix, a column one group of attributes, and 1.0 would mean every
# mixed face took that group from B. Coarse styles carry the coarse attributes (pose, head size and place)
# almost every time, and drag many middle ones along, since eyes and hair sit on a head whose shape and pose
# the coarse layers decide. Fine styles move 0.44 of the fine attributes and hardly touch the pose: in the
# fine grid the background and the shade of the hair follow the top row, but not every colour goes with them
# (the last table below takes them one by one). Middle styles are the weakest level of this small 64 px
# model: they move some middle attributes but far from all. The paper's 1024 px model has more layers per level and shows the same order (figure 3): pose from coarse, smaller
# features from middle, colour scheme from fine.

# %% [markdown]
# The grid has only 20 mixed faces per level. The library measures the same thing over random pairs of faces
# (`stylegan_edu.levels.level_separation`, also `stylegan-edu levels --ckpt toyfaces-64`): for each level,
# `own` is the share of that level's attributes the mix took from B (ideally 1) and `leak` the share of the
# other levels' attributes it took along (ideally 0). An attribute counts only in pairs whose A and B differ
# clearly in it.

# %%
from stylegan_edu.levels import level_separation

sep = level_separation(G, reader, num_pairs=150, progress=False)
print(f"{'styles from B':<14}{'own':>6}{'leak':>6}   (150 random pairs)")
for level, r in sep["levels"].items():
    print(f"{level:<14}{r['own']:6.2f}{r['leak']:6.2f}")
print("\nthe fine attributes one by one: share of pairs in which each moved to B")
print(f"{'styles from B':<14}" + "".join(f"{a:>16}" for a in ("skin_tone", "hair_color", "background_hue")))
for level, r in sep["levels"].items():
    print(f"{level:<14}" + "".join(f"{r['per_attribute'][a]:16.2f}" for a in ("skin_tone", "hair_color", "background_hue")))

# %% [markdown]
# Over random pairs the picture is the grid's: coarse styles take almost all coarse attributes but drag about
# half of the others along (hair length and parting follow them), the middle level moves under a fifth of its
# own attributes, and the fine level under half. The colours split: the background hue (0.90) and mostly the
# hair colour (0.71) follow the fine styles, but the skin tone does not (0.24): it follows the middle styles
# (0.65), in the 16–32 px layers. A model whose levels separate well would show `own` near 1 and `leak` near 0
# in every row; this small model does not yet.

# %% [markdown]
# ## 4 · Live demo
#
# Choose the two seeds, which level takes B, the truncation ψ and the noise strength. The greyed-out
# "layers" slider shows which style layers the chosen level is; pick **range** to choose any layers yourself.
# The picture shows A, B and the mix. Each update renders three 64 px faces, a few tens of milliseconds on a
# laptop CPU.

# %%
mixing_demo(G, seed_a=101, seed_b=201)

# %% [markdown]
# The demo is a thin wire over one pure function, `render_mix`, which you can call yourself:

# %%
render_mix(G, 101, 201, G.cfg.level_layers("middle"), psi=0.7, noise=1.0)

# %% [markdown]
# ## Your turn
#
# Write `crossover_layers(num_layers, crossover)`: the layers that take B's w when mixing regularisation
# switches from A to B *at* layer `crossover` (layers before it keep A). Then check that mixing with them
# equals the generator's own `G(z_a, z_mix=z_b, crossover=...)`.

# %%
def crossover_layers(num_layers, crossover):
    return list(range(crossover, num_layers))


# %%
def check_crossover_layers(fn):
    for n, c in ((10, 4), (8, 0), (10, 10)):
        got, want = list(fn(n, c)), list(range(c, n))
        if got != want:
            hint = "off by one: layer `crossover` itself already takes B" if got == list(range(c + 1, n)) else \
                "the layers from `crossover` up to the last one"
            return print(f"num_layers={n}, crossover={c}: expected {want}, got {got}. Hint: {hint}.")
    z = z_from_seeds([5, 6], G.cfg.latent_size)
    with torch.no_grad():
        ws = broadcast(G.mapping(z), G.num_layers)
        mine = G.synthesis(mix_ws(ws[:1], ws[1:], fn(G.num_layers, 4)), noise_mode="const")
        theirs = G(z[:1], z_mix=z[1:], crossover=4, noise_mode="const")
    if not torch.allclose(mine, theirs, atol=1e-5):
        return print("the layers look right but the image differs from G(z, z_mix=..., crossover=4)")
    print("Correct: the crossover of mixing regularisation.")


check_crossover_layers(crossover_layers)
