"""NVIDIA's original StyleGAN v1 models (TensorFlow 1 pickles) as stylegan-edu generator files, without TensorFlow.

    stylegan-edu convert karras2019stylegan-ffhq-1024x1024.pkl --out ffhq-1024.pt
    G = stylegan_edu.pretrained.load("ffhq-1024.pt")

`unpickle.py` reads the pickle with a restricted unpickler (nothing in the file is run); `variables.py` maps
every official variable to our parameters and back. This module checks that the file is what it should be
(three networks G, D, Gs built by G_style / D_basic, a config we can express) and writes the same format as
`stylegan-edu export`, so `generate`, `mix`, `metrics` and the demos take the converted file as they take ours.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import torch

from stylegan_edu.configs import ModelConfig
from stylegan_edu.convert.unpickle import ConvertError, OfficialNetwork, load_pickle
from stylegan_edu.convert.variables import (DISCRIMINATOR_LOD, GENERATOR_LOD, discriminator_rules,
                                            from_official, generator_rules, to_official)

__all__ = ["ConvertError", "OfficialNetwork", "convert", "convert_file", "export_official", "official_config",
           "read_official"]

# build functions of the StyleGAN2 TF code (NVlabs/stylegan2): same dnnlib Network class, other networks
STYLEGAN2_FUNCS = {"G_main", "G_synthesis_stylegan2", "G_synthesis_stylegan_revised", "D_stylegan2",
                   "D_stylegan"}
STYLEGAN2_VARS = re.compile(r"(^|/)(mod_weight|mod_bias|noise_strength)$")

# settings of the official build functions that this library implements only at their default value
_FIXED_SYNTHESIS = {"use_styles": True, "const_input_layer": True, "use_noise": True, "nonlinearity": "lrelu",
                    "use_wscale": True, "use_pixel_norm": False, "use_instance_norm": True, "dtype": "float32",
                    "blur_filter": [1, 2, 1]}
_FIXED_MAPPING = {"label_size": 0, "mapping_nonlinearity": "lrelu", "use_wscale": True, "dtype": "float32"}
_FIXED_D = {"label_size": 0, "nonlinearity": "lrelu", "use_wscale": True, "dtype": "float32",
            "blur_filter": [1, 2, 1]}


def flat_variables(net: OfficialNetwork) -> dict:
    """All variables of a network as the official `Network.vars`: its own, then each component's under the
    component's name ("G_mapping/Dense0/weight")."""
    out = dict(net.variables)
    for comp in net.components.values():
        if not isinstance(comp, OfficialNetwork):
            raise ConvertError(f"network {net.name!r} has a component that is a {type(comp).__name__}")
        out.update((f"{comp.name}/{k}", v) for k, v in flat_variables(comp).items())
    return out


def _all_networks(net: OfficialNetwork):
    yield net
    for comp in net.components.values():
        if isinstance(comp, OfficialNetwork):
            yield from _all_networks(comp)


def _check_stylegan2(path, nets) -> None:
    for net in nets:
        for n in _all_networks(net):
            if n.build_func_name in STYLEGAN2_FUNCS or n.version == 4 or any(map(STYLEGAN2_VARS.search, n.variables)):
                raise ConvertError(
                    f"{path}: this is a StyleGAN2 file (network {n.name!r} is built by {n.build_func_name}); "
                    "stylegan-edu implements StyleGAN v1 (G_style / D_basic) and cannot use its weights")


def read_official(path: Path | str) -> tuple[OfficialNetwork, OfficialNetwork, OfficialNetwork]:
    """The three networks (G, D, Gs) of an official StyleGAN v1 pickle, read safely and checked for kind."""
    obj = load_pickle(path)
    nets = obj if isinstance(obj, (tuple, list)) else (obj,)
    if not nets or not all(isinstance(n, OfficialNetwork) for n in nets):
        kinds = ", ".join(sorted({type(n).__name__ for n in nets})) or "nothing"
        raise ConvertError(f"{path}: not a StyleGAN network pickle: expected a tuple (G, D, Gs) of dnnlib "
                           f"networks, found {type(obj).__name__} of {kinds}")
    _check_stylegan2(path, nets)
    if len(nets) != 3:
        raise ConvertError(f"{path}: expected the three networks (G, D, Gs) of an official StyleGAN file, "
                           f"found {len(nets)}")
    G, D, Gs = nets
    for net, func, role in ((G, "G_style", "G"), (D, "D_basic", "D"), (Gs, "G_style", "Gs")):
        if net.build_func_name != func:
            raise ConvertError(f"{path}: network {role} ({net.name!r}) is built by {net.build_func_name!r}, "
                               f"not the StyleGAN v1 {func}")
        if net.version not in (2, 3):
            raise ConvertError(f"{path}: network {role} has dnnlib pickle version {net.version!r} (StyleGAN v1 "
                               "files have 2 or 3)")
    for role, net in (("G", G), ("Gs", Gs)):
        comps = {k: (c.name, c.build_func_name) for k, c in net.components.items() if isinstance(c, OfficialNetwork)}
        if comps != {"mapping": ("G_mapping", "G_mapping"), "synthesis": ("G_synthesis", "G_synthesis")}:
            raise ConvertError(f"{path}: network {role} should have the components mapping (G_mapping) and "
                               f"synthesis (G_synthesis), found {comps}")
    return G, D, Gs


def _kw(net: OfficialNetwork, key, default):
    return net.static_kwargs.get(key, default)


def _check_fixed(net: OfficialNetwork, fixed: dict, path) -> None:
    for key, want in fixed.items():
        got = net.static_kwargs.get(key, want)
        same = list(got) == want if isinstance(want, list) and isinstance(got, (list, tuple)) else got == want
        if not same:
            raise ConvertError(f"{path}: {net.name} was built with {key}={got!r}; stylegan-edu implements only "
                               f"{key}={want!r}")


def _int(value, key, path) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ConvertError(f"{path}: {key}={value!r} is not an integer")
    return int(value)


def _resolution(value, who, path) -> int:
    r = _int(value, f"{who} resolution", path)
    if r < 4 or r & (r - 1):
        raise ConvertError(f"{path}: {who} resolution {r} is not a power of two >= 4")
    return r


def _top_block(names, prefix: str) -> int | None:
    sizes = [int(m.group(1)) for n in names if (m := re.match(rf"^{re.escape(prefix)}(\d+)x\1/", n))]
    return max(sizes) if sizes else None


def official_config(G: OfficialNetwork, D: OfficialNetwork, name: str = "official", path="file") -> ModelConfig:
    """Our ModelConfig from the static kwargs of the official networks (defaults: the official signatures)."""
    mapping, synthesis = G.components["mapping"], G.components["synthesis"]
    _check_fixed(synthesis, _FIXED_SYNTHESIS, path)
    _check_fixed(mapping, _FIXED_MAPPING, path)
    _check_fixed(D, _FIXED_D, path)
    res = _resolution(_kw(synthesis, "resolution", 1024), "G_synthesis", path)
    d_res = _resolution(_kw(D, "resolution", 32), "D", path)
    for who, net, prefix, r in (("G_synthesis", synthesis, "", res), ("D", D, "", d_res)):
        top = _top_block(net.variables, prefix)
        if top is not None and top != r:
            raise ConvertError(f"{path}: {who} says resolution {r} but its variables stop at {top}x{top}: "
                               "not a consistent StyleGAN v1 file")
    if d_res != res:
        raise ConvertError(f"{path}: G makes {res}x{res} images but D reads {d_res}x{d_res}")
    num_layers = 2 * int(math.log2(res)) - 2
    broadcast = _kw(mapping, "dlatent_broadcast", None)
    if broadcast not in (None, num_layers):
        raise ConvertError(f"{path}: G_mapping broadcasts w to {broadcast} layers, G_synthesis has {num_layers}")
    fmap = {k: (_kw(synthesis, k, d), _kw(D, k, d)) for k, d in
            (("fmap_base", 8192), ("fmap_decay", 1.0), ("fmap_max", 512), ("fused_scale", "auto"))}
    fmap["num_channels"] = (_kw(synthesis, "num_channels", 3), _kw(D, "num_channels", 1))
    for key, (g, d) in fmap.items():
        if g != d:
            raise ConvertError(f"{path}: G and D differ in {key} ({g!r} vs {d!r}); one stylegan-edu config "
                               "holds both")
    if _kw(mapping, "dlatent_size", 512) != _kw(synthesis, "dlatent_size", 512):
        raise ConvertError(f"{path}: G_mapping and G_synthesis differ in dlatent_size")
    psi = _kw(G, "truncation_psi", 0.7)
    cutoff = _kw(G, "truncation_cutoff", 8)
    mix = _kw(G, "style_mixing_prob", 0.9)
    beta = _kw(G, "dlatent_avg_beta", 0.995)
    try:
        return ModelConfig(
            name=name, resolution=res, num_channels=_int(fmap["num_channels"][0], "num_channels", path),
            latent_size=_int(_kw(mapping, "latent_size", 512), "latent_size", path),
            dlatent_size=_int(_kw(mapping, "dlatent_size", 512), "dlatent_size", path),
            mapping_layers=_int(_kw(mapping, "mapping_layers", 8), "mapping_layers", path),
            mapping_fmaps=_int(_kw(mapping, "mapping_fmaps", 512), "mapping_fmaps", path),
            mapping_lrmul=float(_kw(mapping, "mapping_lrmul", 0.01)),
            normalize_latents=bool(_kw(mapping, "normalize_latents", True)),
            fmap_base=_int(fmap["fmap_base"][0], "fmap_base", path), fmap_decay=float(fmap["fmap_decay"][0]),
            fmap_max=_int(fmap["fmap_max"][0], "fmap_max", path), resample="blur",
            fused_scale=fmap["fused_scale"][0], use_noise=True,
            truncation_psi=1.0 if psi is None else float(psi),
            truncation_cutoff=num_layers if cutoff is None else _int(cutoff, "truncation_cutoff", path),
            w_avg_beta=1.0 if beta is None else float(beta), style_mixing_prob=0.0 if mix is None else float(mix),
            mbstd_group_size=_int(_kw(D, "mbstd_group_size", 4), "mbstd_group_size", path),
            mbstd_num_features=_int(_kw(D, "mbstd_num_features", 1), "mbstd_num_features", path))
    except (ValueError, TypeError) as e:
        raise ConvertError(f"{path}: {e}") from None


def _plain(obj):
    """Static kwargs as plain JSON-able data (what a weights_only torch file may hold)."""
    return json.loads(json.dumps(obj, default=str))


def convert(path: Path | str, name: str | None = None, with_discriminator: bool = False) -> dict:
    """An official StyleGAN v1 pickle as the dict `stylegan-edu export` writes (Gs as G_ema).

    Every variable of G, D and Gs is mapped and checked (names, shapes, exact totals), whether kept or not;
    with_discriminator also keeps G (the instantaneous generator) and D under the keys "G" and "D"."""
    path = Path(path)
    G, D, Gs = read_official(path)
    cfg = official_config(Gs, D, name or path.stem, path)
    if official_config(G, D, name or path.stem, path) != cfg:
        raise ConvertError(f"{path}: G and Gs were built with different settings")
    g_rules, d_rules = generator_rules(cfg), discriminator_rules(cfg)
    states = {}
    for role, net, rules, lods in (("G", G, g_rules, GENERATOR_LOD), ("Gs", Gs, g_rules, GENERATOR_LOD),
                                   ("D", D, d_rules, DISCRIMINATOR_LOD)):
        variables = flat_variables(net)
        states[role] = from_official(variables, rules, lods, who=f"{path}: {role}")
        total = sum(int(v.numel()) for v in states[role].values())
        expected = sum(math.prod(r.shape) for r in rules)
        if total != expected:  # cannot differ once every shape matched; kept as the stated check
            raise ConvertError(f"{path}: {role} holds {total} values, expected {expected}")
    _check_against_modules(cfg, states, path)
    from stylegan_edu.pretrained import FORMAT, VERSION

    out = {"format": FORMAT, "version": VERSION, "model_config": cfg.to_dict(), "G_ema": states["Gs"],
           "info": {"converted_from": path.name, "sha256": _sha256(path),
                    "source": "NVIDIA StyleGAN v1 (NVlabs/stylegan), TensorFlow pickle (G, D, Gs); Gs as G_ema",
                    "static_kwargs": _plain({"G": Gs.static_kwargs, "G_mapping": Gs.components["mapping"].static_kwargs,
                                             "G_synthesis": Gs.components["synthesis"].static_kwargs,
                                             "D": D.static_kwargs})}}
    if with_discriminator:
        out["G"], out["D"] = states["G"], states["D"]
    return out


def _check_against_modules(cfg: ModelConfig, states: dict, path) -> None:
    """Our modules must take the converted tensors exactly: the same keys and shapes (strict load)."""
    from stylegan_edu.discriminator import Discriminator
    from stylegan_edu.generator import Generator

    with torch.device("meta"):
        ours = {"G": Generator(cfg).state_dict(), "D": Discriminator(cfg).state_dict()}
    for role, state in states.items():
        want = ours["D" if role == "D" else "G"]
        if set(want) != set(state) or any(tuple(want[k].shape) != tuple(state[k].shape) for k in want):
            raise ConvertError(f"{path}: {role} does not fit stylegan-edu's modules (a converter bug)")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def convert_file(path: Path | str, out: Path | str, name: str | None = None,
                 with_discriminator: bool = False) -> Path:
    """Convert `path` and write the result to `out` atomically (see `convert`)."""
    from stylegan_edu.files import atomic_save

    return atomic_save(convert(path, name, with_discriminator), out)


def export_official(state: dict, cfg: ModelConfig, D_state: dict | None = None, G_state: dict | None = None):
    """Our generator (and discriminator) state as official-named TF-layout variables: {"Gs": {...}, ...}.
    The inverse of the mapping (used by the round-trip tests)."""
    out = {"Gs": to_official(state, generator_rules(cfg), GENERATOR_LOD)}
    if G_state is not None:
        out["G"] = to_official(G_state, generator_rules(cfg), GENERATOR_LOD)
    if D_state is not None:
        out["D"] = to_official(D_state, discriminator_rules(cfg), DISCRIMINATOR_LOD)
    return out
