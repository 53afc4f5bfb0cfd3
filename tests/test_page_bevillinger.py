"""The Bevillinger page under AppTest on the demo extract, across its filters, against the CLI.

The page's funding figures must equal `python -m ipsdash funding --on <period end>`: the same
function (funding.funding_table) computes both, and these tests hold the page to it.
"""

import datetime as dt
import io
import json

import pandas as pd
import pytest

from ipsdash import fmt, texts
from ipsdash.extract import data
from ipsdash.figures import catalog, grants
from tests.apptest import app, metrics
from tests.test_page_job import command_line

PAGE = "pages/bevillinger.py"
APMF = "Udbredelse af IPS i Region Syddanmark (APMF-2021)"
RSD = "Regional medfinansiering af IPS 2022-2026 (RSD-2022)"


@pytest.fixture(scope="module")
def as_of():
    return catalog.span(data.get_extract())[1]


def cli_funding(on: dt.date, by: str, grant: str) -> list[dict]:
    return json.loads(command_line("funding", "--on", on.isoformat(), "--by", by, "--grant", grant))


def shown_count(value) -> str:
    """A count as the page shows it: "<5" as it is, one hidden with another (None) as "skjult"."""
    return value if isinstance(value, str) else fmt.HIDDEN if value is None else fmt.number(value)


def shown_cost(value, count) -> str:
    """A price per course or per placement as the page shows it: "–" when there is nothing to divide
    by (no courses or no placements), "skjult" when its count is hidden, else the kroner."""
    if value is not None:
        return fmt.number(value)
    return fmt.MISSING if count == 0 else fmt.HIDDEN


def mio(value) -> str:
    """Money on a card, in mio. kr. (the unit is in the card's title)."""
    return fmt.number(value / 1_000_000, 1)


def table_with(at, header: str):
    """The first table on the page with a column `header`, as a DataFrame of what it shows."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {header!r}")


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def assert_money_cards(cards, row: dict, budget_label: str, at) -> None:
    """Budget, spent and left (mio. kr.) with the share spent and the depletion and end dates under them."""
    assert {c.label: c.value for c in cards} == {
        f"{budget_label} (mio. kr.)": mio(row["budget_dkk"]),
        "Forbrugt (mio. kr.)": mio(row["spent_dkk"]),
        "Tilbage (mio. kr.)": mio(row["budget_dkk"] - row["spent_dkk"]),
    }
    assert f"{fmt.percent(row['use'])} af budgettet" in captions(at)
    depletion = row["projected_depletion"]
    left = (f"Opbrugt {fmt.date_medium(dt.date.fromisoformat(depletion))}" if depletion
            else "Brugt op" if row["budget_dkk"] <= row["spent_dkk"] else None)
    if left is not None:
        assert any(c.startswith(f"{left} · slutdato ") for c in captions(at)), left


def assert_cards_equal_cli(at, on: dt.date, grant_id: str):
    """The whole grant's cards: the last seven on the page (a chosen municipality's part comes first)."""
    row = cli_funding(on, "grant", grant_id)[0]
    cards = list(at.metric)[-7:]
    assert_money_cards(cards[:3], row, "Bevilling", at)
    assert {c.label: c.value for c in cards[3:]} == {
        texts.short("monthly_burn_dkk"): fmt.dkk_short(row["monthly_burn_dkk"]),
        texts.short("courses"): shown_count(row["courses"]),
        texts.short("cost_per_course_dkk"): fmt.dkk_short(row["cost_per_course_dkk"]),
        texts.short("cost_per_placement_dkk"): fmt.dkk_short(row["cost_per_placement_dkk"]),
    }
    assert f"{shown_count(row['placed'])} forløb i job eller uddannelse" in captions(at)


def assert_municipalities_equal_cli(at, on: dt.date, grant_id: str, only: set[str] | None = None):
    names = catalog.municipality_names(data.get_extract())
    rows = [r for r in cli_funding(on, "municipality", grant_id) if r["municipality_code"] is not None]
    h = texts.short  # the tables' headers; the full name is in each column's help
    money = table_with(at, h("budget_dkk")).set_index("Kommune")
    heads = table_with(at, h("courses")).set_index("Kommune")
    expected = {names[r["municipality_code"]] for r in rows}
    assert set(money.index) == (expected if only is None else only)
    for r in rows:
        name = names[r["municipality_code"]]
        if name not in money.index:
            continue
        assert money.loc[name, h("budget_dkk")] == fmt.number(r["budget_dkk"])
        assert money.loc[name, h("spent_dkk")] == fmt.number(r["spent_dkk"])
        assert money.loc[name, h("use")] == fmt.percent(r["use"])
        assert money.loc[name, h("monthly_burn_dkk")] == fmt.number(r["monthly_burn_dkk"])
        assert heads.loc[name, h("courses")] == shown_count(r["courses"])
        assert heads.loc[name, h("placed_funded")] == shown_count(r["placed"])
        assert heads.loc[name, h("cost_per_course_dkk")] == shown_cost(r["cost_per_course_dkk"], r["courses"])
        assert heads.loc[name, h("cost_per_placement_dkk")] == shown_cost(r["cost_per_placement_dkk"], r["placed"])
    central = next(r for r in cli_funding(on, "municipality", grant_id) if r["municipality_code"] is None)
    part = table_with(at, "Del").iloc[0]
    assert (part[h("budget_dkk")], part[h("spent_dkk")]) == (fmt.number(central["budget_dkk"]),
                                                              fmt.number(central["spent_dkk"]))


def test_one_grant_equals_the_cli_on_the_period_end(as_of):
    at = app(PAGE, bevilling=APMF)
    assert at.title[0].value == "Bevillinger"
    assert at.main.subheader[0].value == "Udbredelse af IPS i Region Syddanmark"
    # Names and titles are Markdown that shows them as written (fmt.plain); the amount as a meeting reads it.
    about = next(c for c in captions(at) if fmt.plain("Den A.P. Møllerske Støttefond") in c)
    assert "2,4 mio. kr." in about and "1. juli 2021 – 30. juni 2027" in about
    assert_cards_equal_cli(at, as_of, "APMF-2021")
    assert_municipalities_equal_cli(at, as_of, "APMF-2021")
    # The burn-down and the months first (a projector's first screen), then the budget bars.
    assert [c.key for c in at.get("plotly_chart")] == ["burndown_APMF-2021", "months_APMF-2021", "bars_APMF-2021"]
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
    first = ids[0]  # the grants side by side, then the open tab's three charts
    assert [c.key for c in at.get("plotly_chart")] == ["bars_grants", f"burndown_{first}", f"months_{first}",
                                                        f"bars_{first}"]
    at.session_state["bevilling_fane"] = f"{fmt.plain('Regional medfinansiering af IPS 2022-2026')} ({fmt.plain('RSD-2022')})"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.main.subheader] == [fmt.plain("Regional medfinansiering af IPS 2022-2026")]
    assert_cards_equal_cli(at, as_of, "RSD-2022")
    assert [c.key for c in at.get("plotly_chart")] == ["bars_grants", "burndown_RSD-2022", "months_RSD-2022",
                                                        "bars_RSD-2022"]


def test_a_municipality_filter_narrows_the_tables_but_never_the_grant(as_of):
    at = app(PAGE, bevilling=RSD, kommune="Vejle")
    # One municipality chosen: its part of the grant leads, with its own cards (issue 19) ...
    vejle = next(r for r in cli_funding(as_of, "municipality", "RSD-2022") if r["municipality_code"] == 630)
    assert any("Vejle: kommunens del af bevillingen" in m.value for m in at.markdown)
    assert_money_cards(list(at.metric)[:3], vejle, "Budget, Vejle", at)
    assert vejle["spent_dkk"] > vejle["budget_dkk"] and "Brugt op · slutdato 31. dec. 2026" in captions(at)
    assert_cards_equal_cli(at, as_of, "RSD-2022")  # ... and the whole grant after it, whatever the filter
    assert_municipalities_equal_cli(at, as_of, "RSD-2022", only={"Vejle"})
    assert any("Tilbage af budgettet – Vejle" in m.value for m in at.markdown)
    assert any("Budgettet er brugt op" in w.value for w in at.warning)  # Vejle has overspent its part
    categories = table_with(at, texts.short(grants.CATEGORY_COLUMNS[grants.CATEGORIES[0]]))
    assert list(categories["Kommune"]) == ["Vejle", grants.CENTRAL, grants.TOTAL]


def test_a_municipality_without_a_budget_in_the_grant_is_named():
    at = app(PAGE, bevilling=APMF, kommune="Vejle")
    assert any("Vejle: intet budget og intet forbrug" in i.value for i in at.info)
    assert not any(texts.short("budget_dkk") in f.value.columns and "Kommune" in f.value.columns for f in at.dataframe)
    assert any(texts.short("budget_dkk") in f.value.columns for f in at.dataframe)  # the central part's table


def test_a_day_before_the_grant_began():
    at = app(PAGE, bevilling=APMF, periode="Vælg datoer", datoer=["2021-01-01", "2021-03-31"])
    assert any("begynder 1. juli 2021" in i.value for i in at.info)
    assert metrics(at)["Forbrugt (mio. kr.)"] == fmt.number(0, 1)
    # No empty time charts: the page says there is nothing yet, and draws only the budgets.
    assert any("Intet forbrug før bevillingens start" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1


def test_target_group_and_variant_do_not_apply_to_money(as_of):
    at = app(PAGE, bevilling=APMF, maalgruppe="Misbrug")
    assert any("gælder ikke pengene" in c.value for c in at.caption)
    assert_cards_equal_cli(at, as_of, "APMF-2021")


def test_small_counts_are_hidden_on_the_page(as_of):
    at = app(PAGE, bevilling=APMF)
    heads = table_with(at, texts.short("courses")).set_index("Kommune")
    # Assens has fewer than 5 APMF courses; the page shows the mark, never the number, and hides
    # the price per course, which would give the count away ("skjult", not "cannot be computed").
    assert heads.loc["Assens", texts.short("courses")] == "<5"
    assert heads.loc["Assens", texts.short("cost_per_course_dkk")] == fmt.HIDDEN


def test_report_buttons_offer_the_funders_report_for_the_chosen_grant():
    from tests.apptest import app

    at = app("pages/bevillinger.py", bevilling="Udbredelse af IPS i Region Syddanmark (APMF-2021)")
    labels = [b.label for b in at.get("download_button")]
    assert "Rapport til bevillingsgiver (PDF)" in labels and "Rapportens tal (Excel)" in labels
    at = app("pages/bevillinger.py")
    assert not [b for b in at.get("download_button") if b.label.startswith("Rapport")]


def test_the_report_is_written_on_click_and_a_bad_period_is_said_at_once(monkeypatch):
    import contextlib

    from ipsdash.app import session, ui
    from ipsdash.figures import filters
    from ipsdash.report import workbook

    buttons = {}
    warnings = []
    monkeypatch.setattr(ui.st, "download_button", lambda label, data, **_: buttons.setdefault(label, data))
    monkeypatch.setattr(ui.st, "container", lambda *_, **__: contextlib.nullcontext())
    monkeypatch.setattr(ui.st, "warning", lambda text, **_: warnings.append(text))
    monkeypatch.setattr(session, "extract", data.get_extract)
    period = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    monkeypatch.setattr(session, "selection", lambda: filters.Selection(*period))
    ui.report_downloads("APMF-2021")
    assert all(callable(make) for make in buttons.values()) and not warnings
    assert buttons["Rapport til bevillingsgiver (PDF)"]().startswith(b"%PDF")
    sheets = pd.read_excel(io.BytesIO(buttons["Rapportens tal (Excel)"]()), sheet_name=None)
    expected = pd.read_excel(io.BytesIO(workbook.xlsx(data.get_extract(), "APMF-2021", *period, min_count=5)), sheet_name=None)
    assert list(sheets) == list(expected) and all(sheets[n].equals(expected[n]) for n in expected)

    buttons.clear()
    late = catalog.span(data.get_extract())[1] + dt.timedelta(days=40)
    monkeypatch.setattr(session, "selection", lambda: filters.Selection(late, late + dt.timedelta(days=30)))
    ui.report_downloads("APMF-2021")
    assert not buttons and warnings and "efter udtrækkets data" in warnings[0]


def test_one_municipality_leads_with_its_part_of_every_grant(as_of):
    at = app(PAGE, kommune="Odense")
    assert at.title[0].value == "Bevillinger – Odense"
    assert any("Odense: kommunens del af bevillingerne" in m.value for m in at.markdown)
    grants_ = catalog.grants(data.get_extract())
    parts = [(title, next((r for r in cli_funding(as_of, "municipality", g) if r["municipality_code"] == 461), None))
             for g, title in zip(grants_["grant_id"], grants_["title"])]
    parts = [(title, r) for title, r in parts if r is not None]
    theirs, whole = at.dataframe[0].value, at.dataframe[1].value
    assert list(theirs["Bevilling"]) == [title for title, _ in parts] and len(parts) < len(grants_)
    assert list(theirs[texts.short("budget_dkk")]) == [fmt.number(r["budget_dkk"]) for _, r in parts]
    assert list(theirs[texts.short("spent_dkk")]) == [fmt.number(r["spent_dkk"]) for _, r in parts]
    assert list(whole["Bevilling"]) == list(grants_["title"])  # the whole grants after it
    assert [c.key for c in at.get("plotly_chart")][:2] == ["bars_grants_municipality", "bars_grants"]
