"""Widgets of the Data page: uploads, column mapping, the report, unknown categories, store."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from regie_analytics import audit, auth, incidents, workflow
from regie_analytics.formatting import fmt_count, fmt_int, fmt_levels, fmt_pct, plain_text
from regie_analytics.ingest import ImportReport, PreparedImport
from regie_analytics.io.presets import PRESETS, guess_mapping
from regie_analytics.io.readers import file_sha256, preview_rows
from regie_analytics.schema import InputError
from regie_analytics.store import Store
from regie_analytics.taxonomy import (
    ANY,
    SCOPE_CATEGORY,
    SCOPE_LABEL,
    SUGGESTION_COLUMNS,
    TAXONOMY_DOMAINS,
    Taxonomy,
    load_taxonomy,
)
from regie_analytics.ui import access, components

T = TypeVar("T")

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
_UPLOAD = "_upload"


def save_upload(upload: Any, *, slot: str = _UPLOAD) -> Path:
    """The uploaded file on disk, written once per upload (not on every rerun) in a private
    temporary folder; the folder of the session's previous upload in this ``slot`` (the
    export, the boundaries, the kerncijfers) is removed."""
    saved: tuple[str, Path] | None = st.session_state.get(slot)
    if saved is not None and saved[0] == upload.file_id and saved[1].exists():
        return saved[1]
    forget_upload(slot=slot)
    folder = Path(tempfile.mkdtemp(prefix="regie-upload-"))
    path = folder / (Path(upload.name).name or "upload")
    try:
        with open(path, "wb") as handle:
            upload.seek(0)
            shutil.copyfileobj(upload, handle, length=1 << 20)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    st.session_state[slot] = (upload.file_id, path)
    return path


def forget_upload(*, slot: str = _UPLOAD) -> None:
    """Remove the temporary copy of the session's upload in ``slot`` (when it is removed or
    replaced)."""
    saved: tuple[str, Path] | None = st.session_state.pop(slot, None)
    if saved is not None:
        shutil.rmtree(saved[1].parent, ignore_errors=True)


def guarded(action: Callable[[], T], *, failed: str, where: str) -> T | None:
    """Run ``action``; a refused input or any unexpected error is a Dutch message on screen
    (``failed`` first), never a traceback. Unexpected errors are logged with a reference."""
    try:
        return action()
    except InputError as exc:
        st.error(plain_text(f"{failed} {exc}"))
    except Exception as exc:
        reference = incidents.record(exc, where=where)
        st.error(plain_text(f"{failed} {incidents.message(reference)}"))
    return None


def preview(path: Path) -> pd.DataFrame | None:
    """The first rows of a table file, or an error message on screen."""
    return guarded(
        lambda: preview_rows(path),
        failed="Dit bestand kan niet worden gelezen.",
        where="voorbeeld op de pagina Data",
    )


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


def session_taxonomy(store: Store) -> Taxonomy:
    """The taxonomy being edited in this session (the store's, or the default)."""
    if "_taxonomy" not in st.session_state:
        st.session_state["_taxonomy"] = store.taxonomy() if store.exists() else load_taxonomy()
    taxonomy: Taxonomy = st.session_state["_taxonomy"]
    return taxonomy


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


def _editor_key(name: str, table: pd.DataFrame) -> str:
    """A data editor's key that changes with its rows, so that ticks and choices made for one
    table are never applied to another (after taking some over, the rows change)."""
    digest = hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()[:12]
    return f"{name}_{digest}"


MAP_VIEW = {"category": "Categorie", "subcategory": "Subcategorie", "count": "Aantal"}


def map_unknown(unknown: pd.DataFrame, taxonomy: Taxonomy, *, key: str) -> pd.DataFrame | None:
    """An editor to map unknown labels (``category``, ``subcategory``, ``count``) to a domain
    and theme; the chosen rows (taxonomy columns) when saved, else None."""
    st.markdown("**Onbekende categorieën zelf indelen** (komen anders in 'overig')")
    view = unknown[list(MAP_VIEW)].rename(columns=MAP_VIEW).assign(Domein=None, Thema=None)
    edited = st.data_editor(
        view,
        hide_index=True,
        disabled=list(MAP_VIEW.values()),
        placeholder="kies",
        column_config={
            "Domein": st.column_config.SelectboxColumn("Domein", options=list(TAXONOMY_DOMAINS)),
            "Thema": st.column_config.SelectboxColumn("Thema", options=taxonomy.themes()),
        },
        key=_editor_key(f"{key}_editor", view),
    )
    if not st.button("Indeling opslaan in de taxonomie", key=f"{key}_save"):
        return None
    chosen = edited.dropna(subset=["Domein", "Thema"])
    if chosen.empty:
        st.warning("Kies voor minstens één categorie een domein en een thema.")
        return None
    sub = chosen["Subcategorie"].astype("str")
    return pd.DataFrame(
        {
            "source": ANY,
            "category": chosen["Categorie"].to_numpy(),
            "subcategory": sub.where(sub != "", ANY).to_numpy(),
            "domain": chosen["Domein"].to_numpy(),
            "theme": chosen["Thema"].to_numpy(),
        }
    )


SUGGESTION_VIEW = {
    "category": "Categorie",
    "subcategory": "Subcategorie",
    "count": "Aantal",
    "target": "Lijkt op",
    "domain": "Domein",
    "theme": "Thema",
    "score": "Gelijkenis",
    "scope": "Geldt voor",
}
SCOPE_VIEW = {SCOPE_LABEL: "deze subcategorie", SCOPE_CATEGORY: "hele categorie"}
ACCEPT = "Overnemen"
FLASH = "_mapping_flash_"


def accept_suggestions(
    store: Store, taxonomy: Taxonomy, suggestions: pd.DataFrame, *, key: str, then: str = ""
) -> bool:
    """Show fuzzy suggestions and take the ticked ones over in one step.

    Accepting adds them to the store's taxonomy, re-classifying everything stored (one atomic
    commit), and to the taxonomy of this session (:func:`workflow.accept_suggestions`). Returns
    True when they were taken over (the caller reruns; :func:`show_flash` then says what
    changed, followed by ``then``).
    """
    st.markdown(
        f"**{fmt_count(len(suggestions), 'voorstel', 'voorstellen')}** voor categorieën die "
        "lijken op een bekende categorie. Ze worden pas gebruikt als u ze overneemt; vink uit "
        "wat niet klopt."
    )
    sub = suggestions["suggested_subcategory"]
    target = suggestions["suggested_category"].where(
        sub == ANY, suggestions["suggested_category"] + " / " + sub
    )
    view = suggestions.assign(target=target, scope=suggestions["scope"].map(SCOPE_VIEW))
    view = view[list(SUGGESTION_VIEW)].rename(columns=SUGGESTION_VIEW)
    view.insert(0, ACCEPT, True)
    edited = st.data_editor(
        view,
        hide_index=True,
        disabled=list(SUGGESTION_VIEW.values()),
        column_config={ACCEPT: st.column_config.CheckboxColumn(ACCEPT)},
        key=_editor_key(f"{key}_suggestions", view),
    )
    chosen = suggestions.loc[edited[ACCEPT].to_numpy(dtype=bool)]
    label = f"Neem {fmt_count(len(chosen), 'voorstel', 'voorstellen')} over" + (
        " en deel de store opnieuw in" if store.exists() else ""
    )
    if not st.button(label, type="primary", disabled=chosen.empty, key=f"{key}_accept"):
        return False
    done = _extend_taxonomy(
        store,
        lambda: workflow.accept_suggestions(store, taxonomy, chosen),
        added=len(chosen),
        failed="De voorstellen zijn niet overgenomen; er is niets veranderd.",
        where="voorstellen overnemen op de pagina Data",
    )
    if done is None:
        return False
    st.session_state[FLASH + key] = (
        f"{fmt_count(len(chosen), 'voorstel', 'voorstellen')} overgenomen in de taxonomie"
        + _reclassified(done[1])
        + then
    )
    return True


def _extend_taxonomy(
    store: Store,
    extend: Callable[[], tuple[Taxonomy, dict[str, int] | None]],
    *,
    added: int,
    failed: str,
    where: str,
) -> tuple[Taxonomy, dict[str, int] | None] | None:
    """Run ``extend`` (a :func:`workflow.add_to_taxonomy`) for a beheerder: the session gets
    the new taxonomy, the audit log a record of the store's. Returns what ``extend`` returned,
    or None when it failed (said on screen)."""
    who = access.require(auth.MANAGE)
    with st.spinner("Taxonomie bijwerken en opnieuw indelen…"):
        done = guarded(extend, failed=failed, where=where)
    if done is not None:
        _record_taxonomy(who, store, done[1], added=added)
        st.session_state["_taxonomy"] = done[0]
    return done


def _record_taxonomy(
    who: access.Visitor, store: Store, result: dict[str, int] | None, *, added: int
) -> None:
    """Record in the audit log that rows were added to the store's taxonomy and the store
    classified again (nothing to record without a store)."""
    if result is None:
        return
    stored = store.taxonomy()
    access.record(
        who,
        action=audit.TAXONOMY,
        details={**audit.taxonomy_details(stored, result), "toegevoegd": f"{added} regels"},
        file_hash=audit.file_hash(stored.to_csv_bytes()),
        rows=len(stored.table),
    )


def _reclassified(result: dict[str, int] | None) -> str:
    """The end of a flash message: what re-classifying the store changed."""
    if result is None:
        return "."
    before, after = result["overig_voor"], result["overig_na"]
    return (
        f"; de store is opnieuw ingedeeld: in 'overig' van {fmt_int(before)} naar "
        f"{fmt_count(after, 'signaal', 'signalen')} ({fmt_int(before - after)} ingedeeld)."
    )


def map_report_labels(store: Store, taxonomy: Taxonomy, report: ImportReport) -> bool:
    """Below an import report: its suggestions to accept, and its unknown labels to map by
    hand (into the taxonomy of this session, for the import). True when the taxonomy changed:
    the file must then be checked again (the caller reruns)."""
    again = " Controleer het bestand opnieuw: dan wordt de nieuwe indeling gebruikt."
    suggestions = pd.DataFrame(report.suggestions, columns=list(SUGGESTION_COLUMNS))
    if len(suggestions) and accept_suggestions(
        store, taxonomy, suggestions, key="upload", then=again
    ):
        return True
    if not report.unknown_labels:
        return False
    rows = map_unknown(pd.DataFrame(report.unknown_labels), taxonomy, key="upload")
    if rows is None:
        return False
    new = guarded(
        lambda: taxonomy.with_mappings(rows),
        failed="De indeling is niet opgeslagen; er is niets veranderd.",
        where="koppelen bij een import op de pagina Data",
    )
    if new is None:
        return False
    st.session_state["_taxonomy"] = new
    st.session_state[FLASH + "upload"] = (
        f"{fmt_count(len(rows), 'categorie', 'categorieën')} ingedeeld in de taxonomie." + again
    )
    return True


def show_flash(key: str) -> None:
    """The outcome of the last mapping accepted under ``key`` (kept over the rerun after it)."""
    message = st.session_state.pop(FLASH + key, None)
    if message:
        st.success(message, icon=":material/check:")


@st.cache_data(show_spinner=False, max_entries=4)
def _stored_unknown(path: str, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's labels in 'overig' and suggestions for them (by the store's taxonomy)."""
    store = Store(path)
    unknown = workflow.stored_unknown_categories(store)
    return unknown, store.taxonomy().suggestions(unknown)


def mapping_step(store: Store) -> None:
    """The Data page's mapping step: stored categories in 'overig', suggestions, an editor.

    Whatever is taken over goes into the store's taxonomy (everything stored is classified
    again) and into the taxonomy of this session.
    """
    show_flash("stored")
    current = store.current
    if current is None or not store.manifest()["imports"]:
        st.info(
            "Er is nog niets geïmporteerd. Controleer een export onder 'Importeren'; daar koppelt "
            "u de categorieën die de taxonomie niet kent."
        )
        return
    unknown, suggestions = _stored_unknown(str(store.root), current.name)
    if unknown.empty:
        st.success("Alle signalen in de store zijn ingedeeld in fysiek of sociaal.")
        return
    n = int(unknown["count"].sum())
    are, sit = ("is", "staat") if n == 1 else ("zijn", "staan")
    st.markdown(
        f"{fmt_count(n, 'signaal', 'signalen')} in "
        f"{fmt_count(len(unknown), 'categorie', 'categorieën')} {are} niet herkend en {sit} in "
        f"'overig'. Koppel {'de categorie' if len(unknown) == 1 else 'de categorieën'} aan een "
        "domein en thema; de store wordt dan opnieuw ingedeeld."
    )
    taxonomy = session_taxonomy(store)
    if not suggestions.empty and accept_suggestions(store, taxonomy, suggestions, key="stored"):
        st.rerun()
    rows = map_unknown(unknown, taxonomy, key="stored")
    if rows is None:
        return
    done = _extend_taxonomy(
        store,
        lambda: workflow.add_mappings(store, taxonomy, rows),
        added=len(rows),
        failed="De indeling is niet opgeslagen; er is niets veranderd.",
        where="koppelen op de pagina Data",
    )
    if done is None:
        return
    st.session_state[FLASH + "stored"] = (
        f"{fmt_count(len(rows), 'categorie', 'categorieën')} ingedeeld in de taxonomie"
        + _reclassified(done[1])
    )
    st.rerun()


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


def check(store: Store, choice: Choice) -> PreparedImport | None:
    """The report of what an upload would import (nothing written), or a message on screen."""
    checked = guarded(
        lambda: workflow.validate(choice.path, store=store, **choice.options()),
        failed="Dit bestand kan niet worden geïmporteerd.",
        where="controle op de pagina Data",
    )
    return None if checked is None else checked[0]


def run_import(store: Store, choice: Choice) -> None:
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


def import_form(store: Store) -> None:
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


@st.cache_data(show_spinner=False, max_entries=4)
def _store_info(path: str, version: str) -> dict[str, Any]:
    return Store(path).info()


def store_info(store: Store) -> dict[str, Any]:
    """``store.info()``, read once per store version (a new import is a new version)."""
    current = store.current
    if current is None:
        return store.info()
    return _store_info(str(store.root), current.name)


EXACT_STORE_NOTE = (
    "Exacte aantallen uit de store, voor intern beheer: niet delen of publiceren. Het "
    "dashboard, de exports en de presentatie tonen beschermde aantallen."
)


def show_store(store: Store) -> None:
    """What is in the store and its quality figures: exact counts, for the beheerder only
    (said on screen; the dashboard and every export show protected counts)."""
    info = store_info(store)
    st.caption(EXACT_STORE_NOTE)
    k = st.columns(4)
    k[0].metric("Signalen", fmt_int(info["meldingen_totaal"]))
    k[1].metric("Buiten gebied", fmt_int(info["buiten_gebied"]))
    k[2].metric("Zonder locatie", fmt_int(info["zonder_locatie"]))
    k[3].metric("Onbekende categorie (overig)", fmt_int(info["overig_domein"]))
    total = max(info["meldingen_totaal"], 1)
    st.caption(
        f"Kwaliteit: {fmt_pct(info['buiten_gebied'] / total, 1)} buiten het gebied, "
        f"{fmt_pct(info['zonder_locatie'] / total, 1)} zonder locatie, "
        f"{fmt_pct(info['overig_domein'] / total, 1)} nog niet ingedeeld."
    )
    st.markdown(
        f"**Grenzen:** {plain_text(info['grenzen'].get('file'))} "
        f"({fmt_levels(info['niveaus'])}) · "
        f"**Taxonomie:** {plain_text(info['taxonomie'].get('file'))} · "
        + (
            f"**Periode:** {info['eerste_maand']} t/m {info['laatste_maand']}"
            if info["eerste_maand"]
            else "**Periode:** nog geen signalen"
        )
    )
    imports = pd.DataFrame(info["imports"])
    if not imports.empty:
        components.table(
            imports.rename(
                columns={
                    "id": "Nr",
                    "source": "Bron",
                    "preset": "Preset",
                    "file": "Bestand",
                    "rows_read": "Gelezen",
                    "rows_imported": "Geïmporteerd",
                    "signals": "Signalen",
                    "imported_at": "Tijdstip",
                }
            ).drop(columns=["sha256", "kind"], errors="ignore"),
            hide_index=True,
        )


def taxonomy_tab(store: Store) -> None:
    """Download the taxonomy, or upload an edited one (validated, errors in Dutch)."""
    taxonomy = session_taxonomy(store)
    st.markdown(
        f"De taxonomie deelt {fmt_int(len(taxonomy.table))} categorieën in naar domein, thema "
        "en afdeling. Download, bewerk in Excel en upload hem weer."
    )
    st.download_button(
        "Download taxonomie (CSV)",
        access.logged(
            taxonomy.to_csv_bytes,
            fmt="csv",
            name="taxonomie.csv",
            sel=None,
            rows=len(taxonomy.table),
        ),
        "taxonomie.csv",
        "text/csv",
    )
    upload = st.file_uploader("Taxonomie uploaden (CSV)", type=["csv"], key="tax_upload")
    if upload is not None:
        try:
            new = Taxonomy.from_csv_bytes(upload.getvalue(), name=upload.name)
        except InputError as exc:
            st.error(plain_text(str(exc)))
        else:
            st.session_state["_taxonomy"] = new
            st.success(
                plain_text(
                    f"Taxonomie '{upload.name}' geladen ({fmt_int(len(new.table))} regels); "
                    "ze wordt gebruikt bij de volgende import."
                )
            )
    if store.exists() and st.button(
        "Pas deze taxonomie toe op alle gegevens in de store",
        help="Deelt alle eerder geïmporteerde signalen opnieuw in; in één keer, of niet.",
    ):
        who = access.require(auth.MANAGE)
        with st.spinner("Opnieuw indelen…"):
            result = guarded(
                lambda: store.reclassify(taxonomy),
                failed="Opnieuw indelen is mislukt; de store is ongewijzigd.",
                where="opnieuw indelen op de pagina Data",
            )
        if result is not None:
            access.record(
                who,
                action=audit.TAXONOMY,
                details=audit.taxonomy_details(taxonomy, result),
                file_hash=audit.file_hash(taxonomy.to_csv_bytes()),
                rows=len(taxonomy.table),
            )
            st.success(
                f"Opnieuw ingedeeld: nog niet ingedeeld (overig) "
                f"{fmt_int(result['overig_voor'])} → {fmt_int(result['overig_na'])} signalen."
            )
    st.dataframe(taxonomy.table, hide_index=True)
