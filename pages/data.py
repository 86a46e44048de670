"""Data (beheerder): upload and check an export, import it, see what is in the store, delete an
import, manage the taxonomy, read the audit log."""

import streamlit as st

from regie_analytics import auth
from regie_analytics.io.presets import PRESETS
from regie_analytics.store import Store
from regie_analytics.ui import access, admin, components, dataio
from regie_analytics.ui.data import load_data, store_path

components.require_app()
access.require(auth.MANAGE)

st.title("Data")
store = Store(store_path())
data = load_data()
components.overig_notice(data)
tab_import, tab_store, tab_map, tab_tax, tab_log = st.tabs(
    ["Importeren", "In de store", components.MAPPING_TAB, "Taxonomie", "Logboek"],
    key=components.DATA_TAB_KEY,
    bind="query-params",
)

with tab_import:
    dataio.show_flash("upload")
    upload = st.file_uploader(
        "Exportbestand (CSV, Excel, Parquet, JSON/GeoJSON of zip)",
        type=["csv", "txt", "tsv", "xlsx", "parquet", "json", "geojson", "zip"],
    )
    access.upload_limit_notice()
    preset = st.selectbox(
        "Soort export",
        PRESETS,
        format_func=dataio.PRESET_LABELS.get,
        help="'generic' = kolommen zelf koppelen.",
    )
    date_order = st.selectbox(
        "Volgorde van dag en maand",
        list(dataio.DATE_ORDER_LABELS),
        format_func=dataio.DATE_ORDER_LABELS.get,
        help="Alleen nodig als elke datum in het bestand beide kan zijn, zoals 03-04-2025.",
    )
    if upload is None:
        dataio.forget_upload()
    else:
        path = dataio.save_upload(upload)
        mapping = None
        if preset == "generic":
            preview = dataio.preview(path)
            if preview is not None:
                components.table(preview.head(10), hide_index=True)
                mapping = dataio.mapping_form(preview)
        taxonomy = dataio.session_taxonomy(store)
        choice = dataio.Choice(path, preset, mapping, taxonomy, date_order)
        if st.button("Controleren", type="primary"):
            st.session_state.pop("_prepared", None)
            checked = dataio.check(store, choice)
            if checked is not None:
                st.session_state["_prepared"] = (upload.file_id, preset, checked)
        staged = st.session_state.get("_prepared")
        if staged and staged[0] == upload.file_id and staged[1] == preset:
            prepared = staged[2]
            dataio.show_report(prepared.report)
            if dataio.map_report_labels(store, taxonomy, prepared.report):
                st.session_state.pop("_prepared", None)
                st.rerun()
            if st.button("Importeren", disabled=prepared.report.imported == 0):
                dataio.run_import(store, choice)

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
