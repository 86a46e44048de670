"""The presentation's screens, laid out from the size of the screen they are shown on.

A slide is one row with the buttons and the title, a body (a chart with its legend and
explanation beside it, or the list of regiebuurten with its explanation under it) and the
footer with the source. The body gets what the screen has left, so a slide fits 1280x720 and
1920x1080 without scrolling.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from plotly.graph_objects import Figure

from regie_analytics import charts, privacy
from regie_analytics.formatting import plain_text
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import components, queries
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters

LIST_ROWS = 6
"""At most this many areas in the list of regiebuurten on a slide (the rest is on the page)."""
MAIN_SHARE = 0.68
"""The body's width for the chart or list; the rest is for its legend and explanation."""
LIST_COLUMNS = ("Gebied", "Samenhangsindex", "Sociaal", "Fysiek", "Status", "Waarom")
"""The columns of the regiebuurten table that the list shows."""
_CHAR_WIDTH = 0.5  # average width of a character in Source Sans, in font sizes
_TITLE_CHAR_WIDTH = 0.48  # the same in the bold title
_LINE = 1.35  # line height, in font sizes
_GAP = 8  # px between the slide's rows
_LIST_LINE = 1.25  # line height of the list, in font sizes


@dataclass(frozen=True)
class Screen:
    """The sizes of a slide on a screen of ``width`` x ``height`` CSS pixels: type grows
    with the screen (a 1080p projector shows 1.5 times the type of a 720p one)."""

    width: int
    height: int

    @property
    def scale(self) -> float:
        """How much larger than at 720 px high type is drawn (1 to 1.6)."""
        return min(max(self.height / 720, 1.0), 1.6)

    def px(self, size: float) -> int:
        """``size`` px at 720 px high, scaled to this screen."""
        return round(size * self.scale)

    @property
    def pad(self) -> int:
        """The padding around the slide."""
        return self.px(10)

    @property
    def title_px(self) -> int:
        """The slide title's type size."""
        return self.px(32)

    @property
    def text_px(self) -> int:
        """The list and the title slide's sentences (24 px or more)."""
        return self.px(24)

    @property
    def side_px(self) -> int:
        """The explanation beside a chart."""
        return self.px(19)

    @property
    def foot_px(self) -> int:
        """The footer's type size (source and filter)."""
        return self.px(15)

    @property
    def inner_width(self) -> int:
        """The width inside the slide's margins."""
        return self.width - 2 * self.px(28)

    @property
    def nav_height(self) -> int:
        """The height of the row with the title and the buttons."""
        return self.px(44)

    def lines(self, text: str, size: int, width: float, *, char: float = _CHAR_WIDTH) -> int:
        """How many lines ``text`` takes at ``size`` px in a column ``width`` px wide
        (characters ``char`` font sizes wide)."""
        per_line = max(int(width / (size * char)), 1)
        return sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n"))

    def text_height(self, text: str, size: int, width: float, *, char: float = _CHAR_WIDTH) -> int:
        """The px that ``text`` takes (see :meth:`lines`)."""
        return math.ceil(self.lines(text, size, width, char=char) * size * _LINE)

    def body_height(self, title: str, footer: Sequence[str], *, demo: bool) -> int:
        """The px left for the slide's body under the title row and above the ``footer``
        lines and one line more (about signals in 'overig', when there are any)."""
        title_width = self.inner_width * 0.64
        title_h = self.text_height(title, self.title_px, title_width, char=_TITLE_CHAR_WIDTH)
        title_h = max(title_h, self.nav_height)
        foot_h = sum(self.text_height(line, self.foot_px, self.inner_width) for line in footer)
        demo_h = math.ceil(self.foot_px * _LINE) + 6 + _GAP if demo else 0
        foot_h += math.ceil(self.foot_px * _LINE)
        rows = 3 + len(footer)  # gaps between title row, body and footer lines
        used = 2 * self.pad + demo_h + title_h + foot_h + rows * _GAP
        return max(self.height - used - self.px(16), 200)

    @property
    def side_width(self) -> int:
        """The width of the explanation beside a chart."""
        return round(self.inner_width * (1 - MAIN_SHARE)) - 16


def styles(screen: Screen) -> None:
    """Full screen, no sidebar or toolbar, and every size in px from ``screen``."""
    s = screen
    st.html(
        f"""<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
        [data-testid="stToolbar"], [data-testid="stHeader"],
        .st-key-regie-viewport {{ display: none !important; }}
        [data-testid="stMainBlockContainer"] {{
          max-width: 100% !important; padding: {s.pad}px {s.px(28)}px !important; }}
        [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{
          gap: {_GAP}px; }}
        [data-testid="stMainBlockContainer"] h1 {{
          font-size: {s.title_px}px !important; line-height: {_LINE}; padding: 0 !important; }}
        .st-key-dia-titel h3 {{ font-size: {s.px(28)}px !important; padding: 0 !important; }}
        .st-key-dia-titel li, .st-key-dia-titel p {{
          font-size: {s.text_px}px !important; line-height: {_LINE}; }}
        .st-key-dia-uitleg p {{ font-size: {s.side_px}px !important; line-height: {_LINE}; }}
        .st-key-dia-voet p {{ font-size: {s.foot_px}px !important; line-height: {_LINE}; }}
        .st-key-demo-line {{ border-left: 4px solid #8a5a00; padding-left: 10px; }}
        .st-key-demo-line p {{ font-size: {s.foot_px}px !important; line-height: {_LINE}; }}
        .regie-lijst {{ margin: 0; padding-left: {s.px(40)}px; }}
        .regie-lijst li {{ font-size: {s.text_px}px; line-height: {_LIST_LINE};
          margin-bottom: {s.px(10)}px; }}
        .regie-lijst .gebied {{ font-weight: 700; }}
        .regie-lijst .waarom {{ color: #333333; }}
        </style>"""
    )


def footer_lines(content: Any, sel: Filters, *, number: int, total: int) -> list[str]:
    """The footer of every slide: where it is, the source and filter, and what "<5" means."""
    return [
        f"Dia {number} van {total} · pijltjestoetsen ← → bladeren · aantallen beschermd, "
        f"kleine als '{privacy.SUPPRESSED_LABEL}' · {content.footer} · Filter: {sel.describe()}",
        content.privacy_note,
    ]


def footer(data: Snapshot, sel: Filters, lines: Sequence[str]) -> None:
    """The footer lines, and the line about signals in 'overig' when there are any."""
    with st.container(key="dia-voet"):
        st.caption("  \n".join(plain_text(line) for line in lines))
        components.overig_notice(data, sel, presentation=True)


def title_slide(content: Any) -> None:
    """The first screen: what the presentation is about, and its sentences."""
    with st.container(key="dia-titel"):
        st.subheader(plain_text(content.subtitle))
        st.markdown("\n".join(f"- {plain_text(sentence)}" for sentence in content.sentences))


def _row_parts(cells: Mapping[Hashable, Any]) -> tuple[str, str, str]:
    """A list row's name, its figures and status, and why."""
    figures = (
        f"index {cells['Samenhangsindex']} · sociaal {cells['Sociaal']} · "
        f"fysiek {cells['Fysiek']} · {cells['Status']}"
    )
    return str(cells["Gebied"]), figures, str(cells["Waarom"])


def ranked_list(table: pd.DataFrame, *, rows: int = LIST_ROWS) -> str:
    """The regiebuurten as a numbered list in large type (HTML, every text escaped): per
    area its name, samenhangsindex, counts and status, and why, in one flow."""
    items = []
    for cells in table.head(rows).to_dict("records"):
        name, figures, why = (html.escape(part) for part in _row_parts(cells))
        items.append(
            f'<li><span class="gebied">{name}</span> · {figures}: '
            f'<span class="waarom">{why}</span></li>'
        )
    return f'<ol class="regie-lijst">{"".join(items)}</ol>'


def _list_rows(screen: Screen, table: pd.DataFrame, height: int) -> int:
    """How many rows of :func:`ranked_list` fit in ``height`` px (at least 3)."""
    width = screen.inner_width - screen.px(40)
    used, rows = 0, 0
    for cells in table.head(LIST_ROWS).to_dict("records"):
        lines = screen.lines(": ".join(_row_parts(cells)), screen.text_px, width)
        used += math.ceil(lines * screen.text_px * _LIST_LINE) + screen.px(10)
        if used > height:
            break
        rows += 1
    return max(rows, 3)


def _list_slide(screen: Screen, item: Any, height: int) -> None:
    explanation = plain_text(item.caption)
    room = height - screen.text_height(explanation, screen.side_px, screen.inner_width) - _GAP
    rows = _list_rows(screen, item.table, room)
    st.html(ranked_list(item.table, rows=rows))
    with st.container(key="dia-uitleg"):
        more = len(item.table) - rows
        st.markdown(explanation + (f" Nog {more} op de pagina Samenhang." if more > 0 else ""))


def item_slide(data: Snapshot, sel: Filters, item: Any, screen: Screen, height: int) -> None:
    """A chart in ``height`` px with its legend and explanation beside it, or the list of
    regiebuurten with its explanation under it."""
    if item.table is not None and set(LIST_COLUMNS) <= set(item.table.columns):
        _list_slide(screen, item, height)
        return
    main, side = st.columns([MAIN_SHARE, 1 - MAIN_SHARE])
    legend_px = 0
    if item.has_legend:
        explanation = screen.text_height(item.caption, screen.side_px, screen.side_width)
        legend_px = max(min(screen.side_width, height - explanation - _GAP), 160)
    with main:
        if item.has_figure:
            shown = slide_figure(data, sel.protected, key=item.key, height=height)
            components.chart(shown, key=f"dia_{item.key}", map_table=False)
        elif item.table is not None:
            components.table(item.table, hide_index=True, width="stretch")
    with side:
        if item.has_legend:
            legend = slide_legend(data, sel.protected, key=item.key, size=legend_px)
            components.chart(legend, key=f"dia_{item.key}_legenda")
        with st.container(key="dia-uitleg"):
            st.markdown(plain_text(item.caption))


def _item(snap: Snapshot, sel: Filters, key: str) -> Any:
    """The item ``key`` of the presentation of the selection."""
    return next(item for item in queries.report_content(snap, sel).items if item.key == key)


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def slide_figure(snap: Snapshot, sel: Filters, *, key: str, height: int) -> Figure:
    """The chart of slide ``key`` at ``height`` px (a map zooms with it); a map with a legend
    of its own beside it does not list its classes again."""
    item = _item(snap, sel, key)
    shown = charts.fit_height(Figure(item.figure), height)
    return charts.without_class_list(shown) if item.has_legend else shown


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def slide_legend(snap: Snapshot, sel: Filters, *, key: str, size: int) -> Figure:
    """The legend of slide ``key``, ``size`` px square."""
    return Figure(_item(snap, sel, key).legend).update_layout(width=size, height=size)
