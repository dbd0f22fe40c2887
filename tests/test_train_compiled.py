"""Training through torch.compile (stylegan_edu/train/compiled_step.py) on the CPU.

Compiling the step takes a minute or two on a 2-core CPU (later compiles of the same graphs read inductor's disk
cache), so one test carries the main checks: stable steps with and without R1 run compiled and equal the eager
steps up to rounding (the same random numbers), and a resumed compiled run repeats the uninterrupted one exactly.
"""

import copy

import pytest
import torch
from torch._dynamo.utils import counters

from stylegan_edu.data import build_toyfaces, open_dataset
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer

# toy-32 stable at 32 px with R1 every second step, so that both kinds of step run compiled
STABLE = get_train_config("toy-32").replace(start_resolution=32, minibatch={32: 8}, minibatch_base=8,
                                            stable_kimg=1000.0, snapshot_kimg=1000.0, amp="none",
                                            channels_last=False, r1_interval=2, compile=True)


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return open_dataset(build_toyfaces(32, 32, tmp_path_factory.mktemp("data") / "tf", workers=1, progress=False))


def _loss_d(tr, n):
    return [tr.step()["loss_D"] for _ in range(n)]


def test_compiled_steps_equal_the_eager_ones_and_resume_exactly(toy_data, capsys):
    eager = Trainer(STABLE.replace(compile=False), toy_data, None, progress=False)
    expected = [eager.step() for _ in range(3)]
    counters.clear()
    tr = Trainer(STABLE, toy_data, None, progress=False)
    stats = [tr.step() for _ in range(3)]
    assert counters["stats"]["unique_graphs"] >= 4  # G and D, each with and without gradients
    assert tr._compiled.key == (32, 8)
    assert "torch.compile: G and D for 32 px, minibatch 8 compile" in capsys.readouterr().out
    assert [("r1" in s) for s in stats] == [True, False, True]
    # rounding differences grow from step to step (Adam scales small gradient differences up); other random
    # numbers (another batch of fakes or noise) would move these losses by tenths
    for step, (got, want) in enumerate(zip(stats, expected)):
        for k in ("loss_D", "loss_G", "r1"):
            if k in want:
                assert got[k] == pytest.approx(want[k], rel=1e-3 if step < 2 else 1e-2), (step, k, got, want)
    for a, b in zip(tr.G_ema.parameters(), eager.G_ema.parameters()):
        assert torch.allclose(a, b, rtol=1e-2, atol=1e-3)

    state = copy.deepcopy(tr.state_dict())
    uninterrupted = _loss_d(tr, 2)
    resumed = Trainer(STABLE, toy_data, None, progress=False)
    resumed.load_state_dict(state)
    assert _loss_d(resumed, 2) == uninterrupted


def test_a_fade_in_runs_eagerly(toy_data):
    cfg = STABLE.replace(start_resolution=16, minibatch={16: 8, 32: 8}, stable_kimg=0.0, fade_kimg=1000.0)
    tr = Trainer(cfg, toy_data, None, progress=False)
    tr.nimg = 500_000  # half way through 32 px fading in
    s = tr.step()
    assert s["resolution"] == 32 and 0 < s["alpha"] < 1 and tr._compiled.key is None


def test_compile_and_cuda_graphs_are_refused_together():
    with pytest.raises(ValueError, match="compile and cuda_graphs"):
        STABLE.replace(cuda_graphs=True)
