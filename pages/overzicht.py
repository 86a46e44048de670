"""Overzicht: this period against the previous one, where both domains pile up, and why."""

from dataclasses import replace

import streamlit as st

from regie_analytics import charts, insights
from regie_analytics.formatting import fmt_period, plain_text
from regie_analytics.ui import components, filters, pages

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Overzicht")
where = f"{plain_text(data.municipality)} · " if data.municipality else ""
st.caption(f"{where}{fmt_period(sel.start, sel.end)} vergeleken met {fmt_period(*sel.previous)}")

ov = pages.overview(data, sel)
if ov is None:
    components.empty_state(*pages.empty_reason(data, sel))
    st.stop()

for sentence in ov.sentences:
    st.markdown(f"#### {plain_text(sentence)}")

cols = st.columns(len(sel.domains) + 2)
small = pages.small_below(sel)
for col, domain in zip(cols, sel.domains, strict=False):
    before = ov.before[domain] if ov.has_previous else None
    components.kpi(col, f"Signalen {domain}", ov.current[domain], before, small_below=small)
both_label = "Gebieden met sociaal én fysiek hoog"
if ov.gap:
    cols[-2].metric(both_label, "–", help=ov.gap)
else:
    before = ov.both_high_before if ov.has_previous else None
    components.kpi(cols[-2], both_label, ov.both_high, before, relative=False)
cols[-1].metric("Totaal", pages.count_text(ov.current["totaal"], sel), help=pages.total_help(sel))

left, right = st.columns([3, 2])
with left:
    title = insights.regie_title(sel.level)
    if ov.top.empty:
        st.subheader(title)
        components.empty_state(insights.no_regie_text(level=sel.level, gap=ov.gap))
    else:
        st.subheader(f"Top {len(ov.top)} · {title}")
        components.table(
            pages.top_table(ov.top, sel), hide_index=True, column_config=pages.TOP_COLUMNS
        )
        st.caption(insights.top_caption(ov))
    components.note(ov.size_note)
    components.explain("samenhang", level=sel.level)
    spots, _ = pages.emerging(data, sel)
    sentence = insights.emerging_sentence(spots["klasse"], ov.pressure["name"], level=sel.level)
    if sentence:
        st.markdown(f"**Hotspots in de tijd:** {plain_text(sentence)}")
    jumps = pages.jumps(data, sel)
    if len(jumps):
        st.subheader("Opvallende sprongen deze periode")
        components.table(jumps, hide_index=True)
        components.explain("anomalies", level=sel.level)
with right:
    measure = "totaal" if ov.gap else "samenhangsindex"
    fig = pages.figure(
        data,
        ("overzicht_kaart", sel),
        lambda: charts.choropleth(
            data.level_areas(sel.level),
            ov.pressure[measure],
            title="Aantal signalen" if ov.gap else "Samenhangsindex (0–100)",
            label="aantal signalen" if ov.gap else "samenhangsindex",
            n=pages.shown_counts(ov.pressure["totaal"], sel),
            suppressed=pages.small_mask(ov.pressure["totaal"], sel) if ov.gap else None,
            decimals=0,
            height=380,
        ),
    )
    clicked = components.chart(fig, key="overzicht_kaart", select=True)
    if clicked:
        components.open_profile(clicked[0])
trend = pages.domain_trend(data, sel)
trend_fig = pages.figure(
    data,
    ("overzicht_trend", replace(sel.computed, start="", level="")),
    lambda: charts.apply_house_style(
        charts.trend_chart(
            trend,
            color="domain",
            title="Signalen per maand en domein",
            small_below=pages.small_below(sel),
        ),
        height=320,
    ),
)
components.chart(trend_fig, key="overzicht_trend")
st.subheader("Voor de raad")
st.caption("Presentatie en rapport van deze selectie, met beschermde aantallen.")
pages.export_buttons(data, sel)
st.page_link("pages/presentatie.py", label="Open de presentatiemodus", icon=":material/slideshow:")
components.footer(data, sel)
