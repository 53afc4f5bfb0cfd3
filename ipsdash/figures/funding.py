"""Funding of grants on a day: budget, spending, use, burn, depletion and cost per course."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsdash import texts
from ipsdash.extract import data
from ipsdash.figures import privacy

BY = ("municipality", "grant")

FIGURES = (
    "grant_id",
    "municipality_code",
    "budget_dkk",
    "spent_dkk",
    "use",
    "monthly_burn_dkk",
    "projected_depletion",
    "courses",
    "placed",
    "cost_per_course_dkk",
    "cost_per_placement_dkk",
)

# Cost per course is spending (shown) divided by the published courses; beside a hidden course
# count it would give the count back, so it is hidden with it (and likewise per placement).
RULE = privacy.Rule(
    counts=("courses", "placed"),
    hidden_with={"courses": ("cost_per_course_dkk",), "placed": ("cost_per_placement_dkk",)},
    per={"cost_per_course_dkk": ("spent_dkk", "courses"), "cost_per_placement_dkk": ("spent_dkk", "placed")},
    shares=texts.of_kind(texts.RATE, FIGURES),  # use: spent ÷ budget
)


def funding_raw(extract: data.Extract, on: dt.date, by: str = "municipality", grants: tuple[str, ...] = ()) -> pd.DataFrame:
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    # Every grant is asked once per day and kept (a page shows the grants and each grant's rows);
    # a grant's rows do not depend on the other grants, nor does their protection (line="grant_id").
    df = data.run(extract, "funding", {"on": on, "by": by})
    if grants:
        df = df[df["grant_id"].isin([str(g) for g in grants])].reset_index(drop=True)
    df["municipality_code"] = df["municipality_code"].astype("Int64")
    return df[[*FIGURES, "courses_key", "placed_key"]]


def funding_table(
    extract: data.Extract,
    on: dt.date,
    by: str = "municipality",
    grants: tuple[str, ...] = (),
    *,
    min_count: int,
) -> pd.DataFrame:
    return privacy.protect(funding_raw(extract, on, by, grants), RULE, min_count)
