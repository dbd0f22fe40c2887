"""Reading NVIDIA's original StyleGAN v1 pickles (stylegan_edu/convert).

No original file is available offline, so the parts are proved one by one: files in the official format are
built here (the official variable names, written out below after the official code and checked against the
reference list tests/data/official_v1_variables.json for the FFHQ model; TF layouts; random values; pickled
as dnnlib Networks with the numpy 1.x names the original files carry), converted, and compared with (a) the
expected tensors in our layout,
(b) the official computation written out in numpy (HWIO kernels applied by hand, TF's conv2d_transpose, the
whole mapping, synthesis and discriminator), and (c) our own networks after a round trip. Then every kind of
file that must be refused is refused, without running anything.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from stylegan_edu import pretrained
from stylegan_edu.cli import main
from stylegan_edu.configs import CONFIGS, ModelConfig
from stylegan_edu.convert import ConvertError, convert, export_official, read_official
from stylegan_edu.convert.variables import discriminator_rules, generator_rules
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.generator import Generator, z_from_seeds
from stylegan_edu.layers import EqualizedConv2d, EqualizedLinear, StyleAffine, style_modulate
from stylegan_edu.resample import ConvDown2d, UpConv2d

# the official FFHQ 1024 variable list, re-derived from NVlabs/stylegan training/networks_stylegan.py (a copy of
# the project's reference file, see its "_meta")
REFERENCE = Path(__file__).parent / "data" / "official_v1_variables.json"
SQRT2 = math.sqrt(2)

# ---------------------------------------------------------------------------------------------------------
# The official variables, written out after training/networks_stylegan.py (G_mapping, G_synthesis, D_basic with
# structure 'linear', the template graph's creation order): {name: TF shape}, per network as Network.vars.
# ---------------------------------------------------------------------------------------------------------


def _nf(kw, stage):
    return min(int(kw["fmap_base"] / (2.0 ** (stage * kw["fmap_decay"]))), kw["fmap_max"])


def official_g_names(kw) -> dict:
    """G_style's variables: its own (lod, dlatent_avg), G_mapping's and G_synthesis's (lod, noise*, trainables)."""
    v = {"lod": (), "dlatent_avg": (kw["dlatent_size"],)}
    for i in range(kw["mapping_layers"]):
        fin = kw["latent_size"] if i == 0 else kw["mapping_fmaps"]
        fout = kw["dlatent_size"] if i == kw["mapping_layers"] - 1 else kw["mapping_fmaps"]
        v[f"G_mapping/Dense{i}/weight"] = (fin, fout)
        v[f"G_mapping/Dense{i}/bias"] = (fout,)
    top = int(math.log2(kw["resolution"]))
    s, W, nc = "G_synthesis", kw["dlatent_size"], kw["num_channels"]
    v[f"{s}/lod"] = ()
    for i in range(2 * top - 2):
        r = 2 ** (i // 2 + 2)
        v[f"{s}/noise{i}"] = (1, 1, r, r)

    def epilogue(p, c):
        v[f"{p}/Noise/weight"] = (c,)
        v[f"{p}/bias"] = (c,)
        v[f"{p}/StyleMod/weight"] = (W, 2 * c)
        v[f"{p}/StyleMod/bias"] = (2 * c,)

    v[f"{s}/4x4/Const/const"] = (1, _nf(kw, 1), 4, 4)
    epilogue(f"{s}/4x4/Const", _nf(kw, 1))
    v[f"{s}/4x4/Conv/weight"] = (3, 3, _nf(kw, 1), _nf(kw, 1))
    epilogue(f"{s}/4x4/Conv", _nf(kw, 1))
    v[f"{s}/ToRGB_lod{top - 2}/weight"] = (1, 1, _nf(kw, 1), nc)
    v[f"{s}/ToRGB_lod{top - 2}/bias"] = (nc,)
    for res in range(3, top + 1):
        p = f"{s}/{2**res}x{2**res}"
        v[f"{p}/Conv0_up/weight"] = (3, 3, _nf(kw, res - 2), _nf(kw, res - 1))
        epilogue(f"{p}/Conv0_up", _nf(kw, res - 1))
        v[f"{p}/Conv1/weight"] = (3, 3, _nf(kw, res - 1), _nf(kw, res - 1))
        epilogue(f"{p}/Conv1", _nf(kw, res - 1))
        v[f"{s}/ToRGB_lod{top - res}/weight"] = (1, 1, _nf(kw, res - 1), nc)
        v[f"{s}/ToRGB_lod{top - res}/bias"] = (nc,)
    return v


def official_d_names(kw) -> dict:
    top, nc = int(math.log2(kw["resolution"])), kw["num_channels"]
    v = {"lod": ()}

    def fromrgb(res):
        v[f"FromRGB_lod{top - res}/weight"] = (1, 1, nc, _nf(kw, res - 1))
        v[f"FromRGB_lod{top - res}/bias"] = (_nf(kw, res - 1),)

    fromrgb(top)
    for res in range(top, 2, -1):
        p = f"{2**res}x{2**res}"
        v[f"{p}/Conv0/weight"] = (3, 3, _nf(kw, res - 1), _nf(kw, res - 1))
        v[f"{p}/Conv0/bias"] = (_nf(kw, res - 1),)
        v[f"{p}/Conv1_down/weight"] = (3, 3, _nf(kw, res - 1), _nf(kw, res - 2))
        v[f"{p}/Conv1_down/bias"] = (_nf(kw, res - 2),)
        fromrgb(res - 1)
    v["4x4/Conv/weight"] = (3, 3, _nf(kw, 1) + 1, _nf(kw, 1))
    v["4x4/Conv/bias"] = (_nf(kw, 1),)
    v["4x4/Dense0/weight"] = (_nf(kw, 1) * 16, _nf(kw, 0))
    v["4x4/Dense0/bias"] = (_nf(kw, 0),)
    v["4x4/Dense1/weight"] = (_nf(kw, 0), 1)
    v["4x4/Dense1/bias"] = (1,)
    return v


FFHQ_KW = dict(resolution=1024, num_channels=3, fmap_base=8192, fmap_decay=1.0, fmap_max=512, latent_size=512,
               dlatent_size=512, mapping_layers=8, mapping_fmaps=512)
SMALL = {  # tiny channels so a CPU runs the numpy references in a moment
    "32": dict(resolution=32, num_channels=3, fmap_base=64, fmap_decay=1.0, fmap_max=16, latent_size=16,
               dlatent_size=16, mapping_layers=3, mapping_fmaps=12),
    "64": dict(resolution=64, num_channels=3, fmap_base=128, fmap_decay=1.0, fmap_max=8, latent_size=8,
               dlatent_size=8, mapping_layers=2, mapping_fmaps=8),
    "128-fused": dict(resolution=128, num_channels=3, fmap_base=64, fmap_decay=1.0, fmap_max=8, latent_size=8,
                      dlatent_size=8, mapping_layers=2, mapping_fmaps=8),
}


def random_official(kw, seed=0) -> dict:
    """{'G': vars, 'D': vars, 'Gs': vars} with random values (raw N(0,1)-like weights, as stored)."""
    rng = np.random.default_rng(seed)
    out = {}
    for role, names in (("G", official_g_names(kw)), ("D", official_d_names(kw)), ("Gs", official_g_names(kw))):
        out[role] = {n: (np.float32(0) if n.endswith("lod") else rng.standard_normal(s).astype(np.float32))
                     for n, s in names.items()}
    return out


# ---------------------------------------------------------------------------------------------------------
# Writing a pickle the way the official code does: dnnlib.tflib.network.Network objects whose state is
# Network.__getstate__'s dict, numpy arrays under numpy 1.x's names (numpy.core.multiarray).
# ---------------------------------------------------------------------------------------------------------


class _Network:  # pickled as dnnlib.tflib.network.Network (module and name set below)
    def __init__(self, state):
        self.state = state

    def __getstate__(self):
        return self.state


_Network.__module__, _Network.__qualname__, _Network.__name__ = "dnnlib.tflib.network", "Network", "Network"


def _np1_reconstruct(*a):  # stand-ins that pickle under numpy 1.x's names
    raise AssertionError("never called")


def _np1_scalar(*a):
    raise AssertionError("never called")


_np1_reconstruct.__module__ = _np1_scalar.__module__ = "numpy.core.multiarray"
_np1_reconstruct.__qualname__ = _np1_reconstruct.__name__ = "_reconstruct"
_np1_scalar.__qualname__ = _np1_scalar.__name__ = "scalar"


class _Numpy1Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) is np.ndarray:
            return _np1_reconstruct, (np.ndarray, (0,), b"b"), obj.__reduce__()[2]
        if isinstance(obj, np.generic):
            return _np1_scalar, (obj.dtype, obj.tobytes())
        return NotImplemented


def _fake_modules():
    """Importable homes for the stand-ins while pickling (removed afterwards: reading must not need them)."""
    mods = {"dnnlib": types.ModuleType("dnnlib"), "dnnlib.tflib": types.ModuleType("dnnlib.tflib"),
            "dnnlib.tflib.network": types.ModuleType("dnnlib.tflib.network"),
            "numpy.core.multiarray": types.ModuleType("numpy.core.multiarray")}
    mods["dnnlib.tflib.network"].Network = _Network
    mods["numpy.core.multiarray"]._reconstruct = _np1_reconstruct
    mods["numpy.core.multiarray"].scalar = _np1_scalar
    return mods


def _dump(obj, protocol=4) -> bytes:
    saved = {k: sys.modules.get(k) for k in _fake_modules()}
    sys.modules.update(_fake_modules())
    try:
        buf = io.BytesIO()
        _Numpy1Pickler(buf, protocol=protocol).dump(obj)
        return buf.getvalue()
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def _net(name, func, variables, static_kwargs=None, components=None, version=3):
    return _Network({"version": version, "name": name, "static_kwargs": dict(static_kwargs or {}),
                     "components": dict(components or {}), "build_module_src": "raise SystemExit('never run')\n",
                     "build_func_name": func, "variables": list(variables.items())})


def official_networks(kw, variables, g_funcs=("G_style", "G_mapping", "G_synthesis"), d_func="D_basic",
                      version=3, d_kwargs=None):
    """(G, D, Gs) as the official training loop pickles them (static kwargs as train.py passes them)."""
    base = dict(num_channels=kw["num_channels"], resolution=kw["resolution"], label_size=0)
    extra = {k: kw[k] for k in ("fmap_base", "fmap_decay", "fmap_max", "latent_size", "dlatent_size",
                                "mapping_layers", "mapping_fmaps") if kw[k] != FFHQ_KW[k]}
    if kw.get("fused_scale", "auto") != "auto":
        extra["fused_scale"] = kw["fused_scale"]
    static = {**base, **extra}
    num_layers = 2 * int(math.log2(kw["resolution"])) - 2

    def generator(name, v):
        own = {k: x for k, x in v.items() if "/" not in k}
        mapping = {k.split("/", 1)[1]: x for k, x in v.items() if k.startswith("G_mapping/")}
        synthesis = {k.split("/", 1)[1]: x for k, x in v.items() if k.startswith("G_synthesis/")}
        comps = {"synthesis": _net("G_synthesis", g_funcs[2], synthesis, static, version=version),
                 "mapping": _net("G_mapping", g_funcs[1], mapping, {**static, "dlatent_broadcast": num_layers},
                                 version=version)}
        return _net(name, g_funcs[0], own, static, comps, version=version)

    D = _net("D", d_func, variables["D"], d_kwargs or static, version=version)
    return generator("G", variables["G"]), D, generator("Gs", variables["Gs"])


def write_official(path, kw, variables=None, seed=0, protocol=4, **kwargs) -> dict:
    variables = variables or random_official(kw, seed)
    path.write_bytes(_dump(official_networks(kw, variables, **kwargs), protocol))
    return variables


def config_of(kw, **changes) -> ModelConfig:
    return ModelConfig(**{"name": "test", **{k: kw[k] for k in FFHQ_KW}, **changes})


# ---------------------------------------------------------------------------------------------------------
# The variable list
# ---------------------------------------------------------------------------------------------------------


def test_names_shapes_and_totals_match_the_reference_list():
    ref = json.loads(REFERENCE.read_text())
    cfg = CONFIGS["ffhq-1024"]
    ours_g = [[r.official, list(r.shape)] for r in generator_rules(cfg, trainable_only=True)]
    assert ours_g == ref["G_mapping"] + ref["G_synthesis"]  # names, shapes and order
    assert [["D/" + r.official, list(r.shape)] for r in discriminator_rules(cfg)] == ref["D"]
    totals = ref["totals"]
    assert sum(math.prod(s) for _, s in ours_g) == totals["G_total"] == 26_219_627
    assert sum(math.prod(r.shape) for r in discriminator_rules(cfg)) == totals["D"] == 23_087_249
    # the names written out in this test agree too (trainables only; the reference leaves out lod/noise/avg)
    written = {n: list(s) for n, s in official_g_names(FFHQ_KW).items()
               if n.startswith(("G_mapping/", "G_synthesis/")) and "/noise" not in n and not n.endswith("lod")}
    assert list(written.items()) == [tuple(x) for x in ref["G_mapping"] + ref["G_synthesis"]]
    written_d = [["D/" + n, list(s)] for n, s in official_d_names(FFHQ_KW).items() if n != "lod"]
    assert written_d == ref["D"]


@pytest.mark.parametrize("kw", [FFHQ_KW, *SMALL.values()], ids=["ffhq-1024", *SMALL])
def test_rules_cover_every_official_variable_and_every_parameter_of_ours(kw):
    cfg = config_of(kw)
    g, d = generator_rules(cfg), discriminator_rules(cfg)
    g_names = {n: s for n, s in official_g_names(kw).items() if not n.endswith("lod")}
    assert {r.official: tuple(r.shape) for r in g} == g_names
    assert {r.official: tuple(r.shape) for r in d} == {n: s for n, s in official_d_names(kw).items() if n != "lod"}
    with torch.device("meta"):
        G, D = Generator(cfg), Discriminator(cfg)
    assert sorted(r.ours for r in g) == sorted(G.state_dict())  # incl. w_avg and the noise buffers
    assert sorted(r.ours for r in d) == sorted(D.state_dict())


# ---------------------------------------------------------------------------------------------------------
# Conversion: every parameter equals the official value in our layout
# ---------------------------------------------------------------------------------------------------------


def _expected_ours(name: str, value: np.ndarray) -> np.ndarray:
    """The official array in our layout, by the kind of variable its name says it is."""
    if value.ndim == 4 and not name.endswith("const") and "/noise" not in name:
        return value.transpose(3, 2, 0, 1)  # HWIO -> OIHW (3x3, 1x1, fused or not: the same stored layout)
    if value.ndim == 2:
        return value.T  # dense [in, out] -> [out, in], StyleMod included (columns: scale, then shift)
    return value


@pytest.mark.parametrize("size", list(SMALL))
def test_every_parameter_is_the_official_value_in_our_layout(tmp_path, size):
    kw = SMALL[size]
    variables = write_official(tmp_path / "net.pkl", kw)
    out = convert(tmp_path / "net.pkl", with_discriminator=True)
    cfg = ModelConfig.from_dict(out["model_config"])
    assert cfg == config_of(kw, name="net")
    if cfg.resolution == 128:  # the 128 px file exercises the fused up/down kernels at its last block
        assert Generator(cfg).synthesis.layers[-2].conv.fused and Discriminator(cfg).blocks[-1].conv1_down.fused
        assert not Generator(cfg).synthesis.layers[-4].conv.fused
    for role, state in (("Gs", out["G_ema"]), ("G", out["G"]), ("D", out["D"])):
        rules = discriminator_rules(cfg) if role == "D" else generator_rules(cfg)
        assert len(state) == len(rules)
        for r in rules:
            want = _expected_ours(r.official, variables[role][r.official])
            got = state[r.ours]
            assert got.dtype == torch.float32 and tuple(got.shape) == want.shape, r.official
            assert np.array_equal(got.numpy(), want), r.official
        assert sum(v.numel() for v in state.values()) == sum(
            v.size for n, v in variables[role].items() if not n.endswith("lod"))
    assert out["info"]["converted_from"] == "net.pkl" and len(out["info"]["sha256"]) == 64


def test_round_trip_ours_to_official_to_ours_is_exact(tmp_path):
    kw = SMALL["128-fused"]
    cfg = config_of(kw)
    torch.manual_seed(1)
    G, G_inst, D = Generator(cfg), Generator(cfg), Discriminator(cfg)
    with torch.no_grad():  # make every tensor non-trivial (biases and noise weights start at 0)
        for t in [*G.state_dict().values(), *G_inst.state_dict().values(), *D.state_dict().values()]:
            t.copy_(torch.randn_like(t))
    exported = export_official(G.state_dict(), cfg, D.state_dict(), G_inst.state_dict())
    write_official(tmp_path / "ours.pkl", kw, exported)
    out = convert(tmp_path / "ours.pkl", with_discriminator=True)
    for mine, back in ((G, out["G_ema"]), (G_inst, out["G"]), (D, out["D"])):
        state = mine.state_dict()
        assert set(state) == set(back)
        for k in state:
            assert torch.equal(state[k], back[k]), k
    # and official -> ours -> official
    variables = random_official(kw, seed=3)
    write_official(tmp_path / "theirs.pkl", kw, variables)
    out = convert(tmp_path / "theirs.pkl", with_discriminator=True)
    again = export_official(out["G_ema"], cfg, out["D"], out["G"])
    for role in ("G", "D", "Gs"):
        assert set(again[role]) == set(variables[role])
        for n, v in variables[role].items():
            assert np.array_equal(np.asarray(again[role][n]), np.asarray(v)), (role, n)


# ---------------------------------------------------------------------------------------------------------
# The TF conventions computed in numpy (float64) against our modules with converted weights
# ---------------------------------------------------------------------------------------------------------


def tf_conv2d(x, w_hwio, stride=1):
    """tf.nn.conv2d(x, w, strides, padding='SAME', data_format='NCHW'): cross-correlation, HWIO kernel."""
    kh, kw_, cin, cout = w_hwio.shape
    n, c, h, wd = x.shape
    ho, wo = -(-h // stride), -(-wd // stride)
    ph, pw = max((ho - 1) * stride + kh - h, 0), max((wo - 1) * stride + kw_ - wd, 0)
    xp = np.pad(x, ((0, 0), (0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))
    out = np.zeros((n, cout, ho, wo))
    for a in range(kh):
        for b in range(kw_):
            patch = xp[:, :, a:a + stride * ho:stride, b:b + stride * wo:stride]
            out += np.einsum("nihw,io->nohw", patch, w_hwio[a, b])
    return out


def tf_conv2d_transpose_2x(x, w_hwoi):
    """tf.nn.conv2d_transpose(x, w [k, k, out, in], output 2x, strides 2, 'SAME'): the adjoint of the stride-2
    SAME conv2d (pad 1 before, 1 after for a 4x4 kernel), written as the scatter it is."""
    k = w_hwoi.shape[0]
    n, cin, h, wd = x.shape
    pad = (k - 2) // 2  # SAME: total padding k - 2 for stride 2, the smaller half first
    out = np.zeros((n, w_hwoi.shape[2], 2 * h + k, 2 * wd + k))
    for a in range(k):
        for b in range(k):
            out[:, :, a:a + 2 * h:2, b:b + 2 * wd:2] += np.einsum("nihw,oi->nohw", x, w_hwoi[a, b])
    return out[:, :, pad:pad + 2 * h, pad:pad + 2 * wd]


def tf_blur(x):
    f = np.outer([1, 2, 1], [1, 2, 1]) / 16.0
    c = x.shape[1]
    w = np.zeros((3, 3, c, c))
    for i in range(c):
        w[:, :, i, i] = f
    return tf_conv2d(x, w)


def tf_upscale2d_conv2d(x, w, fused):
    """The official upscale2d_conv2d on an already runtime-scaled HWIO weight."""
    if not fused:
        return tf_conv2d(x.repeat(2, axis=2).repeat(2, axis=3), w)
    w = w.transpose(0, 1, 3, 2)  # [k, k, out, in]
    w = np.pad(w, ((1, 1), (1, 1), (0, 0), (0, 0)))
    w = w[1:, 1:] + w[:-1, 1:] + w[1:, :-1] + w[:-1, :-1]
    return tf_conv2d_transpose_2x(x, w)


def tf_conv2d_downscale2d(x, w, fused):
    if not fused:
        y = tf_conv2d(x, w)
        n, c, h, wd = y.shape
        return y.reshape(n, c, h // 2, 2, wd // 2, 2).mean(axis=(3, 5))
    w = np.pad(w, ((1, 1), (1, 1), (0, 0), (0, 0)))
    w = (w[1:, 1:] + w[:-1, 1:] + w[1:, :-1] + w[:-1, :-1]) * 0.25
    return tf_conv2d(x, w, stride=2)


def lrelu(x):
    return np.where(x >= 0, x, 0.2 * x)


def wscale(w, gain=SQRT2, lrmul=1.0):
    """get_weight's runtime scale: gain / sqrt(fan_in) * lrmul, fan_in = prod(shape[:-1])."""
    return w * (gain / np.sqrt(np.prod(w.shape[:-1])) * lrmul)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _close(ours: torch.Tensor, ref: np.ndarray, tol=2e-5):
    ours = ours.detach().double().numpy()
    assert ours.shape == ref.shape
    scale = max(1.0, float(np.abs(ref).max()))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=tol * scale)


def _load(module, state):
    module.load_state_dict({k: v for k, v in state.items()}, strict=True)
    return module.eval()


def test_dense_layer_io_layout():
    w_tf, b, x = _rand(6, 5, seed=1), _rand(5, seed=2), _rand(3, 6, seed=3)
    for gain, lrmul in ((SQRT2, 0.01), (1.0, 1.0)):
        from stylegan_edu.convert.variables import to_ours
        layer = _load(EqualizedLinear(6, 5, gain=gain, lrmul=lrmul),
                      {"weight": to_ours(w_tf, "dense"), "bias": to_ours(b, "same")})
        ref = x.astype(np.float64) @ wscale(w_tf.astype(np.float64), gain, lrmul) + b * lrmul
        _close(layer(torch.from_numpy(x)), ref)


@pytest.mark.parametrize("k", [1, 3])
def test_conv_hwio_layout_applied_by_hand(k):
    from stylegan_edu.convert.variables import to_ours

    w_tf, b, x = _rand(k, k, 4, 5, seed=4), _rand(5, seed=5), _rand(2, 4, 8, 8, seed=6)
    gain = 1.0 if k == 1 else SQRT2  # ToRGB / FromRGB have gain 1 / sqrt 2; the rule is the same
    layer = _load(EqualizedConv2d(4, 5, k, gain=gain), {"weight": to_ours(w_tf, "conv"), "bias": to_ours(b, "same")})
    # asymmetric kernels: a transposed or flipped layout would not pass
    ref = tf_conv2d(x.astype(np.float64), wscale(w_tf.astype(np.float64), gain)) + b[None, :, None, None]
    _close(layer(torch.from_numpy(x)), ref)


@pytest.mark.parametrize("fused", [False, True])
def test_generator_upscale_conv_as_tf(fused):
    """Conv0_up: the official upscale2d_conv2d (TF's conv2d_transpose when fused), then the blur."""
    from stylegan_edu.convert.variables import to_ours

    w_tf, x = _rand(3, 3, 4, 6, seed=7), _rand(2, 4, 5, 5, seed=8)
    layer = _load(UpConv2d(4, 6, 3, fused=fused), {"conv.weight": to_ours(w_tf, "conv")})
    ref = tf_blur(tf_upscale2d_conv2d(x.astype(np.float64), wscale(w_tf.astype(np.float64)), fused))
    _close(layer(torch.from_numpy(x)), ref)


@pytest.mark.parametrize("fused", [False, True])
def test_discriminator_conv_downscale_as_tf(fused):
    """Conv1_down: blur, then the official conv2d_downscale2d (one stride-2 conv when fused), then the bias."""
    from stylegan_edu.convert.variables import to_ours

    w_tf, b, x = _rand(3, 3, 4, 6, seed=9), _rand(6, seed=10), _rand(2, 4, 8, 8, seed=11)
    layer = _load(ConvDown2d(4, 6, 3, fused=fused), {"conv.weight": to_ours(w_tf, "conv"),
                                                    "conv.bias": to_ours(b, "same")})
    ref = tf_conv2d_downscale2d(tf_blur(x.astype(np.float64)), wscale(w_tf.astype(np.float64)), fused)
    _close(layer(torch.from_numpy(x)), ref + b[None, :, None, None])


def test_style_mod_columns_scale_then_shift():
    from stylegan_edu.convert.variables import to_ours

    c, wdim = 5, 7
    w_tf, b = _rand(wdim, 2 * c, seed=12), _rand(2 * c, seed=13)
    dl, x = _rand(3, wdim, seed=14), _rand(3, c, 4, 4, seed=15)
    affine = _load(StyleAffine(wdim, c), {"dense.weight": to_ours(w_tf, "dense"), "dense.bias": to_ours(b, "same")})
    style = dl.astype(np.float64) @ wscale(w_tf.astype(np.float64), 1.0) + b  # official style_mod
    style = style.reshape(-1, 2, c, 1, 1)
    ref = x * (style[:, 0] + 1) + style[:, 1]
    y_s, y_b = affine(torch.from_numpy(dl))
    _close(style_modulate(torch.from_numpy(x), y_s, y_b), ref)


# whole networks: the official mapping / synthesis / D_basic (lod 0) in numpy, from the official variables


def np_mapping(v, z, kw):
    x = z.astype(np.float64)
    x = x / np.sqrt(np.mean(x**2, axis=1, keepdims=True) + 1e-8)
    for i in range(kw["mapping_layers"]):
        x = lrelu(x @ wscale(v[f"G_mapping/Dense{i}/weight"], SQRT2, 0.01) + v[f"G_mapping/Dense{i}/bias"] * 0.01)
    return x


def np_synthesis(v, w, kw, fused_from=128):
    top = int(math.log2(kw["resolution"]))
    s = "G_synthesis"

    def epilogue(x, p, i):
        x = x + v[f"{s}/noise{i}"] * v[f"{p}/Noise/weight"].reshape(1, -1, 1, 1)
        x = lrelu(x + v[f"{p}/bias"].reshape(1, -1, 1, 1))
        x = x - x.mean(axis=(2, 3), keepdims=True)
        x = x / np.sqrt(np.mean(x**2, axis=(2, 3), keepdims=True) + 1e-8)
        style = (w @ wscale(v[f"{p}/StyleMod/weight"], 1.0) + v[f"{p}/StyleMod/bias"]).reshape(len(w), 2, -1, 1, 1)
        return x * (style[:, 0] + 1) + style[:, 1]

    x = np.tile(v[f"{s}/4x4/Const/const"], (len(w), 1, 1, 1)).astype(np.float64)
    x = epilogue(x, f"{s}/4x4/Const", 0)
    x = epilogue(tf_conv2d(x, wscale(v[f"{s}/4x4/Conv/weight"])), f"{s}/4x4/Conv", 1)
    for res in range(3, top + 1):
        p = f"{s}/{2**res}x{2**res}"
        up = tf_upscale2d_conv2d(x, wscale(v[f"{p}/Conv0_up/weight"]), fused=2**res >= fused_from)
        x = epilogue(tf_blur(up), f"{p}/Conv0_up", 2 * res - 4)
        x = epilogue(tf_conv2d(x, wscale(v[f"{p}/Conv1/weight"])), f"{p}/Conv1", 2 * res - 3)
    rgb = tf_conv2d(x, wscale(v[f"{s}/ToRGB_lod0/weight"], 1.0))
    return rgb + v[f"{s}/ToRGB_lod0/bias"].reshape(1, -1, 1, 1)


def np_discriminator(v, img, kw, fused_from=128):
    top = int(math.log2(kw["resolution"]))
    x = lrelu(tf_conv2d(img, wscale(v["FromRGB_lod0/weight"])) + v["FromRGB_lod0/bias"].reshape(1, -1, 1, 1))
    for res in range(top, 2, -1):
        p = f"{2**res}x{2**res}"
        x = lrelu(tf_conv2d(x, wscale(v[f"{p}/Conv0/weight"])) + v[f"{p}/Conv0/bias"].reshape(1, -1, 1, 1))
        x = tf_conv2d_downscale2d(tf_blur(x), wscale(v[f"{p}/Conv1_down/weight"]), fused=2**res >= fused_from)
        x = lrelu(x + v[f"{p}/Conv1_down/bias"].reshape(1, -1, 1, 1))
    n, c, h, wd = x.shape  # minibatch stddev, group 4, one feature (official reshape)
    g = min(4, n)
    y = x.reshape(g, -1, 1, c, h, wd)
    y = np.sqrt(np.mean((y - y.mean(axis=0)) ** 2, axis=0) + 1e-8).mean(axis=(2, 3, 4)).reshape(-1, 1, 1, 1)
    x = np.concatenate([x, np.tile(y, (g, 1, h, wd))], axis=1)
    x = lrelu(tf_conv2d(x, wscale(v["4x4/Conv/weight"])) + v["4x4/Conv/bias"].reshape(1, -1, 1, 1))
    x = lrelu(x.reshape(n, -1) @ wscale(v["4x4/Dense0/weight"]) + v["4x4/Dense0/bias"])  # NCHW flatten
    return x @ wscale(v["4x4/Dense1/weight"], 1.0) + v["4x4/Dense1/bias"]


@pytest.mark.parametrize("size", ["32", "128-fused"])
def test_whole_networks_compute_the_official_function(tmp_path, size):
    """The converted G (mapping + synthesis with the stored noise) and D give the official networks' outputs,
    computed from the official variables in numpy with TF's conventions."""
    kw = SMALL[size]
    variables = write_official(tmp_path / "net.pkl", kw, seed=5)
    out = convert(tmp_path / "net.pkl", with_discriminator=True)
    cfg = ModelConfig.from_dict(out["model_config"])
    G = _load(Generator(cfg), out["G_ema"])
    D = _load(Discriminator(cfg), out["D"])
    v = {k: np.asarray(a, dtype=np.float64) for k, a in variables["Gs"].items()}
    z = _rand(4, kw["latent_size"], seed=20)
    with torch.no_grad():
        img, info = G(torch.from_numpy(z), noise_mode="const", return_features=True)
    w = np_mapping(v, z, kw)
    _close(info["w"], w)
    _close(img, np_synthesis(v, w, kw))
    vd = {k: np.asarray(a, dtype=np.float64) for k, a in variables["D"].items()}
    images = _rand(4, 3, kw["resolution"], kw["resolution"], seed=21)
    with torch.no_grad():
        _close(D(torch.from_numpy(images)), np_discriminator(vd, images.astype(np.float64), kw))
    # dlatent_avg is w_avg: the truncation trick pulls towards it
    assert np.array_equal(G.w_avg.numpy(), variables["Gs"]["dlatent_avg"])


# ---------------------------------------------------------------------------------------------------------
# Using the converted file: pretrained.load, generate, mix, the mixing demo, the original .pkl directly
# ---------------------------------------------------------------------------------------------------------


def test_convert_command_and_everything_that_reads_the_file(tmp_path, capsys):
    kw = SMALL["64"]
    write_official(tmp_path / "karras2019stylegan-tiny-64x64.pkl", kw)
    pt = tmp_path / "tiny.pt"
    assert main(["convert", str(tmp_path / "karras2019stylegan-tiny-64x64.pkl"), "--out", str(pt)]) == 0
    assert "64x64, 10 style layers" in capsys.readouterr().out
    G = pretrained.load(str(pt))
    assert G.cfg.name == "karras2019stylegan-tiny-64x64" and not G.training
    assert G.cfg.truncation_psi == 0.7 and G.cfg.truncation_cutoff == 8  # G_style's defaults
    state = torch.load(pt, weights_only=True)  # the exported format: nothing but data
    assert state["format"] == pretrained.FORMAT and set(state) == {"format", "version", "model_config", "G_ema",
                                                                    "info"}
    direct = pretrained.load(str(tmp_path / "karras2019stylegan-tiny-64x64.pkl"))  # the .pkl, converted in memory
    z = z_from_seeds([1, 2], kw["latent_size"])
    with torch.no_grad():
        a, b = (g(z, truncation_psi=0.7, noise_mode="const") for g in (G, direct))
    assert torch.equal(a, b)
    assert main(["generate", "--ckpt", str(pt), "--seeds", "0-3", "--out", str(tmp_path / "g.png"),
                 "--device", "cpu"]) == 0
    assert main(["mix", "--ckpt", str(pt), "--rows", "1,2", "--cols", "3,4", "--levels", "middle",
                 "--out", str(tmp_path / "m.png"), "--device", "cpu"]) == 0
    assert (tmp_path / "g.png").stat().st_size > 0 and (tmp_path / "m.png").stat().st_size > 0
    from stylegan_edu.demos import render_mix

    assert render_mix(G, 1, 2, G.cfg.level_layers("coarse"), size=64).size[0] > 0
    # --with-d keeps G and D too, still readable as a generator file
    assert main(["convert", str(tmp_path / "karras2019stylegan-tiny-64x64.pkl"), "--out", str(tmp_path / "d.pt"),
                 "--with-d"]) == 0
    state = torch.load(tmp_path / "d.pt", weights_only=True)
    _load(Discriminator(G.cfg), state["D"])
    _load(Generator(G.cfg), state["G"])


def test_default_output_goes_to_the_cache_where_find_ffhq_looks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("STYLEGAN_EDU_FFHQ", raising=False)
    assert pretrained.find_ffhq() is None
    src = tmp_path / "karras2019stylegan-ffhq-1024x1024.pkl"  # a tiny stand-in under the official name
    write_official(src, SMALL["32"])
    assert main(["convert", str(src)]) == 0
    want = tmp_path / "cache" / "stylegan_edu" / "pretrained" / "karras2019stylegan-ffhq-1024x1024.pt"
    assert pretrained.find_ffhq() == want and want.is_file()
    assert pretrained.load_ffhq().cfg.resolution == 32  # what the lessons' optional cells load
    other = tmp_path / "elsewhere.pt"
    other.write_bytes(want.read_bytes())
    monkeypatch.setenv("STYLEGAN_EDU_FFHQ", str(other))
    assert pretrained.find_ffhq() == other
    monkeypatch.setenv("STYLEGAN_EDU_FFHQ", str(tmp_path / "missing.pt"))
    assert pretrained.find_ffhq() == want  # a wrong variable falls back to the cache
    want.unlink()
    assert pretrained.find_ffhq() is None
    capsys.readouterr()
    assert pretrained.load_ffhq() is None and "README.md, 'Using NVIDIA's original models'" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------------------


def _err(path, capsys) -> str:
    assert main(["convert", str(path), "--out", str(Path(path).with_suffix(".pt"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("stylegan-edu convert: error: "), err
    assert not Path(path).with_suffix(".pt").exists()
    return err


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Evals:
    def __reduce__(self):
        return eval, ("__import__('os').system('true')",)


def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, capsys):
    marker = tmp_path / "it-ran"
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps(_RunsCode(marker), protocol=4))
    err = _err(bad, capsys)
    assert f"{os.system.__module__}.system" in err and "nothing in it was run" in err
    assert not marker.exists()
    # hidden deep inside an otherwise valid official file, after the arrays
    kw = SMALL["32"]
    nets = official_networks(kw, random_official(kw))
    nets[2].state["static_kwargs"]["resolution"] = _RunsCode(marker)
    bad.write_bytes(_dump(nets))
    assert f"{os.system.__module__}.system" in _err(bad, capsys)
    assert not marker.exists()
    bad.write_bytes(pickle.dumps(_Evals(), protocol=2))
    assert "builtins.eval" in _err(bad, capsys)
    with pytest.raises(ConvertError, match="builtins.eval"):  # the library call refuses in the same way
        read_official(bad)


def test_foreign_files_are_refused_by_what_they_are(tmp_path, capsys):
    import collections

    f = tmp_path / "f.pkl"
    f.write_bytes(pickle.dumps(collections.OrderedDict(a=1)))
    assert "collections.OrderedDict" in _err(f, capsys)
    f.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    assert "not a StyleGAN network pickle" in _err(f, capsys)
    f.write_bytes(pickle.dumps(np.array([1, "a"], dtype=object)))
    assert "not a plain numeric type" in _err(f, capsys)
    torch.save({"a": torch.zeros(1)}, f)
    assert "zip archive" in _err(f, capsys)
    f.write_bytes(b"GIF89a not a pickle at all")
    assert "not a pickle" in _err(f, capsys)
    assert "no such file" in _err(tmp_path / "missing.pkl", capsys)


def test_a_truncated_file_is_refused(tmp_path, capsys):
    kw = SMALL["32"]
    good = _dump(official_networks(kw, random_official(kw)))
    for cut in (len(good) // 2, len(good) - 1, 40):
        (tmp_path / "cut.pkl").write_bytes(good[:cut])
        assert "ends early" in _err(tmp_path / "cut.pkl", capsys)


def test_a_stylegan2_file_is_named(tmp_path, capsys):
    kw = SMALL["32"]
    v = random_official(kw)
    v["Gs"]["G_synthesis/4x4/Conv/mod_weight"] = v["Gs"].pop("G_synthesis/4x4/Conv/StyleMod/weight")
    f = tmp_path / "stylegan2-ffhq-config-f.pkl"
    write_official(f, kw, v, g_funcs=("G_main", "G_mapping", "G_synthesis_stylegan2"), d_func="D_stylegan2",
                   version=4)
    assert "this is a StyleGAN2 file" in _err(f, capsys)
    write_official(f, kw, v)  # v1 function names, but StyleGAN2's variables
    assert "this is a StyleGAN2 file" in _err(f, capsys)


def test_wrong_resolution_is_refused(tmp_path, capsys):
    kw = SMALL["32"]
    f = tmp_path / "r.pkl"
    nets = official_networks(kw, random_official(kw))
    for net in (nets[0], nets[2]):
        for n in (net, *net.state["components"].values()):
            n.state["static_kwargs"]["resolution"] = 64
    nets[1].state["static_kwargs"]["resolution"] = 64
    f.write_bytes(_dump(nets))
    assert "says resolution 64 but its variables stop at 32x32" in _err(f, capsys)
    for n in (nets[1], nets[2].state["components"]["synthesis"]):
        n.state["static_kwargs"]["resolution"] = 48
    f.write_bytes(_dump(nets))
    assert "resolution 48 is not a power of two" in _err(f, capsys)


def test_missing_extra_misshapen_variables_and_unsupported_settings_are_named(tmp_path, capsys):
    kw = SMALL["32"]
    f = tmp_path / "v.pkl"
    v = random_official(kw)
    del v["Gs"]["G_synthesis/16x16/Conv1/StyleMod/bias"]
    write_official(f, kw, v)
    assert "Gs: missing variable G_synthesis/16x16/Conv1/StyleMod/bias" in _err(f, capsys)
    v = random_official(kw)
    v["D"]["8x8/Conv0/extra"] = np.zeros(3, np.float32)
    write_official(f, kw, v)
    assert "D: unexpected variable 8x8/Conv0/extra" in _err(f, capsys)
    v = random_official(kw)
    v["G"]["G_mapping/Dense0/weight"] = v["G"]["G_mapping/Dense0/weight"].T.copy()  # [16, 12] stored as [12, 16]
    write_official(f, kw, v)
    assert "G: G_mapping/Dense0/weight has shape [12, 16], expected [16, 12]" in _err(f, capsys)
    v = random_official(kw)
    v["G"]["G_synthesis/8x8/Conv1/weight"] = v["G"]["G_synthesis/8x8/Conv1/weight"][:, :, :4].copy()
    write_official(f, kw, v)
    assert "G_synthesis/8x8/Conv1/weight has shape [3, 3, 4, 16], expected [3, 3, 16, 16]" in _err(f, capsys)
    v = random_official(kw)
    v["Gs"]["lod"] = np.float32(1.0)
    write_official(f, kw, v)
    assert "still growing" in _err(f, capsys)
    nets = official_networks(kw, random_official(kw))
    nets[2].state["components"]["synthesis"].state["static_kwargs"]["use_pixel_norm"] = True
    f.write_bytes(_dump(nets))
    assert "use_pixel_norm=True" in _err(f, capsys)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_every_pickle_protocol_reads(tmp_path, protocol):
    kw = SMALL["32"]
    v = write_official(tmp_path / "p.pkl", kw, protocol=protocol)
    out = convert(tmp_path / "p.pkl")
    assert np.array_equal(out["G_ema"]["w_avg"].numpy(), v["Gs"]["dlatent_avg"])


def test_reading_needs_neither_tensorflow_nor_dnnlib(tmp_path):
    write_official(tmp_path / "n.pkl", SMALL["32"])
    assert "dnnlib" not in sys.modules and "tensorflow" not in sys.modules
    G, D, Gs = read_official(tmp_path / "n.pkl")
    assert (G.name, D.name, Gs.name) == ("G", "D", "Gs") and Gs.build_func_name == "G_style"
    assert "dnnlib" not in sys.modules and "tensorflow" not in sys.modules
