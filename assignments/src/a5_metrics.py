# %% [markdown]
# # Assignment 5 · Metrics
#
# A GAN is judged by numbers computed on features of its images (FID, KID) and on how its latent spaces behave
# (perceptual path length, linear separability). Each is a few lines of mathematics, and each has a classic
# slip that still gives a plausible-looking number. In this assignment you write:
#
# 1. the **Fréchet distance** between two feature sets (FID without the Inception network),
# 2. the **unbiased squared MMD** with the cubic polynomial kernel (KID on one subset),
# 3. **perceptual path lengths** in W, checked on generators whose answer is known in closed form,
# 4. the **conditional entropy** H(Y|X) in bits, the building block of linear separability,
# 5. the **linear separability score** of a latent space.
#
# Run the read-only setup cell first, replace each `raise NotImplementedError()` with your code and run the
# test cell below it (silent when it passes). Score the notebook with
#
#     stylegan-edu assignments check notebooks/assignments/a5_metrics.ipynb
#
# Lesson 08 covers the background; the library's versions live in `stylegan_edu.metrics`.

# %% setup id=setup
# Read-only setup: imports, seeds, and no warnings on stderr (the autograder fails a test cell that writes there).
import random
import warnings
from types import SimpleNamespace

import numpy as np
import scipy.linalg
import torch
from sklearn.svm import LinearSVC
from torch import nn

from stylegan_edu.assignments.expect import close, report
from stylegan_edu.generator import broadcast
from stylegan_edu.metrics.fid import fid_from_features as library_fid
from stylegan_edu.metrics.kid import kernel_inception_distance
from stylegan_edu.metrics.ppl import perceptual_path_length
from stylegan_edu.metrics.separability import conditional_entropy_bits as library_entropy
from stylegan_edu.metrics.separability import linear_separability

warnings.filterwarnings("ignore")
random.seed(0)
np.random.seed(0)
_ = torch.manual_seed(0)

# %% [markdown]
# ## Task 1 · The Fréchet distance between two feature sets (3 points)
#
# FID fits a Gaussian to each set of features (`[N, D]` arrays, one row per image) and measures the Fréchet
# distance between the two Gaussians:
#
#     ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)
#
# with μ the mean over rows and Σ the unbiased `[D, D]` covariance (`np.cov` with rows as observations).
# `(Σ₁ Σ₂)^½` is a **matrix** square root (`scipy.linalg.sqrtm`); rounding can leave a tiny imaginary part,
# which you drop by taking the real part. Write `fid(real, fake)` returning a Python float.

# %% solution id=fid_solution
def fid(real, fake):
    ### BEGIN SOLUTION
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))
    ### END SOLUTION

# %% tests id=fid points=3
rng = np.random.default_rng(1)
real = rng.standard_normal((300, 6))
fake = 0.5 + rng.standard_normal((300, 6)) @ rng.uniform(0.5, 1.5, (6, 6))
got, want = fid(real, fake), library_fid(real, fake)
assert close(got, want, rtol=1e-6), report("fid(real, fake) for two sets of 300 six-dimensional features", got, want,
                                           "np.cov(x, rowvar=False); the MATRIX square root of sigma1 @ sigma2, times 2")
### BEGIN HIDDEN TESTS
# known answer: y = 2x + 3 has mean 2 mu + 3 and covariance 4 S, so FID = |mu + 3|^2 + Tr(S + 4S - 2 * 2S)
x = rng.standard_normal((200, 2)) @ np.array([[1.0, 0.4], [0.0, 0.7]])
got, want = fid(x, 2 * x + 3), float(((x.mean(axis=0) + 3) ** 2).sum() + np.trace(np.cov(x, rowvar=False)))
assert close(got, want, rtol=1e-6), report("fid(x, 2x + 3) (known: |mean + 3|^2 + trace of the covariance)", got,
                                           want, "(S1 S2)^(1/2) is a matrix square root; here it is 2 S")
got = fid(real, real)
assert close(got, 0.0, atol=1e-6), report("fid(real, real)", got, 0.0, "identical sets are at distance 0")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 2 · The unbiased squared MMD (KID on one subset) (3 points)
#
# KID compares two feature sets through the kernel `k(a, b) = (a·b / d + 1)³` (d = feature dimension). For
# `x` and `y` of shape `[m, d]` each, the unbiased estimate of the squared maximum mean discrepancy is
#
#     MMD² = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
#
# Leaving out the diagonal (i = j) is what makes it unbiased: two samples of one distribution score 0 on
# average (and can come out slightly negative). KID averages this over random subsets; write the estimate
# for one pair of sets, `mmd2_unbiased(x, y)`, returning a Python float.

# %% solution id=mmd2_solution
def mmd2_unbiased(x, y):
    ### BEGIN SOLUTION
    m, d = x.shape

    def kernel(a, b):
        return (a @ b.T / d + 1.0) ** 3

    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2.0 * kxy.mean())
    ### END SOLUTION

# %% tests id=mmd2 points=3
rng = np.random.default_rng(2)
x, y = rng.standard_normal((100, 16)), 0.3 + rng.standard_normal((100, 16))
got, want = mmd2_unbiased(x, y), kernel_inception_distance(x, y, num_subsets=1, max_subset_size=100)
assert close(got, want, rtol=1e-6), report("mmd2_unbiased(x, y) for 100 samples of 16 features", got, want,
                                           "kernel (a.b / d + 1)^3; leave the diagonal out of the within-set sums")
### BEGIN HIDDEN TESTS
x, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 3))
got, want = mmd2_unbiased(x, y), kernel_inception_distance(x, y, num_subsets=1, max_subset_size=40)
assert close(got, want, rtol=1e-6), report("mmd2_unbiased(x, y) for 40 samples of 3 features", got, want,
                                           "divide a.b by the feature dimension d")
same = np.mean([mmd2_unbiased(rng.standard_normal((30, 4)), rng.standard_normal((30, 4))) for _ in range(40)])
assert abs(same) < 0.05, report("the mean estimate over 40 pairs of samples of ONE distribution", same, 0.0,
                                "an unbiased estimate averages to 0 when both sets come from the same distribution")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 3 · Perceptual path length in W (3 points)
#
# PPL asks how much the image changes when w moves a tiny step ε along a straight line between two styles. For
# a pair of latents (z₀, z₁) and a position t in [0, 1]:
#
#     w₀ = mapping(z₀), w₁ = mapping(z₁)
#     a = synthesis(lerp(w₀, w₁, t)),  b = synthesis(lerp(w₀, w₁, t + ε))
#     path length = distance(a, b) / ε²
#
# (the interpolation happens in **W**, after the mapping, and the division is by ε² because the distances in
# use behave like squared lengths). Write `path_lengths(mapping, synthesis, distance, z0, z1, t, epsilon=1e-4)`
# for a batch: `z0`, `z1` are `[N, latent]`, `t` is `[N]`, `mapping` and `synthesis` work on batches and
# `distance(a, b)` returns `[N]`. Return a tensor `[N]`.
#
# The tests use generators whose answer is known: with a linear synthesis `w ↦ w A` and the squared
# Euclidean distance, every path length is exactly `‖(w₁ − w₀) A‖²`, whatever t.

# %% solution id=path_lengths_solution
def path_lengths(mapping, synthesis, distance, z0, z1, t, epsilon=1e-4):
    ### BEGIN SOLUTION
    w0, w1 = mapping(z0), mapping(z1)
    t = t[:, None]
    a = synthesis(w0 + (w1 - w0) * t)
    b = synthesis(w0 + (w1 - w0) * (t + epsilon))
    return distance(a, b) / epsilon**2
    ### END SOLUTION

# %% tests id=path_lengths points=3
g = torch.Generator().manual_seed(3)
A = torch.randn(8, 12, generator=g, dtype=torch.float64)
z0, z1 = torch.randn(5, 8, generator=g, dtype=torch.float64), torch.randn(5, 8, generator=g, dtype=torch.float64)
t = torch.rand(5, generator=g, dtype=torch.float64)


def squared_distance(a, b):
    return (a - b).square().sum(dim=1)


got = path_lengths(torch.tanh, lambda w: w @ A, squared_distance, z0, z1, t)
want = ((torch.tanh(z1) - torch.tanh(z0)) @ A).square().sum(dim=1)
assert close(got, want, rtol=1e-5), report(
    "path_lengths with mapping tanh, synthesis w -> w A and the squared distance (known: |(w1 - w0) A|^2)", got,
    want, "interpolate w = mapping(z), not z; divide by epsilon squared")
### BEGIN HIDDEN TESTS
# A curved synthesis, w -> w * w: the step from w(t) to w(t + eps) changes the image by eps * d * (2 w(t) + eps * d)
d = torch.tanh(z1) - torch.tanh(z0)
for eps in (1e-4, 1e-2):
    got = path_lengths(torch.tanh, lambda w: w * w, squared_distance, z0, z1, t, eps)
    w_t = torch.tanh(z0) + t[:, None] * d
    want = (d * (2 * w_t + eps * d)).square().sum(dim=1)
    assert close(got, want, rtol=1e-5), report(f"path_lengths with synthesis w -> w*w, epsilon={eps}", got, want,
                                               "evaluate at lerp(w0, w1, t) and lerp(w0, w1, t + epsilon)")


class KnownGenerator(nn.Module):
    """A generator the library's PPL can run: mapping tanh, one style layer, linear synthesis to 3x4x4 images."""

    def __init__(self):
        super().__init__()
        self.A = nn.Parameter(torch.randn(8, 48, generator=g, dtype=torch.float64))
        self.cfg, self.num_layers = SimpleNamespace(latent_size=8, resolution=4), 1

    def mapping(self, z):
        return torch.tanh(z)

    def synthesis(self, ws, resolution=None, noise=None):
        return (ws[:, 0] @ self.A).view(-1, 3, 4, 4)


def image_distance(a, b):
    return (a - b).square().flatten(1).sum(dim=1)


G = KnownGenerator()
lib = perceptual_path_length(G, image_distance, num_samples=6, space="w", sampling="full", crop=False,
                             batch_size=6, seed=4, progress=False)
draws = torch.Generator().manual_seed(4)  # the library draws z pairs first, then t
z = torch.randn(6, 2, 8, generator=draws, dtype=torch.float64)
t6 = torch.rand(6, generator=draws, dtype=torch.float64)
got = path_lengths(G.mapping, lambda w: G.synthesis(broadcast(w, 1)), image_distance, z[:, 0], z[:, 1], t6)
assert close(got, lib["values"], rtol=1e-5), report("path_lengths against the library's PPL values", got,
                                                    lib["values"], "t is one value per pair")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 4 · Conditional entropy in bits (2 points)
#
# Linear separability scores how well a side of a hyperplane X predicts a binary label Y by the conditional
# entropy
#
#     H(Y|X) = − Σ_{x,y} p(x, y) · log₂( p(x, y) / p(x) )
#
# from the joint frequencies of the four combinations of (x, y); terms with p(x, y) = 0 contribute 0. It is 0
# bits when X determines Y, and 1 bit when they are independent and Y is balanced. Write
# `conditional_entropy_bits(labels, predictions)` for two equally long boolean arrays (Y = labels, X =
# predictions), returning a Python float.

# %% solution id=conditional_entropy_solution
def conditional_entropy_bits(labels, predictions):
    ### BEGIN SOLUTION
    y, x = np.asarray(labels, bool), np.asarray(predictions, bool)
    h = 0.0
    for xv in (False, True):
        p_x = np.mean(x == xv)
        for yv in (False, True):
            p_xy = np.mean((x == xv) & (y == yv))
            if p_xy > 0:
                h -= p_xy * np.log2(p_xy / p_x)
    return float(h)
    ### END SOLUTION

# %% tests id=conditional_entropy points=2
rng = np.random.default_rng(4)
labels = rng.random(1000) < 0.3
predictions = np.where(rng.random(1000) < 0.8, labels, rng.random(1000) < 0.5)
got, want = conditional_entropy_bits(labels, predictions), library_entropy(labels, predictions)
assert close(got, want, rtol=1e-9), report("conditional_entropy_bits(labels, predictions), 80 % agreement", got,
                                           want, "H(Y|X): condition on the PREDICTIONS; log base 2")
got = conditional_entropy_bits(labels, labels)
assert close(got, 0.0, atol=1e-12), report("conditional_entropy_bits(y, y)", got, 0.0,
                                           "a perfect prediction leaves no uncertainty")
### BEGIN HIDDEN TESTS
labels = rng.random(500) < 0.5
got = conditional_entropy_bits(labels, np.ones(500, bool))
want = library_entropy(labels, np.ones(500, bool))
assert close(got, want, rtol=1e-9), report("H(Y|X) when X is always True", got, want,
                                           "skip the combinations that never occur: 0 * log 0 counts as 0")
predictions = np.where(rng.random(500) < 0.6, labels, ~labels)
got, want = conditional_entropy_bits(labels, predictions), library_entropy(labels, predictions)
assert close(got, want, rtol=1e-9), report("conditional_entropy_bits for 60 % agreement", got, want,
                                           "-sum p(x, y) log2(p(x, y) / p(x))")
### END HIDDEN TESTS

# %% [markdown]
# ## Task 5 · The linear separability score (3 points)
#
# Given latents `[N, D]` (z or w of N samples) and the probabilities `[N, A]` that a classifier assigns to A
# binary attributes of their images, for each attribute a:
#
# 1. keep the `k = max(2, round(N · keep_fraction))` most confident samples, those with the largest
#    |p − 0.5|: take them in the order `np.argsort(np.abs(p - 0.5), kind="stable")[N - k:]`,
# 2. label them `p > 0.5` and fit `LinearSVC(random_state=0)` (scikit-learn's default 1,000 iterations, as the
#    official code and the library) to (latents, labels) of the kept samples,
# 3. score the fit on the same samples by H(labels | SVM predictions) in bits (use the library's
#    `library_entropy(labels, predictions)`, so a slip in task 4 does not cost you twice). If the kept samples
#    all have the same label, no SVM can be fitted: count that attribute as 0 bits.
#
# The score is `2 ** (sum of the A entropies)`: 1 when every attribute is linearly separable, about 2^A when
# none is. Write `separability_score(latents, probabilities, keep_fraction=0.5)` returning a Python float.

# %% solution id=separability_solution
def separability_score(latents, probabilities, keep_fraction=0.5):
    ### BEGIN SOLUTION
    n, num_attributes = probabilities.shape
    k = max(2, round(n * keep_fraction))
    total = 0.0
    for a in range(num_attributes):
        p = probabilities[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[n - k:]
        x, y = latents[keep], p[keep] > 0.5
        if y.all() or not y.any():
            continue
        svm = LinearSVC(random_state=0).fit(x, y)
        total += library_entropy(y, svm.predict(x))
    return float(2.0 ** total)
    ### END SOLUTION

# %% tests id=separability points=3
rng = np.random.default_rng(5)
latents = rng.standard_normal((400, 6))
logits = latents @ rng.standard_normal((6, 3)) * 2 + rng.standard_normal((400, 3))
logits[:, 2] = (latents**2).sum(axis=1) - 6 + 0.5 * rng.standard_normal(400)  # a ring: no hyperplane splits it
probabilities = 1 / (1 + np.exp(-logits))
got, want = separability_score(latents, probabilities), linear_separability(latents, probabilities)["score"]
assert close(got, want, rtol=1e-6), report(
    "separability_score for 400 samples, 3 attributes (two linear, one ring-shaped)", got, want,
    "keep the MOST confident half; 2 ** (sum of the entropies), not a sum of powers")
### BEGIN HIDDEN TESTS
got, want = (separability_score(latents, probabilities, 0.3),
             linear_separability(latents, probabilities, keep_fraction=0.3)["score"])
assert close(got, want, rtol=1e-6), report("separability_score(..., keep_fraction=0.3)", got, want,
                                           "k = round(N * keep_fraction)")
one_sided = probabilities.copy()
one_sided[:, 1] = 0.9  # every sample has attribute 1: no SVM can be fitted
got, want = separability_score(latents, one_sided), linear_separability(latents, one_sided)["score"]
assert close(got, want, rtol=1e-6), report("separability_score with an attribute that every sample has", got, want,
                                           "when the kept samples are all one class, count 0 bits")
### END HIDDEN TESTS

# %% [markdown]
# ## Written answer (2 points)
#
# With 500 images per set, model P scores FID 41.0 and model Q scores FID 39.5; with 5,000 images both scores
# drop by several points. Why do FID scores depend on the number of images, and why is KID a safer way to
# compare P and Q on 500 images?

# %% [markdown] answer id=why_kid points=2
# *Model answer.* FID plugs the **sample** mean and covariance into a nonlinear formula, so its expectation
# depends on N: with few images the covariance estimates are noisy and the trace of the matrix square root is
# systematically off, which **biases FID upwards, the more so the smaller N** (and by an amount that also
# depends on the model). Differences of a point or two at N = 500 can come from that bias and from sampling
# noise. KID's estimator is **unbiased**: its expected value does not depend on the number of images, so
# scores at 500 images estimate the same quantity as at 5,000 (only the variance is larger, which the
# averaging over subsets reports).
