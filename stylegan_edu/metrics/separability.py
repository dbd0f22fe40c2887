"""Linear separability (section 4.2 of the paper): how well a hyperplane in latent space splits the samples
by a binary attribute that a classifier sees in the images.

Per attribute: keep the most confident half of the samples (probability farthest from 0.5), label them
p > 0.5, fit a linear SVM (scikit-learn LinearSVC) to the latents and score it on the same data by the
conditional entropy H(Y|X) of the true label Y given the side X of the hyperplane. The score is
2^(sum over attributes of H(Y|X) in bits): 1 when every attribute is linearly separable, about 2^A for
A attributes that are unrelated to the latent. The official protocol uses 200k samples, 40 CelebA-HQ
attributes and keeps 100k per attribute; its published scores are 165.01 in Z and 3.74 in W.

The SVM normals are returned too: a later lesson edits an attribute by moving w along its normal.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.svm import LinearSVC

from stylegan_edu.metrics.fid import as_numpy_features


def _binary(x, name: str) -> np.ndarray:
    x = np.asarray(x).ravel()
    if x.dtype != bool:
        if not np.isin(x, (0, 1)).all():
            raise ValueError(f"{name} must be binary (bool or 0/1), got values {np.unique(x)[:5]}")
        x = x.astype(bool)
    return x


def conditional_entropy_bits(labels, predictions) -> float:
    """H(Y|X) in bits, Y the true binary label and X the binary prediction, from their 2x2 joint frequencies:
    H(Y|X) = -sum_{x,y} p(x, y) log2 p(x, y) / p(x). 0 when X determines Y, 1 when they are independent and
    Y is balanced."""
    y, x = _binary(labels, "labels"), _binary(predictions, "predictions")
    if y.shape != x.shape or y.size == 0:
        raise ValueError(f"labels and predictions must be equally long and non-empty, got {y.size} and {x.size}")
    joint = np.array([[np.mean(~x & ~y), np.mean(~x & y)],
                      [np.mean(x & ~y), np.mean(x & y)]])  # rows: X, columns: Y
    p_x = np.broadcast_to(joint.sum(axis=1, keepdims=True), joint.shape)
    nz = joint > 0
    return float(max(0.0, -np.sum(joint[nz] * np.log2(joint[nz] / p_x[nz]))))


def linear_separability(latents, probabilities, keep_fraction: float = 0.5,
                        names: Sequence[str] | None = None, max_iter: int = 1000,
                        random_state: int | None = 0) -> dict:
    """Linear separability of binary attributes in a latent space.

    latents: [N, D] (z or w); probabilities: [N, A] attribute probabilities from a classifier.
    keep_fraction: the share of most confident samples kept per attribute (the paper: 100k of 200k).
    max_iter: LinearSVC's iteration limit; 1000 is scikit-learn's default, which the official code uses
        (`LinearSVC()`); raise it if scikit-learn warns that the fit did not converge.
    random_state: seeds only the order in which LinearSVC's solver visits the samples (so the result repeats
        exactly; the official code leaves it unseeded); None leaves scikit-learn's default.

    Returns {"score": 2^(sum of entropies), "entropies": {name: H(Y|X) bits}, "normals": [A, D] unit normals
    pointing to the p > 0.5 side, "intercepts": [A] (so normals @ x + intercepts is the signed distance to the
    hyperplane), "skipped": names of attributes whose kept samples were all one class (entropy 0, normal and
    intercept NaN), "num_kept": samples kept per attribute}.
    """
    x_all = as_numpy_features(latents, "latents")
    probs = as_numpy_features(probabilities, "probabilities")
    n, num_attrs = probs.shape
    if x_all.shape[0] != n:
        raise ValueError(f"latents and probabilities need the same N, got {x_all.shape[0]} and {n}")
    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f"keep_fraction must lie in (0, 1], got {keep_fraction}")
    names = [f"attr{i}" for i in range(num_attrs)] if names is None else [str(s) for s in names]
    if len(names) != num_attrs:
        raise ValueError(f"need one name per attribute ({num_attrs}), got {len(names)}")
    num_keep = max(2, round(n * keep_fraction))
    if num_keep > n:
        raise ValueError(f"need at least 2 samples, got {n}")

    entropies, skipped = {}, []
    normals = np.full((num_attrs, x_all.shape[1]), np.nan)
    intercepts = np.full(num_attrs, np.nan)
    for a, name in enumerate(names):
        p = probs[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[n - num_keep:]  # the most confident
        x, y = x_all[keep], p[keep] > 0.5
        if y.all() or not y.any():
            warnings.warn(f"linear_separability: attribute {name!r}: all {num_keep} kept samples have label "
                          f"{int(y[0])}; no SVM fitted, counted as entropy 0", RuntimeWarning, stacklevel=2)
            entropies[name] = 0.0
            skipped.append(name)
            continue
        svm = LinearSVC(max_iter=max_iter, random_state=random_state).fit(x, y)
        entropies[name] = conditional_entropy_bits(y, svm.predict(x))
        norm = np.linalg.norm(svm.coef_[0])
        if norm > 0:  # a zero normal (latents that do not vary) has no hyperplane: normal and intercept stay NaN
            normals[a], intercepts[a] = svm.coef_[0] / norm, svm.intercept_[0] / norm

    return {"score": float(2.0 ** sum(entropies.values())), "entropies": entropies, "normals": normals,
            "intercepts": intercepts, "skipped": skipped, "num_kept": num_keep}
