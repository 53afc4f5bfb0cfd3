"""The shared selection of every page: a period and which courses count.

Pure logic (no Streamlit): the quick period choices, the previous period of equal length,
and how a selection reads in Danish. app.py draws the widgets and keeps them in the URL.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from ipsdash import fmt
from ipsdash.kpis import Filters

LAST_12_MONTHS = "Seneste 12 måneder"
THIS_YEAR = "I år"
LAST_YEAR = "Sidste år"
WHOLE_LIFE = "Hele perioden"
GRANT_PERIOD = "Bevillingens periode"
CUSTOM = "Vælg datoer"
QUARTERS_SHOWN = 6


@dataclass(frozen=True)
class Selection:
    start: dt.date
    end: dt.date
    filters: Filters = field(default_factory=Filters)
    period_label: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> int | None:
        """How many months the period touches, when it starts on a month's first day; else None."""
        if self.start.day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Selection:
        """The period of equal length just before, with the same filters.

        A period of whole months is compared with as many whole months before it, never with a
        period a day or two off: two periods that differ by a few days would let anyone subtract
        the one answer from the other (see `whole_months`). Other periods (the command line's)
        are compared with as many days.

        >>> q3 = Selection(dt.date(2026, 7, 1), dt.date(2026, 9, 30)).previous()
        >>> q3.start, q3.end
        (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
        """
        end = self.start - dt.timedelta(days=1)
        if self.months is not None:
            return Selection(add_months(self.start, -self.months), end, self.filters, "forrige periode")
        return Selection(end - dt.timedelta(days=self.days - 1), end, self.filters, "forrige periode")

    def compared_with(self) -> str:
        """The Danish line under the headline cards that says what their changes are against."""
        prev = self.previous()
        if self.months == 1:
            before = "måneden før"
        elif self.months:
            before = f"de {self.months} måneder før"
        else:
            before = f"de {self.days} dage før"
        return f"Ændringer sammenlignes med {before}: {fmt.period(prev.start, prev.end)}."


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clipped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: dt.date, end: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """A chosen period widened to whole months (never past `as_of`).

    Periods a day apart would let anyone subtract one answer from the other and see the
    courses of a single day; whole months keep the smallest difference a month.

    >>> whole_months(dt.date(2024, 1, 15), dt.date(2024, 3, 3), dt.date(2026, 10, 31))
    (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    """
    first = start.replace(day=1)
    last = add_months(end.replace(day=1), 1) - dt.timedelta(days=1)
    return first, min(last, max(as_of, first))


def quick_periods(as_of: dt.date, first_day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The quick choices of period, newest first, each ending no later than `as_of`.

    >>> quick_periods(dt.date(2026, 10, 31), dt.date(2019, 1, 7))["Seneste 12 måneder"]
    (datetime.date(2025, 11, 1), datetime.date(2026, 10, 31))
    """
    periods = {
        # Whole months (the last one up to as_of), like every period the filter bar offers.
        LAST_12_MONTHS: (add_months(as_of.replace(day=1), -11), as_of),
        THIS_YEAR: (dt.date(as_of.year, 1, 1), as_of),
        LAST_YEAR: (dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31)),
    }
    start = quarter_start(as_of)
    for _ in range(QUARTERS_SHOWN):
        end = min(add_months(start, 3) - dt.timedelta(days=1), as_of)
        periods[fmt.quarter_label(start)] = (start, end)
        start = add_months(start, -3)
    periods[WHOLE_LIFE] = (min(first_day, as_of), as_of)
    return periods


def describe(selection: Selection, municipality_names: dict[int, str], grant_titles: dict[str, str]) -> str:
    """One Danish line saying what the page shows, e.g. 'Vejle, Odense · psykiatri · 1. jan. – 31. mar. 2026'."""
    parts = []
    f = selection.filters
    parts.append(", ".join(municipality_names.get(m, str(m)) for m in f.municipalities) or "Alle kommuner")
    if f.grants:
        parts.append(", ".join(grant_titles.get(g, g) for g in f.grants))
    if f.target_group:
        parts.append(f.target_group)
    if f.variant:
        parts.append(f.variant)
    parts.append(fmt.period(selection.start, selection.end))
    return " · ".join(parts)
