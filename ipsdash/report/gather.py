"""The figures of the funder's report of one grant and one period, all through the disclosure rule.

`build` gathers every figure through the functions the dashboard and the command line use
(`kpis.kpi_table`, `funding.funding_table`, `catalog`), so the report, the pages and
`python -m ipsdash kpis/funding` can never disagree; everything in it has passed the
small-number rule. The rest of the package only lays the figures out (layout.py: the PDF,
workbook.py: the Excel workbook).

    figures = build(extract, "APMF-2021", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    Path("rapport.pdf").write_bytes(layout.to_pdf(figures))

`check` refuses a report that cannot be made before anything is gathered (the dashboard's buttons),
and `file_name` names the report's files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures import catalog, cohorts, events, filters, funding, grants, kpis, privacy
from ipsdash.report import ReportError

CENTRAL = "Centralt (koordinering m.m.)"


@dataclass(frozen=True)
class Grant:
    grant_id: str
    funder: str
    title: str
    amount_dkk: float
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class ReportData:
    """Every figure of one report, protected; `layout.to_pdf` and `workbook.to_xlsx` only lay them out."""

    grant: Grant
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    as_of: dt.date  # the data's date: newest course date or posting in the extract
    region: str
    demo: bool
    threshold: int
    now: pd.Series  # kpi_table, the whole grant, this period
    before: pd.Series  # the same for the previous period of equal length
    by_municipality: pd.DataFrame  # kpi_table by municipality (the grant's municipalities)
    months: pd.DataFrame  # kpi_table by month, for the charts
    funding_total: pd.Series  # funding_table by grant on the period's last day
    funding_before: pd.Series  # the same on the previous period's last day
    funding_by_municipality: pd.DataFrame  # funding_table by municipality, with names; central last
    spending: pd.DataFrame  # by category: in the period and to its end
    spending_before: pd.DataFrame  # by category, previous period
    spending_by_month: pd.DataFrame  # grants.spending_by_month: month by month since the grant's start
    not_started: dict[int, dt.date | None]  # municipalities without IPS by the period's end: their start
    # cohorts.cohort_table of the grant's courses by enrollment quarter, from the grant's start to the period's end
    cohorts: pd.DataFrame | None = None
    # events.events_in of the grant over the monthly charts' months
    events: pd.DataFrame | None = None

    @property
    def spent_in_period(self) -> float:
        return float(self.spending["spent_in_period_dkk"].sum())

    @property
    def spent_in_previous_period(self) -> float:
        return float(self.spending_before["spent_in_period_dkk"].sum())


def _spent_to(extract: data.Extract, grant_id: str, on: dt.date, min_count: int) -> pd.Series:
    """The whole grant's spending to day `on` per category, central spending included.

    The sums of `grants.spending_raw` (queries/grant_spending.sql) over months and municipalities, as
    the total row of `grants.spending_by_category` sums them, without its per-municipality rows.
    """
    raw = privacy.protect(grants.spending_raw(extract, grant_id, on), grants.SPENDING_RULE, min_count)
    sums = raw.groupby("category")["spent_dkk"].sum() if not raw.empty else pd.Series(dtype=float)
    return sums.reindex(list(grants.CATEGORIES)).fillna(0.0).astype(float)


def spending(
    extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, *, min_count: int
) -> pd.DataFrame:
    """Spending of a grant by category, central spending included: one row per category of the contract
    with `spent_in_period_dkk` (in [start, end]) and `spent_dkk` (to end).

    Spent in [a, b] is spent to b less spent to the day before a, so the period's figures add up with
    the funding page's totals. Money only: nothing is hidden.
    """
    to_end = _spent_to(extract, grant_id, end, min_count)
    before = _spent_to(extract, grant_id, start - dt.timedelta(days=1), min_count)
    return pd.DataFrame(
        {
            "category": list(grants.CATEGORIES),
            # Rounded to øre: the difference of two float sums would otherwise carry binary noise.
            "spent_in_period_dkk": (to_end - before).round(2).to_numpy(),
            "spent_dkk": to_end.to_numpy(),
        }
    )


def _as_date(value) -> dt.date | None:
    return None if fmt.is_missing(value) else fmt.as_date(value)


def grant_info(extract: data.Extract, grant_id: str) -> Grant:
    grants = catalog.grants(extract)
    row = grants[grants["grant_id"] == grant_id]
    if row.empty:
        known = ", ".join(sorted(grants["grant_id"]))
        raise ReportError(f"ukendt bevilling: {grant_id} (udtrækket kender {known})")
    r = row.iloc[0]
    return Grant(
        grant_id=str(r["grant_id"]),
        funder=str(r["funder"]),
        title=str(r["title"]),
        amount_dkk=float(r["amount_dkk"]),
        start=_as_date(r["start_date"]),
        end=_as_date(r["end_date"]),
    )


def check(extract: data.Extract, grant_id: str, start: dt.date, end: dt.date) -> Grant:
    """The grant, or the ReportError that building its report for [start, end] would raise."""
    if end < start:
        raise ReportError(f"perioden slutter ({end.isoformat()}) før den begynder ({start.isoformat()})")
    grant = grant_info(extract, grant_id)
    as_of = catalog.span(extract)[1]
    if start > as_of:
        raise ReportError(f"perioden begynder efter udtrækkets data, som går til og med {fmt.date_long(as_of)}")
    if grant.start and end < grant.start:
        raise ReportError(f"perioden slutter før bevillingen begynder, {fmt.date_long(grant.start)}")
    return grant


def build(
    extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, *, min_count: int
) -> ReportData:
    """Every figure of the report of `grant_id` for [start, end], small numbers hidden."""
    grant = check(extract, grant_id, start, end)
    as_of = catalog.span(extract)[1]
    chosen = kpis.Filters(grants=(grant_id,))
    # Compared with as much before as the data cover of the period: a period still running (or
    # reaching past the data) is never compared with a whole one (filters.Selection.previous).
    covered = min(end, as_of)
    previous = filters.Selection(start, covered, chosen, partial=filters.is_partial(covered, as_of)).previous()

    now = kpis.kpi_table(extract, start, end, filters=chosen, min_count=min_count).iloc[0]
    before = kpis.kpi_table(extract, previous.start, previous.end, filters=chosen, min_count=min_count).iloc[0]

    municipalities = catalog.municipalities(extract).set_index("municipality_code")
    fund = funding.funding_table(extract, end, by="municipality", grants=(grant_id,), min_count=min_count)
    budgeted = {int(c) for c in fund["municipality_code"].dropna()}
    by_mun = kpis.kpi_table(extract, start, end, by="municipality", filters=chosen, min_count=min_count)
    # The grant's municipalities, and any other with a course of the grant (a hidden count is some).
    keep = by_mun["municipality_code"].isin(budgeted) | (by_mun[list(kpis.RULE.counts)] != 0).any(axis=1)
    by_mun = by_mun[keep].sort_values("municipality").reset_index(drop=True)

    names = municipalities["name"].to_dict()
    fund.insert(2, "municipality", [names.get(int(c), str(c)) if not pd.isna(c) else CENTRAL for c in fund["municipality_code"]])
    fund["_central"] = fund["municipality_code"].isna()
    fund = fund.sort_values(["_central", "municipality"]).drop(columns="_central").reset_index(drop=True)

    codes = set(by_mun["municipality_code"].astype(int)) | budgeted
    not_started = {}
    for code in codes:
        ips_start = _as_date(municipalities.loc[code, "ips_start"]) if code in municipalities.index else None
        if ips_start is None or ips_start > end:
            not_started[code] = ips_start
    regions = sorted({str(municipalities.loc[c, "region"]) for c in codes if c in municipalities.index})

    # The monthly charts show two years back, like the overview page, but not from before the grant.
    trend_start = min(start, max(filters.add_months(end, -23).replace(day=1), grant.start.replace(day=1)))
    months = kpis.kpi_table(extract, trend_start, end, by="month", filters=chosen, min_count=min_count)

    return ReportData(
        grant=grant,
        start=start,
        end=end,
        previous_start=previous.start,
        previous_end=previous.end,
        as_of=as_of,
        region=", ".join(regions),
        demo=extract.demo,
        threshold=min_count,
        now=now,
        before=before,
        by_municipality=by_mun,
        months=months,
        funding_total=funding.funding_table(extract, end, by="grant", grants=(grant_id,), min_count=min_count).iloc[0],
        funding_before=funding.funding_table(
            extract, previous.end, by="grant", grants=(grant_id,), min_count=min_count
        ).iloc[0],
        funding_by_municipality=fund,
        spending=spending(extract, grant_id, start, end, min_count=min_count),
        spending_before=spending(extract, grant_id, previous.start, previous.end, min_count=min_count),
        spending_by_month=grants.spending_by_month(extract, grant_id, end, min_count=min_count),
        not_started=not_started,
        cohorts=cohorts.cohort_table(extract, min(start, grant.start), end, filters=chosen, min_count=min_count),
        events=events.events_in(extract, trend_start, end, chosen),
    )


def file_name(grant_id: str, start: dt.date, end: dt.date, suffix: str) -> str:
    """"rapport_APMF-2021_2026-01-01_2026-06-30.pdf": safe on every file system."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in grant_id)
    return f"rapport_{safe}_{start.isoformat()}_{end.isoformat()}.{suffix}"
