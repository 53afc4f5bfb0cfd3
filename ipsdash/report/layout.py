"""The funder's report laid out: every text, table and chart formatted (formats.py, fmt) into the
data the Typst template `report_template.typ` reads, and compiled into a PDF (typeset.py).

Charts are drawn by Typst itself (lines and bars from the protected figures), not by Plotly
through a headless browser: a report must come out on a machine with no Chromium, in well
under two seconds, with the same font as its text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ipsdash import fmt, texts, theme
from ipsdash.extract import data
from ipsdash.figures import cohorts, grants, outcomes
from ipsdash.report.formats import printed_change, show, show_change, show_rate
from ipsdash.report.gather import ReportData, build
from ipsdash.report.geometry import event_marks, hex_colour, line_chart, nice_ticks, numbers, shade
from ipsdash.report.sheets import COURSE_FIGURES, MONEY_FIGURES, defined_terms, key_figures, small_numbers, tables
from ipsdash.report.typeset import FONTS, compile_pdf

TEMPLATE = Path(__file__).with_name("report_template.typ")

# The columns of the PDF's municipality table and funding table, in order.
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
# The figures the PDF's tables show (the key table, municipalities, funding, categories).
PDF_TERMS = (
    *(k for group in COURSE_FIGURES.values() for k in group), *MONEY_FIGURES, *MUNICIPALITY_FIGURES,
    *FUNDING_FIGURES, "spending_share", *grants.CATEGORY_COLUMNS.values(),
)


def _label(key: str) -> str:
    return texts.label(key)


def _hidden_note(threshold: int) -> str:
    return (
        f"<{threshold}: 1–{threshold - 1} forløb; tallet er skjult efter reglen om små tal. "
        f"{fmt.MISSING}: skjult for at beskytte et andet tal eller en andel over få forløb, "
        "eller der er ingen forløb at beregne af."
    )


def _count_chart(d: ReportData) -> dict:
    months = [fmt.as_date(m) for m in d.months["period_start"]]
    series = []
    highest = 1.0
    gaps = False
    for i, key in enumerate(("active", "waiting")):
        values = numbers(d.months[key])
        gaps |= any(v is None for v in values)
        highest = max([highest, *(v for v in values if v is not None)])
        series.append({"name": texts.label(key), "color": theme.SERIES[i], "values": values, "markers": True})
    ticks = nice_ticks(highest * 1.05)
    notes = []
    if gaps:
        notes.append("Huller i en linje er måneder, hvor tallet er skjult efter reglen om små tal.")
    marks, explained = _events(d, months)
    return line_chart(
        "Aktive forløb og venteliste ved månedens udgang",
        months,
        series,
        [{"v": t, "label": fmt.number(t)} for t in ticks],
        ticks[-1],
        notes=notes + explained,
        shade=shade(months, d.start, d.end),
        height=165,
        max_ticks=4,
        marks=marks,
    )


def _events(d: ReportData, months: list[dt.date]) -> tuple[list[dict], list[str]]:
    return event_marks(months, d.events) if d.events is not None else ([], [])


def _rate_chart(d: ReportData) -> dict:
    months = [fmt.as_date(m) for m in d.months["period_start"]]
    rate = numbers(d.months["placement_rate"])
    ticks = [i / 5 for i in range(6)]
    notes = ["Hver måned er sin egen periode: aktive forløb i måneden, og job eller uddannelse, der lå i måneden."]
    if any(v is None for v in rate):
        notes.append("Huller i linjen er måneder, hvor andelen er skjult efter reglen om små tal.")
    marks = _events(d, months)[0]
    if marks:
        notes.append("Hændelserne er nummereret som i figuren til venstre.")
    series = [
        {
            "name": texts.label("placement_rate"),
            "legend": "Andel",
            "color": theme.PRIMARY,
            "values": rate,
            "band_low": numbers(d.months["placement_rate_low"]),
            "band_high": numbers(d.months["placement_rate_high"]),
            "band_color": hex_colour(theme.BAND),
        }
    ]
    return line_chart(
        "Andel i job eller uddannelse pr. måned",
        months,
        series,
        [{"v": t, "label": fmt.percent(t)} for t in ticks],
        1.0,
        notes=notes,
        shade=shade(months, d.start, d.end),
        label_width=30,
        height=165,
        max_ticks=4,
        marks=marks,
    )


def _spending_chart(d: ReportData) -> dict:
    df = d.spending_by_month
    if df.empty:
        return {"type": "paragraph", "text": f"Bevillingen har ingen posteringer til og med {fmt.date_long(d.end)}."}
    months = [fmt.as_date(m) for m in df["period_start"]]
    spent = numbers(df["spent_dkk"])
    top = max([d.grant.amount_dkk, *(v for v in spent if v is not None)])
    ticks = nice_ticks(top * 1.08 / 1_000_000, whole=False)
    # As few decimals as the ticks need: 0,25 mio. must not print as 0,3 mio.
    decimals = next(n for n in range(4) if all(abs(t * 10**n - round(t * 10**n)) < 1e-6 for t in ticks))
    return line_chart(
        "Forbrug af bevillingen til dato",
        months,
        [{"name": "Forbrugt i alt", "color": theme.PRIMARY, "values": spent, "markers": len(months) <= 36}],
        [{"v": t * 1_000_000, "label": "0" if t == 0 else f"{fmt.number(t, decimals)} mio."} for t in ticks],
        ticks[-1] * 1_000_000,
        notes=["Summen af posteringer ved hver måneds udgang, i kr. Negative posteringer er rettelser."],
        shade=shade(months, d.start, d.end),
        reference={"v": d.grant.amount_dkk, "label": f"Bevilget {fmt.dkk(d.grant.amount_dkk)}", "name": "Bevilget"},
        label_width=42,
    )


def _budget_chart(d: ReportData) -> dict:
    fund = d.funding_by_municipality
    budgets = numbers(fund["budget_dkk"])
    spent = numbers(fund["spent_dkk"])
    top = max([1.0, *(v for v in budgets + spent if v is not None)])
    ticks = nice_ticks(top, count=4)
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
    """The grant's courses by enrollment quarter: placed within 6, 12 and 18 months (ipsdash/figures/cohorts.py)."""
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
                {"type": "paragraph", "text": small_numbers(d.threshold)},
                {"type": "subheading", "text": "Begreber"},
                {
                    "type": "definitions",
                    "items": [{"label": texts.label(k), "text": texts.definition(k)} for k in defined_terms(PDF_TERMS)],
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


def to_pdf(d: ReportData) -> bytes:
    """The report as an A4 PDF/A-2b, fonts embedded, page numbers "Side X af Y"."""
    return compile_pdf(TEMPLATE, document(d))


# --- For the dashboard (ui.call caches these on the extract's version) ---------------------


def pdf(extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, *, min_count: int) -> bytes:
    return to_pdf(build(extract, grant_id, start, end, min_count=min_count))
