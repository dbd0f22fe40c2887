# %% visible: the weights start random instead of at zero
class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3])
        return x + self.weight.view(1, -1, 1, 1) * noise

# %% hidden: draws an independent noise image for every channel
class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn_like(x)
        return x + self.weight.view(1, -1, 1, 1) * noise

# %% hidden: one noise image shared by the whole batch
class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn(1, 1, x.shape[2], x.shape[3])
        return x + self.weight.view(1, -1, 1, 1) * noise

# %% hidden: uniform noise on [0, 1) (torch.rand) instead of standard-normal noise
class NoiseInjection(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.rand(x.shape[0], 1, x.shape[2], x.shape[3])
        return x + self.weight.view(1, -1, 1, 1) * noise
