"""Trends: monthly series per domain and theme, year on year, seasonality, emerging hotspots."""

from dataclasses import replace

import streamlit as st

from regie_analytics import charts
from regie_analytics.ui import components, filters, pages

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Trends")

web = data.level_areas(sel.level)
names = web["name"].sort_values()
code = components.area_picker(
    "Gebied",
    {c: f"{names[c]} ({c})" for c in names.index},
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
series, reference = pages.trend_series(data, sel, code=code, by=by)
if int(series["count"].sum()) == 0:
    components.empty_state(*pages.empty_reason(data, sel))
    st.stop()
where = names[code] if code else "de hele gemeente"
# the series run from the first month to the period's end: the period's start does not matter
key = (replace(sel, preset="", start=""), code, by)
components.chart(
    pages.figure(
        data,
        ("trend", *key),
        lambda: charts.trend_chart(
            series,
            color=by,
            title=f"Signalen per maand in {where}",
            reference=reference,
            small_below=pages.small_below(sel),
        ),
    ),
    key="trend",
)
total = pages.month_totals(data, sel, code=code)
small = pages.small_below(sel)
a, b = st.columns(2)
with a:
    components.chart(
        pages.figure(
            data,
            ("jaar", *key),
            lambda: charts.year_on_year_chart(total, title="Jaar op jaar", small_below=small),
        ),
        key="jaar",
    )
with b:
    components.chart(
        pages.figure(
            data,
            ("seizoen", *key),
            lambda: charts.seasonality_chart(total, title="Seizoenspatroon", small_below=small),
        ),
        key="seizoen",
    )

st.subheader("Hotspots in de tijd")
spots, why_none = pages.emerging(data, sel)
if why_none:
    components.empty_state(why_none)
else:
    components.chart(
        pages.figure(
            data,
            ("emerging", sel),
            lambda: charts.emerging_map(
                web, spots["klasse"], title="Patroon van hotspots over de maanden"
            ),
        ),
        key="emerging",
    )
    counts = spots["klasse"].value_counts().rename_axis("Patroon").reset_index(name="Gebieden")
    components.table(counts, hide_index=True)
components.explain("trends", level=sel.level)
jumps = pages.jumps(data, sel)
if len(jumps):
    st.subheader("Sprongen: maanden ver boven het seizoenspatroon")
    components.table(jumps, hide_index=True)
    components.explain("anomalies", level=sel.level)
else:
    components.note(pages.jumps_gap(data))
components.footer(data, sel)
