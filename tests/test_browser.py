"""The whole app in a real browser: what only a browser shows.

Starts `streamlit run app.py` on the committed demo extract and drives headless Chromium (Debian's,
/usr/bin/chromium) through Playwright: every page of app.py's PAGES opens, a filter is changed by
clicking in the sidebar, a CSV is downloaded from "Hent data", and a shared link opens with its
filters. Any Streamlit exception box, "Page not found", or browser console error fails the test.
Screenshots go to artifacts/browser/ (kept by CI as test artefacts), with the server's log.

Skipped where Chromium or Playwright is missing, unless IPS_REQUIRE_BROWSER=1 (as .ci/run sets it):
then a missing browser fails, so CI can never pass by skipping.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from pathlib import Path

import pytest

from ipsdash.app import browser
from tests.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 900}
# One page load: the first one also waits for the extract to open and Plotly to load.
TIMEOUT_MS = 60_000


def app_pages() -> list[tuple[str, str]]:
    """(URL path, title) of every page in app.py's PAGES, in the order of the menu.

    The default page lives at "/": Streamlit ignores its url_path, and opening /<its url_path> may
    show "Page not found".
    """
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    block = text[text.index("PAGES = [") : text.index("]", text.index("PAGES = ["))]
    pages = []
    for entry in re.findall(r"st\.Page\((.*?)\),?\n", block):
        title = re.search(r'title="([^"]+)"', entry)
        url_path = re.search(r'url_path="([^"]+)"', entry)
        assert title and url_path, f"a page in app.py's PAGES without title or url_path: {entry}"
        path = "/" if re.search(r"default\s*=\s*True", entry) else f"/{url_path.group(1)}"
        pages.append((path, title.group(1)))
    return pages


PAGES = app_pages()


class Tab:
    """One browser page with the console errors it logged, and helpers that wait for Streamlit."""

    def __init__(self, context, base_url: str):
        self.base_url = base_url
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message) -> None:
        where = (message.location or {}).get("url")
        if message.type == "error" and not browser.is_known_noise(message.text, where):
            self.errors.append(f"console: {message.text} ({where})")

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path, timeout=TIMEOUT_MS)
        self.idle()

    def idle(self) -> None:
        browser.wait_for_streamlit_idle(self.page, timeout_ms=TIMEOUT_MS)

    def shot(self, name: str) -> None:
        browser.fit_viewport_to_content(self.page)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.page.set_viewport_size(VIEWPORT)

    def assert_healthy(self, what: str) -> None:
        problems = [f"exception: {text}" for text in browser.exception_texts(self.page)]
        if browser.page_not_found(self.page):
            problems.append("Page not found: Streamlit ran the main page instead")
        assert not problems + self.errors, f"{what}: {problems + self.errors}"

    def caption(self) -> str:
        """The line under the page title that says what is selected (ui.page_header)."""
        return self.page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()

    def sidebar_widget(self, testid: str, label: str):
        return self.page.locator(f'[data-testid="stSidebar"] [data-testid="{testid}"]').filter(has_text=label)

    def shown_in(self, testid: str, label: str) -> str:
        """What a sidebar widget shows: its text and the value of its fields (a selectbox keeps its choice there)."""
        widget = self.sidebar_widget(testid, label)
        values = widget.locator("input").evaluate_all("inputs => inputs.map((i) => i.value)")
        return " ".join([widget.inner_text(), *values])


@pytest.fixture
def tab(chrome, app_url):
    context = chrome.new_context(viewport=VIEWPORT, locale="da-DK", accept_downloads=True)
    opened = Tab(context, app_url)
    yield opened
    context.close()


def test_app_pages_are_listed():
    # The parse above must see the router's pages, or the tests below would test nothing.
    assert len(PAGES) >= 5 and ("/", "Overblik") in PAGES


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p.strip("/") or "default" for p, _ in PAGES])
def test_every_page_opens_without_errors(tab, path, title):
    tab.open(path)
    tab.shot(f"page_{path.strip('/') or 'default'}")
    tab.assert_healthy(path)
    assert tab.page.locator("h1").first.inner_text().strip(), f"{path}: no page title"
    # Still on this page (a path Streamlit does not know sends the browser to the main page),
    # and the menu marks it as the one shown, unless it sits in the menu's overflow.
    assert urllib.parse.urlparse(tab.page.url).path == path, tab.page.url
    current = tab.page.locator('[data-testid="stTopNavLink"][aria-current="page"]')
    if current.count():
        assert title in current.first.inner_text()


def test_a_municipality_picked_in_the_sidebar_changes_the_page_and_the_link(tab):
    tab.open("/")
    before = tab.caption()
    assert before.startswith("Alle kommuner") or "kommuner" in before.lower()
    # Type into the list's search field, as a user with a long list would, and pick the match.
    search = tab.page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Kommuner")
    search.click()
    search.press_sequentially("Vejl")
    tab.page.get_by_role("option", name="Vejle", exact=True).click()
    tab.page.keyboard.press("Escape")  # close the list so the app reruns with the choice
    tab.idle()
    tab.shot("filter_vejle")
    tab.assert_healthy("after picking Vejle")
    assert tab.caption().startswith("Vejle ·"), tab.caption()
    # The choice is written into the address, so the view can be shared.
    query = urllib.parse.parse_qs(urllib.parse.urlparse(tab.page.url).query)
    assert query.get("kommune") == ["Vejle"], tab.page.url


def test_a_table_downloads_as_a_danish_csv(tab):
    tab.open("/")
    tab.page.get_by_role("button", name="Hent data").click()
    button = tab.page.locator('[data-testid="stDownloadButton"] button').filter(has_text="CSV:").first
    button.wait_for(timeout=TIMEOUT_MS)
    with tab.page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    raw = Path(download.path()).read_bytes()
    tab.shot("download_popover")
    tab.assert_healthy("after the download")
    assert download.suggested_filename.endswith(".csv")
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV must start with a BOM, so Danish Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) > 1 and len(rows[0]) > 1, rows[:2]
    # Danish labels, not column names; every row as wide as the header.
    assert "Nøgletal" in rows[0] or any("æ" in cell or "ø" in cell or "å" in cell for cell in rows[0]), rows[0]
    assert {len(row) for row in rows} == {len(rows[0])}


def test_a_shared_link_opens_with_its_filters(tab):
    tab.open("/?kommune=Vejle&periode=I+%C3%A5r")
    tab.shot("shared_link")
    tab.assert_healthy("the shared link")
    assert "Vejle" in tab.shown_in("stMultiSelect", "Kommuner")
    assert "I år" in tab.shown_in("stSelectbox", "Periode")
    caption = tab.caption()
    assert caption.startswith("Vejle ·") and "1. januar" in caption, caption
