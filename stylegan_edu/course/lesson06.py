"""Lesson 06's exercises: the layers a mixing crossover hands to B, and a mix at one level (coarse / middle /
fine) with that level's layers worked out from the model config."""

from __future__ import annotations

import functools

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


@functools.cache
def _G():
    from stylegan_edu import pretrained

    return pretrained.load("toyfaces-64")


def _layer_list(out, what: str) -> list[int]:
    if isinstance(out, torch.Tensor):
        out = out.tolist()
    try:
        return [int(i) for i in out]
    except (TypeError, ValueError):
        raise Wrong(f"{what} should return a list of layer numbers, got {out!r}") from None


def _judge_crossover_layers(fn):
    from stylegan_edu.generator import broadcast, z_from_seeds
    from stylegan_edu.mixing import mix_ws

    for n, c in ((10, 4), (18, 1), (8, 0), (10, 10), (10, 9)):
        got, want = _layer_list(call(fn, n, c), f"crossover_layers({n}, {c})"), list(range(c, n))
        if got == want:
            continue
        if got == list(range(c + 1, n)):
            raise Wrong(f"off by one: with crossover {c} layer {c} itself already takes B")
        if got == list(range(c)):
            raise Wrong("those are the layers that keep A: B's w goes to the layers from `crossover` on")
        if got == list(range(c, n - 1)):
            raise Wrong(f"the last layer ({n - 1}) is missing: the layers up to and including num_layers - 1 "
                        "take B")
        raise Wrong(f"crossover_layers({n}, {c}) gave {got}: B's w goes to every layer from `crossover` on")
    G = _G()
    z = z_from_seeds([5, 6], G.cfg.latent_size)
    # the answer as a list of ints (a set, map or generator would not index a tensor), as compared above
    layers = _layer_list(call(fn, G.num_layers, 4), f"crossover_layers({G.num_layers}, 4)")
    with torch.no_grad():
        ws = broadcast(G.mapping(z), G.num_layers)
        mine = G.synthesis(mix_ws(ws[:1], ws[1:], layers), noise_mode="const")
        theirs = G(z[:1], z_mix=z[1:], crossover=4, noise_mode="const")
    # mapping two latents in one batch or one at a time rounds w differently (~1e-6), which the shipped model
    # turns into ~1e-5 in the image; a wrong layer list moves it by far more and is caught above anyway
    if max_diff(mine, theirs) > 1e-4:
        raise Wrong("the layers look right but the image differs from G(z_a, z_mix=z_b, crossover=4)")


check_crossover_layers = exercise(
    "crossover_layers", _judge_crossover_layers,
    hint="layers are numbered 0 .. num_layers - 1; the ones before `crossover` keep A, all the others take B",
    success="these are the layers mixing regularisation hands to the second latent; the image equals "
            "G(z_a, z_mix=z_b, crossover=...).")


# --- mix_level: A with one level's layers from B, the layers read from the config ------------------------------

_LEVELS = ("coarse", "middle", "fine")


def _sources(out: torch.Tensor, ws_a: torch.Tensor, ws_b: torch.Tensor) -> list[str]:
    """For each layer: 'A', 'B' or '?' (neither) in every row of the batch."""
    src = []
    for i in range(ws_a.shape[1]):
        if max_diff(out[:, i], ws_a[:, i]) <= 1e-6:
            src.append("A")
        elif max_diff(out[:, i], ws_b[:, i]) <= 1e-6:
            src.append("B")
        else:
            src.append("?")
    return src


def _rule_layers(cfg, level: str, res_of, strict: bool) -> list[int]:
    """The layers a (possibly mistaken) rule puts in `level`: res_of(i) the resolution it assumes for layer i,
    strict: '<' instead of '<=' at the levels' upper limits."""
    below = (lambda r, lim: r < lim) if strict else (lambda r, lim: r <= lim)

    def lvl(i):
        r = res_of(i)
        return "coarse" if below(r, cfg.coarse_max_res) else "middle" if below(r, cfg.middle_max_res) else "fine"

    return [i for i in range(cfg.num_layers) if lvl(i) == level]


_MISTAKES = (  # (resolution rule, strict limit, what the message says)
    (lambda i: 2 ** (i // 2 + 1), False,
     "the layers' resolutions are one step off: layers 0 and 1 work at 4 px, layers 2 and 3 at 8 px, ..."),
    (lambda i: 2 ** (i + 2), False,
     "every resolution has two style layers (one after each of its two convolutions), not one"),
    (lambda i: 2 ** (i // 2 + 2), True,
     "a level includes its upper limit: coarse is up to and including cfg.coarse_max_res, middle up to and "
     "including cfg.middle_max_res (use <=, not <)"),
)


def _judge_mix_level(fn):
    from stylegan_edu.configs import get_config
    from stylegan_edu.mixing import level_label

    gen = torch.Generator().manual_seed(6)
    for name in ("toy-64", "toy-32", "ffhq-1024"):
        cfg = get_config(name)
        ws_a = torch.randn(5, cfg.num_layers, 8, generator=gen)
        ws_b = torch.randn(5, cfg.num_layers, 8, generator=gen)
        got = {}
        for level in _LEVELS:
            a_before, b_before = ws_a.clone(), ws_b.clone()
            what = f"mix_level(ws_a, ws_b, cfg, {level!r}) with cfg = {name}"
            out = tensor(call(fn, ws_a, ws_b, cfg, level), tuple(ws_a.shape), what)
            if not torch.equal(ws_a, a_before) or not torch.equal(ws_b, b_before):
                raise Wrong("mix_level changed ws_a or ws_b itself: write into a copy (ws_a.clone())")
            src = _sources(out, ws_a, ws_b)
            if "?" in src:
                raise Wrong(f"{what}: layer {src.index('?')} holds neither A's styles nor B's in every row (copy "
                            "whole layers: index the layer dimension, dim 1, and keep every row of the batch)")
            got[level] = [i for i, s in enumerate(src) if s == "B"]
        want = {level: cfg.level_layers(level) for level in _LEVELS}
        if got == want:
            continue
        if all(got[lvl] == [i for i in range(cfg.num_layers) if i not in want[lvl]] for lvl in _LEVELS):
            raise Wrong("A and B are swapped: the level's layers come from B, all the other layers from A")
        for res_of, strict, says in _MISTAKES:
            if got == {lvl: _rule_layers(cfg, lvl, res_of, strict) for lvl in _LEVELS}:
                raise Wrong(says)
        if name != "toy-64":
            toy = {lvl: [i for i in get_config("toy-64").level_layers(lvl) if i < cfg.num_layers] for lvl in _LEVELS}
            if all(got[lvl] == toy[lvl] for lvl in ("coarse", "middle")):
                raise Wrong(f"right for toy-64 but not for {name} "
                            f"({', '.join(level_label(cfg, lvl) for lvl in _LEVELS)}): read the limits from "
                            "cfg.coarse_max_res and cfg.middle_max_res instead of writing the layer numbers down")
        level = next(lvl for lvl in _LEVELS if got[lvl] != want[lvl])
        raise Wrong(f"with cfg = {name} the {level} level took layers {got[level]} from B, which are not the "
                    f"layers of {level_label(cfg, level)}")


check_mix_level = exercise(
    "mix_level", _judge_mix_level,
    hint="find each layer's resolution (two style layers per resolution, from 4 px up), keep the layers whose "
         "resolution falls in the level's range, and copy just those layers of ws_b into a copy of ws_a",
    success="the level's layers found from the config, for toy-64, toy-32 and the paper's 1024 px model.")
