"""Afhandeling: lead times (median, 90th percentile), share within the norm, open backlog."""

import streamlit as st

from regie_analytics import aggregate
from regie_analytics.formatting import fmt_num, fmt_pct
from regie_analytics.ui import components, figures, filters, queries, views

components.require_app()

data = components.require_data()
sel = filters.current()
components.overig_notice(data, sel)
st.title("Afhandeling")

if queries.signals_in_areas(data, sel) == 0:
    components.empty_state(*queries.empty_reason(data, sel))
    st.stop()
norm = st.slider("Norm (dagen)", 1, 60, 10, key="norm", bind="query-params")
overall = queries.lead_times(data, sel, norm_days=norm, by=None)
if overall.empty or int(overall["ontvangen"].sum()) == 0:
    components.empty_state(
        "Geen losse meldingen met afhandelgegevens voor dit filter.",
        "Doorlooptijden bestaan alleen voor losse meldingen (bijv. Signalen), niet voor "
        "tellingen; kies het fysieke domein of een ruimere periode.",
    )
    st.stop()
row = overall.iloc[0]
k = st.columns(4)
k[0].metric("Mediane doorlooptijd", f"{fmt_num(row['mediaan_dagen'])} dagen")
k[1].metric("90% afgehandeld binnen", f"{fmt_num(row['p90_dagen'])} dagen")
k[2].metric(f"Binnen {norm} dagen", fmt_pct(row["binnen_norm"]))
k[3].metric("Nog open", views.count_text(row["open"], sel))

by_theme = queries.lead_times(data, sel, norm_days=norm, by="theme")
components.chart(figures.lead_times(data, sel, norm_days=norm), key="doorlooptijd")
components.table(views.lead_time_view(by_theme, sel), column_config=views.LEADTIME_COLUMNS)

st.subheader("Per gebied")
by_area = queries.lead_time_by_area(data, sel, norm_days=norm)
components.table(
    views.lead_time_view(by_area, sel), hide_index=True, column_config=views.LEADTIME_COLUMNS
)
st.caption(
    f"Gebieden met minder dan {aggregate.MIN_CLOSED_FOR_MEDIAN} afgesloten meldingen zijn "
    "weggelaten: hun mediaan zegt weinig."
)
components.footer(data, sel)
