"""Spatial weights between areas and the helpers that line values up with them.

Contiguity weights with a fallback for islands (:func:`spatial_weights`), weights restricted to
the areas with a value (``_subset``), per-area values aligned to ``w.id_order``, and the quiet
wrapper around libpysal/esda calls that keeps numpy's global random state.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen, Rook, W

from regie_analytics.schema import AREA_CODE

METRIC_CRS = "EPSG:28992"
"""Metric CRS (RD New) for centroid distances in the island fallback of ``spatial_weights``."""


@contextmanager
def _pysal_call() -> Iterator[None]:
    """Silence libpysal/esda notices we handle ourselves and keep numpy's global RNG state."""
    state = np.random.get_state()
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", message="The weights matrix is not fully connected")
        warnings.filterwarnings("ignore", message=".*[Ii]sland")
        warnings.filterwarnings(
            "ignore", message="The alternative hypothesis for conditional randomization"
        )
        try:
            yield
        finally:
            np.random.set_state(state)


def _ids(w: W) -> pd.Index:
    return pd.Index(list(w.id_order), name=AREA_CODE)


def _align(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Values in the order of ``ids``; areas absent from ``values`` count as 0, NaN stays NaN."""
    if not values.index.is_unique:
        raise ValueError(
            "Elke gebiedscode mag maar één keer voorkomen; tel dubbele regels eerst op."
        )
    position = values.index.get_indexer(ids)
    found = position >= 0
    out = np.zeros(len(ids), dtype=float)
    out[found] = values.to_numpy(dtype=float, na_value=np.nan)[position[found]]
    return out


def _counts_on(counts: pd.Series, index: pd.Index) -> pd.Series:
    """Counts on ``index``; areas absent from ``counts`` count as 0."""
    aligned = _align(counts, pd.Index(index))
    return pd.Series(aligned, index=pd.Index(index, name=AREA_CODE))


def _subset(w: W, keep: np.ndarray) -> W:
    """``w`` restricted to the areas where ``keep`` is true (a copy, row-standardised).

    An area whose neighbours all drop out borrows the nearest kept areas along the contiguity
    graph (neighbours of neighbours, and so on), symmetrically, so no island appears.
    """
    if keep.all():
        return copy.deepcopy(w)
    order = [code for code, k in zip(w.id_order, keep, strict=True) if k]
    kept = set(order)
    neighbors = {code: [n for n in w.neighbors[code] if n in kept] for code in order}
    for code in [c for c in order if not neighbors[c]]:
        seen, frontier = {code}, set(w.neighbors[code])
        while frontier and not frontier & kept:
            seen |= frontier
            frontier = {m for n in frontier for m in w.neighbors[n]} - seen
        for found in sorted(frontier & kept):
            neighbors[code].append(found)
            if code not in neighbors[found]:
                neighbors[found].append(code)
    with _pysal_call():
        sub = W(neighbors, id_order=order, silence_warnings=True)
        sub.transform = "r"
    return sub


def spatial_weights(areas: gpd.GeoDataFrame, *, kind: str = "queen") -> W:
    """Row-standardised contiguity weights between areas, with a fallback for islands.

    Two areas are neighbours when their boundaries share a point (``kind="queen"``) or a
    line segment (``kind="rook"``), built with libpysal from the geometries, ids = the
    ``area_code`` index. An area without any neighbour (an island, or a polygon separated by
    water) gets its nearest area as neighbour, measured between centroids in RD New
    (EPSG:28992), and that area gets it back (the fallback is symmetric). Weights are then
    row-standardised (transform ``"r"``): each row sums to 1.

    Parameters
    ----------
    areas
        Areas indexed by ``area_code`` with a CRS.
    kind
        ``"queen"`` (default) or ``"rook"``.

    Returns
    -------
    libpysal.weights.W
        ``id_order`` equals ``areas.index``.
    """
    builders = {"queen": Queen, "rook": Rook}
    if kind not in builders:
        raise ValueError(f"Onbekend soort buren '{kind}'; kies 'queen' of 'rook'.")
    if not areas.index.is_unique:
        raise ValueError("Elke gebiedscode mag maar één keer voorkomen in de gebieden.")
    if areas.crs is None:
        raise ValueError(
            "De gebieden hebben geen coördinatenstelsel (CRS); lees ze in met een CRS."
        )
    ids = [str(code) for code in areas.index]
    frame = gpd.GeoDataFrame(geometry=areas.geometry.to_numpy(), index=ids, crs=areas.crs)
    with _pysal_call():
        contiguity = builders[kind].from_dataframe(frame, use_index=True)
    neighbors = {code: [str(n) for n in contiguity.neighbors[code]] for code in ids}
    islands = [code for code in ids if not neighbors[code]]
    if islands and len(ids) > 1:
        centroids = frame.geometry.to_crs(METRIC_CRS).centroid
        xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
        position = {code: i for i, code in enumerate(ids)}
        for code in islands:
            i = position[code]
            distance = np.hypot(*(xy - xy[i]).T)
            distance[i] = np.inf
            nearest = ids[int(np.argmin(distance))]
            if nearest not in neighbors[code]:
                neighbors[code].append(nearest)
            if code not in neighbors[nearest]:
                neighbors[nearest].append(code)
    with _pysal_call():
        w = W(neighbors, id_order=ids, silence_warnings=True)
        w.transform = "r"
    return w


def neighbours(areas: gpd.GeoDataFrame, code: str, *, w: W | None = None) -> list[str]:
    """Area codes of the neighbours of one area, as used by the statistics (sorted).

    Parameters
    ----------
    areas
        Areas indexed by ``area_code``.
    code
        The area whose neighbours are wanted.
    w
        Weights from ``spatial_weights(areas)``; built when not given.
    """
    weights = spatial_weights(areas) if w is None else w
    if code not in weights.neighbors:
        raise ValueError(f"Onbekende gebiedscode '{code}'; kies een code uit de gebieden.")
    return sorted(str(n) for n in weights.neighbors[code])
