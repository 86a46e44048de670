"""Regie Analytics dashboard: page config, navigation and the shared sidebar filters."""

from pathlib import Path

import streamlit as st

from regie_analytics.ui import components, data, filters
from regie_analytics.ui import pages as ui_pages

st.set_page_config(
    page_title="Regie Analytics",
    # a local file: with a Material icon, the browser would fetch the favicon from Google
    page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/overzicht.py", title="Overzicht", icon=":material/home:", default=True),
    st.Page("pages/kaart.py", title="Kaart", icon=":material/map:"),
    st.Page("pages/samenhang.py", title="Samenhang", icon=":material/hub:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page("pages/buurtprofiel.py", title="Buurtprofiel", icon=":material/location_on:"),
    st.Page("pages/afhandeling.py", title="Afhandeling", icon=":material/timer:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
    st.Page("pages/presentatie.py", title="Presentatie", icon=":material/slideshow:"),
]
page = st.navigation(pages)
st.session_state["_app_ran"] = True
store = data.load_data()
if store is not None:
    st.session_state["_filters"] = filters.sidebar(store)
    components.demo_banner(store)
page.run()
latest = data.load_data()  # the page may have imported a new version
if latest is not None:
    # once per store version, after the first page is shown: what every area level needs, so
    # switching the level later is a filter change like any other
    ui_pages.warm_up(latest)
