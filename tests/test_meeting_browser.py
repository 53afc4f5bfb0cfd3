"""Every page as a steering group sees it on a projector (issue 19), in a real browser.

Each page of app.py opens at 1280 × 720 (a projector) and at 1440 × 900 (a laptop) on the demo
extract; the test fails on a Streamlit exception, a browser error, Streamlit's own English words
("Select all", "1 more", "Page not found"), a card title cut short, or a first screen without a
chart. Uses the server and browser of tests/conftest.py, shared with tests/test_browser.py (skipped without Chromium,
unless IPS_REQUIRE_BROWSER=1). Screenshots of each first screen go to artifacts/browser/.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import ARTIFACTS, PAGES, Tab

pytestmark = pytest.mark.browser

VIEWPORTS = [(1280, 720), (1440, 900)]
# Reference pages for the data coordinator and for looking things up: text and tables, no chart.
WITHOUT_CHARTS = {"/leverancer", "/om"}
# Enough of a chart must show on the first screen to read it, not just its top edge.
CHART_VISIBLE_PX = 120
# Streamlit's own English words; the app's words are Danish.
ENGLISH = re.compile(r"Select all|\b\d+ more\b|View (?:less|more)|Page not found|main page|No results|Choose an option")


@pytest.fixture(params=VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def screen(request, chrome, app_url):
    width, height = request.param
    context = chrome.new_context(viewport={"width": width, "height": height}, locale="da-DK")
    yield Tab(context, app_url), width, height
    context.close()


def english_words(tab: Tab) -> list[str]:
    return ENGLISH.findall(tab.page.locator("body").inner_text())


def cut_card_titles(tab: Tab) -> list[str]:
    """Card titles (st.metric labels) that end in "…" because they do not fit."""
    return tab.page.locator('[data-testid="stMetricLabel"]').evaluate_all(
        """labels => labels.flatMap((label) => {
            const text = label.querySelector('p, div') || label;
            return text.scrollWidth > text.clientWidth + 1 ? [label.innerText] : [];
        })"""
    )


def first_chart_top(tab: Tab) -> float | None:
    charts = tab.page.locator('[data-testid="stPlotlyChart"]')
    tops = [box["y"] for i in range(charts.count()) if (box := charts.nth(i).bounding_box())]
    return min(tops) if tops else None


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p.strip("/") or "default" for p, _ in PAGES])
def test_every_page_reads_right_on_a_projector(screen, path, title):
    tab, width, height = screen
    tab.open(path)
    tab.page.screenshot(path=str(ARTIFACTS / f"meeting_{path.strip('/') or 'default'}_{width}x{height}.png"))
    tab.assert_healthy(path)
    assert not english_words(tab), f"{path} at {width}×{height}: Streamlit's English words {english_words(tab)}"
    assert not cut_card_titles(tab), f"{path} at {width}×{height}: card titles cut short: {cut_card_titles(tab)}"
    if path in WITHOUT_CHARTS:
        return
    top = first_chart_top(tab)
    assert top is not None, f"{path}: no chart at all"
    assert top <= height - CHART_VISIBLE_PX, (
        f"{path} at {width}×{height}: the first chart starts at {top:.0f} px, below the first screen"
    )


def test_a_chosen_municipality_is_in_the_title_and_compared_with_the_region(screen):
    tab, _, _ = screen
    tab.open("/?kommune=Nordfyns")
    tab.assert_healthy("Overblik, Nordfyns")
    assert tab.page.locator("h1").first.inner_text().strip() == "Overblik – Nordfyns"
    assert "Regionen:" in tab.page.locator('[data-testid="stMain"]').inner_text()


def test_the_municipality_list_has_no_english_select_all(screen):
    tab, _, _ = screen
    tab.open("/")
    tab.page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Kommuner").click()
    tab.page.get_by_role("option").first.wait_for()
    assert not english_words(tab), english_words(tab)
