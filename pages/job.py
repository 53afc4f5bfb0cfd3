"""Job og uddannelse."""

import streamlit as st

from ipsdash import ui

ui.page_header("Job og uddannelse")
st.caption("Siden er under opbygning.")
