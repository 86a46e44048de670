"""The pages' computations, cached: each takes the store snapshot, the (hashable) filters and
the page's options, and its cache key is those arguments themselves (the snapshot by its
version key, :data:`data.BY_KEY`). A rerun with the same selection is served from the cache
and a filter change computes once.

What runs from the first month to the period's end (series, emerging hotspots) is called with
``sel.until_end``, so another period with the same end computes nothing new.

With "Kleine aantallen verbergen" on (``Filters.private``, the default) every computation is
done on perturbed counts (the cell-key method, :data:`privacy.PTABLE`): counts, rates, shares,
location quotients, statistics and the figures built from them, so the browser never receives
an exact count; small published counts read "<5". Off, the analyst sees exact counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics import aggregate, insights, privacy, stats
from regie_analytics import engine as engines
from regie_analytics.cellkey import PTable
from regie_analytics.formatting import fmt_int, fmt_month
from regie_analytics.insights.level_jumps import JUMP_COLUMNS, jumps_name, level_jumps
from regie_analytics.schema import (
    AREA_CODE,
    CLASSIFIED_DOMAINS,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    MONTH,
    THEME,
    InputError,
)
from regie_analytics.snapshot import Snapshot
from regie_analytics.stats.progress import report
from regie_analytics.ui import background
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters
from regie_analytics.ui.lead_queries import lead_time_by_area as lead_time_by_area
from regie_analytics.ui.lead_queries import lead_time_cut as lead_time_cut
from regie_analytics.ui.lead_queries import lead_time_cuts as lead_time_cuts
from regie_analytics.ui.lead_queries import lead_times as lead_times
from regie_analytics.ui.views import area_name, expected_counts, shown_counts


def ptable(sel: Filters) -> PTable | None:
    """The p-table of the selection's computations: protected unless the analyst chose exact
    counts."""
    return privacy.PTABLE if sel.private else None


# --- the cube cut to the filters -----------------------------------------------------------------


def engine_cut(
    snap: Snapshot,
    start: str | None,
    end: str | None,
    domains: tuple[str, ...] | None,
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    by: tuple[str, ...] = (AREA_CODE, DOMAIN),
    located: bool = False,
    area_codes: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The cube cut to the months from ``start`` to ``end`` (None: open) and the filters
    (``domains`` None: every domain; no themes or channels: all), summed per ``by`` in the
    store's engine (:func:`engine.cube_cut`; ``located``: only rows in an area;
    ``area_codes``: only these finest-level areas). Not cached and not calling Streamlit: for
    background jobs; a page uses :func:`cube_cut`."""
    return engines.cube_cut(
        snap.engine,
        by=by,
        start=start,
        end=end,
        domains=domains,
        themes=themes or None,
        channels=channels or None,
        area_codes=area_codes,
        located=located,
        categories={column: snap.categories(column) for column in by if column != MONTH},
    )


@st.cache_resource(show_spinner=False, max_entries=48, hash_funcs=BY_KEY)
def cube_cut(
    snap: Snapshot,
    start: str | None,
    end: str | None,
    domains: tuple[str, ...] | None,
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    by: tuple[str, ...] = (AREA_CODE, DOMAIN),
    located: bool = False,
    area_codes: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """:func:`engine_cut`, queried once and shared by every computation of it: do not change
    it."""
    return engine_cut(snap, start, end, domains, themes, channels, by, located, area_codes)


PAIRED_CUTS = ((AREA_CODE, THEME), (AREA_CODE, DEPARTMENT))
"""The cuts of Samenhang (theme correlations, regie-opgave): summed in one read of the cube
where both read it (:func:`engine.cube_cuts`), as with a channel chosen."""


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=BY_KEY)
def _paired_cuts(snap: Snapshot, *cut: Any) -> tuple[pd.DataFrame, ...]:
    """:func:`cube_cut` per each of :data:`PAIRED_CUTS` of ``cut`` (``start``, ``end``,
    ``domains``, ``themes``, ``channels``: a level or protection changes none), queried once
    and shared: do not change them."""
    choices = dict(zip(("start", "end", "domains", "themes", "channels"), cut, strict=True))
    categories = {c: snap.categories(c) for c in (AREA_CODE, THEME, DEPARTMENT)}
    choices.update(themes=choices["themes"] or None, channels=choices["channels"] or None)
    return tuple(engines.cube_cuts(snap.engine, bys=PAIRED_CUTS, categories=categories, **choices))


def _paired(snap: Snapshot, sel: Filters, index: int) -> pd.DataFrame:
    return _paired_cuts(snap, sel.start, sel.end, sel.domains, sel.themes, sel.channels)[index]


def _cube(
    snap: Snapshot,
    sel: Filters,
    *,
    by: tuple[str, ...],
    period: bool = True,
    start: str | None = None,
    end: str | None = None,
    located: bool = False,
    area_codes: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """:func:`cube_cut` of the selection summed per ``by``: the period's months (without
    ``period`` the months from ``start`` to ``end``, None: open)."""
    if period:
        start, end = sel.start, sel.end
    return cube_cut(
        snap, start, end, sel.domains, sel.themes, sel.channels, by, located, area_codes
    )


def _series(
    snap: Snapshot, sel: Filters, *, code: str | None, level: str, by: str | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    """:func:`insights.area_series` of the selection from the first month to the period's
    end: the municipality's, or the area's (its rows cut in the engine) with the
    municipality's scaled average."""
    columns = (MONTH,) if by is None else (MONTH, by)
    whole = _cube(snap, sel, by=columns, period=False, located=True)
    options: dict[str, Any] = {"start": snap.months[0], "end": sel.end, "by": by}
    options.update(ptable=ptable(sel), level_areas=snap.areas_at(level))
    if code is None:
        return insights.area_series(whole, snap.areas, level=level, code=None, **options)
    members = tuple(aggregate.member_codes(snap.areas, level, code))
    mine = _cube(snap, sel, by=(AREA_CODE, *columns), period=False, area_codes=members)
    return insights.area_series(mine, snap.areas, level=level, code=code, whole=whole, **options)


# --- Overzicht, Kaart, Samenhang ---------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def overview(snap: Snapshot, sel: Filters) -> insights.Overview | None:
    """The Overzicht figures for the selection (None when there are no signals in areas)."""
    table = pressure(snap, sel)  # shared with the Samenhang page
    if int(table["totaal"].sum()) == 0:
        return None
    first, last = aggregate.previous_period(sel.start, sel.end)
    # the two periods cut apart in the engine; the data reach back if the first month has any
    before = _cube(snap, sel, by=(AREA_CODE, DOMAIN), period=False, start=first, end=last)
    reaches = _cube(snap, sel, by=(MONTH,), period=False, start=first, end=first)
    return insights.overview(
        _cube(snap, sel, by=(AREA_CODE, DOMAIN)),
        snap.areas,
        start=sel.start,
        end=sel.end,
        level=sel.level,
        w=snap.weights(sel.level),
        pressure=table,
        selected=sel.domains,
        available=tuple(snap.domains),
        ptable=ptable(sel),
        level_areas=snap.areas_at(sel.level),
        before=before,
        has_previous=not reaches.empty,
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def signals_in_areas(snap: Snapshot, sel: Filters) -> int:
    """How many signals of the selection lie in an area (0: see :func:`empty_reason`)."""
    return int(_cube(snap, sel, by=(), located=True)[COUNT].sum())


def empty_reason(snap: Snapshot, sel: Filters) -> tuple[str, str]:
    """Why the selection has no signals in areas, and what to do (see
    :func:`insights.empty_reason`)."""
    return insights.empty_reason(
        cube_cut(snap, None, None, None, (), (), (AREA_CODE,)),
        start=sel.start,
        end=sel.end,
        domains=sel.domains,
        boundaries=str(snap.manifest.get("boundaries", {}).get("file", "")),
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def area_measures(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """Counts and every map measure per area for the selection."""
    whole = cube_cut(snap, sel.start, sel.end, None, (), ())  # every signal of the period
    return aggregate.area_table(
        _cube(snap, sel, by=(AREA_CODE, DOMAIN)),
        snap.areas,
        level=sel.level,
        whole=whole,
        ptable=ptable(sel),
        level_areas=snap.areas_at(sel.level),
    )


def area_download(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """The protected area table of the selection, whatever ``sel.private``: the Kaart page's
    download and, with small counts hidden, its table on screen; one cache entry for both
    settings of "Kleine aantallen verbergen" (switching it computes nothing new)."""
    return _area_download(snap, sel.protected)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def _area_download(snap: Snapshot, protected: Filters) -> pd.DataFrame:
    """:func:`area_download` of a protected selection."""
    from regie_analytics import report

    return report.area_download(
        _cube(snap, protected, by=(AREA_CODE, DOMAIN)),
        snap.areas,
        level=protected.level,
        table=area_measures(snap, protected),
    )


def hotspots(snap: Snapshot, sel: Filters, measure: str) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots of a measure (seeded, FDR-corrected; an area with
    fewer than :data:`stats.MIN_REPORTED_COUNT` signals is never a hotspot), computed once
    in the background (:func:`background.computed`: the page shows its progress)."""
    column = "per_1000_eb" if measure == "per_1000" else measure
    table = area_measures(snap, sel)
    return background.computed(
        ("hotspots", snap.key, sel, measure),
        lambda: stats.hotspots(
            table[column], snap.weights(sel.level), seed=0, counts=table["count"]
        ),
        label=f"Hotspots berekenen voor {fmt_int(len(table))} gebieden",
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def pressure(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """Per area: measures and the social x physical samenhang statistics."""
    table = insights.pressure_table(
        _cube(snap, sel, by=(AREA_CODE, DOMAIN)),
        snap.areas,
        level=sel.level,
        w=snap.weights(sel.level),
        ptable=ptable(sel),
        level_areas=snap.areas_at(sel.level),
    )
    if sel.private:  # the compared rates reach the browser (scatter): as precise as shown
        table[["rate_sociaal", "rate_fysiek"]] = table[["rate_sociaal", "rate_fysiek"]].round(1)
    return table


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def correlations(snap: Snapshot, sel: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman correlations of theme rates across areas, with p-values."""
    matrix = insights.theme_matrix(
        _paired(snap, sel, 0),
        snap.areas,
        level=sel.level,
        ptable=ptable(sel),
        level_areas=snap.areas_at(sel.level),
    )
    return stats.theme_correlations(matrix)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def regie(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """The regie-opgave per area (departments, spread, score)."""
    return insights.regie(
        _paired(snap, sel, 1),
        snap.areas,
        level=sel.level,
        pressure=pressure(snap, sel),
        ptable=ptable(sel),
    )


def _emerging_job(
    snap: Snapshot, sel: Filters
) -> tuple[tuple[Any, ...], Callable[[], tuple[pd.DataFrame, str | None]], str]:
    """The background job of :func:`emerging`: its key, computation (of the cube cut in the
    engine in the job, not in the script run) and Dutch label."""
    level_areas = snap.areas_at(sel.level)
    table = ptable(sel)

    def compute() -> tuple[pd.DataFrame, str | None]:
        cube = engine_cut(
            snap, None, sel.end, sel.domains, sel.themes, sel.channels, (AREA_CODE, MONTH)
        )
        report(0.0)  # gives way to a page run in progress (background._give_way)
        w = snap.weights(sel.level)
        try:
            spots = insights.emerging(
                cube, snap.areas, level=sel.level, w=w, end=sel.end, ptable=table
            )
        except InputError as exc:  # too few months: no trend analysis possible
            text = str(exc)
            return pd.DataFrame({"klasse": pd.Series(dtype="str")}), text[:1].upper() + text[1:]
        return spots, None

    label = f"Hotspots in de tijd berekenen voor {fmt_int(len(level_areas))} gebieden"
    return ("emerging", snap.key, sel), compute, label


def emerging(snap: Snapshot, sel: Filters) -> tuple[pd.DataFrame, str | None]:
    """Emerging hot spot classes per area (new, intensifying, persistent, ...) from every
    month up to the period's end (call it with ``sel.until_end``), or an empty frame and the
    Dutch reason why there are none (too few months). Computed once per selection in the
    background (:func:`background.waited`; shared with :func:`emerging_pending`): do not
    change it."""
    key, compute, label = _emerging_job(snap, sel)
    return background.waited(key, compute, label=label)


def emerging_pending(snap: Snapshot, sel: Filters) -> tuple[pd.DataFrame, str | None] | None:
    """:func:`emerging` when ready soon, else None while the page shows its progress
    (:func:`background.pending`): for a page where it is a side note."""
    key, compute, label = _emerging_job(snap, sel)
    return background.pending(key, compute, label=label)


# --- jumps -------------------------------------------------------------------------------------


def _jumps_job(
    snap: Snapshot, level: str, private: bool
) -> tuple[tuple[Any, ...], Callable[[], pd.DataFrame], str]:
    """The background job of :func:`jumps_all`: its key, computation (the ones stored with
    the version where the store keeps them, else from the cube cut in the engine in the job,
    not in the script run, shared by every level and protection) and Dutch label."""
    parents = None if level == snap.levels[0] else snap.parent_codes(level)

    def compute() -> pd.DataFrame:
        stored = getattr(snap.engine, "stored_result", None)
        found = None if stored is None else stored(jumps_name(level, private))
        if found is not None:
            return found
        cube = snap.shared(
            "jumps", None, lambda: engine_cut(snap, None, None, None, (), (), JUMP_COLUMNS, True)
        )
        report(0.0)  # gives way to a page run in progress (background._give_way)
        return level_jumps(cube, parents, private)

    label = f"Sprongen zoeken in {fmt_int(len(snap.areas_at(level)))} gebieden"
    return ("jumps", snap.key, level, private), compute, label


def jumps_all(snap: Snapshot, level: str, private: bool) -> pd.DataFrame:
    """Anomalies per area, theme and month over all channels (once per store, level and
    protection: with it, of the perturbed counts), computed in the background
    (:func:`background.waited`, shared with :func:`warm_up` and :func:`jumps_pending`): do
    not change it."""
    key, compute, label = _jumps_job(snap, level, private)
    return background.waited(key, compute, label=label)


def _split_job(snap: Snapshot) -> tuple[tuple[Any, ...], Callable[[], None], str]:
    """The warm-up job that reads once what the engine's cuts by area need beyond the rows
    (PostgreSQL's ``prepare``: the version's signals per area, which split a cut by area in
    two statements of about as many signals each, and the digests of its levels; 0.1 s at
    national scale, kept by the engine), so that the first cut by area of a page does not
    wait for it."""
    prepare: Callable[[], None] | None = getattr(snap.engine, "prepare", None)
    return (("area_split", snap.key), prepare or (lambda: None), "Gebieden verdelen")


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=BY_KEY)
def warm_up(snap: Snapshot) -> bool:
    """Start once per store version what each area level needs beyond its geometry and
    weights (loaded with the snapshot): the jumps per area, theme and month of every level
    and protection, one after another in one background thread of low priority
    (:func:`background.one_by_one`). ``app.py`` calls this after the page has been drawn; it
    returns at once, so neither the first visitor nor the script run waits, and a page that
    needs a job not yet started starts it at once. First the engine's split of the areas in
    two halves (:func:`_split_job`)."""
    jobs = [
        _split_job(snap),
        *(
            _jumps_job(snap, level, private)
            for private in (True, False)  # protected first: every new session starts protected
            for level in snap.levels
        ),
    ]
    background.one_by_one(("warm_up", snap.key), jobs)
    return True


def _period_jumps(snap: Snapshot, sel: Filters, found: pd.DataFrame) -> pd.DataFrame:
    """The jumps of the selection's period and filters among ``found``, largest first."""
    if found.empty:
        return found
    mask = (found[MONTH] >= sel.start) & (found[MONTH] <= sel.end)
    mask &= found[DOMAIN].isin(sel.domains)
    if sel.themes:
        mask &= found[THEME].isin(sel.themes)
    found = found.loc[mask]
    if found.empty:
        return pd.DataFrame()
    found = found.assign(ratio=found[COUNT] / found["expected"].clip(lower=0.5))
    found = found.sort_values(["p", "ratio"], ascending=[True, False]).head(8)
    return pd.DataFrame(
        {
            "Gebied": [area_name(snap, sel.level, code) for code in found[AREA_CODE]],
            "Thema": found[THEME].to_numpy(),
            "Maand": [fmt_month(m) for m in found[MONTH]],
            "Aantal": shown_counts(found[COUNT], sel).to_numpy(),
            "Verwacht": expected_counts(found["expected"]).to_numpy(),
        }
    )


def jumps(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """Months in the period where an area's theme count jumped far above its seasonal
    baseline (a count-data test, see :func:`stats.anomalies`), largest first."""
    return _period_jumps(snap, sel, jumps_all(snap, sel.level, sel.private))


def jumps_pending(snap: Snapshot, sel: Filters) -> pd.DataFrame | None:
    """:func:`jumps` when ready soon, else None while the page shows the progress of its
    computation (:func:`background.pending`): for a page where the jumps are a side note."""
    key, compute, label = _jumps_job(snap, sel.level, sel.private)
    found = background.pending(key, compute, label=label)
    return None if found is None else _period_jumps(snap, sel, found)


# --- an area's profile -------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def profile_comparison(snap: Snapshot, sel: Filters, *, code: str, level: str) -> pd.DataFrame:
    """Per domain and theme: the area against its parent and the municipality (protected:
    small counts as "<5", without the area's rate and index)."""
    # the area's and its siblings' rows and the whole's sums, cut in the engine (not every
    # area's: a national store has tens of thousands)
    codes = tuple(insights.comparison_codes(snap.areas, level=level, code=code))
    table = insights.theme_comparison(
        _cube(snap, sel, by=(AREA_CODE, DOMAIN, THEME), area_codes=codes),
        snap.areas,
        level=level,
        code=code,
        ptable=ptable(sel),
        level_areas=snap.areas_at(level),
        whole=_cube(snap, sel, by=(DOMAIN, THEME), located=True),
    )
    if not sel.private:
        return table
    shown = shown_counts(table["aantal"], sel)
    small = shown.map(lambda v: isinstance(v, str))
    return table.assign(
        aantal=shown,
        gebied=table["gebied"].where(~small),
        index=table["index"].where(~small),
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def profile_series(
    snap: Snapshot, sel: Filters, *, code: str, level: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """The area's monthly counts per domain from the first month to the period's end (call
    it with ``sel.until_end``), and the municipality's average scaled to the area."""
    return _series(snap, sel, code=code, level=level, by=DOMAIN)


def neighbour_table(snap: Snapshot, sel: Filters, *, code: str, level: str) -> pd.DataFrame:
    """The area's neighbours (queen contiguity) with their signals and rate."""
    codes = stats.neighbours(snap.areas_at(level), code, w=snap.weights(level))
    table = area_measures(snap, sel.at_level(level)).reindex(codes)
    rates = table["per_1000"]
    if sel.private:  # no rate next to a "<5"
        rates = privacy.suppress_rates(
            rates,
            numerators=table["totaal"],
            population=table["population"],
            threshold=privacy.label_threshold(),
        )
    return pd.DataFrame(
        {
            "Code": codes,
            "Gebied": table["name"].to_numpy(),
            "Signalen": shown_counts(table["totaal"], sel).to_numpy(),
            "Per 1.000": rates.round(1).to_numpy(),
        }
    )


# --- trends ----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def domain_trend(snap: Snapshot, sel: Filters) -> pd.DataFrame:
    """Signals per month and domain from the first month to the period's end (call it with
    ``sel.until_end.municipal``: neither the period's start nor the area level matter)."""
    return insights.domain_monthly(
        _cube(snap, sel, by=(MONTH, DOMAIN), period=False, located=True),
        start=snap.months[0],
        end=sel.end,
        ptable=ptable(sel),
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def trend_series(
    snap: Snapshot, sel: Filters, *, code: str | None, by: str | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Monthly counts per ``by`` group (None: all together, each month a cell of its own) for
    the municipality or an area at the selected level, from the first month to the period's
    end (call it with ``sel.until_end``), with the municipality's scaled average."""
    return _series(snap, sel, code=code, level=sel.level, by=by)


# --- the council's content -----------------------------------------------------------------------


@st.cache_resource(show_spinner="Presentatie voorbereiden…", max_entries=16, hash_funcs=BY_KEY)
def report_content(snap: Snapshot, sel: Filters, *, area: str | None = None) -> Any:
    """The council content for the selection, every count protected whatever
    ``sel.private`` (call it with ``sel.protected``); for the whole municipality at the
    selected level it takes the Overzicht's cached overview (the same protected figures)."""
    from regie_analytics import report

    protected = sel.protected
    level = protected.level if protected.level != "gemeente" else snap.levels[0]
    shared = area is None and level == protected.level and bool(protected.domains)
    return report.collect(
        snap,
        start=protected.start,
        end=protected.end,
        area=area,
        level=level,
        domains=protected.domains or CLASSIFIED_DOMAINS,
        themes=protected.themes or None,
        channels=protected.channels or None,
        overview=overview(snap, protected) if shared else None,
    )
