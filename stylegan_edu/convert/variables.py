"""The official StyleGAN v1 variables, by name and TensorFlow layout, and where each lives in our modules.

One table per network (`generator_rules`, `discriminator_rules`) drives both directions, so reading an official
file and writing one (`to_official`, used to test the round trip) cannot disagree. Names are those of
`Network.vars` in the official `dnnlib`: a component's variables carry its name ("G_mapping/Dense0/weight",
"G_synthesis/4x4/Conv/weight"), the network's own ones do not ("dlatent_avg"; D's "4x4/Dense0/weight").

Layouts (the official `training/networks_stylegan.py`):
  dense  TF [in, out]               -> ours [out, in]            (transpose)
  conv   TF [k, k, in, out] (HWIO)  -> ours [out, in, k, k]      (permute 3, 2, 0, 1)
  same   const [1, C, 4, 4], biases, Noise/weight [C], noise images [1, 1, r, r], dlatent_avg: no change
The fused up/down convolutions (from 128 px) store the same 3x3 HWIO weight as the plain ones; their 4x4
kernels are built at run time, in TF and here (`resample.fused_kernel`). Equalized learning rate scales the
weights at run time in both codes, so the stored values are the raw ones (N(0, 1/lrmul^2) at initialisation)
and copy across unchanged. StyleMod's [w, 2C] weight keeps its column order: scale first, then shift, as
`StyleAffine` splits its 2C outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from stylegan_edu.configs import ModelConfig

LAYOUTS = ("dense", "conv", "same")


@dataclass(frozen=True)
class Rule:
    official: str  # the name in Network.vars
    ours: str  # the state-dict key
    layout: str  # one of LAYOUTS
    shape: tuple  # the official (TF) shape


def official_shape(our_shape, layout: str) -> tuple:
    s = tuple(our_shape)
    return {"dense": s[::-1], "conv": (s[2], s[3], s[1], s[0]) if len(s) == 4 else s, "same": s}[layout]


def to_ours(value: np.ndarray, layout: str) -> torch.Tensor:
    """A TF-layout array as a tensor in our layout (a copy, float32)."""
    a = np.asarray(value, dtype=np.float32)
    if layout == "dense":
        a = a.T
    elif layout == "conv":
        a = a.transpose(3, 2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(a))


def to_tf(t: torch.Tensor, layout: str) -> np.ndarray:
    """Our tensor in the TF layout (the inverse of to_ours)."""
    a = t.detach().cpu().float().numpy()
    if layout == "dense":
        a = a.T
    elif layout == "conv":
        a = a.transpose(2, 3, 1, 0)
    return np.ascontiguousarray(a)


def _epilogue(prefix: str, ours: str, c: int, w: int, noise: bool) -> list[tuple]:
    """Noise weight, bias and StyleMod of one synthesis layer (official creation order)."""
    rules = [(f"{prefix}/Noise/weight", f"{ours}.noise.weight", "same", (c,))] if noise else []
    return rules + [(f"{prefix}/bias", f"{ours}.bias.bias", "same", (c,)),
                    (f"{prefix}/StyleMod/weight", f"{ours}.affine.dense.weight", "dense", (w, 2 * c)),
                    (f"{prefix}/StyleMod/bias", f"{ours}.affine.dense.bias", "same", (2 * c,))]


def mapping_rules(cfg: ModelConfig) -> list[Rule]:
    sizes = [cfg.latent_size] + [cfg.mapping_fmaps] * (cfg.mapping_layers - 1) + [cfg.dlatent_size]
    out = []
    for i in range(cfg.mapping_layers):
        out += [Rule(f"G_mapping/Dense{i}/weight", f"mapping.layers.{i}.weight", "dense", (sizes[i], sizes[i + 1])),
                Rule(f"G_mapping/Dense{i}/bias", f"mapping.layers.{i}.bias", "same", (sizes[i + 1],))]
    return out


def synthesis_rules(cfg: ModelConfig) -> list[Rule]:
    """Trainable G_synthesis variables in the official creation order (structure 'linear')."""
    w, nc, top = cfg.dlatent_size, cfg.num_channels, cfg.log2_resolution
    s, c4 = "G_synthesis", cfg.channels(4)
    rows = [(f"{s}/4x4/Const/const", "synthesis.input.const", "same", (1, c4, 4, 4))]
    rows += _epilogue(f"{s}/4x4/Const", "synthesis.input_epilogue", c4, w, cfg.use_noise)
    rows += [(f"{s}/4x4/Conv/weight", "synthesis.layers.0.conv.weight", "conv", (3, 3, c4, c4))]
    rows += _epilogue(f"{s}/4x4/Conv", "synthesis.layers.0.epilogue", c4, w, cfg.use_noise)
    rows += [(f"{s}/ToRGB_lod{top - 2}/weight", "synthesis.torgb.0.conv.weight", "conv", (1, 1, c4, nc)),
             (f"{s}/ToRGB_lod{top - 2}/bias", "synthesis.torgb.0.conv.bias", "same", (nc,))]
    for b, res in enumerate(cfg.resolutions[1:], start=1):
        c_in, c = cfg.channels(res // 2), cfg.channels(res)
        up, conv = f"synthesis.layers.{2 * b - 1}", f"synthesis.layers.{2 * b}"
        p = f"{s}/{res}x{res}"
        rows += [(f"{p}/Conv0_up/weight", f"{up}.conv.conv.weight", "conv", (3, 3, c_in, c))]
        rows += _epilogue(f"{p}/Conv0_up", f"{up}.epilogue", c, w, cfg.use_noise)
        rows += [(f"{p}/Conv1/weight", f"{conv}.conv.weight", "conv", (3, 3, c, c))]
        rows += _epilogue(f"{p}/Conv1", f"{conv}.epilogue", c, w, cfg.use_noise)
        lod = top - 2 - b
        rows += [(f"{s}/ToRGB_lod{lod}/weight", f"synthesis.torgb.{b}.conv.weight", "conv", (1, 1, c, nc)),
                 (f"{s}/ToRGB_lod{lod}/bias", f"synthesis.torgb.{b}.conv.bias", "same", (nc,))]
    return [Rule(*r) for r in rows]


def noise_rules(cfg: ModelConfig) -> list[Rule]:
    """The fixed noise images noise0..noise{L-1} (not trainable) -> each layer's noise_const buffer."""
    out = []
    for i in range(cfg.num_layers if cfg.use_noise else 0):
        r = cfg.layer_resolution(i)
        ours = "synthesis.input_epilogue" if i == 0 else f"synthesis.layers.{i - 1}.epilogue"
        out.append(Rule(f"G_synthesis/noise{i}", f"{ours}.noise_const", "same", (1, 1, r, r)))
    return out


def generator_rules(cfg: ModelConfig, trainable_only: bool = False) -> list[Rule]:
    """Every variable of the official G (or Gs) that holds a value of ours: the trainables of G_mapping and
    G_synthesis (as `G.trainables`), then dlatent_avg and the noise images. The `lod` variables hold none."""
    rules = mapping_rules(cfg) + synthesis_rules(cfg)
    if not trainable_only:
        rules += [Rule("dlatent_avg", "w_avg", "same", (cfg.dlatent_size,))] + noise_rules(cfg)
    return rules


def discriminator_rules(cfg: ModelConfig) -> list[Rule]:
    """Trainable D_basic variables in the official creation order (structure 'linear')."""
    top, nc = cfg.log2_resolution, cfg.num_channels
    rows = []

    def fromrgb(k):  # resolution 4 * 2**k
        c = cfg.channels(4 * 2**k)
        lod = top - 2 - k
        return [(f"FromRGB_lod{lod}/weight", f"fromrgb.{k}.conv.weight", "conv", (1, 1, nc, c)),
                (f"FromRGB_lod{lod}/bias", f"fromrgb.{k}.conv.bias", "same", (c,))]

    k_top = top - 2
    rows += fromrgb(k_top)
    for k in range(k_top, 0, -1):
        res = 4 * 2**k
        c, c_down = cfg.channels(res), cfg.channels(res // 2)
        p, ours = f"{res}x{res}", f"blocks.{k - 1}"
        rows += [(f"{p}/Conv0/weight", f"{ours}.conv0.weight", "conv", (3, 3, c, c)),
                 (f"{p}/Conv0/bias", f"{ours}.conv0.bias", "same", (c,)),
                 (f"{p}/Conv1_down/weight", f"{ours}.conv1_down.conv.weight", "conv", (3, 3, c, c_down)),
                 (f"{p}/Conv1_down/bias", f"{ours}.conv1_down.conv.bias", "same", (c_down,))]
        rows += fromrgb(k - 1)
    c4, dense = cfg.channels(4), cfg.nf(0)
    extra = cfg.mbstd_num_features if cfg.mbstd_group_size > 1 else 0
    rows += [("4x4/Conv/weight", "epilogue.conv.weight", "conv", (3, 3, c4 + extra, c4)),
             ("4x4/Conv/bias", "epilogue.conv.bias", "same", (c4,)),
             ("4x4/Dense0/weight", "epilogue.dense0.weight", "dense", (c4 * 16, dense)),
             ("4x4/Dense0/bias", "epilogue.dense0.bias", "same", (dense,)),
             ("4x4/Dense1/weight", "epilogue.dense1.weight", "dense", (dense, 1)),
             ("4x4/Dense1/bias", "epilogue.dense1.bias", "same", (1,))]
    return [Rule(*r) for r in rows]


# the `lod` variables: progressive growing's level of detail, 0 in a finished network; they map to nothing
GENERATOR_LOD = ("lod", "G_synthesis/lod")
DISCRIMINATOR_LOD = ("lod",)


def to_official(state: dict, rules: list[Rule], lod_names=()) -> dict[str, np.ndarray]:
    """Our state dict -> {official name: TF-layout array} (with lod = 0), the inverse of from_official."""
    out = {name: np.float32(0) for name in lod_names}
    for r in rules:
        out[r.official] = to_tf(state[r.ours], r.layout)
    return out


def from_official(variables: dict, rules: list[Rule], lod_names=(), who: str = "network") -> dict:
    """{official name: array} -> our state dict. Every rule's variable must be there with its exact shape, and
    nothing else may be (a missing or extra variable is an error naming it); the lod variables must be 0."""
    from stylegan_edu.convert.unpickle import ConvertError

    wanted = {r.official for r in rules} | set(lod_names)
    missing = [r.official for r in rules if r.official not in variables]
    extra = [n for n in variables if n not in wanted]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ConvertError(f"{who}: missing variable {missing[0]}{more}")
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        raise ConvertError(f"{who}: unexpected variable {extra[0]}{more}")
    for name in lod_names:
        if name in variables:
            lod = np.asarray(variables[name])
            if lod.size != 1 or float(lod) != 0.0:
                raise ConvertError(f"{who}: {name} = {lod.ravel()[:1].tolist()}: a network still growing "
                                   "(progressive training snapshot); only finished networks (lod 0) convert")
    state = {}
    for r in rules:
        v = variables[r.official]
        if not isinstance(v, np.ndarray) or v.dtype.kind != "f":
            raise ConvertError(f"{who}: {r.official} is not a float array ({type(v).__name__})")
        if tuple(v.shape) != tuple(r.shape):
            raise ConvertError(f"{who}: {r.official} has shape {list(v.shape)}, expected {list(r.shape)}")
        if not np.isfinite(v).all():
            raise ConvertError(f"{who}: {r.official} holds NaN or infinite values")
        state[r.ours] = to_ours(v, r.layout)
    return state
