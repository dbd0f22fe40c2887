# %% [markdown]
# # 08 · Measuring a GAN: FID, KID, perceptual path length and linear separability
#
# Pictures convince people; numbers let you compare. The StyleGAN paper judges image quality with FID and
# judges how well-behaved the latent spaces are with two new metrics of its own: perceptual path length (PPL)
# and linear separability. All three rely on a feature network that "looks" at images. The official metrics
# use Inception-v3 (FID), VGG16 with LPIPS weights (PPL) and 40 face-attribute classifiers (separability).
# Their weight files cannot be downloaded here, so this lesson uses the **ToyFaces feature network** shipped
# with the course: it was trained to read the 20 ToyFaces attributes, and its inner layers give features,
# a perceptual distance and attribute labels. Numbers from it carry the suffix `_toy`: they follow the same
# recipes but are not comparable with published Inception FIDs.
#
# You will compute each metric by hand on a small sample and compare with `stylegan_edu.metrics`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg
import torch
from sklearn.svm import LinearSVC

from stylegan_edu import metrics, pretrained
from stylegan_edu.data import ATTRIBUTE_NAMES, load_toyfaces
from stylegan_edu.generator import Generator, z_from_seeds
from stylegan_edu.metrics.run import generated_features, real_features, separability_samples
from stylegan_edu.metrics.toy_features import load_toy_features, reliable_attributes
from stylegan_edu.viz import image_grid

_ = torch.manual_seed(0)
G = pretrained.load("toyfaces-64")
net = load_toy_features()
reals = load_toyfaces(n=2000, resolution=64, progress=False)
N = 1000  # the paper uses 50,000; small samples make FID biased upwards, but fine for comparisons

# %% [markdown]
# ## 1 · Fréchet distance
#
# Fit a Gaussian to the features of real images (mean μ_r, covariance Σ_r) and one to generated images
# (μ_g, Σ_g). The Fréchet distance between the two Gaussians is
#
#     ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^½)
#
# It is 0 only when both mean and covariance agree, so it punishes bad images (a shifted mean) and missing
# variety (a too-small covariance) alike.

# %%
fake = generated_features(G, net, N, progress=False)
real = real_features(reals, net, N, 64, progress=False)


def my_fid(a, b):
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real  # the matrix square root (tiny imaginary parts dropped)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


fid = my_fid(real, fake)
print(f"fid_toy (N={N}): {fid:.2f}")
np.testing.assert_allclose(fid, metrics.fid_from_features(real, fake), rtol=1e-4)

# %% [markdown]
# For scale: two disjoint sets of *real* images (the 2000 shuffled once and split into two halves of 1000), and
# an untrained generator.

# %%
real2 = real_features(reals, net, N, 64, skip=N, progress=False)  # the other 1000: disjoint from `real`
torch.manual_seed(0)
untrained = Generator("toy-64").eval()
fid_untrained = my_fid(real, generated_features(untrained, net, N, progress=False))
fid_real = my_fid(real, real2)
print(f"real vs real: {fid_real:.2f}   trained G: {fid:.2f}   untrained G: {fid_untrained:.2f}")
assert fid_real < fid < fid_untrained

plt.figure(figsize=(5, 2.4))
plt.barh(["real vs real", "trained G", "untrained G"], [fid_real, fid, fid_untrained])
plt.xscale("log")
plt.xlabel(f"fid_toy (N = {N}, log scale)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2 · KID
#
# The kernel inception distance compares the two sets with a kernel (a cubic polynomial of the feature dot
# products) instead of Gaussians. Its estimate is unbiased, so it stays fair on small samples.

# %%
def my_kid(a, b):
    d = a.shape[1]
    k = lambda x, y: (x @ y.T / d + 1) ** 3  # noqa: E731
    m = len(a)
    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    return float((kaa.sum() - np.trace(kaa)) / (m * (m - 1)) + (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
                 - 2 * kab.mean())


print(f"kid_toy, one subset of {N}: {my_kid(real, fake):.4f}")
np.testing.assert_allclose(my_kid(real, fake),
                           metrics.kernel_inception_distance(real, fake, num_subsets=1, max_subset_size=N),
                           rtol=1e-6)

# %% [markdown]
# What "biased" means here: measure the *same* generator on smaller samples. FID comes out worse the fewer
# images you use (its estimate of the covariance is noisier, which only ever adds distance), so FIDs are
# comparable only at equal N. KID stays almost level (here it moves by a few thousandths while FID moves by about
# 6): its estimate is unbiased, so only noise is left.

# %%
sizes = [300, 400, 600, 1000]
fid_n = [my_fid(real[:n], fake[:n]) for n in sizes]
kid_n = [my_kid(real[:n], fake[:n]) for n in sizes]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 2.8))
left.plot(sizes, fid_n, "o-")
left.set(xlabel="images per set", ylabel="fid_toy", title="FID drifts with N")
right.plot(sizes, kid_n, "o-", color="tab:orange")
right.set(xlabel="images per set", ylabel="kid_toy", title="KID does not", ylim=(0, 2 * max(kid_n)))
plt.tight_layout()
plt.show()
assert fid_n[0] > fid_n[-1]

# %% [markdown]
# ## 3 · Perceptual path length
#
# Walk a tiny step ε = 10⁻⁴ along a path between two latents and measure how much the image changes,
# perceptually, divided by ε². A generator whose space is well organised changes its images smoothly; one that
# has to squeeze in rare faces makes sudden jumps, which show up as long paths. In W the paper walks in
# straight lines (lerp); in Z, on the sphere (slerp). Only the centre of the face is compared (the official
# crop), and the 1 % extremes are dropped.

# %%
def my_ppl_w_end(G, distance, n, eps=1e-4, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 2, G.cfg.latent_size, generator=g)
    with torch.no_grad():
        w = G.mapping(z.reshape(2 * n, -1)).view(n, 2, -1)
        w_a = w[:, 0]                                   # t = 0: the path starts at w0 ("end" sampling)
        w_b = w[:, 0] + eps * (w[:, 1] - w[:, 0])       # one tiny lerp step towards w1
        img = G.synthesis(torch.cat([w_a, w_b])[:, None].repeat(1, G.num_layers, 1), noise_mode="const")
        img = metrics.ppl_crop(img)
        d = distance(img[:n], img[n:]).numpy() / eps**2
    return metrics.filtered_mean(d), d


ppl_hand, lengths = my_ppl_w_end(G, net.distance, 200)
# whole numbers: dividing by ε² = 1e-8 magnifies rounding, so the CPU's convolution kernels move the first decimal
print(f"ppl_wend_toy by hand (200 pairs, fixed noise): {ppl_hand:.0f}")
lo, hi = np.percentile(lengths, [1, 99])
plt.figure(figsize=(6, 2.4))
plt.hist(lengths, bins=50)
for x in (lo, hi):
    plt.axvline(x, color="k", ls="--", lw=0.8)
plt.xlabel("path length of one pair (distance / ε²); dashed: the 1 % and 99 % cut-offs")
plt.tight_layout()
plt.show()
lib = metrics.perceptual_path_length(G, net.distance, num_samples=200, space="w", sampling="end", progress=False)
print(f"ppl_wend_toy, library (200 pairs, fresh noise per pair): {lib['ppl']:.0f}")

# %% [markdown]
# ## 4 · Linear separability
#
# Label many generated faces with the attribute reader, keep the half it is most sure about, and fit a linear
# classifier (an SVM) that predicts each label from the latent. If a straight hyperplane separates the labels,
# the latent space holds that attribute "linearly". The score is 2 to the power of the summed conditional
# entropy H(label | SVM side): 1 is perfect, and an attribute that the SVM cannot predict at all multiplies it
# by 2^H(label), by 2 when its labels are split half and half, by less when they are not.

# %%
names = reliable_attributes(net, 0.8)  # the attributes the reader gets right at least 80 % of the time
cols = [ATTRIBUTE_NAMES.index(a) for a in names]
z, w, probs = separability_samples(G, net.attribute_probabilities, 2000, progress=False)
probs = probs[:, cols]


def my_separability(latents, probs):
    total = 0.0
    for j in range(probs.shape[1]):
        # the most confident half; a stable sort, because saturated probabilities tie and the SVM's solver
        # depends on the order of the samples
        keep = np.argsort(np.abs(probs[:, j] - 0.5), kind="stable")[len(probs) // 2:]
        x, y = latents[keep], probs[keep, j] > 0.5
        side = LinearSVC(random_state=0).fit(x, y).predict(x).astype(bool)
        total += metrics.conditional_entropy_bits(y, side)
    return 2 ** total


ls_z, ls_w = my_separability(z, probs), my_separability(w, probs)
print(f"ls_z_toy {ls_z:.2f}   ls_w_toy {ls_w:.2f}   (2000 samples, {len(names)} attributes)")
lib = {space: metrics.linear_separability(x, probs, names=names) for space, x in (("Z", z), ("W", w))}
np.testing.assert_allclose([ls_z, ls_w], [lib["Z"]["score"], lib["W"]["score"]], rtol=1e-6)

# %% [markdown]
# Your function and the library's agree, but they were written from the same recipe, so a slip in the recipe
# would fool both. Here is a case whose answer needs no SVM at all. If every latent is the same point, no
# hyperplane can put two samples on different sides: the SVM gives everyone the same side, and knowing it says
# nothing, so H(label | side) is just the entropy of the label, H(q) = -q log2 q - (1 - q) log2(1 - q) for a
# share q of positives. Eight samples, two attributes; the four confident ones (probability 0.9, 0.1, 0.95 or
# 0.05) are 2 of 4 positive for the first attribute and 1 of 4 for the second, so the score must be
# 2^(H(1/2) + H(1/4)) = 2^(1 + 0.811) = 3.51. If the latents instead split the labels perfectly, it must be 1.

# %%
def binary_entropy(q):
    return -q * np.log2(q) - (1 - q) * np.log2(1 - q)


known_probs = np.array([[0.9, 0.95], [0.1, 0.05], [0.9, 0.05], [0.1, 0.05],  # the confident half
                        [0.55, 0.52], [0.45, 0.48], [0.52, 0.45], [0.48, 0.55]])  # dropped: near 0.5
same_point = np.zeros((8, 3))
expected = 2 ** (binary_entropy(1 / 2) + binary_entropy(1 / 4))
print(f"latents all equal:   expected {expected:.4f}   yours {my_separability(same_point, known_probs):.4f}   "
      f"library {metrics.linear_separability(same_point, known_probs)['score']:.4f}")
splitting = np.array([[1, 1], [-1, -1], [1, -1], [-1, -1], [0, 0], [0, 0], [0, 0], [0, 0]], dtype=float)
print(f"latents that split:  expected 1.0000   yours {my_separability(splitting, known_probs):.4f}   "
      f"library {metrics.linear_separability(splitting, known_probs)['score']:.4f}")

# %% [markdown]
# The official StyleGAN code reports W far more separable than Z on FFHQ: 3.74 against 165 (README of
# NVlabs/stylegan; the paper's Table 4 gives 3.79 in W). What does the ToyFaces model show, attribute by
# attribute? Each bar is the uncertainty (bits) left about the label once you know which side of
# the SVM's hyperplane the latent lies on.

# %%
x = np.arange(len(names))
plt.figure(figsize=(10, 2.8))
plt.bar(x - 0.2, list(lib["Z"]["entropies"].values()), width=0.4, label=f"Z (score {ls_z:.0f})")
plt.bar(x + 0.2, list(lib["W"]["entropies"].values()), width=0.4, label=f"W (score {ls_w:.1f})")
plt.xticks(x, names, rotation=60, ha="right", fontsize=8)
plt.ylabel("H(label | side), bits")
plt.ylim(0, 1.25)  # room above the bars (at most 1 bit) for the legend
plt.legend(ncols=2, loc="upper center")
plt.tight_layout()
plt.show()
print("W more separable than Z:", ls_w < ls_z)

# %% [markdown]
# ## 5 · All at once
#
# The command line runs the same recipes on bigger samples and prints one JSON object:
#
#     stylegan-edu metrics --ckpt toyfaces-64 --metrics fid,kid,pr,ppl_wend,ls --num 10000
#
# `pr` is precision and recall (Kynkäänniemi et al. 2019): the share of generated images that fall among the
# real ones (quality), and the share of real images that the generated ones cover (variety).
# `--features inception` and the LPIPS distance take the standard weight files from `$STYLEGAN_EDU_WEIGHTS`.

# %%
out = metrics.run.compute_metrics(G, "fid,kid,ppl_wend", dataset=reals, num=500, ppl_distance="toy",
                                  progress=False)
# PPL divides image differences by eps^2 = 1e-8, so the last bits of float32 rounding (which differ between
# CPUs) reach its third decimal: one decimal is what it can say
print({k: round(v, 1 if k.startswith("ppl") else 3) for k, v in out["metrics"].items()})

# %% [markdown]
# ## Your turn
#
# **Exercise 1.** Write `frechet_1d(mu1, sigma1, mu2, sigma2)`: the Fréchet distance of two 1-D Gaussians
# given their means and *standard deviations*. Work it out from the formula of section 1 with 1×1 matrices.

# %%
from stylegan_edu.course.lesson08 import check_conditional_entropy, check_frechet_1d, check_slerp

# %%
def frechet_1d(mu1, sigma1, mu2, sigma2):
    """The Fréchet distance (as in FID: squared) of N(mu1, sigma1²) and N(mu2, sigma2²); returns a float."""
    ### BEGIN SOLUTION
    return (mu1 - mu2) ** 2 + (sigma1 - sigma2) ** 2
    ### END SOLUTION


check_frechet_1d(frechet_1d)

# %% [markdown]
# **Exercise 2.** Section 3 walked in W along straight lines. In Z the paper walks along the sphere with
# spherical interpolation (slerp), because Gaussian latents in many dimensions all lie near a sphere, and a
# straight line between two of them cuts through the inside, where no latent ever comes from. Write
# `slerp(a, b, t)`: for each row, the unit vector that lies `t` of the way from the direction of `a` to the
# direction of `b`, measured in angle (as the official code, normalise `a` and `b` first).

# %%
def slerp(a, b, t):
    """a, b: (N, D) tensors, t: a number in [0, 1]. Returns (N, D) unit vectors: at t = 0 the direction of a,
    at t = 1 that of b, and in between at angle t * angle(a, b) from a, in the plane of a and b."""
    ### BEGIN SOLUTION
    a = a / a.norm(dim=-1, keepdim=True)
    b = b / b.norm(dim=-1, keepdim=True)
    angle = torch.acos((a * b).sum(dim=-1, keepdim=True).clamp(-1, 1))
    return (torch.sin((1 - t) * angle) * a + torch.sin(t * angle) * b) / torch.sin(angle)
    ### END SOLUTION


check_slerp(slerp)

# %% [markdown]
# The library's `metrics.slerp` walks from seed 0's latent to seed 1's. Its points have length 1 while a
# 128-d Gaussian latent has length about √128 ≈ 11; that does not matter, because the mapping network starts
# with pixel norm (lesson 03), which rescales every z to the same length anyway.

# %%
z0, z1 = z_from_seeds([0, 1], G.cfg.latent_size)
path = metrics.slerp(z0[None].expand(8, -1), z1[None].expand(8, -1), torch.linspace(0, 1, 8))
with torch.no_grad():
    path_faces = G(path, truncation_psi=0.7, noise_mode="const")
print(f"|z0| = {z0.norm():.1f}, |path point| = {path.norm(dim=1).mean():.2f}")
image_grid(path_faces, columns=8, upscale_to=96)

# %% [markdown]
# **Exercise 3.** Section 4 scored each attribute by the conditional entropy H(label | side): how many bits of
# uncertainty about the label are left once you know on which side of the SVM's hyperplane the latent lies.
# Write `conditional_entropy_bits(labels, side)` for two boolean arrays of equal length, from their joint
# frequencies: H(label | side) = −Σ p(side, label) · log₂ p(label | side), over the four combinations.

# %%
def conditional_entropy_bits(labels, side):
    """labels, side: boolean numpy arrays of shape (N,). Returns H(label | side) in bits, a float."""
    ### BEGIN SOLUTION
    h = 0.0
    for s in (False, True):
        p_side = np.mean(side == s)
        for y in (False, True):
            p = np.mean((side == s) & (labels == y))
            if p > 0:  # an empty combination adds 0 (0 * log 0 = 0)
                h -= p * np.log2(p / p_side)
    return float(h)
    ### END SOLUTION


check_conditional_entropy(conditional_entropy_bits)
