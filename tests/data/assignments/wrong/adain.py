# %% visible: forgets the + 1 on the style scale
def adain(x, y_s, y_b, eps=1e-8):
    x = (x - x.mean(dim=(2, 3), keepdim=True)) * torch.rsqrt(x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps)
    return x * y_s[:, :, None, None] + y_b[:, :, None, None]

# %% visible: divides by the variance instead of the standard deviation
def adain(x, y_s, y_b, eps=1e-8):
    x = (x - x.mean(dim=(2, 3), keepdim=True)) / (x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps)
    return x * (y_s[:, :, None, None] + 1) + y_b[:, :, None, None]

# %% visible: torch.std's default, the unbiased standard deviation (divides by H*W - 1)
def adain(x, y_s, y_b, eps=1e-8):
    x = (x - x.mean(dim=(2, 3), keepdim=True)) / (x.std(dim=(2, 3), keepdim=True) + eps)
    return x * (y_s[:, :, None, None] + 1) + y_b[:, :, None, None]

# %% hidden: no eps, so a constant feature map becomes NaN
def adain(x, y_s, y_b, eps=1e-8):
    x = (x - x.mean(dim=(2, 3), keepdim=True)) / x.std(dim=(2, 3), unbiased=False, keepdim=True)
    return x * (y_s[:, :, None, None] + 1) + y_b[:, :, None, None]
