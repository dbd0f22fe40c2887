"""The mathematics of the metrics (FID, KID, precision/recall, PPL, linear separability) on inputs whose
answer is known in closed form or by hand."""

import itertools
import math
import os
import sys
import warnings
from types import SimpleNamespace
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from torch import nn

from stylegan_edu.metrics import (conditional_entropy_bits, feature_statistics, fid_from_features,
                                  filtered_mean, frechet_distance, kernel_inception_distance, lerp,
                                  linear_separability, perceptual_path_length, ppl_crop, precision_recall,
                                  slerp)
from stylegan_edu.metrics.ppl import box_downsample

# ---------------------------------------------------------------------------------------------------- FID


def _diag_gaussian_fid(mu1, var1, mu2, var2):
    return float(np.sum((mu1 - mu2) ** 2) + np.sum(var1 + var2 - 2 * np.sqrt(var1 * var2)))


def test_frechet_distance_matches_closed_form_for_diagonal_and_equal_covariances():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    var1, var2 = rng.uniform(0.2, 3.0, 6), rng.uniform(0.2, 3.0, 6)
    got = frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(_diag_gaussian_fid(mu1, var1, mu2, var2), rel=1e-9)
    # equal (full) covariances: only the means count
    a = rng.normal(size=(6, 6))
    s = a @ a.T + np.eye(6)
    assert frechet_distance(mu1, s, mu2, s) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-7, abs=1e-9)
    assert frechet_distance(mu1, s, mu1, s) == pytest.approx(0.0, abs=1e-7)
    # 1-D: (m1 - m2)^2 + (sd1 - sd2)^2
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)


def test_fid_of_sampled_gaussians_is_near_the_analytic_value_and_accepts_torch():
    rng = np.random.default_rng(1)
    mu1, mu2 = np.zeros(4), np.array([0.5, -0.5, 1.0, 0.0])
    var1, var2 = np.array([1.0, 2.0, 0.5, 1.0]), np.array([1.5, 1.0, 0.5, 3.0])
    real = mu1 + np.sqrt(var1) * rng.normal(size=(40000, 4))
    fake = mu2 + np.sqrt(var2) * rng.normal(size=(40000, 4))
    exact = _diag_gaussian_fid(mu1, var1, mu2, var2)
    got = fid_from_features(real, fake)
    assert got == pytest.approx(exact, rel=0.03)
    assert fid_from_features(torch.from_numpy(real).float(), torch.from_numpy(fake)) == pytest.approx(got, rel=1e-5)
    mu, sigma = feature_statistics(real)
    assert mu.shape == (4,) and sigma.shape == (4, 4)
    np.testing.assert_allclose(np.diag(sigma), var1, rtol=0.05)


@pytest.fixture
def pytorch_fid_reference(monkeypatch):
    """pytorch-fid's calculate_frechet_distance, imported with torchvision mocked out (it cannot be imported
    beside the CPU torch here); the pytorch_fid modules are removed again afterwards."""
    for name in ("torchvision", "torchvision.transforms", "torchvision.models", "torchvision.models.inception",
                 "torchvision.models.utils"):
        monkeypatch.setitem(sys.modules, name, MagicMock())
    before = set(sys.modules)
    try:
        try:
            from pytorch_fid.fid_score import calculate_frechet_distance
        except ImportError:
            if os.environ.get("STYLEGAN_EDU_REQUIRE_REFERENCES") == "1":  # CI: the reference must run
                pytest.fail("pytorch-fid is not installed (pip install --no-deps pytorch-fid)")
            pytest.skip("pytorch-fid is not installed (pip install --no-deps pytorch-fid)")
        yield calculate_frechet_distance
    finally:
        for name in set(sys.modules) - before:
            if name.startswith("pytorch_fid"):
                del sys.modules[name]


@pytest.mark.parametrize("n, d", [(500, 16), (12, 32)])  # the second: singular covariances (N < D)
def test_frechet_distance_equals_pytorch_fid(pytorch_fid_reference, n, d, capsys):
    rng = np.random.default_rng(n)
    real = rng.normal(size=(n, d))
    fake = 0.3 + rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / math.sqrt(d)
    (mu1, s1), (mu2, s2) = feature_statistics(real), feature_statistics(fake)
    np.testing.assert_allclose(mu1, real.mean(0))
    np.testing.assert_allclose(s1, np.cov(real, rowvar=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its sqrtm(disp=False) call on new scipy
        expected = pytorch_fid_reference(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)
    assert fid_from_features(real, fake) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="imaginary"):  # sqrtm(-I) = iI: not a valid pair of covariances
        frechet_distance(np.zeros(3), -np.eye(3), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError):
        feature_statistics(np.zeros((1, 3)))


# ---------------------------------------------------------------------------------------------------- KID


def test_kid_single_subset_equals_the_unbiased_mmd_formula():
    from sklearn.metrics.pairwise import polynomial_kernel

    rng = np.random.default_rng(2)
    m = 50
    x, y = rng.normal(size=(m, 5)), 0.4 + rng.normal(size=(m, 5))
    k = lambda a, b: polynomial_kernel(a, b, degree=3, gamma=1.0 / 5, coef0=1)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    expected = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                - 2 * kxy.sum() / m**2)
    # with N = M = m every subset is a permutation of all rows, and the estimate does not depend on the order
    assert kernel_inception_distance(x, y, num_subsets=3) == pytest.approx(expected, rel=1e-10)


def test_kid_is_about_zero_for_one_distribution_and_grows_with_a_mean_shift():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(1500, 16))
    kids = [kernel_inception_distance(real, shift + rng.normal(size=(1500, 16)), num_subsets=20,
                                      max_subset_size=500) for shift in (0.0, 0.2, 0.4, 0.7, 1.0)]
    assert abs(kids[0]) < 0.05 * kids[1]
    assert all(a < b for a, b in itertools.pairwise(kids)), kids
    assert kernel_inception_distance(torch.from_numpy(real), real, num_subsets=5) == pytest.approx(
        kernel_inception_distance(real, real, num_subsets=5))


# ---------------------------------------------------------------------------------------- precision/recall


def test_precision_recall_by_hand_and_batch_size_does_not_matter():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k = 1: every radius is 1
    fake = np.array([[0.5], [5.0]])  # radii 4.5: every real point lies within 4.5 of 0.5
    assert precision_recall(real, fake, k=1) == {"precision": 0.5, "recall": 1.0}
    r, f = torch.randn(300, 6), torch.randn(250, 6) * 1.3
    assert precision_recall(r, f, batch_size=7) == precision_recall(r, f)


def test_precision_recall_identical_collapsed_and_disjoint():
    gen = torch.Generator().manual_seed(5)
    real = torch.randn(2000, 4, generator=gen, dtype=torch.float64)
    same = precision_recall(real, torch.randn(2000, 4, generator=gen, dtype=torch.float64))
    assert same["precision"] > 0.9 and same["recall"] > 0.9, same

    # a mode-collapsed generator: every fake near one small region of the real set
    near = torch.cdist(real[:1], real)[0].argsort()[:60]
    collapsed = real[near] + 1e-3 * torch.randn(60, 4, generator=gen, dtype=torch.float64)
    pr = precision_recall(real, collapsed)
    assert pr["precision"] > 0.95 and pr["recall"] < 0.1, pr

    assert precision_recall(real, real + 100.0) == {"precision": 0.0, "recall": 0.0}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_precision_recall_runs_on_cuda_tensors():
    r, f = torch.randn(500, 8, dtype=torch.float64), torch.randn(400, 8, dtype=torch.float64) + 0.3
    cpu, gpu = precision_recall(r, f, batch_size=64), precision_recall(r.cuda(), f.cuda(), batch_size=64)
    assert gpu["precision"] == pytest.approx(cpu["precision"], abs=0.01)
    assert gpu["recall"] == pytest.approx(cpu["recall"], abs=0.01)


# ---------------------------------------------------------------------------------------------------- PPL


def test_slerp_endpoints_norm_and_constant_speed():
    a, b = torch.randn(5, 7, dtype=torch.float64), torch.randn(5, 7, dtype=torch.float64)
    a_hat, b_hat = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    torch.testing.assert_close(slerp(a, b, 0.0), a_hat)
    torch.testing.assert_close(slerp(a, b, 1.0), b_hat)
    theta = torch.acos((a_hat * b_hat).sum(1))
    for t in (0.25, 0.5, 0.9):
        s = slerp(a, b, t)
        torch.testing.assert_close(s.norm(dim=1), torch.ones(5, dtype=torch.float64))
        torch.testing.assert_close(torch.acos((s * a_hat).sum(1).clamp(-1, 1)), t * theta)
        torch.testing.assert_close(torch.acos((s * b_hat).sum(1).clamp(-1, 1)), (1 - t) * theta)
    t = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64)  # one t per row
    torch.testing.assert_close(slerp(a, b, t), torch.where(t[:, None] > 0, b_hat, a_hat))
    torch.testing.assert_close(slerp(a, a, 0.3), a_hat)  # parallel inputs: no NaN


def test_lerp_endpoints_and_per_row_t():
    a, b = torch.randn(3, 4, 5), torch.randn(3, 4, 5)
    torch.testing.assert_close(lerp(a, b, 0.0), a)
    torch.testing.assert_close(lerp(a, b, 1.0), b)
    torch.testing.assert_close(lerp(a, b, torch.tensor([0.0, 0.5, 1.0])),
                               torch.stack([a[0], (a[1] + b[1]) / 2, b[2]]))


def test_ppl_crop_rows_and_columns():
    img = (100 * torch.arange(16.0).view(16, 1) + torch.arange(16.0).view(1, 16)).expand(2, 3, 16, 16)
    crop = ppl_crop(img)
    assert crop.shape == (2, 3, 8, 8)
    assert crop[0, 0, 0, 0] == 6 * 100 + 4 and crop[0, 0, -1, -1] == 13 * 100 + 11  # rows 6..13, cols 4..11
    tall = torch.zeros(1, 1, 32, 24)
    tall[..., 12:28, 6:18] = 1.0  # rows 3*32/8 .. 7*32/8, columns 2*24/8 .. 6*24/8
    assert ppl_crop(tall).shape == (1, 1, 16, 12) and bool((ppl_crop(tall) == 1).all())


def test_box_downsample_only_above_256():
    x = torch.randn(1, 3, 512, 512)
    torch.testing.assert_close(box_downsample(x), x.view(1, 3, 256, 2, 256, 2).mean(dim=(3, 5)))
    small = torch.randn(1, 3, 128, 128)
    assert box_downsample(small) is small


def test_filtered_mean_drops_values_outside_the_percentiles():
    assert filtered_mean(np.arange(1000.0)) == pytest.approx(np.arange(9, 991).mean())  # lower/higher percentiles
    values = np.concatenate([np.full(990, 3.0), np.full(5, -1e3), np.full(5, 1e6)])
    assert filtered_mean(values) == 3.0
    assert values.mean() > 1000


class LinearStubG(nn.Module):
    """A generator whose mapping (z -> z @ A) and synthesis (w -> (w @ B) as a 1-channel image, plus the last
    layer's noise) are linear, with the call interface perceptual_path_length uses."""

    def __init__(self, A, B, resolution=16, upsample_to=None):
        super().__init__()
        self.A, self.B = nn.Parameter(A), nn.Parameter(B)
        self.cfg = SimpleNamespace(latent_size=A.shape[0], resolution=upsample_to or resolution)
        self.base = resolution
        self.num_layers = 2 * int(math.log2(self.cfg.resolution)) - 2
        self.mapping_inputs = []

    def mapping(self, z):
        self.mapping_inputs.append(z.clone())
        return z @ self.A

    def synthesis(self, ws, resolution=None, noise=None):
        assert ws.shape[1] == self.num_layers and resolution == self.cfg.resolution
        assert len(noise) == self.num_layers
        assert torch.equal(ws, ws[:, :1].expand_as(ws))  # the same w in every layer: no mixing
        img = (ws[:, 0] @ self.B).view(-1, 1, self.base, self.base)
        if self.cfg.resolution != self.base:
            f = self.cfg.resolution // self.base
            img = img.repeat_interleave(f, dim=2).repeat_interleave(f, dim=3)
        return img + noise[-1]  # noise that differed within a pair would dominate the path length


def _squared_l2(a, b):
    return ((a - b) ** 2).flatten(1).sum(1)


def _recorded_pairs(G):
    """z0, z1 of every pair, from the mapping inputs of a W-space run."""
    z = torch.cat(G.mapping_inputs)
    return z[0::2], z[1::2]


@pytest.mark.parametrize("sampling", ["end", "full"])
def test_ppl_in_w_of_a_linear_generator_equals_the_hand_value(sampling):
    gen = torch.Generator().manual_seed(0)
    A = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    B = torch.randn(4, 256, generator=gen, dtype=torch.float64)
    G = LinearStubG(A, B)
    out = perceptual_path_length(G, _squared_l2, num_samples=10, space="w", sampling=sampling, batch_size=4,
                                 progress=False)
    z0, z1 = _recorded_pairs(G)
    # image step = eps * (z1 - z0) A B, so d / eps^2 = ||((z1 - z0) A B) restricted to the crop||^2, any t
    step = ((z1 - z0) @ A @ B).view(-1, 16, 16)[:, 6:14, 4:12]
    expected = (step**2).flatten(1).sum(1).numpy()
    assert out["values"].shape == (10,)
    np.testing.assert_allclose(out["values"], expected, rtol=1e-6)
    assert out["ppl"] == pytest.approx(filtered_mean(expected), rel=1e-6)
    assert (out["space"], out["sampling"], out["epsilon"], out["num_samples"]) == ("w", sampling, 1e-4, 10)

    uncropped = perceptual_path_length(G, _squared_l2, num_samples=10, space="w", sampling=sampling,
                                       batch_size=4, crop=False, progress=False)
    np.testing.assert_allclose(uncropped["values"], (((z1 - z0) @ A @ B) ** 2).sum(1).numpy(), rtol=1e-6)


def test_ppl_in_z_end_of_a_linear_generator_equals_the_hand_value():
    gen = torch.Generator().manual_seed(1)
    A = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    B = torch.randn(4, 256, generator=gen, dtype=torch.float64)
    G = LinearStubG(A, B)
    perceptual_path_length(G, _squared_l2, num_samples=6, space="w", batch_size=4, progress=False, seed=3)
    z0, z1 = _recorded_pairs(G)  # one seed gives the same pairs in Z and in W
    out = perceptual_path_length(G, _squared_l2, num_samples=6, space="z", sampling="end", batch_size=4,
                                 progress=False, seed=3)
    # at t = 0 the slerp path leaves z0/|z0| with speed theta along c, the unit vector in the plane towards z1
    a, b = z0 / z0.norm(dim=1, keepdim=True), z1 / z1.norm(dim=1, keepdim=True)
    cos = (a * b).sum(1, keepdim=True)
    theta = torch.acos(cos)
    c = (b - cos * a) / (b - cos * a).norm(dim=1, keepdim=True)
    step = (theta * c @ A @ B).view(-1, 16, 16)[:, 6:14, 4:12]
    np.testing.assert_allclose(out["values"], (step**2).flatten(1).sum(1).numpy(), rtol=1e-3)


def test_ppl_in_z_full_of_an_isometric_generator_is_scale_times_angle_squared():
    gen = torch.Generator().manual_seed(2)
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=gen, dtype=torch.float64))
    A = 3.0 * q  # an isometry times 3: every direction of the slerp path has the same speed
    B = torch.zeros(4, 256, dtype=torch.float64)
    for i, (row, col) in enumerate([(6, 4), (7, 9), (12, 5), (13, 11)]):  # four pixels inside the crop
        B[i, row * 16 + col] = 1.0
    G = LinearStubG(A, B)
    perceptual_path_length(G, _squared_l2, num_samples=8, space="w", batch_size=8, progress=False, seed=5)
    z0, z1 = _recorded_pairs(G)
    theta = torch.acos((z0 * z1).sum(1) / (z0.norm(dim=1) * z1.norm(dim=1)))
    for sampling in ("full", "end"):
        out = perceptual_path_length(G, _squared_l2, num_samples=8, space="z", sampling=sampling, batch_size=8,
                                     progress=False, seed=5)
        np.testing.assert_allclose(out["values"], (9.0 * theta**2).numpy(), rtol=1e-3)


def test_ppl_crops_then_box_downsamples_large_images_to_256():
    gen = torch.Generator().manual_seed(3)
    A = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    B = torch.randn(2, 256, generator=gen, dtype=torch.float64)
    seen = []

    def distance(a, b):
        seen.append(a.shape)
        return _squared_l2(a, b)

    big = perceptual_path_length(LinearStubG(A, B, upsample_to=1024), distance, num_samples=2, batch_size=2,
                                 progress=False)
    small = perceptual_path_length(LinearStubG(A, B), _squared_l2, num_samples=2, batch_size=2, progress=False)
    assert seen == [(2, 1, 256, 256)]  # 1024 -> crop 512 -> box-downsample by 2
    np.testing.assert_allclose(big["values"], 32**2 * small["values"], rtol=1e-6)  # each pixel is a 32x32 block


def test_ppl_smoke_with_the_real_generator():
    from stylegan_edu.generator import Generator

    torch.set_num_threads(1)
    G = Generator("toy-32").eval()
    shapes = []

    def distance(a, b):
        shapes.append(tuple(a.shape))
        return (a - b).pow(2).mean(dim=(1, 2, 3))

    for space, sampling in (("w", "end"), ("z", "full")):
        out = perceptual_path_length(G, distance, num_samples=8, space=space, sampling=sampling, batch_size=4,
                                     progress=False)
        assert out["values"].shape == (8,) and np.isfinite(out["values"]).all() and (out["values"] > 0).all()
        assert np.isfinite(out["ppl"])
    assert set(shapes) == {(4, 3, 16, 16)}  # the 32 px face crop
    with pytest.raises(ValueError, match="space"):
        perceptual_path_length(G, distance, num_samples=2, space="x", progress=False)


# ----------------------------------------------------------------------------------------- separability


def test_conditional_entropy_by_hand():
    y = np.array([0, 0, 1, 1, 0, 1, 1, 1])
    assert conditional_entropy_bits(y, y) == 0.0
    assert conditional_entropy_bits(y, 1 - y) == 0.0  # X still determines Y
    assert conditional_entropy_bits([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(1.0)
    # X = 0: Y = 0,0,0,1 (H = 0.8113 bits); X = 1: Y = 1,1,1,1 (H = 0); each X half the time
    x = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    h = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert conditional_entropy_bits(y.astype(bool), x) == pytest.approx(0.5 * h)
    with pytest.raises(ValueError):
        conditional_entropy_bits([0, 2], [0, 1])


def _unit_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_linear_separability_is_near_one_for_linear_attributes_with_the_true_normals():
    rng = np.random.default_rng(6)
    latents = rng.normal(size=(2000, 6))
    dirs = _unit_rows(rng.normal(size=(3, 6)))
    probs = 1 / (1 + np.exp(-8 * (latents @ dirs.T + np.array([0.0, 0.3, -0.2]))))
    out = linear_separability(latents, probs, names=["smile", "glasses", "age"])
    assert out["score"] < 1.05, out["entropies"]
    assert list(out["entropies"]) == ["smile", "glasses", "age"] and out["num_kept"] == 1000
    assert out["normals"].shape == (3, 6) and out["skipped"] == []
    np.testing.assert_allclose(np.linalg.norm(out["normals"], axis=1), 1.0)
    assert (np.sum(out["normals"] * dirs, axis=1) > 0.95).all()
    # the hyperplane's offset: p = 0.5 where dirs . x = -offset, so the intercept is about the offset
    np.testing.assert_allclose(out["intercepts"], [0.0, 0.3, -0.2], atol=0.15)


def test_linear_separability_is_about_two_to_the_a_for_random_labels():
    rng = np.random.default_rng(7)
    latents = torch.from_numpy(rng.normal(size=(2000, 6)))
    probs = rng.uniform(size=(2000, 3))
    out = linear_separability(latents, probs)
    assert out["score"] > 6.5  # 2^3 = 8 when the SVM side says nothing about the label
    assert all(h > 0.9 for h in out["entropies"].values())


def test_linear_separability_skips_single_class_attributes_with_a_named_warning():
    rng = np.random.default_rng(8)
    latents = rng.normal(size=(400, 4))
    probs = np.stack([1 / (1 + np.exp(-8 * latents[:, 0])), rng.uniform(0.6, 1.0, 400)], axis=1)
    with pytest.warns(RuntimeWarning, match="'beard'.*entropy 0"):
        out = linear_separability(latents, probs, names=["smile", "beard"])
    assert out["entropies"]["beard"] == 0.0 and out["skipped"] == ["beard"]
    assert np.isnan(out["normals"][1]).all() and np.isfinite(out["normals"][0]).all()


# --- attribute histograms (metrics/attribute_histograms.py) ---------------------------------------------------

def test_attribute_histogram_distance_known_answers():
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES, attribute_index
    from stylegan_edu.metrics.attribute_histograms import (attribute_histogram, histogram_distances,
                                                           total_variation)

    g = attribute_index("glasses")
    # 30 % glasses against none: TV = 0.3; values a little off 0/1 (a reader's) fall into the right bin
    real = np.array([1.04] * 3 + [-0.02] * 7)
    assert attribute_histogram(real, g).tolist() == [0.7, 0.3]
    assert total_variation(attribute_histogram(real, g), attribute_histogram(np.zeros(10), g)) == pytest.approx(0.3)
    # continuous: 10 bins over the range; out-of-range values go to the end bins
    s = attribute_index("skin_tone")  # range 0 ... 1
    h = attribute_histogram(np.array([-0.5, 0.05, 0.95, 1.7]), s)
    assert h.tolist() == [0.5] + [0.0] * 8 + [0.5]
    # all light against all dark skin: no overlap; a set against itself: 0
    a = np.zeros((100, len(ATTRIBUTE_NAMES)))
    b = a.copy()
    b[:, s] = 0.99
    assert histogram_distances(a, b, names=["skin_tone"]) == {"skin_tone": 1.0}
    assert histogram_distances(a, a, names=["skin_tone", "glasses"]) == {"skin_tone": 0.0, "glasses": 0.0}
    with pytest.raises(ValueError, match="must be"):
        histogram_distances(a[:, :5], a)
    with pytest.raises(ValueError, match="different shapes"):
        total_variation([0.5, 0.5], [1.0])


def test_linear_separability_known_answers_without_an_svm():
    """Latents that are all one point: every sample gets the same side, so H(label | side) = H(label), the
    binary entropy of the kept labels' share (computed here by its formula); latents that split the labels: 1."""
    from stylegan_edu.metrics import linear_separability

    def h(q):
        return -q * math.log2(q) - (1 - q) * math.log2(1 - q)

    probs = np.array([[0.9, 0.95], [0.1, 0.05], [0.9, 0.05], [0.1, 0.05],
                      [0.55, 0.52], [0.45, 0.48], [0.52, 0.45], [0.48, 0.55]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a constant latent must not divide by a zero normal
        out = linear_separability(np.zeros((8, 3)), probs)
    assert out["score"] == pytest.approx(2 ** (h(1 / 2) + h(1 / 4)), rel=1e-12)
    assert np.isnan(out["normals"]).all()
    split = np.array([[1, 1], [-1, -1], [1, -1], [-1, -1], [0, 0], [0, 0], [0, 0], [0, 0]], dtype=float)
    assert linear_separability(split, probs)["score"] == 1.0


# The second: singular covariances (N < D). Their zero eigenvalues come out as rounding noise of about 1e-16 of
# the largest, whose square roots (1e-8 each) both methods add up differently: against a 40-digit mpmath
# computation both were 1.2e-6 off on the nearly-equal pair below, so there only 1e-5 absolute is asked for.
@pytest.mark.parametrize("n, d, near_abs", [(3000, 64, 1e-9), (40, 64, 1e-5)])
def test_frechet_distance_eigh_equals_sqrtm(n, d, near_abs):
    rng = np.random.default_rng(d + n)
    real = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / math.sqrt(d)
    fake = np.maximum(0.2 + rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / math.sqrt(d), 0)
    (mu1, s1), (mu2, s2) = feature_statistics(real), feature_statistics(fake)
    sqrtm = frechet_distance(mu1, s1, mu2, s2, method="sqrtm")
    assert frechet_distance(mu1, s1, mu2, s2, method="eigh") == pytest.approx(sqrtm, rel=1e-6)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(sqrtm, rel=1e-6)  # eigh is the default
    # nearly equal sets, where the trace terms cancel down to a small FID
    near = real + 0.01 * rng.normal(size=real.shape)
    mu3, s3 = feature_statistics(near)
    small = frechet_distance(mu1, s1, mu3, s3, method="sqrtm")
    assert frechet_distance(mu1, s1, mu3, s3) == pytest.approx(small, rel=1e-6, abs=near_abs)


def test_frechet_distance_eigh_rejects_what_is_not_a_covariance():
    with pytest.raises(ValueError, match="negative eigenvalue"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), -np.eye(3))
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(np.zeros(2), [[1.0, 0.5], [0.0, 1.0]], np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="method must be one of eigh, sqrtm"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), method="svd")
