"""Plausible wrong answers to lesson 06's exercises, with a fragment the check's message must contain."""


def crossover_off_by_one(num_layers, crossover):
    return list(range(crossover + 1, num_layers))


def crossover_keeps_a(num_layers, crossover):
    return list(range(crossover))


def crossover_misses_last(num_layers, crossover):
    return list(range(crossover, num_layers - 1))


def _mix(ws_a, ws_b, layers):
    out = ws_a.clone()
    out[:, layers] = ws_b[:, layers]
    return out


def _level(cfg, res, level, strict=False):
    le = (lambda r, m: r < m) if strict else (lambda r, m: r <= m)
    name = "coarse" if le(res, cfg.coarse_max_res) else "middle" if le(res, cfg.middle_max_res) else "fine"
    return name == level


def mix_level_res_off_by_one(ws_a, ws_b, cfg, level):
    return _mix(ws_a, ws_b, [i for i in range(cfg.num_layers) if _level(cfg, 2 ** (i // 2 + 1), level)])


def mix_level_one_layer_per_res(ws_a, ws_b, cfg, level):
    return _mix(ws_a, ws_b, [i for i in range(cfg.num_layers) if _level(cfg, 2 ** (i + 2), level)])


def mix_level_strict_limits(ws_a, ws_b, cfg, level):
    return _mix(ws_a, ws_b, [i for i in range(cfg.num_layers) if _level(cfg, 2 ** (i // 2 + 2), level, True)])


def mix_level_hardcoded(ws_a, ws_b, cfg, level):
    layers = {"coarse": [0, 1, 2, 3], "middle": [4, 5, 6, 7], "fine": list(range(8, cfg.num_layers))}[level]
    return _mix(ws_a, ws_b, layers)


def mix_level_swapped(ws_a, ws_b, cfg, level):
    return _mix(ws_b, ws_a, cfg.level_layers(level))


def mix_level_in_place(ws_a, ws_b, cfg, level):
    ws_a[:, cfg.level_layers(level)] = ws_b[:, cfg.level_layers(level)]
    return ws_a


def mix_level_batch_dim(ws_a, ws_b, cfg, level):
    out = ws_a.clone()
    out[cfg.level_layers(level)] = ws_b[cfg.level_layers(level)]
    return out


WRONG = {
    "crossover_layers": [(crossover_off_by_one, "off by one"), (crossover_keeps_a, "keep A"),
                         (crossover_misses_last, "the last layer")],
    "mix_level": [(mix_level_res_off_by_one, "one step off"), (mix_level_one_layer_per_res, "two style layers"),
                  (mix_level_strict_limits, "upper limit"), (mix_level_hardcoded, "right for toy-64 but not"),
                  (mix_level_swapped, "swapped"), (mix_level_in_place, "into a copy"),
                  (mix_level_batch_dim, "index the layer dimension")],
}
