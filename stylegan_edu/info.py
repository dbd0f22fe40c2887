"""`stylegan-edu info`: parameter counts and the channel table of a named config."""

from __future__ import annotations

import json

from torch import nn

from stylegan_edu.configs import CONFIGS, ModelConfig, get_config


def count_params(module: nn.Module) -> int:
    """Trainable parameters (buffers such as w_avg and the noise images are not counted)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def model_summary(cfg: ModelConfig) -> dict:
    """Parameter counts of mapping, synthesis, generator and discriminator, and the per-resolution table."""
    from stylegan_edu.discriminator import Discriminator
    from stylegan_edu.generator import Generator

    G, D = Generator(cfg), Discriminator(cfg)
    table = [
        {"resolution": r, "channels": cfg.channels(r), "style_layers": [i for i in range(cfg.num_layers)
                                                                      if cfg.layer_resolution(i) == r],
         "level": cfg.level_of_layer(cfg.num_layers_at(r) - 1), "fused": r > 4 and cfg.fused(r)}
        for r in cfg.resolutions
    ]
    return {
        "config": cfg.name,
        "resolution": cfg.resolution,
        "mapping": count_params(G.mapping),
        "synthesis": count_params(G.synthesis),
        "generator": count_params(G),
        "discriminator": count_params(D),
        "num_style_layers": cfg.num_layers,
        "resolutions": table,
    }


def format_summary(s: dict) -> str:
    lines = [
        f"config {s['config']}: {s['resolution']}x{s['resolution']}, {s['num_style_layers']} style layers",
        "",
        f"  {'network':<14}{'parameters':>14}",
    ]
    for key in ("mapping", "synthesis", "generator", "discriminator"):
        lines.append(f"  {key:<14}{s[key]:>14,}")
    lines += ["", f"  {'resolution':>10}  {'channels':>8}  {'style layers':<13} {'level':<7} fused"]
    for row in s["resolutions"]:
        layers = "-".join(str(i) for i in (row["style_layers"][0], row["style_layers"][-1]))
        lines.append(f"  {row['resolution']:>10}  {row['channels']:>8}  {layers:<13} {row['level']:<7} "
                     f"{'yes' if row['fused'] else 'no'}")
    return "\n".join(lines)


def _run(args) -> int:
    from stylegan_edu.errors import UsageError

    if args.config not in CONFIGS:
        raise UsageError(f"unknown config {args.config!r}; choose one of: {', '.join(CONFIGS)}")
    summary = model_summary(get_config(args.config))
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "info", help="parameter counts and channel table of a model config",
        description="Build the generator and discriminator of a named config and print their trainable "
                    "parameter counts, the channels per resolution and the number of style layers.")
    p.add_argument("--config", default="ffhq-1024", metavar="NAME",
                   help=f"model config ({', '.join(CONFIGS)}; default ffhq-1024)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=_run)
