"""Spatial weights stored with the boundaries: the queen weights of every area level, built once
when a store version's boundaries are written and read back by every session.

A store version holds them as ``weights.parquet`` next to ``areas.parquet``: an edge list with
columns ``level``, ``focal`` and ``neighbour`` (area codes; both directions of every pair, as
:func:`~regie_analytics.stats.weights.spatial_weights` makes them, island fallback included).
A version without the file (written before it existed) gets its weights computed as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import W

from regie_analytics import geo
from regie_analytics.schema import POPULATION
from regie_analytics.stats.weights import _pysal_call, spatial_weights

WEIGHTS_FILE = "weights.parquet"
"""The file of the weights in a store version, next to ``areas.parquet``."""
AREAS_FILE = "areas.parquet"
LEVEL, FOCAL, NEIGHBOUR = "level", "focal", "neighbour"


def weights_table(
    areas: gpd.GeoDataFrame, *, at_level: Mapping[str, gpd.GeoDataFrame] | None = None
) -> pd.DataFrame:
    """The queen weights of every level of ``areas`` (store areas, as ``areas.parquet``) as
    an edge list: ``level``, ``focal``, ``neighbour``, one row per ordered pair of
    neighbours in the order of ``w.neighbors`` (:func:`spatial_weights` of
    :func:`geo.areas_at_level`, or of ``at_level``: those areas by level, dissolved once for
    other tables too), so the weights read back are the same, order included."""
    frames = []
    for level in geo.available_levels(areas):
        level_areas = at_level[level] if at_level else geo.areas_at_level(areas, level)
        w = spatial_weights(level_areas)
        lists = [w.neighbors[code] for code in w.id_order]  # in libpysal's order
        focal = np.repeat(np.asarray(w.id_order, dtype=object), [len(n) for n in lists])
        neighbour = [code for found in lists for code in found]
        frames.append(pd.DataFrame({LEVEL: level, FOCAL: focal, NEIGHBOUR: neighbour}))
    columns = {LEVEL: "str", FOCAL: "str", NEIGHBOUR: "str"}
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})
    return pd.concat(frames, ignore_index=True).astype(columns)


def _same_boundaries(folder: Path, previous: Path, *, stored: str = WEIGHTS_FILE) -> bool:
    """Whether ``previous`` has a ``stored`` file (default the weights) of the same areas: its
    ``areas.parquet`` is the same file, or holds the same codes, levels and geometry
    (population may differ)."""
    if not (previous / stored).exists():
        return False
    if (previous / AREAS_FILE).samefile(folder / AREAS_FILE):
        return True
    areas = gpd.read_parquet(folder / AREAS_FILE)
    before = gpd.read_parquet(previous / AREAS_FILE)
    kept = [column for column in areas.columns if column != POPULATION]
    if list(before.index) != list(areas.index) or [*before.columns] != [*areas.columns]:
        return False
    return bool(
        before[kept]
        .drop(columns=areas.geometry.name)
        .equals(areas[kept].drop(columns=areas.geometry.name))
        and (before.geometry.to_wkb() == areas.geometry.to_wkb()).all()
    )


def write_weights(folder: Path, *, previous: Path | None = None) -> None:
    """Write ``weights.parquet`` into the store version being built in ``folder`` (after its
    ``areas.parquet``): linked from the ``previous`` version when that has weights of the
    same boundaries, else computed from the areas (:func:`weights_table`)."""
    folder = Path(folder)
    target = folder / WEIGHTS_FILE
    if previous is not None and _same_boundaries(folder, Path(previous)):
        os.link(Path(previous) / WEIGHTS_FILE, target)
        return
    weights_table(gpd.read_parquet(folder / AREAS_FILE)).to_parquet(target, index=False)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def read_weights(folder: Path, level: str, ids: pd.Index) -> W | None:
    """The stored weights of ``level`` with ``id_order`` = ``ids`` (row-standardised), or None
    when the version has no stored weights or they are not of these areas."""
    path = Path(folder) / WEIGHTS_FILE
    if not path.exists():
        return None
    edges = pd.read_parquet(path, columns=[FOCAL, NEIGHBOUR], filters=[(LEVEL, "==", level)])
    return weights_of(edges, ids)


def weights_of(edges: pd.DataFrame, ids: pd.Index) -> W | None:
    """The weights of an edge list (``focal``, ``neighbour`` of one level, in the order of
    :func:`weights_table`) with ``id_order`` = ``ids``, or None when they are not of these
    areas."""
    codes = [str(code) for code in ids]
    known = pd.Index(codes)
    focal = known.get_indexer(pd.Index(edges[FOCAL]))
    neighbour = known.get_indexer(pd.Index(edges[NEIGHBOUR]))
    if (focal < 0).any() or (neighbour < 0).any() or (not len(edges) and len(codes) > 1):
        return None
    order = np.argsort(focal, kind="stable")  # each area's neighbours in the stored order
    lists: list[list[str]] = [[] for _ in codes]
    for f, m in zip(focal[order].tolist(), neighbour[order].tolist(), strict=True):
        lists[f].append(codes[m])
    with _pysal_call():
        w = W(dict(zip(codes, lists, strict=True)), id_order=codes, silence_warnings=True)
        w.transform = "r"
    return w


def stored_weights(folder: Path, level: str, areas: gpd.GeoDataFrame) -> W:
    """The weights of ``areas`` (the areas at ``level`` of the store version in ``folder``):
    read from ``weights.parquet``, or computed (:func:`spatial_weights`) for a version
    without them."""
    found = read_weights(folder, level, areas.index)
    return found if found is not None else spatial_weights(areas)
