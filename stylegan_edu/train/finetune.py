"""Fine-tuning a trained generator on part of the data (lesson 11): the same GAN training, starting from
trained weights instead of random ones.

    glasses = attribute_subset(load_toyfaces(2000, 64), "glasses", lambda v: v > 0.5)
    trainer = finetune_trainer(pretrained.load("toyfaces-64"), glasses)
    warm_up_discriminator(trainer, 20)        # the fresh D first learns what separates the subset from G's faces
    for _ in range(30):
        trainer.step()                         # then the usual D step + G step (loop.Trainer.step)

A shipped generator file holds only the EMA generator, so the discriminator starts from random weights. For its
first steps such a D gives G gradients that point nowhere in particular, and G (with Adam's normalised steps)
would wander; `warm_up_discriminator` therefore trains D alone for a few steps against the frozen G's samples
(a D warm-up), after which D and G alternate as in `Trainer.step`. The run stays at the generator's full
resolution (no progressive growing: every layer is already trained).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from stylegan_edu.train import losses
from stylegan_edu.train.config import TrainConfig, get_train_config
from stylegan_edu.train.loop import Trainer


class Subset:
    """The images of `dataset` at `indices`, served like the dataset (`batch`, `resolutions`, `len`)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = torch.as_tensor(indices, dtype=torch.long).flatten()
        if len(self.indices) == 0:
            raise ValueError("the subset is empty")
        self.resolutions = list(dataset.resolutions)
        self.kind = f"{getattr(dataset, 'kind', 'unknown')}-subset"
        self.attributes = dataset.attributes[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def batch(self, indices, resolution: int | None = None, mirror: bool = False,
              generator: torch.Generator | None = None, device=None):
        """As `CachedDataset.batch`: a batch size (drawn uniformly from the subset) or positions in the subset."""
        if isinstance(indices, int):
            indices = torch.randint(len(self), (indices,), generator=generator)
        return self.dataset.batch(self.indices[torch.as_tensor(indices, dtype=torch.long)], resolution, mirror,
                                  generator, device)

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} images of {self.dataset!r})"


def attribute_subset(dataset, name: str, keep: Callable[[torch.Tensor], torch.Tensor]) -> Subset:
    """The images whose ground-truth attribute `name` satisfies `keep(values) -> bool mask`,
    e.g. `attribute_subset(ds, "glasses", lambda v: v > 0.5)` or `(ds, "hair_color", lambda v: v < 0.25)`."""
    names = list(dataset.attribute_names)
    if name not in names:
        raise ValueError(f"unknown attribute {name!r}; the dataset has: {', '.join(names)}")
    mask = torch.as_tensor(keep(dataset.attributes[:, names.index(name)]), dtype=torch.bool)
    return Subset(dataset, torch.nonzero(mask).flatten())


def finetune_config(base: str | TrainConfig = "toy-64", resolution: int = 64, **changes) -> TrainConfig:
    """A training preset turned into a fine-tuning one: the whole run at `resolution` (no growing, no fade-in),
    fp32, no snapshots; `changes` override any setting (e.g. minibatch={64: 16}, lr_base=0.002,
    ema_half_life_kimg=0.05: a short half-life, so the EMA generator follows a run of a few hundred images)."""
    cfg = get_train_config(base) if isinstance(base, str) else base
    settings = dict(start_resolution=resolution, stable_kimg=1e9, fade_kimg=0.0, total_kimg=1e9,
                    snapshot_kimg=1e9, ema_half_life_kimg=0.05, amp="none", channels_last=False)
    settings.update(changes)
    return cfg.replace(**settings)


def finetune_trainer(G, dataset, cfg: TrainConfig | None = None, device=None, progress: bool = False) -> Trainer:
    """A `Trainer` whose G and G_ema start as copies of the trained generator `G` (weights, w_avg, fixed noise)
    and whose D is new. `G` itself is not changed. cfg: default `finetune_config()` at G's resolution."""
    cfg = cfg or finetune_config(resolution=G.cfg.resolution)
    if cfg.start_resolution != G.cfg.resolution:
        raise ValueError(f"fine-tuning runs at the generator's resolution {G.cfg.resolution}, "
                         f"got start_resolution {cfg.start_resolution}")
    trainer = Trainer(cfg, dataset, out_dir=None, model_cfg=G.cfg, device=device, progress=progress)
    start_from(trainer, G)
    return trainer


def start_from(trainer: Trainer, G) -> None:
    """Give the trainer's G and G_ema the trained generator's weights, w_avg and fixed noise; D stays as it is."""
    state = {k: v.to(trainer.device) for k, v in G.state_dict().items()}
    trainer.G.load_state_dict(state)
    trainer.G_ema.load_state_dict(state)


def warm_up_discriminator(trainer: Trainer, steps: int, seed: int = 0,
                          on_step: Callable[[int, float], None] | None = None) -> list[float]:
    """Train only D for `steps` minibatches: the subset's reals against the (frozen) G's samples, with the
    logistic loss and lazy R1 as in `Trainer.step`. Returns D's loss per step. G, G_ema and the trainer's
    image count are not changed; the optimisers are created here if the trainer has none yet. Under
    torch.distributed each rank draws its own share of the minibatch and D's gradients are averaged, as in
    `Trainer.step`. on_step(k, loss): called after each step (progress reports)."""
    cfg, ph, dev, dist = trainer.cfg, trainer.phase(), trainer.device, trainer.dist
    if trainer.G_opt is None:
        trainer._make_optimizers()
        trainer.opt_key = ph.optimizer_key
    for group in trainer.D_opt.param_groups:
        group["lr"] = ph.lr
    gen = torch.Generator().manual_seed(seed + dist.rank)
    local = ph.batch // dist.world_size
    out = []
    for k in range(steps):
        reals, _ = trainer.dataset.batch(local, ph.resolution, mirror=cfg.mirror, generator=gen, device=dev)
        if cfg.channels_last:  # as Trainer.step feeds D: mixed layouts would convert at every layer
            reals = reals.contiguous(memory_format=torch.channels_last)
        z = torch.randn(local, trainer.mcfg.latent_size, generator=gen).to(dev)
        with torch.no_grad():
            fakes = trainer.G(z, resolution=ph.resolution, alpha=ph.alpha)
        do_r1 = cfg.r1_gamma > 0 and k % cfg.r1_interval == 0
        reals.requires_grad_(do_r1)
        real_scores = trainer.D(reals, alpha=ph.alpha)
        d_loss = losses.d_logistic(real_scores, trainer.D(fakes, alpha=ph.alpha))
        if do_r1:
            r1 = losses.r1_penalty(real_scores, reals, trainer.mcfg.resolution)
            d_loss = d_loss + r1 * (cfg.r1_gamma * 0.5 * cfg.r1_interval)
        trainer.D_opt.zero_grad(set_to_none=True)
        trainer.scaler.scale(d_loss).backward()
        trainer._finish_backward(trainer.D, trainer.D_opt)  # averages over ranks; Adam's step
        trainer.scaler.update()
        out.append(d_loss.item())
        if on_step is not None:
            on_step(k, out[-1])
    return out


@torch.no_grad()
def attribute_share(images: torch.Tensor, net, name: str) -> float:
    """The share of `images` in which the ToyFaces attribute reader `net` (metrics.toy_features) sees attribute
    `name` as high (its logit above 0: for glasses and bangs, "present")."""
    from stylegan_edu.data import ATTRIBUTE_NAMES

    if name not in ATTRIBUTE_NAMES:
        raise ValueError(f"unknown attribute {name!r}; choose one of: {', '.join(ATTRIBUTE_NAMES)}")
    return (net.attribute_logits(images)[:, ATTRIBUTE_NAMES.index(name)] > 0).float().mean().item()
