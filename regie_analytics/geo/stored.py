"""Geometry stored with the boundaries: the dissolved areas of every coarser level and the map
geometry of every area level, computed once when a store version's boundaries are written and
read back by every session.

A store version holds them next to ``areas.parquet``:

- ``levels.parquet``: columns ``level``, ``area_code`` and the geometry (WGS84) of the areas'
  dissolve into each level above the finest (wijk, stadsdeel, gemeente), as
  :func:`~regie_analytics.geo.areas_at_level` computes it (a few seconds per level for national
  boundaries). The other columns of those areas (names, population, area) are summed again on
  reading: population may change without the geometry.
- ``web.parquet``: columns ``level``, ``area_code``, ``tolerance_m`` and the geometry of
  :func:`~regie_analytics.geo.simplify_for_web` of the areas at that level (WGS84).

A version without a file (written before it existed), or with geometry simplified at another
tolerance than :data:`~regie_analytics.geo.WEB_TOLERANCE_M` now asks, gets that geometry
computed as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.geo.geometry import WGS84
from regie_analytics.geo.levels import areas_at_level, available_levels
from regie_analytics.geo.web import WEB_TOLERANCE_M, simplify_for_web
from regie_analytics.schema import AREA_CODE

WEB_FILE = "web.parquet"
"""The file of the web geometry in a store version, next to ``areas.parquet``."""
LEVELS_FILE = "levels.parquet"
"""The file of the dissolved geometry of the coarser levels, next to ``areas.parquet``."""
AREAS_FILE = "areas.parquet"
LEVEL, TOLERANCE = "level", "tolerance_m"


def _tolerance(level: str) -> float:
    return WEB_TOLERANCE_M.get(level, 10.0)


def level_areas(
    areas: gpd.GeoDataFrame, *, dissolved: gpd.GeoDataFrame | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """:func:`areas_at_level` of every level of ``areas`` (store areas), finest first; the
    coarser levels' geometry taken from ``dissolved`` (rows of :func:`levels_table`) where it
    holds exactly their areas."""
    return {
        level: areas_at_level(areas, level, dissolved=level_geometry(dissolved, level))
        for level in available_levels(areas)
    }


def level_geometry(dissolved: gpd.GeoDataFrame | None, level: str) -> gpd.GeoSeries | None:
    """The geometry of ``level``'s rows of ``dissolved`` (rows of :func:`levels_table`) by
    area code; None without ``dissolved``."""
    if dissolved is None:
        return None
    rows = dissolved[dissolved[LEVEL] == level]
    return gpd.GeoSeries(
        rows.geometry.to_numpy(), index=pd.Index(rows[AREA_CODE].astype("str")), crs=WGS84
    )


def levels_table(at_level: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The dissolved geometry of every level but the finest of :func:`level_areas`: one row
    per area with ``level``, ``area_code`` and its geometry (WGS84)."""
    frames = [
        gpd.GeoDataFrame(
            {LEVEL: level, AREA_CODE: areas.index.astype("str")},
            geometry=areas.geometry.to_numpy(),
            crs=WGS84,
        )
        for level, areas in list(at_level.items())[1:]
    ]
    if not frames:
        return gpd.GeoDataFrame({LEVEL: [], AREA_CODE: []}, geometry=[], crs=WGS84).astype(
            {LEVEL: "str", AREA_CODE: "str"}
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)


def web_table(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The web geometry of every level of ``areas`` (store areas, as ``areas.parquet``): one
    row per area and level with ``level``, ``area_code``, ``tolerance_m`` and the geometry
    :func:`simplify_for_web` gives the areas at that level (:func:`areas_at_level`)."""
    return web_table_of(level_areas(areas))


def web_table_of(at_level: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """:func:`web_table` of the areas at each level (:func:`level_areas`)."""
    frames = []
    for level, level_rows in at_level.items():
        web = simplify_for_web(level_rows)
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
    """Write ``levels.parquet`` and ``web.parquet`` into the store version being built in
    ``folder`` (after its ``areas.parquet``): each linked from the ``previous`` version when
    that has it of the same boundaries, else computed from the areas (:func:`levels_table`,
    :func:`web_table`; the areas dissolved once for both)."""
    from regie_analytics.stats.stored import _same_boundaries  # libpysal: only when writing

    folder = Path(folder)
    at_level: dict[str, gpd.GeoDataFrame] | None = None
    for name, table in ((LEVELS_FILE, levels_table), (WEB_FILE, web_table_of)):
        target = folder / name
        if previous is not None and _same_boundaries(folder, Path(previous), stored=name):
            os.link(Path(previous) / name, target)
            continue
        if at_level is None:  # the levels stored just now, when linked
            areas = gpd.read_parquet(folder / AREAS_FILE)
            at_level = level_areas(areas, dissolved=read_levels(folder))
        table(at_level).to_parquet(target, index=False)
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())


def write_derived(folder: Path) -> None:
    """Write ``weights.parquet``, ``levels.parquet`` and ``web.parquet`` of new boundaries
    into ``folder`` (after its ``areas.parquet``), the areas dissolved into each level once
    for all three: the same files as :func:`~regie_analytics.stats.stored.write_weights`
    and :func:`write_web` without a previous version."""
    from regie_analytics.stats.stored import WEIGHTS_FILE, weights_table

    folder = Path(folder)
    areas = gpd.read_parquet(folder / AREAS_FILE)
    at_level = level_areas(areas)
    tables = (
        (WEIGHTS_FILE, lambda: weights_table(areas, at_level=at_level)),
        (LEVELS_FILE, lambda: levels_table(at_level)),
        (WEB_FILE, lambda: web_table_of(at_level)),
    )
    for name, table in tables:
        target = folder / name
        table().to_parquet(target, index=False)
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())


def read_levels(folder: Path) -> gpd.GeoDataFrame | None:
    """The dissolved geometry stored in the version in ``folder`` (rows of
    :func:`levels_table`), or None for a version without it."""
    path = Path(folder) / LEVELS_FILE
    return gpd.read_parquet(path) if path.exists() else None


def stored_areas_at(folder: Path, level: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """:func:`areas_at_level` of ``areas`` (the store version's in ``folder``) with the
    dissolved geometry stored with them (:func:`read_levels`); dissolved now for a version
    without it."""
    path = Path(folder) / LEVELS_FILE
    stored = None
    if path.exists() and level != available_levels(areas)[0]:
        rows = gpd.read_parquet(path, filters=[(LEVEL, "==", level)])
        stored = level_geometry(rows, level)
    return areas_at_level(areas, level, dissolved=stored)


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
