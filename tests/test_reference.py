"""The SQL's figures equal a naive course-by-course reading of the contract on random extracts."""

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest

from ipsdash import kpis
from tests import reference
from tests.test_differencing import CODES, random_extract

FIGURES = ("referrals", "enrollments", "exits", "waiting", "active", "active_in_period", "placed", "placed_job",
           "placed_education", "job_starts", "waiting_days_median", "waiting_days_p90",
           "days_to_first_placement_median")


def same(x, y) -> bool:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return y is None or (isinstance(y, float) and math.isnan(y))
    return y is not None and math.isclose(float(x), float(y), abs_tol=1e-9)


def rows(ex, table):
    cur = ex.cursor()
    result = cur.execute(f"select * from {table}")  # table names are fixed here, not user input
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


@pytest.mark.parametrize("seed", range(10, 16))
def test_sql_equals_reference(tmp_path, seed):
    ex = random_extract(tmp_path, seed)
    courses, placements = rows(ex, "participants"), rows(ex, "placements")
    periods = [(dt.date(2023, 1, 1), dt.date(2023, 12, 31)), (dt.date(2023, 7, 1), dt.date(2023, 9, 30)),
               (dt.date(2024, 2, 1), dt.date(2024, 2, 29)), (dt.date(2022, 1, 1), dt.date(2025, 12, 31))]
    for a, b in periods:
        got = kpis.kpi_raw(ex, a, b).iloc[0]
        want = reference.kpis(courses, placements, a, b)
        for key in FIGURES:
            assert same(got[key], want[key]), (seed, a, b, key, got[key], want[key])
        by_m = kpis.kpi_raw(ex, a, b, by="municipality").set_index("municipality_code")
        for code in CODES:
            want = reference.kpis([c for c in courses if c["municipality_code"] == code], placements, a, b)
            for key in FIGURES:
                assert same(by_m.loc[code, key], want[key]), (seed, code, key)
    months = kpis.kpi_raw(ex, dt.date(2023, 3, 10), dt.date(2023, 8, 20), by="month")
    for _, row in months.iterrows():
        start = row.period_start.date()
        a = max(start, dt.date(2023, 3, 10))
        b = min((row.period_start + pd.offsets.MonthEnd(0)).date(), dt.date(2023, 8, 20))
        want = reference.kpis(courses, placements, a, b)
        for key in FIGURES:
            assert same(row[key], want[key]), (seed, start, key)


# --- the monthly cube -------------------------------------------------------------------------------

WHOLE_MONTHS = [
    (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    (dt.date(2023, 7, 1), dt.date(2023, 9, 30)),
    (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),  # before any course: every figure zero
    (dt.date(2022, 11, 1), dt.date(2025, 8, 31)),
]


@pytest.mark.parametrize("seed", range(30, 34))
def test_the_monthly_cube_answers_as_the_courses_do(tmp_path, seed):
    """queries/kpis_monthly.sql (whole months, from the cube) against queries/kpis.sql (any days)."""
    ex = random_extract(tmp_path, seed)
    # Each level of the cube's day counts (kpis.LEVELS) is read by some question of some choice.
    choices = [kpis.Filters(), kpis.Filters(municipalities=(630, 480)), kpis.Filters(target_group="misbrug"),
               kpis.Filters(variant="IPS"), kpis.Filters(grants=("G1",), variant="IPS+")]
    for filters in choices:
        questions = [kpis.Question.of(a, b, by, grain) for a, b in WHOLE_MONTHS
                     for by in ("none", "municipality", "grant", "target_group", "variant", "age_band", "sex")
                     for grain in ("whole", "month", "quarter")]
        # All in one query, as a page asks them.
        for q, got in zip(questions, kpis._monthly(ex, questions, filters)):
            pd.testing.assert_frame_equal(got, kpis._daily(ex, q, filters), check_dtype=False, obj=f"{q} {filters}")


def test_a_question_without_medians_has_the_same_counts_and_no_medians(tmp_path, monkeypatch):
    ex = random_extract(tmp_path, 41)
    chosen = kpis.Filters(municipalities=(630, 480))
    full = [kpis.Question.of(a, b, by, grain) for a, b in WHOLE_MONTHS for by, grain in
            (("none", "whole"), ("municipality", "month"), ("age_band", "whole"))]
    bare = [dataclasses.replace(q, medians=False) for q in full]
    medians = list(kpis.MEDIANS)
    # Mixed in one query, as a page asks them: each question gets what it asked for.
    answers = kpis._monthly(ex, [*full, *bare], chosen)
    with_medians, without = answers[: len(full)], answers[len(full):]
    assert any(df[medians].notna().any().any() for df in with_medians)
    for q, a, b in zip(bare, with_medians, without):
        assert b[medians].isna().all().all(), q
        pd.testing.assert_frame_equal(b.drop(columns=medians), a.drop(columns=medians), obj=str(q))
        pd.testing.assert_frame_equal(kpis._daily(ex, q, chosen).drop(columns=medians), b.drop(columns=medians),
                                      check_dtype=False, obj=str(q))
    # An answer kept with medians answers the question without them: nothing is asked again.
    ex.forget()
    kpis.kpi_raw_many(ex, full, chosen)
    monkeypatch.setattr(kpis, "_monthly", lambda *args: pytest.fail("asked again"))
    monkeypatch.setattr(kpis, "_daily", lambda *args: pytest.fail("asked again"))
    for q, a in zip(bare, kpis.kpi_raw_many(ex, bare, chosen)):
        assert a[medians].isna().all().all(), q
        pd.testing.assert_frame_equal(a.drop(columns=medians), with_medians[full.index(dataclasses.replace(q, medians=True))]
                                      .drop(columns=medians), obj=str(q))


def test_only_whole_months_go_to_the_cube(tmp_path):
    ex = random_extract(tmp_path, 40)
    first_day, last_day, _ = kpis._monthly_span(ex)
    assert kpis._in_whole_months(ex, dt.date(2023, 3, 1), dt.date(2023, 5, 31))
    assert not kpis._in_whole_months(ex, dt.date(2023, 3, 2), dt.date(2023, 5, 31))  # a day of March left out
    assert not kpis._in_whole_months(ex, dt.date(2023, 3, 1), dt.date(2023, 5, 30))
    # From the first referral, or to the newest day of the data, needs no whole month: nothing lies outside.
    assert kpis._in_whole_months(ex, first_day, dt.date(2023, 5, 31))
    assert kpis._in_whole_months(ex, dt.date(2023, 3, 1), last_day)
    # A grouping with no group (a municipality the extract does not have) has no row either way.
    nobody = kpis.Filters(municipalities=(999,))
    q = kpis.Question.of(dt.date(2023, 3, 1), dt.date(2023, 5, 31), "municipality")
    assert kpis._monthly(ex, [q], nobody)[0].empty and kpis._daily(ex, q, nobody).empty
    # A period after the cube's last month is asked of the courses.
    assert not kpis._in_whole_months(ex, dt.date(2040, 1, 1), dt.date(2040, 1, 31))
