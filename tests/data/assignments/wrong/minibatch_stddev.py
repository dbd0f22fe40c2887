# %% visible: the variance instead of the standard deviation
def minibatch_stddev(x, group_size=4):
    n, c, h, w = x.shape
    g = min(group_size, n)
    y = x.reshape(g, -1, c, h, w)
    var = (y - y.mean(dim=0)).square().mean(dim=0) + 1e-8
    stat = var.mean(dim=(1, 2, 3)).repeat(g)
    return torch.cat([x, stat.view(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)

# %% visible: torch.std's default, the unbiased standard deviation (divides by G - 1)
def minibatch_stddev(x, group_size=4):
    n, c, h, w = x.shape
    g = min(group_size, n)
    std = x.reshape(g, -1, c, h, w).std(dim=0)
    stat = std.mean(dim=(1, 2, 3)).repeat(g)
    return torch.cat([x, stat.view(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)

# %% hidden: groups of consecutive samples (0-3, 4-7, ...) instead of i, i + M, ...
def minibatch_stddev(x, group_size=4):
    n, c, h, w = x.shape
    g = min(group_size, n)
    y = x.reshape(-1, g, c, h, w)  # [M, G, ...]: group i holds samples i*G ... i*G + G - 1
    std = ((y - y.mean(dim=1, keepdim=True)).square().mean(dim=1) + 1e-8).sqrt()
    stat = std.mean(dim=(1, 2, 3)).repeat_interleave(g)
    return torch.cat([x, stat.view(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)
