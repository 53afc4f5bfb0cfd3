"""Each KPI definition of the contract on hand-made courses, with answers worked out by hand.

The period is the first quarter of 2024, [2024-01-01, 2024-03-31]. Every course is named for
the edge case it stands for; the expected figures below list which courses count and why.
"""

import datetime as dt

import numpy as np
import pytest

from ipsdash.extract import data
from ipsdash.figures import kpis, privacy
from tests.builders import base_tables, course, d, placement, write_extract

Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))

COURSES = [
    course("A_same_day", "2024-01-10", "2024-01-10"),
    course("B_exit_on_last_day", "2023-05-20", "2023-06-01", "2024-03-31"),
    course("C_placement_before_enrollment", "2023-09-15", "2023-10-01"),
    course("D_placement_after_exit", "2023-04-01", "2023-05-01", "2024-02-15"),
    course("E_two_placements", "2022-12-01", "2023-01-01"),
    course("F_job_and_education", "2023-08-01", "2023-09-01", target_group="misbrug"),
    course("G_left_waiting_list", "2023-12-01", None, "2024-02-01", exit_reason="frafald"),
    course("H_still_waiting", "2024-03-01"),
    course("I_enrolled_after_period", "2024-03-20", "2024-04-02"),
    course("J_placement_ended_before", "2022-12-01", "2023-01-01"),
    course("K_placement_ends_on_first_day", "2022-12-01", "2023-01-01", variant="IPS+"),
    course("L_in_and_out_within_period", "2024-01-02", "2024-01-22", "2024-03-01"),
]

PLACEMENTS = [
    placement("C_placement_before_enrollment", "2023-09-01"),
    placement("D_placement_after_exit", "2024-03-01"),
    placement("E_two_placements", "2023-03-01", "2023-06-30"),
    placement("E_two_placements", "2024-02-01"),
    placement("F_job_and_education", "2024-01-15"),
    placement("F_job_and_education", "2024-02-01", kind="uddannelse"),
    placement("J_placement_ended_before", "2023-02-01", "2023-12-31"),
    placement("K_placement_ends_on_first_day", "2023-08-01", "2024-01-01", kind="uddannelse"),
    placement("L_in_and_out_within_period", "2024-02-01", "2024-02-20"),
]


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": None}
    )
    tables["participants"] = COURSES
    tables["placements"] = PLACEMENTS
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("q1"), tables)))


def raw(extract, by="none", period=Q1, **filters):
    return kpis.kpi_raw(extract, *period, by=by, filters=kpis.Filters(**filters))


def test_quarter_counts(extract):
    row = raw(extract).iloc[0]
    # A, H, I and L were referred in the quarter.
    assert row.referrals == 4
    # A (same day as referral) and L; I enrolled after the quarter.
    assert row.enrollments == 2
    # B on the quarter's last day, D, G (from the waiting list) and L.
    assert row.exits == 4
    # H and I (enrolled after b); G left the list before b.
    assert row.waiting == 2
    # B exited on b, so is not active at the end of b; D and L exited earlier.
    assert row.active == 6
    # Everyone enrolled by b and not gone before a: A B C D E F J K L.
    assert row.active_in_period == 9


def test_quarter_placement_rate(extract):
    row = raw(extract).iloc[0]
    # E (second job), F (job and education, counted once), K (ends on a) and L.
    # Not C (before enrollment), D (after exit), J (ended before a).
    assert row.placed == 4
    assert row.placement_rate == pytest.approx(4 / 9)
    assert row.placed_job == 3  # E, F, L
    assert row.placed_education == 2  # F, K
    assert row.job_rate == pytest.approx(3 / 9)
    assert row.education_rate == pytest.approx(2 / 9)
    # Wilson 95 % for 4 of 9, worked out from the formula.
    assert row.placement_rate_low == pytest.approx(0.1888, abs=1e-4)
    assert row.placement_rate_high == pytest.approx(0.7333, abs=1e-4)


def test_quarter_job_starts_and_days(extract):
    row = raw(extract).iloc[0]
    # F's first counting placement is 2024-01-15, L's 2024-02-01; E's first was in 2023;
    # C and D have no counting placement at all.
    assert row.job_starts == 2
    # F: 136 days (2023-09-01 to 2024-01-15), L: 10 days.
    assert row.days_to_first_placement_median == 73
    # Enrolled in the quarter: A waited 0 days, L 20 days.
    assert row.waiting_days_median == 10
    assert row.waiting_days_p90 == pytest.approx(18)


def test_months_clip_and_use_their_own_end(extract):
    months = raw(extract, by="month").set_index("period_start")
    assert [ts.date() for ts in months.index] == [d("2024-01-01"), d("2024-02-01"), d("2024-03-01")]
    jan, feb, mar = (months.iloc[i] for i in range(3))
    assert (jan.referrals, jan.enrollments, jan.exits, jan.waiting, jan.active) == (2, 2, 0, 1, 9)
    assert (jan.active_in_period, jan.placed, jan.job_starts) == (9, 2, 1)  # F and K placed; F starts
    assert (feb.referrals, feb.exits, feb.waiting, feb.active, feb.active_in_period) == (0, 2, 0, 8, 9)
    assert (feb.placed, feb.job_starts) == (3, 1)  # E, F, L placed; L starts
    assert (mar.referrals, mar.exits, mar.waiting, mar.active, mar.active_in_period) == (2, 2, 2, 6, 8)
    assert (mar.placed, mar.job_starts) == (2, 0)  # E and F; L's job ended in February


def test_month_rows_clip_to_period(extract):
    months = raw(extract, by="month", period=(d("2024-01-15"), d("2024-02-10"))).set_index("period_start")
    assert [ts.date() for ts in months.index] == [d("2024-01-01"), d("2024-02-01")]
    # January is [01-15, 01-31]: A (01-10) and L (01-02) were referred before it; L enrolled
    # on 01-22 inside it, A's same-day enrollment on 01-10 falls outside.
    assert (months.iloc[0].referrals, months.iloc[0].enrollments) == (0, 1)
    # February is [02-01, 02-10]: G left the waiting list on 02-01.
    assert months.iloc[1].exits == 1


def test_every_municipality_gets_a_row(extract):
    rows = raw(extract, by="municipality").set_index("municipality_code")
    assert list(rows.index) == [461, 630]
    assert rows.loc[461, "municipality"] == "Odense"
    assert rows.loc[461, "active_in_period"] == 0
    assert rows.loc[630, "active_in_period"] == 9


def test_groups_add_up_to_the_whole(extract):
    whole = raw(extract).iloc[0]
    for by in ("municipality", "grant", "target_group", "variant", "age_band", "sex"):
        parts = raw(extract, by=by)
        for col in ("referrals", "enrollments", "exits", "waiting", "active", "active_in_period", "placed"):
            assert parts[col].sum() == whole[col], (by, col)


def test_filters(extract):
    misbrug = raw(extract, target_group="misbrug").iloc[0]
    assert (misbrug.active_in_period, misbrug.placed, misbrug.job_starts) == (1, 1, 1)
    plus = raw(extract, variant="IPS+").iloc[0]
    assert (plus.active_in_period, plus.placed) == (1, 1)
    nobody = raw(extract, municipalities=(461,)).iloc[0]
    assert nobody.active_in_period == 0 and nobody.placement_rate != nobody.placement_rate  # NaN: no denominator
    by_target = raw(extract, by="target_group").set_index("target_group")
    assert by_target.loc["misbrug", "placed"] == 1 and by_target.loc["psykiatri", "placed"] == 3


def test_grant_groups_include_courses_without_grant(tmp_path):
    tables = base_tables()
    tables["participants"] = [course("x", "2024-01-01", "2024-01-02"), course("y", "2024-01-01", "2024-01-02", grant_id=None)]
    ex = data.open_extract(str(write_extract(tmp_path, tables)))
    rows = kpis.kpi_raw(ex, *Q1, by="grant")
    assert rows["grant_id"].tolist()[0] == "G1"
    assert rows["grant_id"].isna().tolist() == [False, True]
    assert rows["active_in_period"].tolist() == [1, 1]


def test_whole_life_rate_as_the_municipalities_publish_it(tmp_path):
    """'216 of 347 came into job or education': the cumulative rate over the programme's life."""
    tables = base_tables()
    tables["participants"] = [course(f"p{i}", "2020-01-01", "2020-02-01", "2021-06-30") for i in range(347)]
    tables["placements"] = [placement(f"p{i}", "2020-09-01", "2020-12-31") for i in range(216)]
    ex = data.open_extract(str(write_extract(tmp_path, tables)))
    row = kpis.kpi_table(ex, d("2019-01-01"), d("2024-12-31"), min_count=0).iloc[0]  # exact
    assert (row.placed, row.active_in_period) == (216, 347)
    assert round(row.placement_rate, 2) == 0.62
    # Published: each count within 2 of the true one, the rate from them to whole percent.
    shown = kpis.kpi_table(ex, d("2019-01-01"), d("2024-12-31"), min_count=5).iloc[0]
    assert abs(shown.placed - 216) <= 2 and abs(shown.active_in_period - 347) <= 2
    assert shown.placement_rate == round(shown.placed / shown.active_in_period, 2)


def test_small_numbers_hidden_in_kpi_table(extract):
    row = kpis.kpi_table(extract, *Q1, min_count=5).iloc[0]
    assert row.referrals == "<5" and row.enrollments == "<5" and row.waiting == "<5"
    # Published counts are the true ones (6 and 9) plus the ptable's noise for their cell keys.
    raw = kpis.kpi_raw(extract, *Q1).iloc[0]
    assert (raw.active, raw.active_in_period) == (6, 9)
    noise = privacy.noise(np.array([6, 9]), np.array([raw.active_key, raw.active_in_period_key]))
    assert [row.active, row.active_in_period] == [6 + noise[0], 9 + noise[1]]
    assert row.active >= 5 and row.active_in_period >= 5
    assert row.placed == "<5" and row.placement_rate is None and row.placement_rate_low is None
    assert row.waiting_days_median is None and row.days_to_first_placement_median is None
    shown = kpis.kpi_table(extract, *Q1, min_count=0).iloc[0]
    assert shown.referrals == 4 and shown.placement_rate == pytest.approx(4 / 9)


def test_bad_grouping_and_period_refused(extract):
    with pytest.raises(ValueError):
        kpis.kpi_raw(extract, *Q1, by="age")
    with pytest.raises(ValueError):
        kpis.kpi_raw(extract, Q1[1], Q1[0])
