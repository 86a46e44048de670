"""The correlation heatmap: Spearman's rho between measures, significant cells starred."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.style import (
    MUTED_COLOR,
    _new_figure,
    _no_data,
    _set_layout,
    apply_house_style,
)
from regie_analytics.formatting import fmt_num


def _fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "< 0,001"
    return fmt_num(p, 3)


def correlation_heatmap(
    rho: pd.DataFrame, p: pd.DataFrame, *, title: str, alpha: float = 0.05
) -> go.Figure:
    """Spearman correlations in a diverging red-blue grid (−1..1) with the value in each cell;
    an asterisk marks ``p < alpha`` (not on the diagonal). Hover shows rho and p."""
    fig = _new_figure(title)
    if rho.empty:
        return apply_house_style(_no_data(fig))
    rows = [str(r) for r in rho.index]
    cols = [str(c) for c in rho.columns]
    r = rho.to_numpy(dtype=float)
    pv = p.reindex(index=rho.index, columns=rho.columns).to_numpy(dtype=float)
    text: list[list[str]] = []
    custom: list[list[list[str]]] = []
    for i, row in enumerate(rows):
        text_row, custom_row = [], []
        for j, col in enumerate(cols):
            value, pval = r[i, j], pv[i, j]
            if not np.isfinite(value):
                text_row.append("")
                custom_row.append([row, col, "te weinig gegevens", ""])
                continue
            star = "*" if (row != col and np.isfinite(pval) and pval < alpha) else ""
            text_row.append(fmt_num(value, 2).replace("-", "−") + star)
            custom_row.append([row, col, fmt_num(value, 2).replace("-", "−"), _fmt_p(pval)])
        text.append(text_row)
        custom.append(custom_row)
    fig.add_trace(
        go.Heatmap(
            z=r,
            x=cols,
            y=rows,
            zmin=-1,
            zmax=1,
            zmid=0,
            colorscale="RdBu",
            text=np.asarray(text, dtype=object),
            texttemplate="%{text}",
            customdata=np.asarray(custom, dtype=object),
            hovertemplate=(
                "<b>%{customdata[0]} × %{customdata[1]}</b><br>rho = %{customdata[2]}"
                "<br>p = %{customdata[3]}<extra></extra>"
            ),
            colorbar={"title": {"text": "rho"}, "tickvals": [-1, -0.5, 0, 0.5, 1]},
            xgap=2,
            ygap=2,
        )
    )
    note = {
        "text": f"* p < {fmt_num(alpha, 2)} (Spearman)",
        "x": 1,
        "y": 1,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "right",
        "yanchor": "bottom",
        "yshift": 6,
        "showarrow": False,
        "font": {"color": MUTED_COLOR},
    }
    apply_house_style(fig, height=max(420, 48 * len(rows) + 200))
    return _set_layout(
        fig,
        xaxes={
            "showline": False,
            "ticks": "",
            "side": "bottom",
            "tickangle": -30 if len(cols) > 6 else 0,
        },
        yaxes={"showgrid": False, "autorange": "reversed"},
        annotations=[note],
    )
