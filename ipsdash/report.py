"""The funder's report of one grant and one period: a PDF to send as it is, and an Excel workbook.

`build` gathers every figure through the functions the dashboard and the command line use
(`kpis.kpi_table`, `funding.funding_table`, `catalog`), so the report, the pages and
`python -m ipsdash kpis/funding` can never disagree; everything in it has passed the
small-number rule. `to_pdf` and `to_xlsx` only lay the figures out: `to_pdf` formats them with
`fmt` and hands them to the Typst template `report_template.typ` (compiled in-process, fonts
embedded), `to_xlsx` writes the same tables as numbers with `export.excel`.

    data = build(extract, "APMF-2021", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    Path("rapport.pdf").write_bytes(to_pdf(data))

Charts are drawn by Typst itself (lines and bars from the protected figures), not by Plotly
through a headless browser: a report must come out on a machine with no Chromium, in well
under two seconds, with the same font as its text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipsdash import catalog, cohorts, data, export, filters, fmt, funding, grants, kpis, outcomes, privacy, texts, theme

TEMPLATE = Path(__file__).with_name("report_template.typ")

# The report's typeface is the dashboard's (Source Sans, shipped by the pip package
# font-source-sans-pro); Libertinus Serif is built into Typst and stands in if the package is missing.
FONTS = ("Source Sans Pro", "Libertinus Serif")

# Figures of the course table, in the order the report lists them, under their group headings.
COURSE_FIGURES = {
    "Forløb": ("referrals", "enrollments", "exits", "waiting", "active", "active_in_period"),
    "Job og uddannelse": (
        "placed",
        "placement_rate",
        "placed_job",
        "job_rate",
        "placed_education",
        "education_rate",
        "job_starts",
    ),
    "Ventetid og tid til job": ("waiting_days_median", "waiting_days_p90", "days_to_first_placement_median"),
}
MONEY_FIGURES = ("spent_in_period_dkk", "spent_dkk", "use", "courses", "cost_per_course_dkk", "cost_per_placement_dkk")
RATES = ("placement_rate", "job_rate", "education_rate", "use", "spending_share")
DAYS = ("waiting_days_median", "waiting_days_p90", "days_to_first_placement_median")
MUNICIPALITY_FIGURES = (
    "referrals",
    "enrollments",
    "waiting",
    "active_in_period",
    "placed",
    "placement_rate",
    "job_starts",
)
FUNDING_FIGURES = (
    "budget_dkk",
    "spent_dkk",
    "use",
    "monthly_burn_dkk",
    "projected_depletion",
    "courses",
    "cost_per_course_dkk",
)
CENTRAL = "Centralt (koordinering m.m.)"
TOTAL = "I alt"


class ReportError(Exception):
    """A report that cannot be made, said in Danish: unknown grant, a bad period, a missing package."""


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
    """Every figure of one report, protected; `to_pdf` and `to_xlsx` only lay them out."""

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

    @property
    def spent_in_period(self) -> float:
        return float(self.spending["spent_in_period_dkk"].sum())

    @property
    def spent_in_previous_period(self) -> float:
        return float(self.spending_before["spent_in_period_dkk"].sum())


# --- Figures -------------------------------------------------------------------------------


def _spent_to(extract: data.Extract, grant_id: str, on: dt.date, min_count: int | None) -> pd.Series:
    """The whole grant's spending to day `on` per category, central spending included.

    The sums of `grants.spending_raw` (queries/grant_spending.sql) over months and municipalities, as
    the total row of `grants.spending_by_category` sums them, without its per-municipality rows.
    """
    threshold = privacy.default_threshold() if min_count is None else min_count
    raw = privacy.protect(grants.spending_raw(extract, grant_id, on), grants.SPENDING_RULE, threshold)
    sums = raw.groupby("category")["spent_dkk"].sum() if not raw.empty else pd.Series(dtype=float)
    return sums.reindex(list(grants.CATEGORIES)).fillna(0.0).astype(float)


def spending(
    extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, min_count: int | None = None
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
    extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, min_count: int | None = None
) -> ReportData:
    """Every figure of the report of `grant_id` for [start, end], small numbers hidden."""
    grant = check(extract, grant_id, start, end)
    as_of = catalog.span(extract)[1]
    threshold = privacy.default_threshold() if min_count is None else min_count
    chosen = kpis.Filters(grants=(grant_id,))
    # Compared with as much before as the data cover of the period: a period still running (or
    # reaching past the data) is never compared with a whole one (filters.Selection.previous).
    covered = min(end, as_of)
    previous = filters.Selection(start, covered, chosen, partial=filters.is_partial(covered, as_of)).previous()

    now = kpis.kpi_table(extract, start, end, filters=chosen, min_count=threshold).iloc[0]
    before = kpis.kpi_table(extract, previous.start, previous.end, filters=chosen, min_count=threshold).iloc[0]

    municipalities = catalog.municipalities(extract).set_index("municipality_code")
    fund = funding.funding_table(extract, end, by="municipality", grants=(grant_id,), min_count=threshold)
    budgeted = {int(c) for c in fund["municipality_code"].dropna()}
    by_mun = kpis.kpi_table(extract, start, end, by="municipality", filters=chosen, min_count=threshold)
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
    months = kpis.kpi_table(extract, trend_start, end, by="month", filters=chosen, min_count=threshold)

    return ReportData(
        grant=grant,
        start=start,
        end=end,
        previous_start=previous.start,
        previous_end=previous.end,
        as_of=as_of,
        region=", ".join(regions),
        demo=extract.demo,
        threshold=threshold,
        now=now,
        before=before,
        by_municipality=by_mun,
        months=months,
        funding_total=funding.funding_table(extract, end, by="grant", grants=(grant_id,), min_count=threshold).iloc[0],
        funding_before=funding.funding_table(
            extract, previous.end, by="grant", grants=(grant_id,), min_count=threshold
        ).iloc[0],
        funding_by_municipality=fund,
        spending=spending(extract, grant_id, start, end, threshold),
        spending_before=spending(extract, grant_id, previous.start, previous.end, threshold),
        spending_by_month=grants.spending_by_month(extract, grant_id, end, min_count=threshold),
        not_started=not_started,
        cohorts=cohorts.cohort_table(extract, min(start, grant.start), end, filters=chosen, min_count=threshold),
    )


# --- Formatting ----------------------------------------------------------------------------


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
    if key in RATES:
        return fmt.percent(value)
    if key == "projected_depletion":
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
    """The change from `before` to `now` as a number, or None when either is hidden or missing."""
    if isinstance(now, str) or isinstance(before, str) or fmt.is_missing(now) or fmt.is_missing(before):
        return None
    return float(now) - float(before)


def printed_change(key: str, now, before):
    """The change between two figures as printed: whole numbers (counts, days, kroner) are
    rounded as `show` rounds them first, so a median of 12,6 against 12,4 reads 13, 12, +1.

    >>> printed_change("waiting_days_median", 12.6, 12.4), printed_change("waiting", "<5", 3)
    (1.0, None)
    """
    if key not in RATES and change(key, now, before) is not None:
        now, before = (float(fmt.number(v).replace(".", "")) for v in (now, before))
    return change(key, now, before)


def show_change(key: str, diff) -> str:
    """A change as the report prints it: "+7", "-3", "+4,2 pct.-point"; "±0" when it rounds to nothing.

    >>> show_change("waiting_days_p90", -0.4), show_change("job_rate", 0.0021), show_change("waiting", None)
    ('±0', '+0,2 pct.-point', '–')
    >>> show_change("waiting", float("nan"))  # a hidden change in a table column
    '–'
    """
    if diff is None or fmt.is_missing(diff):
        return fmt.MISSING
    shown = fmt.number(abs(diff) * 100, 1) if key in RATES else fmt.number(abs(diff))
    sign = "±" if shown.strip("0,") == "" else "+" if diff > 0 else "-"
    return f"{sign}{shown} pct.-point" if key in RATES else f"{sign}{shown}"


def _label(key: str) -> str:
    return texts.label(key)


def _hidden_note(threshold: int) -> str:
    return (
        f"<{threshold}: 1–{threshold - 1} forløb; tallet er skjult efter reglen om små tal. "
        f"{fmt.MISSING}: skjult for at beskytte et andet tal eller en andel over få forløb, "
        "eller der er ingen forløb at beregne af."
    )


# --- Tables (shared by the PDF and the workbook) ---------------------------------------------


def key_figures(d: ReportData) -> pd.DataFrame:
    """The headline table: one row per figure, this period, the previous one and the change."""
    now = {**d.now.to_dict(), **_money(d.funding_total), "spent_in_period_dkk": d.spent_in_period}
    before = {**d.before.to_dict(), **_money(d.funding_before), "spent_in_period_dkk": d.spent_in_previous_period}
    rows = []
    for group, keys in {**COURSE_FIGURES, "Økonomi": MONEY_FIGURES}.items():
        for key in keys:
            rows.append(
                {
                    "group": group,
                    "key": key,
                    "now": now[key],
                    "before": before[key],
                    "change": change(key, now[key], before[key]),
                }
            )
    return pd.DataFrame(rows)


def _money(row: pd.Series) -> dict:
    return {k: row[k] for k in ("spent_dkk", "use", "courses", "cost_per_course_dkk", "cost_per_placement_dkk")}


def _municipality_name(d: ReportData, code, name: str) -> str:
    if pd.isna(code) or int(code) not in d.not_started:
        return name
    started = d.not_started[int(code)]
    return f"{name} (IPS fra {fmt.date_medium(started)})" if started else f"{name} (IPS ikke startet)"


def tables(d: ReportData) -> dict[str, pd.DataFrame]:
    """The report's tables with figure keys as columns: the workbook's sheets, the PDF's tables."""
    keys = key_figures(d)
    wide = pd.DataFrame(
        [
            {"Periode": "Perioden", "period_start": d.start, "period_end": d.end, **dict(zip(keys["key"], keys["now"]))},
            {
                "Periode": "Forrige periode",
                "period_start": d.previous_start,
                "period_end": d.previous_end,
                **dict(zip(keys["key"], keys["before"])),
            },
            {"Periode": "Ændring", "period_start": None, "period_end": None, **dict(zip(keys["key"], keys["change"]))},
        ]
    )
    interval_cols = ["placement_rate_low", "placement_rate_high"]
    for col in interval_cols:
        wide[col] = [d.now[col], d.before[col], None]
    order = ["Periode", "period_start", "period_end"]
    for k in keys["key"]:
        order.append(k)
        if k == "placement_rate":
            order += interval_cols
    wide = wide[order]

    mun = d.by_municipality.copy()
    mun["municipality"] = [_municipality_name(d, c, n) for c, n in zip(mun["municipality_code"], mun["municipality"])]
    total = {"municipality_code": None, "municipality": TOTAL, **d.now.to_dict()}
    mun = pd.concat([mun, pd.DataFrame([total])], ignore_index=True)
    mun = mun[["municipality_code", "municipality", *kpis.FIGURES, "placed_job", "placed_education"]]

    fund = d.funding_by_municipality.copy()
    fund["municipality"] = [_municipality_name(d, c, n) for c, n in zip(fund["municipality_code"], fund["municipality"])]
    total = {"municipality_code": None, "municipality": TOTAL, **d.funding_total.drop("municipality_code").to_dict()}
    fund = pd.concat([fund, pd.DataFrame([total])], ignore_index=True).drop(columns="grant_id")

    cat = d.spending.copy()
    cat.insert(0, "Kategori", [_category_label(c) for c in cat.pop("category")])
    spent = float(cat["spent_dkk"].sum())
    cat["spending_share"] = cat["spent_dkk"] / spent if spent else None
    cat = pd.concat(
        [
            cat,
            pd.DataFrame(
                [
                    {
                        "Kategori": TOTAL,
                        "spent_in_period_dkk": d.spent_in_period,
                        "spent_dkk": spent,
                        "spending_share": 1.0 if spent else None,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )

    months = d.months[["period_start", "active", "waiting", *kpis.FIGURES[7:12], "job_starts"]]
    terms = pd.DataFrame(
        [{"Begreb": texts.label(k), "Definition": texts.definition(k)}
         for k in _defined_terms([*wide.columns, *mun.columns, *fund.columns, *cat.columns, *months.columns,
                                  *d.spending_by_month.columns])]
        + [{"Begreb": "Små tal", "Definition": _small_numbers(d.threshold)}]
    )
    return {
        "Om rapporten": pd.DataFrame(_about(d), columns=["Oplysning", "Værdi"]),
        "Nøgletal": wide,
        "Kommuner": mun,
        "Budget og forbrug": fund,
        "Forbrug pr. kategori": cat,
        "Forbrug pr. måned": d.spending_by_month,
        "Måned for måned": months,
        "Forløb over tid": d.cohorts[["cohort_start", *cohorts.columns(cohorts.DEFAULT_WITHIN)]],
        "Definitioner": terms,
    }


def _category_label(category: str) -> str:
    # The funding page's words for the categories ("Løn (kr.)" without the unit).
    return texts.label(grants.CATEGORY_COLUMNS[category]).removesuffix(" (kr.)")


def _defined_terms(used) -> list[str]:
    """The terms of `used` (figure keys a table shows) that have a definition, in the report's order."""
    keys = [k for group in COURSE_FIGURES.values() for k in group]
    keys += ["placement_rate_low", "placement_rate_high", "budget_dkk", *MONEY_FIGURES, "monthly_burn_dkk"]
    keys += ["projected_depletion", "spent_in_month_dkk", "spending_share", *grants.CATEGORY_COLUMNS.values()]
    return [k for k in dict.fromkeys(keys) if k in set(used)]


# The figures the PDF's tables show (the key table, municipalities, funding, categories).
PDF_TERMS = (
    *(k for group in COURSE_FIGURES.values() for k in group), *MONEY_FIGURES, *MUNICIPALITY_FIGURES,
    *FUNDING_FIGURES, "spending_share", *grants.CATEGORY_COLUMNS.values(),
)


def _small_numbers(threshold: int) -> str:
    return texts.SMALL_NUMBERS.format(t=threshold, t_minus=threshold - 1)


def _about(d: ReportData) -> list[tuple[str, str]]:
    g = d.grant
    rows = [
        ("Bevillingsgiver", g.funder),
        ("Bevilling", f"{g.title} ({g.grant_id})"),
        ("Bevilget beløb", fmt.dkk(g.amount_dkk)),
        ("Bevillingsperiode", fmt.period(g.start, g.end)),
        ("Rapporteringsperiode", fmt.period(d.start, d.end)),
        ("Sammenlignet med", fmt.period(d.previous_start, d.previous_end)),
        ("Data til og med", fmt.date_long(d.as_of)),
        ("Region", f"Region {d.region}" if d.region else fmt.MISSING),
        ("Små tal", _small_numbers(d.threshold)),
    ]
    if d.demo:
        rows.append(("Bemærk", texts.DEMO_NOTICE))
    return rows


# --- PDF -----------------------------------------------------------------------------------


def _hex(colour: str) -> str:
    """A theme colour as Typst reads it; "rgba(r, g, b, a)" becomes "#rrggbbaa"."""
    if colour.startswith("rgba"):
        r, g, b, a = (float(x) for x in colour[5:-1].split(","))
        return f"#{int(r):02x}{int(g):02x}{int(b):02x}{round(a * 255):02x}"
    return colour


def _nice_ticks(top: float, count: int = 5, whole: bool = True) -> list[float]:
    """Round tick values from 0 to at least `top`: steps of 1, 2, 2.5 or 5 times a power of ten."""
    top = max(float(top), 1.0 if whole else 1e-9)
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, math.ceil(step))
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _numbers(values: pd.Series) -> list[float | None]:
    """Values for drawing: hidden ("<5") and missing ones become None, a gap."""
    out = []
    for v in values:
        out.append(None if isinstance(v, str) or fmt.is_missing(v) else float(v))
    return out


def _month_ticks(months: list[dt.date], max_ticks: int = 8) -> list[dict]:
    """The dashboard's Danish month ticks (theme.danish_month_ticks), as positions on the chart."""
    import plotly.graph_objects as go

    fig = theme.danish_month_ticks(go.Figure(), months, max_ticks=max_ticks)
    index = {m: i for i, m in enumerate(months)}
    axis = fig.layout.xaxis
    return [{"i": index[fmt.as_date(v)], "label": t} for v, t in zip(axis.tickvals or (), axis.ticktext or ())]


def _position(months: list[dt.date], day: dt.date) -> float:
    """Where a day falls on a monthly axis whose points are the months' first days."""
    first = months[0]
    index = (day.year - first.year) * 12 + day.month - first.month
    length = (filters.add_months(day.replace(day=1), 1) - day.replace(day=1)).days
    return index + (day.day - 1) / length


def _shade(months: list[dt.date], start: dt.date, end: dt.date) -> list[float]:
    # As charts.shade_period: from half a month before the first point to the period's last day.
    return [_position(months, start) - 0.5, _position(months, end)]


def _line_chart(
    title, months, series, y_ticks, y_max, notes=(), shade=None, reference=None, label_width=34, height=150, max_ticks=8
):
    legend = [{"name": s.get("legend", s["name"]), "color": s["color"], "kind": "line"} for s in series]
    for s in series:
        if s.get("band_low") is not None:
            legend.append({"name": "95 %-interval", "color": s["band_color"], "kind": "box"})
    if shade:
        legend.append({"name": "Perioden", "color": _hex(theme.HIGHLIGHT), "kind": "box"})
    if reference:
        legend.append({"name": reference["name"], "color": theme.ACCENT, "kind": "dash"})
    full = [{"band_low": None, "band_high": None, "band_color": None, "markers": True, **s} for s in series]
    return {
        "type": "line",
        "title": title,
        "legend": legend,
        "height": height,
        "label_width": label_width,
        "n": len(months),
        "x_ticks": _month_ticks(months, max_ticks),
        "y_ticks": y_ticks,
        "y_max": y_max,
        "series": full,
        "shade": shade,
        "reference": reference,
        "notes": list(notes),
    }


def _count_chart(d: ReportData) -> dict:
    months = [fmt.as_date(m) for m in d.months["period_start"]]
    series = []
    highest = 1.0
    gaps = False
    for i, key in enumerate(("active", "waiting")):
        values = _numbers(d.months[key])
        gaps |= any(v is None for v in values)
        highest = max([highest, *(v for v in values if v is not None)])
        series.append({"name": texts.label(key), "color": theme.SERIES[i], "values": values, "markers": True})
    ticks = _nice_ticks(highest * 1.05)
    notes = []
    if gaps:
        notes.append("Huller i en linje er måneder, hvor tallet er skjult efter reglen om små tal.")
    return _line_chart(
        "Aktive forløb og venteliste ved månedens udgang",
        months,
        series,
        [{"v": t, "label": fmt.number(t)} for t in ticks],
        ticks[-1],
        notes=notes,
        shade=_shade(months, d.start, d.end),
        height=165,
        max_ticks=4,
    )


def _rate_chart(d: ReportData) -> dict:
    months = [fmt.as_date(m) for m in d.months["period_start"]]
    rate = _numbers(d.months["placement_rate"])
    ticks = [i / 5 for i in range(6)]
    notes = ["Hver måned er sin egen periode: aktive forløb i måneden, og job eller uddannelse, der lå i måneden."]
    if any(v is None for v in rate):
        notes.append("Huller i linjen er måneder, hvor andelen er skjult efter reglen om små tal.")
    series = [
        {
            "name": texts.label("placement_rate"),
            "legend": "Andel",
            "color": theme.PRIMARY,
            "values": rate,
            "band_low": _numbers(d.months["placement_rate_low"]),
            "band_high": _numbers(d.months["placement_rate_high"]),
            "band_color": _hex(theme.BAND),
        }
    ]
    return _line_chart(
        "Andel i job eller uddannelse pr. måned",
        months,
        series,
        [{"v": t, "label": fmt.percent(t)} for t in ticks],
        1.0,
        notes=notes,
        shade=_shade(months, d.start, d.end),
        label_width=30,
        height=165,
        max_ticks=4,
    )


def _spending_chart(d: ReportData) -> dict:
    df = d.spending_by_month
    if df.empty:
        return {"type": "paragraph", "text": f"Bevillingen har ingen posteringer til og med {fmt.date_long(d.end)}."}
    months = [fmt.as_date(m) for m in df["period_start"]]
    spent = _numbers(df["spent_dkk"])
    top = max([d.grant.amount_dkk, *(v for v in spent if v is not None)])
    ticks = _nice_ticks(top * 1.08 / 1_000_000, whole=False)
    # As few decimals as the ticks need: 0,25 mio. must not print as 0,3 mio.
    decimals = next(n for n in range(4) if all(abs(t * 10**n - round(t * 10**n)) < 1e-6 for t in ticks))
    return _line_chart(
        "Forbrug af bevillingen til dato",
        months,
        [{"name": "Forbrugt i alt", "color": theme.PRIMARY, "values": spent, "markers": len(months) <= 36}],
        [{"v": t * 1_000_000, "label": "0" if t == 0 else f"{fmt.number(t, decimals)} mio."} for t in ticks],
        ticks[-1] * 1_000_000,
        notes=["Summen af posteringer ved hver måneds udgang, i kr. Negative posteringer er rettelser."],
        shade=_shade(months, d.start, d.end),
        reference={"v": d.grant.amount_dkk, "label": f"Bevilget {fmt.dkk(d.grant.amount_dkk)}", "name": "Bevilget"},
        label_width=42,
    )


def _budget_chart(d: ReportData) -> dict:
    fund = d.funding_by_municipality
    budgets = _numbers(fund["budget_dkk"])
    spent = _numbers(fund["spent_dkk"])
    top = max([1.0, *(v for v in budgets + spent if v is not None)])
    ticks = _nice_ticks(top, count=4)
    return {
        "type": "hbar",
        "title": f"Budget og forbrug pr. kommune til og med {fmt.date_long(d.end)}",
        "legend": [
            {"name": "Budget", "color": theme.COMPARISON, "kind": "box"},
            {"name": "Forbrugt", "color": theme.PRIMARY, "kind": "box"},
        ],
        "categories": [str(n) for n in fund["municipality"]],
        "series": [
            {"name": "Budget", "color": theme.COMPARISON, "values": budgets},
            {"name": "Forbrugt", "color": theme.PRIMARY, "values": spent},
        ],
        "value_labels": [show("use", u) for u in fund["use"]],
        "x_ticks": [{"v": t, "label": fmt.number(t)} for t in ticks],
        "x_max": ticks[-1],
        "label_width": 130,
        "value_width": 36,
        "notes": ["Kr. Tallet til højre er forbrugsgraden: forbrugt divideret med budget."],
    }


def _column(header: str, align: str = "right", width: float | None = None) -> dict:
    return {"header": header, "align": align, "width": width}


def _key_table(d: ReportData) -> dict:
    keys = key_figures(d)
    rows: list = []
    group = None
    for _, r in keys.iterrows():
        if r["group"] != group:
            group = r["group"]
            rows.append({"group": group})
        if r["key"] == "placement_rate":
            now_text = show_rate(d.now)
            before_text = show_rate(d.before)
        else:
            now_text, before_text = show(r["key"], r["now"]), show(r["key"], r["before"])
        diff = printed_change(r["key"], r["now"], r["before"])
        rows.append([_label(r["key"]), now_text, before_text, show_change(r["key"], diff)])
    return {
        "type": "table",
        "columns": [
            _column("Nøgletal", "left", 2.6),
            _column(f"Perioden\n{fmt.period(d.start, d.end)}", width=1.6),
            _column(f"Forrige periode\n{fmt.period(d.previous_start, d.previous_end)}", width=1.6),
            _column("Ændring", width=1.1),
        ],
        "rows": rows,
        "total_rows": [],
        "notes": [
            (
                "Venteliste og aktive forløb: ved periodens sidste dag. Økonomi: forbrugt, forbrugsgrad og "
                "finansierede forløb til og med periodens sidste dag."
            ),
            _hidden_note(d.threshold),
        ],
    }


def _municipality_table(d: ReportData, mun: pd.DataFrame) -> dict:
    rows = []
    for _, r in mun.iterrows():
        cells = [str(r["municipality"])]
        for key in MUNICIPALITY_FIGURES:
            cells.append(show_rate(r) if key == "placement_rate" else show(key, r[key]))
        rows.append(cells)
    headers = {k: texts.label(k) for k in MUNICIPALITY_FIGURES}
    headers["placement_rate"] += " (95 %-interval)"
    headers["job_starts"] = "Første job- eller uddannelses\u00adstarter"
    widths = {"placement_rate": 2.0, "placed": 1.2, "job_starts": 1.3}
    return {
        "type": "table",
        "columns": [_column("Kommune", "left", 2.5)]
        + [_column(headers[k], width=widths.get(k, 1)) for k in MUNICIPALITY_FIGURES],
        "rows": rows,
        "total_rows": [len(rows) - 1],
        "notes": [
            "Forløb finansieret af bevillingen. Venteliste: ved periodens sidste dag.",
            _hidden_note(d.threshold),
        ],
    }


def _funding_table(d: ReportData, fund: pd.DataFrame) -> dict:
    rows = []
    for _, r in fund.iterrows():
        rows.append([str(r["municipality"])] + [show(k, r[k]) for k in FUNDING_FIGURES])
    return {
        "type": "table",
        "columns": [_column("Kommune", "left", 2.4)]
        + [_column(texts.label(k), width=1.05) for k in FUNDING_FIGURES],
        "rows": rows,
        "total_rows": [len(rows) - 1],
        "notes": [
            (
                f"Til og med {fmt.date_long(d.end)}. Centralt: den del af bevillingen, der ikke er fordelt på "
                "kommuner. Finansierede forløb: opstartet senest på dagen."
            ),
            *([late] if (late := depletion_note(d)) else []),
            _hidden_note(d.threshold),
        ],
    }


def depletion_note(d: ReportData) -> str | None:
    """What a projected depletion after the grant's end means, or None when it is not after it.

    "Med det nuværende forbrug rækker pengene til 13. maj 2030, 4 år efter bevillingens slutning
    (31. december 2025)."
    """
    value = d.funding_total["projected_depletion"]
    if isinstance(value, str) or fmt.is_missing(value) or d.grant.end is None:
        return None
    day, end = fmt.as_date(value), d.grant.end
    if day <= end:
        return None
    months = (day.year - end.year) * 12 + day.month - end.month - (day.day < end.day)
    if months >= 12:
        after = f"{months // 12} år"
    elif months >= 1:
        after = f"{months} måned" + ("er" if months > 1 else "")
    else:
        after = f"{(day - end).days} dage"
    return (f"Med det nuværende forbrug rækker pengene til {fmt.date_long(day)}, {after} efter bevillingens "
            f"slutning ({fmt.date_long(end)}).")


def _category_table(d: ReportData, cat: pd.DataFrame) -> dict:
    rows = [
        [str(r["Kategori"]), show("spent_in_period_dkk", r["spent_in_period_dkk"]), show("spent_dkk", r["spent_dkk"]),
         show("spending_share", r["spending_share"])]
        for _, r in cat.iterrows()
    ]  # fmt: skip
    return {
        "type": "table",
        "columns": [
            _column("Kategori", "left", 2.4),
            _column(f"Forbrugt i perioden (kr.)\n{fmt.period(d.start, d.end)}", width=1.6),
            _column(f"Forbrugt i alt (kr.)\ntil og med {fmt.date_long(d.end)}", width=1.6),
            _column(texts.label("spending_share"), width=1.1),
        ],
        "rows": rows,
        "total_rows": [len(rows) - 1],
        "notes": ["Alle bevillingens posteringer, også de centrale. Negative posteringer er rettelser."],
    }


COHORT_HEADING = "Andel i job eller uddannelse efter opstartskvartal"


def _cohort_table(d: ReportData) -> dict:
    """The grant's courses by enrollment quarter: placed within 6, 12 and 18 months (ipsdash/cohorts.py)."""
    shown = cohorts.shown_table(d.cohorts, cohorts.DEFAULT_WITHIN)
    trial = outcomes.source("danish_trial")
    return {
        "type": "table",
        "columns": [_column("Startkvartal", "left", 1.4), _column("Startede", width=1)]
        + [_column(c, width=1.8) for c in shown.columns[2:]],
        "rows": shown.astype(str).values.tolist(),
        "total_rows": [],
        "notes": [
            texts.definition("cohort_rate"),
            f"«{cohorts.NOT_FOLLOWED_TEXT}»: årgangen kan endnu ikke være fulgt så længe til {fmt.date_long(d.as_of)}.",
            f"Til sammenligning: {trial.name}, {trial.citation} {trial.measure}",
            _hidden_note(d.threshold),
        ],
    }


def _cards(d: ReportData) -> dict:
    f = d.funding_total
    return {
        "type": "cards",
        "items": [
            {
                "label": texts.label("courses"),
                "value": show("courses", f["courses"]),
                "note": f"opstartet til og med {fmt.date_long(d.end)}",
            },
            {
                "label": texts.label("placement_rate"),
                "value": show("placement_rate", d.now["placement_rate"]),
                "note": (
                    f"95 %-interval {fmt.interval(d.now['placement_rate_low'], d.now['placement_rate_high'])}"
                    if not fmt.is_missing(d.now["placement_rate_low"])
                    else "skjult efter reglen om små tal"
                    if fmt.is_missing(d.now["placement_rate"]) and not _no_courses(d.now)
                    else None
                ),
            },
            {
                "label": "Forbrugt af bevillingen",
                "value": fmt.dkk(f["spent_dkk"]),
                "note": f"{show('use', f['use'])} af {fmt.dkk(f['budget_dkk'])}",
            },
            {
                "label": texts.label("waiting"),
                "value": show("waiting", d.now["waiting"]),
                "note": f"ved udgangen af {fmt.date_long(d.end)}",
            },
        ],
    }


def _no_courses(row: pd.Series) -> bool:
    return not isinstance(row["active_in_period"], str) and row["active_in_period"] == 0


def _summary_text(d: ReportData) -> str:
    g = d.grant
    return (
        f"Rapporten viser IPS-forløb finansieret af bevillingen »{g.title}« fra {g.funder} "
        f"og bevillingens forbrug i perioden {fmt.period(d.start, d.end)}. Hvert tal sammenlignes med den "
        f"foregående periode af samme længde, {fmt.period(d.previous_start, d.previous_end)}. Tallene er de samme "
        "som i IPS-styringsdashboardet for samme bevilling og periode og beregnes efter definitionerne bagest."
    )


def document(d: ReportData) -> dict:
    """The report as the Typst template reads it: every text and figure formatted here."""
    t = tables(d)
    g = d.grant
    period = fmt.period(d.start, d.end)
    region = f"Region {d.region}" if d.region else ""
    facts = [
        ["Bevillingsgiver", g.funder],
        ["Bevilling", f"{g.grant_id} · {fmt.dkk(g.amount_dkk)}"],
        ["Bevillingsperiode", fmt.period(g.start, g.end)],
        ["Rapporteringsperiode", period],
        ["Sammenlignet med", fmt.period(d.previous_start, d.previous_end)],
        ["Data til og med", fmt.date_long(d.as_of)],
    ]
    stale = []
    if d.end > d.as_of:
        stale.append(
            f"Bemærk: data går til og med {fmt.date_long(d.as_of)}; perioden efter den dag har endnu ingen tal."
        )
    sections = [
        {
            "heading": "Sammendrag",
            "new_page": True,
            "blocks": [
                {"type": "paragraph", "text": _summary_text(d)},
                *({"type": "paragraph", "text": s} for s in stale),
                _cards(d),
                {"type": "subheading", "text": "Nøgletal for perioden"},
                _key_table(d),
            ],
        },
        {
            "heading": "Økonomi",
            "new_page": True,
            "blocks": [
                {"type": "subheading", "text": "Budget og forbrug pr. kommune"},
                _funding_table(d, t["Budget og forbrug"]),
                _budget_chart(d),
                {"type": "subheading", "text": "Forbrug pr. kategori"},
                _category_table(d, t["Forbrug pr. kategori"]),
                _spending_chart(d),
            ],
        },
        {
            "heading": "Forløb og resultater",
            "new_page": False,
            "blocks": [
                {"type": "subheading", "text": f"Forløb pr. kommune, {period}"},
                _municipality_table(d, t["Kommuner"]),
                {"type": "row", "blocks": [_count_chart(d), _rate_chart(d)]},
                {"type": "subheading", "text": COHORT_HEADING},
                _cohort_table(d),
            ],
        },
        {
            "heading": "Definitioner og datagrundlag",
            "new_page": True,
            "blocks": [
                {
                    "type": "paragraph",
                    "text": (
                        "Tallene kommer fra kommunernes udtræk til IPS-dashboardet i Region Syddanmark (data til og "
                        f"med {fmt.date_long(d.as_of)}) og beregnes efter dashboardets datakontrakt. En periode "
                        "omfatter både første og sidste dag. Forløb tælles med, når de er finansieret af bevillingen."
                    ),
                },
                {"type": "paragraph", "text": _small_numbers(d.threshold)},
                {"type": "subheading", "text": "Begreber"},
                {
                    "type": "definitions",
                    "items": [{"label": texts.label(k), "text": texts.definition(k)} for k in _defined_terms(PDF_TERMS)],
                },
            ],
        },
    ]
    colours = {
        "primary": theme.PRIMARY,
        "comparison": theme.COMPARISON,
        "accent": theme.ACCENT,
        "text": theme.TEXT,
        "muted": theme.MUTED_TEXT,
        "grid": theme.GRID,
        "axis": theme.AXIS_LINE,
        "highlight": theme.HIGHLIGHT,
        "background2": theme.SECONDARY_BACKGROUND,
        "border": theme.BORDER,
    }
    return {
        "meta": {
            "title": f"Rapport til {g.funder}: {g.title}, {period}",
            "author": region or "IPS-styringsdashboardet",
            "keywords": ["IPS", g.grant_id, g.funder],
        },
        "fonts": list(FONTS),
        "colors": colours,
        "header": {"left": f"{g.title} ({g.grant_id})", "right": f"Rapport til {g.funder} · {period}"},
        "footer": f"Data til og med {fmt.date_long(d.as_of)}" + (" · Demodata" if d.demo else ""),
        "title_page": {
            "kicker": f"IPS – Individuelt Planlagt job med Støtte · {region}".rstrip(" ·"),
            "addressee": f"Rapport til {g.funder}",
            "title": g.title,
            "subtitle": f"Rapport for perioden {period}",
            "facts": facts,
            "notice": texts.DEMO_NOTICE if d.demo else None,
            "footer_left": region or "IPS-styringsdashboardet",
            "footer_right": f"Udarbejdet {fmt.date_long(dt.date.today())}",
        },
        "sections": sections,
    }


_compiler = None
_compiler_lock = threading.Lock()


def require_typst():
    """The typst package, or a ReportError saying in Danish what to install (the PDF needs it)."""
    try:
        import typst
    except ImportError:
        raise ReportError(
            "PDF-rapporten kræver Python-pakken typst, som ikke er installeret. "
            "Installér projektets pakker med `make run` eller `pip install -r requirements.txt`."
        ) from None
    return typst


def _typst():
    """One Typst compiler for the process (fonts are read once); call with `_compiler_lock` held."""
    global _compiler
    typst = require_typst()
    if _compiler is None:
        font_paths = []
        try:
            import font_source_sans_pro

            font_paths.append(font_source_sans_pro.font_directory)
        except ImportError:
            pass  # Typst's built-in Libertinus Serif is used instead (FONTS)
        # No system fonts: the report looks the same on every machine, and every font is embedded.
        _compiler = typst.Compiler(font_paths=font_paths, ignore_system_fonts=True)
    return _compiler


def to_pdf(d: ReportData) -> bytes:
    """The report as an A4 PDF/A-2b, fonts embedded, page numbers "Side X af Y"."""
    source = TEMPLATE.read_bytes()
    payload = json.dumps(document(d), ensure_ascii=False, default=str)
    # One compilation at a time: Streamlit serves sessions from several threads.
    with _compiler_lock:
        compiler = _typst()
        return compiler.compile(input=source, format="pdf", sys_inputs={"data": payload}, pdf_standards=["a-2b"])


def to_xlsx(d: ReportData) -> bytes:
    """The report's tables as an Excel workbook: one sheet per table, numbers as numbers, money
    to the øre (as `python -m ipsdash` gives it)."""
    def ore(value):
        return round(value, 2) if isinstance(value, float) else value

    out = {}
    for title, df in tables(d).items():
        out[title] = df.assign(**{c: df[c].map(ore) for c in df.columns if str(c).endswith("_dkk")})
    return export.excel(out)


# --- For the dashboard (ui.call caches these on the extract's version) ---------------------


def pdf(extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, min_count: int | None = None) -> bytes:
    return to_pdf(build(extract, grant_id, start, end, min_count))


def xlsx(extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, min_count: int | None = None) -> bytes:
    return to_xlsx(build(extract, grant_id, start, end, min_count))


def file_name(grant_id: str, start: dt.date, end: dt.date, suffix: str) -> str:
    """"rapport_APMF-2021_2026-01-01_2026-06-30.pdf": safe on every file system."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in grant_id)
    return f"rapport_{safe}_{start.isoformat()}_{end.isoformat()}.{suffix}"
