"""The council report as a PDF: A4 landscape, a title page with the headline sentences, then
one page per report item: a chart with its legend or table beside it, a chart, a table, or
the caption that says why there is nothing to show. The page furniture (fonts, styles,
header, footer, page numbers, demo banner) is in :mod:`~regie_analytics.export.pdf_page`."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from regie_analytics.export.content import ReportContent, ReportItem
from regie_analytics.export.images import item_pngs, png_size
from regie_analytics.export.pdf_page import (
    PdfPage,
    numbered_canvas,
    page_frame,
    pdf_page,
    pdf_text,
)
from regie_analytics.export.style import ACCENT_COLOR


def build_pdf(content: ReportContent) -> bytes:
    """An A4-landscape PDF: a title page, then one page per item. Header with the title and
    filter, footer with source, date and page number, and the demo banner when generated."""
    page = pdf_page(content)
    story = _title_page(content, page)
    for item, (png, legend) in zip(content.items, item_pngs(content), strict=True):
        story += _item_page(item, png, legend, page)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(page.width, page.height),
        leftMargin=page.margin,
        rightMargin=page.margin,
        topMargin=page.top_margin,
        bottomMargin=page.bottom_margin,
        title=content.title,
        author="Regie Analytics",
        subject=content.subtitle,
    )
    frame = page_frame(page, content)
    doc.build(story, onFirstPage=frame, onLaterPages=frame, canvasmaker=numbered_canvas(page))
    return buffer.getvalue()


def _title_page(content: ReportContent, page: PdfPage) -> list[Any]:
    """Title, filter, the headline sentences as bullets and the privacy note."""
    story: list[Any] = [
        Spacer(1, 30 * mm),
        page.para(content.title, "title"),
        Spacer(1, 4 * mm),
        page.para(content.subtitle, "subtitle"),
        Spacer(1, 12 * mm),
    ]
    story += [
        Paragraph(pdf_text(s, page.regular), page.styles["sentence"], bulletText="•")
        for s in content.sentences
    ]
    story += [
        Spacer(1, 10 * mm),
        page.para("Kleine aantallen zijn afgeschermd. " + content.privacy_note, "note"),
    ]
    return story


def _item_page(
    item: ReportItem, png: bytes | None, legend: bytes | None, page: PdfPage
) -> list[Any]:
    """One item on a new page: its chart with the legend or table beside it (caption below),
    its chart, its table, or its caption alone when there is nothing to draw or list."""
    frame_w = page.frame_w
    body_h = page.frame_h - 40 - 45  # heading and caption
    story: list[Any] = [PageBreak(), page.para(item.title, "h1")]
    if png is not None and (legend is not None or item.table is not None):
        main = _image(png, frame_w * 0.72, body_h)
        side: list[Any] = []
        if legend is not None:
            side.append(_image(legend, frame_w * 0.25, frame_w * 0.25))
        if item.table is not None:
            side.append(_table(item.table, frame_w * 0.26, page))
        else:
            side.append(page.para(item.caption, "caption"))
        story.append(
            Table(
                [[main, side]],
                colWidths=[frame_w * 0.73, frame_w * 0.27],
                style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
            )
        )
        if item.table is not None:
            story.append(page.para(item.caption, "caption"))
    elif png is not None:
        story += [_image(png, frame_w, body_h), page.para(item.caption, "caption")]
    elif item.table is not None:
        story += [_table(item.table, frame_w, page), page.para(item.caption, "caption")]
    else:  # nothing to draw or list: the caption says why
        story.append(page.para(item.caption, "sentence"))
    return story


def _image(png: bytes, max_w: float, max_h: float) -> Image:
    """The PNG as large as fits ``max_w`` x ``max_h``, aspect kept."""
    px_w, px_h = png_size(png)
    scale = min(max_w / px_w, max_h / px_h)
    return Image(io.BytesIO(png), width=px_w * scale, height=px_h * scale)


def _table(frame: pd.DataFrame, width: float, page: PdfPage) -> Table:
    """The table ``width`` wide: header row in the accent colour, numbers right-aligned,
    rows banded; 10 pt when it has over ten rows, so a long table still fits on one page."""
    numeric = [all(re.fullmatch(r"[\d.,<x%–—-]*", str(v)) for v in frame[c]) for c in frame.columns]
    size = 12 if len(frame) <= 10 else 10  # a long table still fits on one page

    def measure(text: str, is_bold: bool) -> float:
        return float(stringWidth(text, page.bold if is_bold else page.regular, size))

    widths = _fit_widths(_natural_widths(frame, measure, 13.0), width)
    data = [[page.para(str(c), f"head{size}") for c in frame.columns]]
    for _, row in frame.iterrows():
        data.append(
            [
                page.para(str(v), f"right{size}" if numeric[j] else f"cell{size}")
                for j, v in enumerate(row.tolist())
            ]
        )
    result = Table(data, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(f"#{ACCENT_COLOR}")),
                (
                    "ROWBACKGROUNDS",
                    (0, 1),
                    (-1, -1),
                    [colors.white, colors.HexColor("#f2f2f2")],
                ),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4 if size == 12 else 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 if size == 12 else 2.5),
            ]
        )
    )
    return result


def _fit_widths(natural: Sequence[float], available: float) -> list[float]:
    """Column widths that fill ``available``: natural widths scaled up when they fit, else the
    widest columns capped at one width (they wrap) and the narrow ones kept whole."""
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural]
    ordered = sorted(natural)
    kept = 0.0
    for i, width in enumerate(ordered):
        cap = (available - kept) / (len(ordered) - i)
        if width > cap:
            return [min(w, cap) for w in natural]
        kept += width
    return list(natural)


def _natural_widths(
    table: pd.DataFrame, measure: Callable[[str, bool], float], padding: float
) -> list[float]:
    """Width of the longest text per column (the header in bold) plus the cell padding."""
    return [
        max([measure(str(column), True), *(measure(str(v), False) for v in table[column])])
        + padding
        for column in table.columns
    ]
