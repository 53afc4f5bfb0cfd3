"""The contract's course KPIs in plain pandas: the yardstick the benchmark holds the query layer to.

A straightforward implementation of the same definitions (data-contract.md, "Definitions") as
`queries/kpis.sql`, written the way a careful analyst would in pandas: read the columns it needs,
merge placements onto courses, one boolean mask per definition, `groupby` per period. It gives the
raw figures of `kpis.kpi_raw` (no rates, no small-number rule) for `by` in none, municipality and
month, without filters — what the benchmark asks. It is not used by the dashboard.

    >>> tables = load("/tmp/ipsdash-bench/1000000")  # doctest: +SKIP
    >>> kpis(tables, dt.date(2025, 11, 1), dt.date(2026, 10, 31), "municipality")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ipsdash.extract import source

# The raw figures kpis.sql returns, in its order (after the group keys).
COUNTS = (
    "referrals",
    "enrollments",
    "exits",
    "waiting",
    "active",
    "active_in_period",
    "placed",
    "placed_job",
    "placed_education",
    "job_starts",
)
MEDIANS = ("waiting_days_median", "waiting_days_p90", "days_to_first_placement_median")


@dataclass
class Tables:
    municipalities: pd.DataFrame
    participants: pd.DataFrame
    placements: pd.DataFrame


def _read(location: str, table: str, columns: list[str]) -> pd.DataFrame:
    files = source.table_files(location, table)
    parts = [pq.read_table(f, columns=columns) for f in files]
    # date32 → datetime64 (not Python date objects): the vectorised comparisons below need it.
    return pa.concat_tables(parts).to_pandas(date_as_object=False)


def load(location: str) -> Tables:
    """The three tables the course KPIs read, only the columns they need."""
    return Tables(
        municipalities=_read(location, "municipalities", ["municipality_code", "name"]),
        participants=_read(
            location,
            "participants",
            ["participant_id", "municipality_code", "referral_date", "enrollment_date", "exit_date"],
        ),
        placements=_read(location, "placements", ["participant_id", "kind", "start_date", "end_date"]),
    )


def _periods(start: dt.date, end: dt.date, by: str) -> list[tuple[pd.Timestamp | None, pd.Timestamp, pd.Timestamp]]:
    """(period_start, a, b) per row of the result: one for the whole period, or one per month clipped to it."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    if by != "month":
        return [(None, a, b)]
    months = pd.date_range(a.to_period("M").to_timestamp(), b, freq="MS")
    return [(m, max(m, a), min(m + pd.offsets.MonthEnd(0), b)) for m in months]


def kpis(tables: Tables, start: dt.date, end: dt.date, by: str = "none") -> pd.DataFrame:
    """Raw KPIs of [start, end] per municipality, per month or for the whole; columns as kpis.sql."""
    if by not in ("none", "municipality", "month"):
        raise ValueError("by must be none, municipality or month")
    p = tables.participants
    n = len(p)
    # One merge puts each placement next to its course; from then on a course is its row number,
    # so the per-period steps are integer indexing rather than string look-ups.
    courses = p[["participant_id", "enrollment_date", "exit_date"]].assign(row=np.arange(n))
    merged = tables.placements.merge(courses, on="participant_id")
    # Counting placements: enrollment <= start <= exit (or open course); start <= b is added per period.
    counting = merged[
        merged["enrollment_date"].notna()
        & (merged["start_date"] >= merged["enrollment_date"])
        & (merged["exit_date"].isna() | (merged["start_date"] <= merged["exit_date"]))
    ]
    first = counting.groupby("row")["start_date"].min()
    first_placement = pd.Series(pd.NaT, index=range(n), dtype=p["referral_date"].dtype)
    first_placement[first.index] = first.to_numpy()

    rows = []
    for period_start, a, b in _periods(start, end, by):
        # A course referred after b or gone before a counts in no figure.
        alive = ((p["referral_date"] <= b) & (p["exit_date"].isna() | (p["exit_date"] >= a))).to_numpy()
        c = p[alive]
        fp = first_placement[alive]
        enrolled_in = c["enrollment_date"].between(a, b)
        active_in = (c["enrollment_date"] <= b) & (c["exit_date"].isna() | (c["exit_date"] >= a))
        starts = fp.between(a, b)
        # Placed: active in [a, b] with a counting placement overlapping [a, b], by kind.
        overlapping = counting[
            (counting["start_date"] <= b) & (counting["end_date"].isna() | (counting["end_date"] >= a))
        ]
        placed = {}
        for name, kinds in (
            ("placed", ("job", "uddannelse")),
            ("placed_job", ("job",)),
            ("placed_education", ("uddannelse",)),
        ):
            has = np.zeros(n, dtype=bool)
            has[overlapping.loc[overlapping["kind"].isin(kinds), "row"].to_numpy()] = True
            placed[name] = has[alive] & active_in.to_numpy()
        frame = pd.DataFrame(
            {
                "key": c["municipality_code"] if by == "municipality" else 0,
                "referrals": c["referral_date"] >= a,
                "enrollments": enrolled_in,
                "exits": c["exit_date"] <= b,
                "waiting": (c["enrollment_date"].isna() | (c["enrollment_date"] > b))
                & (c["exit_date"].isna() | (c["exit_date"] > b)),
                "active": (c["enrollment_date"] <= b) & (c["exit_date"].isna() | (c["exit_date"] > b)),
                "active_in_period": active_in,
                **placed,
                "job_starts": starts,
                "waiting_days": ((c["enrollment_date"] - c["referral_date"]).dt.days).where(enrolled_in),
                "days_to_first": ((fp - c["enrollment_date"]).dt.days).where(starts),
            },
            index=c.index,
        )
        grouped = frame.groupby("key")
        out = grouped[list(COUNTS)].sum()
        out["waiting_days_median"] = grouped["waiting_days"].quantile(0.5)
        out["waiting_days_p90"] = grouped["waiting_days"].quantile(0.9)
        out["days_to_first_placement_median"] = grouped["days_to_first"].quantile(0.5)
        out["period_start"] = period_start
        rows.append(out)
    result = pd.concat(rows).reset_index()

    # Every group gets a row, zeros where it has no courses.
    if by == "municipality":
        groups = tables.municipalities.rename(columns={"name": "municipality"})
        result = groups.merge(result, left_on="municipality_code", right_on="key", how="left")
        result = result.sort_values("municipality_code")
        keys = ["municipality_code", "municipality"]
    elif by == "month":
        periods = pd.DataFrame({"period_start": [s for s, _, _ in _periods(start, end, by)]})
        result = periods.merge(result, on="period_start", how="left")
        keys = ["period_start"]
    else:
        result = pd.DataFrame({"key": [0]}).merge(result, on="key", how="left")
        keys = []
    result[list(COUNTS)] = result[list(COUNTS)].fillna(0).astype(np.int64)
    return result[keys + list(COUNTS) + list(MEDIANS)].reset_index(drop=True)
