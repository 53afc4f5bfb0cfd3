"""Leverancer: how current each municipality's data are, who is late, what was delivered, and the check."""

import pandas as pd
import streamlit as st

from ipsdash import fmt, texts
from ipsdash.app import ui
from ipsdash.delivery import status, versions
from ipsdash.figures import catalog

sel = ui.selection()
ui.page_header("Leverancer")
st.caption(texts.DELIVERIES_INTRO)

_, as_of = ui.call(catalog.span)
fresh = ui.call(status.freshness, sel.filters.municipalities)
problems = ui.call(status.check_current)
log = status.history(min_count=ui.threshold())
where = versions.state()
late = status.late_municipalities(fresh)

cards = st.columns(3)
cards[0].metric("Forsinkede kommuner", fmt.number(len(late)), help=texts.definition("delivery_status"), border=True)
cards[1].metric(
    texts.label("contract_check"), status.check_text(problems), help=texts.definition("contract_check"), border=True
)
cards[2].metric(
    texts.label("last_delivery"), status.last_delivery_day(log), help=texts.definition("last_delivery"), border=True
)
st.caption(fmt.plain(status.status_line(where, log, as_of)))

st.subheader("Nyeste data pr. kommune")
if notice := status.late_notice(fresh, as_of):
    st.warning(fmt.plain(notice), icon=":material/schedule:")
ui.show_table(status.freshness_view(fresh), text_columns=2)

st.subheader("Leverancelog")
if where.stray:
    st.warning(texts.STRAY_TABLES.format(tables=", ".join(where.stray)), icon=":material/warning:")
if log.empty:
    st.info(texts.NO_DELIVERIES, icon=":material/info:")
else:
    st.dataframe(
        status.history_view(log),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(log) + 1) + 3, 420),
        column_config={"Rækker": st.column_config.TextColumn("Rækker", alignment="right")},
    )

st.subheader("Seneste kontrol")
if problems.empty:
    st.success(texts.CHECK_PASSED, icon=":material/check_circle:")
else:
    st.error(texts.CHECK_FAILED.format(n=len(problems)), icon=":material/error:")
    st.dataframe(problems[["text"]].rename(columns={"text": "Fejl"}), hide_index=True, width="stretch")

st.subheader("Tabeller i udtrækket")
tables = ui.call(catalog.tables)
table_view = pd.DataFrame(
    {
        "Tabel": tables["table"],
        "Indhold": [texts.TABLES[name] for name in tables["table"]],
        "Påkrævet": ["Ja" if r else "Nej (valgfri)" for r in tables["required"]],
        "Leveret": ["Ja" if p else "Nej" for p in tables["present"]],
    }
)
ui.show_table(table_view, text_columns=4)
st.caption(
    f"Dataversion {ui.extract().version[:8]}: et fingeraftryk af udtrækkets filer, som skifter med nye data. "
    "En valgfri tabel, der ikke er leveret, er ingen fejl: siderne siger det, hvor tallene ville have stået."
)

with st.expander("Sådan leverer en kommune data"):
    st.markdown(texts.HOW_TO_DELIVER)

ui.downloads("leverancer", {"Nyeste data pr. kommune": fresh, "Leverancelog": log, "Tabeller": table_view})
ui.definitions(["newest_data", "days_behind", "delivery_status", "extract_date", "last_delivery", "contract_check"])
