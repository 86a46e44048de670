"""A PostgreSQL store's lead rows lie in the order received, and a block-range (BRIN) index on
the time received lets a period's lead-time statement read only that period's pages (and of a
channel or domain only the pages of its rows, which lie together within each month). Every
write leaves that index covering all of the table's pages: built after a first import's rows,
and a later import's new pages summarized by that import (pages left unsummarized would be
read by every statement). Checked with PostgreSQL's own ``brin_summarize_new_values`` (how
many ranges were still unsummarized) and its plan of a period's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.national_case import imported, schema_url, signals, two_gemeenten

INDEX = "signal_leads_part_received_kind_area_range"
RETIRED = "signal_leads_part_received_range"


def _pages(conn: psycopg.Connection[Any], schema: str) -> int:
    row = conn.execute(
        "SELECT pg_relation_size(%s) / current_setting('block_size')::int",
        (f"{schema}.signal_leads",),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _unsummarized(conn: psycopg.Connection[Any], schema: str, index: str = INDEX) -> int:
    """How many page ranges the index did not cover (it covers them from now on)."""
    row = conn.execute("SELECT brin_summarize_new_values(%s)", (f"{schema}.{index}",)).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.subprocess
def test_every_import_leaves_the_lead_rows_range_index_covering_all_pages(
    pg_url: str, tmp_path: Path
) -> None:
    schema = "bereik"
    url = schema_url(pg_url, schema)
    boundaries, areas = two_gemeenten(tmp_path)
    first = signals(areas, tmp_path / "a.csv", rows=1500)
    later = signals(areas, tmp_path / "b.csv", rows=9000, seed=1)
    imported(url, first, boundaries=boundaries)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert _unsummarized(conn, schema) == 0
        before = _pages(conn, schema)
        # the index of a store written before (on the time received alone), kept beside
        conn.execute(
            f"CREATE INDEX {RETIRED} ON {schema}.signal_leads USING brin (part, received_at) "
            "WITH (pages_per_range = 32)"
        )
    imported(url, later)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        # the later import's pages start new ranges (32 pages each) beyond the first's ...
        assert _pages(conn, schema) >= before + 2 * 32
        # ... which that import summarized itself, in the older index too
        assert _unsummarized(conn, schema) == 0
        assert _unsummarized(conn, schema, RETIRED) == 0
        conn.execute(f"DROP INDEX {schema}.{RETIRED}")  # (the planner would take the smaller)
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("SET enable_seqscan = off")  # the plan with an index, where one serves
        conn.execute("SET enable_indexscan = off")  # not the B-tree's row-by-row scan
        month = conn.execute("SELECT max(received_at) FROM signal_leads").fetchone()
        assert month is not None

        def plan(where: str) -> str:
            return " ".join(
                str(r[0])
                for r in conn.execute(
                    "EXPLAIN SELECT count(*) FROM signal_leads WHERE part IN (1, 2, 3) "
                    f"AND received_at >= date_trunc('month', %s::timestamp){where}",
                    (month[0],),
                ).fetchall()
            )

        period = plan("")
        # a channel's and a domain's rows are found through the index, not filtered after
        channel = plan(" AND channel IN ('App')")
        domain = plan(" AND domain IN ('sociaal')")
    assert f"Bitmap Index Scan on {INDEX}" in period
    assert f"Bitmap Index Scan on {INDEX}" in channel
    # (the index's condition: the plan's part after its scan)
    assert "(channel = 'App'::text)" in channel.split(f"Bitmap Index Scan on {INDEX}")[1]
    assert "(domain = 'sociaal'::text)" in domain.split(f"Bitmap Index Scan on {INDEX}")[1]
