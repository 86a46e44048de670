"""The shared sidebar filters, kept in the URL query string (``bind="query-params"``).

Every widget has a short Dutch key that is also its query parameter, so a view can be shared
as a link and survives a reload: ``?periode=laatste+3+maanden&domein=sociaal&niveau=wijk``.

One setting is deliberately not in the URL: "Kleine aantallen verbergen". It is on for every
new session, so whoever opens a shared link (or a link with ``?privacy=false``) sees protected
counts; an analyst who turns it off sees exact counts in that session only, with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import streamlit as st

from regie_analytics import aggregate, privacy
from regie_analytics.formatting import fmt_month, fmt_period, plain_text
from regie_analytics.schema import DOMAINS, OTHER, InputError
from regie_analytics.snapshot import Snapshot


@dataclass(frozen=True)
class Filters:
    """The current selection (the months, not the preset that chose them: picking the same
    months another way computes nothing new), hashable so cached functions can take it as an
    argument."""

    start: str
    end: str
    domains: tuple[str, ...]
    themes: tuple[str, ...]
    channels: tuple[str, ...]
    level: str
    private: bool = True
    """Protected counts on screen (the default; exports and the presentation always are):
    every count perturbed with the cell-key method, small ones as "<5", every measure computed
    from them. ``False`` is the analyst's exact view."""

    @property
    def until_end(self) -> Filters:
        """The selection from the first month to the period's end (``start`` left open), for
        what runs up to the period's end (series, emerging hotspots): another period with the
        same end then computes and draws nothing new."""
        return replace(self, start="")

    @property
    def municipal(self) -> Filters:
        """The selection without its area level (``level`` left open), for what is about
        the municipality as a whole: another level then computes and draws nothing new."""
        return replace(self, level="")

    def at_level(self, level: str) -> Filters:
        """The selection at another area level (a profile's area at its own level)."""
        return replace(self, level=level)

    @property
    def protected(self) -> Filters:
        """The selection with counts protected, as exports and the presentation show it."""
        return replace(self, private=True)

    @property
    def previous(self) -> tuple[str, str]:
        """The period of the same length just before this one."""
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


def _unknown(param: str, options: Sequence[str]) -> list[str]:
    """The values of query parameter ``param`` that are not among ``options``, as text that
    shows literally (a link can hold anything)."""
    return [plain_text(v) for v in st.query_params.get_all(param) if v not in options]


def _months_from_link(data: Snapshot) -> tuple[tuple[str, str] | None, str | None]:
    """Check the months of a custom period in the link (``?maanden=...``, two values): the
    slider's labels (``jan 2025``), or months such as ``2025-01``, read with the one period
    parser (:func:`aggregate.parse_period`). Returns the period to start the slider at (for
    months the slider cannot read itself) and a Dutch notice when the link's months are not a
    period of this data (the default is shown instead)."""
    values = st.query_params.get_all("maanden")
    labels = {fmt_month(m): m for m in data.months}
    if not values or all(v in labels for v in values):
        return None, None
    months = [labels.get(v, v) for v in values]
    try:
        if len(months) != 2:
            raise InputError(f"ongeldige periode '{':'.join(months)}'.", hint="geef twee maanden.")
        start, end = aggregate.parse_period(f"{months[0]}:{months[1]}", months=data.months)
    except InputError as exc:
        return None, f"De periode in de link is genegeerd: {plain_text(exc)}"
    return (max(start, data.months[0]), min(end, data.months[-1])), None


def _link_notices(notices: list[str], filters: Filters) -> None:
    """Show what the link asked for but does not exist, for as long as the filters stay as
    they were then (a notice that vanished on the first click would be missed)."""
    if notices:
        st.session_state["_link_notices"] = (notices, filters)
    shown, when = st.session_state.get("_link_notices", ([], None))
    if shown and when == filters:
        st.warning(
            "**Deze link klopt niet helemaal.** " + " ".join(shown) + " De rest van de "
            "selectie is overgenomen; pas de filters in de zijbalk aan als dat nodig is.",
            icon=":material/link_off:",
        )


def sidebar(data: Snapshot, *, exact: bool = True) -> Filters:
    """Draw the shared filters in the sidebar and return the selection; without ``exact``
    (a role that may not see exact small counts) they are always hidden, whatever the URL.

    What a shared link asks for that does not exist in this data (an unknown period, domain,
    theme, channel or level) is not replaced silently: a notice on the page says what was
    left out."""
    notices: list[str] = []
    for param, options, what in (
        ("periode", aggregate.PERIOD_PRESETS, "Onbekende periode"),
        ("domein", data.domains, "Onbekend domein"),
        ("kanaal", data.channels, "Onbekend kanaal"),
        ("niveau", data.levels, "Onbekend gebiedsniveau"),
    ):
        unknown = _unknown(param, options)
        if unknown:
            notices.append(
                f"{what} '{', '.join(unknown)}' is genegeerd (kies uit {', '.join(options)})."
            )
    linked, months_notice = _months_from_link(data)
    if months_notice:
        notices.append(months_notice)
    with st.sidebar:
        st.markdown("### Filters")
        preset = st.selectbox(
            "Periode",
            aggregate.PERIOD_PRESETS,
            index=0,
            placeholder="Kies een periode",
            key="periode",
            bind="query-params",
        )
        start = end = None
        if preset == "aangepast":
            start, end = st.select_slider(
                "Maanden",
                options=data.months,
                value=linked or (data.months[max(0, len(data.months) - 12)], data.months[-1]),
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
            default=[d for d in domains_all if d != OTHER] or domains_all,
            placeholder="Kies een domein",
            key="domein",
            bind="query-params",
            help="'overig' = signalen waarvan de categorie niet is herkend; koppel ze op de "
            "Data-pagina.",
        )
        theme_options = data.themes_of(tuple(domains))
        unknown = _unknown("thema", theme_options)
        if unknown:
            notices.append(
                f"Het thema '{', '.join(unknown)}' komt in de gekozen domeinen niet voor en is "
                "genegeerd."
            )
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
            placeholder="Kies een niveau",
            key="niveau",
            bind="query-params",
        )
        # not bound to the URL: a shared link always opens protected (see the module doc)
        private = (
            st.toggle(
                "Kleine aantallen verbergen",
                value=True,
                key="privacy",
                help="Aan (standaard): beschermde aantallen, zoals in exports en de "
                "presentatie; licht verstoord zodat niemand herkenbaar is, kleine als "
                f"'{privacy.SUPPRESSED_LABEL}'. "
                "Uit: exacte aantallen, alleen in deze sessie en alleen voor uw eigen analyse.",
            )
            if exact
            else st.toggle(
                "Kleine aantallen verbergen",
                value=True,
                disabled=True,
                key="privacy_vast",
                help="Voor uw rol zijn aantallen altijd beschermd (licht verstoord, kleine als "
                f"'{privacy.SUPPRESSED_LABEL}').",
            )
        )
        if not private:
            st.warning(
                "Exacte aantallen: alleen voor uw eigen analyse, niet delen of publiceren. Wie "
                "een link opent, ziet beschermde aantallen.",
                icon=":material/visibility:",
            )
    filters = Filters(
        start=start,
        end=end,
        domains=tuple(d for d in DOMAINS if d in domains),
        themes=tuple(t for t in themes if t in theme_options),
        channels=tuple(channels),
        level=level,
        private=bool(private) or not exact,
    )
    _link_notices(notices, filters)
    return filters


def current() -> Filters:
    """The filters drawn by ``app.py`` in this run (stored in the session)."""
    filters: Filters = st.session_state["_filters"]
    return filters
