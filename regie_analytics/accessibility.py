"""What makes a chart usable without seeing it, and plotly in Dutch.

``chart_name(fig)`` is the accessible name of a chart (its title, and for a map what the
table under it gives); ``map_classes(fig)`` is that table: every area of a map with the class
it is drawn in, read from the map itself so the two cannot differ. ``PLOTLY_CONFIG`` sets
plotly's menu, messages and number and date notation to Dutch, without a script from the
internet (plotly takes a locale as configuration too).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from regie_analytics.formatting import MONTHS_LONG, MONTHS_SHORT

MAP_TYPES = ("choroplethmap", "choropleth", "choroplethmapbox")

_DICTIONARY = {
    "Autoscale": "Automatisch schalen",
    "Box Select": "Rechthoek selecteren",
    "Click to enter Colorscale title": "Klik om de titel van de kleurschaal in te vullen",
    "Click to enter Plot title": "Klik om de titel van de grafiek in te vullen",
    "Click to enter X axis title": "Klik om de titel van de X-as in te vullen",
    "Click to enter Y axis title": "Klik om de titel van de Y-as in te vullen",
    "Compare data on hover": "Vergelijk gegevens bij aanwijzen",
    "Double-click on legend to isolate one trace": (
        "Dubbelklik op de legenda om één reeks apart te tonen"
    ),
    "Double-click to zoom back out": "Dubbelklik om weer uit te zoomen",
    "Download plot": "Grafiek downloaden",
    "Download plot as a PNG": "Grafiek downloaden als PNG",
    "Download plot as JSON": "Grafiek downloaden als JSON",
    "Draw circle": "Cirkel tekenen",
    "Draw closed freeform": "Gesloten vorm tekenen",
    "Draw line": "Lijn tekenen",
    "Draw open freeform": "Open vorm tekenen",
    "Draw rectangle": "Rechthoek tekenen",
    "Erase active shape": "Gekozen vorm wissen",
    "Image download succeeded": "Afbeelding gedownload",
    "JSON download succeeded": "JSON gedownload",
    "Lasso Select": "Lasso selecteren",
    "Orbital rotation": "Baanrotatie",
    "Pan": "Verschuiven",
    "Preparing image - this may take a few seconds": (
        "Afbeelding wordt gemaakt; dit kan enkele seconden duren"
    ),
    "Produced with Plotly.js": "Gemaakt met Plotly.js",
    "Reset": "Herstellen",
    "Reset axes": "Assen herstellen",
    "Reset camera to default": "Camera herstellen",
    "Reset camera to last save": "Camera naar laatst bewaarde stand",
    "Reset view": "Weergave herstellen",
    "Reset views": "Weergaven herstellen",
    "Show closest data on hover": "Toon dichtstbijzijnde gegevens bij aanwijzen",
    "Sorry, there was a problem downloading your image!": (
        "Er ging iets mis bij het downloaden van de afbeelding."
    ),
    "Sorry, there was a problem downloading your JSON file!": (
        "Er ging iets mis bij het downloaden van het JSON-bestand."
    ),
    "Toggle Spike Lines": "Hulplijnen aan/uit",
    "Toggle show closest data on hover": "Dichtstbijzijnde gegevens bij aanwijzen aan/uit",
    "Turntable rotation": "Draaischijfrotatie",
    "Zoom": "Zoomen",
    "Zoom in": "Inzoomen",
    "Zoom out": "Uitzoomen",
    "close:": "slot:",
    "high:": "hoog:",
    "low:": "laag:",
    "max:": "max:",
    "mean ± σ:": "gemiddelde ± σ:",
    "mean:": "gemiddelde:",
    "median:": "mediaan:",
    "min:": "min:",
    "new text": "nieuwe tekst",
    "open:": "open:",
    "q1:": "q1:",
    "q3:": "q3:",
    "source:": "bron:",
    "target:": "doel:",
    "trace": "reeks",
}
_DAYS = ("zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag")

PLOTLY_DUTCH: dict[str, Any] = {
    "moduleType": "locale",
    "name": "nl",
    "dictionary": _DICTIONARY,
    "format": {
        "days": list(_DAYS),
        "shortDays": [day[:2] for day in _DAYS],
        "months": list(MONTHS_LONG),
        "shortMonths": list(MONTHS_SHORT),
        "date": "%d-%m-%Y",
        "decimal": ",",
        "thousands": ".",
    },
}
"""plotly.js's Dutch locale: its menu and messages for the strings this plotly version shows,
and Dutch notation for numbers (1.234,5) and dates on axes and in hover texts."""

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "autoScale2d", "toggleSpikelines"],
    "toImageButtonOptions": {
        "format": "png",
        "width": 1280,
        "height": 720,
        "filename": "regie-analytics",
    },
    "locale": "nl",
    "locales": {"nl": PLOTLY_DUTCH},
}
"""The configuration every chart is shown with (``components.chart``): Dutch whatever the
browser's language, no plotly logo, its PNG download at 1280x720."""


def is_map(fig: go.Figure) -> bool:
    """Whether ``fig`` draws areas on a map."""
    return any(trace.type in MAP_TYPES for trace in fig.data)


def _title(fig: go.Figure) -> str:
    text = fig.layout.title.text if fig.layout.title is not None else None
    return " ".join(str(text or "").replace("<br>", " ").split())


def chart_name(fig: go.Figure) -> str:
    """The accessible name of a chart: ``"Kaart: <title>"`` (with where its table is) or
    ``"Grafiek: <title>"``."""
    title = _title(fig) or "zonder titel"
    if is_map(fig):
        return f"Kaart: {title}. De klasse per gebied staat in de tabel bij de kaart."
    return f"Grafiek: {title}"


def map_classes(fig: go.Figure) -> pd.DataFrame:
    """Every area of a map with the class it is drawn in (``Gebied``, ``Code``, ``Klasse``),
    in the order of the map's legend and then by name.

    Read from the map's traces (one per class, named after it), so the table says exactly
    what the colours say. Outlines without a class (a highlighted area) are left out.
    """
    rows: list[tuple[int, int, str, str, str]] = []
    for number, trace in enumerate(fig.data):
        if trace.type not in MAP_TYPES or trace.hoverinfo == "skip" or trace.locations is None:
            continue
        rank = trace.legendrank if trace.legendrank is not None else 1000
        custom = trace.customdata if trace.customdata is not None else [None] * len(trace.locations)
        for code, data in zip(trace.locations, custom, strict=True):
            name = str(data[0]) if data is not None and len(data) else str(code)
            rows.append((int(rank), number, name, str(code), str(trace.name)))
    frame = pd.DataFrame(rows, columns=["rank", "trace", "Gebied", "Code", "Klasse"])
    frame = frame.sort_values(["rank", "trace", "Gebied", "Code"], kind="stable")
    return frame[["Gebied", "Code", "Klasse"]].reset_index(drop=True)
