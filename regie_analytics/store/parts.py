"""The files of one store version: the manifest, record parts written a million rows at a
time, the cube summed from the imports' cube parts, and hard links to an earlier version's."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from regie_analytics.ingest.staged import StoredIds
from regie_analytics.ingest.stored import combine_cubes as combine_cubes
from regie_analytics.ingest.stored import cube_files_summed as cube_files_summed
from regie_analytics.ingest.stored import empty_cube as empty_cube
from regie_analytics.ingest.stored import write_cube as write_cube
from regie_analytics.lead_sql import LEADS_FOLDER
from regie_analytics.schema import SOURCE

FORMAT_VERSION = 2
"""2: record keys, key sums and cell keys for cell-key perturbation."""
SECRET_FIELD = "cell_key_secret"
"""Manifest field holding the store's secret for the record keys."""


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write a version's ``manifest.json`` (readable UTF-8)."""
    with open(folder / "manifest.json", "w") as handle:
        json.dump(manifest, handle, indent=1, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def write_records(records: pd.DataFrame, path: Path, *, rows: int = 1_000_000) -> None:
    """Write records to Parquet a million rows at a time (one row group each), so that a
    large import is not converted to Arrow as a whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if len(records) <= rows:
        records.to_parquet(path, index=False)
        return
    first = pa.Table.from_pandas(records.iloc[:rows], preserve_index=False)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        for start in range(rows, len(records), rows):
            part = records.iloc[start : start + rows]
            table = pa.Table.from_pandas(part, schema=first.schema, preserve_index=False)
            writer.write_table(table)


PART_FOLDERS = ("signals", "counts", "cube", LEADS_FOLDER)
"""The folders of a version's import parts (records, cube parts, lead-time files)."""
LEADS_ROWS = 100_000
"""Rows per row group of a lead-time file: a period's rows are a few of them."""
DAY_NS = 86_400 * 10**9


def write_leads(signals: Path, target: Path, *, rows: int = LEADS_ROWS) -> None:
    """Write the lead-time file of the signal part ``signals`` at ``target`` (see
    :func:`regie_analytics.lead_sql.lead_part`): the columns
    :data:`~regie_analytics.lead_sql.LEAD_COLUMNS` of every signal, the lead time computed by
    DuckDB as :data:`~regie_analytics.lead_sql.LEAD_TIME_SQL` (so exactly as the engine computes
    it from the signals), ordered by the day received (a stable radix sort: the days of a
    period are whole row groups, bar the first and last), ``rows`` rows per row group.
    The text columns stay dictionary-encoded as in the part; the file is written a row group
    at a time (no second copy of the part)."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from regie_analytics.lead_sql import LEAD_COLUMNS, LEAD_TIME_SQL, LEAD_US

    source = "'" + str(signals).replace("'", "''") + "'"
    with duckdb.connect() as con:
        # the part's rows in the file's order (DuckDB keeps it without ORDER BY)
        con.execute("SET preserve_insertion_order = true")
        sql = f'SELECT {LEAD_TIME_SQL} AS "{LEAD_US}" FROM read_parquet({source})'
        lead = con.sql(sql).to_arrow_table().column(0)
    part = pq.ParquetFile(signals)
    # one contiguous array per column (taking from row groups' chunks is slow), read a column
    # at a time so that only one column is held twice
    columns = {
        c: (lead if c == LEAD_US else part.read(columns=[c]).column(0)).combine_chunks()
        for c in LEAD_COLUMNS
    }
    if len(lead) != part.metadata.num_rows:
        raise RuntimeError(f"{signals}: {len(lead)} lead times for {part.metadata.num_rows} rows")
    del lead
    received = pc.fill_null(columns[LEAD_COLUMNS[0]].cast(pa.int64()), 0)
    nanos = received.to_numpy()
    days = nanos // DAY_NS  # calendar days (the times are naive)
    days -= days.min() if len(days) else 0
    narrow = days.astype(np.uint16) if len(days) and days.max() < 2**16 else days
    order = np.argsort(narrow, kind="stable")  # radix sort of 16-bit days: linear
    del received, nanos, days, narrow
    schema = pa.schema([pa.field(c, columns[c].type) for c in LEAD_COLUMNS])
    target.parent.mkdir(parents=True, exist_ok=True)  # a version written before them has none
    with pq.ParquetWriter(target, schema) as writer:
        for start in range(0, max(len(order), 1), rows):
            taken = pa.array(order[start : start + rows], type=pa.int64())
            group = pa.table([columns[c].take(taken) for c in LEAD_COLUMNS], schema=schema)
            writer.write_table(group, row_group_size=rows)


def link_from(old: Path, tmp: Path, files: tuple[str, ...], imports: list[dict[str, Any]]) -> None:
    """Start staging folder ``tmp`` from version ``old``: the part folders, and hard links
    (which cost nothing) to ``files`` and to every part of ``imports``."""
    for sub in PART_FOLDERS:
        (tmp / sub).mkdir()
    for rel in files:
        os.link(old / rel, tmp / rel)
    for imp in imports:
        for rel in imp["parts"].values():
            os.link(old / rel, tmp / rel)


def stored_records(
    folder: Path, manifest: dict[str, Any], source: str, kind: str
) -> pd.DataFrame | StoredIds:
    """What version ``folder`` holds of one source and kind: signals, where their ids are
    (DuckDB reads them from the parts when it needs them); counts, the stored counts."""
    parts = [
        folder / imp["parts"][kind]
        for imp in manifest["imports"]
        if imp["kind"] == kind and imp["source"] == source and kind in imp["parts"]
    ]
    if kind == "signals":
        return StoredIds(files=tuple(parts), source=source)
    frames = [frame for frame in (pd.read_parquet(part) for part in parts) if len(frame)]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame.loc[frame[SOURCE].astype("str") == source].reset_index(drop=True)
