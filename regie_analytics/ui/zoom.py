"""The part of the areas a map shows: the "Inzoomen op" choice (kept in the URL as
``?inzoomen=GM0363``), a note when the map shows a coarser level than the filter's, and the
way back to the whole. Above :data:`geo.MAP_AREA_LIMIT` areas a map draws a coarser level for
the whole and the finer level for one part at a time (:func:`geo.map_view`)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from regie_analytics import geo
from regie_analytics.formatting import fmt_int, fmt_level, plain_text
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import components
from regie_analytics.ui.filters import Filters

ZOOM_PARAM = "inzoomen"
"""The query parameter holding the area code the maps are zoomed on."""


def part_level(data: Snapshot, level: str, part: str | None) -> str | None:
    """The level of area ``part`` when a map of ``level`` can zoom on it (a coarser level),
    else None."""
    if part is None:
        return None
    for other in geo.zoom_levels(data.levels, level):
        if part in data.areas_at(other).index:
            return other
    return None


def map_areas(data: Snapshot, level: str, part: str | None) -> tuple[str, gpd.GeoDataFrame]:
    """The level a map of ``level`` draws (zoomed on ``part``, or the whole) and its areas
    with web geometry (:func:`geo.map_view`; shared: do not change them)."""
    shown, codes = geo.map_view(
        data.areas_at,
        levels=data.levels,
        level=level,
        part=part,
        part_level=part_level(data, level, part),
        limit=geo.MAP_AREA_LIMIT,
    )
    web = data.web_areas(shown)
    return shown, web if len(codes) == len(web) else web.loc[codes]


def codes_in_view(data: Snapshot, level: str, part: str | None) -> pd.Index | None:
    """The codes of the areas at ``level`` inside the ``part`` zoomed on (whatever level the
    map draws them at), or None for the whole: the rows a table under the map shows."""
    level_of_part = part_level(data, level, part)
    if part is None or level_of_part is None:
        return None
    return geo.codes_in_part(data.areas_at(level), part=part, part_level=level_of_part)


def _options(data: Snapshot, level: str) -> dict[str, str]:
    """The parts a map of ``level`` can zoom on, coarsest level first and by name, with
    their labels (a level of one area is no choice)."""
    options: dict[str, str] = {}
    for other in geo.zoom_levels(data.levels, level):
        names = data.areas_at(other)["name"].sort_values()
        if len(names) > 1:
            for code, name in names.items():
                options[str(code)] = f"{name} ({fmt_level(other)}, {code})"
    return options


def _whole() -> None:
    st.query_params.pop(ZOOM_PARAM, None)


def go_to(code: str) -> None:
    """Zoom the maps on area ``code`` (a click on a coarser map): it goes into the URL."""
    st.query_params[ZOOM_PARAM] = code
    st.rerun()


def picker(data: Snapshot, sel: Filters, *, shows: str | None = None) -> str | None:
    """Draw "Inzoomen op" (only when there are parts to choose), a note on what the map
    shows (``shows``: what a coarser map shows per area, see :func:`coarse_note`) and, when
    zoomed, the way back; return the area code zoomed on, or None."""
    options = _options(data, sel.level)
    if not options:
        return None
    part = components.area_picker(
        "Inzoomen op",
        options,
        param=ZOOM_PARAM,
        placeholder="Het geheel (kies een gemeente, stadsdeel of wijk om in te zoomen)",
    )
    level_of_part = part_level(data, sel.level, part)
    if part is None or level_of_part is None:
        coarse_note(data, sel, shows=shows)
        return None
    shown, areas = map_areas(data, sel.level, part)
    name = data.areas_at(level_of_part).loc[part, "name"]
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(
        f"Ingezoomd op {plain_text(name)}: {fmt_int(len(areas))} "
        f"{fmt_level(shown, plural=True)}, met de klassen van dit deel."
    )
    right.button("Terug naar het geheel", on_click=_whole, icon=":material/zoom_out_map:")
    return part


def coarse_note(
    data: Snapshot, sel: Filters, *, shows: str | None = None, zooms: bool = True
) -> None:
    """Say so when the whole is mapped at a coarser level than the filter's (too many
    areas for one map): with ``shows``, what the map shows per coarser area; with ``zooms``
    that a part can be zoomed on ('Inzoomen op', a page with the picker)."""
    shown, _ = map_areas(data, sel.level, None)
    if shown == sel.level:
        return
    count = len(data.areas_at(sel.level))
    text = (
        f"Er zijn {fmt_int(count)} {fmt_level(sel.level, plural=True)}: te veel voor één "
        f"kaart. De kaart toont daarom {fmt_level(shown, plural=True)}"
    )
    if shows:
        text += f", per {fmt_level(shown)} {shows}"
    if zooms:
        text += (
            f"; de {fmt_level(sel.level, plural=True)} ziet u per deel: kies een deel bij "
            "'Inzoomen op' of klik op de kaart op een gebied"
        )
    text += "."
    st.info(text, icon=":material/zoom_in:")
