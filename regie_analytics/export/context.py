"""What both council reports (municipality and area) start from: the filtered cube and period
(:class:`ReportContext`), and the areas, weights and web geometries per level (a snapshot's,
kept per level, or computed from a store)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import aggregate, charts, geo, stats
from regie_analytics.export.content import ReportData
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
    """The data, the filtered cube, the period, the selected and available domains and the
    threshold of one report."""

    data: Store | ReportData
    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    months: list[str]
    start: str
    end: str
    domains: list[str]
    available: list[str]
    threshold: int

    @property
    def window(self) -> tuple[str, str, str, str]:
        """Previous period (clipped to the data) and the report period."""
        prev_start, prev_end = aggregate.previous_period(self.start, self.end)
        return max(prev_start, self.months[0]), prev_end, self.start, self.end


def map_measure(table: pd.DataFrame) -> tuple[str, str]:
    """The column a map shows and its Dutch label: per 1.000 inhabitants when there are
    populations, else the number of signals."""
    if table["population"].notna().any():
        return "per_1000", "signalen per 1.000 inwoners"
    return "count", "aantal signalen"
