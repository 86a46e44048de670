"""Buurtprofiel: one area's domains and themes, trend, comparison, lead times and neighbours."""

from dataclasses import replace

import streamlit as st

from regie_analytics import aggregate, charts
from regie_analytics.formatting import fmt_int, fmt_num, fmt_pct, plain_text
from regie_analytics.ui import components, filters, pages
from regie_analytics.ui.data import profile_title

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
components.print_styles()

options = pages.all_area_names(data)
code = components.area_picker(
    "Gebied", options, param=components.AREA_KEY, placeholder=pages.search_placeholder(data)
)
if code is None:
    st.title(profile_title(data.levels[0]))
    components.empty_state(
        "Kies een gebied in de zoekbox, of klik op een gebied op de Kaart of het Overzicht."
    )
    st.stop()

level = pages.level_of(data, code)
area = data.level_areas(level).loc[code]
st.title(plain_text(area["name"]))
st.caption(plain_text(pages.area_context(data, code, level)))
table = pages.area_measures(data, replace(sel, level=level))
row = table.loc[code]
k = st.columns(4)
rates = pages.profile_rates(row, sel)
k[0].metric("Signalen", pages.count_text(row["totaal"], sel))
k[1].metric("Inwoners", fmt_int(row["population"]))
k[2].metric("Per 1.000 inwoners", fmt_num(rates["per_1000"]))
k[3].metric("Aandeel sociaal", fmt_pct(rates["share_social"] / 100))
components.population_note(data, population=row["population"])

st.subheader("Domeinen en thema's")
comparison = pages.profile_comparison(data, sel, code=code, level=level)
components.table(comparison, hide_index=True, column_config=pages.COMPARISON_COLUMNS)
st.caption(
    "Per 1.000 inwoners. Index: 100 = gemiddelde van de gemeente; 200 = twee keer zo vaak."
    if data.has_population
    else "Aantallen, niet per inwoner (er zijn geen inwonertallen): wijk en gemeente als "
    "gemiddelde per gebied. Index: 100 = zoveel als het gemiddelde gebied; een groot gebied "
    "scoort dan vanzelf hoog."
)

series, reference = pages.profile_series(data, sel, code=code, level=level)
trend = pages.figure(
    data,
    ("profiel_trend", replace(sel, preset="", start=""), code, level),
    lambda: charts.trend_chart(
        series,
        color="domain",
        title="Signalen per maand",
        reference=reference,
        small_below=pages.small_below(sel),
    ),
)
components.chart(trend, key="profiel_trend")

left, right = st.columns(2)
with left:
    st.subheader("Doorlooptijden")
    times = pages.lead_times(data, sel, code=code, level=level)
    if times.empty:
        components.empty_state(
            "Geen losse meldingen met afhandeling in dit gebied of deze periode."
        )
    else:
        components.table(pages.lead_time_view(times), column_config=pages.LEADTIME_COLUMNS)
with right:
    st.subheader("Buurgebieden")
    neighbours = pages.neighbour_table(data, sel, code=code, level=level)
    components.table(neighbours, hide_index=True)
    shown = [code, *neighbours["Code"].tolist()]
    measure = "per_1000" if data.has_population else "count"
    buren = pages.figure(
        data,
        ("profiel_buren", sel, code, level),
        lambda: charts.choropleth(
            data.level_areas(level).loc[shown],
            table[measure].reindex(shown),
            title="Dit gebied en de buren",
            label=aggregate.MEASURES[measure],
            n=pages.shown_counts(table["count"], sel),
            highlight=code,
            height=320,
        ),
    )
    components.chart(buren, key="profiel_buren")
components.print_button()
pages.export_buttons(data, sel, area=code)
components.footer(data, sel)
