"""The lead times of the signals in SQL, the same on both engines: each signal's lead time in
microseconds (:data:`LEAD_TIME_SQL`), the Parquet store's lead-time files (:func:`lead_part`),
and :func:`lead_time_cuts`, the lead times of a filtered period summed per grouping in the
engine with the values around each quantile, so that pandas computes the quantiles exactly as
from the signals (:func:`regie_analytics.aggregate.lead_times_of_cut`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import PurePosixPath
from typing import Any, TypedDict, Unpack

import pandas as pd

from regie_analytics.engine import Choices, Engine, cube_filter, in_list, joined
from regie_analytics.schema import (
    AREA_CODE,
    CHANNEL,
    CLOSED_AT,
    DEPARTMENT,
    DOMAIN,
    RECEIVED_AT,
    RECORD_KEY,
    SENTINEL_AREAS,
    THEME,
)
from regie_analytics.stats.progress import in_parallel

LEAD_TIME_UNIT = 1_000_000
"""Lead times leave the engine as whole microseconds (both engines store times to the
microsecond; pandas turns them into days exactly as it does from the signals' times)."""

LEAD_TIME_SQL = (
    f'CAST(ROUND(EXTRACT(EPOCH FROM ("{CLOSED_AT}" - "{RECEIVED_AT}")) * {LEAD_TIME_UNIT}) '
    "AS BIGINT)"
)
"""A signal's lead time in microseconds (NULL while open), the same on DuckDB and PostgreSQL."""

LEAD_US = "lead_us"
"""The column of an engine's ``leads`` relation that holds :data:`LEAD_TIME_SQL` computed."""
LEAD_COLUMNS = (RECEIVED_AT, LEAD_US, RECORD_KEY, AREA_CODE, DOMAIN, THEME, CHANNEL, DEPARTMENT)
"""The columns of an engine's ``leads`` relation (see :func:`lead_time_cut`)."""

LEADS_FOLDER = "leads"
"""The folder of a Parquet store version that holds its lead-time files (see :func:`lead_part`)."""


def lead_part(signal_part: str) -> str:
    """The lead-time file of a signal part of the Parquet store, under the same name in the
    version's :data:`LEADS_FOLDER` (``signals/part-00001.parquet``:
    ``leads/part-00001.parquet``): the columns :data:`LEAD_COLUMNS` of every signal of the
    part, :data:`LEAD_TIME_SQL` computed once, in the order received (day by day) and in small
    row groups (see :func:`regie_analytics.store.parts.write_leads`), so that a period reads
    only its own row groups. :class:`DuckDBEngine` reads the lead times there when every
    signal part has one."""
    return f"{LEADS_FOLDER}/{PurePosixPath(signal_part).name}"


LEAD_TIME_QUANTILES = (0.5, 0.9)
"""The quantiles of the lead times the pages show (median and 90th percentile)."""


LEAD_TIME_CUT_COLUMNS = (
    "g",
    "ontvangen",
    "afgesloten",
    "binnen_norm",
    "k",
    "k_closed",
    "k_open",
    "k_within",
    *(
        f"{c}{i}"
        for i in range(len(LEAD_TIME_QUANTILES))
        for c in ("v", "lt", "le", "below", "above")
    ),
)
"""The columns of :func:`lead_time_cut`."""


def _month_start(month: str, *, offset: int = 0) -> datetime:
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + offset, 12)
    return datetime(year, number + 1, 1)


def signal_filter(**choices: Unpack[Choices]) -> tuple[str, list[Any]]:
    """:func:`cube_filter`'s condition for the ``signals`` relation: the months ``start`` to
    ``end`` are those the signals were received in."""
    start, end = choices.pop("start", None), choices.pop("end", None)
    where, params = cube_filter(**choices)
    if start is not None:
        where += f' AND "{RECEIVED_AT}" >= CAST(? AS TIMESTAMP)'
        params.append(_month_start(start))
    if end is not None:
        where += f' AND "{RECEIVED_AT}" < CAST(? AS TIMESTAMP)'
        params.append(_month_start(end, offset=1))
    return where, params


@dataclass(frozen=True)
class GroupSQL:
    """An engine's SQL of a lead-time grouping's group per signal (its ``lead_group``, see
    :func:`lead_time_cuts`): the expression and its parameters, a join added to the signals'
    relation and a condition added to their filter (each with its parameters; empty: none)."""

    sql: str
    values: Sequence[Any] = ()
    join: str = ""
    join_values: Sequence[Any] = ()
    condition: str = ""
    condition_values: Sequence[Any] = ()
    check: Callable[[], None] | None = None
    """Called when the statement gave no rows: raises when that is because what the join
    reads is gone (a version removed meanwhile), not because no signal was selected."""


class LeadGrouping(TypedDict, total=False):
    """One grouping of :func:`lead_time_cuts`: ``by`` a column (None: all together, group
    ``'totaal'``), or ``groups`` the signals' area codes mapped to groups; ``located``: only
    signals in an area (not the sentinel areas)."""

    by: str | None
    groups: Mapping[str, str] | None
    located: bool


def lead_time_cut(
    engine: Engine,
    *,
    by: str | None,
    norm_days: float,
    groups: Mapping[str, str] | None = None,
    **choices: Unpack[Choices],
) -> pd.DataFrame:
    """The lead times of the signals that pass the ``choices`` (see :func:`signal_filter`)
    summed per ``by`` column (None: all together, group ``'totaal'``), in the engine; with
    ``groups`` the signals' area codes mapped to groups (an area's code at a coarser level:
    signals in no group are left out). Rows without a group value are left out, as pandas'
    groupby does.

    One row per group ``g`` (text): ``ontvangen``, ``afgesloten``, ``binnen_norm`` (closed
    within ``norm_days``), the record keys' sums (modulo 256) of all, closed, open and within
    the norm signals (``k``, ``k_closed``, ``k_open``, ``k_within``), and per quantile ``i``
    of :data:`LEAD_TIME_QUANTILES` the closed signals' lead time (microseconds) at that
    quantile (``v{i}``, ``percentile_disc``), how many are shorter (``lt{i}``) and not longer
    (``le{i}``), the longest shorter one (``below{i}``) and the shortest longer one
    (``above{i}``): the values at the ranks around ``v{i}``, so that pandas computes the
    quantiles exactly as from the signals (:func:`aggregate.lead_times_of_cut`). From an
    engine whose ``statements_in_parallel`` is true (PostgreSQL) ``v{i}`` is the value at the
    lower rank pandas reads, ``lt{i}`` that rank, ``le{i}`` one more, ``above{i}`` the value
    at the next rank and ``below{i}`` NULL (:func:`_at_ranks`): read the same way.

    An engine with a ``leads`` relation (both stores keep one per signal part, written with it:
    the columns :data:`LEAD_COLUMNS`, each signal's lead time computed once as
    :data:`LEAD_TIME_SQL`; PostgreSQL's ordered by the month received, the domain, the channel,
    the area code and the time received, and indexed
    (:data:`regie_analytics.store.pgindexes.RANGE_INDEXES`), the Parquet store's files
    (:func:`lead_part`) ordered by the day received in small row groups) is read there instead
    of the signals, for a ``by`` it holds: the same rows and values, fewer and narrower, a
    period's only."""
    located = bool(choices.pop("located", False))
    grouping = LeadGrouping(by=by, groups=groups, located=located)
    return lead_time_cuts(engine, [grouping], norm_days=norm_days, **choices)[0]


def lead_time_cuts(
    engine: Engine,
    groupings: Sequence[LeadGrouping],
    *,
    norm_days: float,
    **choices: Unpack[Choices],
) -> list[pd.DataFrame]:
    """:func:`lead_time_cut` of the signals that pass the ``choices`` for each of the
    ``groupings`` (each as :func:`lead_time_cut` with its ``by``, ``groups`` and ``located``),
    in one statement: the signals are filtered (and their lead times computed) once, then
    summed per grouping. One frame per grouping, in their order, each exactly
    :func:`lead_time_cut`'s. An engine whose ``statements_in_parallel`` is true (PostgreSQL)
    gets one statement per grouping instead, run at the same time."""
    if not groupings:
        return []
    if choices.get("located"):
        raise ValueError("located is a grouping's choice in lead_time_cuts")
    if not getattr(engine, "statements_in_parallel", False):
        return _cuts(engine, groupings, norm_days, None, choices)
    # a statement per grouping (the overall one with a grouping by a column), run at the
    # same time: PostgreSQL runs a statement on one core; a grouping by area alone in two
    # statements of half the groups each (beside another statement, three on two cores
    # would make that one wait longer than the halves save)
    batches = _statements(groupings)
    tasks = [
        (batch, shard)
        for batch in batches
        for shard in (
            _shards(engine, [groupings[i] for i in batch], choices) if len(batches) == 1 else [None]
        )
    ]
    if len(tasks) == 1:
        batch, shard = tasks[0]
        cuts = _cuts(engine, [groupings[i] for i in batch], norm_days, shard, choices)
        found = dict(zip(batch, cuts, strict=True))
        return [found[i] for i in range(len(groupings))]
    results = in_parallel(
        [
            partial(_cuts, engine, [groupings[i] for i in batch], norm_days, shard, choices)
            for batch, shard in tasks
        ],
        "lead_time_cuts",
    )
    parts: dict[int, list[pd.DataFrame]] = {}
    for (batch, _), frames in zip(tasks, results, strict=True):
        for i, frame in zip(batch, frames, strict=True):
            parts.setdefault(i, []).append(frame)
    # a grouping's statements: one per shard, each group in one shard only
    return [joined(parts[i]) for i in range(len(groupings))]


def _shards(
    engine: Engine, groupings: Sequence[LeadGrouping], choices: Mapping[str, Any]
) -> list[Any]:
    """The shards of one statement's groupings: the engine's halves of the groups
    (``lead_shards``) for a single grouping by area of all areas, else the one statement
    (``[None]``)."""
    split = getattr(engine, "lead_shards", None)
    if split is None or len(groupings) != 1 or choices.get("area_codes") is not None:
        return [None]
    grouping = groupings[0]
    groups, by = grouping.get("groups"), grouping.get("by")
    if groups is None and by != AREA_CODE:
        return [None]
    return list(split(AREA_CODE, groups)) or [None]


def _cuts(
    engine: Engine,
    groupings: Sequence[LeadGrouping],
    norm_days: float,
    shard: Any,
    choices: Mapping[str, Any],
) -> list[pd.DataFrame]:
    """:func:`lead_time_cuts` of the ``groupings`` in one statement (of the groups in
    ``shard`` only, an engine's ``lead_shards``; None: all)."""
    parallel = bool(getattr(engine, "statements_in_parallel", False))
    choices = dict(choices)
    where, params = signal_filter(**choices)
    leads = getattr(engine, "leads", None)
    if leads is not None and all(
        gr.get("by") is None or gr.get("groups") is not None or gr.get("by") in LEAD_COLUMNS
        for gr in groupings
    ):
        source, lead_time = leads, f'"{LEAD_US}"'
    else:
        source, lead_time = engine.signals, LEAD_TIME_SQL
    selected: list[str] = []
    selected_params: list[Any] = []
    joined: list[Any] = []
    shard_params: list[Any] = []
    checks: list[Callable[[], None]] = []
    grouped = getattr(engine, "lead_group", None)
    for i, grouping in enumerate(groupings):
        groups, by = grouping.get("groups"), grouping.get("by")
        values: list[Any] = []
        if grouped is not None and (groups is not None or by is not None):
            found = grouped(AREA_CODE if groups is not None else by, groups, shard, i)
            group, values = found.sql, list(found.values)
            source += found.join
            joined += found.join_values
            if found.condition:
                where += f" AND {found.condition}"
                shard_params += found.condition_values
            if found.check is not None:
                checks.append(found.check)
        elif groups is not None:
            source += (
                f' LEFT JOIN (SELECT UNNEST(CAST(? AS TEXT[])) AS "_code{i}", '
                f'UNNEST(CAST(? AS TEXT[])) AS "_group{i}") AS "_groups{i}" '
                f'ON "{AREA_CODE}" = "_code{i}"'
            )
            joined += [list(groups), [str(g) for g in groups.values()]]
            group = f'"_group{i}"'
        else:
            group = "'totaal'" if by is None else f'CAST("{by}" AS VARCHAR)'
        if grouping.get("located"):
            outside, sentinels = in_list(AREA_CODE, sorted(SENTINEL_AREAS), negate=True)
            group = f"CASE WHEN {outside} THEN {group} END"
            values = [*sentinels, *values]
        selected_params += values
        selected.append(f'{group} AS "_g{i}"')
    within = "d.us <= ?"
    key = "d.k"
    # every quantile from one ordered-set aggregate (one sort of each group's lead times)
    fractions = ", ".join(str(q) for q in LEAD_TIME_QUANTILES)
    quantiles = (
        f"percentile_disc(CAST(ARRAY[{fractions}] AS DOUBLE PRECISION[])) "
        "WITHIN GROUP (ORDER BY us) AS vs"
    )
    around = "".join(
        f", MAX(q.vs[{i + 1}]) AS v{i}, SUM(CASE WHEN d.us < q.vs[{i + 1}] THEN 1 ELSE 0 END) "
        f"AS lt{i}, SUM(CASE WHEN d.us <= q.vs[{i + 1}] THEN 1 ELSE 0 END) AS le{i}, "
        f"MAX(CASE WHEN d.us < q.vs[{i + 1}] THEN d.us END) AS below{i}, "
        f"MIN(CASE WHEN d.us > q.vs[{i + 1}] THEN d.us END) AS above{i}"
        for i in range(len(LEAD_TIME_QUANTILES))
    )
    if parallel:  # PostgreSQL: aggregate FILTERs, the open signals' keys as all less the
        # closed ones' (fewer expressions per row: a national year's wijken 0.85 -> 0.80 s;
        # DuckDB is 4-8 % slower with them)
        closed_keys = f"COALESCE(SUM({key}) FILTER (WHERE d.us IS NOT NULL), 0)"
        in_norm = f"COUNT(*) FILTER (WHERE {within})"
        open_keys = f"(COALESCE(SUM({key}), 0) - {closed_keys})"
        norm_keys = f"COALESCE(SUM({key}) FILTER (WHERE {within}), 0)"
    else:
        closed_keys = f"SUM(CASE WHEN d.us IS NOT NULL THEN {key} ELSE 0 END)"
        in_norm = f"SUM(CASE WHEN {within} THEN 1 ELSE 0 END)"
        open_keys = f"SUM(CASE WHEN d.us IS NULL THEN {key} ELSE 0 END)"
        norm_keys = f"SUM(CASE WHEN {within} THEN {key} ELSE 0 END)"
    base = (
        f"COUNT(*) AS ontvangen, COUNT(d.us) AS afgesloten, {in_norm} AS binnen_norm, "
        f"CAST(SUM({key}) % 256 AS BIGINT) AS k, "
        f"CAST({closed_keys} % 256 AS BIGINT) AS k_closed, "
        f"CAST({open_keys} % 256 AS BIGINT) AS k_open, "
        f"CAST({norm_keys} % 256 AS BIGINT) AS k_within"
    )
    norm = float(norm_days) * 86400.0 * LEAD_TIME_UNIT
    columns = list(LEAD_TIME_CUT_COLUMNS)
    if parallel:  # one grouping, or one by a column and the overall one (see above)
        # each group's closed lead times gathered into an array (unordered: the rows are
        # hashed into their groups, not sorted by group), then each array sorted on its own
        # and read at the ranks pandas needs; the overall group (s = 1) from the same rows
        # (its ranks among the column's sorted groups, :func:`_with_overall`; with a grouping
        # by area, of thousands of groups, GROUPING SETS); the norm's placeholders come first
        # in the text
        rows = (
            f'SELECT {selected[0]}, {lead_time} AS us, "{RECORD_KEY}" AS k FROM {source} '
            f"WHERE {where}"
        )
        values = [norm, norm, *selected_params, *joined, *params, *shard_params]
        if len(groupings) == 2 and groupings[0].get("by") != AREA_CODE:
            # a column of few values and the overall grouping: the overall's ranks read
            # from the column's sorted groups (no sort of every lead time again)
            frame = engine.query(_with_overall(rows, base), values)
            return [
                frame.loc[frame["s"] == i, columns].reset_index(drop=True)
                for i in range(len(groupings))
            ]
        if len(groupings) == 1:
            grouped_by = 'WHERE d."_g0" IS NOT NULL GROUP BY d."_g0"'
        else:  # rows without a value in the column are left out of its groups only; no
            # signals: no overall row either (as GROUP BY gives none)
            grouped_by = (
                'GROUP BY GROUPING SETS ((d."_g0"), ()) '
                'HAVING (GROUPING(d."_g0") = 1 OR d."_g0" IS NOT NULL) AND COUNT(*) > 0'
            )
        sql = (
            "SELECT s, CASE WHEN s = 1 THEN CAST('totaal' AS TEXT) COLLATE \"C\" ELSE g END "
            "AS g, ontvangen, afgesloten, binnen_norm, k, k_closed, k_open, k_within, "
            f"{_at_ranks('afgesloten')} FROM (SELECT s, g, ontvangen, afgesloten, "
            "binnen_norm, k, k_closed, k_open, k_within, "
            "(SELECT array_agg(x ORDER BY x) FROM unnest(h.vs) AS x) AS vs "
            f'FROM (SELECT GROUPING(d."_g0") AS s, d."_g0" AS g, {base}, '
            "array_agg(d.us) FILTER (WHERE d.us IS NOT NULL) AS vs "
            f"FROM ({rows}) AS d {grouped_by}) AS h "
            "OFFSET 0) AS a"  # not pulled up: each array sorted once, not per rank read
        )
        frame = engine.query(sql, values)
        if frame.empty:
            for check in checks:
                check()
        return [
            frame.loc[frame["s"] == i, columns].reset_index(drop=True)
            for i in range(len(groupings))
        ]
    sums = base + around
    # the signals filtered once (materialized: read by every grouping), then per grouping its
    # quantiles (q{i}) and its sums with the values around them, the groupings' rows appended
    cuts = ", ".join(
        f'q{i} AS (SELECT "_g{i}" AS g, {quantiles} FROM d '
        f'WHERE us IS NOT NULL AND "_g{i}" IS NOT NULL GROUP BY "_g{i}")'
        for i in range(len(groupings))
    )
    parts = " UNION ALL ".join(
        f'SELECT {i} AS s, d."_g{i}" AS g, {sums.replace("q.", f"q{i}.")} FROM d '
        f'LEFT JOIN q{i} ON d."_g{i}" = q{i}.g WHERE d."_g{i}" IS NOT NULL GROUP BY d."_g{i}"'
        for i in range(len(groupings))
    )
    sql = (
        f"WITH d AS MATERIALIZED (SELECT {', '.join(selected)}, {lead_time} AS us, "
        f'"{RECORD_KEY}" AS k FROM {source} WHERE {where}), {cuts} {parts}'
    )
    # the placeholders in order: the groups' (in d's select list, then its joins), the
    # filter's, then the two norms of each grouping's sums
    frame = engine.query(
        sql, [*selected_params, *joined, *params, *shard_params, *[norm, norm] * len(groupings)]
    )
    return [
        frame.loc[frame["s"] == i, columns].reset_index(drop=True) for i in range(len(groupings))
    ]


_SUMS = ("ontvangen", "afgesloten", "binnen_norm")
_KEYS = ("k", "k_closed", "k_open", "k_within")


def _with_overall(rows: str, base: str) -> str:
    """The statement of a grouping by a column of few values (``_g0`` of ``rows``) and the
    overall grouping (``s`` 0 and 1): each group's closed lead times sorted into an array as
    in :func:`lead_time_cuts` (rows without a value in the column in a group of their own,
    left out of the column's rows), the overall sums summed from the groups', and the values
    at the overall ranks (:func:`_at_ranks`) found among the groups' sorted arrays instead
    of sorting every lead time again (0.7 of a national year's 2.1 s statement).

    The value at rank ``R`` (from 0) is found exactly, for each of the four ranks:
    - every ``m``-th value of each group's array (``m`` about the square root of the closed
      signals per group) gives bounds: a group with ``c`` of these at or below a value ``v``
      has at least ``m * c`` values at or below it, and fewer than ``m * (c + 1)``;
    - so the smallest such value ``hi`` with ``m * C >= R + 1`` (``C``: all groups' ``c``)
      has at least ``R + 1`` values at or below it, and the largest such value ``lo`` with
      ``m * C + groups * (m - 1) < R + 1`` fewer (none: no bound);
    - each group's values in ``(lo, hi]`` (found in its sorted array by ``width_bucket``, a
      binary search) are sorted, and the value at rank ``R`` is the one after the values
      at or below ``lo``."""
    closed = "a.afgesloten"
    ranks = _ranks("o.afgesloten")

    def at(rank: str) -> str:
        """The value at ``rank`` (from 0) among all groups' values, NULL beyond them."""
        bounds = (
            f"SELECT (SELECT MAX(v) FROM c WHERE o.m * c.n + o.t * (o.m - 1) < {rank} + 1) AS lo, "
            f"(SELECT MIN(v) FROM c WHERE o.m * c.n >= {rank} + 1) AS hi"
        )
        below = "(SELECT COALESCE(SUM(COALESCE(width_bucket(lo, a.vs), 0)), 0) FROM a)"
        values = (
            "a.vs[COALESCE(width_bucket(b.lo, a.vs), 0) + 1 : "
            f"COALESCE(width_bucket(b.hi, a.vs), {closed})]"
        )
        return (
            f"CASE WHEN {rank} >= 0 AND {rank} < o.afgesloten THEN (SELECT (SELECT (array_agg("
            f"x ORDER BY x))[{rank} + 1 - b.below] FROM a, LATERAL unnest({values}) AS x) "
            f"FROM (SELECT lo, hi, {below} AS below FROM ({bounds}) AS l) AS b) END"
        )

    overall = ", ".join(
        f"{at(rank)} AS v{i}, {rank} AS lt{i}, {rank} + 1 AS le{i}, "
        f"CAST(NULL AS BIGINT) AS below{i}, {at(f'({rank} + 1)')} AS above{i}"
        for i, rank in enumerate(ranks)
    )
    sums = ", ".join(f"CAST(SUM({c}) AS BIGINT) AS {c}" for c in _SUMS)
    keys = ", ".join(f"CAST(SUM({c}) % 256 AS BIGINT) AS {c}" for c in _KEYS)
    columns = ", ".join((*_SUMS, *_KEYS))
    return (
        f"WITH a AS MATERIALIZED (SELECT g, {columns}, "
        "(SELECT array_agg(x ORDER BY x) FROM unnest(h.vs) AS x) AS vs "
        f'FROM (SELECT d."_g0" AS g, {base}, array_agg(d.us) FILTER (WHERE d.us IS NOT NULL) '
        f'AS vs FROM ({rows}) AS d GROUP BY d."_g0") AS h), '
        f"o AS MATERIALIZED (SELECT {sums}, {keys}, COUNT(vs) AS t, GREATEST(1, CAST(FLOOR("
        "SQRT(CAST(SUM(afgesloten) AS DOUBLE PRECISION) / GREATEST(COUNT(vs), 1))) AS INTEGER)) "
        "AS m FROM a HAVING COUNT(*) > 0), "
        "c AS MATERIALIZED (SELECT v, COUNT(*) OVER (ORDER BY v) AS n FROM (SELECT a.vs[j] AS v "
        f"FROM a, o, generate_series(o.m, CAST({closed} AS INTEGER), o.m) AS j) AS p) "
        f"SELECT 0 AS s, g, {columns}, {_at_ranks('afgesloten')} FROM a WHERE g IS NOT NULL "
        "UNION ALL SELECT 1 AS s, CAST('totaal' AS TEXT) COLLATE \"C\" AS g, "
        f"{columns}, {overall} FROM o"
    )


def _statements(groupings: Sequence[LeadGrouping]) -> list[list[int]]:
    """The groupings (by index) of each statement, for an engine that runs one statement per
    grouping at the same time: the overall grouping (``by`` None, all signals) with the
    first grouping by a column (one the lead rows hold, if any; the column's grouping first:
    its rows hashed once for both, a third less work for PostgreSQL on a national period, whose
    one statement runs on one core; the overall ranks read from the column's sorted groups,
    :func:`_with_overall`), every other grouping on its own."""

    plain = [i for i, g in enumerate(groupings) if g.get("groups") is None and not g.get("located")]
    overall = next((i for i in plain if groupings[i].get("by") is None), None)
    columns = [i for i in plain if groupings[i].get("by") is not None]
    # a column the lead rows hold first: the overall grouping is read there with it
    columns.sort(key=lambda i: groupings[i].get("by") not in LEAD_COLUMNS)
    column = columns[0] if columns else None
    if overall is None or column is None:
        return [[i] for i in range(len(groupings))]
    rest = [[i] for i in range(len(groupings)) if i not in (column, overall)]
    return [[column, overall], *rest]


def _at_ranks(closed: str) -> str:
    """The columns ``v{i}`` to ``above{i}`` of :func:`lead_time_cut` from a group's sorted
    array ``vs`` of ``closed`` lead times: the value at the lower rank pandas reads for each
    quantile (the median's ``(n - 1) // 2``; the 90th percentile's ``q * (n - 1)`` rounded
    down, computed in double precision as numpy computes it) as ``v{i}`` with its rank as
    ``lt{i}`` and ``le{i}`` one more, and the value at the next rank as ``above{i}`` (NULL
    beyond the last)."""
    return ", ".join(
        f"vs[{rank} + 1] AS v{i}, {rank} AS lt{i}, {rank} + 1 AS le{i}, "
        f"CAST(NULL AS BIGINT) AS below{i}, vs[{rank} + 2] AS above{i}"
        for i, rank in enumerate(_ranks(closed))
    )


def _ranks(closed: str) -> tuple[str, str]:
    """The lower rank (from 0) pandas reads of each of :data:`LEAD_TIME_QUANTILES` among
    ``closed`` sorted values: the median's ``(n - 1) // 2``, the 90th percentile's
    ``q * (n - 1)`` rounded down, computed in double precision as numpy computes it."""
    median, upper = LEAD_TIME_QUANTILES
    if median != 0.5:
        raise ValueError("the first lead-time quantile is the median")
    return (
        f"CAST(FLOOR(({closed} - 1) / 2.0) AS INTEGER)",  # DuckDB's / divides exactly
        f"CAST(FLOOR(CAST({upper!r} AS DOUBLE PRECISION) * ({closed} - 1)) AS INTEGER)",
    )
