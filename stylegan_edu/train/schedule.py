"""Where training stands after `nimg` real images: resolution, fade-in alpha, minibatch and learning rate.

The official schedule (training_loop.py, `training_schedule`) counts phases of `stable + fade` kimg. In phase
p the networks first train at resolution start*2**p, then fade in the next one. The level of detail
`lod = log2(final) - log2(start) - p - max(phase_kimg - stable, 0) / fade` falls continuously during a fade;
the resolution in use is final / 2**floor(lod) and alpha = 1 - frac(lod).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stylegan_edu.train.config import TrainConfig


@dataclass(frozen=True)
class Phase:
    kimg: float
    lod: float
    resolution: int  # the resolution the networks run at
    alpha: float  # 1 = stable, < 1 = fading in `resolution`
    batch: int  # global minibatch
    lr: float

    @property
    def optimizer_key(self) -> tuple[int, int]:
        """Changes exactly when a new resolution starts fading in and when a fade-in ends."""
        return math.floor(self.lod), math.ceil(self.lod)


def phase_at(cfg: TrainConfig, final_resolution: int, nimg: int) -> Phase:
    kimg = nimg / 1000.0
    phase_dur = cfg.stable_kimg + cfg.fade_kimg
    phase_idx = math.floor(kimg / phase_dur) if phase_dur > 0 else 0
    phase_kimg = kimg - phase_idx * phase_dur
    lod = math.log2(final_resolution) - math.floor(math.log2(cfg.start_resolution)) - phase_idx
    if cfg.fade_kimg > 0:
        lod -= max(phase_kimg - cfg.stable_kimg, 0.0) / cfg.fade_kimg
    lod = max(lod, 0.0)
    resolution = final_resolution // 2 ** math.floor(lod)
    alpha = 1.0 - (lod - math.floor(lod))
    return Phase(kimg, lod, resolution, alpha, cfg.batch_at(resolution), cfg.lr_at(resolution))


def schedule_level(phase: Phase) -> float:
    """A phase as one number for plotting: log2(resolution) when stable, a ramp from log2(resolution) - 1
    up to log2(resolution) while `resolution` fades in. Plot it with `resolution_ticks`."""
    return math.log2(phase.resolution) - 1 + phase.alpha


def resolution_ticks(start_resolution: int, final_resolution: int) -> tuple[list[int], list[str]]:
    """Tick positions and labels for a `schedule_level` axis: at height log2(r) the label is r itself."""
    levels = list(range(int(math.log2(start_resolution)), int(math.log2(final_resolution)) + 1))
    return levels, [str(2 ** level) for level in levels]
