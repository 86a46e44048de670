"""Boundaries for the browser: simplification per area level that keeps neighbours' shared
edges, and the size of what a map sends.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from regie_analytics.geo.geometry import WGS84, _metric_crs, _repair
from regie_analytics.schema import AREA_LEVEL

WEB_TOLERANCE_M: dict[str, float] = {
    "gebied": 10.0,
    "buurt": 10.0,
    "wijk": 15.0,
    "stadsdeel": 25.0,
    "gemeente": 200.0,
}
"""Simplification tolerance in metres per area level: coarser areas are drawn at a smaller
scale, so they lose more detail unseen (the gemeenten of the whole country at 75 m are about
0.6 MB; one municipality's buurten at 10 m keep their streets)."""

_SNAP_M = (-1.0, 0.5)
"""Snapping distances tried in turn when areas are made a coverage: GEOS's own (a fraction of
the extent), then half a metre (the first leaves some gemeenten dissolved from CBS's wijken
overlapping)."""


def web_level(areas: gpd.GeoDataFrame) -> str | None:
    """The one area level of ``areas`` (their ``level`` column), or None when they mix
    levels or have none."""
    if AREA_LEVEL not in areas.columns:
        return None
    levels = set(areas[AREA_LEVEL].dropna())
    return str(levels.pop()) if len(levels) == 1 else None


def _coverage(polygons: np.ndarray, *, snap: tuple[float, ...] = _SNAP_M) -> np.ndarray | None:
    """``polygons`` as a valid coverage (overlaps merged and edges matched by
    :func:`shapely.coverage_clean`, with each snapping distance of ``snap`` in turn), or None
    when it cannot be made one."""
    if shapely.coverage_is_valid(polygons):
        return polygons
    for distance in snap:
        cleaned = np.asarray(
            shapely.coverage_clean(polygons, snapping_distance=distance), dtype=object
        )
        if not shapely.is_empty(cleaned).any() and shapely.coverage_is_valid(cleaned):
            return cleaned
    return None


def simplify_for_web(
    areas: gpd.GeoDataFrame, *, tolerance_m: float | None = None
) -> gpd.GeoDataFrame:
    """A copy of ``areas`` with geometries simplified for maps in the browser.

    Neighbouring areas keep their shared edges: the areas are made a valid coverage first
    (overlaps merged, edges matched: :func:`shapely.coverage_clean`) and simplified as one
    (:func:`shapely.coverage_simplify` in metres), so borders stay shared and no neighbour is
    gained or lost; areas that cannot form a coverage are simplified one by one. Coordinates
    are rounded to 5 decimals (about 1 m; a vertex two areas share rounds the same in both).

    Parameters
    ----------
    areas
        Areas with a CRS, indexed by ``area_code``.
    tolerance_m
        Default the :data:`WEB_TOLERANCE_M` of the areas' level (10 m for mixed levels).
    """
    level = web_level(areas) or "buurt"
    tolerance = WEB_TOLERANCE_M.get(level, 10.0) if tolerance_m is None else tolerance_m
    metric_crs = _metric_crs(areas.geometry)
    metric = np.asarray(areas.geometry.to_crs(metric_crs).values)
    coverage = _coverage(metric)
    if coverage is not None:
        simple = shapely.coverage_simplify(coverage, tolerance)
    else:
        simple = shapely.simplify(metric, tolerance, preserve_topology=True)
    back = np.asarray(gpd.GeoSeries(simple, crs=metric_crs).to_crs(WGS84).values)
    rounded = shapely.set_precision(back, 1e-5, mode="pointwise")
    collapsed = shapely.is_empty(rounded)
    rounded[collapsed] = back[collapsed]
    rounded = _repair(rounded)
    if coverage is not None:
        # Rounding can leave sub-metre overlaps where the areas' own data had gaps or
        # overlaps: they are merged again, without snapping any vertex.
        merged = _coverage(rounded, snap=(0.0,))
        rounded = rounded if merged is None else _repair(merged)
    out = areas.copy()
    return out.set_geometry(rounded, crs=WGS84)


def geojson_payload_size(areas: gpd.GeoDataFrame) -> int:
    """Bytes of ``areas.to_json()`` (UTF-8): what a map sends to the browser."""
    return len(areas.to_json().encode("utf-8"))
