# %% visible: no blur after the upsampling convolution
class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution):
        super().__init__()
        self.conv0 = L.EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue0 = LayerEpilogue(out_channels, w_dim, resolution)
        self.conv1 = L.EqualizedConv2d(out_channels, out_channels, 3, bias=False)
        self.epilogue1 = LayerEpilogue(out_channels, w_dim, resolution)

    def forward(self, x, w0, w1, noise0, noise1):
        x = self.epilogue0(self.conv0(R.upscale2d(x)), w0, noise=noise0)[0]
        return self.epilogue1(self.conv1(x), w1, noise=noise1)[0]

# %% visible: the blur comes before the convolution
class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution):
        super().__init__()
        self.conv0 = L.EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue0 = LayerEpilogue(out_channels, w_dim, resolution)
        self.conv1 = L.EqualizedConv2d(out_channels, out_channels, 3, bias=False)
        self.epilogue1 = LayerEpilogue(out_channels, w_dim, resolution)

    def forward(self, x, w0, w1, noise0, noise1):
        x = self.epilogue0(self.conv0(R.blur2d(R.upscale2d(x))), w0, noise=noise0)[0]
        return self.epilogue1(self.conv1(x), w1, noise=noise1)[0]

# %% visible: both layers read the first style
class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution):
        super().__init__()
        self.conv0 = L.EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue0 = LayerEpilogue(out_channels, w_dim, resolution)
        self.conv1 = L.EqualizedConv2d(out_channels, out_channels, 3, bias=False)
        self.epilogue1 = LayerEpilogue(out_channels, w_dim, resolution)

    def forward(self, x, w0, w1, noise0, noise1):
        x = self.epilogue0(R.blur2d(self.conv0(R.upscale2d(x))), w0, noise=noise0)[0]
        return self.epilogue1(self.conv1(x), w0, noise=noise1)[0]

# %% visible: the noise passed positionally, where the library's epilogue expects noise_mode
class SynthesisBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution):
        super().__init__()
        self.conv0 = L.EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.epilogue0 = LayerEpilogue(out_channels, w_dim, resolution)
        self.conv1 = L.EqualizedConv2d(out_channels, out_channels, 3, bias=False)
        self.epilogue1 = LayerEpilogue(out_channels, w_dim, resolution)

    def forward(self, x, w0, w1, noise0, noise1):
        x = R.blur2d(self.conv0(R.upscale2d(x)))
        x, _ = self.epilogue0(x, w0, noise0)
        x, _ = self.epilogue1(self.conv1(x), w1, noise1)
        return x
