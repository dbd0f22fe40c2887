"""LPIPS (Zhang et al. 2018, v0.1) on a VGG16 trunk: the perceptual distance behind the paper's PPL.

    dist = load_lpips()                    # vgg16-397923af.pth + lpips v0.1 vgg.pth, see stylegan_edu.metrics.weights
    d = dist(img0, img1)                   # images in [-1, 1] -> [N] distances

The recipe (facts from the lpips package, richzhang/PerceptualSimilarity `lpips/lpips.py` and
`lpips/pretrained_networks.py`; the code here is our own):
  1. shift and scale the [-1, 1] input: (x - shift) / scale with shift (-.030, -.088, -.188), scale (.458, .448, .450);
  2. run VGG16's convolutional trunk (torchvision `vgg16().features`, same layer indices so its weights load)
     and tap the activations after relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 (indices 3, 8, 15, 22, 29);
  3. scale each tap to unit length along the channels (x / (||x||_2 + 1e-10));
  4. square the difference of the two images' taps, weight the channels with a 1×1 convolution (`lin0..lin4`,
     one output, no bias) and average over space;
  5. sum the five numbers.
"""

from __future__ import annotations

import torch
from torch import nn

# VGG16 ("D") up to relu5_3: channels of each 3×3 convolution, "M" a 2×2 max pool.
VGG16_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)
VGG16_TAPS = (3, 8, 15, 22, 29)            # indices in vgg16().features of relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
TAP_CHANNELS = (64, 128, 256, 512, 512)
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)


def vgg16_trunk() -> nn.Sequential:
    """The layers of torchvision's vgg16().features up to relu5_3, at the same indices (conv, ReLU, ..., pool)."""
    layers, in_channels = [], 3
    for v in VGG16_LAYERS:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU()]
            in_channels = v
    return nn.Sequential(*layers)


class LinearHead(nn.Module):
    """One tap's channel weights: a 1×1 convolution to one channel without bias. The unused Dropout in front
    keeps the lpips key name `model.1.weight`. Initialised to ones, which gives the lpips package's untrained
    baseline (a plain sum over channels) until the v0.1 weights are loaded."""

    def __init__(self, channels: int):
        super().__init__()
        self.model = nn.Sequential(nn.Dropout(), nn.Conv2d(channels, 1, kernel_size=1, bias=False))
        nn.init.ones_(self.model[1].weight)

    def forward(self, x):
        return self.model(x)


def unit_normalize(x: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    return x / (x.square().sum(dim=1, keepdim=True).sqrt() + eps)


class LPIPS(nn.Module):
    """LPIPS distance with a VGG16 trunk: forward(img0, img1) -> [N], inputs [N, 3, H, W] in [-1, 1]
    (H, W >= 16 so that relu5_3 has at least one pixel). Always in eval mode; the state dict holds only the
    trunk (`features.*`, torchvision's names) and the heads (`lin0..lin4.model.1.weight`, the lpips names)."""

    name = "lpips"

    def __init__(self):
        super().__init__()
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        self.features = vgg16_trunk()
        self.lin0, self.lin1, self.lin2, self.lin3, self.lin4 = (LinearHead(c) for c in TAP_CHANNELS)
        self.eval()

    def taps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The five unit-normalised VGG activations of (already shifted and scaled) images."""
        out, x = [], images
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in VGG16_TAPS:
                out.append(unit_normalize(x))
        return out

    def forward(self, img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        if img0.shape != img1.shape or img0.ndim != 4 or img0.shape[1] != 3:
            raise ValueError(f"LPIPS expects two [N, 3, H, W] batches of the same shape, got "
                             f"{list(img0.shape)} and {list(img1.shape)}")
        n = img0.shape[0]
        x = (torch.cat([img0, img1]).to(self.shift.dtype) - self.shift) / self.scale
        heads = (self.lin0, self.lin1, self.lin2, self.lin3, self.lin4)
        dist = 0
        for head, f in zip(heads, self.taps(x)):
            dist = dist + head((f[:n] - f[n:]).square()).mean(dim=(1, 2, 3))
        return dist


def load_lpips(vgg_path=None, lin_path=None, device="cpu", check_hash: bool = True) -> LPIPS:
    """LPIPS with torchvision's VGG16 weights (`features.*` only; the file's classifier is ignored) and the lpips
    v0.1 VGG heads, in eval mode without gradients, on `device`. Each path is the file or a folder holding it;
    otherwise $STYLEGAN_EDU_WEIGHTS, then the cache folder (see stylegan_edu.metrics.weights). Missing or wrong
    files raise WeightsError (one line)."""
    from stylegan_edu.metrics.weights import load_standard

    net = LPIPS()
    own = net.state_dict()
    trunk = load_standard("vgg16", {k: tuple(v.shape) for k, v in own.items() if k.startswith("features.")},
                          vgg_path, check_hash=check_hash, ignore=("classifier.*",))
    heads = load_standard("lpips_vgg", {k: tuple(v.shape) for k, v in own.items() if k.startswith("lin")},
                          lin_path, check_hash=check_hash)
    net.load_state_dict({**trunk, **heads})
    return net.eval().requires_grad_(False).to(device)
