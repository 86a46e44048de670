"""The lead-time (doorlooptijd) computations of the pages, cached as those of
:mod:`regie_analytics.ui.queries` (which names them too): the Afhandeling page's three tables
from one engine statement per filter (:func:`lead_time_cuts`), an area's table (Buurtprofiel)
from a cut of its own. With "Kleine aantallen verbergen" on, the counts are perturbed (the
cell-key method) as every other count."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics import aggregate, lead_sql, privacy
from regie_analytics.cellkey import PTable
from regie_analytics.schema import AREA_CODE, THEME
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters


def ptable(sel: Filters) -> PTable | None:
    """The p-table of the selection's computations (as :func:`queries.ptable`)."""
    return privacy.PTABLE if sel.private else None


# shared, not copied (never changed): a national cut has 14,000 rows to pickle per rerun
@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def lead_time_cut(
    snap: Snapshot,
    start: str,
    end: str,
    domains: tuple[str, ...],
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    *,
    norm_days: float,
    by: str | None,
    area_codes: tuple[str, ...] | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """The selection's lead times summed in the engine (:func:`engine.lead_time_cut`) per
    ``by`` column, or with ``level`` per area at that level (in areas only); shared by both
    protections and every area level a page does not group by; no rows for a store of
    counts only."""
    if not snap.has_signals:
        return pd.DataFrame(columns=list(lead_sql.LEAD_TIME_CUT_COLUMNS))
    grouping = lead_sql.LeadGrouping(by=by) if level is None else _lead_grouping(snap, level)
    return snap.read(
        lambda: lead_sql.lead_time_cuts(
            snap.engine,
            [grouping],
            norm_days=norm_days,
            start=start,
            end=end,
            domains=domains,
            themes=themes or None,
            channels=channels or None,
            area_codes=area_codes,
        )[0]
    )


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=BY_KEY)
def _lead_grouping(snap: Snapshot, level: str) -> lead_sql.LeadGrouping:
    """The grouping of lead times per area at ``level`` (in areas only): the finest level's
    areas themselves, a coarser level's by their areas' parents (mapped in the engine). Kept
    per version and level (never changed): the same mapping object each run, which the
    engine recognises without comparing it again (``PostgresEngine._level_of``)."""
    if level == snap.levels[0]:
        return lead_sql.LeadGrouping(by=AREA_CODE, located=True)
    parents = snap.parent_codes(level).dropna()
    groups = dict(zip(parents.index.astype("str"), parents.astype("str"), strict=True))
    return lead_sql.LeadGrouping(by=None, groups=groups)


# shared, not copied (never changed): a national cut has 14,000 rows to pickle per rerun
@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def lead_time_cuts(
    snap: Snapshot,
    start: str,
    end: str,
    domains: tuple[str, ...],
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    *,
    norm_days: float,
    level: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The selection's lead times summed in the engine all together, per theme and per area at
    ``level`` (:func:`lead_time_cut` with ``by`` None, ``by`` theme and ``level``), in one
    statement (:func:`engine.lead_time_cuts`: the signals filtered once): what the
    Afhandeling page shows; shared by both protections."""
    if not snap.has_signals:
        empty = pd.DataFrame(columns=list(lead_sql.LEAD_TIME_CUT_COLUMNS))
        return empty, empty, empty
    key = (snap.key, start, end, domains, themes, channels, float(norm_days))
    with _LEVEL_FREE_LOCK:
        known = _LEVEL_FREE.get(key)
    groupings = [] if known is not None else [lead_sql.LeadGrouping(by=None), THEME_GROUPING]
    cuts = snap.read(
        lambda: lead_sql.lead_time_cuts(
            snap.engine,
            [*groupings, _lead_grouping(snap, level)],
            norm_days=norm_days,
            start=start,
            end=end,
            domains=domains,
            themes=themes or None,
            channels=channels or None,
        )
    )
    if known is None:
        known = (cuts[0], cuts[1])
        with _LEVEL_FREE_LOCK:
            _LEVEL_FREE[key] = known
            while len(_LEVEL_FREE) > 64:
                del _LEVEL_FREE[next(iter(_LEVEL_FREE))]
    return known[0], known[1], cuts[-1]


THEME_GROUPING = lead_sql.LeadGrouping(by=THEME)
"""The lead times per theme (see :func:`lead_time_cuts`)."""

_LEVEL_FREE: dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame]] = {}
"""The overall and per-theme lead-time cuts :func:`lead_time_cuts` computed last (at most 64,
oldest first out), by snapshot key, filter and norm: another area level computes only its
areas' cut (read only; shared by every session, as the cached functions are)."""
_LEVEL_FREE_LOCK = threading.Lock()


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def lead_times(
    snap: Snapshot,
    sel: Filters,
    *,
    norm_days: float,
    by: str | None,
    code: str | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Lead times of the selection per ``by`` group (or overall), for the whole municipality
    or one area (``code``, at ``level``: by default the level it belongs to). All together
    and per theme for the whole municipality come from :func:`lead_time_cuts` (with the
    selection's level: the Afhandeling page's three tables from one statement)."""
    if code is None and by in (None, THEME) and sel.level in snap.levels:
        cuts = lead_time_cuts(
            snap,
            sel.start,
            sel.end,
            sel.domains,
            sel.themes,
            sel.channels,
            norm_days=norm_days,
            level=sel.level,
        )
        cut = cuts[0] if by is None else cuts[1]
    else:
        members = None
        if code is not None:
            members = tuple(aggregate.member_codes(snap.areas, level or snap.level_of(code), code))
        cut = lead_time_cut(
            snap,
            sel.start,
            sel.end,
            sel.domains,
            sel.themes,
            sel.channels,
            norm_days=norm_days,
            by=by,
            area_codes=members,
        )
    if not snap.has_signals:  # counts only: no lead times at all
        return pd.DataFrame()
    return aggregate.lead_times_of_cut(cut, by=by, ptable=ptable(sel))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def lead_time_by_area(snap: Snapshot, sel: Filters, *, norm_days: float) -> pd.DataFrame:
    """Lead times per area at the selected level, slowest first (areas with fewer than 20
    closed signals left out)."""
    cut = lead_time_cuts(
        snap,
        sel.start,
        sel.end,
        sel.domains,
        sel.themes,
        sel.channels,
        norm_days=norm_days,
        level=sel.level,
    )[2]
    table = aggregate.lead_times_of_cut(cut, by="gebied", ptable=ptable(sel))
    table = table.loc[table["afgesloten"] >= aggregate.MIN_CLOSED_FOR_MEDIAN].sort_values(
        "mediaan_dagen", ascending=False
    )
    table.insert(0, "Gebied", table.index.map(snap.areas_at(sel.level)["name"]))
    return table.reset_index(drop=True)
