"""Kaart: a choropleth at the chosen level, with measures, class breaks and hotspots."""

import streamlit as st

from regie_analytics import aggregate, report
from regie_analytics.formatting import fmt_level
from regie_analytics.ui import access, components, figures, filters, queries, views, zoom

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Kaart")

table = queries.area_measures(data, sel)
options = views.measure_options(data)
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
measure = c1.selectbox(
    "Maat", options, format_func=aggregate.MEASURES.get, key="maat", bind="query-params"
)
layer = c2.segmented_control(
    "Laag", ["waarden", "hotspots"], default="waarden", key="laag", bind="query-params"
)
scheme = c3.selectbox(
    "Klassenindeling",
    ["quantiles", "natural_breaks"],
    format_func={"quantiles": "kwantielen", "natural_breaks": "natuurlijke grenzen"}.get,
    key="klassen",
    bind="query-params",
)
basemap = c4.toggle(
    "Achtergrondkaart",
    key="achtergrond",
    help="De BRT-Achtergrondkaart van PDOK onder de gebieden; werkt alleen met internet.",
)
components.population_note(data)

if int(table["count"].sum()) == 0:
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()

hotspots = f"hoeveel {fmt_level(sel.level, plural=True)} een hotspot zijn"
part = zoom.picker(data, sel, shows=hotspots if layer == "hotspots" else "hun eigen waarde")
if layer == "hotspots":
    fig = figures.hotspot_map(data, sel, measure=measure, part=part)
else:
    fig = figures.measure_map(
        data, sel, measure=measure, scheme=scheme or "quantiles", basemap=basemap, part=part
    )
shown, _ = zoom.map_areas(data, sel.level, part)
clicked = components.chart(fig, key=f"kaart_{shown}_{part}", select=True)
if clicked and shown != sel.level:  # a coarser area: zoom on it
    zoom.go_to(clicked[0])
elif clicked:
    components.open_profile(clicked[0])

choice = components.area_search(data, sel.level)
if choice:
    components.open_profile(choice)

for key in views.map_explanations(layer or "waarden", measure):
    components.explain(key, level=sel.level)
safe = queries.area_download(data, sel)  # always protected, whatever is shown
in_view = zoom.codes_in_view(data, sel.level, part)  # the part zoomed on, at the level
if sel.private:  # the footnote row as a caption below; ranked by the counts shown
    components.area_table(
        safe.iloc[:-1],
        level=sel.level,
        in_view=in_view,
        rank="Totaal",
        ranked="met de meeste signalen",
    )
else:
    ranked = f"met de hoogste waarde ({aggregate.MEASURES[measure]})"
    view = report.area_table_view(table, measure=measure)
    components.area_table(view, level=sel.level, in_view=in_view, ranked=ranked)
rows = len(safe) - 1  # recorded in the audit log with each download (not the footnote)
d1, d2 = st.columns(2)
access.download(
    d1, "Download tabel (CSV)", lambda: report.to_csv_bytes(safe),
    fmt="csv", name="gebieden.csv", mime="text/csv", sel=sel, rows=rows,
)  # fmt: skip
access.download(
    d2, "Download tabel (Excel)", lambda: report.to_excel_bytes(safe),
    fmt="xlsx", name="gebieden.xlsx", sel=sel, rows=rows,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)  # fmt: skip
st.caption("Downloads zijn altijd beschermd. " + views.protection_note())
components.footer(data, sel)
