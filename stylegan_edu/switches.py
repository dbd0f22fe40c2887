"""Environment switches that turn a library default off (STYLEGAN_EDU_BF16, STYLEGAN_EDU_KEEP_FREED_MEMORY)."""

from __future__ import annotations

import os

OFF_VALUES = frozenset({"0", "off", "false", "no"})


def switched_off(name: str) -> bool:
    """True when the environment variable `name` is 0 / off / false / no (any case, spaces ignored)."""
    return os.environ.get(name, "").strip().lower() in OFF_VALUES
