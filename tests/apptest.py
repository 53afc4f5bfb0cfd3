"""Running the app under AppTest: one helper for every page test."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def app(page: str | None = None, **query) -> AppTest:
    """app.py run once, then `page` (e.g. "pages/job.py"), with `query` as the shared link's parameters.

    Lists in `query` become repeated parameters (?kommune=Vejle&kommune=Odense), as the app writes them.
    Fails the test on any exception the run showed.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """The headline cards as {label: shown value}."""
    return {m.label: m.value for m in at.metric}
