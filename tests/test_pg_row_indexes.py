"""A PostgreSQL store's indexes by part and by version (``pgschema.ROW_INDEXES``) are built after
a first write's rows, not kept up row by row while its ``COPY`` writes them (a national first
import: 113 → 95 s); a later write's ``COPY`` finds them and keeps them up, and a store without
them (written before) gets them with its next write. By part they are block-range indexes (a
part's rows lie together). Checked on real imports: the indexes each ``COPY`` found on its
table, in the writer's own transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from regie_analytics import engine as engines
from regie_analytics.schema import DOMAIN
from regie_analytics.store import PostgresStore, pgleads, pgwrite
from regie_analytics.store.pgindexes import ROW_INDEXES
from tests.national_case import imported, schema_url, signals, two_gemeenten

_TABLE = {name: target.split()[0] for name, target in ROW_INDEXES.items()}
"""Each index's table."""


def _indexes(conn: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s", (schema,)
    ).fetchall()
    return {str(name): str(definition) for name, definition in rows}


@pytest.mark.subprocess
def test_a_first_write_builds_its_indexes_by_part_and_version_after_its_rows(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = "rijindex"
    url = schema_url(pg_url, schema)
    boundaries, areas = two_gemeenten(tmp_path)
    found: dict[str, list[set[str]]] = {}  # per table: the indexes on it at each COPY
    copy = pgwrite.copy_rows

    def recording(conn: psycopg.Connection[Any], table: str, *args: Any, **kwargs: Any) -> int:
        rows = conn.execute(
            "SELECT indexname FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s",
            (table,),
        ).fetchall()
        found.setdefault(table, []).append({str(r[0]) for r in rows})
        return copy(conn, table, *args, **kwargs)

    monkeypatch.setattr(pgwrite, "copy_rows", recording)
    monkeypatch.setattr(pgleads, "copy_rows", recording)
    imported(url, signals(areas, tmp_path / "a.csv", rows=3000), boundaries=boundaries)
    tables = ("signals", "cube_parts", "cube", *(f"cube_area_{t}" for t in ("months", "themes")))
    for table in (*tables, "cube_area_channels", "cube_area_departments"):
        theirs = {name for name, on in _TABLE.items() if on == table}
        assert theirs and found[table], table
        assert all(not (theirs & at_copy) for at_copy in found[table]), table
    with psycopg.connect(pg_url) as conn:
        made = _indexes(conn, schema)
    assert set(ROW_INDEXES) <= set(made)
    for name in ROW_INDEXES:  # by part block ranges, by version B-trees
        assert ("USING brin (part)" in made[name]) == name.endswith("_part"), made[name]

    # a later write: its COPY keeps them up
    found.clear()
    imported(url, signals(areas, tmp_path / "b.csv", rows=2000, seed=1), source="b")
    for table in ("signals", "cube_parts"):
        theirs = {name for name, on in _TABLE.items() if on == table}
        assert found[table] and all(theirs <= at_copy for at_copy in found[table]), table

    # a store without them reads the same, and gets them with its next write
    store = PostgresStore(url)
    engine = store.engine(str(store.current))
    before = engines.cube_cut(engine, by=(DOMAIN,))
    assert int(before["count"].sum()) == 5000
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in ROW_INDEXES:
            conn.execute(f"DROP INDEX {schema}.{name}")
        assert not set(ROW_INDEXES) & set(_indexes(conn, schema))
    assert engines.cube_cut(engine, by=(DOMAIN,)).equals(before)
    imported(url, signals(areas, tmp_path / "c.csv", rows=1000, seed=2), source="c")
    with psycopg.connect(pg_url) as conn:
        assert set(ROW_INDEXES) <= set(_indexes(conn, schema))
