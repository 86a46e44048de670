"""A PostgreSQL commit computes the jumps of every area level and protection and keeps them
with the version (``results``), and the dashboard reads them there instead of reading the
cube back and computing them: exactly the frames the dashboard computes from the engine's
cut, for a first import (from the rollup in memory) and a later one (read back in the
transaction); a version's results go with it; a computation that fails leaves the import
whole and the dashboard computes them. Checked on a real import (CBS wijken of three
gemeenten, 15 months of generated signals)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import engine as engines
from regie_analytics import geo
from regie_analytics.insights.level_jumps import JUMP_COLUMNS, jumps_name, level_jumps
from regie_analytics.schema import AREA_CODE, MONTH
from regie_analytics.store import open_store, pgresults
from regie_analytics.store.pgschema import version_number
from tests.national_case import imported, schema_url, signals, two_gemeenten

MONTHS = 15
"""Months of signals: jumps need 13."""


def _computed(engine: Any, areas: Any, level: str, private: bool) -> pd.DataFrame:
    """The jumps as the dashboard computes them without stored ones."""
    categories = {c: engines.distinct(engine, c) for c in JUMP_COLUMNS if c != MONTH}
    cut = engines.cube_cut(engine, by=JUMP_COLUMNS, located=True, categories=categories)
    finest = geo.available_levels(areas)[0]
    parents = None if level == finest else geo.parent_code_map(areas, level)
    return level_jumps(cut, parents, private)


def _check_version(url: str) -> int:
    """Every level's and protection's stored jumps of the current version equal the
    computed ones; returns how many jumps there are in all."""
    store = open_store(url)
    engine = store.engine(store.current)
    areas = store.areas()
    found = 0
    for level in geo.available_levels(areas):
        for private in (True, False):
            stored = engine.stored_result(jumps_name(level, private))
            assert stored is not None, (level, private)
            computed = _computed(engine, areas, level, private)
            assert_frame_equal(stored, computed, obj=f"{level} {private}")
            found += len(stored)
    return found


@pytest.mark.subprocess
def test_the_commit_keeps_every_levels_jumps_with_the_version(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = schema_url(pg_url, "sprongen")
    boundaries, areas = two_gemeenten(tmp_path)
    imported(
        url,
        signals(areas, months=MONTHS, out=tmp_path / "a.csv", rows=12000, seed=1),
        boundaries=boundaries,
    )
    assert _check_version(url) > 0  # a first import: from the rollup in memory
    imported(
        url,
        signals(areas, months=MONTHS, out=tmp_path / "b.csv", rows=3000, seed=2),
        source="tweede",
    )
    assert _check_version(url) > 0  # two parts: the rollup read back in the transaction

    # the dashboard reads them: no statement reads the cube
    from regie_analytics.ui import queries
    from regie_analytics.ui.data import latest

    monkeypatch.setenv("REGIE_STORE", url)
    snap = latest()
    assert snap is not None
    sent: list[str] = []
    lock = threading.Lock()
    query = snap.engine.query

    def recorded(sql: str, params: Any = ()) -> pd.DataFrame:
        with lock:
            sent.append(sql)
        return query(sql, params)

    snap.engine.query = recorded  # type: ignore[method-assign]
    got = {
        (level, private): queries._jumps_job(snap, level, private)[1]()
        for level in snap.levels
        for private in (True, False)
    }
    assert sent == []  # the stored ones were read: no statement of the engine's at all
    for (level, private), frame in got.items():
        assert_frame_equal(frame, _computed(snap.engine, snap.areas, level, private))
    assert sent  # (what computing them reads: the engine's statements were seen)

    # a version's results go with it; only the kept versions have any
    with psycopg.connect(url) as conn:
        kept = {r[0] for r in conn.execute("SELECT version FROM versions").fetchall()}
        held = {r[0] for r in conn.execute("SELECT DISTINCT version FROM results").fetchall()}
        names = conn.execute(
            "SELECT count(*) FROM results WHERE version = %s",
            (version_number(str(open_store(url).current)),),
        ).fetchone()
    assert held == kept and names is not None
    assert names[0] == 2 * len(geo.available_levels(areas))

    # a computation that fails: the import is whole, no results, the dashboard computes them
    def failing(*args: Any) -> dict[str, bytes]:
        raise RuntimeError("kapot")

    monkeypatch.setattr(pgresults, "all_jumps", failing)
    imported(
        url,
        signals(areas, months=MONTHS, out=tmp_path / "c.csv", rows=2000, seed=3),
        source="derde",
    )
    store = open_store(url)
    engine = store.engine(store.current)
    level = geo.available_levels(areas)[-1]

    assert engine.stored_result(jumps_name(level, True)) is None
    snap = latest()
    assert snap is not None and snap.version == store.current
    got = queries._jumps_job(snap, level, True)[1]()
    assert_frame_equal(got, _computed(engine, store.areas(), level, True))
    assert AREA_CODE in got.columns

    # more versions: the first is removed, its results with it
    monkeypatch.undo()
    for name, seed in (("vierde", 4), ("vijfde", 5)):
        imported(
            url,
            signals(areas, months=MONTHS, out=tmp_path / f"{name}.csv", rows=1000, seed=seed),
            source=name,
        )
    with psycopg.connect(url) as conn:
        kept = {r[0] for r in conn.execute("SELECT version FROM versions").fetchall()}
        held = {r[0] for r in conn.execute("SELECT DISTINCT version FROM results").fetchall()}
    assert kept == {2, 3, 4, 5} and held == {2, 4, 5}
    assert _check_version(url) > 0

    # a store written before the table: none stored (not another schema's on the search path,
    # where PostGIS is), the dashboard computes them
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE public.results AS SELECT * FROM sprongen.results")
        conn.execute("DROP TABLE sprongen.results")
    try:
        store = open_store(url)
        engine = store.engine(store.current)
        assert engine.stored_result(jumps_name(level, False)) is None
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("DROP TABLE public.results")
    monkeypatch.setenv("REGIE_STORE", url)
    snap = latest()
    assert snap is not None
    got = queries._jumps_job(snap, level, False)[1]()
    assert_frame_equal(got, _computed(engine, store.areas(), level, False))


@pytest.mark.subprocess
def test_a_commit_that_fails_stops_the_jumps_and_one_they_cannot_start_for_goes_on(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jumps' thread stops at its next level when the commit fails meanwhile (the
    process is not held up by it), the store stays as it was; a later version whose rollup
    cannot be read back is written without jumps (a savepoint keeps its transaction)."""
    from regie_analytics.store import pgwrite

    url = schema_url(pg_url, "sprongen_fout")
    boundaries, areas = two_gemeenten(tmp_path)
    imported(
        url,
        signals(areas, months=MONTHS, out=tmp_path / "a.csv", rows=6000, seed=1),
        boundaries=boundaries,
    )
    before = open_store(url).current
    original = pgresults.level_jumps
    levels: list[str] = []

    def slow(cube: Any, parents: Any, private: bool) -> pd.DataFrame:
        levels.append("x")
        time.sleep(1.0)
        return original(cube, parents, private)

    def failing_indexes() -> list[str]:
        raise RuntimeError("index kapot")

    monkeypatch.setattr(pgresults, "level_jumps", slow)
    monkeypatch.setattr(pgwrite, "area_indexes", failing_indexes)
    file = signals(areas, months=MONTHS, out=tmp_path / "b.csv", rows=2000, seed=2)
    done = imported(url, file, source="tweede", check=False)
    assert done.code != 0
    failed = time.monotonic()
    while any(t.name == "jumps" for t in threading.enumerate()):
        assert time.monotonic() - failed < 3.0, "the jumps' thread went on"
        time.sleep(0.05)
    assert len(levels) <= 2  # of six: stopped at the next level
    assert open_store(url).current == before

    def unreadable(conn: Any, number: int) -> pd.DataFrame:
        conn.execute("SELECT * FROM no_such_table")
        raise AssertionError("unreachable")

    monkeypatch.undo()
    monkeypatch.setattr(pgresults, "read_rollup", unreadable)
    imported(url, file, source="tweede")
    store = open_store(url)
    assert store.current != before
    engine = store.engine(store.current)
    assert all(
        engine.stored_result(jumps_name(level, private)) is None
        for level in geo.available_levels(areas)
        for private in (True, False)
    )
