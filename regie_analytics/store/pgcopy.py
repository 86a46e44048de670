"""Bulk transfers between pandas and PostgreSQL: frames written with a binary ``COPY`` encoded
in numpy, and query results read back as ``COPY ... TO STDOUT`` CSV parsed by Arrow, so that no
value becomes a Python object on the way in or out (the PostgreSQL store's records, cube and
the dashboard's query results)."""

from __future__ import annotations

import codecs
import io
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg import sql
from psycopg.adapt import Loader
from psycopg.copy import QueuedLibpqWriter

_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
"""The binary COPY format's signature, flags and header extension length (both zero)."""
_PG_EPOCH_US = 946_684_800_000_000
"""PostgreSQL's timestamps count microseconds from 2000-01-01."""
_FIXED = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8", "double precision": ">f8"}
ENCODE_ROWS = 100_000
"""Rows encoded at a time (bounds the encoder's temporary arrays to some tens of MB)."""


class _Field(NamedTuple):
    """One column of a batch in COPY's binary form: each row's length (-1 for a missing
    value) and the values' bytes one after another (missing ones left out)."""

    lengths: np.ndarray
    data: np.ndarray


def _field(values: pd.Series | None, kind: str, rows: int) -> _Field:
    """The binary form of ``values`` for a column of SQL type ``kind`` (``None``: all
    missing). Whole numbers and doubles big-endian, timestamps as microseconds since 2000,
    text as UTF-8, geometry as (E)WKB bytes."""
    if values is None:
        return _Field(np.full(rows, -1, dtype=np.int64), np.empty(0, dtype=np.uint8))
    if kind in _FIXED or kind == "timestamp without time zone":
        if kind == "timestamp without time zone":
            raw, missing = micros(values, rows)
            width, packed = 8, (raw - _PG_EPOCH_US).astype(">i8")
        else:
            double = kind == "double precision"
            numbers = values.astype("Float64" if double else "Int64")
            missing = numbers.isna().to_numpy()
            plain = numbers.to_numpy(
                dtype="float64" if double else "int64", na_value=np.nan if double else 0
            )
            packed = plain.astype(_FIXED[kind])
            width = packed.dtype.itemsize
        data = packed[~missing].view(np.uint8)
        return _Field(np.where(missing, -1, width).astype(np.int64), data)
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    array = array.cast(pa.large_binary() if kind == "geometry" else pa.large_string())
    absent = np.asarray(array.is_null()) if array.null_count else None
    if absent is not None:  # a missing value's slot may still hold bytes (pandas' .loc = None)
        array = pc.fill_null(array, b"" if kind == "geometry" else "")
    _, offset_buffer, body = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + rows + 1]
    lengths = np.diff(offsets)
    if absent is not None:
        lengths[absent] = -1
    data = (
        np.frombuffer(body, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if body is not None
        else np.empty(0, dtype=np.uint8)
    )
    return _Field(lengths, data)


def micros(values: pd.Series | None, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps as the microseconds since 1970 (wall-clock time: a time zone is dropped)
    that ``COPY`` writes to a ``timestamp`` column, and which are missing (``None``: all)."""
    if values is None:
        return np.zeros(rows, dtype=np.int64), np.ones(rows, dtype=bool)
    stamps = pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    missing = stamps.isna().to_numpy()
    raw = stamps.to_numpy(dtype="datetime64[us]").view("int64")
    return np.where(missing, 0, raw), missing


def _binary_rows(fields: list[_Field], rows: int) -> memoryview:
    """Rows in COPY's binary form: per row the number of fields, then each field's length
    (big-endian int32, -1 for a missing value) and its bytes. Put together by Arrow
    (``binary_join_element_wise`` of each row's pieces: its field count, then per field its
    length and bytes), three times as fast as scattering the bytes in numpy (the same bytes)."""
    count = np.frombuffer(np.array(len(fields), dtype=">i2").tobytes(), dtype=np.uint8)
    pieces = [_pieces(np.arange(0, 2 * rows + 1, 2, dtype=np.int64), np.tile(count, rows), rows)]
    four = np.arange(0, 4 * rows + 1, 4, dtype=np.int64)
    for field in fields:
        pieces.append(_pieces(four, field.lengths.astype(">i4").view(np.uint8), rows))
        ends = np.zeros(rows + 1, dtype=np.int64)
        np.cumsum(np.maximum(field.lengths, 0), out=ends[1:])
        pieces.append(_pieces(ends, field.data, rows))
    joined = pc.binary_join_element_wise(*pieces, pa.scalar(b"", pa.large_binary()))
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    return memoryview(joined.buffers()[2])[offsets[joined.offset] : offsets[joined.offset + rows]]


def _pieces(offsets: np.ndarray, data: np.ndarray, rows: int) -> pa.Array:
    """One piece of every row (``offsets``: where each starts in ``data``, and the end) as an
    Arrow binary array over the same memory."""
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


FRESH: weakref.WeakKeyDictionary[psycopg.Connection[Any], frozenset[str]] = (
    weakref.WeakKeyDictionary()
)
"""Per writer's connection, the tables its transaction created (a first write): a ``COPY``
into one of them is written frozen (``FREEZE``), so that no reader or vacuum rewrites its
pages later to mark the rows committed and visible (see
:func:`regie_analytics.store.pgwrite.writing`). PostgreSQL accepts ``FREEZE`` only in the
(sub)transaction that created the table: a copy into such a table must not run inside a
savepoint (a nested ``conn.transaction()``), or the whole write fails."""


def column_types(conn: psycopg.Connection[Any], table: str) -> dict[str, str]:
    """The SQL type of every column of one of the store's tables."""
    rows = conn.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        (table,),
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def copy_rows(
    conn: psycopg.Connection[Any],
    table: str,
    columns: list[str],
    batches: Iterable[pd.DataFrame],
    *,
    fixed: dict[str, int] | None = None,
    numbered: bool = False,
) -> int:
    """Write frames into ``table`` with a binary ``COPY``, batch by batch, encoded in numpy
    (no value becomes a Python object); ``fixed`` columns get the same value in every row (the
    part id) and ``numbered`` adds each row's position (``seq``). A column missing from a
    frame is written as missing. Returns the rows written."""
    fixed = fixed or {}
    names = [*fixed, *(["seq"] if numbered else []), *columns]
    types = column_types(conn, table)
    frozen = sql.SQL(", FREEZE") if table in FRESH.get(conn, frozenset()) else sql.SQL("")
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary{})").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)), frozen
    )
    written = 0
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        copy.write(_HEADER)
        for batch in batches:
            for start in range(0, len(batch), ENCODE_ROWS):
                frame = batch.iloc[start : start + ENCODE_ROWS]
                rows = len(frame)
                extra = {name: pd.Series(np.full(rows, value)) for name, value in fixed.items()}
                if numbered:
                    extra["seq"] = pd.Series(np.arange(written, written + rows))
                fields = [
                    _field(extra[name] if name in extra else frame.get(name), types[name], rows)
                    for name in names
                ]
                copy.write(_binary_rows(fields, rows))
                written += rows
        copy.write(b"\xff\xff")
    return written


class _CopyOut(io.RawIOBase):
    """The bytes of a ``COPY ... TO STDOUT`` as a file Arrow's CSV reader reads from, block by
    block as the server sends them."""

    def __init__(self, copy: Iterator[Any]) -> None:
        self._blocks = copy
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` as far as the data goes (Arrow reads a block at a time: a short
        read would make a batch of every network packet)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if not self._left:
                block = next(self._blocks, None)
                if block is None:
                    break
                self._left = memoryview(bytes(block))
            size = min(len(view) - filled, len(self._left))
            view[filled : filled + size] = self._left[:size]
            self._left = self._left[size:]
            filled += size
        return filled


_ARROW_TYPES = {
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double precision": pa.float64(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}


def _csv_convert(types: dict[str, str]) -> pa_csv.ConvertOptions:
    """How Arrow reads the CSV of a result whose columns have SQL ``types`` (by name): text
    stays text, a missing value missing, an empty text empty."""
    return pa_csv.ConvertOptions(
        column_types={name: _ARROW_TYPES.get(kind, pa.string()) for name, kind in types.items()},
        true_values=["t"],
        false_values=["f"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )


def stream_frames(
    conn: psycopg.Connection[Any],
    query: sql.Composable,
    params: Sequence[Any],
    types: dict[str, str],
    *,
    rows: int = 500_000,
) -> Iterator[pd.DataFrame]:
    """The rows of ``query`` (its columns of SQL ``types``, by name) as frames of ``rows``
    rows (the last one fewer, one empty frame for no rows), as the server sends them: ``COPY``
    as CSV read by Arrow, so no value becomes a Python object and about a batch is held. A
    missing value stays missing, an empty text stays empty."""
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER true, FORCE_QUOTE *)").format(
        query
    )
    convert = _csv_convert(types)
    with conn.cursor() as cur, cur.copy(statement, params or None) as copy:
        reader = pa_csv.open_csv(
            _CopyOut(iter(copy)),
            read_options=pa_csv.ReadOptions(block_size=16 << 20),
            convert_options=convert,
        )
        batches: list[pa.RecordBatch] = []
        held, sent = 0, False
        for batch in reader:
            batches.append(batch)
            held += batch.num_rows
            if held < rows:
                continue
            waiting = pa.Table.from_batches(batches, schema=reader.schema)
            while waiting.num_rows >= rows:
                yield waiting.slice(0, rows).to_pandas()
                waiting, sent = waiting.slice(rows), True
            batches, held = waiting.to_batches(), waiting.num_rows
        if held or not sent:
            yield pa.Table.from_batches(batches, schema=reader.schema).to_pandas()


_TYPE_NAMES = {
    16: "boolean",
    20: "bigint",
    21: "smallint",
    23: "integer",
    700: "double precision",
    701: "double precision",
    1700: "double precision",  # numeric (SUM of whole numbers): as DuckDB gives it, a double
    1114: "timestamp",
}
"""SQL types (by type oid) read as other than text from a query's result."""


def result_types(
    conn: psycopg.Connection[Any], statement: str, params: Sequence[Any] = ()
) -> dict[str, str]:
    """The columns of an SQL ``statement``'s result and the SQL types :func:`query_frame`
    reads them as, by name (asked of the server without running the statement)."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM ({statement}) AS result LIMIT 0", params or None)  # type: ignore[arg-type]
        return {d.name: _TYPE_NAMES.get(d.type_code, "text") for d in cur.description or []}


def query_frame(
    conn: psycopg.Connection[Any],
    statement: str,
    params: Sequence[Any] = (),
    *,
    types: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The rows of an SQL ``statement`` (``%s`` placeholders, and ``%%`` for ``%``, when there
    are ``params``; without them the text as it is) as one frame read through Arrow
    (:func:`stream_frames`): numbers as numpy columns, text as Arrow-backed strings, as
    :class:`regie_analytics.engine.DuckDBEngine` gives them; no Python object per value.
    ``types``: its :func:`result_types` when known (else asked first: one round trip more)."""
    if types is None:
        types = result_types(conn, statement, params)
    frames = stream_frames(conn, sql.SQL(statement), params, types, rows=1 << 62)  # type: ignore[arg-type]
    return next(iter(frames))


def read_frame(
    conn: psycopg.Connection[Any], query: sql.Composable | str, params: Any = None
) -> pd.DataFrame:
    """The rows of a query as a frame with the query's column names."""
    with conn.cursor() as cur:
        cur.execute(query, params)  # type: ignore[arg-type]
        names = [d.name for d in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=names)


def _csv_field(name: str, kind: str) -> str:
    """SQL of a result column's value as COPY's CSV writes it (the type's own text output):
    text quoted (quotes doubled), a missing value as nothing."""
    column = 'r."' + name.replace('"', '""') + '"'
    if kind == "boolean":  # as COPY writes it (a cast to text writes true and false)
        return f"(CASE WHEN {column} THEN 't' WHEN NOT {column} THEN 'f' ELSE '' END)"
    if kind in _ARROW_TYPES:
        return f"COALESCE(CAST({column} AS TEXT), '')"
    return f"""COALESCE('"' || replace(CAST({column} AS TEXT), '"', '""') || '"', '')"""


def aggregated_frame(
    conn: psycopg.Connection[Any],
    statement: str,
    params: Sequence[Any] = (),
    *,
    types: dict[str, str],
) -> pd.DataFrame:
    """:func:`query_frame` of ``statement`` (its result's columns of SQL ``types``, by name),
    the rows put together as one CSV text in the server (``string_agg``, in the order the
    statement gives them) and read by Arrow with the same options: the same frame, but one
    value comes over the connection instead of a message per row, so the client spends
    next to no time on a large result (a third of a million rows: some 30 ms instead of some
    600 ms, in Python that holds the other threads up). A result too large for one text
    (1 GB) is read with :func:`query_frame`."""
    if not types:
        return query_frame(conn, statement, params, types=types)
    line = " || ',' || ".join(_csv_field(name, kind) for name, kind in types.items())
    if params:  # the statement's placeholders are %s and its percent signs doubled: so ours
        line = line.replace("%", "%%")
    aggregated = f"SELECT string_agg({line}, E'\\n') FROM ({statement}) AS r"
    try:
        with conn.cursor() as cur:
            if codecs.lookup(conn.info.encoding).name == "utf-8":  # Arrow reads UTF-8
                cur.adapters.register_loader("text", _TextBytes)
            cur.execute(aggregated, params or None)  # type: ignore[arg-type]
            row = cur.fetchone()
    except (psycopg.errors.ProgramLimitExceeded, psycopg.errors.OutOfMemory):
        return query_frame(conn, statement, params, types=types)
    text = row[0] if row and row[0] is not None else None
    if isinstance(text, str):
        text = text.encode()
    options = pa_csv.ReadOptions(block_size=16 << 20)
    if not text:  # no rows, or one empty line: the header alone (Arrow reads nothing else)
        header = ",".join('"' + name.replace('"', '""') + '"' for name in types)
        text = header.encode() + b"\n"
    else:
        options.column_names = list(types)
    table = pa_csv.read_csv(
        io.BytesIO(text), read_options=options, convert_options=_csv_convert(types)
    )
    return table.to_pandas()


class _TextBytes(Loader):
    """A text value as the bytes a UTF-8 connection sent, not decoded into a Python
    string: :func:`aggregated_frame`'s one CSV text goes to Arrow as it came (a national
    cut of 3.9 million rows, 180 MB: some 0.4 s less than decoding it and encoding it
    again)."""

    def load(self, data: Any) -> bytes:
        return bytes(data)
