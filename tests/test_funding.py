"""Funding definitions on a hand-made grant, answers worked out by hand.

Grant G1: 1.000.000 kr., of which 800.000 budgeted for Vejle (630) and 200.000 kept
centrally. The day b is 2024-03-31; the 90 days [b - 89, b] are [2024-01-02, 2024-03-31].
"""

import datetime as dt

import pandas as pd
import pytest

from ipsdash.extract import data
from ipsdash.figures import funding
from tests.builders import base_tables, course, d, placement, write_extract

B = dt.date(2024, 3, 31)


def posting(day, amount, municipality=630, category="løn"):
    return {"grant_id": "G1", "municipality_code": municipality, "posting_date": d(day), "category": category,
            "amount_dkk": amount}


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    tables = base_tables()
    tables["expenditures"] = [
        posting("2024-01-01", 1_000.0),  # one day before the 90-day window: spent, but not burn
        posting("2024-01-15", 30_000.0),
        posting("2024-02-15", 30_000.0),
        posting("2024-03-15", 30_000.0),
        posting("2024-03-20", -5_000.0, category="andet"),  # a correction
        posting("2024-02-01", 10_000.0, municipality=None, category="uddannelse"),  # central
        posting("2024-04-10", 99_999.0),  # after b: not spent to b
    ]
    tables["participants"] = [course(f"c{i}", "2023-01-01", "2023-02-01") for i in range(7)] + [
        course("late", "2024-03-01", "2024-04-02"),  # enrolled after b: not a funded course yet
        course("other", "2023-01-01", "2023-02-01", grant_id=None),
    ]
    tables["placements"] = [placement(f"c{i}", "2023-06-01") for i in range(5)] + [
        placement("c5", "2024-04-15"),  # after b
        placement("c6", "2023-01-15"),  # before enrollment: never counts
    ]
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("funding"), tables)))


def test_by_municipality(extract):
    rows = funding.funding_raw(extract, B).set_index("municipality_code", drop=False)
    assert rows["municipality_code"].isna().tolist() == [False, True]
    vejle = rows.iloc[0]
    assert vejle.budget_dkk == 800_000
    assert vejle.spent_dkk == 86_000
    assert vejle.use == pytest.approx(86_000 / 800_000)
    assert vejle.monthly_burn_dkk == pytest.approx(85_000 / 3)
    # 714.000 left at 85.000 per 90 days: ceil(714000 / 944.44) = 756 days after b.
    assert vejle.projected_depletion.date() == B + dt.timedelta(days=756) == d("2026-04-26")
    assert (vejle.courses, vejle.placed) == (7, 5)
    assert vejle.cost_per_course_dkk == pytest.approx(86_000 / 7)
    assert vejle.cost_per_placement_dkk == pytest.approx(86_000 / 5)
    central = rows.iloc[1]
    assert central.budget_dkk == 200_000 and central.spent_dkk == 10_000
    # 190.000 left at 10.000 per 90 days: 1.710 days.
    assert central.projected_depletion.date() == B + dt.timedelta(days=1710)
    assert pd.isna(central.courses)  # no courses of its own


def test_by_grant(extract):
    row = funding.funding_raw(extract, B, by="grant").iloc[0]
    assert (row.grant_id, row.budget_dkk, row.spent_dkk) == ("G1", 1_000_000, 96_000)
    assert row.monthly_burn_dkk == pytest.approx(95_000 / 3)
    assert (row.courses, row.placed) == (7, 5)


def test_no_depletion_without_recent_spending(extract):
    row = funding.funding_raw(extract, d("2024-09-30"), by="grant").iloc[0]
    # Nothing was posted in [2024-07-03, 2024-09-30]: no burn, no projected date.
    assert row.monthly_burn_dkk == 0
    assert pd.isna(row.projected_depletion)


def test_small_counts_hide_costs_per_head(extract):
    row = funding.funding_table(extract, B, by="grant", min_count=8).iloc[0]
    # 7 courses and 5 placed are below 8: both hidden, and the amounts per head with them,
    # since spent / cost per course would give the count back.
    assert row.courses == "<8" and row.placed == "<8"
    assert row.cost_per_course_dkk is None and row.cost_per_placement_dkk is None
    assert row.spent_dkk == 96_000  # money is not a person count
