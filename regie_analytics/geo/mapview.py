"""What a map draws when there are too many areas for one: a coarser level for the whole, the
finer level for one part (a gemeente, stadsdeel or wijk) at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import pandas as pd

from regie_analytics.geo.levels import _PARENT_COLUMN

MAP_AREA_LIMIT = 1000
"""The most areas one map draws: above it the map shows a coarser level (the gemeenten of
the whole country are about 0.5 MB in the browser; a municipality's 500 buurten 0.3 MB)."""


def zoom_levels(levels: Sequence[str], level: str) -> list[str]:
    """The levels of ``levels`` (finest first) coarser than ``level``: the parts a map of
    ``level`` can be zoomed on, coarsest first (gemeente, stadsdeel, wijk)."""
    return list(reversed(levels[levels.index(level) + 1 :]))


def codes_in_part(areas: gpd.GeoDataFrame, *, part: str, part_level: str) -> pd.Index:
    """The codes of ``areas`` (areas at a level finer than ``part_level``, as
    :func:`~regie_analytics.geo.areas_at_level` returns them) that lie in area ``part``."""
    column = _PARENT_COLUMN[part_level]
    return areas.index[(areas[column] == part).to_numpy()]


def part_codes(areas: gpd.GeoDataFrame, *, part_level: str) -> pd.Series:
    """The code at ``part_level`` (a coarser level) of each of ``areas`` (areas at a finer
    level, as :func:`~regie_analytics.geo.areas_at_level` returns them), by area code."""
    return pd.Series(
        areas[_PARENT_COLUMN[part_level]].astype("str").to_numpy(), index=areas.index.astype("str")
    )


def map_view(
    areas_at: Callable[[str], gpd.GeoDataFrame],
    *,
    levels: Sequence[str],
    level: str,
    part: str | None = None,
    part_level: str | None = None,
    limit: int = MAP_AREA_LIMIT,
) -> tuple[str, pd.Index]:
    """The level a map of ``level`` draws and the codes of the areas it draws.

    The areas at ``level`` (those in ``part`` only, an area at ``part_level``) when there
    are at most ``limit``; else those of the finest coarser level (finer than ``part_level``)
    that has at most ``limit``, or of the coarsest such level when none has.

    Parameters
    ----------
    areas_at
        The areas at a level (:func:`~regie_analytics.geo.areas_at_level` or the dashboard
        snapshot's kept copy).
    levels
        The levels the areas can be shown at, finest first.
    level
        The level asked for.
    part, part_level
        The area the map is zoomed on and its level (one of :func:`zoom_levels`).
    limit
        The most areas one map draws.
    """
    stop = len(levels) if part_level is None else levels.index(part_level)
    candidates = list(levels[levels.index(level) : stop]) or [level]
    for candidate in candidates:
        frame = areas_at(candidate)
        if part is None or part_level is None:
            codes = frame.index
        else:
            codes = codes_in_part(frame, part=part, part_level=part_level)
        if len(codes) <= limit:
            break
    return candidate, codes
