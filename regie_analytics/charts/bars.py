"""Bar charts: values per category (stacked per group) and this period against the last per
domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.style import (
    GRID_COLOR,
    _group_colors,
    _group_name,
    _new_figure,
    _no_data,
    apply_house_style,
)
from regie_analytics.formatting import CATEGORICAL, DOMAIN_COLORS, fmt_change, fmt_int, fmt_num
from regie_analytics.schema import DOMAINS

TEXT_FORMATS = ("int", "num", "pct")
"""Value-label formats of :func:`bar_chart`: integer, one decimal, fraction as percentage."""


def _fmt_as(value: object, text_format: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "–"
    number = float(value)  # type: ignore[arg-type]
    if text_format == "int":
        return fmt_int(number)
    if text_format == "pct":
        return fmt_num(100 * number, 1) + "%"
    return fmt_num(number, 1)


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    orientation: str = "h",
    x_title: str = "",
    y_title: str = "",
    text_format: str = "int",
) -> go.Figure:
    """Bars with Dutch value labels; horizontal bars sorted with the largest on top.

    Of ``x`` and ``y`` the numeric column is the value and the other the category, whichever
    way round they are given (as in plotly express, ``x`` is the value when both are numeric
    and ``orientation="h"``). ``x_title`` / ``y_title`` title the axis that shows ``x`` / ``y``.
    ``color`` names a group column (domains get domain colours); groups are stacked.
    ``text_format`` is ``"int"``, ``"num"`` (one decimal) or ``"pct"`` (fraction as %).
    """
    if orientation not in ("h", "v"):
        raise ValueError("Kies orientation 'h' (liggend) of 'v' (staand).")
    if text_format not in TEXT_FORMATS:
        raise ValueError(
            f"Onbekend getalformaat '{text_format}'. Kies uit: {', '.join(TEXT_FORMATS)}."
        )
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    horizontal = orientation == "h"
    if _is_numeric(frame[x]) and not _is_numeric(frame[y]):
        value_col, cat_col, value_title, cat_title = x, y, x_title, y_title
    elif _is_numeric(frame[y]) and not _is_numeric(frame[x]):
        value_col, cat_col, value_title, cat_title = y, x, y_title, x_title
    elif horizontal:
        value_col, cat_col, value_title, cat_title = x, y, x_title, y_title
    else:
        value_col, cat_col, value_title, cat_title = y, x, y_title, x_title
    data = pd.DataFrame(
        {
            "cat": frame[cat_col].astype(str).map(_group_name),
            "value": pd.to_numeric(frame[value_col], errors="coerce"),
            "group": frame[color].astype(str) if color is not None else "",
        }
    )
    totals = data.groupby("cat", sort=False)["value"].sum()
    order = (
        list(totals.sort_values(ascending=True, kind="stable").index)
        if horizontal
        else list(totals.index)
    )
    groups = list(dict.fromkeys(data["group"]))
    if color is not None and set(groups) <= set(DOMAINS):
        groups = [d for d in DOMAINS if d in groups]
    colors = _group_colors(groups) if color is not None else {"": "#0072B2"}
    for group in groups:
        part = data[data["group"] == group]
        labels = [_fmt_as(v, text_format) for v in part["value"]]
        cats, vals = part["cat"].tolist(), part["value"].tolist()
        fig.add_trace(
            go.Bar(
                x=vals if horizontal else cats,
                y=cats if horizontal else vals,
                orientation=orientation,
                name=_group_name(group) if color is not None else value_title or value_col,
                marker={"color": colors[group]},
                text=labels,
                textposition="outside" if color is None else "inside",
                cliponaxis=False,
                customdata=[[c, t] for c, t in zip(cats, labels, strict=True)],
                hovertemplate=(
                    ("<b>" + _group_name(group) + "</b><br>" if color is not None else "")
                    + "%{customdata[0]}: %{customdata[1]}<extra></extra>"
                ),
                showlegend=color is not None,
            )
        )
    fig.update_layout(barmode="stack")
    n_cats = len(order)
    height = max(360, 34 * n_cats + 160) if horizontal else 480
    apply_house_style(fig, height=height)
    cat_axis = {"categoryorder": "array", "categoryarray": order, "title": {"text": cat_title}}
    top = float(totals.max()) if len(totals) and np.isfinite(totals.max()) else 0.0
    value_axis: dict[str, Any] = {"title": {"text": value_title}}
    if top > 0 and float(totals.min()) >= 0:
        value_axis["range"] = [0, top * 1.15]
    if text_format == "pct":
        value_axis["tickformat"] = ".0%"
    if horizontal:
        fig.update_yaxes(**cat_axis, showgrid=False, ticks="")
        fig.update_xaxes(**value_axis, showgrid=True, gridcolor=GRID_COLOR, showline=False)
    else:
        fig.update_xaxes(**cat_axis)
        fig.update_yaxes(**value_axis)
    return fig


def _domain_order(index: Iterable[object]) -> list[str]:
    items = [str(i) for i in index]
    known = [d for d in DOMAINS if d in items]
    return known + [i for i in dict.fromkeys(items) if i not in known]


def domain_change_chart(current: pd.Series, previous: pd.Series, *, title: str) -> go.Figure:
    """Grouped bars per domain: the previous period (grey) next to this period (domain colour),
    with the relative change above each pair."""
    fig = _new_figure(title)
    cur = pd.to_numeric(current, errors="coerce").set_axis(current.index.astype(str))
    prev = pd.to_numeric(previous, errors="coerce").set_axis(previous.index.astype(str))
    domains = _domain_order([*cur.index, *prev.index])
    if not domains:
        return apply_house_style(_no_data(fig))
    cur = cur.reindex(domains).fillna(0)
    prev = prev.reindex(domains).fillna(0)
    labels = [_group_name(d) for d in domains]
    changes = [fmt_change(float(c), float(p)) for c, p in zip(cur, prev, strict=True)]
    custom = [
        [name, fmt_int(c), fmt_int(p), ch]
        for name, c, p, ch in zip(labels, cur, prev, changes, strict=True)
    ]
    hover = (
        "<b>%{customdata[0]}</b><br>deze periode: %{customdata[1]}"
        "<br>vorige periode: %{customdata[2]}<br>verandering: %{customdata[3]}<extra></extra>"
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=prev.tolist(),
            name="vorige periode",
            marker={"color": "#bdbdbd"},
            text=[fmt_int(v) for v in prev],
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=cur.tolist(),
            name="deze periode",
            marker={"color": [DOMAIN_COLORS.get(d, CATEGORICAL[0]) for d in domains]},
            text=[fmt_int(v) for v in cur],
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    top = float(max(cur.max(), prev.max(), 0))
    for name, c, p, change in zip(labels, cur, prev, changes, strict=True):
        fig.add_annotation(
            x=name,
            y=max(c, p),
            text=f"<b>{change}</b>",
            showarrow=False,
            yanchor="bottom",
            yshift=30,
        )
    fig.update_layout(barmode="group", yaxis_title="aantal meldingen", bargap=0.3)
    apply_house_style(fig)
    fig.update_yaxes(range=[0, (top or 1) * 1.2])
    return fig
