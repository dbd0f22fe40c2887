"""Plausible wrong answers to lesson 01's exercises, with a word the check's message must contain."""

import torch
import torch.nn.functional as F

from stylegan_edu.resample import upscale2d


def schedule_old_resolution_while_fading(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = min(start_resolution * 2 ** int(phase), final_resolution)
    if within < stable_kimg or res == final_resolution:
        return res, 1.0
    return res, (within - stable_kimg) / fade_kimg  # reports the resolution that is fading out


def schedule_alpha_falls(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase)
    if res >= final_resolution:
        return final_resolution, 1.0
    if within < stable_kimg:
        return res, 1.0
    return 2 * res, 1.0 - (within - stable_kimg) / fade_kimg


def schedule_fade_first(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    # each new resolution fades in at the start of its phase, then trains stable
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = min(start_resolution * 2 ** int(phase), final_resolution)
    if phase > 0 and within < fade_kimg and res < final_resolution:
        return res, within / fade_kimg
    return res, 1.0


def schedule_never_stops(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase)
    if within < stable_kimg:
        return res, 1.0
    return 2 * res, (within - stable_kimg) / fade_kimg


def schedule_alpha_over_whole_phase(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase)
    if res >= final_resolution:
        return final_resolution, 1.0
    if within < stable_kimg:
        return res, 1.0
    return 2 * res, (within - stable_kimg) / (stable_kimg + fade_kimg)  # divides by the phase, not the fade


def schedule_one_phase_late(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase + 1)  # starts one resolution too high
    if res >= final_resolution:
        return final_resolution, 1.0
    if within < stable_kimg:
        return res, 1.0
    return 2 * res, (within - stable_kimg) / fade_kimg


def schedule_alpha_cycles_at_final(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase)
    if within < stable_kimg:
        return min(res, final_resolution), 1.0
    return min(2 * res, final_resolution), (within - stable_kimg) / fade_kimg  # keeps fading at the final size


def schedule_stops_one_early(kimg, start_resolution, final_resolution, stable_kimg, fade_kimg):
    phase, within = divmod(kimg, stable_kimg + fade_kimg)
    res = start_resolution * 2 ** int(phase)
    if res >= final_resolution // 2:  # never fades in final_resolution itself
        return final_resolution // 2, 1.0
    if within < stable_kimg:
        return res, 1.0
    return 2 * res, (within - stable_kimg) / fade_kimg


def faded_alpha_swapped(img_low, img_high, alpha):
    return alpha * upscale2d(img_low) + (1 - alpha) * img_high


def faded_bilinear(img_low, img_high, alpha):
    return alpha * img_high + (1 - alpha) * F.interpolate(img_low, scale_factor=2, mode="bilinear")


def faded_no_one_minus_alpha(img_low, img_high, alpha):
    return alpha * img_high + upscale2d(img_low)


def faded_at_low_resolution(img_low, img_high, alpha):
    return alpha * F.avg_pool2d(img_high, 2) + (1 - alpha) * img_low


def faded_upsampled_by_padding(img_low, img_high, alpha):
    return alpha * img_high + (1 - alpha) * F.pad(img_low, (4, 4, 4, 4))


WRONG = {
    "growing_schedule": [
        (schedule_old_resolution_while_fading, "the new, larger one"),
        (schedule_alpha_falls, "alpha climbs from 0"),
        (schedule_fade_first, "first trains stable_kimg at alpha = 1"),
        (schedule_never_stops, "growing stops at final_resolution"),
        (schedule_alpha_over_whole_phase, "rises linearly from 0 to 1 over the fade_kimg"),
        (schedule_one_phase_late, "Phases of stable_kimg + fade_kimg start at start_resolution"),
        (schedule_alpha_cycles_at_final, "no next resolution to fade in"),
        (schedule_stops_one_early, "until final_resolution itself has faded in"),
    ],
    "faded_output": [
        (faded_alpha_swapped, "alpha weighs the wrong image"),
        (faded_bilinear, "nearest neighbour, each pixel a 2x2 block"),
        (faded_no_one_minus_alpha, "sum to 1"),
        (faded_at_low_resolution, "shape (2, 3, 8, 8), expected (2, 3, 16, 16)"),
        (faded_upsampled_by_padding, "is not the blend"),
    ],
}
