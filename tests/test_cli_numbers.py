"""Numbers that are not numbers: every numeric option of every subcommand, and the numeric parameters of the
library functions the lessons call, reject NaN, +-inf and out-of-range values with one line naming the range."""

from __future__ import annotations

import argparse
import math

import pytest
import torch

from stylegan_edu import checks, cli_types
from stylegan_edu.cli import build_parser, main


def _leaf_parsers(parser: argparse.ArgumentParser, path=()):
    """(argv prefix, parser) for every parser that has no subcommands of its own (and the ones that do)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _leaf_parsers(sub, (*path, name))


def _numeric_options():
    """(argv prefix, option string, action) for every option whose type is a number (plain or checked)."""
    out = []
    for path, parser in _leaf_parsers(build_parser()):
        for action in parser._actions:
            t = action.type
            if t in (int, float) or cli_types.is_checked(t):
                out.append((path, action.option_strings[0] if action.option_strings else action.dest, action))
    return out


NUMERIC = _numeric_options()


def test_the_walk_finds_the_options_of_every_command():
    found = {(" ".join(path), opt) for path, opt, _ in NUMERIC}
    for want in [("generate", "--psi"), ("generate", "--seeds"), ("generate", "--columns"), ("mix", "--rows"),
                 ("mix", "--psi"), ("train", "--kimg"), ("train", "--minutes"), ("train", "--seed"),
                 ("train", "--threads"), ("data toyfaces", "--resolution"), ("data grid", "--size"),
                 ("data prepare", "--workers"), ("metrics", "--num"), ("levels", "--pairs"), ("levels", "--psi"),
                 ("assignments check", "--timeout")]:
        assert want in found, want


@pytest.mark.parametrize("path, option, action", NUMERIC, ids=[f"{' '.join(p)} {o}" for p, o, _ in NUMERIC])
def test_numeric_option_is_checked(path, option, action):
    assert cli_types.is_checked(action.type), (
        f"{' '.join(path)} {option} uses type={getattr(action.type, '__name__', action.type)}; use a checked type "
        "from stylegan_edu.cli_types")


def _required_args(path) -> list[str]:
    """Values for the other required arguments of the command, so only the option under test can fail."""
    parser = dict(_leaf_parsers(build_parser()))[tuple(path)]
    argv = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or not (action.required or not action.option_strings):
            continue
        if action.option_strings:
            argv += [action.option_strings[0], "0" if cli_types.is_checked(action.type) else "x"]
        elif action.nargs not in ("*", "?"):
            argv.append("x")
    return argv


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN", "1e999"])
@pytest.mark.parametrize("path, option, action", NUMERIC, ids=[f"{' '.join(p)} {o}" for p, o, _ in NUMERIC])
def test_non_finite_values_exit_2_with_one_line_naming_the_option(capsys, path, option, action, bad):
    if not action.option_strings:
        pytest.skip("positional")
    argv = [*path, *_required_args(path), f"{option}={bad}"]
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {option}: " in err and " must " in err, err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["generate", "--ckpt", "toyfaces-64", "--out", "x.png", "--psi", "nan"],
         "argument --psi: must be a finite number in [-2, 2], got 'nan'"),
        (["generate", "--ckpt", "toyfaces-64", "--out", "x.png", "--psi", "70"], "in [-2, 2]"),
        (["train", "--out", "run", "--kimg=-1"], "argument --kimg: must be a positive finite number (> 0)"),
        (["train", "--out", "run", "--kimg", "0"], "argument --kimg: must be"),
        (["train", "--out", "run", "--minutes", "0"], "argument --minutes: must be a positive finite number (> 0)"),
        (["train", "--out", "run", "--threads", "0"], "argument --threads: must be a positive integer (>= 1)"),
        (["train", "--out", "run", "--seed", "-1"], "argument --seed: must be an integer in [0, 4294967295]"),
        (["train", "--out", "run", "--seed", "4294967296"], "[0, 4294967295]"),
        (["train", "--out", "run", "--keep", "1.5"], "argument --keep: must be a positive integer"),
        (["generate", "--ckpt", "toyfaces-64", "--out", "x.png", "--seeds", "0-4294967296"],
         "argument --seeds: seeds must be integers in [0, 4294967295]"),
        (["generate", "--ckpt", "toyfaces-64", "--out", "x.png", "--seeds", "0-999999"], "at most 100000 seeds"),
        (["generate", "--ckpt", "toyfaces-64", "--out", "x.png", "--seeds", "-1"], "seeds must look like"),
        (["mix", "--ckpt", "toyfaces-64", "--out", "x.png", "--rows", "1", "--cols", "nan"], "argument --cols"),
        (["levels", "--ckpt", "toyfaces-64", "--pairs", "0"], "argument --pairs: must be a positive integer"),
        (["metrics", "--ckpt", "toyfaces-64", "--num", "1"], "argument --num: must be an integer >= 2"),
        (["data", "toyfaces", "--resolution", "48"], "argument --resolution: must be a power of two"),
        (["data", "prepare", "src", "--resolution", "2048"], "at most 1024"),
        (["assignments", "check", "nb.ipynb", "--timeout", "0"], "argument --timeout"),
    ],
)
def test_specific_bad_values(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_good_values_still_parse():
    p = build_parser()
    a = p.parse_args(["generate", "--ckpt", "c", "--out", "o", "--psi", "-1", "--seeds", "3,7,10-12",
                      "--columns", "4"])
    assert (a.psi, a.seeds, a.columns) == (-1.0, [3, 7, 10, 11, 12], 4)
    assert p.parse_args(["generate", "--ckpt", "c", "--out", "o"]).seeds == list(range(16))  # the default
    a = p.parse_args(["train", "--out", "o", "--kimg", "0.5", "--minutes", "1e-2", "--seed", "4294967295",
                      "--threads", "2", "--keep", "1e1"])
    assert (a.kimg, a.minutes, a.seed, a.threads, a.keep) == (0.5, 0.01, 4294967295, 2, 10)
    assert p.parse_args(["data", "toyfaces", "--resolution", "128"]).resolution == 128


# --------------------------------------------------------------------------------------------------------------
# The library functions the lessons call
# --------------------------------------------------------------------------------------------------------------


def test_check_number():
    assert checks.check_number("x", 3, 0, 5, integer=True) == 3
    assert checks.check_number("x", 2.0, 0, 5, integer=True) == 2
    assert checks.check_number("x", torch.tensor(0.5), 0, 1) == 0.5
    for bad in (math.nan, math.inf, -math.inf, 6, -0.1, "1", None, True, torch.ones(2)):
        with pytest.raises(ValueError, match=r"^x must be a finite number in \[0, 5\], got "):
            checks.check_number("x", bad, 0, 5)
    with pytest.raises(ValueError, match=r"x must be an integer in \[0, 5\], got 1.5"):
        checks.check_number("x", 1.5, 0, 5, integer=True)
    with pytest.raises(ValueError, match=r"x must be a finite number in \(0, 1\), got 1"):
        checks.check_number("x", 1, 0, 1, lo_open=True, hi_open=True)


@pytest.fixture(scope="module")
def toy_G():
    from stylegan_edu.configs import get_config
    from stylegan_edu.generator import Generator

    torch.manual_seed(0)
    return Generator(get_config("toy-32")).eval()


@pytest.mark.parametrize("kwargs, match", [
    (dict(psi=math.nan), r"psi must be a finite number in \[-2, 2\], got nan"),
    (dict(psi=math.inf), r"psi must be a finite number in \[-2, 2\]"),
    (dict(psi=5.0), r"psi must be a finite number in \[-2, 2\], got 5.0"),
    (dict(noise=math.nan), r"noise must be a finite number >= 0, got nan"),
    (dict(noise=-1.0), r"noise must be a finite number >= 0"),
    (dict(seed_a=-1), r"seed_a must be an integer in \[0, 4294967295\], got -1"),
    (dict(seed_b=2**32), r"seed_b must be an integer in \[0, 4294967295\]"),
    (dict(seed_a=1.5), r"seed_a must be an integer"),
    (dict(size=0), r"size must be an integer in \[1, 4096\]"),
])
def test_render_mix_rejects(toy_G, kwargs, match):
    from stylegan_edu.demos import render_mix

    args = dict(seed_a=1, seed_b=2, layers=[0, 1]) | kwargs
    with pytest.raises(ValueError, match=match):
        render_mix(toy_G, **args)


def test_generator_and_mixing_reject(toy_G):
    from stylegan_edu.generator import truncate, z_from_seeds
    from stylegan_edu.mixing import style_mixing_grid

    z = torch.randn(2, toy_G.cfg.latent_size)
    for bad in (math.nan, math.inf, -math.inf, 2.5):
        with pytest.raises(ValueError, match=r"truncation_psi must be a finite number in \[-2, 2\]"):
            toy_G(z, truncation_psi=bad)
        with pytest.raises(ValueError, match=r"psi must be a finite number in \[-2, 2\]"):
            style_mixing_grid(toy_G, [1], [2], [0], psi=bad)
        with pytest.raises(ValueError, match=r"psi must be a finite number in \[-2, 2\]"):
            truncate(torch.zeros(1, 4, 3), torch.zeros(3), bad, None)
    with pytest.raises(ValueError, match=r"noise_strength must be a finite number >= 0, got nan"):
        toy_G(z, noise_strength=math.nan)
    with pytest.raises(ValueError, match=r"noise_strength must be a finite number >= 0"):
        toy_G(z, noise_strength=[1.0] * (toy_G.num_layers - 1) + [math.inf])
    with pytest.raises(ValueError, match=r"style_mixing_prob must be a finite number in \[0, 1\]"):
        toy_G(z, style_mixing_prob=math.nan)
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        toy_G(z, alpha=math.nan)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\], got -1"):
        z_from_seeds([0, -1], 8)
    # the lessons' values still work: psi from 1 down to -1, per-layer noise strengths
    with torch.no_grad():
        assert toy_G(z, truncation_psi=-1.0, noise_mode="const").shape[0] == 2
        assert toy_G(z, noise_mode="const", noise_strength=[0.0] * toy_G.num_layers).shape[0] == 2


def test_level_separation_metrics_and_trainer_reject(toy_G):
    from stylegan_edu.levels import level_separation
    from stylegan_edu.metrics.run import compute_metrics
    from stylegan_edu.train.loop import Trainer

    for kwargs, match in [(dict(num_pairs=math.nan), r"num_pairs must be a positive integer \(>= 1\), got nan"),
                          (dict(psi=math.nan), r"psi must be a finite number in \[-2, 2\]"),
                          (dict(seed=-3), r"seed must be an integer in \[0, 4294967295\]"),
                          (dict(batch_size=0), r"batch_size must be a positive integer")]:
        with pytest.raises(ValueError, match=match):
            level_separation(toy_G, None, **kwargs)
    for kwargs, match in [(dict(num=math.inf), r"num must be an integer >= 2"),
                          (dict(ppl_num=math.nan), r"ppl_num must be an integer >= 2"),
                          (dict(seed=math.nan), r"seed must be an integer in \[0, 4294967295\]"),
                          (dict(batch_size=-1), r"batch_size must be a positive integer")]:
        with pytest.raises(ValueError, match=match):
            compute_metrics(toy_G, "fid", **kwargs)
    for kwargs, match in [(dict(total_kimg=-1.0), r"total_kimg must be a positive finite number \(> 0\), got -1"),
                          (dict(total_kimg=math.nan), r"total_kimg must be a positive finite number"),
                          (dict(max_seconds=0), r"max_seconds must be a positive finite number")]:
        with pytest.raises(ValueError, match=match):
            Trainer.train(object.__new__(Trainer), **kwargs)  # checked before anything is touched


def test_toyfaces_builders_reject():
    from stylegan_edu.data import DataError
    from stylegan_edu.data.generate import build_toyfaces

    for n in (math.nan, math.inf, 0, 2.5):
        with pytest.raises(DataError, match="positive integer"):
            build_toyfaces(n, 8, "/nonexistent/never-written", workers=1, progress=False)
    for r in (math.nan, math.inf, 48, 2):
        with pytest.raises(DataError, match="power of two"):
            build_toyfaces(4, r, "/nonexistent/never-written", workers=1, progress=False)
