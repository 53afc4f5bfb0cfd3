"""The "Forløb over tid" page under AppTest: its cohort figures equal the command line's, for the
region and for one municipality; cohorts not yet followed are said so, never drawn as a dip."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from ipsdash import fmt, texts
from ipsdash.extract import data
from ipsdash.figures import catalog, cohorts, filters, outcomes
from tests.apptest import app
from tests.conftest import ROOT
from tests.test_page_job import charts, command_line, values

PAGE = "pages/forloeb.py"


def cli(start, end, *args) -> list[dict]:
    """`python -m ipsdash cohorts` on the demo extract, as JSON."""
    return json.loads(command_line("cohorts", "--from", start.isoformat(), "--to", end.isoformat(),
                                   "--data-dir", str(ROOT / "data"), *args))


def shown_cell(row: dict, n: int) -> str:
    """A rate as the page shows it; the command line writes null for not followed, hidden and none started."""
    if row[f"rate_{n}m"] is None:
        if row[f"placed_{n}m"] is None and row["enrolled"] is not None:
            return cohorts.NOT_FOLLOWED_TEXT
        return fmt.MISSING if row["enrolled"] == 0 else fmt.HIDDEN  # nothing to take a share of, or hidden
    return f"{fmt.percent(row[f'rate_{n}m'])} {fmt.interval(row[f'rate_{n}m_low'], row[f'rate_{n}m_high'])}"


@pytest.mark.parametrize(("query", "args"), [({}, ()), ({"kommune": "Vejle"}, ("--municipality", "630"))])
def test_the_table_and_chart_equal_the_command_line(query, args):
    at = app(PAGE, **query)
    # The municipality chosen is in the page's title (issue 19).
    assert at.title[0].value == "Forløb over tid" + (f" – {query['kommune']}" if query else "")
    sel = at.session_state["selection"]
    start = outcomes.quarters_start(sel.start, sel.end, quarters=12)
    rows = cli(start, sel.end, *args)
    table = at.dataframe[0].value
    table = getattr(table, "data", table)  # a Styler when rows are marked
    assert list(table["Årgang"]) == [fmt.quarter_label(dt.date.fromisoformat(r["cohort_start"])) for r in rows]
    assert list(table["Startede"]) == [r["enrolled"] if isinstance(r["enrolled"], str)
                                       else fmt.HIDDEN if r["enrolled"] is None else fmt.number(r["enrolled"])
                                       for r in rows]
    for n in cohorts.DEFAULT_WITHIN:
        assert list(table[f"Inden for {n} mdr."]) == [shown_cell(r, n) for r in rows]
    # The chart: a line per N, a point only where the command line gives a rate.
    lines = [t for t in charts(at)[0]["data"] if str(t.get("name", "")).startswith("Inden for")]
    assert [t["name"] for t in lines] == [f"Inden for {n} mdr." for n in cohorts.DEFAULT_WITHIN]
    for n, line in zip(cohorts.DEFAULT_WITHIN, lines):
        drawn = [None if y is None or math.isnan(y) else round(y, 9) for y in values(line["y"])]
        assert drawn == [None if r[f"rate_{n}m"] is None else round(r[f"rate_{n}m"], 9) for r in rows]


def test_not_followed_cohorts_are_named_and_the_trial_is_labelled_with_its_source():
    at = app(PAGE)
    ex = data.get_extract(str(ROOT / "data"))
    as_of = catalog.span(ex)[1]
    note = next(c.value for c in at.caption if c.value.startswith("Ikke fulgt længe nok endnu"))
    assert fmt.date_long(as_of) in note
    # The newest cohorts, named by the first of them for each N (not a list of every quarter).
    sel = at.session_state["selection"]
    table_rows = cohorts.cohort_table(ex, outcomes.quarters_start(sel.start, sel.end, quarters=12), sel.end, min_count=5)
    first = {n: min(days) for n, days in cohorts.unfollowed(table_rows, cohorts.DEFAULT_WITHIN).items()}
    assert first and all(f"{n} mdr. fra {fmt.quarter_label(d)}" in note for n, d in first.items())
    table = at.dataframe[0].value
    assert cohorts.NOT_FOLLOWED_TEXT in list(table["Inden for 18 mdr."])
    specs = charts(at)
    assert len(specs) == 2
    annotations = [a.get("text") for a in specs[0]["layout"].get("annotations", [])]
    trial = outcomes.source("danish_trial")
    assert "60 % med IPS (18 mdr.)" in annotations and "47 % almindelig indsats (18 mdr.)" in annotations
    assert trial.name in [t.get("name") for t in specs[0]["data"]]
    assert any(trial.citation in c.value for c in at.caption)
    # The curve: a line per year of start, none longer than its cohort has been followed.
    curves = [t for t in specs[1]["data"] if str(t.get("name", "")).startswith("Startet i")]
    assert curves
    for line in curves:
        year = int(line["name"].split()[-1])
        months = values(line["x"])
        last_day = min(dt.date(year, 12, 31), at.session_state["selection"].end)
        assert all(filters.add_months(last_day, int(m)) <= as_of for m in months), (year, months)
    assert texts.label("cohort_curve") in [s.value for s in at.subheader]


def test_a_planned_municipality_renders_without_figures():
    at = app(PAGE, kommune="Svendborg")
    table = at.dataframe[0].value
    assert set(table["Startede"]) == {"0"}


def test_a_small_municipality_says_there_is_nothing_to_draw():
    # Assens this year: every cohort rate is hidden, not started or not followed yet (issue 19: no empty axes).
    at = app(PAGE, kommune="Assens", periode=filters.THIS_YEAR)
    assert at.title[0].value == "Forløb over tid – Assens"
    table = at.dataframe[0].value
    shares = {v for c in table.columns if c.startswith("Inden for") for v in table[c]}
    assert shares <= {fmt.HIDDEN, fmt.MISSING, cohorts.NOT_FOLLOWED_TEXT} and fmt.HIDDEN in shares
    assert [i.value for i in at.info].count(texts.NOTHING_TO_DRAW) == 2
    assert not at.get("plotly_chart")
    assert any(texts.MARKS.format(t=5, t_minus=4) in c.value for c in at.caption)  # the marks explained


def test_a_cohort_quarter_the_period_cuts_short_is_marked():
    import datetime as dt

    import pandas as pd

    from ipsdash import charts

    df = pd.DataFrame({"cohort_start": [dt.date(2026, 7, 1), dt.date(2026, 10, 1)], "months": [6, 6],
                       "rate": [0.4, None], "rate_low": [0.3, None], "rate_high": [0.5, None]})
    fig = charts.cohort_rates(df, end=dt.date(2026, 10, 31))
    assert list(fig.layout.xaxis.categoryarray) == ["3. kvt. 2026", "4. kvt. 2026 *"]
