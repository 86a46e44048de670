"""Buurtprofiel: one area's domains and themes, trend, comparison, lead times and neighbours."""

import streamlit as st

from regie_analytics.formatting import fmt_int, fmt_num, fmt_pct, plain_text
from regie_analytics.ui import components, downloads, figures, filters, queries, views
from regie_analytics.ui.data import profile_title

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
components.print_styles()

options = data.area_labels()
code = components.area_picker(
    "Gebied", options, param=components.AREA_KEY, placeholder=views.search_placeholder(data)
)
if code is None:
    st.title(profile_title(data.levels[0]))
    components.empty_state(
        "Kies een gebied in de zoekbox, of klik op een gebied op de Kaart of het Overzicht."
    )
    st.stop()

level = data.level_of(code)
area = data.areas_at(level).loc[code]
st.title(plain_text(area["name"]))
st.caption(plain_text(views.area_context(data, code, level)))
table = queries.area_measures(data, sel.at_level(level))
row = table.loc[code]
rates = views.profile_rates(row, sel)
if data.has_population:
    k = st.columns(4)
    k[0].metric("Signalen", views.count_text(row["totaal"], sel))
    k[1].metric("Inwoners", fmt_int(row["population"]))
    k[2].metric("Per 1.000 inwoners", fmt_num(rates["per_1000"]))
    k[3].metric("Aandeel sociaal", fmt_pct(rates["share_social"] / 100))
else:  # no population at all: no empty "Inwoners –" and "Per 1.000 inwoners –" tiles
    k = st.columns(4)
    k[0].metric("Signalen", views.count_text(row["totaal"], sel))
    k[1].metric("Aandeel sociaal", fmt_pct(rates["share_social"] / 100))
components.population_note(data, population=row["population"])

st.subheader("Domeinen en thema's")
comparison = queries.profile_comparison(data, sel, code=code, level=level)
components.table(comparison, hide_index=True, column_config=views.COMPARISON_COLUMNS)
st.caption(
    "Per 1.000 inwoners. Index: 100 = gemiddelde van de gemeente; 200 = twee keer zo vaak."
    if data.has_population
    else "Aantallen, niet per inwoner (er zijn geen inwonertallen): wijk en gemeente als "
    "gemiddelde per gebied. Index: 100 = zoveel als het gemiddelde gebied; een groot gebied "
    "scoort dan vanzelf hoog."
)

trend = figures.profile_trend(data, sel.until_end, code=code, level=level)
components.chart(trend, key="profiel_trend")

left, right = st.columns(2)
with left:
    st.subheader("Doorlooptijden")
    times = queries.lead_times(data, sel, norm_days=10, by="theme", code=code, level=level)
    if times.empty:
        components.empty_state(
            "Geen losse meldingen met afhandeling in dit gebied of deze periode."
        )
    else:
        components.table(views.lead_time_view(times, sel), column_config=views.LEADTIME_COLUMNS)
with right:
    st.subheader("Buurgebieden")
    neighbours = queries.neighbour_table(data, sel, code=code, level=level)
    components.table(neighbours, hide_index=True)
    buren = figures.neighbours_map(data, sel, code=code, level=level)
    components.chart(buren, key="profiel_buren")
components.print_button()
downloads.export_buttons(data, sel, area=code)
components.footer(data, sel)
