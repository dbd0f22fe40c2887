"""Test-run reporting shared by the library tests, the lessons (nbval) and the assignments.

At the end of a run the summary prints
- the time each notebook took under nbval (sum of its cells) and the course total;
- lines recorded by tests through the `record_artifact` fixture (screenshot paths, measured latencies);
- the machine the run had (CPU model, its AVX-512 / bf16 / AMX flags, torch's kernel choice), so that a failure
  seen only on some machine can be traced to it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

_notebook_seconds: dict[str, float] = defaultdict(float)
_artifacts: list[str] = []


@pytest.fixture
def record_artifact():
    """Call with one line (a file path or a measured figure) to have it printed in the run's summary."""
    return _artifacts.append


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration  # setup + call + teardown of every cell


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    if _notebook_seconds:
        tr.section("notebook execution time (nbval)")
        groups: dict[str, float] = defaultdict(float)
        for path, seconds in sorted(_notebook_seconds.items()):
            tr.write_line(f"{seconds:7.1f} s  {path}")
            groups[path.rsplit("/", 1)[0] if "/" in path else "."] += seconds  # learner, solved, assignments
        for folder, seconds in sorted(groups.items()):
            tr.write_line(f"{seconds:7.1f} s  total for {folder}/ ({seconds / 60:.1f} min)")
    tr.section("artifacts and measurements")
    tr.write_line(_machine())
    for line in _artifacts:
        tr.write_line(line)


def _machine() -> str:
    """One line: CPU model, cores, the instruction sets that change torch's numbers and speed, torch's choice."""
    import torch

    from stylegan_edu.machine_cache import cpu_model

    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    flags = set(next((x.split(":", 1)[1].split() for x in info.splitlines() if x.startswith("flags")), []))
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    env = [f"{k}={os.environ[k]}" for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "STYLEGAN_EDU_BF16")
           if k in os.environ]
    return (f"machine: {cpu_model()}, {os.cpu_count()} cores, {' '.join(isa) or 'no AVX2'}; torch {torch.__version__} "
            f"kernels {torch.backends.cpu.get_cpu_capability()}{'; ' + ' '.join(env) if env else ''}")
