"""A PostgreSQL store's lead rows lie in the order of the month received, the domain, the
channel, the area code and the time received, so that one channel's rows or half of the areas
are about as much of a period's pages. A store written
before has a B-tree on the time received (``pgleads.RECEIVED_INDEX``), into which rows in area
order would each go somewhere inside: there a new part is written in the order received, and
the write drops that B-tree just before its commit, so the next part is written in area order;
when a page's statement holds the lead rows, the write does not wait for it (it leaves the
B-tree for its next write). Checked on real imports, by the order of the rows on disk."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest

from regie_analytics.store.pgleads import RECEIVED_INDEX
from tests.national_case import imported, schema_url, signals, two_gemeenten
from tests.pg import c_order


def _last_part(conn: psycopg.Connection[Any], schema: str) -> list[tuple[Any, ...]]:
    """The last part's (month, domain, channel, area code, time received) in the order of its
    rows on disk."""
    rows = conn.execute(
        f"SELECT date_trunc('month', received_at), domain, channel, area_code, received_at "
        f"FROM {schema}.signal_leads WHERE part = (SELECT max(part) FROM {schema}.signal_leads) "
        "ORDER BY ctid"
    ).fetchall()
    assert len(rows) > 1000
    return [tuple(row) for row in rows]


def _in_order(rows: list[tuple[Any, ...]], key: Any) -> float:
    """The share of the rows that come after the one before them in the order of ``key`` (on
    disk a few rows may sit at the end of the page before: a later write fills it up)."""
    keys = [key(row) for row in rows]
    return sum(a <= b for a, b in pairwise(keys)) / (len(keys) - 1)


def _lead_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Month, domain, channel, area code ("C") and time received."""
    return (row[0], *map(c_order, row[1:4]), row[4])


def _by_area(rows: list[tuple[Any, ...]]) -> bool:
    return _in_order(rows, _lead_order) > 0.99 > _by_time_share(rows)


def _by_time_share(rows: list[tuple[Any, ...]]) -> float:
    return _in_order(rows, lambda r: r[4])


def _by_time(rows: list[tuple[Any, ...]]) -> bool:
    return _by_time_share(rows) > 0.99 > _in_order(rows, _lead_order)


def _has_index(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", (f"{schema}.{RECEIVED_INDEX}",)).fetchone()
    return row is not None and row[0] is not None


def _older(conn: psycopg.Connection[Any], schema: str) -> None:
    """Give the store the B-tree of a store written before."""
    conn.execute(f"CREATE INDEX {RECEIVED_INDEX} ON {schema}.signal_leads (part, received_at)")


@pytest.mark.subprocess
def test_an_older_stores_btree_keeps_the_order_received_until_a_write_drops_it(
    pg_url: str, tmp_path: Path
) -> None:
    schema = "volgorde"
    url = schema_url(pg_url, schema)
    boundaries, areas = two_gemeenten(tmp_path)

    def later(seed: int) -> None:
        imported(
            url, signals(areas, tmp_path / f"{seed}.csv", rows=3000, seed=seed), source=f"b{seed}"
        )

    imported(url, signals(areas, tmp_path / "a.csv", rows=3000), boundaries=boundaries)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert not _has_index(conn, schema)  # a new store has none
        first = _last_part(conn, schema)
        assert _by_area(first)
        # another store's, in public (on the writer's search path): not this store's
        conn.execute("CREATE TABLE public.signal_leads (part integer, received_at timestamp)")
        _older(conn, "public")
    try:
        later(5)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            assert _by_area(_last_part(conn, schema))
            assert _has_index(conn, "public")
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP TABLE public.signal_leads")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _older(conn, schema)
    later(1)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        part = _last_part(conn, schema)
        assert _by_time(part)  # written beside the B-tree
        assert not _has_index(conn, schema)  # dropped at the end of that write
    later(2)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert _by_area(_last_part(conn, schema))
        _older(conn, schema)

    # a page's statement holds the lead rows: the write ends without waiting for it
    with psycopg.connect(pg_url) as reader:
        reader.execute(f"SELECT count(*) FROM {schema}.signal_leads").fetchone()  # in its
        later(3)  # transaction, still open
        with psycopg.connect(pg_url, autocommit=True) as conn:
            assert _by_time(_last_part(conn, schema))
            assert _has_index(conn, schema)
        reader.rollback()
    later(4)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert _by_time(_last_part(conn, schema))
        assert not _has_index(conn, schema)
