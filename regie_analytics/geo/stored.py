"""Web geometry stored with the boundaries: the map geometry of every area level, simplified
once when a store version's boundaries are written and read back by every session.

A store version holds it as ``web.parquet`` next to ``areas.parquet``: columns ``level``,
``area_code``, ``tolerance_m`` and the geometry of :func:`~regie_analytics.geo.simplify_for_web`
of the areas at that level (WGS84). A version without the file (written before it existed), or
with geometry simplified at another tolerance than :data:`~regie_analytics.geo.WEB_TOLERANCE_M`
now asks, gets its web geometry computed as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.geo.geometry import WGS84
from regie_analytics.geo.levels import areas_at_level, available_levels
from regie_analytics.geo.web import WEB_TOLERANCE_M, simplify_for_web
from regie_analytics.schema import AREA_CODE
from regie_analytics.stats.stored import _same_boundaries

WEB_FILE = "web.parquet"
"""The file of the web geometry in a store version, next to ``areas.parquet``."""
AREAS_FILE = "areas.parquet"
LEVEL, TOLERANCE = "level", "tolerance_m"


def _tolerance(level: str) -> float:
    return WEB_TOLERANCE_M.get(level, 10.0)


def web_table(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The web geometry of every level of ``areas`` (store areas, as ``areas.parquet``): one
    row per area and level with ``level``, ``area_code``, ``tolerance_m`` and the geometry
    :func:`simplify_for_web` gives the areas at that level (:func:`areas_at_level`)."""
    frames = []
    for level in available_levels(areas):
        web = simplify_for_web(areas_at_level(areas, level))
        frames.append(
            gpd.GeoDataFrame(
                {
                    LEVEL: level,
                    AREA_CODE: web.index.astype("str"),
                    TOLERANCE: _tolerance(level),
                },
                geometry=web.geometry.to_numpy(),
                crs=WGS84,
            )
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)


def write_web(folder: Path, *, previous: Path | None = None) -> None:
    """Write ``web.parquet`` into the store version being built in ``folder`` (after its
    ``areas.parquet``): linked from the ``previous`` version when that has web geometry of
    the same boundaries, else computed from the areas (:func:`web_table`)."""
    folder = Path(folder)
    target = folder / WEB_FILE
    if previous is not None and _same_boundaries(folder, Path(previous), stored=WEB_FILE):
        os.link(Path(previous) / WEB_FILE, target)
        return
    web_table(gpd.read_parquet(folder / AREAS_FILE)).to_parquet(target, index=False)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def read_web(folder: Path, level: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """A copy of ``areas`` (the areas at ``level``) with their stored web geometry, or None
    when the version has none, or none of exactly these areas at today's tolerance."""
    path = Path(folder) / WEB_FILE
    if not path.exists():
        return None
    return web_of(gpd.read_parquet(path, filters=[(LEVEL, "==", level)]), level, areas)


def web_of(
    stored: gpd.GeoDataFrame, level: str, areas: gpd.GeoDataFrame
) -> gpd.GeoDataFrame | None:
    """A copy of ``areas`` with the geometry of ``stored`` (rows of :func:`web_table` of
    ``level``), or None when they are not exactly these areas at today's tolerance."""
    codes = pd.Index(stored[AREA_CODE].astype("str"))
    if (
        len(codes) != len(areas)
        or not codes.is_unique
        or not np.allclose(stored[TOLERANCE].to_numpy(dtype=float), _tolerance(level))
    ):
        return None
    where = codes.get_indexer(pd.Index(areas.index.astype("str")))
    if (where < 0).any():
        return None
    geometry = stored.geometry.to_numpy()[where]
    return areas.copy().set_geometry(geometry, crs=WGS84)


def stored_web(folder: Path, level: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The web geometry of ``areas`` (the areas at ``level`` of the store version in
    ``folder``): read from ``web.parquet``, or computed (:func:`simplify_for_web`) for a
    version without it."""
    found = read_web(folder, level, areas)
    return found if found is not None else simplify_for_web(areas)
