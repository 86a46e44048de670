"""The PostgreSQL store's query engine: :class:`PostgresEngine`, queries on one version's cube,
signals and the tables summed from them at commit (``cube_dims``, ``cube_areas``,
``cube_area_months``, ``signal_leads``), run in the database and read back as frames typed as
the DuckDB engine's (:func:`~regie_analytics.store.pgcopy.aggregated_frame`)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import psycopg

from regie_analytics.lead_sql import LEAD_COLUMNS, GroupSQL
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, SIGNAL_COLUMNS
from regie_analytics.stats.progress import Guard, run_statement
from regie_analytics.store.errors import StoreError
from regie_analytics.store.pgcopy import aggregated_frame, result_types
from regie_analytics.store.pgresults import read_result
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
        area_set: int | None = None,
    ) -> None:
        self._url = url
        self._schema = schema
        self._version = int(version)
        self._area_set = area_set
        """The version's areas set when its ``area_groups`` are stored (None: not)."""
        self._lock = threading.Lock()
        self._levels: dict[str, str] | None = None
        self._last_groups: tuple[Mapping[str, str], dict[str, str], str | None] | None = None
        """The last ``groups`` given to :meth:`_level_of` (held, so it is the same object
        while here), a copy of them and their level: a page asks for one mapping several
        times a run (the same object, unchanged: compared with the copy, not digested)."""
        self._signals: dict[str, int] | None = None
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
        self.area_departments = self._area_extra("cube_area_departments", area_extras, version)
        """The same per department (``cube_area_departments``, as :attr:`area_themes`)."""
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
    through the block-range index (:data:`~regie_analytics.store.pgindexes.RANGE_INDEXES`)."""

    def lead_group(
        self,
        column: str,
        groups: Mapping[str, str] | None,
        shard: Shard | None = None,
        index: int = 0,
    ) -> GroupSQL:
        """The SQL of a lead-time grouping's group per signal (see
        :func:`regie_analytics.lead_sql.lead_time_cuts`), of the groups in ``shard`` only
        (:meth:`lead_shards`; None: all): the text of ``column``, or with ``groups`` the
        group ``column``'s code maps to (signals in none left out). In the "C" collation: the
        groups are sorted by their bytes (their order does not matter, pandas orders them),
        2 s less of a national statement than with the database's own collation.

        ``groups`` that are a level of the version's areas as stored (``area_groups``, the
        same mapping to the code: :meth:`_level_of`) are joined with that table, which has
        statistics: a hash join of the signals with its 14,000 rows. Other ``groups`` are
        looked up per signal in one JSON object parameter (1.3 s of a national year's 3.1 s
        statement; a list of codes passed in, without statistics, was joined as a merge join
        along the area index, or hashed the wrong way round). A ``shard`` of such groups also
        keeps the signals' ``column`` between its areas' first and last code: no other rows,
        and, as the lead rows of a month lie in the order of their area codes, only about half
        of a period's pages read (a national year's wijken: 1.06 → 0.75 s a statement).
        """
        text = f'CAST("{column}" AS TEXT)'
        bounds = [] if shard is None else [b for b in shard[1:] if b is not None]
        if groups is None:
            return GroupSQL(
                f'{text} COLLATE "C"', condition=_within(text, shard), condition_values=bounds
            )
        level = self._level_of(groups)
        if level is None:
            if shard is not None:
                raise ValueError("a lookup of groups is not split in shards")
            lookup = json.dumps({str(code): str(group) for code, group in groups.items()})
            return GroupSQL(f'(CAST(? AS JSONB) ->> {text}) COLLATE "C"', [lookup])
        code, group = f'"_code{index}"', f'"_grp{index}"'
        within = _within("grp", shard)
        join = (
            f" JOIN (SELECT area_code AS {code}, grp AS {group} FROM {self._schema}.area_groups "
            f"WHERE area_set = {int(self._area_set or 0)} AND level = ?"
            f'{" AND " + within if within else ""}) AS "_m{index}" ON {text} = {code}'
        )
        # the half's areas between their first and last code: the same rows (the join keeps
        # the half's only), and the pages of the other half's areas (each month's rows lie in
        # the order of their codes) left unread through the block-range index
        condition, condition_values = "", []
        if shard is not None:
            start, end = shard[1], shard[2]
            members = [
                str(area)
                for area, name in groups.items()
                if (start is None or str(name) >= start) and (end is None or str(name) < end)
            ]
            if members:
                condition = f'{text} COLLATE "C" >= ? AND {text} COLLATE "C" <= ?'
                condition_values = [min(members), max(members)]
        return GroupSQL(
            f'{group} COLLATE "C"',
            join=join,
            join_values=[level, *bounds],
            condition=condition,
            condition_values=condition_values,
            check=self._groups_kept,
        )

    def lead_shards(self, column: str, groups: Mapping[str, str] | None) -> list[Shard]:
        """A grouping by area of the lead times in two halves (each group in one, about as
        many signals in each), run as two statements at the same time
        (:func:`regie_analytics.lead_sql.lead_time_cuts`: PostgreSQL runs a statement on one
        core): the areas (``groups`` None) split by their codes, the groups of ``groups`` by
        theirs. None for ``groups`` looked up per signal (each half would look up every
        signal again: no gain)."""
        if groups is None:
            cut = self.area_middle()
            return [] if cut is None else [(column, None, cut), (column, cut, None)]
        if self._level_of(groups) is None:
            return []
        signals = self._area_signals()
        per_group: dict[str, int] = {}
        for area, group in groups.items():
            per_group[str(group)] = per_group.get(str(group), 0) + signals.get(str(area), 0)
        names = sorted(per_group)
        cut = _middle(names, [per_group[n] for n in names])
        if cut is None:
            return []
        return [(column, None, cut), (column, cut, None)]

    def stored_result(self, name: str) -> pd.DataFrame | None:
        """The version's result ``name`` computed at commit
        (:mod:`~regie_analytics.store.pgresults`), None where it has none (a store written
        before: no such table)."""
        with connection(self._url, self._schema) as conn:
            try:
                with conn.transaction():
                    return read_result(conn, self._schema, self._version, name)
            except psycopg.errors.UndefinedTable:
                return None

    def area_middle(self) -> str | None:
        """The area code that splits the version's areas in two halves of about as many
        signals each (:meth:`lead_shards`' split of the areas, in the "C" collation), for a
        cut by area read as two statements at the same time
        (:func:`regie_analytics.engine.cube_cut`); None where there is no split."""
        signals = self._area_signals()
        names = sorted(signals)
        return _middle(names, [signals[n] for n in names])

    def prepare(self) -> None:
        """Read once what the splits and joins of cuts by area need (the signals per area,
        :meth:`area_middle`; the digests of the stored levels, :meth:`_level_of`), kept by
        the engine: a version's warm-up does this after the first page is drawn
        (:func:`regie_analytics.ui.queries.warm_up`), so that a page's first cut by area
        does not wait for it (0.1 s at national scale)."""
        self._area_signals()
        self._stored_levels()

    def _level_of(self, groups: Mapping[str, str]) -> str | None:
        """The level of the version's areas whose ``area_groups`` are exactly ``groups``
        (compared by a digest of the sorted pairs, each text preceded by its length, so no
        text can stand for two), None for any other mapping."""
        levels = self._stored_levels()
        if not levels:
            return None
        last = self._last_groups
        if last is not None and last[0] is groups and last[1] == groups:  # not changed since
            return last[2]
        pairs = sorted((str(code), str(group)) for code, group in groups.items())
        text = "".join(f"{len(code)}:{code}{len(group)}:{group}" for code, group in pairs)
        level = levels.get(hashlib.md5(text.encode()).hexdigest())
        self._last_groups = (groups, dict(groups), level)
        return level

    def _stored_levels(self) -> dict[str, str]:
        """The level of each digest of the version's stored ``area_groups`` (see
        :meth:`_level_of`; none without them), read once."""
        with self._lock:
            if self._levels is None:
                levels: dict[str, str] = {}
                if self._area_set is not None:
                    with connection(self._url, self._schema) as conn:
                        rows = conn.execute(
                            "SELECT md5(string_agg(length(area_code) || ':' || area_code "
                            "|| length(grp) || ':' || grp, '' "
                            'ORDER BY area_code COLLATE "C")), level FROM area_groups '
                            "WHERE area_set = %s GROUP BY level",
                            (self._area_set,),
                        ).fetchall()
                    levels = {str(digest): str(level) for digest, level in rows}
                self._levels = levels  # kept once read (a failed read is tried again)
            return self._levels

    def _groups_kept(self) -> None:
        """Raise when the version's stored groups are gone (the version was removed after
        this engine was made, its areas set with it: a statement joined with them gives no
        rows, where the page must learn that its version is gone:
        :meth:`regie_analytics.snapshot.Snapshot.read`)."""
        with connection(self._url, self._schema) as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM area_groups WHERE area_set = %s)", (self._area_set,)
            ).fetchone()
        if not (row and row[0]):
            raise StoreError(
                "de gebiedsgroepen van deze versie van de store zijn er niet meer: de versie is "
                "intussen vervangen.",
                hint="laad de pagina opnieuw om de nieuwste versie te zien.",
            )

    def _area_signals(self) -> dict[str, int]:
        """The version's signals (and counts) per area code, for :meth:`lead_shards` (from
        ``cube_area_months``; none for a version written before it: not split)."""
        with self._lock:
            if self._signals is None:
                relation = self.area_months
                if relation is None:
                    self._signals = {}
                    return self._signals
                with connection(self._url, self._schema) as conn:
                    rows = conn.execute(
                        f'SELECT "{AREA_CODE}", SUM("{COUNT}") FROM {relation} '  # type: ignore[arg-type]
                        f'WHERE "{AREA_CODE}" IS NOT NULL GROUP BY "{AREA_CODE}"'
                    ).fetchall()
                self._signals = {str(code): int(total or 0) for code, total in rows}
            return self._signals

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


Shard = tuple[str, str | None, str | None]
"""A half of a grouping's groups (:meth:`PostgresEngine.lead_shards`): the column, and the
groups from (inclusive) and to (exclusive) in the "C" collation (None: unbounded)."""


def _within(text: str, shard: Shard | None) -> str:
    """The condition that ``text`` is in ``shard`` ("" for all)."""
    if shard is None:
        return ""
    _, start, end = shard
    parts = [f'{text} COLLATE "C" >= ?'] if start is not None else []
    if end is not None:
        parts.append(f'{text} COLLATE "C" < ?')
    return " AND ".join(parts)


def _middle(names: list[str], weights: list[int]) -> str | None:
    """The first of ``names`` (sorted) from which on the rest weigh about half of all (at
    least one name on either side); None for fewer than two names or no weight."""
    total = sum(weights)
    if len(names) < 2 or total <= 0:
        return None
    running = 0
    for i, weight in enumerate(weights[:-1]):
        running += weight
        if 2 * running >= total:
            return names[i + 1]
    return names[-1]


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
