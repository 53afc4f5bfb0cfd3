"""The small-number rule, in one place (data-contract.md, "Small numbers").

Every person count from 1 to threshold-1 is replaced by the text "<threshold"; a rate and
its interval are hidden (None) when its numerator, its denominator or their difference is
from 1 to threshold-1; a median or percentile is hidden when taken over 1 to threshold-1
courses. Zero is shown. Amounts of money are not person counts.

Arithmetic must not undo it. A rate hidden only because numerator and denominator differ by a
small number would come back from the two counts, so the numerator is hidden as well. Where
rows add up to a total shown elsewhere (municipalities and the region, months and their
period, breakdowns and the whole, a grant's municipalities and the grant), hidden cells get
secondary suppression: more cells are hidden until the hidden ones number at least two and
add up to at least the threshold. A cell hidden to protect another figure is None ("–").
Every figure that leaves the query layer for a page, an export, the command line or a report
passes through `protect`.
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
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        v = values.astype(float, copy=False)  # protect's own arrays: no conversion needed
    else:
        try:  # plain numbers (and None): no pandas, which costs more than the test cell by cell
            v = np.atleast_1d(np.asarray(values, dtype=float))
        except (TypeError, ValueError):  # "<5", pd.NA and the like
            v = _numbers(pd.Series(values))
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


def _secondary(values: np.ndarray, hidden: np.ndarray, threshold: int) -> np.ndarray:
    """More cells of one line to hide, so that its hidden cells cannot be told from its total.

    The total less the visible cells gives the sum of the hidden ones. That sum is safe when at
    least two cells are hidden and they add up to the threshold or more: no single hidden cell,
    and no small one, can then be worked out. Until it holds, the smallest visible non-zero cell
    is hidden too; a zero only when no other cell is left. Returns the new cells.
    """
    chosen = hidden.copy()
    while chosen.any() and not (chosen.sum() >= 2 and values[chosen].sum() >= threshold):
        positive = ~chosen & (values > 0)
        zeros = ~chosen & (values == 0)
        if positive.any():
            chosen[np.argmin(np.where(positive, values, np.inf))] = True
        elif chosen.sum() < 2 and zeros.any():
            # Only zeros are left (e.g. a grant's one group of courses beside "no grant"): a
            # hidden zero cannot raise the sum, but it leaves open how the sum is split.
            chosen[np.argmax(zeros)] = True
        else:
            # The hidden cells add up to a small total, hidden itself by the primary rule.
            break
    return chosen & ~hidden


def protect(
    df: pd.DataFrame,
    rule: Rule,
    threshold: int,
    additive: tuple[str, ...] = (),
    line: str | None = None,
) -> pd.DataFrame:
    """A copy of `df` with the small-number rule applied; threshold 0 (or 1) shows all.

    `additive` names the count columns whose rows add up to a total that is shown elsewhere (the
    region beside its municipalities, a period beside its months, a grant beside its
    municipalities). Along each of them hidden cells get secondary suppression (`_secondary`),
    within each group of rows sharing the value of `line` (all rows when None). A cell hidden
    only to protect another figure becomes None; a small count becomes the text "<threshold".
    """
    if threshold <= 1 or df.empty:
        return df.copy()
    n = len(df)
    no = np.zeros(n, dtype=bool)
    column = dict(df.items())  # each column looked up once
    values = {c: _numbers(column[c]) for c in rule.counts}
    small = {c: is_small(values[c], threshold) for c in rule.counts}
    withheld = {c: no.copy() for c in rule.counts}

    def numbers(col: str) -> np.ndarray:
        return values[col] if col in values else _numbers(column[col])

    # A rate hidden only for a small difference would come back from its two counts: the
    # numerator goes with it.
    for rate in rule.rates:
        num, den = numbers(rate.numerator), numbers(rate.denominator)
        small_diff = is_small(den - num, threshold) & ~is_small(num, threshold) & ~is_small(den, threshold)
        if rate.numerator in withheld:
            withheld[rate.numerator] |= small_diff

    groups = [np.arange(n)] if line is None else [idx for idx in df.groupby(line, dropna=False).indices.values()]
    for col in additive:
        for idx in groups:
            hidden = small[col][idx] | withheld[col][idx]
            withheld[col][idx] |= _secondary(values[col][idx], hidden, threshold)

    def gone(col: str) -> np.ndarray:
        if col in small:
            return small[col] | withheld[col]
        return is_small(numbers(col), threshold)

    # The shown columns as object arrays, changed in place and put into the copy once: a pandas
    # `where` per column cost more than all the rest of the rule.
    shown: dict[str, np.ndarray] = {}

    def hide(col: str, where: np.ndarray, text=None) -> None:
        if col not in shown:
            shown[col] = column[col].to_numpy(dtype=object, copy=True)
        shown[col][where] = text

    for rate in rule.rates:
        num, den = numbers(rate.numerator), numbers(rate.denominator)
        hidden = gone(rate.numerator) | gone(rate.denominator) | is_small(den - num, threshold)
        for col in rate.shown:
            hide(col, hidden)
    for median, n_col in rule.medians.items():
        hide(median, is_small(numbers(n_col), threshold))
    for count, dependents in rule.hidden_with.items():
        hidden = gone(count)
        for col in dependents:
            hide(col, hidden)
    label = hidden_label(threshold)
    for col in rule.counts:
        hide(col, small[col], label)
        hide(col, withheld[col])
    # Object columns stay object columns ("<5" beside numbers), never inferred as text.
    changed = {c: pd.Series(a, index=df.index, dtype=object, name=c) for c, a in shown.items()}
    return pd.DataFrame({**column, **changed}, index=df.index)


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as floats (NaN where it is not a number)."""
    if values.dtype.kind in "fiu":
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
