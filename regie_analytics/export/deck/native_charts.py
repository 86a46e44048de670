"""Native, editable charts: a plotly figure's traces converted to one PowerPoint chart (bars to
clustered or stacked bars or columns after the figure's ``barmode`` and orientation, lines over
months to a line chart, numeric scatter to an XY scatter), with the figure's colours and Dutch
labels and number formats. A bar's label (``"<5"``, ``"x"``) is kept as the point's data
label."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.chart import XL_MARKER_STYLE as MARKER
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from regie_analytics.export.deck.convert import CHART_FONT, plain_text, rgb_color, set_alt_text
from regie_analytics.formatting import fmt_int, fmt_month, fmt_num

DUTCH_COUNT_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
"""Whole numbers with a thousands dot whatever the viewer's locale (the dot is a literal)."""
DECIMAL_FORMAT = "0.0"


def _month_label(value: Any) -> str:
    """A month on a plotly axis (timestamp or text) as Dutch text: ``'mrt 2025'``."""
    return fmt_month(pd.Timestamp(value).strftime("%Y-%m"))


def _is_time(values: Sequence[Any]) -> bool:
    if not len(values):
        return False
    if all(isinstance(v, pd.Timestamp | pd.Period) or hasattr(v, "year") for v in values):
        return True
    return all(isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?.*", v) for v in values)


def _numbers(values: Sequence[Any] | None) -> list[float | None]:
    out: list[float | None] = []
    for value in values if values is not None else ():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        out.append(number if math.isfinite(number) else None)
    return out


def _value_format(values: Sequence[float | None]) -> str:
    known = [v for v in values if v is not None]
    whole = all(float(v).is_integer() for v in known)
    return DUTCH_COUNT_FORMAT if whole or max(map(abs, known), default=0) >= 100 else DECIMAL_FORMAT


def _dutch(value: float | None) -> str:
    if value is None:
        return ""
    return fmt_int(value) if float(value).is_integer() else fmt_num(value, 1)


def native_chart(slide: Any, fig: go.Figure, *, box: tuple[float, float, float, float]) -> Any:
    """The figure's traces as one editable chart in the box (inches)."""
    # a trace of text only (the quadrant's names) is no series: its points carry the names
    traces = [t for t in fig.data if getattr(t, "mode", None) != "text"]
    kind = traces[0].type
    if kind == "bar":
        frame = _bar_chart(slide, fig, traces, box)
    else:
        x_values = [v for t in traces for v in (t.x if t.x is not None else ())]
        frame = (
            _line_chart(slide, traces, box) if _is_time(x_values) else _xy_chart(slide, traces, box)
        )
    chart = frame.chart
    chart.font.size = Pt(CHART_FONT)
    title = plain_text(fig.layout.title.text)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        for run in chart.chart_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT + 4)
            run.font.bold = True
    named = [t for t in traces if t.name and t.showlegend is not False]
    chart.has_legend = len(traces) > 1 or bool(named)
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(CHART_FONT)
    axis_title = plain_text(
        (fig.layout.xaxis.title.text if kind == "bar" and traces[0].orientation == "h" else None)
        or fig.layout.yaxis.title.text
    )
    if axis_title:
        axis = chart.value_axis
        axis.has_title = True
        axis.axis_title.text_frame.text = axis_title
        for run in axis.axis_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT)
            run.font.bold = False
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string("D9D9D9")
    value_axis.tick_labels.font.size = Pt(CHART_FONT)
    if chart.chart_type != XL_CHART_TYPE.XY_SCATTER:
        values = [v for series in chart.plots[0].series for v in series.values]
        value_axis.tick_labels.number_format = _value_format(values)
        value_axis.tick_labels.number_format_is_linked = False
    space = chart._chartSpace
    lang = space.find(qn("c:lang"))
    if lang is None:
        lang = etree.Element(qn("c:lang"))
        space.insert(1, lang)
    lang.set("val", "nl-NL")
    set_alt_text(frame, f"Grafiek: {title}. " + _series_summary(chart))
    frame.name = f"Grafiek: {title}"[:60]
    return frame


def _series_summary(chart: Any) -> str:
    """Series names and their values in Dutch, for the alt text of a chart."""
    parts = []
    categories = (
        [str(c) for c in chart.plots[0].categories]
        if chart.chart_type != XL_CHART_TYPE.XY_SCATTER
        else []
    )
    for plot in chart.plots:
        for series in plot.series:
            values = [_dutch(v) for v in series.values]
            if categories:
                pairs = ", ".join(
                    f"{c}: {v or '–'}" for c, v in zip(categories, values, strict=False)
                )
            else:
                pairs = ", ".join(v for v in values if v)
            parts.append(f"{series.name}: {pairs}")
    return "; ".join(parts)


def _add_frame(
    slide: Any, chart_type: Any, data: Any, box: tuple[float, float, float, float]
) -> Any:
    left, top, width, height = box
    return slide.shapes.add_chart(
        chart_type, Inches(left), Inches(top), Inches(width), Inches(height), data
    )


def _bar_chart(slide: Any, fig: go.Figure, traces: list[Any], box: Any) -> Any:
    horizontal = traces[0].orientation == "h"
    stacked = fig.layout.barmode in ("stack", "relative")
    categories: list[str] = []
    rows: list[dict[str, tuple[float | None, str]]] = []
    for trace in traces:
        cats = trace.y if horizontal else trace.x
        vals = _numbers(trace.x if horizontal else trace.y)
        texts = list(trace.text) if isinstance(trace.text, tuple | list) else [None] * len(vals)
        row = {}
        for cat, value, text in zip(cats, vals, texts, strict=False):
            label = _month_label(cat) if _is_time([cat]) and not isinstance(cat, str) else str(cat)
            if label not in categories:
                categories.append(label)
            row[label] = (value, str(text) if text is not None else "")
        rows.append(row)
    order = _axis_order(fig, horizontal=horizontal)
    if order:
        categories = [c for c in order if c in categories] + [
            c for c in categories if c not in order
        ]
    data = CategoryChartData()
    data.categories = categories
    all_values = [v for row in rows for v, _ in row.values()]
    number_format = _value_format(all_values)
    for trace, row in zip(traces, rows, strict=True):
        data.add_series(
            plain_text(trace.name) or "waarde",
            [row.get(c, (None, ""))[0] for c in categories],
            number_format=number_format,
        )
    chart_type = {
        (True, True): XL_CHART_TYPE.BAR_STACKED,
        (True, False): XL_CHART_TYPE.BAR_CLUSTERED,
        (False, True): XL_CHART_TYPE.COLUMN_STACKED,
        (False, False): XL_CHART_TYPE.COLUMN_CLUSTERED,
    }[(horizontal, stacked)]
    frame = _add_frame(slide, chart_type, data, box)
    chart = frame.chart
    plot = chart.plots[0]
    plot.gap_width = 60
    if stacked:
        plot.overlap = 100
    chart.category_axis.tick_labels.font.size = Pt(CHART_FONT)
    for trace, row, series in zip(traces, rows, plot.series, strict=True):
        color = rgb_color(trace.marker.color) if isinstance(trace.marker.color, str) else None
        if color is not None:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = color
        if not any(text for _, text in row.values()):
            continue
        for index, category in enumerate(categories):
            value, text = row.get(category, (None, ""))
            if not text and value is None:
                continue
            label = series.points[index].data_label
            label.has_text_frame = True
            label.text_frame.text = text or _dutch(value)
            label.position = (
                XL_LABEL_POSITION.INSIDE_END if stacked else XL_LABEL_POSITION.OUTSIDE_END
            )
            label.font.size = Pt(CHART_FONT - 1)
    return frame


def _axis_order(fig: go.Figure, *, horizontal: bool) -> list[str]:
    axis = fig.layout.yaxis if horizontal else fig.layout.xaxis
    if axis.categoryorder == "array" and axis.categoryarray is not None:
        return [str(c) for c in axis.categoryarray]
    return []


def _line_chart(slide: Any, traces: list[Any], box: Any) -> Any:
    keys = sorted({pd.Timestamp(v) for t in traces for v in (t.x if t.x is not None else ())})
    data = CategoryChartData()
    data.categories = [_month_label(k) for k in keys]
    values_per_trace = []
    for trace in traces:
        by_month = dict(zip((pd.Timestamp(v) for v in trace.x), _numbers(trace.y), strict=False))
        values_per_trace.append([by_month.get(k) for k in keys])
    number_format = _value_format([v for vals in values_per_trace for v in vals])
    for trace, values in zip(traces, values_per_trace, strict=True):
        data.add_series(plain_text(trace.name) or "waarde", values, number_format=number_format)
    frame = _add_frame(slide, XL_CHART_TYPE.LINE_MARKERS, data, box)
    chart = frame.chart
    axis = chart.category_axis
    axis.tick_labels.font.size = Pt(CHART_FONT - 2)
    skip = etree.Element(qn("c:tickLblSkip"), val=str(max(1, math.ceil(len(keys) / 12))))
    axis._element.insert_element_before(skip, "c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")
    for trace, series in zip(traces, chart.plots[0].series, strict=True):
        color = rgb_color(trace.line.color)
        line = series.format.line
        line.width = Pt(2.5 if trace.line.dash in (None, "solid") else 1.75)
        if color is not None:
            line.color.rgb = color
        series.smooth = False
        markers = "markers" in str(trace.mode or "")
        series.marker.style = MARKER.CIRCLE if markers else MARKER.NONE
        if markers:
            series.marker.size = 6
            if color is not None:
                series.marker.format.fill.solid()
                series.marker.format.fill.fore_color.rgb = color
                series.marker.format.line.color.rgb = color
        if trace.line.dash not in (None, "solid"):
            line.dash_style = MSO_LINE_DASH_STYLE.DASH
    return frame


def _xy_chart(slide: Any, traces: list[Any], box: Any) -> Any:
    data = XyChartData()
    for trace in traces:
        series = data.add_series(plain_text(trace.name) or "gebieden")
        for x, y in zip(_numbers(trace.x), _numbers(trace.y), strict=False):
            if x is not None and y is not None:
                series.add_data_point(x, y)
    frame = _add_frame(slide, XL_CHART_TYPE.XY_SCATTER, data, box)
    chart = frame.chart
    for trace, series in zip(traces, chart.plots[0].series, strict=True):
        series.format.line.fill.background()
        series.marker.style = MARKER.CIRCLE
        series.marker.size = 8
        color = rgb_color(trace.marker.color) if isinstance(trace.marker.color, str) else None
        if color is not None:
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = color
        texts = list(trace.text) if isinstance(trace.text, tuple | list) else []
        kept = [
            t
            for (x, y), t in zip(
                zip(_numbers(trace.x), _numbers(trace.y), strict=False), texts, strict=False
            )
            if x is not None and y is not None
        ]
        for index, text in enumerate(kept):
            if text:
                label = series.points[index].data_label
                label.has_text_frame = True
                label.text_frame.text = plain_text(text)
                label.position = XL_LABEL_POSITION.RIGHT
    return frame
