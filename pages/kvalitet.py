"""Kvalitet."""

import streamlit as st

from ipsdash import ui

ui.page_header("Kvalitet")
st.caption("Siden er under opbygning.")
