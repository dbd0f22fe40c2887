"""The set-up files agree with each other and with the README."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def _split(req: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", req)
    assert m, f"cannot parse requirement {req!r}"
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _toml_list(key: str) -> list[str]:
    # a plain reader for the two string arrays we need (tomllib exists only from Python 3.11)
    text = (ROOT / "pyproject.toml").read_text()
    body = re.search(rf"^{key} = \[(.*?)^\]", text, re.S | re.M).group(1)
    return re.findall(r'"([^"]+)"', body)


def _pyproject_requirements() -> dict[str, str]:
    return dict(_split(r) for r in _toml_list("dependencies") + _toml_list("dev"))


def _conda_requirements() -> dict[str, str]:
    reqs = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"  - ([^\s#:][^#:]*?)\s*", line)  # top-level entries of `dependencies:` only
        if not m or m.group(1) in ("pip", "conda-forge"):
            continue
        name, spec = _split(m.group(1))
        reqs[CONDA_NAMES.get(name, name)] = spec
    reqs.pop("python", None)
    return reqs


def test_environment_yml_agrees_with_pyproject():
    py, conda = _pyproject_requirements(), _conda_requirements()
    assert py == conda, f"pyproject.toml {py} != environment.yml {conda}"
    assert {"torch", "numpy", "matplotlib", "ipywidgets", "jupyterlab", "pillow", "tqdm", "pytest",
            "nbval"} <= set(py)


def test_readme_opens_with_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines() if ln.split("#")[0].strip()]
    assert commands == ["make lab", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "TORCH_SPEC" in ci


def test_python_requirement_is_310():
    assert 'requires-python = ">=3.10"' in (ROOT / "pyproject.toml").read_text()


def test_torch_index_reaches_pip_and_the_readme_gives_the_cpu_index():
    import shutil
    import subprocess

    make = shutil.which("make")
    assert make, "make is needed for the README's commands"
    dry = subprocess.run([make, "-n", "-B", "venv", "TORCH_INDEX=https://example.org/whl/cpu",
                          "TORCH_SPEC=torch==9.9"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert '--index-url https://example.org/whl/cpu "torch==9.9"' in dry
    plain = subprocess.run([make, "-n", "-B", "venv"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "--index-url" not in plain
    assert "TORCH_INDEX=https://download.pytorch.org/whl/cpu make test" in (ROOT / "README.md").read_text()


def test_make_lab_puts_the_environment_first_on_path(tmp_path):
    """JupyterLab's terminals inherit the server's PATH: with the venv's bin/ first, the learners' command
    `stylegan-edu assignments check ...` works there without activating anything."""
    import shutil
    import subprocess

    venv = tmp_path / "env"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "jupyter"):  # `make -n` only prints; the venv rule needs its python to exist
        (venv / "bin" / name).symlink_to(shutil.which("true"))
    (venv / ".stylegan-edu-installed").write_text("")
    dry = subprocess.run([shutil.which("make"), "-n", "lab", f"VENV={venv}"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    lab_line = [line for line in dry.splitlines() if "jupyter lab" in line]
    assert lab_line and lab_line[0].startswith(f'PATH="{venv}/bin:'), dry
