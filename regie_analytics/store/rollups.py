"""What a Parquet store version derives from its cube and signals for the dashboard's queries,
written at commit inside the version (so it is part of the same atomic switch), the folder
store's counterparts of the PostgreSQL store's ``cube_dims``, ``cube_areas``,
``cube_area_months`` and ``signal_leads``:

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
``cube_months/month=YYYY-MM/*.parquet``
    the cube's rows, a file per month: what the other cuts by area (a theme or channel
    chosen, by theme or department) read, so that a cut to a period reads only its months'
    files (the cube file is in area order: every row group holds every month). Partitioned,
    not sorted: a sort of ten million signals' cube costs seconds more at commit.
``leads/part-NNNNN/_month=YYYY-MM/*.parquet``
    per signal part (``signals/part-NNNNN.parquet``) each signal's lead time in microseconds
    (:data:`regie_analytics.engine.LEAD_TIME_SQL`, computed by the same engine as from the
    signals: the same values) with the columns the lead-time queries filter and group by
    (:data:`regie_analytics.engine.LEAD_COLUMNS`), a file per month received: what
    :func:`regie_analytics.engine.lead_time_cut` reads instead of the signals (a period's
    cut skips the other months' files by their times received).

Summing counts and cell keys (modulo 256) is associative, so every cut of a rollup equals that
cut of the cube. A version without these files (written before them) is read from the cube and
the signals (:class:`regie_analytics.engine.DuckDBEngine` checks which it has) and gets them
with its next new version. A new version hard-links them from the previous one where what they
are derived from is the same file (an unchanged cube, a carried-over signal part).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    CUBE_DIMENSIONS,
    DOMAIN,
    MONTH,
    RECEIVED_AT,
    SENTINEL_AREAS,
)

CUBE_DIMS_FILE = "cube_dims.parquet"
"""The cube summed over the areas (with ``located``)."""
CUBE_AREAS_FILE = "cube_areas.parquet"
"""The cube's distinct area codes."""
AREA_MONTHS_FILE = "cube_area_months.parquet"
"""The cube summed per area, month and domain."""
CUBE_MONTHS_FILE = "cube_months"
"""The cube's rows a file per month (a folder; the cube file is in area order)."""
ROLLUP_FILES = (CUBE_DIMS_FILE, CUBE_AREAS_FILE, AREA_MONTHS_FILE, CUBE_MONTHS_FILE)
"""A version's rollups of its cube (all or none)."""
LEADS_FOLDER = "leads"
"""The folder of a version's lead-time parts (one per signal part, of the same name)."""

DIMS_COLUMNS = tuple(c for c in CUBE_DIMENSIONS if c != AREA_CODE)
"""The dimensions of ``cube_dims.parquet`` (besides ``located``): the cube's but the area."""
AREA_MONTH_COLUMNS = (AREA_CODE, MONTH, DOMAIN)
"""The dimensions of ``cube_area_months.parquet``."""
ROW_GROUP_ROWS = 65_536
"""Rows per row group of the month-ordered files: a period's cut skips the others' groups by
their minimum and maximum month (or time received)."""
DUCKDB_MEMORY = "1GB"
"""DuckDB's memory limit while writing (it spills to a temporary folder beyond)."""


def leads_path(signals_rel: str) -> str:
    """The lead-time folder of a signal part (``signals/part-00001.parquet`` ->
    ``leads/part-00001``)."""
    return f"{LEADS_FOLDER}/{Path(signals_rel).stem}"


def partition_files(folder: Path) -> list[Path] | None:
    """The Parquet files of a folder written by :func:`_partitioned` (sorted), None where
    there is no such folder (a version written before it)."""
    if not folder.is_dir():
        return None
    return sorted(folder.glob("*/*.parquet"))


def _partitioned(con: Any, select: str, target: Path, *, by: str, keep: bool) -> None:
    """Write the rows of ``select`` into folder ``target``, a file per value of column ``by``
    (``by=value/data_0.parquet``; the column kept in the files with ``keep``), staged next to
    it and renamed when complete and flushed."""
    staged = target.with_name(target.name + ".tmp")
    shutil.rmtree(staged, ignore_errors=True)
    con.execute(
        f'COPY ({select}) TO {_literal(staged)} (FORMAT parquet, PARTITION_BY ("{by}"), '
        f"WRITE_PARTITION_COLUMNS {'true' if keep else 'false'}, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
    staged.mkdir(exist_ok=True)  # no rows: no files, an empty folder
    for path in staged.rglob("*.parquet"):
        _fsync(path)
    os.replace(staged, target)


def _link_tree(source: Path, target: Path) -> None:
    """Hard links in ``target`` to every file of folder ``source`` (its folders made)."""
    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir():
            (target / rel).mkdir(parents=True, exist_ok=True)
        else:
            _link(path, target / rel)


def _link_any(source: Path, target: Path) -> None:
    if source.is_dir():
        _link_tree(source, target)
    else:
        _link(source, target)


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
    con.execute("SET preserve_insertion_order = false")  # nothing here needs the order
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
            _link_any(previous / name, folder / name)
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
    with tempfile.TemporaryDirectory(prefix="regie-rollup-") as spill:
        con = _connect(spill)
        try:
            for name, select in statements.items():
                target = folder / name
                con.execute(f"COPY ({select}) TO {_literal(target)} {options}")
                _fsync(target)
            _partitioned(
                con, f"SELECT * FROM {source}", folder / CUBE_MONTHS_FILE, by=MONTH, keep=True
            )
        finally:
            con.close()


def write_leads(folder: Path, signal_parts: Iterable[str], *, previous: Path | None = None) -> None:
    """Write the lead-time part of each of version ``folder``'s ``signal_parts`` (paths
    relative to it; see the module docstring): a hard link to ``previous``'s where the
    signal part is the same file, else computed by DuckDB from the signal part."""
    from regie_analytics.engine import LEAD_COLUMNS, LEAD_TIME_SQL, LEAD_US

    parts = list(signal_parts)
    if not parts:
        return
    (folder / LEADS_FOLDER).mkdir(exist_ok=True)
    todo: list[str] = []
    for rel in parts:
        target = folder / leads_path(rel)
        if target.exists():
            continue
        old = previous / leads_path(rel) if previous is not None else None
        if (
            previous is not None
            and old is not None
            and old.exists()
            and _same_file(folder / rel, previous / rel)
        ):
            _link_tree(old, target)
        else:
            todo.append(rel)
    if not todo:
        return
    columns = ", ".join(
        f'{LEAD_TIME_SQL} AS "{LEAD_US}"' if c == LEAD_US else f'"{c}"' for c in LEAD_COLUMNS
    )
    with tempfile.TemporaryDirectory(prefix="regie-leads-") as spill:
        con = _connect(spill)
        try:
            for rel in todo:
                month = f'strftime("{RECEIVED_AT}", \'%Y-%m\') AS "_month"'
                select = f"SELECT {columns}, {month} FROM read_parquet({_literal(folder / rel)})"
                _partitioned(con, select, folder / leads_path(rel), by="_month", keep=False)
        finally:
            con.close()


def signal_parts(manifest: dict[str, object]) -> list[str]:
    """The signal parts of a version's ``manifest`` (paths relative to its folder)."""
    imports = manifest.get("imports", [])
    assert isinstance(imports, list)
    return [
        imp["parts"]["signals"]
        for imp in imports
        if isinstance(imp, dict) and "signals" in imp.get("parts", {})
    ]


def write_derived_tables(
    folder: Path, manifest: dict[str, object], *, previous: Path | None = None
) -> None:
    """Everything a version derives from its cube and signals for the queries: its rollups
    (:func:`write_rollups`) and its signal parts' lead times (:func:`write_leads`)."""
    write_rollups(folder, previous=previous)
    write_leads(folder, signal_parts(manifest), previous=previous)
