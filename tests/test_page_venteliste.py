"""Indskrivning og venteliste under AppTest: across its filters, against the command line and the
ipsdash functions it draws from, for a small municipality, and without the optional tables."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from ipsdash import cli, fmt, texts
from ipsdash.app import ui
from ipsdash.extract import contract, data
from ipsdash.figures import catalog, filters, intake, kpis
from tests.apptest import app, metrics
from tests.conftest import ROOT

PAGE = "pages/venteliste.py"
VEJLE = 630


@pytest.fixture(scope="module")
def demo():
    ex = data.open_extract(str(ROOT / "data"))
    first, as_of = catalog.span(ex)
    return ex, filters.quick_periods(as_of, first)


def figures(at) -> list[dict]:
    """The Plotly figures the page sent to the browser, as JSON."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def trace(at, name: str) -> dict:
    found = [t for fig in figures(at) for t in fig["data"] if t.get("name") == name]
    assert len(found) == 1, f"{name!r} drawn {len(found)} times"
    return found[0]


def shown_text(value) -> str:
    """A protected count as the page's hover and tables write it."""
    return value if isinstance(value, str) else fmt.number(value)


def test_region_shows_cards_charts_and_tables():
    at = app(PAGE)
    assert at.title[0].value == "Indskrivning og venteliste"
    shown = metrics(at)
    # Cards carry the short names (texts.short), which fit a projector (issue 19).
    for key in ("waiting", "waiting_days_median", "referrals", "enrollments", "exits", "active", "caseload"):
        assert shown[texts.short(key)] not in ("", fmt.MISSING, fmt.HIDDEN), key
    assert len(figures(at)) == 5
    # The caseload chart carries the fidelity limit as a labelled line.
    caseload = next(f for f in figures(at) if any(t.get("name") == texts.label("caseload") for t in f["data"]))
    assert [s["y0"] for s in caseload["layout"]["shapes"] if s.get("y0") == s.get("y1")] == [contract.CASELOAD_LIMIT]
    assert any("20" in a["text"] for a in caseload["layout"]["annotations"])
    headers = [list(df.value.columns) for df in at.dataframe]
    assert ["Årsag", texts.short("exits"), texts.short("exit_share")] in headers
    assert any("Kommune" in h and texts.short("caseload") in h for h in headers)
    assert any(h[:2] == ["Opdeling", "Gruppe"] for h in headers)  # which breakdown each group belongs to


def test_vejle_cards_and_tables_equal_the_functions(demo):
    ex, periods = demo
    start, end = periods[filters.LAST_12_MONTHS]
    chosen = kpis.Filters(municipalities=(VEJLE,))
    at = app(PAGE, kommune="Vejle")
    assert at.caption[0].value.startswith("Vejle ·")
    shown = metrics(at)
    now = kpis.kpi_table(ex, start, end, filters=chosen, min_count=5).iloc[0]
    for key in ("waiting", "waiting_days_median", "referrals", "enrollments"):
        assert shown[texts.short(key)] == ui.display(key, now[key])
    load = intake.caseload_by_month(ex, start, end, (VEJLE,), min_count=5)
    assert shown[texts.short("caseload")] == ui.display("caseload", load["caseload"].iloc[-1])
    reasons = intake.exit_reasons_in_period(intake.exits_by_reason(ex, start, end, chosen, min_count=5))
    table = next(df.value for df in at.dataframe if df.value.columns[0] == "Årsag")
    assert table[texts.short("exits")].tolist() == [shown_text(v) for v in reasons["exits"]]
    staffing = next(df.value for df in at.dataframe if df.value.columns[0] == "Kommune")
    assert staffing["Kommune"].tolist() == ["Vejle"]
    # The monthly caseload line is intake's, month by month.
    line = trace(at, texts.label("caseload"))
    trend = intake.caseload_by_month(ex, intake.trend_start(ex, start, end, (VEJLE,)), end, (VEJLE,), min_count=5)
    assert line["text"] == [fmt.number(v, 1) for v in trend["caseload"]]


@pytest.mark.parametrize(
    "query",
    [
        {"kommune": "Vejle", "maalgruppe": "Misbrug", "periode": "Sidste år"},
        {"periode": "Hele perioden"},
        {"kommune": ["Odense", "Vejle"], "periode": "3. kvt. 2026", "variant": texts.VARIANTS["IPS+"]},
    ],
)
def test_waiting_list_by_month_equals_the_cli(capsys, demo, query):
    ex, periods = demo
    start, end = periods[query["periode"]]
    names = {v: k for k, v in catalog.municipality_names(ex).items()}
    chosen = query.get("kommune", [])
    codes = tuple(sorted(names[n] for n in ([chosen] if isinstance(chosen, str) else chosen)))
    trend_start = intake.trend_start(ex, start, end, codes)
    argv = ["kpis", "--by", "month", "--from", trend_start.isoformat(), "--to", end.isoformat()]
    argv += ["--data-dir", str(ROOT / "data")]
    for code in codes:
        argv += ["--municipality", str(code)]
    if "maalgruppe" in query:
        argv += ["--target-group", "misbrug"]
    if "variant" in query:
        argv += ["--variant", "IPS+"]
    assert cli.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)

    at = app(PAGE, **query)
    waiting = trace(at, texts.label("waiting"))
    assert [month for month, _ in waiting["customdata"]] == [
        fmt.month_name(dt.date.fromisoformat(r["period_start"])) for r in rows
    ]
    assert [text for _, text in waiting["customdata"]] == [shown_text(r["waiting"]) for r in rows]


def test_assens_small_numbers_are_hidden_everywhere():
    at = app(PAGE, kommune="Assens")
    hidden = {texts.short(k) for k in ("waiting_days_median", "waiting_days_p90", "caseload")}
    assert hidden <= set(metrics(at))
    for label, value in metrics(at).items():
        if label in hidden:
            # Medians over fewer than 5 courses, caseload over a hidden count: hidden, not "cannot be computed".
            assert value == fmt.HIDDEN, label
        else:
            assert value in ("<5", "0") or int(value.replace(".", "")) >= 5, label
    # Every table: no person count from 1 to 4 (FTE, written with a decimal comma, is no person count).
    for df in at.dataframe:
        for col in df.value.columns:
            for cell in df.value[col]:
                if isinstance(cell, str) and re.fullmatch(r"\d+", cell):
                    assert not 1 <= int(cell) <= 4, (col, cell)
    # No chart of nothing: every monthly figure of Assens is 0 or hidden.
    assert figures(at) == []
    assert sum(i.value == texts.NOTHING_TO_DRAW for i in at.info) == 5  # said where each chart would be (ui.chart)


def test_period_and_target_group_change_the_figures(demo):
    _, periods = demo
    everyone = metrics(app(PAGE, kommune="Vejle"))[texts.short("referrals")]
    misbrug = metrics(app(PAGE, kommune="Vejle", maalgruppe="Misbrug"))[texts.short("referrals")]
    assert everyone != misbrug
    for periode in ("I år", "Sidste år", "1. kvt. 2026", "Hele perioden"):
        at = app(PAGE, kommune="Vejle", periode=periode)
        assert fmt.period(*periods[periode]) in at.caption[0].value


def test_a_planned_municipality_says_so_and_draws_nothing():
    at = app(PAGE, kommune="Svendborg")
    assert any(i.value.startswith("Svendborg: IPS var ikke startet") for i in at.info)
    assert figures(at) == [] and len(at.metric) == 0


def test_without_staffing_the_page_says_so(tmp_path, monkeypatch):
    for path in (ROOT / "data").glob("*.parquet"):
        if path.stem not in ("staffing", "fidelity_reviews"):
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setenv("IPS_DATA_DIR", str(tmp_path))
    at = app(PAGE, kommune="Vejle")
    assert any(i.value == texts.NO_STAFFING for i in at.info)
    assert metrics(at)[texts.label("caseload")] == "–"
    assert len(figures(at)) == 4  # no caseload chart, and no empty one
    assert not any(df.value.columns[0] == "Kommune" for df in at.dataframe)
