"""Job og uddannelse: how many came into ordinary job or education, how fast, for how many hours."""

import streamlit as st

from ipsdash import charts, fmt, texts
from ipsdash.app import ui
from ipsdash.figures import kpis, outcomes

sel = ui.selection()
ui.page_header("Job og uddannelse")
t = ui.threshold()
notice, nothing_yet = ui.call(outcomes.not_started, sel.end, filters=sel.filters)
if notice:
    st.info(notice, icon=":material/schedule:")
if nothing_yet:
    ui.definitions(["placement_rate", "job_rate", "education_rate", "job_starts", "days_to_first_placement_median"])
    st.stop()

prev = sel.previous()
quarters_from = outcomes.quarters_start(sel.start, sel.end)
trend_start = min(sel.start, quarters_from)
ui.prefetch(
    kpis.questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
    kpis.questions(sel.filters, (quarters_from, sel.end), by="quarter"),
    kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
)
now = ui.call(kpis.kpi_table, sel.start, sel.end, filters=sel.filters).iloc[0]
before = ui.call(kpis.kpi_table, prev.start, prev.end, filters=sel.filters).iloc[0]

st.caption(sel.compared_with())
row1 = st.columns(3)
ui.metric(row1[0], "placement_rate", now, before)
ui.metric(row1[1], "job_rate", now, before)
ui.metric(row1[2], "education_rate", now, before)

# --- The quarterly rate against published rates -----------------------------------------
quarters = ui.call(kpis.kpi_table, quarters_from, sel.end, by="quarter", filters=sel.filters)
st.markdown(f"**{texts.label('quarterly_placement_rate')}**", help=texts.definition("quarterly_placement_rate"))
names = {s.key: s.name for s in outcomes.SOURCES}
shown = st.session_state.get("job_references", list(names))  # the pills under the chart
references = [r for r in outcomes.REFERENCES if r.source in shown]
sources = [s for s in outcomes.SOURCES if s.key in shown]
ui.chart(charts.quarterly_rate, quarters, sel.end, references, sources, needs=(quarters, ["placement_rate"]),
         key="job_rate_by_quarter")
st.pills(
    "Sammenlign med",
    list(names),
    format_func=names.get,
    selection_mode="multi",
    default=list(names),
    key="job_references",
)
st.caption(
    "Hvert punkt er ét kvartal; det farvede bånd er 95 %-intervallet. Et kvartal uden punkt har for få forløb "
    f"til at vise andelen (små tal). Et kvartal markeret med * og en åben cirkel er kun talt til og med "
    f"{fmt.date_long(sel.end)}."
)
row2 = st.columns(3)
ui.metric(row2[0], "job_starts", now, before)
ui.metric(row2[1], "days_to_first_placement_median", now, before, lower_is_better=True)
ui.metric(row2[2], "active_in_period", now, before)
st.markdown(texts.QUARTER_VS_TRIAL)
with st.container(border=True):
    st.markdown("**Kilder til sammenligningstallene**")
    for s in outcomes.SOURCES:
        values = ", ".join(r.label for r in outcomes.REFERENCES if r.source == s.key)
        st.markdown(f"- **{s.name}** ({values}): {s.citation} *{s.measure}*")

# --- Starts and time to the first job ------------------------------------------------------
months = ui.call(kpis.trend, sel.start, sel.end, since=trend_start, filters=sel.filters)
left, right = st.columns(2)
with left:
    st.markdown(f"**{texts.label('job_starts')} pr. måned**")
    ui.chart(charts.monthly_bars, months, "job_starts", t, shade=(sel.start, sel.end), needs=(months, ["job_starts"]),
             key="job_starts_by_month")
    st.caption("Den markerede flade er den valgte periode.")
with right:
    st.markdown(f"**{texts.label('days_to_first_placement_median')} pr. kvartal**")
    ui.chart(charts.quarter_bars, quarters, "days_to_first_placement_median", t, sel.end,
             needs=(quarters, ["days_to_first_placement_median"]), key="job_days_by_quarter")
    st.caption(f"Medianen vises ikke for et kvartal med færre end {t} første starter.")

# --- Hours ---------------------------------------------------------------------------------
hours = ui.call(outcomes.hours_table, sel.start, sel.end, filters=sel.filters)
st.subheader(texts.label("job_hours"))
ui.chart(charts.hours_bars, hours, t, needs=(hours, ["courses"]), key="job_hours")
st.caption(
    f"Forløb i ordinært job i {ui.period_text(sel.start, sel.end)}, hvert forløb én gang med timerne i det "
    f"senest startede job. En søjle med færre end {t} vises skraveret som <{t}; en søjle uden tal er skjult "
    "for at beskytte en anden."
)

ui.downloads(
    "job",
    {
        "Nøgletal": ui.kpi_export(now, before),
        "Kvartaler": quarters,
        "Måned for måned": months,
        "Timer pr. uge": hours,
        "Sammenligningstal": outcomes.references_table(),
    },
)
ui.definitions(
    ["placement_rate", "job_rate", "education_rate", "job_starts", "days_to_first_placement_median",
     "quarterly_placement_rate", "active_in_period", "placed", "job_hours"]
)
