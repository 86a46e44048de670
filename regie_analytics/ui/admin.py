"""The beheerder's parts of the Data page: the audit log (read only) and deleting an import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regie_analytics import audit, auth
from regie_analytics.formatting import fmt_int
from regie_analytics.schema import InputError
from regie_analytics.store import AnyStore
from regie_analytics.ui import access, components

LOG_COLUMNS = {
    "nr": "Nr",
    "time": "Tijdstip",
    "user": "Gebruiker",
    "role": "Rol",
    "action": "Actie",
    "wat": "Wat",
    "rows": "Rijen",
    "file_hash": "SHA-256",
}


def log_table(log: audit.AuditLog) -> pd.DataFrame:
    """The audit log as shown on the Data page: newest first, details in one column."""
    frame = pd.DataFrame(
        [{**entry, "wat": audit.describe(entry)} for entry in reversed(log.records)],
        columns=[*LOG_COLUMNS, "details"],
    )
    frame["time"] = frame["time"].astype("str").str.replace("T", " ").str.slice(0, 19)
    frame["file_hash"] = frame["file_hash"].fillna("").astype("str").str.slice(0, 16)
    frame["rows"] = frame["rows"].astype("Int64")
    return frame[list(LOG_COLUMNS)].rename(columns=LOG_COLUMNS)


def audit_tab(store: AnyStore) -> None:
    """Every import, taxonomy change and export, newest first; nothing here can change it."""
    access.require(auth.MANAGE)
    log = audit.read(store.location)
    for warning in log.warnings():
        st.warning(warning.capitalize(), icon=":material/warning:")
    if not log.records:
        st.info("Het logboek is nog leeg.", icon=":material/info:")
        return
    st.markdown(
        f"{fmt_int(len(log.records))} {'handeling' if len(log.records) == 1 else 'handelingen'}"
        ": elke import, wijziging van de taxonomie "
        "en export, met wie, wanneer, welk filter en een controlegetal (SHA-256) van het "
        "bestand. Het logboek wordt alleen aangevuld, nooit gewijzigd."
    )
    components.table(
        log_table(log),
        hide_index=True,
        column_config={"Wat": st.column_config.TextColumn("Wat", width="large")},
    )
    st.caption(
        f"Opgeslagen in {audit.log_place(store.location)}; op de server ook te lezen met "
        "`python -m regie_analytics audit [--since DATUM] [--json]`."
    )


def remove_import_form(store: AnyStore) -> None:
    """Choose an import and remove it from the store, after a confirmation."""
    imports = store.manifest().get("imports", [])
    done = st.session_state.pop("_weg_gedaan", None)
    if done is not None:
        (st.success if done[0] else st.error)(done[1])
    if not imports:
        return
    with st.expander("Een import verwijderen"):
        labels = {
            imp["id"]: f"{imp['id']}. {imp['file']} ({imp['source']}, "
            f"{fmt_int(imp['rows_imported'])} rijen, {imp['imported_at']})"
            for imp in imports
        }
        choice = st.selectbox(
            "Import",
            list(labels),
            format_func=labels.__getitem__,
            index=None,
            key="weg_import",
            placeholder="Kies de import die weg moet",
        )
        sure = st.checkbox(
            "Ik weet dat de gegevens van deze import uit alle cijfers verdwijnen.",
            key="weg_zeker",
        )
        st.button(
            "Import verwijderen",
            disabled=choice is None or not sure,
            type="primary",
            on_click=_remove,
            args=(store, choice),
        )


def _remove(store: AnyStore, import_id: int) -> None:
    """Remove an import (the button's callback: the role is checked again first) and record
    it; the outcome is shown on the next run."""
    who = access.current()
    if not who.may(auth.MANAGE):
        st.session_state["_weg_gedaan"] = (False, "U hebt geen rechten om imports te verwijderen.")
        return
    try:
        removed = store.remove_import(import_id)
    except InputError as exc:
        st.session_state["_weg_gedaan"] = (
            False,
            f"Verwijderen is mislukt; de store is ongewijzigd. {exc}",
        )
        return
    access.record(
        who,
        action=audit.REMOVE_IMPORT,
        details={"import": removed["id"], "bestand": removed["file"], "bron": removed["source"]},
        file_hash=removed.get("sha256"),
        rows=removed.get("rows_imported"),
    )
    st.session_state["weg_import"] = None
    st.session_state["weg_zeker"] = False
    st.session_state["_weg_gedaan"] = (
        True,
        f"Import {removed['id']} ({removed['file']}) is verwijderd.",
    )
