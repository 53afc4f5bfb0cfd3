"""Indskrivning og venteliste."""

import streamlit as st

from ipsdash import ui

ui.page_header("Indskrivning og venteliste")
st.caption("Siden er under opbygning.")
