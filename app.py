"""Regie Analytics dashboard: page config, navigation and the shared sidebar filters."""

import streamlit as st

from regie_analytics.ui import components, data, filters

st.set_page_config(
    page_title="Regie Analytics",
    page_icon="🏘️",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/overzicht.py", title="Overzicht", icon="🏠", default=True),
    st.Page("pages/kaart.py", title="Kaart", icon="🗺️"),
    st.Page("pages/samenhang.py", title="Samenhang", icon="🔗"),
    st.Page("pages/trends.py", title="Trends", icon="📈"),
    st.Page("pages/buurtprofiel.py", title="Buurtprofiel", icon="📍"),
    st.Page("pages/afhandeling.py", title="Afhandeling", icon="⏱️"),
    st.Page("pages/data.py", title="Data", icon="🗂️"),
    st.Page("pages/presentatie.py", title="Presentatie", icon="🎬"),
]
page = st.navigation(pages)
store = data.load_data()
if store is not None:
    st.session_state["_filters"] = filters.sidebar(store)
    components.demo_banner(store)
page.run()
