"""Figures as ``st.plotly_chart`` sends them, written once.

:class:`Serialised` is what :func:`regie_analytics.ui.components.prepared` shows for a figure:
its JSON written when it is first shown (a blank map as the SVG map,
:func:`~regie_analytics.charts.svgmap.screen_spec`), the areas of a map from each shared
feature's own JSON (:func:`_figure_json`), and ``plotly.io.to_json`` handing Streamlit that
text on every run instead of writing it again (:func:`_to_json`).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from regie_analytics.charts import svgmap
from regie_analytics.charts.geojson import SharedGeoJSON


class SentSpec(dict[str, Any]):
    """What ``st.plotly_chart`` reads of a figure once :func:`_to_json` hands it the JSON text
    (``text``, as ``plotly.io.to_json(spec, validate=False)`` writes the figure as shown): the
    layout's ``width`` and ``height`` (the chart's size), nothing else. The figure's JSON is
    not read back into Python objects: a map's areas would be tens of thousands of lists,
    kept as long as the figure, for Python's garbage collector to scan. Never change it."""

    text: str


_PLOTLY_TO_JSON = pio.to_json


def _to_json(fig: Any, *args: Any, **kwargs: Any) -> str:
    """``plotly.io.to_json``, which ``st.plotly_chart`` calls on every run to write a figure's
    JSON: for a :class:`SentSpec` (``Serialised.to_dict``) as Streamlit calls it
    (``validate=False``), its text as written when the figure was first shown instead of writing
    the same JSON again (tens of ms for a map); anything else as plotly writes it."""
    if type(fig) is SentSpec and not args and kwargs == {"validate": False}:
        return fig.text
    return _PLOTLY_TO_JSON(fig, *args, **kwargs)


pio.to_json = _to_json  # Streamlit looks it up as ``plotly.io.to_json`` on every call


def _shared_features(geojson: Any) -> list[SharedGeoJSON] | None:
    """The features of a FeatureCollection whose outlines figures share
    (:class:`SharedGeoJSON` with ``type`` and ``features`` only, each feature shared too);
    None for any other GeoJSON."""
    if not isinstance(geojson, SharedGeoJSON) or list(geojson) != ["type", "features"]:
        return None
    if geojson["type"] != "FeatureCollection" or not isinstance(geojson["features"], list):
        return None
    features = geojson["features"]
    return features if all(type(f) is SharedGeoJSON for f in features) else None


def _figure_json(spec: dict[str, Any]) -> str:
    """``plotly.io.to_json(spec, validate=False)`` (the text is the same), with the shared
    areas of a map (:func:`_shared_features`) written from each feature's own JSON, written
    once per feature (:meth:`SharedGeoJSON.json_text`): a new map of the same areas writes only
    its classes, colours and texts."""
    collections: dict[str, list[SharedGeoJSON]] = {}
    data = []
    for number, trace in enumerate(spec.get("data") or []):
        features = _shared_features(trace.get("geojson"))
        if features is not None:
            marker = f"@@regie-geojson-{number}@@"
            collections[f'"{marker}"'] = features
            trace = {**trace, "geojson": marker}
        data.append(trace)
    if not collections:
        return _PLOTLY_TO_JSON(spec, validate=False)
    text = _PLOTLY_TO_JSON({**spec, "data": data}, validate=False)
    if any(text.count(marker) != 1 for marker in collections):  # the marker in the data
        return _PLOTLY_TO_JSON(spec, validate=False)
    for marker, features in collections.items():
        written = ",".join(feature.json_text() for feature in features)
        text = text.replace(marker, '{"type":"FeatureCollection","features":[' + written + "]}")
    return text


SIZE_KEYS = ("width", "height")
"""The layout's keys ``st.plotly_chart`` reads (for a chart of the figure's own size)."""


class Serialised(go.Figure):
    """A figure as ``st.plotly_chart`` sends it, converted once: its JSON written when first
    shown, kept as text in what ``to_dict`` returns (:class:`SentSpec`), so a rerun writes
    nothing again; a map of areas on the blank style as an SVG map (:func:`svgmap.screen_spec`:
    the browser draws it in a fraction of a WebGL map's time). Never change it or what it
    returns."""

    def __init__(self, figure: go.Figure) -> None:
        super().__init__()
        figure_dict = figure.to_dict()  # as plotly.io.to_json reads it, without trace uids
        for trace in figure_dict.get("data", []):
            trace.pop("uid", None)
        shown = svgmap.screen_spec(figure_dict)
        layout = shown.get("layout") or {}
        self._spec = SentSpec(layout={key: layout[key] for key in SIZE_KEYS if key in layout})
        self._spec.text = _figure_json(shown)

    def to_dict(self) -> dict[str, Any]:
        """:class:`SentSpec`: the JSON text and the chart's size; the same object every
        time."""
        return self._spec
