"""The 3x3 bivariate map (terciles of two measures, e.g. sociaal against fysiek) and its legend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.geojson import SharedGeoJSON, _features
from regie_analytics.charts.maps import (
    NO_DATA_NAME,
    SUPPRESSED_NAME,
    _add_unshown,
    _area_mask,
    _finish_map,
    _map_trace,
    _names,
)
from regie_analytics.charts.style import (
    BASE_FONT_SIZE,
    _fmt_auto,
    _new_figure,
    _set_layout,
    apply_house_style,
)
from regie_analytics.schema import PHYSICAL, SOCIAL

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


def _terciles(values: pd.Series) -> pd.Series:
    """Class 1..3 per value: above the first / second tercile (as mapclassify Quantiles k=3)."""
    v = values.to_numpy(dtype=float)
    low, high = np.quantile(v, [1 / 3, 2 / 3])
    return pd.Series(1 + (v > low).astype(int) + (v > high).astype(int), index=values.index)


def bivariate_label(klasse_x: int, klasse_y: int, *, x_label: str, y_label: str) -> str:
    """``'sociaal hoog · fysiek laag'``."""
    return f"{x_label} {TERCILE_NAMES[klasse_x - 1]} · {y_label} {TERCILE_NAMES[klasse_y - 1]}"


def bivariate_classes(
    x: pd.Series, y: pd.Series, *, x_label: str = SOCIAL, y_label: str = PHYSICAL
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
    x_label: str = SOCIAL,
    y_label: str = PHYSICAL,
    title: str,
    suppressed: pd.Series | None = None,
    classes: tuple[pd.Series, pd.Series] | None = None,
    height: int = 560,
    features: Mapping[str, SharedGeoJSON] | None = None,
) -> go.Figure:
    """A 3x3 bivariate map: terciles of ``x`` against terciles of ``y``, or the given
    ``classes`` (1 laag, 2 midden, 3 hoog per area for ``x`` and ``y``, e.g. the library's
    ``klasse_sociaal`` and ``klasse_fysiek``, so the map's hoog · hoog are exactly the areas
    the library calls both high).

    One trace per occupied class (high-high first in the legend), grey for ``suppressed``
    areas, white for areas without both values. Pair it with :func:`bivariate_legend`.
    ``features``: see :func:`choropleth`.
    """
    features = _features(areas, features)
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
    x_label: str = SOCIAL,
    y_label: str = PHYSICAL,
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
