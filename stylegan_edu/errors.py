"""Errors shared by the commands: below every subcommand and the top-level `stylegan-edu` parser, so neither
imports the other for them."""


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""
