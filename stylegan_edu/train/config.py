"""Training presets as dataclasses. `ffhq-1024` carries the official values (train.py / training_loop.py);
the toy presets are sized for ToyFaces on a laptop CPU."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from stylegan_edu.overrides import apply_overrides
from stylegan_edu.precision import AMP_MODES

LOSSES = ("logistic_r1", "wgan_gp")


@dataclass(frozen=True)
class TrainConfig:
    name: str = "custom"
    model: str = "ffhq-1024"  # a key of stylegan_edu.configs.CONFIGS
    total_kimg: float = 25000.0
    # progressive growing (kimg = thousands of real images shown to D)
    start_resolution: int = 8  # official lod_initial_resolution
    stable_kimg: float = 600.0  # lod_training_kimg: each resolution trains this long at alpha = 1
    fade_kimg: float = 600.0  # lod_transition_kimg: then the next one fades in over this long
    # global minibatch and learning rate per resolution (G and D share the table, as the official config)
    minibatch_base: int = 32
    minibatch: dict[int, int] = field(default_factory=lambda: {4: 512, 8: 256, 16: 128, 32: 64, 64: 32})
    lr_base: float = 0.001
    lr: dict[int, float] = field(default_factory=lambda: {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003})
    reset_optimizer: bool = True  # at each new resolution and after each fade-in
    # loss and optimiser
    loss: str = "logistic_r1"
    r1_gamma: float = 10.0
    r1_interval: int = 1  # 1 = official (every minibatch); k > 1 = lazy R1 every k steps, weighted by k
    wgan_lambda: float = 10.0  # WGAN-GP gradient penalty weight
    wgan_target: float = 1.0
    wgan_epsilon: float = 0.001  # drift term
    adam_betas: tuple[float, float] = (0.0, 0.99)
    adam_eps: float = 1e-8
    # regularisation and averaging
    style_mixing_prob: float = 0.9
    ema_half_life_kimg: float = 10.0
    mirror: bool = True
    # bookkeeping
    snapshot_kimg: float = 100.0
    keep_snapshots: int = 3
    sample_seeds: tuple[int, ...] = tuple(range(16))
    seed: int = 1000
    # speed
    # autocast dtype for G and D forward passes (R1 and the losses stay fp32); "auto": chosen by the hardware
    # when the Trainer starts (stylegan_edu/precision.py), so a resumed run chooses again on its machine
    amp: str = "auto"
    channels_last: bool = False
    # CUDA only: capture each stable phase's whole step as a CUDA graph and replay it (stylegan_edu/train/graphs.py)
    cuda_graphs: bool = False
    compile: bool = False  # stable phases' G and D through torch.compile (stylegan_edu/train/compiled_step.py)

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {AMP_MODES}, got {self.amp!r}")
        for name in ("total_kimg", "stable_kimg", "fade_kimg", "snapshot_kimg"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.r1_interval < 1:
            raise ValueError("r1_interval must be at least 1")
        rates = {"lr_base": self.lr_base, **{f"lr[{r}]": v for r, v in self.lr.items()}}
        for name, value in rates.items():  # checked here, before a run folder or log is written
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        sizes = {"minibatch_base": self.minibatch_base, **{f"minibatch[{r}]": v for r, v in self.minibatch.items()}}
        for name, value in sizes.items():
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.cuda_graphs and self.amp == "fp16":
            raise ValueError("cuda_graphs does not run with amp='fp16' (the loss scaler's overflow checks read "
                             "the GPU between steps); use amp='bf16' or 'none'")
        if self.compile and self.cuda_graphs:
            raise ValueError("compile and cuda_graphs are two ways to run a step; choose one")
        if self.keep_snapshots < 1:
            raise ValueError("keep_snapshots must be at least 1")

    def batch_at(self, resolution: int) -> int:
        return self.minibatch.get(resolution, self.minibatch_base)

    def lr_at(self, resolution: int) -> float:
        return self.lr.get(resolution, self.lr_base)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["adam_betas"] = list(self.adam_betas)
        d["sample_seeds"] = list(self.sample_seeds)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        d = dict(d)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown training config keys: {sorted(unknown)}")
        for key in ("minibatch", "lr"):  # JSON turns int keys into strings
            if key in d:
                d[key] = {int(k): v for k, v in d[key].items()}
        for key in ("adam_betas", "sample_seeds"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def with_overrides(self, items: list[str]) -> "TrainConfig":
        """Apply `KEY=VALUE` strings (the CLI's --set; `stylegan_edu.overrides.apply_overrides`): VALUE is JSON
        (`0.001`, `true`, `{"64": 32}`) or, if it does not parse, a plain string, of the field's type."""
        return TrainConfig.from_dict(apply_overrides(self.to_dict(), items, "training"))


TRAIN_CONFIGS: dict[str, TrainConfig] = {
    # The official FFHQ schedule on 8 GPUs (global minibatch; each GPU gets 1/N).
    "ffhq-1024": TrainConfig(name="ffhq-1024", model="ffhq-1024"),
    "ffhq-256": TrainConfig(name="ffhq-256", model="ffhq-256", total_kimg=12000.0),
    # ToyFaces on a CPU: short phases and small batches (more Adam steps per CPU second), the paper's losses,
    # regularisers and R1 gamma = 10 (docs/deviations.md #14 has the runs that tried 0.1). Lazy R1 every 4 steps
    # and channels_last were measured faster on the 2-core CPU (docs/benchmarks.md); so was bf16 autocast, but
    # only because that CPU has native bf16 (AVX-512 bf16): on an AVX2-only CPU bf16 is emulated and ~9x
    # slower, so amp="auto" decides.
    "toy-64": TrainConfig(name="toy-64", model="toy-64", total_kimg=300.0, start_resolution=8,
                          stable_kimg=20.0, fade_kimg=20.0, minibatch_base=16,
                          minibatch={8: 32, 16: 16, 32: 16, 64: 16}, lr_base=0.002, lr={},
                          r1_gamma=10.0, r1_interval=4, ema_half_life_kimg=2.0, snapshot_kimg=10.0, amp="auto",
                          channels_last=True),
    # The lesson run: toy-64's recipe on a smaller schedule, so a few CPU minutes go from blobs to faces.
    "toy-32": TrainConfig(name="toy-32", model="toy-32", total_kimg=100.0, start_resolution=8,
                          stable_kimg=5.0, fade_kimg=5.0, minibatch_base=16,
                          minibatch={8: 16, 16: 16, 32: 16}, lr_base=0.002, lr={},
                          r1_gamma=10.0, r1_interval=4, ema_half_life_kimg=1.0, snapshot_kimg=2.0, amp="auto",
                          channels_last=True),
}


def get_train_config(name: str) -> TrainConfig:
    try:
        return TRAIN_CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown training config {name!r}; choose one of: {', '.join(TRAIN_CONFIGS)}") from None
