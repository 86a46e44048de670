"""Presentatie: full-screen mode for the council; one insight per screen, small counts hidden."""

import streamlit as st
from plotly.graph_objects import Figure

from regie_analytics import charts
from regie_analytics.formatting import plain_text
from regie_analytics.ui import components, filters, pages

components.require_app()

SCREEN_HEIGHT = 450  # chart height in px: fits a 1280x720 projector with banner and buttons

data = components.require_data()
sel = filters.current()
components.presentation_styles()
if pages.signals_in_areas(data, sel) == 0:
    st.title("Presentatie")
    components.empty_state(*pages.empty_reason(data, sel))
    st.stop()
content = pages.report_content(data, sel)
slides = [None, *content.items]
if "dia" not in st.session_state:
    start = st.query_params.get("dia", "1")
    st.session_state["dia"] = min(max(int(start) - 1, 0), len(slides) - 1) if start.isdigit() else 0


def go(step: int) -> None:
    st.session_state["dia"] = min(max(st.session_state["dia"] + step, 0), len(slides) - 1)
    st.query_params["dia"] = str(st.session_state["dia"] + 1)


nav = st.columns([1.4, 5, 1.4])
nav[0].button("◀ Vorige", on_click=go, args=(-1,), shortcut="left", width="stretch")
nav[2].button("Volgende ▶", on_click=go, args=(1,), shortcut="right", width="stretch")
nav[1].caption(
    f"Dia {st.session_state['dia'] + 1} van {len(slides)} · pijltjestoetsen ← → bladeren · "
    "aantallen beschermd, kleine als '<5'"
)

item = slides[st.session_state["dia"]]
if item is None:
    st.title(plain_text(content.title))
    st.subheader(plain_text(content.subtitle))
    for sentence in content.sentences:
        st.markdown(f"### {plain_text(sentence)}")
else:
    st.header(plain_text(item.title))
    if item.figure is not None:  # drawn when its slide is first shown
        cols = st.columns([4, 1]) if item.has_legend else [st.container()]
        with cols[0]:
            # the exported size is for slides; on a 1280x720 projector the chart must fit
            # under the banner and the buttons
            shown = pages.figure(
                data,
                ("dia", sel.computed, item.key),
                lambda: charts.fit_height(Figure(item.figure), SCREEN_HEIGHT),
            )
            components.chart(shown, key=f"dia_{item.key}")
        if item.legend is not None:
            with cols[1]:
                components.chart(item.legend, key=f"dia_{item.key}_legenda")
    if item.table is not None:
        components.table(item.table, hide_index=True, width="stretch")
    if item.caption:
        st.markdown(plain_text(item.caption))
components.overig_notice(data, sel, presentation=True)
st.caption(plain_text(f"{content.footer} · Filter: {sel.describe()}"))
st.caption(plain_text(content.privacy_note))
with st.expander("Exporteren"):
    pages.export_buttons(data, sel)
