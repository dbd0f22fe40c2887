"""Metrics of the paper and after it: FID, KID, perceptual path length, linear separability, precision/recall.

The mathematics lives in one short module per metric and works on plain feature arrays (numpy or torch), so
each can be checked on numbers whose answer is known. The feature networks that turn images into those
features (Inception-v3, LPIPS-VGG16, the small ToyFaces network) live beside them.
"""

from stylegan_edu.metrics.fid import feature_statistics, fid_from_features, frechet_distance
from stylegan_edu.metrics.kid import kernel_inception_distance
from stylegan_edu.metrics.ppl import filtered_mean, lerp, perceptual_path_length, ppl_crop, slerp
from stylegan_edu.metrics.precision_recall import precision_recall
from stylegan_edu.metrics.separability import conditional_entropy_bits, linear_separability

__all__ = [
    "conditional_entropy_bits",
    "feature_statistics",
    "fid_from_features",
    "filtered_mean",
    "frechet_distance",
    "kernel_inception_distance",
    "lerp",
    "linear_separability",
    "perceptual_path_length",
    "ppl_crop",
    "precision_recall",
    "slerp",
]
