"""The "Job og uddannelse" page under AppTest: its cards equal the command line's, across the filter bar."""

from __future__ import annotations

import base64
import functools
import json
import subprocess
import sys

import numpy as np
import pytest

from ipsdash import fmt, texts
from ipsdash.app import ui
from ipsdash.extract import data
from ipsdash.figures import catalog, filters, kpis, outcomes
from tests.apptest import app, metrics
from tests.conftest import ROOT

PAGE = "pages/job.py"
CARDS = ("placement_rate", "job_rate", "education_rate", "job_starts", "days_to_first_placement_median",
         "active_in_period")


def period(label: str):
    first, as_of = catalog.span(data.get_extract(str(ROOT / "data")))
    return filters.quick_periods(as_of, first)[label]


@functools.cache
def command_line(*argv: str) -> str:
    """What `python -m ipsdash ARGV` prints, run once per ARGV in a test process (the committed demo
    extract never changes during the tests, so the same command prints the same)."""
    return subprocess.run([sys.executable, "-m", "ipsdash", *argv], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def cli(start, end, *args) -> list[dict]:
    """`python -m ipsdash kpis` on the demo extract, as JSON."""
    return json.loads(command_line("kpis", "--from", start.isoformat(), "--to", end.isoformat(),
                                   "--data-dir", str(ROOT / "data"), "--format", "json", *args))


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(array) -> list:
    """A Plotly JSON array as a list: plain, or typed ({"dtype", "bdata"}, base64) as Plotly 6+ writes numpy arrays."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ({}, ()),
        ({"kommune": "Vejle"}, ("--municipality", "630")),
        ({"maalgruppe": "Misbrug"}, ("--target-group", "misbrug")),
        ({"kommune": "Odense", "variant": "IPS+ (med kognitiv og social træning)"},
         ("--municipality", "461", "--variant", "IPS+")),
    ],
)
def test_cards_equal_the_command_line(query, args):
    start, end = period(filters.LAST_YEAR)
    at = app(PAGE, periode=filters.LAST_YEAR, **query)
    shown = metrics(at)
    row = cli(start, end, "--by", "none", *args)[0]
    # Cards carry the short names (texts.short), which fit a projector (issue 19).
    assert {k: shown[texts.short(k)] for k in CARDS} == {k: ui.display(k, row[k]) for k in CARDS}
    # The placement rate's interval under its card, as the command line gives it.
    if row["placement_rate_low"] is not None:
        interval = fmt.interval(row["placement_rate_low"], row["placement_rate_high"])
        assert any(c.value == f"95 %-interval {interval}" for c in at.caption)


def test_the_page_on_the_demo_extract():
    at = app(PAGE)
    assert at.title[0].value == "Job og uddannelse"
    specs = charts(at)
    assert len(specs) == 4  # quarterly rate, starts by month, days to first job by quarter, hours
    annotations = [a.get("text") for a in specs[0]["layout"].get("annotations", [])]
    for ref in outcomes.REFERENCES:
        assert ref.label in annotations
    # The sources are listed under the chart, and the two measures are told apart.
    text = " ".join(m.value for m in at.markdown)
    for source in outcomes.SOURCES:
        assert source.citation in text
    assert "18 måneder" in text and "ét kvartal" in text
    # At least the eight quarters up to the period's end.
    assert len(specs[0]["data"][2]["x"]) >= 8


def test_references_can_be_left_out():
    at = app(PAGE)
    at.button_group(key="job_references").set_value(["danish_trial"]).run()
    assert not at.exception
    annotations = [a.get("text") for a in charts(at)[0]["layout"].get("annotations", [])]
    assert annotations == ["47 % almindelig indsats (18 mdr.)", "60 % med IPS (18 mdr.)"]


@pytest.mark.parametrize(
    "query",
    [
        {"kommune": "Assens", "periode": filters.THIS_YEAR},
        {"kommune": "Nordfyns", "maalgruppe": "Misbrug"},
        {"periode": filters.WHOLE_LIFE},
        {"kommune": ["Vejle", "Odense"], "periode": filters.LAST_YEAR, "variant": "IPS"},
    ],
)
def test_small_and_large_selections_render_and_show_no_small_counts(query):
    at = app(PAGE, **query)
    specs = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    # A chart with nothing shown and not zero says so instead of drawing an empty axis (issue 19).
    said = [i.value for i in at.info].count(texts.NOTHING_TO_DRAW)
    assert len(specs) + said == 4, (list(specs), said)
    # Person counts drawn as bars (job starts by month, hours): none from 1 to 4 reaches the browser.
    for key in ("job_starts_by_month", "job_hours"):
        if key in specs:
            drawn = [y for y in values(specs[key]["data"][0]["y"]) if y is not None and not np.isnan(y)]
            assert not [y for y in drawn if 1 <= y < 5], drawn
    shown = metrics(at)
    for key in ("job_starts", "active_in_period"):
        value = shown[texts.short(key)]
        assert value in ("<5", fmt.HIDDEN, "0") or int(value.replace(".", "")) >= 5


def test_hours_chart_equals_hours_table():
    start, end = period(filters.LAST_12_MONTHS)
    at = app(PAGE, kommune="Vejle")
    hours = outcomes.hours_table(data.get_extract(str(ROOT / "data")), start, end,
                                 filters=kpis.Filters(municipalities=(630,)), min_count=5)
    bars = charts(at)[3]["data"][0]
    assert bars["x"] == list(hours["label"])
    assert bars["text"] == [v if isinstance(v, str) else fmt.number(v) for v in hours["courses"]]


def test_a_planned_municipality_says_so_instead_of_empty_charts():
    at = app(PAGE, kommune="Svendborg")
    assert any("Svendborg (planlagt)" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    at = app(PAGE, kommune=["Svendborg", "Vejle"])
    assert any("Svendborg (planlagt)" in i.value and "øvrige" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 4
