"""The audit log of a database store: the same JSON lines as ``audit.jsonl``, with the same
chain of hashes, in the table ``audit`` of the store's schema, so that every dashboard server
and command on the database writes to one log. Rows are only ever inserted, one writer at a
time (an advisory lock that waits, so an export is recorded while an import runs)."""

from __future__ import annotations

from collections.abc import Callable

from psycopg import sql

from regie_analytics.store.pgschema import connection, schema_of

_LOCK_CLASS = 0x52_41_55_44  # "RAUD": the audit log's advisory lock


def append(url: str, line_after: Callable[[bytes, int], bytes]) -> bytes:
    """Append the line ``line_after(last_line, last_number)`` makes and return it."""
    schema = schema_of(url)
    with connection(url, schema) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_CLASS, schema))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS audit (nr integer PRIMARY KEY, line bytea NOT NULL)"
        )
        row = conn.execute("SELECT nr, line FROM audit ORDER BY nr DESC LIMIT 1").fetchone()
        number, last = (int(row[0]), bytes(row[1])) if row else (0, b"")
        line = line_after(last, number)
        conn.execute("INSERT INTO audit VALUES (%s, %s)", (number + 1, line))
        return line


def lines(url: str) -> list[bytes]:
    """Every line of the log, oldest first (none for a store without a log)."""
    schema = schema_of(url)
    with connection(url, schema) as conn:
        found = conn.execute("SELECT to_regclass(%s)", (f"{schema}.audit",)).fetchone()
        if found is None or found[0] is None:
            return []
        return [bytes(r[0]) for r in conn.execute("SELECT line FROM audit ORDER BY nr")]
