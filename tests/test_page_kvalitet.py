"""Kvalitet under AppTest: fidelity and consultants for the region and one municipality, the
municipality filter (and only it), and an extract without the optional tables."""

from __future__ import annotations

import json
import shutil

import pytest

from ipsdash import fmt, texts
from ipsdash.app import ui
from ipsdash.extract import data
from ipsdash.figures import catalog, filters, intake
from tests.apptest import app
from tests.conftest import ROOT

PAGE = "pages/kvalitet.py"


@pytest.fixture(scope="module")
def demo():
    ex = data.open_extract(str(ROOT / "data"))
    first, as_of = catalog.span(ex)
    return ex, filters.quick_periods(as_of, first)


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def table(at, first_column: str, containing: str):
    return next(df.value for df in at.dataframe if df.value.columns[0] == first_column and containing in df.value)


def test_region_fidelity_per_municipality_on_the_level_bands(demo):
    ex, periods = demo
    end = periods[filters.LAST_12_MONTHS][1]
    at = app(PAGE)
    assert at.title[0].value == "Kvalitet"
    fidelity = figures(at)[0]
    reviewed = sorted(intake.fidelity_reviews(ex, end, min_count=5)["municipality"].unique())
    assert [t["name"] for t in fidelity["data"]] == reviewed
    # Four bands per small chart, one per level of the contract.
    assert len(fidelity["layout"]["shapes"]) == 4 * len(reviewed)
    assert {a["text"] for a in fidelity["layout"]["annotations"]} >= {"eksemplarisk", "god", "rimelig", "ikke IPS"}
    latest = table(at, "Kommune", texts.label("fidelity"))
    expected = intake.fidelity_latest(ex, end, min_count=5)
    assert latest["Kommune"].tolist() == expected["municipality"].tolist()
    assert latest["Niveau"].tolist() == expected["fidelity_level"].tolist()
    assert latest[texts.label("fidelity")].tolist() == [ui.display("fidelity", v) for v in expected["fidelity"]]


def test_vejle_one_chart_and_its_newest_review(demo):
    ex, periods = demo
    at = app(PAGE, kommune="Vejle")
    assert [t["name"] for t in figures(at)[0]["data"]] == ["Vejle"]
    latest = table(at, "Kommune", texts.label("fidelity"))
    row = intake.fidelity_latest(ex, periods[filters.LAST_12_MONTHS][1], (630,), min_count=5).iloc[0]
    assert latest.iloc[0].tolist()[:4] == [
        "Vejle",
        row.fidelity_level,
        fmt.date_short(row.review_date),
        str(row.fidelity),
    ]
    # Last year's end: the review of October 2026 is not yet there.
    before = table(app(PAGE, kommune="Vejle", periode="Sidste år"), "Kommune", texts.label("fidelity"))
    row = intake.fidelity_latest(ex, periods["Sidste år"][1], (630,), min_count=5).iloc[0]
    assert before.iloc[0][texts.label("fidelity")] == str(row.fidelity)
    assert fmt.as_date(row.review_date) <= periods["Sidste år"][1]


def test_consultants_by_month_equal_the_staffing_rows(demo):
    ex, periods = demo
    start, end = periods[filters.LAST_12_MONTHS]
    at = app(PAGE, kommune="Vejle")
    trained = next(t for f in figures(at) for t in f["data"] if t.get("name") == texts.label("consultants_trained"))
    load = intake.caseload_by_month(ex, intake.trend_start(ex, start, end, (630,)), end, (630,), min_count=5)
    assert [text for _, text in trained["customdata"]] == [fmt.number(v) for v in load["consultants_trained"]]
    # The column's header is the short name (texts.short), the full name in its help (issue 19).
    per_municipality = table(at, "Kommune", texts.short("consultants_fte"))
    assert per_municipality[texts.short("consultants_fte")].tolist() == ["8,5"]


def test_only_the_municipality_filter_applies():
    plain = app(PAGE, kommune="Vejle")
    narrowed = app(PAGE, kommune="Vejle", maalgruppe="Misbrug", variant=texts.VARIANTS["IPS+"])
    assert [df.value.to_dict() for df in plain.dataframe] == [df.value.to_dict() for df in narrowed.dataframe]


def test_a_municipality_without_reviews_and_one_without_ips():
    at = app(PAGE, kommune="Assens")
    assert any(i.value == texts.NO_REVIEWS_CHOSEN for i in at.info)
    latest = table(at, "Kommune", texts.label("fidelity"))
    assert latest["Niveau"].tolist() == [texts.NO_REVIEW_YET]
    at = app(PAGE, kommune="Svendborg")
    assert any(i.value.startswith("Svendborg: IPS var ikke startet") for i in at.info)
    assert figures(at) == [] and len(at.dataframe) == 0


def test_without_the_optional_tables_the_page_says_so(tmp_path, monkeypatch):
    for path in (ROOT / "data").glob("*.parquet"):
        if path.stem not in ("staffing", "fidelity_reviews"):
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setenv("IPS_DATA_DIR", str(tmp_path))
    for query in ({}, {"kommune": "Vejle"}):
        at = app(PAGE, **query)
        infos = [i.value for i in at.info]
        assert texts.NO_FIDELITY in infos and texts.NO_STAFFING in infos
        assert figures(at) == [] and len(at.dataframe) == 0
