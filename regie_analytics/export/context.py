"""What both council reports (municipality and area) start from: the filter and period and the
cuts of the cube they need (:class:`ReportContext`), and the areas, weights and web geometries
per level (a snapshot's, kept per level, or computed from loaded data)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import aggregate, charts, geo, stats
from regie_analytics import engine as engines
from regie_analytics.export.content import ReportData
from regie_analytics.schema import AREA_CODE, MONTH, SENTINEL_AREAS
from regie_analytics.snapshot import Snapshot
from regie_analytics.store import Store


def presented(fig: go.Figure) -> go.Figure:
    """Large type for slides and the presentation mode, keeping the figure's height."""
    return charts.apply_house_style(fig, presentation=True)


def areas_at(data: Store | ReportData, areas: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """``areas`` at ``level``: a snapshot's (kept per level), else dissolved now."""
    if isinstance(data, Snapshot):
        return data.areas_at(level)
    return geo.areas_at_level(areas, level)


def level_weights(data: Store | ReportData, level_areas: gpd.GeoDataFrame, level: str) -> Any:
    """Spatial weights of ``level_areas``: a snapshot's (kept per level), else built now."""
    if isinstance(data, Snapshot):
        return data.weights(level)
    return stats.spatial_weights(level_areas)


def web_areas(
    data: Store | ReportData, level_areas: gpd.GeoDataFrame, level: str
) -> gpd.GeoDataFrame:
    """``level_areas`` simplified for drawing: a snapshot's (kept per level), else now."""
    if isinstance(data, Snapshot):
        return data.web_areas(level)
    return geo.simplify_for_web(level_areas)


@dataclass
class ReportContext:
    """The data, the filter, the period, the selected and available domains and the
    threshold of one report, and the cuts of the cube it needs (:meth:`cut`)."""

    data: Store | ReportData
    areas: gpd.GeoDataFrame
    months: list[str]
    start: str
    end: str
    domains: list[str]
    themes: Sequence[str] | None
    channels: Sequence[str] | None
    available: list[str]
    threshold: int
    cube: pd.DataFrame | None = None
    """The cube cut to the filter, for data without an engine (None: cut in the engine)."""

    @property
    def window(self) -> tuple[str, str, str, str]:
        """Previous period (clipped to the data) and the report period."""
        prev_start, prev_end = aggregate.previous_period(self.start, self.end)
        return max(prev_start, self.months[0]), prev_end, self.start, self.end

    def cut(
        self,
        *by: str,
        start: str | None = None,
        end: str | None = None,
        located: bool = False,
        area_codes: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The cube cut to the report's filter and the months ``start`` to ``end`` (None:
        open), ``located``: only rows in an area, ``area_codes``: only these finest-level
        areas. A snapshot's cube is summed per ``by`` in its engine (only that reaches
        pandas); loaded data's filtered rows are returned whole. Every roll-up over ``by``
        is the same either way (counts and cell keys)."""
        if self.cube is not None:
            rows = aggregate.filter_cube(self.cube, start=start, end=end)
            if located:
                rows = rows.loc[~rows[AREA_CODE].isin(SENTINEL_AREAS)]
            if area_codes is not None:
                rows = rows.loc[rows[AREA_CODE].isin(list(area_codes))]
            return rows
        snap = self.data
        assert isinstance(snap, Snapshot)
        key = (
            snap.key,
            by,
            start,
            end,
            tuple(self.domains),
            None if self.themes is None else tuple(self.themes),
            None if self.channels is None else tuple(self.channels),
            located,
            None if area_codes is None else tuple(area_codes),
        )
        with _CUTS_LOCK:
            kept = _CUTS.get(key)
            if kept is not None:
                _CUTS.move_to_end(key)
        if kept is None:
            kept = snap.read(
                lambda: engines.cube_cut(
                    snap.engine,
                    by=by,
                    start=start,
                    end=end,
                    domains=self.domains,
                    themes=self.themes,
                    channels=self.channels,
                    area_codes=area_codes,
                    located=located,
                    categories={c: snap.categories(c) for c in by if c != MONTH},
                )
            )
            with _CUTS_LOCK:
                _CUTS[key] = kept
                while len(_CUTS) > CUTS_KEPT:
                    _CUTS.popitem(last=False)
        return kept.copy()


CUTS_KEPT = 64
"""Engine cuts kept by :meth:`ReportContext.cut` (the most recently used; per snapshot
version and filter, not per area level: another level, area or slide order of the same
filter sums nothing again in the engine)."""
_CUTS: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_CUTS_LOCK = threading.Lock()


def map_measure(table: pd.DataFrame) -> tuple[str, str]:
    """The column a map shows and its Dutch label: per 1.000 inhabitants when there are
    populations, else the number of signals."""
    if table["population"].notna().any():
        return "per_1000", "signalen per 1.000 inwoners"
    return "count", "aantal signalen"
