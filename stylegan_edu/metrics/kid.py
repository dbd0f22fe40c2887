"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs").

The squared maximum mean discrepancy between real and generated features under the cubic polynomial kernel

    k(x, y) = (x . y / d + 1)^3,

estimated without bias (the diagonal k(x_i, x_i) is left out of the within-set sums) and averaged over random
subsets, as in the StyleGAN2-ADA metric (100 subsets of at most 1000 samples each). Unlike FID it has an
unbiased estimator, so two samples of one distribution score about 0 (and may go slightly negative).
"""

from __future__ import annotations

import numpy as np

from stylegan_edu.metrics.fid import as_numpy_features


def _polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kernel_inception_distance(real, fake, num_subsets: int = 100, max_subset_size: int = 1000,
                              seed: int = 0) -> float:
    """Unbiased MMD^2 between feature sets real [N, D] and fake [M, D], averaged over `num_subsets` subsets.

    Each subset draws m = min(N, M, max_subset_size) rows of each set without replacement.
    """
    x_all, y_all = as_numpy_features(real, "real"), as_numpy_features(fake, "fake")
    if x_all.shape[1] != y_all.shape[1]:
        raise ValueError(f"feature sizes differ: {x_all.shape[1]} and {y_all.shape[1]}")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}")
    m = min(x_all.shape[0], y_all.shape[0], max_subset_size)
    if m < 2:
        raise ValueError(f"need at least 2 samples in each set, got a subset size of {m}")
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(num_subsets):
        x = x_all[rng.choice(x_all.shape[0], m, replace=False)]
        y = y_all[rng.choice(y_all.shape[0], m, replace=False)]
        kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        total += within - 2.0 * kxy.mean()
    return float(total / num_subsets)
