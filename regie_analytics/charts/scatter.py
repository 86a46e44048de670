"""The quadrant scatter: areas by one measure against another, with median lines, named
quadrants, the most extreme areas labelled and chosen areas circled and numbered. Each point
carries its area code in ``customdata``. Above :data:`_POINT_LIMIT` areas (a national buurt
level) the chart draws how many areas lie in each small cell of the plane (a density layer)
and, as points, only the areas farthest from the medians and the chosen ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics.charts.style import (
    GRID_COLOR,
    HIGHLIGHT_COLOR,
    MUTED_COLOR,
    TEXT_COLOR,
    _fmt_auto,
    _new_figure,
    _no_data,
    _set_layout,
    apply_house_style,
)
from regie_analytics.schema import PHYSICAL, SOCIAL

LABELS_TRACE = "namen"
"""The quadrant's trace of the names shown beside their points (text only, no hover)."""
_POINT_LIMIT = 1000
"""The most areas drawn as points; above it the others are shown as a density layer."""
_DENSITY_BINS = 60
"""Cells of the density layer along each axis."""


def _spread(values: pd.Series) -> float:
    q1, q3 = values.quantile([0.25, 0.75])
    spread = float(q3 - q1)
    if spread > 0:
        return spread
    std = float(values.std(ddof=0))
    return std if std > 0 else 1.0


def extreme_points(frame: pd.DataFrame, *, x: str, y: str, n: int) -> list[Any]:
    """The ``n`` rows farthest from the medians of ``x`` and ``y`` (each scaled by its IQR)."""
    data = frame[[x, y]].astype(float).dropna()
    if data.empty or n <= 0:
        return []
    dx = (data[x] - data[x].median()) / _spread(data[x])
    dy = (data[y] - data[y].median()) / _spread(data[y])
    distance = pd.Series(np.hypot(dx.to_numpy(), dy.to_numpy()), index=data.index)
    return list(distance.sort_values(ascending=False, kind="stable").index[:n])


def _readable_labels(
    data: pd.DataFrame, *, x: str, y: str, candidates: list[Any], taken: set[str]
) -> list[Any]:
    """The candidates (most extreme first) whose name label does not run into the label of
    one already chosen or into a numbered circle. A name sits just above its point and is
    about a sixth of the chart wide and a twentieth high."""
    xs, ys = data[x].astype(float), data[y].astype(float)
    span_x = float(xs.max() - xs.min()) or 1.0
    span_y = float(ys.max() - ys.min()) or 1.0
    circled = data.index[data.index.astype("str").isin(list(taken))]
    circles = [(xs[c], ys[c]) for c in circled]
    names: list[tuple[float, float]] = []
    kept = []
    for code in candidates:
        if str(code) in taken:
            continue
        px, py = xs[code], ys[code] + 0.035 * span_y  # the middle of the name
        clear = all(
            abs(px - qx) > span_x / 12 + 0.03 * span_x
            or abs(py - qy) > 0.025 * span_y + 0.04 * span_y
            for qx, qy in circles
        ) and all(abs(px - qx) > span_x / 6 or abs(py - qy) > span_y / 20 for qx, qy in names)
        if clear:
            kept.append(code)
            names.append((px, py))
    return kept


def quadrant_scatter(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    label: str = "name",
    size: str | None = None,
    x_title: str,
    y_title: str,
    title: str,
    n_labels: int = 8,
    highlight: list[str] | None = None,
    x_name: str = SOCIAL,
    y_name: str = PHYSICAL,
    limit: int = _POINT_LIMIT,
) -> go.Figure:
    """Areas by ``x`` against ``y`` with dashed median lines and named quadrants.

    The ``n_labels`` points farthest from the medians (see :func:`extreme_points`) get their
    name as a label. The ``highlight`` areas are circled and numbered in the order given
    (1 = first), so the numbers match a ranked list next to the chart and names that lie close
    together do not overlap; their names are in the hover. ``customdata`` is the area code.
    ``x_name`` / ``y_name`` name the axes in the quadrant labels ("alleen sociaal hoog").

    With more than ``limit`` areas, the ``limit`` areas farthest from the medians and the
    ``highlight`` areas are drawn as points (clickable, with their hover) and every area
    counts in a grey density layer of :data:`_DENSITY_BINS` x :data:`_DENSITY_BINS` cells
    (trace ``dichtheid``: how many areas lie in each cell); the medians, quadrants and axes
    are those of all areas. ``layout.meta`` holds ``median_x``, ``median_y``, ``areas`` (all)
    and ``points`` (drawn as points).
    """
    fig = _new_figure(title)
    data = frame.copy()
    data[x] = pd.to_numeric(data[x], errors="coerce")
    data[y] = pd.to_numeric(data[y], errors="coerce")
    data = data.loc[np.isfinite(data[[x, y]].to_numpy(dtype=float)).all(axis=1)]
    if data.empty:
        return apply_house_style(_no_data(fig), height=560)
    text_codes = data.index.astype("str")  # once, not per area
    names = data[label].astype(str) if label in data.columns else pd.Series(text_codes, data.index)
    med_x, med_y = float(data[x].median()), float(data[y].median())
    chosen = {str(c) for c in (highlight or [])}
    n_areas = len(data)
    # the farthest from the medians: the first n_labels get a name, the first `limit` are
    # drawn as points when there are more areas than that (the same order for both)
    farthest = extreme_points(data, x=x, y=y, n=max(n_labels, limit if n_areas > limit else 0))
    labelled = set(_readable_labels(data, x=x, y=y, candidates=farthest[:n_labels], taken=chosen))
    all_x, all_y = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    if n_areas > limit:  # the farthest from the medians, and the chosen, as points
        keep = data.index.isin(farthest[:limit]) | text_codes.isin(list(chosen))
        data = data.loc[keep]
        text_codes = text_codes[keep]
        names = names.loc[data.index]
        _add_density(fig, all_x, all_y, x_title=x_title, y_title=y_title)
    codes = text_codes.tolist()
    both_high = (data[x] > med_x) & (data[y] > med_y)
    xs, ys = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    extra = [] if size is None else [f"<br>{size}: {_fmt_auto(v)}" for v in data[size].tolist()]
    hover = [
        f"<b>{name}</b><br>{x_title}: {_fmt_auto(float(a))}<br>{y_title}: {_fmt_auto(float(b))}"
        + (extra[i] if extra else "")
        for i, (name, a, b) in enumerate(zip(names.tolist(), xs, ys, strict=True))
    ]
    marker: dict[str, Any] = {
        # 1 = both above the median (orange), 0 = otherwise (blue): numbers on a two-colour
        # scale validate far faster than one colour string per point
        "color": both_high.to_numpy(dtype=np.int8),
        "colorscale": [[0, "#0072B2"], [0.5, "#0072B2"], [0.5, "#D55E00"], [1, "#D55E00"]],
        "cmin": 0,
        "cmax": 1,
        "opacity": 0.75,
        "line": {"color": "#ffffff", "width": 0.8},
        "size": 10,
    }
    if size is not None:
        sizes = pd.to_numeric(data[size], errors="coerce").fillna(0).clip(lower=0)
        biggest = float(sizes.max()) or 1.0
        marker.update(
            size=sizes.tolist(), sizemode="area", sizeref=2.0 * biggest / 30**2, sizemin=4
        )
    text = [
        name if (c in labelled and str(c) not in chosen) else ""
        for c, name in zip(data.index, names.tolist(), strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=xs,  # numbers as arrays: copied and sent as a block
            y=ys,
            # the names are drawn by their own trace (see below): a text layer of every point,
            # nearly all empty, costs the browser up to 1.7 s per draw at 1,000 points; the
            # points keep their names for the deck's chart
            mode="markers",
            # object arrays: plotly validates them in one step instead of walking every item
            text=np.asarray(text, dtype=object),
            textposition="top center",
            textfont={"color": TEXT_COLOR},
            customdata=np.asarray(codes, dtype=object),
            hovertext=np.asarray(hover, dtype=object),
            hovertemplate="%{hovertext}<extra></extra>",
            marker=marker,
            name="gebieden",
            showlegend=False,
            cliponaxis=False,
        )
    )
    if chosen:
        position = {c: i for i, c in enumerate(codes)}
        ranked = [str(c) for c in (highlight or []) if str(c) in position]
        picked = [position[c] for c in dict.fromkeys(ranked)]
        if picked:
            fig.add_trace(
                go.Scatter(
                    x=[float(xs[i]) for i in picked],
                    y=[float(ys[i]) for i in picked],
                    mode="markers+text",
                    text=[str(rank) for rank in range(1, len(picked) + 1)],
                    textposition="middle center",
                    textfont={"color": HIGHLIGHT_COLOR, "size": 11, "weight": "bold"},
                    customdata=[codes[i] for i in picked],
                    hovertext=[f"{rank}. " + hover[i] for rank, i in enumerate(picked, 1)],
                    hovertemplate="%{hovertext}<extra></extra>",
                    marker={
                        "size": 20,
                        "color": "rgba(255,255,255,0.85)",
                        "line": {"color": HIGHLIGHT_COLOR, "width": 2.5},
                    },
                    name="geselecteerd",
                    showlegend=False,
                    cliponaxis=False,
                )
            )
    named = [i for i, name in enumerate(text) if name]
    if named:
        fig.add_trace(
            go.Scatter(
                x=xs[named],
                y=ys[named],
                mode="text",
                text=[text[i] for i in named],
                textposition="top center",
                textfont={"color": TEXT_COLOR},
                customdata=[codes[i] for i in named],
                hoverinfo="skip",
                name=LABELS_TRACE,
                showlegend=False,
                cliponaxis=False,
            )
        )
    median_line = {"color": MUTED_COLOR, "width": 1.5, "dash": "dash"}
    medians = [
        {"type": "line", "x0": med_x, "x1": med_x, "y0": 0, "y1": 1, "yref": "paper"},
        {"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": med_y, "y1": med_y},
    ]
    corners = (
        ("beide hoog", 1, 1, "right", "top"),
        (f"alleen {y_name} hoog", 0, 1, "left", "top"),
        (f"alleen {x_name} hoog", 1, 0, "right", "bottom"),
        ("beide laag", 0, 0, "left", "bottom"),
    )
    labels = [
        {
            "text": text_,
            "x": ax,
            "y": ay,
            "xref": "paper",
            "yref": "paper",
            "xanchor": xanchor,
            "yanchor": yanchor,
            "showarrow": False,
            "font": {"color": MUTED_COLOR},
        }
        for text_, ax, ay, xanchor, yanchor in corners
    ]
    # room above and beside the points for the quadrant names in the corners
    x_lo, x_hi = float(all_x.min()), float(all_x.max())
    y_lo, y_hi = float(all_y.min()), float(all_y.max())
    pad_x, pad_y = (x_hi - x_lo) or 1.0, (y_hi - y_lo) or 1.0
    # the house style first, then the chart's own layout merged into it, in one assignment
    # (plotly validates a whole layout each time): the same layout as the other way round
    apply_house_style(fig, height=560)
    return _set_layout(
        fig,
        {
            "xaxis": {
                "title": {"text": x_title},
                "range": [x_lo - 0.05 * pad_x, x_hi + 0.08 * pad_x],
            },
            "yaxis": {
                "title": {"text": y_title},
                "range": [y_lo - 0.12 * pad_y, y_hi + 0.14 * pad_y],
            },
            "meta": {
                "median_x": med_x,
                "median_y": med_y,
                "areas": n_areas,
                "points": len(data),
            },
        },
        xaxes={"showgrid": True, "gridcolor": GRID_COLOR},
        shapes=[{**shape, "line": median_line} for shape in medians],
        annotations=labels,
    )


def _add_density(
    fig: go.Figure, xs: np.ndarray, ys: np.ndarray, *, x_title: str, y_title: str
) -> None:
    """A grey layer of how many areas lie in each of :data:`_DENSITY_BINS` x
    :data:`_DENSITY_BINS` cells of the plane (empty cells blank), below the points."""
    x_edges = np.linspace(
        xs.min(), xs.max() if xs.max() > xs.min() else xs.min() + 1, _DENSITY_BINS + 1
    )
    y_edges = np.linspace(
        ys.min(), ys.max() if ys.max() > ys.min() else ys.min() + 1, _DENSITY_BINS + 1
    )
    counts, _, _ = np.histogram2d(xs, ys, bins=[x_edges, y_edges])
    z = np.where(counts > 0, counts, np.nan).T  # rows: y
    centres_x = (x_edges[:-1] + x_edges[1:]) / 2
    centres_y = (y_edges[:-1] + y_edges[1:]) / 2
    fig.add_trace(
        go.Heatmap(
            x=np.round(centres_x, 3),
            y=np.round(centres_y, 3),
            z=z,
            colorscale=[[0, "#e6e6e6"], [1, "#4d4d4d"]],
            showscale=False,
            hovertemplate=(
                f"{x_title}: ± %{{x}}<br>{y_title}: ± %{{y}}<br>%{{z}} gebieden<extra></extra>"
            ),
            name="dichtheid",
            hoverongaps=False,
        )
    )
