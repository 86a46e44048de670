"""Plotly figure builders in the house style: Dutch labels, large fonts, colour-blind safe.

Every builder returns a ``plotly.graph_objects.Figure`` with a short Dutch title, styled by
:func:`apply_house_style`. Maps use ``go.Choroplethmap`` on a blank ``white-bg`` style, so they
render offline; each class is its own trace, so the legend lists classes a director can read,
and the areas' GeoJSON carries ``id = area_code`` so a clicked point returns its area code in
``points[i]["location"]``. Scatter points carry the area code in ``customdata``.

Show figures with :data:`PLOTLY_CONFIG` (no plotly logo) and export them with :func:`to_png`.
No streamlit here.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from regie_analytics import accessibility, chromium, geo
from regie_analytics.formatting import (
    CATEGORICAL,
    DOMAIN_COLORS,
    MONTHS_LONG,
    MONTHS_SHORT,
    SEQUENTIAL,
    SUPPRESSED_COLOR,
    fmt_change,
    fmt_int,
    fmt_month,
    fmt_num,
)
from regie_analytics.schema import AREA_NAME, DOMAIN_LABELS

# --- constants ---------------------------------------------------------------------------------

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
BASE_FONT_SIZE = 15
PRESENTATION_FONT_SIZE = 22
TEXT_COLOR = "#222222"
MUTED_COLOR = "#666666"
GRID_COLOR = "#e6e6e6"
NO_DATA_COLOR = "#f4f4f4"
"""Fill of areas without data (``geen gegevens``), near white with a grey outline."""
HIGHLIGHT_COLOR = "#000000"

SUPPRESSED_NAME = "te weinig waarnemingen"
NO_DATA_NAME = "geen gegevens"
NOT_SIGNIFICANT_NAME = "niet significant"

SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
"""Class-break schemes of :func:`choropleth`."""

PLOTLY_CONFIG = accessibility.PLOTLY_CONFIG
"""The one configuration every chart is shown with (see :mod:`regie_analytics.accessibility`)."""

PDOK_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
PDOK_ATTRIBUTION = "Kaartgegevens © Kadaster (PDOK)"

BIVARIATE_PALETTE: tuple[tuple[str, str, str], ...] = (
    ("#fef1e4", "#fab186", "#f3742d"),
    ("#97d0e7", "#b0988c", "#ab5f37"),
    ("#18aee5", "#407b8f", "#5c473d"),
)
"""Joshua Stevens' 3x3 blue-orange bivariate scheme ("Bivariate Choropleth Maps: A How-to
Guide", 2015), as ``BIVARIATE_PALETTE[klasse_y - 1][klasse_x - 1]``: x high is orange (the
sociaal colour), y high is blue (the fysiek colour) and high-high the dark corner. It varies
in lightness along both axes, so it stays readable with colour-vision deficiencies."""
TERCILE_NAMES = ("laag", "midden", "hoog")

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

TEXT_FORMATS = ("int", "num", "pct")
"""Value-label formats of :func:`bar_chart`: integer, one decimal, fraction as percentage."""

# Web-mercator tiles of MapLibre are 512 px at zoom 0.
_TILE_PX = 512


# --- house style -------------------------------------------------------------------------------


def _has_map(fig: go.Figure) -> bool:
    return any(trace.type in ("choroplethmap", "scattermap", "densitymap") for trace in fig.data)


def _deep_update(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` merged in, nested dicts merged as ``update_layout`` does."""
    for key, value in update.items():
        current = base.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _deep_update(current, value)
        else:
            base[key] = value
    return base


def _axis_keys(layout: dict[str, Any], prefix: str) -> list[str]:
    """``xaxis``, ``xaxis2``, ... present in a layout (at least the first)."""
    found = [k for k in layout if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return [prefix, *sorted(found)]


def apply_house_style(
    fig: go.Figure, *, height: int | None = None, presentation: bool = False
) -> go.Figure:
    """Apply fonts, margins, background, legend and Dutch number separators to ``fig``.

    Base font 15 px (22 px in presentation mode), white background, title top left, legend
    above the plot (over the top left corner of a map), decimal comma (``separators=",."``).
    The plotly logo is switched off through :data:`PLOTLY_CONFIG` and :func:`to_png`.
    Changes ``fig`` in place and returns it.

    The style is merged into the figure's layout as ``update_layout`` would (the style wins
    where both set a value; every x and y axis is styled), then the layout is assigned once:
    plotly validates a whole layout about ten times faster than a series of updates.
    """
    size = PRESENTATION_FONT_SIZE if presentation else BASE_FONT_SIZE
    is_map = _has_map(fig)
    if is_map:
        margin = {"l": 8, "r": 8, "t": round(size * 3.6), "b": 8}
        legend: dict[str, Any] = {
            "orientation": "v",
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.88)",
            "bordercolor": "#bbbbbb",
            "borderwidth": 1,
        }
    else:
        margin = {"l": 16, "r": 24, "t": round(size * 5.2), "b": 16}
        legend = {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0)",
            "borderwidth": 0,
        }
    style: dict[str, Any] = {
        "font": {"family": FONT_FAMILY, "size": size, "color": TEXT_COLOR},
        "title": {
            "x": 0.01 if is_map else 0.0,
            "xanchor": "left",
            "xref": "paper" if not is_map else "container",
            "y": 0.98,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": round(size * 1.35), "color": TEXT_COLOR},
        },
        "margin": margin,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": legend,
        "separators": ",.",
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": size}, "align": "left"},
        "modebar": {"bgcolor": "rgba(255,255,255,0)", "color": "#999999"},
    }
    # explicit sizes: a theme's template (Streamlit's) would otherwise set small ticks
    ticks = {
        "tickfont": {"size": round(size * 0.8)},
        "title": {"font": {"size": round(size * 0.9)}},
    }
    legend["font"] = {"size": round(size * 0.9)}
    legend["title"] = {"font": {"size": round(size * 0.9)}}
    x_style = {
        **ticks,
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": "#999999",
        "ticks": "outside",
        "tickcolor": "#999999",
        "automargin": True,
        "separatethousands": True,
        "exponentformat": "none",
    }
    y_style = {
        **ticks,
        "showgrid": True,
        "gridcolor": GRID_COLOR,
        "zeroline": False,
        "showline": False,
        "automargin": True,
        "separatethousands": True,
        "exponentformat": "none",
    }
    if height is not None:
        style["height"] = height
    elif fig.layout.height is None:
        style["height"] = 480
    return _set_layout(fig, style, xaxes=x_style, yaxes=y_style)


def _set_layout(
    fig: go.Figure,
    update: dict[str, Any] | None = None,
    *,
    xaxes: dict[str, Any] | None = None,
    yaxes: dict[str, Any] | None = None,
    shapes: list[dict[str, Any]] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> go.Figure:
    """``fig.update_layout(update)``, ``update_xaxes(xaxes)``, ``update_yaxes(yaxes)``,
    ``add_shape`` and ``add_annotation`` in one go: the changes are merged into a copy of
    the layout, which is then assigned once. Plotly validates a whole layout about ten times
    faster than it applies each update. Changes ``fig`` in place and returns it."""
    layout = fig.layout.to_plotly_json()
    template = layout.pop("template", None)
    _deep_update(layout, copy.deepcopy(update or {}))
    for prefix, axis_style in (("xaxis", xaxes), ("yaxis", yaxes)):
        if axis_style:
            for key in _axis_keys(layout, prefix):
                layout[key] = _deep_update(layout.get(key) or {}, copy.deepcopy(axis_style))
    if shapes:
        layout["shapes"] = [*layout.get("shapes", []), *shapes]
    if annotations:
        layout["annotations"] = [*layout.get("annotations", []), *annotations]
    fig.layout = layout  # plotly puts the default template back
    if template is not None and template != fig.layout.template.to_plotly_json():
        fig.layout.template = template
    return fig


def _new_figure(title: str) -> go.Figure:
    return go.Figure(layout={"title": {"text": title}})


def _no_data(fig: go.Figure, text: str = "Geen gegevens voor deze selectie.") -> go.Figure:
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": MUTED_COLOR},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --- number helpers ----------------------------------------------------------------------------


def _fmt_auto(value: object, decimals: int = 1) -> str:
    """Integers without decimals, other numbers with ``decimals``; '–' when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "–"
    if number.is_integer():
        return fmt_int(number)
    return fmt_num(number, decimals)


def _fmt_as(value: object, text_format: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "–"
    number = float(value)  # type: ignore[arg-type]
    if text_format == "int":
        return fmt_int(number)
    if text_format == "pct":
        return fmt_num(100 * number, 1) + "%"
    return fmt_num(number, 1)


def _count_label(value: object) -> str:
    """A count in a hover: a label such as "<5" as it is, a number in Dutch notation."""
    return value if isinstance(value, str) else fmt_int(value)  # type: ignore[arg-type]


def _small_or(value: float, small_below: int, fmt: Callable[[float], str] = _fmt_auto) -> str:
    """A count for a hover or label: ``"<5"`` when it is small (above 0, below
    ``small_below``), else ``fmt(value)``."""
    if 0 < value < small_below:
        return f"<{small_below}"
    return fmt(value)


def _fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "< 0,001"
    return fmt_num(p, 3)


def _group_colors(groups: Sequence[object]) -> dict[object, str]:
    """Domain colours when every group is a domain, else the categorical palette in turn."""
    if groups and all(g in DOMAIN_COLORS for g in groups):
        return {g: DOMAIN_COLORS[str(g)] for g in groups}
    return {g: CATEGORICAL[i % len(CATEGORICAL)] for i, g in enumerate(groups)}


def _group_name(group: object) -> str:
    return DOMAIN_LABELS.get(str(group), str(group))


def _month_keys(values: pd.Series) -> pd.Series:
    """Months as ``'YYYY-MM'`` strings from strings, periods or timestamps."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.strftime("%Y-%m")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m")
    return values.astype(str).str.slice(0, 7)


def _month_ticks(months: Sequence[str], *, max_ticks: int = 12) -> tuple[list[Any], list[str]]:
    step = max(1, math.ceil(len(months) / max_ticks))
    chosen = list(months)[::step]
    return [pd.Timestamp(m + "-01") for m in chosen], [fmt_month(m) for m in chosen]


# --- maps: shared ------------------------------------------------------------------------------


class SharedGeoJSON(dict):  # type: ignore[type-arg]
    """GeoJSON that plotly does not copy.

    Plotly deep-copies every trace's properties when a trace is added and again in
    ``Figure.to_dict`` (which Streamlit calls on every rerun): for the 518 Amsterdam buurten
    that is about 20 ms per copy. The area outlines never change once built, so figures share
    one instance: ``deepcopy`` returns it as it is. JSON encoding sees an ordinary dict.
    Never change one in place; build a new one.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedGeoJSON:
        return self

    def __copy__(self) -> SharedGeoJSON:
        return self


def _features(areas: gpd.GeoDataFrame) -> dict[str, SharedGeoJSON]:
    """GeoJSON features keyed by area code, each with ``id = area_code`` and no properties.

    Kept per areas frame when the frame is frozen (:func:`geo.freeze`: the dashboard's areas
    per level), so drawing another map of the same areas converts no geometry.
    """
    return geo.memo(areas, "features", "", lambda: _build_features(areas))


def _build_features(areas: gpd.GeoDataFrame) -> dict[str, SharedGeoJSON]:
    collection = areas.geometry.__geo_interface__
    return {
        str(feature["id"]): SharedGeoJSON(
            type="Feature", id=str(feature["id"]), properties={}, geometry=feature["geometry"]
        )
        for feature in collection["features"]
    }


def _collection(features: dict[str, SharedGeoJSON], codes: Iterable[str]) -> SharedGeoJSON:
    """A FeatureCollection of ``codes`` that figures share without copying."""
    return SharedGeoJSON(type="FeatureCollection", features=[features[c] for c in codes])


def _names(areas: gpd.GeoDataFrame) -> pd.Series:
    if AREA_NAME in areas.columns:
        names = areas[AREA_NAME].astype("object")
        return names.where(names.notna(), pd.Series(areas.index, index=areas.index)).astype(str)
    return pd.Series(areas.index.astype(str), index=areas.index)


def _map_view(
    areas: gpd.GeoDataFrame, *, height: int, width: int | None = None
) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit the areas' bounds into a map of ``width`` x ``height`` px.

    The width is unknown in a browser; a 16:10 map is assumed.
    """
    if len(areas) == 0:
        return {"lat": 52.1, "lon": 5.3}, 6.0
    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    width = width or round(height * 1.6)
    plot_h = max(height - 80, 100)

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y0, y1 = merc(miny), merc(maxy)
    centre_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    centre = {"lat": centre_lat, "lon": (minx + maxx) / 2}
    lon_span = max(maxx - minx, 1e-6)
    y_span = max(y1 - y0, 1e-8)
    zoom_x = math.log2(width * 360.0 / (_TILE_PX * lon_span))
    zoom_y = math.log2(plot_h * 2 * math.pi / (_TILE_PX * y_span))
    zoom = max(0.0, min(zoom_x, zoom_y, 18.0) - 0.15)
    return centre, round(zoom, 2)


def _map_trace(
    features: dict[str, SharedGeoJSON],
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
    features: dict[str, SharedGeoJSON],
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


def fit_height(fig: go.Figure, height: int) -> go.Figure:
    """``fig`` at another height; a map zooms with it, so the same areas still fit (the
    view of :func:`_map_view`: a plot ``height - 80`` px high and 1.6 times as wide).
    Changes ``fig`` in place and returns it."""
    old = fig.layout.height or 480
    update: dict[str, Any] = {"height": height}
    if _has_map(fig) and fig.layout.map.zoom is not None:
        shift = min(math.log2(max(height - 80, 100) / max(old - 80, 100)), math.log2(height / old))
        update["map"] = {"zoom": round(max(0.0, float(fig.layout.map.zoom) + shift), 2)}
    return _set_layout(fig, update)


def _area_mask(series: pd.Series | None, index: pd.Index) -> pd.Series:
    if series is None:
        return pd.Series(False, index=index)
    return series.reindex(index).astype("boolean").fillna(False).astype(bool)


# --- choropleth --------------------------------------------------------------------------------


def _add_unshown(
    fig: go.Figure,
    features: dict[str, SharedGeoJSON],
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
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Onbekende klassenindeling '{scheme}'. Kies uit: {', '.join(SCHEMES)}.")
    features = _features(areas)  # before set_axis: kept per (frozen) areas frame
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


# --- bivariate ---------------------------------------------------------------------------------


def _terciles(values: pd.Series) -> pd.Series:
    """Class 1..3 per value: above the first / second tercile (as mapclassify Quantiles k=3)."""
    v = values.to_numpy(dtype=float)
    low, high = np.quantile(v, [1 / 3, 2 / 3])
    return pd.Series(1 + (v > low).astype(int) + (v > high).astype(int), index=values.index)


def bivariate_label(klasse_x: int, klasse_y: int, *, x_label: str, y_label: str) -> str:
    """``'sociaal hoog · fysiek laag'``."""
    return f"{x_label} {TERCILE_NAMES[klasse_x - 1]} · {y_label} {TERCILE_NAMES[klasse_y - 1]}"


def bivariate_classes(
    x: pd.Series, y: pd.Series, *, x_label: str = "sociaal", y_label: str = "fysiek"
) -> pd.DataFrame:
    """Tercile classes of ``x`` and ``y`` per area and the bivariate colour.

    Areas need a value on both; terciles are computed over those areas (linear
    interpolation, as mapclassify ``Quantiles(k=3)``; a value on a boundary goes to the lower
    class, so tied values share a class).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_code``: ``klasse_x`` and ``klasse_y`` (1 laag, 2 midden, 3 hoog),
        ``kleur`` (see :data:`BIVARIATE_PALETTE`) and ``klasse`` (``'sociaal hoog · fysiek
        laag'``).
    """
    both = pd.concat(
        [pd.to_numeric(x, errors="coerce"), pd.to_numeric(y, errors="coerce")],
        axis=1,
        keys=["x", "y"],
    ).astype(float)
    both = both.loc[np.isfinite(both.to_numpy()).all(axis=1)]
    columns = ["klasse_x", "klasse_y", "kleur", "klasse"]
    if both.empty:
        return pd.DataFrame(columns=columns, index=both.index.rename(x.index.name))
    kx, ky = _terciles(both["x"]), _terciles(both["y"])
    out = pd.DataFrame(
        {
            "klasse_x": kx.astype(int),
            "klasse_y": ky.astype(int),
            "kleur": [BIVARIATE_PALETTE[b - 1][a - 1] for a, b in zip(kx, ky, strict=True)],
            "klasse": [
                bivariate_label(a, b, x_label=x_label, y_label=y_label)
                for a, b in zip(kx, ky, strict=True)
            ],
        },
        index=both.index,
    )
    out.index.name = x.index.name
    return out


def bivariate_choropleth(
    areas: gpd.GeoDataFrame,
    x: pd.Series,
    y: pd.Series,
    *,
    x_label: str = "sociaal",
    y_label: str = "fysiek",
    title: str,
    suppressed: pd.Series | None = None,
    classes: tuple[pd.Series, pd.Series] | None = None,
    height: int = 560,
) -> go.Figure:
    """A 3x3 bivariate map: terciles of ``x`` against terciles of ``y``, or the given
    ``classes`` (1 laag, 2 midden, 3 hoog per area for ``x`` and ``y``, e.g. the library's
    ``klasse_sociaal`` and ``klasse_fysiek``, so the map's hoog · hoog are exactly the areas
    the library calls both high).

    One trace per occupied class (high-high first in the legend), grey for ``suppressed``
    areas, white for areas without both values. Pair it with :func:`bivariate_legend`.
    """
    features = _features(areas)  # before set_axis: kept per (frozen) areas frame
    index = areas.index.astype(str)
    areas = areas.set_axis(index)
    names = _names(areas)
    hidden = _area_mask(
        None if suppressed is None else suppressed.set_axis(suppressed.index.astype(str)), index
    )
    xs = pd.to_numeric(x.set_axis(x.index.astype(str)), errors="coerce").reindex(index)
    ys = pd.to_numeric(y.set_axis(y.index.astype(str)), errors="coerce").reindex(index)
    keep = ~hidden.to_numpy()
    if classes is None:
        classes_of = bivariate_classes(xs[keep], ys[keep], x_label=x_label, y_label=y_label)
    else:
        given = [pd.to_numeric(c.set_axis(c.index.astype(str)), errors="coerce") for c in classes]
        both = pd.concat(given, axis=1, keys=["klasse_x", "klasse_y"]).reindex(index[keep])
        known = xs.reindex(both.index).notna() & ys.reindex(both.index).notna()
        both = both.loc[both.notna().all(axis=1) & known]
        classes_of = both.astype(int)
    fig = _new_figure(title)
    template = (
        f"<b>%{{customdata[0]}}</b><br>{x_label}: %{{customdata[1]}} (%{{customdata[2]}})"
        f"<br>{y_label}: %{{customdata[3]}} (%{{customdata[4]}})<extra></extra>"
    )
    order = sorted(
        {
            (int(a), int(b))
            for a, b in zip(classes_of["klasse_x"], classes_of["klasse_y"], strict=True)
        },
        key=lambda ab: (-(ab[0] + ab[1]), -ab[0]),
    )
    name_of, x_of, y_of = names.to_dict(), xs.to_dict(), ys.to_dict()
    for rank, (a, b) in enumerate(order):
        mask = (classes_of["klasse_x"] == a) & (classes_of["klasse_y"] == b)
        codes = [str(c) for c in classes_of.index[mask.to_numpy()]]
        custom = [
            [
                name_of[c],
                _fmt_auto(x_of[c]),
                TERCILE_NAMES[a - 1],
                _fmt_auto(y_of[c]),
                TERCILE_NAMES[b - 1],
            ]
            for c in codes
        ]
        fig.add_trace(
            _map_trace(
                features,
                codes,
                color=BIVARIATE_PALETTE[b - 1][a - 1],
                name=bivariate_label(a, b, x_label=x_label, y_label=y_label),
                customdata=custom,
                hovertemplate=template,
                legendrank=100 + rank,
            )
        )
    _add_unshown(
        fig,
        features,
        names,
        hidden=list(index[hidden.to_numpy()]),
        missing=[c for c in index[keep] if c not in classes_of.index],
    )
    return _finish_map(fig, areas, features, title=title, legend_title="klasse", height=height)


def bivariate_legend(
    *,
    x_label: str = "sociaal",
    y_label: str = "fysiek",
    size: int = 220,
    font_size: int | None = None,
) -> go.Figure:
    """The two-dimensional 3x3 legend of :func:`bivariate_choropleth`: nine coloured cells,
    ``x_label →`` along the bottom and ``y_label →`` up the side. ``font_size`` sets every
    text in it (default: the house style's)."""
    fig = _new_figure("Legenda")
    squares = [
        {
            "type": "rect",
            "x0": a - 1,
            "x1": a,
            "y0": b - 1,
            "y1": b,
            "fillcolor": BIVARIATE_PALETTE[b - 1][a - 1],
            "line": {"color": "#ffffff", "width": 2},
            "layer": "above",
        }
        for b in range(1, 4)
        for a in range(1, 4)
    ]
    # Invisible points give each cell a hover text.
    cells = [(a, b) for b in range(1, 4) for a in range(1, 4)]
    fig.add_trace(
        go.Scatter(
            x=[a - 0.5 for a, _ in cells],
            y=[b - 0.5 for _, b in cells],
            mode="markers",
            marker={"size": 1, "opacity": 0},
            hovertext=[bivariate_label(a, b, x_label=x_label, y_label=y_label) for a, b in cells],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    apply_house_style(fig, height=size)
    axis = {
        "range": [0, 3],
        "tickvals": [0.5, 2.5],
        "ticktext": [TERCILE_NAMES[0], TERCILE_NAMES[2]],
        "tickangle": 0,
        "showgrid": False,
        "showline": False,
        "ticks": "",
        "fixedrange": True,
        "constrain": "domain",
    }
    layout: dict[str, Any] = {
        "width": size,
        "margin": {"l": 8, "r": 8, "t": 40, "b": 8},
        "title": {"font": {"size": BASE_FONT_SIZE}},
        "showlegend": False,
    }
    titles: dict[str, Any] = {}
    if font_size is not None:
        layout["font"] = {"size": font_size}
        axis["tickfont"] = {"size": font_size}
        titles = {"font": {"size": font_size}}
    return _set_layout(
        fig,
        layout,
        xaxes={**axis, "title": {"text": f"{x_label} →", **titles}},
        yaxes={
            **axis,
            "title": {"text": f"{y_label} →", **titles},
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        shapes=squares,
    )


def without_class_list(fig: go.Figure) -> go.Figure:
    """A bivariate map shown beside its 3x3 legend: its own legend keeps only the grey
    entries (one legend per map, not the nine classes again as a list). Changes ``fig`` in
    place and returns it."""
    grey = {SUPPRESSED_NAME, NO_DATA_NAME}
    return fig.for_each_trace(lambda trace: trace.update(showlegend=trace.name in grey))


# --- categorical maps --------------------------------------------------------------------------


def _category_map(
    areas: gpd.GeoDataFrame,
    classes: pd.Series,
    palette: dict[str, str],
    *,
    title: str,
    legend_title: str,
    height: int,
) -> go.Figure:
    features = _features(areas)  # before set_axis: kept per (frozen) areas frame
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
    areas: gpd.GeoDataFrame, klasse: pd.Series, *, title: str, height: int = 560
) -> go.Figure:
    """Getis-Ord Gi* classes (``hotspot 99%`` … ``coldspot 99%``) on a red-grey-blue map."""
    return _category_map(
        areas, klasse, HOTSPOT_COLORS, title=title, legend_title="Gi*", height=height
    )


def cluster_map(
    areas: gpd.GeoDataFrame, cluster: pd.Series, *, title: str, height: int = 560
) -> go.Figure:
    """Local Moran clusters (``hoog-hoog``, ``laag-laag``, ``hoog-laag``, ``laag-hoog``) in
    GeoDa's colours."""
    return _category_map(
        areas, cluster, CLUSTER_COLORS, title=title, legend_title="cluster", height=height
    )


def emerging_map(
    areas: gpd.GeoDataFrame, klasse: pd.Series, *, title: str, height: int = 560
) -> go.Figure:
    """Emerging hot spot classes (``stats.emerging_hotspots(...)["klasse"]``), hot spots in
    reds, cold spots in blues, darker where the pattern is stronger."""
    return _category_map(
        areas, klasse, EMERGING_COLORS, title=title, legend_title="patroon", height=height
    )


# --- scatter -----------------------------------------------------------------------------------


def _spread(values: pd.Series) -> float:
    q1, q3 = values.quantile([0.25, 0.75])
    spread = float(q3 - q1)
    if spread > 0:
        return spread
    std = float(values.std(ddof=0))
    return std if std > 0 else 1.0


def extreme_points(frame: pd.DataFrame, *, x: str, y: str, n: int) -> list[Any]:
    """The ``n`` rows farthest from the medians of ``x`` and ``y`` (each scaled by its IQR)."""
    data = frame[[x, y]].astype(float).dropna()
    if data.empty or n <= 0:
        return []
    dx = (data[x] - data[x].median()) / _spread(data[x])
    dy = (data[y] - data[y].median()) / _spread(data[y])
    distance = pd.Series(np.hypot(dx.to_numpy(), dy.to_numpy()), index=data.index)
    return list(distance.sort_values(ascending=False, kind="stable").index[:n])


def _readable_labels(
    data: pd.DataFrame, *, x: str, y: str, candidates: list[Any], taken: set[str]
) -> list[Any]:
    """The candidates (most extreme first) whose name label does not run into the label of
    one already chosen or into a numbered circle. A name sits just above its point and is
    about a sixth of the chart wide and a twentieth high."""
    xs, ys = data[x].astype(float), data[y].astype(float)
    span_x = float(xs.max() - xs.min()) or 1.0
    span_y = float(ys.max() - ys.min()) or 1.0
    circles = [(xs[c], ys[c]) for c in data.index if str(c) in taken]
    names: list[tuple[float, float]] = []
    kept = []
    for code in candidates:
        if str(code) in taken:
            continue
        px, py = xs[code], ys[code] + 0.035 * span_y  # the middle of the name
        clear = all(
            abs(px - qx) > span_x / 12 + 0.03 * span_x
            or abs(py - qy) > 0.025 * span_y + 0.04 * span_y
            for qx, qy in circles
        ) and all(abs(px - qx) > span_x / 6 or abs(py - qy) > span_y / 20 for qx, qy in names)
        if clear:
            kept.append(code)
            names.append((px, py))
    return kept


def quadrant_scatter(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    label: str = "name",
    size: str | None = None,
    x_title: str,
    y_title: str,
    title: str,
    n_labels: int = 8,
    highlight: list[str] | None = None,
    x_name: str = "sociaal",
    y_name: str = "fysiek",
) -> go.Figure:
    """Areas by ``x`` against ``y`` with dashed median lines and named quadrants.

    The ``n_labels`` points farthest from the medians (see :func:`extreme_points`) get their
    name as a label. The ``highlight`` areas are circled and numbered in the order given
    (1 = first), so the numbers match a ranked list next to the chart and names that lie close
    together do not overlap; their names are in the hover. ``customdata`` is the area code.
    ``x_name`` / ``y_name`` name the axes in the quadrant labels ("alleen sociaal hoog").
    """
    fig = _new_figure(title)
    data = frame.copy()
    data[x] = pd.to_numeric(data[x], errors="coerce")
    data[y] = pd.to_numeric(data[y], errors="coerce")
    data = data.loc[np.isfinite(data[[x, y]].to_numpy(dtype=float)).all(axis=1)]
    if data.empty:
        return apply_house_style(_no_data(fig), height=560)
    codes = [str(c) for c in data.index]
    names = data[label].astype(str) if label in data.columns else pd.Series(codes, data.index)
    med_x, med_y = float(data[x].median()), float(data[y].median())
    chosen = {str(c) for c in (highlight or [])}
    labelled = set(
        _readable_labels(
            data, x=x, y=y, candidates=extreme_points(data, x=x, y=y, n=n_labels), taken=chosen
        )
    )
    both_high = (data[x] > med_x) & (data[y] > med_y)
    xs, ys = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    extra = [] if size is None else [f"<br>{size}: {_fmt_auto(v)}" for v in data[size].tolist()]
    hover = [
        f"<b>{name}</b><br>{x_title}: {_fmt_auto(float(a))}<br>{y_title}: {_fmt_auto(float(b))}"
        + (extra[i] if extra else "")
        for i, (name, a, b) in enumerate(zip(names.tolist(), xs, ys, strict=True))
    ]
    marker: dict[str, Any] = {
        # 1 = both above the median (orange), 0 = otherwise (blue): numbers on a two-colour
        # scale validate far faster than one colour string per point
        "color": both_high.to_numpy(dtype=np.int8),
        "colorscale": [[0, "#0072B2"], [0.5, "#0072B2"], [0.5, "#D55E00"], [1, "#D55E00"]],
        "cmin": 0,
        "cmax": 1,
        "opacity": 0.75,
        "line": {"color": "#ffffff", "width": 0.8},
        "size": 10,
    }
    if size is not None:
        sizes = pd.to_numeric(data[size], errors="coerce").fillna(0).clip(lower=0)
        biggest = float(sizes.max()) or 1.0
        marker.update(
            size=sizes.tolist(), sizemode="area", sizeref=2.0 * biggest / 30**2, sizemin=4
        )
    text = [
        name if (c in labelled and str(c) not in chosen) else ""
        for c, name in zip(data.index, names.tolist(), strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=xs,  # numbers as arrays: copied and sent as a block
            y=ys,
            mode="markers+text",
            # object arrays: plotly validates them in one step instead of walking every item
            text=np.asarray(text, dtype=object),
            textposition="top center",
            textfont={"color": TEXT_COLOR},
            customdata=np.asarray(codes, dtype=object),
            hovertext=np.asarray(hover, dtype=object),
            hovertemplate="%{hovertext}<extra></extra>",
            marker=marker,
            name="gebieden",
            showlegend=False,
            cliponaxis=False,
        )
    )
    if chosen:
        position = {c: i for i, c in enumerate(codes)}
        ranked = [str(c) for c in (highlight or []) if str(c) in position]
        picked = [position[c] for c in dict.fromkeys(ranked)]
        if picked:
            fig.add_trace(
                go.Scatter(
                    x=[float(xs[i]) for i in picked],
                    y=[float(ys[i]) for i in picked],
                    mode="markers+text",
                    text=[str(rank) for rank in range(1, len(picked) + 1)],
                    textposition="middle center",
                    textfont={"color": HIGHLIGHT_COLOR, "size": 11, "weight": "bold"},
                    customdata=[codes[i] for i in picked],
                    hovertext=[f"{rank}. " + hover[i] for rank, i in enumerate(picked, 1)],
                    hovertemplate="%{hovertext}<extra></extra>",
                    marker={
                        "size": 20,
                        "color": "rgba(255,255,255,0.85)",
                        "line": {"color": HIGHLIGHT_COLOR, "width": 2.5},
                    },
                    name="geselecteerd",
                    showlegend=False,
                    cliponaxis=False,
                )
            )
    median_line = {"color": MUTED_COLOR, "width": 1.5, "dash": "dash"}
    medians = [
        {"type": "line", "x0": med_x, "x1": med_x, "y0": 0, "y1": 1, "yref": "paper"},
        {"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": med_y, "y1": med_y},
    ]
    corners = (
        ("beide hoog", 1, 1, "right", "top"),
        (f"alleen {y_name} hoog", 0, 1, "left", "top"),
        (f"alleen {x_name} hoog", 1, 0, "right", "bottom"),
        ("beide laag", 0, 0, "left", "bottom"),
    )
    labels = [
        {
            "text": text_,
            "x": ax,
            "y": ay,
            "xref": "paper",
            "yref": "paper",
            "xanchor": xanchor,
            "yanchor": yanchor,
            "showarrow": False,
            "font": {"color": MUTED_COLOR},
        }
        for text_, ax, ay, xanchor, yanchor in corners
    ]
    # room above and beside the points for the quadrant names in the corners
    x_lo, x_hi, y_lo, y_hi = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
    pad_x, pad_y = (x_hi - x_lo) or 1.0, (y_hi - y_lo) or 1.0
    _set_layout(
        fig,
        {
            "xaxis": {
                "title": {"text": x_title},
                "range": [x_lo - 0.05 * pad_x, x_hi + 0.08 * pad_x],
            },
            "yaxis": {
                "title": {"text": y_title},
                "range": [y_lo - 0.12 * pad_y, y_hi + 0.14 * pad_y],
            },
            "meta": {"median_x": med_x, "median_y": med_y},
        },
        shapes=[{**shape, "line": median_line} for shape in medians],
        annotations=labels,
    )
    apply_house_style(fig, height=560)
    return _set_layout(fig, xaxes={"showgrid": True, "gridcolor": GRID_COLOR})


# --- time --------------------------------------------------------------------------------------


def trend_chart(
    frame: pd.DataFrame,
    *,
    x: str = "month",
    y: str = "count",
    color: str | None = None,
    title: str,
    y_title: str = "aantal meldingen",
    reference: pd.Series | None = None,
    reference_name: str = "gemiddelde gemeente",
    small_below: int = 0,
) -> go.Figure:
    """Lines per month (one per ``color`` group), Dutch month ticks, optional dashed reference.

    ``frame[x]`` holds months (``'YYYY-MM'``, periods or timestamps); rows with the same month
    and group are summed. Domains get their domain colour and label. ``reference`` is a
    Series indexed by month. Values from 1 to ``small_below - 1`` read ``"<5"`` in the hover
    (protected counts).
    """
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = pd.DataFrame(
        {
            "month": _month_keys(frame[x]),
            "value": pd.to_numeric(frame[y], errors="coerce"),
            "group": frame[color].astype(str) if color is not None else "",
        }
    )
    data = data.groupby(["group", "month"], sort=True)["value"].sum(min_count=1).reset_index()
    months = sorted(set(data["month"]))
    groups = list(dict.fromkeys(data["group"]))
    if color is not None and set(groups) <= set(DOMAIN_COLORS):
        groups = [d for d in DOMAIN_COLORS if d in groups]
    colors = _group_colors(groups)
    for group in groups:
        part = data[data["group"] == group].sort_values("month")
        name = _group_name(group) if color is not None else y_title
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(m + "-01") for m in part["month"]],
                y=part["value"].tolist(),
                mode="lines+markers" if len(part) <= 24 else "lines",
                name=name,
                line={"color": colors[group], "width": 3},
                marker={"size": 6},
                customdata=[
                    [fmt_month(m, long=True), _small_or(v, small_below)]
                    for m, v in zip(part["month"], part["value"], strict=True)
                ],
                hovertemplate=(
                    f"<b>{name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>"
                ),
                showlegend=color is not None or reference is not None,
            )
        )
    if reference is not None and len(reference):
        ref = reference.copy()
        ref.index = _month_keys(pd.Series(ref.index)).to_numpy()
        ref = pd.to_numeric(ref, errors="coerce").groupby(level=0).sum(min_count=1).sort_index()
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(m + "-01") for m in ref.index],
                y=ref.tolist(),
                mode="lines",
                name=reference_name,
                line={"color": "#333333", "width": 2, "dash": "dash"},
                customdata=[
                    [fmt_month(str(m), long=True), _fmt_auto(v)]
                    for m, v in zip(ref.index, ref, strict=True)
                ],
                hovertemplate=(
                    f"<b>{reference_name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}"
                    "<extra></extra>"
                ),
            )
        )
        months = sorted(set(months) | set(ref.index))
    tickvals, ticktext = _month_ticks(months)
    fig.update_layout(yaxis_title=y_title, hovermode="closest")
    apply_house_style(fig)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, type="date")
    fig.update_yaxes(rangemode="tozero")
    return fig


def _monthly_totals(frame: pd.DataFrame, month: str, value: str) -> pd.DataFrame:
    data = pd.DataFrame(
        {"month": _month_keys(frame[month]), "value": pd.to_numeric(frame[value], errors="coerce")}
    )
    data = data.groupby("month", sort=True)["value"].sum(min_count=1).reset_index()
    data["year"] = data["month"].str.slice(0, 4)
    data["m"] = data["month"].str.slice(5, 7).astype(int)
    return data


def _month_axis(fig: go.Figure) -> None:
    fig.update_xaxes(
        tickvals=list(range(1, 13)), ticktext=list(MONTHS_SHORT), range=[0.5, 12.5], type="linear"
    )


def year_on_year_chart(
    frame: pd.DataFrame,
    *,
    month: str = "month",
    value: str = "count",
    title: str,
    y_title: str = "aantal meldingen",
    small_below: int = 0,
) -> go.Figure:
    """One line per year over the months jan..dec (the latest year thick and blue). Values
    from 1 to ``small_below - 1`` read ``"<5"`` in the hover (protected counts)."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = _monthly_totals(frame, month, value)
    years = sorted(set(data["year"]))
    for i, year in enumerate(years):
        part = data[data["year"] == year]
        latest = i == len(years) - 1
        fig.add_trace(
            go.Scatter(
                x=part["m"].tolist(),
                y=part["value"].tolist(),
                mode="lines+markers",
                name=year,
                line={
                    "color": CATEGORICAL[(len(years) - 1 - i) % len(CATEGORICAL)],
                    "width": 4 if latest else 2,
                },
                marker={"size": 7 if latest else 5},
                customdata=[
                    [f"{MONTHS_LONG[m - 1]} {year}", _small_or(v, small_below)]
                    for m, v in zip(part["m"], part["value"], strict=True)
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(yaxis_title=y_title)
    apply_house_style(fig)
    _month_axis(fig)
    fig.update_yaxes(rangemode="tozero")
    return fig


def seasonality_chart(
    frame: pd.DataFrame,
    *,
    month: str = "month",
    value: str = "count",
    title: str,
    y_title: str = "gemiddeld aantal per maand",
    small_below: int = 0,
) -> go.Figure:
    """Bars of the mean per calendar month over the years in ``frame``. A mean from above 0
    to below ``small_below`` reads ``"<5"`` in its label and hover (protected counts)."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = _monthly_totals(frame, month, value)
    mean = data.groupby("m")["value"].agg(["mean", "count"])
    fig.add_trace(
        go.Bar(
            x=mean.index.tolist(),
            y=mean["mean"].tolist(),
            marker={"color": "#0072B2"},
            text=[_small_or(v, small_below, fmt_int) for v in mean["mean"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [MONTHS_LONG[m - 1], _small_or(v, small_below, lambda x: fmt_num(x, 1)), fmt_int(c)]
                for m, v, c in zip(mean.index, mean["mean"], mean["count"], strict=True)
            ],
            hovertemplate=(
                "gemiddeld in %{customdata[0]}: %{customdata[1]}"
                "<br>over %{customdata[2]} jaar<extra></extra>"
            ),
            showlegend=False,
        )
    )
    fig.update_layout(yaxis_title=y_title)
    apply_house_style(fig)
    _month_axis(fig)
    fig.update_yaxes(rangemode="tozero")
    return fig


# --- bars --------------------------------------------------------------------------------------


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    orientation: str = "h",
    x_title: str = "",
    y_title: str = "",
    text_format: str = "int",
) -> go.Figure:
    """Bars with Dutch value labels; horizontal bars sorted with the largest on top.

    Of ``x`` and ``y`` the numeric column is the value and the other the category, whichever
    way round they are given (as in plotly express, ``x`` is the value when both are numeric
    and ``orientation="h"``). ``x_title`` / ``y_title`` title the axis that shows ``x`` / ``y``.
    ``color`` names a group column (domains get domain colours); groups are stacked.
    ``text_format`` is ``"int"``, ``"num"`` (one decimal) or ``"pct"`` (fraction as %).
    """
    if orientation not in ("h", "v"):
        raise ValueError("Kies orientation 'h' (liggend) of 'v' (staand).")
    if text_format not in TEXT_FORMATS:
        raise ValueError(
            f"Onbekend getalformaat '{text_format}'. Kies uit: {', '.join(TEXT_FORMATS)}."
        )
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    horizontal = orientation == "h"
    if _is_numeric(frame[x]) and not _is_numeric(frame[y]):
        value_col, cat_col, value_title, cat_title = x, y, x_title, y_title
    elif _is_numeric(frame[y]) and not _is_numeric(frame[x]):
        value_col, cat_col, value_title, cat_title = y, x, y_title, x_title
    elif horizontal:
        value_col, cat_col, value_title, cat_title = x, y, x_title, y_title
    else:
        value_col, cat_col, value_title, cat_title = y, x, y_title, x_title
    data = pd.DataFrame(
        {
            "cat": frame[cat_col].astype(str).map(_group_name),
            "value": pd.to_numeric(frame[value_col], errors="coerce"),
            "group": frame[color].astype(str) if color is not None else "",
        }
    )
    totals = data.groupby("cat", sort=False)["value"].sum()
    order = (
        list(totals.sort_values(ascending=True, kind="stable").index)
        if horizontal
        else list(totals.index)
    )
    groups = list(dict.fromkeys(data["group"]))
    if color is not None and set(groups) <= set(DOMAIN_COLORS):
        groups = [d for d in DOMAIN_COLORS if d in groups]
    colors = _group_colors(groups) if color is not None else {"": "#0072B2"}
    for group in groups:
        part = data[data["group"] == group]
        labels = [_fmt_as(v, text_format) for v in part["value"]]
        cats, vals = part["cat"].tolist(), part["value"].tolist()
        fig.add_trace(
            go.Bar(
                x=vals if horizontal else cats,
                y=cats if horizontal else vals,
                orientation=orientation,
                name=_group_name(group) if color is not None else value_title or value_col,
                marker={"color": colors[group]},
                text=labels,
                textposition="outside" if color is None else "inside",
                cliponaxis=False,
                customdata=[[c, t] for c, t in zip(cats, labels, strict=True)],
                hovertemplate=(
                    ("<b>" + _group_name(group) + "</b><br>" if color is not None else "")
                    + "%{customdata[0]}: %{customdata[1]}<extra></extra>"
                ),
                showlegend=color is not None,
            )
        )
    fig.update_layout(barmode="stack")
    n_cats = len(order)
    height = max(360, 34 * n_cats + 160) if horizontal else 480
    apply_house_style(fig, height=height)
    cat_axis = {"categoryorder": "array", "categoryarray": order, "title": {"text": cat_title}}
    top = float(totals.max()) if len(totals) and np.isfinite(totals.max()) else 0.0
    value_axis: dict[str, Any] = {"title": {"text": value_title}}
    if top > 0 and float(totals.min()) >= 0:
        value_axis["range"] = [0, top * 1.15]
    if text_format == "pct":
        value_axis["tickformat"] = ".0%"
    if horizontal:
        fig.update_yaxes(**cat_axis, showgrid=False, ticks="")
        fig.update_xaxes(**value_axis, showgrid=True, gridcolor=GRID_COLOR, showline=False)
    else:
        fig.update_xaxes(**cat_axis)
        fig.update_yaxes(**value_axis)
    return fig


def _domain_order(index: Iterable[object]) -> list[str]:
    items = [str(i) for i in index]
    known = [d for d in DOMAIN_COLORS if d in items]
    return known + [i for i in dict.fromkeys(items) if i not in known]


def domain_change_chart(current: pd.Series, previous: pd.Series, *, title: str) -> go.Figure:
    """Grouped bars per domain: the previous period (grey) next to this period (domain colour),
    with the relative change above each pair."""
    fig = _new_figure(title)
    cur = pd.to_numeric(current, errors="coerce").set_axis(current.index.astype(str))
    prev = pd.to_numeric(previous, errors="coerce").set_axis(previous.index.astype(str))
    domains = _domain_order([*cur.index, *prev.index])
    if not domains:
        return apply_house_style(_no_data(fig))
    cur = cur.reindex(domains).fillna(0)
    prev = prev.reindex(domains).fillna(0)
    labels = [_group_name(d) for d in domains]
    changes = [fmt_change(float(c), float(p)) for c, p in zip(cur, prev, strict=True)]
    custom = [
        [name, fmt_int(c), fmt_int(p), ch]
        for name, c, p, ch in zip(labels, cur, prev, changes, strict=True)
    ]
    hover = (
        "<b>%{customdata[0]}</b><br>deze periode: %{customdata[1]}"
        "<br>vorige periode: %{customdata[2]}<br>verandering: %{customdata[3]}<extra></extra>"
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=prev.tolist(),
            name="vorige periode",
            marker={"color": "#bdbdbd"},
            text=[fmt_int(v) for v in prev],
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=cur.tolist(),
            name="deze periode",
            marker={"color": [DOMAIN_COLORS.get(d, CATEGORICAL[0]) for d in domains]},
            text=[fmt_int(v) for v in cur],
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    top = float(max(cur.max(), prev.max(), 0))
    for name, c, p, change in zip(labels, cur, prev, changes, strict=True):
        fig.add_annotation(
            x=name,
            y=max(c, p),
            text=f"<b>{change}</b>",
            showarrow=False,
            yanchor="bottom",
            yshift=30,
        )
    fig.update_layout(barmode="group", yaxis_title="aantal meldingen", bargap=0.3)
    apply_house_style(fig)
    fig.update_yaxes(range=[0, (top or 1) * 1.2])
    return fig


# --- statistics --------------------------------------------------------------------------------


def correlation_heatmap(
    rho: pd.DataFrame, p: pd.DataFrame, *, title: str, alpha: float = 0.05
) -> go.Figure:
    """Spearman correlations in a diverging red-blue grid (−1..1) with the value in each cell;
    an asterisk marks ``p < alpha`` (not on the diagonal). Hover shows rho and p."""
    fig = _new_figure(title)
    if rho.empty:
        return apply_house_style(_no_data(fig))
    rows = [str(r) for r in rho.index]
    cols = [str(c) for c in rho.columns]
    r = rho.to_numpy(dtype=float)
    pv = p.reindex(index=rho.index, columns=rho.columns).to_numpy(dtype=float)
    text: list[list[str]] = []
    custom: list[list[list[str]]] = []
    for i, row in enumerate(rows):
        text_row, custom_row = [], []
        for j, col in enumerate(cols):
            value, pval = r[i, j], pv[i, j]
            if not np.isfinite(value):
                text_row.append("")
                custom_row.append([row, col, "te weinig gegevens", ""])
                continue
            star = "*" if (row != col and np.isfinite(pval) and pval < alpha) else ""
            text_row.append(fmt_num(value, 2).replace("-", "−") + star)
            custom_row.append([row, col, fmt_num(value, 2).replace("-", "−"), _fmt_p(pval)])
        text.append(text_row)
        custom.append(custom_row)
    fig.add_trace(
        go.Heatmap(
            z=r,
            x=cols,
            y=rows,
            zmin=-1,
            zmax=1,
            zmid=0,
            colorscale="RdBu",
            text=np.asarray(text, dtype=object),
            texttemplate="%{text}",
            customdata=np.asarray(custom, dtype=object),
            hovertemplate=(
                "<b>%{customdata[0]} × %{customdata[1]}</b><br>rho = %{customdata[2]}"
                "<br>p = %{customdata[3]}<extra></extra>"
            ),
            colorbar={"title": {"text": "rho"}, "tickvals": [-1, -0.5, 0, 0.5, 1]},
            xgap=2,
            ygap=2,
        )
    )
    note = {
        "text": f"* p < {fmt_num(alpha, 2)} (Spearman)",
        "x": 1,
        "y": 1,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "right",
        "yanchor": "bottom",
        "yshift": 6,
        "showarrow": False,
        "font": {"color": MUTED_COLOR},
    }
    apply_house_style(fig, height=max(420, 48 * len(rows) + 200))
    return _set_layout(
        fig,
        xaxes={
            "showline": False,
            "ticks": "",
            "side": "bottom",
            "tickangle": -30 if len(cols) > 6 else 0,
        },
        yaxes={"showgrid": False, "autorange": "reversed"},
        annotations=[note],
    )


def leadtime_chart(
    frame: pd.DataFrame,
    *,
    group: str = "theme",
    median: str = "mediaan_dagen",
    p90: str = "p90_dagen",
    norm_days: float | None = None,
    title: str,
) -> go.Figure:
    """Median lead time per group (bars, longest on top), a diamond at the 90th percentile and
    a dashed line at the norm."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = pd.DataFrame(
        {
            "group": frame[group].astype(str).map(_group_name),
            "median": pd.to_numeric(frame[median], errors="coerce"),
            "p90": pd.to_numeric(frame[p90], errors="coerce"),
        }
    ).sort_values("median", ascending=True, kind="stable")

    def days(v: float) -> str:
        if not np.isfinite(v):
            return "–"
        return fmt_num(v, 1) if v < 10 else fmt_int(v)

    custom = [
        [g, days(m), days(q)]
        for g, m, q in zip(data["group"], data["median"], data["p90"], strict=True)
    ]
    hover = (
        "<b>%{customdata[0]}</b><br>mediaan: %{customdata[1]} dagen"
        "<br>90% afgehandeld binnen %{customdata[2]} dagen<extra></extra>"
    )
    fig.add_trace(
        go.Bar(
            x=data["median"].tolist(),
            y=data["group"].tolist(),
            orientation="h",
            name="mediaan",
            marker={"color": "#0072B2"},
            text=[days(v) for v in data["median"]],
            # inside a bar that is long enough, else just after it; never turned sideways
            textposition="auto",
            textangle=0,
            insidetextanchor="end",
            insidetextfont={"color": "#ffffff"},
            outsidetextfont={"color": TEXT_COLOR},
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=data["p90"].tolist(),
            y=data["group"].tolist(),
            mode="markers",
            name="90% afgehandeld binnen",
            marker={
                "symbol": "diamond",
                "size": 14,
                "color": "#D55E00",
                "line": {"color": "#ffffff", "width": 1},
            },
            customdata=custom,
            hovertemplate=hover,
        )
    )
    if norm_days is not None:
        fig.add_shape(
            type="line",
            x0=norm_days,
            x1=norm_days,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#333333", "width": 2, "dash": "dash"},
        )
        fig.add_annotation(
            x=norm_days,
            y=1,
            yref="paper",
            text=f"norm: {days(float(norm_days))} dagen",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=4,
            bgcolor="rgba(255,255,255,0.85)",
        )
    top = float(np.nanmax([data["p90"].max(), data["median"].max(), norm_days or 0, 0]))
    apply_house_style(fig, height=max(360, 40 * len(data) + 180))
    fig.update_xaxes(
        title={"text": "dagen"}, range=[0, (top or 1) * 1.08], showgrid=True, gridcolor=GRID_COLOR
    )
    fig.update_yaxes(showgrid=False, ticks="")
    return fig


# --- export ------------------------------------------------------------------------------------


def to_png(fig: go.Figure, *, width: int = 1280, height: int = 720, scale: float = 1) -> bytes:
    """The figure as PNG bytes (kaleido with Debian's Chromium; no internet needed)."""
    chromium.point_kaleido()
    return bytes(fig.to_image(format="png", width=width, height=height, scale=scale))
