"""The pages' figures, cached: each function takes what draws its figure (the store snapshot,
the filters and the page's options) and nothing else, and its cache key is those arguments
themselves, so a figure is never served for a selection it does not show. Figures are shared
between sessions (:func:`st.cache_resource`, nothing copied): never change one.

What runs up to the period's end is called with ``sel.until_end`` (and the municipality's
trend with ``sel.until_end.municipal``), as the computations it draws (:mod:`.queries`).

A map of more areas than one map draws shows a coarser level for the whole, or the finer
level for the ``part`` zoomed on (:func:`.zoom.map_areas`), with classes of what it shows."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from regie_analytics import aggregate, charts, insights
from regie_analytics.formatting import fmt_level
from regie_analytics.geo.mapview import part_codes
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import queries
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters
from regie_analytics.ui.views import measure_mask, shown_counts, small_below, small_mask
from regie_analytics.ui.zoom import map_areas

# --- Overzicht and Kaart -----------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def overview_map(snap: Snapshot, sel: Filters) -> go.Figure:
    """The Overzicht's map: the samenhangsindex per area, or the number of signals when one
    domain has none (there is no index then). Mapped at a coarser level (too many areas),
    it shows per coarser area how many of its areas are sociaal én fysiek hoog: the areas
    the page's top list and headline count."""
    level, areas = map_areas(snap, sel.level, None)
    table = queries.pressure(snap, sel)
    gap = insights.samenhang_gap(table, selected=sel.domains, available=snap.domains)
    if level != sel.level and not gap:
        return _flagged_map(
            snap,
            sel,
            table["beide_hoog"],
            shown=level,
            areas=areas,
            what="sociaal én fysiek hoog",
            height=380,
        )
    sel = sel.at_level(level)
    table = queries.pressure(snap, sel)
    measure = "totaal" if gap else "samenhangsindex"
    return charts.choropleth(
        areas,
        table[measure],
        title="Aantal signalen" if gap else "Samenhangsindex (0–100)",
        label="aantal signalen" if gap else "samenhangsindex",
        n=shown_counts(table["totaal"], sel),
        suppressed=small_mask(table["totaal"], sel) if gap else None,
        decimals=0,
        height=380,
        features=snap.features(sel.level),
    )


def _flagged_map(
    snap: Snapshot,
    sel: Filters,
    flags: pd.Series,
    *,
    shown: str,
    areas: gpd.GeoDataFrame,
    what: str,
    height: int = 560,
) -> go.Figure:
    """Per area of the coarser level ``shown`` (those of ``areas``, with web geometry): how
    many of its areas at the selected level are flagged (``what`` they are), n = its areas
    (:func:`insights.flagged_per_part`)."""
    per_part = insights.flagged_per_part(
        flags, part_codes(snap.areas_at(sel.level), part_level=shown)
    )
    label = f"{fmt_level(sel.level, plural=True)} {what}"
    return charts.choropleth(
        areas,
        per_part["gemarkeerd"],
        title=f"{label.capitalize()}, per {fmt_level(shown)}",
        label=label,
        n=per_part["gebieden"],
        decimals=0,
        height=height,
        features=snap.features(shown),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def domain_trend(snap: Snapshot, sel: Filters) -> go.Figure:
    """Signals per month and domain (:func:`queries.domain_trend`)."""
    figure = charts.trend_chart(
        queries.domain_trend(snap, sel),
        color="domain",
        title="Signalen per maand en domein",
        small_below=small_below(sel),
    )
    return charts.apply_house_style(figure, height=320)


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def measure_map(
    snap: Snapshot,
    sel: Filters,
    *,
    measure: str,
    scheme: str,
    basemap: bool,
    part: str | None = None,
) -> go.Figure:
    """The Kaart's choropleth of ``measure`` per area in classes of ``scheme`` (of the
    areas shown: the ``part`` zoomed on, or the whole)."""
    level, areas = map_areas(snap, sel.level, part)
    sel = sel.at_level(level)
    table = queries.area_measures(snap, sel)
    label = aggregate.MEASURES[measure]
    return charts.choropleth(
        areas,
        table[measure],
        title=label.capitalize(),
        label=label,
        n=table["count"],
        scheme=scheme,
        decimals=0 if measure == "count" else 1,
        basemap=basemap,
        suppressed=measure_mask(table, measure, sel),
        features=snap.features(sel.level),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def hotspot_map(
    snap: Snapshot, sel: Filters, *, measure: str, part: str | None = None
) -> go.Figure:
    """The Kaart's hot and cold spots of ``measure`` (:func:`queries.hotspots`, of all areas
    at the level; those of ``part`` shown when zoomed). Mapped at a coarser level (too many
    areas), it shows per coarser area how many of its areas are a hotspot."""
    level, areas = map_areas(snap, sel.level, part)
    spots = queries.hotspots(snap, sel, measure)
    if level != sel.level:
        hot = spots["klasse"].astype("str").str.startswith("hotspot")
        return _flagged_map(snap, sel, hot, shown=level, areas=areas, what="die een hotspot zijn")
    return charts.hotspot_map(
        areas,
        spots["klasse"],
        title=f"Hotspots (Gi*) van {aggregate.MEASURES[measure]}",
        features=snap.features(sel.level),
    )


# --- Samenhang ---------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def bivariate_map(snap: Snapshot, sel: Filters, *, part: str | None = None) -> go.Figure:
    """Social x physical in 3x3 classes (of all areas at the level, as the regie list), without
    its class list (its legend is beside it); those of ``part`` when zoomed. Mapped at a
    coarser level (too many areas), it shows per coarser area how many of its areas are
    sociaal én fysiek hoog (the areas of the regie list)."""
    level, areas = map_areas(snap, sel.level, part)
    table = queries.pressure(snap, sel)
    if level != sel.level:
        return _flagged_map(
            snap, sel, table["beide_hoog"], shown=level, areas=areas, what="sociaal én fysiek hoog"
        )
    what = insights.rates_label(table["population"])
    figure = charts.bivariate_choropleth(
        areas,
        table["rate_sociaal"],
        table["rate_fysiek"],
        title=f"Sociaal × fysiek ({what})",
        classes=(table["klasse_sociaal"], table["klasse_fysiek"]),
        features=snap.features(sel.level),
    )
    return charts.without_class_list(figure)


@st.cache_resource(show_spinner=False)
def bivariate_legend() -> go.Figure:
    """The 3x3 legend of :func:`bivariate_map`."""
    return charts.bivariate_legend()


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def quadrant(snap: Snapshot, sel: Filters) -> go.Figure:
    """The areas by social and physical rate, the first five of the regie list circled."""
    table = queries.pressure(snap, sel)
    what = insights.rates_label(table["population"])
    return charts.quadrant_scatter(
        table.dropna(subset=["rate_sociaal", "rate_fysiek"]),
        x="rate_sociaal",
        y="rate_fysiek",
        x_title=f"sociaal ({what})",
        y_title=f"fysiek ({what})",
        title=f"{fmt_level(sel.level, plural=True).capitalize()} naar sociaal en fysiek",
        highlight=insights.regie_areas(table).index[:5].tolist(),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def cluster_map(snap: Snapshot, sel: Filters, *, part: str | None = None) -> go.Figure:
    """The bivariate Moran clusters of social x physical (of all areas at the level; those of
    ``part`` shown when zoomed). Mapped at a coarser level (too many areas), it shows per
    coarser area how many of its areas lie in a hoog-hoog cluster."""
    level, areas = map_areas(snap, sel.level, part)
    table = queries.pressure(snap, sel)
    if level != sel.level:
        high = table["cluster_sociaal_fysiek"].astype("object") == "hoog-hoog"
        return _flagged_map(
            snap, sel, high, shown=level, areas=areas, what="in een hoog-hoogcluster"
        )
    return charts.cluster_map(
        areas,
        table["cluster_sociaal_fysiek"],
        title="Clusters (bivariate Moran)",
        features=snap.features(sel.level),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def correlation_heatmap(snap: Snapshot, sel: Filters) -> go.Figure:
    """Rank correlations between the themes (:func:`queries.correlations`)."""
    rho, p = queries.correlations(snap, sel)
    return charts.correlation_heatmap(rho, p, title="Rangcorrelatie (Spearman) tussen thema's")


# --- Trends ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def trend(snap: Snapshot, sel: Filters, *, code: str | None, by: str) -> go.Figure:
    """Signals per month per ``by`` group in the municipality or area ``code`` at the
    selected level, with the municipality's scaled average for an area."""
    series, reference = queries.trend_series(snap, sel, code=code, by=by)
    where = snap.areas_at(sel.level)["name"][code] if code else "de hele gemeente"
    return charts.trend_chart(
        series,
        color=by,
        title=f"Signalen per maand in {where}",
        reference=reference,
        small_below=small_below(sel),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def year_on_year(snap: Snapshot, sel: Filters, *, code: str | None) -> go.Figure:
    """Each year's months of all signals of the selection beside each other."""
    total, _ = queries.trend_series(snap, sel, code=code, by=None)
    return charts.year_on_year_chart(total, title="Jaar op jaar", small_below=small_below(sel))


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def seasonality(snap: Snapshot, sel: Filters, *, code: str | None) -> go.Figure:
    """The average of each calendar month of all signals of the selection."""
    total, _ = queries.trend_series(snap, sel, code=code, by=None)
    return charts.seasonality_chart(total, title="Seizoenspatroon", small_below=small_below(sel))


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def emerging_map(snap: Snapshot, sel: Filters) -> go.Figure:
    """The emerging hot spot class per area (:func:`queries.emerging`; call it only when
    there are classes). Mapped at a coarser level (too many areas), it shows per coarser
    area how many of its areas have a hot spot pattern (the classes the page's table
    counts)."""
    level, areas = map_areas(snap, sel.level, None)
    spots, _ = queries.emerging(snap, sel)
    if level != sel.level:
        hot = spots["klasse"].astype("str").str.endswith("hotspot")
        return _flagged_map(snap, sel, hot, shown=level, areas=areas, what="met een hotspotpatroon")
    return charts.emerging_map(
        areas,
        spots["klasse"],
        title="Patroon van hotspots over de maanden",
        features=snap.features(sel.level),
    )


# --- Afhandeling --------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def lead_times(snap: Snapshot, sel: Filters, *, norm_days: float) -> go.Figure:
    """Median and 90th percentile lead time of the 15 largest themes against the norm."""
    by_theme = queries.lead_times(snap, sel, norm_days=norm_days, by="theme")
    return charts.leadtime_chart(
        by_theme.reset_index().head(15),
        norm_days=norm_days,
        title="Doorlooptijd per thema (mediaan en 90e percentiel)",
    )


# --- an area's profile -------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def profile_trend(snap: Snapshot, sel: Filters, *, code: str, level: str) -> go.Figure:
    """The area's signals per month and domain with the municipality's scaled average."""
    series, reference = queries.profile_series(snap, sel, code=code, level=level)
    return charts.trend_chart(
        series,
        color="domain",
        title="Signalen per maand",
        reference=reference,
        small_below=small_below(sel),
    )


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def neighbours_map(snap: Snapshot, sel: Filters, *, code: str, level: str) -> go.Figure:
    """The area and its neighbours by rate per 1,000 (by count without population)."""
    table = queries.area_measures(snap, sel.at_level(level))
    shown = [code, *queries.neighbour_table(snap, sel, code=code, level=level)["Code"]]
    measure = "per_1000" if snap.has_population else "count"
    return charts.choropleth(
        snap.web_areas(level).loc[shown],
        table[measure].reindex(shown),
        title="Dit gebied en de buren",
        label=aggregate.MEASURES[measure],
        n=shown_counts(table["count"], sel),
        highlight=code,
        height=320,
        features=snap.features(level),
    )
