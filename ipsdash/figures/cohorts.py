"""Cohort outcomes (data-contract.md, "Cohort outcomes"): of the courses enrolled in a quarter or
a year, the share placed in job or education within N months, with Wilson intervals.

`cohort_table` is the one function the command line (`python -m ipsdash cohorts`), the page
"Forløb over tid" and the funder report ask; it runs queries/cohorts.sql and applies the
small-number rule. `curve` is the same figure for every month 1..M: the time to the first job or
education as a cumulative share per year cohort.

    >>> parse_within("6,12,18")
    (6, 12, 18)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures import catalog, kpis, privacy, stats

BY = ("none", "municipality", "grant", "target_group", "variant")
GRAINS = ("quarter", "year")
DEFAULT_WITHIN = (6, 12, 18)
CURVE_MONTHS = 24  # the cumulative curve's last month
# The Danish IPS trial's result after 18 months (outcomes.SOURCES, "danish_trial").
TRIAL_MONTHS = 18
EVERYONE = kpis.Filters()  # no filter: every course counts


def parse_within(text: str) -> tuple[int, ...]:
    """"6,12,18" as (6, 12, 18); a ValueError naming what is wrong for anything but positive whole months.

    >>> parse_within(" 18, 6 ,6")
    (6, 18)
    """
    parts = [p.strip() for p in str(text).split(",")]
    wrong = [p for p in parts if not (p.isascii() and p.isdigit() and int(p) > 0)]
    if not parts or wrong:
        shown = ", ".join(repr(p) for p in wrong) or repr(text)
        raise ValueError(f"{shown} er ikke et helt antal måneder > 0; skriv fx 6,12,18")
    return tuple(sorted({int(p) for p in parts}))


def columns(within: tuple[int, ...]) -> list[str]:
    """The figure columns for the months `within`, in the command line's order."""
    return ["enrolled"] + [c for n in within for c in (f"placed_{n}m", f"rate_{n}m", f"rate_{n}m_low", f"rate_{n}m_high")]


def rule(within: tuple[int, ...]) -> privacy.Rule:
    return privacy.Rule(
        counts=("enrolled", *(f"placed_{n}m" for n in within)),
        rates=tuple(
            privacy.Rate(f"placed_{n}m", "enrolled", (f"rate_{n}m", f"rate_{n}m_low", f"rate_{n}m_high"))
            for n in within
        ),
    )


def _check(start: dt.date, end: dt.date, grain: str, within: tuple[int, ...], by: str) -> None:
    if end < start:
        raise ValueError("the period ends before it starts")
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    if not within or any(int(n) != n or n < 1 for n in within):
        raise ValueError("within must be positive whole months")


def cohort_raw(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    grain: str = "quarter",
    within: tuple[int, ...] = DEFAULT_WITHIN,
    by: str = "none",
    filters: kpis.Filters = EVERYONE,
) -> pd.DataFrame:
    """The cohorts without the small-number rule (never shown as it is: use `cohort_table`).

    One row per cohort (and group of `by`): `cohort_start`, the group keys (kpis.GROUP_KEYS),
    `enrolled` and for each N of `within` `placed_{N}m`, `rate_{N}m` and its interval, null
    where the cohort has not been followed N months, and each count's cell key
    (`privacy.key_column`).
    """
    within = tuple(sorted(set(within)))
    _check(start, end, grain, within, by)
    as_of = catalog.span(extract)[1]
    params = {
        "from": start,
        "to": end,
        "as_of": as_of,
        "grain": grain,
        "months": list(within),
        "by": by,
        **filters.params(),
    }
    long = data.run(extract, "cohorts", params, keep=False)
    keys = list(kpis.GROUP_KEYS[by])
    # The query gives each group and cohort a row per N, in the same order for every N.
    first = long[long["months"] == within[0]].reset_index(drop=True)
    rows = first[["cohort_start", *keys, "enrolled", "enrolled_key"]].copy()
    enrolled = rows["enrolled"].astype(float)
    added = {}  # the columns of every N, joined to the rows at once (a column at a time fragments them)
    for n in within:
        part = long[long["months"] == n].reset_index(drop=True)
        placed = part["placed"].astype(float)
        added[f"placed_{n}m"] = part["placed"].astype("Int64")
        added[f"placed_{n}m_key"] = part["placed_key"].astype("Int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            added[f"rate_{n}m"] = (placed / enrolled.where(enrolled > 0)).astype(float)
        low, high = stats.wilson(placed, enrolled)
        added[f"rate_{n}m_low"] = low
        added[f"rate_{n}m_high"] = high
        # Not a figure: whether the cohort has been followed N months (its figures are null before).
        added[f"followed_{n}m"] = part["is_followed"].astype(bool)
    rows = pd.concat([rows, pd.DataFrame(added, index=rows.index)], axis=1)
    rows["cohort_start"] = pd.to_datetime(rows["cohort_start"]).dt.date
    cell_keys = [privacy.key_column(c) for c in rule(within).counts]
    return rows[["cohort_start", *keys, *columns(within), *(f"followed_{n}m" for n in within), *cell_keys]]


def cohort_table(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    grain: str = "quarter",
    within: tuple[int, ...] = DEFAULT_WITHIN,
    by: str = "none",
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """`cohort_raw` as published (threshold `min_count`; 0: exact), as kpis.kpi_table: counts with
    their noise, rates and intervals from the published counts in whole percent (`privacy.protect`).
    """
    within = tuple(sorted(set(within)))
    raw = cohort_raw(extract, start, end, grain, within, by, filters)
    return privacy.protect(raw, rule(within), min_count)


def curve(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = EVERYONE,
    months: int = CURVE_MONTHS,
    *,
    min_count: int,
) -> pd.DataFrame:
    """The time to the first job or education as a cumulative share, per year cohort.

    One row per year cohort and month 1..`months`: `cohort_start`, `months`, `enrolled`, `placed`,
    `rate` with `rate_low`/`rate_high`, protected as `cohort_table` (the same figure for every
    month); a month the cohort has not been followed is left out (the curve stops), never a dip.
    """
    within = tuple(range(1, months + 1))
    table = cohort_table(extract, start, end, "year", within, "none", filters, min_count=min_count)
    return long_rates(table, within)


def long_rates(table: pd.DataFrame, within: tuple[int, ...]) -> pd.DataFrame:
    """A protected cohort table (by "none") as one row per cohort and N, for charts."""
    parts = []
    for n in within:
        part = table[["cohort_start", "enrolled"]].copy()
        part["months"] = n
        part["placed"] = table[f"placed_{n}m"]
        part["rate"] = table[f"rate_{n}m"]
        part["rate_low"] = table[f"rate_{n}m_low"]
        part["rate_high"] = table[f"rate_{n}m_high"]
        part["followed"] = table[f"followed_{n}m"]
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["cohort_start", "enrolled", "months", "placed", "rate", "rate_low", "rate_high"])
    return pd.concat(parts, ignore_index=True).sort_values(["cohort_start", "months"], ignore_index=True)


def unfollowed(table: pd.DataFrame, within: tuple[int, ...]) -> dict[int, list[dt.date]]:
    """The cohorts of `table` not yet followed N months, for each N that has any."""
    out = {n: [d for d, f in zip(table["cohort_start"], table[f"followed_{n}m"]) if not f] for n in within}
    return {n: days for n, days in out.items() if days}


NOT_FOLLOWED_TEXT = "ikke fulgt endnu"


def shown_table(
    table: pd.DataFrame, within: tuple[int, ...], grain: str = "quarter", hidden: str = fmt.MISSING
) -> pd.DataFrame:
    """A protected table (by "none") as a page and the report show it: Danish text in every cell.

    "46 % (41–52 %)" for a rate with its interval, "ikke fulgt endnu" before a cohort is followed
    N months, `hidden` where the small-number rule hides a figure (None), "–" where there is
    nothing to take a share of (NaN). The pages pass fmt.HIDDEN ("skjult", issue 19); the funder
    report keeps "–" for both, as its legend says.
    """
    def mark(value) -> str:
        return hidden if value is None else fmt.MISSING

    label = fmt.quarter_label if grain == "quarter" else (lambda d: str(d.year))
    out = pd.DataFrame({
        "Årgang": [label(d) for d in table["cohort_start"]],
        "Startede": [v if isinstance(v, str) else mark(v) if fmt.is_missing(v) else fmt.number(v)
                     for v in table["enrolled"]],
    })
    for n in within:
        out[f"Inden for {n} mdr."] = [
            NOT_FOLLOWED_TEXT if not followed
            else mark(rate) if rate is None or pd.isna(rate)
            else f"{fmt.percent(rate)} {fmt.interval(low, high)}"
            for followed, rate, low, high in zip(
                table[f"followed_{n}m"], table[f"rate_{n}m"], table[f"rate_{n}m_low"], table[f"rate_{n}m_high"]
            )
        ]
    return out


def latest_followed(table: pd.DataFrame, n: int) -> pd.Series | None:
    """The newest cohort of `table` followed `n` months (the one held against a target), or None."""
    followed = table[table[f"followed_{n}m"].astype(bool)]
    return None if followed.empty else followed.iloc[-1]
