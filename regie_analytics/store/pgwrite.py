"""Writing a version of the PostgreSQL store: the writer's transaction and lock, areas and
taxonomies, each import's parts (records with ``COPY``, its cube part), earlier imports whose
counts a new one corrects, and the switch of ``head`` with the clean-up of old versions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from libpysal.weights import W
from psycopg import sql
from psycopg.types.json import Jsonb

from regie_analytics.geo import AREA_COLUMNS, available_levels, parent_code_map
from regie_analytics.geo.stored import (
    LEVEL,
    LEVELS_FILE,
    TOLERANCE,
    WEB_FILE,
    level_areas,
    level_geometry,
    levels_table,
    web_of,
    web_table_of,
)
from regie_analytics.ingest import PreparedImport
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CHANNEL,
    COUNT,
    CUBE_COLUMNS,
    MONTH,
    SENTINEL_AREAS,
)
from regie_analytics.stats.stored import (
    FOCAL,
    NEIGHBOUR,
    WEIGHTS_FILE,
    weights_of,
    weights_table,
)
from regie_analytics.store import pgresults, rollups
from regie_analytics.store.commit import import_entry, replaced_keys, without_keys
from regie_analytics.store.errors import StoreError, busy
from regie_analytics.store.pgcopy import FRESH, copy_rows, read_frame
from regie_analytics.store.pgindexes import SUMMARIZE_RANGES, area_indexes
from regie_analytics.store.pgleads import LeadTap, retire_received_index
from regie_analytics.store.pgschema import (
    AREA_EXTRA_TABLES,
    AREA_MONTH_COLUMNS,
    AREA_MONTHS,
    AREA_NUMBERS,
    AREA_TEXT,
    CUBE_COPY,
    CUBE_DIMS,
    CUBE_SUM,
    LEADS_INSERT,
    RECORD_COLUMNS,
    VersionRow,
    area_extra_insert,
    as_records,
    connection,
    create_tables,
    has_tables,
    new_id,
    read_version,
    version_name,
)
from regie_analytics.store.versions import KEEP_VERSIONS
from regie_analytics.taxonomy import Taxonomy

WRITE_WORK_MEM = "256MB"
"""The memory a writer's cube sum may use before it spills to disk (PostgreSQL's default,
4 MB, makes a national cube's GROUP BY three times slower)."""
LOCK_CLASS = 0x52_45_47_49  # "REGI": the advisory locks of this program
"""The first half of the writer's advisory lock (the second: the schema's hash)."""


@contextmanager
def writing(
    url: str, schema: str, root: str
) -> Iterator[tuple[psycopg.Connection[Any], VersionRow | None]]:
    """One writer's transaction: the store's lock (refused when another writer holds it),
    the tables (created on first use: rows copied into them are written frozen,
    :data:`~regie_analytics.store.pgcopy.FRESH`) and the current version. Everything written
    in the block is committed at its end together, or not at all."""
    with connection(url, schema) as conn, conn.transaction():
        row = conn.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, schema)
        ).fetchone()
        if not (row and row[0]):
            raise busy(root)
        # the cube's GROUP BY in memory rather than in batches on disk (for this transaction)
        conn.execute(sql.SQL("SET LOCAL work_mem = {}").format(sql.Literal(WRITE_WORK_MEM)))
        if not all(has_tables(conn, schema, t) for t in _NEWEST):  # none, or made before
            before = _tables(conn, schema)
            _create(conn, schema, root)
            FRESH[conn] = frozenset(_tables(conn, schema) - before)
            if "area_groups" in FRESH[conn]:  # a store made before: its kept areas' groups
                _groups_of_kept_areas(conn)
        try:
            yield conn, read_version(conn, schema, pinned=None, root=root)
            retire_received_index(conn)  # an older store's: just before the commit
        finally:
            FRESH.pop(conn, None)


def _groups_of_kept_areas(conn: psycopg.Connection[Any]) -> None:
    """Write ``area_groups`` for the areas sets of a store's kept versions (a store written
    before the table: a write that keeps its areas set would leave it without them)."""
    rows = conn.execute("SELECT DISTINCT areas FROM versions ORDER BY areas").fetchall()
    for (area_set,) in rows:
        groups = group_rows(read_areas(conn, int(area_set)))
        copy_rows(conn, "area_groups", list(groups.columns), [groups], fixed={"area_set": area_set})
    if rows:
        conn.execute("ANALYZE area_groups")


def _tables(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    """The names of the tables in ``schema``."""
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
    return {str(name) for (name,) in rows.fetchall()}


def _create(conn: psycopg.Connection[Any], schema: str, root: str) -> None:
    try:
        with conn.transaction():
            create_tables(conn, schema)
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFile) as exc:
        raise StoreError(
            "de tabellen van de store konden niet worden gemaakt: de PostGIS-extensie "
            f"ontbreekt of deze gebruiker mag ze niet maken ({exc.diag.message_primary}).",
            file=root,
            hint="vraag de beheerder van de database om 'CREATE EXTENSION postgis' en om "
            f"rechten op het schema {schema}.",
        ) from exc


def drop_all(conn: psycopg.Connection[Any]) -> None:
    """Empty every table of the store (for a commit that replaces the store)."""
    _drop_views(conn, [row[0] for row in conn.execute("SELECT version FROM versions")])
    for table in (*_TABLES, "areas", *_AREA_TABLES, "area_groups"):
        conn.execute(f"DELETE FROM {table}")  # type: ignore[arg-type]
    conn.execute("DELETE FROM taxonomies")


def write_areas(
    conn: psycopg.Connection[Any],
    areas: gpd.GeoDataFrame | None,
    *,
    same_geometry: int | None = None,
    derived: Mapping[str, pd.DataFrame] | None = None,
) -> int:
    """Store boundaries as a new areas set (PostGIS geometry) with their map geometry and
    weights per level (copied from areas set ``same_geometry`` when only the population
    changed, else ``derived``: :meth:`~regie_analytics.store.commit.DerivedBoundaries.tables`
    of these areas, computed while the import was checked; else computed now); returns its
    id."""
    if areas is None:
        raise ValueError("boundaries are needed for a store's first version")
    area_set = new_id(conn)
    copy_rows(
        conn,
        "areas",
        [*_AREA_FIELDS, "geom"],
        [_geometry_rows(areas)],
        fixed={"area_set": area_set},
    )
    groups = group_rows(areas)
    copy_rows(conn, "area_groups", list(groups.columns), [groups], fixed={"area_set": area_set})
    conn.execute("ANALYZE area_groups")  # the planner's statistics for the hash join
    if same_geometry is not None:
        for table in _AREA_TABLES:
            columns = sql.SQL(", ").join(map(sql.Identifier, _AREA_TABLES[table]))
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (area_set, {}) SELECT %s, {} FROM {} WHERE area_set = %s"
                ).format(sql.Identifier(table), columns, columns, sql.Identifier(table)),
                (area_set, same_geometry),
            )
        return area_set
    if derived is None:
        at_level = level_areas(areas)  # dissolved once for the three tables
        derived = {
            LEVELS_FILE: levels_table(at_level),
            WEB_FILE: web_table_of(at_level),
            WEIGHTS_FILE: weights_table(areas, at_level=at_level),
        }
    for table, frame in (
        ("area_levels", derived[LEVELS_FILE]),
        ("area_web", derived[WEB_FILE]),
    ):
        frame = frame.assign(position=frame.groupby(LEVEL).cumcount())
        fields = [c for c in _AREA_TABLES[table] if c != "geom"]
        rows = pd.DataFrame({c: frame[c].to_numpy() for c in fields} | {"geom": _wkb(frame)})
        copy_rows(conn, table, list(rows.columns), [rows], fixed={"area_set": area_set})
    edges = derived[WEIGHTS_FILE]
    copy_rows(
        conn,
        "area_weights",
        list(edges.columns),
        [edges],
        fixed={"area_set": area_set},
        numbered=True,
    )
    return area_set


def group_rows(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The ``area_groups`` rows of boundaries: per coarser level (``level``) each finest
    area's code (``area_code``) and its code at that level (``grp``), as the pages group
    them (:func:`~regie_analytics.geo.parent_code_map`, areas without one left out)."""
    frames = [pd.DataFrame(columns=["level", AREA_CODE, "grp"], dtype="str")]
    for level in available_levels(areas)[1:]:
        parents = parent_code_map(areas, level).dropna()
        codes, groups = parents.index.astype("str").to_numpy(), parents.astype("str").to_numpy()
        frames.append(pd.DataFrame({"level": level, AREA_CODE: codes, "grp": groups}))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


_AREA_FIELDS = (AREA_CODE, *AREA_TEXT, *AREA_NUMBERS, "position")
_AREA_TABLES = {
    "area_levels": ("level", "position", "area_code", "geom"),
    "area_web": ("level", "position", "area_code", "tolerance_m", "geom"),
    "area_weights": ("level", "seq", "focal", "neighbour"),
}
"""What is stored with an areas set, and its columns."""
_TABLES = (
    "head", "versions", "cube", "cube_dims", "cube_areas", "cube_area_months", "cube_area_themes",
    "cube_area_channels", "cube_area_departments", "cube_parts", "signals", "signal_leads",
    "counts", "results",
)  # fmt: skip
_NEWEST = (
    "area_groups", "area_web", "area_weights", "area_levels", "cube_dims", "cube_areas",
    "cube_area_months", "cube_area_themes", "cube_area_channels", "cube_area_departments",
    "signal_leads", "cube_version_month_channel", "results",
)  # fmt: skip
"""The tables (and indexes) added after the first ones: a store without them gets them on its
next write."""


def _wkb(frame: gpd.GeoDataFrame) -> np.ndarray:
    """The geometry of ``frame`` as EWKB (with its SRID), as COPY reads PostGIS geometry."""
    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    geoms = shapely.set_srid(frame.geometry.to_numpy(), epsg or 0)
    return np.asarray(shapely.to_wkb(geoms, include_srid=True))


def _geometry_rows(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            AREA_CODE: areas.index.astype("str"),
            **{c: areas[c].to_numpy() for c in (*AREA_TEXT, *AREA_NUMBERS)},
            "position": range(len(areas)),
            "geom": _wkb(areas),
        }
    )


def read_web(
    conn: psycopg.Connection[Any], area_set: int, level: str, areas: gpd.GeoDataFrame
) -> gpd.GeoDataFrame | None:
    """The stored map geometry of ``areas`` (the areas at ``level`` of ``area_set``), as
    :func:`regie_analytics.geo.stored.read_web` reads it; None when it was not stored."""
    frame = read_frame(
        conn,
        "SELECT area_code, tolerance_m, ST_AsBinary(geom) AS wkb, ST_SRID(geom) AS srid "
        "FROM area_web WHERE area_set = %s AND level = %s ORDER BY position",
        (area_set, level),
    )
    if frame.empty:
        return None
    srid = int(frame["srid"].iloc[0]) or None
    stored = gpd.GeoDataFrame(
        frame[[AREA_CODE, TOLERANCE]],
        geometry=gpd.GeoSeries.from_wkb(frame["wkb"].map(bytes), crs=srid).to_numpy(),
        crs=srid,
    )
    return web_of(stored, level, areas)


def read_levels(conn: psycopg.Connection[Any], area_set: int, level: str) -> gpd.GeoSeries | None:
    """The stored dissolved geometry of ``level`` of ``area_set`` by area code, as
    :func:`regie_analytics.geo.stored.stored_areas_at` reads it; None when not stored."""
    frame = read_frame(
        conn,
        "SELECT area_code, ST_AsBinary(geom) AS wkb FROM area_levels "
        "WHERE area_set = %s AND level = %s ORDER BY position",
        (area_set, level),
    )
    if frame.empty:
        return None
    stored = gpd.GeoDataFrame(
        {LEVEL: level, AREA_CODE: frame[AREA_CODE].astype("str")},
        geometry=shapely.from_wkb(frame["wkb"].map(bytes).to_numpy()),
    )
    return level_geometry(stored, level)


def read_weights(
    conn: psycopg.Connection[Any], area_set: int, level: str, ids: pd.Index
) -> W | None:
    """The stored weights of ``level`` of ``area_set`` with ``id_order`` = ``ids``, as
    :func:`regie_analytics.stats.stored.read_weights` reads them; None when not stored."""
    edges = read_frame(
        conn,
        "SELECT focal, neighbour FROM area_weights WHERE area_set = %s AND level = %s ORDER BY seq",
        (area_set, level),
    )
    if edges.empty and len(ids) > 1:
        return None
    return weights_of(edges.astype({FOCAL: "str", NEIGHBOUR: "str"}), ids)


def read_areas(conn: psycopg.Connection[Any], area_set: int) -> gpd.GeoDataFrame:
    """An areas set as the folder store reads it: :data:`~regie_analytics.geo.AREA_COLUMNS`
    indexed by ``area_code``, in the order written."""
    frame = _area_rows(conn, area_set, "ST_AsBinary(geom) AS wkb, ST_SRID(geom) AS srid")
    srid = int(frame["srid"].iloc[0]) if len(frame) else 0
    geometry = gpd.GeoSeries.from_wkb(frame["wkb"].map(bytes), crs=srid or None)
    data = _area_attributes(frame)
    out = gpd.GeoDataFrame(data, geometry=geometry.to_numpy(), crs=srid or None)
    return out[list(AREA_COLUMNS)]


def read_area_attributes(conn: psycopg.Connection[Any], area_set: int) -> pd.DataFrame:
    """:func:`read_areas` without the geometry (its levels and codes: what
    :func:`~regie_analytics.geo.available_levels` and :func:`~regie_analytics.geo.parent_code_map`
    read)."""
    return _area_attributes(_area_rows(conn, area_set))


def _area_rows(conn: psycopg.Connection[Any], area_set: int, extra: str = "") -> pd.DataFrame:
    columns = ", ".join((AREA_CODE, *AREA_TEXT, *AREA_NUMBERS, *([extra] if extra else [])))
    return read_frame(
        conn,
        f"SELECT {columns} FROM areas WHERE area_set = %s ORDER BY position",  # type: ignore[arg-type]
        (area_set,),
    )


def _area_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    data = pd.DataFrame({c: frame[c].astype("str") for c in AREA_TEXT})
    for column in AREA_NUMBERS:
        data[column] = frame[column].astype("float64")
    data.index = pd.Index(frame[AREA_CODE].astype("str"), name=AREA_CODE)
    return data


def write_taxonomy(conn: psycopg.Connection[Any], taxonomy: Taxonomy) -> int:
    """Store a taxonomy file; returns its id."""
    tax_id = new_id(conn)
    conn.execute("INSERT INTO taxonomies VALUES (%s, %s)", (tax_id, taxonomy.to_csv_bytes()))
    return tax_id


def read_taxonomy(conn: psycopg.Connection[Any], tax_id: int) -> Taxonomy:
    """A stored taxonomy."""
    row = conn.execute("SELECT csv FROM taxonomies WHERE id = %s", (tax_id,)).fetchone()
    assert row is not None
    return Taxonomy.from_csv_bytes(bytes(row[0]), name="taxonomy.csv")


def _batches(records: pd.DataFrame, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    for start in range(0, len(records), rows):
        yield records.iloc[start : start + rows]


def write_part(
    conn: psycopg.Connection[Any],
    kind: str,
    records: pd.DataFrame | PreparedImport,
    cube: pd.DataFrame,
) -> dict[str, int]:
    """Write one import's records (a frame, or a prepared import's batches) and cube part
    as a new part; returns the manifest's ``parts`` entry."""
    part = new_id(conn)
    batches = records.record_batches() if isinstance(records, PreparedImport) else _batches(records)
    fixed = {"part": part}
    leads = LeadTap() if kind == "signals" else None
    if leads is not None:  # the lead rows computed from the records as they are copied
        batches = leads.tap(batches)
    copy_rows(conn, kind, list(RECORD_COLUMNS[kind]), batches, fixed=fixed, numbered=True)
    copy_rows(conn, "cube_parts", list(CUBE_COLUMNS), [cube], fixed=fixed)
    if leads is not None:
        leads.write(conn, part)
    return {kind: part, "cube": part}


def write_leads(conn: psycopg.Connection[Any], part: int) -> None:
    """A signal part's ``signal_leads`` (its lead times, for the dashboard's lead-time
    queries), from its rows in ``signals`` (for a part written before the table existed; a
    new part's are computed as its records are copied, :class:`LeadTap`)."""
    conn.execute(LEADS_INSERT, (part,))
    conn.execute("ANALYZE signal_leads")


def carry_over(
    conn: psycopg.Connection[Any], imports: list[dict[str, Any]], todo: list[PreparedImport]
) -> list[dict[str, Any]]:
    """The earlier imports in the new version: as they were, or (when a new import corrects
    some of their counts) with new parts without the corrected rows."""
    replaced = replaced_keys(todo)
    out = []
    for imp in imports:
        keys = replaced.get(imp["source"], []) if imp["kind"] == "counts" else []
        if keys:
            records = as_records(
                read_frame(
                    conn,
                    "SELECT * FROM counts WHERE part = %s ORDER BY seq",
                    (imp["parts"]["counts"],),
                ).drop(columns=["part", "seq"]),
                "counts",
            )
            kept, cube = without_keys(records, list(keys), kind="counts")
            if len(kept) < len(records):
                parts = write_part(conn, "counts", kept, cube)
                dropped = imp.get("rows_replaced", 0) + len(records) - len(kept)
                imp = {**imp, "parts": parts, "rows_replaced": dropped}
        out.append(imp)
    return out


def write_imports(
    conn: psycopg.Connection[Any],
    todo: list[PreparedImport],
    *,
    first_id: int,
    cubes: dict[int, pd.DataFrame] | None = None,
) -> list[dict[str, Any]]:
    """Write the new imports' parts (a count corrected by a later one in ``todo`` left out);
    returns their manifest entries. ``cubes`` gets each cube part written, by part id (for
    :func:`switch`)."""
    entries = []
    for offset, prep in enumerate(todo):
        source = prep.report.source
        later = [p.replaces for p in todo[offset + 1 :] if p.report.source == source]
        if prep.kind == "signals":  # batch by batch from the staged records
            cube = prep.cube
            parts = write_part(conn, prep.kind, prep, cube)
        else:
            counts, cube = without_keys(prep.records, later, kind=prep.kind, cube=prep.cube)
            parts = write_part(conn, prep.kind, counts, cube)
        if cubes is not None:
            cubes[parts["cube"]] = cube
        entries.append(import_entry(prep, first_id + offset, parts))
    return entries


def _parts(manifest: dict[str, Any]) -> set[int]:
    return {int(part) for imp in manifest["imports"] for part in imp["parts"].values()}


def switch(
    conn: psycopg.Connection[Any],
    manifest: dict[str, Any],
    *,
    areas: int,
    taxonomy: int,
    cubes: dict[int, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Sum the version's cube (and make it a view named after the version, the relation
    :meth:`~regie_analytics.store.PostgresStore.engine` queries), write its row and point
    ``head`` at it; then remove the
    versions older than :data:`KEEP_VERSIONS` and whatever only they used. Returns the
    manifest (with ``cube_rows``). A version of one cube part written in this transaction
    (in ``cubes``: a first import, or a store replaced) gets its cube and area rollups from
    that part in memory (:func:`_write_one_part`), the others summed by PostgreSQL."""
    number = int(manifest["version"])
    _add_missing_leads(conn, manifest)
    parts = sorted({int(imp["parts"]["cube"]) for imp in manifest["imports"]})
    one = one_new_part(parts, cubes)
    themes: pd.DataFrame | None = None  # the cube per area, month, domain and theme
    if one is not None:
        cube_rows, themes = _write_one_part(conn, number, one)
        conn.execute("ANALYZE cube")  # the planner's statistics of the new rows, at once
    else:
        if len(parts) == 1:
            summed = conn.execute(CUBE_COPY, (number, parts[0]))
        else:
            summed = conn.execute(CUBE_SUM, (number, parts))
        cube_rows = summed.rowcount
        conn.execute("ANALYZE cube")  # before the GROUP BYs below read it
        conn.execute(AREA_MONTHS, (number, number))
        for table in AREA_EXTRA_TABLES:
            conn.execute(area_extra_insert(table), (number, number))
    for table in ("cube_area_months", *AREA_EXTRA_TABLES):
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    conn.execute(CUBE_DIMS, (number, sorted(SENTINEL_AREAS), number))
    conn.execute(
        "INSERT INTO cube_areas (version, area_code) "
        "SELECT DISTINCT %s, area_code FROM cube WHERE version = %s",
        (number, number),
    )
    jumps = pgresults.jumps_beside(  # on the other core, meanwhile
        conn, number, themes, lambda: read_area_attributes(conn, areas)
    )
    del themes
    try:
        conn.execute(
            sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(WRITE_WORK_MEM))
        )
        for statement in area_indexes():  # after the rows: built at once on a first write
            conn.execute(statement)
        for statement in SUMMARIZE_RANGES:  # a later write's new pages (none after a build)
            conn.execute(statement)
        if jumps is not None:
            jumps.write(conn, number)
    finally:
        if jumps is not None:
            jumps.stop()
    manifest = {**manifest, "cube_rows": cube_rows}
    conn.execute(
        "INSERT INTO versions (version, manifest, areas, taxonomy) VALUES (%s, %s, %s, %s)",
        (number, Jsonb(manifest), areas, taxonomy),
    )
    conn.execute(
        sql.SQL("CREATE VIEW {} AS SELECT {} FROM cube WHERE version = {}").format(
            sql.Identifier(version_name(number)),
            sql.SQL(", ").join(map(sql.Identifier, CUBE_COLUMNS)),
            sql.Literal(number),
        )
    )
    conn.execute(
        "INSERT INTO head (one, version) VALUES (true, %s) "
        "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
        (number,),
    )
    _clean(conn, number - KEEP_VERSIONS)
    return manifest


def one_new_part(parts: list[int], cubes: dict[int, pd.DataFrame] | None) -> pd.DataFrame | None:
    """The cube part in memory of a version of exactly one cube part, ``parts``, when this
    transaction wrote it (in ``cubes``); else None (PostgreSQL sums the version's cube)."""
    return (cubes or {}).get(parts[0]) if len(parts) == 1 else None


def _write_one_part(
    conn: psycopg.Connection[Any], number: int, cube: pd.DataFrame
) -> tuple[int, pd.DataFrame]:
    """Version ``number``'s cube and area rollups from its one cube part in memory (one row
    per cell), written with ``COPY``: the cube as it is in month and channel order, the area
    rollups (:data:`AREA_ROLLUPS`) summed by numpy (:func:`rollups.area_rollup`), the same
    rows as PostgreSQL's ``GROUP BY`` (:data:`CUBE_COPY`, :data:`AREA_MONTHS`,
    :func:`area_extra_insert`) in the same order (a national first import: 6.7 million cube
    rows, about 50 s less). Returns the cube's rows and its ``cube_area_themes``."""
    coded = rollups.coded_frame(cube)
    order = rollups.ordered(coded, (MONTH, CHANNEL))
    batches = range(0, len(cube), ENCODE_BATCH)
    in_order = (cube.take(order[start : start + ENCODE_BATCH]) for start in batches)
    fixed = {"version": number}
    rows = copy_rows(conn, "cube", list(CUBE_COLUMNS), in_order, fixed=fixed)
    del order
    kept = pd.DataFrame()
    for table, (first, columns) in AREA_ROLLUPS.items():
        summed = rollups.area_rollup(coded, columns, first)
        copy_rows(conn, table, [*columns, COUNT, CELL_KEY], [summed], fixed=fixed)
        if table == "cube_area_themes":
            kept = summed
    return rows, kept


AREA_ROLLUPS = {
    "cube_area_months": ((MONTH,), AREA_MONTH_COLUMNS),
    **{
        table: ((extra, MONTH), (*AREA_MONTH_COLUMNS, extra))
        for table, extra in AREA_EXTRA_TABLES.items()
    },
}
"""Per area rollup table its dimensions and the ones its rows are ordered by first (then
the others), as :data:`AREA_MONTHS` and :func:`area_extra_insert` write them."""


ENCODE_BATCH = 1_000_000
"""Cube rows taken in order at a time (see :func:`_write_one_part`)."""


def _add_missing_leads(conn: psycopg.Connection[Any], manifest: dict[str, Any]) -> None:
    """Write the ``signal_leads`` of the version's signal parts that have none (parts written
    before the table existed): from this version on, its lead times are read there."""
    signal_parts = [
        int(i["parts"]["signals"]) for i in manifest["imports"] if "signals" in i["parts"]
    ]
    if not signal_parts:
        return
    missing = conn.execute(
        "SELECT p FROM unnest(%s::integer[]) AS p "
        "WHERE NOT EXISTS (SELECT 1 FROM signal_leads l WHERE l.part = p)",
        (signal_parts,),
    ).fetchall()
    for (part,) in missing:
        write_leads(conn, int(part))


def _clean(conn: psycopg.Connection[Any], oldest: int) -> None:
    """Remove versions before ``oldest``, their cubes, and parts, areas and taxonomies that
    no kept version uses."""
    rows = conn.execute(
        "DELETE FROM versions WHERE version < %s RETURNING version, manifest, areas, taxonomy",
        (oldest,),
    ).fetchall()
    if not rows:
        return
    for table in (
        "cube", "cube_dims", "cube_areas", "cube_area_months", *AREA_EXTRA_TABLES, "results"
    ):  # fmt: skip
        conn.execute(f"DELETE FROM {table} WHERE version < %s", (oldest,))  # type: ignore[arg-type]
    _drop_views(conn, [number for number, _, _, _ in rows])
    kept = conn.execute("SELECT manifest, areas, taxonomy FROM versions").fetchall()
    used = set().union(*(_parts(m) for m, _, _ in kept))
    gone = sorted(set().union(*(_parts(m) for _, m, _, _ in rows)) - used)
    for table in ("signals", "signal_leads", "counts", "cube_parts"):
        conn.execute(f"DELETE FROM {table} WHERE part = ANY(%s)", (gone,))  # type: ignore[arg-type]
    unused = sorted({r[2] for r in rows} - {r[1] for r in kept})
    for table in (*_AREA_TABLES, "area_groups"):
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE area_set = ANY(%s)").format(sql.Identifier(table)),
            (unused,),
        )
    for table, column, index in (("areas", "area_set", 1), ("taxonomies", "id", 2)):
        unused = sorted({r[index + 1] for r in rows} - {r[index] for r in kept})
        conn.execute(
            f"DELETE FROM {table} WHERE {column} = ANY(%s)",  # type: ignore[arg-type]
            (unused,),
        )


def _drop_views(conn: psycopg.Connection[Any], numbers: list[int]) -> None:
    """Drop the cube views of versions ``numbers``."""
    for number in numbers:
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(version_name(number))))
