"""The shared sidebar filters, kept in the URL query string (``bind="query-params"``).

Every widget has a short Dutch key that is also its query parameter, so a view can be shared
as a link and survives a reload: ``?periode=laatste+3+maanden&domein=sociaal&niveau=wijk``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from regie_analytics import aggregate
from regie_analytics.formatting import fmt_month, fmt_period
from regie_analytics.ui.data import StoreData


@dataclass(frozen=True)
class Filters:
    """The current selection, hashable so cached functions can take it as an argument."""

    preset: str
    start: str
    end: str
    domains: tuple[str, ...]
    themes: tuple[str, ...]
    channels: tuple[str, ...]
    level: str
    private: bool = False
    """Hide small counts on screen too (exports and the presentation always do)."""

    @property
    def computed(self) -> Filters:
        """The selection as computations see it: the months, not the preset that chose
        them, and without the on-screen privacy setting (which changes what is shown, not
        what is computed). Cached computations take this, so toggling privacy, or picking
        the same months another way, computes nothing new."""
        return replace(self, preset="", private=False)

    @property
    def previous(self) -> tuple[str, str]:
        return aggregate.previous_period(self.start, self.end)

    def describe(self) -> str:
        """The filter in one Dutch line, for screens and exports."""
        parts = [fmt_period(self.start, self.end)]
        parts.append(", ".join(self.domains) if self.domains else "geen domein")
        if self.themes:
            parts.append("thema's: " + ", ".join(self.themes))
        if self.channels:
            parts.append("kanalen: " + ", ".join(self.channels))
        parts.append(f"niveau: {self.level}")
        return " · ".join(parts)


def apply(cube: pd.DataFrame, filters: Filters, *, period: bool = True) -> pd.DataFrame:
    """The cube restricted to the filters (and, with ``period``, to the chosen months)."""
    return aggregate.filter_cube(
        cube,
        start=filters.start if period else None,
        end=filters.end if period else None,
        domains=filters.domains,
        themes=filters.themes or None,
        channels=filters.channels or None,
    )


def sidebar(data: StoreData, *, exact: bool = True) -> Filters:
    """Draw the shared filters in the sidebar and return the selection; without ``exact``
    (a role that may not see exact small counts) they are always hidden, whatever the URL."""
    with st.sidebar:
        st.markdown("### Filters")
        preset = st.selectbox(
            "Periode",
            aggregate.PERIOD_PRESETS,
            index=0,
            key="periode",
            bind="query-params",
        )
        start = end = None
        if preset == "aangepast":
            start, end = st.select_slider(
                "Maanden",
                options=data.months,
                value=(data.months[max(0, len(data.months) - 12)], data.months[-1]),
                format_func=fmt_month,
                key="maanden",
                bind="query-params",
            )
        start, end = aggregate.resolve_period(data.months, preset, start=start, end=end)
        st.caption(f"{fmt_period(start, end)} (vergeleken met de periode ervoor)")
        domains_all = data.domains
        # options are shown as they are, so the URL reads ?domein=sociaal&niveau=wijk
        domains = st.multiselect(
            "Domein",
            domains_all,
            default=[d for d in domains_all if d != "overig"] or domains_all,
            key="domein",
            bind="query-params",
            help="'overig' = signalen waarvan de categorie niet is herkend; koppel ze op de "
            "Data-pagina.",
        )
        theme_options = data.themes_of(tuple(domains))
        themes = st.multiselect(
            "Thema's",
            theme_options,
            default=[],
            placeholder="Alle thema's",
            key="thema",
            bind="query-params",
        )
        channels = st.multiselect(
            "Kanaal",
            data.channels,
            default=[],
            placeholder="Alle kanalen",
            key="kanaal",
            bind="query-params",
        )
        level = st.selectbox(
            "Gebiedsniveau",
            data.levels,
            index=0,
            key="niveau",
            bind="query-params",
        )
        private = (
            st.toggle(
                "Kleine aantallen verbergen",
                key="privacy",
                bind="query-params",
                help="Toont aantallen van 1 tot 4 als '<5', bijvoorbeeld als u uw scherm deelt. "
                "Exports en de presentatiemodus doen dit altijd.",
            )
            if exact
            else st.toggle(
                "Kleine aantallen verbergen",
                value=True,
                disabled=True,
                key="privacy_vast",
                help="Voor uw rol zijn aantallen van 1 tot 4 altijd verborgen ('<5').",
            )
        )
    return Filters(
        preset=preset,
        start=start,
        end=end,
        domains=tuple(domains),
        themes=tuple(t for t in themes if t in theme_options),
        channels=tuple(channels),
        level=level,
        private=bool(private) or not exact,
    )


def current() -> Filters:
    """The filters drawn by ``app.py`` in this run (stored in the session)."""
    filters: Filters = st.session_state["_filters"]
    return filters
