"""Run the app in a real browser: start Streamlit, open Chromium, wait until a page is done.

Used by `tools/screenshot.py` and by browser tests. Playwright is imported inside the
functions that need it, so `import ipsdash.app.browser` works where Playwright is not installed.

Typical use:

    with streamlit_server("app.py", data_dir="data") as base_url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base_url + "/venteliste?kommune=630")
        wait_for_streamlit_idle(page)
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipsdash import ROOT

if TYPE_CHECKING:  # only for type hints; never imported at run time here
    from playwright.sync_api import Browser, Page

REPO_ROOT = ROOT

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, quiet and offline: no sandbox (containers), no GPU, and none of the
# background traffic (updates, sync, QUIC probes) that slows start-up and adds noise.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# The root element carries the script state; "notRunning" only appears after a run, so
# this also waits for the first run to start and finish ("initial" before it).
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_BOX = '[data-testid="stAlertContentError"]'  # st.error: the app's own message, not a crash
DIALOG = '[data-testid="stDialog"]'
PLOTLY_CHART = '[data-testid="stPlotlyChart"]'


# Opened directly on a subpage (/venteliste), Streamlit's frontend cannot tell the page from a
# base URL path, so it first asks /venteliste/_stcore/health and …/host-config, gets 404 and
# then tries "/" (streamlit/streamlit#7074). Those two 404s are no fault of the app.
_BASE_PATH_PROBE = re.compile(r"^/.+/_stcore/(health|host-config)$")


class ServerError(RuntimeError):
    """The Streamlit server did not start; the message ends with the tail of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_healthy(base_url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Poll Streamlit's health endpoint until it answers "ok"; raise TimeoutError if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(f"streamlit exited with code {process.returncode} before it answered")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{base_url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(
    app: str | os.PathLike = "app.py",
    *,
    data_dir: str | os.PathLike | None = None,
    cwd: str | os.PathLike = REPO_ROOT,
    port: int | None = None,
    timeout: float = 60.0,
    extra_args: Sequence[str] = (),
    log_path: str | os.PathLike | None = None,
) -> Iterator[str]:
    """Run `streamlit run APP` headless on a free localhost port; yield its base URL.

    The working directory is the repository root, so `.streamlit/config.toml` applies even
    when `app` is a script elsewhere. `data_dir` is passed on as `IPS_DATA_DIR`. The
    server's output goes to `log_path` (default: a temporary file, kept and named in the
    error if the server fails). The server is always stopped on leaving the block.

    >>> with streamlit_server("app.py") as url:  # doctest: +SKIP
    ...     url
    'http://127.0.0.1:40123'
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    if data_dir is not None:
        env["IPS_DATA_DIR"] = str(data_dir)
    # Usage statistics would try to reach the internet; the file watcher is useless here.
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        *extra_args,
    ]  # fmt: skip
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
        os.close(handle)
        log_path = name
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        # A new session (process group) so that stopping it also stops anything it started.
        process = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        try:
            wait_until_healthy(base_url, timeout, process)
        except (TimeoutError, ServerError) as exc:
            raise ServerError(f"{exc}\n--- {log_path} ---\n{_log_tail(log_path)}") from None
        yield base_url
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process started with `start_new_session=True`: SIGTERM to its group, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextlib.contextmanager
def chromium(executable_path: str = CHROMIUM, args: Sequence[str] = CHROMIUM_ARGS) -> Iterator[Browser]:
    """Launch headless Chromium through Playwright (sync API); yield the Browser, close it after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable_path, args=list(args), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_streamlit_idle(page: Page, timeout_ms: float = 60_000, settle_ms: float = 500) -> None:
    """Wait until Streamlit has finished running the page's script and drawn what it sent.

    Done means: the app root says the script is not running (after at least one run), the
    status widget ("Running…") is gone, the network is idle (lazy chunks such as Plotly's
    are loaded), every Plotly chart has drawn its SVG, and the state still holds after a
    short settle (a script may rerun itself, e.g. after setting query parameters).
    """
    for _ in range(5):
        page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
        page.wait_for_selector(STATUS_WIDGET, state="detached", timeout=timeout_ms)
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
        page.wait_for_function(
            """(selector) => Array.from(document.querySelectorAll(selector))
                   .every((chart) => chart.querySelector("svg.main-svg") !== null)""",
            arg=PLOTLY_CHART,
            timeout=timeout_ms,
        )
        page.wait_for_timeout(settle_ms)
        if page.query_selector(APP_IDLE) is not None and page.query_selector(STATUS_WIDGET) is None:
            return
    raise TimeoutError("Streamlit kept rerunning")


def is_known_noise(text: str, url: str | None) -> bool:
    """True for a browser console error that Streamlit itself causes on a healthy app.

    >>> text = "Failed to load resource: the server responded with a status of 404 (Not Found)"
    >>> is_known_noise(text, "http://127.0.0.1:8501/venteliste/_stcore/health")
    True
    >>> is_known_noise(text, "http://127.0.0.1:8501/_stcore/health")
    False
    """
    return "404" in text and bool(url) and bool(_BASE_PATH_PROBE.match(urllib.parse.urlparse(url).path))


def exception_texts(page: Page) -> list[str]:
    """The text of every exception box Streamlit shows on the page."""
    return [element.inner_text().strip() for element in page.query_selector_all(EXCEPTION)]


def error_box_texts(page: Page) -> list[str]:
    """The text of every `st.error` box on the page (the app's own messages)."""
    return page.eval_on_selector_all(
        ERROR_BOX,
        f"""(boxes) => boxes.filter((box) => !box.closest('{EXCEPTION}')).map((box) => box.innerText.trim())""",
    )


def page_not_found(page: Page) -> bool:
    """True when Streamlit says the URL path names no page (it then runs the main page)."""
    return any("Page not found" in dialog.inner_text() for dialog in page.query_selector_all(DIALOG))


def fit_viewport_to_content(page: Page, max_height: int = 20_000) -> None:
    """Make the viewport as tall as the page's content, so a screenshot shows all of it.

    Streamlit scrolls inside its own container rather than the document, so Playwright's
    `full_page=True` alone would only capture the first screen.
    """
    height = page.evaluate(
        """() => Math.max(
               document.documentElement.scrollHeight,
               ...Array.from(document.querySelectorAll("*"))
                   .filter((el) => el.scrollHeight > el.clientHeight + 1
                        && ["auto", "scroll"].includes(getComputedStyle(el).overflowY))
                   .map((el) => el.scrollHeight + el.getBoundingClientRect().top))"""
    )
    viewport: dict[str, Any] = page.viewport_size or {"width": 1400, "height": 900}
    wanted = min(max_height, max(int(viewport["height"]), int(height) + 16))
    if wanted != viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": wanted})
        page.wait_for_timeout(300)  # let charts re-lay themselves out
