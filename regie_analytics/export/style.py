"""The house style the PDF and the deck share: the demo banner's text and colour, the accent
colour of titles and table headers."""

from __future__ import annotations

DEMO_BANNER = "GEGENEREERDE DEMODATA – geen echte meldingen"
"""Shown on every slide and page when the store holds generated data."""
BANNER_COLOR = "D55E00"
"""Background of the demo banner (hex RGB, no ``#``)."""
ACCENT_COLOR = "0072B2"
"""Titles, table headers and the deck's accent 1 (hex RGB, no ``#``)."""
