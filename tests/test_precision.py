"""Precision chosen by the hardware: amp="auto" (stylegan_edu/precision.py) and the Trainer's report of it."""

import json
import os
import platform
import subprocess
import sys

import pytest
import torch

from stylegan_edu import machine_cache, precision
from stylegan_edu.cli import build_parser
from stylegan_edu.data import build_toyfaces, open_dataset
from stylegan_edu.precision import AMP_MODES, cpu_bf16_native, resolve_amp
from stylegan_edu.train import loop
from stylegan_edu.train.config import TrainConfig, get_train_config
from stylegan_edu.train.loop import Trainer

X86 = platform.machine().lower() in ("x86_64", "amd64", "x86", "i386", "i686")


@pytest.fixture(autouse=True)
def _clean(monkeypatch, tmp_path):
    """No STYLEGAN_EDU_BF16 from the caller, the verdict cache in tmp_path, no verdicts remembered in-process.

    The ISA variables (CI sets them) only key the cache inside this process (torch read them at import), so
    they are cleared too: the tests set them where they need them."""
    monkeypatch.delenv(precision.DISABLE_ENV, raising=False)
    for name in machine_cache.ISA_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(precision, "_memo", {})


def _cpu(monkeypatch, capability="AVX512", onednn=True, avx512_bf16=True, amx=False):
    """Make torch describe a CPU: ATen's capability, oneDNN's bf16 support, the bf16 instructions."""
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: onednn)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)


def _no_probe(monkeypatch):
    def fail():
        raise AssertionError("the micro-benchmark ran although torch could tell")
    monkeypatch.setattr(precision, "_time_probe", fail)


# --- torch can tell --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amx", [False, True])
def test_native_bf16_cpu_gets_bf16(monkeypatch, amx):
    _cpu(monkeypatch, avx512_bf16=not amx, amx=amx)
    _no_probe(monkeypatch)
    amp, reason = resolve_amp("auto", "cpu")
    assert amp == "bf16" and "native" in reason and ("AMX" if amx else "avx512_bf16") in reason
    assert resolve_amp("auto", torch.device("cpu"))[0] == "bf16"


@pytest.mark.parametrize("cpu, words", [
    (dict(capability="AVX2", onednn=False, avx512_bf16=False), "ATen capability AVX2"),  # an AVX2-only laptop
    (dict(capability="AVX2"), "ATen capability AVX2"),  # ATEN_CPU_CAPABILITY=avx2 on a bf16 CPU
    (dict(onednn=False), "oneDNN"),  # ONEDNN_MAX_CPU_ISA=AVX2 on a bf16 CPU
    (dict(avx512_bf16=False), "emulated"),  # AVX-512 without bf16 instructions (Skylake-X)
    (dict(capability="DEFAULT"), "DEFAULT"),
])
def test_cpu_without_native_bf16_gets_fp32(monkeypatch, cpu, words):
    _cpu(monkeypatch, **cpu)
    _no_probe(monkeypatch)
    amp, reason = resolve_amp("auto", "cpu")
    assert amp == "none" and words in reason
    assert cpu_bf16_native()[0] is False


@pytest.mark.parametrize("value", ["0", "off", "FALSE", " no "])
def test_env_var_keeps_auto_off_bf16(monkeypatch, value):
    _cpu(monkeypatch)  # native
    _no_probe(monkeypatch)
    monkeypatch.setenv("STYLEGAN_EDU_BF16", value)
    amp, reason = resolve_amp("auto", "cpu")
    assert amp == "none" and "STYLEGAN_EDU_BF16" in reason
    assert resolve_amp("bf16", "cpu") == ("bf16", "asked for")  # an explicit choice still wins
    monkeypatch.setenv("STYLEGAN_EDU_BF16", "1")
    assert resolve_amp("auto", "cpu")[0] == "bf16"


@pytest.mark.parametrize("device", ["cpu", "cuda", "mps"])
@pytest.mark.parametrize("mode", ["none", "bf16", "fp16"])
def test_explicit_modes_win(monkeypatch, device, mode):
    _cpu(monkeypatch, capability="AVX2", onednn=False, avx512_bf16=False)
    _no_probe(monkeypatch)
    assert resolve_amp(mode, device) == (mode, "asked for")


def test_auto_on_gpus_is_fp32(monkeypatch):
    _cpu(monkeypatch)  # a native-bf16 host CPU must not matter
    amp, reason = resolve_amp("auto", "cuda")
    assert amp == "none" and "CUDA" in reason
    assert resolve_amp("auto", "cuda:1")[0] == "none"
    assert resolve_amp("auto", "mps")[0] == "none"


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match=r"amp must be one of \('auto', 'none', 'bf16', 'fp16'\), got 'bf32'"):
        resolve_amp("bf32", "cpu")
    with pytest.raises(ValueError, match="amp must be one of"):
        TrainConfig(amp="float16")
    assert AMP_MODES == ("auto", "none", "bf16", "fp16")
    assert TrainConfig().amp == "auto"
    assert get_train_config("toy-32").amp == get_train_config("toy-64").amp == "auto"
    assert TrainConfig.from_dict(get_train_config("toy-32").to_dict()).amp == "auto"


def test_cli_accepts_amp_auto():
    args = build_parser().parse_args(["train", "--out", "x", "--amp", "auto"])
    assert args.amp == "auto"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--out", "x", "--amp", "bf32"])


# --- torch cannot tell: the micro-benchmark, cached ------------------------------------------------------------

def _probe(monkeypatch, bf16, fp32):
    calls = []

    def probe():
        calls.append(1)
        return bf16, fp32
    monkeypatch.setattr(precision, "_time_probe", probe)
    return calls


def test_missing_torch_functions_fall_back_to_a_cached_micro_benchmark(monkeypatch):
    _cpu(monkeypatch)
    monkeypatch.delattr(torch.backends.cpu, "get_cpu_capability")
    calls = _probe(monkeypatch, 0.0016, 0.0024)
    amp, reason = resolve_amp("auto", "cpu")
    assert amp == "bf16" and "measured" in reason and calls == [1]
    cache = precision.cache_path()
    entry = json.loads(cache.read_text())[precision._cache_key()]
    assert entry["native"] is True and entry["bf16_ms"] == 1.6

    assert resolve_amp("auto", "cpu")[0] == "bf16" and calls == [1]  # remembered in this process
    precision._memo.clear()
    amp, reason = resolve_amp("auto", "cpu")  # a new process: the file answers
    assert amp == "bf16" and reason.endswith("(cached)") and calls == [1]

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # another ISA setting is another key: measured again
    calls_avx2 = _probe(monkeypatch, 0.042, 0.003)
    amp, reason = resolve_amp("auto", "cpu")
    assert amp == "none" and "emulated" in reason and calls_avx2 == [1]
    assert len(json.loads(cache.read_text())) == 2


@pytest.mark.parametrize("broken", ["{not json", "[1, 2]", '{"KEY": {"native": "yes"}}', '{"KEY": 3}'])
def test_broken_cache_file_is_ignored_and_rewritten(monkeypatch, broken):
    _cpu(monkeypatch)
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported")
    monkeypatch.delattr(torch._C._cpu, "_is_avx512_bf16_supported", raising=False)
    cache = precision.cache_path()
    cache.parent.mkdir(parents=True)
    cache.write_text(broken.replace("KEY", precision._cache_key()))
    calls = _probe(monkeypatch, 0.002, 0.0024)
    assert resolve_amp("auto", "cpu")[0] == "bf16" and calls == [1]
    assert json.loads(cache.read_text())[precision._cache_key()]["native"] is True


def test_unwritable_cache_does_not_crash(monkeypatch, tmp_path):
    _cpu(monkeypatch)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: 1 / 0)  # raising, not missing
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be made under a file
    calls = _probe(monkeypatch, 0.04, 0.003)
    assert resolve_amp("auto", "cpu")[0] == "none" and calls == [1]
    assert blocker.read_text() == "" and not list(tmp_path.glob(".*tmp"))


def test_non_x86_cpu_is_measured(monkeypatch):
    _cpu(monkeypatch)  # whatever torch says, its x86 checks do not apply to an ARM CPU
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    calls = _probe(monkeypatch, 0.001, 0.002)
    assert cpu_bf16_native()[0] is True and calls == [1]


def test_the_real_probe_runs_quickly_and_leaves_the_rng_alone():
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    bf16, fp32 = precision._time_probe(repeats=1)
    assert 0 < bf16 < 5 and 0 < fp32 < 5
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == threads


@pytest.mark.skipif(not X86, reason="ATEN_CPU_CAPABILITY / ONEDNN_MAX_CPU_ISA name x86 instruction sets")
def test_avx2_environment_gives_fp32_in_a_real_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "STYLEGAN_EDU_BF16"}
    env.update(ATEN_CPU_CAPABILITY="avx2", ONEDNN_MAX_CPU_ISA="AVX2", XDG_CACHE_HOME=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", "from stylegan_edu.precision import resolve_amp; "
                        "print(*resolve_amp('auto', 'cpu'), sep='|')"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    amp, reason = r.stdout.strip().split("|")
    assert amp == "none", reason


# --- the Trainer -----------------------------------------------------------------------------------------------

TINY = get_train_config("toy-32").replace(stable_kimg=0.064, fade_kimg=0.064, minibatch={8: 16, 16: 16, 32: 8},
                                          minibatch_base=8, snapshot_kimg=1000.0, channels_last=False,
                                          r1_interval=2)  # amp stays the preset's "auto"


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    folder = build_toyfaces(64, 32, tmp_path_factory.mktemp("data") / "tf", workers=1, progress=False)
    return open_dataset(folder)


class _FakeWriter:
    def __init__(self):
        self.scalars = []

    def add_scalar(self, tag, value, step):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (tag, value)
        self.scalars.append(tag)

    def close(self):
        pass


def test_trainer_reports_its_choice_once_and_logs_it(toy_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(loop, "_announced", set())
    monkeypatch.setattr(precision, "cpu_bf16_native", lambda: (False, "this CPU has no native bf16, test"))
    writer = _FakeWriter()
    monkeypatch.setattr(loop, "_tensorboard", lambda out_dir: writer)
    tr = Trainer(TINY, toy_data, tmp_path / "run", device="cpu", progress=False)
    assert (tr.amp, tr.amp_reason) == ("none", "this CPU has no native bf16, test")
    assert tr._autocast().fast_dtype == torch.float32 and not tr._autocast()._enabled
    assert tr.train(total_kimg=0.016) == "done"
    Trainer(TINY, toy_data, None, device="cpu", progress=False)  # same process, same choice: silent
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("precision: ")]
    assert lines == ["precision: fp32 (auto: this CPU has no native bf16, test)"]

    records = [json.loads(l) for l in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert records[0] == {"kimg": 0.0, "event": "precision", "amp": "none", "requested": "auto",
                          "reason": "this CPU has no native bf16, test"}
    assert "loss_D" in records[-1] and "loss_D" in writer.scalars and "amp" not in writer.scalars
    assert tr.state_dict()["train_config"]["amp"] == "auto"  # a resumed run chooses again on its machine


def test_trainer_uses_bf16_where_native(toy_data, monkeypatch, capsys):
    monkeypatch.setattr(loop, "_announced", set())
    monkeypatch.setattr(precision, "cpu_bf16_native", lambda: (True, "native bf16, test"))
    tr = Trainer(TINY, toy_data, None, device="cpu", progress=False)
    assert tr.amp == "bf16" and tr._autocast().fast_dtype == torch.bfloat16
    explicit = Trainer(TINY.replace(amp="none"), toy_data, None, device="cpu", progress=False)
    assert explicit.amp == "none"
    out = capsys.readouterr().out
    assert "precision: bf16 autocast (auto: native bf16, test)\n" in out and "precision: fp32 (asked for)\n" in out
