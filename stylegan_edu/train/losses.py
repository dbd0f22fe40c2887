"""The GAN losses of the paper (training/loss.py of the official code).

Default: non-saturating logistic loss for G, logistic loss with R1 penalty for D (gamma = 10, FFHQ).
Option: WGAN-GP with the drift term of progressive GAN. Scores and penalties are computed in float32;
the R1 / gradient-penalty pass through D runs outside autocast.

Penalties while the networks grow: the official code feeds D the reals nearest-upscaled to the final size
(D then box-downsamples them by f = final / r), and takes the gradient with respect to those full-size
images. The box filter's gradient is dy / f^2 spread over f x f pixels, so the full-size squared gradient
norm is the r x r one divided by f^2 (and the norm by f). `final_resolution` applies that factor, so our
r x r penalties equal the official ones at every resolution and alpha (tests/test_train.py checks it
against the literal full-size form).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def g_logistic_nonsaturating(fake_scores: torch.Tensor) -> torch.Tensor:
    """G maximises log D(G(z)): softplus(-D(G(z)))."""
    return F.softplus(-fake_scores.float()).mean()


def d_logistic(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """softplus(D(fake)) + softplus(-D(real)), averaged over the batch."""
    return (F.softplus(fake_scores.float()) + F.softplus(-real_scores.float())).mean()


def _upscale_factor(images: torch.Tensor, final_resolution: int | None) -> float:
    """f = final / r: how much the official code enlarges r x r images before D sees them."""
    r = images.shape[-1]
    if final_resolution is None:
        return 1.0
    if final_resolution < r or final_resolution % r:
        raise ValueError(f"final_resolution {final_resolution} must be a multiple of the image size {r}")
    return final_resolution / r


def r1_penalty(real_scores: torch.Tensor, reals: torch.Tensor, final_resolution: int | None = None) -> torch.Tensor:
    """Per-sample squared norm of the gradient of D's score with respect to the real images, averaged.

    `reals` must have requires_grad set before the D pass. create_graph=True lets D learn from it.
    final_resolution: measure the gradient as the official code does, with respect to the reals
    nearest-upscaled to this size (divides the r x r value by (final / r)^2; None: as the images are).
    """
    f = _upscale_factor(reals, final_resolution)
    (grad,) = torch.autograd.grad(real_scores.float().sum(), reals, create_graph=True)
    return grad.float().square().sum(dim=(1, 2, 3)).mean() / (f * f)


def g_wgan(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.float().mean()


def d_wgan(real_scores: torch.Tensor, fake_scores: torch.Tensor, epsilon: float = 0.001) -> torch.Tensor:
    """Wasserstein critic loss plus the drift term epsilon * D(real)^2 that keeps scores near 0."""
    real, fake = real_scores.float(), fake_scores.float()
    return (fake - real + epsilon * real.square()).mean()


def gradient_penalty(D, reals: torch.Tensor, fakes: torch.Tensor, alpha: float, target: float = 1.0,
                     final_resolution: int | None = None) -> torch.Tensor:
    """WGAN-GP: ((||grad D(x_hat)|| - target) / target)^2 at random points x_hat between real and fake.

    final_resolution: the norm is taken with respect to x_hat nearest-upscaled to this size, as in the
    official code (divides the r x r norm by final / r).
    """
    f = _upscale_factor(reals, final_resolution)
    t = torch.rand(reals.shape[0], 1, 1, 1, device=reals.device, dtype=reals.dtype)
    mixed = torch.lerp(reals.detach(), fakes.detach(), t).requires_grad_(True)
    scores = D(mixed, alpha=alpha)
    (grad,) = torch.autograd.grad(scores.float().sum(), mixed, create_graph=True)
    norm = grad.float().flatten(1).norm(dim=1) / f
    return ((norm - target) / target).square().mean()
