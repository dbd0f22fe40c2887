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


# --- CUDA graphs, fp16 loss scaling, exact resume, NCCL ------------------------------------------------------

def _stable(**kw):
    """toy-32 stable at 32 px (alpha 1): the phase a CUDA graph captures; R1 every 2nd step (two graphs)."""
    return get_train_config("toy-32").replace(**{**dict(start_resolution=32, minibatch={32: 8}, minibatch_base=8,
                                                        stable_kimg=1000.0, snapshot_kimg=1000.0,
                                                        channels_last=False, r1_interval=2), **kw})


@pytest.fixture(scope="module")
def data32(tmp_path_factory):
    return open_dataset(build_toyfaces(32, 32, tmp_path_factory.mktemp("d") / "tf", workers=1, progress=False))


def _losses(tr, n):
    return torch.tensor([(s["loss_D"], s["loss_G"], s.get("r1", 0.0)) for s in (tr.step() for _ in range(n))])


def test_cuda_graph_replays_compute_the_eager_step(data32):
    from stylegan_edu.train.graphs import StepGraphs

    graphed = Trainer(_stable(amp="none", cuda_graphs=True), data32, None, device="cuda", progress=False)
    eager = Trainer(_stable(amp="none", cuda_graphs=True), data32, None, device="cuda", progress=False)
    eager._graphs = StepGraphs(eager, capture=False)  # the same step, run eagerly
    a, b = _losses(graphed, 6), _losses(eager, 6)
    print("graphed", a.tolist(), "\neager", b.tolist())
    assert torch.isfinite(a).all()
    # the first step starts from equal weights and draws the same z and noise: equal to rounding. Later steps
    # drift apart as GAN runs do from rounding differences (cuDNN's backward kernels add in any order)
    assert torch.allclose(a[0], b[0], rtol=1e-3, atol=1e-5), (a[0], b[0])
    assert (a - b).abs().max() < 0.1, (a, b)


def test_compiled_training_steps_compute_the_eager_step_on_cuda(data32):
    compiled = Trainer(_stable(amp="none", compile=True), data32, None, device="cuda", progress=False)
    eager = Trainer(_stable(amp="none"), data32, None, device="cuda", progress=False)
    a, b = _losses(compiled, 4), _losses(eager, 4)
    print("compiled", a.tolist(), "\neager", b.tolist())
    assert compiled._compiled.key is not None and torch.isfinite(a).all()
    # the same z, mixing and noise (fallback_random): the first step equal to rounding, then the usual drift
    assert torch.allclose(a[0], b[0], rtol=1e-3, atol=1e-5), (a[0], b[0])
    assert (a - b).abs().max() < 0.1, (a, b)


def test_resume_on_cuda_repeats_the_run(data32, tmp_path):
    cfg = _stable(amp="none")
    straight, again = (_losses(Trainer(cfg, data32, None, device="cuda", progress=False), 6) for _ in range(2))
    first = Trainer(cfg, data32, tmp_path, device="cuda", progress=False)
    _losses(first, 3)
    path = first.snapshot()
    second = Trainer(cfg, data32, tmp_path, device="cuda", progress=False)
    second.resume(path)  # weights, Adam states and the CUDA generator's state
    resumed = _losses(second, 1)[0]
    # measured on an H200: two uninterrupted runs differ by ~1e-4 after 3 steps (cuDNN's backward kernels add in
    # any order), so the step after a resume is held to that spread, not to bit equality; a lost RNG or Adam
    # state moves it by far more
    spread = (straight[3] - again[3]).abs().max().item()
    assert (resumed - straight[3]).abs().max() <= 5 * spread + 2e-3, (resumed, straight[3], spread)


def test_cuda_graphs_with_bf16_and_channels_last_learn(data32):
    tr = Trainer(_stable(amp="bf16", cuda_graphs=True, channels_last=True), data32, None, device="cuda",
                 progress=False)
    before = [p.detach().clone() for p in tr.G.parameters()]
    assert torch.isfinite(_losses(tr, 4)).all()
    assert any(not torch.equal(x, y) for x, y in zip(before, tr.G.parameters()))


def test_fp16_with_loss_scaling_tracks_fp32_on_cuda(data32):
    curves = {amp: _losses(Trainer(_stable(amp=amp, r1_interval=1), data32, None, device="cuda",
                                   progress=False), 200)[:, :2] for amp in ("none", "fp16")}
    assert torch.isfinite(curves["fp16"]).all()
    print({k: (v[:20].mean(0).tolist(), v[-50:].mean(0).tolist()) for k, v in curves.items()})
    # the first steps differ: D's steps are skipped while the loss scale comes down from 65536 (R1's gradients
    # overflow it). Measured on an H200: last-50 means fp32 D 0.52 / G 2.92, fp16 0.57 / 2.76
    assert (curves["fp16"][-50:].mean(0) - curves["none"][-50:].mean(0)).abs().max() < 0.25
    assert (curves["none"][-50:].mean(0) - curves["none"][:20].mean(0)).abs().max() > 0.25  # the curves moved


def test_torchrun_nccl_puts_the_rank_on_its_local_gpu(tmp_path):
    import subprocess
    import sys

    data = build_toyfaces(32, 32, tmp_path / "tf", workers=1, progress=False)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1", "-m",
           "stylegan_edu", "train", "--config", "toy-32", "--data", str(data), "--kimg", "0.1",
           "--out", str(tmp_path / "run"), "--no-progress"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    snap = sorted((tmp_path / "run").glob("snapshot-*.pt"))[-1]
    from stylegan_edu.train.checkpoint import load_snapshot

    assert "cuda" in load_snapshot(snap, map_location="cpu")["rng"]  # the rank trained on a GPU (its CUDA generator was saved)
