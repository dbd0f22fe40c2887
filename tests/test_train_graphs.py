"""The CUDA-graph training step (stylegan_edu/train/graphs.py) and fp16 loss scaling, on the CPU.

The capture itself needs CUDA (tests/test_cuda.py); here the same static-buffer step runs eagerly
(`StepGraphs(capture=False)`): the tensor crossover, the warm-up that is undone, resuming, and the refusals.
"""

import math

import pytest
import torch

from stylegan_edu.data import build_toyfaces, open_dataset
from stylegan_edu.generator import Generator
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.graphs import StepGraphs, _StepGraph
from stylegan_edu.train.loop import Trainer

# toy-32 trained stable at 32 px (alpha 1 throughout), the phase a graph captures
STABLE = get_train_config("toy-32").replace(start_resolution=32, minibatch={32: 8}, minibatch_base=8,
                                            stable_kimg=1000.0, snapshot_kimg=1000.0, amp="none",
                                            channels_last=False, r1_interval=2)


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return open_dataset(build_toyfaces(32, 32, tmp_path_factory.mktemp("data") / "tf", workers=1, progress=False))


def _state(tr):
    out = [t.detach().clone() for m in (tr.G, tr.D, tr.G_ema) for t in (*m.parameters(), *m.buffers())]
    for opt in (tr.G_opt, tr.D_opt):
        out += [v.clone() for st in opt.state.values() for v in st.values() if torch.is_tensor(v)]
    return out


def _emulated(cfg, data, tmp_path=None):
    tr = Trainer(cfg, data, tmp_path, progress=False)
    tr._graphs = StepGraphs(tr, capture=False)
    return tr


def _losses(tr, n):
    return [(s["loss_D"], s["loss_G"], s.get("r1")) for s in (tr.step() for _ in range(n))]


def test_a_tensor_crossover_mixes_as_the_int_one():
    G = Generator("toy-32")
    z, zm = torch.randn(2, 4, G.cfg.latent_size, generator=torch.Generator().manual_seed(3))
    for k in (1, 3, G.num_layers):
        a = G(z, z_mix=zm, crossover=k, noise_mode="const")
        b = G(z, z_mix=zm, crossover=torch.tensor(k), noise_mode="const")
        assert torch.equal(a, b), k
    plain = G(z, noise_mode="const")
    assert torch.equal(G(z, z_mix=zm, crossover=torch.tensor(G.num_layers), noise_mode="const"), plain)
    assert not torch.equal(G(z, z_mix=zm, crossover=torch.tensor(1), noise_mode="const"), plain)


@pytest.mark.parametrize("steps_before", [0, 2])  # fresh Adam states (zeroed after the warm-up) / existing ones
def test_the_warm_up_before_a_capture_is_undone(toy_data, steps_before):
    a, b = Trainer(STABLE, toy_data, None, progress=False), Trainer(STABLE, toy_data, None, progress=False)
    for tr in (a, b):
        for _ in range(steps_before):
            tr.step()
        if tr.G_opt is None:
            tr._make_optimizers()
    reals, _ = toy_data.batch(8, 32, generator=torch.Generator().manual_seed(5))
    ph = a.phase()
    steps = [_StepGraph(tr, ph, True, reals, capture=False) for tr in (a, b)]
    before = _state(a)
    steps[0].fill(reals)
    steps[0].warm_up_and_undo()
    after = _state(a)
    if steps_before:
        assert len(after) == len(before)
    else:  # Adam states made by the warm-up, zeroed: what a fresh state holds
        assert len(after) > len(before) and not any(v.any() for v in after[len(before):])
    assert all(torch.equal(x, y) for x, y in zip(before, after))
    # the undone warm-up leaves nothing behind: the next step equals that of a trainer that never warmed up
    for step in steps:
        torch.manual_seed(7)
        step.fill(reals)
        torch.manual_seed(8)
        step.body()
    assert all(torch.equal(x, y) for x, y in zip(_state(a), _state(b)))
    assert not torch.equal(_state(a)[0], after[0])  # the step did change the weights


def test_graph_steps_learn_and_resume_exactly(toy_data, tmp_path):
    straight = _losses(_emulated(STABLE, toy_data), 6)
    assert all(math.isfinite(d) and math.isfinite(g) for d, g, _ in straight)
    assert [r is not None for _, _, r in straight] == [True, False] * 3  # R1 every 2nd step: two graphs
    first = _emulated(STABLE, toy_data, tmp_path)
    part1 = _losses(first, 3)
    path = first.snapshot()
    second = _emulated(STABLE, toy_data, tmp_path)
    second.resume(path)
    assert part1 + _losses(second, 3) == straight


def test_a_resumed_run_takes_capturable_from_its_own_setting(toy_data, tmp_path):
    # a snapshot written by a CUDA-graph run (capturable Adam) resumed without graphs, and the reverse on CUDA:
    # the loaded optimiser follows this run's cuda_graphs, or capture fails ("capturable is False")
    tr = Trainer(STABLE, toy_data, tmp_path, progress=False)
    tr.step()
    state = tr.state_dict()
    for key in ("G_opt", "D_opt"):
        state[key]["param_groups"] = [{**g, "capturable": True} for g in state[key]["param_groups"]]
    again = Trainer(STABLE, toy_data, None, progress=False)
    again.load_state_dict(state)
    assert all(not g["capturable"] for opt in (again.G_opt, again.D_opt) for g in opt.param_groups)
    assert math.isfinite(again.step()["loss_D"])


def test_graphs_keep_only_the_current_phase(toy_data):
    tr = _emulated(STABLE, toy_data)
    _losses(tr, 2)
    assert len(tr._graphs.steps) == 2  # with and without R1
    tr._make_optimizers()  # as at a new phase: the old graphs can no longer run
    _losses(tr, 1)
    assert len(tr._graphs.steps) == 1


def test_cuda_graphs_refuses_what_it_cannot_run(toy_data):
    with pytest.raises(ValueError, match="cuda_graphs does not run with amp='fp16'"):
        STABLE.replace(cuda_graphs=True, amp="fp16")
    with pytest.raises(ValueError, match="cuda_graphs needs a CUDA device, got cpu"):
        Trainer(STABLE.replace(cuda_graphs=True), toy_data, None, device="cpu", progress=False)


def test_a_cuda_graph_run_resumes_on_the_cpu_with_no_cuda_graphs(toy_data, tmp_path):
    """The snapshot keeps cuda_graphs=True; on a CPU the CLI refuses it in one line until --no-cuda-graphs."""
    import subprocess
    import sys

    from stylegan_edu.train.checkpoint import load_snapshot, save_snapshot

    tr = Trainer(STABLE, toy_data, tmp_path / "run", progress=False)
    tr.step()
    state = load_snapshot(tr.snapshot())
    state["train_config"]["cuda_graphs"] = True  # as written by a run on a GPU
    save_snapshot(state, tmp_path / "run", tr.nimg + 1, keep=5)
    cmd = [sys.executable, "-m", "stylegan_edu", "train", "--data", str(toy_data.folder), "--out",
           str(tmp_path / "run"), "--resume", "auto", "--device", "cpu", "--kimg", "0.03", "--no-progress"]
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].endswith(
        "cuda_graphs needs a CUDA device, got cpu (the CLI: --no-cuda-graphs)"), refused.stderr
    resumed = subprocess.run(cmd + ["--no-cuda-graphs"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-1000:]


# --- fp16 loss scaling (8 px: fp16 is emulated on CPUs, ~8x slower than fp32; the few-hundred-step comparison
# with fp32 is tests/test_cuda.py's) -----------------------------------------------------------------------

def test_fp16_skips_an_overflowing_step_and_halves_the_scale(toy_data):
    cfg = STABLE.replace(amp="fp16", start_resolution=8, minibatch={8: 8})
    tr = Trainer(cfg, toy_data, None, progress=False)
    tr.step()
    scale = tr.scaler.get_scale()
    assert 1 < scale <= 65536.0  # PyTorch's initial scale, halved at each overflow
    D_before = [p.detach().clone() for p in tr.D.parameters()]
    G_before = [p.detach().clone() for p in tr.G.parameters()]
    hook = next(tr.D.parameters()).register_hook(lambda g: torch.full_like(g, math.inf))
    tr.step()  # D's gradient overflows: D's update is skipped, G's is not, the scale halves
    hook.remove()
    assert all(torch.equal(a, b) for a, b in zip(D_before, tr.D.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(G_before, tr.G.parameters()))
    assert tr.scaler.get_scale() == scale / 2
    assert math.isfinite(tr.step()["loss_D"])
