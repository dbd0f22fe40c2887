"""cpu_memory.keep_freed_memory: glibc's thresholds set once, honouring the opt-out and the user's glibc settings."""

import subprocess
import sys
import textwrap

import pytest
import torch

from stylegan_edu import cpu_memory


class FakeLibc:
    """Records mallopt calls; refuses thresholds above `limit` as older glibc does."""

    def __init__(self, limit=None):
        self.calls, self.limit = [], limit

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 0 if self.limit is not None and value > self.limit else 1


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(cpu_memory, "_state", {})
    for name in (cpu_memory.OPT_OUT_ENV, *cpu_memory._GLIBC_ENV):
        monkeypatch.delenv(name, raising=False)
    libc = FakeLibc()
    monkeypatch.setattr(cpu_memory, "_glibc", lambda: libc)
    return libc


def test_sets_both_thresholds_once(fresh):
    assert cpu_memory.keep_freed_memory() == "glibc malloc keeps freed blocks up to 1024 MiB for reuse"
    assert fresh.calls == [(cpu_memory.M_MMAP_THRESHOLD, 1 << 30),
                           (cpu_memory.M_TRIM_THRESHOLD, cpu_memory.TRIM_THRESHOLD)]
    cpu_memory.keep_freed_memory()
    assert len(fresh.calls) == 2


def test_older_glibc_gets_its_largest_threshold(fresh):
    fresh.limit = 32 << 20
    assert "32 MiB" in cpu_memory.keep_freed_memory()
    assert fresh.calls[-2:] == [(cpu_memory.M_MMAP_THRESHOLD, 32 << 20),
                                (cpu_memory.M_TRIM_THRESHOLD, cpu_memory.TRIM_THRESHOLD)]


def test_refused_everywhere_sets_nothing(fresh):
    fresh.limit = 0
    assert cpu_memory.keep_freed_memory() is None
    assert all(param == cpu_memory.M_MMAP_THRESHOLD for param, _ in fresh.calls)


@pytest.mark.parametrize("name,value", [("STYLEGAN_EDU_KEEP_FREED_MEMORY", "0"),
                                        ("STYLEGAN_EDU_KEEP_FREED_MEMORY", "off"),
                                        ("MALLOC_MMAP_THRESHOLD_", "65536"),
                                        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")])
def test_opt_out_and_user_settings_win(fresh, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert cpu_memory.keep_freed_memory() is None
    assert fresh.calls == []


def test_not_glibc_sets_nothing(fresh, monkeypatch):
    monkeypatch.setattr(cpu_memory, "_glibc", lambda: None)
    assert cpu_memory.keep_freed_memory() is None


@pytest.mark.skipif(cpu_memory._glibc() is None, reason="the effect is glibc's (Linux)")
def test_a_freed_block_is_reused_without_page_faults():
    """The real effect, in a fresh process (the setting is process-wide): the second 64 MiB buffer lands in pages
    the first one already touched, where glibc's default maps fresh ones (16384 faults of 4 KiB)."""
    code = textwrap.dedent("""
        import ctypes, resource, sys
        from stylegan_edu.cpu_memory import keep_freed_memory
        if sys.argv[1] == "on":
            assert keep_freed_memory() is not None
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc.restype = ctypes.c_void_p
        n = 64 << 20
        def faults_of_one_buffer():
            p = libc.malloc(n)
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            ctypes.memset(p, 1, n)
            f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
            libc.free(ctypes.c_void_p(p))
            return f
        faults_of_one_buffer()
        print(faults_of_one_buffer())
    """)
    faults = {mode: int(subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                                       check=True, env={"PATH": "", "PYTHONPATH": ":".join(sys.path)}).stdout)
              for mode in ("on", "off")}
    assert faults["on"] < 100, faults
    if "[always]" not in _transparent_hugepages():  # with huge pages always on, a fresh map faults per 2 MiB
        assert faults["off"] > 1000, faults  # glibc's default really maps afresh: the test measures something


def _transparent_hugepages() -> str:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return f.read()
    except OSError:
        return ""


def test_the_trainer_keeps_freed_memory_on_the_cpu(monkeypatch, tmp_path):
    from stylegan_edu.data import build_toyfaces, open_dataset
    from stylegan_edu.train import loop
    from stylegan_edu.train.config import get_train_config

    calls = []
    monkeypatch.setattr(loop, "keep_freed_memory", lambda device: calls.append(str(device)))
    data = open_dataset(build_toyfaces(8, 32, tmp_path / "tf", workers=1, progress=False))
    loop.Trainer(get_train_config("toy-32").replace(amp="none"), data, None, device="cpu", progress=False)
    assert calls == ["cpu"]


def test_other_devices_set_nothing(fresh):
    assert cpu_memory.keep_freed_memory("cuda:0") is None
    assert cpu_memory.keep_freed_memory(torch.device("meta")) is None
    assert fresh.calls == []
    assert cpu_memory.keep_freed_memory(torch.device("cpu")) is not None


def test_the_metric_loops_keep_freed_memory_on_the_cpu(monkeypatch):
    from stylegan_edu.configs import get_config
    from stylegan_edu.generator import Generator
    from stylegan_edu.metrics import ppl, run

    calls = []
    for module in (run, ppl):
        monkeypatch.setattr(module, "keep_freed_memory", lambda device: calls.append(str(device)))
    G = Generator(get_config("toy-32"))
    run.generated_features(G, lambda x: x.flatten(1), 2, batch_size=2, progress=False)
    ppl.perceptual_path_length(G, lambda a, b: (a - b).square().flatten(1).mean(1), num_samples=2, batch_size=2,
                               crop=False, progress=False)
    assert calls == ["cpu", "cpu"]


def test_loading_a_model_for_the_cpu_keeps_freed_memory(monkeypatch):
    from stylegan_edu import pretrained

    calls = []
    monkeypatch.setattr(pretrained, "keep_freed_memory", lambda device: calls.append(str(device)))
    pretrained.load("toyfaces-64")
    assert calls == ["cpu"]
