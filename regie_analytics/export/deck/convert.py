"""From plotly to PowerPoint, shared by the deck's modules: a plotly colour as an RGB colour,
plotly text without its HTML, alt text on a shape, and the charts' and legends' font size."""

from __future__ import annotations

import re
from typing import Any

from pptx.dml.color import RGBColor

CHART_FONT = 14
"""Font size in points of chart text and map legends."""


def rgb_color(value: object) -> RGBColor | None:
    """A plotly colour (``#rrggbb`` or ``rgb(r, g, b)``) as an RGBColor; None otherwise."""
    text = str(value or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        return RGBColor.from_string(text[1:].upper())
    found = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)", text)
    if found:
        return RGBColor(*(int(v) for v in found.groups()))
    return None


def plain_text(text: object) -> str:
    """Plotly text without its HTML tags."""
    return re.sub(r"<[^>]+>", " ", str(text or "")).replace("  ", " ").strip()


def set_alt_text(shape: Any, text: str) -> None:
    """The shape's description for a screen reader (its alt text)."""
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", text)
