"""The funder report's tables as numbers, with figure keys as columns: the workbook's sheets
(workbook.py) and the source of the PDF's tables (layout.py), so the two never disagree."""

from __future__ import annotations

import pandas as pd

from ipsdash import fmt, texts
from ipsdash.figures import cohorts, grants, kpis, privacy
from ipsdash.report.formats import change
from ipsdash.report.gather import ReportData

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
TOTAL = "I alt"


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
    mun = mun[["municipality_code", "municipality", *kpis.FIGURES, *kpis.BEHIND]]

    fund = d.funding_by_municipality.copy()
    fund["municipality"] = [_municipality_name(d, c, n) for c, n in zip(fund["municipality_code"], fund["municipality"])]
    total = {"municipality_code": None, "municipality": TOTAL, **d.funding_total.drop("municipality_code").to_dict()}
    fund = pd.concat([fund, pd.DataFrame([total])], ignore_index=True).drop(columns="grant_id")

    cat = d.spending.copy()
    cat.insert(0, "Kategori", [_category_label(c) for c in cat.pop("category")])
    spent = float(cat["spent_dkk"].sum())
    cat["spending_share"] = privacy.round_rate(cat["spent_dkk"] / spent) if spent else None
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

    months = d.months[["period_start", "active", "waiting", *texts.of_kind(texts.RATE, kpis.FIGURES), "job_starts"]]
    terms = pd.DataFrame(
        [{"Begreb": texts.label(k), "Definition": texts.definition(k)}
         for k in defined_terms([*wide.columns, *mun.columns, *fund.columns, *cat.columns, *months.columns,
                                  *d.spending_by_month.columns])]
        + [{"Begreb": "Små tal", "Definition": small_numbers(d.threshold)}]
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


def defined_terms(used) -> list[str]:
    """The terms of `used` (figure keys a table shows) that have a definition, in the report's order."""
    keys = [k for group in COURSE_FIGURES.values() for k in group]
    keys += ["placement_rate_low", "placement_rate_high", "budget_dkk", *MONEY_FIGURES, "monthly_burn_dkk"]
    keys += ["projected_depletion", "spent_in_month_dkk", "spending_share", *grants.CATEGORY_COLUMNS.values()]
    return [k for k in dict.fromkeys(keys) if k in set(used)]


def small_numbers(threshold: int) -> str:
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
        ("Små tal", small_numbers(d.threshold)),
    ]
    if d.demo:
        rows.append(("Bemærk", texts.DEMO_NOTICE))
    return rows
