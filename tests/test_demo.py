"""The demo extract (ipsdash.demo): deterministic, typed and ordered as the contract says, plausible.

Most tests read one small extract (seed 7, 1,500 courses) through DuckDB; the ones about
determinism, chunking and another `as_of` write their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ipsdash import demo
from ipsdash.contract import TABLES
from tests.builders import ARROW_TYPE

CPR_LIKE = re.compile(r"^\d{6}-?\d{4}$")
PROGRAMME = {630, 461, 430, 410, 607, 573, 530, 480}
AS_OF = demo.DEMO_AS_OF

# Every date column of the tables that record events (grants' periods may run past as_of).
EVENT_DATES = {
    "municipalities": ("ips_start",),
    "participants": ("referral_date", "enrollment_date", "exit_date"),
    "placements": ("start_date", "end_date"),
    "expenditures": ("posting_date",),
    "staffing": ("month",),
    "fidelity_reviews": ("review_date",),
}


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"create view {table} as select * from read_parquet('{path / table}.parquet')")
    return con


def file_hashes(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("demo")
    return path, demo.write_demo(path, seed=7, courses=1500)


@pytest.fixture(scope="module")
def con(extract):
    con = connect(extract[0])
    yield con
    con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    return con.execute(sql, params or {}).fetchone()[0]


# --- determinism and files -----------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    demo.write_demo(tmp_path / "a", seed=3, courses=400)
    demo.write_demo(tmp_path / "b", seed=3, courses=400)
    demo.write_demo(tmp_path / "c", seed=4, courses=400)
    a, b, c = (file_hashes(tmp_path / name) for name in "abc")
    assert a == b
    assert a["participants.parquet"] != c["participants.parquet"]
    assert a["placements.parquet"] != c["placements.parquet"]


def test_writes_one_file_per_table_and_no_leftovers(extract):
    path, rows = extract
    # The tables and the manifest of their digests (how the dashboard knows the demo extract).
    assert sorted(p.name for p in path.iterdir()) == sorted([*(f"{t}.parquet" for t in TABLES), demo.DEMO_MANIFEST_NAME])
    assert list(rows) == list(TABLES)
    for table, count in rows.items():
        assert pq.ParquetFile(path / f"{table}.parquet").metadata.num_rows == count, table
    assert rows["participants"] == 1500


def test_columns_and_arrow_types_are_the_contract_in_order(extract):
    assert demo.ARROW_TYPE == ARROW_TYPE
    for table, spec in TABLES.items():
        schema = pq.read_schema(extract[0] / f"{table}.parquet")
        assert [(f.name, f.type) for f in schema] == [(c.name, ARROW_TYPE[c.kind]) for c in spec.columns], table


def test_required_columns_have_no_nulls_and_text_is_allowed(con):
    for table, spec in TABLES.items():
        for column in spec.columns:
            if not column.nullable:
                assert scalar(con, f"select count(*) from {table} where {column.name} is null") == 0, column
            if column.allowed:
                found = {r[0] for r in con.execute(f"select distinct {column.name} from {table}").fetchall()}
                assert found - {None} <= set(column.allowed), (table, column.name)


def test_keys_are_unique(con):
    for table, spec in TABLES.items():
        if spec.key:
            keys = ", ".join(spec.key)
            dupes = scalar(con, f"select count(*) from (select {keys} from {table} group by all having count(*) > 1)")
            assert dupes == 0, table


# --- courses -------------------------------------------------------------------------------------


def test_participant_ids_are_unique_and_never_cpr_like(con):
    ids = [r[0] for r in con.execute("select participant_id from participants").fetchall()]
    assert len(set(ids)) == len(ids)
    assert not [i for i in ids if CPR_LIKE.match(i)]
    assert all(re.fullmatch(r"P[0-9A-Z]{8}", i) for i in ids)


def test_course_dates_are_ordered(con):
    assert scalar(con, "select count(*) from participants where enrollment_date < referral_date") == 0
    sql = "select count(*) from participants where exit_date < coalesce(enrollment_date, referral_date)"
    assert scalar(con, sql) == 0


def test_exit_reason_is_set_iff_exit_date_is(con):
    assert scalar(con, "select count(*) from participants where (exit_reason is null) <> (exit_date is null)") == 0
    # Leaving the waiting list is never "support ended as planned".
    sql = "select count(*) from participants where enrollment_date is null and exit_reason = 'afsluttet'"
    assert scalar(con, sql) == 0


def test_nothing_is_dated_after_as_of(con):
    for table, columns in EVENT_DATES.items():
        for column in columns:
            assert scalar(con, f"select count(*) from {table} where {column} > $d", {"d": AS_OF}) == 0, column


def test_referrals_start_no_earlier_than_ips_there(con):
    sql = """
        select count(*)
        from participants p
        join municipalities m using (municipality_code)
        where m.ips_start is null or p.referral_date < m.ips_start
    """
    assert scalar(con, sql) == 0


def test_the_eight_programme_municipalities_have_courses(con):
    rows = con.execute("""
        select municipality_code, count(p.participant_id)
        from municipalities m
        left join participants p using (municipality_code)
        where m.ips_start is not null
        group by all
    """).fetchall()
    courses = dict(rows)
    assert set(courses) >= PROGRAMME
    assert all(courses[code] > 0 for code in PROGRAMME)
    assert courses[461] == max(courses.values())  # Odense is the biggest
    assert {r[0] for r in con.execute("select distinct region from municipalities").fetchall()} == {"Syddanmark"}


def test_planned_municipalities_have_no_courses_nor_staffing(con):
    sql = "select municipality_code from municipalities where ips_start is null"
    planned = [r[0] for r in con.execute(sql).fetchall()]
    assert len(planned) >= 2
    for table in ("participants", "staffing", "fidelity_reviews"):
        sql = f"select count(*) from {table} where municipality_code in (select unnest($codes))"
        assert scalar(con, sql, {"codes": planned}) == 0, table


def test_waiting_is_mostly_weeks_and_some_leave_or_still_wait(con):
    median, p90 = con.execute("""
        select median(enrollment_date - referral_date), quantile_cont(enrollment_date - referral_date, 0.9)
        from participants
    """).fetchone()
    assert 5 <= median <= 60
    assert p90 <= 150
    left = scalar(con, "select avg((enrollment_date is null and exit_date is not null)::int) from participants")
    assert 0.03 <= left <= 0.15
    assert scalar(con, "select count(*) from participants where enrollment_date is null and exit_date is null") > 0


def test_courses_are_funded_by_a_grant_budgeted_there_that_covers_the_referral(con):
    sql = """
        select count(*)
        from participants p
        left join grant_budgets b using (grant_id, municipality_code)
        left join grants g using (grant_id)
        where p.grant_id is not null
          and (b.grant_id is null or p.referral_date not between g.start_date and g.end_date)
    """
    assert scalar(con, sql) == 0
    assert scalar(con, "select count(*) from participants where grant_id is null") > 0


# --- placements ----------------------------------------------------------------------------------

COUNTING = """
    select distinct p.participant_id
    from participants p
    join placements pl using (participant_id)
    where p.enrollment_date <= pl.start_date
      and pl.start_date <= coalesce(p.exit_date, $b)
      and pl.start_date <= $b
      and (pl.end_date is null or pl.end_date >= $a)
"""


def test_placement_rate_over_the_whole_life_is_between_30_and_70_percent(con):
    # Contract: placement rate in [a, b] over the courses active in [a, b].
    params = {"a": dt.date(2019, 1, 1), "b": AS_OF}
    active = scalar(
        con,
        "select count(*) from participants where enrollment_date <= $b and (exit_date is null or exit_date >= $a)",
        params,
    )
    placed = scalar(con, f"select count(*) from ({COUNTING})", params)
    assert 0.3 <= placed / active <= 0.7


def test_misbrug_places_fewer_than_psykiatri(con):
    rates = dict(
        con.execute(
            f"""
            select target_group, avg((c.participant_id is not null)::int)
            from participants p
            left join ({COUNTING}) c using (participant_id)
            where p.enrollment_date is not null
            group by all
            """,
            {"a": dt.date(2019, 1, 1), "b": AS_OF},
        ).fetchall()
    )
    assert rates["misbrug"] < rates["psykiatri"]


def test_placements_are_well_formed(con):
    assert scalar(con, "select count(*) from placements anti join participants using (participant_id)") == 0
    assert scalar(con, "select count(*) from placements where end_date < start_date") == 0
    assert scalar(con, "select count(*) from placements where kind = 'uddannelse' and hours_per_week is not null") == 0
    sql = """
        select count(*)
        from placements
        where kind = 'job' and (hours_per_week is null or hours_per_week not between 5 and 37)
    """
    assert scalar(con, sql) == 0
    assert scalar(con, "select count(*) from placements where end_date is null") > 0
    both = "select count(*) from (select participant_id from placements group by 1 having count(distinct kind) = 2)"
    assert scalar(con, both) > 0


def test_a_few_placements_start_outside_the_course_and_do_not_count(con):
    outside = con.execute(
        """
        select
            avg((p.enrollment_date is null or pl.start_date < p.enrollment_date)::int),
            avg((pl.start_date > p.exit_date)::int)
        from placements pl
        join participants p using (participant_id)
        """
    ).fetchone()
    assert outside[0] > 0 and outside[1] > 0
    assert 0.01 <= outside[0] + outside[1] <= 0.05


# --- money, staffing, fidelity -------------------------------------------------------------------


def test_budgets_never_exceed_the_grant(con):
    sql = """
        select count(*)
        from grants g
        join (select grant_id, sum(budget_dkk) as budgeted from grant_budgets group by 1) b using (grant_id)
        where b.budgeted > g.amount_dkk
    """
    assert scalar(con, sql) == 0
    assert scalar(con, "select count(*) from grant_budgets anti join municipalities using (municipality_code)") == 0
    amount = scalar(con, "select amount_dkk from grants where grant_id = 'APMF-2021'")
    assert amount == 2_400_000.0


def test_postings_lie_in_the_grant_period_and_include_corrections(con):
    sql = """
        select count(*)
        from expenditures e
        join grants g using (grant_id)
        where e.posting_date not between g.start_date and g.end_date
    """
    assert scalar(con, sql) == 0
    assert scalar(con, "select count(*) from expenditures where amount_dkk < 0") > 0
    assert scalar(con, "select count(*) from expenditures where municipality_code is null") > 0
    assert scalar(con, "select count(*) from expenditures where round(amount_dkk, 2) <> amount_dkk") == 0


def test_the_apmf_grant_is_well_on_the_way_but_not_spent(con):
    spent = scalar(con, "select sum(amount_dkk) from expenditures where grant_id = 'APMF-2021'")
    assert 0.6 <= spent / 2_400_000 <= 0.85


def test_staffing_is_monthly_from_start_and_caseloads_are_mostly_near_the_limit(con):
    assert scalar(con, "select count(*) from staffing where day(month) <> 1") == 0
    sql = """
        select count(*)
        from staffing s
        join municipalities m using (municipality_code)
        where s.month < date_trunc('month', m.ips_start) or s.consultants_fte < 0
    """
    assert scalar(con, sql) == 0
    caseload = scalar(
        con,
        """
        select median(active / s.consultants_fte)
        from staffing s,
        lateral (
            select count(*) as active
            from participants p
            where p.municipality_code = s.municipality_code
              and p.enrollment_date <= last_day(s.month)
              and (p.exit_date is null or p.exit_date > last_day(s.month))
        )
        where s.month >= date '2023-01-01'
        """,
    )
    assert 10 <= caseload <= 22


def test_fidelity_scores_are_in_range_and_improve(con):
    assert scalar(con, "select count(*) from fidelity_reviews where total_score not between 25 and 125") == 0
    first, last = con.execute("""
        select avg(first), avg(last)
        from (
            select arg_min(total_score, review_date) as first, arg_max(total_score, review_date) as last
            from fidelity_reviews
            group by municipality_code
            having count(*) >= 3
        )
    """).fetchone()
    assert first < last


# --- other arguments -----------------------------------------------------------------------------


def test_an_earlier_as_of_is_respected(tmp_path):
    as_of = dt.date(2023, 6, 15)
    rows = demo.write_demo(tmp_path, seed=1, courses=300, as_of=as_of)
    assert rows["participants"] == 300
    con = connect(tmp_path)
    for table, columns in EVENT_DATES.items():
        for column in columns:
            assert scalar(con, f"select count(*) from {table} where {column} > $d", {"d": as_of}) == 0, column
    # Kolding starts in 2025: on 15 June 2023 it is only planned.
    assert scalar(con, "select ips_start from municipalities where municipality_code = 621") is None
    assert scalar(con, "select count(*) from participants where municipality_code = 621") == 0


def test_chunks_have_unique_ids_and_are_sorted_within(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK_COURSES", 250)
    monkeypatch.setattr(demo, "ROW_GROUP_ROWS", 100)
    rows = demo.write_demo(tmp_path, seed=5, courses=1000)
    assert rows["participants"] == 1000
    table = pq.read_table(tmp_path / "participants.parquet")
    assert pq.ParquetFile(tmp_path / "participants.parquet").metadata.num_row_groups >= 4
    ids = table["participant_id"].to_pylist()
    assert len(set(ids)) == len(ids)
    keys = list(zip(table["municipality_code"].to_pylist(), table["referral_date"].to_pylist(), strict=True))
    for first in range(0, 1000, 250):
        chunk = keys[first : first + 250]
        assert chunk == sorted(chunk)
    placed = set(pq.read_table(tmp_path / "placements.parquet")["participant_id"].to_pylist())
    assert placed <= set(ids)


def test_zero_courses_still_writes_every_table(tmp_path):
    rows = demo.write_demo(tmp_path, courses=0)
    assert rows["participants"] == 0 and rows["placements"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(f"{t}.parquet" for t in TABLES), demo.DEMO_MANIFEST_NAME])


@pytest.mark.parametrize(
    "kwargs",
    [{"courses": -1}, {"seed": -1}, {"as_of": dt.date(2018, 12, 31)}],
    ids=["negative courses", "negative seed", "as_of before the programme"],
)
def test_refuses_impossible_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        demo.write_demo(tmp_path, **kwargs)
