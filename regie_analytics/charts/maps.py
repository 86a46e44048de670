"""Maps of areas: the classed choropleth and the traces, grey classes and frame every map shares.

Maps use ``go.Choroplethmap`` on a blank ``white-bg`` style, so they render offline (PDOK's
background map is optional); each class is its own trace, so the legend lists classes a
director can read. Suppressed areas are grey (``te weinig waarnemingen``), areas without a
value ``geen gegevens``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from regie_analytics.charts.geojson import SharedGeoJSON, _collection, _features, _map_view
from regie_analytics.charts.style import (
    HIGHLIGHT_COLOR,
    NO_DATA_COLOR,
    _new_figure,
    _set_layout,
    apply_house_style,
)
from regie_analytics.formatting import SEQUENTIAL, SUPPRESSED_COLOR, fmt_int, fmt_num
from regie_analytics.schema import AREA_NAME

SUPPRESSED_NAME = "te weinig waarnemingen"
NO_DATA_NAME = "geen gegevens"
NOT_SIGNIFICANT_NAME = "niet significant"

SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
"""Class-break schemes of :func:`choropleth`."""

PDOK_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
PDOK_ATTRIBUTION = "Kaartgegevens © Kadaster (PDOK)"


# --- shared by every map ---------------------------------------------------------------------


def _names(areas: gpd.GeoDataFrame) -> pd.Series:
    if AREA_NAME in areas.columns:
        names = areas[AREA_NAME].astype("object")
        return names.where(names.notna(), pd.Series(areas.index, index=areas.index)).astype(str)
    return pd.Series(areas.index.astype(str), index=areas.index)


def _map_trace(
    features: Mapping[str, SharedGeoJSON],
    codes: Sequence[str],
    *,
    color: str,
    name: str,
    customdata: list[list[str]] | None,
    hovertemplate: str,
    line_color: str = "#ffffff",
    line_width: float = 0.6,
    legendrank: int | None = None,
) -> go.Choroplethmap:
    """One legend entry: the areas ``codes`` filled with one colour."""
    return go.Choroplethmap(
        geojson=_collection(features, codes),
        featureidkey="id",
        # object arrays: plotly validates them in one step instead of walking every item
        locations=np.asarray(list(codes), dtype=object),
        z=[1] * len(codes),
        colorscale=[[0, color], [1, color]],
        zmin=0,
        zmax=1,
        showscale=False,
        showlegend=True,
        name=name,
        customdata=None if customdata is None else np.asarray(customdata, dtype=object),
        hovertemplate=hovertemplate,
        marker={"line": {"color": line_color, "width": line_width}, "opacity": 1},
        legendrank=legendrank,
    )


def _finish_map(
    fig: go.Figure,
    areas: gpd.GeoDataFrame,
    features: Mapping[str, SharedGeoJSON],
    *,
    title: str,
    legend_title: str,
    height: int,
    basemap: bool = False,
    highlight: str | None = None,
) -> go.Figure:
    if highlight is not None and str(highlight) in features:
        code = str(highlight)
        fig.add_trace(
            go.Choroplethmap(
                geojson=_collection(features, [code]),
                featureidkey="id",
                locations=[code],
                z=[1],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                showlegend=False,
                name="geselecteerd",
                hoverinfo="skip",
                marker={"line": {"color": HIGHLIGHT_COLOR, "width": 3.5}},
            )
        )
    centre, zoom = _map_view(areas, height=height)
    map_layout: dict[str, Any] = {"style": "white-bg", "center": centre, "zoom": zoom}
    if basemap:
        map_layout["layers"] = [
            {
                "below": "traces",
                "sourcetype": "raster",
                "sourceattribution": PDOK_ATTRIBUTION,
                "source": [PDOK_TILES],
            }
        ]
    _set_layout(
        fig,
        {
            "title": {"text": title},
            "map": map_layout,
            "legend": {"title": {"text": legend_title}},
            # Keeps the user's pan and zoom across reruns, but not across other boundaries.
            "uirevision": "kaart-" + "-".join(f"{v:.3f}" for v in areas.total_bounds),
        },
    )
    return apply_house_style(fig, height=height)


def _area_mask(series: pd.Series | None, index: pd.Index) -> pd.Series:
    if series is None:
        return pd.Series(False, index=index)
    return series.reindex(index).astype("boolean").fillna(False).astype(bool)


# --- choropleth --------------------------------------------------------------------------------


def _add_unshown(
    fig: go.Figure,
    features: Mapping[str, SharedGeoJSON],
    names: pd.Series,
    *,
    hidden: list[str],
    missing: list[str],
) -> None:
    """Grey traces for suppressed areas ("te weinig waarnemingen") and areas without data."""
    for codes, color, name, extra in (
        (hidden, SUPPRESSED_COLOR, SUPPRESSED_NAME, {"legendrank": 900}),
        (missing, NO_DATA_COLOR, NO_DATA_NAME, {"legendrank": 950, "line_color": "#bbbbbb"}),
    ):
        if codes:
            fig.add_trace(
                _map_trace(
                    features,
                    codes,
                    color=color,
                    name=name,
                    customdata=[[name] for name in names.reindex(codes).tolist()],
                    hovertemplate=f"<b>%{{customdata[0]}}</b><br>{name}<extra></extra>",
                    **extra,
                )
            )


def class_breaks(values: pd.Series, *, scheme: str = "quantiles", k: int = 5) -> list[float]:
    """Upper bounds of the classes of ``values`` (NaN ignored), as mapclassify computes them.

    ``natural_breaks`` uses Fisher-Jenks (deterministic). ``k`` is lowered when there are
    fewer unique values; duplicate bounds (ties) are dropped.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Onbekende klassenindeling '{scheme}'. Kies uit: {', '.join(SCHEMES)}.")
    y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    y = y[np.isfinite(y)]
    unique = np.unique(y)
    if len(unique) == 0:
        return []
    k = max(1, min(int(k), len(unique)))
    if k == 1:
        return [float(unique[-1])]
    classifier: Any
    with warnings.catch_warnings():
        # Numba is optional (pure-python Fisher-Jenks is fast enough for a few thousand areas);
        # ties make mapclassify warn that it merges classes.
        warnings.simplefilter("ignore", UserWarning)
        if scheme == "quantiles":
            classifier = mapclassify.Quantiles(y, k=k)
        elif scheme == "natural_breaks":
            classifier = mapclassify.FisherJenks(y, k=k)
        else:
            classifier = mapclassify.EqualInterval(y, k=k)
    return [float(b) for b in np.unique(np.asarray(classifier.bins, dtype=float))]


def class_labels(bins: Sequence[float], minimum: float, *, decimals: int = 1) -> list[str]:
    """Dutch range labels ``'1,0 – 104,4'`` for classes with upper bounds ``bins``."""
    lows = [minimum, *bins[:-1]]
    return [
        f"{fmt_num(lo, decimals)} – {fmt_num(hi, decimals)}"
        for lo, hi in zip(lows, bins, strict=True)
    ]


def class_colors(k: int) -> list[str]:
    """``k`` colours from the sequential scale, light (low) to dark (high)."""
    if k <= 0:
        return []
    points = [0.5] if k == 1 else list(np.linspace(1.0, 0.0, k))
    return list(sample_colorscale(SEQUENTIAL, points))


def _count_label(value: object) -> str:
    """A count in a hover: a label such as "<5" as it is, a number in Dutch notation."""
    return value if isinstance(value, str) else fmt_int(value)  # type: ignore[arg-type]


def choropleth(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    label: str,
    n: pd.Series | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int = 1,
    suppressed: pd.Series | None = None,
    basemap: bool = False,
    highlight: str | None = None,
    height: int = 560,
    features: Mapping[str, SharedGeoJSON] | None = None,
) -> go.Figure:
    """A classed map of ``values`` per area, one legend entry per class.

    Classes (mapclassify ``scheme``, see :func:`class_breaks`) are computed on the areas with a
    value that are not ``suppressed``; colours run light (low) to dark (high) on the cividis
    scale. Suppressed areas are grey (``te weinig waarnemingen``) and show no value; areas
    without a value are ``geen gegevens``. ``layout.meta`` holds ``{"bins": [...], "scheme":
    scheme}``.

    Parameters
    ----------
    areas
        Areas indexed by ``area_code`` (EPSG:4326, simplified for the web) with ``name``.
    values
        Value per area code; codes not in ``areas`` are ignored.
    title, label
        Figure title and the value's name (legend title and hover).
    n
        Number of observations per area, shown in the hover (a label such as ``"<5"`` as
        it is).
    scheme, k, decimals
        Class-break scheme, number of classes and decimals in labels and hover.
    suppressed
        True for areas whose value must not be shown.
    basemap
        Draw PDOK's BRT-Achtergrondkaart under the areas (needs internet in the browser).
    highlight
        Area code to outline.
    height
        Figure height in pixels.
    features
        :func:`geojson_features` of (at least) ``areas`` when the caller has them: not
        converted again.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Onbekende klassenindeling '{scheme}'. Kies uit: {', '.join(SCHEMES)}.")
    features = _features(areas, features)
    index = areas.index.astype(str)
    areas = areas.set_axis(index)
    names = _names(areas)
    vals = pd.to_numeric(values.set_axis(values.index.astype(str)), errors="coerce")
    vals = vals[~vals.index.duplicated()].reindex(index).astype(float)
    hidden = _area_mask(
        None if suppressed is None else suppressed.set_axis(suppressed.index.astype(str)), index
    )
    counts = None if n is None else n.set_axis(n.index.astype(str)).reindex(index)
    shown = vals.notna() & np.isfinite(vals) & ~hidden
    bins = class_breaks(vals[shown], scheme=scheme, k=k)

    fig = _new_figure(title)
    if n is None:
        template = f"<b>%{{customdata[0]}}</b><br>{label}: %{{customdata[1]}}<extra></extra>"
    else:
        template = (
            f"<b>%{{customdata[0]}}</b><br>{label}: %{{customdata[1]}}"
            "<br>n = %{customdata[2]}<extra></extra>"
        )
    if bins:
        klass = pd.Series(
            np.searchsorted(np.asarray(bins), vals[shown].to_numpy(), side="left"),
            index=vals[shown].index,
        ).clip(upper=len(bins) - 1)
        labels = class_labels(bins, float(vals[shown].min()), decimals=decimals)
        name_of, val_of = names.to_dict(), vals.to_dict()
        count_of = None if counts is None else counts.to_dict()
        colors = class_colors(len(bins))
        for i, (name, color) in enumerate(zip(labels, colors, strict=True)):
            codes = list(klass.index[klass.to_numpy() == i])
            if not codes:
                continue
            custom = [
                [
                    name_of[c],
                    fmt_num(val_of[c], decimals),
                    "–" if count_of is None else _count_label(count_of[c]),
                ]
                for c in codes
            ]
            fig.add_trace(
                _map_trace(
                    features,
                    codes,
                    color=color,
                    name=name,
                    customdata=custom,
                    hovertemplate=template,
                    legendrank=100 + i,
                )
            )
    _add_unshown(
        fig,
        features,
        names,
        hidden=list(index[hidden.to_numpy()]),
        missing=list(index[(~shown & ~hidden).to_numpy()]),
    )
    fig.update_layout(meta={"bins": bins, "scheme": scheme})
    return _finish_map(
        fig,
        areas,
        features,
        title=title,
        legend_title=label,
        height=height,
        basemap=basemap,
        highlight=highlight,
    )
