"""Events (the contract's optional table `events`): checked on delivery, delivered like any table,
limited by a user's scope, and drawn on the time series of the scope they belong to and nowhere else."""

from __future__ import annotations

import datetime as dt
import html
import shutil

import pandas as pd
import pytest

from ipsdash import access, charts, fmt
from ipsdash.delivery import check, deliver
from ipsdash.extract import data
from ipsdash.figures import events
from ipsdash.figures.kpis import Filters
from tests.apptest import app
from tests.builders import base_tables, d, write_extract
from tests.conftest import ROOT
from tests.test_deliver import write_csv
from tests.test_page_job import charts as page_charts


def event(day: str, text: str, municipality: int | None = None, grant: str | None = None) -> dict:
    return {"event_date": d(day), "municipality_code": municipality, "grant_id": grant, "text": text}


def with_events(rows: list[dict]) -> dict:
    tables = base_tables()
    tables["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-01-01")}
    )
    tables["events"] = rows
    return tables


# --- Checks on delivery ---------------------------------------------------------------------------


def test_a_valid_events_table_holds_and_an_absent_one_is_no_error(tmp_path):
    write_extract(tmp_path / "a", with_events([event("2024-03-01", "IPS startet", 630), event("2024-05-01", "Ny vej")]))
    assert check.check_extract(str(tmp_path / "a")) == []
    write_extract(tmp_path / "b", base_tables())
    assert check.check_extract(str(tmp_path / "b")) == []
    ex = data.open_extract(str(tmp_path / "b"))
    assert events.events_in(ex, dt.date(2000, 1, 1), dt.date(2030, 1, 1)).empty


def test_long_text_formulas_and_unknown_references_are_refused_by_row(tmp_path):
    rows = [
        event("2024-03-01", "x" * 200, 630),  # at most 200: fine
        event("2024-03-02", "x" * 201, 630),
        event("2024-03-03", "=HYPERLINK(\"http://x\")", 630),
        event("2024-03-04", " +45 12345678", None),
        event("2024-03-05", "@SUM(A1)", None, "G1"),
        event("2024-03-06", "Konsulent stoppet", 999),
        event("2024-03-07", "Ny bevilling", None, "NOPE"),
        event("2024-03-08", "Plus-variant: IPS+ startet", 630),  # a sign inside the text is fine
    ]
    write_extract(tmp_path, with_events(rows))
    found = {(p.table, p.column, p.rule): [r for r, _ in p.rows] for p in check.check_extract(str(tmp_path))}
    assert found == {
        ("events", "text", "text_length"): [2],
        ("events", "text", "formula_start"): [3, 4, 5],
        ("events", "municipality_code", "reference"): [6],
        ("events", "grant_id", "reference"): [7],
    }


def test_events_are_delivered_as_csv_and_read_back_as_plain_text(tmp_path):
    root = tmp_path / "data"
    src = write_extract(tmp_path / "src", with_events([]))
    assert deliver.deliver(sorted(src.glob("*.parquet")), root, user="test").applied
    rows = [event("2024-03-01", "Ny IPS-konsulent ansat", 630), event("2024-04-01", "<b>Fælles</b> uddannelse")]
    outcome = deliver.deliver([write_csv(tmp_path / "in" / "events.csv", "events", rows)], root, user="test")
    assert outcome.applied, outcome.lines()
    got = events.events_in(data.open_extract(str(root)), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert got["event_text"].tolist() == ["Ny IPS-konsulent ansat", "<b>Fælles</b> uddannelse"]
    assert got["municipality"].tolist() == ["Vejle", events.REGION]
    path = write_csv(tmp_path / "in2" / "events.csv", "events", [event("2024-05-01", "=1+1", 630)])
    refused = deliver.deliver([path], root, user="test")
    assert not refused.applied and {p.rule for p in refused.problems} == {"formula_start"}


# --- Scope and the rule of where an event shows -----------------------------------------------------

ROWS = [
    event("2024-03-01", "Vejle-hændelse", 630),
    event("2024-04-01", "Odense-hændelse", 461),
    event("2024-05-01", "Regionens hændelse"),
    event("2024-06-01", "Bevillingens hændelse", None, "G1"),
    event("2024-07-01", "Vejles bevillingshændelse", 630, "G1"),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["Vejle-hændelse", "Odense-hændelse", "Regionens hændelse", "Bevillingens hændelse",
                     "Vejles bevillingshændelse"]),
        (Filters(municipalities=(630,)), ["Vejle-hændelse", "Regionens hændelse", "Bevillingens hændelse",
                                          "Vejles bevillingshændelse"]),
        (Filters(municipalities=(461,)), ["Odense-hændelse", "Regionens hændelse", "Bevillingens hændelse"]),
        (Filters(grants=("G1",)), ["Bevillingens hændelse", "Vejles bevillingshændelse"]),
        (Filters(municipalities=(461,), grants=("G1",)), ["Bevillingens hændelse"]),
    ],
)  # fmt: skip
def test_a_view_shows_the_events_of_its_scope_and_no_others(tmp_path, filters, expected):
    write_extract(tmp_path, with_events(ROWS))
    got = events.events_in(data.open_extract(str(tmp_path)), dt.date(2024, 1, 1), dt.date(2024, 12, 31), filters)
    assert got["event_text"].tolist() == expected


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (access.Scope(access.MUNICIPALITY, municipalities=(461,)),
         ["Odense-hændelse", "Regionens hændelse", "Bevillingens hændelse"]),
        (access.Scope(access.FUNDER, grants=("G1",)), ["Bevillingens hændelse", "Vejles bevillingshændelse"]),
    ],
)  # fmt: skip
def test_a_limited_user_is_given_only_the_events_of_their_scope(tmp_path, scope, expected):
    write_extract(tmp_path, with_events(ROWS))
    ex = data.open_extract(str(tmp_path), scope)
    assert events.events_in(ex, dt.date(2024, 1, 1), dt.date(2024, 12, 31))["event_text"].tolist() == expected


def test_hover_text_is_escaped_and_marks_stay_within_the_time_axis(tmp_path):
    write_extract(tmp_path, with_events([*ROWS, event("2019-01-01", "Før aksen"),
                                         event("2024-02-01", "<img src=x onerror=alert(1)>", 630)]))
    ex = data.open_extract(str(tmp_path))
    found = events.events_in(ex, dt.date(2000, 1, 1), dt.date(2030, 1, 1))
    months = {"period_start": [dt.date(2024, m, 1) for m in range(1, 13)], "active": [5] * 12, "waiting": [5] * 12}
    fig = charts.mark_events(charts.monthly_counts(pd.DataFrame(months), ["active", "waiting"]), found)
    marks = [t for t in fig.data if t.name == charts.EVENTS_NAME]
    assert len(marks) == 1
    hover = list(marks[0].hovertext)
    assert len(hover) == 6  # "Før aksen" lies before the axis
    assert any("&lt;img src=x onerror=alert(1)&gt;" in h for h in hover)
    assert not any("<img" in h for h in hover)
    assert len(fig.layout.shapes) == 6


# --- On the pages ---------------------------------------------------------------------------------

PAGE_EVENTS = [
    event("2026-03-10", "Vejle: konsulent stoppet", 630),
    event("2026-04-10", "Odense: ny konsulent", 461),
    event("2026-05-10", "Regionen: ny henvisningsvej"),
    event("2026-06-10", "APMF: <i>midtvejsevaluering</i>", None, "APMF-2021"),
]


@pytest.fixture
def demo_with_events(tmp_path, monkeypatch):
    for path in (ROOT / "data").glob("*.parquet"):
        if path.stem != "events":
            shutil.copy(path, tmp_path / path.name)
    write_extract(tmp_path, {"events": PAGE_EVENTS})
    monkeypatch.setenv("IPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")  # a hand-made file makes it no longer the demo extract
    return tmp_path


def marked(at) -> list[set[str]]:
    """The events' texts marked on each time series of the page (charts with a shaded period)."""
    out = []
    for spec in page_charts(at):
        traces = [t for t in spec["data"] if t.get("name") == charts.EVENTS_NAME]
        out.append({h.split("<br>", 1)[1] for t in traces for h in t["hovertext"]})
    return out


@pytest.mark.parametrize(
    ("page", "query", "expected"),
    [
        ("pages/overblik.py", {}, {"Vejle: konsulent stoppet", "Odense: ny konsulent", "Regionen: ny henvisningsvej",
                                   "APMF: &lt;i&gt;midtvejsevaluering&lt;/i&gt;"}),
        ("pages/overblik.py", {"kommune": "Vejle"}, {"Vejle: konsulent stoppet", "Regionen: ny henvisningsvej",
                                                     "APMF: &lt;i&gt;midtvejsevaluering&lt;/i&gt;"}),
        ("pages/overblik.py", {"bevilling": "Udbredelse af IPS i Region Syddanmark (APMF-2021)"}, {"APMF: &lt;i&gt;midtvejsevaluering&lt;/i&gt;"}),
        ("pages/venteliste.py", {"kommune": "Odense"}, {"Odense: ny konsulent", "Regionen: ny henvisningsvej",
                                                        "APMF: &lt;i&gt;midtvejsevaluering&lt;/i&gt;"}),
    ],
)  # fmt: skip
def test_events_appear_on_the_time_series_of_their_scope_and_nowhere_else(demo_with_events, page, query, expected):
    at = app(page, **query)
    series = marked(at)
    assert series and all(s == expected for s in series[:2]), series
    # The list under each chart says the same, as plain text (Markdown signs escaped).
    listed = "\n".join(c.value for c in at.caption if c.value.startswith("▼"))
    for row in PAGE_EVENTS:
        shown = html.escape(row["text"]) in expected
        assert (fmt.plain(row["text"]) in listed) == shown, row["text"]


def test_a_period_without_events_gives_an_empty_table_with_the_columns(tmp_path):
    write_extract(tmp_path, with_events(ROWS))
    got = events.events_in(data.open_extract(str(tmp_path)), dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert got.empty and list(got.columns) == list(events.COLUMNS)
