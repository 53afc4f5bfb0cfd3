"""Danish formats: each function on hand-picked values, with the edge cases named."""

from __future__ import annotations

import datetime as dt
import doctest
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ipsdash import fmt

MISSING_VALUES = [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT")]
ALL_FUNCTIONS = [
    fmt.number,
    fmt.percent,
    fmt.dkk,
    fmt.mio_dkk,
    fmt.date_long,
    fmt.date_short,
    fmt.month_label,
    fmt.month_name,
    fmt.quarter_label,
]


def test_docstring_examples_hold():
    assert doctest.testmod(fmt).failed == 0


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 0, "0"),
        (7, 0, "7"),
        (999, 0, "999"),
        (1234, 0, "1.234"),  # four digits are grouped too
        (1234567, 0, "1.234.567"),
        (1234.5, 1, "1.234,5"),
        (1234.5, 0, "1.235"),  # half away from zero, as by hand
        (2.5, 0, "3"),  # not Python's banker's rounding (round(2.5) == 2)
        (0.125, 2, "0,13"),  # the decimal value 0.125, not its binary neighbour
        (1.005, 2, "1,01"),
        (-1234.5, 1, "-1.234,5"),
        (-0.4, 0, "0"),  # no negative zero
        (-0.04, 1, "0,0"),
        (999.95, 1, "1.000,0"),  # rounding carries into a new group
        (12, 2, "12,00"),
        (Decimal("1234.565"), 2, "1.234,57"),  # DuckDB DECIMAL columns
        (np.int64(48213), 0, "48.213"),
        (np.float64(0.1), 3, "0,100"),
    ],
)
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


@pytest.mark.parametrize(
    ("fraction", "decimals", "expected"),
    [
        (0.48, 0, "48 %"),
        (0, 0, "0 %"),
        (1, 0, "100 %"),
        (0.4825, 1, "48,3 %"),
        (0.285, 0, "29 %"),  # 28.5 exactly; a float product would give 28.499… and round down
        (0.0049, 0, "0 %"),
        (1.5, 0, "150 %"),
    ],
)
def test_percent(fraction, decimals, expected):
    assert fmt.percent(fraction, decimals) == expected


def test_money():
    assert fmt.dkk(1234567) == "1.234.567 kr."
    assert fmt.dkk(1234567.5) == "1.234.568 kr."
    assert fmt.dkk(-2500) == "-2.500 kr."  # a correction
    assert fmt.dkk(0) == "0 kr."
    assert fmt.dkk(Decimal("99.50")) == "100 kr."
    assert fmt.mio_dkk(2_400_000) == "2,4 mio. kr."
    assert fmt.mio_dkk(2_449_999) == "2,4 mio. kr."
    assert fmt.mio_dkk(2_450_000) == "2,5 mio. kr."
    assert fmt.mio_dkk(12_345_678, 2) == "12,35 mio. kr."
    assert fmt.mio_dkk(1_234_000_000) == "1.234,0 mio. kr."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 3, 12), "12. marts 2024"),
        (dt.date(2024, 1, 1), "1. januar 2024"),
        (dt.date(2023, 12, 31), "31. december 2023"),
        (dt.datetime(2024, 5, 17, 23, 59), "17. maj 2024"),  # the time is dropped
        (pd.Timestamp("2024-02-29"), "29. februar 2024"),
        (np.datetime64("2024-10-05"), "5. oktober 2024"),
        (np.datetime64("2024-10-05T13:45"), "5. oktober 2024"),
    ],
)
def test_date_long_accepts_every_date_type(value, expected):
    assert fmt.date_long(value) == expected


def test_all_month_names_and_labels():
    names = [fmt.month_name(dt.date(2024, m, 1)) for m in range(1, 13)]
    labels = [fmt.month_label(dt.date(2024, m, 1)) for m in range(1, 13)]
    assert names == [
        "januar 2024", "februar 2024", "marts 2024", "april 2024", "maj 2024", "juni 2024",
        "juli 2024", "august 2024", "september 2024", "oktober 2024", "november 2024", "december 2024",
    ]  # fmt: skip
    assert labels == [
        "jan. 2024", "feb. 2024", "mar. 2024", "apr. 2024", "maj 2024", "jun. 2024",
        "jul. 2024", "aug. 2024", "sep. 2024", "okt. 2024", "nov. 2024", "dec. 2024",
    ]  # fmt: skip


def test_date_short():
    assert fmt.date_short(dt.date(2024, 3, 5)) == "05.03.2024"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 1, 1), "1. kvt. 2024"),
        (dt.date(2024, 3, 31), "1. kvt. 2024"),  # the quarter's last day
        (dt.date(2024, 4, 1), "2. kvt. 2024"),
        (dt.date(2024, 9, 30), "3. kvt. 2024"),
        (dt.date(2024, 12, 31), "4. kvt. 2024"),
    ],
)
def test_quarter_label(day, expected):
    assert fmt.quarter_label(day) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (dt.date(2024, 1, 1), dt.date(2024, 3, 31), "1. januar – 31. marts 2024"),  # same year: compact
        (dt.date(2023, 12, 1), dt.date(2024, 2, 29), "1. december 2023 – 29. februar 2024"),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 31), "1.–31. marts 2024"),  # same month
        (dt.date(2024, 3, 12), dt.date(2024, 3, 12), "12. marts 2024"),  # one day
        (pd.Timestamp("2021-01-01"), pd.Timestamp("2024-12-31"), "1. januar 2021 – 31. december 2024"),
    ],
)
def test_period(a, b, expected):
    assert fmt.period(a, b) == expected


def test_interval():
    assert fmt.interval(0.41, 0.55) == "(41–55 %)"
    assert fmt.interval(0.4149, 0.5551) == "(41–56 %)"
    assert fmt.interval(0.412, 0.55, 1) == "(41,2–55,0 %)"
    assert fmt.interval(0, 0.3) == "(0–30 %)"


@pytest.mark.parametrize("missing", MISSING_VALUES, ids=repr)
@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_missing_is_a_dash(function, missing):
    assert function(missing) == "–"


@pytest.mark.parametrize("missing", MISSING_VALUES, ids=repr)
def test_missing_in_two_argument_functions(missing):
    assert fmt.period(missing, dt.date(2024, 1, 1)) == "–"
    assert fmt.period(dt.date(2024, 1, 1), missing) == "–"
    assert fmt.interval(missing, 0.5) == "–"
    assert fmt.interval(0.5, missing) == "–"


def test_infinity_is_a_dash():
    assert fmt.number(float("inf")) == "–"
    assert fmt.percent(float("-inf")) == "–"


@pytest.mark.parametrize("function", [*ALL_FUNCTIONS, lambda x: fmt.period(x, x), lambda x: fmt.interval(x, x)])
def test_a_hidden_count_passes_through(function):
    assert function("<5") == "<5"


def test_zero_is_shown_not_hidden():
    assert fmt.number(0) == "0"
    assert fmt.percent(0.0) == "0 %"


def test_wrong_types_are_refused():
    with pytest.raises(TypeError):
        fmt.number(dt.date(2024, 1, 1))
    with pytest.raises(TypeError):
        fmt.number(True)
    with pytest.raises(TypeError):
        fmt.date_long(20240101)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (640, "640 kr."),
        (99_999, "99.999 kr."),  # exact kroner below 100.000
        (100_000, "100 t. kr."),
        (845_499, "845 t. kr."),
        (845_500, "846 t. kr."),  # half up, as every amount
        (999_499, "999 t. kr."),
        (999_600, "1,0 mio. kr."),  # by the rounded amount: never "1.000 t. kr."
        (1_000_000, "1,0 mio. kr."),
        (12_345_678, "12,3 mio. kr."),
        (-62_000, "-62.000 kr."),
        (-250_000, "-250 t. kr."),  # an overspent budget: the sign kept, the same units
        (-2_500_000, "-2,5 mio. kr."),
        ("<5", "<5"),
    ],
)
def test_dkk_short_switches_units_at_100_000_and_a_million(amount, shown):
    assert fmt.dkk_short(amount) == shown


@pytest.mark.parametrize("missing", MISSING_VALUES)
def test_dkk_short_of_nothing_is_the_missing_mark(missing):
    assert fmt.dkk_short(missing) == fmt.MISSING
