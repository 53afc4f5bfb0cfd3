"""Cohort outcomes (data-contract.md, "Cohort outcomes"): the SQL against a naive reading, course
by course, on random nasty extracts; hand-made edge cases; the command line."""

from __future__ import annotations

import datetime as dt
import json
import math
import random

import pytest

from ipsdash import catalog, cli, cohorts, data, kpis
from tests import reference
from tests.builders import base_tables, course, placement, write_extract

CODES = (630, 461, 480)
# Enrollment days where "the same day N months later" does not exist in every month.
AWKWARD = [dt.date(2023, 1, 31), dt.date(2023, 3, 31), dt.date(2023, 5, 31), dt.date(2023, 8, 31),
           dt.date(2023, 10, 31), dt.date(2023, 12, 31), dt.date(2024, 2, 29), dt.date(2023, 11, 30),
           dt.date(2024, 8, 31), dt.date(2025, 6, 30)]
WITHIN = (1, 6, 12, 13, 18)


def nasty_extract(path, seed: int):
    """Courses enrolled 2022-2026 (some on the 31st), with placements before enrollment, on its day,
    exactly N months after it and a day later, after exit; postings (some central, some after today)."""
    rng = random.Random(seed)
    tables = base_tables()
    tables["municipalities"] = [
        {"municipality_code": c, "name": f"K{c}", "region": "Syddanmark", "ips_start": dt.date(2019, 1, 1)}
        for c in CODES
    ]
    tables["grant_budgets"] = [{"grant_id": "G1", "municipality_code": c, "budget_dkk": 1.0} for c in CODES]
    people, placements = [], []
    for i in range(rng.randint(60, 200)):
        enrolled = rng.choice(AWKWARD) if rng.random() < 0.3 else dt.date(2022, 1, 1) + dt.timedelta(
            days=rng.randint(0, 4 * 365))
        referral = enrolled - dt.timedelta(days=rng.randint(0, 90))
        if rng.random() < 0.1:
            enrolled = None
        exited = None
        if rng.random() < 0.5:
            exited = (enrolled or referral) + dt.timedelta(days=rng.choice((0, rng.randint(1, 700))))
        pid = f"p{i}"
        people.append({
            "participant_id": pid,
            "municipality_code": rng.choices(CODES, weights=(10, 20, 2))[0],
            "grant_id": "G1" if rng.random() < 0.7 else None,
            "target_group": rng.choice(("psykiatri", "misbrug")),
            "variant": rng.choice(("IPS", "IPS+")),
            "referral_date": referral,
            "enrollment_date": enrolled,
            "exit_date": exited,
            "exit_reason": "frafald" if exited else None,
            "age_band": None,
            "sex": None,
        })
        base = enrolled or referral
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            n = rng.choice(WITHIN)
            start = rng.choice((
                base - dt.timedelta(days=rng.randint(1, 60)),  # before enrollment: never counts
                base,  # on the enrollment day: counts
                reference.add_months(base, n),  # the last day that counts for N
                reference.add_months(base, n) + dt.timedelta(days=1),  # one day too late for N
                (exited or base) + dt.timedelta(days=rng.randint(1, 90)),  # after exit: never counts
                base + dt.timedelta(days=rng.randint(0, 800)),
            ))
            placements.append({"participant_id": pid, "kind": rng.choice(("job", "uddannelse")), "start_date": start,
                               "end_date": None, "hours_per_week": None})
    postings = [{"grant_id": "G1", "municipality_code": rng.choice((None, 630)),
                 "posting_date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 900)),
                 "category": "løn", "amount_dkk": 100.0} for _ in range(rng.randint(0, 3))]
    tables["participants"], tables["placements"], tables["expenditures"] = people, placements, postings
    return data.open_extract(str(write_extract(path, tables))), tables


def same(x, y) -> bool:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return y is None or (isinstance(y, float) and math.isnan(y))
    return y is not None and not (isinstance(y, float) and math.isnan(y)) and math.isclose(float(x), float(y))


def check(raw, want, context):
    assert [r for r in raw["cohort_start"]] == list(want), context
    for _, row in raw.iterrows():
        expected = want[row["cohort_start"]]
        assert row["enrolled"] == expected["enrolled"], (context, row["cohort_start"])
        for n in WITHIN:
            placed = row[f"placed_{n}m"]
            got = None if placed is None or placed is kpis.pd.NA or (isinstance(placed, float) and math.isnan(placed)) \
                else int(placed)
            assert got == expected[n], (context, row["cohort_start"], n, got, expected[n])
            rate = None if expected[n] is None or expected["enrolled"] == 0 else expected[n] / expected["enrolled"]
            assert same(row[f"rate_{n}m"], rate), (context, row["cohort_start"], n)
            assert row[f"followed_{n}m"] == (expected[n] is not None), (context, row["cohort_start"], n)


PERIODS = [
    (dt.date(2022, 1, 1), dt.date(2026, 12, 31), "quarter"),
    (dt.date(2023, 2, 15), dt.date(2025, 5, 20), "quarter"),  # cohorts clipped at both ends
    (dt.date(2022, 1, 1), dt.date(2026, 6, 30), "year"),
    (dt.date(2023, 3, 31), dt.date(2023, 3, 31), "quarter"),  # one day
]


@pytest.mark.parametrize("seed", range(8))
def test_sql_equals_a_naive_reading(tmp_path, seed):
    ex, tables = nasty_extract(tmp_path, seed)
    courses, placements = tables["participants"], tables["placements"]
    as_of = reference.extract_date(courses, tables["expenditures"], dt.date.today())
    assert catalog.span(ex)[1] == as_of
    for a, b, grain in PERIODS:
        raw = cohorts.cohort_raw(ex, a, b, grain, WITHIN)
        check(raw, reference.cohorts(courses, placements, a, b, grain, WITHIN, as_of), (seed, a, b, grain))
        # --min-count 0 is exact: the protected table is the raw one.
        exact = cohorts.cohort_table(ex, a, b, grain, WITHIN, min_count=0)
        assert exact.equals(raw)
    a, b = dt.date(2022, 1, 1), dt.date(2026, 12, 31)
    by_m = cohorts.cohort_raw(ex, a, b, "quarter", WITHIN, by="municipality")
    for code in CODES:
        mine = [c for c in courses if c["municipality_code"] == code]
        part = by_m[by_m["municipality_code"] == code].reset_index(drop=True)
        check(part, reference.cohorts(mine, placements, a, b, "quarter", WITHIN, as_of), (seed, code))
    filters = kpis.Filters(municipalities=(461,), grants=("G1",), variant="IPS")
    raw = cohorts.cohort_raw(ex, a, b, "year", WITHIN, filters=filters)
    mine = [c for c in courses if c["municipality_code"] == 461 and c["grant_id"] == "G1" and c["variant"] == "IPS"]
    check(raw, reference.cohorts(mine, placements, a, b, "year", WITHIN, as_of), (seed, "filters"))


def test_the_31st_and_the_enrollment_day_by_hand(tmp_path):
    """Enrolled 31 August 2023: six months later is 29 February 2024 (no 31st), which counts; 1 March does not."""
    tables = base_tables()
    tables["participants"] = [
        course("a", "2023-08-01", "2023-08-31"),
        course("b", "2023-08-01", "2023-08-31"),
        course("c", "2023-07-01", "2023-07-03", exit="2023-09-30"),  # placed the day it was enrolled
        course("d", "2023-07-01", "2023-07-03", exit="2023-09-30"),  # placed only after its exit
        course("e", "2023-07-01", "2023-07-05"),  # placed before enrollment only
        course("f", "2025-06-01"),  # referral only; sets the extract's date
    ]
    tables["placements"] = [
        placement("a", "2024-02-29"),
        placement("b", "2024-03-01"),
        placement("c", "2023-07-03"),
        placement("d", "2023-10-01"),
        placement("e", "2023-07-01"),
    ]
    ex = data.open_extract(str(write_extract(tmp_path, tables)))
    row = cohorts.cohort_raw(ex, dt.date(2023, 7, 1), dt.date(2023, 9, 30), within=(6, 7)).iloc[0]
    assert (row["enrolled"], row["placed_6m"], row["placed_7m"]) == (5, 2, 3)
    # The extract's date is 1 June 2025: the cohort's last day, 30 September 2023, plus 20 months is
    # 30 May 2025 (followed), plus 21 months 30 June 2025 (not yet: null, not a partial count).
    short = cohorts.cohort_raw(ex, dt.date(2023, 7, 1), dt.date(2023, 9, 30), within=(20, 21)).iloc[0]
    assert short["placed_20m"] == 3 and short["placed_21m"] is kpis.pd.NA


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_command_line_json(capsys, tmp_path):
    ex, tables = nasty_extract(tmp_path, 3)
    code, out, _ = run(capsys, "cohorts", "--from", "2023-01-01", "--to", "2024-12-31", "--within", "6,18",
                       "--by", "variant", "--min-count", "0", "--data-dir", ex.location)
    assert code == 0
    rows = json.loads(out)
    assert list(rows[0]) == ["cohort_start", "variant", "enrolled", "placed_6m", "rate_6m", "rate_6m_low",
                             "rate_6m_high", "placed_18m", "rate_18m", "rate_18m_low", "rate_18m_high"]
    as_of = catalog.span(ex)[1]
    for variant in ("IPS", "IPS+"):
        mine = [c for c in tables["participants"] if c["variant"] == variant]
        want = reference.cohorts(mine, tables["placements"], dt.date(2023, 1, 1), dt.date(2024, 12, 31), "quarter",
                                 (6, 18), as_of)
        got = {r["cohort_start"]: r for r in rows if r["variant"] == variant}
        assert list(got) == [d.isoformat() for d in want]
        for start, w in want.items():
            r = got[start.isoformat()]
            assert (r["enrolled"], r["placed_6m"], r["placed_18m"]) == (w["enrolled"], w[6], w[18])


def test_small_numbers_are_hidden_by_default(capsys, tmp_path):
    ex, _ = nasty_extract(tmp_path, 5)
    _, out, _ = run(capsys, "cohorts", "--from", "2022-01-01", "--to", "2026-12-31", "--by", "municipality",
                    "--data-dir", ex.location)
    for row in json.loads(out):
        for key in ("enrolled", "placed_6m", "placed_12m", "placed_18m"):
            assert not (isinstance(row[key], int) and 1 <= row[key] < 5), row


@pytest.mark.parametrize("within", ["6,x", "0", "-6", "6.5", "", "6,,12", "١٢"])
def test_bad_within_is_named(capsys, tmp_path, within):
    with pytest.raises(SystemExit) as exc:
        cli.main(["cohorts", "--from", "2023-01-01", "--to", "2023-12-31", "--within", within,
                  "--data-dir", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--within" in err and "måneder" in err and "Traceback" not in err


def test_the_extract_date_counts_central_postings_and_never_passes_today(tmp_path):
    tables = base_tables()
    tables["participants"] = [course("a", "2023-01-10", "2023-02-01", exit="2023-05-01")]
    posting = {"grant_id": "G1", "posting_date": dt.date(2024, 6, 30), "category": "løn", "amount_dkk": 1.0}
    tables["expenditures"] = [{**posting, "municipality_code": None},
                              {**posting, "municipality_code": 630, "posting_date": dt.date(2024, 3, 1)}]
    ex = data.open_extract(str(write_extract(tmp_path / "central", tables)))
    assert catalog.span(ex) == (dt.date(2023, 1, 10), dt.date(2024, 6, 30))
    tables["expenditures"][0]["posting_date"] = dt.date.today() + dt.timedelta(days=30)
    ex = data.open_extract(str(write_extract(tmp_path / "future", tables)))
    assert catalog.span(ex)[1] == dt.date.today()
