"""Om tallene."""

import streamlit as st

from ipsdash import ui

ui.page_header("Om tallene")
st.caption("Siden er under opbygning.")
