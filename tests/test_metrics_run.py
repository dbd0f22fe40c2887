"""The metrics runner and `stylegan-edu metrics`: labelled outputs, offline errors, one JSON object."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from stylegan_edu.data import build_toyfaces, open_dataset
from stylegan_edu.generator import Generator
from stylegan_edu.metrics.run import METRICS, compute_metrics, parse_metrics, quantize
from stylegan_edu.metrics.weights import WeightsError
from stylegan_edu.train.checkpoint import save_snapshot
from stylegan_edu.train.config import get_train_config

# a random generator makes faces on which some attributes never vary: separability names and skips those
pytestmark = pytest.mark.filterwarnings("ignore:linear_separability.*no SVM fitted:RuntimeWarning")


@pytest.fixture(scope="module")
def reals(tmp_path_factory):
    folder = build_toyfaces(48, 32, tmp_path_factory.mktemp("data") / "tf", workers=1, progress=False)
    return open_dataset(folder)


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    return Generator("toy-32").eval()


@pytest.fixture
def no_weights(tmp_path, monkeypatch):
    """No standard weight files anywhere: an empty $STYLEGAN_EDU_WEIGHTS and cache folder."""
    monkeypatch.setenv("STYLEGAN_EDU_WEIGHTS", str(tmp_path / "weights"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_parse_metrics():
    assert parse_metrics("fid, ppl_wend,fid") == ["fid", "ppl_wend"]
    for bad in ("", "fid,bogus", "FID"):
        with pytest.raises(ValueError, match="unknown metric"):
            parse_metrics(bad)


def test_quantize_rounds_to_8_bit_levels():
    x = torch.linspace(-1.2, 1.2, 1001)
    q = quantize(x)
    levels = (q + 1) * 127.5
    torch.testing.assert_close(levels, levels.round(), atol=1e-4, rtol=0)
    assert q.min() == -1 and q.max() == 1 and (q - x.clamp(-1, 1)).abs().max() <= 1 / 127.5


def test_every_metric_is_labelled_toy_offline(G, reals, no_weights):
    with pytest.warns(UserWarning, match="ToyFaces network"):
        out = compute_metrics(G, list(METRICS), dataset=reals, num=32, features="toy", batch_size=16,
                              progress=False)
    names = set(out["metrics"])
    assert names == {"fid_toy", "kid_toy", "precision_toy", "recall_toy", "ppl_zfull_toy", "ppl_wfull_toy",
                     "ppl_zend_toy", "ppl_wend_toy", "ls_z_toy", "ls_w_toy", "attr_tv_skin_tone_toy",
                     "attr_tv_hair_color_toy", "attr_tv_glasses_toy"}
    tv = out["details"]["attr_tv_toy"]
    assert all(0 <= v <= 1 for v in tv.values())
    assert out["metrics"]["attr_tv_glasses_toy"] == pytest.approx(tv["glasses"], abs=1e-4)
    assert all(np.isfinite(v) for v in out["metrics"].values())
    assert out["metrics"]["fid_toy"] > 0
    for space in "zw":  # the score is 2 ** (sum of the per-attribute entropies the details list)
        entropies = out["details"][f"ls_{space}_toy"]
        assert out["metrics"][f"ls_{space}_toy"] == pytest.approx(2 ** sum(entropies.values()), rel=1e-3)
    from stylegan_edu.metrics.toy_features import load_toy_features

    acc = load_toy_features().metrics["validation"]["accuracy"]
    dropped = out["details"]["ls_dropped_attributes"]
    assert dropped == [n for n, a in acc.items() if a < 0.8] and not set(dropped) & set(entropies)


def test_same_seed_same_numbers(G, reals):
    a = compute_metrics(G, "fid,ppl_wend", dataset=reals, num=16, ppl_distance="toy", progress=False)
    b = compute_metrics(G, "fid,ppl_wend", dataset=reals, num=16, ppl_distance="toy", progress=False)
    assert a["metrics"] == b["metrics"]


def test_real_floor_compares_two_disjoint_real_sets(G, reals):
    out = compute_metrics(G, "fid,pr,attrs", dataset=reals, num=24, progress=False, real_floor=True)
    floor = out["real_floor"]
    assert set(floor) == set(out["metrics"])
    # reals against reals beat an untrained generator against reals on every figure
    assert floor["fid_toy"] < out["metrics"]["fid_toy"]
    assert floor["recall_toy"] > out["metrics"]["recall_toy"]
    for name in ("skin_tone", "hair_color"):
        assert floor[f"attr_tv_{name}_toy"] < out["metrics"][f"attr_tv_{name}_toy"]
    with pytest.raises(ValueError, match="two disjoint sets of 25 real images need 50"):
        compute_metrics(G, "fid", dataset=reals, num=25, progress=False, real_floor=True)
    with pytest.raises(ValueError, match="features='toy'"):
        compute_metrics(G, "attrs", dataset=reals, num=8, features="inception", progress=False)


def test_standard_networks_without_weights_say_which_file(G, reals, no_weights):
    with pytest.raises(WeightsError, match="pt_inception-2015-12-05-6726825d.pth"):
        compute_metrics(G, "fid", dataset=reals, num=8, features="inception", progress=False)
    with pytest.raises(WeightsError, match="vgg16-397923af.pth"):
        compute_metrics(G, "ppl_wend", num=8, ppl_distance="lpips", progress=False)
    with pytest.raises(ValueError, match="pass a dataset"):
        compute_metrics(G, "kid", num=8, progress=False)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "stylegan_edu", "metrics", *args], capture_output=True,
                          text=True, env=env)


def test_cli_prints_one_json_object(G, reals, tmp_path, no_weights):
    state = {"model_config": G.cfg.to_dict(), "train_config": get_train_config("toy-32").to_dict(),
             "G_ema": G.state_dict(), "progress": {"nimg": 0, "step": 0, "opt_key": None}}
    ckpt = save_snapshot(state, tmp_path / "run", 0, keep=1)
    r = _cli("--ckpt", str(ckpt), "--metrics", "fid,ls", "--num", "16", "--batch", "8", "--data",
             str(reals.folder), "--no-progress", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["metrics"]) == {"fid_toy", "ls_z_toy", "ls_w_toy"} and out["num"] == 16
    dropped = out["details"]["ls_dropped_attributes"]
    assert dropped and f"linear separability left out {', '.join(dropped)}" in r.stderr

    r = _cli("--ckpt", str(ckpt), "--metrics", "fid", "--num", "8", "--features", "inception", "--data",
             str(reals.folder), "--no-progress")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "pt_inception-2015-12-05-6726825d.pth" in r.stderr and "STYLEGAN_EDU_WEIGHTS" in r.stderr

    r = _cli("--ckpt", str(ckpt), "--metrics", "fid,nope", "--no-progress")
    assert r.returncode == 2 and "unknown metric nope" in r.stderr
