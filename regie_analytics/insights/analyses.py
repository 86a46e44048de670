"""One analysis as a flat table (``python -m regie_analytics analyse``): hot spots,
samenhang, regie, trends or anomalies, and what a reader of that table must know."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from regie_analytics import aggregate, stats
from regie_analytics.insights.captions import empty_reason, samenhang_gap, size_ranking_note
from regie_analytics.insights.pressure import compares_rates, default_measure, pressure_table
from regie_analytics.insights.tables import emerging, regie
from regie_analytics.schema import (
    ANALYSES,
    AREA_CODE,
    COUNT,
    DOMAINS,
    MONTH,
    SENTINEL_AREAS,
    InputError,
)


def run_analysis(
    kind: str,
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    domain: str | None = None,
    theme: str | None = None,
    measure: str | None = None,
    seed: int = 0,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """One analysis of :data:`ANALYSES` as a flat table with an ``area_code`` column.

    ``hotspots`` tests ``measure`` (``count``, ``per_1000``, ``per_km2``, ``lq``; default
    :func:`default_measure`) of the signals in ``domain``/``theme``; ``samenhang`` relates the
    social and physical rates of those signals, with ``waarom`` (why an area scores as it
    does, or has no index); ``regie`` adds the spread over departments; ``trends`` gives the
    emerging hot spot class per area; ``anomalies`` one row per area, theme and month that
    lies far outside its seasonal baseline. Raises :class:`InputError` (Dutch) for an
    unknown analysis, measure, level, domain or theme.
    """
    if kind not in ANALYSES:
        raise InputError(f"onbekende analyse '{kind}'.", hint=f"kies uit {', '.join(ANALYSES)}.")
    measure = measure or default_measure(areas)
    if measure not in aggregate.MEASURES:
        raise InputError(
            f"onbekende maat '{measure}'.", hint=f"kies uit {', '.join(aggregate.MEASURES)}."
        )
    if measure == "per_1000" and not compares_rates(areas["population"]):
        raise InputError(
            "de maat 'per_1000' vraagt inwonertallen, en deze grenzen hebben die niet.",
            hint="kies --measure count, per_km2 of lq.",
        )
    level_areas = aggregate.geo.areas_at_level(areas, level)
    domains = [domain] if domain else None
    themes = [theme] if theme else None
    aggregate.check_choices(cube, domains=domains, themes=themes)
    w = stats.spatial_weights(level_areas)
    period = aggregate.filter_cube(cube, start=start, end=end)
    selected = aggregate.filter_cube(period, domains=domains, themes=themes)
    if int(selected.loc[~selected[AREA_CODE].isin(SENTINEL_AREAS), COUNT].sum()) == 0:
        months = aggregate.months_in(period if len(period) else cube)
        message, hint = empty_reason(
            cube,
            start=start or (months[0] if months else "-"),
            end=end or (months[-1] if months else "-"),
            domains=domains or DOMAINS,
            boundaries="",
        )
        raise InputError(message, hint=hint)
    if kind == "hotspots":
        table = aggregate.area_table(selected, areas, level=level, whole=period)
        # rates are tested smoothed (empirical Bayes), so small areas do not dominate
        column = "per_1000_eb" if measure == "per_1000" else measure
        result = stats.hotspots(table[column], w, seed=seed, counts=table["count"])
        result.insert(0, "name", table["name"])
    elif kind == "samenhang":
        result = pressure_table(selected, areas, level=level, w=w, seed=seed)
        keep = [
            "name", "population", "fysiek", "sociaal", "rate_sociaal", "rate_fysiek",
            "samenhangsindex", "beide_hoog", "pct_sociaal", "pct_fysiek", "klasse_sociaal",
            "klasse_fysiek", "waarom", "I_sociaal_fysiek", "p_sociaal_fysiek",
            "cluster_sociaal_fysiek", "I_fysiek_sociaal", "p_fysiek_sociaal",
            "cluster_fysiek_sociaal",
        ]  # fmt: skip
        result = result[keep].assign(population=result["population"].round().astype("Int64"))
    elif kind == "regie":
        pressure = pressure_table(selected, areas, level=level, w=w, seed=seed)
        result = regie(selected, areas, level=level, pressure=pressure)
        both = pressure[["samenhangsindex", "beide_hoog"]].reindex(result.index)
        result = result.join(both.assign(beide_hoog=both["beide_hoog"].fillna(False)))
    elif kind == "trends":
        last = end or str(cube[MONTH].max())
        result = emerging(selected, areas, level=level, w=w, end=last)
        result.insert(0, "name", level_areas["name"].reindex(result.index))
    else:
        inside = selected.loc[~selected[AREA_CODE].isin(SENTINEL_AREAS)]
        long = aggregate.roll_up(inside, areas, level=level, by=(MONTH, "theme"))
        result = stats.anomalies(long)
        result.insert(1, "name", result[AREA_CODE].map(level_areas["name"]))
        return result.reset_index(drop=True)
    result.index.name = AREA_CODE
    return result.reset_index()


def analysis_notes(
    kind: str,
    result: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    selected: Sequence[str] | None = None,
    available: Sequence[str] | None = None,
) -> list[str]:
    """What a reader of :func:`run_analysis`'s table must know, in Dutch: why there is no
    samenhangsindex (``selected``/``available``: see :func:`samenhang_gap`), and that
    without population the ranking is one of size."""
    notes = []
    if kind == "samenhang":
        gap = samenhang_gap(result, selected=selected, available=available)
        if gap:
            notes.append(gap)
    if kind == "regie" and result["samenhangsindex"].isna().all():
        notes.append(
            "er is geen samenhangsindex en dus geen regiescore: de selectie heeft niet zowel "
            "sociale als fysieke signalen."
        )
    if kind in ("samenhang", "regie"):
        note = size_ranking_note(areas["population"], level=level)
        if note:
            notes.append(note)
    return notes
