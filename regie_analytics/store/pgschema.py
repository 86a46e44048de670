"""The PostgreSQL store's tables, connections and bulk transfers.

A database location is a URL (``postgresql://user:password@host:5432/database``); the
store's tables live in one schema, ``regie`` unless the URL's ``options`` set another
(``?options=-csearch_path%3Dgemeente_a``), so several stores can share a database. The tables
are created on first write (with the PostGIS extension):

``head``
    one row: the current version (switched in the transaction that writes a version).
``versions``
    one row per kept version: its manifest (jsonb), areas set and taxonomy, and a token
    that tells a rebuilt store's version 1 from the one before.
``areas``, ``taxonomies``
    boundaries (PostGIS geometry) and taxonomy files, shared by the versions that use them.
``area_web``, ``area_weights``
    per areas set and level the map geometry (:func:`regie_analytics.geo.stored.web_table`)
    and the queen weights as an edge list (:func:`regie_analytics.stats.stored.weights_table`),
    written with the areas (the folder store's ``web.parquet`` and ``weights.parquet``).
``signals``, ``counts``, ``cube_parts``
    each import's records and cube part, keyed by part id (a version lists its parts in its
    manifest; parts are never changed, a correction writes new ones).
``cube``
    each kept version's cube, summed in the database from its imports' cube parts, its rows in
    month order (indexed by version and month); the view ``v000003`` is version 3's cube (what
    the dashboard's queries read).
"""

from __future__ import annotations

import atexit
import io
import os
import re
import shlex
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from regie_analytics.schema import (
    CELL_KEY,
    CLOSED_AT,
    COUNT,
    COUNT_COLUMNS,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    LAT,
    LON,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
)
from regie_analytics.store.errors import StoreError, replaced

DEFAULT_SCHEMA = "regie"
"""The schema of a store whose URL names none."""

_INTEGERS = {COUNT: "bigint", CELL_KEY: "integer", RECORD_KEY: "smallint"}
_FLOATS = (LON, LAT)
_TIMES = (RECEIVED_AT, CLOSED_AT)
_CATEGORIES = tuple(
    c for c in SIGNAL_COLUMNS if c not in (SIGNAL_ID, *_TIMES, *_FLOATS, RECORD_KEY)
)
"""Signal columns that a folder store keeps as categories."""
AREA_TEXT = (
    "name",
    "level",
    "wijk_code",
    "stadsdeel_code",
    "stadsdeel_name",
    "gemeente_code",
    "gemeente_name",
)
AREA_NUMBERS = ("population", "area_km2")


def sql_type(column: str) -> str:
    """The SQL type of a record or cube column."""
    if column in _INTEGERS:
        return _INTEGERS[column]
    if column in _FLOATS:
        return "double precision"
    if column in _TIMES:
        return "timestamp"
    return "text"


def _columns(names: Iterable[str]) -> str:
    return ", ".join(f"{name} {sql_type(name)}" for name in names)


TABLES = f"""
CREATE TABLE IF NOT EXISTS head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    version integer PRIMARY KEY,
    manifest jsonb NOT NULL,
    areas integer NOT NULL,
    taxonomy integer NOT NULL,
    token text NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text)
);
CREATE SEQUENCE IF NOT EXISTS ids;
CREATE TABLE IF NOT EXISTS taxonomies (id integer PRIMARY KEY, csv bytea NOT NULL);
CREATE TABLE IF NOT EXISTS areas (
    area_set integer NOT NULL,
    position integer NOT NULL,
    area_code text NOT NULL,
    {", ".join(f"{c} text" for c in AREA_TEXT)},
    {", ".join(f"{c} double precision" for c in AREA_NUMBERS)},
    geom geometry,
    PRIMARY KEY (area_set, position)
);
CREATE TABLE IF NOT EXISTS area_web (
    area_set integer NOT NULL,
    level text NOT NULL,
    position integer NOT NULL,
    area_code text NOT NULL,
    tolerance_m double precision NOT NULL,
    geom geometry,
    PRIMARY KEY (area_set, level, position)
);
CREATE TABLE IF NOT EXISTS area_weights (
    area_set integer NOT NULL,
    level text NOT NULL,
    seq bigint NOT NULL,
    focal text NOT NULL,
    neighbour text NOT NULL,
    PRIMARY KEY (area_set, level, seq)
);
CREATE TABLE IF NOT EXISTS signals (part integer NOT NULL, seq bigint NOT NULL,
    {_columns(SIGNAL_COLUMNS)});
CREATE INDEX IF NOT EXISTS signals_part ON signals (part);
CREATE TABLE IF NOT EXISTS counts (part integer NOT NULL, seq bigint NOT NULL,
    {_columns(COUNT_COLUMNS)});
CREATE INDEX IF NOT EXISTS counts_part ON counts (part);
CREATE TABLE IF NOT EXISTS cube_parts (part integer NOT NULL, {_columns(CUBE_COLUMNS)});
CREATE INDEX IF NOT EXISTS cube_parts_part ON cube_parts (part);
CREATE TABLE IF NOT EXISTS cube (version integer NOT NULL, {_columns(CUBE_COLUMNS)});
CREATE INDEX IF NOT EXISTS cube_version_month ON cube (version, month);
"""
"""The store's tables (in the store's schema; see the module docstring)."""

RECORD_COLUMNS = {"signals": SIGNAL_COLUMNS, "counts": COUNT_COLUMNS}
"""The columns stored of each kind of record."""


def shown_url(url: str) -> str:
    """The URL without its password, as messages show it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def schema_of(url: str) -> str:
    """The store's schema: ``search_path`` in the URL's ``options``, else ``regie``."""
    try:
        options = conninfo_to_dict(url).get("options") or ""
    except psycopg.ProgrammingError as exc:
        raise StoreError(
            "dit is geen geldig adres van een PostgreSQL-database.",
            file=shown_url(url),
            hint="schrijf het als postgresql://gebruiker:wachtwoord@server:5432/database.",
        ) from exc
    words = shlex.split(str(options))
    for index, word in enumerate(words):
        setting = word[2:] if word.startswith("-c") else ""
        if not setting and word == "-c" and index + 1 < len(words):
            setting = words[index + 1]
        name, _, value = setting.partition("=")
        if name.strip() == "search_path" and value.strip():
            schema = value.split(",")[0].strip().strip('"')
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
                raise StoreError(
                    f"'{schema}' is geen bruikbare schemanaam voor de store.",
                    file=shown_url(url),
                    hint="gebruik kleine letters, cijfers en _ (bijvoorbeeld gemeente_a).",
                )
            return schema
    return DEFAULT_SCHEMA


def unreachable(exc: psycopg.Error, url: str) -> StoreError:
    """A database that cannot be reached (or refuses us), explained in Dutch."""
    return StoreError(
        f"de database van de store is niet bereikbaar ({_reason(exc)}); er is niets gelezen of "
        "geschreven.",
        file=shown_url(url),
        hint="controleer het adres, de gebruiker en het wachtwoord, en of de server draait.",
    )


def lost(exc: psycopg.Error, url: str) -> StoreError:
    """The connection to the database lost in the middle of a read or write, in Dutch."""
    return StoreError(
        f"de verbinding met de database van de store is verbroken ({_reason(exc)}); er is "
        "niets geschreven.",
        file=shown_url(url),
        hint="probeer het zo opnieuw (laad de pagina opnieuw); blijft dit zo, vraag de beheerder "
        "of de databaseserver draait.",
    )


def _reason(exc: psycopg.Error) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


MAX_CONNECTIONS = 8
"""Connections one process holds at most to one store (sessions beyond wait for one)."""
WAIT_S = 60.0
"""How long a query waits for a free connection before it is refused."""


class _Pool:
    """The connections of this process to one store: idle ones are kept and handed out again
    (checked first: a server restarted meanwhile leaves them broken), at most
    :data:`MAX_CONNECTIONS` at once. Thread-safe."""

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name="regie_analytics")
        except psycopg.OperationalError as exc:
            raise unreachable(exc, self.url) from exc
        row = conn.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        path = [self.schema] + ([row[0]] if row else ["public"])
        conn.execute(
            sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, path)))
        )
        return conn

    def take(self) -> psycopg.Connection[Any]:
        """A connection of this store: an idle one that still answers, else a new one."""
        if not self._slots.acquire(timeout=WAIT_S):
            raise StoreError(
                f"de database van de store is te druk: na {WAIT_S:.0f} s was er nog geen "
                "verbinding vrij.",
                file=shown_url(self.url),
                hint="probeer het zo opnieuw; blijft dit zo, vraag de beheerder naar de "
                "belasting van de databaseserver.",
            )
        try:
            while True:
                with self._lock:
                    conn = self._idle.pop() if self._idle else None
                if conn is None:
                    return self._connect()
                try:
                    conn.execute("")  # one round trip: does the server still answer?
                    return conn
                except psycopg.Error:  # lost (a restarted server): so are the other idle ones
                    conn.close()
                    self.clear()
        except BaseException:
            self._slots.release()
            raise

    def give(self, conn: psycopg.Connection[Any]) -> None:
        """Hand back a connection taken with :meth:`take` (kept when it is clean)."""
        try:
            clean = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
            with self._lock:
                if clean:
                    self._idle.append(conn)
            if not clean:
                conn.close()
        finally:
            self._slots.release()

    def clear(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_POOLS: dict[tuple[int, str, str], _Pool] = {}
_POOLS_LOCK = threading.Lock()


def _pool(url: str, schema: str) -> _Pool:
    """This process's pool of ``url`` (a forked child makes its own)."""
    key = (os.getpid(), url, schema)
    with _POOLS_LOCK:
        found = _POOLS.get(key)
        if found is None:
            found = _POOLS[key] = _Pool(url, schema)
        return found


@atexit.register
def close_connections() -> None:
    """Close every idle connection of this process (at exit; the pools stay usable)."""
    with _POOLS_LOCK:
        pools = [pool for (pid, _, _), pool in _POOLS.items() if pid == os.getpid()]
    for pool in pools:
        pool.clear()


@contextmanager
def connection(url: str, schema: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection of this process's pool for the store (autocommit; ``search_path`` the
    store's schema, then PostGIS's). An unreachable database, or a connection lost on the
    way, raises a :class:`StoreError` that says so in Dutch."""
    pool = _pool(url, schema)
    conn = pool.take()
    try:
        yield conn
    except psycopg.OperationalError as exc:
        if conn.broken or conn.closed:
            raise lost(exc, url) from exc
        raise
    finally:
        pool.give(conn)


def has_tables(conn: psycopg.Connection[Any], schema: str, table: str = "head") -> bool:
    """Whether the store's tables exist (a store that was never written has none), or one
    ``table`` (added later than the others)."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{schema}.{table}",)).fetchone()
    return row is not None and row[0] is not None


def create_tables(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create PostGIS, the schema and the store's tables where missing (inside the caller's
    transaction, so a failed first write leaves nothing)."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for statement in TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)  # type: ignore[call-overload]


def new_id(conn: psycopg.Connection[Any]) -> int:
    """A fresh id for a part, an areas set or a taxonomy."""
    row = conn.execute("SELECT nextval('ids')").fetchone()
    assert row is not None
    return int(row[0])


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
            stamps = pd.to_datetime(values)
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = stamps.dt.tz_localize(None)
            missing = stamps.isna().to_numpy()
            raw = stamps.to_numpy(dtype="datetime64[us]").view("int64") - _PG_EPOCH_US
            width, packed = 8, raw.astype(">i8")
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
    _, offset_buffer, body = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + rows + 1]
    lengths = np.diff(offsets)
    if array.null_count:
        lengths[np.asarray(array.is_null())] = -1
    data = (
        np.frombuffer(body, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if body is not None
        else np.empty(0, dtype=np.uint8)
    )
    return _Field(lengths, data)


def _binary_rows(fields: list[_Field], rows: int) -> bytes:
    """Rows in COPY's binary form: per row the number of fields, then each field's length
    (big-endian int32, -1 for a missing value) and its bytes."""
    sizes = [np.maximum(f.lengths, 0) for f in fields]
    row_size = 2 + sum(4 + size for size in sizes)
    starts = np.zeros(rows, dtype=np.int64)
    np.cumsum(row_size[:-1], out=starts[1:])
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    count = np.frombuffer(np.array(len(fields), dtype=">i2").tobytes(), dtype=np.uint8)
    out[starts] = count[0]
    out[starts + 1] = count[1]
    position = starts + 2
    four = np.arange(4)
    for field, size in zip(fields, sizes, strict=True):
        prefix = field.lengths.astype(">i4").view(np.uint8).reshape(rows, 4)
        out[position[:, None] + four] = prefix
        total = int(size.sum())
        if total:
            before = np.zeros(rows, dtype=np.int64)
            np.cumsum(size[:-1], out=before[1:])
            out[np.repeat(position + 4 - before, size) + np.arange(total)] = field.data
        position = position + 4 + size
    return out.tobytes()


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
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    written = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
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
    convert = pa_csv.ConvertOptions(
        column_types={name: _ARROW_TYPES.get(kind, pa.string()) for name, kind in types.items()},
        true_values=["t"],
        false_values=["f"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
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


def query_frame(
    conn: psycopg.Connection[Any], statement: str, params: Sequence[Any] = ()
) -> pd.DataFrame:
    """The rows of an SQL ``statement`` (``%s`` placeholders, and ``%%`` for ``%``, when there
    are ``params``; without them the text as it is) as one frame read through Arrow
    (:func:`stream_frames`): numbers as numpy columns, text as Arrow-backed strings, as
    :class:`regie_analytics.engine.DuckDBEngine` gives them; no Python object per value."""
    with conn.cursor() as cur:  # the result's columns and types, without running it
        cur.execute(f"SELECT * FROM ({statement}) AS result LIMIT 0", params or None)  # type: ignore[arg-type]
        types = {d.name: _TYPE_NAMES.get(d.type_code, "text") for d in cur.description or []}
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


def as_records(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Records read from the database with the types a folder store gives them (signals:
    labels as categories, times, coordinates; counts: text and whole numbers)."""
    out = frame.copy()
    for column in out.columns:
        if column in _TIMES:
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
        elif column in _FLOATS:
            out[column] = out[column].astype("float64")
        elif column == RECORD_KEY:
            out[column] = out[column].astype("int16")
        elif column in _INTEGERS:
            out[column] = out[column].astype("int64")
        elif kind == "signals" and column in _CATEGORIES:
            out[column] = out[column].astype("str").astype("category")
        else:
            out[column] = out[column].astype("str")
    return out


def as_cube(frame: pd.DataFrame) -> pd.DataFrame:
    """A cube read from the database with the folder store's types, in its order."""
    out = frame.reindex(columns=list(CUBE_COLUMNS))
    for column in CUBE_DIMENSIONS:
        out[column] = out[column].astype("str")
    out[COUNT] = out[COUNT].astype("int64")
    out[CELL_KEY] = out[CELL_KEY].astype("int64")
    return out.sort_values(list(CUBE_DIMENSIONS), ignore_index=True)


CUBE_COPY = sql.SQL(
    "INSERT INTO cube (version, {columns}) SELECT %s, {columns} FROM cube_parts WHERE part = %s "
    "ORDER BY month"
).format(columns=sql.SQL(", ").join(map(sql.Identifier, CUBE_COLUMNS)))
"""The cube of a version with one import: its cube part as it is (a part has one row per
cell already), its rows in month order (see :data:`CUBE_SUM`)."""

CUBE_SUM = sql.SQL(
    "INSERT INTO cube (version, {dims}, count, cell_key) "
    "SELECT %s, {dims}, SUM(count), SUM(cell_key) %% 256 FROM cube_parts "
    "WHERE part = ANY(%s) GROUP BY {dims} ORDER BY month"
).format(dims=sql.SQL(", ").join(map(sql.Identifier, CUBE_DIMENSIONS)))
"""The version's cube summed from its imports' cube parts (cell key: key sum mod 256), its rows
in month order: with the index on (version, month) a cut to a period reads only its months."""


class VersionRow(NamedTuple):
    """A row of ``versions``: the number, manifest, areas set, taxonomy and token."""

    number: int
    manifest: dict[str, Any]
    areas: int
    taxonomy: int
    token: str


def read_version(
    conn: psycopg.Connection[Any], schema: str, *, pinned: str | None, root: str
) -> VersionRow | None:
    """The current version (or the ``pinned`` one), None for an empty store."""
    if not has_tables(conn, schema):
        if pinned is not None:
            raise replaced(pinned, root)
        return None
    columns = "v.version, v.manifest, v.areas, v.taxonomy, v.token"
    if pinned is not None:
        row = conn.execute(
            f"SELECT {columns} FROM versions v WHERE v.version = %s",  # type: ignore[arg-type]
            (version_number(pinned),),
        ).fetchone()
        if row is None:
            raise replaced(pinned, root)
    else:
        row = conn.execute(
            f"SELECT {columns} FROM head JOIN versions v USING (version)"  # type: ignore[arg-type]
        ).fetchone()
    return None if row is None else VersionRow(*row)


def version_name(number: int) -> str:
    """A version's name (``v000003``), as the folder store names its folders."""
    return f"v{number:06d}"


def version_number(name: str) -> int:
    """The number of a version's name (``v000003`` -> 3); -1 for what is no version name."""
    digits = name[1:] if name.startswith("v") else ""
    return int(digits) if digits.isdigit() else -1
