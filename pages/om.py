"""Om tallene: what every figure means, how current the data are, and what the extract holds."""

import pandas as pd
import streamlit as st

from ipsdash import fmt, texts
from ipsdash.app import ui
from ipsdash.delivery import status
from ipsdash.extract import contract
from ipsdash.figures import catalog

# For the steering group: what the figures mean and how current they are. Table names, the data
# version and the commands are the data coordinator's, on Leverancer.

sel = ui.selection()
ui.page_header("Om tallene")
st.markdown(texts.ABOUT_INTRO)

_, as_of = ui.call(catalog.span)
groups = ui.call(catalog.delivered)
fresh = ui.call(status.freshness, sel.filters.municipalities)
t = ui.threshold()

# --- The data ---------------------------------------------------------------------------------
st.subheader("Data")
cards = st.columns(3)
cards[0].metric(texts.label("extract_date"), fmt.date_medium(as_of), help=texts.definition("extract_date"), border=True)
cards[1].metric("Kommuner med data", f"{len(groups['delivered'])} af {sum(len(v) for v in groups.values())}",
                help=texts.DELIVERED["delivered"] + ": forløb eller posteringer i udtrækket.", border=True)
cards[2].metric("Datakontrakt", f"Version {contract.CONTRACT_VERSION}", border=True,
                help="Aftalen mellem kommunernes fagsystemer og dashboardet om tabeller, kolonner og definitioner.")

for key, names in groups.items():
    if names:
        st.markdown(f"**{texts.DELIVERED[key]}:** {', '.join(fmt.plain(n) for n in names)}.")

st.markdown("#### Hvor nye er data pr. kommune", help=texts.definition("newest_data"))
if sel.filters.municipalities:
    st.caption("Viser de valgte kommuner.")
ui.show_table(status.freshness_view(fresh), text_columns=2)
st.caption("Dashboardets »i dag« er udtrækkets dato. Leverancer og kontrol af data står på siden Leverancer.")

# --- Every figure ------------------------------------------------------------------------------
st.subheader("Begreber")
grouped = texts.grouped_terms()
for tab, keys in zip(st.tabs(list(grouped)), grouped.values()):
    with tab:
        for key in keys:
            st.markdown(f"**{texts.label(key)}.** {texts.definition(key)}")

st.subheader("Små tal")
st.markdown(texts.SMALL_NUMBERS.format(t=t, t_minus=t - 1))
st.markdown(texts.MONEY_NOT_HIDDEN)

terms = pd.DataFrame(
    [
        {"Gruppe": title, "Begreb": texts.label(key), "Definition": texts.definition(key), "Nøgle": key}
        for title, keys in grouped.items()
        for key in keys
    ]
)
ui.downloads("om_tallene", {"Begreber": terms, "Nyeste data pr. kommune": fresh})
