"""Maps as the browser draws them: SVG (plotly's ``geo``) instead of WebGL (``map``).

The maps are built as ``go.Choroplethmap`` figures (:mod:`.maps`): MapLibre can put PDOK's
background tiles under them, and the PNG exports draw them as they are. On screen, a map on the
blank ``white-bg`` style is sent as the same areas in plotly's SVG ``choropleth`` trace on a
``geo`` subplot without base layers (:func:`screen_spec`): a browser without a graphics card
(software WebGL) takes 1-2.5 s of its main thread to draw a WebGL map, and Streamlit draws a
chart anew on every filter change (the element's id holds the figure); the SVG map takes
0.1-0.3 s of that. Everything a user reads or clicks stays: the same traces, classes, colours,
hover texts and legend, and a click still returns the area's code as ``location``.

plotly.js loads a world topojson for a ``geo`` subplot, from its CDN by default, even with no
base layer shown; :data:`TOPOJSON_URL` (the charts' ``topojsonURL`` on screen,
:data:`regie_analytics.ui.components.SCREEN_CONFIG`) hands it an empty one inline instead, so
nothing is fetched.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

_EMPTY_TOPOLOGY = {
    "type": "Topology",
    "objects": {
        name: {"type": "GeometryCollection", "geometries": []}
        for name in ("coastlines", "countries", "lakes", "land", "ocean", "rivers", "subunits")
    },
    "arcs": [],
}
TOPOJSON_URL = (
    "data:application/json;base64,"
    + base64.b64encode(json.dumps(_EMPTY_TOPOLOGY, separators=(",", ":")).encode()).decode()
    + "#"
)
"""plotly.js's ``topojsonURL``: an empty topology inline. plotly.js asks for
``<topojsonURL>/<scope>_<resolution>m.json``; after the ``#`` that is only a fragment, so every
name gets the same empty topology (no base layer is drawn) and nothing leaves the browser."""

FIT_MARGIN = 0.03
"""Space around the areas, as a share of their extent on each side."""

LEGEND_BELOW = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 0,
    "yanchor": "top",
    "bgcolor": "rgba(255,255,255,0)",
    "borderwidth": 0,
}
"""The legend of a map on screen: one line (or more, in a narrow column) under the areas.
Over the map's top left corner (as on MapLibre, which the user can pan) it hid areas of a map
fitted to its box; below the plot area plotly makes room for it (the map shrinks to fit)."""

_MAP_ONLY = ("below", "subplot")
"""Attributes of ``choroplethmap`` that ``choropleth`` does not have."""


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    """The outer rings of a GeoJSON (Multi)Polygon (holes lie within them)."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        yield from coordinates[:1]
    elif kind == "MultiPolygon":
        for polygon in coordinates:
            yield from polygon[:1]


def _feature_bounds(feature: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """West, south, east and north of a feature's outer rings; None without any. Kept on a
    feature that figures share (:class:`~regie_analytics.charts.geojson.SharedGeoJSON`, never
    changed): each map of the same areas reads them again."""
    kept = getattr(feature, "__dict__", None)  # a plain dict has none
    if kept is not None and "_outer_bounds" in kept:
        found: tuple[float, float, float, float] | None = kept["_outer_bounds"]
        return found
    west = south = float("inf")
    east = north = float("-inf")
    for ring in _rings(feature.get("geometry") or {}):
        if not ring:
            continue
        lons, lats = list(zip(*ring, strict=False))[:2]  # a ring's columns, in C
        west, east = min(west, *lons), max(east, *lons)
        south, north = min(south, *lats), max(north, *lats)
    found = None if west > east or south > north else (west, south, east, north)
    if kept is not None:
        kept["_outer_bounds"] = found
    return found


def _bounds(traces: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """West, south, east and north of every area the traces draw; None without any."""
    found: list[tuple[float, float, float, float]] = []
    for trace in traces:
        geojson = trace.get("geojson") or {}
        features = geojson.get("features", [geojson] if geojson.get("type") == "Feature" else [])
        found.extend(bounds for f in features if (bounds := _feature_bounds(f)) is not None)
    if not found:
        return None
    wests, souths, easts, norths = zip(*found, strict=True)
    return min(wests), min(souths), max(easts), max(norths)


def is_blank_map(spec: dict[str, Any]) -> bool:
    """Whether a figure's JSON is a map of areas alone on the blank style: only
    ``choroplethmap`` traces, the ``white-bg`` style and no layers (PDOK's tiles need
    MapLibre)."""
    traces = spec.get("data") or []
    view = (spec.get("layout") or {}).get("map") or {}
    return (
        bool(traces)
        and all(trace.get("type") == "choroplethmap" for trace in traces)
        and view.get("style") == "white-bg"
        and not view.get("layers")
    )


def screen_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A figure's JSON as the browser is sent it: a map of areas alone on the blank style
    (:func:`is_blank_map`) as SVG ``choropleth`` traces on a ``geo`` subplot in the Mercator
    projection, without base layers, fitted to its areas (:data:`FIT_MARGIN` around them); any
    other figure as it is. The traces keep everything else (areas, classes, colours, hover
    texts, legend entries), the legend goes under the areas (:data:`LEGEND_BELOW`); ``spec``
    itself is not changed."""
    if not is_blank_map(spec):
        return spec
    traces = [
        {"type": "choropleth", **{k: v for k, v in trace.items() if k not in (*_MAP_ONLY, "type")}}
        for trace in spec["data"]
    ]
    layout = {key: value for key, value in spec["layout"].items() if key != "map"}
    geo: dict[str, Any] = {
        "visible": False,  # no land, coastlines or frame: the areas alone, as on white-bg
        "bgcolor": "rgba(0,0,0,0)",
        "projection": {"type": "mercator"},
    }
    bounds = _bounds(traces)
    if bounds is not None:
        west, south, east, north = bounds
        pad_x = max(FIT_MARGIN * (east - west), 1e-4)  # 1e-4 degrees: about 10 m
        pad_y = max(FIT_MARGIN * (north - south), 1e-4)
        geo["lonaxis"] = {"range": [west - pad_x, east + pad_x]}
        geo["lataxis"] = {"range": [south - pad_y, north + pad_y]}
    layout["geo"] = geo
    layout["legend"] = {**(layout.get("legend") or {}), **LEGEND_BELOW}
    return {**spec, "data": traces, "layout": layout}
