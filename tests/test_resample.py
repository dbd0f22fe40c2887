"""Blur, nearest/box scaling and the fused up/down convolutions."""

import pytest
import torch

from stylegan_edu.resample import (ConvDown2d, UpConv2d, blur2d, blur_kernel, downsample, downscale2d,
                                   fused_kernel, upsample, upscale2d)


def test_blur_kernel_is_normalised_121_outer_product():
    k = blur_kernel()
    assert k.sum().item() == pytest.approx(1.0)
    torch.testing.assert_close(k, torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16)


def test_blur_leaves_constant_image_unchanged_inside():
    # zero padding as the official 'SAME' conv: the one-pixel border is darkened, the inside is exact
    x = torch.full((1, 3, 10, 10), 0.7)
    y = blur2d(x)
    torch.testing.assert_close(y[..., 1:-1, 1:-1], x[..., 1:-1, 1:-1])
    assert y[0, 0, 0, 0].item() == pytest.approx(0.7 * 9 / 16)


def test_blur_preserves_total_mass_of_interior_impulse():
    x = torch.zeros(1, 1, 9, 9)
    x[0, 0, 4, 4] = 1.0
    y = blur2d(x)
    assert y.sum().item() == pytest.approx(1.0)
    torch.testing.assert_close(y[0, 0, 3:6, 3:6], blur_kernel())


def test_blur_rejects_even_kernel():
    with pytest.raises(ValueError, match="odd-sized kernel"):
        blur2d(torch.zeros(1, 1, 4, 4), blur_kernel((1, 3, 3, 1)))


def test_nearest_up_and_box_down_roundtrip():
    x = torch.randn(2, 3, 4, 4)
    up = upscale2d(x)
    assert up.shape == (2, 3, 8, 8)
    torch.testing.assert_close(up[..., ::2, ::2], x)
    torch.testing.assert_close(up[..., 1::2, 1::2], x)
    torch.testing.assert_close(downscale2d(up), x)


@pytest.mark.parametrize("mode", ["blur", "bilinear", "nearest"])
def test_resample_modes_shapes_and_constant_interior(mode):
    x = torch.full((1, 2, 8, 8), 2.0)
    assert upsample(x, mode).shape == (1, 2, 16, 16)
    assert downsample(x, mode).shape == (1, 2, 4, 4)
    torch.testing.assert_close(upsample(x, mode)[..., 2:-2, 2:-2], torch.full((1, 2, 12, 12), 2.0))


def test_fused_kernel_sums_four_shifts():
    w = torch.arange(9.0).view(1, 1, 3, 3)
    k = fused_kernel(w)[0, 0]
    assert k.shape == (4, 4)
    assert k.sum().item() == pytest.approx(4 * w.sum().item())
    assert k[0, 0].item() == w[0, 0, 0, 0].item() and k[3, 3].item() == w[0, 0, 2, 2].item()


def test_fused_down_equals_conv_then_box_downsample():
    fused, plain = ConvDown2d(4, 6, fused=True), ConvDown2d(4, 6, fused=False)
    plain.load_state_dict(fused.state_dict())
    with torch.no_grad():
        fused.conv.bias.normal_()
        plain.conv.bias.copy_(fused.conv.bias)
    x = torch.randn(2, 4, 16, 16)
    torch.testing.assert_close(fused(x), plain(x), atol=1e-5, rtol=1e-5)


def test_fused_up_equals_nearest_up_and_conv_with_rotated_kernel():
    # The official fused transposed convolution computes nearest-upsample + 3x3 conv whose kernel is the
    # stored one rotated by 180 degrees (the two paths are different functions of the same weights).
    fused, plain = UpConv2d(4, 6, fused=True), UpConv2d(4, 6, fused=False)
    with torch.no_grad():
        plain.conv.weight.copy_(fused.conv.weight.flip((2, 3)))
    x = torch.randn(2, 4, 8, 8)
    out = fused(x)
    assert out.shape == (2, 6, 16, 16)
    torch.testing.assert_close(out, plain(x), atol=1e-5, rtol=1e-5)
    same_weight = UpConv2d(4, 6, fused=False)
    same_weight.load_state_dict(fused.state_dict())
    assert not torch.allclose(out, same_weight(x), atol=1e-3)


def test_blur_gradients_of_every_order_match_the_grouped_convolution():
    # an asymmetric kernel, so a wrong flip in the custom backward would show
    k = torch.rand(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.conv2d(x, k[None, None].repeat(3, 1, 1, 1), padding=(1, 2), groups=3)
    assert torch.equal(blur2d(x, k), ref)
    assert torch.autograd.gradcheck(lambda t: blur2d(t, k), (x,))
    assert torch.autograd.gradgradcheck(lambda t: blur2d(t, k), (x,))


def test_blur_double_backward_is_one_convolution_per_pass_not_one_per_channel():
    # R1 takes a gradient of a gradient through D; PyTorch's generic double backward of a grouped
    # convolution runs one convolution per channel, which made it ~100x slower on a GPU at 1024 px.
    from torch.utils._python_dispatch import TorchDispatchMode

    class CountConvolutions(TorchDispatchMode):
        n = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func.overloadpacket in (torch.ops.aten.convolution, torch.ops.aten.convolution_backward):
                CountConvolutions.n += 1
            return func(*args, **(kwargs or {}))

    x = torch.randn(2, 64, 16, 16, requires_grad=True)
    with CountConvolutions():
        (g,) = torch.autograd.grad(blur2d(x).square().sum(), x, create_graph=True)
        g.square().sum().backward()
    assert x.grad is not None
    assert 0 < CountConvolutions.n <= 6, f"{CountConvolutions.n} convolutions for 64 channels"

