"""Samenhang: where social and physical signals go together, tested statistically."""

import streamlit as st

from regie_analytics import charts, insights
from regie_analytics.ui import components, filters, pages

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Samenhang sociaal × fysiek")

table = pages.pressure(data, sel)
if int(table[["fysiek", "sociaal"]].sum().sum()) == 0 or not {"fysiek", "sociaal"} <= set(
    sel.domains
):
    components.empty_state(
        "Voor samenhang zijn signalen uit beide domeinen nodig.",
        "Kies in de zijbalk zowel het fysieke als het sociale domein.",
    )
    st.stop()
_, _, what = insights.domain_rates(table)
web = data.level_areas(sel.level)

left, right = st.columns([3, 1])
with left:
    fig = pages.figure(
        data,
        ("bivariaat", sel),
        lambda: charts.bivariate_choropleth(
            web, table["rate_sociaal"], table["rate_fysiek"], title=f"Sociaal × fysiek ({what})"
        ),
    )
    clicked = components.chart(fig, key="bivariaat", select=True)
    if clicked:
        components.open_profile(clicked[0])
with right:
    legend = pages.figure(data, ("legenda",), lambda: charts.bivariate_legend())
    components.chart(legend, key="legenda")
    st.caption("Donker = beide hoog. Klassen: derden (tertielen) van de gebieden per domein.")
components.explain("samenhang")

st.subheader("Regiebuurten: sociaal én fysiek hoog")
regie = pages.regie(data, sel)
both = table.loc[table["beide_hoog"]].sort_values("samenhangsindex", ascending=False)
if both.empty:
    components.empty_state("In deze selectie zijn er geen gebieden waar beide domeinen hoog zijn.")
else:
    st.dataframe(pages.regie_list(both, regie), hide_index=True, column_config=pages.REGIE_COLUMNS)
components.explain("regie")

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
            title="Gebieden naar sociaal en fysiek",
            highlight=both.index[:5].tolist(),
        ),
    )
    picked = components.chart(scatter, key="kwadrant", select=True)
    if len(both):
        st.caption(
            f"Omcirkeld 1–{min(5, len(both))}: de regiebuurten bovenaan de lijst (Nr). "
            "Stippellijnen: de medianen. Klik op een punt voor het buurtprofiel."
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
    components.explain("bivariate_moran")

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
    st.caption("\\* = significant (p < 0,05). Een correlatie zegt niets over oorzaak en gevolg.")
components.footer(data, sel)
