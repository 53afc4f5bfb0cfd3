"""The SQL's figures equal a naive course-by-course reading of the contract on random extracts."""

import contextlib
import dataclasses
import datetime as dt
import io
import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest

from ipsdash import cli
from ipsdash.extract import data
from ipsdash.figures import kpis
from tests import reference
from tests.test_differencing import CODES, random_extract

# Every count and median of the registry's KPIs (texts.TERMS, kpi=True); rates follow from the counts.
FIGURES = (*kpis.RULE.counts, *kpis.RULE.medians)


def same(x, y) -> bool:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return y is None or (isinstance(y, float) and math.isnan(y))
    return y is not None and math.isclose(float(x), float(y), abs_tol=1e-9)


def rows(ex, table):
    cur = ex.cursor()
    result = cur.execute(f"select * from {table}")  # table names are fixed here, not user input
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


def test_the_naive_reading_reads_every_kpi():
    """A KPI added to the registry needs its own naive reading in tests/reference.py `kpis`."""
    read = reference.kpis([], [], dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert not set(FIGURES) - set(read), f"tests/reference.py reads no {sorted(set(FIGURES) - set(read))}"


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


# Each level of the cube's day counts (kpis.LEVELS) is read by some question of some choice.
CUBE_CHOICES = [kpis.Filters(), kpis.Filters(municipalities=(630, 480)), kpis.Filters(target_group="misbrug"),
                kpis.Filters(variant="IPS"), kpis.Filters(grants=("G1",), variant="IPS+")]


@pytest.fixture(scope="module")
def cube_extract(tmp_path_factory):
    """One random extract per seed for this module's tests of the cube (read only: each is written once)."""
    opened = {}

    def get(seed: int):
        if seed not in opened:
            opened[seed] = random_extract(tmp_path_factory.mktemp(f"cube{seed}"), seed)
        return opened[seed]

    yield get
    for ex in opened.values():
        ex.con.close()


# One test per extract and choice, so that test workers (pytest-xdist) share them out.
@pytest.mark.parametrize("choice", range(len(CUBE_CHOICES)))
@pytest.mark.parametrize("seed", range(30, 34))
def test_the_monthly_cube_answers_as_the_courses_do(cube_extract, seed, choice):
    """queries/kpis_monthly.sql (whole months, from the cube) against queries/kpis.sql (any days)."""
    ex = cube_extract(seed)
    filters = CUBE_CHOICES[choice]
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


# --- the regression extracts and nasty random extracts ----------------------------------------------

REGRESSIONS = Path(__file__).resolve().parents[2] / "shared" / "regressions"
REGRESSION_CASES = sorted(p.parent.name for p in REGRESSIONS.glob("*/expected.json")) if REGRESSIONS.is_dir() else []


def _expected_matches(got, want: dict, context) -> None:
    for key, value in want.items():
        if isinstance(value, float) and not float(value).is_integer():
            assert got[key] is not None and round(float(got[key]), 6) == value, (context, key, got[key], value)
        else:
            assert same(got[key], value), (context, key, got[key], value)


@pytest.mark.skipif(not REGRESSION_CASES, reason="../shared/regressions is not beside this checkout")
@pytest.mark.parametrize("case", REGRESSION_CASES)
def test_the_regression_extracts_give_their_figures_through_every_path(case):
    """The monthly cube, the day path and the command line each give the contract's exact figures."""
    folder = REGRESSIONS / case
    expected = json.loads((folder / "expected.json").read_text())
    a, b = dt.date.fromisoformat(expected["from"]), dt.date.fromisoformat(expected["to"])
    ex = data.open_extract(str(folder / "extract"))
    assert kpis._in_whole_months(ex, a, b)  # pages ask the cube
    for name, want in expected["figures"].items():
        _, _, code = name.partition(" ")
        filters = kpis.Filters(municipalities=(int(code),)) if code else kpis.Filters()
        q = kpis.Question.of(a, b)
        cube = kpis._monthly(ex, [q], filters)[0].iloc[0]
        days = kpis._daily(ex, q, filters).iloc[0]
        argv = ["kpis", "--data-dir", str(folder / "extract"), "--from", expected["from"], "--to", expected["to"],
                "--min-count", "0", "--format", "json"] + (["--municipality", code] if code else [])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(argv) == 0
        printed = json.loads(out.getvalue())[0]
        for path, got in (("cube", cube), ("days", days), ("cli", printed)):
            _expected_matches(got, want, (case, name, path))


# 200 extracts in chunks, so that test workers (pytest-xdist) share them out.
NASTY_CHUNKS = [range(start, start + 10) for start in range(0, 200, 10)]


def _nasty_choice(rng: random.Random, codes: list[int]) -> tuple[kpis.Filters, list[kpis.Question]]:
    filters = rng.choice([
        kpis.Filters(),
        kpis.Filters(municipalities=tuple(rng.sample(codes, rng.randint(1, len(codes))))),
        kpis.Filters(target_group=rng.choice(("psykiatri", "misbrug"))),
        kpis.Filters(variant=rng.choice(("IPS", "IPS+"))),
        kpis.Filters(grants=(rng.choice(reference.NASTY_GRANTS),), variant="IPS"),
    ])
    questions = []
    for _ in range(3):
        first = dt.date(rng.randint(2021, 2025), rng.randint(1, 12), 1)
        last = first + pd.offsets.MonthEnd(rng.randint(1, 24))
        by = rng.choice(("none", "municipality", "grant", "target_group", "variant", "age_band", "sex"))
        questions.append(kpis.Question.of(first, last.date(), by, rng.choice(("whole", "whole", "month", "quarter"))))
    return filters, questions


def _naive_matches(got: pd.DataFrame, q: kpis.Question, courses, placements, filters, context) -> None:
    chosen = [c for c in courses
              if (not filters.municipalities or c["municipality_code"] in filters.municipalities)
              and (not filters.grants or c["grant_id"] in filters.grants)
              and filters.target_group in (None, c["target_group"]) and filters.variant in (None, c["variant"])]
    key = kpis.GROUP_KEYS[q.by][0] if kpis.GROUP_KEYS[q.by] else None
    for _, row in got.iterrows():
        group = row[key] if key else None
        group = None if group is not None and pd.isna(group) else group
        mine = [c for c in chosen if reference.in_group(c, q.by, group)]
        want = reference.kpis(mine, placements, q.start, q.end)
        for figure in FIGURES:
            assert same(row[figure], want[figure]), (context, group, figure, row[figure], want[figure])


@pytest.mark.parametrize("seeds", NASTY_CHUNKS, ids=lambda seeds: f"{seeds.start}-{seeds.stop - 1}")
def test_the_cube_the_days_and_the_contract_agree_on_nasty_extracts(tmp_path, seeds):
    """Hundreds of awkward extracts (tests/reference.py, `nasty_tables`): for random filters and
    questions in whole months, the monthly cube equals the day path, and both the naive reading."""
    for seed in seeds:
        tables = reference.nasty_tables(seed)
        ex = data.open_extract(str(reference.write_nasty(tmp_path / str(seed), tables)))
        rng = random.Random(seed)
        codes = [m["municipality_code"] for m in tables["municipalities"]]
        filters, questions = _nasty_choice(rng, codes)
        # Only what the cube holds is asked of it (kpi_raw_many asks the rest of the courses).
        whole = [q for q in questions if kpis._in_whole_months(ex, q.start, q.end)]
        cubed = dict(zip(whole, kpis._monthly(ex, whole, filters))) if whole else {}
        for q in questions:
            days = kpis._daily(ex, q, filters)
            if q in cubed:
                pd.testing.assert_frame_equal(cubed[q], days, check_dtype=False, obj=f"seed {seed}: {q} {filters}")
            if q.grain == "whole":
                _naive_matches(days, q, tables["participants"], tables["placements"], filters, (seed, q, filters))
