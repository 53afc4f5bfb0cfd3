"""Kommuner."""

import streamlit as st

from ipsdash import ui

ui.page_header("Kommuner")
st.caption("Siden er under opbygning.")
