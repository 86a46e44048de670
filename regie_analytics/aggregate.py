"""Cube roll-ups, filters, comparisons and lead times.

The cube (see :mod:`regie_analytics.schema`) holds counts per buurt x month x domain x theme x
channel x department x source. Everything the dashboard shows is a roll-up of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from regie_analytics import geo
from regie_analytics.schema import (
    AREA_CODE,
    CHANNEL,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
    SOURCE,
    THEME,
    InputError,
)

GROUPINGS: tuple[str, ...] = (DOMAIN, THEME, MONTH, CHANNEL, DEPARTMENT, SOURCE)
"""Columns a roll-up can be split by (``--by``)."""


def filter_cube(
    cube: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    domains: Iterable[str] | None = None,
    themes: Iterable[str] | None = None,
    channels: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of the cube within months ``start``..``end`` (``YYYY-MM``, inclusive) and choices.

    ``None`` means no restriction; an empty list selects nothing.
    """
    mask = pd.Series(True, index=cube.index)
    if start is not None:
        mask &= cube[MONTH] >= start
    if end is not None:
        mask &= cube[MONTH] <= end
    for column, values in ((DOMAIN, domains), (THEME, themes), (CHANNEL, channels)):
        if values is not None:
            mask &= cube[column].isin(list(values))
    if sources is not None:
        mask &= cube[SOURCE].isin(list(sources))
    return cube.loc[mask]


def roll_up(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    by: Sequence[str] = (),
    include_empty_areas: bool = False,
) -> pd.DataFrame:
    """Sum the cube per area at ``level`` and the ``by`` columns.

    Rows outside every area or without location are left out (they belong to no area).

    Returns
    -------
    DataFrame with ``area_code`` (the code at ``level``), the ``by`` columns and ``count``.
    With ``include_empty_areas`` (and no ``by``), areas without signals get a row with 0.
    """
    unknown = [b for b in by if b not in GROUPINGS]
    if unknown:
        raise InputError(
            f"onbekende indeling: {', '.join(unknown)}.",
            hint=f"kies uit: {', '.join(GROUPINGS)}.",
        )
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    if level == "buurt":
        codes = inside[AREA_CODE]
    else:
        mapping = geo.parent_code_map(areas, level)
        codes = inside[AREA_CODE].map(mapping)
    frame = inside.assign(**{AREA_CODE: codes.to_numpy()})
    keys = [AREA_CODE, *by]
    out = frame.groupby(keys, observed=True, sort=True)[COUNT].sum().reset_index()
    out[COUNT] = out[COUNT].astype("int64")
    if include_empty_areas and not by:
        all_codes = geo.areas_at_level(areas, level).index
        out = (
            out.set_index(AREA_CODE)[COUNT]
            .reindex(all_codes, fill_value=0)
            .rename_axis(AREA_CODE)
            .reset_index()
        )
    return out


def counts_by_area_domain(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str = "buurt"
) -> pd.DataFrame:
    """Counts per area (rows, indexed by area code, all areas) and domain (columns), with
    ``totaal``."""
    long = roll_up(cube, areas, level=level, by=(DOMAIN,))
    wide = long.pivot_table(
        index=AREA_CODE, columns=DOMAIN, values=COUNT, aggfunc="sum", fill_value=0
    )
    index = geo.areas_at_level(areas, level).index
    wide = wide.reindex(index, fill_value=0)
    for domain in ("fysiek", "sociaal", "overig"):
        if domain not in wide.columns:
            wide[domain] = 0
    wide = wide[["fysiek", "sociaal", "overig"]].astype("int64")
    wide["totaal"] = wide.sum(axis=1)
    wide.columns.name = None
    return wide


def months_in(cube: pd.DataFrame) -> list[str]:
    """Sorted distinct months in the cube."""
    return sorted(cube[MONTH].dropna().unique().tolist())
