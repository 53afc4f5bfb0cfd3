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
PARTIAL = "ufuldstændig"  # marks a choice that ends on the extract's date inside a month
QUARTERS_SHOWN = 6


@dataclass(frozen=True)
class Selection:
    start: dt.date
    end: dt.date
    filters: Filters = field(default_factory=Filters)
    period_label: str = ""
    partial: bool = False  # ends on the extract's date inside a month (`is_partial`)

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

        A partial period (its last month is not over: `partial`) is never compared with whole
        months: it is compared with the same days as many months before, so the 1st to the 3rd
        of December with the 1st to the 3rd of November.

        >>> q3 = Selection(dt.date(2026, 7, 1), dt.date(2026, 9, 30)).previous()
        >>> q3.start, q3.end
        (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
        >>> dec = Selection(dt.date(2026, 12, 1), dt.date(2026, 12, 3), partial=True).previous()
        >>> dec.start, dec.end, dec.partial
        (datetime.date(2026, 11, 1), datetime.date(2026, 11, 3), True)
        """
        end = self.start - dt.timedelta(days=1)
        if self.months is not None and self.partial:
            return Selection(add_months(self.start, -self.months), add_months(self.end, -self.months),
                             self.filters, "forrige periode", partial=True)
        if self.months is not None:
            return Selection(add_months(self.start, -self.months), end, self.filters, "forrige periode")
        return Selection(end - dt.timedelta(days=self.days - 1), end, self.filters, "forrige periode")

    def compared_with(self) -> str:
        """The Danish line under the headline cards that says what their changes are against."""
        prev = self.previous()
        if self.months and self.partial:
            month = "måneden" if self.months == 1 else f"de {self.months} måneder"
            return (f"Perioden er {PARTIAL}: data går til og med {fmt.date_long(self.end)}. Ændringer sammenlignes "
                    f"med de samme dage {month} før: {fmt.period(prev.start, prev.end)}.")
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


def last_complete_day(as_of: dt.date) -> dt.date:
    """The last day of the last month the data cover whole: `as_of` itself on a month's last day.

    >>> last_complete_day(dt.date(2026, 12, 3)), last_complete_day(dt.date(2026, 11, 30))
    (datetime.date(2026, 11, 30), datetime.date(2026, 11, 30))
    """
    return add_months(as_of.replace(day=1), 1) - dt.timedelta(days=1) if (as_of + dt.timedelta(days=1)).day == 1 \
        else as_of.replace(day=1) - dt.timedelta(days=1)


def is_partial(end: dt.date, as_of: dt.date) -> bool:
    """Whether a period ending on `end` ends inside the month the data stop in (not on its last day)."""
    return end >= as_of and last_complete_day(as_of) < as_of


def whole_months(start: dt.date, end: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """A chosen period widened to whole months (never past `as_of`).

    Periods a day apart would let anyone subtract one answer from the other and see the
    courses of a single day; whole months keep the smallest difference a month. The month
    the data stop in, when the data do not cover it whole, is never joined to whole months:
    a period reaching into it ends with the month before, unless it starts in it (then it is
    that partial month alone, up to `as_of`).

    >>> whole_months(dt.date(2024, 1, 15), dt.date(2024, 3, 3), dt.date(2026, 10, 31))
    (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    >>> whole_months(dt.date(2026, 1, 15), dt.date(2026, 12, 31), dt.date(2026, 12, 3))
    (datetime.date(2026, 1, 1), datetime.date(2026, 11, 30))
    """
    first = start.replace(day=1)
    last = add_months(end.replace(day=1), 1) - dt.timedelta(days=1)
    complete = last_complete_day(as_of)
    if last > complete and first <= complete:
        return first, complete
    return first, min(last, max(as_of, first))


def quick_periods(as_of: dt.date, first_day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The quick choices of period, each ending no later than `as_of`.

    Every choice is whole months, ending with the last month the data cover whole, so a
    change against the period before compares like with like. When the data stop inside a
    month, that month, and the quarter it is in, are offered too, on their own and marked
    as partial (`PARTIAL`); `Selection.previous` compares them with the same days before.

    >>> quick_periods(dt.date(2026, 10, 31), dt.date(2019, 1, 7))["Seneste 12 måneder"]
    (datetime.date(2025, 11, 1), datetime.date(2026, 10, 31))
    >>> quick = quick_periods(dt.date(2026, 12, 3), dt.date(2019, 1, 7))
    >>> quick["Seneste 12 måneder"]
    (datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    >>> quick["december 2026 (ufuldstændig)"], quick["4. kvt. 2026 (ufuldstændig)"][0]
    ((datetime.date(2026, 12, 1), datetime.date(2026, 12, 3)), datetime.date(2026, 10, 1))
    """
    complete = last_complete_day(as_of)
    periods = {LAST_12_MONTHS: (add_months(complete.replace(day=1), -11), complete)}
    if complete.year == as_of.year:
        periods[THIS_YEAR] = (dt.date(as_of.year, 1, 1), complete)
    periods[LAST_YEAR] = (dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31))
    if complete < as_of:
        periods[f"{fmt.month_name(as_of)} ({PARTIAL})"] = (as_of.replace(day=1), as_of)
    start = quarter_start(as_of)
    for _ in range(QUARTERS_SHOWN):
        end = add_months(start, 3) - dt.timedelta(days=1)
        label = fmt.quarter_label(start)
        if (start, min(end, as_of)) not in periods.values():  # a quarter of one partial month: the month
            periods[label if end <= as_of else f"{label} ({PARTIAL})"] = (start, min(end, as_of))
        start = add_months(start, -3)
    periods[WHOLE_LIFE] = (min(first_day, complete), complete)
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
