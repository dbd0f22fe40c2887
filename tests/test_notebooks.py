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


def test_every_lesson_is_built_and_matches_its_source():
    sources = sorted(p.stem for p in (NOTEBOOKS / "src").glob("[0-9][0-9]_*.py"))
    built = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert sources == built, f"sources {sources} != committed notebooks {built} (run python notebooks/build.py)"
    assert [s[:2] for s in sources] == [f"{i:02d}" for i in range(12)], "lessons 00 to 11, in order"
    assert _build().main(["--check"]) == 0


def test_committed_notebooks_are_executed_without_errors_or_widget_state():
    import nbformat

    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name}: a code cell was not executed"
        assert not any(o.output_type == "error" for c in code for o in c.outputs), f"{path.name} has an error"
        assert "widgets" not in nb.metadata, f"{path.name}: widget state must not be committed"


def test_text_only_update_keeps_outputs_and_refuses_code_changes(tmp_path):
    import nbformat

    build = _build()
    src = "# %% [markdown]\n# Old words.\n\n# %%\nprint(6 * 7)\n"
    nb = build.to_notebook(src)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    nb.cells[1].execution_count = 1
    target = tmp_path / "99_x.ipynb"
    nbformat.write(nb, target)

    assert build.update_text(target, build.to_notebook(src.replace("Old", "New"))) is None
    done = nbformat.read(target, as_version=4)
    assert done.cells[0].source == "New words." and done.cells[1].outputs[0].text == "42\n"
    assert build.update_text(target, build.to_notebook(src.replace("6 * 7", "6 * 8"))) == "a code cell changed"
    more = src + "\n# %% [markdown]\n# More.\n"
    assert build.update_text(target, build.to_notebook(more)) == "cells were added, removed or moved"
    assert nbformat.read(target, as_version=4).cells[1].source == "print(6 * 7)"  # refused: untouched
