"""Prepared records meeting the store.

Count keys and the check against what the store holds (:func:`drop_known`: duplicates, and
counts delivered again with another value), record keys from the store's secret
(:func:`with_keys`), the cube's part of an import (:func:`cube_part`, with month labels) and
stored records classified again with another taxonomy (:func:`reclassify`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from regie_analytics import cellkey, tempfiles
from regie_analytics.ingest.report import PreparedImport
from regie_analytics.ingest.staged import (
    DUCKDB_MEMORY,
    KnownRecords,
    StagedRecords,
    StoredIds,
    positions_in,
)
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CELL_KEY,
    CHANNEL,
    CLASSIFIED_DOMAINS,
    COUNT,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    GIVEN_AREA_CODE,
    MONTH,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_ID,
    SOURCE,
    SUBCATEGORY,
    THEME,
)
from regie_analytics.taxonomy import Taxonomy


def month_labels(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` of datetimes, fast: format only the distinct months."""
    months = values.to_numpy().astype("datetime64[M]")
    distinct, inverse = np.unique(months, return_inverse=True)
    labels = np.array([str(m) for m in distinct], dtype=object)
    out = pd.Series(labels[inverse.ravel()], index=values.index, dtype="str")
    return out.where(values.notna().to_numpy(), None)


def _month_categories(values: pd.Series) -> pd.Categorical:
    """``YYYY-MM`` of datetimes as a categorical: a small code per row, each month once."""
    months = values.to_numpy().astype("datetime64[M]")
    distinct, inverse = np.unique(months, return_inverse=True)
    labels = pd.Index([str(m) for m in distinct], dtype="str")
    codes = np.where(np.isnat(months), -1, inverse.ravel()).astype("int32")
    return pd.Categorical.from_codes(codes, categories=labels)


def count_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """Import keys of counts (besides the source): area as given, month, label, channel.

    The area is the code as given, so counts for different unknown codes stay apart; rows
    without any code are told apart by their order among the rows without a code for the
    same month, label and channel (the same file read again gives the same keys).
    """
    codes = frame[AREA_CODE].astype("str")
    if GIVEN_AREA_CODE in frame.columns:  # absent (or missing) in stores of older versions
        given = frame[GIVEN_AREA_CODE]
        codes = given.astype("str").where(given.notna(), codes)
    code = codes.fillna("").to_numpy(dtype=object)
    rest = [frame[c].astype("str").to_numpy() for c in (MONTH, CATEGORY, CHANNEL)]
    missing = code == ""
    if missing.any():
        order = (
            pd.DataFrame({"m": rest[0], "c": rest[1], "k": rest[2]})[missing]
            .groupby(["m", "c", "k"], sort=False)
            .cumcount()
        )
        code = code.copy()
        code[missing] = "#" + order.astype("str").to_numpy(dtype=object)
    return pd.MultiIndex.from_arrays([code, *rest])


def _match_known(records: pd.DataFrame, known: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which counts the store holds already, and which correct a stored count."""
    none = np.zeros(len(records), dtype=bool)
    if known.empty or records.empty:
        return none, none
    keys = count_keys(records)
    stored_keys = count_keys(known)
    latest = ~stored_keys.duplicated(keep="last")
    stored = pd.Series(known[COUNT].to_numpy()[latest], index=stored_keys[latest])
    position = stored.index.get_indexer(keys)
    found = position >= 0
    values = np.where(found, stored.to_numpy()[np.maximum(position, 0)], -1)
    same = found & (values == records[COUNT].to_numpy())
    return same, found & ~same


def _stored_signals(staged: StagedRecords, known: KnownRecords) -> np.ndarray:
    """Which staged signals the store holds already (their ids in ``known``)."""
    held = np.zeros(staged.rows, dtype=bool)
    if isinstance(known, StoredIds):
        held[positions_in(staged, known, key=SIGNAL_ID)] = True
    return held


def staged_with_cube(
    batches: Iterable[pd.DataFrame], *, kind: str
) -> tuple[StagedRecords, pd.DataFrame]:
    """Records written to disk batch by batch, and their cube: for signals summed by DuckDB
    from the file written (:func:`records_cube`), for counts with :func:`cube_part`."""
    staged = StagedRecords()
    parts = []
    for batch in batches:
        staged.append(batch)
        if kind != "signals":
            parts.append(cube_part(batch, kind=kind))
    staged.close()
    if kind == "signals":
        return staged, records_cube(staged)
    return staged, combine_cubes(parts)


def _kept(staged: StagedRecords, keep: np.ndarray) -> Iterator[pd.DataFrame]:
    start = 0
    for batch in staged.batches():
        mask = keep[start : start + len(batch)]
        start += len(batch)
        yield batch.loc[mask].reset_index(drop=True)


def drop_known(prepared: PreparedImport, known: KnownRecords) -> PreparedImport:
    """``prepared`` checked again against what the store holds now (a new object).

    ``known`` is :meth:`regie_analytics.store.Store.known_records` for the import's source
    and kind. The store calls this inside its lock just before it commits: records another
    import stored since the check are dropped (and counted as such), and the count keys this
    import corrects are listed in ``replaces``, so the store replaces the earlier values.
    Signals are checked batch by batch on disk, never all in memory.
    """
    replaces = None
    if prepared.kind == "signals":
        in_store = _stored_signals(prepared.staged, known)
        corrected = np.zeros(0, dtype=bool)
    else:
        records = prepared.records
        stored = known if isinstance(known, pd.DataFrame) else pd.DataFrame()
        in_store, corrected = _match_known(records, stored)
        replaces = count_keys(records)[corrected] if corrected.any() else None
    report = replace(prepared.report, corrected=int(corrected.sum()))
    if not in_store.any():
        return replace(prepared, report=report, replaces=replaces)
    staged, cube = staged_with_cube(_kept(prepared.staged, ~in_store), kind=prepared.kind)
    report.added_meanwhile += int(in_store.sum())
    report.duplicates_in_store += int(in_store.sum())
    report.imported = staged.rows
    report.signals_imported = staged.rows if prepared.kind == "signals" else int(cube[COUNT].sum())
    return replace(prepared, report=report, staged=staged, cube=cube, replaces=replaces)


def with_keys(records: pd.DataFrame, *, kind: str, secret: str) -> pd.DataFrame:
    """Records with their record keys (signals) or the key sums of their units (counts), from
    the store's ``secret``: a new import gets them here, and so do the records of a store from
    before cell keys (``upgrade``), the same as an import would give them."""
    if kind == "signals":
        if RECORD_KEY in records.columns:
            return records
        keys = cellkey.record_keys(secret, source=records[SOURCE], ids=records[SIGNAL_ID])
        return records.assign(**{RECORD_KEY: keys})
    if CELL_KEY in records.columns:
        return records
    return records.assign(**{CELL_KEY: cellkey.unit_key_sums(secret, records).astype("int64")})


def cube_part(records: pd.DataFrame, *, kind: str) -> pd.DataFrame:
    """Aggregate prepared records to the cube's grain, with each cell's key (the sum of its
    records' keys modulo 256)."""
    if kind == "signals":
        frame = records.assign(
            month=_month_categories(records[RECEIVED_AT]),
            count=1,
            **{CELL_KEY: records[RECORD_KEY].astype("int64")},
        )
    else:
        frame = records.assign(**{CELL_KEY: records[CELL_KEY].astype("int64")})
    dims = list(CUBE_DIMENSIONS)
    cube = frame.groupby(dims, observed=True, sort=True)[[COUNT, CELL_KEY]].sum().reset_index()
    for column in dims:
        cube[column] = cube[column].astype("str")
    cube[COUNT] = cube[COUNT].astype("int64")
    cube[CELL_KEY] = cellkey.cell_keys(cube[CELL_KEY])
    return cube


_SUMMED_CUBE = """
    SELECT {dims}, CAST(sum("{count}") AS BIGINT) AS "{count}",
        CAST(sum("{key}") % {key_range} AS BIGINT) AS "{key}"
    FROM ({rows}) AS cube_rows WHERE {present}
    GROUP BY ALL ORDER BY {dims}
"""


def _summed_cube(
    rows: str, params: list[object], *, spill: Path, tables: dict[str, pa.Table]
) -> pd.DataFrame:
    """The cube of ``rows`` (SQL giving the cube's dimensions, a count and a key sum per row)
    summed by DuckDB over both cores, sorted by the dimensions, with cell keys; rows with a
    missing dimension are left out (as pandas' groupby leaves them out)."""
    import duckdb

    dims = ", ".join(f'"{c}"' for c in CUBE_DIMENSIONS)
    present = " AND ".join(f'"{c}" IS NOT NULL' for c in CUBE_DIMENSIONS)
    sql = _SUMMED_CUBE.format(
        dims=dims,
        count=COUNT,
        key=CELL_KEY,
        key_range=cellkey.KEY_RANGE,
        rows=rows,
        present=present,
    )
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{spill}'")
        for name, table in tables.items():
            con.register(name, table)
        summed = con.sql(sql, params=params).to_arrow_table()
    if summed.num_rows == 0:
        return empty_cube()
    return summed.to_pandas()


def records_cube(staged: StagedRecords) -> pd.DataFrame:
    """The cube of staged signals (with their record keys): one row per cell, the count of
    its records and its cell key (see :func:`cube_part`: the same frame), summed by DuckDB
    from the file, not in pandas."""
    if staged.rows == 0:
        return empty_cube()
    columns = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS "{c}"'
        if c != MONTH
        else f'strftime(CAST("{RECEIVED_AT}" AS TIMESTAMP), \'%Y-%m\') AS "{MONTH}"'
        for c in CUBE_DIMENSIONS
    )
    rows = (
        f'SELECT {columns}, 1 AS "{COUNT}", CAST("{RECORD_KEY}" AS BIGINT) AS "{CELL_KEY}" '
        "FROM read_parquet(?)"
    )
    return _summed_cube(rows, [str(staged.path)], spill=staged.folder / "duckdb", tables={})


def combine_cubes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Cube parts summed over the cube's dimensions (sorted by them), with cell keys."""
    frames = [part for part in parts if len(part)]
    if not frames:
        return empty_cube()
    tables = {f"part{i}": _cube_table(frame) for i, frame in enumerate(frames)}
    rows = " UNION ALL ".join(f"SELECT * FROM {name}" for name in tables)
    with tempfile.TemporaryDirectory(prefix=tempfiles.prefix("cube")) as spill:
        return _summed_cube(rows, [], spill=Path(spill), tables=tables)


def cube_files_summed(files: list[Path]) -> pd.DataFrame:
    """Cube files (a version's cube, imports' cube parts) summed, as :func:`combine_cubes`
    sums frames, but read by DuckDB: none of them is ever whole in pandas."""
    if not files:
        return empty_cube()
    columns = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in CUBE_DIMENSIONS)
    rows = (
        f'SELECT {columns}, CAST("{COUNT}" AS BIGINT) AS "{COUNT}", '
        f'CAST("{CELL_KEY}" AS BIGINT) AS "{CELL_KEY}" FROM read_parquet(?, union_by_name = true)'
    )
    with tempfile.TemporaryDirectory(prefix=tempfiles.prefix("cube")) as spill:
        return _summed_cube(rows, [[str(f) for f in files]], spill=Path(spill), tables={})


def _cube_table(frame: pd.DataFrame) -> pa.Table:
    """A cube part as Arrow: dimensions as text, count and key sum as int64."""
    columns = {c: pa.array(frame[c].astype("str"), type=pa.string()) for c in CUBE_DIMENSIONS}
    columns[COUNT] = pa.array(frame[COUNT].to_numpy(dtype=np.int64))
    columns[CELL_KEY] = pa.array(frame[CELL_KEY].to_numpy(dtype=np.int64))
    return pa.table(columns)


CUBE_ROW_GROUP = 1 << 20
"""Rows of a cube file's row group (pyarrow's default, as ``DataFrame.to_parquet`` wrote)."""


def write_cube(cube: pd.DataFrame, path: Path) -> None:
    """Write a cube (or cube part) as Parquet with its dimensions as text, whether they are
    text or categories in ``cube`` (:meth:`CubeCells.cube`): the same file either way, a row
    group at a time, so a category column never becomes text all at once."""
    text = {c: "str" for c in CUBE_DIMENSIONS if isinstance(cube[c].dtype, pd.CategoricalDtype)}
    schema = pa.Schema.from_pandas(cube.iloc[:0].astype(text), preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(cube), 1), CUBE_ROW_GROUP):
            part = cube.iloc[start : start + CUBE_ROW_GROUP]
            table = pa.Table.from_pandas(part, preserve_index=False)
            writer.write_table(table.cast(schema))


def month_range(cube: pd.DataFrame) -> tuple[str, str] | None:
    """The first and last month of a cube with rows (text or category months)."""
    months = cube[MONTH]
    if isinstance(months.dtype, pd.CategoricalDtype):
        present = months.cat.remove_unused_categories().cat.categories.astype("str")
        return (str(present.min()), str(present.max())) if len(present) else None
    return (str(months.min()), str(months.max())) if len(months) else None


def empty_cube() -> pd.DataFrame:
    """A cube without rows, with the cube's columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in CUBE_COLUMNS})
    frame[COUNT] = frame[COUNT].astype("int64")
    frame[CELL_KEY] = frame[CELL_KEY].astype("int64")
    return frame


def reclassify(
    records: pd.DataFrame, taxonomy: Taxonomy, *, system: str, kind: str
) -> pd.DataFrame:
    """Stored records classified again with another taxonomy (a new frame).

    Signals get domain, theme and department from the taxonomy. Counts too, except that a
    domain given in the file (or found earlier) is kept where the new taxonomy does not know
    the label.
    """
    frame = records.assign(**{SOURCE: system})
    if SUBCATEGORY not in frame.columns:
        frame[SUBCATEGORY] = pd.Series(pd.NA, index=frame.index, dtype="str")
    classes = taxonomy.classify(frame)
    out = records.copy()
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = classes[column].to_numpy()
    if kind == "counts":
        keep = (
            ~classes["known"].to_numpy(dtype=bool)
            & records[DOMAIN].isin(CLASSIFIED_DOMAINS).to_numpy()
        )
        out.loc[keep, DOMAIN] = records.loc[keep, DOMAIN]
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = out[column].astype("category" if kind == "signals" else "str")
    return out


_CELL_BITS: dict[str, int] = {
    AREA_CODE: 22,
    MONTH: 12,
    DOMAIN: 5,
    THEME: 8,
    CHANNEL: 8,
    DEPARTMENT: 7,
    SOURCE: 1,
}
"""Bits of a cell's packed key per dimension (63 in all): :class:`CubeCells` counts imports
with at most 2**bits distinct values per dimension (4 million areas, 4,096 months, 256
channels, ...); one with more leaves it to DuckDB (:func:`records_cube`)."""
_KEY_BITS = 8
"""Bits of a record key (0 .. 255: :data:`regie_analytics.cellkey.KEY_RANGE`)."""


class CubeCells:
    """The cube of checked signals, counted batch by batch while they are checked (see
    :meth:`add`) instead of summed from the staged file afterwards: per record a packed key
    of its cell (the number of each dimension's value in order of appearance) and its record
    key, ten bytes a record. :meth:`cube` gives exactly what :func:`records_cube` gives for
    the same records (cells sorted by their dimensions as text, count and cell key).

    ``None`` from :meth:`cube` when the records do not fit the packed key (more distinct
    values of a dimension than :data:`_CELL_BITS` allows): then the caller sums them from the
    staged file (:func:`records_cube`).
    """

    def __init__(self) -> None:
        self._values: dict[str, dict[str, int]] = {c: {} for c in CUBE_DIMENSIONS}
        self._cells: list[np.ndarray] = []
        self._keys: list[np.ndarray] = []
        self._fits = True

    def _numbers(self, column: str, values: pd.Series | np.ndarray) -> np.ndarray:
        """Each row's number of its value of ``column`` (-1: missing), new values numbered
        on from those of earlier batches."""
        codes: np.ndarray
        if column == MONTH:
            months = np.asarray(values).astype("datetime64[M]")
            distinct, codes = np.unique(months, return_inverse=True)
            labels = [str(m) for m in distinct]
            codes = np.where(np.isnat(months), -1, codes.ravel())
        else:
            series = values if isinstance(values, pd.Series) else pd.Series(values)
            if not isinstance(series.dtype, pd.CategoricalDtype):
                series = series.astype("category")
            labels = [str(v) for v in series.cat.categories]
            codes = series.cat.codes.to_numpy()
        seen = self._values[column]
        lookup = np.array([seen.setdefault(v, len(seen)) for v in labels], dtype=np.int64)
        if len(seen) > 1 << _CELL_BITS[column]:
            self._fits = False
        return np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else -1, -1)

    def add(self, batch: pd.DataFrame) -> None:
        """Count one batch of checked signals (with their record keys)."""
        if not self._fits or batch.empty:
            return
        packed = np.zeros(len(batch), dtype=np.int64)
        present = np.ones(len(batch), dtype=bool)
        for column in CUBE_DIMENSIONS:
            source = RECEIVED_AT if column == MONTH else column
            values = batch[source]
            numbers = self._numbers(column, values.to_numpy() if column == MONTH else values)
            if not self._fits:
                self._cells, self._keys = [], []
                return
            present &= numbers >= 0
            packed = (packed << _CELL_BITS[column]) | np.maximum(numbers, 0)
        self._cells.append(packed[present])
        self._keys.append(batch[RECORD_KEY].to_numpy(dtype=np.int64)[present].astype(np.int16))

    def cube(self) -> pd.DataFrame | None:
        """The cube of every batch added (see :func:`records_cube`), or None when the
        records did not fit the packed key."""
        widths = {c: max(1, (len(v) - 1).bit_length()) for c, v in self._values.items()}
        if not self._fits or sum(widths.values()) + _KEY_BITS > 63:
            return None
        cells = np.concatenate(self._cells) if self._cells else np.zeros(0, dtype=np.int64)
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, dtype=np.int16)
        self._cells, self._keys = [], []
        if len(cells) == 0:
            return empty_cube()
        # each dimension's values renumbered in their order as text (as DuckDB sorts them),
        # packed as tightly as they allow, the record key in the lowest bits: one sort
        texts: dict[str, pa.Array] = {}
        ranked = np.zeros(len(cells), dtype=np.int64)
        shift = sum(_CELL_BITS.values())
        for column in CUBE_DIMENSIONS:
            shift -= _CELL_BITS[column]
            labels = list(self._values[column])  # numbered in order of appearance
            order = sorted(range(len(labels)), key=labels.__getitem__)  # code point order
            rank = np.empty(len(labels), dtype=np.int64)
            rank[order] = np.arange(len(labels))
            texts[column] = pa.array([labels[i] for i in order], type=pa.large_string())
            number = rank[(cells >> shift) & ((1 << _CELL_BITS[column]) - 1)]
            ranked <<= widths[column]
            ranked |= number
        del cells
        ranked <<= _KEY_BITS
        ranked |= keys.astype(np.int64)
        del keys
        ranked.sort()
        key_sums = np.bitwise_and(ranked, (1 << _KEY_BITS) - 1)
        ranked >>= _KEY_BITS
        starts = np.flatnonzero(np.concatenate([[True], ranked[1:] != ranked[:-1]]))
        counts = np.diff(np.append(starts, len(ranked))).astype(np.int64)
        sums = np.add.reduceat(key_sums, starts)
        distinct = ranked[starts]
        del ranked, key_sums
        columns: dict[str, pa.Array] = {}
        shift = sum(widths.values())
        for column in CUBE_DIMENSIONS:
            shift -= widths[column]
            numbers = (distinct >> shift) & ((1 << widths[column]) - 1)
            # each cell's value as the number of its label: a category column (one byte or
            # two a cell) instead of the text in every cell (14 million cells of seven text
            # columns, 2.1 GB, at 30 million signals); written as text (write_cube)
            small = np.min_scalar_type(max(len(texts[column]) - 1, 0))
            columns[column] = pa.DictionaryArray.from_arrays(
                pa.array(numbers.astype(np.promote_types(small, np.int8))), texts[column]
            )
        columns[COUNT] = pa.array(counts)
        columns[CELL_KEY] = pa.array(sums % cellkey.KEY_RANGE)
        return pa.table(columns).to_pandas()
