"""The tables and monthly series the pages draw from the cube: signals per domain and month,
theme rates per area, the regie-opgave, an area against the municipality, emerging hot spots
and an area's themes next to its parent and the whole."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import aggregate, cellkey, stats
from regie_analytics.cellkey import PTable
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    DOMAIN,
    DOMAINS,
    MONTH,
    SENTINEL_AREAS,
    InputError,
)


def _located(cube: pd.DataFrame) -> pd.DataFrame:
    """The cube's rows in an area: a cut without ``area_code`` holds only those already
    (see :func:`regie_analytics.engine.cube_cut`)."""
    if AREA_CODE not in cube.columns:
        return cube
    return cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]


def domain_monthly(
    cube: pd.DataFrame,
    *,
    start: str,
    end: str,
    ptable: PTable | None = None,
    keep_keys: bool = False,
) -> pd.DataFrame:
    """Signals in areas per month and domain, for the trend line (every domain in ``cube``
    gets a line, also one without signals in the period); see :func:`aggregate.monthly`.
    ``cube`` may be a cut without ``area_code`` of the rows in an area."""
    domains = _located(cube)[DOMAIN].dropna().unique()
    period = aggregate.filter_cube(cube, start=start, end=end)  # small: cut first
    inside = _located(period)
    frame = aggregate.monthly(
        inside,
        by=DOMAIN,
        start=start,
        end=end,
        groups=domains,
        ptable=ptable,
        keep_keys=keep_keys,
    )
    return frame[frame[DOMAIN].isin(DOMAINS) & (frame[COUNT] >= 0)]


def theme_matrix(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per area (rows) and theme (columns): rate per 1,000 inhabitants where population is
    known, else the count (perturbed with ``ptable``). Themes with fewer than 20 signals in
    all are left out. ``level_areas``: ``geo.areas_at_level(areas, level)`` when the caller
    has it (not dissolved again)."""
    if level_areas is None:
        level_areas = aggregate.geo.areas_at_level(areas, level)
    wide = aggregate.wide_counts(
        cube, areas, level=level, by="theme", ptable=ptable, level_areas=level_areas
    )
    wide = wide.loc[:, wide.sum() >= 20]
    pop = aggregate.rate_population(level_areas["population"]).astype("float64")
    if pop.notna().any():  # stats.rate_per_1000 for every theme at once
        wide = wide.div(pop.where(pop > 0), axis=0) * 1000.0
    wide.columns.name = None
    return wide


def regie(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    pressure: pd.DataFrame,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """The regie-opgave per area: departments involved, spread of the work, and the score
    combining it with the samenhangsindex (see :func:`stats.regie_opgave`); with ``ptable``
    from the perturbed counts per department."""
    long = aggregate.roll_up(cube, areas, level=level, by=("department",), ptable=ptable)
    result = stats.regie_opgave(long, samenhang=pressure["samenhangsindex"])
    return result.join(pressure[["name"]], how="left")


def area_series(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    code: str | None,
    start: str,
    end: str,
    by: str | None = DOMAIN,
    ptable: PTable | None = None,
    keep_keys: bool = False,
    level_areas: pd.DataFrame | None = None,
    whole: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Monthly counts for the municipality (``code`` None) or one area, and for an area a
    reference: the municipality's count scaled to the area's share of inhabitants (or of
    areas when population is unknown), i.e. what the area would have at the average rate.
    With ``ptable`` every monthly count is perturbed, the reference too (see
    :func:`aggregate.monthly` for ``keep_keys``). ``level_areas``: see :func:`theme_matrix`.

    ``whole``: the municipality's cube for the reference when ``cube`` holds only some
    areas' rows (the area's, cut in the engine); either may be a cut without ``area_code``
    of the rows in an area (``cube`` only without ``code``)."""
    inside = _located(cube)
    options: dict[str, Any] = {"start": start, "end": end, "ptable": ptable}
    if code is None:
        return aggregate.monthly(inside, by=by, keep_keys=keep_keys, **options), None
    mine = inside.loc[inside[AREA_CODE].isin(aggregate.member_codes(areas, level, code))]
    series = aggregate.monthly(mine, by=by, keep_keys=keep_keys, **options)
    located = inside if whole is None else _located(whole)
    total = aggregate.monthly(located, by=None, **options).set_index(MONTH)[COUNT]
    if level_areas is None:
        level_areas = aggregate.geo.areas_at_level(areas, level)
    population = level_areas["population"]
    if population.notna().any() and population.get(code, np.nan) == population.get(code):
        share = float(population[code] / population.sum())
    else:
        share = 1.0 / len(level_areas)
    return series, (total * share).rename("gemiddelde gemeente")


def flagged_per_part(flags: pd.Series, parts: pd.Series) -> pd.DataFrame:
    """How many areas of each part (a coarser area) are flagged: the statistics of a fine
    level summed up for a map of the coarser level, so the map shows what the page's tables
    count.

    Parameters
    ----------
    flags
        True/False per area (indexed by area code); missing counts as False.
    parts
        The part each area lies in (area code -> code of the coarser area).

    Returns
    -------
    DataFrame indexed by the parts' codes (sorted) with ``gebieden`` (areas in the part) and
    ``gemarkeerd`` (of them flagged).
    """
    flagged = flags.set_axis(flags.index.astype("str")).reindex(parts.index.astype("str"))
    frame = pd.DataFrame(
        {"part": parts.to_numpy(), "flag": flagged.fillna(False).astype(bool).to_numpy()}
    )
    grouped = frame.groupby("part", sort=True)["flag"]
    out = pd.DataFrame({"gebieden": grouped.size(), "gemarkeerd": grouped.sum()})
    out.index.name = AREA_CODE
    return out.astype("int64")


def emerging(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    w: Any,
    end: str,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """Emerging hot spot classes per area from the monthly Gi* up to ``end`` (of perturbed
    monthly counts with ``ptable``).

    Raises :class:`InputError` (Dutch) when the months with signals up to ``end`` span fewer
    than :data:`stats.MIN_MONTHS_TRENDS` months.
    """
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    long = aggregate.roll_up(inside, areas, level=level, by=(MONTH,), ptable=ptable)
    long[MONTH] = long[MONTH].astype("str")
    long = long.loc[long[MONTH] <= end]
    span = len(aggregate.month_range(long[MONTH].min(), end)) if len(long) else 0
    if span < stats.MIN_MONTHS_TRENDS:
        raise InputError(
            f"voor het patroon van hotspots in de tijd zijn minstens {stats.MIN_MONTHS_TRENDS} "
            f"maanden met signalen nodig; deze selectie heeft er {span}.",
            hint="importeer meer maanden, of kies een selectie die verder terug gaat.",
        )
    return stats.emerging_hotspots(long, w, seed=0)


_PARENT_LEVEL = {"buurt": "wijk", "wijk": "stadsdeel", "gebied": "stadsdeel"}
"""The level :func:`theme_comparison` compares an area of a level with (its parent's)."""


def _siblings(areas: pd.DataFrame, level: str, code: str) -> tuple[str, pd.Index] | None:
    """The parent level of ``level`` and the areas at ``level`` that share ``code``'s parent
    (``code`` among them), None without a parent level."""
    parent_level = _PARENT_LEVEL.get(level)
    if not parent_level or parent_level not in aggregate.geo.available_levels(areas):
        return None
    parents = aggregate.geo.parent_code_map(areas, parent_level)
    if level == aggregate.geo.available_levels(areas)[0]:
        return parent_level, pd.Index(parents.index[parents == parents.get(code)])
    buurt_parent = aggregate.geo.parent_code_map(areas, level)
    wijk_of_parent = parents.groupby(buurt_parent).first()
    return parent_level, pd.Index(wijk_of_parent.index[wijk_of_parent == wijk_of_parent.get(code)])


def comparison_codes(areas: pd.DataFrame, *, level: str, code: str) -> list[str]:
    """The finest-level area codes whose rows :func:`theme_comparison` of ``code`` reads
    besides its ``whole``: the area's and its siblings' (sorted)."""
    found = _siblings(areas, level, code)
    shown = [code] if found is None else [code, *found[1].astype(str)]
    if level == aggregate.geo.available_levels(areas)[0]:
        return sorted(set(shown))
    parents = aggregate.geo.parent_code_map(areas, level)
    return sorted(parents.index[parents.isin(shown).to_numpy()].astype(str))


def theme_comparison(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    code: str,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
    whole: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per domain and theme: the area's count and rate next to its parent and the whole.

    Rates are per 1,000 inhabitants where population is known, else counts per area
    (the parent's and the municipality's averages per area of this level). Columns:
    ``domain``, ``theme``, ``aantal``, ``gebied``, ``wijk`` (parent, when there is one),
    ``gemeente``, ``index`` (area against municipality, 100 = average). With ``ptable`` the
    counts of the area, its parent and the municipality are each perturbed as cells of their
    own, and the rates computed from them. ``level_areas``: see :func:`theme_matrix`.

    ``whole``: the municipality's counts per domain and theme (a cut of the rows in an area:
    ``domain``, ``theme``, ``count``, ``cell_key``) when ``cube`` holds only some areas' rows
    (at least those of :func:`comparison_codes`, cut in the engine): the same figures.
    """
    if level_areas is None:
        level_areas = aggregate.geo.areas_at_level(areas, level)
    long = aggregate.roll_up(cube, areas, level=level, by=(DOMAIN, "theme"), keep_keys=True)

    def per_area(value: str) -> pd.DataFrame:
        return (
            long.pivot_table(
                index=AREA_CODE, columns=[DOMAIN, "theme"], values=value, aggfunc="sum"
            )
            .reindex(level_areas.index)
            .fillna(0)
            .astype("int64")
        )

    wide = per_area(COUNT)
    keys = per_area(CELL_KEY) if ptable is not None else wide
    summed = None
    if whole is not None:  # every domain and theme with rows in an area, as the whole cube's
        summed = whole.groupby([DOMAIN, "theme"], observed=True)[[COUNT, CELL_KEY]].sum()
        if not summed.index.difference(wide.columns).empty:
            columns = wide.columns.union(summed.index)
            wide = wide.reindex(columns=columns, fill_value=0)
            keys = keys.reindex(columns=columns, fill_value=0)
        summed = summed.reindex(wide.columns, fill_value=0)
    population = level_areas["population"]
    use_pop = bool(population.notna().any() and population.get(code, 0) > 0)
    denom = population if use_pop else pd.Series(1.0, index=level_areas.index)
    scale = 1000.0 if use_pop else 1.0
    # rates of fewer than MIN_POPULATION inhabitants are not shown (unreliable, and a small
    # count could be read back from them)
    smallest = aggregate.MIN_POPULATION if use_pop else 0

    def published(counts: pd.Series, key_sums: pd.Series) -> pd.Series:
        return counts if ptable is None else cellkey.perturb(counts, key_sums, ptable=ptable)

    def counted(codes: pd.Index) -> pd.Series:
        """The themes' counts of these areas together, as published."""
        return published(wide.loc[codes].sum(), keys.loc[codes].sum())

    def per_people(counts: pd.Series, codes: pd.Index) -> pd.Series:
        people = float(denom.loc[codes].sum())
        return counts / (people if people >= smallest else np.nan) * scale

    def rate(codes: pd.Index) -> pd.Series:
        return per_people(counted(codes), codes)

    own = pd.Index([code])
    out = pd.DataFrame({"aantal": counted(own), "gebied": rate(own)})
    found = _siblings(areas, level, code)
    if found is not None:
        parent_level, siblings = found
        out[parent_level] = rate(siblings.intersection(wide.index))
    if summed is None:
        out["gemeente"] = rate(wide.index)
    else:  # the same sums from the whole's rows (every row in an area lies in a level area)
        out["gemeente"] = per_people(published(summed[COUNT], summed[CELL_KEY]), wide.index)
    out["index"] = (100 * out["gebied"] / out["gemeente"].where(out["gemeente"] > 0)).round(0)
    rate_columns = [c for c in ("gebied", "wijk", "stadsdeel", "gemeente") if c in out.columns]
    out[rate_columns] = out[rate_columns].round(1)
    out = out.reset_index().rename(columns={"theme": "theme"})
    return out.sort_values(["domain", "aantal"], ascending=[True, False]).reset_index(drop=True)
