"""One 3x3 convolution (stride 1, padding 1, fp32) by NNPACK's Winograd kernels and by oneDNN, shape by shape.

    python benchmarks/nnpack_vs_onednn.py
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/nnpack_vs_onednn.py   # oneDNN limited to AVX2

The timing is the library's own (`stylegan_edu.conv._time_both`: best of 2 after a warm-up each, interleaved),
the one that decides, per shape, which backend a training step uses. Prints per shape the two times, their
ratio and the verdict (NNPACK only if at least 1 - conv.NNPACK_MARGIN faster).
"""

from __future__ import annotations

import argparse

import torch

from stylegan_edu import conv

SHAPES = ((16, 128, 16), (32, 128, 32), (32, 128, 64), (16, 256, 16), (32, 256, 64), (32, 512, 16), (32, 512, 32),
          (16, 512, 32))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = p.parse_args()
    if not torch.backends.nnpack.is_available():
        raise SystemExit("nnpack_vs_onednn: this torch build has no NNPACK")
    if args.threads:
        torch.set_num_threads(args.threads)
    cap = torch.backends.cpu.get_cpu_capability()
    print(f"CPU {cap}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    g = torch.Generator().manual_seed(0)
    for n, c, size in SHAPES:
        x, w = torch.randn(n, c, size, size, generator=g), torch.randn(c, c, 3, 3, generator=g)
        nnpack, onednn = conv._time_both(x, w)
        verdict = "NNPACK" if nnpack < conv.NNPACK_MARGIN * onednn else "oneDNN"
        print(f"batch {n:>2}, {c:>3}->{c:<3} at {size:>2} px: NNPACK {nnpack * 1e3:7.1f} ms, oneDNN "
              f"{onednn * 1e3:7.1f} ms, NNPACK/oneDNN {nnpack / onednn:.2f} -> {verdict}", flush=True)


if __name__ == "__main__":
    main()
