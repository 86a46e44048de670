"""The boundaries that ship with the package: the default Amsterdam buurten (2022) and the
national list of gemeenten (CBS 2024), read once, with names, population and outlines.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.geo.columns import _numbers
from regie_analytics.geo.geometry import WGS84, _repair
from regie_analytics.resources import data_file
from regie_analytics.schema import AREA_CODE, AREA_NAME, POPULATION

BOUNDARIES_DIR = data_file("boundaries")
DEFAULT_BOUNDARIES: Path = BOUNDARIES_DIR / "amsterdam_buurten_2022.geojson"
"""The 518 Amsterdam buurten (2022), the default boundaries of the dashboard."""
NATIONAL_GEMEENTEN: Path = BOUNDARIES_DIR / "nl_gemeenten_2024_kerncijfers.geojson"
"""All Dutch gemeenten (2024) with CBS kerncijfers."""


@functools.lru_cache(maxsize=1)
def _national() -> gpd.GeoDataFrame:
    raw = gpd.read_file(
        NATIONAL_GEMEENTEN, columns=["gemeentecode", "gemeentenaam", "aantal_inwoners"]
    )
    frame = gpd.GeoDataFrame(
        {
            AREA_NAME: raw["gemeentenaam"].astype("str").to_numpy(),
            POPULATION: _numbers(raw["aantal_inwoners"]).to_numpy(),
        },
        geometry=_repair(np.asarray(raw.to_crs(WGS84).geometry.values)),
        index=pd.Index(raw["gemeentecode"].astype("str"), name=AREA_CODE),
        crs=WGS84,
    )
    return frame.sort_values(AREA_NAME, key=lambda names: names.str.lower())


def national_gemeenten() -> gpd.GeoDataFrame:
    """Every Dutch municipality of the bundled national list (CBS 2024), by name: ``name``,
    ``population`` and the (generalised) outline in WGS84, indexed by gemeente code."""
    return _national().copy()


def _national_gemeente_names() -> dict[str, str]:
    if not NATIONAL_GEMEENTEN.is_file():
        return {}
    return {str(k): str(v) for k, v in _national()[AREA_NAME].items()}
