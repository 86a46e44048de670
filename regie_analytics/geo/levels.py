"""Area levels: which levels areas can be shown at, the parent code of every area, the dissolve
into wijken, stadsdelen or the gemeente (with names, population and area), the name of the
municipality, and population taken from another source.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.geo.bundled import _national_gemeente_names
from regie_analytics.geo.codes import code_level
from regie_analytics.geo.geometry import WGS84, _repair
from regie_analytics.schema import (
    AREA_CODE,
    AREA_KM2,
    AREA_LEVEL,
    AREA_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    LEVELS,
    POPULATION,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    WIJK_CODE,
    InputError,
)

_PARENT_COLUMN: dict[str, str] = {
    "wijk": WIJK_CODE,
    "stadsdeel": STADSDEEL_CODE,
    "gemeente": GEMEENTE_CODE,
}


def _base_level(areas: gpd.GeoDataFrame) -> str:
    present = set(areas[AREA_LEVEL].dropna().unique().tolist())  # not row by row: 14k buurten
    for level in LEVELS:
        if level in present:
            return level
    raise InputError("De gebieden hebben geen bekend niveau (buurt, wijk, gemeente of gebied).")


def available_levels(areas: gpd.GeoDataFrame) -> list[str]:
    """Area levels these areas can be shown at, finest first (e.g. buurt, wijk, gemeente)."""
    base = _base_level(areas)
    rows = (areas[AREA_LEVEL] == base).to_numpy()  # the columns needed, not a copy of all
    levels = [base]
    for level in LEVELS[LEVELS.index(base) + 1 :]:
        parent = _PARENT_COLUMN.get(level)
        if parent is not None and areas[parent].notna().to_numpy()[rows].all():
            levels.append(level)
    return levels


def _check_level(areas: gpd.GeoDataFrame, level: str) -> str:
    if level not in LEVELS:
        raise InputError(
            f"Onbekend gebiedsniveau '{level}'.",
            hint=f"Kies een van: {', '.join(LEVELS)}.",
        )
    available = available_levels(areas)
    if level not in available:
        hint = "Kies een van de beschikbare niveaus."
        if level == "stadsdeel":
            hint = "Voeg de kolommen stadsdeel_code en stadsdeel_naam toe aan het gebiedsbestand."
        raise InputError(
            f"Het niveau '{level}' is niet beschikbaar voor deze gebieden; "
            f"beschikbaar: {', '.join(available)}.",
            hint=hint,
        )
    return available[0]


def parent_code_map(areas: gpd.GeoDataFrame, level: str) -> pd.Series:
    """The code at ``level`` of every finest-level area, indexed by its ``area_code``."""
    base = _check_level(areas, level)
    rows = (areas[AREA_LEVEL] == base).to_numpy()
    if level == base:
        codes = areas.index[rows]
        return pd.Series(codes, index=codes, name=AREA_CODE, dtype="str")
    column = _PARENT_COLUMN[level]
    return areas[column].loc[rows].astype("str").rename(column)


def _unique_or_missing(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Per group the single non-missing value, or missing when there is none or several."""
    frame = pd.DataFrame({"value": values.to_numpy(), "group": groups.to_numpy()})
    counts = frame.groupby("group")["value"].nunique()
    first = frame.dropna().groupby("group")["value"].first().reindex(counts.index)
    return first.where(counts == 1).astype("str")


def _level_name(level: str, code: str, stadsdeel_name: object, gemeente_name: object) -> str:
    if level == "wijk":
        part = code[6:] if code_level(code) == "wijk" else code
        if isinstance(stadsdeel_name, str):
            return f"Wijk {part} ({stadsdeel_name})"
        return f"Wijk {part}"
    if level == "stadsdeel":
        return stadsdeel_name if isinstance(stadsdeel_name, str) else code
    if isinstance(gemeente_name, str):
        return gemeente_name
    return _national_gemeente_names().get(code, code)


def _gemeente_names(rows: pd.DataFrame) -> pd.Series:
    """The gemeente names the boundaries file gave (a store written before they were kept
    has none)."""
    if GEMEENTE_NAME in rows.columns:
        return rows[GEMEENTE_NAME]
    return pd.Series(np.nan, index=rows.index, dtype="str")


def municipality_name(areas: gpd.GeoDataFrame) -> str | None:
    """The name of the one municipality these areas lie in (``"Alkmaar"``): from the
    boundaries file, else the national list; None for areas of several municipalities or
    without CBS codes."""
    codes = set(areas[GEMEENTE_CODE].dropna())
    if len(codes) != 1:
        return None
    names = set(_gemeente_names(areas).dropna())
    if len(names) == 1:
        return str(names.pop())
    code = str(codes.pop())
    return _national_gemeente_names().get(code, code)


def areas_at_level(
    areas: gpd.GeoDataFrame, level: str, *, dissolved: gpd.GeoSeries | None = None
) -> gpd.GeoDataFrame:
    """Areas at ``level``: the finest areas themselves, or their dissolve into wijken,
    stadsdelen or the gemeente.

    Population is summed (all missing stays missing), ``area_km2`` summed. Raises
    :class:`InputError` when the level is not available for these areas. A caller that needs
    it more than once keeps it (the dashboard's :class:`~regie_analytics.snapshot.Snapshot`).
    ``dissolved``: the geometry of this dissolve by code, as stored with the boundaries
    (:mod:`regie_analytics.geo.stored`); used when it holds exactly the level's codes, else
    the areas are dissolved.
    """
    base = _check_level(areas, level)
    rows = areas[areas[AREA_LEVEL] == base]
    if level == base:
        return rows.copy()
    key_column = _PARENT_COLUMN[level]
    keys = rows[key_column].astype("str")
    if dissolved is None or not pd.Index(dissolved.index.astype("str")).equals(
        pd.Index(np.sort(keys.unique()))
    ):
        dissolved = _dissolve(rows.geometry, keys)
    index = pd.Index(dissolved.index.astype("str"), name=AREA_CODE)
    grouped = pd.DataFrame(
        {
            POPULATION: rows[POPULATION].to_numpy(),
            AREA_KM2: rows[AREA_KM2].to_numpy(),
            "key": keys.to_numpy(),
        }
    ).groupby("key", sort=True)
    population = grouped[POPULATION].sum(min_count=1).reindex(index)
    area = grouped[AREA_KM2].sum(min_count=1).reindex(index)

    columns: dict[str, pd.Series] = {}
    order = ("wijk", "stadsdeel", "gemeente")
    for other in order:
        column = _PARENT_COLUMN[other]
        if other == level:
            columns[column] = pd.Series(index, index=index, dtype="str")
        elif order.index(other) < order.index(level):
            columns[column] = pd.Series(np.nan, index=index, dtype="str")
        else:
            columns[column] = _unique_or_missing(rows[column], keys).reindex(index)
    if level == "stadsdeel" or order.index(level) < order.index("stadsdeel"):
        sd_name = _unique_or_missing(rows[STADSDEEL_NAME], keys).reindex(index)
    else:
        sd_name = pd.Series(np.nan, index=index, dtype="str")
    gm_name = _unique_or_missing(_gemeente_names(rows), keys).reindex(index)
    names = [
        _level_name(level, code, sd, gm)
        for code, sd, gm in zip(index, sd_name.to_numpy(), gm_name.to_numpy(), strict=True)
    ]

    return gpd.GeoDataFrame(
        {
            AREA_NAME: pd.Series(names, index=index, dtype="str"),
            AREA_LEVEL: pd.Series(level, index=index),
            WIJK_CODE: columns[WIJK_CODE],
            STADSDEEL_CODE: columns[STADSDEEL_CODE],
            STADSDEEL_NAME: sd_name,
            GEMEENTE_CODE: columns[GEMEENTE_CODE],
            GEMEENTE_NAME: gm_name,
            POPULATION: population.astype("float64"),
            AREA_KM2: area.astype("float64"),
        },
        geometry=dissolved.to_numpy(),
        index=index,
        crs=WGS84,
    )


def level_size(areas: gpd.GeoDataFrame, level: str) -> int:
    """How many areas :func:`areas_at_level` has at ``level``, without dissolving their
    geometry (the store's summary counts them for every level)."""
    base = _check_level(areas, level)
    rows = areas[areas[AREA_LEVEL] == base]
    if level == base:
        return len(rows)
    return int(rows[_PARENT_COLUMN[level]].astype("str").nunique())


def _dissolve(geometry: gpd.GeoSeries, keys: pd.Series) -> gpd.GeoSeries:
    """The union of ``geometry`` (WGS84) per key, sorted by key and made valid: the geometry
    of :func:`areas_at_level` above the finest level."""
    frame = gpd.GeoDataFrame({"key": keys.to_numpy()}, geometry=geometry.to_numpy(), crs=WGS84)
    dissolved = frame.dissolve(by="key", sort=True).geometry
    return gpd.GeoSeries(_repair(dissolved.to_numpy()), index=dissolved.index, crs=WGS84)


def with_population(areas: gpd.GeoDataFrame, population: pd.Series) -> gpd.GeoDataFrame:
    """A copy of ``areas`` with ``population`` from a Series indexed by ``area_code``.

    Areas missing from ``population`` (and negative values) get NaN.
    """
    duplicated = population.index[population.index.duplicated()]
    if len(duplicated):
        raise InputError(
            "Het inwonertal staat meer dan eens in de invoer voor: "
            f"{', '.join(map(str, duplicated[:5]))}.",
            column=POPULATION,
            hint="Geef per gebied precies één inwonertal.",
        )
    values = pd.to_numeric(population, errors="coerce")
    bad = values.isna() & population.notna()
    if bad.any():
        raise InputError(
            f"Inwonertal is geen getal voor gebied {bad.index[bad][0]}.",
            column=POPULATION,
            hint="Gebruik alleen hele getallen zonder punten of spaties.",
        )
    values = values.astype("float64").set_axis(population.index.astype("str"))
    out = areas.copy()
    out[POPULATION] = values.where(values >= 0).reindex(areas.index.astype("str")).to_numpy()
    return out
