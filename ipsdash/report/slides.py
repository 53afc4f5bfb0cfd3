"""Slides for a steering group's meeting: a 16:9 PDF of six slides for one scope and period.

    python -m ipsdash slides --from 2026-07-01 --to 2026-09-30 [--municipality 630]... [--grant ID] --out møde.pdf

`build` gathers every figure through the functions the pages and the command line use
(`kpis.kpi_table`, `outcomes.funnel`, `cohorts.cohort_table`, `grants.grant_outlook`,
`summary.sentences`, `events.events_in`), with the small-number rule, so the slides, the pages
and `python -m ipsdash kpis` never disagree. `document` formats them (fmt.py) and
`slides_template.typ` lays them out, one message per slide, in type large enough to read from
the back of a meeting room; the charts are the funder report's (typst_charts.typ), drawn at
half size and scaled up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipsdash import fmt, texts, theme
from ipsdash.extract import data
from ipsdash.figures import catalog, cohorts, events, filters, grants, kpis, outcomes, summary, targets
from ipsdash.report import ReportError, formats, geometry, typeset

TEMPLATE = Path(__file__).with_name("slides_template.typ")
KEY_FIGURES = ("placement_rate", "active", "waiting", "job_starts")
COHORT_QUARTERS = 8


@dataclass(frozen=True)
class SlidesData:
    """Every figure of the slides, protected; `document` only lays them out."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    chosen: kpis.Filters
    scope: str  # "Vejle", "Alle kommuner · Udbredelse af IPS ..." as the filter bar says it
    as_of: dt.date
    demo: bool
    threshold: int
    now: pd.Series
    before: pd.Series
    region: pd.Series | None  # the whole region, when a municipality or grant is chosen
    months: pd.DataFrame
    events: pd.DataFrame
    funnel: outcomes.Funnel
    cohorts: pd.DataFrame
    outlooks: list[tuple[str, grants.Outlook]]  # (grant title, outlook) of each grant in view
    summary: list[str]
    targets: tuple[targets.Target, ...]


def check(extract: data.Extract, start: dt.date, end: dt.date) -> None:
    """A ReportError for a period the slides cannot be made for."""
    if end < start:
        raise ReportError(f"perioden slutter ({end.isoformat()}) før den begynder ({start.isoformat()})")
    as_of = catalog.span(extract)[1]
    if start > as_of:
        raise ReportError(f"perioden begynder efter udtrækkets data, som går til og med {fmt.date_long(as_of)}")


def build(
    extract: data.Extract, start: dt.date, end: dt.date, chosen: kpis.Filters | None = None,
    *, min_count: int, previous: tuple[dt.date, dt.date] | None = None,
) -> SlidesData:
    """Every figure of the slides of `chosen` for [start, end], small numbers hidden.

    `previous` is the period compared with (the filter bar's); by default as the funder report
    chooses it: as many days, or whole months, before, never a whole period against a partial one.
    """
    chosen = chosen or kpis.Filters()
    check(extract, start, end)
    as_of = catalog.span(extract)[1]
    if previous is None:
        covered = min(end, as_of)
        prev = filters.Selection(start, covered, chosen, partial=filters.is_partial(covered, as_of)).previous()
        previous = (prev.start, prev.end)
    now = kpis.kpi_table(extract, start, end, filters=chosen, min_count=min_count).iloc[0]
    before = kpis.kpi_table(extract, *previous, filters=chosen, min_count=min_count).iloc[0]
    everyone = kpis.Filters(target_group=chosen.target_group, variant=chosen.variant)
    region = None
    if chosen.municipalities or chosen.grants:
        region = kpis.kpi_table(extract, start, end, filters=everyone, min_count=min_count).iloc[0]
    trend_start = min(start, filters.add_months(end, -23).replace(day=1))
    months = kpis.kpi_table(extract, trend_start, end, by="month", filters=chosen, min_count=min_count)
    names, titles = catalog.municipality_names(extract), catalog.grant_titles(extract)
    on = min(end, as_of)
    outlooks = []
    one = chosen.municipalities[0] if len(chosen.municipalities) == 1 else None
    for grant_id in chosen.grants or tuple(titles):
        try:
            outlooks.append((titles.get(grant_id, grant_id), grants.grant_outlook(extract, on, grant_id, one)))
        except KeyError:
            continue  # the municipality has neither budget nor spending in this grant
    return SlidesData(
        start=start,
        end=end,
        previous_start=previous[0],
        previous_end=previous[1],
        chosen=chosen,
        scope=scope_text(chosen, names, titles),
        as_of=as_of,
        demo=extract.demo,
        threshold=min_count,
        now=now,
        before=before,
        region=region,
        months=months,
        events=events.events_in(extract, trend_start, end, chosen),
        funnel=outcomes.funnel(extract, start, end, chosen, min_count=min_count),
        cohorts=cohorts.cohort_table(
            extract, outcomes.quarters_start(start, end, quarters=COHORT_QUARTERS), end, filters=chosen,
            min_count=min_count,
        ),
        outlooks=outlooks,
        summary=summary.sentences(extract, start, end, chosen, min_count=min_count, previous=previous),
        targets=targets.current()[0],
    )


def scope_text(chosen: kpis.Filters, names: dict[int, str], titles: dict[str, str]) -> str:
    """The scope in words: "Vejle, Odense", "Hele regionen", with the grant and target group."""
    parts = [", ".join(names.get(m, str(m)) for m in chosen.municipalities) or "Hele regionen"]
    parts += [titles.get(g, g) for g in chosen.grants]
    parts += [p for p in (chosen.target_group, chosen.variant) if p]
    return " · ".join(parts)


# --- Layout --------------------------------------------------------------------------------------


def show(key: str, value) -> str:
    """A figure as the slides print it: formats.show, days with their unit."""
    text = formats.show(key, value)
    return f"{text} {texts.UNITS[texts.DAYS]}" if texts.kind(key) == texts.DAYS and text != fmt.MISSING else text


def _card(d: SlidesData, key: str) -> dict:
    value = d.now[key]
    lines = []
    if key == "placement_rate" and summary.shown(d.now.get(f"{key}_low")):
        lines.append(f"95 %-interval {fmt.interval(d.now[f'{key}_low'], d.now[f'{key}_high'])}")
    if summary.shown(d.before[key]):
        lines.append(f"Perioden før: {show(key, d.before[key])}")
    if d.region is not None and summary.shown(d.region[key]):
        lines.append(f"Hele regionen: {show(key, d.region[key])}")
    target = targets.find(d.targets, key, d.chosen.municipalities, d.chosen.grants)
    state = targets.status(value, target)
    status = None
    if state is not None:
        status = {"text": f"{targets.STATUS_TEXT[state]} (mål {show(key, target.value)})",
                  "color": {"met": "#2E7D32", "close": theme.ACCENT, "not_met": "#C62828"}[state]}
    return {"label": texts.label(key), "value": show(key, value), "lines": lines, "status": status}


def _trend(d: SlidesData) -> dict:
    months = [fmt.as_date(m) for m in d.months["period_start"]]
    marks, explained = geometry.event_marks(months, d.events)
    values = {k: geometry.numbers(d.months[k]) for k in ("active", "waiting")}
    highest = max([1.0, *(v for vs in values.values() for v in vs if v is not None)])
    ticks = geometry.nice_ticks(highest * 1.05)
    series = [{"name": texts.label(k), "color": theme.SERIES[i], "values": values[k], "markers": True}
              for i, k in enumerate(values)]
    chart = geometry.line_chart(
        "Aktive forløb og venteliste ved månedens udgang",
        months,
        series,
        [{"v": t, "label": fmt.number(t)} for t in ticks],
        ticks[-1],
        shade=geometry.shade(months, d.start, d.end),
        height=150,
        max_ticks=6,
        marks=marks,
    )
    return {"chart": chart, "events": explained}


def _funnel(d: SlidesData) -> dict:
    f = d.funnel
    points = f.points.sort_values("placement_rate", ascending=False)
    rows = [
        {"cells": [str(r["municipality"]), fmt.number(r["active_in_period"]),
                   f"{fmt.percent(r['placement_rate'])} {fmt.interval(r['placement_rate_low'], r['placement_rate_high'])}",
                   str(r["position_text"])],
         "strong": int(r["municipality_code"]) in d.chosen.municipalities,
         "flag": r["position"] not in ("inside", None)}
        for _, r in points.iterrows()
    ]  # fmt: skip
    region = "skjult (små tal)" if f.region_rate is None else fmt.percent(f.region_rate)
    return {
        "columns": ["Kommune", texts.label("active_in_period"), texts.label("placement_rate"), "Placering i tragten"],
        "rows": rows,
        "note": f"Regionens andel: {region}. " + outcomes.funnel_summary(f),
    }


def _cohorts(d: SlidesData) -> dict:
    shown = cohorts.shown_table(d.cohorts, cohorts.DEFAULT_WITHIN)
    return {
        "columns": list(shown.columns),
        "rows": shown.astype(str).values.tolist(),
        "note": texts.definition("cohort_rate"),
    }


def _pace(d: SlidesData) -> dict:
    rows = []
    texts_ = []
    for title, o in d.outlooks:
        use = None if not o.budget_dkk else o.spent_dkk / o.budget_dkk
        rows.append({
            "cells": [title, fmt.dkk(o.budget_dkk) if o.budget_dkk is not None else fmt.MISSING, fmt.dkk(o.spent_dkk),
                      fmt.MISSING if use is None else fmt.percent(use), fmt.date_medium(o.end), o.short],
            "flag": o.tone == "warning",
        })  # fmt: skip
        if o.tone == "warning":
            texts_.append(f"{title}: {grants.outlook_text(o)}")
    return {
        "columns": ["Bevilling", "Budget", "Forbrugt", "Forbrugsgrad", "Slutdato", "Pengene rækker"],
        "rows": rows,
        "notes": texts_ or ["Ingen bevilling i udvalget slipper op før sin slutdato med forbruget i de seneste 90 dage."],
    }


def document(d: SlidesData) -> dict:
    """The slides as slides_template.typ reads them: every text and figure formatted here."""
    period = fmt.period(d.start, d.end)
    colours = {
        "primary": theme.PRIMARY, "comparison": theme.COMPARISON, "accent": theme.ACCENT, "text": theme.TEXT,
        "muted": theme.MUTED_TEXT, "grid": theme.GRID, "axis": theme.AXIS_LINE, "highlight": theme.HIGHLIGHT,
        "background2": theme.SECONDARY_BACKGROUND, "border": theme.BORDER,
    }  # fmt: skip
    return {
        "meta": {"title": f"Styregruppemøde: IPS, {d.scope}, {period}", "author": "IPS-styringsdashboardet"},
        "fonts": list(typeset.FONTS),
        "colors": colours,
        "scope": d.scope,
        "period": period,
        "compared": f"Sammenlignet med {fmt.period(d.previous_start, d.previous_end)}",
        "footer": f"IPS · {d.scope} · {period}" + (" · Demodata" if d.demo else ""),
        "cards": [_card(d, k) for k in KEY_FIGURES],
        # The rate's change in words, under the cards: the slide's one message.
        "headline": next((s for s in d.summary if s.startswith(texts.label("placement_rate"))), None),
        "trend": _trend(d),
        "funnel": _funnel(d),
        "cohorts": _cohorts(d),
        "pace": _pace(d),
        "summary": d.summary or ["Ingen bemærkninger til tallene i perioden."],
        "closing": [
            f"Data til og med {fmt.date_long(d.as_of)}.",
            texts.SMALL_NUMBERS.format(t=d.threshold, t_minus=d.threshold - 1) if d.threshold > 0
            else "Alle tal er vist præcist (grænsen for små tal er slået fra).",
            "Tallene er de samme som i IPS-styringsdashboardet og python -m ipsdash for samme udvalg og periode.",
            *([texts.DEMO_NOTICE] if d.demo else []),
        ],
    }


def to_pdf(d: SlidesData) -> bytes:
    """The slides as a 16:9 PDF/A-2b, fonts embedded."""
    return typeset.compile_pdf(TEMPLATE, document(d))


def pdf(extract: data.Extract, start: dt.date, end: dt.date, chosen: kpis.Filters | None = None,
        *, min_count: int, previous: tuple[dt.date, dt.date] | None = None) -> bytes:
    return to_pdf(build(extract, start, end, chosen, min_count=min_count, previous=previous))


def file_name(start: dt.date, end: dt.date) -> str:
    return f"styregruppe_{start.isoformat()}_{end.isoformat()}.pdf"
