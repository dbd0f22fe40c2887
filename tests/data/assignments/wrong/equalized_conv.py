# %% visible: the fan-in counts the input channels only, not the kernel's positions
class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale, self.lrmul, self.pad = gain * lrmul / math.sqrt(in_channels), lrmul, kernel_size // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias * self.lrmul, padding=self.pad)

# %% hidden: padding 1, right for 3x3 kernels only
class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = gain * lrmul / math.sqrt(in_channels * kernel_size**2)
        self.lrmul = lrmul

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias * self.lrmul, padding=1)

# %% hidden: the stored weight is drawn from N(0, 1) whatever lrmul
class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = gain * lrmul / math.sqrt(in_channels * kernel_size**2)
        self.lrmul, self.pad = lrmul, kernel_size // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias * self.lrmul, padding=self.pad)

# %% hidden: the bias starts random instead of at zero
class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        self.bias = nn.Parameter(torch.randn(out_channels))
        self.scale = gain * lrmul / math.sqrt(in_channels * kernel_size**2)
        self.lrmul, self.pad = lrmul, kernel_size // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias * self.lrmul, padding=self.pad)
