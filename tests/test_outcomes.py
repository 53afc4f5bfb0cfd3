"""ipsdash/figures/outcomes.py on hand-made courses, with the answers worked out by hand.

The period is the first quarter of 2024, [2024-01-01, 2024-03-31], as in test_kpis.py.
"""

import datetime as dt
import itertools

import numpy as np
import pytest

from ipsdash.extract import data
from ipsdash.figures import kpis, outcomes, stats
from tests.builders import base_tables, course, placement, write_extract

Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))

# --- Hours per week ---------------------------------------------------------------------
# Every course is enrolled before the quarter; each name says which band it must land in.
HOURS_COURSES = [
    course("under10_9_99", "2023-01-01", "2023-02-01"),
    course("b10_exactly_10", "2023-01-01", "2023-02-01", variant="IPS+"),
    course("b10_19_99", "2023-01-01", "2023-02-01", variant="IPS+"),
    course("b20_exactly_20", "2023-01-01", "2023-02-01"),
    course("b20_29_5", "2023-01-01", "2023-02-01"),
    course("b30_exactly_30", "2023-01-01", "2023-02-01", variant="IPS+"),
    course("b30_exactly_37_full_time", "2023-01-01", "2023-02-01", variant="IPS+"),
    course("over37_37_5", "2023-01-01", "2023-02-01", variant="IPS+"),
    course("unknown_no_hours", "2023-01-01", "2023-02-01"),
    # Two jobs in the quarter: the one started last (12 h, in March) decides, not the 35 h one.
    course("b10_latest_of_two", "2023-01-01", "2023-02-01", variant="IPS+"),
    # Two jobs starting the same day: the one with more hours.
    course("b30_same_day_tie", "2023-01-01", "2023-02-01", variant="IPS+"),
    # Never in a band:
    course("no_education_only", "2023-01-01", "2023-02-01"),
    course("no_job_before_enrollment", "2023-01-01", "2023-12-01"),
    course("no_job_ended_before_period", "2023-01-01", "2023-02-01"),
    course("no_job_after_period", "2023-01-01", "2023-02-01"),
    course("no_exited_before_period", "2023-01-01", "2023-02-01", "2023-12-31"),
    course("no_job_after_exit", "2023-01-01", "2023-02-01", "2024-02-10"),
    course("no_other_target_group", "2023-01-01", "2023-02-01", target_group="misbrug"),
]

HOURS_PLACEMENTS = [
    placement("under10_9_99", "2023-06-01", hours=9.99),
    placement("b10_exactly_10", "2023-06-01", hours=10.0),
    placement("b10_19_99", "2024-01-15", hours=19.99),
    placement("b20_exactly_20", "2023-06-01", hours=20.0),
    placement("b20_29_5", "2023-06-01", "2024-01-01", hours=29.5),  # ends on the quarter's first day: counts
    placement("b30_exactly_30", "2024-03-31", hours=30.0),  # starts on the last day: counts
    placement("b30_exactly_37_full_time", "2023-06-01", hours=37.0),
    placement("over37_37_5", "2023-06-01", hours=37.5),
    placement("unknown_no_hours", "2023-06-01", hours=None),
    placement("b10_latest_of_two", "2023-06-01", hours=35.0),
    placement("b10_latest_of_two", "2024-03-01", hours=12.0),
    placement("b30_same_day_tie", "2024-02-01", hours=8.0),
    placement("b30_same_day_tie", "2024-02-01", hours=32.0),
    placement("no_education_only", "2024-01-10", kind="uddannelse"),
    placement("no_job_before_enrollment", "2023-11-01", hours=25.0),
    placement("no_job_ended_before_period", "2023-03-01", "2023-12-31", hours=25.0),
    placement("no_job_after_period", "2024-04-01", hours=25.0),
    placement("no_exited_before_period", "2023-06-01", hours=25.0),
    placement("no_job_after_exit", "2024-03-01", hours=25.0),
    placement("no_other_target_group", "2024-01-10", hours=25.0),
]

# By hand, from the names above.
HOURS_EXPECTED = {"under_10": 1, "10_19": 3, "20_29": 2, "30_37": 3, "over_37": 1, "unknown": 1}


@pytest.fixture(scope="module")
def hours_extract(tmp_path_factory):
    tables = base_tables()
    tables["participants"] = HOURS_COURSES
    tables["placements"] = HOURS_PLACEMENTS
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("hours"), tables)))


PSYKIATRI = kpis.Filters(target_group="psykiatri")


def test_hours_bands_at_their_edges(hours_extract):
    raw = outcomes.hours_raw(hours_extract, *Q1, PSYKIATRI)
    assert dict(zip(raw["band"], raw["courses"])) == HOURS_EXPECTED
    assert list(raw["label"]) == list(outcomes.HOURS_BANDS.values())


def test_hours_bands_add_up_to_the_job_rates_numerator(hours_extract):
    # Each course in job once, so the bands are the parts of placed_job: one more reason to protect them together.
    raw = outcomes.hours_raw(hours_extract, *Q1, PSYKIATRI)
    kpi = kpis.kpi_raw(hours_extract, *Q1, filters=PSYKIATRI).iloc[0]
    assert raw["courses"].sum() == kpi["placed_job"] == 11


def test_hours_follow_the_filters(hours_extract):
    raw = outcomes.hours_raw(hours_extract, *Q1, kpis.Filters(target_group="misbrug"))
    assert dict(zip(raw["band"], raw["courses"])) == {b: int(b == "20_29") for b in outcomes.HOURS_BANDS}


def test_hours_are_protected_as_parts_of_a_total(hours_extract):
    # Threshold 3: bands 1, 3, 2, 3, 1, 1. Small: under_10, 20_29, over_37, unknown (four cells adding to 5,
    # so no secondary cell is needed); 3 and 3 are shown.
    out = outcomes.hours_table(hours_extract, *Q1, PSYKIATRI, min_count=3)
    assert list(out["courses"]) == ["<3", 3, "<3", 3, "<3", "<3"]
    # Threshold 2: only the ones are small (three cells adding to 3 >= 2): shown as "<2", the rest as counted.
    out = outcomes.hours_table(hours_extract, *Q1, PSYKIATRI, min_count=2)
    assert list(out["courses"]) == ["<2", 3, 2, 3, "<2", "<2"]


def test_a_lone_small_band_is_hidden_alone(hours_extract):
    # IPS+ courses: 10-19 three (10, 19.99, 12), 30-37 three (30, 37, 32), over 37 one; no unknown band.
    # Threshold 3: the lone 1 is hidden; no other band with it, since the total (the job rate's
    # numerator) is published with its own noise (the cell key method; the ptable adds none below 6).
    out = outcomes.hours_table(hours_extract, *Q1, kpis.Filters(variant="IPS+"), min_count=3)
    assert list(out["band"]) == ["under_10", "10_19", "20_29", "30_37", "over_37"]
    assert list(out["courses"]) == [0, 3, 0, 3, "<3"]


def test_no_unknown_band_when_every_job_has_hours(hours_extract):
    out = outcomes.hours_table(hours_extract, *Q1, kpis.Filters(target_group="misbrug"), min_count=0)
    assert "unknown" not in set(out["band"])
    assert list(out["courses"]) == [0, 0, 1, 0, 0]


# --- Funnel limits -----------------------------------------------------------------------


def test_funnel_limits_of_the_contract_example():
    # n = 5, p0 = 0.38 (the data contract's "Comparing municipalities fairly"): F(0) = 0.62^5 = 0.0916
    # is already above 0.025, so the lower limit is (0 - (0.0916 - 0.025) / 0.0916) / 5 < 0, clipped to 0;
    # F(3) = 0.9275 < 0.975 <= F(4) = 0.9921, so the upper is (4 - (0.9921 - 0.975) / 0.0646) / 5 = 0.747.
    low, high = stats.funnel_limits(0.38, 5, stats.TAIL95)
    assert (float(low), float(high)) == pytest.approx((0.0, 0.7472), abs=1e-4)
    # 0 of 5 happens 9 % of the time by chance: not unusual (a Wilson interval around p0 said it was).
    assert outcomes.funnel_position(0.0, 5, 0.38) == "inside"


P0S = [0.0, 0.001, 0.02, 0.1, 0.25, 0.38, 0.5, 0.62, 0.9, 0.999, 1.0]
NS = [1, 2, 3, 4, 5, 7, 10, 13, 20, 37, 50, 100, 251, 1000, 4999, 100_000]


@pytest.mark.parametrize("tail", [stats.TAIL95, stats.TAIL998])
def test_funnel_limits_equal_the_binomial_reference(tail):
    binom = pytest.importorskip("scipy.stats").binom

    def reference(n, p0, q):
        r = binom.ppf(q, n, p0)
        f, below = binom.cdf(r, n, p0), binom.cdf(r - 1, n, p0)
        return min(max((r - (f - q) / (f - below)) / n, 0.0), 1.0)

    for p0 in P0S:
        low, high = stats.funnel_limits(p0, NS, tail)
        for n, lo, hi in zip(NS, low, high, strict=True):
            assert lo == pytest.approx(reference(n, p0, tail), abs=1e-9), (n, p0, tail)
            assert hi == pytest.approx(reference(n, p0, 1 - tail), abs=1e-9), (n, p0, 1 - tail)


def test_funnel_limits_narrow_as_n_grows_and_stay_in_0_1():
    low, high = stats.funnel_limits(0.4, [5, 20, 100, 1000], stats.TAIL998)
    assert all(a > b for a, b in itertools.pairwise(high)) and all(a < b for a, b in itertools.pairwise(low))
    assert low.min() >= 0 and high.max() <= 1
    assert np.isnan(stats.funnel_limits(0.4, [0], stats.TAIL95)[0]).all()


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.60, "high_998"),  # above 0.548574 (99.8 % at n = 100, p0 = 0.4)
        (0.52, "high_95"),  # between 0.492031 and 0.548574
        (0.49, "inside"),  # just under the 95 % limit
        (0.40, "inside"),
        (0.29, "low_95"),  # between 0.246988 and 0.300144
        (0.24, "low_998"),  # under 0.246988
    ],
)
def test_funnel_position_at_n_100(rate, expected):
    assert outcomes.funnel_position(rate, 100, 0.4) == expected


def test_on_a_limit_is_inside():
    low, high = stats.funnel_limits(0.4, 100, stats.TAIL95)
    assert outcomes.funnel_position(float(high), 100, 0.4) == "inside"
    assert outcomes.funnel_position(float(low), 100, 0.4) == "inside"


# --- Municipalities side by side ------------------------------------------------------------
# Vejle 20 active (10 placed), Kolding 30 (9), Fredericia 12 (6), Odense 3 (1), Svendborg planned
# with none, Assens starting after the quarter with none. Region: 26 of 65 = 40 %.
SIZES = {630: (20, 10), 621: (30, 9), 607: (12, 6), 461: (3, 1)}
# Besides Vejle (tests.builders.base_tables).
MUNICIPALITIES = [
    {"municipality_code": 621, "name": "Kolding", "region": "Syddanmark", "ips_start": dt.date(2020, 1, 1)},
    {"municipality_code": 607, "name": "Fredericia", "region": "Syddanmark", "ips_start": dt.date(2020, 1, 1)},
    {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": dt.date(2019, 1, 1)},
    {"municipality_code": 479, "name": "Svendborg", "region": "Syddanmark", "ips_start": None},
    {"municipality_code": 420, "name": "Assens", "region": "Syddanmark", "ips_start": dt.date(2024, 9, 1)},
]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"] += MUNICIPALITIES
    people, jobs = [], []
    for code, (active, placed) in SIZES.items():
        for i in range(active):
            pid = f"m{code}_{i}"
            people.append(course(pid, "2023-05-01", "2023-06-01", municipality_code=code))
            if i < placed:
                jobs.append(placement(pid, "2024-02-01"))
    tables["participants"] = people
    tables["placements"] = jobs
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("region"), tables)))


def test_municipality_table_has_the_region_first_and_planned_without_zeros(region):
    exact = outcomes.municipality_table(region, *Q1, min_count=0)
    assert exact.iloc[0]["municipality"] == outcomes.REGION and exact.iloc[0]["active_in_period"] == 65
    assert exact.iloc[0]["placement_rate"] == pytest.approx(0.4)
    t = outcomes.municipality_table(region, *Q1, min_count=5)  # published: within 2 of the true count
    assert t.iloc[0]["municipality"] == outcomes.REGION and abs(t.iloc[0]["active_in_period"] - 65) <= 2
    rows = t.set_index("municipality")
    assert rows.loc["Svendborg", "status"] == "Planlagt"
    assert all(rows.loc["Svendborg", k] is None for k in kpis.FIGURES)
    # Assens has not started by the period's end: its zeros are true zeros, and its status says so.
    assert rows.loc["Assens", "status"] == "Starter 01.09.2024" and rows.loc["Assens", "active_in_period"] == 0
    assert rows.loc["Vejle", "status"] == "Siden 01.01.2019" and bool(rows.loc["Vejle", "is_started"])


def test_municipality_table_ignores_the_municipality_filter(region):
    everyone = outcomes.municipality_table(region, *Q1, min_count=5)
    chosen = outcomes.municipality_table(region, *Q1, kpis.Filters(municipalities=(630,)), min_count=5)
    assert everyone.astype(str).equals(chosen.astype(str))


def test_funnel_points_hidden_and_planned(region):
    exact = outcomes.funnel(region, *Q1, min_count=0)
    assert exact.region_rate == pytest.approx(26 / 65)
    assert exact.points.set_index("municipality").loc["Vejle", "placement_rate"] == pytest.approx(0.5)
    f = outcomes.funnel(region, *Q1, min_count=5)
    # Published: the region's rate from its published counts, to whole percent.
    assert f.region_rate == round(f.region_rate, 2) and abs(f.region_rate - 26 / 65) < 0.05
    # Odense's 3 active and 1 placed are small; no other municipality is hidden with it any more
    # (Fredericia was, by secondary suppression, which the consistent noise replaces).
    assert f.hidden == ("Odense",)
    assert f.planned == ("Svendborg",)
    assert f.without_courses == ("Assens",)
    points = f.points.set_index("municipality")
    assert sorted(points.index) == ["Fredericia", "Kolding", "Vejle"]
    # Vejle 0.5 at n = 20 is under the 95 % limit 0.613423; Kolding 0.3 at n = 30 over the lower 0.245902.
    assert points.loc["Vejle", "position"] == "inside" and points.loc["Kolding", "position"] == "inside"
    # The limits start at the threshold and go past the largest municipality.
    assert f.limits["n"].min() == 5 and f.limits["n"].max() >= 30
    summary = outcomes.funnel_summary(f)
    assert "inden for 95 %-grænserne" in summary and "Odense" in summary and "Svendborg" in summary


def test_changes_only_where_both_figures_are_shown(region):
    # The quarter before: nobody placed yet (placements start in February 2024), everyone active.
    before = dt.date(2023, 10, 1), dt.date(2023, 12, 31)
    exact = outcomes.changes(region, *Q1, *before, min_count=0).set_index("municipality")
    assert exact.loc["Vejle", "placement_rate_change"] == pytest.approx(0.5)
    assert exact.loc["Hele regionen", "placement_rate_change"] == pytest.approx(0.4)
    out = outcomes.changes(region, *Q1, *before, min_count=5).set_index("municipality")
    assert abs(out.loc["Vejle", "placement_rate_change"] - 0.5) < 0.1
    # Odense: rate hidden now, so no change.
    assert out["placement_rate_change"].isna()["Odense"]
    assert "Svendborg" not in out.index  # planned, nothing in either period


# Waiting all quarter: Vejle 20, Kolding 30, Fredericia 12, Odense 3 (referred in December, never
# started; Assens starts after the quarter, Svendborg is planned); Odense's 3 is hidden; the region's
# 65 less the rest does not give it back, every count being published with its own noise.
WAITING = {630: 20, 621: 30, 607: 12, 461: 3}


@pytest.fixture(scope="module")
def waiting_region(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"] += MUNICIPALITIES
    tables["participants"] = [
        course(f"w{code}_{i}", "2023-12-01", municipality_code=code) for code, n in WAITING.items() for i in range(n)
    ]
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("waiting"), tables)))


def test_monthly_waiting_by_municipality_is_published_with_consistent_noise(waiting_region):
    df = outcomes.monthly_by_municipality(waiting_region, *Q1, min_count=5)
    # Started municipalities only, in code order, a row per month.
    assert list(dict.fromkeys(df["municipality"])) == ["Odense", "Fredericia", "Kolding", "Vejle"]
    assert len(df) == 4 * 3
    for _, month in df.groupby("period_start"):
        shown = month.set_index("municipality")["waiting"].to_dict()
        # Odense's 3 hidden; the others within 2 of the truth (no other hidden with it any more).
        assert shown["Odense"] == "<5"
        assert all(abs(shown[m] - n) <= 2 for m, n in (("Fredericia", 12), ("Kolding", 30), ("Vejle", 20)))
    # Every figure shown is the one a page filtered to that municipality shows; a small one is "<5" there too.
    region_months = kpis.kpi_table(waiting_region, *Q1, by="month", min_count=5)
    assert len(set(region_months["waiting"])) == 1 and abs(region_months["waiting"][0] - 65) <= 2
    for code in WAITING:
        mine = df[df["municipality_code"] == code].reset_index(drop=True)
        theirs = kpis.kpi_table(waiting_region, *Q1, by="month", filters=kpis.Filters(municipalities=(code,)),
                                min_count=5)
        assert mine["period_start"].tolist() == theirs["period_start"].tolist()
        assert mine["waiting"].tolist() == theirs["waiting"].tolist()


def test_not_started_names_the_municipalities(region):
    assert outcomes.not_started(region, Q1[1]) == (None, False)
    assert outcomes.not_started(region, Q1[1], kpis.Filters(municipalities=(630,))) == (None, False)
    text, nothing = outcomes.not_started(region, Q1[1], kpis.Filters(municipalities=(479,)))
    assert "Svendborg (planlagt)" in text and "ingen resultater" in text and nothing
    text, nothing = outcomes.not_started(region, Q1[1], kpis.Filters(municipalities=(420, 630)))
    assert "Assens (starter 1. september 2024)" in text and "øvrige" in text and not nothing


def test_quarters_start():
    assert outcomes.quarters_start(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == dt.date(2024, 4, 1)
    assert outcomes.quarters_start(dt.date(2020, 2, 14), dt.date(2026, 3, 31)) == dt.date(2020, 1, 1)


def test_every_reference_has_a_source_and_is_a_share():
    keys = {s.key for s in outcomes.SOURCES}
    assert {r.source for r in outcomes.REFERENCES} == keys
    assert all(0 < r.value < 1 for r in outcomes.REFERENCES)
    table = outcomes.references_table()
    assert len(table) == len(outcomes.REFERENCES) and table["citation"].str.len().min() > 20


# --- The rate over rolling windows (the Overblik card's own trend) -------------------------------


def test_rolling_windows_end_with_each_month_and_last_with_the_period():
    d = dt.date
    assert outcomes.rolling_windows(d(2026, 10, 31), 12, 3) == [
        (d(2025, 9, 1), d(2026, 8, 31)), (d(2025, 10, 1), d(2026, 9, 30)), (d(2025, 11, 1), d(2026, 10, 31))
    ]
    # Over a new year and a leap February; one month long.
    assert outcomes.rolling_windows(d(2024, 3, 31), 1, 3) == [
        (d(2024, 1, 1), d(2024, 1, 31)), (d(2024, 2, 1), d(2024, 2, 29)), (d(2024, 3, 1), d(2024, 3, 31))
    ]
    # A period that ends mid-month (the extract's day): the last window ends there, the others on a month's end.
    assert outcomes.rolling_windows(d(2026, 11, 3), 3, 2) == [(d(2026, 8, 1), d(2026, 10, 31)),
                                                               (d(2026, 9, 1), d(2026, 11, 3))]
    assert len(outcomes.rolling_windows(d(2026, 10, 31), 12, 24)) == 24


def test_rolling_rate_is_each_windows_own_rate_and_ends_with_the_cards(region):
    # Everyone active from June 2023; 26 of the 65 courses placed on 1 February 2024.
    rolling = outcomes.rolling_rate(region, Q1[1], 3, count=3, min_count=5)
    assert list(rolling["window_start"]) == [dt.date(2023, 11, 1), dt.date(2023, 12, 1), dt.date(2024, 1, 1)]
    assert [ts.date() for ts in rolling["period_start"]] == [dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    # Each window's own published rate (the noise of its counts; exact: 0, 26/65, 26/65).
    windows = zip(rolling["window_start"], rolling["window_end"])
    assert list(rolling["placement_rate"]) == [kpis.kpi_table(region, a, b, min_count=5).iloc[0]["placement_rate"] for a, b in windows]
    assert list(rolling["placement_rate"]) == pytest.approx([0.0, 26 / 65, 26 / 65], abs=0.03)
    assert all(abs(n - 65) <= 2 for n in rolling["active_in_period"])
    # The last point is the card's figure for the same period, interval included.
    card = kpis.kpi_table(region, *Q1, min_count=5).iloc[0]
    last = rolling.iloc[-1]
    assert (last["placement_rate"], last["placement_rate_low"], last["placement_rate_high"]) == pytest.approx(
        (card["placement_rate"], card["placement_rate_low"], card["placement_rate_high"]))


def test_rolling_rate_is_protected_as_each_periods_own_figures(region):
    # Odense: 3 courses, 1 placed: every window's rate is over fewer than 5 courses, so hidden (None), never 0.
    odense = outcomes.rolling_rate(region, Q1[1], 3, count=3, filters=kpis.Filters(municipalities=(461,)), min_count=5)
    assert list(odense["placement_rate"]) == [None, None, None]
    assert list(odense["active_in_period"]) == ["<5", "<5", "<5"]
