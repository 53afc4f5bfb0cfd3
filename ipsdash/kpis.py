"""The contract's course KPIs for a period and a grouping, with the small-number rule applied.

`kpi_table` is the one function every page, export, the command line and the report ask
for course figures; it runs `queries/kpis.sql` and adds rates with their Wilson intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsdash import data, privacy, stats

BY = ("none", "municipality", "grant", "target_group", "variant", "age_band", "sex", "month", "quarter")

# Group keys of each grouping, as the command line names them.
GROUP_KEYS = {
    "none": (),
    "municipality": ("municipality_code", "municipality"),
    "grant": ("grant_id",),
    "target_group": ("target_group",),
    "variant": ("variant",),
    "age_band": ("age_band",),
    "sex": ("sex",),
    "month": ("period_start",),
    "quarter": ("period_start",),
}

# The figures, in the order the command line prints them.
FIGURES = (
    "referrals",
    "enrollments",
    "exits",
    "waiting",
    "active",
    "active_in_period",
    "placed",
    "placement_rate",
    "placement_rate_low",
    "placement_rate_high",
    "job_rate",
    "education_rate",
    "job_starts",
    "waiting_days_median",
    "waiting_days_p90",
    "days_to_first_placement_median",
)

RULE = privacy.Rule(
    counts=(
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
    ),
    rates=(
        privacy.Rate("placed", "active_in_period", ("placement_rate", "placement_rate_low", "placement_rate_high")),
        privacy.Rate("placed_job", "active_in_period", ("job_rate",)),
        privacy.Rate("placed_education", "active_in_period", ("education_rate",)),
    ),
    medians={
        "waiting_days_median": "enrollments",
        "waiting_days_p90": "enrollments",
        "days_to_first_placement_median": "job_starts",
    },
)


# Every course falls in exactly one group of a dimension, so every count adds up to the
# total over groups; over months only the flows add up to the period (stocks do not).
ADDITIVE = RULE.counts
FLOWS = ("referrals", "enrollments", "exits", "job_starts")


@dataclass(frozen=True)
class Filters:
    """Which courses count: empty tuples and None mean all."""

    municipalities: tuple[int, ...] = ()
    grants: tuple[str, ...] = ()
    target_group: str | None = None
    variant: str | None = None

    def params(self) -> dict:
        return {
            "municipalities": [int(m) for m in self.municipalities],
            "grants": [str(g) for g in self.grants],
            "target_group": self.target_group,
            "variant": self.variant,
        }


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (num / den.where(den > 0)).astype(float)


def kpi_raw(
    extract: data.Extract, start: dt.date, end: dt.date, by: str = "none", filters: Filters = Filters()
) -> pd.DataFrame:
    """The KPIs without the small-number rule. Never shown as it is: use `kpi_table`."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    if end < start:
        raise ValueError("the period ends before it starts")
    df = data.run(extract, "kpis", {"from": start, "to": end, "by": by, **filters.params()})
    df["placement_rate"] = _rate(df["placed"], df["active_in_period"])
    low, high = stats.wilson(df["placed"], df["active_in_period"])
    df["placement_rate_low"] = low
    df["placement_rate_high"] = high
    df["job_rate"] = _rate(df["placed_job"], df["active_in_period"])
    df["education_rate"] = _rate(df["placed_education"], df["active_in_period"])
    keys = list(GROUP_KEYS[by])
    extra = ["placed_job", "placed_education"]
    return df[keys + list(FIGURES) + extra].reset_index(drop=True)


def trend(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    since: dt.date | None = None,
    by: str = "month",
    filters: Filters = Filters(),
    min_count: int | None = None,
) -> pd.DataFrame:
    """`kpi_table` by month (or quarter) over [since, end], for a chart around the period [start, end].

    The months of [start, end] are protected as the parts of that period's own figures, and the
    months before it as the parts of theirs, since pages show the period (and the one before it)
    beside the trend: one call over the whole span would protect the months only against a total
    that is shown nowhere. `start` should be the first day of a month (or quarter).
    """
    parts = []
    if since is not None and since < start:
        parts.append(kpi_table(extract, since, start - dt.timedelta(days=1), by, filters, min_count))
    parts.append(kpi_table(extract, start, end, by, filters, min_count))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def kpi_table(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    by: str = "none",
    filters: Filters = Filters(),
    min_count: int | None = None,
) -> pd.DataFrame:
    """The KPIs of [start, end] per group of `by`, small numbers hidden (threshold `min_count`).

    Groups are protected together, as the parts of the total that `by="none"` gives, so that a
    hidden group cannot be worked out from the total and the groups shown (secondary suppression).
    """
    threshold = privacy.default_threshold() if min_count is None else min_count
    additive = () if by == "none" else FLOWS if by in ("month", "quarter") else ADDITIVE
    return privacy.protect(kpi_raw(extract, start, end, by, filters), RULE, threshold, additive=additive)
