"""Figures of the job and municipality pages that `kpis.kpi_table` does not give by itself.

- `hours_table`: courses in job by weekly hours, in bands (each band a person count).
- `REFERENCES`: the published rates the quarterly placement rate is held against, with sources.
- `municipality_table`, `changes`, `funnel`, `monthly_by_municipality`: the municipalities side
  by side with the region, built from `kpi_table` only, so every figure equals the one the
  command line gives (`python -m ipsdash kpis --by municipality`).

Every function taking the extract first returns protected figures and may be given to `ui.call`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures import catalog, kpis, privacy, stats
from ipsdash.figures import filters as periods

EVERYONE = kpis.Filters()  # no filter: every course counts

# --- Hours per week ---------------------------------------------------------------------

# Band keys of queries/job_hours.sql, in order, with their Danish labels.
HOURS_BANDS = {
    "under_10": "Under 10",
    "10_19": "10–19",
    "20_29": "20–29",
    "30_37": "30–37",
    "over_37": "Over 37",
    "unknown": "Ikke oplyst",
}

# The courses in job per band of weekly hours.
HOURS_RULE = privacy.Rule(counts=("courses",))


def hours_raw(
    extract: data.Extract, start: dt.date, end: dt.date, filters: kpis.Filters = EVERYONE
) -> pd.DataFrame:
    """Courses in job in [start, end] by weekly hours band, unprotected. Never shown as it is."""
    if end < start:
        raise ValueError("the period ends before it starts")
    df = data.run(extract, "job_hours", {"from": start, "to": end, **filters.params()})
    df["label"] = df["band"].map(HOURS_BANDS)
    return df[["band", "label", "courses", "courses_key"]].reset_index(drop=True)


def hours_table(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """Courses in job by weekly hours band, small numbers hidden.

    "Ikke oplyst" is left out when no job lacks its hours (it would only be an empty bar);
    leaving out a zero reveals nothing.
    """
    raw = hours_raw(extract, start, end, filters)
    raw = raw[(raw["band"] != "unknown") | (raw["courses"] > 0)].reset_index(drop=True)
    return privacy.protect(raw, HOURS_RULE, min_count)


# --- Reference rates ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    key: str
    name: str  # short Danish name, in the chart's legend and labels
    citation: str  # where the figures come from
    measure: str  # what the figures measure, in Danish, so they are not mistaken for ours


@dataclass(frozen=True)
class Reference:
    value: float  # a share, 0..1
    label: str  # Danish, on the line
    source: str  # Source.key


SOURCES = (
    Source(
        "learning_community",
        "IPS-netværket i USA",
        "Becker, Drake & Bond (2011): Benchmark outcomes in supported employment. American Journal of "
        "Psychiatric Rehabilitation 14(3):230–236 — kvartalsvise beskæftigelsesrater i IPS learning "
        "community (13 amerikanske stater, 8 års data).",
        "Andel af borgerne i IPS, der var i ordinært job i kvartalet: samme mål som vores kvartalsandel, "
        "men kun job (ikke uddannelse).",
    ),
    Source(
        "danish_trial",
        "Det danske IPS-forsøg",
        "Christensen m.fl. (2019): Effects of Individual Placement and Support supplemented with cognitive "
        "remediation and work-focused social skills training for people with severe mental illness. "
        "JAMA Psychiatry 76(12):1232–1240.",
        "Andel, der var i ordinært job eller uddannelse på et tidspunkt i løbet af 18 måneder efter "
        "lodtrækningen: 59,9 % med IPS mod 46,5 % med den almindelige indsats.",
    ),
    Source(
        "population",
        "Beskæftigelse i befolkningen",
        "Sundhedsministeriet (2018), gengivet af Bedre Psykiatri: voksne 19–64 år.",
        "Andel i beskæftigelse blandt voksne med en psykisk lidelse og blandt alle voksne: "
        "et øjebliksbillede af hele befolkningen, ikke et resultat af en indsats.",
    ),
)

REFERENCES = (
    Reference(0.31, "31 % minimum", "learning_community"),
    Reference(0.41, "41 % gennemsnit", "learning_community"),
    Reference(0.50, "50 % fremragende", "learning_community"),
    Reference(0.599, "60 % med IPS (18 mdr.)", "danish_trial"),
    Reference(0.465, "47 % almindelig indsats (18 mdr.)", "danish_trial"),
    Reference(0.26, "26 % voksne med psykisk lidelse i job", "population"),
    Reference(0.75, "75 % alle voksne i job", "population"),
)


def source(key: str) -> Source:
    return next(s for s in SOURCES if s.key == key)


def references_table() -> pd.DataFrame:
    """The reference rates with their sources, as the page lists and exports them."""
    return pd.DataFrame(
        [
            {"reference": r.label, "share": r.value, "source": source(r.source).name,
             "citation": source(r.source).citation}
            for r in REFERENCES
        ]
    )


def quarters_start(start: dt.date, end: dt.date, quarters: int = 8) -> dt.date:
    """The first day of the quarter trend: `quarters` quarters up to `end`, or from `start` if earlier.

    >>> quarters_start(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    datetime.date(2025, 1, 1)
    >>> quarters_start(dt.date(2019, 1, 7), dt.date(2026, 10, 31))
    datetime.date(2019, 1, 1)
    """
    first = periods.add_months(periods.quarter_start(end), -3 * (quarters - 1))
    return min(first, periods.quarter_start(start))


# --- Municipalities side by side -----------------------------------------------------------

REGION = "Hele regionen"
# The municipality table in two parts that fit a screen side by side with the names; together every
# figure of kpis.FIGURES (the rate's interval goes in the rate's own cell).
RESULT_FIGURES = (
    "active_in_period",
    "placement_rate",
    "job_rate",
    "education_rate",
    "placed",
    "job_starts",
    "days_to_first_placement_median",
)
COURSE_FIGURES = (
    "referrals",
    "enrollments",
    "exits",
    "active",
    "waiting",
    "waiting_days_median",
    "waiting_days_p90",
)
STATUS_PLANNED = "Planlagt"


def all_municipalities(filters: kpis.Filters) -> kpis.Filters:
    """The same filters for every municipality: on the municipality page a choice highlights."""
    return dataclasses.replace(filters, municipalities=())


def _status(ips_start, end: dt.date) -> str:
    if ips_start is None or pd.isna(ips_start):
        return STATUS_PLANNED
    day = fmt.as_date(ips_start)
    return f"Starter {fmt.date_short(day)}" if day > end else f"Siden {fmt.date_short(day)}"


def municipality_questions(filters: kpis.Filters, *periods: tuple[dt.date, dt.date]) -> tuple[kpis.Filters, list[kpis.Question]]:
    """What `municipality_table` over each of `periods` asks of `kpis.kpi_raw` (and so `changes` and
    `funnel`, built on it), as an ask for `ui.prefetch`: the region and each municipality."""
    return all_municipalities(filters), [kpis.Question.of(a, b, by) for a, b in periods for by in ("none", "municipality")]


def municipality_table(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """Every KPI per municipality, with the region first; the filters' municipalities are ignored.

    Rows: the region (municipality_code null, kpi_table by "none"), then each municipality (kpi_table
    by "municipality"), with `status` ("Siden …", "Starter …", "Planlagt") and `is_started`. A planned
    municipality with no course in the period gets no figures (None), not zeros that read as results.
    """
    f = all_municipalities(filters)
    region = kpis.kpi_table(extract, start, end, by="none", filters=f, min_count=min_count)
    region.insert(0, "municipality", REGION)
    region.insert(0, "municipality_code", pd.NA)
    region["status"] = ""
    by = kpis.kpi_table(extract, start, end, by="municipality", filters=f, min_count=min_count)
    starts = catalog.municipalities(extract).set_index("municipality_code")["ips_start"]
    by["status"] = [_status(starts.get(code), end) for code in by["municipality_code"]]
    counts = [c for c in kpis.RULE.counts if c in kpis.FIGURES]
    empty = by[counts].apply(lambda col: col.map(lambda v: v == 0)).all(axis=1)
    blank = (by["status"] == STATUS_PLANNED) & empty
    figures = list(kpis.FIGURES)
    by[figures] = by[figures].astype(object)
    by.loc[blank, figures] = None
    out = catalog.in_order(pd.concat([region, by], ignore_index=True))
    out["municipality_code"] = out["municipality_code"].astype("Int64")
    out["is_started"] = out["status"].str.startswith("Siden") | out["municipality_code"].isna()
    return out[["municipality_code", "municipality", "status", "is_started", *kpis.FIGURES]]


def _number(value) -> float:
    """A figure as a number, NaN when hidden ("<5", None) or missing."""
    return np.nan if value is None or isinstance(value, str) or pd.isna(value) else float(value)


def changes(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    prev_start: dt.date,
    prev_end: dt.date,
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """Placement rate and waiting list per municipality in the period and the one before, and the change.

    A change is given only where both figures are shown: a change against a hidden figure would
    give the hidden one back. Planned municipalities with nothing in either period are left out.
    """
    now = municipality_table(extract, start, end, filters, min_count=min_count)
    before = municipality_table(extract, prev_start, prev_end, filters, min_count=min_count)
    out = pd.DataFrame(
        {
            "municipality_code": now["municipality_code"],
            "municipality": now["municipality"],
            "placement_rate": now["placement_rate"],
            "placement_rate_before": before["placement_rate"],
            "waiting": now["waiting"],
            "waiting_before": before["waiting"],
        }
    )
    # Whole percent, as the two rates are (no float residue such as 0.030000000000000027).
    out["placement_rate_change"] = privacy.round_rate(
        [_number(a) - _number(b) for a, b in zip(now["placement_rate"], before["placement_rate"])]
    )
    out["waiting_change"] = [_number(a) - _number(b) for a, b in zip(now["waiting"], before["waiting"])]
    nothing = now["status"].eq(STATUS_PLANNED) & now["waiting"].isna() & before["waiting"].isna()
    return out[~nothing].reset_index(drop=True)


@dataclass(frozen=True)
class Funnel:
    """What a funnel plot of the placement rate needs; all of it may be shown."""

    region_rate: float | None  # p0, the region's rate with the same filters; None when hidden
    points: pd.DataFrame  # municipality_code, municipality, active_in_period, placement_rate, …, position
    limits: pd.DataFrame  # n, low_95, high_95, low_998, high_998
    hidden: tuple[str, ...]  # municipalities with active courses whose rate is hidden (small numbers)
    without_courses: tuple[str, ...]  # started municipalities with no active course in the period
    planned: tuple[str, ...] = ()  # planned municipalities with no course


POSITIONS = {
    "high_998": "Over 99,8 %-grænsen",
    "high_95": "Over 95 %-grænsen",
    "inside": "Inden for grænserne",
    "low_95": "Under 95 %-grænsen",
    "low_998": "Under 99,8 %-grænsen",
}


def funnel_position(rate: float, n: float, p0: float) -> str:
    """Where a rate of n courses lies against the funnel around p0 (a key of POSITIONS).

    On a limit counts as inside: only a rate beyond it is unusual.

    >>> funnel_position(0.60, 100, 0.40), funnel_position(0.45, 100, 0.40)
    ('high_998', 'inside')
    """
    low95, high95 = stats.funnel_limits(p0, n, stats.TAIL95)
    low998, high998 = stats.funnel_limits(p0, n, stats.TAIL998)
    if rate > high998:
        return "high_998"
    if rate > high95:
        return "high_95"
    if rate < low998:
        return "low_998"
    if rate < low95:
        return "low_95"
    return "inside"


def funnel(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> Funnel:
    """The placement rate of each municipality against its active courses, with limits around the region.

    Only municipalities whose rate is shown are points; the others are named in `hidden` or
    `without_courses`. The limits are the binomial limits around the region's rate p0 at 95 % and
    99.8 % (`stats.funnel_limits`) for whole numbers n from the threshold to a little past the
    largest municipality.
    """
    table = municipality_table(extract, start, end, filters, min_count=min_count)
    region = table[table["municipality_code"].isna()].iloc[0]
    rows = table[table["municipality_code"].notna()]
    p0 = None if region["placement_rate"] is None or pd.isna(region["placement_rate"]) else float(region["placement_rate"])
    shown = rows["placement_rate"].map(lambda v: v is not None and not pd.isna(v))
    active = rows["active_in_period"].map(_number)
    points = rows[shown & active.gt(0)][
        ["municipality_code", "municipality", "active_in_period", "placed", "placement_rate",
         "placement_rate_low", "placement_rate_high"]
    ].reset_index(drop=True)
    for col in ("active_in_period", "placement_rate", "placement_rate_low", "placement_rate_high"):
        points[col] = points[col].astype(float)
    if p0 is None:
        points["position"] = None
    else:
        points["position"] = [funnel_position(r, n, p0) for r, n in zip(points["placement_rate"], points["active_in_period"])]
    points["position_text"] = points["position"].map(lambda k: POSITIONS.get(k, ""))
    planned = rows["status"].eq(STATUS_PLANNED) & rows["active_in_period"].isna()
    none_active = rows["active_in_period"].map(lambda v: not isinstance(v, str) and v == 0) & ~planned
    hidden = tuple(rows.loc[~shown & ~none_active & ~planned, "municipality"])
    top = max(50.0, float(points["active_in_period"].max()) * 1.1 if len(points) else 50.0)
    # From the threshold: no municipality with fewer active courses can be a point.
    smallest = max(min_count, 1)
    n = np.unique(np.round(np.geomspace(smallest, top, 200)))
    if p0 is None:
        limits = pd.DataFrame(columns=["n", "low_95", "high_95", "low_998", "high_998"])
    else:
        low95, high95 = stats.funnel_limits(p0, n, stats.TAIL95)
        low998, high998 = stats.funnel_limits(p0, n, stats.TAIL998)
        limits = pd.DataFrame({"n": n, "low_95": low95, "high_95": high95, "low_998": low998, "high_998": high998})
    return Funnel(
        p0, points, limits, hidden, tuple(rows.loc[none_active, "municipality"]), tuple(rows.loc[planned, "municipality"])
    )


# The waiting list of each municipality by month.
MONTHLY_RULE = privacy.Rule(counts=("waiting",))


def monthly_by_municipality_questions(
    start: dt.date, end: dt.date, filters: kpis.Filters = EVERYONE
) -> tuple[kpis.Filters, list[kpis.Question]]:
    """What `monthly_by_municipality` asks of `kpis.kpi_raw`, as an ask for `ui.prefetch`."""
    return all_municipalities(filters), [kpis.Question.of(start, end, "municipality", "month", medians=False)]


def monthly_by_municipality(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """The waiting list on each month's last day for each municipality that had started IPS by `end`.

    One row per municipality and month (`kpis.kpi_raw` by municipality and month, so each figure
    is the one a page filtered to that municipality shows by month). Within a month the
    municipalities add up to the region, whose month other pages show: consistent noise keeps a
    hidden one from being worked out (privacy.py).
    """
    f = all_municipalities(filters)
    raw = kpis.kpi_raw(extract, start, end, by="municipality", filters=f, grain="month", medians=False)
    raw = raw[["municipality_code", "municipality", "period_start", "waiting", "waiting_key"]]
    protected = privacy.protect(raw, MONTHLY_RULE, min_count)
    starts = catalog.municipalities(extract).set_index("municipality_code")["ips_start"]
    started = [code for code, day in starts.items() if not pd.isna(day) and fmt.as_date(day) <= end]
    shown = protected[protected["municipality_code"].isin(started)]
    return shown.sort_values(["municipality_code", "period_start"], ignore_index=True)


def not_started(extract: data.Extract, end: dt.date, filters: kpis.Filters = EVERYONE) -> tuple[str | None, bool]:
    """(a Danish note naming the chosen municipalities that had not started IPS by `end`, whether none had).

    With no municipality chosen, the whole region is shown and no note is needed: (None, False).
    """
    if not filters.municipalities:
        return None, False
    table = catalog.municipalities(extract).set_index("municipality_code")
    late = []
    for code in filters.municipalities:
        if code not in table.index:
            continue
        started = table.loc[code, "ips_start"]
        if started is None or pd.isna(started):
            late.append(f"{table.loc[code, 'name']} (planlagt)")
        elif fmt.as_date(started) > end:
            late.append(f"{table.loc[code, 'name']} (starter {fmt.date_long(started)})")
    if not late:
        return None, False
    names = ", ".join(late)
    if len(late) == len(filters.municipalities):
        return f"IPS var ikke startet i {names} ved periodens slutning, så der er endnu ingen resultater at vise.", True
    return f"IPS var ikke startet i {names} ved periodens slutning; tallene kommer fra de øvrige valgte kommuner.", False


def funnel_summary(f: Funnel) -> str:
    """The funnel plot in words (Danish): who lies outside which limits, and who is not shown."""
    if f.region_rate is None:
        return "Regionens andel er skjult (små tal), så der er ingen tragt at sammenligne med."
    parts = []
    for key in ("high_998", "high_95", "low_95", "low_998"):
        names = list(f.points.loc[f.points["position"] == key, "municipality"])
        if names:
            parts.append(f"{POSITIONS[key]}: {', '.join(names)}.")
    if not parts and len(f.points):
        parts.append("Alle viste kommuner ligger inden for 95 %-grænserne: forskellene kan skyldes tilfældighed.")
    beyond_95 = f.points["position"].isin(["high_95", "low_95"]).sum()
    if beyond_95:
        expected = len(f.points) / 20
        parts.append(
            f"Med {len(f.points)} kommuner ventes omkring {fmt.number(expected, 1)} uden for 95 %-grænserne alene "
            "ved tilfældighed; se efter, om det samme gælder over flere perioder, før der drages konklusioner."
        )
    if f.hidden:
        parts.append(f"Ikke vist, fordi andelen er skjult (små tal): {', '.join(f.hidden)}.")
    if f.planned:
        parts.append(f"Planlagt, endnu ikke startet: {', '.join(f.planned)}.")
    if f.without_courses:
        parts.append(f"Ingen aktive forløb i perioden: {', '.join(f.without_courses)}.")
    return " ".join(parts)


# --- The headline rate over time (Overblik) -------------------------------------------------


def rolling_windows(end: dt.date, months: int, count: int) -> list[tuple[dt.date, dt.date]]:
    """The `count` periods of `months` whole months ending with each of the last `count` months up to `end`.

    The last one ends on `end` (the period the page's card shows), the others on a month's last day.

    >>> [(str(a), str(b)) for a, b in rolling_windows(dt.date(2026, 10, 31), 12, 2)]
    [('2025-10-01', '2026-09-30'), ('2025-11-01', '2026-10-31')]
    """
    windows = []
    for back in range(count - 1, -1, -1):
        first_of_last = periods.add_months(end.replace(day=1), -back)
        last = end if back == 0 else periods.add_months(first_of_last, 1) - dt.timedelta(days=1)
        windows.append((periods.add_months(first_of_last, -(months - 1)), last))
    return windows


def rolling_questions(
    end: dt.date, months: int, count: int = 24, filters: kpis.Filters = EVERYONE
) -> tuple[kpis.Filters, list[kpis.Question]]:
    """What `rolling_rate` asks of `kpis.kpi_raw`, as an ask for `ui.prefetch`: each window's
    counts, without the medians over day counts that it does not show."""
    return filters, [kpis.Question.of(a, b, medians=False) for a, b in rolling_windows(end, months, count)]


def rolling_rate(
    extract: data.Extract, end: dt.date, months: int, count: int = 24, filters: kpis.Filters = EVERYONE,
    *, min_count: int,
) -> pd.DataFrame:
    """The placement rate of the `months` months ending in each of the last `count` months (protected).

    One row per window: `period_start` (the first day of the window's last month, for a monthly
    axis), `window_start`, `window_end`, the rate and its interval. The last row is the figure the
    headline card shows, so the card and its chart never disagree. Each window is a period of whole
    months that the period filter can choose on its own, protected as that period's own figures.
    """
    windows = rolling_windows(end, months, count)
    # One query for all windows, not 24, and one pass of the rule: it works row by row, so each row
    # is published as its window alone would be (`kpis.kpi_table` of the window).
    raw = pd.concat(kpis.kpi_raw_many(extract, rolling_questions(end, months, count, filters)[1], filters))
    shown = privacy.protect(raw.reset_index(drop=True), kpis.RULE, min_count)
    columns = ["placement_rate", "placement_rate_low", "placement_rate_high", "active_in_period"]
    rows = []
    for (a, b), (_, row) in zip(windows, shown.iterrows()):
        rows.append({"period_start": pd.Timestamp(b.replace(day=1)), "window_start": a, "window_end": b,
                     **{c: row[c] for c in columns}})
    return pd.DataFrame(rows)
