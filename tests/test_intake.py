"""The intake and quality figures (ipsdash/figures/intake.py) on hand-made rows, answers worked out by hand.

Two municipalities: Vejle (630) delivers staffing, Odense (461) does not. Every course is named for
the edge case it stands for; the expected figures list which courses count and why.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ipsdash.extract import data
from ipsdash.figures import intake, kpis, privacy
from tests.builders import base_tables, course, d, write_extract

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))

ACTIVE = [
    # Vejle, active on 2024-03-31 (the end of that day): V1, V2, V4, V6–V9 = 7.
    course("V1_enrolled_long_ago", "2023-01-01", "2023-02-01"),
    course("V2_enrolled_on_last_day", "2024-03-01", "2024-03-31"),
    course("V3_exit_on_last_day", "2023-05-01", "2023-06-01", "2024-03-31"),
    course("V4_exit_the_day_after", "2023-05-01", "2023-06-01", "2024-04-01"),
    course("V5_only_waiting", "2024-02-01"),
    *[course(f"V{i}_plain", "2023-08-01", "2023-09-01") for i in range(6, 10)],
    # Odense delivers no staffing: three active courses, left out of the caseload.
    *[course(f"O{i}_no_staffing", "2023-09-01", "2023-10-01", municipality_code=461) for i in range(1, 4)],
]


def staffing(month: str, fte: float, trained: int = 1, in_training: int = 0, code: int = 630) -> dict:
    return {
        "municipality_code": code,
        "month": d(month),
        "consultants_fte": fte,
        "consultants_trained": trained,
        "consultants_in_training": in_training,
    }


STAFFING = [
    staffing("2023-06-01", 1.0),  # active on 2023-06-30: V1, V3, V4 = 3, a small count
    staffing("2024-02-01", 0.0, trained=0, in_training=2),  # a vacancy: no caseload, though 7 are active
    staffing("2024-03-01", 0.25, trained=1, in_training=1),  # 7 / 0,25 = 28: over the limit of 20
]

# Exits in the first quarter of 2024, by month and reason (and two just outside it).
EXITS = [
    *[course(f"JAN_afsluttet_{i}", "2023-01-01", "2023-02-01", "2024-01-15") for i in range(6)],
    course("JAN_frafald_from_waiting_list", "2023-12-01", None, "2024-01-31", exit_reason="frafald"),
    *[course(f"FEB_afsluttet_{i}", "2023-01-01", "2023-02-01", "2024-02-10") for i in range(5)],
    *[course(f"FEB_frafald_{i}", "2023-01-01", "2023-02-01", "2024-02-20", exit_reason="frafald") for i in range(5)],
    *[course(f"MAR_afsluttet_{i}", "2023-01-01", "2023-02-01", "2024-03-31") for i in range(5)],  # last day counts
    *[course(f"MAR_flyttet_{i}", "2023-01-01", "2023-02-01", "2024-03-05", exit_reason="flyttet") for i in range(2)],
    course("MAR_andet", "2023-01-01", "2023-02-01", "2024-03-06", exit_reason="andet"),
    course("DEC_before_period", "2023-01-01", "2023-02-01", "2023-12-31", exit_reason="frafald"),
    course("APR_after_period", "2023-01-01", "2023-02-01", "2024-04-01", exit_reason="frafald"),
    course("MAR_other_target_group", "2023-01-01", "2023-02-01", "2024-03-07", target_group="misbrug"),
]


def odense() -> dict:
    return {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-06-01")}


@pytest.fixture(scope="module")
def caseload_extract(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"].append(odense())
    tables["municipalities"].append(
        {"municipality_code": 479, "name": "Svendborg", "region": "Syddanmark", "ips_start": None}
    )
    tables["participants"] = ACTIVE
    tables["staffing"] = STAFFING
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("caseload"), tables)))


@pytest.fixture(scope="module")
def exits_extract(tmp_path_factory):
    tables = base_tables()
    tables["participants"] = EXITS
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("exits"), tables)))


# --- Caseload ------------------------------------------------------------------------------------------


def test_caseload_counts_active_on_the_months_last_day_over_that_months_fte(caseload_extract):
    rows = intake.caseload_by_month(caseload_extract, *MARCH, municipalities=(630,), min_count=0)
    row = rows.iloc[0]
    # V2 enrolled on the last day counts; V3 exited on it does not; V4 exits the day after; V5 only waits.
    assert row.active == 7
    assert row.consultants_fte == 0.25
    assert row.caseload == pytest.approx(28.0)
    assert (row.consultants_trained, row.consultants_in_training) == (1, 1)


def test_caseload_by_month_one_row_per_month_and_a_vacancy_has_no_caseload(caseload_extract):
    rows = intake.caseload_by_month(caseload_extract, dt.date(2024, 1, 1), dt.date(2024, 3, 31), (630,), min_count=0)
    assert list(rows["period_start"].dt.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03"]
    # January: no staffing row delivered, so no count either; February: 0 FTE with 7 active (V2 enrolls only on 31 March).
    assert pd.isna(rows.loc[0, "active"]) and rows["active"].tolist()[1:] == [7, 7]
    assert rows["consultants_fte"].isna().tolist() == [True, False, False]
    assert pd.isna(rows.loc[0, "caseload"]) and pd.isna(rows.loc[1, "caseload"])


def test_a_municipality_without_staffing_is_left_out_of_both_sums(caseload_extract):
    rows = intake.caseload_by_month(caseload_extract, *MARCH, min_count=0)
    row = rows.iloc[0]
    # Odense's 3 active courses are not laid on Vejle's consultants.
    assert row.active == 7 and row.caseload == pytest.approx(28.0)
    assert row.municipalities_without_staffing == 1


def test_caseload_small_numbers(caseload_extract):
    june = intake.caseload_by_month(caseload_extract, dt.date(2023, 6, 1), dt.date(2023, 6, 30), (630,), min_count=5)
    # 3 active: a small person count; the caseload 3 / 1,0 would give it back, so it goes too.
    assert june.loc[0, "active"] == "<5" and june.loc[0, "caseload"] is None
    assert june.loc[0, "consultants_fte"] == 1.0  # FTE is not a person count
    # March: Odense's 3 are left out (no staffing), so the region's active courses are Vejle's 7,
    # published as Vejle's alone and as kpi_table publishes Vejle's (the same courses, the same
    # noise); the caseload is worked out from the published count, never from the true 7.
    region = intake.caseload_by_month(caseload_extract, *MARCH, min_count=5)
    vejle = intake.caseload_by_month(caseload_extract, *MARCH, municipalities=(630,), min_count=5)
    shown = kpis.kpi_table(caseload_extract, *MARCH, "municipality", min_count=5).set_index("municipality")["active"]
    raw = kpis.kpi_raw(caseload_extract, *MARCH, "municipality").set_index("municipality")
    published = 7 + int(privacy.noise(np.array([7]), np.array([raw.loc["Vejle", "active_key"]]))[0])
    assert region.loc[0, "active"] == vejle.loc[0, "active"] == shown["Vejle"] == published
    assert region.loc[0, "caseload"] == vejle.loc[0, "caseload"] == pytest.approx(published / 0.25)


def test_staffing_by_municipality_flags_the_limit_on_published_counts(caseload_extract):
    raw = intake.staffing_by_municipality(caseload_extract, MARCH[1], min_count=0).set_index("municipality")
    assert raw.loc["Vejle", "caseload"] == pytest.approx(28.0) and bool(raw.loc["Vejle", "above_limit"])
    assert raw.loc["Odense", "active"] == 3 and pd.isna(raw.loc["Odense", "consultants_fte"])
    assert not raw.loc["Odense", "above_limit"]
    assert "Svendborg" not in raw.index  # neither staffing nor courses
    shown = intake.staffing_by_municipality(caseload_extract, MARCH[1], min_count=5).set_index("municipality")
    # Odense's 3 is small (judged on the true count); Vejle's 7 is published with its noise, as
    # kpi_table publishes it, so the region's figure less Vejle's no longer gives Odense's 3 back.
    assert shown.loc["Odense", "active"] == "<5" and shown.loc["Odense", "caseload"] is None
    kpi_raw = kpis.kpi_raw(caseload_extract, *MARCH, "municipality").set_index("municipality")
    kpi_shown = kpis.kpi_table(caseload_extract, *MARCH, "municipality", min_count=5).set_index("municipality")
    published = 7 + int(privacy.noise(np.array([7]), np.array([kpi_raw.loc["Vejle", "active_key"]]))[0])
    assert shown.loc["Vejle", "active"] == kpi_shown.loc["Vejle", "active"] == published >= 5
    # The caseload (and its flag) from the published count: caseload × FTE gives only that back.
    assert shown.loc["Vejle", "caseload"] == pytest.approx(published / 0.25)
    assert bool(shown.loc["Vejle", "above_limit"]) == (published / 0.25 > 20)
    assert shown.loc["Vejle", "consultants_fte"] == 0.25


def test_caseload_without_staffing_table(exits_extract):
    rows = intake.caseload_by_month(exits_extract, *MARCH, min_count=0)
    assert not exits_extract.has("staffing")
    assert rows["consultants_fte"].isna().all() and rows["caseload"].isna().all()


@pytest.mark.parametrize("municipalities", [(), (630,), (630, 461, 575)])
def test_a_months_caseload_is_the_last_row_of_any_period_ending_with_it(municipalities):
    demo = data.get_extract()
    months = intake.caseload_by_month(demo, dt.date(2023, 1, 1), dt.date(2025, 12, 31), municipalities, min_count=5)
    for start, end in [(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), (dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
                       (dt.date(2023, 1, 1), dt.date(2023, 1, 31))]:
        alone = intake.caseload_by_month(demo, start, end, municipalities, min_count=5).iloc[-1]
        pd.testing.assert_series_equal(intake.month_ending(months, end), alone, check_names=False)
    assert intake.month_ending(months, dt.date(2024, 6, 15)) is None  # not a month's last day
    assert intake.month_ending(months, dt.date(2022, 12, 31)) is None  # before the table


# --- Exits by reason ---------------------------------------------------------------------------------


def test_exits_by_reason_raw_by_month_and_period(exits_extract):
    raw = intake.exits_by_reason_raw(exits_extract, *Q1)
    cols = ["exits", *intake.EXIT_COLUMNS]  # afsluttet, frafald, flyttet, andet
    # January: 6 afsluttet and 1 frafald from the waiting list. February: 5 and 5. March: 5 afsluttet
    # (on the last day), 2 flyttet, 1 andet, and 1 afsluttet in the other target group.
    # December's and April's exits are outside.
    assert raw[cols].values.tolist() == [
        [7, 6, 1, 0, 0],
        [10, 5, 5, 0, 0],
        [9, 6, 0, 2, 1],
        [26, 17, 6, 2, 1],
    ]
    assert [str(x.date()) for x in raw["period_end"]] == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-03-31"]
    assert str(raw["period_start"].iloc[-1].date()) == "2024-01-01"


def test_exits_by_reason_filters_and_clips_months(exits_extract):
    raw = intake.exits_by_reason_raw(
        exits_extract, dt.date(2024, 1, 20), dt.date(2024, 3, 5), kpis.Filters(target_group="psykiatri")
    )
    # From 20 January: JAN_afsluttet (15th) is out, the frafald on the 31st in; to 5 March: the
    # flyttet on the 5th in, andet on the 6th and afsluttet on the 31st out.
    assert raw["exits"].tolist() == [1, 10, 2, 13]
    assert raw["exits_flyttet"].tolist() == [0, 0, 2, 2]


def test_exits_by_reason_total_equals_kpi_exits(exits_extract):
    raw = intake.exits_by_reason_raw(exits_extract, *Q1)
    monthly = kpis.kpi_table(exits_extract, *Q1, by="month", min_count=0)
    whole = kpis.kpi_table(exits_extract, *Q1, min_count=0)
    assert raw["exits"].tolist() == [*monthly["exits"], whole["exits"].iloc[0]]


def published(raw: pd.DataFrame, col: str) -> list[int]:
    """The published counts of a raw column: true count + the ptable's noise for its cell key."""
    true = raw[col].to_numpy()
    return (true + privacy.noise(true, raw[privacy.key_column(col)].to_numpy())).tolist()


@pytest.mark.parametrize("threshold", [5, 3])
def test_exits_by_reason_hides_small_parts_and_publishes_the_rest_with_their_noise(exits_extract, threshold):
    psykiatri = kpis.Filters(target_group="psykiatri")
    out = intake.exits_by_reason(exits_extract, *Q1, psykiatri, min_count=threshold)
    raw = intake.exits_by_reason_raw(exits_extract, *Q1, psykiatri)
    # Raw (psykiatri): Jan 7 = 6+1+0+0, Feb 10 = 5+5+0+0, Mar 8 = 5+0+2+1, period 25 = 16+6+2+1.
    # Small (below 5 and below 3 alike): Jan frafald 1, Mar flyttet 2 and andet 1, the period's
    # flyttet 2 and andet 1. Every other count is its true count plus its noise: no part is
    # hidden to protect another.
    small = f"<{threshold}"
    assert raw["exits_frafald"].tolist() == [1, 5, 0, 6] and raw["exits_andet"].tolist() == [0, 0, 1, 1]
    for col in ("exits", *intake.EXIT_COLUMNS):
        want = [small if 1 <= t < threshold else p for t, p in zip(raw[col], published(raw, col))]
        assert out[col].tolist() == want, col
    assert out["exits_frafald"].tolist()[0] == out["exits_flyttet"].tolist()[2] == small
    assert out["exits_andet"].tolist()[2:] == [small, small]
    # A month's exits are kpi_table's exits of that month (the same courses, the same cell key).
    keys = kpis.kpi_raw(exits_extract, *Q1, "month", psykiatri)["exits_key"].tolist()
    keys.append(kpis.kpi_raw(exits_extract, *Q1, filters=psykiatri)["exits_key"][0])
    assert [k % 256 for k in keys] == raw["exits_key"].tolist()
    monthly = kpis.kpi_table(exits_extract, *Q1, "month", psykiatri, min_count=threshold)["exits"].tolist()
    whole = kpis.kpi_table(exits_extract, *Q1, "none", psykiatri, min_count=threshold)["exits"][0]
    assert out["exits"].tolist() == [*monthly, whole]


def test_exit_shares_come_from_published_counts_and_hide_with_the_rule(exits_extract):
    psykiatri = kpis.Filters(target_group="psykiatri")
    out = intake.exits_by_reason(exits_extract, *Q1, psykiatri, min_count=5)
    raw = intake.exits_by_reason_raw(exits_extract, *Q1, psykiatri)
    exits = published(raw, "exits")
    for col, share in zip(intake.EXIT_COLUMNS, intake.EXIT_SHARES):
        for i, (num, den, pub) in enumerate(zip(raw[col], raw["exits"], published(raw, col))):
            if any(1 <= x < 5 for x in (num, den, den - num)):
                assert out.at[i, share] is None, (col, i)
            else:
                assert out.at[i, share] == round(pub / exits[i], 2), (col, i)
    # Jan afsluttet 6 of 7 (1 other) and Mar afsluttet 5 of 8 (3 others) are hidden by the difference.
    assert out["exit_share_afsluttet"].tolist()[0] is None and out["exit_share_afsluttet"].tolist()[2] is None
    assert out["exit_share_frafald"].tolist()[2] == 0.0  # 0 of 8: nothing to hide


def test_exit_reasons_in_period_shares(exits_extract):
    table = intake.exits_by_reason(exits_extract, *Q1, min_count=0)
    shares = intake.exit_reasons_in_period(table)
    assert shares["exit_reason"].tolist() == ["Afsluttet som planlagt", "Frafald", "Flyttet", "Andet"]
    assert shares["exits"].tolist() == [17, 6, 2, 1]
    assert shares["exit_share"].tolist() == pytest.approx([17 / 26, 6 / 26, 2 / 26, 1 / 26])
    table = intake.exits_by_reason(exits_extract, *Q1, min_count=5)
    hidden = intake.exit_reasons_in_period(table)
    # The period's row as published: flyttet 2 and andet 1 hidden, with their shares.
    assert hidden["exits"].tolist() == table[list(intake.EXIT_COLUMNS)].iloc[-1].tolist()
    assert hidden["exits"].tolist()[2:] == ["<5", "<5"]
    assert hidden["exit_share"].tolist() == table[list(intake.EXIT_SHARES)].iloc[-1].tolist()
    assert hidden["exit_share"].tolist()[2:] == [None, None]


def test_no_exits_gives_zeros_not_an_empty_table(caseload_extract):
    out = intake.exits_by_reason(caseload_extract, dt.date(2020, 1, 1), dt.date(2020, 2, 29), min_count=5)
    assert len(out) == 3 and out["exits"].tolist() == [0, 0, 0]


# --- Breakdowns, fidelity, municipalities without IPS -----------------------------------------------


def test_breakdowns_are_kpi_tables_figures_with_danish_groups(exits_extract):
    out = intake.breakdowns(exits_extract, *Q1, min_count=0)
    assert out["breakdown"].unique().tolist() == ["Målgruppe", "Variant", "Alder", "Køn"]
    sex = out[out["breakdown"] == "Køn"]
    assert sex["group"].tolist() == ["Kvinder", "Mænd", "Køn ikke oplyst"]
    expected = kpis.kpi_table(exits_extract, *Q1, by="sex", min_count=0)
    assert sex["exits"].tolist() == expected["exits"].tolist()
    assert out[out["breakdown"] == "Alder"]["group"].tolist()[-1] == "Alder ikke oplyst"


@pytest.mark.parametrize(
    ("score", "level"),
    [(125, "eksemplarisk"), (115, "eksemplarisk"), (114, "god"), (100, "god"), (99, "rimelig"), (74, "rimelig"),
     (73, "ikke IPS"), (25, "ikke IPS"), (None, None)],
)  # fmt: skip
def test_fidelity_levels_at_their_edges(score, level):
    assert intake.fidelity_level(score) == level


@pytest.fixture(scope="module")
def fidelity_extract(tmp_path_factory):
    tables = base_tables()
    tables["municipalities"].append(odense())
    tables["fidelity_reviews"] = [
        {"municipality_code": 630, "review_date": d("2022-05-01"), "total_score": 73},
        {"municipality_code": 630, "review_date": d("2023-05-01"), "total_score": 99},
        {"municipality_code": 630, "review_date": d("2024-05-01"), "total_score": 115},
        {"municipality_code": 630, "review_date": d("2024-07-01"), "total_score": 120},  # after the end
    ]
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("fidelity"), tables)))


def test_fidelity_latest_on_or_before_the_end(fidelity_extract):
    out = intake.fidelity_latest(fidelity_extract, dt.date(2024, 6, 30), min_count=5).set_index("municipality")
    vejle = out.loc["Vejle"]
    assert (vejle.fidelity, vejle.fidelity_level, vejle.previous_fidelity, vejle.fidelity_change) == (
        115,
        "eksemplarisk",
        99,
        16,
    )
    assert vejle.review_date == pd.Timestamp("2024-05-01")
    odense_row = out.loc["Odense"]  # no review: a row that says so
    assert pd.isna(odense_row.fidelity) and odense_row.fidelity_level == "ingen måling endnu"
    only = intake.fidelity_latest(fidelity_extract, dt.date(2024, 6, 30), (461,), min_count=5)
    assert only["municipality"].tolist() == ["Odense"]
    reviews = intake.fidelity_reviews(fidelity_extract, dt.date(2024, 6, 30), min_count=5)
    assert reviews["fidelity_level"].tolist() == ["ikke IPS", "rimelig", "eksemplarisk"]


def test_fidelity_and_staffing_absent(exits_extract):
    assert not exits_extract.has("fidelity_reviews")
    assert intake.fidelity_reviews(exits_extract, Q1[1], min_count=5).empty
    assert intake.fidelity_latest(exits_extract, Q1[1], min_count=5)["fidelity_level"].tolist() == ["ingen måling endnu"]


def test_not_started_and_trend_start(caseload_extract):
    # Svendborg is planned (no start); Vejle started 2019, Odense mid-2019.
    assert intake.not_started(caseload_extract, MARCH[1], (630, 461, 479)) == ["Svendborg"]
    assert intake.not_started(caseload_extract, dt.date(2019, 3, 31), (630, 461)) == ["Odense"]
    assert intake.not_started(caseload_extract, MARCH[1], ()) == []
    # Two years back from the end, as on Overblik ...
    assert intake.trend_start(caseload_extract, *MARCH) == dt.date(2022, 4, 1)
    # ... but not before IPS started there, and never after the period's start.
    assert intake.trend_start(caseload_extract, dt.date(2020, 3, 1), dt.date(2020, 6, 30), (461,)) == dt.date(
        2019, 6, 1
    )
    assert intake.trend_start(caseload_extract, dt.date(2019, 1, 1), dt.date(2020, 6, 30), (461,)) == dt.date(
        2019, 1, 1
    )
