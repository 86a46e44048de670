"""Samenhang: where social and physical signals go together, tested statistically."""

import streamlit as st

from regie_analytics import charts, insights
from regie_analytics.formatting import fmt_level
from regie_analytics.ui import components, filters, pages

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Samenhang sociaal × fysiek")

table = pages.pressure(data, sel)
if int(table["totaal"].sum()) == 0:
    components.empty_state(*pages.empty_reason(data, sel))
    st.stop()
gap = insights.samenhang_gap(table, selected=sel.domains, available=data.domains)
if gap:
    components.empty_state(gap)
    st.stop()
_, _, what = insights.domain_rates(table)
components.note(insights.size_ranking_note(table["population"], level=sel.level))
web = data.level_areas(sel.level)
left, right = st.columns([3, 1])
with left:
    fig = pages.figure(
        data,
        ("bivariaat", sel),
        lambda: charts.without_class_list(  # its 3x3 legend is beside it
            charts.bivariate_choropleth(
                web,
                table["rate_sociaal"],
                table["rate_fysiek"],
                title=f"Sociaal × fysiek ({what})",
                classes=(table["klasse_sociaal"], table["klasse_fysiek"]),
            )
        ),
    )
    clicked = components.chart(fig, key="bivariaat", select=True)
    if clicked:
        components.open_profile(clicked[0])
with right:
    legend = pages.figure(data, ("legenda",), lambda: charts.bivariate_legend())
    components.chart(legend, key="legenda")
    st.caption(insights.bivariate_caption(sel.level))
components.explain("samenhang", level=sel.level)

st.subheader(insights.regie_title(sel.level))
regie = pages.regie(data, sel)
both = insights.regie_areas(table)
if both.empty:
    components.empty_state(insights.no_regie_text(level=sel.level, gap=None))
else:
    components.table(
        pages.regie_list(both, regie), hide_index=True, column_config=pages.REGIE_COLUMNS
    )
components.explain("regie", level=sel.level)

a, b = st.columns(2)
with a:
    frame = table.dropna(subset=["rate_sociaal", "rate_fysiek"])
    scatter = pages.figure(
        data,
        ("kwadrant", sel),
        lambda: charts.quadrant_scatter(
            frame,
            x="rate_sociaal",
            y="rate_fysiek",
            x_title=f"sociaal ({what})",
            y_title=f"fysiek ({what})",
            title=f"{fmt_level(sel.level, plural=True).capitalize()} naar sociaal en fysiek",
            highlight=both.index[:5].tolist(),
        ),
    )
    picked = components.chart(scatter, key="kwadrant", select=True)
    if len(both):
        st.caption(
            f"Omcirkeld 1–{min(5, len(both))}: de eerste {min(5, len(both))} van de lijst "
            "hierboven (Nr). Stippellijnen: de medianen. Klik op een punt voor het profiel."
        )
    if picked:
        components.open_profile(picked[0])
with b:
    clusters = table["cluster_sociaal_fysiek"]
    fig = pages.figure(
        data,
        ("clusters", sel),
        lambda: charts.cluster_map(web, clusters, title="Clusters (bivariate Moran)"),
    )
    components.chart(fig, key="clusters")
    components.explain("bivariate_moran", level=sel.level)

st.subheader("Welke thema's gaan samen?")
rho, p = pages.correlations(data, sel)
if rho.shape[0] < 2:
    components.empty_state("Te weinig thema's met signalen voor een correlatie.")
else:
    heatmap = pages.figure(
        data,
        ("correlaties", sel),
        lambda: charts.correlation_heatmap(
            rho, p, title="Rangcorrelatie (Spearman) tussen thema's"
        ),
    )
    components.chart(heatmap, key="correlaties")
    st.caption(insights.correlation_caption(table["population"]))
components.footer(data, sel)
