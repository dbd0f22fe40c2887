"""The CUDA path computes what the CPU path computes; training steps run under each autocast mode on a GPU.

Skipped without a CUDA device (CI has none); `benchmarks/cuda_suite.sh` runs these on a lent GPU.
"""

import math

import pytest
import torch

from stylegan_edu import pretrained
from stylegan_edu.data import build_toyfaces, open_dataset
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(autouse=True)
def _exact_fp32():
    # TF32 would make CUDA convolutions differ from the CPU in the 3rd decimal; compare true fp32 here.
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before


def test_shipped_generator_gives_the_same_faces_on_cuda():
    G = pretrained.load("toyfaces-64")
    z = torch.randn(8, G.cfg.latent_size, generator=torch.Generator().manual_seed(1))
    cpu = G(z, truncation_psi=0.7, noise_mode="const")
    gpu = pretrained.load("toyfaces-64", device="cuda")(z.cuda(), truncation_psi=0.7, noise_mode="const").cpu()
    assert (gpu - cpu).abs().max().item() < 1e-4


def test_discriminator_gives_the_same_scores_on_cuda():
    D = Discriminator("toy-64").eval()
    img = torch.randn(8, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    cpu = D(img)
    gpu = D.cuda()(img.cuda()).cpu()
    assert (gpu - cpu).abs().max().item() < 1e-4 * max(1.0, cpu.abs().max().item())


@pytest.mark.parametrize("amp", ["none", "bf16", "fp16"])
def test_training_steps_on_cuda_are_finite_and_learn(amp, tmp_path):
    data = open_dataset(build_toyfaces(64, 32, tmp_path / "tf", workers=1, progress=False))
    cfg = get_train_config("toy-32").replace(amp=amp, minibatch={8: 16, 16: 16, 32: 8}, minibatch_base=8,
                                             stable_kimg=0.064, fade_kimg=0.064, snapshot_kimg=1000.0)
    tr = Trainer(cfg, data, None, device="cuda", progress=False)
    assert tr.device.type == "cuda" and next(tr.G.parameters()).is_cuda
    before = [p.detach().clone() for p in tr.G.parameters()]
    for _ in range(8):  # 8 px, then into the 16 px fade-in
        s = tr.step()
        assert math.isfinite(s["loss_D"]) and math.isfinite(s["loss_G"]), s
    assert s["resolution"] == 16
    assert any(not torch.equal(a, b) for a, b in zip(before, tr.G.parameters()))


def test_r1_gradients_through_the_cuda_convolution_match_the_generic_path(monkeypatch):
    from test_conv import assert_r1_unchanged_by_gradfix

    D = Discriminator("toy-32").cuda()
    reals = torch.randn(4, 3, 32, 32, device="cuda", generator=torch.Generator("cuda").manual_seed(4))
    assert_r1_unchanged_by_gradfix(monkeypatch, D, reals, rtol_r1=1e-4, rtol=1e-3, atol=1e-6)
