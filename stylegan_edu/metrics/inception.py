"""The Inception-v3 that FID is measured with: the 2015 TensorFlow graph as ported by pytorch-fid.

    net = load_inception()                 # pt_inception-2015-12-05-6726825d.pth, see stylegan_edu.metrics.weights
    feats = net(images)                    # images in [-1, 1], any size -> [N, 2048] pool3 features

Architecture facts from torchvision `models/inception.py` (Inception3: layer names, channel counts, BatchNorm
eps 0.001, convolutions without bias) and pytorch-fid `src/pytorch_fid/inception.py` (`fid_inception_v3`: 1008
classes, no auxiliary classifier, and the TensorFlow quirks of its FIDInceptionA/C/E_1/E_2 blocks: the 3×3
average pools ignore the zero padding, and the last block pools with max instead of average). Module names equal
the keys of the released file, so it loads strictly; the code here is our own.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 299
RESIZE_MODES = ("tf1", "pytorch-fid")


class BasicConv2d(nn.Module):
    """Convolution (no bias) -> BatchNorm (eps 0.001, as TensorFlow's) -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def pool3x3(x: torch.Tensor, kind: str = "avg") -> torch.Tensor:
    """The 3×3 stride-1 pool of a branch_pool: TensorFlow's average excludes the padded zeros."""
    if kind == "max":
        return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """35×35 block (Mixed_5b/c/d): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | pool→1×1."""

    def __init__(self, in_channels: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        d = self.branch_pool(pool3x3(x))
        return torch.cat([a, b, c, d], 1)


class InceptionB(nn.Module):
    """Reduction 35×35 → 17×17 (Mixed_6a): stride-2 3×3 | 1×1→3×3→stride-2 3×3 | stride-2 max pool."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x):
        a = self.branch3x3(x)
        b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        c = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([a, b, c], 1)


class InceptionC(nn.Module):
    """17×17 block (Mixed_6b..e) with factorised 7×7 convolutions (1×7 and 7×1)."""

    def __init__(self, in_channels: int, channels_7x7: int):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            c = layer(c)
        d = self.branch_pool(pool3x3(x))
        return torch.cat([a, b, c, d], 1)


class InceptionD(nn.Module):
    """Reduction 17×17 → 8×8 (Mixed_7a)."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x):
        a = self.branch3x3_2(self.branch3x3_1(x))
        b = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        c = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([a, b, c], 1)


class InceptionE(nn.Module):
    """8×8 block (Mixed_7b, Mixed_7c) with split 1×3 / 3×1 outputs. `pool`: "avg" in Mixed_7b, "max" in Mixed_7c
    (a quirk of the 2015 TensorFlow graph that pytorch-fid reproduces)."""

    def __init__(self, in_channels: int, pool: str = "avg"):
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch3x3_1(x)
        b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
        c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
        d = self.branch_pool(pool3x3(x, self.pool))
        return torch.cat([a, b, c, d], 1)


class FIDInceptionV3(nn.Module):
    """Inception-v3 (2015 TensorFlow weights, 1008 classes) returning the 2048-d pool3 features used by FID/KID.

    Input: float images in [-1, 1] (the library convention), [N, 3, H, W], any H and W. They are resized to
    299×299 bilinearly. `resize="tf1"` (the default) is the official graph's TF1 resize_bilinear, without
    half-pixel centres (source = destination index × in/out); `resize="pytorch-fid"` is F.interpolate with
    align_corners=False (half-pixel centres), pytorch-fid's choice; the two give slightly different FIDs
    (docs/deviations.md). pytorch-fid takes [0, 1] and maps it with 2x - 1; ours are already in [-1, 1], the
    range the network was trained on, so nothing more is done (resizing commutes with that affine map).
    The classifier `fc` is kept only so that the released file loads strictly; forward does not use it.
    """

    feature_dim = 2048
    name = "inception"

    def __init__(self, resize: str = "tf1"):
        super().__init__()
        if resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {RESIZE_MODES}, got {resize!r}")
        self.resize = resize
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, pool="avg")
        self.Mixed_7c = InceptionE(2048, pool="max")
        self.fc = nn.Linear(2048, 1008)
        self.eval()  # a feature network: BatchNorm always uses its running statistics

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"FIDInceptionV3 expects [N, 3, H, W] images in [-1, 1], got shape {list(images.shape)}")
        x = images.to(self.fc.weight.dtype)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            if self.resize == "tf1":
                x = tf1_resize_bilinear(x, INPUT_SIZE)
            else:
                x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))   # 147×147
        x = F.max_pool2d(x, kernel_size=3, stride=2)                         # 73×73
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))                        # 71×71
        x = F.max_pool2d(x, kernel_size=3, stride=2)                         # 35×35
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a,              # -> 17×17
                      self.Mixed_6b, self.Mixed_6c, self.Mixed_6d, self.Mixed_6e, self.Mixed_7a,  # -> 8×8
                      self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        return x.mean(dim=(2, 3))                                            # pool3: [N, 2048]


def _tf1_axis(n_in: int, n_out: int):
    src = torch.arange(n_out, dtype=torch.float64) * (n_in / n_out)  # no half-pixel shift
    lo = src.floor().long().clamp(max=n_in - 1)
    return lo, (lo + 1).clamp(max=n_in - 1), src - lo


def tf1_resize_bilinear(x: torch.Tensor, size: int) -> torch.Tensor:
    """TF1's `tf.image.resize_bilinear(align_corners=False)` as the official FID graph used it: output pixel i
    reads the input at i × in/out (no half-pixel centres), interpolating linearly between the two neighbours
    (the last one repeated at the edge)."""
    y0, y1, wy = _tf1_axis(x.shape[-2], size)
    x0, x1, wx = _tf1_axis(x.shape[-1], size)
    wy, wx = wy.to(x)[:, None], wx.to(x)
    rows = torch.lerp(x[..., y0, :], x[..., y1, :], wy)
    return torch.lerp(rows[..., x0], rows[..., x1], wx)


def load_inception(path=None, device="cpu", check_hash: bool = True, resize: str = "tf1") -> FIDInceptionV3:
    """FIDInceptionV3 with the released weights, in eval mode without gradients, on `device`.

    `path`: the file or a folder holding it; otherwise $STYLEGAN_EDU_WEIGHTS, then the cache folder (see
    stylegan_edu.metrics.weights). The file's sha256 prefix is checked unless check_hash=False; its keys and
    shapes always are. A missing or wrong file raises WeightsError (one line)."""
    from stylegan_edu.metrics.weights import load_standard

    net = FIDInceptionV3(resize)
    own = net.state_dict()
    state = load_standard("inception", {k: tuple(v.shape) for k, v in own.items()}, path, check_hash=check_hash,
                          optional=("*.num_batches_tracked",))  # counters are absent from pre-0.4.1 files
    net.load_state_dict({**own, **state})
    return net.eval().requires_grad_(False).to(device)
