"""The --ckpt / --device pair that every command drawing from a generator shares (generate, mix, metrics,
levels, edit, project): a shipped name, an exported generator or a training snapshot, loaded with one-line
errors."""

from __future__ import annotations

CKPT_HELP = "a training snapshot, an exported generator, or a shipped name (toyfaces-64)"


def add_ckpt_arguments(p) -> None:
    """--ckpt (required) and --device, worded the same in every command."""
    p.add_argument("--ckpt", required=True, metavar="PATH|NAME", help=CKPT_HELP)
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda if available)")


def generator_from_args(args):
    """The generator named by args.ckpt on args.device (default: cuda when available), in eval mode."""
    import torch  # here, so that building the parsers (and --help) does not import torch

    from stylegan_edu.errors import UsageError
    from stylegan_edu.pretrained import SHIPPED, load, load_generator
    from stylegan_edu.train.checkpoint import CheckpointError

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return load(args.ckpt, device) if args.ckpt in SHIPPED else load_generator(args.ckpt, device)
    except (CheckpointError, FileNotFoundError, ValueError) as e:
        raise UsageError(str(e)) from None
