"""A generator that runs in bf16 for inference (`--amp bf16` on generate, mix and metrics), its images in fp32.

    Gb = amp_generator(G, "bf16")     # G on its device, in eval mode; "none" gives G back unchanged
    imgs = Gb(z, truncation_psi=0.7)  # as G(...), computed under bf16 autocast, returned as float32

G.mapping and G.synthesis each run under torch.autocast(bf16), and G's weights are stored channels_last: on an
H200 bf16 paid only together with channels_last (docs/benchmarks.md). Callers that use G.mapping and G.synthesis
directly (mix, PPL) get the same. The outputs come back as float32, so whatever reads them (the feature networks
of the metrics, the image grids) runs in fp32 as before. bf16 keeps 8 bits of mantissa: the images of the
toyfaces-64 model shipped until 2026-12-01 moved by 0.6 of an 8-bit level on average (a few pixels by up to 0.3
in [-1, 1]) on the CPU, so FID moves slightly; fp32 ("none") stays the reference.
"""

from __future__ import annotations

import torch
from torch import nn

from stylegan_edu.generator import Generator

AMP_MODES = ("none", "bf16")


def _to_float(out):
    """float32 copies of the floating tensors in out (a tensor or a tuple of them)."""
    if isinstance(out, tuple):
        return tuple(_to_float(x) for x in out)
    return out.float() if isinstance(out, torch.Tensor) and out.is_floating_point() else out


class AutocastPart(nn.Module):
    """One network (G.mapping or G.synthesis) called under bf16 autocast on its device, its outputs in fp32."""

    def __init__(self, module: nn.Module, device_type: str):
        super().__init__()
        self.eager = module  # registered, so the wrapper's parameters() are G's
        self.device_type = device_type

    def forward(self, *args, **kwargs):
        with torch.autocast(self.device_type, dtype=torch.bfloat16):
            return _to_float(self.eager(*args, **kwargs))


class AmpGenerator(Generator):
    """G with its mapping and synthesis wrapped in AutocastPart: G's parameters, w_avg, config and forward
    (truncation, style mixing in fp32 between the two networks), so it is called exactly as G."""

    def __init__(self, G: Generator):
        nn.Module.__init__(self)  # not Generator.__init__: that would build new networks, we reuse G's
        self.cfg = G.cfg
        device_type = G.w_avg.device.type
        self.mapping = AutocastPart(G.mapping, device_type)
        self.synthesis = AutocastPart(G.synthesis, device_type)
        self.register_buffer("w_avg", G.w_avg)  # the same tensor as G's
        if hasattr(G, "describe"):  # a compiled G's one-line report (cli_ckpt.report_compile) passes through
            self.describe = G.describe
        self.train(G.training)


def amp_generator(G: Generator, amp: str = "none") -> Generator:
    """G itself for amp="none"; for "bf16" G's weights stored channels_last (in place) and G wrapped in AmpGenerator.

    G may be a compiled generator (compiled.compile_generator) not called yet: compiling happens at the first call,
    which then sees the channels_last weights and the autocast, as benchmarks/inference_throughput.py measured it.
    """
    if amp not in AMP_MODES:
        raise ValueError(f"amp must be one of {', '.join(AMP_MODES)}, got {amp!r}")
    if amp == "none":
        return G
    return AmpGenerator(G.to(memory_format=torch.channels_last))
