"""Fréchet Inception Distance (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule ...").

Fit a Gaussian to the features of real and of generated images, then measure the Fréchet (2-Wasserstein)
distance between the two Gaussians:

    FID = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))

The features are 2048-d Inception-v3 pool features in the paper's protocol (50k generated vs 50k real); here
any [N, D] array works, so the same code scores the small ToyFaces feature network too.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch


def as_numpy_features(x, name: str = "features") -> np.ndarray:
    """A torch tensor or array-like [N, D] -> float64 numpy array [N, D] (a 1-D input is one feature per row)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [N, D], got {list(x.shape)}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return x


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and covariance [D, D] of features [N, D] (unbiased covariance, as np.cov in the official code)."""
    x = as_numpy_features(features)
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors for a covariance, got {x.shape[0]}")
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


FRECHET_METHODS = ("eigh", "sqrtm")


def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6, method: str = "eigh") -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    Only the trace of (sigma1 sigma2)^(1/2) is needed, which is the sum of the square roots of the eigenvalues of
    sigma1 sigma2. method="eigh" (default) takes them from the symmetric matrix sigma1^(1/2) sigma2 sigma1^(1/2),
    which has the same eigenvalues (it is similar to the product), with two symmetric eigensolves: 2048-d sets
    in 3.1 s instead of 11.7 s on one CPU core, and equal to the sqrtm recipe to about 1e-14 relative
    (tests/test_metrics_math.py). method="sqrtm" is the usual recipe (the official TF FID code and pytorch-fid):
    the whole matrix square root of sigma1 @ sigma2 with scipy; if the product is singular and the root comes out
    non-finite, add eps * I to both covariances and try again; drop an imaginary part that rounding leaves behind,
    and refuse one that is not negligible.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"shapes do not match: mu1 {mu1.shape}, sigma1 {sigma1.shape}, "
                         f"mu2 {mu2.shape}, sigma2 {sigma2.shape}")
    if method == "eigh":
        trace_root = _trace_sqrt_product_eigh(sigma1, sigma2)
    elif method == "sqrtm":
        trace_root = _trace_sqrt_product_sqrtm(sigma1, sigma2, eps)
    else:
        raise ValueError(f"method must be one of {', '.join(FRECHET_METHODS)}, got {method!r}")
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root)


def _trace_sqrt_product_eigh(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr (sigma1 sigma2)^(1/2) from the eigenvalues of sigma1^(1/2) sigma2 sigma1^(1/2)."""
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.allclose(s, s.T, rtol=1e-8, atol=1e-12 * np.abs(s).max()):
            raise ValueError(f"{name} is not symmetric: not a covariance")
    w, v = np.linalg.eigh(sigma1)
    _check_nonnegative(w, "sigma1")
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root1 @ sigma2 @ root1
    e = np.linalg.eigvalsh((m + m.T) / 2)  # symmetric up to rounding: average the two halves
    _check_nonnegative(e, "sigma1^(1/2) sigma2 sigma1^(1/2)")
    return float(np.sqrt(np.clip(e, 0, None)).sum())  # eigenvalues a rounding error below 0 count as 0


def _check_nonnegative(eigenvalues: np.ndarray, name: str) -> None:
    # rounding leaves eigenvalues of about -1e-13 * the largest on a singular covariance; far more is a real one
    if eigenvalues.min() < -1e-6 * max(np.abs(eigenvalues).max(), 1e-300):
        raise ValueError(f"{name} has a negative eigenvalue ({eigenvalues.min():.3g}): not a covariance, its "
                         f"square root would be imaginary")


def _trace_sqrt_product_sqrtm(sigma1: np.ndarray, sigma2: np.ndarray, eps: float) -> float:
    """Tr (sigma1 sigma2)^(1/2) by scipy's matrix square root, as the official code computes it."""
    d = sigma1.shape[0]
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = eps * np.eye(d)
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # same tolerance as the usual recipe: the diagonal's imaginary part must be rounding noise
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm(sigma1 @ sigma2) has a large imaginary part "
                             f"(max {np.abs(covmean.imag).max():.3g}); are the covariances valid?")
        covmean = covmean.real
    return float(np.trace(covmean))


def fid_from_features(real, fake) -> float:
    """FID between two feature sets [N_real, D] and [N_fake, D] (numpy or torch)."""
    mu_r, sigma_r = feature_statistics(real)
    mu_f, sigma_f = feature_statistics(fake)
    return frechet_distance(mu_r, sigma_r, mu_f, sigma_f)
