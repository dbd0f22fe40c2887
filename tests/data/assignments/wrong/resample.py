# %% visible: bilinear interpolation instead of nearest neighbour and blur
def upsample_2x(x):
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def downsample_2x(x):
    return F.avg_pool2d(R.blur2d(x), 2)

# %% visible: downsampling keeps every other pixel instead of averaging 2x2 blocks
def upsample_2x(x):
    return R.blur2d(x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3))


def downsample_2x(x):
    return R.blur2d(x)[:, :, ::2, ::2]

# %% visible: the blur comes after the downsampling
def upsample_2x(x):
    return R.blur2d(x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3))


def downsample_2x(x):
    return R.blur2d(F.avg_pool2d(x, 2))
