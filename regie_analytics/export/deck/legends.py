"""Map legends as editable shapes next to a map picture: the classes of a choropleth (a
coloured square and name each) and the bivariate 3x3 legend (cells, tick labels and axis
titles), with alt text."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from regie_analytics.export.deck.convert import CHART_FONT, plain_text, rgb_color, set_alt_text


def _legend_entry(
    group: Any, color: RGBColor, text: str, *, left: float, top: float, width: float
) -> float:
    """A coloured square and its label in a legend group; the entry's height in inches."""
    square = group.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(left), Inches(top + 0.04), Inches(0.26), Inches(0.26)
    )
    square.fill.solid()
    square.fill.fore_color.rgb = color
    square.line.color.rgb = RGBColor.from_string("BBBBBB")
    square.line.width = Pt(0.5)
    label = group.shapes.add_textbox(
        Inches(left + 0.34), Inches(top), Inches(width - 0.34), Inches(0.34)
    )
    label.text_frame.margin_top = label.text_frame.margin_bottom = 0
    label.text_frame.text = text
    for run in label.text_frame.paragraphs[0].runs:
        run.font.size = Pt(CHART_FONT)
    return 0.36


def class_legend(
    slide: Any, fig: go.Figure, *, skip: set[str], box: tuple[float, float, float]
) -> float:
    """The map's classes as an editable legend (title, then a square and name per class,
    in the figure's legend order), leaving out the colours in ``skip``; returns its bottom."""
    left, top, width = box
    entries = []
    for position, trace in enumerate(fig.data):
        color = rgb_color(trace.colorscale[-1][1]) if trace.colorscale else None
        if trace.showlegend is False or not trace.name or color is None:
            continue
        if str(color) in skip:
            continue
        entries.append(
            (
                trace.legendrank if trace.legendrank is not None else 1000,
                position,
                color,
                trace.name,
            )
        )
    if not entries:
        return top
    group = slide.shapes.add_group_shape()
    group.name = "Legenda"
    title = plain_text(fig.layout.legend.title.text)
    y = top
    if title and not skip:
        box_title = group.shapes.add_textbox(Inches(left), Inches(y), Inches(width), Inches(0.36))
        box_title.text_frame.text = title
        box_title.text_frame.word_wrap = True
        for run in box_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT)
            run.font.bold = True
        y += 0.42 if len(title) * 0.11 < width else 0.7
    for _, _, color, name in sorted(entries, key=lambda e: (e[0], e[1])):
        y += _legend_entry(group, color, plain_text(name), left=left, top=y, width=width)
    return y


def grid_legend(
    slide: Any, legend: go.Figure, *, box: tuple[float, float, float]
) -> tuple[float, set[str]]:
    """A legend figure drawn with rectangles (the bivariate 3x3 legend) as editable shapes:
    its cells, axis titles and tick labels. Returns its bottom and the cells' colours."""
    left, top, side = box
    cells = [s for s in legend.layout.shapes if s.type == "rect" and s.fillcolor]
    if not cells:
        return top, set()
    x_axis, y_axis = legend.layout.xaxis, legend.layout.yaxis
    x0, x1 = x_axis.range or (min(c.x0 for c in cells), max(c.x1 for c in cells))
    y0, y1 = y_axis.range or (min(c.y0 for c in cells), max(c.y1 for c in cells))
    label = 0.55
    grid = min(side - label, 2.4)
    group = slide.shapes.add_group_shape()
    group.name = "Legenda"
    colors: set[str] = set()
    gx, gy = left + label, top
    for cell in cells:
        color = rgb_color(cell.fillcolor)
        if color is None:
            continue
        colors.add(str(color))
        shape = group.shapes.add_shape(
            MSO_SHAPE.RECTANGLE,
            Inches(gx + (cell.x0 - x0) / (x1 - x0) * grid),
            Inches(gy + (y1 - cell.y1) / (y1 - y0) * grid),
            Inches((cell.x1 - cell.x0) / (x1 - x0) * grid),
            Inches((cell.y1 - cell.y0) / (y1 - y0) * grid),
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = color
        shape.line.color.rgb = RGBColor.from_string("FFFFFF")
        shape.line.width = Pt(1.5)

    def text(
        value: str,
        x: float,
        y: float,
        w: float,
        *,
        rotate: bool = False,
    ) -> None:
        box = group.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(0.3))
        frame = box.text_frame
        frame.margin_top = frame.margin_bottom = frame.margin_left = frame.margin_right = 0
        frame.text = value
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        for run in frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT - 1)
        if rotate:
            box.rotation = 270

    for value, tick in zip(x_axis.tickvals or (), x_axis.ticktext or (), strict=False):
        text(str(tick), gx + (value - x0) / (x1 - x0) * grid - 0.5, gy + grid + 0.02, 1.0)
    for value, tick in zip(y_axis.tickvals or (), y_axis.ticktext or (), strict=False):
        centre = gy + (y1 - value) / (y1 - y0) * grid
        text(str(tick), left + 0.4 - 0.5, centre - 0.15, 1.0, rotate=True)
    text(plain_text(x_axis.title.text), gx, gy + grid + 0.3, grid)
    text(
        plain_text(y_axis.title.text),
        left + 0.12 - grid / 2,
        gy + grid / 2 - 0.15,
        grid,
        rotate=True,
    )
    set_alt_text(group, _legend_alt_text(legend))
    return gy + grid + 0.65, colors


def _legend_alt_text(legend: go.Figure) -> str:
    x_title = plain_text(legend.layout.xaxis.title.text).rstrip(" →")
    y_title = plain_text(legend.layout.yaxis.title.text).rstrip(" →")
    return (
        f"Legenda: drie bij drie kleuren. Van links naar rechts {x_title} laag, midden, hoog; "
        f"van onder naar boven {y_title} laag, midden, hoog; de donkerste hoek is {x_title} "
        f"én {y_title} hoog."
    )
