"""The "Kommuner" page under AppTest: its tables equal the command line's, and a municipality chosen
in the filter bar is highlighted, never the only one shown."""

from __future__ import annotations

import pandas as pd
import pytest

from ipsdash import fmt, texts
from ipsdash.app import ui
from ipsdash.extract import data
from ipsdash.figures import catalog, filters, kpis, outcomes
from tests.apptest import app
from tests.conftest import ROOT
from tests.test_page_job import charts, cli, period, values

PAGE = "pages/kommuner.py"
NAME = {"municipality": "Kommune"}


def tables(at) -> dict[str, object]:
    """The page's tables by their heading: results, courses, changes."""
    results, courses, changes = (d.value for d in at.dataframe)
    return {"results": results, "courses": courses, "changes": changes}


def expected(rows: list[dict], keys, names: list[str]) -> list[dict]:
    """The command line's figures as the table shows them, one dict per row."""
    df = pd.DataFrame(rows).drop(columns=["municipality"], errors="ignore")
    df.insert(0, "municipality", names)
    return ui.figure_table(df, list(keys), first=NAME).to_dict(orient="records")


def without_marks(row: dict) -> dict:
    """A row with "skjult" and "–" alike, as the command line's JSON has them (null)."""
    return {k: fmt.MISSING if v == fmt.HIDDEN else v for k, v in row.items()}


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ({}, ()),
        ({"maalgruppe": "Misbrug"}, ("--target-group", "misbrug")),
        ({"variant": "IPS+ (med kognitiv og social træning)"}, ("--variant", "IPS+")),
        # A chosen municipality changes nothing in the figures: every municipality is still shown.
        ({"kommune": "Vejle"}, ()),
        ({"kommune": ["Assens", "Vejle"], "maalgruppe": "Psykisk lidelse"}, ("--target-group", "psykiatri")),
    ],
)
def test_tables_equal_the_command_line(query, args):
    start, end = period(filters.LAST_YEAR)
    at = app(PAGE, periode=filters.LAST_YEAR, **query)
    shown = tables(at)
    region = cli(start, end, "--by", "none", *args)[0]
    # The command line lists by code; the page in the one order of municipalities: by name (catalog.in_order).
    municipalities = sorted(cli(start, end, "--by", "municipality", *args), key=lambda m: catalog.name_key(m["municipality"]))
    names = [outcomes.REGION] + [m["municipality"] for m in municipalities]
    statuses = list(shown["courses"]["IPS-start"])
    # The page tells a hidden figure ("skjult") from one that cannot be computed ("–"), as the
    # function gives them (None, NaN); the command line's JSON writes null for both.
    options = dict(zip(args[::2], args[1::2]))
    f = kpis.Filters(target_group=options.get("--target-group"), variant=options.get("--variant"))
    table = outcomes.municipality_table(data.get_extract(str(ROOT / "data")), start, end, filters=f, min_count=5)
    planned = table["status"] == outcomes.STATUS_PLANNED
    for part, keys in (("results", outcomes.RESULT_FIGURES), ("courses", outcomes.COURSE_FIGURES)):
        page = shown[part].drop(columns=["IPS-start"], errors="ignore").to_dict(orient="records")
        assert page == ui.figure_table(table, list(keys), first=NAME, not_started=planned).to_dict(orient="records")
        want = expected([region, *municipalities], keys, names)
        assert len(page) == len(want) == 1 + len(municipalities)
        for status, mine, theirs in zip(statuses, page, want):
            if status == outcomes.STATUS_PLANNED:
                # A planned municipality: the command line's zeros, the page's "ikke startet" under "Planlagt".
                assert set(theirs.values()) - {mine["Kommune"]} <= {"0", fmt.MISSING, fmt.HIDDEN}
                assert set(mine.values()) - {mine["Kommune"]} == {fmt.NOT_STARTED}
            else:
                assert without_marks(mine) == without_marks(theirs)


def test_every_kpi_is_in_one_of_the_two_tables():
    shown = set(outcomes.RESULT_FIGURES) | set(outcomes.COURSE_FIGURES)
    assert shown | {"placement_rate_low", "placement_rate_high"} == set(kpis.FIGURES)


def test_a_chosen_municipality_is_highlighted_not_filtered():
    at = app(PAGE, kommune="Vejle")
    results = at.dataframe[0]
    assert len(results.value) == 16  # the region and all fifteen municipalities
    # Vejle stands out in the table (a shaded row) and in the funnel plot (the primary colour).
    styles = results.proto.arrow_data.styler.styles
    vejle = list(results.value["Kommune"]).index("Vejle")
    shaded = [line for line in styles.splitlines() if "background-color" in line]
    assert len(shaded) == 1 and f"_row{vejle}_col0," in shaded[0]
    assert "_row0_col0," in next(line for line in styles.splitlines() if "font-weight" in line)  # the region
    funnel = charts(at)[0]
    points = funnel["data"][-1]
    colours = dict(zip(points["text"], points["marker"]["color"]))
    assert colours["Vejle"] != colours["Odense"]
    assert "fremhævet: Vejle" in " ".join(c.value for c in at.caption)


def test_funnel_plot_shows_only_shown_rates_and_names_the_others():
    start, end = period(filters.LAST_12_MONTHS)
    at = app(PAGE)
    funnel = charts(at)[0]
    points = funnel["data"][-1]
    table = {m["municipality"]: m for m in cli(start, end, "--by", "municipality")}
    drawn = dict(zip(points["text"], values(points["y"])))
    for name, rate in drawn.items():
        assert rate == pytest.approx(table[name]["placement_rate"])
    hidden = [n for n, m in table.items() if m["placement_rate"] is None]
    assert not set(hidden) & set(drawn)
    summary = " ".join(m.value for m in at.markdown)
    for name in hidden:
        assert name in summary
    # The limits are drawn around the region's rate, which the legend names.
    region = cli(start, end, "--by", "none")[0]
    assert any(t.get("name") == f"Regionen: {ui.display('placement_rate', region['placement_rate'])}"
               for t in funnel["data"])


def test_changes_table_compares_with_the_previous_period():
    start, end = period(filters.LAST_YEAR)
    prev = filters.Selection(start, end).previous()
    prev_start, prev_end = prev.start, prev.end
    at = app(PAGE, periode=filters.LAST_YEAR)
    changes = tables(at)["changes"].set_index("Kommune")
    before = {m["municipality"]: m for m in cli(prev_start, prev_end, "--by", "municipality")}
    now = {m["municipality"]: m for m in cli(start, end, "--by", "municipality")}
    label = texts.short("placement_rate_change")
    for name, row in changes.iterrows():
        if name == outcomes.REGION:
            continue
        a, b = now[name]["placement_rate"], before[name]["placement_rate"]
        assert row[label] == (ui.change_text("placement_rate_change", a - b) if a is not None and b is not None else "–")


def test_waiting_small_multiples_equal_kpi_table_by_month():
    at = app(PAGE, kommune="Odense")
    multiples = charts(at)[1]
    lines = {t["name"]: t for t in multiples["data"] if t.get("type") == "scatter" and t.get("name")}
    assert "Odense" in lines and "Vejle" in lines and "Svendborg" not in lines  # planned: no panel
    start, end = period(filters.LAST_12_MONTHS)
    trend_start = min(start, filters.add_months(end, -23).replace(day=1))
    odense = kpis.kpi_table(data.get_extract(str(ROOT / "data")), trend_start, end, by="month",
                            filters=kpis.Filters(municipalities=(461,)), min_count=5)
    assert [d[1] for d in lines["Odense"]["customdata"]] == [
        v if isinstance(v, str) else ui.display("waiting", v) for v in odense["waiting"]
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"kommune": "Assens", "periode": filters.THIS_YEAR},
        {"kommune": "Svendborg"},
        {"maalgruppe": "Misbrug", "periode": filters.WHOLE_LIFE},
        {"periode": filters.LAST_YEAR, "variant": "IPS"},
    ],
)
def test_renders_across_filters(query):
    at = app(PAGE, **query)
    # The municipality chosen is in the page's title (issue 19).
    assert at.title[0].value == "Kommuner" + (f" – {query['kommune']}" if "kommune" in query else "")
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) == 3
