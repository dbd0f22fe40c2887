"""`KEY=VALUE` settings for a new run (the train command's `--set`), checked against a config's own types.

Shared by the training settings (`TrainConfig.with_overrides`) and the network's (`ModelConfig.with_overrides`,
`--set model.KEY=VALUE`), so both accept and refuse values the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable


def setting_key(item: str) -> str:
    """The setting a `KEY=VALUE` string names: KEY stripped, `-` read as `_`."""
    return item.partition("=")[0].strip().replace("-", "_")


def apply_overrides(settings: dict, items: Iterable[str], what: str, prefix: str = "",
                    fixed: Iterable[str] = ("name",), free_types: Iterable[str] = ()) -> dict:
    """A copy of `settings` with each `KEY=VALUE` of `items` applied; ValueError with one line if one is bad.

    VALUE is JSON (`0.001`, `true`, `{"64": 32}`) or, if it does not parse, a plain string, and must have the
    type of the value it replaces (an integer is accepted for a float and stored as one). `-` in KEY reads as
    `_`. what: the settings' name in messages ("training", "model"); prefix: how the user wrote the keys'
    prefix (`model.`), for messages; fixed: keys that cannot be set; free_types: keys whose type the config's
    own checks judge (e.g. a setting that is either a bool or "auto").
    """
    d = dict(settings)
    fixed, free_types = set(fixed), set(free_types)
    for item in items:
        key = setting_key(item)
        _, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set wants {prefix}KEY=VALUE, got {prefix + item!r}")
        if key not in d or key in fixed:
            keys = ", ".join(k for k in d if k not in fixed)
            raise ValueError(f"unknown {what} setting {prefix + key!r}; settable: {keys}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        old = d[key]
        ok = key in free_types or (isinstance(value, bool) == isinstance(old, bool)
                                   and (isinstance(value, type(old)) or (isinstance(old, float)
                                                                         and isinstance(value, int))))
        if not ok:
            raise ValueError(f"--set {prefix}{key}: wants a {type(old).__name__} like {json.dumps(old)}, got {text!r}")
        d[key] = float(value) if isinstance(old, float) and not isinstance(value, bool) else value
    return d
