"""Attribute editing along W directions: the maths of the directions and edits on small tensors, and on the shipped
model that editing glasses along its direction raises the reader's glasses probability; the `edit` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from stylegan_edu.cli import main
from stylegan_edu.editing import (Directions, cached_directions, conditional_direction, edit, edit_figure,
                                  fit_normals, format_table, half_range_strength, measure_editing, measure_reader_floor,
                                  parse_strengths, resolve_layers)
from stylegan_edu.generator import Generator

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def toy_G():
    torch.manual_seed(0)
    return Generator("toy-32").eval().requires_grad_(False)


@pytest.fixture(scope="module")
def shipped():
    from stylegan_edu import pretrained
    from stylegan_edu.metrics.toy_features import load_toy_features

    return pretrained.load("toyfaces-64"), load_toy_features()


@pytest.fixture(scope="module")
def dirs(shipped, tmp_path_factory):
    """Directions from 300 faces (the default is 1000; fewer keep the test fast and still find glasses)."""
    G, reader = shipped
    return cached_directions(G, reader, num_samples=300, cache_dir=tmp_path_factory.mktemp("dirs"))


# --- pure maths -----------------------------------------------------------------------------------------------------

def test_conditional_direction_is_unit_and_orthogonal_to_every_condition():
    g = torch.Generator().manual_seed(0)
    n = torch.randn(16, generator=g)
    n /= n.norm()
    others = torch.randn(3, 16, generator=g)  # not orthogonal to each other
    m = conditional_direction(n, others)
    assert math.isclose(float(m.norm()), 1.0, rel_tol=1e-5)
    assert (others @ m).abs().max() < 1e-5
    assert float(m @ n) > 0  # still points the same way
    with pytest.raises(ValueError, match="span"):
        conditional_direction(others[0] / others[0].norm(), others)


def test_fit_normals_finds_a_planted_direction_in_anisotropic_w():
    g = torch.Generator().manual_seed(1)
    D = 12
    w = torch.randn(600, D, generator=g) * torch.linspace(0.1, 3, D) + 5  # anisotropic, off-centre
    true = torch.zeros(D)
    true[-1] = 1.0  # a high-variance axis decides the label
    probs = torch.sigmoid(4 * (w - 5) @ true)[:, None]
    normals, intercepts, entropies = fit_normals(w, probs, ["a"])
    assert float(normals[0] @ true) > 0.95
    side = (w @ normals[0] + intercepts[0]) > 0
    assert (side == (probs[:, 0] > 0.5)).float().mean() > 0.95  # the intercept is for the uncentred w
    assert entropies["a"] < 0.3


def test_edit_moves_only_the_chosen_layers_by_strength_times_direction(toy_G):
    ws = torch.randn(2, toy_G.num_layers, 512)
    d = torch.randn(512)
    out = edit(toy_G, ws, d, [-2, 0, 1.5], layers="middle")
    assert out.shape == (2, 3, toy_G.num_layers, 512)
    mid = toy_G.cfg.level_layers("middle")
    rest = [i for i in range(toy_G.num_layers) if i not in mid]
    torch.testing.assert_close(out[:, 1], ws)
    torch.testing.assert_close(out[:, 2, mid], ws[:, mid] + 1.5 * d)
    torch.testing.assert_close(out[:, 0, rest], ws[:, rest])
    assert edit(toy_G, ws[:, 0], d, [1]).shape == (2, 1, toy_G.num_layers, 512)  # [N, D] input
    assert resolve_layers(toy_G, None) == list(range(toy_G.num_layers))
    assert resolve_layers(toy_G, ["coarse", "fine"]) == toy_G.cfg.level_layers("coarse") + toy_G.cfg.level_layers("fine")
    with pytest.raises(ValueError, match="level must be one of"):
        resolve_layers(toy_G, "medium")
    with pytest.raises(ValueError, match="strength must be a finite number"):
        edit(toy_G, ws, d, [math.nan])
    with pytest.raises(ValueError, match="ws must be"):
        edit(toy_G, ws[:, :3], d, [1])


def test_parse_strengths():
    assert parse_strengths("-3..3") == [-3, -2, -1, 0, 1, 2, 3]
    assert parse_strengths("-1..1:0.5") == [-1, -0.5, 0, 0.5, 1]
    assert parse_strengths("-3,0,3") == [-3, 0, 3]
    for bad in ("3..-3", "nan..1", "-1..1:0", "a,b", "-100..100:1", "1e9", "-1..1:-1"):
        with pytest.raises(ValueError):
            parse_strengths(bad)


def test_directions_round_trip_and_unknown_names(dirs):
    again = Directions.from_state_dict(dirs.state_dict())
    torch.testing.assert_close(again.normals, dirs.normals)
    assert again.names == dirs.names
    with pytest.raises(ValueError, match="no direction for 'smile'"):
        dirs.vector("smile")
    with pytest.raises(ValueError, match="not a 'stylegan-edu-directions'"):
        Directions.from_state_dict({"format": "other"})


def test_cached_directions_reuses_the_file_and_replaces_a_broken_one(shipped, tmp_path, monkeypatch):
    import stylegan_edu.editing as editing

    G, reader = shipped
    calls = []
    real = editing.find_directions
    monkeypatch.setattr(editing, "find_directions", lambda *a, **k: calls.append(1) or real(*a, **k))
    d1 = cached_directions(G, reader, num_samples=60, cache_dir=tmp_path)
    d2 = cached_directions(G, reader, num_samples=60, cache_dir=tmp_path)
    assert len(calls) == 1
    torch.testing.assert_close(d1.normals, d2.normals)
    (path,) = tmp_path.glob("*.pt")
    path.write_bytes(b"not a torch file")
    cached_directions(G, reader, num_samples=60, cache_dir=tmp_path)
    assert len(calls) == 2


# --- on the shipped model -------------------------------------------------------------------------------------------

def test_editing_glasses_raises_its_probability_monotonically(shipped, dirs):
    from stylegan_edu.editing import _quantize, seed_ws
    from stylegan_edu.data.toyfaces import ATTRIBUTE_NAMES

    G, reader = shipped
    ws = edit(G, seed_ws(G, [0, 1, 2, 3], psi=0.7), dirs.vector("glasses"), [-3, -1.5, 0, 1.5, 3], layers="middle")
    with torch.no_grad():
        img = _quantize(G.synthesis(ws.flatten(0, 1), noise_mode="const"))
        p = reader.attribute_probabilities(img)[:, ATTRIBUTE_NAMES.index("glasses")].view(4, 5)
    assert (p.diff(dim=1) > 0).all(), p  # rises with the strength on every face
    assert (p[:, -1] - p[:, 0]).mean() > 0.3, p


def test_conditional_editing_holds_the_named_attribute_better(shipped, dirs):
    G, reader = shipped
    m = measure_editing(G, reader, dirs, num_faces=8, strengths=[-3, 0, 3], attributes=["glasses"],
                        condition=["bangs"])
    e = m["attributes"]["glasses"]
    c = e["conditional"]
    assert c["moved_conditional"]["bangs"] < c["moved_unconditional"]["bangs"]
    assert e["spearman"] > 0.5 and e["reached"] > 0.2
    assert 0 <= e["others_mean"] <= e["others_worst_moved"]


def test_holding_every_other_attribute_moves_the_others_less(shipped, dirs):
    G, reader = shipped
    kw = dict(num_faces=8, strengths=[-3, 0, 3], attributes=["yaw"], condition=[])
    plain = measure_editing(G, reader, dirs, **kw)["attributes"]["yaw"]
    m = measure_editing(G, reader, dirs, hold_others=True, **kw)
    held = m["attributes"]["yaw"]
    # the direction is orthogonal to all 16 other normals, so their linear read-outs of w stay put; what moves
    # them is the generator's and the reader's non-linearity (measured over 100 faces: 0.13 against 0.25)
    assert held["others_mean"] < plain["others_mean"], (held, plain)
    assert held["spearman"] > 0.9 and held["conditional"] is None and m["hold_others"] is True
    assert "every edit conditioned on all the other attributes" in format_table(m)


def test_half_range_strength_interpolates_between_symmetric_pairs():
    s = [-3, -2, -1, 0, 1, 2, 3]
    # coverage: 0.2 at +-1, 0.6 at +-2 -> half the range at 1 + (0.5 - 0.2) / 0.4 = 1.75
    assert half_range_strength(s, torch.tensor([-0.4, -0.3, -0.1, 0.0, 0.1, 0.3, 0.4])) == pytest.approx(1.75)
    assert half_range_strength(s, torch.tensor([-0.4, -0.3, -0.3, 0.0, 0.3, 0.3, 0.4])) == pytest.approx(5 / 6)
    assert half_range_strength(s, torch.zeros(7) + torch.arange(7) * 0.05) is None  # 0.3 at +-3: never half
    assert half_range_strength(s, -torch.arange(7.0)) is None  # moves the wrong way
    assert half_range_strength([-3, 0, 2], torch.tensor([-5.0, 0.0, 5.0])) is None  # no symmetric pair


def test_half_range_edit_covers_about_half_and_is_reported(shipped, dirs):
    G, reader = shipped
    m = measure_editing(G, reader, dirs, num_faces=8, attributes=["face_size", "hair_part"], condition=[],
                        half_range=True)
    h = m["attributes"]["face_size"]["half_range"]
    # face_size covers more than its whole range at +-3 sd, so half of it comes at a smaller strength, measured
    # again on the faces edited there (not interpolated): near half the range, the others moving less than at 3
    assert 0 < h["strength"] < 3 and 0.35 < h["reached"] < 0.65, h
    assert h["others_mean"] < m["attributes"]["face_size"]["others_mean"]
    assert 0 <= h["others_systematic"] <= h["others_mean"]  # |mean| <= mean |.|: the shared part of the movement
    assert m["attributes"]["hair_part"]["half_range"] is None  # the reader's weakest: never half within +-3
    table = format_table(m)
    assert "| half:" in table and "not reached" in table


def test_reader_floor_sees_one_changed_attribute_and_little_else(shipped):
    _, reader = shipped
    names = ["yaw", "glasses", "background_hue", "hair_color"]
    m = measure_reader_floor(reader, names, num_faces=12)
    a = m["attributes"]
    # real faces changed in one attribute only: the reader follows it (half the range of a continuous one, the
    # whole of a binary one) and reads the rest nearly unchanged
    assert 0.35 < a["yaw"]["reached"] < 0.7 and 0.35 < a["background_hue"]["reached"] < 0.7, a
    assert a["glasses"]["reached"] > 0.7, a
    assert all(e["others_mean"] < 0.1 for e in a.values()), a
    with pytest.raises(ValueError, match="cover must be"):
        measure_reader_floor(reader, names, num_faces=2, cover=0)


def test_own_level_edits_each_attribute_on_its_datasets_level(shipped, dirs):
    G, reader = shipped
    kw = dict(num_faces=4, strengths=[-3, 0, 3], attributes=["glasses", "pos_x"], condition=[])
    own = measure_editing(G, reader, dirs, layers="own", **kw)
    assert {k: e["layers"] for k, e in own["attributes"].items()} == {"glasses": "middle", "pos_x": "coarse"}
    for name, level in (("glasses", "middle"), ("pos_x", "coarse")):  # the same numbers as asking for that level
        one = measure_editing(G, reader, dirs, layers=level, **(kw | {"attributes": [name]}))
        assert own["attributes"][name] == one["attributes"][name]
    with pytest.raises(ValueError, match="level must be one of"):
        measure_editing(G, reader, dirs, layers="ownn", **kw)


def test_edit_figure_has_a_tile_per_face_and_strength(shipped, dirs):
    G, reader = shipped
    fig = edit_figure(G, dirs, [0, 1], "yaw", [-2, 0, 2], layers="coarse", reader=reader)
    a = np.asarray(fig)
    assert a.shape[0] > 2 * 64 and a.shape[1] > 3 * 64
    # the unedited column is the plain face: the same pixels as a grid with strength 0 alone
    again = edit_figure(G, dirs, [0, 1], "yaw", [0], layers="coarse")
    assert not np.array_equal(np.asarray(again), a)


# --- the command ----------------------------------------------------------------------------------------------------

def test_edit_command_writes_the_grid(tmp_path, capsys, monkeypatch, dirs):
    import stylegan_edu.editing as editing

    monkeypatch.setattr(editing, "cached_directions", lambda *a, **k: dirs)  # the directions of the fixture
    out = tmp_path / "edit.png"
    rc = main(["edit", "--ckpt", "toyfaces-64", "--seeds", "0-2", "--attribute", "glasses", "--steps", "-2..2:2",
               "--level", "middle", "--condition", "bangs", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert rc == 0 and out.is_file()
    w, h = Image.open(out).size
    assert w > 3 * 64 and h > 3 * 64
    assert capsys.readouterr().out.strip() == str(out)
    own = tmp_path / "own.png"  # --level own: glasses is a middle attribute, so the same grid
    assert main(["edit", "--ckpt", "toyfaces-64", "--seeds", "0-2", "--attribute", "glasses", "--steps", "-2..2:2",
                 "--level", "own", "--condition", "bangs", "--out", str(own), "--no-progress", "--device", "cpu"]) == 0
    assert np.array_equal(np.asarray(Image.open(own)), np.asarray(Image.open(out)))
    capsys.readouterr()


def test_edit_command_measures_the_half_range_edit(capsys, monkeypatch, dirs):
    import stylegan_edu.editing as editing

    monkeypatch.setattr(editing, "cached_directions", lambda *a, **k: dirs)
    assert main(["edit", "--ckpt", "toyfaces-64", "--measure", "--attribute", "face_size", "--faces", "4",
                 "--half-range", "--json", "--no-progress", "--device", "cpu"]) == 0
    h = json.loads(capsys.readouterr().out)["attributes"]["face_size"]["half_range"]
    assert 0 < h["strength"] < 3 and 0.3 < h["reached"] < 0.7, h


def test_edit_command_holds_every_other_attribute(tmp_path, capsys, monkeypatch, dirs):
    import stylegan_edu.editing as editing

    monkeypatch.setattr(editing, "cached_directions", lambda *a, **k: dirs)
    out = tmp_path / "held.png"
    assert main(["edit", "--ckpt", "toyfaces-64", "--seeds", "0-1", "--attribute", "glasses", "--steps", "-3,3",
                 "--condition", "others", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    plain = tmp_path / "plain.png"
    assert main(["edit", "--ckpt", "toyfaces-64", "--seeds", "0-1", "--attribute", "glasses", "--steps", "-3,3",
                 "--out", str(plain), "--no-progress", "--device", "cpu"]) == 0
    assert not np.array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(plain)))
    capsys.readouterr()
    assert main(["edit", "--ckpt", "toyfaces-64", "--measure", "--attribute", "yaw", "--faces", "4", "--steps",
                 "-3,0,3", "--condition", "others", "--json", "--no-progress", "--device", "cpu"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["hold_others"] is True and m["attributes"]["yaw"]["conditional"] is None


@pytest.mark.parametrize("argv, fragment", [
    (["--attribute", "glasses", "--half-range"], "--half-range belongs to --measure"),
    (["--attribute", "smile"], "no direction for 'smile'; editable attributes: yaw"),
    (["--attribute", "glasses", "--condition", "nose"], "no direction for 'nose'"),
    ([], "--attribute takes one attribute to draw (editable: yaw"),
    (["--attribute", "glasses", "--out", "x.jpg"], "--out must be a .png file"),
    (["--attribute", "glasses", "--steps", "3..-3"], "argument --steps: strengths must look like"),
    (["--attribute", "glasses", "--steps", "nan"], "argument --steps"),
    (["--attribute", "glasses", "--level", "medium"], "argument --level: invalid choice"),
    (["--attribute", "glasses", "--psi", "70"], "argument --psi: must be a finite number in [-2, 2]"),
])
def test_edit_command_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    assert main(["edit", "--ckpt", "toyfaces-64", "--no-progress", "--device", "cpu", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_edit_with_too_few_samples_for_a_direction_is_one_line(capsys, monkeypatch):
    import stylegan_edu.editing as editing

    def fails(*args, **kwargs):
        raise ValueError("no direction for 'face_size': every kept sample reads the same; use more samples")

    monkeypatch.setattr(editing, "cached_directions", fails)
    assert main(["edit", "--ckpt", "toyfaces-64", "--no-progress", "--device", "cpu", "--attribute", "glasses",
                 "--samples", "50", "--out", "x.png"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use more samples (--samples 50)" in err, err


# --- the live demo (stylegan_edu.editing_demo) ----------------------------------------------------------------------

def _panels(img, size=64, pad=2):
    a = np.asarray(img)
    assert a.shape == (size + 2 * pad, 3 * size + 4 * pad, 3)
    return [a[pad:pad + size, pad + i * (size + pad): pad + i * (size + pad) + size] for i in range(3)]


@pytest.mark.parametrize("level", ["all", "coarse", "middle", "fine"])
@pytest.mark.parametrize("strength", [-3.0, 0.0, 1.5, 3.0])
def test_render_edit_over_every_slider_and_level(shipped, dirs, level, strength):
    from stylegan_edu.editing_demo import render_edit

    G, _ = shipped
    # every attribute's slider at the end of its range on all layers; three sliders elsewhere (keeps the test fast)
    names = dirs.names if (level, strength) in (("all", 3.0), ("all", -3.0)) else ["glasses", "yaw", "hair_color"]
    for name in names:
        face, edited, diff = _panels(render_edit(G, dirs, 7, {name: strength}, level, size=64, labels=False))
        if strength == 0:
            assert np.array_equal(face, edited) and diff.max() == 0
        else:
            assert not np.array_equal(face, edited), (name, level, strength)


def test_render_edit_seed_psi_labels_and_bad_values(shipped, dirs):
    from stylegan_edu.editing_demo import STRENGTH_MAX, render_edit

    G, _ = shipped
    a = _panels(render_edit(G, dirs, 0, {}, size=64, labels=False))[0]
    b = _panels(render_edit(G, dirs, 1000, {}, size=64, labels=False))[0]
    c = _panels(render_edit(G, dirs, 0, {}, psi=0.0, size=64, labels=False))[0]
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    both = render_edit(G, dirs, 3, {"glasses": 2, "yaw": -2}, "all")
    assert both.size[0] > 3 * 128  # labelled, 128 px panels
    for kwargs, match in [(dict(strengths={"glasses": STRENGTH_MAX + 0.5}), "strength of glasses must be"),
                          (dict(strengths={"glasses": float("nan")}), "strength of glasses must be"),
                          (dict(strengths={"smile": 1.0}), "no direction for 'smile'"),
                          (dict(level="medium"), "level must be one of"),
                          (dict(seed=-1), "seed must be an integer"), (dict(psi=3.0), "psi must be")]:
        with pytest.raises(ValueError, match=match):
            render_edit(G, dirs, **(dict(seed=0) | kwargs))


def test_editing_demo_widget_follows_its_controls_quickly(shipped, dirs):
    import base64
    import time

    pytest.importorskip("ipywidgets")
    from stylegan_edu.editing_demo import editing_demo

    G, _ = shipped
    box = editing_demo(G, dirs)
    controls, picture = box.children
    seed_w, level, reset, *sliders = controls.children
    assert [s.description for s in sliders] == dirs.names
    first = picture.value
    glasses = sliders[dirs.names.index("glasses")]
    t0 = time.perf_counter()
    glasses.value = 3.0
    latency = time.perf_counter() - t0
    assert picture.value != first
    level.value = "middle"
    seed_w.value = 5
    reset.click()
    assert glasses.value == 0.0
    assert box._repr_mimebundle_()["image/png"] == base64.b64encode(picture.value).decode("ascii")
    print(f"editing demo: one slider move {latency * 1000:.0f} ms")
    assert latency < 5.0  # the 0.5 s target is measured in docs/benchmarks.md on an idle core; loose here
