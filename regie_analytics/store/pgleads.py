"""A signal part's ``signal_leads`` rows computed in memory while its records are copied, and
written with ``COPY``: instead of PostgreSQL reading the part's signals back (an
``INSERT ... SELECT`` that sets hint bits on every new page of ``signals`` and sorts on one
core), numpy computes each lead time from the microseconds PostgreSQL stores
(:func:`regie_analytics.store.pgcopy.micros`), exactly as
:data:`~regie_analytics.lead_sql.LEAD_TIME_SQL` computes it there, and orders the rows by the
month received, the domain, the channel, the area (each text by its bytes: PostgreSQL's "C"
collation) and the time received, as :data:`~regie_analytics.store.pgschema.LEADS_INSERT`
does (:data:`LEAD_ORDER`): a period's rows are a run of the table's pages; within each month
a domain's and a channel's rows are runs too, so that a statement of one channel or domain
reads only those pages; and within those an area's are together, so that a statement of half
the areas reads about half of them (:data:`~regie_analytics.store.pgindexes.RANGE_INDEXES`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from regie_analytics.lead_sql import LEAD_COLUMNS, LEAD_US
from regie_analytics.schema import AREA_CODE, CHANNEL, CLOSED_AT, DOMAIN, RECEIVED_AT
from regie_analytics.store.pgcopy import copy_rows, micros

LOG = logging.getLogger(__name__)

RECEIVED_INDEX = "signal_leads_part_received"
"""The B-tree on ``signal_leads (part, received_at)`` of a store written before the lead rows
were ordered by area within each month (the block-range index serves a period since): in its
presence a new part's rows are written in the order received (each entry then goes at the end
of the B-tree, where rows in area order would each go somewhere inside it, 8 s more of a
national import), and a write that ends drops it (:func:`retire_received_index`)."""
RETIRE_WAIT = "200ms"
"""How long a write waits at its end for the lock that dropping :data:`RECEIVED_INDEX` takes
(every statement reading the lead rows holds the table meanwhile): then it tries again with
its next write."""
LEAD_ROWS = 1_000_000
"""Rows of ``signal_leads`` taken in order and encoded at a time."""
RADIX_LIMIT = 2**62
"""The largest sort key :func:`_sort_key` makes in mixed radix (within 64 bits)."""
_LAST = np.iinfo(np.int64).max
"""The sort key of a signal without a time received: last, as PostgreSQL sorts NULL."""
LEAD_ORDER = (DOMAIN, CHANNEL, AREA_CODE)
"""The columns a part's lead rows are ordered by within each month received (then by the
time received): filters of the Afhandeling, so that a month's pages are split by them (a
national year of one channel: a fifth of the pages read, the page's channel change 557-630 →
355-367 ms), then the area, which splits the statements of a level in halves
(:meth:`~regie_analytics.store.pgengine.PostgresEngine.lead_group`)."""


def lead_table(batch: pd.DataFrame) -> pa.Table:
    """One batch of signal records as rows of ``signal_leads``: the columns
    :data:`~regie_analytics.lead_sql.LEAD_COLUMNS`, the times received in the microseconds
    ``COPY`` writes and each lead time as the difference of the two times PostgreSQL holds
    (missing while the signal is open); the other columns as they are (the batches of one
    part have the same types: staged records are cast to one schema, and a frame is sliced)."""
    rows = len(batch)
    received, received_missing = micros(batch.get(RECEIVED_AT), rows)
    closed, closed_missing = micros(batch.get(CLOSED_AT), rows)
    open_ = received_missing | closed_missing
    columns: dict[str, pa.Array] = {}
    for name in LEAD_COLUMNS:
        if name == RECEIVED_AT:
            stamps = pa.array(received, type=pa.int64(), mask=received_missing)
            columns[name] = stamps.cast(pa.timestamp("us"))
        elif name == LEAD_US:
            columns[name] = pa.array(closed - received, type=pa.int64(), mask=open_)
        elif name in batch:
            column = pa.array(batch[name], from_pandas=True)
            if pa.types.is_dictionary(column.type) and column.type.index_type.bit_width < 32:
                # each batch's own categories (a byte's worth) may together need more
                column = column.cast(pa.dictionary(pa.int32(), column.type.value_type))
            columns[name] = column
        else:
            columns[name] = pa.nulls(rows)
    return pa.table(columns)


def _months(received: np.ndarray) -> np.ndarray:
    """The month (counted from January 1970) of each time received in microseconds
    (:data:`_LAST`, none: after every month)."""
    missing = received == _LAST
    months = np.where(missing, 0, received).astype("datetime64[us]").astype("datetime64[M]")
    numbers = months.astype(np.int64)
    return np.where(missing, numbers.max(initial=0) + 1, numbers)


def _ranks(codes: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Each row's text as its rank among the distinct texts sorted by their bytes (as
    PostgreSQL's "C" collation sorts them; missing: last), and how many ranks there are."""
    if not pa.types.is_dictionary(codes.type):
        codes = pc.dictionary_encode(codes.cast(pa.string()))
    codes = codes.unify_dictionaries()
    if codes.num_chunks == 0:
        return np.zeros(0, dtype=np.int64), 1
    dictionary = codes.chunk(0).dictionary.cast(pa.string())
    ranks = np.empty(len(dictionary) + 1, dtype=np.int64)
    ranks[pc.sort_indices(dictionary).to_numpy()] = np.arange(len(dictionary))
    ranks[-1] = len(dictionary)  # missing
    indices = pa.chunked_array([c.indices for c in codes.chunks], type=codes.type.index_type)
    return ranks[indices.fill_null(len(dictionary)).to_numpy().astype(np.int64)], len(ranks)


def _sort_key(month: np.ndarray, table: pa.Table, order: np.ndarray) -> np.ndarray:
    """One whole number per row (of ``table`` taken in ``order``) that sorts as the month,
    then the :data:`LEAD_ORDER` ranks: the ranks in mixed radix (or, where such a number
    could reach :data:`RADIX_LIMIT`, each row's position in a sort by every key)."""
    key = month - month.min(initial=0)
    span = int(key.max(initial=0)) + 1
    ranked = [_ranks(table.column(name)) for name in LEAD_ORDER]
    if span * int(np.prod([n for _, n in ranked], dtype=object)) >= RADIX_LIMIT:
        keys = [r.take(order) for r, _ in reversed(ranked)]
        position = np.empty(len(order), dtype=np.int64)
        position[np.lexsort([*keys, key])] = np.arange(len(order))
        return position
    for ranks, size in ranked:
        key = key * size + ranks.take(order)
    return key


class LeadTap:
    """Collects :func:`lead_table` of every batch that passes through :meth:`tap` (the
    records on their way to ``COPY``), for :meth:`write` afterwards."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []
        self.keys: list[np.ndarray] = []

    def tap(self, batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """The batches unchanged, each one's lead rows kept."""
        for batch in batches:
            table = lead_table(batch)
            received = table.column(RECEIVED_AT)
            key = received.cast(pa.int64()).fill_null(_LAST).to_numpy()
            self.tables.append(table)
            self.keys.append(key)
            yield batch

    def frames(self, rows: int = LEAD_ROWS, *, by_area: bool = True) -> Iterator[pd.DataFrame]:
        """The lead rows of every batch in order of the month received, the
        :data:`LEAD_ORDER` columns (their bytes) and the time received (stable sorts: rows
        received at the same time in the same month, domain, channel and area in the
        records' order; none received last, after every month; without ``by_area``: in the
        order received only), ``rows`` at a time; then none (each row is handed over once)."""
        tables, keys = self.tables, self.keys
        self.tables, self.keys = [], []
        if not any(t.num_rows for t in tables):
            return
        table = pa.concat_tables(tables, promote_options="permissive")
        received = np.concatenate(keys)
        del tables, keys
        order = np.argsort(received, kind="stable")
        if by_area:  # then by month, domain, channel and area, the order received within them
            key = _sort_key(_months(received[order]), table, order)
            order = order[np.argsort(key, kind="stable")]
            del key
        del received
        for start in range(0, len(order), rows):
            taken = table.take(pa.array(order[start : start + rows]))
            yield taken.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)

    def write(self, conn: psycopg.Connection[Any], part: int) -> int:
        """Write the collected rows into ``signal_leads`` as ``part``'s (in the order
        received while the store has :data:`RECEIVED_INDEX`); returns the rows."""
        frames = self.frames(by_area=_received_index(conn) is None)
        written = copy_rows(conn, "signal_leads", list(LEAD_COLUMNS), frames, fixed={"part": part})
        conn.execute("ANALYZE signal_leads")
        return written


def _received_index(conn: psycopg.Connection[Any]) -> sql.Identifier | None:
    """The store's :data:`RECEIVED_INDEX` (in the writer's schema, the first of its search
    path: never another store's), None where it has none."""
    row = conn.execute(
        "SELECT current_schema(), to_regclass(format('%%I.%%I', current_schema(), %s::text))",
        (RECEIVED_INDEX,),
    ).fetchone()
    if row is None or row[1] is None:
        return None
    return sql.Identifier(str(row[0]), RECEIVED_INDEX)


def retire_received_index(conn: psycopg.Connection[Any]) -> None:
    """Drop :data:`RECEIVED_INDEX` at the end of a write, where the store has it: in a
    savepoint, waiting at most :data:`RETIRE_WAIT` for the lock (held until the commit just
    after), so that no page waits on it for long; when another statement holds the lead rows
    that long it is left for the next write."""
    index = _received_index(conn)
    if index is None:
        return
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{RETIRE_WAIT}'")
            conn.execute(sql.SQL("DROP INDEX {}").format(index))
    except psycopg.errors.LockNotAvailable:
        LOG.info("%s: in gebruik, bij de volgende schrijfactie verwijderd", RECEIVED_INDEX)
