# %% visible: divides by the vector's length instead of its root mean square
def pixel_norm(x, eps=1e-8):
    return x / (x.norm(dim=1, keepdim=True) + eps)

# %% hidden: no eps, so an all-zero vector becomes NaN
def pixel_norm(x, eps=1e-8):
    return x / x.square().mean(dim=1, keepdim=True).sqrt()

# %% hidden: the mean runs over all values of a sample instead of over dim 1
def pixel_norm(x, eps=1e-8):
    ms = x.square().flatten(1).mean(dim=1).view(-1, *([1] * (x.ndim - 1)))
    return x / (ms + eps).sqrt()
