# %% visible: one dense layer too many (an output layer added after the num_layers hidden ones)
class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [latent_size] + [hidden_size] * num_layers + [dlatent_size]
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b, lrmul=lrmul) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, z):
        x = L.pixel_norm(z)
        for layer in self.layers:
            x = L.leaky_relu(layer(x))
        return x

# %% visible: z is not pixel-normalised
class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [latent_size] + [hidden_size] * (num_layers - 1) + [dlatent_size]
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b, lrmul=lrmul) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, z):
        x = z
        for layer in self.layers:
            x = L.leaky_relu(layer(x))
        return x

# %% visible: the layers keep the default lr multiplier of 1
class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [latent_size] + [hidden_size] * (num_layers - 1) + [dlatent_size]
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, z):
        x = L.pixel_norm(z)
        for layer in self.layers:
            x = L.leaky_relu(layer(x))
        return x

# %% hidden: w gets hidden_size values instead of dlatent_size
class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [latent_size] + [hidden_size] * num_layers
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b, lrmul=lrmul) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, z):
        x = L.pixel_norm(z)
        for layer in self.layers:
            x = L.leaky_relu(layer(x))
        return x

# %% visible: torch's leaky ReLU with its default slope 0.01 instead of 0.2
import torch.nn.functional as F


class Mapping(nn.Module):
    def __init__(self, latent_size=512, dlatent_size=512, hidden_size=512, num_layers=8, lrmul=0.01):
        super().__init__()
        sizes = [latent_size] + [hidden_size] * (num_layers - 1) + [dlatent_size]
        self.layers = nn.ModuleList(L.EqualizedLinear(a, b, lrmul=lrmul) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, z):
        x = L.pixel_norm(z)
        for layer in self.layers:
            x = F.leaky_relu(layer(x))
        return x
