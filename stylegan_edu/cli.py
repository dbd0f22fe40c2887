"""The `stylegan-edu` command (also `python -m stylegan_edu`).

Each subcommand lives next to the code it drives and registers itself through an
`add_parser(subparsers)` function listed in `_SUBCOMMANDS`. A subcommand reports bad
input by raising `UsageError`; `main` turns that into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from stylegan_edu.errors import UsageError  # noqa: F401 (raised by the subcommands)

# module path -> the function that adds its subparser(s)
_SUBCOMMANDS = [
    "stylegan_edu.info",
    "stylegan_edu.data.cli",
    "stylegan_edu.train.cli",
    "stylegan_edu.pictures_cli",
    "stylegan_edu.metrics.cli",
    "stylegan_edu.levels",
    "stylegan_edu.assignments.cli",
    "stylegan_edu.convert.cli",
    "stylegan_edu.editing_cli",
    "stylegan_edu.projection_cli",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; keep it to one line
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stylegan-edu",
        description="Learn StyleGAN by building it. Inspect models, build datasets, train and sample.",
        epilog="Run `stylegan-edu COMMAND --help` for the options of one command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _SUBCOMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a bad argument (2, one line on stderr): the exit code, as below
        return 0 if e.code is None else e.code if isinstance(e.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        sys.stderr.write(f"stylegan-edu {args.command}: error: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
