"""A small national case for the PostgreSQL tests: CBS-style boundaries of two gemeenten (with
the real 2016 wijken of three), generated signals on them, imported through the command line
into a store in a schema of its own."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from regie_analytics import geo
from regie_analytics.demo import national
from tests.conftest import ROOT, CliResult, cli

WIJKEN = ROOT / "tests" / "data" / "wijken_2016_three_gemeenten.geojson"


def schema_url(pg_url: str, schema: str) -> str:
    """The store URL of ``schema`` in the test database."""
    return f"{pg_url}?options=-csearch_path%3D{schema}"


def two_gemeenten(folder: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """The boundaries file of GM0233 and GM0243 (seed 3) in ``folder``, and its areas."""
    boundaries = national.write_national_boundaries(
        folder / "b.gpkg", seed=3, gemeenten=["GM0233", "GM0243"], wijken=WIJKEN
    )
    return boundaries, geo.load_boundaries(boundaries)


def signals(
    areas: gpd.GeoDataFrame, out: Path, *, rows: int, seed: int = 0, months: int = 12
) -> Path:
    """``rows`` generated signals over ``months`` months on ``areas``, written to ``out``."""
    return national.national_signals(areas, rows=rows, months=months, seed=seed, out=out)


def imported(
    url: str,
    file: Path,
    *,
    boundaries: Path | None = None,
    source: str | None = None,
    check: bool = True,
) -> CliResult:
    """Import ``file`` (with its mapping) into the store at ``url``; the first import names
    the ``boundaries``; ``source``: as signals of that source (their numbers new there).
    With ``check`` the import must succeed."""
    extra = ("--boundaries", str(boundaries)) if boundaries is not None else ()
    if source is not None:
        extra = (*extra, "--source", source)
    done = cli(
        "import", file, "--mapping", national.mapping_file(file), "--preset", "generic",
        *extra, "--store", url,
    )  # fmt: skip
    if check:
        assert done.code == 0, done.err
    return done
