"""stylegan_edu.conv: the convolution whose derivatives of every order are plain convolutions (used on CUDA).

The tests switch it on for the CPU, where the same code runs."""

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from stylegan_edu import conv, machine_cache
from stylegan_edu.discriminator import Discriminator
from stylegan_edu.train import losses

GEOMETRIES = [  # stride, padding, groups, kernel (h, w), in, out, size
    (1, 1, 1, (3, 3), 4, 6, 7),
    (2, 1, 1, (4, 4), 4, 6, 8),   # D's fused downsampling
    (2, 1, 2, (4, 4), 4, 6, 9),   # odd size: the input gradient must come back at 9, not 8
    (1, (1, 2), 3, (3, 5), 3, 3, 7),
    (1, 0, 1, (1, 1), 3, 5, 6),   # fromRGB
]


@pytest.fixture
def gradfix_on_cpu(monkeypatch):
    monkeypatch.setattr(conv, "GRADFIX_DEVICES", {"cpu"})


@pytest.mark.parametrize("stride,padding,groups,k,cin,cout,size", GEOMETRIES)
def test_values_and_derivatives_up_to_second_order_match_f_conv2d(gradfix_on_cpu, stride, padding, groups, k, cin,
                                                                   cout, size):
    g = torch.Generator().manual_seed(size)
    x = torch.randn(2, cin, size, size, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(cout, cin // groups, *k, dtype=torch.float64, generator=g, requires_grad=True)
    b = torch.randn(cout, dtype=torch.float64, generator=g, requires_grad=True)
    f = lambda x, w, b: conv.conv2d(x, w, b, stride, padding, groups)
    assert torch.allclose(f(x, w, b), F.conv2d(x, w, b, stride, padding, 1, groups), atol=1e-12)
    assert torch.autograd.gradcheck(f, (x, w, b))
    assert torch.autograd.gradgradcheck(f, (x, w, b))


def test_first_order_gradients_are_bitwise_those_of_f_conv2d(gradfix_on_cpu):
    x = torch.randn(4, 8, 16, 16, requires_grad=True)
    w, b = torch.randn(16, 8, 3, 3, requires_grad=True), torch.randn(16, requires_grad=True)
    ours = torch.autograd.grad(conv.conv2d(x, w, b, 1, 1).square().sum(), (x, w, b))
    plain = torch.autograd.grad(F.conv2d(x, w, b, 1, 1).square().sum(), (x, w, b))
    assert all(torch.equal(a, c) for a, c in zip(ours, plain))


def _r1_grads(D, reals):
    x = reals.clone().requires_grad_(True)
    r1 = losses.r1_penalty(D(x), x)
    D.zero_grad(set_to_none=True)
    r1.backward()
    return r1.detach(), [torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in D.parameters()]


def assert_r1_unchanged_by_gradfix(monkeypatch, D, reals, rtol_r1, rtol, atol):
    """R1 and D's gradients from it, with stylegan_edu.conv's path on `reals`' device and without, agree."""
    monkeypatch.setattr(conv, "GRADFIX_DEVICES", set())
    r1_plain, grads_plain = _r1_grads(D, reals)
    monkeypatch.setattr(conv, "GRADFIX_DEVICES", {reals.device.type})
    r1_ours, grads_ours = _r1_grads(D, reals)
    assert torch.allclose(r1_ours, r1_plain, rtol=rtol_r1)
    assert all(torch.allclose(a, c, rtol=rtol, atol=atol) for a, c in zip(grads_ours, grads_plain))


def test_r1_penalty_and_its_gradients_are_unchanged(monkeypatch):
    D = Discriminator("toy-32").double()
    reals = torch.randn(4, 3, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    assert_r1_unchanged_by_gradfix(monkeypatch, D, reals, rtol_r1=1e-10, rtol=1e-8, atol=1e-12)


class KernelSizes(TorchDispatchMode):
    """Records the spatial size of every convolution kernel run."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket is torch.ops.aten.convolution:
            self.sizes.append(tuple(args[1].shape[-2:]))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("enabled", [True, False])
def test_r1_double_backward_never_convolves_with_a_gradient_map_as_kernel(monkeypatch, enabled):
    # PyTorch's generic double backward gets D's weight term by convolving with a gradient *map* as the kernel
    # (32x32 here, 1024x1024 at full size), which cuDNN runs with slow kernels: ~0.8 s of a 1.05 s R1 pass
    # on an H200 (docs/benchmarks.md). With conv2d every kernel is a layer's own (at most 4x4).
    monkeypatch.setattr(conv, "GRADFIX_DEVICES", {"cpu"} if enabled else set())
    D = Discriminator("toy-32")
    with KernelSizes() as seen:
        _r1_grads(D, torch.randn(4, 3, 32, 32))
    largest = max(h * w for h, w in seen.sizes)
    assert (largest <= 16) == enabled, sorted(set(seen.sizes))


class WeightGradients(TorchDispatchMode):
    """Counts the backend calls that compute a convolution's weight gradient."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket is torch.ops.aten.convolution_backward:
            self.count += bool(args[-1][1])  # output_mask: (input, weight, bias)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("enabled", [True, False])
def test_r1_input_gradient_pass_computes_no_weight_gradients(monkeypatch, enabled):
    # autograd.grad(scores, reals, create_graph=True) needs D's input gradients only; weight gradients there are
    # thrown away (on the CPU they were a third of that pass). PyTorch's own convolution skips them; ours must too.
    monkeypatch.setattr(conv, "GRADFIX_DEVICES", {"cpu"} if enabled else set())
    D = Discriminator("toy-32")
    x = torch.randn(4, 3, 32, 32, requires_grad=True)
    scores = D(x)
    with WeightGradients() as seen:
        (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    assert seen.count == 0
    with WeightGradients() as seen:  # the penalty's own backward does reach the weights
        grad.square().sum().backward()
    assert seen.count > 0


def test_autocast_runs_the_convolution_in_bf16_and_gives_fp32_weight_gradients(gradfix_on_cpu):
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    w, b = torch.randn(6, 4, 3, 3, requires_grad=True), torch.randn(6, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = conv.conv2d(x, w, b, 1, 1)
    assert y.dtype == torch.bfloat16
    (gx,) = torch.autograd.grad(y.float().square().sum(), x, create_graph=True)
    gx.square().sum().backward()
    assert w.grad.dtype == torch.float32 and torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0
    assert torch.allclose(y.float(), F.conv2d(x, w, b, 1, 1), rtol=0.05, atol=0.1)


def test_library_default_takes_the_custom_path_only_on_cuda():
    assert conv.GRADFIX_DEVICES == {"cuda"}
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    y = conv.conv2d(x, torch.randn(3, 2, 3, 3), padding=1)
    assert type(y.grad_fn).__name__ == "ConvolutionBackward0"  # the CPU keeps PyTorch's own backward


# --- Winograd on the CPU (conv.WINOGRAD_DEVICES): NNPACK for the forward pass and the input gradient ---------

def _ops_run(fn):
    """The aten operators `fn` runs (torch.profiler sees the backend kernels PyTorch picked)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    return {e.key for e in prof.key_averages()}


def _r1_like(x, w, b):
    """A value, its input gradient, and the second-order gradients an R1 penalty takes through a convolution."""
    x = x.detach().requires_grad_(True)
    y = conv.conv2d(x, w, b, 1, 1)
    (gx,) = torch.autograd.grad((y.tanh() * torch.linspace(-1, 1, y.shape[-1])).sum(), x, create_graph=True)
    return (y, gx, *torch.autograd.grad(gx.square().sum(), (x, w, b)))


@pytest.mark.skipif(not torch.backends.nnpack.is_available(), reason="this torch build has no NNPACK")
def test_winograd_path_runs_nnpack_and_matches_onednn_to_second_order(monkeypatch):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 128, 16, 16, generator=g)
    w = (torch.randn(128, 128, 3, 3, generator=g) / 34).requires_grad_(True)
    b = torch.randn(128, generator=g).requires_grad_(True)
    monkeypatch.setattr(conv, "WINOGRAD_DEVICES", set())
    plain = _r1_like(x, w, b)
    assert "aten::_nnpack_spatial_convolution" not in _ops_run(lambda: _r1_like(x, w, b))
    monkeypatch.setattr(conv, "WINOGRAD_DEVICES", {"cpu"})
    monkeypatch.setattr(conv, "WINOGRAD_MEASURE", False)  # NNPACK whether or not it is faster on this machine
    ops = _ops_run(lambda: _r1_like(x, w, b))
    assert "aten::_nnpack_spatial_convolution" in ops and "aten::thnn_conv2d" not in ops  # not the slow fallback
    for a, c in zip(plain, _r1_like(x, w, b)):
        assert (a - c).norm() / a.norm() < 1e-5  # rounding only (measured ~1e-6)
    with torch.no_grad():  # inference takes it too
        assert "aten::_nnpack_spatial_convolution" in _ops_run(lambda: conv.conv2d(x, w, b, 1, 1))


@pytest.mark.parametrize("case", ["batch 8", "64 channels", "8 px", "stride 2", "float64", "bf16 autocast"])
def test_winograd_path_only_where_it_pays(monkeypatch, case):
    monkeypatch.setattr(conv, "WINOGRAD_DEVICES", {"cpu"})
    monkeypatch.setattr(conv, "WINOGRAD_MEASURE", False)
    n, c, size, stride, dtype = 16, 128, 16, 1, torch.float32
    n, c, size, stride, dtype = {"batch 8": (8, c, size, stride, dtype), "64 channels": (n, 64, size, stride, dtype),
                                 "8 px": (n, c, 8, stride, dtype), "stride 2": (n, c, size, 2, dtype),
                                 "float64": (n, c, size, stride, torch.float64)}.get(case, (n, c, size, stride, dtype))
    x = torch.randn(n, c, size, size, dtype=dtype, requires_grad=True)
    w = torch.randn(c, c, 3, 3, dtype=dtype, requires_grad=True)
    # outside autocast only the bf16 case's shapes qualify; autocast then keeps it on oneDNN
    assert conv._winograd(x, w, stride, (1, 1), 1) == (case == "bf16 autocast")
    if case == "bf16 autocast":
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert not conv._winograd(x, w, 1, (1, 1), 1)
            y = conv.conv2d(x, w, None, 1, 1)
        assert y.dtype == torch.bfloat16
    else:
        y = conv.conv2d(x, w, None, stride, 1)
    assert type(y.grad_fn).__name__ == "ConvolutionBackward0"  # PyTorch's own convolution


@pytest.mark.skipif(not torch.backends.nnpack.is_available(), reason="this torch build has no NNPACK")
def test_winograd_path_stays_out_of_torch_compile(monkeypatch):
    """Under torch.compile the compiler's kernels take the convolution: switching oneDNN off inside a traced
    function made every block recompile (found with `generate --compile`)."""
    monkeypatch.setattr(conv, "WINOGRAD_DEVICES", {"cpu"})
    monkeypatch.setattr(conv, "WINOGRAD_MEASURE", False)
    torch._dynamo.reset()
    x, w = torch.randn(16, 128, 16, 16), torch.randn(128, 128, 3, 3) / 34
    f = torch.compile(lambda x, w: conv.conv2d(x, w, None, 1, 1), backend="eager", fullgraph=True)
    with torch.no_grad():
        y = f(x, w)  # fullgraph: a graph break would raise
        assert "aten::_nnpack_spatial_convolution" not in _ops_run(lambda: f(x, w))
    assert torch.allclose(y, F.conv2d(x, w, None, 1, 1), rtol=1e-4, atol=1e-4)


def test_winograd_taken_only_where_measured_faster(monkeypatch, tmp_path):
    """NNPACK beat oneDNN on one AVX-512 CPU and lost on another: the first convolution of a shape times both."""
    monkeypatch.setattr(conv, "WINOGRAD_DEVICES", {"cpu"})
    monkeypatch.setattr(conv, "_nnpack_faster", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    timings = {128: (0.010, 0.020), 256: (0.030, 0.020), 192: (0.0097, 0.010)}  # NNPACK, oneDNN seconds by width
    calls = []

    def fake_time_both(x, w):
        calls.append(x.shape[1])
        return timings[x.shape[1]]

    monkeypatch.setattr(conv, "_time_both", fake_time_both)
    verdicts = {}
    for c in (128, 256, 192, 128, 256):
        x, w = torch.randn(16, c, 16, 16), torch.randn(c, c, 3, 3)
        verdicts[c] = conv._winograd(x, w, 1, (1, 1), 1)
    # faster: taken; slower: not; 3 % faster is within the margin, so oneDNN's default stays
    assert verdicts == {128: True, 256: False, 192: False}
    assert calls == [128, 256, 192]  # each shape timed once
    lines = conv.winograd_choices()
    assert len(lines) == 3 and lines[0].startswith("16x128x16x16 * 128x128x3x3")
    assert "NNPACK (NNPACK 10.0 ms" in lines[0]
    assert "oneDNN (NNPACK 30.0 ms, oneDNN 20.0 ms)" in lines[1]
    torch.set_num_threads(torch.get_num_threads())  # same count: same key, no new timing
    conv._winograd(torch.randn(8 * 2, 128, 16, 16), torch.randn(128, 128, 3, 3), 1, (1, 1), 1)
    assert calls == [128, 256, 192]

    # another process on this machine (nothing remembered in memory) reads the times from the cache file: the
    # same kernels, without timing, whatever a timing under load would say now
    monkeypatch.setattr(conv, "_nnpack_faster", {})
    timings.update({128: (0.030, 0.020), 256: (0.010, 0.020)})
    again = {c: conv._winograd(torch.randn(16, c, 16, 16), torch.randn(c, c, 3, 3), 1, (1, 1), 1) for c in (128, 256)}
    assert again == {128: True, 256: False} and calls == [128, 256, 192]
    # a process started with other kernels (CI sets AVX2; torch reads it at start): another key, timed afresh
    monkeypatch.setattr(conv, "_nnpack_faster", {})
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "SSE41")
    assert conv._winograd(torch.randn(16, 128, 16, 16), torch.randn(128, 128, 3, 3), 1, (1, 1), 1) is False
    assert calls == [128, 256, 192, 128]


def test_a_process_that_timed_at_the_same_moment_takes_the_stored_times(monkeypatch, tmp_path):
    """Two processes time a shape at once and disagree: the second to store adopts the first's verdict."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(conv, "_nnpack_faster", {})
    x, w = torch.randn(16, 128, 16, 16), torch.randn(128, 128, 3, 3)

    def time_both_while_another_stores(x_, w_):
        key = conv._disk_key((tuple(x.shape), tuple(w.shape), torch.get_num_threads()))
        machine_cache.settle(conv.CACHE_NAME, key, {"nnpack_ms": 10.0, "onednn_ms": 20.0}, conv._valid)
        return 0.030, 0.020  # this process's own timing says oneDNN

    monkeypatch.setattr(conv, "_time_both", time_both_while_another_stores)
    assert conv._measured_faster(x, w) is True
    assert "NNPACK (NNPACK 10.0 ms, oneDNN 20.0 ms)" in conv.winograd_choices()[0]


@pytest.mark.skipif(not torch.backends.nnpack.is_available(), reason="this torch build has no NNPACK")
def test_winograd_timing_runs_both_backends(monkeypatch, tmp_path):
    monkeypatch.setattr(conv, "_nnpack_faster", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no times from earlier runs on this machine
    x, w = torch.randn(16, 128, 16, 16, requires_grad=True), torch.randn(128, 128, 3, 3)
    ops = _ops_run(lambda: conv._measured_faster(x, w))
    assert "aten::_nnpack_spatial_convolution" in ops and "aten::mkldnn_convolution" in ops
    (verdict, nnpack_ms, onednn_ms), = conv._nnpack_faster.values()
    assert isinstance(verdict, bool) and 0 < nnpack_ms < 1e4 and 0 < onednn_ms < 1e4
    assert verdict == (nnpack_ms < conv.NNPACK_MARGIN * onednn_ms)
