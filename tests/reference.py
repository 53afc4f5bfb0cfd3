"""The contract's definitions written out once more, course by course, in plain Python.

Deliberately naive and independent of the SQL: no shared code but the row dicts. Tests run both
on random extracts and compare every figure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics


def _quantile_cont(values: list[float], q: float) -> float | None:
    """Linear interpolation between order statistics, as DuckDB's quantile_cont."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def counting(course: dict, placement: dict, b: dt.date) -> bool:
    enrolled = course["enrollment_date"]
    if enrolled is None:
        return False
    end = course["exit_date"] or b
    return enrolled <= placement["start_date"] <= end


def kpis(courses: list[dict], placements: list[dict], a: dt.date, b: dt.date) -> dict:
    by_course: dict[str, list[dict]] = {}
    for p in placements:
        by_course.setdefault(p["participant_id"], []).append(p)
    out = dict.fromkeys(
        ("referrals", "enrollments", "exits", "waiting", "active", "active_in_period", "placed",
         "placed_job", "placed_education", "job_starts"), 0)
    waits, to_first = [], []
    for c in courses:
        ref, enr, ex = c["referral_date"], c["enrollment_date"], c["exit_date"]
        out["referrals"] += a <= ref <= b
        out["enrollments"] += enr is not None and a <= enr <= b
        out["exits"] += ex is not None and a <= ex <= b
        out["waiting"] += ref <= b and (enr is None or enr > b) and (ex is None or ex > b)
        out["active"] += enr is not None and enr <= b and (ex is None or ex > b)
        active_in = enr is not None and enr <= b and (ex is None or ex >= a)
        out["active_in_period"] += active_in
        mine = [p for p in by_course.get(c["participant_id"], []) if counting(c, p, b)]
        overlapping = [p for p in mine if p["start_date"] <= b and (p["end_date"] is None or p["end_date"] >= a)]
        if active_in and overlapping:
            out["placed"] += 1
            out["placed_job"] += any(p["kind"] == "job" for p in overlapping)
            out["placed_education"] += any(p["kind"] == "uddannelse" for p in overlapping)
        # The first counting placement of the course (counting as of any b: start <= exit).
        ever = [p for p in by_course.get(c["participant_id"], []) if counting(c, p, dt.date.max)]
        if ever:
            first = min(p["start_date"] for p in ever)
            if a <= first <= b:
                out["job_starts"] += 1
                to_first.append((first - enr).days)
        if enr is not None and a <= enr <= b:
            waits.append((enr - ref).days)
    out["waiting_days_median"] = statistics.median(waits) if waits else None
    out["waiting_days_p90"] = _quantile_cont(waits, 0.9)
    out["days_to_first_placement_median"] = statistics.median(to_first) if to_first else None
    return out


# --- nasty random extracts ---------------------------------------------------------------------------
#
# Extracts built to break what is easy to get wrong: several placements per course that overlap,
# nest, touch or repeat exactly (same kind, same start, both open); placements before enrollment, on
# its day, on the exit day and after exit; exits on the day of enrollment or of referral; dates past
# the newest course date; many municipalities, grants, target groups and variants at once, with
# groups of one course. The regression extracts in ../shared/regressions need exactly such
# duplicates among several municipalities.

NASTY_CODES = (410, 420, 430, 440, 461, 479, 480, 482, 492, 510, 530, 540, 550, 573, 607, 621, 630)
NASTY_GRANTS = ("G1", "G2", "G3")


def _day(rng, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, days))


def _nasty_placements(rng, pid: str, referral: dt.date, enrolled: dt.date | None, exited: dt.date | None) -> list[dict]:
    anchors = [referral, referral - dt.timedelta(days=rng.randint(1, 40))]
    if enrolled is not None:
        anchors += [enrolled, enrolled, enrolled - dt.timedelta(days=1), enrolled + dt.timedelta(days=rng.randint(1, 400))]
    if exited is not None:
        anchors += [exited, exited, exited + dt.timedelta(days=1), exited - dt.timedelta(days=rng.randint(0, 60))]
    out: list[dict] = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4, 6))):
        kind = rng.choice(("job", "uddannelse"))
        shape = rng.random()
        if out and shape < 0.2:  # an exact repeat of the one before, kind and all
            out.append(dict(out[-1]))
            continue
        if out and shape < 0.35:  # the same start as the one before, another end (or open)
            start = out[-1]["start_date"]
        elif out and shape < 0.5 and out[-1]["end_date"] is not None:  # touching: the next day, or the same day
            start = out[-1]["end_date"] + dt.timedelta(days=rng.choice((0, 1)))
        elif out and shape < 0.6:  # nested inside the one before
            start = out[-1]["start_date"] + dt.timedelta(days=rng.randint(0, 20))
        else:
            start = rng.choice(anchors) + dt.timedelta(days=rng.choice((0, 0, 0, rng.randint(-10, 120))))
        end_choice = rng.random()
        if end_choice < 0.35:
            end = None
        elif end_choice < 0.5:
            end = start
        else:
            end = start + dt.timedelta(days=rng.choice((rng.randint(0, 45), rng.randint(0, 900))))
        out.append({"participant_id": pid, "kind": kind, "start_date": start, "end_date": end,
                    "hours_per_week": 20.0 if kind == "job" else None})
    return out


def nasty_tables(seed: int) -> dict[str, list[dict]]:
    """A random extract (rows per table, as tests/builders.py writes them) made to be awkward."""
    import random

    rng = random.Random(seed)
    codes = rng.sample(NASTY_CODES, rng.randint(2, 9))
    weights = [rng.choice((1, 1, 3, 10, 30)) for _ in codes]  # some municipalities get one course or none
    people, placements = [], []
    # Mostly small, a quarter of a few hundred courses: DuckDB sorts those differently, and the cube's
    # dependence on the order of tied rows showed only there.
    for i in range(rng.randint(3, 70) if rng.random() < 0.75 else rng.randint(150, 450)):
        referral = _day(rng, dt.date(2022, 1, 1), 1100)
        roll = rng.random()
        enrolled = None if roll < 0.15 else referral if roll < 0.35 else _day(rng, referral, 120)
        roll = rng.random()
        if roll < 0.4:
            exited = None
        elif roll < 0.5:
            exited = enrolled or referral  # exit on the day of enrollment (or of referral)
        else:
            exited = _day(rng, enrolled or referral, 500)
        pid = f"n{seed}-{i}"
        people.append({
            "participant_id": pid,
            "municipality_code": rng.choices(codes, weights=weights)[0],
            "grant_id": rng.choice((*NASTY_GRANTS, None)),
            "target_group": rng.choice(("psykiatri", "misbrug")),
            "variant": rng.choice(("IPS", "IPS+")),
            "referral_date": referral,
            "enrollment_date": enrolled,
            "exit_date": exited,
            "exit_reason": rng.choice(("afsluttet", "frafald", "flyttet", "andet")) if exited else None,
            "age_band": rng.choice(("18-29", "30-39", "40-49", "50+", None)),
            "sex": rng.choice(("K", "M", None)),
        })
        placements += _nasty_placements(rng, pid, referral, enrolled, exited)
    return {
        "municipalities": [
            {"municipality_code": c, "name": f"K{c}", "region": "Syddanmark", "ips_start": dt.date(2019, 1, 1)}
            for c in codes
        ],
        "grants": [
            {"grant_id": g, "funder": "Fonden", "title": f"Bevilling {g}", "amount_dkk": 1_000_000.0,
             "start_date": dt.date(2021, 1, 1), "end_date": dt.date(2026, 12, 31)}
            for g in NASTY_GRANTS
        ],
        "grant_budgets": [{"grant_id": g, "municipality_code": c, "budget_dkk": 50_000.0}
                          for g in NASTY_GRANTS for c in codes],
        "participants": people,
        "placements": placements,
        "expenditures": [],
    }


def write_nasty(path, tables: dict[str, list[dict]]):
    """Write the tables as an extract, participants and placements as folders of several files (one
    per municipality, as deliveries make them): DuckDB then reads them in parallel, in no fixed
    order, which is what exposed the cube's dependence on the order of tied rows."""
    import pyarrow.parquet as pq

    from tests.builders import table_arrow, write_extract

    split = ("participants", "placements")
    write_extract(path, {name: rows for name, rows in tables.items() if name not in split})
    municipality = {c["participant_id"]: c["municipality_code"] for c in tables["participants"]}
    for name in split:
        parts: dict[int, list[dict]] = {}
        for row in tables[name]:
            parts.setdefault(municipality[row["participant_id"]], []).append(row)
        (path / name).mkdir()
        for code, rows in parts.items():
            pq.write_table(table_arrow(name, rows), path / name / f"kommune_{code}.parquet")
        if not parts:
            pq.write_table(table_arrow(name, []), path / name / "empty.parquet")
    return path


def in_group(course: dict, by: str, key) -> bool:
    """Whether a course belongs to the group `key` of the grouping `by` (kpis.GROUP_KEYS' first key)."""
    column = {"municipality": "municipality_code", "grant": "grant_id"}.get(by, by)
    return by == "none" or course[column] == key


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day where that day does not exist."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def extract_date(courses: list[dict], postings: list[dict], today: dt.date) -> dt.date:
    """The newest referral, enrollment or exit date or posting date, never after today."""
    days = [c[k] for c in courses for k in ("referral_date", "enrollment_date", "exit_date") if c[k] is not None]
    days += [p["posting_date"] for p in postings]
    return min(max(days, default=today), today)


def cohorts(courses: list[dict], placements: list[dict], a: dt.date, b: dt.date, grain: str,
            within: tuple[int, ...], as_of: dt.date) -> dict[dt.date, dict]:
    """Cohort outcomes, course by course: {cohort_start: {"enrolled": n, N: placed or None}}.

    Every cohort touching [a, b] is a key, empty or not.
    """
    size = 12 if grain == "year" else 3

    def start_of(day: dt.date) -> dt.date:
        return dt.date(day.year, 1 if size == 12 else 3 * ((day.month - 1) // 3) + 1, 1)

    out: dict[dt.date, dict] = {}
    cohort = start_of(a)
    while cohort <= b:
        last = min(add_months(cohort, size) - dt.timedelta(days=1), b)
        out[cohort] = {"enrolled": 0, **{n: 0 if add_months(last, n) <= as_of else None for n in within}}
        cohort = add_months(cohort, size)
    for c in courses:
        enr = c["enrollment_date"]
        if enr is None or not a <= enr <= b:
            continue
        row = out[start_of(enr)]
        row["enrolled"] += 1
        starts = [p["start_date"] for p in placements
                  if p["participant_id"] == c["participant_id"] and counting(c, p, as_of)]
        first = min(starts) if starts else None
        for n in within:
            if row[n] is not None and first is not None and first <= add_months(enr, n):
                row[n] += 1
    return out
