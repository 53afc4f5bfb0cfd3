"""The contract's definitions written out once more, course by course, in plain Python.

Deliberately naive and independent of the SQL: no shared code but the row dicts. Tests run both
on random extracts and compare every figure.
"""

from __future__ import annotations

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
