"""The council deck: a real PowerPoint built from a :class:`~regie_analytics.report.ReportContent`.

The code lives in the package :mod:`regie_analytics.export.deck`; this module keeps the names
it had before the split importable (``from regie_analytics.deck import build_deck``).
"""

from __future__ import annotations

from regie_analytics.export.deck.convert import CHART_FONT
from regie_analytics.export.deck.master import BODY_SIZE, TITLE_SIZE, WIDE, check_template
from regie_analytics.export.deck.native_charts import DECIMAL_FORMAT, DUTCH_COUNT_FORMAT
from regie_analytics.export.deck.pictures import MAP_PIXELS, map_png
from regie_analytics.export.deck.slides import CAVEAT, METHODS, build_deck
from regie_analytics.export.deck.tables import (
    ARIAL_SAFETY,
    LONG_TABLE_SIZE,
    MIN_TABLE_SIZE,
    TABLE_SIZES,
    WIDTH_SAFETY,
    column_widths,
    table_layout,
)
from regie_analytics.export.images import render_pngs

__all__ = [
    "ARIAL_SAFETY",
    "BODY_SIZE",
    "CAVEAT",
    "CHART_FONT",
    "DECIMAL_FORMAT",
    "DUTCH_COUNT_FORMAT",
    "LONG_TABLE_SIZE",
    "MAP_PIXELS",
    "METHODS",
    "MIN_TABLE_SIZE",
    "TABLE_SIZES",
    "TITLE_SIZE",
    "WIDE",
    "WIDTH_SAFETY",
    "build_deck",
    "check_template",
    "column_widths",
    "map_png",
    "render_pngs",
    "table_layout",
]
