# %% [markdown]
# # 10 · Editing in W and projecting images
#
# A trained StyleGAN draws faces; this lesson steers them. Give a face glasses, turn its head, change its hair
# colour, first on faces the generator drew itself and then on a face it has never seen.
#
# **Why edit in W and not in Z?** z is drawn from a fixed round Gaussian, but the faces are not spread like
# that: some combinations of attributes are common, some rare, some missing from the data. To cover the round
# Z with exactly the faces the data holds, the generator has to bend Z, and then the border between "glasses"
# and "no glasses" in Z is a curved surface, and a straight step through Z changes other things on the way.
# The mapping network lifts that constraint (paper §4): w = f(z) may have any distribution, so W can be laid
# out however suits the synthesis network, and the paper argues that the layout easiest to draw from is one in
# which each factor of variation runs along a straight line. It measures this with perceptual path length and
# linear separability, and W wins both (lesson 08 measured the separability on ToyFaces: far better in W).
#
# **InterFaceGAN** (Shen et al., 2020) turns linear separability into a tool. If a hyperplane in W separates
# the faces with glasses from those without, then the plane's unit normal n is the direction of "more
# glasses", and the signed distance of a w to the plane says how far the face is from wearing them. An edit
# is a step along n: w' = w + s·n. And to edit a real photograph, first find a w that redraws it (projection,
# or GAN inversion), then edit that w.
#
# This lesson: (1) find the directions with a linear SVM on the w of generated faces that the ToyFaces attribute
# reader has labelled, (2) edit along them on all layers or one level, measured with the reader, (3) condition
# an edit so that other attributes stay, (4) project unseen ToyFaces into W and W+, (5) give one of them glasses,
# (6) a live demo.

# %%
import numpy as np
import torch
from sklearn.svm import LinearSVC

from stylegan_edu import pretrained
from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES, ATTRIBUTE_SCALES, render_seed
from stylegan_edu.editing import (Directions, edit, edit_figure, editable_attributes, fit_normals,
                                  format_table, measure_editing, read_samples, seed_ws)
from stylegan_edu.editing_demo import editing_demo, render_edit
from stylegan_edu.metrics.toy_features import load_toy_features
from stylegan_edu.mixing import label_grid
from stylegan_edu.projection import project, psnr
from stylegan_edu.viz import image_grid

# One thread: every number below is then the same on any machine (a sum split over several threads is added
# in a different order), and on a laptop that is busy with other work one thread is also the faster choice.
torch.set_num_threads(1)
_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
reader = load_toy_features()
print(f"W has {G.w_avg.numel()} dimensions; {G.num_layers} style layers")

# %% [markdown]
# ## 1 · Directions: a linear SVM on w
#
# Draw 1000 faces (z from seed 0, no truncation), keep each w, and let the attribute reader of lesson 08 say
# how likely each face is to be "high" in each of the 20 attributes (glasses on, head turned right, dark skin,
# ...). For one attribute: keep the half of the faces the reader is surest about, label them p > 0.5, and
# fit a linear SVM that predicts the label from w. Its weight vector, scaled to length 1, is the normal n.
#
# Two choices differ from the separability metric of lesson 08, and both matter for editing: w is centred
# (its mean subtracted) and the SVM is regularised more strongly (C = 0.01 instead of 1). A weakly regularised
# SVM insists on separating every training face, and with 500 faces in 128 dimensions it can, by leaning on
# directions in which W hardly varies at all; a step along such a normal changes little in the image.
# Rendering and reading the 1000 faces takes about ten seconds.

# %%
ws, probs, _ = read_samples(G, reader, num_samples=1000, seed=0)  # w [1000, 128], probabilities [1000, 20]
g = ATTRIBUTE_NAMES.index("glasses")
p = probs[:, g].numpy()
keep = np.argsort(np.abs(p - 0.5), kind="stable")[500:]  # the most confident half
x = (ws.double() - ws.double().mean(0)).numpy()
svm = LinearSVC(C=0.01, random_state=0).fit(x[keep], p[keep] > 0.5)
n_glasses = torch.from_numpy(svm.coef_[0] / np.linalg.norm(svm.coef_[0])).float()

normals, intercepts, entropies = fit_normals(ws, probs, ATTRIBUTE_NAMES)  # the library: every attribute at once
torch.testing.assert_close(n_glasses, normals[g], atol=1e-5, rtol=0)
print(f"{(p > 0.5).mean():.0%} of the 1000 faces wear glasses for the reader; |n| = {float(n_glasses.norm()):.3f}")
print("my glasses normal matches stylegan_edu.editing.fit_normals")

# %% [markdown]
# Which attributes does a plane in W separate? For each attribute: the accuracy of its plane on the confident
# half it was fitted on, and the label's remaining uncertainty H(label | side of the plane) in bits (0: the
# side tells everything, 1: it tells nothing), the per-attribute term of lesson 08's separability score. The
# last column says whether the reader itself is reliable for the attribute (at least 80 % right on real
# ToyFaces); only those can be edited and measured.

# %%
editable = editable_attributes(reader)
print(f"{'attribute':<16}{'level':<8}{'accuracy':>9}{'H bits':>8}  reader reliable")
for k, (name, level) in enumerate(zip(ATTRIBUTE_NAMES, ATTRIBUTE_SCALES)):
    pk = probs[:, k].numpy()
    conf = np.argsort(np.abs(pk - 0.5), kind="stable")[500:]
    side = (ws[conf] @ normals[k] + intercepts[k] > 0).numpy()
    accuracy = (side == (pk[conf] > 0.5)).mean()
    print(f"{name:<16}{level:<8}{accuracy:9.2f}{entropies[name]:8.2f}  {'yes' if name in editable else 'no'}")

# %% [markdown]
# A plane in W separates most attributes well: the skin, hair and background colours, the head's horizontal
# position, its turn and size, and the hair length almost perfectly (0.99–1.00), the head's tilt, width and
# vertical position, glasses and bangs about nine times in ten, and how open the eyes are, the brows, the hair
# parting, the light and the freckles worst, about three or four times in five (0.74–0.81). A plane is only
# as good as its labels, though: eye_size separates well, but the reader cannot tell eye sizes apart reliably,
# so that plane divides the reader's guesses rather than the eyes. eye_size, smile and eye_color are left out
# from here on.
#
# The editable attributes' normals, with what the strength of an edit is measured in: the spread of the sampled
# w along a direction (their standard deviation along n). Strength 1 moves a face by one standard deviation of
# W along n, whatever the direction. `stylegan_edu.editing.find_directions(G, reader)` does all of this in one
# call, and `cached_directions` keeps the result on disk.

# %%
cols = [ATTRIBUTE_NAMES.index(a) for a in editable]
dirs = Directions(editable, normals[cols], intercepts[cols], torch.cov(ws.double().T).float(),
                  {a: entropies[a] for a in editable}, num_samples=1000, seed=0)
print(f"{len(dirs.names)} editable attributes; glasses: one strength unit = {dirs.scale(dirs.normal('glasses')):.2f} "
      f"(|w - w_avg| of a sampled face is {float((ws - G.w_avg).norm(dim=1).mean()):.2f} on average)")

# %% [markdown]
# ## 2 · Editing along a direction, on all layers or on one level
#
# Each style layer reads its own copy of w (lessons 04 and 06), so an edit can move every copy or only those of
# one level: for each strength s, the chosen layers get w + s·v and the others keep w, where v is n times one
# strength unit (`Directions.vector`). The grid: a row per face (seeds 1-5, ψ = 0.7), a column per strength;
# above each column, the mean probability that the reader sees glasses. First on every layer, then only on
# the middle layers (16–32 px), where lesson 06 placed glasses.

# %%
seeds = [1, 2, 3, 4, 5]
display(edit_figure(G, dirs, seeds, "glasses", reader=reader))  # noqa: F821 (IPython)
display(edit_figure(G, dirs, seeds, "glasses", layers="middle", reader=reader))  # noqa: F821

# %% [markdown]
# On every layer the reader's mean glasses probability rises from 0.01 at −3 to 0.69 at +3, but much else
# moves with it: the faces grow narrower, and the tilted heads of seeds 3 and 5 straighten up, seed 5's hair
# changing its shape with them. On the middle layers alone the heads and the hair stay where they were; the
# changes sit around the eyes, and the skin darkens a shade. The probability still climbs, from 0.00 to 0.57.
# (At 64 px this model draws glasses as a few dark pixels round the eyes, in its own samples too, so trust the
# reader more than your eyes here.)
#
# Looking is not measuring. `measure_editing` edits a dozen other faces (seed 1, ψ = 0.7) from −3 to +3 along
# three directions, one per level of the ToyFaces attributes (glasses: middle; pos_x, the head's horizontal
# position: coarse; hair colour: fine), and reads every editable attribute back. The first columns of its
# table: does the attribute read back rise with the strength (`spearman`, 1 = always), how much of its range
# the edit covers (`reached`), and how much the *other* attributes move on average (`others`), with the one
# that moves most. Twelve faces are few, so the numbers are rough (the library's benchmark uses 200).

# %%
three = ["glasses", "pos_x", "hair_color"]
m_all = measure_editing(G, reader, dirs, num_faces=12, attributes=three)
print(format_table(m_all))
m_mid = measure_editing(G, reader, dirs, num_faces=12, attributes=three, layers="middle")
print("\nthe same edits on the middle layers only")
print(f"{'attribute':<15}{'spearman':>9}{'reached':>8}{'others':>7}  worst other")
for name, e in m_mid["attributes"].items():
    print(f"{name:<15}{e['spearman']:>9.2f}{e['reached']:>8.2f}{e['others_mean']:>7.2f}  "
          f"{e['others_worst']} {e['others_worst_moved']:.2f}")

# %% [markdown]
# On every layer each attribute follows its direction (spearman 0.85 for glasses, 0.96 for pos_x, 1.00 for hair
# colour), and the edits cover from 0.66 of the glasses range to more than the whole hair-colour range (above 1
# where the reader's values run past the range it was trained on). But the other attributes move about a quarter
# of their range on average (`others` 0.23–0.28), and one of them, the width of the face, about half of its range
# with each of the three edits. On the middle layers alone glasses still rises on most faces (0.91), over about
# half as much of its range (0.37), while the others move far less (0.10 on average, skin tone most, 0.23): the
# generator keeps part of the glasses in its middle layers, and editing only there spares most of the rest. The
# other part sits in the coarse layers: the same measurement on the coarse layers alone (`layers="coarse"`,
# measured for this text) covers about as much of the range (0.33). The head's position does not move at all on
# the middle layers (0.00: it lives in the coarse ones), and hair colour a third as far as on every layer (it
# lives mostly in the fine ones).
#
# Is a quarter of the range the model's fault or the reader's? Part of it is how far ±3 sd goes: it pushes hair
# colour past its whole range. The library's benchmark (`benchmarks/editing_table.py --half-range --floor`,
# 200 faces, docs/benchmarks.md) also sizes each edit to cover exactly half its attribute's range: the others then
# move 0.12–0.35 of theirs on average, and 0.15 or less for five of the seventeen attributes. And it shows the
# reader real ToyFaces redrawn with one attribute changed and nothing else: the reader then moves the others by
# only 0.01–0.05. So most of what moves along is really in the pictures: this model's W carries it along.

# %% [markdown]
# ## 3 · Conditional editing: change one attribute, hold another
#
# The normals are not orthogonal to each other. Their cosines show which attributes W keeps close together:

# %%
cos = dirs.normals @ dirs.normals.T
for name in three:
    i = dirs.index(name)
    near = sorted((j for j in range(len(dirs.names)) if j != i), key=lambda j: -abs(float(cos[i, j])))[:3]
    print(f"{name:<11} " + ", ".join(f"{dirs.names[j]} {float(cos[i, j]):+.2f}" for j in near))

# %% [markdown]
# A step along n_pos_x therefore also moves a face towards or away from every plane whose normal has a cosine
# with it. InterFaceGAN's conditional manipulation removes that: take from n_A its components along the
# normals of the attributes that must stay, n_B, n_C, ..., and scale what is left back to length 1. The new
# direction is orthogonal to n_B and n_C, so a step along it leaves the faces' signed distances to those
# planes unchanged. (You write this projection in exercise 2; the rows n_B, n_C, ... are not orthogonal to
# each other, which is the catch.)
#
# The table above already measured it: for each attribute, `held` is the other attribute that moved most,
# `moved` how much it moved without and `-> cond.` with conditioning on it, and the last `reached` how much
# of the edited attribute's own range the conditioned edit still covers. Here is pos_x, plain and conditioned
# on its worst companion:

# %%
held = m_all["attributes"]["pos_x"]["conditional"]["held"]
print(f"pos_x conditioned on {', '.join(held)}: cosine with the plain pos_x direction "
      f"{float(dirs.normal('pos_x', held) @ dirs.normal('pos_x')):.2f}")
display(edit_figure(G, dirs, seeds, "pos_x", reader=reader))  # noqa: F821
display(edit_figure(G, dirs, seeds, "pos_x", condition=held, reader=reader))  # noqa: F821

# %% [markdown]
# Removing face width's part turns the direction only a little (cosine 0.97), and at first sight the two grids
# look alike: in both the head moves to the right (the reader's p from 0.00 to 1.00) and the hair darkens. Look at
# the width of the faces, though. In the plain grid the faces grow narrower as the head moves, seeds 3 and 5 most;
# conditioned on face width, those two keep more of their width (though seeds 2 and 4 now grow a little rounder
# instead). The table counts it: face width moved 0.49 of its range without conditioning and 0.29 with, while
# pos_x still covered almost its whole range (0.97 and 0.96).
#
# Conditioning has its costs. Holding one attribute can push another further: face width's normal leans
# against hair colour's (cosine −0.51, in the hair_color row above), so the part taken out of n_pos_x also
# carried some hair colour the other way, and the hair changes more in the conditioned grid than in the plain
# one, lighter at −3 and darker at +3. And the edit itself can lose ground: the glasses and
# hair-colour edits also move face width most, and holding it works there too (0.56 → 0.20 and 0.57 → 0.24),
# but the conditioned glasses edit covers only 0.42 of its range instead of 0.66. The projection removes only
# the part of the coupling that is linear in W; when the reader's idea of an attribute depends on w along a
# curve, or when two attributes are drawn with the same pixels, no straight direction changes one without
# the other.
#
# Holding every other attribute at once (`stylegan-edu edit --condition others`) shows where that ends. On the
# library benchmark's 200 faces (docs/benchmarks.md) the glasses direction then has almost nothing left: at
# ±3 sd it covers 0.08 of its range, against 0.51 for the plain direction on the same faces. Where an edit
# still reaches half its range, the others move 0.11–0.16 of theirs instead of 0.12–0.19, hardly less, because
# most of that movement differs from face to face, and one direction shared by all faces cannot take it out.

# %% [markdown]
# ## 4 · Projecting a real face into W
#
# To edit a face the generator did not draw, find its w first. Projection is an optimisation: start from the
# average w, render, compare with the target, and let Adam move w (and the per-layer noise maps) to make the
# rendering closer (`stylegan_edu.projection.project`, the projector of StyleGAN2, with one addition of ours:
# the loss is a perceptual distance between feature maps plus the pixel error, where StyleGAN2 uses the
# perceptual distance alone, with its regulariser of the noise maps). On photographs the feature maps would be
# LPIPS's (VGG16, lesson 08); here they are the ToyFaces reader's, passed in explicitly so that every machine
# computes the same. Early steps jitter w with noise so that the search does not settle in the first dip, and
# the noise maps are pushed towards white noise so that they cannot paint the face themselves.
#
# The targets are two ToyFaces the model never saw (it trained on faces 0 to 29,999): face 100001, which wears
# glasses, and face 100003, which does not. Each is projected twice, into W (one w for every layer) and into
# W+ (one w per layer: 10 times as many numbers to fit, but the result may leave the region of W the
# generator was trained on). 150 steps each, about ten seconds per space for both faces. How close each
# rendering comes is given as PSNR (peak signal-to-noise ratio, in dB), a measure of pixel closeness: higher is
# closer, and +3 dB halves the mean squared error.

# %%
# NBVAL_IGNORE_OUTPUT
# (the numbers this cell prints move in their last digit from one CPU to another, Intel against AMD
# included: the matrix products run in kernels the maths library picks by processor, and 150 steps of
# optimisation grow last-bit differences. The text quotes the run stored here; the asserts check what it
# says on every CPU.)
faces = [100001, 100003]
pics, truth = zip(*(render_seed(s, G.cfg.resolution) for s in faces))
target = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2).float() / 127.5 - 1  # [2, 3, 64, 64] in [-1, 1]
true = np.stack(truth)
# oneDNN, which runs PyTorch's CPU convolutions, picks its kernels by the CPU's instruction set (AVX2, AVX-512),
# and their results differ in the last bits; 150 steps of optimisation grow that into differences you would see
# in the numbers below. Without it, PyTorch's own kernels run, and the projection comes out the same on both.
torch.backends.mkldnn.enabled = False
try:
    proj = {space: project(G, target, space=space, distance=reader.distance, progress=False) for space in ("w", "w+")}
finally:
    torch.backends.mkldnn.enabled = True
for space, out in proj.items():
    db = psnr(target, out["image"])
    print(f"{space.upper():<3} PSNR " + ", ".join(f"face {s} {float(x):.1f} dB" for s, x in zip(faces, db)))
assert (psnr(target, proj["w+"]["image"]) > psnr(target, proj["w"]["image"])).all()  # W+ redraws both closer
both = torch.stack([target, proj["w"]["image"], proj["w+"]["image"]], dim=1).flatten(0, 1)
label_grid(image_grid(both, columns=3, upscale_to=128), columns=["target", "W", "W+"],
           rows=[f"face {s}" for s in faces])

# %% [markdown]
# In W the projection gets the layout right, the head's size, turn and place, the hair's colour and outline, the
# background, but the face itself comes out smeared: eyes and mouth blurred, the glasses of face 100001 a dark
# smudge under hair that reaches down over its forehead (26.0 and 28.5 dB). W+ redraws both faces more closely
# (30.4 and 31.4 dB): the eyes and brows of face 100003 come back sharp, though the mouths stay faint and the
# glasses of face 100001 are only a grey shadow across the eyes.
#
# Does the projection keep who the face is? The reader reads the target and both projections; the truth is
# what ToyFaces drew. Values are in each attribute's own units (yaw −1 … 1, hair colour 0 … 1, ...); for the
# three yes/no attributes (bangs, glasses, hair parting) the reader's probability of "yes" (of "right" for the
# parting) against the truth.

# %%
# NBVAL_IGNORE_OUTPUT
# (the numbers this cell prints move in their last digit from one CPU to another, Intel against AMD
# included: the matrix products run in kernels the maths library picks by processor, and 150 steps of
# optimisation grow last-bit differences. The text quotes the run stored here; the asserts check what it
# says on every CPU.)
def read(images):
    with torch.no_grad():
        q = ((images + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1  # as an 8-bit image file would hold it
        return reader.attribute_values(q, standardized=False).numpy(), reader.attribute_probabilities(q).numpy()


reads = {"target": read(target), "W": read(proj["w"]["image"]), "W+": read(proj["w+"]["image"])}
binary = {"bangs", "glasses", "hair_part"}
print(f"{'':16}" + "".join(f"{'face ' + str(s):^32}" for s in faces))
print(f"{'attribute':<16}" + f"{'true':>8}{'target':>8}{'W':>8}{'W+':>8}" * len(faces))
for name in editable:
    k = ATTRIBUTE_NAMES.index(name)
    row = f"{name:<16}"
    for i in range(len(faces)):
        row += f"{true[i, k]:8.2f}" + "".join(f"{r[1 if name in binary else 0][i, k]:8.2f}" for r in reads.values())
    print(row)
err = {who: np.mean([abs(r[0][i, k] - true[i, k]) for i in range(len(faces)) for k in range(len(ATTRIBUTE_NAMES))
                     if ATTRIBUTE_NAMES[k] in editable and ATTRIBUTE_NAMES[k] not in binary])
       for who, r in reads.items()}
print("mean |read - true| over the continuous attributes: " + ", ".join(f"{w} {e:.2f}" for w, e in err.items()))
g = ATTRIBUTE_NAMES.index("glasses")
assert max(err.values()) < 0.12  # the reader is about as close on the projections as on the targets
assert all(reads[who][1][0, g] > 0.9 and reads[who][1][1, g] < 0.1 for who in ("W", "W+"))  # glasses kept

# %% [markdown]
# The attributes survive projection better than the pictures suggest: the reader is off by 0.07 on average on
# the real faces themselves (its own error), and by as much on the W and W+ projections. It sees the glasses
# of face 100001 in both projections (0.99 in both), smudge and shadow included, and none on face 100003 (0.00
# in both). What W loses is the parting of face 100001 (0.55, the target 0.86), which W+ keeps (0.88). The
# reader looks at what it was trained to measure, pose, sizes, colours, and those the projections mostly keep.
#
# ## 5 · Give her glasses
#
# Face 100003 wears no glasses. Edit its projected w along the glasses direction, in W and in W+, on every
# layer and on the middle layers only, and render each with the noise maps its projection found. The
# strengths run twice as far as before, to +6. The cell also prints how far each w lies from w_avg.

# %%
# NBVAL_IGNORE_OUTPUT
# (the numbers this cell prints move in their last digit from one CPU to another, Intel against AMD
# included: the matrix products run in kernels the maths library picks by processor, and 150 steps of
# optimisation grow last-bit differences. The text quotes the run stored here; the asserts check what it
# says on every CPU.)
def from_avg(ws):  # distance of per-layer styles [N, L, D] from w_avg, averaged over the layers
    return (ws - G.w_avg).norm(dim=-1).mean(1)


print(f"|w - w_avg|: the faces of section 2 (ψ 0.7) {float(from_avg(seed_ws(G, seeds)).mean()):.1f}, "
      f"the 1000 sampled faces {float(from_avg(ws[:, None]).mean()):.1f}, face 100003 projected into "
      f"W {float(from_avg(proj['w']['ws'][1:])[0]):.1f} and W+ {float(from_avg(proj['w+']['ws'][1:])[0]):.1f}")
strengths = [0, 1, 2, 3, 4, 5, 6]
rows, labels = [], []
for space, out in proj.items():
    w1 = out["ws"][1:]  # face 100003, [1, 10, 128]
    noise = [v[1:].expand(len(strengths), -1, -1, -1) for v in out["noise"]]
    for layers in (None, "middle"):
        with torch.no_grad():
            edited = edit(G, w1, dirs.vector("glasses"), strengths, layers)[0]  # [7, 10, 128]
            rows.append(G.synthesis(edited, noise=noise, noise_mode="const"))
        labels.append(f"{space.upper()}, {'all layers' if layers is None else layers}")
images = torch.cat(rows)
_, pg = read(images)
print("reader's glasses probability, strength 0 … 6:")
for label, q in zip(labels, pg[:, g].reshape(len(labels), -1)):
    print(f"  {label:<16}" + " ".join(f"{x:.2f}" for x in q))
at_six = pg[:, g].reshape(len(labels), -1)[:, -1]  # rows: W all, W middle, W+ all, W+ middle
assert at_six[0] > 0.9 and at_six[1] > 0.9 and at_six[2] < 0.3 and at_six[3] < 0.3  # only W edits
label_grid(image_grid(images, columns=len(strengths), upscale_to=96), columns=[f"+{s}" for s in strengths],
           rows=labels, title="face 100003 projected, edited along glasses")

# %% [markdown]
# Only the two rows in W do what we asked. There a thin dark line appears across both eyes, faintly from +2 and
# clearly from +4 on every layer (a step later on the middle layers), and the reader's probability climbs from
# 0.00 to 0.99 at +6 on every layer and to 0.97 on the middle layers; on every layer the outline of the head and
# hair shifts as well, on the middle layers the rest of the face stays as it was. In W+ the same steps hardly
# touch the eyes: on every layer the mouth and the outline change a little, and the reader's glasses probability
# stays below a fifth (0.12 at +6 on every layer, 0.03 on the middle ones).
#
# The first line of output shows that the distance from w_avg alone does not explain it: both projected w lie
# far from w_avg (6.2 in W, 6.0 in W+) compared with the faces the generator draws (2.5), outside the region
# where the SVM found its directions, yet the edit works in W and hardly at all in W+. What W+ adds is a
# different w for every layer, a combination the generator never met in training: the directions were found
# among w that are the same on every layer, and a step along them need not do among such mixed styles what
# it does among the sampled faces. W+ redraws the picture more faithfully and edits it less reliably. This
# trade-off between a faithful and an editable inversion is the central difficulty of editing real images;
# the usual remedies are projectors that keep w close to W, and encoders trained to predict an editable w.
# Lesson 11 gives faces glasses another way, by fine-tuning the generator itself.

# %% [markdown]
# ## 6 · Live demo
#
# A slider per editable attribute (−3 to +3 strength units), a seed, and which layers the edit reaches. The
# picture shows the face, the edited face, and where they differ (4× amplified). Several sliders add up: the
# edit is the sum of their vectors. Each update renders two 64 px faces, a few tens of milliseconds. Where
# the notebook is only read (on GitHub), the cell shows the picture the demo drew when it was run; so that this
# picture shows an edit, the cell moves two controls before it displays the demo: hair_length to +3, on the
# middle styles, which lets the hair grow down to the neck.

# %%
demo = editing_demo(G, dirs, seed=2)
controls = {c.description: c for c in demo.children[0].children}  # seed, layers, reset and the sliders, by name
controls["layers:"].value = "middle"
controls["hair_length"].value = 3.0
demo

# %% [markdown]
# The demo calls one pure function, `render_edit`, which you can call yourself, here with glasses +3 on the
# middle layers of seed 2. The difference panel shows where the edit acts: most brightly along the outline of
# the hair and the line where it meets the forehead, and in a few spots round the eyes, so on this face the
# middle styles of glasses also reshape the hair a little.

# %%
render_edit(G, dirs, seed=2, strengths={"glasses": 3.0}, level="middle")

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write the edit itself: `my_edit(ws, direction, strengths, layers)` takes per-layer styles
# `ws` [N, L, D], an edit vector `direction` [D] (such as `dirs.vector("glasses")`), a list of S strengths and
# a list of layer indices, and returns [N, S, L, D]: face i edited with strength s on the listed layers only
# (ws itself stays unchanged). The check compares it with `stylegan_edu.editing.edit` on random styles of
# several sizes.

# %%
from stylegan_edu.course.lesson10 import check_my_conditional_direction, check_my_edit

# %%
def my_edit(ws, direction, strengths, layers):
    """ws [N, L, D], direction [D], strengths: S numbers, layers: list of layer indices -> [N, S, L, D]."""
    ### BEGIN SOLUTION
    mask = torch.zeros(ws.shape[1], dtype=ws.dtype)
    mask[list(layers)] = 1
    s = torch.as_tensor(list(strengths), dtype=ws.dtype)
    step = s[:, None, None] * mask[None, :, None] * direction[None, None, :]  # [S, L, D]
    return ws[:, None] + step[None]
    ### END SOLUTION


check_my_edit(my_edit)

# %% [markdown]
# **Exercise 2.** Write the conditional direction of section 3: `my_conditional_direction(n, others)` takes a
# direction `n` [D] and the K directions to hold, the rows of `others` [K, D], and returns a unit vector
# orthogonal to every row of `others` that keeps as much of n as it can (n minus its projection onto the span
# of the rows, scaled to length 1). Careful: the rows are not orthogonal to each other, and need not have
# length 1. The check compares with `stylegan_edu.editing.conditional_direction`.

# %%
def my_conditional_direction(n, others):
    """n [D], others [K, D] -> the unit vector [D] orthogonal to every row of others that is closest to n."""
    ### BEGIN SOLUTION
    basis = []  # Gram-Schmidt: an orthonormal basis of the rows' span
    for o in others:
        for e in basis:
            o = o - (o @ e) * e
        basis.append(o / o.norm())
    m = n.clone()
    for e in basis:
        m = m - (m @ e) * e
    return m / m.norm()
    ### END SOLUTION


check_my_conditional_direction(my_conditional_direction)
