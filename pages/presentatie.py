"""Presentatie: full-screen mode for the council; one insight per screen, small counts hidden,
laid out for the screen it is shown on."""

import streamlit as st

from regie_analytics.formatting import plain_text
from regie_analytics.ui import browser, components, downloads, filters, queries, slides

components.require_app()

data = components.require_data()
sel = filters.current()
screen = slides.Screen(*browser.viewport())
slides.styles(screen)
if queries.signals_in_areas(data, sel) == 0:
    st.title("Presentatie")
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()
content = queries.report_content(data, sel.protected)
items = [None, *content.items]
if "dia" not in st.session_state:
    start = st.query_params.get("dia", "1")
    st.session_state["dia"] = min(max(int(start) - 1, 0), len(items) - 1) if start.isdigit() else 0


def go(step: int) -> None:
    """Move ``step`` slides (kept within the deck) and keep the slide number in the URL."""
    st.session_state["dia"] = min(max(st.session_state["dia"] + step, 0), len(items) - 1)
    st.query_params["dia"] = str(st.session_state["dia"] + 1)


item = items[st.session_state["dia"]]
title = plain_text(content.title if item is None else item.title)
lines = slides.footer_lines(content, sel, number=st.session_state["dia"] + 1, total=len(items))
nav = st.columns([1.2, 7, 1.4, 1.2], vertical_alignment="center")
nav[0].button("◀ Vorige", on_click=go, args=(-1,), shortcut="left", width="stretch")
nav[1].title(title, anchor=False)
with nav[2].popover("Exporteren", width="stretch"):
    downloads.export_buttons(data, sel)
nav[3].button("Volgende ▶", on_click=go, args=(1,), shortcut="right", width="stretch")

if item is None:
    slides.title_slide(content)
else:
    body = screen.body_height(title, lines, demo=data.generated)
    slides.item_slide(data, sel, item, screen, body)
slides.footer(data, sel, lines)
