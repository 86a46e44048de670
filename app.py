"""Regie Analytics dashboard: page config, sign-in and roles, navigation and the shared
sidebar filters."""

from pathlib import Path

import streamlit as st

from regie_analytics import auth
from regie_analytics.ui import (
    access,
    background,
    browser,
    components,
    data,
    errors,
    filters,
    housekeeping,
    queries,
)

st.set_page_config(
    page_title="Regie Analytics",
    # a local file: with a Material icon, the browser would fetch the favicon from Google
    page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
)

# who is here and what their role allows: asked on the server at every run, before any page
who = access.current()
pages = [
    st.Page("pages/overzicht.py", title="Overzicht", icon=":material/home:", default=True),
    st.Page("pages/kaart.py", title="Kaart", icon=":material/map:"),
    st.Page("pages/samenhang.py", title="Samenhang", icon=":material/hub:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page(
        "pages/buurtprofiel.py",
        title=data.profile_title(),  # "Wijkprofiel" when wijken are the finest areas
        icon=":material/location_on:",
        url_path="buurtprofiel",
    ),
    st.Page("pages/afhandeling.py", title="Afhandeling", icon=":material/timer:"),
    st.Page(
        "pages/data.py",
        title="Data",
        icon=":material/database:",
        visibility="visible" if who.may(auth.MANAGE) else "hidden",  # /data still refuses
    ),
    st.Page("pages/presentatie.py", title="Presentatie", icon=":material/slideshow:"),
]
page = st.navigation(pages, position="sidebar" if who.may(auth.VIEW) else "hidden")
browser.dutch_document(page.title)  # lang="nl" and the page's own title in the browser tab
st.session_state["_app_ran"] = True


def run_page() -> None:
    """Sign-in, the sidebar and the page, on one version of the store from start to end."""
    access.gate(who, page)  # sign-in, no role or no access to this page: a Dutch page, and stop
    store = data.take_snapshot()
    components.page_title(store, page.title)
    if store is not None and store.months:
        components.municipality_header(store)
        st.session_state["_filters"] = filters.sidebar(store, exact=who.may(auth.EXACT))
        components.demo_banner(store, thin=page.url_path == "presentatie")
    access.account(who)
    page.run()


def warm_up() -> None:
    """After the first page is shown, compute once per store version what every level needs."""
    latest = data.latest()  # the page may have imported a new version
    if latest is not None:
        # once per store version, after the first page is shown: what every area level
        # needs, so switching the level later is a filter change like any other
        queries.warm_up(latest)


with background.page_run():  # the warm-up's jobs wait until the page has run
    shown = errors.guarded(run_page, where=f"pagina {page.title}")
if shown:
    errors.guarded(warm_up, where="voorbereiding", quiet=True)
housekeeping.after_run()  # Python's full garbage collection when no page runs, not in one
