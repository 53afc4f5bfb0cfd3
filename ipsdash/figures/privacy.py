"""The small-number rule and the cell key method, in one place (data-contract.md, "Small numbers
and consistent noise").

Primary rule: a true person count from 1 to threshold-1 is shown as the text "<threshold"; a rate
and its interval are hidden (None) when its true numerator, denominator or their difference is
from 1 to threshold-1; a median or percentile is hidden when taken over 1 to threshold-1 courses.
Zero is shown. Amounts of money are not person counts.

Cell key method: every course has a record key 0-255, the first byte of HMAC-SHA256(installation
secret, participant_id) (`record_key_secret`, computed in SQL: queries/base/05_record_keys.sql).
Every count leaves the query layer with a cell key beside it (column `<count>_key`): the sum of
its courses' record keys modulo 256. The published count is the true count plus the noise of the
perturbation table for (count, cell key) (`ptable`, ipsdash/figures/ptable.csv, made by tools/make_ptable.py);
rates and their Wilson bounds are worked out from the published counts and rounded to whole
percent. The same set of courses always gets the same noise, so no answer less another gives a
hidden figure back, and no secondary suppression is needed. Cell keys never leave `protect`.
Every figure that leaves the query layer for a page, an export, the command line or a report
passes through `protect`; threshold 0 (`--min-count 0`) is the exact, unperturbed view.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ipsdash.figures import stats

DEFAULT_THRESHOLD = 5

# The ptable's file (ONS cell-key-perturbation format: pcv, ckey, pvalue) and its key range.
PTABLE_FILE = Path(__file__).resolve().parent / "ptable.csv"
KEYS = 256


# --- The perturbation table --------------------------------------------------------------------


@cache
def ptable() -> np.ndarray:
    """The noise of ipsdash/figures/ptable.csv as an array [pcv, ckey] (row 0: a count of 0, no noise)."""
    table = pd.read_csv(PTABLE_FILE)
    noise = np.zeros((int(table["pcv"].max()) + 1, KEYS), dtype=np.int64)
    noise[table["pcv"].to_numpy(), table["ckey"].to_numpy()] = table["pvalue"].to_numpy()
    return noise


def noise(counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
    """The ptable's noise for each (true count, cell key), as the ONS package looks it up: a count
    above the table's last row (750) reads row ((count - 1) mod 250) + 501."""
    table = ptable()
    last = table.shape[0] - 1
    n = np.nan_to_num(counts, nan=0).astype(np.int64)
    pcv = np.where(n > last, (n - 1) % 250 + 501, n)
    keys = np.nan_to_num(cell_keys, nan=0).astype(np.int64) % KEYS
    return np.where(n > 0, table[np.clip(pcv, 0, last), keys], 0)


def key_column(count: str) -> str:
    """The column of a count's cell key in a raw answer."""
    return f"{count}_key"


# --- The rule ----------------------------------------------------------------------------------


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


def round_rate(values) -> np.ndarray:
    """A rate or bound as it may be published: whole percent (0.01)."""
    return np.round(np.asarray(values, dtype=float), 2)


@dataclass(frozen=True)
class Rate:
    numerator: str
    denominator: str
    # The rate and, when three, its Wilson interval's low and high bounds.
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """Which columns of a result are person counts, rates and medians.

    Every count needs its cell key beside it (`key_column`)."""

    counts: tuple[str, ...] = ()
    rates: tuple[Rate, ...] = ()
    medians: dict[str, str] = field(default_factory=dict)  # median column -> column counting its courses
    # count column -> figures that would give the count back (e.g. an amount per course)
    hidden_with: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # amount per count (cost per course): column -> (amount column, count column), from the published count
    per: dict[str, tuple[str, str]] = field(default_factory=dict)
    # shares of money (spent ÷ budget): no person rate, nothing hidden, but whole percent as every rate
    shares: tuple[str, ...] = ()


def published(df: pd.DataFrame, rule: Rule) -> dict[str, np.ndarray]:
    """Each count of `rule` as published: the true count plus its ptable noise."""
    out = {}
    for col in rule.counts:
        values = _numbers(df[col])
        key = key_column(col)
        if key not in df.columns:
            raise KeyError(f"the count {col!r} has no cell key ({key!r}): its query must give one")
        out[col] = np.where(np.isnan(values), np.nan, values + noise(values, _numbers(df[key])))
    return out


def protect(df: pd.DataFrame, rule: Rule, threshold: int) -> pd.DataFrame:
    """A copy of `df` as it may be published; threshold 0 (or 1) shows all, exact and unperturbed.

    Counts get their ptable noise, rates and bounds are worked out again from the published counts
    (whole percent), and the primary rule hides what it hides, judged on the true counts. The cell
    key columns are dropped either way.
    """
    keys = [c for c in df.columns if c.endswith("_key") and c[: -len("_key")] in rule.counts]
    if threshold <= 1 or df.empty:
        return df.drop(columns=keys)
    column = {c: v for c, v in df.items() if c not in keys}  # each column looked up once
    true = {c: _numbers(column[c]) for c in rule.counts}
    shown_counts = published(df, rule)

    def numbers(col: str) -> np.ndarray:
        return true[col] if col in true else _numbers(column[col])

    # The shown columns as object arrays, changed in place and put into the copy once: a pandas
    # `where` per column cost more than all the rest of the rule.
    shown: dict[str, np.ndarray] = {}

    def hide(col: str, where: np.ndarray, text=None) -> None:
        if col not in shown:
            shown[col] = column[col].to_numpy(dtype=object, copy=True)
        shown[col][where] = text

    for rate in rule.rates:
        num, den = numbers(rate.numerator), numbers(rate.denominator)
        pub_num, pub_den = shown_counts[rate.numerator], shown_counts[rate.denominator]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(pub_den > 0, np.clip(pub_num / pub_den, 0, 1), np.nan)
        figures = [value, *stats.wilson(pub_num, pub_den)][: len(rate.shown)]
        hidden = is_small(num, threshold) | is_small(den, threshold) | is_small(den - num, threshold)
        for col, figure in zip(rate.shown, figures):
            shown[col] = np.asarray([None if np.isnan(x) else float(x) for x in round_rate(figure)], dtype=object)
            hide(col, hidden)
    for col, (amount, count) in rule.per.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.round(numbers(amount) / np.where(shown_counts[count] > 0, shown_counts[count], np.nan), 2)
        # NaN where there is nothing to divide by (no courses): not computable, not hidden (None).
        shown[col] = np.asarray([np.nan if np.isnan(x) else float(x) for x in value], dtype=object)  # øre
    for col in rule.shares:
        shown[col] = np.asarray([None if np.isnan(x) else float(x) for x in round_rate(numbers(col))], dtype=object)
    for median, n_col in rule.medians.items():
        hide(median, is_small(numbers(n_col), threshold))
    for count, dependents in rule.hidden_with.items():
        hidden = is_small(numbers(count), threshold)
        for col in dependents:
            hide(col, hidden)
    label = hidden_label(threshold)
    for col in rule.counts:
        values = shown_counts[col]
        shown[col] = np.asarray([x if np.isnan(x) else int(x) for x in values], dtype=object)
        shown[col][np.isnan(values)] = None
        hide(col, is_small(true[col], threshold), label)
    # Object columns stay object columns ("<5" beside numbers), never inferred as text.
    changed = {c: pd.Series(a, index=df.index, dtype=object, name=c) for c, a in shown.items()}
    return pd.DataFrame({**column, **changed}, index=df.index)


def hide_small(values: pd.Series, threshold: int) -> np.ndarray:
    """The primary rule alone, for person counts no cell key can be given (the rows of a
    delivered file, deliver.history): 1 to threshold-1 as "<threshold", others as they are."""
    out = values.to_numpy(dtype=object, copy=True)
    if threshold > 1:
        out[is_small(values, threshold)] = hidden_label(threshold)
    return out


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as floats (NaN where it is not a number)."""
    if values.dtype.kind in "fiu":
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
