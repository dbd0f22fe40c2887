"""The committed lesson notebooks are built from their sources in notebooks/src (nbval checks their outputs)."""

import importlib.util
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _build():
    spec = importlib.util.spec_from_file_location("build", NOTEBOOKS / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parse_percent_format():
    cells = _build().parse("# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n\n# %%\nprint(x)\n")
    assert cells == [("markdown", "# Title\n\ntext"), ("code", "x = 1"), ("code", "print(x)")]


def test_committed_notebooks_match_their_sources():
    built = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert built, "no lesson notebooks committed"
    assert _build().main(["--check", *built]) == 0
