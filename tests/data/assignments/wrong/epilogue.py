# %% visible: the noise is added after AdaIN
class Epilogue(nn.Module):
    def __init__(self, channels, w_dim):
        super().__init__()
        self.noise = L.NoiseInjection(channels)
        self.bias = L.Bias(channels)
        self.affine = L.StyleAffine(w_dim, channels)

    def forward(self, x, w, noise):
        x = L.leaky_relu(self.bias(x))
        y_s, y_b = self.affine(w)
        return self.noise(L.adain(x, y_s, y_b), noise)

# %% visible: AdaIN before the bias and the leaky ReLU
class Epilogue(nn.Module):
    def __init__(self, channels, w_dim):
        super().__init__()
        self.noise = L.NoiseInjection(channels)
        self.bias = L.Bias(channels)
        self.affine = L.StyleAffine(w_dim, channels)

    def forward(self, x, w, noise):
        y_s, y_b = self.affine(w)
        x = L.adain(self.noise(x, noise), y_s, y_b)
        return L.leaky_relu(self.bias(x))

# %% visible: scale and bias of the style swapped
class Epilogue(nn.Module):
    def __init__(self, channels, w_dim):
        super().__init__()
        self.noise = L.NoiseInjection(channels)
        self.bias = L.Bias(channels)
        self.affine = L.StyleAffine(w_dim, channels)

    def forward(self, x, w, noise):
        x = L.leaky_relu(self.bias(self.noise(x, noise)))
        y_b, y_s = self.affine(w)
        return L.adain(x, y_s, y_b)
