"""The PostgreSQL store's query engine: :class:`PostgresEngine`, queries on one version's cube,
signals and the tables summed from them at commit (``cube_dims``, ``cube_areas``,
``cube_area_months``, ``signal_leads``), run in the database and read back as frames typed as
the DuckDB engine's (:func:`~regie_analytics.store.pgcopy.aggregated_frame`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import psycopg

from regie_analytics.lead_sql import LEAD_COLUMNS
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, SIGNAL_COLUMNS
from regie_analytics.stats.progress import Guard, run_statement
from regie_analytics.store.pgcopy import aggregated_frame, result_types
from regie_analytics.store.pgschema import (
    AREA_EXTRA_TABLES,
    AREA_MONTH_COLUMNS,
    DIMS_COLUMNS,
    connection,
    has_tables,
    version_name,
)

CANCEL_S = 2.0
"""How long cancelling a background job's statement (:meth:`PostgresEngine.query`) may take."""
TYPES_KEPT = 512
"""Statements whose result types an engine keeps (all of them are forgotten beyond)."""


class PostgresEngine:
    """Queries on one version's cube and signals, run in PostgreSQL: :attr:`cube` and
    :attr:`signals` are SQL relations of the version (see :class:`regie_analytics.engine.Engine`)
    and :meth:`query` runs SQL with ``?`` placeholders (as DuckDB writes them) and returns a
    frame read through Arrow, typed as the DuckDB engine's (see
    :func:`~regie_analytics.store.pgcopy.aggregated_frame`)."""

    def __init__(
        self,
        url: str,
        schema: str,
        version: int,
        signal_parts: list[int],
        *,
        dimensions: bool = False,
        leads: bool = False,
        area_months: bool = False,
        area_extras: Sequence[str] = (),
    ) -> None:
        self._url = url
        self._schema = schema
        self._types: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
        self.cube = f"{schema}.{version_name(version)}"
        dims = ", ".join(f'"{c}"' for c in ("located", *DIMS_COLUMNS, COUNT, CELL_KEY))
        self.dimensions = (
            f"(SELECT {dims} FROM {schema}.cube_dims WHERE version = {int(version)}) AS dims"
            if dimensions
            else None
        )
        """The version's cube summed over the areas (``cube_dims``: the cube's columns but
        the area, and ``located``; None for a version written before it existed):
        :func:`engine.cube_cut` and :func:`engine.distinct` read it where they can."""
        self.area_codes = (
            f'(SELECT "{AREA_CODE}" FROM {schema}.cube_areas WHERE version = {int(version)}) '
            "AS area_codes"
            if dimensions
            else None
        )
        """The version's distinct area codes (``cube_areas``; None as :attr:`dimensions`)."""
        months = ", ".join(f'"{c}"' for c in (*AREA_MONTH_COLUMNS, COUNT, CELL_KEY))
        self.area_months = (
            f"(SELECT {months} FROM {schema}.cube_area_months WHERE version = {int(version)}) "
            "AS area_months"
            if area_months
            else None
        )
        """The version's cube summed per area, month and domain (``cube_area_months``; None
        for a version written before it existed): :func:`engine.cube_cut` reads it for a cut
        by those at most, filtered on nothing else."""
        self.area_themes = self._area_extra("cube_area_themes", area_extras, version)
        """The version's cube summed per area, month, domain and theme (``cube_area_themes``;
        None for a version written before it existed): :func:`engine.cube_cut` reads it for a
        cut by and filtered on those at most."""
        self.area_channels = self._area_extra("cube_area_channels", area_extras, version)
        """The version's cube summed per area, month, domain and channel
        (``cube_area_channels``, as :attr:`area_themes`)."""
        columns = ", ".join(f'"{c}"' for c in SIGNAL_COLUMNS)
        parts = ", ".join(str(int(p)) for p in signal_parts) or "NULL"
        self.signals = (
            f"(SELECT {columns} FROM {schema}.signals WHERE part IN ({parts})) AS signals"
        )
        lead_columns = ", ".join(f'"{c}"' for c in LEAD_COLUMNS)
        self.leads = (
            f"(SELECT {lead_columns} FROM {schema}.signal_leads WHERE part IN ({parts})) AS leads"
            if leads
            else None
        )
        """The signal parts' lead times (``signal_leads``, see
        :func:`engine.lead_time_cut`; None for parts written before it existed)."""

    def _area_extra(self, table: str, present: Sequence[str], version: int) -> str | None:
        """The relation of ``version``'s rows of ``table`` (one of
        :data:`~regie_analytics.store.pgschema.AREA_EXTRA_TABLES`), None unless in
        ``present``."""
        if table not in present:
            return None
        extra = AREA_EXTRA_TABLES[table]
        columns = ", ".join(f'"{c}"' for c in (*AREA_MONTH_COLUMNS, extra, COUNT, CELL_KEY))
        return (
            f"(SELECT {columns} FROM {self._schema}.{table} WHERE version = {int(version)}) "
            f"AS {table}"
        )

    statements_in_parallel = True
    """Statements that could be one are better sent apart at the same time
    (:func:`regie_analytics.lead_sql.lead_time_cuts`): PostgreSQL runs a statement on one
    core, each on a connection of its own on another. It also selects the lead times' array
    form (each group's sorted lead times read at the ranks pandas needs,
    :func:`regie_analytics.lead_sql._at_ranks`): the rows hashed into their groups, each
    group's array sorted on its own (no sort of all rows by group), the period's rows read
    through the block-range index (:data:`~regie_analytics.store.pgschema.RANGE_INDEXES`)."""

    def lead_group(self, column: str, groups: Mapping[str, str] | None) -> tuple[str, list[object]]:
        """The SQL of a lead-time grouping's group per signal and its parameters (see
        :func:`regie_analytics.lead_sql.lead_time_cuts`): the text of ``column``, or with
        ``groups`` the group ``column``'s code maps to (NULL for none), looked up in one JSON
        object parameter instead of joined: PostgreSQL has no statistics for a list of codes
        passed in and joined 3.4M signals with 14,000 codes as a merge join along the area
        index (9 s of a 16 s statement at 10M). Both in the "C" collation: the groups are
        sorted by their bytes (their order does not matter, pandas orders them), 2 s less of
        such a statement than with the database's own collation."""
        text = f'CAST("{column}" AS TEXT)'
        if groups is None:
            return f'{text} COLLATE "C"', []
        lookup = json.dumps({str(code): str(group) for code, group in groups.items()})
        return f'(CAST(? AS JSONB) ->> {text}) COLLATE "C"', [lookup]

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """The rows of ``sql`` (``?`` placeholders filled from ``params``) as a frame (the
        result's types asked of the server once per statement and kinds of parameters: the
        pages run the same statements with other values)."""
        statement = sql.replace("%", "%%").replace("?", "%s") if params else sql
        key = (statement, tuple(_kind(p) for p in params))

        def attempt(guard: Guard) -> pd.DataFrame:
            with connection(self._url, self._schema) as conn:
                types = self._types.get(key)
                if types is None:
                    types = result_types(conn, statement, tuple(params))
                    if len(self._types) >= TYPES_KEPT:
                        self._types.clear()
                    self._types[key] = types
                sent = None
                try:
                    with guard(lambda: conn.cancel_safe(timeout=CANCEL_S)) as sent:
                        return aggregated_frame(conn, statement, tuple(params), types=types)
                finally:  # after the guard: a cancel being sent has been sent or given up
                    if sent is not None and sent.unconfirmed:  # it may still arrive
                        conn.close()  # so not handed to another statement

        # in a background job, the statement may give way to page runs (and run again)
        return run_statement(attempt, psycopg.errors.QueryCanceled)


def have_leads(conn: psycopg.Connection[Any], schema: str, parts: list[int]) -> bool:
    """Whether every signal part in ``parts`` has its rows in ``signal_leads`` (a part
    written before the table existed has none: its lead times are read from the signals)."""
    if not has_tables(conn, schema, "signal_leads"):
        return False
    row = conn.execute(
        "SELECT bool_and(EXISTS (SELECT 1 FROM signal_leads l WHERE l.part = p)) "
        "FROM unnest(%s::integer[]) AS p",
        (parts,),
    ).fetchone()
    return bool(row and row[0])


def _kind(value: object) -> str:
    """What decides the SQL type psycopg sends ``value`` as: its Python type, and for a whole
    number the smallest of int2, int4 and int8 that holds it (numeric beyond)."""
    if isinstance(value, int) and not isinstance(value, bool):
        fits = (
            f"int{bits}" for bits in (16, 32, 64) if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
        )
        return next(fits, "numeric")
    return type(value).__qualname__
