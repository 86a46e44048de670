"""The :class:`PostgresStore`: the store in PostgreSQL/PostGIS, for a shared deployment.

The same versions, imports and cube as the folder store (:class:`~regie_analytics.store.Store`)
with the same public methods, but every version is written in one transaction that also
switches the ``head`` pointer: an import that fails or is killed leaves every table exactly as
it was. One writer at a time (an advisory lock); readers never wait. The cube of a version is
summed in the database from its imports' cube parts, and :meth:`PostgresStore.engine` lets the
dashboard aggregate it there too. Tables: :mod:`~regie_analytics.store.pgschema`.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from libpysal.weights import W
from psycopg import sql

from regie_analytics import cellkey, geo
from regie_analytics.engine import cube_totals
from regie_analytics.ingest import (
    PreparedImport,
    StoredIds,
    cube_part,
    drop_known,
    reclassify,
    with_keys,
)
from regie_analytics.ingest.staged import KnownRecords
from regie_analytics.schema import (
    CUBE_COLUMNS,
    OTHER,
    SIGNAL_ID,
    SOURCE,
)
from regie_analytics.stats.weights import spatial_weights
from regie_analytics.store import pgwrite
from regie_analytics.store.commit import DerivedBoundaries, commit_secret
from regie_analytics.store.errors import (
    StoreError,
    empty_store,
    has_imports,
    no_boundaries,
    no_import,
    other_boundaries,
)
from regie_analytics.store.parts import FORMAT_VERSION, SECRET_FIELD
from regie_analytics.store.pgcopy import stream_frames
from regie_analytics.store.pgengine import PostgresEngine, have_leads
from regie_analytics.store.pgschema import (
    AREA_EXTRA_TABLES,
    RECORD_COLUMNS,
    VersionRow,
    as_cube,
    as_records,
    connection,
    has_tables,
    read_version,
    schema_of,
    shown_url,
    sql_type,
    version_name,
    version_number,
)
from regie_analytics.store.summary import store_info
from regie_analytics.taxonomy import Taxonomy, load_taxonomy

BATCH_ROWS = 500_000
"""Records read from the database at a time when they are streamed."""


class PostgresStore:
    """A versioned store in a PostgreSQL database with PostGIS.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/database``; the tables are in the schema the
        URL's ``options`` set as ``search_path`` (``regie`` by default), created on first write.
    version
        Read this version (``v000003``) instead of the current one: a reader that started on
        it keeps reading it while new imports land (:data:`KEEP_VERSIONS` are kept).
    """

    def __init__(self, url: str, *, version: str | None = None) -> None:
        self.location = url
        self.schema = schema_of(url)
        self.root = shown_url(url)
        """The URL without password: what messages and the Data page show."""
        self.version = version
        self._derived: DerivedBoundaries | None = None

    def _connect(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return connection(self.location, self.schema)

    # -- reading ---------------------------------------------------------------------------
    def _read_version(self, conn: psycopg.Connection[Any]) -> VersionRow | None:
        return read_version(conn, self.schema, pinned=self.version, root=self.root)

    @contextmanager
    def _reading(self) -> Iterator[tuple[psycopg.Connection[Any], VersionRow]]:
        with self._connect() as conn:
            found = self._read_version(conn)
            if found is None:
                raise empty_store(self.root)
            yield conn, found

    @property
    def current(self) -> str | None:
        """The committed version's name (or the pinned ``version``), None for an empty store."""
        with self._connect() as conn:
            found = self._read_version(conn)
        return None if found is None else version_name(found.number)

    @property
    def version_name(self) -> str | None:
        """The name of the version read (``v000003``), None for an empty store."""
        return self.current

    def current_key(self) -> tuple[str, str] | None:
        """The current version's name and a key unique to this store and version (a store
        rebuilt in the same schema starts at version 1 again: its token tells them apart)."""
        with self._connect() as conn:
            found = self._read_version(conn)
        if found is None:
            return None
        return version_name(found.number), f"{self.root}#{self.schema}#{found.token}"

    def exists(self) -> bool:
        """Whether the store has a committed version."""
        return self.current is not None

    def manifest(self) -> dict[str, Any]:
        """The manifest of the current version."""
        with self._reading() as (_, found):
            return found.manifest

    def areas(self) -> gpd.GeoDataFrame:
        """The boundaries the store was built on, indexed by ``area_code``."""
        with self._reading() as (conn, found):
            return pgwrite.read_areas(conn, found.areas)

    def taxonomy(self) -> Taxonomy:
        """The taxonomy the store's records were classified with."""
        with self._reading() as (conn, found):
            return pgwrite.read_taxonomy(conn, found.taxonomy)

    def cube(self) -> pd.DataFrame:
        """The cube: counts per area x month x domain x theme x channel x department x source,
        with the cell key of each count."""
        with self._reading() as (conn, found):
            return _cube(conn, found.number)

    def areas_at(self, level: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """:func:`regie_analytics.geo.areas_at_level` of ``areas`` (the store's) with the
        dissolved geometry stored with them (:func:`regie_analytics.geo.stored.stored_areas_at`
        of a folder store); dissolved now for boundaries stored without it."""
        stored = None
        if level != geo.available_levels(areas)[0]:
            with self._reading() as (conn, found):
                if has_tables(conn, self.schema, "area_levels"):
                    stored = pgwrite.read_levels(conn, found.areas, level)
        return geo.areas_at_level(areas, level, dissolved=stored)

    def web_areas(self, level: str, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``areas`` (the areas at ``level``) with the map geometry stored with the
        boundaries (:func:`regie_analytics.geo.stored.stored_web` of a folder store); computed
        for boundaries stored without it."""
        with self._reading() as (conn, found):
            stored = (
                pgwrite.read_web(conn, found.areas, level, areas)
                if has_tables(conn, self.schema, "area_web")
                else None
            )
        return stored if stored is not None else geo.simplify_for_web(areas)

    def weights(self, level: str, areas: gpd.GeoDataFrame) -> W:
        """The queen weights of ``areas`` (the areas at ``level``) stored with the boundaries
        (:func:`regie_analytics.stats.stored.stored_weights` of a folder store); computed for
        boundaries stored without them."""
        with self._reading() as (conn, found):
            stored = (
                pgwrite.read_weights(conn, found.areas, level, areas.index)
                if has_tables(conn, self.schema, "area_weights")
                else None
            )
        return stored if stored is not None else spatial_weights(areas)

    def secret(self) -> str | None:
        """The store's secret for record keys (None for an empty store)."""
        with self._connect() as conn:
            found = self._read_version(conn)
        if found is None:
            return None
        return str(found.manifest.get(SECRET_FIELD) or "") or None

    def signals(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Record-level signals (all imports), optionally only some columns (read as
        :meth:`signal_batches` and put together)."""
        with self._reading() as (conn, found):
            return _records(conn, found.manifest, "signals", columns=columns)

    def signal_batches(
        self, columns: list[str] | None = None, *, rows: int = BATCH_ROWS
    ) -> Iterator[pd.DataFrame]:
        """The record-level signals (all imports, in import order) in frames of ``rows``
        records (the last one fewer), streamed from the database: about a batch is held."""
        with self._reading() as (conn, found):
            yield from _record_batches(conn, found.manifest, "signals", columns=columns, rows=rows)

    def counts(self) -> pd.DataFrame:
        """Pre-aggregated counts (all imports)."""
        with self._reading() as (conn, found):
            return _records(conn, found.manifest, "counts")

    def known_records(self, source: str, kind: str) -> KnownRecords:
        """What the store holds for ``source``: where the signal ids are (``kind="signals"``,
        a file of the ids read from the database batch by batch, see :func:`ids_file`), or the
        stored counts with their keys (``kind="counts"``); see
        :func:`regie_analytics.ingest.drop_known`."""
        with self._connect() as conn:
            found = self._read_version(conn)
            manifest = found.manifest if found else None
            if kind == "signals":
                return ids_file(_known_ids(conn, manifest, source), source)
            return _known_counts(conn, manifest, source)

    def info(self) -> dict[str, Any]:
        """A summary for ``python -m regie_analytics info`` and the Data page."""
        with self._connect() as conn:
            found = self._read_version(conn)
            if found is None:
                return {"store": self.root, "leeg": True}
            areas = pgwrite.read_areas(conn, found.areas)
        totals = cube_totals(self.engine(version_name(found.number)))
        return store_info(self.root, found.manifest, totals, areas)

    def engine(self, version: str) -> PostgresEngine:
        """Queries on ``version``'s cube and signals, run in the database (see
        :class:`PostgresEngine`)."""
        number = version_number(version)
        with PostgresStore(self.location, version=version)._reading() as (conn, found):
            manifest = found.manifest
            tables = all(has_tables(conn, self.schema, t) for t in ("cube_dims", "cube_areas"))
            dims = tables and bool(
                conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM cube_areas WHERE version = %s)", (number,)
                ).fetchone()[0]  # type: ignore[index]
            )
            parts = [
                int(imp["parts"]["signals"])
                for imp in manifest.get("imports", [])
                if "signals" in imp.get("parts", {})
            ]
            leads = bool(parts) and have_leads(conn, self.schema, parts)
            area_months = has_tables(conn, self.schema, "cube_area_months") and bool(
                conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM cube_area_months WHERE version = %s) "
                    "OR NOT EXISTS (SELECT 1 FROM cube WHERE version = %s)",
                    (number, number),
                ).fetchone()[0]  # type: ignore[index]
            )
            extras = [
                table
                for table in AREA_EXTRA_TABLES
                if has_tables(conn, self.schema, table)
                and conn.execute(
                    sql.SQL(
                        "SELECT EXISTS (SELECT 1 FROM {} WHERE version = %s) "
                        "OR NOT EXISTS (SELECT 1 FROM cube WHERE version = %s)"
                    ).format(sql.Identifier(table)),
                    (number, number),
                ).fetchone()[0]  # type: ignore[index]
            ]
            # a coarser level's lead times joined with the areas' stored groups (if any)
            grouped = has_tables(conn, self.schema, "area_groups")
        return PostgresEngine(
            self.location,
            self.schema,
            number,
            parts,
            dimensions=dims,
            leads=leads,
            area_months=area_months,
            area_extras=extras,
            area_set=found.areas if grouped else None,
        )

    # -- writing ---------------------------------------------------------------------------
    def derive_boundaries(self, areas: gpd.GeoDataFrame) -> None:
        """Start computing the map geometry and weights of every level of new ``areas`` in a
        child process, while the import is checked (as the Parquet store does, see
        :class:`~regie_analytics.store.commit.DerivedBoundaries`); the next :meth:`commit`
        with these ``areas`` writes them instead of computing them."""
        self._derived = DerivedBoundaries(areas)

    def commit(
        self,
        prepared: list[PreparedImport],
        *,
        areas: gpd.GeoDataFrame | None = None,
        boundaries: dict[str, Any] | None = None,
        taxonomy: Taxonomy | None = None,
        taxonomy_info: dict[str, Any] | None = None,
        generated: bool | None = None,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Write prepared imports as a new version, atomically (see
        :meth:`regie_analytics.store.Store.commit`)."""
        with pgwrite.writing(self.location, self.schema, self.root) as (conn, old):
            if replace:
                pgwrite.drop_all(conn)
                old = None
            if old is not None and boundaries is not None:
                have = old.manifest["boundaries"]
                if have.get("sha256") != boundaries.get("sha256"):
                    raise other_boundaries(self.root, have, boundaries)
            todo = _recheck(conn, old, prepared)
            if old is not None and not todo:
                return old.manifest
            try:
                secret = commit_secret(Path(self.root), old and old.manifest, todo)
            except StoreError as exc:  # named by its URL, not as a path
                raise dataclasses.replace(exc, file=self.root) from None
            if old is None and (areas is None or boundaries is None):
                raise no_boundaries(self.root)
            number = (old.number if old else 0) + 1
            derived, self._derived = self._derived, None
            if old is None:
                ready = derived.tables() if derived is not None and derived.areas is areas else None
                area_set = pgwrite.write_areas(conn, areas, derived=ready)
            else:
                area_set = old.areas
            tax_id = (
                pgwrite.write_taxonomy(conn, taxonomy or load_taxonomy())
                if taxonomy is not None or old is None
                else old.taxonomy
            )
            imports = pgwrite.carry_over(conn, old.manifest["imports"] if old else [], todo)
            cubes: dict[int, pd.DataFrame] = {}
            imports += pgwrite.write_imports(conn, todo, first_id=_next_id(imports), cubes=cubes)
            old_manifest = old.manifest if old else {}
            manifest: dict[str, Any] = {
                "format": FORMAT_VERSION,
                "version": number,
                "written_at": _now(),
                "boundaries": boundaries if boundaries is not None else old_manifest["boundaries"],
                "taxonomy": taxonomy_info
                if taxonomy_info is not None
                else old_manifest.get("taxonomy", {"file": "taxonomie.csv (standaard)"}),
                "generated": bool(generated)
                if generated is not None
                else bool(old_manifest.get("generated", False)),
                "imports": imports,
                SECRET_FIELD: secret,
            }
            return pgwrite.switch(conn, manifest, areas=area_set, taxonomy=tax_id, cubes=cubes)

    def reclassify(
        self, taxonomy: Taxonomy, *, taxonomy_info: dict[str, Any] | None = None
    ) -> dict[str, int]:
        """Classify every stored record again with ``taxonomy`` and rebuild the cube,
        atomically, as a new version. Returns ``{"overig_voor": n, "overig_na": m}``."""
        with pgwrite.writing(self.location, self.schema, self.root) as (conn, old):
            old = _required(old, self.root)
            manifest = dict(old.manifest)
            secret = str(manifest.get(SECRET_FIELD) or "") or cellkey.new_secret()
            before = _other(conn, old.number)
            imports = []
            for imp in manifest["imports"]:
                kind = imp["kind"]
                records = _records(conn, {"imports": [imp]}, kind)
                records = reclassify(
                    records, taxonomy, system=imp.get("system", imp["preset"]), kind=kind
                )
                records = with_keys(records, kind=kind, secret=secret)
                part = pgwrite.write_part(conn, kind, records, cube_part(records, kind=kind))
                imports.append({**imp, "parts": part})
            tax_id = pgwrite.write_taxonomy(conn, taxonomy)
            manifest.update(
                version=old.number + 1,
                written_at=_now(),
                taxonomy=taxonomy_info or {"file": taxonomy.name, "rows": len(taxonomy.table)},
                imports=imports,
                reclassified_at=_now(),
                format=FORMAT_VERSION,
                **{SECRET_FIELD: secret},
            )
            pgwrite.switch(conn, manifest, areas=old.areas, taxonomy=tax_id)
            return {"overig_voor": before, "overig_na": _other(conn, old.number + 1)}

    def set_boundaries(self, areas: gpd.GeoDataFrame, boundaries: dict[str, Any]) -> dict[str, Any]:
        """Set the boundaries of a store without imports (or with only the generated demo
        data, which is dropped), as a new version, atomically (see
        :meth:`regie_analytics.store.Store.set_boundaries`)."""
        with pgwrite.writing(self.location, self.schema, self.root) as (conn, old):
            manifest = old.manifest if old else None
            if manifest and manifest["imports"] and not manifest.get("generated"):
                raise has_imports(self.root, manifest)
            keep_taxonomy = old is not None and manifest is not None and not manifest["generated"]
            if old is not None and keep_taxonomy:
                tax_id, taxonomy_info = old.taxonomy, old.manifest["taxonomy"]
            else:
                default = load_taxonomy()
                tax_id = pgwrite.write_taxonomy(conn, default)
                taxonomy_info = {"file": "taxonomie.csv (standaard)", "rows": len(default.table)}
            new: dict[str, Any] = {
                "format": FORMAT_VERSION,
                "version": (old.number if old else 0) + 1,
                "written_at": _now(),
                "boundaries": boundaries,
                "taxonomy": taxonomy_info,
                "generated": False,
                "imports": [],
                SECRET_FIELD: str((manifest or {}).get(SECRET_FIELD) or "") or cellkey.new_secret(),
            }
            area_set = pgwrite.write_areas(conn, areas)
            return pgwrite.switch(conn, new, areas=area_set, taxonomy=tax_id)

    def set_population(self, population: pd.Series, *, source: str) -> dict[str, Any]:
        """Replace the population of the store's areas (a Series by area code) and record
        where it came from, as a new version, atomically."""
        with pgwrite.writing(self.location, self.schema, self.root) as (conn, old):
            old = _required(old, self.root)
            areas = geo.with_population(pgwrite.read_areas(conn, old.areas), population)
            area_set = pgwrite.write_areas(conn, areas, same_geometry=old.areas)
            manifest = {
                **old.manifest,
                "version": old.number + 1,
                "written_at": _now(),
                "boundaries": {**old.manifest["boundaries"], "population": source},
            }
            return pgwrite.switch(conn, manifest, areas=area_set, taxonomy=old.taxonomy)

    def remove_import(self, import_id: int) -> dict[str, Any]:
        """Remove one import (its records and its share of the cube) as a new version,
        atomically; returns the removed import's manifest entry."""
        with pgwrite.writing(self.location, self.schema, self.root) as (conn, old):
            old = _required(old, self.root)
            removed = [imp for imp in old.manifest["imports"] if imp["id"] == import_id]
            if not removed:
                raise no_import(self.root, import_id)
            manifest = {
                **old.manifest,
                "version": old.number + 1,
                "written_at": _now(),
                "imports": [imp for imp in old.manifest["imports"] if imp["id"] != import_id],
            }
            pgwrite.switch(conn, manifest, areas=old.areas, taxonomy=old.taxonomy)
            entry: dict[str, Any] = removed[0]
            return entry


def _cube(conn: psycopg.Connection[Any], version: int) -> pd.DataFrame:
    """A version's cube with the folder store's types and order."""
    query = sql.SQL("SELECT {} FROM cube WHERE version = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, CUBE_COLUMNS))
    )
    types = {name: sql_type(name) for name in CUBE_COLUMNS}
    return as_cube(pd.concat(stream_frames(conn, query, (version,), types), ignore_index=True))


def _required(old: VersionRow | None, root: str) -> VersionRow:
    if old is None:
        raise empty_store(root)
    return old


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _next_id(imports: list[dict[str, Any]]) -> int:
    return max((imp["id"] for imp in imports), default=0) + 1


def _other(conn: psycopg.Connection[Any], version: int) -> int:
    """Signals in domain 'overig' in a version's cube."""
    row = conn.execute(
        "SELECT COALESCE(SUM(count), 0) FROM cube WHERE version = %s AND domain = %s",
        (version, OTHER),
    ).fetchone()
    return int(row[0]) if row else 0


def _records(
    conn: psycopg.Connection[Any],
    manifest: dict[str, Any],
    kind: str,
    *,
    columns: list[str] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """The records of ``kind`` of a version's imports (of one ``source``), in import order."""
    frames = list(_record_batches(conn, manifest, kind, columns=columns, source=source))
    if not frames:
        return pd.DataFrame(columns=columns or [])
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _record_batches(
    conn: psycopg.Connection[Any],
    manifest: dict[str, Any],
    kind: str,
    *,
    columns: list[str] | None = None,
    source: str | None = None,
    rows: int = BATCH_ROWS,
) -> Iterator[pd.DataFrame]:
    """:func:`_records` in batches of ``rows`` records, as the database sends them
    (none for a version without records of ``kind``)."""
    parts = [
        imp["parts"][kind]
        for imp in manifest["imports"]
        if kind in imp["parts"] and (source is None or imp["source"] == source)
    ]
    if not parts:
        return
    names = list(columns or RECORD_COLUMNS[kind])
    query = sql.SQL(
        "SELECT {} FROM {} WHERE part = ANY(%s) ORDER BY array_position(%s, part), seq"
    ).format(sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(kind))
    types = {name: sql_type(name) for name in names}
    for frame in stream_frames(conn, query, (parts, parts), types, rows=rows):
        yield as_records(frame, kind)


def ids_file(frames: Iterable[pd.DataFrame], source: str) -> StoredIds:
    """The signal ids in ``frames`` (of ``source``) in a temporary Parquet file, written
    frame by frame, where :func:`regie_analytics.ingest.drop_known` looks for them as it does
    in a folder store's parts; the file is removed when the returned object is no longer used."""
    handle, name = tempfile.mkstemp(prefix="regie-ids-", suffix=".parquet")
    os.close(handle)
    schema = pa.schema([(SIGNAL_ID, pa.string()), (SOURCE, pa.string())])
    with pq.ParquetWriter(name, schema) as writer:
        for frame in frames:
            ids = frame[SIGNAL_ID].astype("str").to_numpy(dtype=object)
            writer.write_table(
                pa.table({SIGNAL_ID: ids, SOURCE: [source] * len(ids)}, schema=schema)
            )
    stored = StoredIds(files=(Path(name),), source=source)
    weakref.finalize(stored, os.unlink, name)
    return stored


def _known_ids(
    conn: psycopg.Connection[Any], manifest: dict[str, Any] | None, source: str
) -> Iterator[pd.DataFrame]:
    """The ids of the stored signals of ``source``, in batches (none for an empty store)."""
    if manifest is None:
        return
    columns = [SOURCE, SIGNAL_ID]
    for batch in _record_batches(conn, manifest, "signals", columns=columns, source=source):
        yield batch.loc[batch[SOURCE].astype("str") == source]


def _known_counts(
    conn: psycopg.Connection[Any], manifest: dict[str, Any] | None, source: str
) -> pd.DataFrame:
    """The stored counts of ``source`` with their keys, as
    :func:`regie_analytics.store.parts.stored_records` reads them from a folder."""
    if manifest is None:
        return pd.DataFrame()
    frame = _records(conn, manifest, "counts", source=source)
    if frame.empty:
        return pd.DataFrame()
    return frame.loc[frame[SOURCE].astype("str") == source].reset_index(drop=True)


def _recheck(
    conn: psycopg.Connection[Any], old: VersionRow | None, prepared: list[PreparedImport]
) -> list[PreparedImport]:
    """The imports checked again against the version they are added to (inside the lock)
    and against each other; those that add or correct nothing are left out (see
    :func:`regie_analytics.store.commit.recheck`)."""
    todo: list[PreparedImport] = []
    manifest = old.manifest if old else None
    for prep in prepared:
        source = prep.report.source
        earlier = [p for p in todo if p.kind == prep.kind and p.report.source == source]
        if prep.kind == "signals":
            staged = (p.staged.frame([SIGNAL_ID]) for p in earlier)
            checked = drop_known(
                prep, ids_file(chain(_known_ids(conn, manifest, source), staged), source)
            )
        else:
            known = [_known_counts(conn, manifest, source), *(p.records for p in earlier)]
            frames = [k for k in known if not k.empty]
            checked = drop_known(prep, pd.concat(frames, ignore_index=True)) if frames else prep
        if checked.report.imported > 0 or checked.replaces is not None:
            todo.append(checked)
        vars(prep.report).update(vars(checked.report))
    return todo
