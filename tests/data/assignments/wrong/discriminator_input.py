# %% visible: alpha weighs the old path
def discriminator_input(img, fromrgb_new, block, fromrgb_old, alpha):
    return alpha * fromrgb_old(downscale2d(img)) + (1 - alpha) * block(fromrgb_new(img))

# %% visible: the old path keeps every other pixel instead of box-downsampling
def discriminator_input(img, fromrgb_new, block, fromrgb_old, alpha):
    return (1 - alpha) * fromrgb_old(img[:, :, ::2, ::2]) + alpha * block(fromrgb_new(img))
