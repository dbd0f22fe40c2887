"""Fine-tuning (stylegan_edu/train/finetune.py): the subset serves only its images, the trainer starts from the
given generator and leaves it alone, the D warm-up trains D only, and the attribute share counts the reader's
labels."""

import json
import subprocess
import sys

import pytest
import torch

from stylegan_edu.data import ATTRIBUTE_NAMES, build_toyfaces, open_dataset
from stylegan_edu.generator import Generator
from stylegan_edu.pretrained import export_generator
from stylegan_edu.train.checkpoint import list_snapshots, load_snapshot
from stylegan_edu.train.config import get_train_config
from stylegan_edu.train.loop import Trainer
from stylegan_edu.train.finetune import (Subset, attribute_share, attribute_subset, finetune_config,
                                         finetune_trainer, start_from, warm_up_discriminator)


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return open_dataset(build_toyfaces(64, 32, tmp_path_factory.mktemp("data") / "tf", workers=1, progress=False))


def test_attribute_subset_serves_only_the_chosen_faces(toy_data):
    j = ATTRIBUTE_NAMES.index("glasses")
    sub = attribute_subset(toy_data, "glasses", lambda v: v > 0.5)
    assert 0 < len(sub) < len(toy_data)
    assert len(sub) == int((toy_data.attributes[:, j] > 0.5).sum())
    _, attrs = sub.batch(32, 32, generator=torch.Generator().manual_seed(0))
    assert (attrs[:, j] == 1).all()
    images, _ = sub.batch([0], 16)
    want, _ = toy_data.batch([int(sub.indices[0])], 16)
    assert torch.equal(images, want)
    with pytest.raises(ValueError, match="unknown attribute"):
        attribute_subset(toy_data, "moustache", lambda v: v > 0)
    with pytest.raises(ValueError, match="empty"):
        Subset(toy_data, [])


def test_finetune_starts_from_the_generator_and_warm_up_trains_only_D(toy_data):
    torch.manual_seed(3)
    G = Generator("toy-32").eval()
    G_before = {k: v.clone() for k, v in G.state_dict().items()}
    sub = attribute_subset(toy_data, "glasses", lambda v: v > 0.5)
    cfg = finetune_config("toy-32", resolution=32, minibatch={32: 4}, r1_interval=2)
    tr = finetune_trainer(G, sub, cfg, device="cpu")
    z = torch.randn(3, G.cfg.latent_size)
    with torch.no_grad():
        want = G(z, noise_mode="const")
        assert torch.equal(tr.G_ema(z, noise_mode="const"), want)
        assert torch.equal(tr.G(z, noise_mode="const"), want)
    assert tr.phase().resolution == 32 and tr.phase().alpha == 1.0
    d_before = [p.detach().clone() for p in tr.D.parameters()]
    g_before = [p.detach().clone() for p in tr.G.parameters()]
    out = warm_up_discriminator(tr, 3)
    assert len(out) == 3 and all(torch.isfinite(torch.tensor(out)))
    assert any(not torch.equal(a, b) for a, b in zip(d_before, tr.D.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(g_before, tr.G.parameters()))
    assert tr.nimg == 0
    stats = tr.step()
    assert stats["resolution"] == 32 and tr.nimg == 4
    assert any(not torch.equal(a, b) for a, b in zip(g_before, tr.G.parameters()))
    assert all(torch.equal(v, G_before[k]) for k, v in G.state_dict().items())  # the given G is untouched
    with pytest.raises(ValueError, match="resolution"):
        finetune_trainer(G, sub, finetune_config("toy-32", resolution=16))


def test_attribute_share_counts_positive_logits():
    class Reader:
        def attribute_logits(self, images):
            out = torch.full((len(images), len(ATTRIBUTE_NAMES)), -1.0)
            out[:3, ATTRIBUTE_NAMES.index("glasses")] = 2.0
            return out

    images = torch.zeros(8, 3, 8, 8)
    assert attribute_share(images, Reader(), "glasses") == pytest.approx(3 / 8)
    assert attribute_share(images, Reader(), "bangs") == 0.0
    with pytest.raises(ValueError, match="unknown attribute"):
        attribute_share(images, Reader(), "hat")


# --- stylegan-edu train --init-from: a new run from a trained generator, with a D warm-up -------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "stylegan_edu", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def generator_file(toy_data, tmp_path_factory):
    """An exported toy-32 generator whose weights differ from what a new toy-32 run would draw (another seed)."""
    folder = tmp_path_factory.mktemp("source")
    cfg = get_train_config("toy-32").replace(seed=7, amp="none", channels_last=False)
    snap = Trainer(cfg, toy_data, folder, progress=False).snapshot()
    return export_generator(snap, folder / "gen.pt")


def test_cli_init_from_starts_from_the_generator_with_a_warmed_up_d(toy_data, generator_file, tmp_path):
    run = tmp_path / "run"
    r = _cli("train", "--config", "toy-32", "--data", str(toy_data.folder), "--out", str(run), "--init-from",
             str(generator_file), "--d-warmup-kimg", "0.032", "--kimg", "0.032", "--no-progress", "--threads", "1",
             "--amp", "none", "--no-channels-last", "--set", 'minibatch={"32": 8}', "--snapshot-kimg", "1000")
    assert r.returncode == 0, r.stderr
    assert f"D warm-up against {generator_file}, step 4/4: D loss" in r.stdout  # 32 images / 8 per step
    first, *rest = list_snapshots(run)
    start, given = load_snapshot(first), torch.load(generator_file, weights_only=True)["G_ema"]
    assert start["progress"]["nimg"] == 0 and start["train_config"]["start_resolution"] == 32
    for key, value in given.items():  # both copies of G begin as the generator, not as a fresh draw
        assert torch.equal(start["G"][key], value) and torch.equal(start["G_ema"][key], value), key
    fresh = Trainer(get_train_config("toy-32").replace(amp="none", channels_last=False), toy_data, None,
                    progress=False)
    assert any(not torch.equal(start["D"][k], v) for k, v in fresh.D.state_dict().items())  # warmed up
    end = load_snapshot(rest[-1])
    assert end["progress"]["nimg"] >= 32 and any(not torch.equal(end["G"][k], v) for k, v in given.items())
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert records[0]["init_from"] == str(generator_file) and records[0]["d_warmup_steps"] == 4
    assert [r["d_warmup_step"] for r in records if "d_warmup_step" in r] == [1, 2, 3, 4]  # every step of 4
    # then an ordinary run: --resume auto continues it
    r = _cli("train", "--data", str(toy_data.folder), "--out", str(run), "--resume", "auto", "--kimg", "0.048",
             "--no-progress", "--threads", "1")
    assert r.returncode == 0 and "resuming from" in r.stdout, r.stderr


@pytest.mark.parametrize("args, says", [
    (["--resume", "auto"], "--init-from starts a new run"),
    (["--config", "toy-64"], "the generator is a toy-32 model (32 px) and this run trains toy-64"),
    (["--set", "model.mapping_layers=2"], "this run trains toy-32 (custom)"),
])
def test_cli_init_from_refuses_what_it_cannot_do_in_one_line(toy_data, generator_file, tmp_path, args, says):
    base = ["train", "--data", str(toy_data.folder), "--out", str(tmp_path / "run"), "--init-from",
            str(generator_file)]
    r = _cli(*base, *(args if "--config" in args else ["--config", "toy-32", *args]))
    assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "run").exists() or not list_snapshots(tmp_path / "run")  # nothing written


def test_cli_init_from_a_missing_model_and_warmup_alone_are_one_line_errors(toy_data, tmp_path):
    base = ["train", "--config", "toy-32", "--data", str(toy_data.folder), "--out", str(tmp_path / "run")]
    r = _cli(*base, "--init-from", str(tmp_path / "nowhere.pt"))
    assert r.returncode == 2 and "--init-from" in r.stderr and "nowhere.pt" in r.stderr and r.stderr.count("\n") == 1
    r = _cli(*base, "--d-warmup-kimg", "1")
    assert r.returncode == 2 and "it needs --init-from" in r.stderr and r.stderr.count("\n") == 1


def _warmup_worker(rank, world, init_file, data_folder, out):
    import os

    import torch.distributed as dist
    from stylegan_edu.train.distributed import DistInfo
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    G = Generator("toy-32").eval()  # torch's seed is the same in both processes: the same "trained" G
    cfg = finetune_config("toy-32", resolution=32, minibatch={32: 8}, r1_interval=2)
    tr = Trainer(cfg, open_dataset(data_folder), None, device="cpu", dist_info=DistInfo(rank, world, rank),
                 progress=False)
    start_from(tr, G)
    d_losses = warm_up_discriminator(tr, 3)
    flat = torch.cat([p.detach().flatten() for p in tr.D.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(world)]
    dist.all_gather(gathered, flat)
    losses_seen = [None] * world
    dist.all_gather_object(losses_seen, d_losses)
    if rank == 0:
        torch.save({"D": gathered, "losses": losses_seen}, out)
    dist.barrier()
    dist.destroy_process_group()
    os._exit(0)  # as test_train's worker: no gloo teardown at interpreter exit


@pytest.mark.slow
def test_two_process_d_warm_up_keeps_the_ranks_identical(toy_data, tmp_path):
    """Each rank warms D up on its own half of the minibatch; the averaged gradients keep one D on both."""
    import torch.multiprocessing as mp
    out = tmp_path / "result.pt"
    mp.spawn(_warmup_worker, args=(2, str(tmp_path / "init"), str(toy_data.folder), str(out)), nprocs=2)
    res = torch.load(out)
    a, b = res["D"]
    assert torch.equal(a, b)
    assert res["losses"][0] != res["losses"][1]  # the ranks saw different images
