"""Bevillinger."""

import streamlit as st

from ipsdash import ui

ui.page_header("Bevillinger")
st.caption("Siden er under opbygning.")
