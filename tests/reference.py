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
