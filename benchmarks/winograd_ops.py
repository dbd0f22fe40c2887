"""Winograd F(2x2, 3x3) written with plain torch ops, against the CPU's direct 3x3 convolution (issue 14).

    .venv/bin/python benchmarks/winograd_ops.py [--threads 2] [--reps 3]

Winograd's F(2x2, 3x3) (Lavin & Gray 2016) computes each 2x2 output tile from a 4x4 input tile with 16
multiplications per input-output channel pair instead of 36: the input tiles and the kernel are transformed
(B^T d B, G g G^T), multiplied as 16 independent channel GEMMs, and transformed back (A^T m A). Written with
slicing, additions and one batched matmul, autograd gives the backward and R1's double backward for free and
every GEMM is 2.25x smaller than the direct convolution's. Whether that pays on a CPU depends on the transforms,
which are memory passes over 4x the input; this script measures it. Prints figures; not a pass/fail test, and
the library does not use this path (docs/benchmarks.md, "CPU efficiency").
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

SHAPES = ((32, 512, 32), (32, 512, 16), (32, 256, 64))  # (batch, channels in = out, size): full-width D/G layers


def winograd_weight(w: torch.Tensor) -> torch.Tensor:
    """[K, C, 3, 3] -> [16, K, C]: U = G g G^T for every kernel, G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]]."""
    def g(a, b, c):
        return [a, (a + b + c) * 0.5, (a - b + c) * 0.5, c]

    rows = g(w[..., 0, :], w[..., 1, :], w[..., 2, :])  # 4 x [K, C, 3]
    return torch.stack([t for r in rows for t in g(r[..., 0], r[..., 1], r[..., 2])])


def _b(t0, t1, t2, t3):  # B^T applied along one axis: the four rows of the input tile transform
    return [t0 - t2, t1 + t2, t2 - t1, t1 - t3]


def winograd_conv3x3(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """conv2d(x, w, padding=1) for even H and W, by F(2x2, 3x3) in torch ops (differentiable to any order)."""
    N, C, H, W = x.shape
    K, h, ww = w.shape[0], H // 2, W // 2
    xp = F.pad(x, (1, 1, 1, 1))
    rows = _b(*[xp[:, :, i:i + 2 * h:2] for i in range(4)])  # tile rows, stride 2
    V = torch.stack([v for r in rows for v in _b(*[r[..., j:j + 2 * ww:2] for j in range(4)])])
    M = torch.matmul(winograd_weight(w)[:, None], V.reshape(16, N, C, h * ww))  # [16, N, K, tiles]
    M = M.reshape(4, 4, N, K, h, ww)
    m0, m1 = M[0] + M[1] + M[2], M[1] - M[2] - M[3]  # A^T = [[1,1,1,0],[0,1,-1,-1]] along the rows
    y = [[m[0] + m[1] + m[2], m[1] - m[2] - m[3]] for m in (m0, m1)]  # ... and along the columns
    y = torch.stack([torch.stack(r, -1) for r in y], -3)  # [N, K, h, 2, w, 2]
    return y.reshape(N, K, H, W)


def _time(fn, reps: int) -> float:
    ts = []
    for _ in range(reps + 1):  # the first call warms up
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts[1:])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    w = torch.randn(5, 3, 3, 3, dtype=torch.float64)
    err = (winograd_conv3x3(x, w) - F.conv2d(x, w, padding=1)).abs().max().item()
    print(f"float64 check: max |winograd - conv2d| = {err:.1e}; {torch.get_num_threads()} threads, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"{'batch, channels, size':<22}{'rel. error fp32':>16}{'direct fwd':>12}{'winograd fwd':>14}"
          f"{'direct fwd+bwd':>16}{'winograd fwd+bwd':>18}{'its GEMMs alone':>17}")
    for n, c, s in SHAPES:
        x = torch.randn(n, c, s, s, requires_grad=True)
        w = (torch.randn(c, c, 3, 3) / (9 * c) ** 0.5).requires_grad_()
        ref = F.conv2d(x, w, padding=1)
        rel = ((winograd_conv3x3(x, w) - ref).norm() / ref.norm()).item()
        direct, wino = (lambda: F.conv2d(x, w, padding=1)), (lambda: winograd_conv3x3(x, w))
        with torch.no_grad():
            t = [_time(direct, args.reps), _time(wino, args.reps)]
        t += [_time(lambda: direct().sum().backward(), args.reps), _time(lambda: wino().sum().backward(), args.reps)]
        u, v = torch.randn(16, c, c), torch.randn(16, c, n * (s // 2) ** 2)  # the 16 channel GEMMs of a forward
        t.append(_time(lambda: torch.bmm(u, v), args.reps))
        print(f"{f'{n}, {c}, {s} px':<22}{rel:>16.1e}" + "".join(f"{f'{sec * 1e3:.0f} ms':>{wd}}"
                                                            for sec, wd in zip(t, (12, 14, 16, 18, 17))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
