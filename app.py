"""Regie Analytics dashboard: page config and navigation (placeholder until the dashboard)."""

import streamlit as st

st.set_page_config(page_title="Regie Analytics", layout="wide")
st.title("Regie Analytics")
st.write("Het dashboard volgt. De store is gebouwd met `python -m regie_analytics demo`.")
