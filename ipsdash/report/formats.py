"""How the funder report (and the slides) print a figure and its change, with fmt.py's Danish formats."""

from __future__ import annotations

import pandas as pd

from ipsdash import fmt, texts
from ipsdash.figures import privacy


def _is_rate(key: str) -> bool:
    return texts.kind(key) == texts.RATE


def show(key: str, value) -> str:
    """A figure as the report prints it: hidden counts as they are ("<5"), hidden rates as "–".

    Counts and days as whole numbers, shares in percent, kroner in whole kroner (the column
    says "kr."), dates as in every table cell of the report (`fmt.date_medium`: 5. jul. 2027).

    >>> show("placement_rate", 0.2649), show("spent_dkk", 1410237.16), show("waiting", "<5")
    ('26 %', '1.410.237', '<5')
    """
    if isinstance(value, str):
        return value
    if fmt.is_missing(value):
        return fmt.MISSING
    if _is_rate(key):
        return fmt.percent(value)
    if texts.kind(key) == texts.DATE:
        return fmt.date_medium(value)
    return fmt.number(value)


def show_rate(row: pd.Series, key: str = "placement_rate") -> str:
    """A rate with its 95 % interval where there is one: "26 % (19–35 %)"."""
    text = show(key, row[key])
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if text != fmt.MISSING and low is not None and not fmt.is_missing(low) and not fmt.is_missing(high):
        return f"{text} {fmt.interval(low, high)}"
    return text


def change(key: str, now, before):
    """The change from `before` to `now` as a number, or None when either is hidden or missing; a
    rate's in whole percent, as its two figures are."""
    if isinstance(now, str) or isinstance(before, str) or fmt.is_missing(now) or fmt.is_missing(before):
        return None
    diff = float(now) - float(before)
    return float(privacy.round_rate(diff)) if _is_rate(key) else diff


def printed_change(key: str, now, before):
    """The change between two figures as printed: whole numbers (counts, days, kroner) are
    rounded as `show` rounds them first, so a median of 12,6 against 12,4 reads 13, 12, +1.

    >>> printed_change("waiting_days_median", 12.6, 12.4), printed_change("waiting", "<5", 3)
    (1.0, None)
    """
    if not _is_rate(key) and change(key, now, before) is not None:
        now, before = (float(fmt.number(v).replace(".", "")) for v in (now, before))
    return change(key, now, before)


def show_change(key: str, diff) -> str:
    """A change as the report prints it: "+7", "-3", "+4 pct.-point" (whole points, as the
    rates print in whole percent); "±0" when it rounds to nothing.

    >>> show_change("waiting_days_p90", -0.4), show_change("job_rate", 0.0021), show_change("waiting", None)
    ('±0', '±0 pct.-point', '–')
    >>> show_change("waiting", float("nan"))  # a hidden change in a table column
    '–'
    """
    if diff is None or fmt.is_missing(diff):
        return fmt.MISSING
    shown = fmt.number(abs(diff) * 100) if _is_rate(key) else fmt.number(abs(diff))
    sign = "±" if shown.strip("0,") == "" else "+" if diff > 0 else "-"
    return f"{sign}{shown} pct.-point" if _is_rate(key) else f"{sign}{shown}"
