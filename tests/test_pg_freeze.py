"""A PostgreSQL store's first write creates its tables in its own transaction, so the rows it
copies into them are written frozen (``COPY ... FREEZE``): no reader or vacuum has to rewrite
those pages afterwards. Tables that existed before (a later import, an older store that only
lacks the newest tables) are copied into as usual; PostgreSQL refuses ``FREEZE`` there, so a
wrong choice fails the import. Checked with PostgreSQL's own visibility map
(``pg_visibility``)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from regie_analytics.store import PostgresStore
from tests.conftest import SAMPLE_IMPORTS, cli

COPIED = ("signals", "signal_leads", "cube_parts", "cube", "cube_area_themes", "areas")
"""Tables a first Signalen import fills with ``COPY``."""


def _pages(conn: psycopg.Connection[Any], schema: str, table: str) -> tuple[int, int]:
    """The pages of ``table`` and how many of them are marked all frozen."""
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE all_frozen) FROM pg_visibility_map(%s)",
        (f"{schema}.{table}",),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.subprocess
def test_a_first_import_is_written_frozen_and_later_ones_not(pg_url: str) -> None:
    schema = "bevroren"
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    (signalen, signalen_preset), (open311, open311_preset) = SAMPLE_IMPORTS[2], SAMPLE_IMPORTS[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
    result = cli("import", signalen, "--preset", signalen_preset, "--store", url)
    assert result.code == 0, result.err
    with psycopg.connect(pg_url) as conn:
        for table in COPIED:
            pages, frozen = _pages(conn, schema, table)
            assert pages > 0 and frozen == pages, table
        before = _pages(conn, schema, "signals")
    result = cli("import", open311, "--preset", open311_preset, "--store", url)
    assert result.code == 0, result.err
    with psycopg.connect(pg_url) as conn:
        pages, frozen = _pages(conn, schema, "signals")
        # the first import's pages stay frozen, but for its last (not full, it takes the
        # second's first rows); the second's are new and not frozen
        assert pages > before[0] and before[1] - 1 <= frozen < pages
        rows = conn.execute(f"SELECT count(*) FROM {schema}.signals").fetchone()
    store = PostgresStore(url)
    assert rows == (len(store.signals()),)
    assert [imp["preset"] for imp in store.manifest()["imports"]] == ["signalen", "open311"]


@pytest.mark.subprocess
def test_a_store_without_its_newest_tables_gets_them_frozen_and_the_others_not(
    pg_url: str,
) -> None:
    """An older store (made before ``signal_leads``): the next import creates that table
    (and copies into it frozen) and copies into the tables it had as usual."""
    schema = "ouder"
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    (signalen, preset), (open311, open311_preset) = SAMPLE_IMPORTS[2], SAMPLE_IMPORTS[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
    assert cli("import", signalen, "--preset", preset, "--store", url).code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {schema}.signal_leads")
        signals_before = _pages(conn, schema, "signals")
    result = cli("import", open311, "--preset", open311_preset, "--store", url)
    assert result.code == 0, result.err
    with psycopg.connect(pg_url) as conn:
        # made by this import: the new part's rows copied frozen, the older part's written
        # again by PostgreSQL from its signals (an INSERT: not frozen)
        pages, frozen = _pages(conn, schema, "signal_leads")
        assert 0 < frozen < pages
        pages, frozen = _pages(conn, schema, "signals")
        assert pages > signals_before[0] and signals_before[1] - 1 <= frozen < pages
        parts = conn.execute(f"SELECT count(DISTINCT part) FROM {schema}.signal_leads").fetchone()
    assert parts == (2,)  # the new part's, and the older part's written again
