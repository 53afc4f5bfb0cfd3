"""The small-number rule, in one place (data-contract.md, "Small numbers").

Every person count from 1 to threshold-1 is replaced by the text "<threshold"; a rate and
its interval are hidden (None) when its numerator, its denominator or their difference is
from 1 to threshold-1; a median or percentile is hidden when taken over 1 to threshold-1
courses. Zero is shown. Amounts of money are not person counts.

A rate hidden only because numerator and denominator differ by a small number would still
be recoverable from the two counts, so in that case the numerator count is hidden as well
(None: "hidden to protect another figure"). Every figure that leaves the query layer for a
page, an export, the command line or a report passes through `protect`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5


def default_threshold() -> int:
    """The threshold in force: `IPS_MIN_COUNT` if set, else 5."""
    value = os.environ.get("IPS_MIN_COUNT")
    return int(value) if value and value.strip().isdigit() else DEFAULT_THRESHOLD


def hidden_label(threshold: int) -> str:
    return f"<{threshold}"


def is_small(values, threshold: int) -> np.ndarray:
    """True where a person count is from 1 to threshold-1 (never for 0, None or NaN)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (v >= 1) & (v < threshold)


@dataclass(frozen=True)
class Rate:
    numerator: str
    denominator: str
    shown: tuple[str, ...]  # the rate and its interval columns


@dataclass(frozen=True)
class Rule:
    """Which columns of a result are person counts, rates and medians."""

    counts: tuple[str, ...] = ()
    rates: tuple[Rate, ...] = ()
    medians: dict[str, str] = field(default_factory=dict)  # median column -> column counting its courses
    # count column -> figures that would give the count back (e.g. an amount per course)
    hidden_with: dict[str, tuple[str, ...]] = field(default_factory=dict)


def protect(df: pd.DataFrame, rule: Rule, threshold: int) -> pd.DataFrame:
    """A copy of `df` with the small-number rule applied; threshold 0 (or 1) shows all."""
    out = df.copy()
    if threshold <= 1 or out.empty:
        return out
    for rate in rule.rates:
        num = out[rate.numerator].to_numpy(dtype=float)
        den = out[rate.denominator].to_numpy(dtype=float)
        small_diff = is_small(den - num, threshold)
        hide = is_small(num, threshold) | is_small(den, threshold) | small_diff
        for col in rate.shown:
            out[col] = out[col].astype(object).where(~hide, None)
        hide_numerator_here = small_diff & ~is_small(num, threshold) & ~is_small(den, threshold)
        if rate.numerator in rule.counts:
            col = rate.numerator
            out[col] = out[col].astype(object).where(~hide_numerator_here, None)
    for median, n_col in rule.medians.items():
        hide = is_small(out[n_col], threshold)
        out[median] = out[median].astype(object).where(~hide, None)
    for count, dependents in rule.hidden_with.items():
        hide = is_small(out[count], threshold)
        for col in dependents:
            out[col] = out[col].astype(object).where(~hide, None)
    label = hidden_label(threshold)
    for col in rule.counts:
        values = out[col]
        out[col] = values.astype(object).where(~is_small(values, threshold), label)
    return out
