"""Samenhang: where social and physical signals go together, tested statistically."""

import streamlit as st

from regie_analytics import insights
from regie_analytics.formatting import fmt_level
from regie_analytics.ui import components, figures, filters, queries, views, zoom

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Samenhang sociaal × fysiek")

table = queries.pressure(data, sel)
if int(table["totaal"].sum()) == 0:
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()
gap = insights.samenhang_gap(table, selected=sel.domains, available=data.domains)
if gap:
    components.empty_state(gap)
    st.stop()
components.note(insights.size_ranking_note(table["population"], level=sel.level))
areas = fmt_level(sel.level, plural=True)
part = zoom.picker(
    data,
    sel,
    shows=f"hoeveel {areas} sociaal én fysiek hoog zijn en in een hoog-hoogcluster liggen",
)
shown, _ = zoom.map_areas(data, sel.level, part)
left, right = st.columns([3, 1])
with left:
    bivariate = figures.bivariate_map(data, sel, part=part)
    clicked = components.chart(bivariate, key=f"bivariaat_{shown}_{part}", select=True)
    if clicked and shown != sel.level:  # a coarser area: zoom on it
        zoom.go_to(clicked[0])
    elif clicked:
        components.open_profile(clicked[0])
with right:
    if shown == sel.level:  # the 3x3 classes; a coarser map counts the regie list's areas
        components.chart(figures.bivariate_legend(), key="legenda")
        st.caption(insights.bivariate_caption(sel.level))
components.explain("samenhang", level=sel.level)

st.subheader(insights.regie_title(sel.level))
regie = queries.regie(data, sel)
both = insights.regie_areas(table)
if both.empty:
    components.empty_state(insights.no_regie_text(level=sel.level, gap=None))
else:
    components.table(
        views.regie_list(both, regie), hide_index=True, column_config=views.REGIE_COLUMNS
    )
components.explain("regie", level=sel.level)

a, b = st.columns(2)
with a:
    picked = components.chart(figures.quadrant(data, sel), key="kwadrant", select=True)
    if len(both):
        st.caption(views.circled_caption(len(both)))
    if picked:
        components.open_profile(picked[0])
with b:
    components.chart(figures.cluster_map(data, sel, part=part), key="clusters")
    components.explain("bivariate_moran", level=sel.level)

st.subheader("Welke thema's gaan samen?")
rho, _ = queries.correlations(data, sel)
if rho.shape[0] < 2:
    components.empty_state("Te weinig thema's met signalen voor een correlatie.")
else:
    components.chart(figures.correlation_heatmap(data, sel), key="correlaties")
    st.caption(insights.correlation_caption(table["population"]))
components.footer(data, sel)
