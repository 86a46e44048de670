"""A store's summary (``info``) and where its population comes from, the same for a folder
and a database."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from regie_analytics import geo
from regie_analytics.formatting import fmt_level
from regie_analytics.schema import (
    AREA_CODE,
    COUNT,
    DOMAIN,
    MONTH,
    NO_LOCATION,
    OTHER,
    OUTSIDE,
    SENTINEL_AREAS,
)


def store_info(
    location: str, manifest: dict[str, Any], cube: pd.DataFrame, areas: gpd.GeoDataFrame
) -> dict[str, Any]:
    """The summary of a store version for ``python -m regie_analytics info`` and the Data
    page: boundaries, levels, population, taxonomy, imports and totals from the ``cube``
    (the cube itself, or the same counts summed per month and domain with every area in
    the areas lumped together: :func:`regie_analytics.engine.cube_totals`)."""
    in_area = ~cube[AREA_CODE].isin(SENTINEL_AREAS)
    return {
        "store": location,
        "leeg": False,
        "versie": manifest["version"],
        "gegenereerd": manifest.get("generated", False),
        "grenzen": manifest["boundaries"],
        "gemeente_naam": geo.municipality_name(areas),
        "niveaus": {level: geo.level_size(areas, level) for level in geo.available_levels(areas)},
        "aantal_gebieden": len(areas),
        "inwoners_bekend": bool(areas["population"].notna().any()),
        "inwoners": population_source(manifest, areas),
        "taxonomie": manifest["taxonomy"],
        "imports": [
            {k: v for k, v in imp.items() if k not in ("report", "parts")}
            for imp in manifest["imports"]
        ],
        "meldingen_totaal": int(cube[COUNT].sum()),
        "meldingen_in_gebied": int(cube.loc[in_area, COUNT].sum()),
        "buiten_gebied": int(cube.loc[cube[AREA_CODE] == OUTSIDE, COUNT].sum()),
        "zonder_locatie": int(cube.loc[cube[AREA_CODE] == NO_LOCATION, COUNT].sum()),
        "overig_domein": int(cube.loc[cube[DOMAIN] == OTHER, COUNT].sum()),
        "eerste_maand": str(cube[MONTH].min()) if len(cube) else None,
        "laatste_maand": str(cube[MONTH].max()) if len(cube) else None,
        "per_domein": {str(k): int(v) for k, v in cube.groupby(DOMAIN)[COUNT].sum().items()},
    }


def population_source(manifest: dict[str, Any], areas: gpd.GeoDataFrame) -> str:
    """Where the population of a store's areas comes from, in Dutch (see
    :func:`geo.population_text`); for a store written before that was recorded, how many
    areas have one."""
    recorded = manifest.get("boundaries", {}).get("population")
    if recorded:
        return str(recorded)
    level = geo.available_levels(areas)[0]
    rows = areas[areas["level"] == level]
    known = int(rows["population"].notna().sum())
    if known == 0:
        return "onbekend: de grenzen hebben geen inwonertallen (geen cijfers per 1.000 inwoners)"
    return (
        f"uit het grenzenbestand, bron niet vastgelegd; bekend voor {known} van de "
        f"{len(rows)} {fmt_level(level, plural=True)}"
    )
