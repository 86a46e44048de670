"""Results computed once per version of the PostgreSQL store and kept with it (``results``:
the version, a name and the result as Parquet bytes): the jumps of every area level and
protection (:mod:`regie_analytics.insights.level_jumps`). The commit that writes a version
computes them from its cube summed per area, month, domain and theme (in memory for a first
import, else read back in its transaction) while PostgreSQL builds the version's indexes
(:class:`JumpsBeside`), and every dashboard server reads them
(:meth:`~regie_analytics.store.pgengine.PostgresEngine.stored_result`) instead of computing
them: a national buurt level's took 4-5 s of the first visitor's wait, most of it reading 3.9
million rows of the cube back. A version without them (written before, or their computation
failed) has them computed by the dashboard as before."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from regie_analytics import engine as engines
from regie_analytics.geo import available_levels, parent_code_map
from regie_analytics.insights.level_jumps import JUMP_COLUMNS, jumps_name, level_jumps
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, DOMAIN, SENTINEL_AREAS, THEME
from regie_analytics.store.pgcopy import aggregated_frame, result_types

LOG = logging.getLogger(__name__)


def located_cut(rollup: pd.DataFrame) -> pd.DataFrame:
    """The cut the jumps are computed from, as a dashboard reads it from the engine
    (:func:`regie_analytics.engine.cube_cut` by :data:`JUMP_COLUMNS`, ``located``, with the
    whole cube's values as categories): from ``rollup``, the version's cube summed per those
    columns (the sentinel areas included, cell keys summed)."""
    categories = {
        column: sorted(str(v) for v in rollup[column].dropna().unique())
        for column in (AREA_CODE, DOMAIN, THEME)
    }
    located = rollup.loc[~rollup[AREA_CODE].isin(sorted(SENTINEL_AREAS))]
    frame = pd.DataFrame(
        {
            **{c: pd.Series(located[c].astype("object"), dtype="str") for c in JUMP_COLUMNS},
            COUNT: located[COUNT].astype("int64"),
            CELL_KEY: located[CELL_KEY].astype("int64") % 256,
        }
    ).reset_index(drop=True)
    return engines.typed_cut(frame, JUMP_COLUMNS, categories=categories)


def read_rollup(conn: psycopg.Connection[Any], number: int) -> pd.DataFrame:
    """Version ``number``'s ``cube_area_themes`` (written in this transaction)."""
    columns = ", ".join(f'"{c}"' for c in (*JUMP_COLUMNS, COUNT, CELL_KEY))
    statement = f"SELECT {columns} FROM cube_area_themes WHERE version = %s"
    types = result_types(conn, statement, (number,))
    return aggregated_frame(conn, statement, (number,), types=types)


def level_parents(areas: pd.DataFrame) -> dict[str, pd.Series | None]:
    """Per level of ``areas`` (finest first) what :func:`level_jumps` sums the finest areas
    with, as a dashboard finds it (None for the finest level)."""
    levels = available_levels(areas)  # type: ignore[arg-type]
    return {
        level: None if i == 0 else parent_code_map(areas, level)  # type: ignore[arg-type]
        for i, level in enumerate(levels)
    }


class Stopped(Exception):
    """:func:`all_jumps` was asked to stop."""


def all_jumps(
    rollup: pd.DataFrame,
    parents: Mapping[str, pd.Series | None],
    *,
    stop: threading.Event | None = None,
) -> dict[str, bytes]:
    """The jumps of every level and protection from ``rollup`` (see :func:`located_cut`), by
    :func:`jumps_name`, as Parquet bytes; :class:`Stopped` raised at the next level once
    ``stop`` is set."""
    cube = located_cut(rollup)
    out: dict[str, bytes] = {}
    for private in (True, False):
        for level, mapping in parents.items():
            if stop is not None and stop.is_set():
                raise Stopped
            buffer = io.BytesIO()
            level_jumps(cube, mapping, private).to_parquet(buffer)
            out[jumps_name(level, private)] = buffer.getvalue()
    return out


class JumpsBeside:
    """:func:`all_jumps` computed in a daemon thread of its own while the commit's connection
    waits for PostgreSQL (building indexes on one core), then written with :meth:`write`;
    :meth:`stop` ends it early (a commit that failed meanwhile: the thread stops at its next
    level instead of holding the process up)."""

    def __init__(self, rollup: pd.DataFrame, parents: Mapping[str, pd.Series | None]) -> None:
        self._stop = threading.Event()
        self._done = threading.Event()
        self._results: dict[str, bytes] | None = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._results = all_jumps(rollup, parents, stop=self._stop)
            except BaseException as exc:
                self._error = exc
            finally:
                self._done.set()

        threading.Thread(target=run, name="jumps", daemon=True).start()

    def stop(self) -> None:
        """Ask the thread to stop (no effect once it is done)."""
        self._stop.set()

    def write(self, conn: psycopg.Connection[Any], number: int) -> int:
        """Write the results as version ``number``'s (none when their computation failed:
        logged, and the dashboard computes them); returns how many."""
        self._done.wait()
        if self._results is None:  # a derived result: the version is right without it
            LOG.warning("sprongen niet vooraf berekend", exc_info=self._error)
            return 0
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO results (version, name, data) VALUES (%s, %s, %s)",
                [(number, name, data) for name, data in self._results.items()],
            )
        return len(self._results)


def jumps_beside(
    conn: psycopg.Connection[Any],
    number: int,
    rollup: pd.DataFrame | None,
    area_attributes: Callable[[], pd.DataFrame],
) -> JumpsBeside | None:
    """Start computing version ``number``'s jumps (:class:`JumpsBeside`) from ``rollup`` (None:
    read back in this transaction, :func:`read_rollup`) and the levels of the version's
    areas (``area_attributes()``: read in this transaction); None when those cannot be read
    (logged: a savepoint keeps the commit's transaction going without them)."""
    try:
        with conn.transaction():
            rollup = read_rollup(conn, number) if rollup is None else rollup
            parents = level_parents(area_attributes())
    except Exception:  # a derived result: the version is right without it
        LOG.warning("sprongen niet vooraf berekend", exc_info=True)
        return None
    return JumpsBeside(rollup, parents)


def read_result(
    conn: psycopg.Connection[Any], schema: str, number: int, name: str
) -> pd.DataFrame | None:
    """Version ``number``'s result ``name`` from the ``results`` of ``schema`` (named: a store
    written before the table must not find another schema's on its search path), None when it
    has none."""
    statement = sql.SQL("SELECT data FROM {} WHERE version = %s AND name = %s").format(
        sql.Identifier(schema, "results")
    )
    row = conn.execute(statement, (number, name)).fetchone()
    return None if row is None else pd.read_parquet(io.BytesIO(bytes(row[0])))
