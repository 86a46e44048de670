"""What a Parquet store version derives from its cube for the dashboard's queries, written at
commit inside the version (so it is part of the same atomic switch), the folder store's
counterparts of the PostgreSQL store's ``cube_dims``, ``cube_areas``, ``cube_area_months``,
``cube_area_themes`` and ``cube_area_channels``:

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
``cube_area_themes.parquet``, ``cube_area_channels.parquet``
    the cube summed per area, month, domain and theme (channel), its rows in theme (channel),
    month, area and domain order and in smaller row groups (a cut to a few themes, or one
    channel, and a period reads only their row groups): what a cut by and filtered on those
    four at most is summed from (the maps, area comparisons, hot spots and series with a theme
    or a channel chosen; about 58 % and 38 % of the cube's rows for ten million signals).
    Summed by numpy from the cube's dictionary codes, a column read at a time (a radix sort
    of two short integer keys: a DuckDB sort of the cube's text costs seconds more at commit),
    before DuckDB writes the others.

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import tempfiles
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CHANNEL,
    COUNT,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
    THEME,
)

CUBE_DIMS_FILE = "cube_dims.parquet"
"""The cube summed over the areas (with ``located``)."""
CUBE_AREAS_FILE = "cube_areas.parquet"
"""The cube's distinct area codes."""
AREA_MONTHS_FILE = "cube_area_months.parquet"
"""The cube summed per area, month and domain."""
AREA_THEMES_FILE = "cube_area_themes.parquet"
"""The cube summed per theme, month, area and domain."""
AREA_CHANNELS_FILE = "cube_area_channels.parquet"
"""The cube summed per channel, month, area and domain."""
ROLLUP_FILES = (
    CUBE_DIMS_FILE,
    CUBE_AREAS_FILE,
    AREA_MONTHS_FILE,
    AREA_THEMES_FILE,
    AREA_CHANNELS_FILE,
)
"""A version's rollups of its cube (all or none)."""

DIMS_COLUMNS = tuple(c for c in CUBE_DIMENSIONS if c != AREA_CODE)
"""The dimensions of ``cube_dims.parquet`` (besides ``located``): the cube's but the area."""
AREA_MONTH_COLUMNS = (AREA_CODE, MONTH, DOMAIN)
"""The dimensions of ``cube_area_months.parquet``."""
AREA_THEME_COLUMNS = (AREA_CODE, MONTH, DOMAIN, THEME)
"""The dimensions of ``cube_area_themes.parquet`` (its rows in theme, month, area, domain
order)."""
AREA_CHANNEL_COLUMNS = (AREA_CODE, MONTH, DOMAIN, CHANNEL)
"""The dimensions of ``cube_area_channels.parquet`` (its rows in channel, month, area, domain
order)."""
SMALL_ROW_GROUP_ROWS = 16_384
"""Rows per row group of the theme and channel rollups: a few themes' (a channel's) period
spans few groups."""
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
    # first (numpy frees its arrays at once; DuckDB's allocator keeps some memory after it)
    coded = _coded(cube, (AREA_CODE, MONTH, DOMAIN, THEME, CHANNEL))
    for name, columns in (
        (AREA_THEMES_FILE, AREA_THEME_COLUMNS),
        (AREA_CHANNELS_FILE, AREA_CHANNEL_COLUMNS),
    ):
        _write_summed(coded, columns, folder / name)
        _fsync(folder / name)
    del coded
    with tempfile.TemporaryDirectory(prefix=tempfiles.prefix("rollup")) as spill:
        con = _connect(spill)
        try:
            for name, select in statements.items():
                target = folder / name
                con.execute(f"COPY ({select}) TO {_literal(target)} {options}")
                _fsync(target)
        finally:
            con.close()


class _Coded:
    """Cube columns as sorted dictionaries and codes into them (0 for a missing value, else
    1 + the value's rank), and its counts and cell keys."""

    def __init__(
        self,
        values: dict[str, Any],
        codes: dict[str, np.ndarray],
        count: np.ndarray,
        key: np.ndarray,
    ) -> None:
        self.values = values
        self.codes = codes
        self.count = count
        self.key = key


def _coded(cube: Path, columns: Sequence[str]) -> _Coded:
    """Read ``columns`` of ``cube`` as dictionaries (one per column, its values sorted) and
    codes, with the counts and cell keys: a column at a time (little memory beside the
    codes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values: dict[str, Any] = {}
    codes: dict[str, np.ndarray] = {}
    for column in columns:
        read = pq.read_table(cube, columns=[column], read_dictionary=[column])
        read = read.unify_dictionaries()
        chunks = [
            c if pa.types.is_dictionary(c.type) else c.dictionary_encode()
            for c in read.column(column).chunks
        ]
        listed = chunks[0].dictionary.to_pylist() if chunks else []
        values[column], rank = _ranked(np.asarray(listed, dtype=object))
        parts = [
            rank.take(c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32) + 1)
            for c in chunks
        ]
        del read, chunks
        codes[column] = np.concatenate(parts) if parts else np.zeros(0, dtype=rank.dtype)
    sums = pq.read_table(cube, columns=[COUNT, CELL_KEY])
    count = sums.column(COUNT).to_numpy().astype(np.int64)
    key = sums.column(CELL_KEY).to_numpy().astype(np.int64)
    del sums
    pa.default_memory_pool().release_unused()
    return _Coded(values, codes, count, key)


def _ranked(dictionary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A column's dictionary sorted, and each dictionary position's code shifted by one
    (``rank[i + 1]``; ``rank[0] = 0`` for a missing value, else 1 + the value's rank)."""
    order = np.argsort(dictionary.astype(str), kind="stable")
    kind = np.min_scalar_type(len(order) + 1)
    rank = np.empty(len(order) + 1, dtype=kind)
    rank[0] = 0  # missing
    rank[order + 1] = np.arange(1, len(order) + 1, dtype=kind)
    return dictionary[order], rank


def _digits(coded: _Coded, columns: Sequence[str]) -> np.ndarray:
    """One integer per row ordering the rows by ``columns`` (their codes combined)."""
    width = 1
    for column in columns:
        width *= len(coded.values[column]) + 1
    kind = np.int32 if width < 2**31 else np.int64
    out: Any = np.zeros(len(coded.count), dtype=kind)
    for column in columns:
        out *= len(coded.values[column]) + 1
        out += coded.codes[column]
    return out


def _small(values: np.ndarray) -> np.ndarray:
    """``values`` (non-negative) in the smallest unsigned type that holds them: numpy's
    stable sort of 8- and 16-bit integers is a radix sort."""
    top = int(values.max()) if len(values) else 0
    return values.astype(np.min_scalar_type(top))


def _summed(
    coded: _Coded, high_columns: Sequence[str], low_columns: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cube summed per ``high_columns`` and ``low_columns`` together, its rows ordered by
    the high ones, then the low ones (each by its values' sorted order, missing first): the
    row of the first cube row of each sum, the counts and the cell keys (modulo 256)."""
    high, low = _digits(coded, high_columns), _digits(coded, low_columns)
    order = np.argsort(_small(low), kind="stable")
    high = high.take(order)
    then = np.argsort(_small(high), kind="stable")
    order = order.take(then)
    width = 1
    for column in low_columns:
        width *= len(coded.values[column]) + 1
    combined = high.take(then).astype(np.int64) * width
    del high, then
    combined += low.take(order)
    del low
    if len(combined):
        starts = np.flatnonzero(np.r_[True, combined[1:] != combined[:-1]])
        del combined
        counts = np.add.reduceat(coded.count.take(order), starts)
        keys = np.add.reduceat(coded.key.take(order), starts) % 256
    else:
        starts = np.zeros(0, dtype=np.int64)
        counts = keys = np.zeros(0, dtype=np.int64)
    return order.take(starts), counts, keys


def _write_summed(coded: _Coded, columns: Sequence[str], target: Path) -> None:
    """Write the cube summed per ``columns`` (area, month, domain and one more, ``extra``),
    its rows ordered by the extra one, the month, the area and the domain."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    first, counts, keys = _summed(coded, (columns[-1], MONTH), (AREA_CODE, DOMAIN))
    arrays: dict[str, Any] = {}
    for column in columns:
        code = coded.codes[column][first]
        dictionary = pa.array(list(coded.values[column]), pa.string())
        indices = pa.array(code.astype(np.int32) - 1, pa.int32(), mask=code == 0)
        arrays[column] = pa.DictionaryArray.from_arrays(indices, dictionary)
    arrays[COUNT] = pa.array(counts, pa.int64())
    arrays[CELL_KEY] = pa.array(keys, pa.int64())
    pq.write_table(pa.table(arrays), target, row_group_size=SMALL_ROW_GROUP_ROWS)


# -- the same from a cube in memory (the PostgreSQL store's one new cube part) ---------------
def coded_frame(cube: pd.DataFrame) -> _Coded:
    """:func:`_coded` of a cube in memory (one row per cell, as a store's cube part): the
    same dictionaries (sorted) and codes of the area, month, domain, theme, channel and
    department."""
    values: dict[str, Any] = {}
    codes: dict[str, np.ndarray] = {}
    for column in (AREA_CODE, MONTH, DOMAIN, THEME, CHANNEL, DEPARTMENT):
        series = cube[column]
        categorical = series if isinstance(series.dtype, pd.CategoricalDtype) else None
        if categorical is None:
            categorical = series.astype("category")
        dictionary = np.asarray(categorical.cat.categories, dtype=object)
        values[column], rank = _ranked(dictionary)
        codes[column] = rank.take(categorical.cat.codes.to_numpy().astype(np.int32) + 1)
    count = cube[COUNT].to_numpy().astype(np.int64)
    key = cube[CELL_KEY].to_numpy().astype(np.int64)
    return _Coded(values, codes, count, key)


def ordered(coded: _Coded, columns: Sequence[str]) -> np.ndarray:
    """The positions of the cube's rows ordered by ``columns`` (their values' sorted order,
    missing first; stable)."""
    return np.argsort(_small(_digits(coded, columns)), kind="stable")


def area_rollup(coded: _Coded, columns: Sequence[str], first: Sequence[str]) -> pd.DataFrame:
    """The cube in memory summed per ``columns`` (its dimensions as categoricals, ``count``
    and ``cell_key``), its rows ordered by the ``first`` of them, then the others in their
    order: what an SQL ``GROUP BY`` of the cube gives (a missing value a group of its own),
    without it."""
    rest = tuple(c for c in columns if c not in first)
    rows, counts, keys = _summed(coded, first, rest)
    out: dict[str, Any] = {}
    for column in columns:
        code: np.ndarray = coded.codes[column][rows].astype(np.int32) - 1
        dtype = pd.CategoricalDtype(list(coded.values[column]))
        out[column] = pd.Categorical.from_codes(code, dtype=dtype)
    return pd.DataFrame({**out, COUNT: counts, CELL_KEY: keys})
