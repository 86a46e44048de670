"""What a Parquet store version derives from its cube for the dashboard's queries, written at
commit inside the version (so it is part of the same atomic switch), the folder store's
counterparts of the PostgreSQL store's ``cube_dims``, ``cube_areas`` and ``cube_area_months``:

``cube_dims.parquet``
    the cube summed over the areas, per row of the other dimensions and ``located`` (whether
    the area is one, not a sentinel): a few thousand rows, from which every cut that neither
    shows nor picks areas is summed, and the lists of months, domains, themes and channels.
``cube_areas.parquet``
    the cube's distinct area codes.
``cube_area_months.parquet``
    the cube summed per area, month and domain, in month order and in small row groups (a cut
    to a period reads only its months): what a cut by those three at most, filtered on nothing
    else, is summed from (the maps, area comparisons and hot spots of the default view: about
    a seventh of the cube's rows for ten million signals).

Summing counts and cell keys (modulo 256) is associative, so every cut of a rollup equals that
cut of the cube. A version without these files (written before them) is read from the cube
(:class:`regie_analytics.engine.DuckDBEngine` checks which it has) and gets them with its next
new version. A new version hard-links them from the previous one where its cube is the same
file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from regie_analytics import tempfiles
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    CUBE_DIMENSIONS,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
)

CUBE_DIMS_FILE = "cube_dims.parquet"
"""The cube summed over the areas (with ``located``)."""
CUBE_AREAS_FILE = "cube_areas.parquet"
"""The cube's distinct area codes."""
AREA_MONTHS_FILE = "cube_area_months.parquet"
"""The cube summed per area, month and domain."""
ROLLUP_FILES = (CUBE_DIMS_FILE, CUBE_AREAS_FILE, AREA_MONTHS_FILE)
"""A version's rollups of its cube (all or none)."""

DIMS_COLUMNS = tuple(c for c in CUBE_DIMENSIONS if c != AREA_CODE)
"""The dimensions of ``cube_dims.parquet`` (besides ``located``): the cube's but the area."""
AREA_MONTH_COLUMNS = (AREA_CODE, MONTH, DOMAIN)
"""The dimensions of ``cube_area_months.parquet``."""
ROW_GROUP_ROWS = 65_536
"""Rows per row group of ``cube_area_months.parquet``: a period's cut skips the others' groups
by their minimum and maximum month."""
DUCKDB_MEMORY = "1GB"
"""DuckDB's memory limit while writing (it spills to a temporary folder beyond)."""


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copyfile(source, target)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _connect(spill: str):  # type: ignore[no-untyped-def]
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    con.execute(f"SET temp_directory = {_literal(Path(spill))}")
    con.execute("SET preserve_insertion_order = false")  # only the ORDER BYs matter
    return con


def write_rollups(folder: Path, *, previous: Path | None = None) -> None:
    """Write version ``folder``'s rollups of its ``cube.parquet`` (see the module docstring):
    hard links to ``previous``'s where its cube is the same file, else summed by DuckDB from
    the cube. Nothing without a cube file."""
    cube = folder / "cube.parquet"
    if not cube.exists():
        return
    if (
        previous is not None
        and _same_file(cube, previous / "cube.parquet")
        and all((previous / name).exists() for name in ROLLUP_FILES)
    ):
        for name in ROLLUP_FILES:
            _link(previous / name, folder / name)
        return
    source = f"read_parquet({_literal(cube)})"
    sentinels = ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(SENTINEL_AREAS))
    dims = ", ".join(f'"{c}"' for c in DIMS_COLUMNS)
    months = ", ".join(f'"{c}"' for c in AREA_MONTH_COLUMNS)
    sums = (
        f'CAST(SUM("{COUNT}") AS BIGINT) AS "{COUNT}", '
        f'CAST(SUM("{CELL_KEY}") % 256 AS BIGINT) AS "{CELL_KEY}"'
    )
    options = f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    statements = {
        CUBE_DIMS_FILE: (
            f'SELECT "{AREA_CODE}" NOT IN ({sentinels}) AS "located", {dims}, {sums} '
            f'FROM {source} GROUP BY ALL ORDER BY {dims}, "located"'
        ),
        CUBE_AREAS_FILE: (f'SELECT DISTINCT "{AREA_CODE}" FROM {source} ORDER BY "{AREA_CODE}"'),
        AREA_MONTHS_FILE: (
            f"SELECT {months}, {sums} FROM {source} GROUP BY ALL "
            f'ORDER BY "{MONTH}", "{AREA_CODE}", "{DOMAIN}"'
        ),
    }
    with tempfile.TemporaryDirectory(prefix=tempfiles.prefix("rollup")) as spill:
        con = _connect(spill)
        try:
            for name, select in statements.items():
                target = folder / name
                con.execute(f"COPY ({select}) TO {_literal(target)} {options}")
                _fsync(target)
        finally:
            con.close()
