"""Exports: safe tables (CSV, Excel), and the council report as slides, PDF and chart images.

The code lives in the package :mod:`regie_analytics.export`; this module keeps the names it
had before the split importable (``from regie_analytics.report import build_pdf``).
"""

from __future__ import annotations

from regie_analytics.export.area_trend import BLOCK_MONTHS, month_blocks
from regie_analytics.export.build import FORMATS, build_pptx, build_report
from regie_analytics.export.collect import collect
from regie_analytics.export.content import (
    Drawing,
    Protected,
    ReportContent,
    ReportData,
    ReportItem,
    source_line,
)
from regie_analytics.export.images import PNG_SCALE, build_png_zip, chart_pngs
from regie_analytics.export.pdf import build_pdf
from regie_analytics.export.style import ACCENT_COLOR, BANNER_COLOR, DEMO_BANNER
from regie_analytics.export.tables import (
    AREA_COLUMNS_NL,
    area_download,
    area_table_view,
    safe_area_table,
    to_csv_bytes,
    to_excel_bytes,
)
from regie_analytics.schema import InputError

__all__ = [
    "ACCENT_COLOR",
    "AREA_COLUMNS_NL",
    "BANNER_COLOR",
    "BLOCK_MONTHS",
    "DEMO_BANNER",
    "FORMATS",
    "PNG_SCALE",
    "Drawing",
    "InputError",
    "Protected",
    "ReportContent",
    "ReportData",
    "ReportItem",
    "area_download",
    "area_table_view",
    "build_pdf",
    "build_png_zip",
    "build_pptx",
    "build_report",
    "chart_pngs",
    "collect",
    "month_blocks",
    "safe_area_table",
    "source_line",
    "to_csv_bytes",
    "to_excel_bytes",
]
