"""Lesson 06 in a real browser: JupyterLab on 127.0.0.1, driven by Playwright through Debian's Chromium.

The test copies the lesson into a temporary folder (JupyterLab autosaves, and the committed notebook must not
change), runs every cell from the Run menu, then clicks the demo's level buttons and waits for the picture to
change. The time from the click to the new picture (kernel callback + comm round trip + redraw) is measured in
the page and printed. A screenshot is saved under $STYLEGAN_EDU_ARTIFACTS (default: artifacts/) and its path
printed in the test summary.

Needs Chromium (`apt-get install chromium`; `.ci/run` installs it) and Playwright (the dev extra). Without
either the test is skipped, unless STYLEGAN_EDU_REQUIRE_BROWSER=1 (set by `.ci/run`), which turns the skip
into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSON = REPO / "notebooks" / "06_style_mixing.ipynb"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
CALLBACK_LIMIT_S = 0.5  # the target for a widget update at 64 px on CPU


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser_path():
    required = os.environ.get("STYLEGAN_EDU_REQUIRE_BROWSER") == "1"  # CI: a missing piece is a failure
    path = _chromium()
    if path is None:
        message = "Chromium not found: install it with `apt-get install chromium` (.ci/run does)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "Playwright not installed: pip install playwright (in the dev extra)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _lab_env(home: Path) -> dict:
    """Jupyter folders under `home` (no user settings leak in); no news pop-up, no autosave into the repo."""
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               IPYTHONDIR=str(home / "ipython"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
    # (the kernel and ipywidgets' lab extension come from sys.prefix, not from these folders)
    # windowingMode none: every cell stays rendered, so the prompts the tests wait on are all in the page
    for plugin, value in (("apputils-extension/notification", '{"fetchNews": "false"}'),
                          ("docmanager-extension/plugin", '{"autosave": false}'),
                          ("notebook-extension/tracker", '{"windowingMode": "none"}')):
        f = home / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(value)
    return env


def _lab_options(port: int, token: str) -> list[str]:
    return ["--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]


class _Server:
    """A JupyterLab process started by `command`; waits until it answers, stops it on exit."""

    def __init__(self, command: list[str], cwd: Path, env: dict, port: int, token: str, log: Path):
        self.base, self.token, self.log_path = f"http://127.0.0.1:{port}", token, log
        self._log = open(log, "w")
        # its own process group, so stop() also ends the server that `make lab` starts as its child
        self.proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={token}", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"JupyterLab did not start: {command}; see {log}")
                time.sleep(0.5)

    def stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=20)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        self._log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of lesson 06."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(LESSON, root / LESSON.name)
    env = _lab_env(tmp_path_factory.mktemp("jupyter-home"))
    port, token = _free_port(), uuid.uuid4().hex
    server = _Server([sys.executable, "-m", "jupyterlab", *_lab_options(port, token), f"--ServerApp.root_dir={root}"],
                     root, env, port, token, root / "jupyterlab.log")
    yield server
    server.stop()


def _browser(p, browser_path: str, profile: Path):
    context = p.chromium.launch_persistent_context(str(profile), executable_path=browser_path, headless=True,
                                                   args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    return context, page


# The state of the run, read from the page: each code cell's prompt and first source line, the kernel's status and
# the error/stderr outputs shown so far.
_RUN_STATE = """() => ({
  cells: [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map((c, i) => ({
    index: i,
    prompt: (c.querySelector('.jp-InputPrompt') || {}).textContent || '',
    source: ((c.querySelector('.jp-InputArea-editor') || {}).innerText || '').trim().split('\\n')[0].slice(0, 80),
  })),
  kernel: (document.querySelector('.jp-Notebook-ExecutionIndicator') || {dataset: {}}).dataset.status || '?',
  stderr: [...document.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
    .map(e => e.innerText.slice(-800)),
})"""


def _run_report(state: dict, log: Path | None) -> str:
    """Which cells had not run, what the kernel was doing, what it printed to stderr, and the server log's end."""
    unrun = [f"cell {c['index']} {c['prompt'].strip() or '[ ]'} {c['source']!r}" for c in state["cells"]
             if not re.search(r"\[\d+\]", c["prompt"])]
    lines = [f"kernel {state['kernel']}; not run: " + ("; ".join(unrun[:5]) or "none")]
    lines += [f"stderr/traceback: {t}" for t in state["stderr"][-3:]]
    if log is not None and log.exists():
        lines.append("server log (end): " + log.read_text(errors="replace")[-1500:])
    return "\n".join(lines)


def _run_all_cells(page, log: Path | None = None, limit_s: float = 300) -> None:
    """Kernel idle, then Run > Run All Cells from the menu bar (as a learner would); waits until every cell has
    run. Fails on the first traceback shown, or, when the run stops early (the kernel idle with no cell pending for
    5 s) or takes longer than `limit_s`, with a report of the cells that had not run and what the kernel printed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)
    started = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].some(e => e.textContent"
               ".includes('*')) || document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='busy']\") "
               "!== null")

    def click_run_all():
        for attempt in range(3):  # on a loaded machine a click on the menu can get lost: try again
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            try:  # wait until this run has started (a cell pending or the kernel busy) before waiting for its end
                page.wait_for_function(started, timeout=40_000)
                return
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")

    click_run_all()
    clicks = 1
    deadline, idle_since = time.monotonic() + limit_s, None
    while True:  # every code cell has a number in its prompt: none is pending ([*]) or unrun ([ ])
        state = page.evaluate(_RUN_STATE)
        prompts = [c["prompt"] for c in state["cells"]]
        if all(re.search(r"\[\d+\]", p) for p in prompts):
            break
        stopped = state["kernel"] == "idle" and not any("*" in p for p in prompts)
        idle_since = (idle_since or time.monotonic()) if stopped else None
        if idle_since is not None and time.monotonic() - idle_since > 5:
            # the kernel busy for something else (a comm, kernel info) passed for the run's start, and no cell
            # has run: the click was lost on a loaded machine (seen once in CI), so click again, once
            if clicks < 2 and not any(re.search(r"\[\d+\]", p) for p in prompts):
                click_run_all()
                clicks, idle_since = clicks + 1, None
                continue
            pytest.fail("Run All Cells stopped before the end:\n" + _run_report(state, log))
        if time.monotonic() > deadline:
            pytest.fail(f"Run All Cells had not finished after {limit_s:.0f} s:\n" + _run_report(state, log))
        time.sleep(0.5)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"a cell failed in the browser: {tracebacks[0][:500]}"


def _artifacts_dir() -> Path:
    out = Path(os.environ.get("STYLEGAN_EDU_ARTIFACTS", REPO / "artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out


# Starts a watch (without awaiting it) that resolves window.__newPicture with the milliseconds from now until
# the demo's <img> shows a new picture, or -1 after 20 s.
_WATCH_IMAGE = """
(img) => { window.__newPicture = new Promise(resolve => {
  const old = img.src, t0 = performance.now();
  const done = () => { if (img.src !== old && img.complete) { obs.disconnect(); resolve(performance.now() - t0); } };
  const obs = new MutationObserver(() => { if (img.complete) done(); else img.addEventListener('load', done, {once: true}); });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
  setTimeout(() => { obs.disconnect(); resolve(-1); }, 20000);
}); }
"""


@pytest.mark.slow
def test_lesson06_demo_updates_live_in_chromium(browser_path, lab, record_artifact, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context, page = _browser(p, browser_path, tmp_path / "chromium-profile")
        try:
            page.goto(f"{lab.base}/lab/tree/{LESSON.name}?token={lab.token}")
            _run_all_cells(page, lab.log_path)
            # A learner reads the outputs before touching a control: the kernel idle, then a few seconds.
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
            page.wait_for_timeout(3000)
            demo = page.locator(".widget-hbox").filter(has=page.locator(".widget-toggle-buttons")).first
            img = demo.locator(".widget-image").first
            page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())

            caption = demo.locator(".widget-html-content").first
            before_png, before_caption = img.screenshot(), caption.inner_text()
            assert "layers 0" in before_caption, before_caption  # coarse is selected at start

            seed_a = demo.locator(".widget-slider").first.locator(".noUi-handle").first
            moves = [(f"click '{level}'", demo.locator(".widget-toggle-button", has_text=level).first.click)
                     for level in ("fine", "middle", "coarse")]
            moves.append(("seed A slider, right arrow key", lambda: seed_a.press("ArrowRight")))
            moves.append(("click 'fine'", demo.locator(".widget-toggle-button", has_text="fine").first.click))
            timings = []
            for what, move in moves:
                img.scroll_into_view_if_needed()
                img.evaluate(_WATCH_IMAGE)
                move()
                ms = page.evaluate("() => window.__newPicture")
                assert ms >= 0, f"the picture did not change within 20 s after {what}"
                timings.append(ms / 1000)
            assert "seed 102" in caption.inner_text()
            after_png, after_caption = img.screenshot(), caption.inner_text()
            assert after_png != before_png, "the demo's picture looks the same after choosing fine instead of coarse"
            assert after_caption != before_caption and "8" in after_caption, after_caption

            shot = _artifacts_dir() / "lesson06-browser.png"
            page.screenshot(path=str(shot), full_page=False)
            demo.screenshot(path=str(shot.with_name("lesson06-demo.png")))
        finally:
            context.close()

    median = sorted(timings)[len(timings) // 2]
    record_artifact(f"browser screenshots: {shot} and {shot.with_name('lesson06-demo.png')}")
    record_artifact(f"lesson 06 widget update in Chromium (click to new picture): median {median:.3f} s, "
                    f"max {max(timings):.3f} s over {len(timings)} moves (first {timings[0]:.3f} s)")
    # The first answer in a page costs more than the rest: on a 2-core Zen-1 EPYC (2 GHz, AVX2 only) it took
    # 0.51-0.80 s in three runs while every later one took 0.23-0.31 s and the kernel's callback 0.13 s
    # (benchmarks/mixing_demo_latency.py); on a 2-core Xeon all five stay under 0.18 s. The target holds for
    # every answer after the first; the first may take up to twice it.
    assert timings[0] < 2 * CALLBACK_LIMIT_S, f"the first widget update took {timings[0]:.3f} s"
    assert max(timings[1:]) < CALLBACK_LIMIT_S, \
        f"widget updates took {timings} s; the target is < {CALLBACK_LIMIT_S} s after the first"


@pytest.mark.slow
def test_newcomer_make_lab_opens_lesson_00_and_it_runs(browser_path, tmp_path, record_artifact):
    """The README's first command, `make lab`, as a newcomer runs it (with --no-browser and a known port, and
    this interpreter's environment as the venv): the URL it prints opens lesson 00, which runs to the end."""
    from playwright.sync_api import sync_playwright

    readme = (REPO / "README.md").read_text()
    assert readme.split("```", 2)[1].splitlines()[1].split("#")[0].strip() == "make lab"
    port, token = _free_port(), uuid.uuid4().hex
    env = _lab_env(tmp_path / "jupyter-home")
    # JupyterLab "opens a browser" by running this recorder, which writes down what it was asked to open
    recorder, opened = tmp_path / "record_browser.py", tmp_path / "opened.txt"
    recorder.write_text("import pathlib, sys\npathlib.Path(sys.argv[2]).write_text(sys.argv[1])\n")
    options = [o for o in _lab_options(port, token) if o != "--no-browser"]
    args = " ".join(options + [f"--ServerApp.browser='{sys.executable} {recorder} %s {opened}'"])
    log = tmp_path / "make-lab.log"
    server = _Server(["make", "-s", "lab", f"VENV={sys.prefix}", f"LAB_ARGS={args}"], REPO, env, port, token, log)
    try:
        for _ in range(60):
            if opened.exists() and opened.read_text():
                break
            time.sleep(0.5)
        assert opened.exists(), f"make lab did not open a browser; see {log}"
        url = opened.read_text().strip()
        if url.startswith("file://"):  # Jupyter opens a local page that redirects to the URL with the token
            url = Path(url[len("file://"):]).read_text().split('url=', 1)[1].split('"', 1)[0]
        assert re.search(r"/lab/tree/(notebooks/)?00_welcome.ipynb\?", url), f"make lab opened {url}, not lesson 00"
        with sync_playwright() as p:
            context, page = _browser(p, browser_path, tmp_path / "chromium-profile")
            try:
                page.goto(url)
                tab = page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel", has_text="00_welcome")
                tab.first.wait_for()
                t0 = time.perf_counter()
                _run_all_cells(page, log)
                seconds = time.perf_counter() - t0
                # the learner's copy: the last exercise's check says it is not written yet (so every cell before ran)
                outputs = page.locator(".jp-OutputArea-output pre")
                outputs.filter(has_text="Not written yet. Hint: torch.linspace(0, 1, steps)").first.wait_for()
                shot = _artifacts_dir() / "lesson00-newcomer.png"
                page.screenshot(path=str(shot))
            finally:
                context.close()
    finally:
        server.stop()
    record_artifact(f"newcomer check: `make lab` opened lesson 00, all cells ran in {seconds:.1f} s; screenshot {shot}")
