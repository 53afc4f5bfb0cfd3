"""The prepared copies (ipsdash/extract/prepared.py), the runs of placed days (queries/base/30_placed_spans.sql)
and the period index (queries/base/40_period_index.sql) that make kpis.sql fast, on hand-made rows
with the answers worked out by hand; and prepared extracts giving the very figures unprepared ones do.
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

from ipsdash.extract import data, prepared
from ipsdash.figures import kpis
from tests.builders import base_tables, course, d, placement, write_extract
from tests.test_differencing import random_extract


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Prepare every extract, however small, into a fresh cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("IPS_CACHE_DIR", str(folder))
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", "0")
    return folder


def scalar(ex, sql: str, params: dict | None = None):
    return ex.cursor().execute(sql, params or {}).fetchone()[0]


# --- period_index -------------------------------------------------------------------------------

INDEX = "select period_index(cast($d as date), date '2024-01-15', date '2024-06-10', $grain)"


@pytest.mark.parametrize(
    ("day", "grain", "index"),
    [
        ("2024-01-14", "month", -1),  # the day before the span
        ("2024-01-15", "month", 0),  # its first day: the clipped first month
        ("2024-01-31", "month", 0),
        ("2024-02-01", "month", 1),
        ("2024-06-10", "month", 5),  # its last day, in the clipped sixth month
        ("2024-06-11", "month", 1_000_000),  # after the span: after every period
        ("2024-03-31", "quarter", 0),  # January to March is the first quarter, clipped
        ("2024-04-01", "quarter", 1),
        ("2024-06-10", "whole", 0),
        ("2023-12-31", "whole", -1),
    ],
)
def test_period_index(tmp_path, day, grain, index):
    ex = data.open_extract(str(write_extract(tmp_path, base_tables())))
    assert scalar(ex, INDEX, {"d": d(day), "grain": grain}) == index


def test_period_index_of_no_day_is_none(tmp_path):
    ex = data.open_extract(str(write_extract(tmp_path, base_tables())))
    assert scalar(ex, INDEX, {"d": None, "grain": "month"}) is None


# --- placed_spans -------------------------------------------------------------------------------

SPAN_COURSES = [
    course("A_overlapping_jobs", "2023-01-01", "2023-01-10"),
    course("B_gap_between", "2023-01-01", "2023-01-10"),
    course("C_job_and_education", "2023-01-01", "2023-01-10"),
    course("D_only_before_enrollment", "2023-01-01", "2023-03-01"),
    course("E_open_inside_ended", "2023-01-01", "2023-01-10", "2024-12-31"),
]
SPAN_PLACEMENTS = [
    # A: two jobs that overlap, and a third starting inside the second: one run to 2023-09-30.
    placement("A_overlapping_jobs", "2023-02-01", "2023-05-31"),
    placement("A_overlapping_jobs", "2023-05-01", "2023-08-31"),
    placement("A_overlapping_jobs", "2023-08-31", "2023-09-30"),
    # B: two jobs with a day between them stay two runs; the second knows where the first ended.
    placement("B_gap_between", "2023-02-01", "2023-02-28"),
    placement("B_gap_between", "2023-03-02", None),
    # C: a job, then education overlapping it: one 'any' run, one run of each kind.
    placement("C_job_and_education", "2023-02-01", "2023-06-30"),
    placement("C_job_and_education", "2023-06-01", "2023-12-31", kind="uddannelse"),
    # D: before enrollment, never counts.
    placement("D_only_before_enrollment", "2023-02-01", "2023-02-28"),
    # E: an ongoing placement swallows one that ends inside it.
    placement("E_open_inside_ended", "2023-03-01", None),
    placement("E_open_inside_ended", "2023-04-01", "2023-05-31"),
]


@pytest.fixture(scope="module")
def spans(tmp_path_factory):
    tables = base_tables()
    tables["participants"], tables["placements"] = SPAN_COURSES, SPAN_PLACEMENTS
    ex = data.open_extract(str(write_extract(tmp_path_factory.mktemp("spans"), tables)))
    df = ex.cursor().execute("select * from placed_spans order by participant_id, kind, start_date").df()
    return {
        (row.participant_id, row.kind): [
            (r.start_date.date(), None if pd.isna(r.end_date) else r.end_date.date(),
             None if pd.isna(r.previous_end) else r.previous_end.date())
            for r in df[(df.participant_id == row.participant_id) & (df.kind == row.kind)].itertuples()
        ]
        for row in df.itertuples()
    }  # fmt: skip


def test_overlapping_placements_merge_into_one_run(spans):
    assert spans[("A_overlapping_jobs", "any")] == [(d("2023-02-01"), d("2023-09-30"), None)]
    assert spans[("A_overlapping_jobs", "job")] == spans[("A_overlapping_jobs", "any")]


def test_a_gap_keeps_two_runs_and_the_second_knows_the_first_end(spans):
    assert spans[("B_gap_between", "any")] == [
        (d("2023-02-01"), d("2023-02-28"), None),
        (d("2023-03-02"), None, d("2023-02-28")),  # ongoing
    ]


def test_kinds_have_their_own_runs_and_any_joins_them(spans):
    assert spans[("C_job_and_education", "job")] == [(d("2023-02-01"), d("2023-06-30"), None)]
    assert spans[("C_job_and_education", "uddannelse")] == [(d("2023-06-01"), d("2023-12-31"), None)]
    assert spans[("C_job_and_education", "any")] == [(d("2023-02-01"), d("2023-12-31"), None)]


def test_placements_that_do_not_count_make_no_run(spans):
    assert not [key for key in spans if key[0] == "D_only_before_enrollment"]


def test_an_ongoing_placement_swallows_one_inside_it(spans):
    assert spans[("E_open_inside_ended", "any")] == [(d("2023-03-01"), None, None)]


# --- prepared copies ----------------------------------------------------------------------------

PERIODS = [
    (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    (dt.date(2023, 7, 15), dt.date(2023, 9, 30)),
    (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    (dt.date(2022, 1, 1), dt.date(2025, 12, 31)),
]


@pytest.mark.parametrize("seed", [21, 22])
def test_a_prepared_extract_gives_the_same_figures(tmp_path, monkeypatch, cache, seed):
    prepared_ex = random_extract(tmp_path / "a", seed)
    assert "read_parquet" in scalar(prepared_ex, "select sql from duckdb_views() where view_name = 'courses'")
    assert any(cache.iterdir())
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", str(10**9))
    plain = random_extract(tmp_path / "b", seed)
    assert "read_parquet" not in scalar(plain, "select sql from duckdb_views() where view_name = 'courses'")
    for start, end in PERIODS:
        for by in kpis.BY:
            for f in (kpis.Filters(), kpis.Filters(municipalities=(630, 480), variant="IPS")):
                got = kpis.kpi_raw(prepared_ex, start, end, by, f)
                want = kpis.kpi_raw(plain, start, end, by, f)
                pd.testing.assert_frame_equal(got, want, obj=f"{start}–{end} by {by} {f}")
    for view in prepared.VIEWS:
        sql = f"select * from {view} order by all"  # fixed view names, not user input
        pd.testing.assert_frame_equal(prepared_ex.cursor().execute(sql).df(), plain.cursor().execute(sql).df())


def test_prepared_once_per_data_version(tmp_path, cache):
    path = write_extract(tmp_path / "x", {**base_tables(), "participants": [course("p1", "2024-01-01", "2024-01-02")]})
    first = data.open_extract(str(path))
    folders = sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))
    assert len(folders) == 1
    data.open_extract(str(path))  # the same version: the same folder, not written again
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".")) == folders
    # A new delivery is a new version: prepared again, into its own folder.
    write_extract(path, {**base_tables(), "participants": [course("p1", "2024-01-01"), course("p2", "2024-02-01")]})
    os.utime(path / "participants.parquet", ns=(1, 1))
    second = data.open_extract(str(path))
    assert second.version != first.version
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2
    assert scalar(second, "select count(*) from courses") == 2


def test_an_unwritable_cache_leaves_the_views_as_defined(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("IPS_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", "0")
    ex = random_extract(tmp_path / "c", 23)
    assert "read_parquet" not in scalar(ex, "select sql from duckdb_views() where view_name = 'courses'")
    assert kpis.kpi_raw(ex, *PERIODS[0]).iloc[0]["active_in_period"] > 0


def test_small_extracts_are_not_prepared(tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("IPS_PREPARE_MIN_COURSES", raising=False)
    random_extract(tmp_path / "d", 24)
    assert not (tmp_path / "cache").exists()


def test_the_contract_check_of_a_prepared_version_is_kept_beside_its_copies(tmp_path, cache, monkeypatch):
    from ipsdash.delivery import check, status

    ex = data.open_extract(str(write_extract(tmp_path / "x", base_tables())))
    first = status.check_current(ex)
    assert list(cache.glob("*/check-*.json"))
    monkeypatch.setattr(check, "check_extract", lambda *_: pytest.fail("checked again"))
    pd.testing.assert_frame_equal(status.check_current(ex), first)
    # Not prepared: checked each time, nothing written.
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", "1000000")
    small = data.open_extract(str(write_extract(tmp_path / "y", base_tables())))
    with pytest.raises(pytest.fail.Exception, match="checked again"):
        status.check_current(small)
