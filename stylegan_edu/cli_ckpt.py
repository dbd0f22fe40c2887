"""The --ckpt / --device pair that every command drawing from a generator shares (generate, mix, metrics,
levels, edit, project): a shipped name, an exported generator or a training snapshot, loaded with one-line
errors. generate, mix and metrics also take --compile (stylegan_edu.compiled) and --amp (stylegan_edu.amp_generator)."""

from __future__ import annotations

import sys
from pathlib import Path

# stylegan_edu.compiled.MODES, spelt out so that building the parsers (and --help) does not import torch
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")
AMP_MODES = ("none", "bf16")  # stylegan_edu.amp_generator.AMP_MODES, spelt out for the same reason
SHIPPED_NAMES = ("toyfaces-64", "toyfaces-64-detail")  # stylegan_edu.pretrained.SHIPPED, spelt out likewise
CKPT_HELP = f"a training snapshot, an exported generator, or a shipped name ({', '.join(SHIPPED_NAMES)})"


def add_ckpt_arguments(p) -> None:
    """--ckpt (required) and --device, worded the same in every command."""
    p.add_argument("--ckpt", required=True, metavar="PATH|NAME", help=CKPT_HELP)
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda if available)")


def add_compile_argument(p) -> None:
    """--compile [MODE]: run the generator compiled by torch.compile (off by default)."""
    p.add_argument("--compile", nargs="?", const="default", default=None, choices=COMPILE_MODES, metavar="MODE",
                   help="compile the generator with torch.compile: the same images, faster after a first call that "
                        "compiles (seconds to minutes; the kernels are cached on disk). MODE: default (when "
                        "omitted), reduce-overhead (CUDA graphs, CUDA only) or max-autotune-no-cudagraphs")


def add_amp_argument(p) -> None:
    """--amp none|bf16: the generator's precision (fp32 by default)."""
    p.add_argument("--amp", choices=AMP_MODES, default="none",
                   help="the generator's precision: none = fp32 (default, the reference) or bf16 = bf16 autocast "
                        "with channels_last weights, faster on GPUs with bf16 units; it changes the images, and any "
                        "number measured on them, slightly (the feature networks of metrics stay fp32)")


def report_compile(G) -> None:
    """After a command's work: how long the compiled generator's first calls took (stderr), if it is one."""
    describe = getattr(G, "describe", None)
    if describe is not None:
        sys.stderr.write(describe() + "\n")


def device_from_arg(text: str | None):
    """--device as a torch.device (default: cuda when available); UsageError for a name torch does not know or a
    device this torch or machine lacks."""
    import torch

    from stylegan_edu.errors import UsageError

    if text is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(text)
    except RuntimeError:
        raise UsageError(f"--device {text}: not a device name (cpu, cuda, cuda:N or mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {text}: this PyTorch build or machine has no CUDA GPU (use --device cpu)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise UsageError(f"--device {text}: there are {torch.cuda.device_count()} CUDA devices")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"--device {text}: MPS is not available here (use --device cpu)")
    return device


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")  # what `generate` and `mix` write (by PIL)


def output_file(text, suffixes: tuple[str, ...], folder_must_exist: bool = False):
    """--out as a Path ending in one of `suffixes` that is not a folder (and, with folder_must_exist, whose
    folder is there; otherwise the command creates it); UsageError otherwise."""
    from stylegan_edu.errors import UsageError

    out = Path(text)
    if out.is_dir():
        raise UsageError(f"--out {text} is a folder; name the file to write, e.g. {out / ('out' + suffixes[0])}")
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"--out must be a {' or '.join(suffixes)} file, got {text}")
    if folder_must_exist and not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    return out


def generator_from_args(args):
    """The generator named by args.ckpt on args.device (default: cuda when available), in eval mode; compiled when
    args.compile names a mode; under bf16 autocast when args.amp is "bf16"."""
    import torch  # here, so that building the parsers (and --help) does not import torch

    from stylegan_edu.errors import UsageError
    from stylegan_edu.pretrained import SHIPPED, load, load_generator
    from stylegan_edu.train.checkpoint import CheckpointError

    device = device_from_arg(args.device)
    try:
        G = load(args.ckpt, device) if args.ckpt in SHIPPED else load_generator(args.ckpt, device)
    except (CheckpointError, FileNotFoundError, ValueError) as e:
        ckpt = Path(args.ckpt)
        near_miss = not ckpt.suffix and len(ckpt.parts) == 1 and not ckpt.exists()  # e.g. toyfaces-65
        hint = f" (the shipped models are named {' and '.join(SHIPPED)})" if near_miss else ""
        raise UsageError(f"{e}{hint}") from None
    if getattr(args, "compile", None) is not None:
        from stylegan_edu.compiled import compile_generator
        try:
            G = compile_generator(G, args.compile)
        except ValueError as e:  # reduce-overhead on a CPU
            raise UsageError(str(e)) from None
    from stylegan_edu.amp_generator import amp_generator
    return amp_generator(G, getattr(args, "amp", "none"))
