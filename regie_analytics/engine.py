"""The query engine over one store version: the cube and the signals as SQL relations, and the
cuts of them the dashboard reads, filtered and aggregated in the engine.

An :class:`Engine` names two relations of one store version, ``cube`` (the columns of
:data:`schema.CUBE_COLUMNS`) and ``signals`` (the record-level signals), and runs a query over
them with ``?`` placeholders, returning a (small) pandas frame. :class:`DuckDBEngine` reads a
version folder of the Parquet store with embedded DuckDB; the PostgreSQL store implements the
same protocol. Every SQL text here is standard SQL that runs unchanged on both: ``SUM`` and
``GROUP BY``, ``IN (?, ?, ...)`` expanded per value, months compared as ``'YYYY-MM'`` text,
and cell keys summed as ``CAST(SUM(cell_key) % 256 AS BIGINT)``.

:func:`cube_cut` is what the pages' computations start from: the cube cut to a period and
filter and summed over every dimension they do not need. Summing counts and cell keys (modulo
256) is associative, so any roll-up of the cut equals that roll-up of the whole cube, cell keys
and therefore perturbed counts included.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypedDict, Unpack

import numpy as np
import pandas as pd
import pyarrow as pa

from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CHANNEL,
    COUNT,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
    THEME,
)
from regie_analytics.stats.progress import in_parallel, report


class Engine(Protocol):
    """Queries over one store version's cube and signals.

    ``cube`` and ``signals`` are SQL relations (a table, a view or a table function) usable
    after ``FROM``; :meth:`query` runs SQL with ``?`` placeholders and returns its result as a
    new pandas frame. Safe to call from several threads at once (Streamlit's sessions).
    """

    @property
    def cube(self) -> str:
        """The cube's relation: columns :data:`schema.CUBE_COLUMNS`."""
        ...

    @property
    def signals(self) -> str:
        """The record-level signals' relation (:data:`schema.SIGNAL_COLUMNS`)."""
        ...

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """The result of ``sql`` (``?`` placeholders, bound to ``params``) as a frame."""
        ...


def _literal(path: Path) -> str:
    """``path`` as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


_EMPTY_CUBE = (
    "(SELECT "
    + ", ".join(
        f'CAST(NULL AS {"BIGINT" if c in (COUNT, CELL_KEY) else "VARCHAR"}) AS "{c}"'
        for c in CUBE_COLUMNS
    )
    + " WHERE FALSE)"
)
"""A cube relation without rows (a store without imports)."""


class DuckDBEngine:
    """:class:`Engine` over a version folder of the Parquet store, in embedded DuckDB.

    The relations read the version's files (``cube.parquet``, the imports' signal parts)
    directly: nothing is loaded before a query, and a query reads only the columns and row
    groups it needs. One in-memory database per engine; every query runs on a cursor of its
    own, so sessions in threads query it at the same time.
    """

    def __init__(self, folder: str | Path, *, signal_parts: Iterable[str | Path] = ()) -> None:
        import duckdb

        self.folder = Path(folder)
        cube = self.folder / "cube.parquet"
        self._cube = f"read_parquet({_literal(cube)})" if cube.exists() else _EMPTY_CUBE
        parts = [self.folder / p for p in signal_parts]
        if parts:
            listed = ", ".join(_literal(p) for p in parts)
            self._signals = f"read_parquet([{listed}], union_by_name = true)"
        else:
            self._signals = "(SELECT NULL AS source WHERE FALSE)"
        from regie_analytics.lead_sql import lead_part

        leads = [self.folder / lead_part(str(p)) for p in signal_parts]
        self.leads: str | None = (
            "read_parquet([" + ", ".join(_literal(p) for p in leads) + "])"
            if leads and all(p.exists() for p in leads)
            else None
        )
        """The signal parts' lead-time files (:func:`lead_part`), read as one relation with
        the columns :data:`LEAD_COLUMNS` (None when a part has none: a version written before
        they existed reads its lead times from the signals): :func:`lead_time_cuts` reads
        it."""
        from regie_analytics.store.rollups import (
            AREA_CHANNELS_FILE,
            AREA_MONTHS_FILE,
            AREA_THEMES_FILE,
            CUBE_AREAS_FILE,
            CUBE_DIMS_FILE,
        )

        def relation(name: str) -> str | None:
            path = self.folder / name
            return f"read_parquet({_literal(path)})" if path.exists() else None

        rollups = cube.exists() and all(
            (self.folder / name).exists() for name in (CUBE_DIMS_FILE, CUBE_AREAS_FILE)
        )
        self.dimensions: str | None = relation(CUBE_DIMS_FILE) if rollups else None
        """The version's cube summed over the areas (``cube_dims.parquet``: the cube's
        columns but the area, and ``located``; None for a version written before it existed):
        :func:`cube_cut` and :func:`distinct` read it where they can."""
        self.area_codes: str | None = relation(CUBE_AREAS_FILE) if rollups else None
        """The version's distinct area codes (``cube_areas.parquet``; None as
        :attr:`dimensions`)."""
        self.area_months: str | None = relation(AREA_MONTHS_FILE) if cube.exists() else None
        """The version's cube summed per area, month and domain (``cube_area_months.parquet``,
        in month order; None for a version written before it existed): :func:`cube_cut`
        reads it for a cut by those at most, filtered on nothing else."""
        self.area_themes: str | None = relation(AREA_THEMES_FILE) if cube.exists() else None
        """The version's cube summed per area, month, domain and theme
        (``cube_area_themes.parquet``, in theme and month order; None for a version written
        before it existed): :func:`cube_cut` reads it for a cut by and filtered on those at
        most."""
        self.area_channels: str | None = relation(AREA_CHANNELS_FILE) if cube.exists() else None
        """The version's cube summed per area, month, domain and channel
        (``cube_area_channels.parquet``, as :attr:`area_themes`)."""
        self._connection = duckdb.connect(":memory:")
        self._connection.execute("SET enable_progress_bar = false")
        self._lock = threading.Lock()

    @property
    def cube(self) -> str:
        """``read_parquet('<folder>/cube.parquet')`` (an empty relation without a cube)."""
        return self._cube

    @property
    def signals(self) -> str:
        """The imports' signal parts, read as one relation."""
        return self._signals

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """Run ``sql`` on a cursor of its own (thread-safe) and return a pandas frame (through
        Arrow: text columns arrive as pandas' Arrow-backed strings, not Python objects)."""
        with self._lock:  # creating a cursor is not thread-safe; running on it is
            cursor = self._connection.cursor()
        try:
            result = cursor.sql(sql, params=list(params))
            if result is None:
                return pd.DataFrame()
            return result.to_arrow_table().to_pandas()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the database (every later query fails)."""
        self._connection.close()


# --- SQL shared by every engine -----------------------------------------------------------------


def version_engine(folder: Path, manifest: Mapping[str, Any]) -> DuckDBEngine:
    """The :class:`DuckDBEngine` over a store version folder and its imports' signal parts
    (as its ``manifest`` lists them)."""
    parts = [
        imp["parts"]["signals"]
        for imp in manifest.get("imports", [])
        if "signals" in imp.get("parts", {})
    ]
    return DuckDBEngine(folder, signal_parts=parts)


def in_list(
    column: str, values: Sequence[object], *, negate: bool = False
) -> tuple[str, list[Any]]:
    """``column IN (?, ?, ...)`` with one placeholder per value (``FALSE`` for none: an empty
    choice selects nothing; negated ``TRUE``)."""
    if not values:
        return ("TRUE" if negate else "FALSE"), []
    marks = ", ".join("?" for _ in values)
    return f'"{column}" {"NOT IN" if negate else "IN"} ({marks})', list(values)


class Choices(TypedDict, total=False):
    """The choices a cut is filtered on (see :func:`cube_filter`)."""

    start: str | None
    end: str | None
    domains: Sequence[str] | None
    themes: Sequence[str] | None
    channels: Sequence[str] | None
    area_codes: Sequence[str] | None
    located: bool


def cube_filter(**choices: Unpack[Choices]) -> tuple[str, list[Any]]:
    """The ``WHERE`` condition (and its parameters) of :func:`aggregate.filter_cube`'s choices:
    months ``start``..``end`` inclusive; ``domains``, ``themes``, ``channels`` and
    ``area_codes`` (finest-level areas) ``None`` for no restriction, an empty list for nothing;
    with ``located`` only rows in an area (not the sentinel areas)."""
    parts: list[str] = []
    params: list[Any] = []
    for bound, operator in (("start", ">="), ("end", "<=")):
        month = choices.get(bound)
        if month is not None:
            parts.append(f'"{MONTH}" {operator} ?')
            params.append(month)
    conditions: list[tuple[str, Sequence[str] | None, bool]] = [
        (DOMAIN, choices.get("domains"), False),
        (THEME, choices.get("themes"), False),
        (CHANNEL, choices.get("channels"), False),
        (AREA_CODE, choices.get("area_codes"), False),
    ]
    if choices.get("located"):
        conditions.append((AREA_CODE, sorted(SENTINEL_AREAS), True))
    for column, values, negate in conditions:
        if values is not None:
            text, values_ = in_list(column, list(values), negate=negate)
            parts.append(text)
            params.extend(values_)
    return (" AND ".join(parts) if parts else "TRUE"), params


def cube_cut(
    engine: Engine,
    *,
    by: Sequence[str],
    categories: Mapping[str, Sequence[str]] | None = None,
    halves: bool = True,
    **choices: Unpack[Choices],
) -> pd.DataFrame:
    """The cube cut to the ``choices`` (see :func:`cube_filter`) and summed per ``by`` (cube
    dimensions), in the engine: ``by`` columns, ``count`` and ``cell_key`` (the cell keys'
    sum modulo 256), sorted by ``by``; the dimensions categorical as in the loaded cube (the
    month stays text), with ``categories`` per column where given (the whole cube's values,
    so a cut's columns have the loaded cube's types exactly).

    Every roll-up over ``by`` columns of the result equals that roll-up of the cube cut to the
    same choices in pandas (counts and cell keys alike).

    A cut by area from an engine with an ``area_middle`` (PostgreSQL, which runs a statement
    on one core) is read as two statements at the same time, the areas before that code and
    from it on (``halves``; :func:`cube_cuts` runs its cuts side by side whole instead): each
    row, and each area's sums, in one of them (the national buurten's 3.9 million rows of area,
    month, domain and theme in 2.0 instead of 3.2-4.3 s)."""
    unknown = [b for b in by if b not in CUBE_DIMENSIONS]
    if unknown:
        raise ValueError(f"not a cube dimension: {unknown}")
    relation, where, params = _cut_source(engine, by, choices)
    columns = ", ".join(f'"{b}"' for b in by)
    sums = f'CAST(SUM("{COUNT}") AS BIGINT) AS "{COUNT}", ' + sum_keys()

    def statement(condition: str) -> str:
        if by and _holds_one_row_per(engine, relation, by):
            return (  # its rows are the sums already (summing them again: 3.9M rows hashed)
                f'SELECT {columns}, CAST("{COUNT}" AS BIGINT) AS "{COUNT}", '
                f'CAST("{CELL_KEY}" % 256 AS BIGINT) AS "{CELL_KEY}" FROM {relation} '
                f"WHERE {condition}"
            )
        if by:
            return (
                f"SELECT {columns}, {sums} FROM {relation} WHERE {condition} "
                f"GROUP BY {columns}"  # sorted in pandas, on the categories' codes: faster
            )
        return f"SELECT {sums} FROM {relation} WHERE {condition} HAVING COUNT(*) > 0"

    split = _area_halves(engine, by, choices) if halves else []
    if split:  # a half's condition follows the cut's, its placeholder the cut's
        frame = joined(
            in_parallel(
                [
                    partial(engine.query, statement(f"{where} AND {half}"), [*params, *values])
                    for half, values in split
                ],
                "cube_cut",
            )
        )
    else:
        frame = engine.query(statement(where), params)
    report(0.0)  # in a background job: gives way to a page run (ui/background.py)
    return typed_cut(frame, by, categories=categories)


def cube_cuts(
    engine: Engine,
    *,
    bys: Sequence[Sequence[str]],
    categories: Mapping[str, Sequence[str]] | None = None,
    **choices: Unpack[Choices],
) -> list[pd.DataFrame]:
    """:func:`cube_cut` per ``by`` in ``bys`` (the same ``choices``), each exactly as it
    returns it; where every one of them reads the whole cube, summed in one query (one read
    of the cube: ``GROUPING SETS``, its rows told apart by ``GROUPING``), else one query each
    (a rollup's cuts are cheap), run at the same time (PostgreSQL runs each on a connection
    and a core of its own: a period's area x theme and area x department cuts of the national
    case in 0.5 instead of 0.8 s; DuckDB spreads one query over the cores already). An engine
    whose ``statements_in_parallel`` is true (PostgreSQL) gets one query each also where all
    read the cube: the national year's two cuts of one channel in 0.37 s at the same time,
    0.65 s as ``GROUPING SETS`` on one core."""
    sources = [_cut_source(engine, by, choices) for by in bys]
    single = (
        len(bys) > 1
        and all(by for by in bys)
        and all(src[0] == engine.cube for src in sources)
        and not getattr(engine, "statements_in_parallel", False)
    )
    if not single:
        if len(bys) < 2:
            return [cube_cut(engine, by=by, categories=categories, **choices) for by in bys]
        return in_parallel(
            [
                partial(cube_cut, engine, by=by, categories=categories, halves=False, **choices)
                for by in bys
            ],
            "cube_cuts",
        )
    for by in bys:
        unknown = [b for b in by if b not in CUBE_DIMENSIONS]
        if unknown:
            raise ValueError(f"not a cube dimension: {unknown}")
    _, where, params = sources[0]
    columns = list(dict.fromkeys(c for by in bys for c in by))
    quoted = ", ".join(f'"{c}"' for c in columns)
    sets = ", ".join("(" + ", ".join(f'"{c}"' for c in by) + ")" for by in bys)
    # which set a row belongs to: the bit of every column it is not grouped by
    marks = " + ".join(f'GROUPING("{c}") * {1 << i}' for i, c in enumerate(columns))
    sums = f'CAST(SUM("{COUNT}") AS BIGINT) AS "{COUNT}", ' + sum_keys()
    sql = (
        f'SELECT {quoted}, CAST({marks} AS BIGINT) AS "grouping_set", {sums} '
        f"FROM {engine.cube} WHERE {where} GROUP BY GROUPING SETS ({sets})"
    )
    frame = engine.query(sql, params)
    out = []
    for by in bys:
        mark = sum(1 << i for i, c in enumerate(columns) if c not in by)
        rows = frame.loc[frame["grouping_set"] == mark, [*by, COUNT, CELL_KEY]]
        out.append(typed_cut(rows.reset_index(drop=True), by, categories=categories))
    return out


AREA_MONTH_DIMENSIONS = (AREA_CODE, MONTH, DOMAIN)
"""The dimensions of an engine's ``area_months`` (see :func:`_cut_source`)."""
AREA_ROLLUPS = (
    ("area_months", AREA_MONTH_DIMENSIONS),
    ("area_themes", (*AREA_MONTH_DIMENSIONS, THEME)),
    ("area_channels", (*AREA_MONTH_DIMENSIONS, CHANNEL)),
    ("area_departments", (*AREA_MONTH_DIMENSIONS, DEPARTMENT)),
)
"""An engine's rollups of the cube by area (its attribute, their dimensions), smallest
first: a cut that neither shows nor picks another dimension reads the first it has. (Only
PostgreSQL keeps one by department; DuckDB sums the Samenhang page's areas by theme and by
department from the cube in one statement.)"""


def _area_halves(
    engine: Engine, by: Sequence[str], choices: Choices
) -> list[tuple[str, list[Any]]]:
    """The conditions of the two halves of a cut by area (see :func:`cube_cut`), each with its
    parameter: the areas before the engine's ``area_middle()`` (in the "C" collation, with a
    row without an area) and from it on; none where the engine has no middle, or the cut picks
    its areas (a few)."""
    middle = getattr(engine, "area_middle", None)
    if middle is None or AREA_CODE not in by or choices.get("area_codes") is not None:
        return []
    code = middle()
    if code is None:
        return []
    text = f'CAST("{AREA_CODE}" AS TEXT) COLLATE "C"'
    return [
        (f'({text} < ? OR "{AREA_CODE}" IS NULL)', [code]),
        (f"{text} >= ?", [code]),
    ]


def joined(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The rows of a statement's parts one after another (the first when all are empty; an
    empty part's column types may differ from the others')."""
    filled = [f for f in frames if len(f)]
    if len(filled) <= 1:
        return filled[0] if filled else frames[0]
    return pd.concat(filled, ignore_index=True)


def _holds_one_row_per(engine: Engine, relation: str, by: Sequence[str]) -> bool:
    """Whether ``relation`` is one of the engine's :data:`AREA_ROLLUPS` whose dimensions are
    ``by`` (in any order): both stores sum a rollup per value of all its dimensions when they
    write it, so it has one row per value of ``by``."""
    return any(
        getattr(engine, attribute, None) == relation and set(columns) == set(by)
        for attribute, columns in AREA_ROLLUPS
    )


def _used(by: Sequence[str], choices: Choices) -> set[str]:
    """The dimensions a cut shows (``by``) or is filtered on."""
    used = set(by)
    if choices.get("start") is not None or choices.get("end") is not None:
        used.add(MONTH)
    for column, choice in (
        (DOMAIN, "domains"),
        (THEME, "themes"),
        (CHANNEL, "channels"),
        (AREA_CODE, "area_codes"),
    ):
        if choices.get(choice) is not None:
            used.add(column)
    if choices.get("located"):
        used.add(AREA_CODE)
    return used


def _cut_source(engine: Engine, by: Sequence[str], choices: Choices) -> tuple[str, str, list[Any]]:
    """The relation a cut reads, its condition and parameters: the cube, or for a cut that
    neither shows nor picks areas the engine's ``dimensions`` where it has them (the cube
    summed over the areas, with ``located``: the PostgreSQL store keeps it per version; the
    same sums from a few thousand rows), or for a cut by and filtered on the area, the month,
    the domain and the theme or the channel at most, the first of the engine's
    :data:`AREA_ROLLUPS` that holds those dimensions (the cube summed per area, month,
    domain and theme or channel: both stores keep them per version; the same sums from fewer
    rows)."""
    dimensions = getattr(engine, "dimensions", None)
    if dimensions is None or AREA_CODE in by or choices.get("area_codes") is not None:
        used = _used(by, choices)
        for attribute, columns in AREA_ROLLUPS:
            rollup = getattr(engine, attribute, None)
            if rollup is not None and used <= set(columns):
                return rollup, *cube_filter(**choices)
        return engine.cube, *cube_filter(**choices)
    others = Choices(**choices)
    others["located"] = False
    where, params = cube_filter(**others)
    if choices.get("located"):
        where += ' AND "located"'
    return dimensions, where, params


def cube_totals(engine: Engine) -> pd.DataFrame:
    """The cube's counts per month and domain for each sentinel area (outside the areas,
    without a location) and for all areas together (area code ``''``): the columns
    ``area_code``, ``month``, ``domain`` and ``count``, a few hundred rows. Every total of
    the store's summary (:func:`regie_analytics.store.summary.store_info`) is the same from
    them as from the whole cube, which a national store would pull in by the millions of
    rows. Read from the smallest relation that holds the area, month and domain."""
    relation, _, _ = _cut_source(engine, [AREA_CODE, MONTH, DOMAIN], Choices())
    sentinel, params = in_list(AREA_CODE, sorted(SENTINEL_AREAS))
    sql = (
        f'SELECT CASE WHEN {sentinel} THEN "{AREA_CODE}" ELSE \'\' END AS "{AREA_CODE}", '
        f'"{MONTH}", "{DOMAIN}", CAST(SUM("{COUNT}") AS BIGINT) AS "{COUNT}" '
        f"FROM {relation} GROUP BY 1, 2, 3"
    )
    frame = engine.query(sql, params)
    for column in (AREA_CODE, MONTH, DOMAIN):
        frame[column] = frame[column].astype("str")
    frame[COUNT] = frame[COUNT].astype("int64")
    return frame.sort_values([AREA_CODE, MONTH, DOMAIN], ignore_index=True)


def sum_keys(column: str = CELL_KEY) -> str:
    """The SQL of a summed cell key: ``CAST(SUM(cell_key) % 256 AS BIGINT) AS cell_key``."""
    return f'CAST(SUM("{column}") % 256 AS BIGINT) AS "{CELL_KEY}"'


def typed_cut(
    frame: pd.DataFrame, by: Sequence[str], *, categories: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """A query's cut with the loaded cube's types, sorted by ``by``: dimensions categorical
    (the month text; ``categories`` per column where given, else those present), ``count``
    and ``cell_key`` int64."""
    known = categories or {}

    def typed(column: str) -> pd.Series:
        if column == MONTH:
            return frame[column].astype("str")
        coded = _coded(frame[column], known.get(column))
        if coded is not None:
            return coded
        present = frame[column].astype("str").astype("category")  # hashes each value once
        if column in known:
            return present.cat.set_categories(list(known[column]))
        return present

    out = pd.DataFrame(
        {
            **{b: typed(b) for b in by},
            COUNT: frame[COUNT].astype("int64"),
            CELL_KEY: frame[CELL_KEY].astype("int64"),
        }
    )
    if by:  # the categories are sorted: ordering by their codes orders by the values
        report(0.0)
        keys = [_sort_key(out[b]) for b in by]
        if all(key is not None for key in keys):  # the same order, from whole numbers
            out = out.take(np.lexsort([key for key in reversed(keys) if key is not None]))
        else:
            out = out.sort_values(list(by), kind="stable")
    return out.reset_index(drop=True)


def _encoded(values: pd.Series) -> pa.DictionaryArray | None:
    """``values`` dictionary-encoded by Arrow (each distinct value hashed once, in C++), or
    None unless they are text without a missing value (those keep pandas' own conversion in
    :func:`typed_cut`: a missing value's text, ``nan``, is a value of its own there)."""
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    text = pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    return array.dictionary_encode() if text and not array.null_count else None


def _sort_key(values: pd.Series) -> np.ndarray | None:
    """Whole numbers that order like ``values`` in ``sort_values`` (a categorical's codes with
    a missing value last; a text's rank among its distinct values), or None for other values
    (:func:`_encoded`)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        return np.where(codes < 0, len(values.cat.categories), codes)
    encoded = _encoded(values)
    if encoded is None:
        return None
    rank = np.empty(len(encoded.dictionary), dtype=np.int64)
    rank[np.argsort(np.asarray(encoded.dictionary.to_pylist(), dtype=object), kind="stable")] = (
        np.arange(len(rank))
    )
    return rank[encoded.indices.to_numpy(zero_copy_only=False)]


def _coded(values: pd.Series, categories: Sequence[str] | None) -> pd.Series | None:
    """``values`` as :func:`typed_cut`'s categorical column through Arrow (:func:`_encoded`):
    each distinct value looked up once among the categories (``categories``, else the sorted
    values present; a value not among them missing) instead of a Python object per row (a
    national cut of 3.9 million rows: some 0.4 s less per column); None for other values."""
    encoded = _encoded(values)
    if encoded is None:
        return None
    present = pd.Index(encoded.dictionary.to_pylist(), dtype="str")
    # the categories' own type as set_categories gives it (no categories: an object index)
    wanted = (
        pd.Index(sorted(present), dtype="str") if categories is None else pd.Index(list(categories))
    )
    lookup = wanted.get_indexer(present)
    codes = lookup[encoded.indices.to_numpy(zero_copy_only=False)] if len(present) else []
    return pd.Series(pd.Categorical.from_codes(codes, categories=wanted), index=values.index)


def distinct(
    engine: Engine, column: str, *, where: str = "TRUE", params: Sequence[object] = ()
) -> list[str]:
    """The sorted distinct (non-missing) values of a cube ``column`` where ``where`` holds
    (read from the engine's ``dimensions`` and ``area_codes``, where it has them, for a
    column and condition they hold: the PostgreSQL store keeps them per version)."""
    relation = engine.cube
    dimensions = getattr(engine, "dimensions", None)
    area_codes = getattr(engine, "area_codes", None)
    if dimensions is not None and column != AREA_CODE and AREA_CODE not in where:
        relation = dimensions
    elif area_codes is not None and column == AREA_CODE and where == "TRUE":
        relation = area_codes
    frame = engine.query(
        f'SELECT DISTINCT "{column}" AS v FROM {relation} WHERE ({where}) '
        f'AND "{column}" IS NOT NULL',
        params,
    )
    return sorted(str(v) for v in frame["v"])
