"""The PostgreSQL store's tables, URL and schema, and its pool of connections (bulk transfers:
:mod:`~regie_analytics.store.pgcopy`).

A database location is a URL (``postgresql://user:password@host:5432/database``); the
store's tables live in one schema, ``regie`` unless the URL's ``options`` set another
(``?options=-csearch_path%3Dgemeente_a``), so several stores can share a database. The tables
are created on first write (with the PostGIS extension; their indexes:
:mod:`~regie_analytics.store.pgindexes`):

``head``
    one row: the current version (switched in the transaction that writes a version).
``versions``
    one row per kept version: its manifest (jsonb), areas set and taxonomy, and a token
    that tells a rebuilt store's version 1 from the one before.
``areas``, ``taxonomies``
    boundaries (PostGIS geometry) and taxonomy files, shared by the versions that use them.
``area_levels``, ``area_web``, ``area_weights``
    per areas set and level the dissolved geometry of the coarser levels
    (:func:`regie_analytics.geo.stored.levels_table`), the map geometry
    (:func:`regie_analytics.geo.stored.web_table`) and the queen weights as an edge list
    (:func:`regie_analytics.stats.stored.weights_table`), written with the areas (the folder
    store's ``levels.parquet``, ``web.parquet`` and ``weights.parquet``).
``area_groups``
    per areas set and coarser level each finest area's code at that level
    (:func:`regie_analytics.geo.parent_code_map`, written with the areas): what PostgreSQL
    joins a coarser level's lead times with (a hash join with statistics, not a lookup per
    signal, :meth:`~regie_analytics.store.pgengine.PostgresEngine.lead_group`).
``signals``, ``counts``, ``cube_parts``
    each import's records and cube part, keyed (and block-range indexed) by part id (a version
    lists its parts in its manifest; parts are never changed, a correction writes new ones).
``cube_dims``, ``cube_areas``
    each kept version's cube summed over the areas (per row of the other dimensions and
    ``located``: whether the area is one, not a sentinel; a few thousand rows), and its
    distinct area codes: what the dashboard's cuts without areas and its lists of months,
    domains, themes, channels and areas are read from instead of the whole cube.
``results``
    each kept version's results computed at commit (Parquet bytes by name: the jumps of every
    level and protection, :mod:`~regie_analytics.store.pgresults`).
``cube_area_months``
    each kept version's cube summed over all but the area, the month and the domain (in month
    order, indexed by version and month, and by version and area): what a cut by those three
    at most, filtered on nothing else, is summed from (the maps, the area comparisons and
    trends of the default view: about half the cube's rows for a million signals, far fewer
    for ten million).
``cube_area_themes``, ``cube_area_channels``
    each kept version's cube summed per area, month, domain and theme (channel), in theme
    (channel) and month order, indexed by version, theme (channel) and month, by version
    and month, and by version and area: what a cut with a theme (channel) chosen, by and
    filtered on those four at most, is summed from (the maps, area comparisons and hot spots
    with a theme or a channel chosen) instead of the cube.
``cube_area_departments``
    the same per area, month, domain and department (in department and month order, indexed
    by version and month, and by version and area): the Samenhang page's areas by
    department of a period (a national year: 6.7 million cube rows or 3.7 million of these).
``signal_leads``
    each signal part's lead times: per signal the columns the dashboard's lead-time queries
    filter and group by and its lead time in microseconds, computed once when the part is
    written (in memory as its records are copied, :class:`~regie_analytics.store.pgleads.LeadTap`;
    for a part written before the table existed, :data:`LEADS_INSERT`), in order of the month
    received, the domain, the channel, the area and the time received
    (:data:`~regie_analytics.store.pgindexes.RANGE_INDEXES`), indexed by part, area and
    time (one area's lead times, as the area profile shows them, read without the others'):
    what :func:`regie_analytics.lead_sql.lead_time_cut` reads instead of the signals.
``cube``
    each kept version's cube, summed in the database from its imports' cube parts, its rows in
    month and channel order (indexed by version, month and channel, and by version and area:
    a channel's rows of a period, and the few areas of an area profile's cuts, read without
    the others); the view ``v000003`` is version 3's cube (what the dashboard's queries read).
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from regie_analytics.lead_sql import LEAD_COLUMNS, LEAD_TIME_SQL, LEAD_US
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CHANNEL,
    CLOSED_AT,
    COUNT,
    COUNT_COLUMNS,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    LAT,
    LON,
    MONTH,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
    THEME,
)
from regie_analytics.store.errors import StoreError, replaced
from regie_analytics.store.pgcopy import copy_rows as copy_rows  # where it was before
from regie_analytics.store.pgcopy import read_frame as read_frame

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


DIMS_COLUMNS = tuple(c for c in CUBE_DIMENSIONS if c != AREA_CODE)
"""The dimensions of ``cube_dims``: the cube's dimensions but the area."""
AREA_MONTH_COLUMNS = (AREA_CODE, MONTH, DOMAIN)
"""The dimensions of ``cube_area_months``: the area, the month and the domain."""
AREA_EXTRA_TABLES = {
    "cube_area_themes": THEME,
    "cube_area_channels": CHANNEL,
    "cube_area_departments": DEPARTMENT,
}
"""The tables of the cube summed per area, month, domain and one more dimension (the theme,
the channel, the department), and that dimension."""


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
CREATE TABLE IF NOT EXISTS area_levels (
    area_set integer NOT NULL,
    level text NOT NULL,
    position integer NOT NULL,
    area_code text NOT NULL,
    geom geometry,
    PRIMARY KEY (area_set, level, position)
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
CREATE TABLE IF NOT EXISTS area_groups (
    area_set integer NOT NULL,
    level text NOT NULL,
    area_code text NOT NULL,
    grp text NOT NULL,
    PRIMARY KEY (area_set, level, area_code)
);
CREATE TABLE IF NOT EXISTS signals (part integer NOT NULL, seq bigint NOT NULL,
    {_columns(SIGNAL_COLUMNS)});
CREATE TABLE IF NOT EXISTS counts (part integer NOT NULL, seq bigint NOT NULL,
    {_columns(COUNT_COLUMNS)});
CREATE TABLE IF NOT EXISTS cube_parts (part integer NOT NULL, {_columns(CUBE_COLUMNS)});
CREATE TABLE IF NOT EXISTS cube (version integer NOT NULL, {_columns(CUBE_COLUMNS)});
CREATE TABLE IF NOT EXISTS cube_dims (version integer NOT NULL, located boolean,
    {_columns(DIMS_COLUMNS)}, count bigint, cell_key integer);
CREATE TABLE IF NOT EXISTS cube_areas (version integer NOT NULL, area_code text);
CREATE TABLE IF NOT EXISTS cube_area_months (version integer NOT NULL,
    {_columns(AREA_MONTH_COLUMNS)}, count bigint, cell_key integer);
CREATE TABLE IF NOT EXISTS cube_area_themes (version integer NOT NULL,
    {_columns((*AREA_MONTH_COLUMNS, THEME))}, count bigint, cell_key integer);
CREATE TABLE IF NOT EXISTS cube_area_channels (version integer NOT NULL,
    {_columns((*AREA_MONTH_COLUMNS, CHANNEL))}, count bigint, cell_key integer);
CREATE TABLE IF NOT EXISTS cube_area_departments (version integer NOT NULL,
    {_columns((*AREA_MONTH_COLUMNS, DEPARTMENT))}, count bigint, cell_key integer);
CREATE TABLE IF NOT EXISTS signal_leads (part integer NOT NULL,
    {", ".join(f"{c} {'bigint' if c == LEAD_US else sql_type(c)}" for c in LEAD_COLUMNS)});
CREATE TABLE IF NOT EXISTS results (version integer NOT NULL, name text NOT NULL,
    data bytea NOT NULL, PRIMARY KEY (version, name));
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
READ_SETTINGS = {"work_mem": "128MB", "jit": "off"}
"""Session settings of this program's connections (a writer raises ``work_mem`` further in
its transaction): a national cube cut's GROUP BY hashes in memory instead of sorting on disk
(PostgreSQL's default, 4 MB, makes it about twice as slow), and no query waits for JIT
compilation (a tenth of a second per query over the whole cube, for no gain on these)."""
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
        for name, value in READ_SETTINGS.items():
            conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
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
    "ORDER BY month, channel"
).format(columns=sql.SQL(", ").join(map(sql.Identifier, CUBE_COLUMNS)))
"""The cube of a version with one import: its cube part as it is (a part has one row per
cell already), its rows in month and channel order (see :data:`CUBE_SUM`)."""

CUBE_SUM = sql.SQL(
    "INSERT INTO cube (version, {dims}, count, cell_key) "
    "SELECT %s, {dims}, SUM(count), SUM(cell_key) %% 256 FROM cube_parts "
    "WHERE part = ANY(%s) GROUP BY {dims} ORDER BY month, channel"
).format(dims=sql.SQL(", ").join(map(sql.Identifier, CUBE_DIMENSIONS)))
"""The version's cube summed from its imports' cube parts (cell key: key sum mod 256), its rows
in month and channel order: with the index on (version, month, channel) a cut to a period reads
only its months, and one to a channel too only that channel's rows of them (a cut with a channel
and a theme chosen reads the cube: the area rollups hold one or the other)."""


CUBE_DIMS = sql.SQL(
    "INSERT INTO cube_dims (version, located, {dims}, count, cell_key) "
    "SELECT %s, area_code <> ALL(%s), {dims}, SUM(count), SUM(cell_key) %% 256 FROM cube "
    "WHERE version = %s GROUP BY 2, {dims}"
).format(dims=sql.SQL(", ").join(map(sql.Identifier, DIMS_COLUMNS)))
"""A version's ``cube_dims``: its cube summed over the areas, apart for the sentinel areas
(``located`` false, or missing where the area is), as :func:`engine.cube_cut` sums it."""


AREA_MONTHS = sql.SQL(
    "INSERT INTO cube_area_months (version, {dims}, count, cell_key) "
    "SELECT %s, {dims}, SUM(count), SUM(cell_key) %% 256 FROM cube WHERE version = %s "
    "GROUP BY {dims} ORDER BY month"
).format(dims=sql.SQL(", ").join(map(sql.Identifier, AREA_MONTH_COLUMNS)))
"""A version's ``cube_area_months``: its cube summed per area, month and domain (cell key: key
sum mod 256, as :func:`engine.cube_cut` sums it), in month order."""


def area_extra_insert(table: str) -> sql.Composed:
    """The ``INSERT`` of a version's rows of ``table`` (one of :data:`AREA_EXTRA_TABLES`):
    its cube summed per area, month, domain and the table's dimension, in the order of that
    dimension and the month (parameters: the version twice)."""
    extra = AREA_EXTRA_TABLES[table]
    dims = sql.SQL(", ").join(map(sql.Identifier, (*AREA_MONTH_COLUMNS, extra)))
    return sql.SQL(
        "INSERT INTO {table} (version, {dims}, count, cell_key) "
        "SELECT %s, {dims}, SUM(count), SUM(cell_key) %% 256 FROM cube WHERE version = %s "
        "GROUP BY {dims} ORDER BY {extra}, month"
    ).format(table=sql.Identifier(table), dims=dims, extra=sql.Identifier(extra))


LEADS_INSERT = sql.SQL(
    "INSERT INTO signal_leads (part, {columns}) SELECT part, {values} FROM signals "
    "WHERE part = %s ORDER BY date_trunc('month', received_at), domain COLLATE \"C\", "
    'channel COLLATE "C", area_code COLLATE "C", received_at, seq'
).format(
    columns=sql.SQL(", ").join(map(sql.Identifier, LEAD_COLUMNS)),
    values=sql.SQL(", ").join(
        sql.SQL(LEAD_TIME_SQL) if c == LEAD_US else sql.Identifier(c)  # type: ignore[arg-type]
        for c in LEAD_COLUMNS
    ),
)
"""A signal part's ``signal_leads`` from its stored signals (a part written before the table
existed): its lead times computed as the engine computes them from the signals
(:data:`regie_analytics.lead_sql.LEAD_TIME_SQL`), so both give the same values; its rows in
the order :class:`~regie_analytics.store.pgleads.LeadTap` writes them (month received; domain,
channel and area code in the "C" collation; time received; the records' order, ``seq``)."""


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
