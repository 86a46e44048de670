"""Maps of statistical classes: Getis-Ord hot and cold spots, local Moran clusters and
emerging hot spots, each class in a fixed colour and legend order."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.geojson import SharedGeoJSON, _features
from regie_analytics.charts.maps import (
    NO_DATA_NAME,
    NOT_SIGNIFICANT_NAME,
    _finish_map,
    _map_trace,
    _names,
)
from regie_analytics.charts.style import NO_DATA_COLOR, _new_figure

HOTSPOT_COLORS: dict[str, str] = {
    "hotspot 99%": "#b2182b",
    "hotspot 95%": "#ef8a62",
    "hotspot 90%": "#fddbc7",
    NOT_SIGNIFICANT_NAME: "#e0e0e0",
    "coldspot 90%": "#d1e5f0",
    "coldspot 95%": "#67a9cf",
    "coldspot 99%": "#2166ac",
    NO_DATA_NAME: NO_DATA_COLOR,
}
"""Hot and cold spot classes in legend order, diverging red-grey-blue (ColorBrewer RdBu)."""
CLUSTER_COLORS: dict[str, str] = {
    "hoog-hoog": "#ff0000",
    "laag-laag": "#0000ff",
    "hoog-laag": "#f4ada8",
    "laag-hoog": "#a7adf9",
    NOT_SIGNIFICANT_NAME: "#eeeeee",
    NO_DATA_NAME: NO_DATA_COLOR,
}
"""Local Moran cluster classes in legend order, in GeoDa's colours."""
EMERGING_COLORS: dict[str, str] = {
    "intensiverende hotspot": "#7f0000",
    "persistente hotspot": "#b30000",
    "opeenvolgende hotspot": "#d7301f",
    "nieuwe hotspot": "#ef6548",
    "sporadische hotspot": "#fc8d59",
    "oscillerende hotspot": "#fdbb84",
    "afnemende hotspot": "#fdd49e",
    "historische hotspot": "#fee8c8",
    "geen patroon": "#e0e0e0",
    "historische coldspot": "#ece7f2",
    "afnemende coldspot": "#d0d1e6",
    "oscillerende coldspot": "#a6bddb",
    "sporadische coldspot": "#74a9cf",
    "nieuwe coldspot": "#3690c0",
    "opeenvolgende coldspot": "#0570b0",
    "persistente coldspot": "#045a8d",
    "intensiverende coldspot": "#023858",
    NO_DATA_NAME: NO_DATA_COLOR,
}
"""Emerging hot spot classes in legend order: hot spots from strong (dark red) to fading,
no pattern in grey, cold spots from fading to strong (dark blue)."""


def _category_map(
    areas: gpd.GeoDataFrame,
    classes: pd.Series,
    palette: dict[str, str],
    *,
    title: str,
    legend_title: str,
    height: int,
    features: Mapping[str, SharedGeoJSON] | None,
) -> go.Figure:
    features = _features(areas, features)
    index = areas.index.astype(str)
    areas = areas.set_axis(index)
    names = _names(areas)
    labels = classes.set_axis(classes.index.astype(str)).reindex(index)
    labels = labels.astype("object").where(labels.notna(), NO_DATA_NAME).astype(str)
    extra = sorted(set(labels) - set(palette))
    name_of = names.to_dict()
    fig = _new_figure(title)
    for rank, klasse in enumerate([*palette, *extra]):
        codes = list(index[(labels == klasse).to_numpy()])
        if not codes:
            continue
        fig.add_trace(
            _map_trace(
                features,
                codes,
                color=palette.get(klasse, "#999999"),
                name=klasse,
                customdata=[[name_of[c], klasse] for c in codes],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
                line_color="#bbbbbb" if klasse == NO_DATA_NAME else "#ffffff",
                legendrank=100 + rank,
            )
        )
    return _finish_map(fig, areas, features, title=title, legend_title=legend_title, height=height)


def hotspot_map(
    areas: gpd.GeoDataFrame,
    klasse: pd.Series,
    *,
    title: str,
    height: int = 560,
    features: Mapping[str, SharedGeoJSON] | None = None,
) -> go.Figure:
    """Getis-Ord Gi* classes (``hotspot 99%`` … ``coldspot 99%``) on a red-grey-blue map.
    ``features``: see :func:`choropleth`."""
    return _category_map(
        areas,
        klasse,
        HOTSPOT_COLORS,
        title=title,
        legend_title="Gi*",
        height=height,
        features=features,
    )


def cluster_map(
    areas: gpd.GeoDataFrame,
    cluster: pd.Series,
    *,
    title: str,
    height: int = 560,
    features: Mapping[str, SharedGeoJSON] | None = None,
) -> go.Figure:
    """Local Moran clusters (``hoog-hoog``, ``laag-laag``, ``hoog-laag``, ``laag-hoog``) in
    GeoDa's colours. ``features``: see :func:`choropleth`."""
    return _category_map(
        areas,
        cluster,
        CLUSTER_COLORS,
        title=title,
        legend_title="cluster",
        height=height,
        features=features,
    )


def emerging_map(
    areas: gpd.GeoDataFrame,
    klasse: pd.Series,
    *,
    title: str,
    height: int = 560,
    features: Mapping[str, SharedGeoJSON] | None = None,
) -> go.Figure:
    """Emerging hot spot classes (``stats.emerging_hotspots(...)["klasse"]``), hot spots in
    reds, cold spots in blues, darker where the pattern is stronger. ``features``: see
    :func:`choropleth`."""
    return _category_map(
        areas,
        klasse,
        EMERGING_COLORS,
        title=title,
        legend_title="patroon",
        height=height,
        features=features,
    )
