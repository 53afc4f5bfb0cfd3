"""Forløb over tid: of the courses that started in a quarter, how many came into job or education
within 6, 12 and 18 months, against the Danish IPS trial; and how fast, per year of start."""

import streamlit as st

from ipsdash import charts, fmt, texts
from ipsdash.app import ui
from ipsdash.figures import catalog, cohorts, filters, outcomes

sel = ui.selection()
ui.page_header("Forløb over tid")
_, as_of = ui.call(catalog.span)
# Twelve quarters up to the period's end (or from its start, if earlier): a cohort needs 18
# months before its share can be shown, so the chosen period alone would often show none.
start = outcomes.quarters_start(sel.start, sel.end, quarters=12)
within = cohorts.DEFAULT_WITHIN
table = ui.call(cohorts.cohort_table, start, sel.end, within=within, filters=sel.filters)
trial = [r for r in outcomes.REFERENCES if r.source == "danish_trial"]
source = outcomes.source("danish_trial")

st.subheader("Andel i job eller uddannelse efter opstartskvartal")
st.caption(
    f"Forløb startet fra {fmt.date_long(start)} til {fmt.date_long(sel.end)}, efter det kvartal, de startede i. "
    "Hver linje er andelen, hvis første job eller uddannelse begyndte inden for 6, 12 eller 18 måneder efter "
    "opstarten; de lodrette streger er 95 %-intervallet."
)
rates = cohorts.long_rates(table, within)
# No rate shown (a small or new municipality): say so, never an empty axis (issue 19).
ui.chart(charts.cohort_rates, rates, trial, source.name, end=sel.end, needs=(rates, ["rate"]), key="forloeb_cohorts")
missing = cohorts.unfollowed(table, within)
if missing:
    st.caption(texts.NOT_FOLLOWED.format(
        quarters="; ".join(
            # The cohorts not yet followed are always the newest ones: name the first of them.
            f"{n} mdr. fra {fmt.quarter_label(min(days))}" for n, days in missing.items()
        ),
        as_of=fmt.date_long(as_of),
    ))
st.caption(f"Forsøgets linjer: {source.citation} {source.measure}")
ui.show_table(cohorts.shown_table(table, within, hidden=fmt.HIDDEN))
ui.marks_note(f"«{cohorts.NOT_FOLLOWED_TEXT}»: årgangen er endnu ikke fulgt så længe. ")
latest = cohorts.latest_followed(table, cohorts.TRIAL_MONTHS)
if latest is not None:
    ui.target_status(st, f"rate_{cohorts.TRIAL_MONTHS}m", latest[f"rate_{cohorts.TRIAL_MONTHS}m"])

st.subheader(texts.label("cohort_curve"))
curve_start = filters.add_months(start, -(start.month - 1))  # whole years of start
curve = ui.call(cohorts.curve, curve_start, sel.end, filters=sel.filters)
ui.chart(charts.cohort_curves, curve, trial, source.name, cohorts.TRIAL_MONTHS, needs=(curve, ["rate"]),
         key="forloeb_curve")
st.caption(
    "Hver linje er en årgang: forløb startet i samme kalenderår. Linjen stopper, hvor årgangen endnu ikke er "
    "fulgt længere; et hul betyder, at andelen er skjult (små tal). Forsøgets tal er markeret ved 18 måneder."
)

ui.downloads(
    "forloeb",
    {
        "Årgange pr. kvartal": table[["cohort_start", *cohorts.columns(within)]],
        "Tid til første job": curve,
        "Sammenligningstal": outcomes.references_table(),
    },
)
ui.definitions(["cohort_enrolled", "cohort_rate", "cohort_curve"])
