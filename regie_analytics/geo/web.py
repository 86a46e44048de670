"""Boundaries for the browser: simplification that keeps neighbours' shared edges, and the size
of what a map sends.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from regie_analytics.geo.geometry import WGS84, _metric_crs, _repair


def simplify_for_web(areas: gpd.GeoDataFrame, *, tolerance_m: float = 10.0) -> gpd.GeoDataFrame:
    """A copy of ``areas`` with geometries simplified for maps in the browser.

    Neighbouring areas keep their shared edges (coverage simplification in metres when the
    areas form a valid coverage); coordinates are rounded to 5 decimals (about 1 m).
    """
    metric_crs = _metric_crs(areas.geometry)
    metric = np.asarray(areas.geometry.to_crs(metric_crs).values)
    if shapely.coverage_is_valid(metric):
        simple = shapely.coverage_simplify(metric, tolerance_m)
    else:
        simple = shapely.simplify(metric, tolerance_m, preserve_topology=True)
    back = np.asarray(gpd.GeoSeries(simple, crs=metric_crs).to_crs(WGS84).values)
    rounded = shapely.set_precision(back, 1e-5)
    collapsed = shapely.is_empty(rounded)
    rounded[collapsed] = back[collapsed]
    out = areas.copy()
    return out.set_geometry(_repair(rounded), crs=WGS84)


def geojson_payload_size(areas: gpd.GeoDataFrame) -> int:
    """Bytes of ``areas.to_json()`` (UTF-8): what a map sends to the browser."""
    return len(areas.to_json().encode("utf-8"))
