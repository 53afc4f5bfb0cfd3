"""Danish number and date formats, in one place: 1.234,5 · 48 % · 2,4 mio. kr. · 12. marts 2024.

One date style per context: running text and captions `date_long` ("12. marts 2024"); cards,
chart labels and hovers `date_medium` ("12. mar. 2024"); table cells `date_short` ("12.03.2024").

Pure Python on purpose: servers have no Danish locale, and `locale` is process-wide state
that Streamlit's threads would share. Month names follow Dansk Sprognævn and the CLDR
"da" data (lower case; "maj" is not abbreviated, so it takes no full stop).

Every function takes a missing value (None, NaN, NaT, pd.NA) and returns `MISSING` ("–").
A string is returned unchanged: it is a figure that has already been formatted or hidden,
such as the small-number mark "<5", and must reach the page as it is.

Rounding is half away from zero on the decimal value you see (2,5 → 3; 0,125 → 0,13), as
people round by hand, not Python's round-half-to-even on binary floats.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# The marks of a figure that is not shown, one each (texts.MARKS explains them on the pages):
MISSING = "–"  # en dash: cannot be computed (no courses to take a share or median over)
HIDDEN = "skjult"  # hidden to protect another figure, or a share or median over few courses (None)
NOT_STARTED = "ikke startet"  # the municipality has not started IPS by the period's end
# (a count of 1 to threshold − 1 is the text "<5" itself, made by ipsdash.figures.privacy)
THOUSANDS = "."
DECIMAL = ","
# Danish puts a space between a number and "%" or a unit. A plain space, so that copied
# figures and CSV exports stay plain ASCII text; charts and tables do not wrap inside a figure.
SPACE = " "
DASH = "–"  # en dash for ranges: 41–55 %, 1. januar – 31. marts 2024

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
SHORT_MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")
DAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")  # Monday first, as date.weekday()


def is_missing(value: Any) -> bool:
    """True for None, float NaN, pandas NaT / NA and numpy NaT.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if value is None:
        return True
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas, without importing it
        return True
    if isinstance(value, float):  # numpy's float64 too
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    kind = getattr(getattr(value, "dtype", None), "kind", "")  # other numpy scalars
    if kind == "f":
        return math.isnan(value)
    if kind in ("M", "m"):
        return str(value) == "NaT"
    return False


def _decimal(value: Any) -> Decimal | None:
    """The value as an exact Decimal of what it prints as; None if it is not a finite number."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        # The shortest repr (0.1, not 0.1000000000000000055…); float.__repr__ also for numpy floats.
        result = Decimal(float.__repr__(value))
    else:
        try:
            result = Decimal(str(value))  # int, numpy and DuckDB scalars
        except InvalidOperation:
            raise TypeError(f"not a number: {value!r}") from None
    return result if result.is_finite() else None


def _group(digits: str) -> str:
    """'1234567' → '1.234.567'."""
    head = len(digits) % 3 or 3
    return THOUSANDS.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def _number(value: Decimal, decimals: int) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    return sign + _group(whole) + (DECIMAL + fraction if decimals > 0 else "")


def number(x: Any, decimals: int = 0) -> str:
    """A number with Danish separators, rounded to `decimals` places.

    >>> number(1234), number(1234.5, 1), number(-0.4), number(None), number("<5")
    ('1.234', '1.234,5', '0', '–', '<5')
    """
    if isinstance(x, str):
        return x
    if is_missing(x):
        return MISSING
    value = _decimal(x)
    return MISSING if value is None else _number(value, decimals)


def percent(fraction: Any, decimals: int = 0) -> str:
    """A share given as a fraction (0.48), shown as a Danish percentage.

    >>> percent(0.48), percent(0.4825, 1), percent(1), percent(None)
    ('48 %', '48,3 %', '100 %', '–')
    """
    if isinstance(fraction, str):
        return fraction
    if is_missing(fraction):
        return MISSING
    value = _decimal(fraction)
    return MISSING if value is None else _number(value * 100, decimals) + SPACE + "%"


def dkk(x: Any) -> str:
    """An amount in Danish kroner, whole kroner.

    >>> dkk(1234567.4), dkk(-2500)
    ('1.234.567 kr.', '-2.500 kr.')
    """
    if isinstance(x, str):
        return x
    if is_missing(x):
        return MISSING
    value = _decimal(x)
    return MISSING if value is None else _number(value, 0) + SPACE + "kr."


def mio_dkk(x: Any, decimals: int = 1) -> str:
    """An amount in kroner, shown in millions.

    >>> mio_dkk(2_400_000), mio_dkk(12_345_678, 2)
    ('2,4 mio. kr.', '12,35 mio. kr.')
    """
    if isinstance(x, str):
        return x
    if is_missing(x):
        return MISSING
    value = _decimal(x)
    return MISSING if value is None else _number(value / 1_000_000, decimals) + SPACE + "mio. kr."


def dkk_short(x: Any) -> str:
    """An amount as a meeting reads it: millions from one million, thousands from 100.000, else kroner.

    >>> dkk_short(12_345_678), dkk_short(2_400_000), dkk_short(845_300), dkk_short(-62_000), dkk_short(640)
    ('12,3 mio. kr.', '2,4 mio. kr.', '845 t. kr.', '-62.000 kr.', '640 kr.')
    """
    if isinstance(x, str):
        return x
    if is_missing(x):
        return MISSING
    value = _decimal(x)
    if value is None:
        return MISSING
    # By the amount as rounded: 999.600 kr. is "1,0 mio. kr.", never "1.000 t. kr.".
    thousands = (value / 1_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if abs(thousands) >= 1_000:
        return mio_dkk(x)
    if abs(value) >= 100_000:
        return _number(value / 1_000, 0) + SPACE + "t. kr."
    return dkk(x)


def as_date(value: Any) -> dt.date:
    """A date from a date, a datetime (pandas Timestamp included) or a numpy datetime64.

    >>> as_date(dt.datetime(2024, 3, 12, 15, 30))
    datetime.date(2024, 3, 12)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "M":  # numpy datetime64
        return value.astype("datetime64[D]").item()
    raise TypeError(f"not a date: {value!r}")


def date_long(d: Any) -> str:
    """A date written out, as in running text.

    >>> date_long(dt.date(2024, 3, 12))
    '12. marts 2024'
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def date_short(d: Any) -> str:
    """A date in numbers, for tables: day.month.year.

    >>> date_short(dt.date(2024, 3, 5))
    '05.03.2024'
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def month_label(d: Any) -> str:
    """The month of a date, short, for axis ticks.

    >>> month_label(dt.date(2024, 3, 1)), month_label(dt.date(2024, 5, 1))
    ('mar. 2024', 'maj 2024')
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{SHORT_MONTHS[day.month - 1]} {day.year}"


def month_name(d: Any) -> str:
    """The month of a date, written out.

    >>> month_name(dt.date(2024, 3, 31))
    'marts 2024'
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{MONTHS[day.month - 1]} {day.year}"


def quarter_label(d: Any) -> str:
    """The quarter a date falls in.

    >>> quarter_label(dt.date(2024, 3, 31)), quarter_label(dt.date(2024, 4, 1))
    ('1. kvt. 2024', '2. kvt. 2024')
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{(day.month - 1) // 3 + 1}. kvt. {day.year}"


def period(a: Any, b: Any) -> str:
    """A period [a, b], both days included, as short as it reads unambiguously.

    >>> period(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    '1. januar – 31. marts 2024'
    >>> period(dt.date(2023, 12, 1), dt.date(2024, 2, 29))
    '1. december 2023 – 29. februar 2024'
    >>> period(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    '1.–31. marts 2024'
    """
    if isinstance(a, str):
        return a
    if isinstance(b, str):
        return b
    if is_missing(a) or is_missing(b):
        return MISSING
    first, last = as_date(a), as_date(b)
    if first == last:
        return date_long(last)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}.{DASH}{date_long(last)}"
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]} {DASH} {date_long(last)}"
    return f"{date_long(first)} {DASH} {date_long(last)}"


def interval(lo: Any, hi: Any, decimals: int = 0) -> str:
    """A confidence interval of a share, from two fractions, in brackets.

    >>> interval(0.41, 0.553), interval(0.412, 0.55, 1)
    ('(41–55 %)', '(41,2–55,0 %)')
    """
    if isinstance(lo, str):
        return lo
    if isinstance(hi, str):
        return hi
    if is_missing(lo) or is_missing(hi):
        return MISSING
    low, high = _decimal(lo), _decimal(hi)
    if low is None or high is None:
        return MISSING
    return f"({_number(low * 100, decimals)}{DASH}{_number(high * 100, decimals)}{SPACE}%)"


def date_medium(d: Any) -> str:
    """A date with the month short, where a long one does not fit (headline cards).

    >>> date_medium(dt.date(2027, 12, 20)), date_medium(dt.date(2027, 5, 3))
    ('20. dec. 2027', '3. maj 2027')
    """
    if isinstance(d, str):
        return d
    if is_missing(d):
        return MISSING
    day = as_date(d)
    return f"{day.day}. {SHORT_MONTHS[day.month - 1]} {day.year}"


# Every ASCII punctuation character may be escaped with a backslash in CommonMark, which Streamlit's
# Markdown follows; escaped, none of them starts a link, image, emphasis, code, heading, list, table,
# HTML tag, formula ($), icon or colour directive (:red[...]), or a bare autolink.
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~$:&=@^")


def plain(text: Any) -> str:
    """Text from an extract or a login (a name, a title) as Markdown that shows exactly that text.

    The one escaping of such text for pages: every st.markdown, caption, title, info box, label
    and tab that shows a name or title gets it through here. Line breaks become spaces.

    >>> plain("[Log ind igen](http://x.example/phish)")
    '\\\\[Log ind igen\\\\]\\\\(http\\\\://x\\\\.example/phish\\\\)'
    """
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in " ".join(str(text).split()))
