"""Overzicht: this period against the previous one, where both domains pile up, and why."""

from dataclasses import replace

import streamlit as st

from regie_analytics import charts, insights
from regie_analytics.formatting import fmt_change, fmt_int, fmt_period, plain_text
from regie_analytics.ui import components, filters, pages

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Overzicht")
st.caption(f"{fmt_period(sel.start, sel.end)} vergeleken met {fmt_period(*sel.previous)}")

ov = pages.overview(data, sel)
if ov is None:
    components.empty_state(
        "Geen signalen voor dit filter.", "Kies een ander domein, thema of een langere periode."
    )
    st.stop()

for sentence in ov.sentences:
    st.markdown(f"#### {plain_text(sentence)}")

cols = st.columns(4)
for col, domain in zip(cols, ("fysiek", "sociaal"), strict=False):
    col.metric(
        f"Signalen {domain}",
        fmt_int(ov.current[domain]),
        fmt_change(ov.current[domain], ov.before[domain]) if ov.has_previous else None,
        delta_color="inverse",
    )
cols[2].metric(
    "Gebieden met sociaal én fysiek hoog",
    fmt_int(ov.both_high),
    f"{ov.both_high - ov.both_high_before:+d}".replace("-", "−") if ov.has_previous else None,
    delta_color="inverse",
)
cols[3].metric("Totaal", fmt_int(ov.current[["fysiek", "sociaal", "overig"]].sum()))

left, right = st.columns([3, 2])
with left:
    st.subheader(f"Top {len(ov.top)}: sociaal en fysiek samen")
    st.dataframe(
        pages.top_table(ov.top, sel),
        hide_index=True,
        column_config=pages.TOP_COLUMNS,
    )
    components.explain("samenhang")
    spots = pages.emerging(data, sel)
    sentence = insights.emerging_sentence(spots["klasse"], ov.pressure["name"])
    if sentence:
        st.markdown(f"**Hotspots in de tijd:** {plain_text(sentence)}")
    jumps = pages.jumps(data, sel)
    if len(jumps):
        st.subheader("Opvallende sprongen deze periode")
        st.dataframe(jumps, hide_index=True, column_config=pages.JUMP_COLUMNS)
with right:
    fig = pages.figure(
        data,
        ("overzicht_kaart", sel),
        lambda: charts.choropleth(
            data.level_areas(sel.level),
            ov.pressure["samenhangsindex"],
            title="Samenhangsindex (0–100)",
            label="samenhangsindex",
            n=ov.pressure["totaal"],
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
        charts.trend_chart(trend, color="domain", title="Signalen per maand en domein"),
        height=320,
    ),
)
components.chart(trend_fig, key="overzicht_trend")
st.subheader("Voor de raad")
st.caption("Presentatie en rapport van deze selectie; kleine aantallen (1–4) zijn verborgen.")
pages.export_buttons(data, sel)
st.page_link("pages/presentatie.py", label="Open de presentatiemodus", icon=":material/slideshow:")
components.footer(data, sel)
