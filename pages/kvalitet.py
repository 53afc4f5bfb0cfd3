"""Kvalitet: how faithfully the municipalities run IPS (fidelity reviews against the contract's
levels) and whether their consultants are trained. Both tables are optional in the contract."""

import streamlit as st

from ipsdash import charts, contract, fmt, intake, texts, ui

sel = ui.selection()
ui.page_header("Kvalitet")
chosen = sel.filters.municipalities
ex = ui.extract()
st.caption(
    "Fidelitet og bemanding gælder kommunens IPS-indsats som helhed: her gælder kun valget af kommuner og "
    f"periodens slutning ({ui.period_text(sel.end, sel.end)})."
)

planned = ui.call(intake.not_started, sel.end, chosen)
if planned:
    st.info(texts.NOT_STARTED.format(names=", ".join(fmt.plain(n) for n in planned)), icon=":material/schedule:")
    if len(planned) == len(chosen):  # only municipalities without IPS: nothing to draw
        st.stop()

tables = {}

# --- Fidelity ---------------------------------------------------------------------------------------------
st.subheader("Fidelitet efter IPS-25-skalaen")
if ex.has("fidelity_reviews"):
    reviews = ui.call(intake.fidelity_reviews, sel.end, chosen)
    latest = ui.call(intake.fidelity_latest, sel.end, chosen)
    reviewed = sorted(reviews["municipality"].unique())
    if reviewed:
        ui.chart(charts.fidelity_scores, reviews, contract.FIDELITY_LEVELS, reviewed)
        st.caption(
            "Hver prik er en fidelitetsmåling; de farvede bånd er niveauerne: 115–125 eksemplarisk, "
            "100–114 god, 74–99 rimelig, 25–73 ikke IPS."
        )
    else:
        st.info(texts.NO_REVIEWS_CHOSEN, icon=":material/info:")
    st.markdown(f"**Seneste måling til og med {ui.period_text(sel.end, sel.end)}**")
    ui.show_table(
        ui.target_column(ui.figure_table(
            latest,
            ["review_date", "fidelity", "previous_fidelity", "fidelity_change"],
            first={"municipality": "Kommune", "fidelity_level": "Niveau"},
        ), latest, "fidelity"),
        text_columns=2,
    )
    tables["Seneste fidelitetsmåling"] = latest
    tables["Alle fidelitetsmålinger"] = reviews
else:
    st.info(texts.NO_FIDELITY, icon=":material/info:")

# --- Consultants -----------------------------------------------------------------------------------------
st.subheader("IPS-konsulenter og deres uddannelse")
if ex.has("staffing"):
    trend_start = ui.call(intake.trend_start, sel.start, sel.end, chosen)
    ui.prefetch(intake.staffing_questions(chosen, sel.end, (trend_start, sel.end)))
    load = ui.call(intake.caseload_by_month, trend_start, sel.end, chosen)
    staffing = ui.call(intake.staffing_by_municipality, sel.end, chosen)
    st.markdown("**Uddannede konsulenter og konsulenter under uddannelse pr. måned**")
    ui.chart(charts.monthly_counts, load, ["consultants_trained", "consultants_in_training"],
             shade=(sel.start, sel.end))
    st.caption("Antal personer; for flere kommuner summen. Den markerede flade er den valgte periode.")
    st.markdown(f"**Konsulenter pr. kommune, {ui.period_text(sel.end, sel.end)}**")
    ui.show_table(
        ui.figure_table(
            staffing,
            ["consultants_fte", "consultants_trained", "consultants_in_training"],
            first={"municipality": "Kommune"},
        )
    )
    tables["Konsulenter pr. måned"] = load[
        ["period_start", "consultants_fte", "consultants_trained", "consultants_in_training"]
    ]
    tables["Konsulenter pr. kommune"] = staffing[
        ["municipality_code", "municipality", "consultants_fte", "consultants_trained", "consultants_in_training"]
    ]
else:
    st.info(texts.NO_STAFFING, icon=":material/info:")

if tables:
    ui.downloads("kvalitet", tables)
ui.definitions(
    [
        "fidelity",
        "fidelity_level",
        "review_date",
        "previous_fidelity",
        "fidelity_change",
        "consultants_fte",
        "consultants_trained",
        "consultants_in_training",
    ]
)
