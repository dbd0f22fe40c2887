# %% visible: He's constant applied once to the initial weight instead of at every call
class EqualizedLinear(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * gain / math.sqrt(in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

# %% hidden: the bias is not multiplied by lrmul
class EqualizedLinear(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = gain * lrmul / math.sqrt(in_features)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)

# %% hidden: the stored weight is drawn from N(0, 1) whatever lrmul
class EqualizedLinear(nn.Module):
    def __init__(self, in_features, out_features, gain=math.sqrt(2), lrmul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lrmul = gain * lrmul / math.sqrt(in_features), lrmul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lrmul)
