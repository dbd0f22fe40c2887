"""Reading NVIDIA's TensorFlow 1 pickles without TensorFlow, and without letting the file run code.

The official StyleGAN files (`karras2019stylegan-ffhq-1024x1024.pkl`, ...) hold a tuple `(G, D, Gs)` of
`dnnlib.tflib.network.Network` objects. Unpickled the usual way, each Network's `__setstate__` `exec`s the
Python source stored in the file and builds a TF graph. Here a restricted unpickler admits only the few names
such a file needs and maps each to a harmless stand-in:

    dnnlib.tflib.network.Network        -> OfficialNetwork: its __setstate__ only keeps the state dict
    numpy.core.multiarray._reconstruct  -> rebuilds an ndarray (subtype ndarray only)
    numpy.core.multiarray.scalar        -> a numeric numpy scalar (the `lod` variables)
    numpy.dtype                         -> numeric dtypes only (no object arrays, so no hidden objects)
    numpy.ndarray                       -> a marker that only _reconstruct accepts
    dnnlib.util.EasyDict                -> a plain dict
    _codecs.encode (latin1 only)        -> bytes, as protocol 2 writes them under Python 3

Any other name (os.system, builtins.eval, a torch or sklearn class, ...) stops the load at the opcode that
asks for it, with a one-line error naming it: nothing the file asks for is ever looked up, let alone run.
"""

from __future__ import annotations

import _compat_pickle
import pickle
import zipfile
from pathlib import Path

import numpy as np

from stylegan_edu.errors import UsageError


class ConvertError(UsageError, ValueError):
    """A file that is not an official StyleGAN v1 pickle, or not one this converter can map (one line)."""


class OfficialNetwork:
    """What a `dnnlib.tflib.network.Network` pickle holds, kept as data (the build code is never run).

    name: "G", "D", "Gs", "G_mapping", "G_synthesis"; build_func_name: "G_style", "G_mapping", ...;
    static_kwargs: the keyword arguments of the build function; components: sub-networks by role;
    variables: {local name: ndarray} in the file's order, e.g. "4x4/Conv/weight", "noise0", "lod".
    """

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise ConvertError(f"a dnnlib Network whose state is a {type(state).__name__}, not a dict")
        self.version = state.get("version")
        self.name = state.get("name")
        self.static_kwargs = dict(state.get("static_kwargs") or {})
        self.components = dict(state.get("components") or {})
        self.build_func_name = state.get("build_func_name")
        self.build_module_src = state.get("build_module_src")  # kept as text, never executed
        variables = state.get("variables") or []
        try:
            self.variables = {str(name): value for name, value in variables}
        except (TypeError, ValueError):
            raise ConvertError(f"network {self.name!r}: 'variables' is not a list of (name, value) pairs") from None

    def __repr__(self) -> str:
        return f"OfficialNetwork({self.name!r}, {self.build_func_name!r}, {len(self.variables)} variables)"


class _EasyDict(dict):
    """dnnlib.util.EasyDict read back as a plain dict subclass (no attribute magic needed here)."""


class _NdarrayMarker:
    """Stands for numpy.ndarray in a pickle; only `_reconstruct` accepts it."""

    def __new__(cls, *args, **kwargs):
        raise pickle.UnpicklingError("numpy.ndarray may only be rebuilt through _reconstruct")


# numeric dtypes only: an object array would unpickle arbitrary contents
_NUMERIC_KINDS = set("biuf")
_RECONSTRUCT = np.array(0.0).__reduce__()[0]  # numpy's own functions, wherever this numpy keeps them
_SCALAR = np.float32(0).__reduce__()[0]


def _dtype(spec, align=False, copy=True):
    dt = np.dtype(spec) if isinstance(spec, str) else None
    if dt is None or dt.kind not in _NUMERIC_KINDS:
        raise pickle.UnpicklingError(f"numpy dtype {spec!r} is not a plain numeric type")
    return np.dtype(spec, align=bool(align), copy=bool(copy))


def _reconstruct(subtype, shape, dtype_code):
    if subtype is not _NdarrayMarker:
        raise pickle.UnpicklingError("numpy _reconstruct may only rebuild a plain ndarray")
    return _RECONSTRUCT(np.ndarray, shape, dtype_code)


def _scalar(dtype, data):
    if not isinstance(dtype, np.dtype) or dtype.kind not in _NUMERIC_KINDS or not isinstance(data, bytes):
        raise pickle.UnpicklingError("numpy scalar of a non-numeric type")
    return _SCALAR(dtype, data)


def _codecs_encode(text, encoding="utf-8"):  # how protocol 2 writes bytes under Python 3
    if encoding != "latin1" or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


ALLOWED = {
    ("dnnlib.tflib.network", "Network"): OfficialNetwork,
    ("dnnlib.util", "EasyDict"): _EasyDict,
    ("numpy", "ndarray"): _NdarrayMarker,
    ("numpy", "dtype"): _dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,  # numpy 1.x (the official files)
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,  # numpy 2.x
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("_codecs", "encode"): _codecs_encode,
}


class Refused(pickle.UnpicklingError):
    """The pickle asked for a name outside ALLOWED."""

    def __init__(self, module: str, name: str):
        super().__init__(f"{module}.{name}")
        self.module, self.qualname = module, name


class RestrictedUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only the names in ALLOWED (to the stand-ins above). `protocol` (the
    file's second byte) says whether names come in Python 2 spelling (protocol 2: __builtin__, copy_reg)."""

    def __init__(self, file, protocol: int = 4):
        super().__init__(file)
        self.protocol = protocol

    def find_class(self, module, name):
        if self.protocol < 3:  # Python 2 names (copy_reg, __builtin__), as the stdlib's own find_class maps them
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        try:
            return ALLOWED[(module, name)]
        except (KeyError, TypeError):
            raise Refused(str(module), str(name)) from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids (used by torch.save files) do not occur in these files")


def _hint(module: str) -> str:
    """A word on what kind of file asks for names from `module`."""
    top = module.split(".")[0]
    if top in ("torch", "torch_utils", "training"):
        return " (a PyTorch pickle, e.g. StyleGAN2-ADA/StyleGAN3: not an official StyleGAN v1 TensorFlow file)"
    if top == "tfutil":
        return " (a Progressive GAN pickle: not a StyleGAN file)"
    if top in ("os", "posix", "nt", "subprocess", "builtins", "sys", "shutil", "socket", "eval", "exec"):
        return " (a pickle that would run code: refused)"
    return ""


def load_pickle(path: Path | str):
    """Unpickle `path` with RestrictedUnpickler; every failure is a one-line ConvertError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ConvertError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        raise ConvertError(f"{path}: a zip archive (a PyTorch .pt file?), not an official TensorFlow pickle; "
                           "stylegan_edu.pretrained.load reads stylegan-edu .pt files directly")
    with open(path, "rb") as f:
        head = f.read(2)
    if len(head) < 2 or head[0] != 0x80 or not 2 <= head[1] <= pickle.HIGHEST_PROTOCOL:
        raise ConvertError(f"{path}: not a pickle of protocol 2 or later (an official StyleGAN file starts with "
                           "0x80 0x04)")
    try:
        with open(path, "rb") as f:  # streamed: a 1024 px file is about 300 MB
            return RestrictedUnpickler(f, head[1]).load()
    except Refused as e:
        raise ConvertError(f"{path}: refused: the pickle asks for {e.module}.{e.qualname}, which an official "
                           f"StyleGAN v1 file never contains{_hint(e.module)}; nothing in it was run") from None
    except ConvertError as e:
        raise ConvertError(f"{path}: {e}") from None
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError, IndexError, KeyError, AttributeError,
            MemoryError, UnicodeDecodeError, OverflowError) as e:
        reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
        if isinstance(e, EOFError) or "truncated" in reason:
            raise ConvertError(f"{path}: the pickle ends early (truncated download?): {reason}") from None
        raise ConvertError(f"{path}: not a readable pickle ({reason})") from None
