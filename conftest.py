"""Test-run reporting shared by the library tests, the lessons (nbval) and the assignments.

At the end of a run the summary prints
- the time each notebook took under nbval (sum of its cells) and the course total;
- lines recorded by tests through the `record_artifact` fixture (screenshot paths, measured latencies).
"""

from __future__ import annotations

from collections import defaultdict

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
    if _artifacts:
        tr.section("artifacts and measurements")
        for line in _artifacts:
            tr.write_line(line)
