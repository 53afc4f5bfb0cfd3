"""Kommuner: every municipality side by side with the region, fairly compared."""

import streamlit as st

from ipsdash import access, charts, fmt, texts
from ipsdash.app import ui
from ipsdash.figures import catalog, filters, kpis, outcomes

sel = ui.selection()
ui.page_header("Kommuner")
t = ui.threshold()
names = ui.call(catalog.municipality_names)
chosen = tuple(names[m] for m in sel.filters.municipalities if m in names)

if ui.extract().scope.role == access.MUNICIPALITY:
    # A municipality sees the others only as rates beside the region: no counts, so no funnel.
    own = tuple(names.values())
    rates = ui.comparison_rates(sel.start, sel.end, sel.filters)
    st.subheader("Andel i job eller uddannelse: kommunerne mod regionen")
    ui.chart(charts.rate_dots, rates, highlight=own)
    st.caption(
        "Prikken er kommunens andel, stregen dens 95 %-interval; den stiplede linje er regionens andel. "
        "Andre kommuner vises kun som andele. Kommuner, hvis andel er skjult på grund af små tal, er udeladt."
    )
    ui.show_table(
        ui.figure_table(rates, list(access.COMPARISON_FIGURES), first={"municipality": "Kommune"}),
        emphasise=rates["municipality"].isin(own),
        strong=rates["municipality_code"].isna(),
    )
    ui.downloads("kommuner", {"Andele pr. kommune": rates})
    ui.definitions(list(access.COMPARISON_FIGURES))
    st.stop()
st.caption(
    "Siden viser altid alle kommuner og regionen, med de øvrige filtre"
    + (f"; de valgte kommuner er fremhævet: {', '.join(fmt.plain(c) for c in chosen)}." if chosen else ".")
)

prev = sel.previous()
trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
ui.prefetch(
    outcomes.municipality_questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
    outcomes.monthly_by_municipality_questions(trend_start, sel.end, sel.filters),
)

# --- Funnel plot ---------------------------------------------------------------------------
st.subheader("Andel i job eller uddannelse: kommunerne mod regionen")
funnel = ui.call(outcomes.funnel, sel.start, sel.end, filters=sel.filters)
ui.chart(charts.funnel_plot, funnel, highlight=chosen)
st.markdown(fmt.plain(outcomes.funnel_summary(funnel)))
st.caption(texts.FUNNEL_NOTE)

# --- Every KPI ------------------------------------------------------------------------------
table = ui.call(outcomes.municipality_table, sel.start, sel.end, filters=sel.filters)
is_chosen = table["municipality_code"].isin(sel.filters.municipalities).fillna(False)
is_region = table["municipality_code"].isna()
planned = table["status"] == outcomes.STATUS_PLANNED
st.subheader("Resultater pr. kommune")
ui.show_table(
    ui.target_column(
        ui.figure_table(table, list(outcomes.RESULT_FIGURES), first={"municipality": "Kommune"}, not_started=planned),
        table,
        "placement_rate",
    ),
    emphasise=is_chosen,
    strong=is_region,
)
st.subheader("Forløb og venteliste pr. kommune")
ui.show_table(
    ui.figure_table(table, list(outcomes.COURSE_FIGURES),
                    first={"municipality": "Kommune", "status": texts.label("status")}, not_started=planned),
    emphasise=is_chosen,
    strong=is_region,
    text_columns=2,
)
ui.marks_note(f"Periode: {ui.period_text(sel.start, sel.end)}. Regionen er alle kommuner tilsammen. ")

# --- What changed ----------------------------------------------------------------------------
st.subheader("Hvad har ændret sig siden forrige periode")
changed = ui.call(outcomes.changes, sel.start, sel.end, prev.start, prev.end, filters=sel.filters)
ui.show_table(
    ui.figure_table(
        changed,
        ["placement_rate", "placement_rate_before", "placement_rate_change", "waiting", "waiting_before",
         "waiting_change"],
        first={"municipality": "Kommune"},
    ),
    emphasise=changed["municipality_code"].isin(sel.filters.municipalities).fillna(False),
    strong=changed["municipality_code"].isna(),
)
st.caption(f"{sel.compared_with()} En ændring vises kun, når begge tal vises.")

# --- Waiting lists ---------------------------------------------------------------------------
st.subheader("Venteliste ved månedens udgang")
monthly = ui.call(outcomes.monthly_by_municipality, trend_start, sel.end, filters=sel.filters)
ui.chart(charts.small_multiples, monthly, "waiting", t, highlight=chosen, start=sel.start, end=sel.end)
st.caption(
    "Alle kommuner på samme skala. Den markerede flade er den valgte periode; skraverede søjler er måneder "
    f"med færre end {t} på ventelisten, og en måned uden punkt er skjult, for at regionens tal for måneden "
    "ikke skal afsløre en anden kommunes små tal."
)

ui.downloads(
    "kommuner",
    {
        "Nøgletal pr. kommune": table,
        "Tragtdiagram": funnel.points,
        "Tragtens grænser": funnel.limits,
        "Ændringer": changed,
        "Venteliste pr. måned": monthly[["municipality_code", "municipality", "period_start", "waiting"]],
    },
)
ui.definitions(list(kpis.FIGURES) + ["funnel_limits", "status", "placement_rate_change", "waiting_change"])
