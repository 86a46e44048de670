"""Records of an import held on disk, not in memory: :class:`StagedRecords`, a temporary
Parquet file written batch by batch and read back batch by batch (in the same order); and
:func:`duplicate_positions`, the rows whose id an earlier row of the same file has, and
:func:`positions_in`, the rows whose id a store holds (:class:`StoredIds`), both found by
DuckDB over the files (exactly, in parallel, spilling to disk rather than growing memory)."""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from regie_analytics import tempfiles
from regie_analytics.io.ahead import in_background, read_ahead
from regie_analytics.io.parse import normalise_ids
from regie_analytics.schema import SIGNAL_ID, SOURCE

DUCKDB_MEMORY = "1GB"
"""What DuckDB may hold in memory while it looks for duplicate ids (it spills beyond)."""


def _widened(schema: pa.Schema) -> pa.Schema:
    """``schema`` with 32-bit dictionary indices, so that every batch fits the first one's
    schema whatever the number of its categories."""
    fields = [
        f.with_type(pa.dictionary(pa.int32(), f.type.value_type, f.type.ordered))
        if pa.types.is_dictionary(f.type)
        else f
        for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


def _joined(tables: list[pa.Table], order: list[str]) -> pd.DataFrame:
    """The columns of ``tables`` (the same rows) side by side, in ``order``."""
    parts = [table.to_pandas() for table in tables]
    return (parts[0] if len(parts) == 1 else pd.concat(parts, axis=1))[order]


class StagedRecords:
    """Records in a temporary Parquet file (removed with this object, or at exit).

    :meth:`append` writes a batch (a row group, in a thread while the caller goes on);
    :meth:`close` finishes the file; then
    :meth:`batches` reads them back in order and :meth:`frame` all at once.

    With ``own``, only those columns of each batch go to the file (``path``), and the others
    (working columns: flags, positions) to a second file next to it, row group for row group;
    :meth:`batches` joins them again, and :meth:`own_records` is the file alone.
    """

    def __init__(self, *, own: Sequence[str] | None = None) -> None:
        self.folder = Path(tempfiles.folder("import"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)
        self.path = self.folder / "records.parquet"
        self.rows = 0
        self._own = list(own) if own is not None else None
        self._writers: list[pq.ParquetWriter] = []
        self._writing: Future[None] | None = None
        self._empty: pd.DataFrame | None = None

    def _split(self, frame: pd.DataFrame) -> list[pd.DataFrame]:
        """The batch as written: whole, or its own columns and the others."""
        if self._own is None:
            return [frame]
        return [frame[self._own], frame.drop(columns=self._own)]

    def append(self, frame: pd.DataFrame) -> None:
        """Write one batch (after the first, the columns and their types must be the same)."""
        if self._empty is None:
            self._empty = frame.iloc[:0]
        if frame.empty:
            return
        tables = [pa.Table.from_pandas(part, preserve_index=False) for part in self._split(frame)]
        if not self._writers:
            paths = [self.path, self.folder / "working.parquet"]
            self._writers = [
                pq.ParquetWriter(path, _widened(table.schema))
                for path, table in zip(paths, tables, strict=False)
            ]
        writers = self._writers
        tables = [table.cast(w.schema) for table, w in zip(tables, writers, strict=True)]
        self._wait()  # one batch written at a time, in order

        def write() -> None:
            for writer, table in zip(writers, tables, strict=True):
                writer.write_table(table)

        self._writing = in_background(write)
        self.rows += len(frame)

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def close(self) -> StagedRecords:
        """Finish the file (waiting for the last batch to be written); returns itself."""
        self._wait()
        for writer in self._writers:
            writer.close()
        self._writers = []
        return self

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The records in the batches they were written in, in order."""
        if self.rows == 0:
            if self._empty is not None:
                yield self._empty if columns is None else self._empty[list(columns)]
            return
        wanted = list(columns) if columns is not None else None
        if self._own is None:
            parquet = pq.ParquetFile(self.path)
            groups: Iterator[pa.Table] = (
                parquet.read_row_group(group, columns=wanted)
                for group in range(parquet.num_row_groups)
            )
            for table in read_ahead(groups):  # the next batch is read on the other core
                yield table.to_pandas()
            return
        files = [(pq.ParquetFile(path), names) for path, names in self._files(wanted)]
        joined = (
            [file.read_row_group(group, columns=names) for file, names in files]
            for group in range(files[0][0].num_row_groups)
        )
        for tables in read_ahead(joined):  # the next batch is read on the other core
            yield _joined(tables, self._order(wanted))

    def _order(self, wanted: list[str] | None) -> list[str]:
        assert self._empty is not None
        return wanted if wanted is not None else list(self._empty.columns)

    def _files(self, wanted: list[str] | None) -> list[tuple[Path, list[str]]]:
        """The files that hold the ``wanted`` columns (all: ``None``), with theirs."""
        assert self._own is not None
        order = self._order(wanted)
        own = [c for c in order if c in self._own]
        working = [c for c in order if c not in self._own]
        files = [(self.path, own), (self.folder / "working.parquet", working)]
        return [(path, names) for path, names in files if names]

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All records at once."""
        parts = list(self.batches(columns))
        if len(parts) == 1:
            return parts[0]
        wanted = list(columns) if columns else None
        if self._own is None:
            return pq.read_table(self.path, columns=wanted).to_pandas()
        tables = [pq.read_table(path, columns=names) for path, names in self._files(wanted)]
        return _joined(tables, self._order(wanted))

    def own_records(self) -> StagedRecords:
        """The records with only their own columns (``own``): a new object with the file
        itself (linked, not copied, where the file system allows), the working columns
        left out."""
        if self._own is None:
            return self
        out = StagedRecords()
        out._empty = self._empty[self._own] if self._empty is not None else None
        if self.rows:
            self.link_to(out.path)
            out.rows = self.rows
        return out

    def link_to(self, target: Path) -> None:
        """Put the file at ``target``: a hard link where the file system allows, a copy
        otherwise."""
        try:
            target.hardlink_to(self.path)
        except OSError:
            shutil.copyfile(self.path, target)


def duplicate_positions(
    staged: StagedRecords, *, key: str, position: str | None = None
) -> np.ndarray:
    """Sorted ``position`` values (by default the row numbers in the file) of the rows whose
    ``key`` an earlier row has (exactly, not by hash; "earlier" by ``position``)."""
    import duckdb

    if staged.rows == 0:
        return np.zeros(0, dtype=np.int64)
    where = f'"{position}"' if position else "file_row_number"
    numbered = "" if position else ", file_row_number = true"
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{staged.folder / 'duckdb'}'")
        found = con.execute(
            f"""
            WITH rows AS (SELECT "{key}" AS k, {where} AS p FROM read_parquet(?{numbered})),
            twice AS (SELECT k, min(p) AS first FROM rows GROUP BY k HAVING count(*) > 1)
            SELECT rows.p FROM rows JOIN twice USING (k) WHERE rows.p <> twice.first
            ORDER BY rows.p
            """,
            [str(staged.path)],
        ).fetchnumpy()["p"]
    return np.asarray(found, dtype=np.int64)


@dataclass(frozen=True)
class StoredIds:
    """Where the signal ids of ``source`` are: Parquet files (a store's parts, staged imports)
    that DuckDB reads when it looks for them, so they are never all in memory."""

    files: tuple[Path, ...]
    source: str


KnownRecords = pd.DataFrame | StoredIds
"""What a store holds of a source: where the ids are (signals), the stored counts (counts)."""

_NORMAL_ID = (
    r"regexp_full_match(k, '[1-9A-Za-z]|[1-9A-Za-z](?s:.*)[0-9A-Za-z]')"
    r" AND NOT regexp_matches(k, '\.0+$')"
)
"""Ids that :func:`normalise_ids` leaves as they are, surely: no space to strip at either end,
no leading zero, no decimal ``.0``. The others (few, if any) are normalised in pandas."""


def positions_in(
    staged: StagedRecords, known: StoredIds, *, key: str, position: str | None = None
) -> np.ndarray:
    """Sorted ``position`` values (by default the row numbers in the file) of the rows whose
    ``key`` is one of the ids in ``known``, as :func:`normalise_ids` spells them (exactly)."""
    import duckdb

    if staged.rows == 0 or not known.files:
        return np.zeros(0, dtype=np.int64)
    where = f'"{position}"' if position else "file_row_number"
    stored = f"""
        stored AS (
            SELECT CAST("{SIGNAL_ID}" AS VARCHAR) AS k
            FROM read_parquet($files, union_by_name = true)
            WHERE CAST("{SOURCE}" AS VARCHAR) = $source AND "{SIGNAL_ID}" IS NOT NULL
        )"""
    params = {"files": [str(f) for f in known.files], "source": known.source}
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{staged.folder / 'duckdb'}'")
        odd = con.execute(
            f"WITH {stored} SELECT DISTINCT k FROM stored WHERE NOT ({_NORMAL_ID})", params
        ).fetchnumpy()["k"]
        renamed = normalise_ids(pd.Series(odd, dtype="str")).dropna().unique()
        con.register("renamed", pa.table({"k": pa.array(renamed, type=pa.string())}))
        found = con.execute(
            f"""
            WITH {stored},
            known AS (SELECT k FROM stored WHERE {_NORMAL_ID} UNION ALL SELECT k FROM renamed)
            SELECT {where} AS p FROM read_parquet($staged, file_row_number = true)
            WHERE "{key}" IN (SELECT k FROM known) ORDER BY p
            """,
            {**params, "staged": str(staged.path)},
        ).fetchnumpy()["p"]
    return np.asarray(found, dtype=np.int64)
