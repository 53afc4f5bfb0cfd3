"""Indskrivning og venteliste: who is referred and started, how long they wait, why courses end,
and whether the consultants have room (caseload against the fidelity limit of 20)."""

import streamlit as st

from ipsdash import charts, fmt, texts
from ipsdash.app import ui
from ipsdash.extract import contract
from ipsdash.figures import intake, kpis

sel = ui.selection()
ui.page_header("Indskrivning og venteliste")
chosen = sel.filters.municipalities
prev = sel.previous()

planned = ui.call(intake.not_started, sel.end, chosen)
if planned:
    st.info(texts.NOT_STARTED.format(names=", ".join(fmt.plain(n) for n in planned)), icon=":material/schedule:")
    if len(planned) == len(chosen):  # only municipalities without IPS: nothing to draw
        st.stop()

trend_start = ui.call(intake.trend_start, sel.start, sel.end, chosen)
asks = [
    kpis.questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
    kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
    intake.breakdown_questions(sel.start, sel.end, sel.filters),
]
if ui.extract().has("staffing"):
    asks.append(intake.staffing_questions(chosen, sel.end, (sel.start, sel.end), (prev.start, prev.end), (trend_start, sel.end)))
ui.prefetch(*asks)

# --- Headline cards: the period against the one before --------------------------------------------
now = ui.call(kpis.kpi_table, sel.start, sel.end, filters=sel.filters).iloc[0]
before = ui.call(kpis.kpi_table, prev.start, prev.end, filters=sel.filters).iloc[0]
# The caseload of the period's last month, and of the one before's, from the months of the chart.
months_load = ui.call(intake.caseload_by_month, trend_start, sel.end, chosen)
load_now = months_load.iloc[-1]
load_before = intake.month_ending(months_load, prev.end)
if load_before is None:
    load_before = ui.call(intake.caseload_by_month, prev.start, prev.end, chosen).iloc[-1]

st.caption(sel.compared_with())
row1 = st.columns(4)
ui.metric(row1[0], "waiting", now, before, lower_is_better=True)
ui.metric(row1[1], "waiting_days_median", now, before, lower_is_better=True)
ui.metric(row1[2], "referrals", now, before)
ui.metric(row1[3], "enrollments", now, before)

# --- Month by month ---------------------------------------------------------------------------------
months = ui.call(kpis.trend, sel.start, sel.end, since=trend_start, filters=sel.filters)

left, right = st.columns(2)
with left:
    st.markdown("**Henvisninger, opstartede og afsluttede forløb pr. måned**")
    flows = ["referrals", "enrollments", "exits"]
    ui.chart(charts.monthly_counts, months, flows, shade=(sel.start, sel.end), needs=(months, flows))
with right:
    st.markdown("**Venteliste og aktive forløb ved månedens udgang**")
    ui.chart(charts.monthly_counts, months, ["waiting", "active"], shade=(sel.start, sel.end),
             needs=(months, ["waiting", "active"]))

row2 = st.columns(4)
ui.metric(row2[0], "exits", now, before)
ui.metric(row2[1], "waiting_days_p90", now, before, lower_is_better=True)
ui.metric(row2[2], "active", now, before)
ui.metric(row2[3], "caseload", load_now, load_before, lower_is_better=True)

left, right = st.columns(2)
with left:
    st.markdown("**Ventetid fra henvisning til opstart**")
    ui.chart(charts.monthly_days, months, ["waiting_days_median", "waiting_days_p90"], shade=(sel.start, sel.end),
             needs=(months, ["waiting_days_median"]))
    st.caption("For forløb opstartet i måneden. Halvdelen ventede højst medianen; 9 ud af 10 højst 90 %-fraktilen.")
with right:
    st.markdown(f"**Forløb pr. konsulent (årsværk) mod fidelitetsgrænsen på {contract.CASELOAD_LIMIT}**")
    if ui.extract().has("staffing"):
        load = months_load
        limit = f"Højst {contract.CASELOAD_LIMIT} (IPS-fidelitet)"
        ui.chart(charts.monthly_caseload, load, contract.CASELOAD_LIMIT, limit, shade=(sel.start, sel.end),
                 needs=(load, ["caseload"]))
        note = intake.caseload_note(load)
        st.caption(
            "Aktive forløb ved månedens udgang divideret med månedens konsulentårsværk; for flere kommuner "
            "summen af begge. " + texts.ONLY_MUNICIPALITY_FILTER + (f" {note}" if note else "")
        )
    else:
        load = None
        st.info(texts.NO_STAFFING, icon=":material/info:")
st.caption("Den markerede flade er den valgte periode.")

# --- Why courses end ------------------------------------------------------------------------------------
st.subheader("Afslutninger efter årsag")
exits = ui.call(intake.exits_by_reason, sel.start, sel.end, sel.filters)
reasons = intake.exit_reasons_in_period(exits)
left, right = st.columns([3, 2])
with left:
    st.markdown("**Afsluttede forløb pr. måned i perioden**")
    ui.chart(charts.monthly_stacked, exits.iloc[:-1], list(intake.EXIT_COLUMNS), "exits", ui.threshold(),
             needs=(exits, list(intake.EXIT_COLUMNS)))
    st.caption(
        "Både afslutninger fra ventelisten og efter opstart. Årsager med små tal er samlet i den skraverede del."
    )
with right:
    st.markdown(f"**Hele perioden: {ui.display('exits', exits['exits'].iloc[-1])} afsluttede forløb**")
    ui.show_table(ui.figure_table(reasons, ["exits", "exit_share"], first={"exit_reason": "Årsag"}))

# --- Caseload per municipality, on the period's last day ------------------------------------------------
if load is not None:
    st.subheader(f"Bemanding og forløb pr. konsulent, {ui.period_text(sel.end, sel.end)}")
    staffing = ui.call(intake.staffing_by_municipality, sel.end, chosen)
    ui.show_table(ui.figure_table(staffing, ["active", "consultants_fte", "caseload", "above_limit"],
                                  first={"municipality": "Kommune"}))
    ui.marks_note(f"»Over grænsen«: flere end {contract.CASELOAD_LIMIT} forløb pr. konsulentårsværk. ")

# --- Who is referred ---------------------------------------------------------------------------------------
st.subheader("Hvem henvises og starter")
groups = ui.call(intake.breakdowns, sel.start, sel.end, sel.filters)
ui.show_table(
    ui.figure_table(groups, list(intake.BREAKDOWN_FIGURES), first={"breakdown": "Opdeling", "group": "Gruppe"}),
    text_columns=2,
)
st.caption("Perioden under ét. Venteliste og aktive forløb er opgjort ved periodens slutning.")

tables = {
    "Nøgletal": ui.kpi_export(now, before),
    "Måned for måned": months,
    "Afslutninger efter årsag": exits,
    "Opdelinger": groups,
}
if load is not None:
    tables["Forløb pr. konsulent"] = load
    tables["Bemanding pr. kommune"] = staffing
ui.downloads("venteliste", tables)
ui.definitions(
    [
        "referrals",
        "enrollments",
        "exits",
        "waiting",
        "active",
        "waiting_days_median",
        "waiting_days_p90",
        "exits_by_reason",
        "exit_share",
        "caseload",
        "consultants_fte",
        "municipalities_without_staffing",
    ]
)
