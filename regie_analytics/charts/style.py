"""The house style every chart shares: fonts, colours, margins and Dutch number labels.

:func:`apply_house_style` sets the fonts (15 px, 22 px in presentation mode), white
background, legend place and decimal comma; :func:`fit_height` resizes a figure for a slide
or a projector. The helpers start a figure, say "no data" and label counts and domains the
same way in every chart. Show figures with :data:`PLOTLY_CONFIG` (no plotly logo).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from regie_analytics import accessibility
from regie_analytics.formatting import CATEGORICAL, DOMAIN_COLORS, fmt_int, fmt_num
from regie_analytics.schema import DOMAIN_LABELS

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
BASE_FONT_SIZE = 15
PRESENTATION_FONT_SIZE = 22
TEXT_COLOR = "#222222"
MUTED_COLOR = "#666666"
GRID_COLOR = "#e6e6e6"
NO_DATA_COLOR = "#f4f4f4"
"""Fill of areas without data (``geen gegevens``), near white with a grey outline."""
HIGHLIGHT_COLOR = "#000000"

PLOTLY_CONFIG = accessibility.PLOTLY_CONFIG
"""The one configuration every chart is shown with (see :mod:`regie_analytics.accessibility`)."""


# --- house style -------------------------------------------------------------------------------


def _has_map(fig: go.Figure) -> bool:
    return any(trace.type in ("choroplethmap", "scattermap", "densitymap") for trace in fig.data)


def _deep_update(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` merged in, nested dicts merged as ``update_layout`` does."""
    for key, value in update.items():
        current = base.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _deep_update(current, value)
        else:
            base[key] = value
    return base


def _axis_keys(layout: dict[str, Any], prefix: str) -> list[str]:
    """``xaxis``, ``xaxis2``, ... present in a layout (at least the first)."""
    found = [k for k in layout if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return [prefix, *sorted(found)]


def apply_house_style(
    fig: go.Figure, *, height: int | None = None, presentation: bool = False
) -> go.Figure:
    """Apply fonts, margins, background, legend and Dutch number separators to ``fig``.

    Base font 15 px (22 px in presentation mode), white background, title top left, legend
    above the plot (over the top left corner of a map), decimal comma (``separators=",."``).
    The plotly logo is switched off through :data:`PLOTLY_CONFIG` and
    :func:`~regie_analytics.charts.export.to_png`. Changes ``fig`` in place and returns it.

    The style is merged into the figure's layout as ``update_layout`` would (the style wins
    where both set a value; every x and y axis is styled), then the layout is assigned once:
    plotly validates a whole layout about ten times faster than a series of updates.
    """
    size = PRESENTATION_FONT_SIZE if presentation else BASE_FONT_SIZE
    is_map = _has_map(fig)
    if is_map:
        margin = {"l": 8, "r": 8, "t": round(size * 3.6), "b": 8}
        legend: dict[str, Any] = {
            "orientation": "v",
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.88)",
            "bordercolor": "#bbbbbb",
            "borderwidth": 1,
        }
    else:
        margin = {"l": 16, "r": 24, "t": round(size * 5.2), "b": 16}
        legend = {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0)",
            "borderwidth": 0,
        }
    style: dict[str, Any] = {
        "font": {"family": FONT_FAMILY, "size": size, "color": TEXT_COLOR},
        "title": {
            "x": 0.01 if is_map else 0.0,
            "xanchor": "left",
            "xref": "paper" if not is_map else "container",
            "y": 0.98,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": round(size * 1.35), "color": TEXT_COLOR},
        },
        "margin": margin,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": legend,
        "separators": ",.",
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": size}, "align": "left"},
        "modebar": {"bgcolor": "rgba(255,255,255,0)", "color": "#999999"},
    }
    # explicit sizes: a theme's template (Streamlit's) would otherwise set small ticks
    ticks = {
        "tickfont": {"size": round(size * 0.8)},
        "title": {"font": {"size": round(size * 0.9)}},
    }
    legend["font"] = {"size": round(size * 0.9)}
    legend["title"] = {"font": {"size": round(size * 0.9)}}
    x_style = {
        **ticks,
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": "#999999",
        "ticks": "outside",
        "tickcolor": "#999999",
        "automargin": True,
        "separatethousands": True,
        "exponentformat": "none",
    }
    y_style = {
        **ticks,
        "showgrid": True,
        "gridcolor": GRID_COLOR,
        "zeroline": False,
        "showline": False,
        "automargin": True,
        "separatethousands": True,
        "exponentformat": "none",
    }
    if height is not None:
        style["height"] = height
    elif fig.layout.height is None:
        style["height"] = 480
    return _set_layout(fig, style, xaxes=x_style, yaxes=y_style)


def _set_layout(
    fig: go.Figure,
    update: dict[str, Any] | None = None,
    *,
    xaxes: dict[str, Any] | None = None,
    yaxes: dict[str, Any] | None = None,
    shapes: list[dict[str, Any]] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> go.Figure:
    """``fig.update_layout(update)``, ``update_xaxes(xaxes)``, ``update_yaxes(yaxes)``,
    ``add_shape`` and ``add_annotation`` in one go: the changes are merged into a copy of
    the layout, which is then assigned once. Plotly validates a whole layout about ten times
    faster than it applies each update. Changes ``fig`` in place and returns it.

    The template (plotly's default: a few thousand values) is never copied or compared as
    JSON: it is taken out of the old layout (which plotly would otherwise copy once more as it
    replaces it), plotly puts the default back, and the figure's own is put back only when it
    was another."""
    props = fig.layout._props  # the figure's layout as plotly holds it (validated)
    template = props.pop("template", None)
    layout = copy.deepcopy(props)
    _deep_update(layout, copy.deepcopy(update or {}))
    for prefix, axis_style in (("xaxis", xaxes), ("yaxis", yaxes)):
        if axis_style:
            for key in _axis_keys(layout, prefix):
                layout[key] = _deep_update(layout.get(key) or {}, copy.deepcopy(axis_style))
    if shapes:
        layout["shapes"] = [*layout.get("shapes", []), *shapes]
    if annotations:
        layout["annotations"] = [*layout.get("annotations", []), *annotations]
    try:
        fig.layout = layout  # plotly puts the default template back
    except BaseException:
        if template is not None:  # an invalid value: the figure as it was
            props["template"] = template
        raise
    if template is not None and template != fig.layout._props.get("template"):
        fig.layout.template = template
    return fig


def _new_figure(title: str) -> go.Figure:
    return go.Figure(layout={"title": {"text": title}})


def _no_data(fig: go.Figure, text: str = "Geen gegevens voor deze selectie.") -> go.Figure:
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": MUTED_COLOR},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def fit_height(fig: go.Figure, height: int) -> go.Figure:
    """``fig`` at another height; a map zooms with it, so the same areas still fit (the
    view of :func:`~regie_analytics.charts.geojson._map_view`: a plot ``height - 80`` px high
    and 1.6 times as wide). Changes ``fig`` in place and returns it."""
    old = fig.layout.height or 480
    update: dict[str, Any] = {"height": height}
    if _has_map(fig) and fig.layout.map.zoom is not None:
        shift = min(math.log2(max(height - 80, 100) / max(old - 80, 100)), math.log2(height / old))
        update["map"] = {"zoom": round(max(0.0, float(fig.layout.map.zoom) + shift), 2)}
    return _set_layout(fig, update)


# --- labels in hovers and on bars ---------------------------------------------------------------


def _fmt_auto(value: object, decimals: int = 1) -> str:
    """Integers without decimals, other numbers with ``decimals``; '–' when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "–"
    if number.is_integer():
        return fmt_int(number)
    return fmt_num(number, decimals)


def _small_or(value: float, small_below: int, fmt: Callable[[float], str] = _fmt_auto) -> str:
    """A count for a hover or label: ``"<5"`` when it is small (above 0, below
    ``small_below``), else ``fmt(value)``."""
    if 0 < value < small_below:
        return f"<{small_below}"
    return fmt(value)


def _group_colors(groups: Sequence[object]) -> dict[object, str]:
    """Domain colours when every group is a domain, else the categorical palette in turn."""
    if groups and all(g in DOMAIN_COLORS for g in groups):
        return {g: DOMAIN_COLORS[str(g)] for g in groups}
    return {g: CATEGORICAL[i % len(CATEGORICAL)] for i, g in enumerate(groups)}


def _group_name(group: object) -> str:
    return DOMAIN_LABELS.get(str(group), str(group))
