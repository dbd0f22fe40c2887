"""Fine-tuning (stylegan_edu/train/finetune.py): the subset serves only its images, the trainer starts from the
given generator and leaves it alone, the D warm-up trains D only, and the attribute share counts the reader's
labels."""

import pytest
import torch

from stylegan_edu.data import ATTRIBUTE_NAMES, build_toyfaces, open_dataset
from stylegan_edu.generator import Generator
from stylegan_edu.train.finetune import (Subset, attribute_share, attribute_subset, finetune_config,
                                         finetune_trainer, warm_up_discriminator)


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
