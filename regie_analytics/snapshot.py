"""One loaded store version and the tables derived from it, each computed once.

A :class:`Snapshot` holds what the dashboard reads of one committed store version (its query
:attr:`~Snapshot.engine`, areas, manifest, months) and hands out what is derived from it: the
areas at each level, their simplified map geometry and GeoJSON features, parent codes, spatial
weights, the domains, themes and channels present. The cube stays in the engine: the pages'
computations query cuts of it (:func:`regie_analytics.engine.cube_cut`), filtered and summed
there (the lead times too, over the signals: :func:`regie_analytics.lead_sql.lead_time_cut`;
:meth:`Snapshot.read` says when the version was replaced meanwhile). Each derived table is
built on first use and kept with the snapshot (:meth:`Snapshot._derived`, the one cache below
Streamlit's), so the library's functions stay pure: a caller that wants reuse takes the
derived table from the snapshot and passes it in.

Nothing derived may be changed by its callers: it is shared by every session that reads the
version. The dashboard keeps one snapshot per store version (``ui/data.py``); :attr:`key`
names it in every cache key.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import geopandas as gpd
import pandas as pd

from regie_analytics import engine as engines
from regie_analytics import geo
from regie_analytics.charts.geojson import SharedGeoJSON, geojson_features
from regie_analytics.engine import Engine, version_engine
from regie_analytics.formatting import fmt_level
from regie_analytics.geo.stored import stored_areas_at, stored_web
from regie_analytics.schema import CHANNEL, CUBE_DIMENSIONS, DOMAIN, DOMAINS, MONTH, THEME
from regie_analytics.stats.progress import holding
from regie_analytics.stats.stored import stored_weights
from regie_analytics.store import PostgresStore, Store, StoreError, is_database, open_store

_T = TypeVar("_T")


class StoreChanged(Exception):
    """The store version being read was replaced by imports meanwhile (read it again)."""


def current(path: str | Path) -> tuple[str, str] | None:
    """The store's committed version folder (``v000003``) and a key that differs for every
    store and version (a store rebuilt in the same place reuses folder names: the manifest
    file tells them apart; a database's versions table has a token per version); None for an
    empty store."""
    if is_database(str(path)):
        return PostgresStore(str(path)).current_key()
    root = Path(path)
    for _ in range(3):
        folder = Store(root).current
        if folder is None:
            return None
        try:
            stat = (folder / "manifest.json").stat()
        except FileNotFoundError:  # replaced by an import just now: read the pointer again
            continue
        return folder.name, f"{root.resolve()}#{folder.name}#{stat.st_ino}.{stat.st_mtime_ns}"
    raise StoreChanged("de store veranderde steeds tijdens het lezen")


def load(path: str | Path, *, version: str, key: str) -> Snapshot:
    """Read store ``version`` (a folder name from :func:`current`, named by ``key``): the
    areas, the manifest, the query engine over its cube and signals and the months with
    data (the cube itself stays in the engine)."""
    store = open_store(path, version=version)
    manifest = store.manifest()
    engine = (
        store.engine(version)
        if isinstance(store, PostgresStore)
        else version_engine(Path(path) / version, manifest)
    )
    return Snapshot(
        key=key,
        path=path if is_database(str(path)) else Path(path),
        version=version,
        engine=engine,
        areas=store.areas(),
        manifest=manifest,
        months=engines.distinct(engine, MONTH),
    )


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A store version as the dashboard reads it, with what is derived from it.

    ``areas``, ``cube`` and everything the methods return are shared: never change them.
    """

    key: str
    """Names this store and version in every cache key (path, folder, manifest)."""
    path: str | Path
    """The store folder, or the database URL."""
    version: str
    """The version's folder in the store (``v000003``)."""
    engine: Engine
    """Queries over the version's cube and signals (the dashboard's cube cuts)."""
    areas: gpd.GeoDataFrame
    manifest: dict[str, Any]
    months: list[str]
    _kept: dict[tuple[str, Hashable], Any] = field(default_factory=dict, init=False, repr=False)
    _locks: dict[tuple[str, Hashable], threading.Lock] = field(
        default_factory=dict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _derived(self, kind: str, key: Hashable, build: Callable[[], _T]) -> _T:
        """``build()``, once per ``kind`` and ``key`` for this snapshot and then kept. The
        dashboard's sessions run in threads: one builds, the others wait for its result."""
        slot = (kind, key)
        with self._lock:
            if slot in self._kept:
                return cast(_T, self._kept[slot])
            lock = self._locks.setdefault(slot, threading.Lock())
        # builds may use other derived tables (other slots, other locks); a background job
        # building one does not stop to give way to page runs meanwhile (progress.holding),
        # nor (but for a table only background jobs share) have its statements interrupted
        with lock, holding(pages=not kind.startswith("shared:")):
            if slot not in self._kept:
                value = build()
                with self._lock:
                    self._kept[slot] = value
        return cast(_T, self._kept[slot])

    def shared(self, kind: str, key: Hashable, build: Callable[[], _T]) -> _T:
        """``build()`` once per ``kind`` and ``key`` for this snapshot, kept with it and shared
        by every thread (for work outside a script run, where Streamlit's caches are not
        used: the dashboard's background jobs)."""
        return self._derived(f"shared:{kind}", key, build)

    # -- facts of the version ----------------------------------------------------------------
    @property
    def generated(self) -> bool:
        """True for generated demo data."""
        return bool(self.manifest.get("generated", False))

    @cached_property
    def levels(self) -> list[str]:
        """Area levels these areas can be shown at, finest first."""
        return geo.available_levels(self.areas)

    @cached_property
    def municipality(self) -> str | None:
        """The name of the store's one municipality (None for several, or none known)."""
        return geo.municipality_name(self.areas)

    @cached_property
    def has_population(self) -> bool:
        """True when any area has a population."""
        return bool(self.areas["population"].notna().any())

    @cached_property
    def domains(self) -> list[str]:
        """Domains present in the cube, in :data:`schema.DOMAINS` order."""
        present = set(engines.distinct(self.engine, DOMAIN))
        return [d for d in DOMAINS if d in present]

    @cached_property
    def has_signals(self) -> bool:
        """True when an import of the version holds record-level signals (lead times)."""
        return any("signals" in imp.get("parts", {}) for imp in self.manifest.get("imports", []))

    @cached_property
    def channels(self) -> list[str]:
        """Channels present in the cube."""
        return engines.distinct(self.engine, CHANNEL)

    @property
    def cube(self) -> pd.DataFrame:
        """The whole cube in pandas, its dimensions categorical (months stay text: they are
        compared with < and >), read from the engine on first use: for the benchmarks' and
        tests' whole-cube references. The pages and the council report query cuts of it."""
        return self._derived("cube", None, self._read_cube)

    def _read_cube(self) -> pd.DataFrame:
        cube = self.engine.query(f"SELECT * FROM {self.engine.cube}")  # in the stored order
        for column in CUBE_DIMENSIONS:
            if column != MONTH:
                cube[column] = cube[column].astype("category")
        return cube

    def source_label(self) -> str:
        """One line naming the data source, for every screen and export."""
        sources = sorted({imp["source"] for imp in self.manifest.get("imports", [])})
        boundaries = self.manifest.get("boundaries", {}).get("file", "")
        text = f"Bron: {', '.join(sources)}; grenzen: {boundaries}"
        if self.generated:
            text += " (GEGENEREERDE demodata)"
        return text

    # -- derived tables ----------------------------------------------------------------------
    def themes_of(self, domains: Sequence[str]) -> list[str]:
        """Themes present in the cube for these domains, sorted: the union of each domain's
        themes, queried once per domain (another choice of domains queries nothing new)."""

        def build(domain: str) -> tuple[str, ...]:
            where, params = engines.in_list(DOMAIN, [domain])
            return tuple(engines.distinct(self.engine, THEME, where=where, params=params))

        found: set[str] = set()
        for domain in dict.fromkeys(domains):
            found.update(self._derived("themes", domain, functools.partial(build, domain)))
        return sorted(found)

    def categories(self, column: str) -> tuple[str, ...]:
        """The sorted values of a cube dimension: the categories of the loaded cube's column,
        given to every cut of it (:func:`engine.cube_cut`) so its columns have the same types."""
        return self._derived(
            "categories", column, lambda: tuple(engines.distinct(self.engine, column))
        )

    def areas_at(self, level: str) -> gpd.GeoDataFrame:
        """:func:`geo.areas_at_level` of the snapshot's areas, with the dissolved geometry
        stored with the boundaries (:func:`geo.stored.stored_areas_at`,
        :meth:`PostgresStore.areas_at`; dissolved now for a version without it; shared: do not
        change it)."""

        def build() -> gpd.GeoDataFrame:
            if is_database(str(self.path)):
                return self._database().areas_at(level, self.areas)
            return stored_areas_at(Path(self.path) / self.version, level, self.areas)

        return self._derived("areas", level, build)

    def parent_codes(self, level: str) -> pd.Series:
        """:func:`geo.parent_code_map` of the snapshot's areas (shared: do not change it)."""
        return self._derived("parents", level, lambda: geo.parent_code_map(self.areas, level))

    def web_areas(self, level: str) -> gpd.GeoDataFrame:
        """The areas at ``level`` with geometry simplified for the browser
        (:func:`geo.simplify_for_web`, as stored with the boundaries: :func:`geo.stored.stored_web`,
        :meth:`PostgresStore.web_areas`; computed for a version without it; shared: do not
        change it)."""

        def build() -> gpd.GeoDataFrame:
            if is_database(str(self.path)):
                return self._database().web_areas(level, self.areas_at(level))
            return stored_web(Path(self.path) / self.version, level, self.areas_at(level))

        return self._derived("web", level, build)

    def features(self, level: str) -> dict[str, SharedGeoJSON]:
        """The GeoJSON features of :meth:`web_areas` by area code, the ``features`` of every
        map of the level (converted once, shared by every figure)."""
        return self._derived("features", level, lambda: geojson_features(self.web_areas(level)))

    def weights(self, level: str) -> Any:
        """Queen contiguity weights of the areas at ``level``, as stored with the boundaries
        (:func:`stats.stored.stored_weights`, :meth:`PostgresStore.weights`; computed for a
        version without them)."""

        def build() -> Any:
            if is_database(str(self.path)):
                return self._database().weights(level, self.areas_at(level))
            return stored_weights(Path(self.path) / self.version, level, self.areas_at(level))

        return self._derived("weights", level, build)

    def _database(self) -> PostgresStore:
        return PostgresStore(str(self.path), version=self.version)

    def area_labels(self) -> dict[str, str]:
        """Every area code at every level with a searchable label: ``'Name (wijk, WK...)'``."""

        def build() -> dict[str, str]:
            labels: dict[str, str] = {}
            for level in self.levels:
                for code, name in self.web_areas(level)["name"].items():
                    labels[str(code)] = f"{name} ({fmt_level(level)}, {code})"
            return labels

        return dict(self._derived("labels", None, build))

    def level_of(self, code: str) -> str:
        """The level an area code belongs to (the finest level for an unknown code)."""
        for level in self.levels:
            if code in self.areas_at(level).index:
                return level
        return self.levels[0]

    def read(self, query: Callable[[], _T]) -> _T:
        """``query()`` (a query of :attr:`engine`), or :class:`StoreChanged` when it failed
        because imports replaced this version meanwhile (its files or tables are gone)."""
        try:
            return query()
        except Exception as exc:
            if _version_kept(self.path, self.version):
                raise
            raise StoreChanged(f"versie {self.version} is vervangen") from exc


def _version_kept(path: str | Path, version: str) -> bool:
    """Whether the store still has ``version`` (not replaced by imports meanwhile)."""
    if not is_database(str(path)):
        return (Path(path) / version / "manifest.json").exists()
    try:
        return PostgresStore(str(path), version=version).exists()
    except StoreError:
        return False
