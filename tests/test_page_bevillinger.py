"""The Bevillinger page under AppTest on the demo extract, across its filters, against the CLI.

The page's funding figures must equal `python -m ipsdash funding --on <period end>`: the same
function (funding.funding_table) computes both, and these tests hold the page to it.
"""

import datetime as dt
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures import catalog, grants
from tests.apptest import app, metrics
from tests.conftest import ROOT

PAGE = "pages/bevillinger.py"
APMF = "Udbredelse af IPS i Region Syddanmark (APMF-2021)"
RSD = "Regional medfinansiering af IPS 2022-2026 (RSD-2022)"


@pytest.fixture(scope="module")
def as_of():
    return catalog.span(data.get_extract())[1]


def cli_funding(on: dt.date, by: str, grant: str) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "ipsdash", "funding", "--on", on.isoformat(), "--by", by, "--grant", grant],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def shown_count(value) -> str:
    """A count as the page shows it: hidden ones as they are ("<5"), hidden-with-another as "–"."""
    return value if isinstance(value, str) else fmt.number(value)


def table_with(at, header: str):
    """The first table on the page with a column `header`, as a DataFrame of what it shows."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {header!r}")


def assert_cards_equal_cli(at, on: dt.date, grant_id: str):
    row = cli_funding(on, "grant", grant_id)[0]
    shown = metrics(at)
    assert shown["Bevilling"] == fmt.dkk(row["budget_dkk"])
    assert shown["Forbrugt"] == fmt.dkk(row["spent_dkk"])
    assert shown["Tilbage af budgettet"] == fmt.dkk(row["budget_dkk"] - row["spent_dkk"])
    assert shown["Månedligt forbrug"] == fmt.dkk(row["monthly_burn_dkk"])
    depletion = row["projected_depletion"]
    assert shown["Forventet opbrugt"] == (fmt.date_medium(dt.date.fromisoformat(depletion)) if depletion else "–")
    assert shown["Finansierede forløb"] == shown_count(row["courses"])
    assert shown["Heraf i job eller uddannelse"] == shown_count(row["placed"])
    assert shown["Pris pr. forløb"] == fmt.dkk(row["cost_per_course_dkk"])
    assert shown["Pris pr. job/uddannelse"] == fmt.dkk(row["cost_per_placement_dkk"])


def assert_municipalities_equal_cli(at, on: dt.date, grant_id: str, only: set[str] | None = None):
    names = catalog.municipality_names(data.get_extract())
    rows = [r for r in cli_funding(on, "municipality", grant_id) if r["municipality_code"] is not None]
    money = table_with(at, "Budget (kr.)").set_index("Kommune")
    heads = table_with(at, "Finansierede forløb").set_index("Kommune")
    expected = {names[r["municipality_code"]] for r in rows}
    assert set(money.index) == (expected if only is None else only)
    for r in rows:
        name = names[r["municipality_code"]]
        if name not in money.index:
            continue
        assert money.loc[name, "Budget (kr.)"] == fmt.number(r["budget_dkk"])
        assert money.loc[name, "Forbrugt (kr.)"] == fmt.number(r["spent_dkk"])
        assert money.loc[name, "Forbrugsgrad"] == fmt.percent(r["use"])
        assert money.loc[name, "Månedligt forbrug (kr.)"] == fmt.number(r["monthly_burn_dkk"])
        assert heads.loc[name, "Finansierede forløb"] == shown_count(r["courses"])  # None (hidden with another): –
        assert heads.loc[name, "Heraf i job eller uddannelse"] == shown_count(r["placed"])
        assert heads.loc[name, "Pris pr. forløb (kr.)"] == fmt.number(r["cost_per_course_dkk"])
    central = next(r for r in cli_funding(on, "municipality", grant_id) if r["municipality_code"] is None)
    part = table_with(at, "Del").iloc[0]
    assert (part["Budget (kr.)"], part["Forbrugt (kr.)"]) == (fmt.number(central["budget_dkk"]),
                                                              fmt.number(central["spent_dkk"]))


def test_one_grant_equals_the_cli_on_the_period_end(as_of):
    at = app(PAGE, bevilling=APMF)
    assert at.title[0].value == "Bevillinger"
    assert at.main.subheader[0].value == "Udbredelse af IPS i Region Syddanmark"
    # Names and titles are Markdown that shows them as written (fmt.plain).
    about = next(m.value for m in at.markdown if fmt.plain("Den A.P. Møllerske Støttefond") in m.value)
    assert "2.400.000 kr." in about and "1. juli 2021 – 30. juni 2027" in about
    assert_cards_equal_cli(at, as_of, "APMF-2021")
    assert_municipalities_equal_cli(at, as_of, "APMF-2021")
    assert len(at.get("plotly_chart")) == 3  # budget bars, burn-down, months
    assert len(at.tabs) == 0


def test_the_period_end_is_the_day_of_funding(as_of):
    at = app(PAGE, bevilling=RSD, periode="Sidste år")
    last_year_end = dt.date(as_of.year - 1, 12, 31)
    assert f"opgjort {fmt.date_long(last_year_end)}" in " ".join(c.value for c in at.caption)
    assert_cards_equal_cli(at, last_year_end, "RSD-2022")
    assert_municipalities_equal_cli(at, last_year_end, "RSD-2022")


def test_the_outlook_says_before_or_after_the_end_date_and_by_how_much(as_of):
    at = app(PAGE, bevilling=APMF)
    o = grants.grant_outlook(data.get_extract(), as_of, "APMF-2021")
    boxes = [b.value for b in (*at.info, *at.warning)]
    assert grants.outlook_text(o) in boxes
    text = grants.outlook_text(o)
    assert ("før" in text or "efter slutdatoen" in text) and "kr." in text


def test_all_grants_one_tab_each_with_an_overview(as_of):
    at = app(PAGE)
    overview = table_with(at, "Opbrugt mod slutdato")
    assert list(overview["Bevilling"]) == list(catalog.grants(data.get_extract())["title"])
    # Titles on tabs and headings are Markdown showing them as written (fmt.plain).
    ids = catalog.grants(data.get_extract())["grant_id"]
    assert [t.label for t in at.tabs] == [f"{fmt.plain(t)} ({fmt.plain(g)})" for g, t in zip(ids, overview["Bevilling"])]
    # Only the open tab is drawn, the first at first; another tab drawn on its own when opened.
    assert [s.value for s in at.main.subheader] == [fmt.plain(overview["Bevilling"][0])]
    assert len(at.get("plotly_chart")) == 3
    at.session_state["bevilling_fane"] = f"{fmt.plain('Regional medfinansiering af IPS 2022-2026')} ({fmt.plain('RSD-2022')})"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.main.subheader] == [fmt.plain("Regional medfinansiering af IPS 2022-2026")]
    assert_cards_equal_cli(at, as_of, "RSD-2022")
    assert len(at.get("plotly_chart")) == 3


def test_a_municipality_filter_narrows_the_tables_but_never_the_grant(as_of):
    at = app(PAGE, bevilling=RSD, kommune="Vejle")
    assert_cards_equal_cli(at, as_of, "RSD-2022")  # the whole grant, whatever the filter
    assert_municipalities_equal_cli(at, as_of, "RSD-2022", only={"Vejle"})
    assert any("Tilbage af budgettet – Vejle" in m.value for m in at.markdown)
    assert any("Budgettet er brugt op" in w.value for w in at.warning)  # Vejle has overspent its part
    categories = table_with(at, "Løn (kr.)")
    assert list(categories["Kommune"]) == ["Vejle", grants.CENTRAL, grants.TOTAL]


def test_a_municipality_without_a_budget_in_the_grant_is_named():
    at = app(PAGE, bevilling=APMF, kommune="Vejle")
    assert any("Vejle: intet budget og intet forbrug" in i.value for i in at.info)
    assert not any("Budget (kr.)" in f.value.columns and "Kommune" in f.value.columns for f in at.dataframe)


def test_a_day_before_the_grant_began():
    at = app(PAGE, bevilling=APMF, periode="Vælg datoer", datoer=["2021-01-01", "2021-03-31"])
    assert any("begynder 1. juli 2021" in i.value for i in at.info)
    assert metrics(at)["Forbrugt"] == "0 kr."
    # No empty time charts: the page says there is nothing yet, and draws only the budgets.
    assert any("Intet forbrug før bevillingens start" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1


def test_target_group_and_variant_do_not_apply_to_money(as_of):
    at = app(PAGE, bevilling=APMF, maalgruppe="Misbrug")
    assert any("gælder ikke pengene" in c.value for c in at.caption)
    assert_cards_equal_cli(at, as_of, "APMF-2021")


def test_small_counts_are_hidden_on_the_page(as_of):
    at = app(PAGE, bevilling=APMF)
    heads = table_with(at, "Finansierede forløb").set_index("Kommune")
    # Assens has fewer than 5 APMF courses; the page shows the mark, never the number.
    assert heads.loc["Assens", "Finansierede forløb"] == "<5"
    assert heads.loc["Assens", "Pris pr. forløb (kr.)"] == "–"


def test_report_buttons_offer_the_funders_report_for_the_chosen_grant():
    from tests.apptest import app

    at = app("pages/bevillinger.py", bevilling="Udbredelse af IPS i Region Syddanmark (APMF-2021)")
    labels = [b.label for b in at.get("download_button")]
    assert "Rapport til bevillingsgiver (PDF)" in labels and "Rapportens tal (Excel)" in labels
    at = app("pages/bevillinger.py")
    assert not [b for b in at.get("download_button") if b.label.startswith("Rapport")]


def test_the_report_is_written_on_click_and_a_bad_period_is_said_at_once(monkeypatch):
    import contextlib

    from ipsdash.app import ui
    from ipsdash.figures import filters
    from ipsdash.report import workbook

    buttons = {}
    warnings = []
    monkeypatch.setattr(ui.st, "download_button", lambda label, data, **_: buttons.setdefault(label, data))
    monkeypatch.setattr(ui.st, "container", lambda *_, **__: contextlib.nullcontext())
    monkeypatch.setattr(ui.st, "warning", lambda text, **_: warnings.append(text))
    monkeypatch.setattr(ui, "extract", data.get_extract)
    period = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    monkeypatch.setattr(ui, "selection", lambda: filters.Selection(*period))
    ui.report_downloads("APMF-2021")
    assert all(callable(make) for make in buttons.values()) and not warnings
    assert buttons["Rapport til bevillingsgiver (PDF)"]().startswith(b"%PDF")
    sheets = pd.read_excel(io.BytesIO(buttons["Rapportens tal (Excel)"]()), sheet_name=None)
    expected = pd.read_excel(io.BytesIO(workbook.xlsx(data.get_extract(), "APMF-2021", *period)), sheet_name=None)
    assert list(sheets) == list(expected) and all(sheets[n].equals(expected[n]) for n in expected)

    buttons.clear()
    late = catalog.span(data.get_extract())[1] + dt.timedelta(days=40)
    monkeypatch.setattr(ui, "selection", lambda: filters.Selection(late, late + dt.timedelta(days=30)))
    ui.report_downloads("APMF-2021")
    assert not buttons and warnings and "efter udtrækkets data" in warnings[0]
