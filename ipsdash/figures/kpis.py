"""The contract's course KPIs for a period and a grouping, with the small-number rule applied.

`kpi_table` is the one function every page, export, the command line and the report ask
for course figures; it runs `queries/kpis.sql` and adds rates with their Wilson intervals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsdash import texts
from ipsdash.extract import data
from ipsdash.figures import privacy, stats

BY = ("none", "municipality", "grant", "target_group", "variant", "age_band", "sex", "month", "quarter")

# Group keys of each grouping, as the command line names them.
GROUP_KEYS = {
    "none": (),
    "municipality": ("municipality_code", "municipality"),
    "grant": ("grant_id",),
    "target_group": ("target_group",),
    "variant": ("variant",),
    "age_band": ("age_band",),
    "sex": ("sex",),
    "month": ("period_start",),
    "quarter": ("period_start",),
}

# The KPIs of the registry (texts.TERMS, kpi=True), in its order: the figures the command line
# prints, and the counts given only as what a rate is worked out from.
_KPI = {key: term for key, term in texts.TERMS.items() if term.kpi}
FIGURES = tuple(key for key, term in _KPI.items() if not term.behind)
BEHIND = tuple(key for key, term in _KPI.items() if term.behind)

# The small-number rule of every KPI, from the registry: its person counts; its rates, each with
# its numerator, denominator and Wilson bounds where the registry has them; its medians, each with
# the count of the courses it is taken over.
RULE = privacy.Rule(
    counts=tuple(key for key, term in _KPI.items() if term.kind == texts.COUNT),
    rates=tuple(
        privacy.Rate(*term.of, (key, *(b for b in (f"{key}_low", f"{key}_high") if b in _KPI)))
        for key, term in _KPI.items()
        if term.kind == texts.RATE and term.of
    ),
    medians={key: term.of[0] for key, term in _KPI.items() if term.kind == texts.DAYS},
)


@dataclass(frozen=True)
class Filters:
    """Which courses count: empty tuples and None mean all."""

    municipalities: tuple[int, ...] = ()
    grants: tuple[str, ...] = ()
    target_group: str | None = None
    variant: str | None = None

    def params(self) -> dict:
        return {
            "municipalities": [int(m) for m in self.municipalities],
            "grants": [str(g) for g in self.grants],
            "target_group": self.target_group,
            "variant": self.variant,
        }


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (num / den.where(den > 0)).astype(float)


GRAINS = ("whole", "month", "quarter")


def _group_and_grain(by: str, grain: str | None) -> tuple[str, str]:
    """The query's group key and cut of the period: by="month" is no group, cut into months."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    if by in ("month", "quarter"):
        if grain not in (None, "whole", by):
            raise ValueError(f"by={by!r} already cuts the period into {by}s")
        return "none", by
    grain = grain or "whole"
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    return by, grain


# The figures taken over the courses' day counts: the dearest part of a question.
MEDIANS = tuple(RULE.medians)


@dataclass(frozen=True)
class Question:
    """One KPI question: a period, a grouping and how the period is cut (all raw, unprotected).

    `medians=False` leaves out the figures over day counts (`MEDIANS`, then empty): a caller that
    needs only counts (the caseload's active courses, the waiting list per municipality and month)
    need not pay for them. An answer with medians answers the same question without them too.
    """

    start: dt.date
    end: dt.date
    by: str = "none"
    grain: str = "whole"
    medians: bool = True

    @classmethod
    def of(
        cls, start: dt.date, end: dt.date, by: str = "none", grain: str | None = None, medians: bool = True
    ) -> Question:
        group, cut = _group_and_grain(by, grain)
        if end < start:
            raise ValueError("the period ends before it starts")
        return cls(start, end, group, cut, medians)


def kpi_raw(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    by: str = "none",
    filters: Filters = Filters(),
    grain: str | None = None,
    medians: bool = True,
) -> pd.DataFrame:
    """The KPIs without the small-number rule. Never shown as it is: use `kpi_table`.

    `grain` "month" or "quarter" cuts the period for every group of `by` (by="municipality",
    grain="month": a row per municipality and month).
    """
    return kpi_raw_many(extract, [Question.of(start, end, by, grain, medians)], filters)[0]


def kpi_raw_many(extract: data.Extract, questions: list[Question], filters: Filters = Filters()) -> list[pd.DataFrame]:
    """`kpi_raw` of each question, with the same filters, asked of DuckDB as few times as it can.

    The questions in whole months (`_in_whole_months`: every question a page asks) go to the
    monthly cube in one query together; others to queries/kpis.sql one by one. Answers are kept
    on the extract (`extract.remember`), so a question asked again, alone or in another batch,
    is not asked again: pages may ask for what they need together and then one figure at a time.
    """
    def kept(q: Question) -> pd.DataFrame | None:
        answer = extract.recall(("kpi_raw", q, filters))
        if answer is None and not q.medians:  # the answer with medians will do
            answer = extract.recall(("kpi_raw", dataclasses.replace(q, medians=True), filters))
        return answer

    asked = dict.fromkeys(questions)
    # A question without medians is answered by the same one with them, when that is asked too.
    missing = [
        q for q in asked if kept(q) is None and (q.medians or dataclasses.replace(q, medians=True) not in asked)
    ]
    monthly = [q for q in missing if _in_whole_months(extract, q.start, q.end)]
    if monthly:
        for q, df in zip(monthly, _monthly(extract, monthly, filters)):
            extract.keep(("kpi_raw", q, filters), df)
    answers = []
    for q in questions:
        df = kept(q)
        if df is None:
            df = extract.remember(("kpi_raw", q, filters), lambda q=q: _daily(extract, q, filters))
        df = df.copy()  # a caller may change its copy, never the kept answer
        if not q.medians:  # left out, whichever query or kept answer gave the rest
            df[list(MEDIANS)] = np.nan
        answers.append(df)
    return answers


def prefetch(extract: data.Extract, *asks: tuple[Filters, list[Question]]) -> None:
    """Ask a page's KPI questions together, before its figures ask them one by one.

    A page's figure functions each ask `kpi_raw` for what they need; asked together, the questions
    in whole months cost one query per filter (`kpi_raw_many`), and the figure functions then find
    their answers kept on the extract. Each ask is (filters, questions), as a figure module
    declares what its figures ask (`questions`, `trend_questions`, outcomes.rolling_questions, …);
    asks with the same filters go in one query.
    """
    together: dict[Filters, list[Question]] = {}
    for chosen, questions in asks:
        together.setdefault(chosen, []).extend(questions)
    for chosen, questions in together.items():
        kpi_raw_many(extract, questions, chosen)


def _daily(extract: data.Extract, q: Question, filters: Filters) -> pd.DataFrame:
    """One question from the courses (queries/kpis.sql): any days."""
    params = {"from": q.start, "to": q.end, "by": q.by, "grain": q.grain, **filters.params()}
    return _columns(_with_rates(data.run(extract, "kpis", params, keep=False)), q)


def _monthly(extract: data.Extract, questions: list[Question], filters: Filters) -> list[pd.DataFrame]:
    """Questions in whole months from the monthly cube (queries/kpis_monthly.sql), in one query."""
    extract.monthly_cube()
    levels = {q: _level(q, filters) for q in questions}
    rows = [(i, q.by, q.medians, levels[q], *period) for i, q in enumerate(questions) for period in _monthly_periods(q)]
    read = {levels[q] for q in questions if q.medians}
    params = {
        "questions": [r[0] for r in rows],
        "bys": [r[1] for r in rows],
        "medians": [r[2] for r in rows],
        "levels": [r[3] for r in rows],
        "only_level": read.pop() if len(read) == 1 else None,
        "period_starts": [r[4] for r in rows],
        "first_months": [r[5] for r in rows],
        "last_months": [r[6] for r in rows],
        "months_from": min(r[5] for r in rows) - 1,
        "months_to": max(r[6] for r in rows),
        **filters.params(),
    }
    df = _with_rates(data.run(extract, "kpis_monthly", params, keep=False))
    answers = df.groupby("question", sort=True)
    # A question with no group gets no row (by municipality, of a municipality not in the extract).
    return [_columns(answers.get_group(i) if i in answers.groups else df.iloc[:0], q) for i, q in enumerate(questions)]


# The levels of the cube's day counts (queries/base/57_monthly_days.sql), fewest rows
# first: the group columns each keeps, and the breakdowns it is kept for.
GROUP_COLUMNS = frozenset({"municipality", "grant", "target_group", "variant"})
EVERY_BREAKDOWN = frozenset({"none", "age_band", "sex"})
LEVELS = {
    "region": (frozenset(), EVERY_BREAKDOWN),
    "target_group": (frozenset({"target_group"}), frozenset({"none"})),
    "variant": (frozenset({"variant"}), frozenset({"none"})),
    "municipality": (frozenset({"municipality"}), EVERY_BREAKDOWN),
    "all": (GROUP_COLUMNS, EVERY_BREAKDOWN),
}


def _level(q: Question, filters: Filters) -> str:
    """The level of day counts with the fewest rows that holds the question's grouping and filters.

    >>> year = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    >>> _level(Question.of(*year, "variant"), Filters()), _level(Question.of(*year, "sex"), Filters(variant="IPS"))
    ('variant', 'all')
    """
    needed = {
        name
        for name, chosen in (
            ("municipality", filters.municipalities),
            ("grant", filters.grants),
            ("target_group", filters.target_group is not None),
            ("variant", filters.variant is not None),
        )
        if chosen
    } | ({q.by} & GROUP_COLUMNS)
    breakdown = q.by if q.by in EVERY_BREAKDOWN else "none"
    return next(level for level, (kept, breakdowns) in LEVELS.items() if needed <= kept and breakdown in breakdowns)


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _monthly_periods(q: Question) -> list[tuple[dt.date | None, int, int]]:
    """(period_start, first month, last month) of each period of `q`, months numbered as the cube.

    >>> _monthly_periods(Question(dt.date(2026, 2, 1), dt.date(2026, 7, 31), "none", "quarter"))
    [(datetime.date(2026, 1, 1), 24313, 24314), (datetime.date(2026, 4, 1), 24315, 24317), (datetime.date(2026, 7, 1), 24318, 24318)]
    """
    first, last = _month_number(q.start), _month_number(q.end)
    if q.grain == "whole":
        return [(None, first, last)]
    step = 3 if q.grain == "quarter" else 1
    starts = range(first - first % 3 if step == 3 else first, last + 1, step)
    return [(dt.date(m // 12, m % 12 + 1, 1), max(m, first), min(m + step - 1, last)) for m in starts]


def _with_rates(df: pd.DataFrame) -> pd.DataFrame:
    """The query's counts with the rates of RULE and their intervals."""
    for rate in RULE.rates:
        df[rate.shown[0]] = _rate(df[rate.numerator], df[rate.denominator])
        if len(rate.shown) == 3:
            df[rate.shown[1]], df[rate.shown[2]] = stats.wilson(df[rate.numerator], df[rate.denominator])
    return df


def _columns(df: pd.DataFrame, q: Question) -> pd.DataFrame:
    """The columns `kpi_raw` gives for `q`: its group keys, the figures, the counts behind the rates."""
    keys = list(GROUP_KEYS[q.by]) + (["period_start"] if q.grain != "whole" else [])
    cell_keys = [privacy.key_column(c) for c in RULE.counts]
    return df[keys + list(FIGURES) + list(BEHIND) + cell_keys].reset_index(drop=True)


def _in_whole_months(extract: data.Extract, start: dt.date, end: dt.date) -> bool:
    """Whether [start, end] reads as whole months: every day of the data that falls in its first
    and last month falls inside it, and its last month is in the monthly cube.

    The filter bar offers whole months only, ending on a month's last day or on the extract's
    date (after which no course has a day), so every page question is answered from the cube.
    """
    span = extract.remember(("monthly_span",), lambda: _monthly_span(extract))
    if not span:  # no courses: the cube has no months, every figure is zero either way
        return False
    first_day, last_day, last_month = span
    starts_whole = start.day == 1 or start <= first_day
    ends_whole = (end + dt.timedelta(days=1)).day == 1 or end >= last_day
    return starts_whole and ends_whole and end.year * 12 + end.month - 1 <= last_month


def _monthly_span(extract: data.Extract) -> tuple[dt.date, dt.date, int] | tuple[()]:
    """(first day, last day, last month) of the monthly cube; () when the extract has no course."""
    extract.monthly_cube()
    cur = extract.cursor()
    try:
        row = cur.execute("select first_day, last_day, last_month from monthly_span").fetchone()
    finally:
        cur.close()
    return () if row is None or row[0] is None else (row[0], row[1], int(row[2]))


def questions(filters: Filters, *periods: tuple[dt.date, dt.date], by: str = "none") -> tuple[Filters, list[Question]]:
    """What `kpi_table` by `by` over each of `periods` asks of `kpi_raw`, as an ask for `ui.prefetch`."""
    return filters, [Question.of(a, b, by) for a, b in periods]


def trend_questions(
    start: dt.date, end: dt.date, since: dt.date | None = None, by: str = "month", filters: Filters = Filters()
) -> tuple[Filters, list[Question]]:
    """What `trend` with the same arguments asks of `kpi_raw`, as an ask for `ui.prefetch`."""
    if since is None or since >= start:
        return questions(filters, (start, end), by=by)
    if start != _period_start(start, by):
        return questions(filters, (since, start - dt.timedelta(days=1)), (start, end), by=by)
    return questions(filters, (since, end), by=by)


def trend(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    since: dt.date | None = None,
    by: str = "month",
    filters: Filters = Filters(),
    *,
    min_count: int,
) -> pd.DataFrame:
    """`kpi_table` by month (or quarter) over [since, end], for a chart around the period [start, end].

    `start` should be the first day of a month (or quarter).
    """
    if since is None or since >= start:
        return kpi_table(extract, start, end, by, filters, min_count=min_count)
    if start != _period_start(start, by):
        # Months of one query over [since, end] would not be the months of [since, start - 1].
        before = kpi_table(extract, since, start - dt.timedelta(days=1), by, filters, min_count=min_count)
        return pd.concat([before, kpi_table(extract, start, end, by, filters, min_count=min_count)], ignore_index=True)
    # One query for the whole span: a month's figures do not depend on the months around it.
    raw = kpi_raw(extract, since, end, by, filters)
    return privacy.protect(raw, RULE, min_count)


def _period_start(day: dt.date, by: str) -> dt.date:
    """The first day of the month (or quarter) that `day` falls in."""
    month = day.month if by == "month" else 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, month, 1)


def kpi_table(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    by: str = "none",
    filters: Filters = Filters(),
    *,
    min_count: int,
    medians: bool = True,
) -> pd.DataFrame:
    """The KPIs of [start, end] per group of `by`, as published (threshold `min_count`; 0: exact).

    `medians=False`: as `Question`.
    """
    raw = kpi_raw(extract, start, end, by, filters, medians=medians)
    return privacy.protect(raw, RULE, min_count)
