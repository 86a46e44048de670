"""Coordinates and shapes: the two CRSs used (WGS84, RD New), guessing a missing CRS, the metric
CRS for measuring areas, and repairing geometries into valid (multi)polygons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from regie_analytics.schema import InputError

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

# EPSG:28992 is used for areas inside this box (lon/lat); elsewhere a UTM zone.
_NL_BOX = (2.5, 50.0, 7.5, 54.0)
_RD_X = (0.0, 300_000.0)
_RD_Y = (300_000.0, 625_000.0)


def _in_degrees(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


def _guess_crs(bounds: np.ndarray, path: Path) -> str:
    """RD New when the coordinates fit its range, WGS84 when they are degrees."""
    minx, miny, maxx, maxy = bounds
    if _RD_X[0] <= minx and maxx <= _RD_X[1] and _RD_Y[0] <= miny and maxy <= _RD_Y[1]:
        return RD_NEW
    if _in_degrees(bounds):
        return WGS84
    raise InputError(
        "Het coördinatenstelsel van het bestand is onbekend en de coördinaten zijn geen "
        "WGS84 (graden) of RD New (EPSG:28992).",
        file=path,
        hint="Lever het bestand aan in WGS84 of RD New, of voeg het .prj-bestand toe.",
    )


def _with_crs(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Set a CRS where the file has none (or claims degrees but holds metres)."""
    bounds = frame.total_bounds
    if frame.crs is None or (frame.crs.is_geographic and not _in_degrees(bounds)):
        return frame.set_crs(_guess_crs(bounds, path), allow_override=True)
    return frame


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of a geometry (repaired geometries may hold lines or points)."""
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        return geometry
    parts = list(shapely.get_parts(geometry))
    polygons: list[shapely.Polygon] = []
    while parts:
        part = parts.pop()
        if isinstance(part, shapely.Polygon):
            polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            parts.extend(shapely.get_parts(part))
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def _repair(geometries: np.ndarray) -> np.ndarray:
    """Make invalid geometries valid, keeping only their polygonal parts."""
    out = np.asarray(geometries, dtype=object).copy()
    invalid = ~shapely.is_valid(out)
    if invalid.any():
        out[invalid] = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
    mixed = ~np.isin(shapely.get_type_id(out), (3, 6))
    if mixed.any():
        out[mixed] = [_polygonal(g) for g in out[mixed]]
    return out


def _metric_crs(geometries: gpd.GeoSeries) -> Any:
    """RD New for areas in the Netherlands, else the UTM zone of the areas."""
    minx, miny, maxx, maxy = geometries.to_crs(WGS84).total_bounds
    box = _NL_BOX
    if box[0] <= minx and maxx <= box[2] and box[1] <= miny and maxy <= box[3]:
        return RD_NEW
    return geometries.estimate_utm_crs()
