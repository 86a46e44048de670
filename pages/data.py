"""Data (beheerder): set up a municipality (gemeente, boundaries, population), upload and check
an export, map its columns, import it, see what is in the store, delete an import, manage the
taxonomy, read the audit log."""

import streamlit as st

from regie_analytics import auth
from regie_analytics.store import open_store
from regie_analytics.ui import access, admin, components, dataio, setup
from regie_analytics.ui.data import latest, store_path

components.require_app()
access.require(auth.MANAGE)

st.title("Data")
store = open_store(store_path())
data = latest()
components.overig_notice(data)
tab_import, tab_areas, tab_store, tab_map, tab_tax, tab_log = st.tabs(
    ["Importeren", "Gebieden", "In de store", components.MAPPING_TAB, "Taxonomie", "Logboek"],
    key=components.DATA_TAB_KEY,
    bind="query-params",
)

with tab_import:
    dataio.show_flash("upload")
    if not setup.needs_setup(data):
        dataio.import_form(store)
    elif setup.municipality_steps(store, data):
        st.subheader("4 · Exports importeren")
        dataio.import_form(store)
    else:
        st.info(
            "Daarna importeert u de exports: Signalen, Open311, tellingen of een eigen bestand.",
            icon=":material/info:",
        )

with tab_areas:
    setup.areas_tab(store, data)

with tab_store:
    if data is None:
        components.no_store()
    else:
        dataio.show_store(store)
        admin.remove_import_form(store)

with tab_map:
    dataio.mapping_step(store)

with tab_tax:
    dataio.taxonomy_tab(store)

with tab_log:
    admin.audit_tab(store)
