"""Pictures on slides: maps drawn from their areas' outlines in their class colours (no
browser; the maps of a deck side by side in threads), any other figure without a native form
through Chromium; kept on the content, so a second deck for the same filter reuses them.
A picture is placed with alt text that says what the map shows: title, measure, period and
the classes with their number of areas."""

from __future__ import annotations

import io
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import plotly.graph_objects as go
from pptx.util import Inches

from regie_analytics.export.content import ReportContent, ReportItem
from regie_analytics.export.deck.convert import plain_text, rgb_color, set_alt_text
from regie_analytics.export.images import png_size, render_pngs
from regie_analytics.formatting import fmt_period


def is_native(fig: go.Figure) -> bool:
    """Whether the figure's traces convert to one native chart (bars, lines or a scatter)."""
    kinds = {trace.type for trace in fig.data}
    return bool(kinds) and (kinds == {"bar"} or kinds == {"scatter"})


def is_map(fig: go.Figure) -> bool:
    """Whether the figure is a map (only ``choroplethmap`` traces)."""
    return bool(fig.data) and all(trace.type == "choroplethmap" for trace in fig.data)


def slide_pictures(content: ReportContent) -> dict[str, bytes]:
    """Pictures of the figures that have no native form, keyed by item key, kept on the
    content (``content._pngs``, per filter where the content is cached): maps drawn from
    their areas' outlines (:func:`map_png`, no browser), anything else through Chromium
    (:func:`render_pngs`). Figures and maps are drawn side by side in threads (drawing the
    pictures releases the interpreter lock)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        figures = list(pool.map(lambda item: item.figure, content.items))
        wanted = {
            f"dia_{item.key}.png": figure
            for item, figure in zip(content.items, figures, strict=True)
            if figure is not None and not is_native(figure)
        }
        missing = [(name, fig) for name, fig in wanted.items() if name not in content._pngs]
        maps = [(name, fig) for name, fig in missing if is_map(fig)]
        for (name, _), png in zip(maps, pool.map(map_png, [f for _, f in maps]), strict=True):
            content._pngs[name] = png
    others = [(name, fig) for name, fig in missing if not is_map(fig)]
    for (name, _), png in zip(
        others, render_pngs([(f, (1200, 620)) for _, f in others]), strict=True
    ):
        content._pngs[name] = png
    return {name.removeprefix("dia_").removesuffix(".png"): content._pngs[name] for name in wanted}


MAP_PIXELS = 2000
"""Longest side of a map picture in pixels (sharp on a projector and in print)."""


def _rings(geometry: dict[str, Any]) -> list[tuple[list[Any], list[list[Any]]]]:
    """(exterior, holes) of every polygon of a GeoJSON geometry."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        polygons = []
    return [(list(poly[0]), [list(r) for r in poly[1:]]) for poly in polygons if poly]


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, 85.0), -85.0)
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def map_png(fig: go.Figure, *, pixels: int = MAP_PIXELS) -> bytes:
    """The areas of a map figure (``choroplethmap`` traces, one colour per trace as the
    house maps have) drawn as a PNG in web mercator, fitted to the areas shown, without
    title or legend (the slide gives both). Outlines keep the trace's line colour and width;
    a transparent trace (the highlighted area) is drawn as its outline only, on top."""
    from PIL import Image, ImageDraw

    shapes = []
    for trace in fig.data:
        features = (trace.geojson or {}).get("features", [])
        fill = rgb_color(trace.colorscale[-1][1]) if trace.colorscale else None
        transparent = "rgba" in str(trace.colorscale[-1][1] if trace.colorscale else "")
        line = trace.marker.line
        rings = [
            (
                [_mercator(*pt[:2]) for pt in outer],
                [[_mercator(*pt[:2]) for pt in h] for h in holes],
            )
            for feature in features
            for outer, holes in _rings(feature.get("geometry") or {"type": ""})
        ]
        shapes.append(
            (rings, None if transparent else fill, rgb_color(line.color), line.width or 0)
        )
    points = [pt for rings, *_ in shapes for outer, _ in rings for pt in outer]
    if not points:
        raise ValueError("kaart zonder gebieden")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    min_x, max_y = min(xs), max(ys)
    span_x, span_y = max(max(xs) - min_x, 1e-9), max(max_y - min(ys), 1e-9)
    scale = (pixels - 40) / max(span_x, span_y)
    supersample, pad = 2, 20
    width, height = round(span_x * scale) + 2 * pad, round(span_y * scale) + 2 * pad
    image = Image.new("RGB", (width * supersample, height * supersample), "white")
    factor = scale * supersample

    def xy(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [
            ((x - min_x) * factor + pad * supersample, (max_y - y) * factor + pad * supersample)
            for x, y in ring
        ]

    line_scale = width / 1200 * supersample  # plotly line widths are px of a 1200 px map
    ordered = [s for s in shapes if s[1] is not None] + [s for s in shapes if s[1] is None]
    for rings, fill, line_color, line_width in ordered:
        if fill is not None:
            holes = [hole for _, inner in rings for hole in inner]
            below = image.copy() if holes else None  # what a hole lets through
            pen = ImageDraw.Draw(image)
            for outer, _ in rings:
                pen.polygon(xy(outer), fill=tuple(fill))
            if below is not None:
                mask = Image.new("L", image.size, 0)
                cut = ImageDraw.Draw(mask)
                for hole in holes:
                    cut.polygon(xy(hole), fill=255)
                image.paste(below, mask=mask)
        if line_width and line_color is not None:
            pen = ImageDraw.Draw(image)
            stroke = max(1, round(line_width * line_scale))
            for outer, holes in rings:
                for ring in [outer, *holes]:
                    pen.line(xy(ring), fill=tuple(line_color), width=stroke, joint="curve")
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def place_picture(
    slide: Any, png: bytes, *, box: tuple[float, float, float, float], alt: str
) -> tuple[float, float]:
    """``png`` centred in the box (inches), aspect kept, with alt text; its width and height."""
    left, top, width, height = box
    px_w, px_h = png_size(png)
    scale = min(width / px_w, height / px_h)
    w, h = px_w * scale, px_h * scale
    shape = slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (width - w) / 2), Inches(top), Inches(w), Inches(h)
    )
    set_alt_text(shape, alt)
    shape.name = alt.split(".")[0][:60]
    return w, h


def map_alt_text(fig: go.Figure, content: ReportContent, item: ReportItem) -> str:
    """What a map shows, for a screen reader: title, measure, period and each class with its
    number of areas."""
    title = plain_text(fig.layout.title.text) or item.title
    measure = plain_text(fig.layout.legend.title.text)
    classes = [
        f"{plain_text(trace.name)}: {len(trace.locations)}"
        for trace in fig.data
        if trace.showlegend is not False
        and trace.name
        and getattr(trace, "locations", None) is not None
    ]
    parts = [f"Kaart: {title}", f"periode {fmt_period(content.start, content.end)}"]
    if measure:
        parts.append(f"kleur: {measure}")
    text = ". ".join(parts) + "."
    if classes:
        text += " Klassen (aantal gebieden): " + "; ".join(classes) + "."
    return text + " " + item.caption
