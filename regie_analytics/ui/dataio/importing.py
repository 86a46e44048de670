"""The import form: upload an export, choose its preset and date order, map its columns to the
model (filled in from the names it recognises), check it (the report, suggestions, unknown
labels) and import it with a progress bar."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics import audit, auth, workflow
from regie_analytics.formatting import fmt_int
from regie_analytics.ingest import ImportReport, PreparedImport
from regie_analytics.io.presets import PRESETS, guess_mapping
from regie_analytics.io.readers import file_sha256
from regie_analytics.store import AnyStore
from regie_analytics.taxonomy import Taxonomy
from regie_analytics.ui import access
from regie_analytics.ui.dataio.categories import map_report_labels
from regie_analytics.ui.dataio.session import (
    FLASH,
    forget_upload,
    guarded,
    preview,
    save_upload,
    session_taxonomy,
)

PRESET_LABELS = {
    "signalen": "Signalen (data-warehouse-export, map of zip)",
    "open311": "Open311 / GeoReport v2 (JSON of CSV)",
    "counts": "Tellingen per gebied, maand en thema",
    "generic": "Eigen bestand: kolommen zelf koppelen",
}
FIELD_LABELS: dict[str, dict[str, str]] = {
    "signals": {
        "signal_id": "Id van de melding *",
        "received_at": "Datum van ontvangst *",
        "closed_at": "Datum van afsluiten",
        "channel": "Kanaal",
        "category": "Categorie *",
        "subcategory": "Subcategorie",
        "status": "Status",
        "area_code": "Gebiedscode (CBS)",
        "x": "x / lengtegraad",
        "y": "y / breedtegraad",
    },
    "counts": {
        "area_code": "Gebiedscode (CBS) *",
        "period": "Maand *",
        "theme": "Thema *",
        "category": "of: Categorie",
        "count": "Aantal *",
        "domain": "Domein (fysiek/sociaal)",
        "channel": "Kanaal",
    },
}
"""The model columns of a column mapping, per kind (* = required)."""
MAPPED_PRESETS = {"generic": "signals", "counts": "counts"}
"""The presets whose columns are mapped on the page, and the kind of their mapping."""


DATE_ORDER_LABELS: dict[str | None, str] = {
    None: "automatisch",
    "dmy": "dag-maand (31-12)",
    "mdy": "maand-dag (12-31)",
}


def mapping_form(frame: pd.DataFrame, *, kind: str) -> dict[str, Any] | None:
    """Selectboxes to map the file's columns to the model (``kind``: ``signals`` or
    ``counts``), each starting at the column its name suggests (:func:`guess_mapping`);
    returns the mapping (see :func:`regie_analytics.io.presets.load_mapping`), or None (with
    what is missing) until the required ones are set."""
    labels = FIELD_LABELS[kind]
    if kind == "signals":
        st.markdown("**Kolommen koppelen** (* = verplicht; geef x en y of een gebiedscode)")
    else:
        st.markdown("**Kolommen koppelen** (* = verplicht; thema of categorie)")
    guessed = guess_mapping(frame.columns.tolist(), kind=kind)
    if guessed:
        st.caption(f"{len(guessed)} kolom(men) herkend aan hun naam en al ingevuld; controleer ze.")
    columns: dict[str, str] = {}
    cols = st.columns(3)
    options = ["—", *frame.columns.tolist()]
    digest = hashlib.sha256("|".join(options).encode()).hexdigest()[:8]
    for i, field in enumerate(labels):
        default = options.index(guessed[field]) if field in guessed else 0
        choice = cols[i % 3].selectbox(
            labels[field],
            options,
            index=default,
            placeholder="Kies een kolom",
            key=f"map_{kind}_{field}_{digest}",
        )
        if choice != "—":
            columns[field] = choice
    default_source = "eigen-bestand" if kind == "signals" else "telling"
    source = st.text_input(
        "Naam van het bronsysteem", value=default_source, key=f"map_{kind}_source"
    )
    required = (
        {"signal_id", "received_at", "category"}
        if kind == "signals"
        else {"area_code", "period", "count"}
    )
    label_set = kind == "signals" or bool({"theme", "category"} & set(columns))
    if not required <= set(columns) or not label_set:
        missing = [labels[f].rstrip(" *") for f in labels if f in required and f not in columns]
        if not label_set:
            missing.append("thema of categorie")
        st.info(f"Koppel nog: {', '.join(missing)}.")
        return None
    return {"kind": kind, "source": source, "columns": columns}


def show_report(report: ImportReport) -> None:
    """The validation report: key figures, then every line."""
    k = st.columns(5)
    k[0].metric("Rijen gelezen", fmt_int(report.rows_read))
    k[1].metric("Te importeren", fmt_int(report.imported))
    k[2].metric("Al in de store", fmt_int(report.duplicates_in_store))
    k[3].metric("Buiten gebied", fmt_int(report.outside_area + report.unknown_area_code))
    k[4].metric("Onbekende categorie", fmt_int(report.unknown_category))
    with st.expander("Volledig rapport", expanded=bool(report.problems)):
        st.code("\n".join(report.lines()), language=None)


@dataclass(frozen=True)
class Choice:
    """An uploaded file on disk and how the user chose to read it."""

    path: Path
    preset: str
    mapping: dict[str, Any] | None
    taxonomy: Taxonomy
    date_order: str | None

    def options(self) -> dict[str, Any]:
        """The options of :func:`workflow.validate` and :func:`workflow.import_file`; the
        mapping is written next to the upload (and removed with it)."""
        mapping_file = None
        if self.mapping is not None:
            mapping_file = self.path.parent / "mapping.json"
            mapping_file.write_text(json.dumps(self.mapping, ensure_ascii=False))
        return {
            "preset": self.preset,
            "mapping": mapping_file,
            "taxonomy": self.taxonomy,
            "date_order": self.date_order,
        }


def check(store: AnyStore, choice: Choice) -> PreparedImport | None:
    """The report of what an upload would import (nothing written), or a message on screen."""
    checked = guarded(
        lambda: workflow.validate(choice.path, store=store, **choice.options()),
        failed="Dit bestand kan niet worden geïmporteerd.",
        where="controle op de pagina Data",
    )
    return None if checked is None else checked[0]


def run_import(store: AnyStore, choice: Choice) -> None:
    """Import with a progress bar; the store changes only when everything succeeded."""
    who = access.require(auth.MANAGE)
    bar = st.progress(0.0, text="Importeren…")

    def progress(fraction: float, text: str) -> None:
        bar.progress(fraction, text=text.capitalize())

    report = guarded(
        lambda: workflow.import_file(
            choice.path, store=store, progress=progress, **choice.options()
        ),
        failed="De import is mislukt; de store is ongewijzigd.",
        where="import op de pagina Data",
    )
    if report is None:
        bar.empty()
        return
    access.record(
        who,
        action=audit.IMPORT,
        details=audit.import_details(report, taxonomie=choice.taxonomy.name),
        file_hash=file_sha256(choice.path),
        rows=report.imported,
    )
    st.session_state.pop("_prepared", None)
    st.session_state[FLASH + "upload"] = (
        f"{fmt_int(report.imported)} rijen geïmporteerd "
        f"({fmt_int(report.signals_imported)} signalen)."
    )
    st.rerun()  # every part of the page (and the set-up steps) shows the new store


def import_form(store: AnyStore) -> None:
    """Upload an export, choose its preset, map its columns (counts and an own file, filled
    in from recognised names), check it, take suggestions over, and import it."""
    upload = st.file_uploader(
        "Exportbestand (CSV, Excel, Parquet, JSON/GeoJSON of zip)",
        type=["csv", "txt", "tsv", "xlsx", "parquet", "json", "geojson", "zip"],
    )
    access.upload_limit_notice()
    presets: list[str] = list(PRESETS)
    preset = str(
        st.selectbox(
            "Soort export",
            presets,
            format_func=PRESET_LABELS.__getitem__,
            placeholder="Kies de soort export",
            help="Bij tellingen en een eigen bestand koppelt u de kolommen zelf.",
            key="import_preset",
        )
    )
    orders: list[str | None] = list(DATE_ORDER_LABELS)
    date_order = st.selectbox(
        "Volgorde van dag en maand",
        orders,
        format_func=DATE_ORDER_LABELS.__getitem__,
        placeholder="Kies de volgorde",
        help="Alleen nodig als elke datum in het bestand beide kan zijn, zoals 03-04-2025.",
    )
    if upload is None:
        forget_upload()
        return
    path = save_upload(upload)
    mapping = None
    kind = MAPPED_PRESETS.get(preset)
    if kind is not None:
        rows = preview(path)
        if rows is not None:
            st.dataframe(rows.head(10), hide_index=True, placeholder="–")
            mapping = mapping_form(rows, kind=kind)
    taxonomy = session_taxonomy(store)
    choice = Choice(path, preset, mapping, taxonomy, date_order)
    chosen = (upload.file_id, preset, json.dumps(mapping, sort_keys=True))
    if st.button("Controleren", type="primary", disabled=kind is not None and mapping is None):
        st.session_state.pop("_prepared", None)
        checked = check(store, choice)
        if checked is not None:
            st.session_state["_prepared"] = (chosen, checked)
    staged = st.session_state.get("_prepared")
    if not staged or staged[0] != chosen:
        return
    prepared = staged[1]
    show_report(prepared.report)
    if map_report_labels(store, taxonomy, prepared.report):
        st.session_state.pop("_prepared", None)
        st.rerun()
    if st.button("Importeren", disabled=prepared.report.imported == 0):
        run_import(store, choice)
