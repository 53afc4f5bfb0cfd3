"""Spending by month and category, the burn-down and the outlook, on a hand-made grant.

Grant G1: 1.000.000 kr. from 2024-01-01 to 2024-12-31; Vejle (630) has a budget of 600.000,
Odense (461) 300.000, so 100.000 is kept centrally. The day b is 2024-03-31 unless a test says
otherwise; its 90 days are [2024-01-02, 2024-03-31].

Postings (answers below worked out by hand from these):

    2023-12-20  Vejle   administration     700   before the grant's start: kept, in December 2023
    2024-01-10  Vejle   løn             10.000
    2024-01-20  Vejle   supervision      2.000
    2024-02-05  Odense  løn              5.000
    2024-02-29  central uddannelse       3.000   leap day, the last day of February
    2024-03-15  Vejle   løn             -1.000   a correction
    2024-03-31  Vejle   andet              500   on b itself: counts
    2024-04-01  Vejle   løn             99.999   after b: not spent to b
"""

import datetime as dt

import pandas as pd
import pytest

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures import funding, grants
from tests.builders import base_tables, d, write_extract

B = dt.date(2024, 3, 31)
END = dt.date(2024, 12, 31)


def posting(day, amount, municipality=630, category="løn"):
    return {"grant_id": "G1", "municipality_code": municipality, "posting_date": d(day), "category": category,
            "amount_dkk": amount}


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-01-01")}
    )
    tables["grants"][0].update(start_date=d("2024-01-01"), end_date=END)
    tables["grant_budgets"] = [
        {"grant_id": "G1", "municipality_code": 630, "budget_dkk": 600_000.0},
        {"grant_id": "G1", "municipality_code": 461, "budget_dkk": 300_000.0},
    ]
    tables["expenditures"] = [
        posting("2023-12-20", 700.0, category="administration"),
        posting("2024-01-10", 10_000.0),
        posting("2024-01-20", 2_000.0, category="supervision"),
        posting("2024-02-05", 5_000.0, municipality=461),
        posting("2024-02-29", 3_000.0, municipality=None, category="uddannelse"),
        posting("2024-03-15", -1_000.0),
        posting("2024-03-31", 500.0, category="andet"),
        posting("2024-04-01", 99_999.0),
    ]
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("grants"), tables)))


def ts(text):
    return pd.Timestamp(text)


# --- Spending by month -------------------------------------------------------------------------


def test_months_of_the_whole_grant_start_with_a_posting_before_the_grant(extract):
    months = grants.spending_by_month(extract, "G1", B, min_count=5)
    assert list(months["period_start"]) == [ts("2023-12-01"), ts("2024-01-01"), ts("2024-02-01"), ts("2024-03-01")]
    assert list(months["løn_dkk"]) == [0, 10_000, 5_000, -1_000]
    assert list(months["uddannelse_dkk"]) == [0, 0, 3_000, 0]  # the central posting counts for the whole grant
    assert list(months["supervision_dkk"]) == [0, 2_000, 0, 0]
    assert list(months["administration_dkk"]) == [700, 0, 0, 0]
    assert list(months["andet_dkk"]) == [0, 0, 0, 500]
    # March: the correction is larger than the month's other postings.
    assert list(months["spent_in_month_dkk"]) == [700, 12_000, 8_000, -500]
    assert list(months["spent_dkk"]) == [700, 12_700, 20_700, 20_200]


def test_months_add_up_to_funding_spent_to_b(extract):
    by_grant = funding.funding_raw(extract, B, "grant").iloc[0]
    assert grants.spending_by_month(extract, "G1", B, min_count=5)["spent_dkk"].iloc[-1] == by_grant.spent_dkk == 20_200
    by_municipality = funding.funding_raw(extract, B).set_index("municipality_code")
    for code, spent in ((630, 12_200), (461, 5_000)):
        months = grants.spending_by_month(extract, "G1", B, (code,), min_count=5)
        assert months["spent_dkk"].iloc[-1] == by_municipality.loc[code, "spent_dkk"] == spent


def test_months_of_one_municipality_run_from_the_grant_start_and_leave_central_out(extract):
    odense = grants.spending_by_month(extract, "G1", B, (461,), min_count=5)
    # Odense's first posting is in February; its months still start with the grant, in January.
    assert list(odense["period_start"]) == [ts("2024-01-01"), ts("2024-02-01"), ts("2024-03-01")]
    assert list(odense["spent_in_month_dkk"]) == [0, 5_000, 0]
    assert odense["uddannelse_dkk"].sum() == 0  # the central 3.000 is no municipality's


def test_no_months_before_the_grant_and_its_first_posting(extract):
    assert grants.spending_by_month(extract, "G1", d("2023-11-30"), min_count=5).empty


def test_a_posting_on_the_day_counts_and_one_after_does_not(extract):
    assert grants.spending_by_month(extract, "G1", d("2024-03-30"), min_count=5)["spent_dkk"].iloc[-1] == 19_700
    april = grants.spending_by_month(extract, "G1", d("2024-04-01"), min_count=5)
    assert april["spent_in_month_dkk"].iloc[-1] == 99_999


# --- Spending by category ----------------------------------------------------------------------


def test_categories_per_municipality_central_and_total(extract):
    table = grants.spending_by_category(extract, "G1", B, min_count=5).set_index("municipality")
    assert list(table.index) == ["Odense", "Vejle", grants.CENTRAL, grants.TOTAL]  # by name (catalog.in_order)
    assert table.loc["Vejle", ["løn_dkk", "uddannelse_dkk", "supervision_dkk", "administration_dkk", "andet_dkk",
                               "spent_dkk"]].tolist() == [9_000, 0, 2_000, 700, 500, 12_200]
    assert table.loc["Odense", "løn_dkk"] == table.loc["Odense", "spent_dkk"] == 5_000
    assert table.loc[grants.CENTRAL, "uddannelse_dkk"] == table.loc[grants.CENTRAL, "spent_dkk"] == 3_000
    assert table.loc[grants.TOTAL, ["løn_dkk", "uddannelse_dkk", "spent_dkk"]].tolist() == [14_000, 3_000, 20_200]
    assert pd.isna(table.loc[grants.CENTRAL, "municipality_code"]) and pd.isna(table.loc[grants.TOTAL, "municipality_code"])


def test_a_municipality_filter_never_hides_money(extract):
    table = grants.spending_by_category(extract, "G1", B, (461,), min_count=5).set_index("municipality")
    assert list(table.index) == ["Odense", grants.CENTRAL, grants.TOTAL]
    assert table.loc[grants.TOTAL, "spent_dkk"] == 20_200  # still the whole grant


# --- Budget rows -------------------------------------------------------------------------------


def test_budget_rows_are_the_funding_table_named_and_filtered(extract):
    rows = grants.budget_rows(extract, B, "G1", min_count=0)
    assert list(rows["municipality"]) == ["Odense", "Vejle"]  # by name, as every table (catalog.in_order)
    assert list(rows["budget_dkk"]) == [300_000, 600_000] and list(rows["spent_dkk"]) == [5_000, 12_200]
    assert "placed_funded" in rows and "placed" not in rows
    assert list(grants.budget_rows(extract, B, "G1", (461,), min_count=0)["municipality"]) == ["Odense"]
    central = grants.central_row(extract, B, "G1", min_count=5).iloc[0]
    assert (central.municipality, central.budget_dkk, central.spent_dkk) == (grants.CENTRAL, 100_000, 3_000)
    assert grants.absent(rows, (461, 999)) == [999]


# --- Burn-down ---------------------------------------------------------------------------------

# The 90 days [2024-01-02, 2024-03-31] hold every posting but December's: 19.500 kr., a monthly
# burn of 6.500 and a daily rate of 19.500 / 90 = 216,67 kr.
DAILY = 19_500 / 90


def test_burndown_of_the_whole_grant(extract):
    series = grants.burndown(extract, "G1", B, min_count=5)
    actual = series[series["series"] == "faktisk"]
    assert list(actual["day"]) == [ts("2023-12-01"), ts("2023-12-31"), ts("2024-01-31"), ts("2024-02-29"),
                                    ts("2024-03-31")]
    assert list(actual["remaining_dkk"]) == [1_000_000, 999_300, 987_300, 979_300, 979_800]
    projected = series[series["series"] == "prognose"]
    # 979.800 left at 216,67 a day: ceil(4.522,2) = 4.523 days after b.
    depletion = B + dt.timedelta(days=4_523)
    assert list(projected["day"]) == [ts(B), ts(depletion)]
    assert list(projected["remaining_dkk"]) == [979_800, 0]
    assert funding.funding_raw(extract, B, "grant").iloc[0].projected_depletion.date() == depletion


def test_burndown_of_one_municipality_rises_with_a_correction(extract):
    series = grants.burndown(extract, "G1", B, municipality=630, min_count=5)
    actual = series[series["series"] == "faktisk"]
    # Vejle: 700 in December, 12.000 in January, nothing in February (Odense's and the central
    # postings are not Vejle's), and -1.000 + 500 in March: the remaining budget goes up by 500.
    assert list(actual["remaining_dkk"]) == [600_000, 599_300, 587_300, 587_300, 587_800]
    # Vejle's 90 days: 10.000 + 2.000 - 1.000 + 500 = 11.500; ceil(587.800 / (11.500 / 90)) = 4.601 days.
    assert series["day"].iloc[-1] == ts(B + dt.timedelta(days=4_601))


def test_burndown_without_recent_spending_is_flat_to_the_end_date(extract):
    day = d("2024-07-15")  # nothing posted in [2024-04-17, 2024-07-15]
    series = grants.burndown(extract, "G1", day, min_count=5)
    projected = series[series["series"] == "prognose"]
    left = 1_000_000 - 20_200 - 99_999
    assert list(projected["day"]) == [ts(day), ts(END)]
    assert list(projected["remaining_dkk"]) == [left, left]


def test_burndown_has_no_projection_once_the_grant_has_ended(extract):
    series = grants.burndown(extract, "G1", END, min_count=5)
    assert set(series["series"]) == {"faktisk"}
    assert series["day"].iloc[-1] == ts(END)  # the last month is cut at the day, here its last day


def test_burndown_before_the_grant_is_empty(extract):
    assert grants.burndown(extract, "G1", d("2023-11-30"), min_count=5).empty


# --- Outlook -----------------------------------------------------------------------------------


def row(budget=100_000.0, spent=70_000.0, burn=10_000.0, depletion=None):
    return pd.Series({"budget_dkk": budget, "spent_dkk": spent, "monthly_burn_dkk": burn,
                      "projected_depletion": pd.NaT if depletion is None else pd.Timestamp(depletion)})


START = d("2024-01-01")


def test_runs_out_before_the_end_date():
    # 30.000 left at 30.000 per 90 days: gone 90 days after b, on 2024-06-29, 185 days before the end.
    o = grants.outlook(row(depletion="2024-06-29"), START, END, B)
    assert (o.status, o.days, o.tone) == ("before_end", 185, "warning")
    # At the same rate 275 days to the end cost 91.666,67, so 61.666,67 are missing.
    assert o.at_end_dkk == pytest.approx(30_000 - 10_000 / 30 * 275)
    text = grants.outlook_text(o)
    assert "før tid" in text and "29. juni 2024" in text and "ca. 6 måneder før slutdatoen" in text
    assert "mangler der ca. 62.000 kr." in text
    assert o.short == "ca. 6 måneder før slutdatoen"


def test_lasts_beyond_the_end_date():
    o = grants.outlook(row(depletion="2025-01-20"), START, END, B)
    assert (o.status, o.days, o.tone) == ("after_end", 20, "info")
    assert "20 dage efter slutdatoen 31. december 2024" in grants.outlook_text(o)
    assert o.short == "20 dage efter slutdatoen"


def test_runs_out_on_the_end_date():
    o = grants.outlook(row(depletion="2024-12-31"), START, END, B)
    assert (o.status, o.days) == ("before_end", 0)
    assert o.short == "Opbrugt på slutdatoen" and "på slutdatoen" in grants.outlook_text(o)


@pytest.mark.parametrize(
    ("case", "values", "on", "status", "tone"),
    [
        ("overspent", {"spent": 100_500.0}, B, "spent", "warning"),
        ("spent to the krone", {"spent": 100_000.0}, B, "spent", "info"),
        ("no spending in 90 days", {"burn": 0.0}, B, "no_burn", "info"),
        ("the end date itself", {"depletion": "2025-03-01"}, END, "ended", "info"),
        ("before the start", {"spent": 0.0}, d("2023-12-31"), "not_started", "info"),
        ("spending without a budget", {"budget": float("nan")}, B, "no_budget", "info"),
    ],
)
def test_outlook_edge_cases(case, values, on, status, tone):
    o = grants.outlook(row(**values), START, END, on)
    assert (o.status, o.tone) == (status, tone), case
    assert grants.outlook_text(o) and o.short


def test_outlook_texts_say_how_much():
    assert "500 kr. mere end budgettet" in grants.outlook_text(grants.outlook(row(spent=100_500.0), START, END, B))
    ended = grants.outlook_text(grants.outlook(row(), START, END, END))
    assert "30.000 kr. er ikke brugt" in ended
    assert "30.000 kr. tilbage" in grants.outlook_text(grants.outlook(row(burn=0.0), START, END, B))


def test_grant_outlook_on_the_extract(extract):
    o = grants.grant_outlook(extract, B, "G1")
    assert (o.status, o.remaining_dkk, o.depletion) == ("after_end", 979_800, B + dt.timedelta(days=4_523))
    assert grants.grant_rows(extract, B, min_count=5).iloc[0]["outlook"] == o.short


@pytest.mark.parametrize(("days", "text"), [(0, "0 dage"), (1, "1 dag"), (60, "60 dage"), (61, "ca. 2 måneder"),
                                            (365, "ca. 12 måneder"), (731, "ca. 2 år"), (760, "ca. 2 år og 1 måned")])
def test_span(days, text):
    assert grants.span(days) == text


# --- Pace: the share of the money spent against the share of the grant's time passed ---------
# A grant of 200 days, seen on its 100th: half its time has passed.
PACE_START, PACE_END, PACE_ON = d("2024-01-01"), d("2024-07-19"), d("2024-04-10")


@pytest.mark.parametrize(
    ("spent", "pace"),
    [
        (50_000.0, "on_track"),
        (60_000.0, "on_track"),  # 10 points ahead is within the tolerance
        (60_001.0, "ahead"),
        (40_000.0, "on_track"),
        (39_999.0, "behind"),
        (95_000.0, "ahead"),
        (5_000.0, "behind"),
    ],
)
def test_pace_is_the_money_share_against_the_time_share(spent, pace):
    o = grants.outlook(row(spent=spent, depletion="2024-09-30"), PACE_START, PACE_END, PACE_ON)
    assert o.time_share == pytest.approx(0.5) and o.money_share == pytest.approx(spent / 100_000)
    assert o.pace == pace
    words = {"on_track": "Forbruget følger tiden", "ahead": "Forbruget er foran tiden",
             "behind": "Forbruget er bagud i forhold til tiden"}[pace]
    text = grants.pace_text(o)
    assert text.startswith(words) and f"{fmt.percent(spent / 100_000)} af pengene" in text
    assert "50 % af bevillingens tid" in text and grants.outlook_text(o).startswith(text)


def test_a_few_days_early_on_track_is_no_alarm_but_a_tenth_of_the_time_early_is():
    # On track (55 % spent at half time), the money runs out 11 days before the end: information.
    o = grants.outlook(row(spent=55_000.0, depletion="2024-07-08"), PACE_START, PACE_END, PACE_ON)
    assert (o.status, o.days, o.pace, o.early, o.tone) == ("before_end", 11, "on_track", False, "info")
    # 21 days early is more than a tenth of the grant's 200 days: a warning, whatever the pace.
    o = grants.outlook(row(spent=55_000.0, depletion="2024-06-28"), PACE_START, PACE_END, PACE_ON)
    assert (o.days, o.pace, o.early, o.tone) == (21, "on_track", True, "warning")
    # 20 days early is exactly a tenth: not yet.
    o = grants.outlook(row(spent=55_000.0, depletion="2024-06-29"), PACE_START, PACE_END, PACE_ON)
    assert (o.days, o.early, o.tone) == (20, False, "info")
    # Clearly ahead of the time and running out before the end, even by a day: a warning.
    o = grants.outlook(row(spent=70_000.0, depletion="2024-07-18"), PACE_START, PACE_END, PACE_ON)
    assert (o.days, o.pace, o.tone) == (1, "ahead", "warning")
    # Ahead but lasting beyond the end (spending has slowed): information.
    o = grants.outlook(row(spent=70_000.0, depletion="2024-08-30"), PACE_START, PACE_END, PACE_ON)
    assert (o.status, o.pace, o.tone) == ("after_end", "ahead", "info")


@pytest.mark.parametrize(
    ("values", "on", "status"),
    [
        ({"spent": 0.0}, d("2023-12-31"), "not_started"),
        ({"depletion": "2024-09-01"}, PACE_END, "ended"),
        ({"spent": 100_000.0}, PACE_ON, "spent"),
        ({"budget": float("nan")}, PACE_ON, "no_budget"),
    ],
)
def test_no_pace_before_the_start_after_the_end_or_without_money_left(values, on, status):
    o = grants.outlook(row(**values), PACE_START, PACE_END, on)
    assert o.status == status and o.pace is None and grants.pace_text(o) == ""


def test_pace_without_recent_spending_still_compares_the_shares():
    o = grants.outlook(row(spent=20_000.0, burn=0.0), PACE_START, PACE_END, PACE_ON)
    assert (o.status, o.pace) == ("no_burn", "behind")
