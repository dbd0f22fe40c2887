# %% visible: during a fade it reports the resolution being left behind
def resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20):
    phase = int(kimg // (stable_kimg + fade_kimg))
    into = kimg - phase * (stable_kimg + fade_kimg)
    resolution = min(start_resolution * 2**phase, final_resolution)
    if resolution == final_resolution or into <= stable_kimg:
        return resolution, 1.0
    return resolution, (into - stable_kimg) / fade_kimg

# %% visible: a phase lasts stable_kimg only; the fade is forgotten in the phase length
def resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20):
    phase = int(kimg // stable_kimg)
    into = kimg - phase * stable_kimg
    resolution = start_resolution * 2**phase
    if resolution >= final_resolution:
        return final_resolution, 1.0
    if into <= stable_kimg - fade_kimg:
        return resolution, 1.0
    return 2 * resolution, (into - (stable_kimg - fade_kimg)) / fade_kimg

# %% hidden: the resolution keeps doubling after the final one
def resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20):
    phase = int(kimg // (stable_kimg + fade_kimg))
    into = kimg - phase * (stable_kimg + fade_kimg)
    resolution = start_resolution * 2**phase
    if into <= stable_kimg:
        return resolution, 1.0
    return 2 * resolution, (into - stable_kimg) / fade_kimg

# %% visible: at the exact start of a fade it reports the new resolution with alpha 0
def resolution_and_alpha(kimg, start_resolution=8, final_resolution=64, stable_kimg=20, fade_kimg=20):
    phase = int(kimg // (stable_kimg + fade_kimg))
    into = kimg - phase * (stable_kimg + fade_kimg)
    resolution = start_resolution * 2**phase
    if resolution >= final_resolution:
        return final_resolution, 1.0
    if into < stable_kimg:
        return resolution, 1.0
    return 2 * resolution, (into - stable_kimg) / fade_kimg
