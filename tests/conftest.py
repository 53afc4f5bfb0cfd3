import atexit
import os
import sys
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

# Tests import the project's modules (ipsdash, tests.builders) from the repository root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The extracts tests write are not the demo extract: their record keys need a secret (README, "Small numbers").
os.environ.setdefault("IPS_RECORD_KEY_SECRET", "tests-record-key-secret")


def _leave_without_teardown() -> None:
    """End an xdist worker after its last exit handler, without the interpreter's teardown.

    DuckDB's Python module (nanobind) still holds its built-in type objects when the interpreter
    has shut down, and nanobind then prints "nanobind: leaked ... instances/types/functions" on
    the worker's stderr, below the run's summary. nanobind's documentation calls these reports at
    shutdown benign; a worker has sent every result before it gets here, so it skips the teardown
    that prints them. Registered first, so it runs after every other exit handler.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if os.environ.get("PYTEST_XDIST_WORKER"):
    atexit.register(_leave_without_teardown)


# Screenshots and the server's log of the browser tests (kept by CI as test artefacts).
ARTIFACTS = ROOT / "artifacts" / "browser"

# Under pytest-xdist, the modules whose tests take longest are handed out first, so that no worker
# is left with a long test at the end while the other waits (the rest keep their order).
SLOW_FIRST = ("tests/test_browser.py", "tests/test_meeting_browser.py", "tests/test_reference.py",
              "tests/test_differencing.py", "tests/test_security.py", "tests/test_deliver.py")


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (make test), the browser tests share one worker: one Streamlit server and one Chromium.

    `--dist loadgroup` sends every test of an xdist_group to the same worker; the rest go wherever a worker is free.
    """
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))

    def rank(item) -> int:
        path = item.nodeid.partition("::")[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: each module's tests stay together and in order


@pytest.fixture(autouse=True)
def _navigation_only(monkeypatch):
    """Under AppTest, run app.py as the real server does once st.navigation has been called.

    AppTest forgets between runs that the app uses st.navigation and, seeing a pages/ folder,
    falls back to running the page file alone on every rerun after the first: the filter bar
    in app.py would then silently not run. The server sets the flag for good on the first call
    to st.navigation; this does the same for each AppTest run.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def _browser_missing() -> str | None:
    from ipsdash.app import browser

    if not Path(browser.CHROMIUM).exists():
        return f"{browser.CHROMIUM} is missing (make browser-deps, as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make test installs it)"
    return None


@pytest.fixture(scope="session")
def chrome():
    """Headless Chromium, one for every browser test (tests/test_browser.py, tests/test_meeting_browser.py)."""
    from ipsdash.app import browser

    missing = _browser_missing()
    if missing:
        if os.environ.get("IPS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"IPS_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    with browser.chromium() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def app_url(chrome):
    """`streamlit run app.py` on the committed demo extract, one server for every browser test."""
    from ipsdash.app import browser

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The committed demo extract: without login the app serves demo data only.
    with browser.streamlit_server("app.py", data_dir=ROOT / "data", log_path=ARTIFACTS / "streamlit.log") as url:
        yield url
