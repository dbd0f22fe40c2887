"""How long the graded assignments take: running each one, and nbgrader autograding one submission of it.

    python benchmarks/assignments_time.py [--repeats 3] [NAME ...]

For each assignment (default: all):
  run        the instructor version executed by `stylegan-edu assignments check --hidden` (fresh kernel,
             kernel start included), median over --repeats
  slowest    its slowest cell in that run (what nbgrader's per-cell timeout must allow)
  autograde  wall time of `nbgrader autograde` for one correct submission in a fresh temporary course folder
             (process start, database, kernel and all), median over --repeats
Needs nbgrader (pip install 'stylegan-edu[instructor]').
"""

import argparse
import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

from stylegan_edu import assignments as A
from stylegan_edu.assignments.check import check_notebook, nbgrader_meta


def cell_seconds(cell) -> float:
    t = cell.metadata.get("execution", {})
    if "iopub.execute_input" not in t or "shell.execute_reply" not in t:
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(t["shell.execute_reply"]) - parse(t["iopub.execute_input"])).total_seconds()


def nbgrader(course: Path, *args: str) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def autograde_seconds(name: str, student: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copytree(A.instructor_path(name).parent, course / "source" / name)
        shutil.copy(A.COURSE / "nbgrader_config.py", course)
        nbgrader(course, "generate_assignment", name)
        released = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
        inst = nbformat.read(A.instructor_path(name), as_version=4)
        answers = {nbgrader_meta(c)["grade_id"]: c.source for c in inst.cells if nbgrader_meta(c).get("solution")}
        nb = copy.deepcopy(released)
        for cell in nb.cells:
            if nbgrader_meta(cell).get("solution"):
                cell.source = answers[nbgrader_meta(cell)["grade_id"]]
        (course / "submitted" / student / name).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / name / f"{name}.ipynb")
        return nbgrader(course, "autograde", name)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="assignment name prefixes (default: all)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    import torch

    print(f"{os.cpu_count()} CPU cores, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"medians over {args.repeats} runs")
    print(f"{'assignment':<26} {'run':>7} {'slowest cell':>13} {'autograde':>10}")
    for name in A.select(args.names):
        runs, slowest = [], 0.0
        for _ in range(args.repeats):
            report = check_notebook(A.instructor_path(name), hidden=True)
            assert report.score == report.max_score, report.table()
            runs.append(report.seconds)
            slowest = max(slowest, max(cell_seconds(c) for c in report.executed.cells))
        grades = [autograde_seconds(name, f"student{i}") for i in range(args.repeats)]
        print(f"{name:<26} {statistics.median(runs):6.1f}s {slowest:12.1f}s {statistics.median(grades):9.1f}s")


if __name__ == "__main__":
    main()
