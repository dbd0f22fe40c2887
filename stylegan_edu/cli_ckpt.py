"""The --ckpt / --device pair that every command drawing from a generator shares (generate, mix, metrics,
levels, edit, project): a shipped name, an exported generator or a training snapshot, loaded with one-line
errors."""

from __future__ import annotations

import torch


def generator_from_args(args):
    """The generator named by args.ckpt on args.device (default: cuda when available), in eval mode."""
    from stylegan_edu.errors import UsageError
    from stylegan_edu.pretrained import SHIPPED, load, load_generator
    from stylegan_edu.train.checkpoint import CheckpointError

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return load(args.ckpt, device) if args.ckpt in SHIPPED else load_generator(args.ckpt, device)
    except (CheckpointError, FileNotFoundError, ValueError) as e:
        raise UsageError(str(e)) from None
