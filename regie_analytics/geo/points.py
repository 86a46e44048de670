"""Point-in-polygon assignment: coordinates in WGS84 or RD New, with swapped axes detected and
corrected per row; each point goes to the area containing it (:func:`assign_points`).
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from regie_analytics.geo.geometry import _RD_X, _RD_Y, RD_NEW, WGS84
from regie_analytics.schema import NO_LOCATION, OUTSIDE, InputError


@dataclass(frozen=True, eq=False)
class PointAssignment:
    """Areas of a set of points, with the coordinates as understood.

    Attributes
    ----------
    area_code
        Object array: the area's code, ``OUTSIDE`` or ``NO_LOCATION``.
    lon, lat
        WGS84 coordinates after correction (NaN where unusable).
    swapped
        The two axes were swapped in the input and have been corrected.
    rd
        The input was RD New (EPSG:28992).
    """

    area_code: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    swapped: np.ndarray
    rd: np.ndarray
    n_points: int
    n_assigned: int
    n_outside: int
    n_no_location: int
    n_swapped: int
    n_rd: int


@functools.lru_cache(maxsize=1)
def _rd_to_wgs84() -> Transformer:
    return Transformer.from_crs(RD_NEW, WGS84, always_xy=True)


def _as_float(values: Any) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values, dtype="float64")


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Areas ready for look-ups: codes sorted, prepared copies of the geometries (WGS84) in
    that order, their bounds and the bounds of all."""

    codes: np.ndarray
    geometries: np.ndarray
    bounds: np.ndarray
    total_bounds: np.ndarray


_last_prepared: tuple[weakref.ReferenceType[gpd.GeoDataFrame], _Prepared] | None = None
_prepared_lock = threading.Lock()


def _prepared(areas: gpd.GeoDataFrame) -> _Prepared:
    """The areas prepared for :func:`assign_points`; kept for the last frame seen while it
    lives (an import assigns batch after batch to the same areas; frames are never changed in
    place)."""
    global _last_prepared
    with _prepared_lock:
        if _last_prepared is not None and _last_prepared[0]() is areas:
            return _last_prepared[1]
    wgs84 = areas
    if wgs84.crs is not None and wgs84.crs.to_epsg() != 4326:
        wgs84 = wgs84.to_crs(WGS84)
    codes = np.asarray(wgs84.index.astype("str"), dtype=object)
    order = np.argsort(codes, kind="stable")
    # copies: preparing changes a geometry object, and the caller's stay as they were
    geometries = shapely.from_wkb(shapely.to_wkb(np.asarray(wgs84.geometry.values)[order]))
    shapely.prepare(geometries)
    prepared = _Prepared(
        codes=codes[order],
        geometries=geometries,
        bounds=shapely.bounds(geometries),
        total_bounds=np.asarray(wgs84.total_bounds, dtype="float64"),
    )
    with _prepared_lock:
        _last_prepared = (weakref.ref(areas), prepared)
    return prepared


def _bbox_distance2(x: np.ndarray, y: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    dx = np.maximum(np.maximum(bounds[0] - x, 0.0), x - bounds[2])
    dy = np.maximum(np.maximum(bounds[1] - y, 0.0), y - bounds[3])
    return dx * dx + dy * dy


def _containing(
    geometries: np.ndarray, bounds: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Index of the first geometry containing or touching each point, ``len(geometries)``
    for none.

    Points are sorted by x once; each geometry tests only the points in its bounding box
    (binary search on x, mask on y) with its prepared form.
    """
    n_areas = len(geometries)
    order = np.argsort(x, kind="stable")
    sx, sy = x[order], y[order]
    lo = np.searchsorted(sx, bounds[:, 0], side="left")
    hi = np.searchsorted(sx, bounds[:, 2], side="right")
    best = np.full(len(x), n_areas, dtype=np.int64)
    some = np.flatnonzero(lo < hi)  # in code order: the first area found is the lowest code
    slabs = zip(
        some.tolist(),
        lo[some].tolist(),
        hi[some].tolist(),
        bounds[some, 1].tolist(),
        bounds[some, 3].tolist(),
        strict=True,
    )
    for k, start, stop, bottom, top in slabs:  # plain Python numbers: the loop runs per area
        slab = sy[start:stop]
        candidates = ((slab >= bottom) & (slab <= top)).nonzero()[0]
        if candidates.size == 0:
            continue
        candidates += start
        candidates = candidates[best[candidates] == n_areas]
        if candidates.size == 0:
            continue
        inside = shapely.intersects_xy(geometries[k], sx[candidates], sy[candidates])
        best[candidates[inside]] = k
    out = np.empty_like(best)
    out[order] = best
    return out


def assign_points(
    areas: gpd.GeoDataFrame,
    x: Any,
    y: Any,
    *,
    max_swapped_share: float | None = None,
) -> PointAssignment:
    """Assign points to the area containing them.

    Each row may be WGS84 (lon, lat) or RD New (x, y), either in order or with the two axes
    swapped; swaps are detected per row and corrected. A point on a shared edge goes to the
    area with the lowest code.

    Parameters
    ----------
    areas
        Areas in EPSG:4326 indexed by ``area_code``.
    x, y
        The two coordinate columns as given (NaN for missing); ``(0, 0)`` counts as missing.
    max_swapped_share
        Raise :class:`InputError` when a larger share of the usable rows was swapped.

    Returns
    -------
    PointAssignment
    """
    xs, ys = _as_float(x), _as_float(y)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be one-dimensional and of equal length")
    prepared = _prepared(areas)
    bounds = prepared.total_bounds

    with np.errstate(invalid="ignore"):
        finite = np.isfinite(xs) & np.isfinite(ys) & ~((xs == 0) & (ys == 0))
        rd_xy = finite & (xs >= _RD_X[0]) & (xs <= _RD_X[1]) & (ys >= _RD_Y[0]) & (ys <= _RD_Y[1])
        rd_yx = (
            finite
            & ~rd_xy
            & (ys >= _RD_X[0])
            & (ys <= _RD_X[1])
            & (xs >= _RD_Y[0])
            & (xs <= _RD_Y[1])
        )
        deg_xy = finite & (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
        deg_yx = finite & (np.abs(ys) <= 180) & (np.abs(xs) <= 90)
        closer_swapped = _bbox_distance2(ys, xs, bounds) < _bbox_distance2(xs, ys, bounds)
    deg_swap = deg_yx & (~deg_xy | closer_swapped)
    deg = deg_xy | deg_yx
    rd = rd_xy | rd_yx
    swapped = deg_swap | rd_yx
    usable = deg | rd

    first = np.where(swapped, ys, xs)
    second = np.where(swapped, xs, ys)
    lon = np.where(deg, first, np.nan)
    lat = np.where(deg, second, np.nan)
    if rd.any():
        lon[rd], lat[rd] = _rd_to_wgs84().transform(first[rd], second[rd])

    n_usable = int(usable.sum())
    n_swapped = int(swapped.sum())
    if max_swapped_share is not None and n_usable and n_swapped / n_usable > max_swapped_share:
        raise InputError(
            f"Bij {n_swapped} van de {n_usable} locaties ({n_swapped / n_usable:.0%}) lijken "
            "x en y (lengte- en breedtegraad) omgewisseld.",
            hint="Controleer welke kolom de x-coördinaat of lengtegraad bevat en welke de "
            "y-coördinaat of breedtegraad, en geef ze goed op.",
        )

    with np.errstate(invalid="ignore"):
        in_box = (lon >= bounds[0]) & (lon <= bounds[2]) & (lat >= bounds[1]) & (lat <= bounds[3])
    candidates = np.flatnonzero(usable & in_box)
    found = _containing(prepared.geometries, prepared.bounds, lon[candidates], lat[candidates])
    hit = found < len(prepared.geometries)

    area_code = np.full(len(xs), OUTSIDE, dtype=object)
    area_code[~usable] = NO_LOCATION
    area_code[candidates[hit]] = prepared.codes[found[hit]]
    n_assigned = int(hit.sum())
    return PointAssignment(
        area_code=area_code,
        lon=lon,
        lat=lat,
        swapped=swapped,
        rd=rd,
        n_points=len(xs),
        n_assigned=n_assigned,
        n_outside=n_usable - n_assigned,
        n_no_location=len(xs) - n_usable,
        n_swapped=n_swapped,
        n_rd=int(rd.sum()),
    )
