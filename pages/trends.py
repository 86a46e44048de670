"""Trends: monthly series per domain and theme, year on year, seasonality, emerging hotspots."""

import streamlit as st

from regie_analytics.formatting import fmt_level
from regie_analytics.ui import components, figures, filters, queries, views, zoom

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Trends")

names = data.areas_at(sel.level)["name"].sort_values()
code = components.area_picker(
    "Gebied",
    dict(zip(names.index, names + " (" + names.index + ")", strict=True)),
    param="trend_gebied",
    placeholder="Hele gemeente (kies een gebied om in te zoomen)",
)
split = st.segmented_control(
    "Uitsplitsen naar",
    ["domain", "theme"],
    default="domain",
    format_func={"domain": "domein", "theme": "thema"}.get,
    key="trend_per",
    bind="query-params",
)
by = split or "domain"
# the series run from the first month to the period's end: the period's start does not matter
series, _ = queries.trend_series(data, sel.until_end, code=code, by=by)
if int(series["count"].sum()) == 0:
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()
components.chart(figures.trend(data, sel.until_end, code=code, by=by), key="trend")
a, b = st.columns(2)
with a:
    components.chart(figures.year_on_year(data, sel.until_end, code=code), key="jaar")
with b:
    components.chart(figures.seasonality(data, sel.until_end, code=code), key="seizoen")

st.subheader("Hotspots in de tijd")
spots, why_none = queries.emerging(data, sel.until_end)
if why_none:
    components.empty_state(why_none)
else:
    areas = fmt_level(sel.level, plural=True)
    zoom.coarse_note(
        data,
        sel,
        shows=f"hoeveel {areas} een hotspotpatroon hebben (die de tabel telt)",
        zooms=False,
    )
    components.chart(figures.emerging_map(data, sel.until_end), key="emerging")
    counts = spots["klasse"].value_counts().rename_axis("Patroon")
    components.table(counts.reset_index(name=areas.capitalize()), hide_index=True)
components.explain("trends", level=sel.level)
jumps = queries.jumps_pending(data, sel)  # None: its progress shows here until it is done
if jumps is not None and len(jumps):
    st.subheader("Sprongen: maanden ver boven het seizoenspatroon")
    components.table(jumps, hide_index=True)
    components.explain("anomalies", level=sel.level)
elif jumps is not None:
    components.note(views.jumps_gap(data))
components.footer(data, sel)
