"""R1 and the WGAN-GP penalty equal the official code's at every resolution and fade-in alpha.

The official training loop (NVlabs/stylegan, training_loop.py process_reals and loss.py) nearest-upscales
the reals to the final size, and D (networks_stylegan.py D_basic) box-downsamples its full-size input one
factor of 2 at a time down to the resolution it currently works at. Both penalties are gradients with respect
to that full-size input. Here that literal form is computed and compared with our r x r penalties.
"""

import pytest
import torch

from stylegan_edu.data.fade import fade_in_reals
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.resample import downscale2d, upscale2d
from stylegan_edu.train import losses
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer

FINAL = 32


def _official_D(D, alpha):
    """D as the official code calls it: a full-size image, box-downsampled by 2 until it reaches r."""
    def run(full, r):
        x = full
        while x.shape[-1] > r:
            x = downscale2d(x)
        return D(x, alpha=alpha)
    return run


@pytest.fixture(scope="module")
def D():
    torch.manual_seed(0)
    return Discriminator("toy-32")


@pytest.mark.parametrize("r", [8, 16, 32])
@pytest.mark.parametrize("alpha", [0.0, 0.37, 1.0])
def test_r1_equals_the_official_full_size_form(D, r, alpha):
    torch.manual_seed(r)
    reals = fade_in_reals(torch.randn(4, 3, r, r), alpha)
    f = FINAL // r
    full = upscale2d(reals, f).requires_grad_(True)  # the official reals: nearest-upscaled to the final size
    official = losses.r1_penalty(_official_D(D, alpha)(full, r), full)

    ours_in = reals.clone().requires_grad_(True)
    ours = losses.r1_penalty(D(ours_in, alpha=alpha), ours_in, final_resolution=FINAL)
    torch.testing.assert_close(ours, official, rtol=1e-4, atol=0)
    if f > 1:  # the r x r penalty without the factor is f^2 too large: the bug this guards against
        plain = losses.r1_penalty(D(ours_in, alpha=alpha), ours_in)
        assert plain.item() == pytest.approx(official.item() * f * f, rel=1e-4)


@pytest.mark.parametrize("r", [8, 32])
@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_wgan_gp_equals_the_official_full_size_form(D, r, alpha):
    torch.manual_seed(r + 1)
    reals, fakes = torch.randn(4, 3, r, r), torch.randn(4, 3, r, r)
    f = FINAL // r
    torch.manual_seed(7)
    t = torch.rand(4, 1, 1, 1)
    mixed = torch.lerp(upscale2d(reals, f), upscale2d(fakes, f), t).requires_grad_(True)
    (grad,) = torch.autograd.grad(_official_D(D, alpha)(mixed, r).sum(), mixed)
    official = (grad.flatten(1).norm(dim=1) - 1.0).square().mean()

    torch.manual_seed(7)  # gradient_penalty draws the same t
    ours = losses.gradient_penalty(D, reals, fakes, alpha, target=1.0, final_resolution=FINAL)
    torch.testing.assert_close(ours, official, rtol=1e-4, atol=1e-7)


def test_penalties_reject_a_final_size_that_is_not_a_multiple():
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    with pytest.raises(ValueError, match="multiple"):
        losses.r1_penalty((x * 2).sum((1, 2, 3)), x, final_resolution=12)


def test_the_training_loop_weights_r1_by_the_final_resolution(tmp_path, monkeypatch):
    from stylegan_edu.data import build_toyfaces, open_dataset
    seen = []
    real_r1 = losses.r1_penalty

    def spy(scores, reals, final_resolution=None):
        seen.append((reals.shape[-1], final_resolution))
        return real_r1(scores, reals, final_resolution)

    monkeypatch.setattr(losses, "r1_penalty", spy)
    data = open_dataset(build_toyfaces(16, 32, tmp_path / "tf", workers=1, progress=False))
    cfg = get_train_config("toy-32").replace(minibatch={8: 8, 16: 8, 32: 8}, minibatch_base=8, amp="none",
                                             channels_last=False, r1_interval=1)
    tr = Trainer(cfg, data, None, progress=False)
    tr.step()
    assert seen == [(8, 32)]
