"""Overzicht: this period against the previous one, where both domains pile up, and why."""

import streamlit as st

from regie_analytics import insights
from regie_analytics.formatting import fmt_level, fmt_period, plain_text
from regie_analytics.ui import components, downloads, figures, filters, queries, views, zoom

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Overzicht")
where = f"{plain_text(data.municipality)} · " if data.municipality else ""
st.caption(f"{where}{fmt_period(sel.start, sel.end)} vergeleken met {fmt_period(*sel.previous)}")

ov = queries.overview(data, sel)
if ov is None:
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()

for sentence in ov.sentences:
    st.markdown(f"#### {plain_text(sentence)}")

cols = st.columns(len(sel.domains) + 2)
small = views.small_below(sel)
for col, domain in zip(cols, sel.domains, strict=False):
    before = ov.before[domain] if ov.has_previous else None
    components.kpi(col, f"Signalen {domain}", ov.current[domain], before, small_below=small)
both_label = "Gebieden met sociaal én fysiek hoog"
if ov.gap:
    cols[-2].metric(both_label, "–", help=ov.gap)
else:
    before = ov.both_high_before if ov.has_previous else None
    components.kpi(cols[-2], both_label, ov.both_high, before, relative=False)
cols[-1].metric("Totaal", views.count_text(ov.current["totaal"], sel), help=views.total_help(sel))

left, right = st.columns([3, 2])
with left:
    title = insights.regie_title(sel.level)
    if ov.top.empty:
        st.subheader(title)
        components.empty_state(insights.no_regie_text(level=sel.level, gap=ov.gap))
    else:
        st.subheader(f"Top {len(ov.top)} · {title}")
        components.table(
            views.top_table(ov.top, sel), hide_index=True, column_config=views.TOP_COLUMNS
        )
        st.caption(insights.top_caption(ov))
    components.note(ov.size_note)
    components.explain("samenhang", level=sel.level)
    found = queries.emerging_pending(data, sel.until_end)  # a side note: it may come later
    sentence = found and insights.emerging_sentence(
        found[0]["klasse"], ov.pressure["name"], level=sel.level
    )
    if sentence:
        st.markdown(f"**Hotspots in de tijd:** {plain_text(sentence)}")
    jumps = queries.jumps_pending(data, sel)  # a side note: it may come later
    if jumps is not None and len(jumps):
        st.subheader("Opvallende sprongen deze periode")
        components.table(jumps, hide_index=True)
        components.explain("anomalies", level=sel.level)
with right:
    fig = figures.overview_map(data, sel)
    areas = fmt_level(sel.level, plural=True)
    zoom.coarse_note(
        data,
        sel,
        shows="het aantal signalen"
        if ov.gap
        else f"hoeveel {areas} sociaal én fysiek hoog zijn (de {areas} van de lijst)",
        zooms=False,
    )
    clicked = components.chart(fig, key="overzicht_kaart", select=True)
    if clicked:
        components.open_profile(clicked[0])
trend = figures.domain_trend(data, sel.until_end.municipal)
components.chart(trend, key="overzicht_trend")
st.subheader("Voor de raad")
st.caption("Presentatie en rapport van deze selectie, met beschermde aantallen.")
downloads.export_buttons(data, sel)
st.page_link("pages/presentatie.py", label="Open de presentatiemodus", icon=":material/slideshow:")
components.footer(data, sel)
