# %% visible: alpha weighs the old, upsampled image
def fade_in_output(rgb_low, rgb_high, alpha):
    return alpha * upscale2d(rgb_low) + (1 - alpha) * rgb_high

# %% visible: the old image is upsampled bilinearly
def fade_in_output(rgb_low, rgb_high, alpha):
    up = F.interpolate(rgb_low, scale_factor=2, mode="bilinear", align_corners=False)
    return (1 - alpha) * up + alpha * rgb_high
