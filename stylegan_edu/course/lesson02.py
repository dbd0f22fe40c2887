"""Lesson 02's exercises: the depthwise [1, 2, 1] blur of a batch, and binomial blur kernels of any size."""

from __future__ import annotations

import math

import torch

from stylegan_edu.course.checks import Wrong, call, exercise, max_diff, tensor


def _judge_blur(fn):
    from stylegan_edu.resample import blur2d

    g = torch.Generator().manual_seed(2)
    for shape in ((2, 3, 8, 8), (1, 5, 6, 7)):  # any batch, channel count and size
        x = torch.randn(*shape, generator=g)
        what = f"blur(x) for x of shape {shape}"
        out = call(fn, x)
        if isinstance(out, torch.Tensor) and tuple(out.shape) == (*shape[:2], shape[2] - 2, shape[3] - 2):
            raise Wrong(f"{what} has shape {tuple(out.shape)}: the 3x3 kernel ate a pixel on each side; pad "
                        "one row and column of zeros around the image so the blur keeps its size")
        out = tensor(out, shape, what)

        alone = torch.zeros(shape)
        alone[:, 0] = x[:, 0]  # only channel 0 holds anything
        leak = tensor(call(fn, alone), shape, f"blur of an image with only channel 0 filled")[:, 1:].abs().max()
        if leak > 1e-6:
            raise Wrong("the channels mix: blurring an image whose only non-zero channel is 0 changed the other "
                        "channels. The blur must filter each channel on its own, a depthwise convolution "
                        "(one copy of the kernel per channel, groups = number of channels)")

        want = blur2d(x)
        if max_diff(out, want) <= 1e-5:
            continue
        inside = (slice(None), slice(None), slice(1, -1), slice(1, -1))
        if max_diff(out[inside], want[inside]) <= 1e-5:
            raise Wrong(f"{what} is right inside but not at the border: pad with zeros, as the official code "
                        "does (the border darkens slightly); other paddings repeat or mirror the edge")
        # the gain on flat areas, measured far from the border so that a wider kernel's zero padding can't reach
        big = (1, shape[1], 16, 16)
        flat = tensor(call(fn, torch.ones(big)), big, "blur of a flat image of ones")[..., 4:-4, 4:-4]
        gain = flat.mean().item()
        if abs(gain - 1) > 1e-4:
            raise Wrong(f"the kernel is not normalised: a flat image of ones comes out as {gain:.4g} inside. "
                        "Divide the kernel by the sum of its entries so flat areas stay flat")
        dot = torch.zeros(big)
        dot[..., 8, 8] = 1  # one bright pixel: the blur spreads it onto its 8 neighbours and no further
        spread = tensor(call(fn, dot), big, "blur of a single bright pixel").clone()
        spread[..., 7:10, 7:10] = 0
        if spread.abs().max() > 1e-6:
            raise Wrong(f"{what} is not the [1, 2, 1] blur: it spreads a single bright pixel beyond its 8 "
                        "neighbours, but the kernel is 3x3, the outer product of the taps [1, 2, 1] with themselves")
        raise Wrong(f"{what} is not the [1, 2, 1] blur: the kernel should be the outer product of the taps "
                    "[1, 2, 1] with themselves, divided by its sum")


check_blur = exercise(
    "blur", _judge_blur,
    hint="F.conv2d with one copy of the 3x3 kernel per channel: its groups= argument lets each output "
         "channel see only its own input channel; choose the padding that keeps the size",
    success="a depthwise [1, 2, 1] blur of any batch, as resample.blur2d computes it.")


def _judge_binomial_kernel(fn):
    from stylegan_edu.resample import blur_kernel

    for n in (2, 4, 6):
        taps = [math.comb(n, k) for k in range(n + 1)]
        what = f"binomial_kernel({n})"
        out = tensor(call(fn, n), None, what)
        want = blur_kernel(taps)
        if out.ndim == 1:
            raise Wrong(f"{what} is 1-D, shape {tuple(out.shape)}: the kernel is 2-D, the outer product of the "
                        "taps with themselves")
        if out.shape == (n, n):
            raise Wrong(f"{what} has shape {tuple(out.shape)}: row n of Pascal's triangle has n + 1 entries "
                        "(n = 2 gives [1, 2, 1])")
        if out.shape != want.shape:
            raise Wrong(f"{what} has shape {tuple(out.shape)}, expected {tuple(want.shape)}")
        total = out.sum().item()
        if abs(total - 1) > 1e-5:
            raise Wrong(f"{what} sums to {total:.4g}; divide by the sum of all its entries so that blurring "
                        "leaves flat areas unchanged")
        if max_diff(out, want) > 1e-6:
            raise Wrong(f"{what} sums to 1 but its entries are not the products C(n, i) * C(n, j) of the "
                        f"binomial taps {taps}, scaled")


check_binomial_kernel = exercise(
    "binomial_kernel", _judge_binomial_kernel,
    hint="math.comb(n, k) for k = 0 ... n gives the taps; the 2-D kernel is built from them as in section 1",
    success="binomial kernels of any size: n = 2 is StyleGAN's [1, 2, 1] blur.")
