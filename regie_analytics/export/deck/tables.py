"""Real tables on slides: the font size and column widths are chosen so that no word is broken
(each column at least as wide as its longest word), and a long table continues on the next
slide. Text is measured with reportlab's Helvetica metrics (Arial's widths)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt
from reportlab.pdfbase.pdfmetrics import stringWidth

from regie_analytics.export.deck.convert import set_alt_text

TABLE_SIZES = (20, 18, 16, 14, 12, 11, 10)
"""Font sizes tried for a table, largest first."""
LONG_TABLE_SIZE = 16
"""Font size of a table too long for one slide (it continues on the next)."""
MIN_TABLE_SIZE = 14
"""Smallest font size at which a table is squeezed onto one slide."""
WIDTH_SAFETY = 1.2
"""Text is measured in Helvetica (Arial's widths); a template's font may be wider (DejaVu
Sans, LibreOffice's stand-in for a missing font, is about 15% wider)."""


ARIAL_SAFETY = 1.05
"""The same for the default master, whose theme font is Arial (Liberation Sans in LibreOffice)."""
_CELL_PAD = 0.2
"""Left plus right cell margin in inches (python-pptx's default 0.1 in each)."""
_NUMERIC = re.compile(r"[\d.,<x%–—\-\s]*")


def text_width(text: str, size: float, *, bold: bool = False, safety: float) -> float:
    """Width in inches of ``text`` at ``size`` points."""
    font = "Helvetica-Bold" if bold else "Helvetica"
    return float(stringWidth(text, font, size)) / 72 * safety


def _longest_word(text: str, size: float, *, bold: bool = False, safety: float) -> float:
    return max(
        (text_width(word, size, bold=bold, safety=safety) for word in str(text).split()),
        default=0.0,
    )


def column_widths(
    table: pd.DataFrame, *, width: float, size: float, safety: float = WIDTH_SAFETY
) -> list[float] | None:
    """Column widths in inches that fill ``width`` at font ``size`` with every column at
    least as wide as its longest word (header in bold), or None when that does not fit.

    Columns get their full text width when everything fits on one line; otherwise each
    column gets its longest word plus a share of what is left, in proportion to how much
    more its longest cell needs.
    """
    columns = [str(c) for c in table.columns]
    cells = [[str(v) for v in table[c]] for c in table.columns]
    least = [
        max(
            [
                _longest_word(h, size, bold=True, safety=safety),
                *(_longest_word(v, size, safety=safety) for v in col),
            ]
        )
        + _CELL_PAD
        for h, col in zip(columns, cells, strict=True)
    ]
    full = [
        max(
            [
                text_width(h, size, bold=True, safety=safety),
                *(text_width(v, size, safety=safety) for v in col),
            ]
        )
        + _CELL_PAD
        for h, col in zip(columns, cells, strict=True)
    ]
    if sum(full) <= width:
        return [w * width / sum(full) for w in full]
    if sum(least) > width:
        return None
    extra = [f - m for f, m in zip(full, least, strict=True)]
    spare = width - sum(least)
    return [m + e * spare / sum(extra) for m, e in zip(least, extra, strict=True)]


def table_layout(
    table: pd.DataFrame, *, width: float, height: float, safety: float = WIDTH_SAFETY
) -> tuple[int, list[float], float, list[float]]:
    """Font size, column widths, header height and row heights (inches) of a table in a box.

    The largest size of :data:`TABLE_SIZES` (down to :data:`MIN_TABLE_SIZE`) at which the
    whole table fits the box with no word broken; when none fits it on one slide,
    :data:`LONG_TABLE_SIZE` (or the largest smaller size at which the words fit) and the
    table continues on the next slide.
    """
    laid_out = []
    for size in TABLE_SIZES:
        widths = column_widths(table, width=width, size=size, safety=safety)
        if widths is not None:
            header, rows = _row_heights(table, size, widths, safety=safety)
            laid_out.append((size, widths, header, rows))
    for size, widths, header, rows in laid_out:
        if size >= MIN_TABLE_SIZE and header + sum(rows) <= height:
            return size, widths, header, rows
    for size, widths, header, rows in laid_out:
        if size <= LONG_TABLE_SIZE:  # too long for one slide: large type, continued
            return size, widths, header, rows
    size = TABLE_SIZES[-1]  # words longer than the slide is wide: shrink the columns
    least = [
        max(
            [
                _longest_word(str(c), size, bold=True, safety=safety),
                *(_longest_word(str(v), size, safety=safety) for v in table[c]),
            ]
        )
        + _CELL_PAD
        for c in table.columns
    ]
    widths = [w * width / sum(least) for w in least]
    header, rows = _row_heights(table, size, widths, safety=safety)
    return size, widths, header, rows


def text_lines(text: str, width: float, size: float, *, bold: bool, safety: float) -> int:
    """Lines that ``text`` takes in a cell ``width`` inches wide, wrapped at spaces."""
    room = max(width - _CELL_PAD, 0.1)
    lines, current = 1, 0.0
    space = text_width(" ", size, bold=bold, safety=safety)
    for word in str(text).split():
        w = text_width(word, size, bold=bold, safety=safety)
        if current and current + space + w > room:
            lines, current = lines + 1, w
        else:
            current = current + space + w if current else w
    return lines


def _row_heights(
    table: pd.DataFrame, size: int, widths: list[float], *, safety: float
) -> tuple[float, list[float]]:
    """Height in inches of the header and of each row."""
    line = size * 1.2 / 72

    def height(cells: Sequence[object], bold: bool) -> float:
        n = max(
            text_lines(str(v), w, size, bold=bold, safety=safety)
            for v, w in zip(cells, widths, strict=True)
        )
        return n * line + 0.1

    header = height(list(table.columns), True)
    return header, [height(list(row), False) for row in table.itertuples(index=False)]


def table_pages(
    table: pd.DataFrame, *, box: tuple[float, float, float, float], safety: float
) -> list[pd.DataFrame]:
    """The table's rows split over as few slides as fit the box's height, in parts of about
    equal length."""
    _, _, width, height = box
    _, _, header, rows = table_layout(table, width=width, height=height, safety=safety)
    parts, used, start = [], header, 0
    for i, row in enumerate(rows):
        if used + row > height and i > start:
            parts.append((start, i))
            start, used = i, header
        used += row
    parts.append((start, len(rows)))
    if len(parts) > 1:  # about equal parts rather than full slides and a short last one
        per = math.ceil(len(table) / len(parts))
        return [table.iloc[i : i + per] for i in range(0, len(table), per)]
    return [table]


def add_table(
    slide: Any, table: pd.DataFrame, *, box: tuple[float, float, float, float], safety: float
) -> Any:
    """A real pptx table in the box (inches): header row bold, numbers right-aligned, in the
    master's table style (its accent colour)."""
    left, top, width, height = box
    size, widths, header, rows = table_layout(table, width=width, height=height, safety=safety)
    shape = slide.shapes.add_table(
        len(table) + 1,
        len(table.columns),
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(header + sum(rows)),
    )
    grid = shape.table
    for j, column_width in enumerate(widths):
        grid.columns[j].width = Inches(column_width)
    for i, row_height in enumerate([header, *rows]):
        grid.rows[i].height = Inches(row_height)
    numeric = [all(_NUMERIC.fullmatch(str(v)) for v in table[c]) for c in table.columns]
    for i in range(len(table) + 1):
        for j, column in enumerate(table.columns):
            paragraph = grid.cell(i, j).text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if numeric[j] else PP_ALIGN.LEFT
            run = paragraph.add_run()  # also in an empty cell: its size sets the row height
            run.text = str(column) if i == 0 else str(table.iloc[i - 1, j])
            run.font.size = Pt(size)
            run.font.bold = i == 0
    shape.name = "Tabel"
    set_alt_text(shape, f"Tabel met kolommen {', '.join(map(str, table.columns))}")
    return shape
