"""Figures as PNG images, drawn by kaleido with Debian's Chromium (no internet needed), in a
process of their own with a deadline (:mod:`regie_analytics.export.drawing`)."""

from __future__ import annotations

import plotly.graph_objects as go


def to_png(fig: go.Figure, *, width: int = 1280, height: int = 720, scale: float = 1) -> bytes:
    """The figure as PNG bytes (kaleido with Debian's Chromium; no internet needed)."""
    from regie_analytics.export import drawing

    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    (png,) = drawing.draw([(fig.to_dict(), opts)])
    return png
