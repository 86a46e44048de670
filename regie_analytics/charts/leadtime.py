"""The lead-time chart (doorlooptijd): median days per group, the 90th percentile and the norm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.style import (
    GRID_COLOR,
    TEXT_COLOR,
    _group_name,
    _new_figure,
    _no_data,
    apply_house_style,
)
from regie_analytics.formatting import fmt_int, fmt_num


def leadtime_chart(
    frame: pd.DataFrame,
    *,
    group: str = "theme",
    median: str = "mediaan_dagen",
    p90: str = "p90_dagen",
    norm_days: float | None = None,
    title: str,
) -> go.Figure:
    """Median lead time per group (bars, longest on top), a diamond at the 90th percentile and
    a dashed line at the norm."""
    fig = _new_figure(title)
    if frame.empty:
        return apply_house_style(_no_data(fig))
    data = pd.DataFrame(
        {
            "group": frame[group].astype(str).map(_group_name),
            "median": pd.to_numeric(frame[median], errors="coerce"),
            "p90": pd.to_numeric(frame[p90], errors="coerce"),
        }
    ).sort_values("median", ascending=True, kind="stable")

    def days(v: float) -> str:
        if not np.isfinite(v):
            return "–"
        return fmt_num(v, 1) if v < 10 else fmt_int(v)

    custom = [
        [g, days(m), days(q)]
        for g, m, q in zip(data["group"], data["median"], data["p90"], strict=True)
    ]
    hover = (
        "<b>%{customdata[0]}</b><br>mediaan: %{customdata[1]} dagen"
        "<br>90% afgehandeld binnen %{customdata[2]} dagen<extra></extra>"
    )
    fig.add_trace(
        go.Bar(
            x=data["median"].tolist(),
            y=data["group"].tolist(),
            orientation="h",
            name="mediaan",
            marker={"color": "#0072B2"},
            text=[days(v) for v in data["median"]],
            # inside a bar that is long enough, else just after it; never turned sideways
            textposition="auto",
            textangle=0,
            insidetextanchor="end",
            insidetextfont={"color": "#ffffff"},
            outsidetextfont={"color": TEXT_COLOR},
            cliponaxis=False,
            customdata=custom,
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=data["p90"].tolist(),
            y=data["group"].tolist(),
            mode="markers",
            name="90% afgehandeld binnen",
            marker={
                "symbol": "diamond",
                "size": 14,
                "color": "#D55E00",
                "line": {"color": "#ffffff", "width": 1},
            },
            customdata=custom,
            hovertemplate=hover,
        )
    )
    if norm_days is not None:
        fig.add_shape(
            type="line",
            x0=norm_days,
            x1=norm_days,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#333333", "width": 2, "dash": "dash"},
        )
        fig.add_annotation(
            x=norm_days,
            y=1,
            yref="paper",
            text=f"norm: {days(float(norm_days))} dagen",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=4,
            bgcolor="rgba(255,255,255,0.85)",
        )
    top = float(np.nanmax([data["p90"].max(), data["median"].max(), norm_days or 0, 0]))
    apply_house_style(fig, height=max(360, 40 * len(data) + 180))
    fig.update_xaxes(
        title={"text": "dagen"}, range=[0, (top or 1) * 1.08], showgrid=True, gridcolor=GRID_COLOR
    )
    fig.update_yaxes(showgrid=False, ticks="")
    return fig
