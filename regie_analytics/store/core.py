"""The :class:`Store`: reading a version (manifest, areas, taxonomy, cube, records, a summary)
and writing new ones (imports, reclassifying, boundaries, population, removing an import)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from regie_analytics import cellkey, geo
from regie_analytics.ingest import PreparedImport, StoredIds
from regie_analytics.resources import default_store_folder
from regie_analytics.schema import (
    CELL_KEY,
    COUNT,
    DOMAIN,
    OTHER,
)
from regie_analytics.store.commit import (
    DerivedBoundaries,
    build_version,
    commit_secret,
    recheck,
    reclassified,
    write_web,
    write_weights,
)
from regie_analytics.store.errors import (
    empty_store,
    has_imports,
    no_boundaries,
    no_import,
    other_boundaries,
    outdated,
    replaced,
)
from regie_analytics.store.parts import (
    FORMAT_VERSION,
    SECRET_FIELD,
    cube_files_summed,
    empty_cube,
    link_from,
    stored_records,
    write_manifest,
)
from regie_analytics.store.rollups import write_rollups
from regie_analytics.store.summary import store_info
from regie_analytics.store.versions import clean_leftovers, kept_versions, lock, staging, switch
from regie_analytics.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from regie_analytics.engine import DuckDBEngine

DEFAULT_STORE = default_store_folder()


class Store:
    """A versioned, atomically updated local store.

    Parameters
    ----------
    root
        The store folder; created on the first commit.
    version
        Read this version (``v000003``) instead of the current one: a reader that started on
        it keeps reading it while new imports land (:data:`KEEP_VERSIONS` are kept).
    """

    def __init__(self, root: str | Path | None = None, *, version: str | None = None) -> None:
        self.root = Path(root) if root is not None else DEFAULT_STORE
        self.version = version
        self._derived: DerivedBoundaries | None = None

    # -- reading ---------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        """The committed version folder (or the pinned ``version``), None for an empty store."""
        if self.version is not None:
            folder = self.root / self.version
            if not (folder / "manifest.json").exists():
                raise replaced(self.version, self.root)
            return folder
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text().strip()
        folder = self.root / name
        return folder if (folder / "manifest.json").exists() else None

    @property
    def location(self) -> str:
        """The store folder as text (what :func:`regie_analytics.store.open_store` takes)."""
        return str(self.root)

    @property
    def version_name(self) -> str | None:
        """The name of the version read (``v000003``), None for an empty store."""
        folder = self.current
        return None if folder is None else folder.name

    def exists(self) -> bool:
        """Whether the store has a committed version."""
        return self.current is not None

    def _require(self) -> Path:
        folder = self.current
        if folder is None:
            raise empty_store(self.root)
        return folder

    def manifest(self) -> dict[str, Any]:
        """The manifest of the current version."""
        data: dict[str, Any] = json.loads((self._require() / "manifest.json").read_text())
        return data

    def areas(self) -> gpd.GeoDataFrame:
        """The boundaries the store was built on, indexed by ``area_code``."""
        return gpd.read_parquet(self._require() / "areas.parquet")

    def taxonomy(self) -> Taxonomy:
        """The taxonomy the store's records were classified with."""
        return load_taxonomy(self._require() / "taxonomy.csv")

    def cube(self) -> pd.DataFrame:
        """The cube: counts per area x month x domain x theme x channel x department x source,
        with the cell key of each count."""
        folder = self._require()
        path = folder / "cube.parquet"
        if not path.exists():
            return empty_cube()
        cube = pd.read_parquet(path)
        if CELL_KEY not in cube.columns:
            raise outdated(self.root)
        return cube

    def secret(self) -> str | None:
        """The store's secret for record keys (None for an empty store)."""
        if self.current is None:
            return None
        return str(self.manifest().get(SECRET_FIELD) or "") or None

    def _parts(self, kind: str) -> list[Path]:
        folder = self._require()
        return [
            folder / imp["parts"][kind]
            for imp in self.manifest()["imports"]
            if kind in imp["parts"]
        ]

    def signals(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Record-level signals (all imports), optionally only some columns."""
        parts = self._parts("signals")
        if not parts:
            return pd.DataFrame(columns=columns or [])
        return pd.concat([pd.read_parquet(p, columns=columns) for p in parts], ignore_index=True)

    def counts(self) -> pd.DataFrame:
        """Pre-aggregated counts (all imports)."""
        parts = self._parts("counts")
        if not parts:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)

    def known_records(self, source: str, kind: str) -> pd.DataFrame | StoredIds:
        """What the store holds for ``source``: where the signal ids are (``kind="signals"``:
        the parts, read by DuckDB), or the stored counts with their keys (``kind="counts"``);
        see :func:`regie_analytics.ingest.drop_known`."""
        folder = self.current
        if folder is None:
            return pd.DataFrame()
        return stored_records(folder, self.manifest(), source, kind)

    def info(self) -> dict[str, Any]:
        """A summary for ``python -m regie_analytics info`` and the Data page."""
        if self.current is None:
            return {"store": str(self.root), "leeg": True}
        from regie_analytics.engine import cube_totals

        folder = self._require()
        manifest = json.loads((folder / "manifest.json").read_text())
        cube = folder / "cube.parquet"
        if not manifest.get(SECRET_FIELD) or (
            cube.exists() and CELL_KEY not in pq.read_schema(cube).names
        ):
            raise outdated(self.root)  # as reading its cube would
        engine = self.engine(folder.name)
        try:
            totals = cube_totals(engine)
        finally:
            engine.close()
        return store_info(
            str(self.root), manifest, totals, gpd.read_parquet(folder / "areas.parquet")
        )

    def engine(self, version: str) -> DuckDBEngine:
        """Queries on ``version``'s cube and signals (every import's signal parts) in
        embedded DuckDB (see :class:`~regie_analytics.engine.DuckDBEngine`), as
        :meth:`PostgresStore.engine <regie_analytics.store.postgres.PostgresStore.engine>`
        runs them in the database."""
        from regie_analytics.engine import version_engine

        folder = self.root / version
        path = folder / "manifest.json"
        if not path.exists():
            raise replaced(version, self.root)
        return version_engine(folder, json.loads(path.read_text()))

    # -- writing ---------------------------------------------------------------------------
    def derive_boundaries(self, areas: gpd.GeoDataFrame) -> None:
        """Start computing what a version derives from new ``areas`` (weights and web
        geometry of every level) in a child process, while the import is checked; the next
        :meth:`commit` with these ``areas`` links the files in instead of computing them."""
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
        """Write prepared imports as a new version, atomically.

        Parameters
        ----------
        prepared
            Imports to add; ones that import nothing are skipped.
        areas, boundaries
            Required for an empty store (or with ``replace``): the boundaries and their
            fingerprint (their weights and web geometry from :meth:`derive_boundaries`
            when that was started for these ``areas``). For a store that has boundaries
            they must match (same sha256).
        taxonomy, taxonomy_info
            The taxonomy used; stored with the version.
        generated
            Mark the store as holding generated demo data.
        replace
            Start from an empty store instead of the current version (the demo does this).

        Returns
        -------
        The new manifest (or the unchanged one when nothing was added).
        """
        with lock(self.root):
            old = None if replace else self.current
            old_manifest: dict[str, Any] | None = (
                json.loads((old / "manifest.json").read_text()) if old else None
            )
            if old_manifest and boundaries is not None:
                have = old_manifest["boundaries"].get("sha256")
                if have != boundaries.get("sha256"):
                    raise other_boundaries(self.root, old_manifest["boundaries"], boundaries)
            todo = recheck(old, old_manifest, prepared)
            if old_manifest is not None and not todo:
                return old_manifest
            secret = commit_secret(self.root, old_manifest, todo)
            if old_manifest is None and (areas is None or boundaries is None):
                raise no_boundaries(self.root)
            version = (old_manifest["version"] if old_manifest else 0) + 1
            current_name = old.name if old else None
            clean_leftovers(self.root, keep=kept_versions(current_name))
            name = f"v{version:06d}"
            # Staged next to the store folder, so a killed commit leaves the store untouched.
            with staging(self.root, name) as tmp:
                manifest = build_version(
                    tmp,
                    old=old,
                    old_manifest=old_manifest,
                    todo=todo,
                    version=version,
                    areas=areas,
                    boundaries=boundaries,
                    taxonomy=taxonomy,
                    taxonomy_info=taxonomy_info,
                    generated=generated,
                    secret=secret,
                    derived=self._derived,
                )
                switch(self.root, tmp, name)
            self._derived = None
            return manifest

    def reclassify(
        self, taxonomy: Taxonomy, *, taxonomy_info: dict[str, Any] | None = None
    ) -> dict[str, int]:
        """Classify every stored record again with ``taxonomy`` and rebuild the cube,
        atomically, as a new version (after mapping unknown categories, say).

        Returns the number of signals per domain before and after as
        ``{"overig_voor": n, "overig_na": m}``.
        """
        with lock(self.root):
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            # an older store gets its secret and keys here (``upgrade``)
            secret = str(manifest.get(SECRET_FIELD) or "") or cellkey.new_secret()
            stored = pd.read_parquet(old / "cube.parquet")
            before = int(stored.loc[stored[DOMAIN] == OTHER, COUNT].sum())
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            clean_leftovers(self.root, keep=kept_versions(old.name))
            with staging(self.root, name) as tmp:
                cube = reclassified(
                    tmp, old=old, manifest=manifest, taxonomy=taxonomy, secret=secret
                )
                manifest.update(
                    version=version,
                    written_at=datetime.now().isoformat(timespec="seconds"),
                    taxonomy=taxonomy_info or {"file": taxonomy.name, "rows": len(taxonomy.table)},
                    cube_rows=len(cube),
                    reclassified_at=datetime.now().isoformat(timespec="seconds"),
                    format=FORMAT_VERSION,
                    **{SECRET_FIELD: secret},
                )
                write_rollups(tmp, previous=old)
                write_manifest(tmp, manifest)
                switch(self.root, tmp, name)
            after = int(cube.loc[cube[DOMAIN] == OTHER, COUNT].sum())
            return {"overig_voor": before, "overig_na": after}

    def set_boundaries(self, areas: gpd.GeoDataFrame, boundaries: dict[str, Any]) -> dict[str, Any]:
        """Set the boundaries of a store that has no imports yet (or only the generated demo
        data, which is dropped), as a new version, atomically: the first step of setting up
        a municipality. The store's taxonomy is kept (the default for a new store).

        Raises
        ------
        StoreError
            When the store already holds imported data: its records were placed in the
            areas of its boundaries.
        """
        with lock(self.root):
            old = self.current
            manifest = json.loads((old / "manifest.json").read_text()) if old else None
            if manifest and manifest["imports"] and not manifest.get("generated"):
                raise has_imports(self.root, manifest)
            version = (manifest["version"] if manifest else 0) + 1
            name = f"v{version:06d}"
            clean_leftovers(self.root, keep=kept_versions(old.name if old else None))
            with staging(self.root, name) as tmp:
                for sub in ("signals", "counts", "cube"):
                    (tmp / sub).mkdir()
                areas.to_parquet(tmp / "areas.parquet")
                write_weights(tmp)
                write_web(tmp)
                if old is not None and manifest is not None and not manifest.get("generated"):
                    os.link(old / "taxonomy.csv", tmp / "taxonomy.csv")
                    taxonomy_info = manifest["taxonomy"]
                else:
                    default = load_taxonomy()
                    (tmp / "taxonomy.csv").write_bytes(default.to_csv_bytes())
                    taxonomy_info = {
                        "file": "taxonomie.csv (standaard)",
                        "rows": len(default.table),
                    }
                empty_cube().to_parquet(tmp / "cube.parquet", index=False)
                new: dict[str, Any] = {
                    "format": FORMAT_VERSION,
                    "version": version,
                    "written_at": datetime.now().isoformat(timespec="seconds"),
                    "boundaries": boundaries,
                    "taxonomy": taxonomy_info,
                    "generated": False,
                    "imports": [],
                    "cube_rows": 0,
                    # the store's secret for record keys: kept when the demo is replaced
                    SECRET_FIELD: str((manifest or {}).get(SECRET_FIELD) or "")
                    or cellkey.new_secret(),
                }
                write_rollups(tmp, previous=old)
                write_manifest(tmp, new)
                switch(self.root, tmp, name)
            return new

    def set_population(self, population: pd.Series, *, source: str) -> dict[str, Any]:
        """Replace the population of the store's areas (a Series by area code; areas it
        lacks get none) and record where it came from (``source``), as a new version,
        atomically. Everything else stays as it is."""
        with lock(self.root):
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            areas = geo.with_population(gpd.read_parquet(old / "areas.parquet"), population)
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            clean_leftovers(self.root, keep=kept_versions(old.name))
            with staging(self.root, name) as tmp:
                link_from(old, tmp, ("taxonomy.csv", "cube.parquet"), manifest["imports"])
                areas.to_parquet(tmp / "areas.parquet")
                write_weights(tmp, previous=old)
                write_web(tmp, previous=old)
                manifest.update(
                    version=version,
                    written_at=datetime.now().isoformat(timespec="seconds"),
                    boundaries={**manifest["boundaries"], "population": source},
                )
                write_rollups(tmp, previous=old)
                write_manifest(tmp, manifest)
                switch(self.root, tmp, name)
            return dict(manifest)

    def remove_import(self, import_id: int) -> dict[str, Any]:
        """Remove one import (its records and its share of the cube) as a new version,
        atomically; returns the removed import's manifest entry.

        Removing the same file's import and importing it again gives the same store.
        """
        with lock(self.root):
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            if not manifest.get(SECRET_FIELD):
                raise outdated(self.root)
            removed = [imp for imp in manifest["imports"] if imp["id"] == import_id]
            if not removed:
                raise no_import(self.root, import_id)
            kept = [imp for imp in manifest["imports"] if imp["id"] != import_id]
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            clean_leftovers(self.root, keep=kept_versions(old.name))
            with staging(self.root, name) as tmp:
                link_from(old, tmp, ("areas.parquet", "taxonomy.csv"), kept)
                write_weights(tmp, previous=old)
                write_web(tmp, previous=old)
                cube = cube_files_summed([tmp / imp["parts"]["cube"] for imp in kept])
                cube.to_parquet(tmp / "cube.parquet", index=False)
                manifest.update(
                    version=version,
                    written_at=datetime.now().isoformat(timespec="seconds"),
                    imports=kept,
                    cube_rows=len(cube),
                )
                write_rollups(tmp, previous=old)
                write_manifest(tmp, manifest)
                switch(self.root, tmp, name)
            entry: dict[str, Any] = removed[0]
            return entry
