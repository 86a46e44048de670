"""Charts over time: monthly trend lines, one line per year, and the mean per calendar month."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.style import (
    _fmt_auto,
    _group_colors,
    _group_name,
    _new_figure,
    _no_data,
    _small_or,
    apply_house_style,
)
from regie_analytics.formatting import (
    CATEGORICAL,
    MONTHS_LONG,
    MONTHS_SHORT,
    fmt_int,
    fmt_month,
    fmt_num,
)
from regie_analytics.schema import DOMAINS


def _month_keys(values: pd.Series) -> pd.Series:
    """Months as ``'YYYY-MM'`` strings from strings, periods or timestamps."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.strftime("%Y-%m")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m")
    return values.astype(str).str.slice(0, 7)


def _month_ticks(months: Sequence[str], *, max_ticks: int = 12) -> tuple[list[Any], list[str]]:
    step = max(1, math.ceil(len(months) / max_ticks))
    chosen = list(months)[::step]
    return [pd.Timestamp(m + "-01") for m in chosen], [fmt_month(m) for m in chosen]


def trend_chart(
    frame: pd.DataFrame,
    *,
    x: str = "month",
    y: str = "count",
    color: str | None = None,
    title: str,
    y_title: str = "aantal meldingen",
    reference: pd.Series | None = None,
    reference_name: str = "gemiddelde gemeente",
    small_below: int = 0,
) -> go.Figure:
    """Lines per month (one per ``color`` group), Dutch month ticks, optional dashed reference.

    ``frame[x]`` holds months (``'YYYY-MM'``, periods or timestamps); rows with the same month
    and group are summed. Domains get their domain colour and label. ``reference`` is a
    Series indexed by month. Values from 1 to ``small_below - 1`` read ``"<5"`` in the hover
    (protected counts).
    """
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = pd.DataFrame(
        {
            "month": _month_keys(frame[x]),
            "value": pd.to_numeric(frame[y], errors="coerce"),
            "group": frame[color].astype(str) if color is not None else "",
        }
    )
    data = data.groupby(["group", "month"], sort=True)["value"].sum(min_count=1).reset_index()
    months = sorted(set(data["month"]))
    groups = list(dict.fromkeys(data["group"]))
    if color is not None and set(groups) <= set(DOMAINS):
        groups = [d for d in DOMAINS if d in groups]
    colors = _group_colors(groups)
    for group in groups:
        part = data[data["group"] == group].sort_values("month")
        name = _group_name(group) if color is not None else y_title
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(m + "-01") for m in part["month"]],
                y=part["value"].tolist(),
                mode="lines+markers" if len(part) <= 24 else "lines",
                name=name,
                line={"color": colors[group], "width": 3},
                marker={"size": 6},
                customdata=[
                    [fmt_month(m, long=True), _small_or(v, small_below)]
                    for m, v in zip(part["month"], part["value"], strict=True)
                ],
                hovertemplate=(
                    f"<b>{name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>"
                ),
                showlegend=color is not None or reference is not None,
            )
        )
    if reference is not None and len(reference):
        ref = reference.copy()
        ref.index = _month_keys(pd.Series(ref.index)).to_numpy()
        ref = pd.to_numeric(ref, errors="coerce").groupby(level=0).sum(min_count=1).sort_index()
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(m + "-01") for m in ref.index],
                y=ref.tolist(),
                mode="lines",
                name=reference_name,
                line={"color": "#333333", "width": 2, "dash": "dash"},
                customdata=[
                    [fmt_month(str(m), long=True), _fmt_auto(v)]
                    for m, v in zip(ref.index, ref, strict=True)
                ],
                hovertemplate=(
                    f"<b>{reference_name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}"
                    "<extra></extra>"
                ),
            )
        )
        months = sorted(set(months) | set(ref.index))
    tickvals, ticktext = _month_ticks(months)
    fig.update_layout(yaxis_title=y_title, hovermode="closest")
    apply_house_style(fig)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, type="date")
    fig.update_yaxes(rangemode="tozero")
    return fig


def _monthly_totals(frame: pd.DataFrame, month: str, value: str) -> pd.DataFrame:
    data = pd.DataFrame(
        {"month": _month_keys(frame[month]), "value": pd.to_numeric(frame[value], errors="coerce")}
    )
    data = data.groupby("month", sort=True)["value"].sum(min_count=1).reset_index()
    data["year"] = data["month"].str.slice(0, 4)
    data["m"] = data["month"].str.slice(5, 7).astype(int)
    return data


def _month_axis(fig: go.Figure) -> None:
    fig.update_xaxes(
        tickvals=list(range(1, 13)), ticktext=list(MONTHS_SHORT), range=[0.5, 12.5], type="linear"
    )


def year_on_year_chart(
    frame: pd.DataFrame,
    *,
    month: str = "month",
    value: str = "count",
    title: str,
    y_title: str = "aantal meldingen",
    small_below: int = 0,
) -> go.Figure:
    """One line per year over the months jan..dec (the latest year thick and blue). Values
    from 1 to ``small_below - 1`` read ``"<5"`` in the hover (protected counts)."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = _monthly_totals(frame, month, value)
    years = sorted(set(data["year"]))
    for i, year in enumerate(years):
        part = data[data["year"] == year]
        latest = i == len(years) - 1
        fig.add_trace(
            go.Scatter(
                x=part["m"].tolist(),
                y=part["value"].tolist(),
                mode="lines+markers",
                name=year,
                line={
                    "color": CATEGORICAL[(len(years) - 1 - i) % len(CATEGORICAL)],
                    "width": 4 if latest else 2,
                },
                marker={"size": 7 if latest else 5},
                customdata=[
                    [f"{MONTHS_LONG[m - 1]} {year}", _small_or(v, small_below)]
                    for m, v in zip(part["m"], part["value"], strict=True)
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(yaxis_title=y_title)
    apply_house_style(fig)
    _month_axis(fig)
    fig.update_yaxes(rangemode="tozero")
    return fig


def seasonality_chart(
    frame: pd.DataFrame,
    *,
    month: str = "month",
    value: str = "count",
    title: str,
    y_title: str = "gemiddeld aantal per maand",
    small_below: int = 0,
) -> go.Figure:
    """Bars of the mean per calendar month over the years in ``frame``. A mean from above 0
    to below ``small_below`` reads ``"<5"`` in its label and hover (protected counts)."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = _monthly_totals(frame, month, value)
    mean = data.groupby("m")["value"].agg(["mean", "count"])
    fig.add_trace(
        go.Bar(
            x=mean.index.tolist(),
            y=mean["mean"].tolist(),
            marker={"color": "#0072B2"},
            text=[_small_or(v, small_below, fmt_int) for v in mean["mean"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [MONTHS_LONG[m - 1], _small_or(v, small_below, lambda x: fmt_num(x, 1)), fmt_int(c)]
                for m, v, c in zip(mean.index, mean["mean"], mean["count"], strict=True)
            ],
            hovertemplate=(
                "gemiddeld in %{customdata[0]}: %{customdata[1]}"
                "<br>over %{customdata[2]} jaar<extra></extra>"
            ),
            showlegend=False,
        )
    )
    fig.update_layout(yaxis_title=y_title)
    apply_house_style(fig)
    _month_axis(fig)
    fig.update_yaxes(rangemode="tozero")
    return fig
