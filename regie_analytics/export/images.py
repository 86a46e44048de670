"""Chart images: the PNG of every chart in a report's content (for the PDF and the PNG zip),
and figures drawn in parallel for the deck, all through kaleido with Debian's Chromium
(:mod:`regie_analytics.chromium`)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import plotly.graph_objects as go

from regie_analytics.export import drawing
from regie_analytics.export.content import ReportContent

PNG_SCALE = 2.0
"""Pixel density of exported charts (2 = sharp on a projector and in print)."""


def chart_pngs(content: ReportContent) -> dict[str, bytes]:
    """PNG bytes of every chart in the content, keyed by file name (``'01_kaart.png'``, ...).

    Rendered once per content (cached on it) at :data:`PNG_SCALE` times the item's size.
    """
    wanted = []
    for number, item in enumerate(content.items, start=1):
        if item.figure is not None:
            wanted.append((f"{number:02d}_{item.key}.png", item.figure, item.size))
        if item.legend is not None:
            side = int(item.legend.layout.width or 300)
            wanted.append((f"{number:02d}_{item.key}_legenda.png", item.legend, (side, side)))
    missing = [w for w in wanted if w[0] not in content._pngs]
    if missing:
        pngs = render_pngs([(fig, size) for _, fig, size in missing])  # one drawing at a time
        for (name, _, _), png in zip(missing, pngs, strict=True):
            content._pngs[name] = png
    return {name: content._pngs[name] for name, _, _ in wanted}


def item_pngs(content: ReportContent) -> list[tuple[bytes | None, bytes | None]]:
    """Per item of the content, the PNG of its figure and of its legend (None where absent)."""
    pngs = chart_pngs(content)
    out = []
    for number, item in enumerate(content.items, start=1):
        out.append(
            (
                pngs.get(f"{number:02d}_{item.key}.png"),
                pngs.get(f"{number:02d}_{item.key}_legenda.png"),
            )
        )
    return out


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def render_pngs(figures: Sequence[tuple[go.Figure, tuple[int, int]]]) -> list[bytes]:
    """PNG bytes of each (figure, (width, height)) at :data:`PNG_SCALE`, drawn in
    parallel: one Chromium with a tab per figure (at most four), in a process of its own with
    a deadline (:func:`drawing.draw`: a Chromium that hangs is killed and tried again)."""
    return drawing.draw(
        [
            (fig.to_dict(), {"format": "png", "width": w, "height": h, "scale": PNG_SCALE})
            for fig, (w, h) in figures
        ]
    )


def build_png_zip(content: ReportContent) -> bytes:
    """A zip with the PNG of every chart."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, png in chart_pngs(content).items():
            archive.writestr(name, png)
    return buffer.getvalue()
