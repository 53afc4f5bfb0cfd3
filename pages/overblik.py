"""Overblik: the headline figures of the chosen period and the trends behind them."""

import streamlit as st

from ipsdash import charts
from ipsdash.app import ui
from ipsdash.figures import filters, kpis

sel = ui.selection()
ui.page_header("Overblik")
prev = sel.previous()
trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
ui.prefetch(
    (
        sel.filters,
        [kpis.Question.of(sel.start, sel.end), kpis.Question.of(prev.start, prev.end),
         kpis.Question.of(trend_start, sel.end, "month")],
    )
)

now = ui.call(kpis.kpi_table, sel.start, sel.end, filters=sel.filters).iloc[0]
before = ui.call(kpis.kpi_table, prev.start, prev.end, filters=sel.filters).iloc[0]

ui.summary()
st.caption(sel.compared_with())
row1 = st.columns(4)
ui.metric(row1[0], "active", now, before)
ui.metric(row1[1], "waiting", now, before, lower_is_better=True)
ui.metric(row1[2], "placement_rate", now, before)
ui.metric(row1[3], "job_starts", now, before)
row2 = st.columns(4)
ui.metric(row2[0], "referrals", now, before)
ui.metric(row2[1], "enrollments", now, before)
ui.metric(row2[2], "waiting_days_median", now, before, lower_is_better=True)
ui.metric(row2[3], "active_in_period", now, before)

months = ui.call(kpis.trend, sel.start, sel.end, since=trend_start, filters=sel.filters)

left, right = st.columns(2)
with left:
    st.markdown("**Aktive forløb og venteliste ved månedens udgang**")
    ui.chart(charts.monthly_counts, months, ["active", "waiting"], shade=(sel.start, sel.end))
with right:
    st.markdown("**Andel i job eller uddannelse pr. måned**")
    ui.chart(charts.monthly_rate, months, shade=(sel.start, sel.end))
st.caption("Den markerede flade er den valgte periode. Hver måned er sin egen periode: aktive i måneden, "
           "og job eller uddannelse, der lå i måneden.")

ui.slides_download()
ui.downloads(
    "overblik",
    {"Nøgletal": ui.kpi_export(now, before), "Måned for måned": months},
)
ui.definitions(list(kpis.FIGURES))
