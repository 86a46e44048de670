"""Spatial weights between areas and the helpers that line values up with them.

Contiguity weights with a fallback for islands (:func:`spatial_weights`), weights restricted to
the areas with a value (``_subset``), per-area values aligned to ``w.id_order``, and the quiet
wrapper around libpysal/esda calls that keeps numpy's global random state.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen, Rook, W
from scipy import sparse

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


_ADJACENCY: weakref.WeakKeyDictionary[W, sparse.csr_matrix] = weakref.WeakKeyDictionary()
_ADJACENCY_LOCK = threading.Lock()


def _adjacency(w: W) -> sparse.csr_matrix:
    """The binary adjacency of ``w`` (1 between neighbours, no diagonal) in ``w.id_order``,
    in libpysal's order of each row's neighbours; built once per weights object and kept
    with it (read-only: the statistics share it)."""
    with _ADJACENCY_LOCK:
        found = _ADJACENCY.get(w)
    if found is not None:
        return found
    with _pysal_call():
        adj = sparse.csr_matrix(w.sparse, dtype=float, copy=True)
    adj.setdiag(0.0)
    adj.eliminate_zeros()
    adj.data[:] = 1.0
    for array in (adj.data, adj.indices, adj.indptr):
        array.setflags(write=False)
    with _ADJACENCY_LOCK:
        return _ADJACENCY.setdefault(w, adj)


def _subset_adjacency(adj: sparse.csr_matrix, keep: np.ndarray) -> sparse.csr_matrix:
    """``adj`` restricted to the areas where ``keep`` is true.

    An area whose neighbours all drop out borrows the nearest kept areas along the contiguity
    graph (neighbours of neighbours, and so on), symmetrically, so no island appears.
    """
    if keep.all():
        return adj
    position = np.cumsum(keep) - 1
    sub = sparse.csr_matrix(adj[keep][:, keep])
    cardinality = np.diff(sub.indptr)
    lonely = np.flatnonzero(cardinality == 0)
    if not len(lonely) or len(position) == 0:
        return sub
    kept_rows = np.flatnonzero(keep)
    extra_rows: list[int] = []
    extra_cols: list[int] = []
    for row in lonely.tolist():
        start = int(kept_rows[row])
        seen = {start}
        frontier = set(adj.indices[adj.indptr[start] : adj.indptr[start + 1]].tolist())
        while frontier and not any(keep[f] for f in frontier):
            seen |= frontier
            frontier = {
                int(m) for f in frontier for m in adj.indices[adj.indptr[f] : adj.indptr[f + 1]]
            } - seen
        for found in sorted(f for f in frontier if keep[f]):
            extra_rows += [row, int(position[found])]
            extra_cols += [int(position[found]), row]
    borrowed = sparse.csr_matrix(
        (np.ones(len(extra_rows)), (extra_rows, extra_cols)), shape=sub.shape
    )
    out = sparse.csr_matrix(sub + borrowed)
    out.data[:] = 1.0
    return out


def _row_standardised(adj: sparse.csr_matrix) -> sparse.csr_matrix:
    """``adj`` with each row divided by its number of neighbours (libpysal's transform "r")."""
    cardinality = np.diff(adj.indptr)
    data = 1.0 / np.repeat(cardinality, cardinality).astype(float)
    return sparse.csr_matrix((data, adj.indices, adj.indptr), shape=adj.shape)


def _subset(w: W, keep: np.ndarray) -> W:
    """``w`` restricted to the areas where ``keep`` is true, as a new row-standardised
    :class:`~libpysal.weights.W` (see :func:`_subset_adjacency`)."""
    adj = _subset_adjacency(_adjacency(w), keep)
    order = [code for code, k in zip(w.id_order, keep, strict=True) if k]
    neighbors = {
        code: [order[j] for j in adj.indices[adj.indptr[i] : adj.indptr[i + 1]]]
        for i, code in enumerate(order)
    }
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
    # each area's neighbours in the order of the areas: libpysal's order follows the hashes of
    # the codes, which differ per process, and the sums of the statistics follow this order
    position = {code: i for i, code in enumerate(ids)}
    neighbors = {
        code: sorted((str(n) for n in contiguity.neighbors[code]), key=position.__getitem__)
        for code in ids
    }
    islands = [code for code in ids if not neighbors[code]]
    if islands and len(ids) > 1:
        centroids = frame.geometry.to_crs(METRIC_CRS).centroid
        xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
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
