"""Areas as GeoJSON for plotly's maps, and the centre and zoom that fit them.

Every feature carries ``id = area_code``, so a clicked map point returns its area code in
``points[i]["location"]``. Figures share the features without copying
(:class:`SharedGeoJSON`); a caller that draws several maps of the same areas converts them
once (:func:`geojson_features`) and passes them to each map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
from plotly.io.json import to_json_plotly

# Web-mercator tiles of MapLibre are 512 px at zoom 0.
_TILE_PX = 512


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

    def json_text(self) -> str:
        """This GeoJSON as plotly writes it into a figure's JSON (``to_json_plotly``), written
        once: a map of the same areas drawn again (another filter, class or colour) sends the
        same outlines, and writing them is most of a map's JSON."""
        text: str | None = self.__dict__.get("_json_text")
        if text is None:
            text = self.__dict__["_json_text"] = to_json_plotly(self)
        return text


def geojson_features(areas: gpd.GeoDataFrame) -> dict[str, SharedGeoJSON]:
    """GeoJSON features of ``areas`` keyed by area code, each with ``id = area_code`` and no
    properties: the ``features`` every map takes (the dashboard's snapshot keeps them per
    level, so drawing another map of the same areas converts no geometry)."""
    collection = areas.geometry.__geo_interface__
    return {
        str(feature["id"]): SharedGeoJSON(
            type="Feature", id=str(feature["id"]), properties={}, geometry=feature["geometry"]
        )
        for feature in collection["features"]
    }


def _features(
    areas: gpd.GeoDataFrame, features: Mapping[str, SharedGeoJSON] | None
) -> Mapping[str, SharedGeoJSON]:
    """The caller's ``features`` (of at least ``areas``), or those of ``areas`` converted now."""
    return geojson_features(areas) if features is None else features


def _collection(features: Mapping[str, SharedGeoJSON], codes: Iterable[str]) -> SharedGeoJSON:
    """A FeatureCollection of ``codes`` that figures share without copying."""
    return SharedGeoJSON(type="FeatureCollection", features=[features[c] for c in codes])


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
