"""What is in the store, for the beheerder: exact counts, quality figures, the boundaries,
taxonomy and period, and the list of imports."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics.formatting import fmt_int, fmt_levels, fmt_pct, plain_text
from regie_analytics.store import AnyStore, open_store
from regie_analytics.ui import components


@st.cache_data(show_spinner=False, max_entries=4)
def _store_info(path: str, version: str) -> dict[str, Any]:
    return open_store(path).info()


def store_info(store: AnyStore) -> dict[str, Any]:
    """``store.info()``, read once per store version (a new import is a new version)."""
    current = store.version_name
    if current is None:
        return store.info()
    return _store_info(store.location, current)


EXACT_STORE_NOTE = (
    "Exacte aantallen uit de store, voor intern beheer: niet delen of publiceren. Het "
    "dashboard, de exports en de presentatie tonen beschermde aantallen."
)


def show_store(store: AnyStore) -> None:
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
