"""Lesson 01's exercises: the progressive-growing schedule (resolution and alpha at a given kimg) and the
generator's fade-in of a new resolution."""

from __future__ import annotations

import math

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor

# (start_resolution, final_resolution, stable_kimg, fade_kimg): toy-32, the official FFHQ one, and an uneven one
_SCHEDULES = ((8, 32, 5.0, 5.0), (8, 1024, 600.0, 600.0), (4, 64, 3.0, 2.0))


def _official(start, final, stable, fade, kimg):
    from stylegan_edu.train.config import TrainConfig
    from stylegan_edu.train.schedule import phase_at

    cfg = TrainConfig(start_resolution=start, stable_kimg=stable, fade_kimg=fade)
    p = phase_at(cfg, final, round(kimg * 1000))
    return p.resolution, p.alpha


def _pair(out, what):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Wrong(f"{what} should return a pair (resolution, alpha), got {out!r}")
    res, alpha = out
    try:
        res_f, alpha = float(res), float(alpha)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should return two numbers (resolution, alpha), got {out!r}") from None
    if res_f != int(res_f):
        raise Wrong(f"{what} returned the resolution {res_f:g}; a resolution is a whole number of pixels")
    return int(res_f), alpha


def _judge_growing_schedule(fn):
    for start, final, stable, fade in _SCHEDULES:
        phase = stable + fade
        steps = int(math.log2(final // start))
        # points inside each phase's stable part and fade-in, never on a boundary, and well past the end
        for kimg in [p * phase + f * phase for p in range(steps + 2) for f in (0.2, 0.7, 0.9)]:
            what = f"growing_schedule({kimg:g}, {start}, {final}, {stable:g}, {fade:g})"
            res, alpha = _pair(call(fn, kimg, start, final, stable, fade), what)
            want_res, want_alpha = _official(start, final, stable, fade, kimg)
            if res == want_res and abs(alpha - want_alpha) <= 1e-6:
                continue
            fading = want_alpha < 1.0
            if res > final:
                raise Wrong(f"{what} returned {res} px: growing stops at final_resolution, which then trains "
                            "at alpha = 1 until the end")
            if not 0.0 <= alpha <= 1.0:
                raise Wrong(f"{what} returned alpha = {alpha:g}; alpha lies between 0 and 1")
            if fading and res == want_res // 2 and abs(alpha - want_alpha) <= 1e-6:
                raise Wrong(f"{what} returned {res} px during a fade-in: the resolution to report is the new, "
                            "larger one that is fading in (alpha < 1), as the networks already run at it")
            if fading and res == want_res and abs(alpha - (1 - want_alpha)) <= 1e-6:
                raise Wrong(f"{what} returned alpha = {alpha:.2f}: during a fade-in alpha climbs from 0 "
                            "(only the old resolution) to 1 (only the new one)")
            if fading and res == want_res:
                raise Wrong(f"{what} returned alpha = {alpha:.2f}, the schedule has {want_alpha:.2f} there: "
                            "alpha rises linearly from 0 to 1 over the fade_kimg that follow the stable part")
            if res == want_res == final and not fading and alpha < 1.0:
                raise Wrong(f"{what} returned alpha = {alpha:.2f} at {final} px: once final_resolution is reached "
                            "there is no next resolution to fade in, so alpha stays 1")
            if want_res == final and res == final // 2:
                raise Wrong(f"{what} returned {res} px; the schedule is at {want_res} px, alpha {want_alpha:.2f} "
                            "there: growing goes on until final_resolution itself has faded in, and stops only then")
            if fading != (alpha < 1.0):
                raise Wrong(f"{what} returned alpha = {alpha:.2f} where the schedule "
                            f"{'fades in' if fading else 'is stable'}: each phase first trains stable_kimg at "
                            "alpha = 1 at its resolution, then the next resolution fades in over fade_kimg")
            raise Wrong(f"{what} returned ({res}, {alpha:.2f}); the schedule is at {want_res} px, alpha "
                        f"{want_alpha:.2f} there. Phases of stable_kimg + fade_kimg start at start_resolution")


check_growing_schedule = exercise(
    "growing_schedule", _judge_growing_schedule,
    hint="count the whole phases of stable_kimg + fade_kimg that have passed (//); inside the current phase, "
         "the first stable_kimg are stable, then the next resolution fades in, alpha rising linearly; "
         "never go past final_resolution",
    success="the resolution and alpha of progressive growing at any point of training, as the official "
            "training loop schedules them.")


def _judge_faded_output(fn):
    from stylegan_edu.resample import upscale2d

    g = torch.Generator().manual_seed(1)
    lo, hi = torch.randn(2, 3, 8, 8, generator=g), torch.randn(2, 3, 16, 16, generator=g)
    up = upscale2d(lo)  # the synthesis network's fade-in: torch.lerp(upscale2d(img_low), img_high, alpha)
    for a in (0.0, 0.3, 1.0):
        what = f"faded_output(img_low, img_high, {a})"
        out = tensor(call(fn, lo, hi, a), (2, 3, 16, 16), what)
        if max_diff(out, torch.lerp(up, hi, a)) <= 1e-5:
            continue
        if max_diff(out, torch.lerp(hi, up, a)) <= 1e-5:
            raise Wrong(f"{what}: alpha weighs the wrong image. alpha is the weight of the new layer's "
                        "img_high, so alpha = 0 gives only the upsampled img_low")
        if max_diff(out, a * hi + up) <= 1e-5:
            raise Wrong(f"{what}: the upsampled img_low is added at full strength; the two weights must "
                        "sum to 1, so it gets (1 - alpha)")
        smooth_lo = [torch.nn.functional.interpolate(lo, scale_factor=2, mode=m, align_corners=False)
                     for m in ("bilinear", "bicubic")]
        if any(max_diff(out, torch.lerp(s, hi, a)) <= 1e-5 for s in smooth_lo):
            raise Wrong(f"{what}: img_low was upsampled smoothly (bilinear or bicubic); the generator's "
                        "fade-in upsamples with nearest neighbour, each pixel a 2x2 block")
        raise Wrong(f"{what} is not the blend of img_high (weight alpha) and img_low blown up 2x by nearest "
                    "neighbour (weight 1 - alpha)")


check_faded_output = exercise(
    "faded_output", _judge_faded_output,
    hint="bring img_low to img_high's size with the nearest-neighbour upsampling imported above, then blend; "
         "alpha is the new layer's share",
    success="the generator's fade-in: at alpha = 0 the old resolution blown up, at alpha = 1 the new layer.")
