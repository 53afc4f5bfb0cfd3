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


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (make test), the browser tests share one worker: one Streamlit server and one Chromium.

    `--dist loadgroup` sends every test of an xdist_group to the same worker; the rest go wherever a worker is free.
    """
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


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
