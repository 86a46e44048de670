"""Categories and the taxonomy on the Data page: labels the taxonomy does not know mapped by
hand or through suggestions (then everything stored is classified again), and the taxonomy
downloaded, uploaded and applied to the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from regie_analytics import audit, auth, workflow
from regie_analytics.formatting import fmt_count, fmt_int, plain_text
from regie_analytics.ingest import ImportReport
from regie_analytics.schema import InputError
from regie_analytics.store import AnyStore, open_store
from regie_analytics.taxonomy import (
    ANY,
    SCOPE_CATEGORY,
    SCOPE_LABEL,
    SUGGESTION_COLUMNS,
    TAXONOMY_DOMAINS,
    Taxonomy,
)
from regie_analytics.ui import access
from regie_analytics.ui.dataio.session import FLASH, guarded, session_taxonomy, show_flash


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


def accept_suggestions(
    store: AnyStore, taxonomy: Taxonomy, suggestions: pd.DataFrame, *, key: str, then: str = ""
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
    store: AnyStore,
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
    who: access.Visitor, store: AnyStore, result: dict[str, int] | None, *, added: int
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


def map_report_labels(store: AnyStore, taxonomy: Taxonomy, report: ImportReport) -> bool:
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


@st.cache_data(show_spinner=False, max_entries=4)
def _stored_unknown(path: str, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's labels in 'overig' and suggestions for them (by the store's taxonomy)."""
    store = open_store(path)
    unknown = workflow.stored_unknown_categories(store)
    return unknown, store.taxonomy().suggestions(unknown)


def mapping_step(store: AnyStore) -> None:
    """The Data page's mapping step: stored categories in 'overig', suggestions, an editor.

    Whatever is taken over goes into the store's taxonomy (everything stored is classified
    again) and into the taxonomy of this session.
    """
    show_flash("stored")
    current = store.version_name
    if current is None or not store.manifest()["imports"]:
        st.info(
            "Er is nog niets geïmporteerd. Controleer een export onder 'Importeren'; daar koppelt "
            "u de categorieën die de taxonomie niet kent."
        )
        return
    unknown, suggestions = _stored_unknown(store.location, current)
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


def taxonomy_tab(store: AnyStore) -> None:
    """Download the taxonomy, or upload an edited one (validated, errors in Dutch)."""
    taxonomy = session_taxonomy(store)
    st.markdown(
        f"De taxonomie deelt {fmt_int(len(taxonomy.table))} categorieën in naar domein, thema "
        "en afdeling. Download, bewerk in Excel en upload hem weer."
    )
    access.download(
        st,
        "Download taxonomie (CSV)",
        taxonomy.to_csv_bytes,
        fmt="csv",
        name="taxonomie.csv",
        mime="text/csv",
        sel=None,
        rows=len(taxonomy.table),
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
