"""Overblik: the headline figures of the chosen period and the trends behind them."""

import streamlit as st

from ipsdash import charts
from ipsdash.app import ui
from ipsdash.figures import filters, kpis, outcomes, summary

sel = ui.selection()
ui.page_header("Overblik")
prev = sel.previous()
trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
window = sel.months or 12  # the rate's trend: periods as long as the chosen one
# Every KPI question of the page's figures at once: the summary's (the cards' period and the one
# before among them), the monthly trend's and the rolling rate's.
ui.prefetch(
    *summary.questions(sel.start, sel.end, sel.filters, (prev.start, prev.end)),
    kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
    outcomes.rolling_questions(sel.end, window, filters=sel.filters),
)

now = ui.call(kpis.kpi_table, sel.start, sel.end, filters=sel.filters).iloc[0]
before = ui.call(kpis.kpi_table, prev.start, prev.end, filters=sel.filters).iloc[0]
# With municipalities chosen, the region's rate beside theirs (rates only: counts do not compare).
region = None
if sel.filters.municipalities:
    rates = ui.comparison_rates(sel.start, sel.end, sel.filters)
    region = rates[rates["municipality_code"].isna()].iloc[0]["placement_rate"]

ui.summary()
st.caption(sel.compared_with())
row1 = st.columns(4)
ui.metric(row1[0], "active", now, before)
ui.metric(row1[1], "waiting", now, before, lower_is_better=True)
ui.metric(row1[2], "placement_rate", now, before, region=region)
ui.metric(row1[3], "job_starts", now, before)

months = ui.call(kpis.trend, sel.start, sel.end, since=trend_start, filters=sel.filters)
rolling = ui.call(outcomes.rolling_rate, sel.end, window, filters=sel.filters)

left, right = st.columns(2)
with left:
    st.markdown("**Aktive forløb og venteliste ved månedens udgang**")
    ui.chart(charts.monthly_counts, months, ["active", "waiting"], shade=(sel.start, sel.end),
             needs=(months, ["active", "waiting"]))
with right:
    st.markdown(f"**Andel i job eller uddannelse, {window} måneder til og med hver måned**")
    ui.chart(charts.monthly_rate, rolling, shade=(sel.start, sel.end), needs=(rolling, ["placement_rate"]))
st.caption(
    f"Andelen tegnes som kortet: hvert punkt er andelen over de {window} måneder, der slutter med punktets måned, "
    "så det sidste punkt er kortets tal. Den markerede flade er den valgte periode."
)

row2 = st.columns(4)
ui.metric(row2[0], "referrals", now, before)
ui.metric(row2[1], "enrollments", now, before)
ui.metric(row2[2], "waiting_days_median", now, before, lower_is_better=True)
ui.metric(row2[3], "active_in_period", now, before)

ui.slides_download()
ui.downloads(
    "overblik",
    {"Nøgletal": ui.kpi_export(now, before), "Måned for måned": months, "Andel, løbende": rolling},
)
ui.definitions(list(kpis.FIGURES))
