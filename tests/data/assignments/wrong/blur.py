# %% visible: the kernel is not divided by its sum
def blur_kernel():
    taps = torch.tensor([1.0, 2.0, 1.0])
    return torch.outer(taps, taps)


def blur2d(x):
    c = x.shape[1]
    return F.conv2d(x, blur_kernel()[None, None].repeat(c, 1, 1, 1), padding=1, groups=c)

# %% visible: a single-channel weight without groups, which only works for one channel
def blur_kernel():
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = torch.outer(taps, taps)
    return k / k.sum()


def blur2d(x):
    return F.conv2d(x, blur_kernel()[None, None], padding=1)

# %% visible: a full convolution that mixes the channels (each output channel blurs the mean of all inputs)
def blur_kernel():
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = torch.outer(taps, taps)
    return k / k.sum()


def blur2d(x):
    c = x.shape[1]
    return F.conv2d(x, blur_kernel()[None, None].repeat(c, c, 1, 1) / c, padding=1)

# %% hidden: depthwise, but written for exactly three channels
def blur_kernel():
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = torch.outer(taps, taps)
    return k / k.sum()


def blur2d(x):
    return F.conv2d(x, blur_kernel()[None, None].repeat(3, 1, 1, 1), padding=1, groups=3)
