"""A synthetic extract that looks like Region Syddanmark's IPS programme (`python -m ipsdash demo`).

`write_demo(out_dir)` writes all nine tables of the contract as `out_dir/TABLE.parquet`. The
output is a pure function of the arguments: the same seed, size and `as_of` give byte-identical
files, so the committed demo extract in `data/` only changes when this module does.

The story the numbers tell (default size, as of 31 October 2026):

- eight municipalities started IPS in 2019-2021 (Vejle and Odense first), four more started in
  2025-2026 with few courses so far, three are planned (no start date, no courses);
- referrals rise over time; waiting days are short where consultants keep up and grow where the
  staffing table shows fewer consultants than the caseload needs (Odense 2022-23, Fredericia 2024,
  Varde 2025-26);
- about half of the enrolled courses come into job or education, fewer in substance use (misbrug),
  slightly more with IPS+; a few placements start before enrollment or after exit, as in real data,
  and must not be counted;
- the A.P. Møller grant is about 70 % spent and, at the present burn rate, runs out near its end.

The municipalities, grants and rates behind that story, and the monthly plan every table is
drawn from, are in `ipsdash.demo_plan`; this module draws the tables and writes them. Courses are
made in chunks of `CHUNK_COURSES`, each appended to the Parquet files as row groups sorted by
(municipality_code, referral_date), so 20 million courses fit in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# The story and the plan (underscored names: the demo generator's own, shared by its two modules).
from ipsdash.demo_plan import (
    _AGE_P,
    _EPOCH,
    _EXIT_AFTER_ENROLLMENT,
    _EXIT_FROM_WAITING,
    _OTHER_FUNDING,
    _PLACED_BY_REASON,
    _REGION,
    _STREAM_COURSES,
    _STREAM_FIDELITY,
    _STREAM_MONEY,
    _STREAM_STAFF,
    GRANTS,
    MUNICIPALITIES,
    _course_days,
    _day,
    _month_index,
    _Plan,
    _rng,
)
from ipsdash.extract.contract import (
    AGE_BANDS,
    EXIT_REASONS,
    EXPENDITURE_CATEGORIES,
    PLACEMENT_KINDS,
    SEXES,
    TABLES,
    TARGET_GROUPS,
    VARIANTS,
)
from ipsdash.extract.data import DEMO_MANIFEST_NAME, file_digest

# "Today" of the demo extract: nothing is dated after it. Fixed so that the output is deterministic.
DEMO_AS_OF = dt.date(2026, 10, 31)

# Courses generated and written per step; bounds memory at any size (about 0.5 GB per 500k).
CHUNK_COURSES = 500_000
# Rows per Parquet row group; near DuckDB's own row group size so scans parallelise and skip well.
ROW_GROUP_ROWS = 131_072
# Participant ids are "P" + 8 Crockford base-32 characters: room for 2**40 courses.
MAX_COURSES = 1_000_000_000

# The Arrow type each contract kind is written as (tests/builders.py uses the same map).
ARROW_TYPE = {
    "int": pa.int32(),
    "text": pa.string(),
    "date": pa.date32(),
    "money": pa.float64(),
    "double": pa.float64(),
}

_ID_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
_MASK40 = np.uint64((1 << 40) - 1)


def write_demo(
    out_dir: str | os.PathLike, seed: int = 42, courses: int = 4000, as_of: dt.date = DEMO_AS_OF
) -> dict[str, int]:
    """Write all 9 tables as out_dir/TABLE.parquet; return rows per table.

    >>> write_demo("data")  # doctest: +SKIP
    {'municipalities': 15, 'grants': 3, 'grant_budgets': 28, 'participants': 4000, ...}
    """
    if not 0 <= courses <= MAX_COURSES:
        raise ValueError(f"courses must be between 0 and {MAX_COURSES}, got {courses}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    plan = _Plan.build(seed, courses, as_of)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    rows = {
        "municipalities": _write_table(out, "municipalities", _municipalities(plan)),
        "grants": _write_table(out, "grants", _grants()),
        "grant_budgets": _write_table(out, "grant_budgets", _grant_budgets()),
    }
    rows["participants"], rows["placements"] = _write_courses(out, plan)
    rows["expenditures"] = _write_table(out, "expenditures", _expenditures(plan))
    rows["staffing"] = _write_table(out, "staffing", _staffing(plan))
    rows["fidelity_reviews"] = _write_table(out, "fidelity_reviews", _fidelity_reviews(plan))
    rows["events"] = _write_table(out, "events", _events(plan))
    write_manifest(out)
    return {name: rows[name] for name in TABLES}



# --- the small tables ----------------------------------------------------------------------------


def _municipalities(plan: _Plan) -> dict[str, list]:
    return {
        "municipality_code": [m.code for m in MUNICIPALITIES],
        "name": [m.name for m in MUNICIPALITIES],
        "region": [_REGION] * len(MUNICIPALITIES),
        "ips_start": [m.ips_start if s else None for m, s in zip(MUNICIPALITIES, plan.started, strict=True)],
    }


def _grants() -> dict[str, list]:
    return {
        "grant_id": [g.grant_id for g in GRANTS],
        "funder": [g.funder for g in GRANTS],
        "title": [g.title for g in GRANTS],
        "amount_dkk": [g.amount_dkk for g in GRANTS],
        "start_date": [g.start for g in GRANTS],
        "end_date": [g.end for g in GRANTS],
    }


def _grant_budgets() -> dict[str, list]:
    rows = [(g.grant_id, code, budget) for g in GRANTS for code, budget, _ in g.budgets]
    return {
        "grant_id": [r[0] for r in rows],
        "municipality_code": [r[1] for r in rows],
        "budget_dkk": [r[2] for r in rows],
    }


# --- courses and placements ----------------------------------------------------------------------




def _participant_ids(plan: _Plan, first: int, n: int) -> pa.Array:
    """Ids "P" + 8 base-32 characters from a bijection of the running course number: unique across
    chunks, unordered, and never 10 digits (so never taken for a CPR number)."""
    x = (np.arange(first, first + n, dtype=np.uint64) ^ np.uint64(plan.id_key)) & _MASK40
    # Odd multipliers and xor-shifts are invertible modulo 2**40, so distinct counters stay distinct.
    x = (x * np.uint64(0x9E3779B97F4A7C15)) & _MASK40
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0xBF58476D1CE4E5B9)) & _MASK40
    x ^= x >> np.uint64(19)
    chars = np.empty((n, 9), dtype=np.uint8)
    chars[:, 0] = ord("P")
    shifts = np.arange(35, -1, -5, dtype=np.uint64)
    chars[:, 1:] = _ID_ALPHABET[((x[:, None] >> shifts[None, :]) & np.uint64(31)).astype(np.intp)]
    offsets = np.arange(0, 9 * n + 1, 9, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def _text(index: np.ndarray, values: tuple[str, ...], null: np.ndarray | None = None) -> pa.Array:
    """A string array from indexes into `values`, null where `null`."""
    indices = pa.array(index.astype(np.int8), mask=null)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).dictionary_decode()


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), mask=null, type=pa.date32())


def _pick_grants(rng: np.random.Generator, muni: np.ndarray, referral: np.ndarray) -> np.ndarray:
    """Index into GRANTS per course, -1 for other funding: a grant budgeted for the course's
    municipality whose period covers the referral, chosen by the budget's weight."""
    n = len(muni)
    weights = np.zeros((n, len(GRANTS)))
    code_index = {m.code: i for i, m in enumerate(MUNICIPALITIES)}
    for g, grant in enumerate(GRANTS):
        by_muni = np.zeros(len(MUNICIPALITIES))
        for code, _, weight in grant.budgets:
            by_muni[code_index[code]] = weight
        in_period = (referral >= _day(grant.start)) & (referral <= _day(grant.end))
        weights[:, g] = by_muni[muni] * in_period
    cumulative = weights.cumsum(axis=1)
    total = cumulative[:, -1]
    draw = rng.random(n) * total
    chosen = (draw[:, None] >= cumulative).sum(axis=1)
    return np.where((total > 0) & (rng.random(n) >= _OTHER_FUNDING), chosen, -1)


def _course_chunk(plan: _Plan, index: int, first: int, n: int) -> tuple[pa.Table, pa.Table]:
    """Courses number first .. first + n - 1 and their placements, sorted by municipality and referral."""
    rng = _rng(plan.seed, _STREAM_COURSES, index)
    as_of = plan.as_of_day
    n_months = plan.months

    # Referrals: municipality and month by the plan, day uniform within what the cell allows.
    counts = rng.multinomial(n, plan.cell_p.ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    muni, month = np.divmod(cell, n_months)
    referral = plan.cell_lo[muni, month] + (rng.random(n) * plan.cell_days[muni, month]).astype(np.int64)
    order = np.lexsort((referral, muni))  # cells come by municipality already; sort days within
    muni, month, referral = muni[order], month[order], referral[order]

    misbrug_share = np.array([m.misbrug_share for m in MUNICIPALITIES])
    ips_plus_share = np.array([m.ips_plus_share for m in MUNICIPALITIES])
    misbrug = rng.random(n) < misbrug_share[muni]
    ips_plus = rng.random(n) < ips_plus_share[muni]
    age = rng.choice(len(AGE_BANDS), size=n, p=_AGE_P)
    age_null = rng.random(n) < 0.02
    woman = rng.random(n) < np.where(misbrug, 0.3, 0.55)
    sex_null = rng.random(n) < 0.015
    grant = _pick_grants(rng, muni, referral)

    # Waiting: a few days to two months, longer where consultants are short.
    pressure = plan.wait_mult[muni, month]
    wait = (3 + rng.lognormal(np.log(15), 0.6, n)) * pressure
    wait = np.where(rng.random(n) < 0.02, 0, np.minimum(wait, 365)).astype(np.int64)
    leaves_waiting = rng.random(n) < np.clip(0.07 + 0.05 * (pressure - 1), 0, 0.3)
    waiting_exit = referral + (wait * rng.uniform(0.2, 1.1, n)).astype(np.int64)
    waiting_reason = rng.choice(len(EXIT_REASONS), size=n, p=_EXIT_FROM_WAITING)

    # The whole course as it will happen, then cut at as_of.
    enrollment = referral + wait
    reason = rng.choice(len(EXIT_REASONS), size=n, p=_EXIT_AFTER_ENROLLMENT)
    duration = _course_days(rng, reason)
    course_end = enrollment + duration

    enrolled = ~leaves_waiting & (enrollment <= as_of)
    exit_day = np.where(leaves_waiting, waiting_exit, course_end)
    exited = (leaves_waiting | enrolled) & (exit_day <= as_of)
    exit_reason = np.where(leaves_waiting, waiting_reason, reason)

    # Placements during the course (the programme's result).
    factor = np.array([m.placement_factor for m in MUNICIPALITIES])[muni]
    chance = _PLACED_BY_REASON[reason] * factor * np.where(misbrug, 0.78, 1.0) * np.where(ips_plus, 1.1, 1.0)
    placed = ~leaves_waiting & (rng.random(n) < np.clip(chance, 0, 0.95))
    to_first = rng.gamma(1.6, 75, n).astype(np.int64)
    to_first = np.where(to_first < duration, to_first, (duration * rng.uniform(0.3, 0.95, n)).astype(np.int64))
    first_start = enrollment + to_first
    education_p = np.where(age == 0, 0.42, 0.15)
    first_kind = (rng.random(n) < education_p).astype(np.int64)
    second = placed & (rng.random(n) < 0.22)
    second_start = first_start + 14 + rng.gamma(2.0, 80, n).astype(np.int64)
    second &= second_start <= course_end
    second_kind = np.where(rng.random(n) < 0.55, first_kind, 1 - first_kind)

    course = np.concatenate([np.flatnonzero(placed), np.flatnonzero(second)])
    start = np.concatenate([first_start[placed], second_start[second]])
    kind = np.concatenate([first_kind[placed], second_kind[second]])

    # Placements that exist in real data but do not count: before enrollment, after exit,
    # or found while on the waiting list. 2 % of all placements drawn (before the cut at as_of)
    # makes about 2.5 % of those written.
    stray = rng.multinomial(rng.binomial(len(course), 0.02), [0.4, 0.4, 0.2])
    pools = (
        (np.flatnonzero(enrolled), enrollment, -1, -150),
        (np.flatnonzero(enrolled & exited), exit_day, 1, 200),
        (np.flatnonzero(leaves_waiting & exited), exit_day, 0, -20),
    )
    extra_course, extra_start = [course], [start]
    for size, (pool, anchor, offset, spread) in zip(stray, pools, strict=True):
        if size and len(pool):
            chosen = rng.choice(pool, size=min(size, len(pool)), replace=False)
            extra_course.append(chosen)
            extra_start.append(anchor[chosen] + offset + np.sign(spread) * rng.integers(0, abs(spread), len(chosen)))
    course, start = np.concatenate(extra_course), np.concatenate(extra_start)
    kind = np.concatenate([kind, (rng.random(len(course) - len(kind)) < 0.2).astype(np.int64)])

    keep = start <= as_of
    course, start, kind = course[keep], start[keep], kind[keep]
    m = len(course)
    end = start + np.maximum(7, rng.lognormal(np.log(240), 0.9, m)).astype(np.int64)
    end_null = (rng.random(m) < 0.3) | (end > as_of)
    hours = np.where(rng.random(m) < 0.12, 37.0, np.clip(np.round(rng.lognormal(np.log(17), 0.45, m) * 2) / 2, 5, 37))
    porder = np.lexsort((start, course))
    course, start, kind, end, end_null, hours = (a[porder] for a in (course, start, kind, end, end_null, hours))

    ids = _participant_ids(plan, first, n)
    codes = np.array([m.code for m in MUNICIPALITIES], dtype=np.int32)
    grant_ids = tuple(g.grant_id for g in GRANTS)
    participants = pa.table(
        {
            "participant_id": ids,
            "municipality_code": pa.array(codes[muni]),
            "grant_id": _text(np.maximum(grant, 0), grant_ids, grant < 0),
            "target_group": _text(misbrug.astype(np.int8), TARGET_GROUPS),
            "variant": _text(ips_plus.astype(np.int8), VARIANTS),
            "referral_date": _dates(referral),
            "enrollment_date": _dates(enrollment, ~enrolled),
            "exit_date": _dates(exit_day, ~exited),
            "exit_reason": _text(exit_reason, EXIT_REASONS, ~exited),
            "age_band": _text(age, AGE_BANDS, age_null),
            "sex": _text((~woman).astype(np.int8), SEXES, sex_null),
        },
        schema=_schema("participants"),
    )
    placements = pa.table(
        {
            "participant_id": ids.take(pa.array(course)),
            "kind": _text(kind, PLACEMENT_KINDS),
            "start_date": _dates(start),
            "end_date": _dates(end, end_null),
            "hours_per_week": pa.array(hours, mask=kind != 0, type=pa.float64()),
        },
        schema=_schema("placements"),
    )
    return participants, placements


def _write_courses(out: Path, plan: _Plan) -> tuple[int, int]:
    n_participants = n_placements = 0
    with _parquet_writer(out, "participants") as participants, _parquet_writer(out, "placements") as placements:
        for index, first in enumerate(range(0, plan.courses, CHUNK_COURSES)):
            n = min(CHUNK_COURSES, plan.courses - first)
            people, jobs = _course_chunk(plan, index, first, n)
            participants.write_table(people, row_group_size=ROW_GROUP_ROWS)
            placements.write_table(jobs, row_group_size=ROW_GROUP_ROWS)
            n_participants += people.num_rows
            n_placements += jobs.num_rows
    return n_participants, n_placements


# --- staffing, fidelity, money -------------------------------------------------------------------


def _staffing(plan: _Plan) -> dict[str, list]:
    """Per started municipality and month: FTE from the plan; headcount in whole consultants, of
    whom those hired (or replacing a leaver) in the last six months are still in training."""
    rng = _rng(plan.seed, _STREAM_STAFF)
    rows: dict[str, list] = {c.name: [] for c in TABLES["staffing"].columns}
    for m, muni in enumerate(MUNICIPALITIES):
        months = np.flatnonzero(plan.fte[m] > 0)
        if not plan.started[m] or not len(months):
            continue
        fte = plan.fte[m, months]
        headcount = np.ceil(fte / 0.9).astype(np.int64)
        grown = np.diff(headcount, prepend=0).clip(0)
        replaced = rng.binomial(headcount, 0.015)
        hired = np.convolve(grown + replaced, np.ones(6, dtype=np.int64))[: len(months)]
        in_training = np.minimum(hired, headcount)
        rows["municipality_code"] += [muni.code] * len(months)
        rows["month"] += list(plan.month_day[months].astype("datetime64[D]").astype(dt.date))
        rows["consultants_fte"] += [float(x) for x in fte]
        rows["consultants_trained"] += [int(x) for x in headcount - in_training]
        rows["consultants_in_training"] += [int(x) for x in in_training]
    return rows


def _fidelity_reviews(plan: _Plan) -> dict[str, list]:
    """Roughly yearly reviews from about eight months after start, the score climbing from about 80
    towards the municipality's ceiling, dented in staffing shortages."""
    rng = _rng(plan.seed, _STREAM_FIDELITY)
    rows: dict[str, list] = {c.name: [] for c in TABLES["fidelity_reviews"].columns}
    for m, muni in enumerate(MUNICIPALITIES):
        if not plan.started[m]:
            continue
        first_score, ceiling = rng.normal(79, 5), rng.uniform(100, 118)
        day = int(plan.start_day[m]) + int(rng.integers(200, 300))
        while day <= plan.as_of_day:
            years = (day - plan.start_day[m]) / 365.25
            score = ceiling - (ceiling - first_score) * np.exp(-0.45 * years) + rng.normal(0, 3)
            month = min(int(np.searchsorted(plan.month_day, day, side="right")) - 1, plan.months - 1)
            if plan.shortage[m, month]:
                score -= 7
            rows["municipality_code"].append(muni.code)
            rows["review_date"].append(_EPOCH + dt.timedelta(days=day))
            rows["total_score"].append(int(np.clip(np.round(score), 25, 125)))
            day += 365 + int(rng.integers(-40, 41))
    return rows


# Events of the whole region: (day, grant or None, text).
_REGION_EVENTS = (
    (dt.date(2024, 3, 1), None, "Ny henvisningsvej fra psykiatrien: behandlerne henviser direkte til IPS"),
    (dt.date(2026, 1, 15), None, "Fidelitetsmåling i alle kommuner efter ny IPS-25-manual"),
)


def _events(plan: _Plan) -> dict[str, list]:
    """What a secretariat would note: IPS starting in each municipality, a consultant leaving
    before each staffing shortage and a new one hired after it, the grants starting, and a few
    region-wide changes. Nothing after `as_of`; no randomness."""
    found: list[tuple[dt.date, int | None, str | None, str]] = []
    for grant in GRANTS:
        found.append((grant.start, None, grant.grant_id, f"Bevillingen »{grant.title}« starter"))
    for day, grant_id, text in _REGION_EVENTS:
        found.append((day, None, grant_id, text))
    for muni in MUNICIPALITIES:
        if muni.ips_start is not None:
            found.append((muni.ips_start, muni.code, None, "IPS startet"))
        for lo, hi, _ in muni.shortages:
            found.append((lo - dt.timedelta(days=17), muni.code, None, "Konsulent stoppet; stillingen er ikke besat"))
            hired = dt.date(hi.year + hi.month // 12, hi.month % 12 + 1, 1) + dt.timedelta(days=9)
            found.append((hired, muni.code, None, "Ny IPS-konsulent ansat"))
    as_of = _EPOCH + dt.timedelta(days=int(plan.as_of_day))
    found = sorted((e for e in found if e[0] <= as_of), key=lambda e: (e[0], e[1] or 0, e[3]))
    rows: dict[str, list] = {c.name: [] for c in TABLES["events"].columns}
    for day, code, grant_id, text in found:
        rows["event_date"].append(day)
        rows["municipality_code"].append(code)
        rows["grant_id"].append(grant_id)
        rows["text"].append(text)
    return rows


# Category shares of a month's spending: (løn, uddannelse, supervision, administration, andet).
_SHARES_STARTING = np.array([0.45, 0.4, 0.08, 0.04, 0.03])  # first four months: training
_SHARES_RUNNING = np.array([0.8, 0.06, 0.07, 0.04, 0.03])
_SHARES_CENTRAL = np.array([0.4, 0.25, 0.15, 0.15, 0.05])
# Chance a category has a posting in a given month (salaries every month).
_POSTING_P = np.array([1.0, 0.55, 0.65, 0.5, 0.3])


def _expenditures(plan: _Plan) -> dict[str, list]:
    """Monthly postings per grant and budget holder (a municipality, or central for the part of
    the grant not budgeted out). Each holder plans to spend its budget evenly from its start to the
    grant's end and keeps a pace of 90-108 % of that plan; about 1 % of postings are corrected."""
    rows: dict[str, list] = {c.name: [] for c in TABLES["expenditures"].columns}
    starts = {m.code: m.ips_start for m in MUNICIPALITIES}
    for g, grant in enumerate(GRANTS):
        central = grant.amount_dkk - sum(budget for _, budget, _ in grant.budgets)
        holders = [(code, budget) for code, budget, _ in grant.budgets]
        if central > 0:
            holders.append((None, central))
        for h, (code, budget) in enumerate(holders):
            rng = _rng(plan.seed, _STREAM_MONEY, g, h)
            first = _month_index(grant.start)
            if code is not None:
                if starts[code] is None:
                    continue
                first = max(first, _month_index(starts[code]) - 2)  # consultants train before start
            last_day = min(plan.as_of_day, _day(grant.end))
            last = min(_month_index(grant.end), plan.months - 1)
            planned_months = _month_index(grant.end) - first + 1
            pace = rng.uniform(0.9, 1.08)
            for i in range(first, last + 1):
                lo, hi = int(plan.month_day[i]), min(int(plan.month_day[i + 1]) - 1, last_day)
                if hi < lo:
                    break
                total = budget / planned_months * pace * rng.lognormal(0, 0.12)
                shares = _SHARES_CENTRAL if code is None else _SHARES_STARTING if i - first < 4 else _SHARES_RUNNING
                posted = rng.random(len(shares)) < _POSTING_P
                for c in np.flatnonzero(posted):
                    amount = round(float(shares[c] * total / _POSTING_P[c]), 2)
                    # Salaries are posted on the month's last day; the rest on any day.
                    day = int(plan.month_day[i + 1]) - 1 if c == 0 else int(rng.integers(lo, hi + 1))
                    if day > hi:
                        continue
                    postings = [(day, amount)]
                    if rng.random() < 0.012:
                        later = day + int(rng.integers(3, 40))
                        if later <= last_day:
                            postings.append((later, -round(amount * float(rng.uniform(0.1, 1.0)), 2)))
                    for when, value in postings:
                        rows["grant_id"].append(grant.grant_id)
                        rows["municipality_code"].append(code)
                        rows["posting_date"].append(_EPOCH + dt.timedelta(days=when))
                        rows["category"].append(EXPENDITURE_CATEGORIES[c])
                        rows["amount_dkk"].append(value)
    return rows


# --- writing -------------------------------------------------------------------------------------


def _schema(table: str) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPE[c.kind]) for c in TABLES[table].columns])


def write_manifest(out_dir: str | os.PathLike) -> Path:
    """Write `out_dir/demo-manifest.json`: each table file's size and SHA-256.

    Written into data/ by `make demo` and committed with the files there: the dashboard knows the
    demo extract by these digests (ipsdash.extract.data.is_demo), so a copy of it is demo and nothing else is.
    """
    out = Path(out_dir)
    files = {}
    for table in TABLES:
        path = out / f"{table}.parquet"
        files[path.name] = {"bytes": path.stat().st_size, "sha256": file_digest(path)}
    manifest = out / DEMO_MANIFEST_NAME
    partial = out / f".{DEMO_MANIFEST_NAME}.{os.getpid()}.tmp"
    partial.write_text(json.dumps({"files": files}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, manifest)
    return manifest


@contextmanager
def _parquet_writer(out: Path, table: str) -> Iterator[pq.ParquetWriter]:
    """A writer to `out/TABLE.parquet` that appears there only when complete.

    It writes to a hidden name in the same folder and renames on success, so a reader that globs
    the folder never sees half a file (and the file keeps the umask's permissions).
    """
    final = out / f"{table}.parquet"
    partial = out / f".{table}.parquet.{os.getpid()}.tmp"
    try:
        with pq.ParquetWriter(partial, _schema(table), compression="zstd") as writer:
            yield writer
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


def _write_table(out: Path, table: str, columns: dict[str, list]) -> int:
    data = pa.table(columns, schema=_schema(table))
    with _parquet_writer(out, table) as writer:
        writer.write_table(data, row_group_size=ROW_GROUP_ROWS)
    return data.num_rows
