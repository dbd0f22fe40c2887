"""The math of the building blocks: each test states a property the paper or the official code implies."""

import math

import pytest
import torch
import torch.nn.functional as F

from stylegan_edu.layers import (EqualizedConv2d, EqualizedLinear, NoiseInjection, StyleAffine, adain,
                                 instance_norm, minibatch_stddev, pixel_norm)


def test_adain_sets_channel_mean_to_bias_and_std_to_scale_plus_one():
    x = torch.randn(3, 8, 16, 16) * 5 + 2
    y_s, y_b = torch.randn(3, 8), torch.randn(3, 8)
    out = adain(x, y_s, y_b)
    mean = out.mean(dim=(2, 3))
    std = out.std(dim=(2, 3), unbiased=False)
    torch.testing.assert_close(mean, y_b, atol=1e-4, rtol=0)
    torch.testing.assert_close(std, (y_s + 1).abs(), atol=1e-4, rtol=1e-4)


def test_instance_norm_zero_mean_unit_std_and_keeps_dtype():
    x = torch.randn(2, 4, 8, 8) * 3 - 1
    out = instance_norm(x)
    torch.testing.assert_close(out.mean(dim=(2, 3)), torch.zeros(2, 4), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False), torch.ones(2, 4), atol=1e-4, rtol=0)
    assert instance_norm(x.to(torch.bfloat16)).dtype == torch.bfloat16


def test_pixel_norm_gives_unit_rms_per_sample():
    z = torch.randn(5, 512) * 7
    rms = pixel_norm(z).square().mean(dim=1).sqrt()
    torch.testing.assert_close(rms, torch.ones(5), atol=1e-5, rtol=0)


@pytest.mark.parametrize("gain,lrmul", [(math.sqrt(2), 1.0), (math.sqrt(2), 0.01), (1.0, 1.0)])
def test_equalized_linear_runtime_scale(gain, lrmul):
    layer = EqualizedLinear(300, 40, gain=gain, lrmul=lrmul)
    with torch.no_grad():
        layer.bias.normal_()
    expected = gain * lrmul / math.sqrt(300)
    assert layer.weight_gain == pytest.approx(expected)
    x = torch.randn(6, 300)
    torch.testing.assert_close(layer(x), F.linear(x, layer.weight * expected, layer.bias * lrmul))
    # stored weights ~ N(0, 1/lrmul^2): the effective weights have He std gain/sqrt(fan_in)
    assert (layer.weight * lrmul).std().item() == pytest.approx(1.0, rel=0.05)
    assert (layer.weight * expected).std().item() == pytest.approx(gain / math.sqrt(300), rel=0.05)


def test_equalized_conv_runtime_scale_uses_fan_in_of_kernel():
    conv = EqualizedConv2d(16, 8, 3, gain=math.sqrt(2))
    assert conv.weight_gain == pytest.approx(math.sqrt(2) / math.sqrt(16 * 9))
    x = torch.randn(2, 16, 7, 7)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight * conv.weight_gain, conv.bias, padding=1))


def test_style_affine_starts_at_identity_scale_on_average():
    # bias init 0 and the "+1": at init the style scale averages 1, shift averages 0
    a = StyleAffine(512, 64)
    y_s, y_b = a(torch.randn(1000, 512))
    assert abs((y_s + 1).mean().item() - 1) < 0.05 and abs(y_b.mean().item()) < 0.05
    assert a.dense.gain == 1.0 and a.dense.lrmul == 1.0
    assert torch.count_nonzero(a.dense.bias) == 0


def test_noise_injection_zero_init_and_per_channel_weight():
    inj = NoiseInjection(4)
    x, noise = torch.randn(2, 4, 5, 5), torch.randn(2, 1, 5, 5)
    torch.testing.assert_close(inj(x, noise), x)
    with torch.no_grad():
        inj.weight.copy_(torch.tensor([0.0, 1.0, 2.0, -1.0]))
    out = inj(x, noise)
    for c, wc in enumerate([0.0, 1.0, 2.0, -1.0]):
        torch.testing.assert_close(out[:, c], x[:, c] + wc * noise[:, 0])


def test_minibatch_stddev_matches_hand_computation():
    x = torch.randn(8, 6, 4, 4)
    out = minibatch_stddev(x, group_size=4)
    assert out.shape == (8, 7, 4, 4)
    torch.testing.assert_close(out[:, :6], x)
    # group members are i, i+2, i+4, i+6 (M = 8 / 4 = 2 groups)
    for m in range(2):
        members = x[m::2]
        std = (members.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
        for i in range(m, 8, 2):
            torch.testing.assert_close(out[i, 6], torch.full((4, 4), std.item()), atol=1e-5, rtol=1e-5)


def test_minibatch_stddev_rejects_indivisible_batch():
    with pytest.raises(ValueError, match="not divisible by the group size"):
        minibatch_stddev(torch.randn(6, 4, 4, 4), group_size=4)
    # small batches use the whole batch as one group, as the official min(group, N)
    assert minibatch_stddev(torch.randn(3, 4, 4, 4), group_size=4).shape == (3, 5, 4, 4)
