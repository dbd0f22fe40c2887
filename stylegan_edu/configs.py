"""Named model presets as dataclasses, with the official StyleGAN v1 values as defaults.

`ffhq-1024` is the paper's configuration (parameter counts checked in tests against the official code).
The `toy-*` presets shrink the channel counts and the latent width so ToyFaces trains on a laptop CPU;
everything else (8 mapping layers, lr multiplier, blur, noise, mixing) stays as in the paper.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from stylegan_edu.overrides import apply_overrides
from stylegan_edu.resample import RESAMPLE_MODES

LEVELS = ("coarse", "middle", "fine")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "custom"
    resolution: int = 1024  # final output resolution (power of two >= 4)
    num_channels: int = 3  # RGB
    # mapping network  z -> w
    latent_size: int = 512  # dimensionality of z
    dlatent_size: int = 512  # dimensionality of w
    mapping_layers: int = 8
    mapping_fmaps: int = 512  # width of the hidden mapping layers
    mapping_lrmul: float = 0.01  # learning-rate multiplier of the mapping network (weights and biases)
    normalize_latents: bool = True  # pixel-norm z before mapping
    # channels per resolution: min(fmap_base / 2**(stage*fmap_decay), fmap_max), stage = log2(res) - 1
    fmap_base: int = 8192
    fmap_decay: float = 1.0
    fmap_max: int = 512
    # resampling: "blur" (official), "bilinear" or "nearest"; fused scale+conv "auto" = from 128 px
    resample: str = "blur"
    fused_scale: bool | str = "auto"
    use_noise: bool = True
    # sampling and regularisation defaults of G_style
    truncation_psi: float = 0.7
    truncation_cutoff: int = 8  # layers [0, cutoff) are truncated
    w_avg_beta: float = 0.995  # moving average of w, updated during training
    style_mixing_prob: float = 0.9
    # discriminator
    mbstd_group_size: int = 4
    mbstd_num_features: int = 1
    # coarse/middle/fine split by resolution (paper section 3.1: 4-8, 16-32, 64-1024)
    coarse_max_res: int = 8
    middle_max_res: int = 32

    def __post_init__(self):
        r = self.resolution
        if r < 4 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two >= 4, got {r}")
        if self.resample not in RESAMPLE_MODES:
            raise ValueError(f"resample must be one of {RESAMPLE_MODES}, got {self.resample!r}")
        if self.fused_scale not in (True, False, "auto"):
            raise ValueError(f"fused_scale must be True, False or 'auto', got {self.fused_scale!r}")
        if self.mapping_layers < 1:
            raise ValueError("mapping_layers must be at least 1")

    # --- derived quantities ---------------------------------------------------------------------------
    @property
    def log2_resolution(self) -> int:
        return int(math.log2(self.resolution))

    @property
    def num_layers(self) -> int:
        """Number of style inputs (AdaIN layers): two per resolution from 4x4 up."""
        return 2 * self.log2_resolution - 2

    @property
    def resolutions(self) -> list[int]:
        return [2**i for i in range(2, self.log2_resolution + 1)]

    def nf(self, stage: int) -> int:
        """Feature maps at a stage, as the official nf()."""
        return min(int(self.fmap_base / (2.0 ** (stage * self.fmap_decay))), self.fmap_max)

    def channels(self, res: int) -> int:
        """Feature maps of the synthesis layers at resolution `res` (and of D's first conv there)."""
        return self.nf(int(math.log2(res)) - 1)

    def fused(self, res: int) -> bool:
        """Whether the scale+conv at (output for G, input for D) resolution `res` is fused."""
        return res >= 128 if self.fused_scale == "auto" else bool(self.fused_scale)

    def layer_resolution(self, layer: int) -> int:
        return 2 ** (layer // 2 + 2)

    def level_of_layer(self, layer: int) -> str:
        res = self.layer_resolution(layer)
        return "coarse" if res <= self.coarse_max_res else "middle" if res <= self.middle_max_res else "fine"

    def level_layers(self, level: str) -> list[int]:
        """Indices of the style layers that belong to `level` ("coarse", "middle" or "fine")."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        return [i for i in range(self.num_layers) if self.level_of_layer(i) == level]

    def num_layers_at(self, resolution: int) -> int:
        """Style layers in use when the networks run at `resolution` (progressive growing)."""
        return 2 * int(math.log2(resolution)) - 2

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        return cls(**d)

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)

    def with_overrides(self, items: list[str]) -> "ModelConfig":
        """Apply `KEY=VALUE` strings (the train command's `--set model.KEY=VALUE`, without the `model.`), with
        the types checked as for the training settings; a changed network is named "<name> (custom)"."""
        if not items:
            return self
        d = apply_overrides(self.to_dict(), items, "model", prefix="model.", free_types=("fused_scale",))
        d["name"] = self.name if self.name.endswith(" (custom)") else f"{self.name} (custom)"
        return ModelConfig.from_dict(d)


_TOY = dict(latent_size=128, dlatent_size=128, mapping_fmaps=128, fmap_max=128)

CONFIGS: dict[str, ModelConfig] = {
    # The paper's FFHQ / CelebA-HQ generator and discriminator.
    "ffhq-1024": ModelConfig(name="ffhq-1024"),
    # Same network at 256 px (the official code just stops growing earlier).
    "ffhq-256": ModelConfig(name="ffhq-256", resolution=256),
    # CPU-sized models for ToyFaces: 128-wide z, w and mapping; channels 128 at 4-16 px, then halving
    # (toy-64: 128, 128, 128, 64, 32), about 3x less compute per image than fmap_base=2048.
    "toy-64": ModelConfig(name="toy-64", resolution=64, fmap_base=1024, **_TOY),
    # toy-32 keeps three levels in 8 layers: coarse 4-8 px, middle 16 px, fine 32 px.
    "toy-32": ModelConfig(name="toy-32", resolution=32, fmap_base=1024, truncation_cutoff=6,
                          coarse_max_res=8, middle_max_res=16, **_TOY),
}


def get_config(name: str) -> ModelConfig:
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown config {name!r}; choose one of: {', '.join(CONFIGS)}") from None
