"""Figures as PNG images, drawn by kaleido with Debian's Chromium (no internet needed)."""

from __future__ import annotations

import plotly.graph_objects as go

from regie_analytics import chromium


def to_png(fig: go.Figure, *, width: int = 1280, height: int = 720, scale: float = 1) -> bytes:
    """The figure as PNG bytes (kaleido with Debian's Chromium; no internet needed)."""
    chromium.point_kaleido()
    return bytes(fig.to_image(format="png", width=width, height=height, scale=scale))
