"""The local data store: Parquet files plus a manifest, written atomically.

Layout of a store folder (default ``data/store/``)::

    CURRENT                 name of the committed version, replaced atomically
    v000003/
        manifest.json       boundaries, taxonomy, and every import (source, file hash, rows, time)
        areas.parquet       the boundaries the store was built on (GeoParquet)
        taxonomy.csv        the taxonomy used to classify
        signals/part-*.parquet   record-level signals, one part per import
        counts/part-*.parquet    pre-aggregated counts, one part per import
        cube/part-*.parquet      each import's cube part
        cube.parquet        the cube: counts per area x month x domain x theme x channel,
                            each with its cell key

The manifest also holds the store's secret for the record keys of cell-key perturbation
(``cell_key_secret``, see :mod:`regie_analytics.cellkey`), generated when the store is created
and kept by every later version.

A commit builds the new version in a staging folder next to the store folder (unchanged parts
are hard links, never modified in place), moves it into the store and then replaces ``CURRENT``
with one atomic rename. An import that fails or is killed halfway leaves the store folder exactly
as it was; a failed commit (a full disk, say) removes its staging folder itself, and the
leftovers of a killed one are removed by the next commit. A few versions before the current
one are kept (:data:`KEEP_VERSIONS`), so that a dashboard session that started reading one
can finish.

Identity is checked inside the commit's lock: an import is compared with the version it is
added to (:func:`regie_analytics.ingest.drop_known`), so two imports that were both checked
before either committed never both add the same records, and a corrected count replaces the
stored value for its area, month, label, channel and source.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from regie_analytics import cellkey, geo
from regie_analytics.formatting import fmt_level
from regie_analytics.ingest import (
    PreparedImport,
    count_keys,
    cube_part,
    drop_known,
    reclassify,
    with_keys,
)
from regie_analytics.resources import default_store_folder
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    MONTH,
    SIGNAL_ID,
    SOURCE,
    InputError,
)
from regie_analytics.taxonomy import Taxonomy, load_taxonomy

DEFAULT_STORE = default_store_folder()
FORMAT_VERSION = 2
"""2: record keys, key sums and cell keys for cell-key perturbation."""
SECRET_FIELD = "cell_key_secret"
"""Manifest field holding the store's secret for the record keys."""
KEEP_VERSIONS = 3
"""Versions kept before the current one, for readers that started on them."""


class StoreError(InputError):
    """A problem with the store itself (missing, built on other boundaries, locked)."""


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

    # -- reading ---------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        """The committed version folder (or the pinned ``version``), None for an empty store."""
        if self.version is not None:
            folder = self.root / self.version
            if not (folder / "manifest.json").exists():
                raise StoreError(
                    f"versie {self.version} van de store is intussen vervangen door nieuwere "
                    "imports.",
                    file=self.root,
                    hint="laad de pagina opnieuw.",
                )
            return folder
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text().strip()
        folder = self.root / name
        return folder if (folder / "manifest.json").exists() else None

    def exists(self) -> bool:
        return self.current is not None

    def _require(self) -> Path:
        folder = self.current
        if folder is None:
            raise StoreError(
                "de store is leeg of bestaat niet.",
                file=self.root,
                hint="bouw de demodata met 'python -m regie_analytics demo' of importeer een "
                "bestand met 'python -m regie_analytics import'.",
            )
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
            return _empty_cube()
        cube = pd.read_parquet(path)
        if CELL_KEY not in cube.columns:
            raise self._outdated()
        return cube

    def _outdated(self) -> StoreError:
        return StoreError(
            "deze store is gemaakt met een oudere versie, zonder de celsleutels die kleine "
            "aantallen beschermen.",
            file=self.root,
            hint=f"voer 'python -m regie_analytics upgrade --store {self.root}' uit; dat voegt "
            "ze toe zonder de gegevens te veranderen.",
        )

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

    def known_records(self, source: str, kind: str) -> pd.DataFrame:
        """What the store holds for ``source``: the signal ids (``kind="signals"``), or the
        stored counts with their keys (``kind="counts"``); see
        :func:`regie_analytics.ingest.drop_known`."""
        folder = self.current
        if folder is None:
            return pd.DataFrame()
        return _known_records(folder, self.manifest(), source, kind)

    def info(self) -> dict[str, Any]:
        """A summary for ``python -m regie_analytics info`` and the Data page."""
        if self.current is None:
            return {"store": str(self.root), "leeg": True}
        manifest = self.manifest()
        cube = self.cube()
        areas = self.areas()
        in_area = ~cube[AREA_CODE].isin(["BUITEN_GEBIED", "ZONDER_LOCATIE"])
        return {
            "store": str(self.root),
            "leeg": False,
            "versie": manifest["version"],
            "gegenereerd": manifest.get("generated", False),
            "grenzen": manifest["boundaries"],
            "gemeente_naam": geo.municipality_name(areas),
            "niveaus": {
                level: len(geo.areas_at_level(areas, level))
                for level in geo.available_levels(areas)
            },
            "aantal_gebieden": len(areas),
            "inwoners_bekend": bool(areas["population"].notna().any()),
            "inwoners": population_source(manifest, areas),
            "taxonomie": manifest["taxonomy"],
            "imports": [
                {k: v for k, v in imp.items() if k not in ("report", "parts")}
                for imp in manifest["imports"]
            ],
            "meldingen_totaal": int(cube[COUNT].sum()),
            "meldingen_in_gebied": int(cube.loc[in_area, COUNT].sum()),
            "buiten_gebied": int(cube.loc[cube[AREA_CODE] == "BUITEN_GEBIED", COUNT].sum()),
            "zonder_locatie": int(cube.loc[cube[AREA_CODE] == "ZONDER_LOCATIE", COUNT].sum()),
            "overig_domein": int(cube.loc[cube["domain"] == "overig", COUNT].sum()),
            "eerste_maand": str(cube[MONTH].min()) if len(cube) else None,
            "laatste_maand": str(cube[MONTH].max()) if len(cube) else None,
            "per_domein": {str(k): int(v) for k, v in cube.groupby("domain")[COUNT].sum().items()},
        }

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        # filelock: an OS lock on Linux, macOS and Windows alike (fcntl is POSIX only)
        lock = FileLock(self.root / ".lock", timeout=0)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout as exc:
            raise StoreError(
                "de store is bezet door een andere import.",
                file=self.root,
                hint="wacht tot die import klaar is en probeer het opnieuw.",
            ) from exc
        except OSError as exc:
            raise disk_error(exc, self.root) from exc
        try:
            yield
        finally:
            lock.release()

    def _staging_prefix(self) -> str:
        return f".{self.root.name}-staging-"

    @contextmanager
    def _staging(self, name: str) -> Iterator[Path]:
        """A fresh staging folder for version ``name``; removed again if anything fails, and
        a failure of the disk (full, read-only) explained in Dutch."""
        tmp = self.root.parent / f"{self._staging_prefix()}{name}-{os.getpid()}"
        try:
            tmp.mkdir(parents=True)
            yield tmp
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise disk_error(exc, self.root) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _clean_leftovers(self, keep: set[str]) -> None:
        """Remove version folders other than ``keep`` and staging folders of killed commits."""
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("v") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
        for stale in self.root.parent.glob(self._staging_prefix() + "*"):
            shutil.rmtree(stale, ignore_errors=True)

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
            fingerprint. For a store that has boundaries they must match (same sha256).
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
        with self._lock():
            old = None if replace else self.current
            old_manifest: dict[str, Any] | None = (
                json.loads((old / "manifest.json").read_text()) if old else None
            )
            if old_manifest and boundaries is not None:
                have = old_manifest["boundaries"].get("sha256")
                if have != boundaries.get("sha256"):
                    raise StoreError(
                        f"deze store is gebouwd op de grenzen "
                        f"'{old_manifest['boundaries'].get('file')}', niet op "
                        f"'{boundaries.get('file')}'.",
                        file=self.root,
                        hint="importeer zonder --boundaries, of gebruik een nieuwe store met "
                        "--store MAP.",
                    )
            todo = self._recheck(old, old_manifest, prepared)
            if old_manifest is not None and not todo:
                return old_manifest
            secret = self._commit_secret(old_manifest, todo)
            if old_manifest is None and (areas is None or boundaries is None):
                raise StoreError(
                    "een lege store heeft grenzen nodig.", file=self.root, hint="geef grenzen mee."
                )
            version = (old_manifest["version"] if old_manifest else 0) + 1
            current_name = old.name if old else None
            self._clean_leftovers(keep=self._kept(current_name))
            name = f"v{version:06d}"
            # Staged next to the store folder, so a killed commit leaves the store untouched.
            with self._staging(name) as tmp:
                manifest = self._build_version(
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
                )
                self._switch(tmp, name)
            return manifest

    def _commit_secret(
        self, old_manifest: dict[str, Any] | None, todo: list[PreparedImport]
    ) -> str:
        """The secret of the new version: the store's own, or for a new (or replaced) store
        the one its imports were keyed with (a replaced store keeps its secret, so a rebuilt
        demo perturbs as before). Imports keyed with another secret are refused."""
        if old_manifest is not None and not old_manifest.get(SECRET_FIELD):
            raise self._outdated()
        if old_manifest is not None:
            secret = str(old_manifest[SECRET_FIELD])
        else:
            secret = next((p.secret for p in todo if p.secret), "") or cellkey.new_secret()
        if any(p.secret != secret for p in todo):
            raise StoreError(
                "dit bestand is gecontroleerd voor een andere store.",
                file=self.root,
                hint="controleer het bestand opnieuw tegen deze store en importeer dan.",
            )
        return secret

    def _recheck(
        self,
        old: Path | None,
        old_manifest: dict[str, Any] | None,
        prepared: list[PreparedImport],
    ) -> list[PreparedImport]:
        """The imports checked again against the version they are added to (inside the lock),
        and against each other; those that add or correct nothing are left out."""
        todo: list[PreparedImport] = []
        for prep in prepared:
            source = prep.report.source
            known = [
                _known_records(old, old_manifest, source, prep.kind)
                if old is not None and old_manifest is not None
                else pd.DataFrame()
            ]
            known += [p.records for p in todo if p.kind == prep.kind and p.report.source == source]
            frames = [k for k in known if not k.empty]
            checked = drop_known(prep, pd.concat(frames, ignore_index=True)) if frames else prep
            if checked.report.imported > 0 or checked.replaces is not None:
                todo.append(checked)
            # the caller prints the report of what it prepared: it says what was committed
            vars(prep.report).update(vars(checked.report))
        return todo

    @staticmethod
    def _kept(current: str | None) -> set[str]:
        """Version folders to keep: the current one and :data:`KEEP_VERSIONS` before it, which
        readers may still be reading (they share their parts through hard links, so an old
        version costs little more than its cube)."""
        if not current:
            return set()
        number = int(current[1:])
        return {f"v{n:06d}" for n in range(max(1, number - KEEP_VERSIONS), number + 1)}

    def reclassify(
        self, taxonomy: Taxonomy, *, taxonomy_info: dict[str, Any] | None = None
    ) -> dict[str, int]:
        """Classify every stored record again with ``taxonomy`` and rebuild the cube,
        atomically, as a new version (after mapping unknown categories, say).

        Returns the number of signals per domain before and after as
        ``{"overig_voor": n, "overig_na": m}``.
        """
        with self._lock():
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            # an older store gets its secret and keys here (``upgrade``)
            secret = str(manifest.get(SECRET_FIELD) or "") or cellkey.new_secret()
            before = int(
                pd.read_parquet(old / "cube.parquet").query("domain == 'overig'")[COUNT].sum()
            )
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            self._clean_leftovers(keep=self._kept(old.name))
            with self._staging(name) as tmp:
                cube = self._reclassified(
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
                _write_manifest(tmp, manifest)
                self._switch(tmp, name)
            after = int(cube.loc[cube["domain"] == "overig", COUNT].sum())
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
        with self._lock():
            old = self.current
            manifest = json.loads((old / "manifest.json").read_text()) if old else None
            if manifest and manifest["imports"] and not manifest.get("generated"):
                raise StoreError(
                    f"deze store heeft al imports op de grenzen "
                    f"'{manifest['boundaries'].get('file')}'; andere grenzen zouden die "
                    "gegevens in andere gebieden leggen.",
                    file=self.root,
                    hint="begin een nieuwe store voor andere grenzen (met --store MAP, of "
                    "REGIE_STORE=MAP voor het dashboard), of verwijder eerst alle imports.",
                )
            version = (manifest["version"] if manifest else 0) + 1
            name = f"v{version:06d}"
            self._clean_leftovers(keep=self._kept(old.name if old else None))
            with self._staging(name) as tmp:
                for sub in ("signals", "counts", "cube"):
                    (tmp / sub).mkdir()
                areas.to_parquet(tmp / "areas.parquet")
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
                _empty_cube().to_parquet(tmp / "cube.parquet", index=False)
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
                _write_manifest(tmp, new)
                self._switch(tmp, name)
            return new

    def set_population(self, population: pd.Series, *, source: str) -> dict[str, Any]:
        """Replace the population of the store's areas (a Series by area code; areas it
        lacks get none) and record where it came from (``source``), as a new version,
        atomically. Everything else stays as it is."""
        with self._lock():
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            areas = geo.with_population(gpd.read_parquet(old / "areas.parquet"), population)
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            self._clean_leftovers(keep=self._kept(old.name))
            with self._staging(name) as tmp:
                _link_from(old, tmp, ("taxonomy.csv", "cube.parquet"), manifest["imports"])
                areas.to_parquet(tmp / "areas.parquet")
                manifest.update(
                    version=version,
                    written_at=datetime.now().isoformat(timespec="seconds"),
                    boundaries={**manifest["boundaries"], "population": source},
                )
                _write_manifest(tmp, manifest)
                self._switch(tmp, name)
            return dict(manifest)

    def remove_import(self, import_id: int) -> dict[str, Any]:
        """Remove one import (its records and its share of the cube) as a new version,
        atomically; returns the removed import's manifest entry.

        Removing the same file's import and importing it again gives the same store.
        """
        with self._lock():
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
            if not manifest.get(SECRET_FIELD):
                raise self._outdated()
            removed = [imp for imp in manifest["imports"] if imp["id"] == import_id]
            if not removed:
                raise StoreError(
                    f"de store heeft geen import met nummer {import_id}.",
                    file=self.root,
                    hint="kies een nummer uit de lijst van imports ('python -m regie_analytics "
                    "info').",
                )
            kept = [imp for imp in manifest["imports"] if imp["id"] != import_id]
            version = manifest["version"] + 1
            name = f"v{version:06d}"
            self._clean_leftovers(keep=self._kept(old.name))
            with self._staging(name) as tmp:
                _link_from(old, tmp, ("areas.parquet", "taxonomy.csv"), kept)
                parts = [pd.read_parquet(tmp / imp["parts"]["cube"]) for imp in kept]
                cube = _combine_cubes(parts)
                cube.to_parquet(tmp / "cube.parquet", index=False)
                manifest.update(
                    version=version,
                    written_at=datetime.now().isoformat(timespec="seconds"),
                    imports=kept,
                    cube_rows=len(cube),
                )
                _write_manifest(tmp, manifest)
                self._switch(tmp, name)
            entry: dict[str, Any] = removed[0]
            return entry

    @staticmethod
    def _reclassified(
        tmp: Path, *, old: Path, manifest: dict[str, Any], taxonomy: Taxonomy, secret: str
    ) -> pd.DataFrame:
        """Write every import's records and cube part classified with ``taxonomy`` (records
        without keys get them, from ``secret``)."""
        for sub in ("signals", "counts", "cube"):
            (tmp / sub).mkdir()
        os.link(old / "areas.parquet", tmp / "areas.parquet")
        (tmp / "taxonomy.csv").write_bytes(taxonomy.to_csv_bytes())
        cubes = []
        for imp in manifest["imports"]:
            kind_dir = "signals" if imp["kind"] == "signals" else "counts"
            records = pd.read_parquet(old / imp["parts"][kind_dir])
            system = imp.get("system", imp["preset"])
            records = reclassify(records, taxonomy, system=system, kind=imp["kind"])
            records = with_keys(records, kind=imp["kind"], secret=secret)
            records.to_parquet(tmp / imp["parts"][kind_dir], index=False)
            part = cube_part(records, kind=imp["kind"])
            part.to_parquet(tmp / imp["parts"]["cube"], index=False)
            cubes.append(part)
        cube = _combine_cubes(cubes)
        cube.to_parquet(tmp / "cube.parquet", index=False)
        return cube

    def _switch(self, staged: Path, name: str) -> None:
        """Move a staged version into the store and point ``CURRENT`` at it (atomic)."""
        final = self.root / name
        os.rename(staged, final)
        pointer_tmp = staged.parent / f"{self._staging_prefix()}CURRENT-{os.getpid()}"
        try:
            _fsync_dir(self.root)
            with open(pointer_tmp, "w") as handle:
                handle.write(name + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(pointer_tmp, self.root / "CURRENT")
        except BaseException:
            # CURRENT still names the old version: take the new one away again
            shutil.rmtree(final, ignore_errors=True)
            pointer_tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.root)
        self._clean_leftovers(keep=self._kept(name))

    def _build_version(
        self,
        folder: Path,
        *,
        old: Path | None,
        old_manifest: dict[str, Any] | None,
        todo: list[PreparedImport],
        version: int,
        areas: gpd.GeoDataFrame | None,
        boundaries: dict[str, Any] | None,
        taxonomy: Taxonomy | None,
        taxonomy_info: dict[str, Any] | None,
        generated: bool | None,
        secret: str,
    ) -> dict[str, Any]:
        imports: list[dict[str, Any]] = list(old_manifest["imports"]) if old_manifest else []
        for sub in ("signals", "counts", "cube"):
            (folder / sub).mkdir()
        replaced = _replaced_keys(todo)
        if old is not None:
            imports = [_carry_over(old, folder, imp, replaced) for imp in imports]
        if areas is not None and (old is None or old_manifest is None):
            areas.to_parquet(folder / "areas.parquet")
        else:
            assert old is not None
            os.link(old / "areas.parquet", folder / "areas.parquet")
        if taxonomy is not None:
            (folder / "taxonomy.csv").write_bytes(taxonomy.to_csv_bytes())
        elif old is not None:
            os.link(old / "taxonomy.csv", folder / "taxonomy.csv")
        else:
            (folder / "taxonomy.csv").write_bytes(load_taxonomy().to_csv_bytes())
        next_id = max((imp["id"] for imp in imports), default=0) + 1
        for offset, prep in enumerate(todo):
            import_id = next_id + offset
            kind_dir = "signals" if prep.kind == "signals" else "counts"
            record_rel = f"{kind_dir}/part-{import_id:05d}.parquet"
            cube_rel = f"cube/part-{import_id:05d}.parquet"
            source = prep.report.source
            later = [p.replaces for p in todo[offset + 1 :] if p.report.source == source]
            records, cube_part_ = _without_keys(prep.records, later, kind=prep.kind, cube=prep.cube)
            _write_records(records, folder / record_rel)
            cube_part_.to_parquet(folder / cube_rel, index=False)
            imports.append(
                {
                    "id": import_id,
                    "source": prep.report.source,
                    "preset": prep.report.preset,
                    "file": prep.report.file,
                    "sha256": prep.file_hash,
                    "kind": prep.kind,
                    "system": prep.system or prep.report.preset,
                    "rows_read": prep.report.rows_read,
                    "rows_imported": prep.report.imported,
                    "signals": prep.report.signals_imported,
                    "imported_at": datetime.now().isoformat(timespec="seconds"),
                    "report": prep.report.to_dict(),
                    "parts": {kind_dir: record_rel, "cube": cube_rel},
                }
            )
        cube_parts = [pd.read_parquet(folder / imp["parts"]["cube"]) for imp in imports]
        cube = _combine_cubes(cube_parts)
        cube.to_parquet(folder / "cube.parquet", index=False)
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "version": version,
            "written_at": datetime.now().isoformat(timespec="seconds"),
            "boundaries": boundaries if boundaries is not None else old_manifest["boundaries"],  # type: ignore[index]
            "taxonomy": taxonomy_info
            if taxonomy_info is not None
            else (old_manifest or {}).get("taxonomy", {"file": "taxonomie.csv (standaard)"}),
            "generated": bool(generated)
            if generated is not None
            else bool((old_manifest or {}).get("generated", False)),
            "imports": imports,
            "cube_rows": len(cube),
            SECRET_FIELD: secret,
        }
        _write_manifest(folder, manifest)
        for path in folder.rglob("*.parquet"):
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        return manifest


def _link_from(old: Path, tmp: Path, files: tuple[str, ...], imports: list[dict[str, Any]]) -> None:
    """Start staging folder ``tmp`` from version ``old``: the part folders, and hard links
    (which cost nothing) to ``files`` and to every part of ``imports``."""
    for sub in ("signals", "counts", "cube"):
        (tmp / sub).mkdir()
    for rel in files:
        os.link(old / rel, tmp / rel)
    for imp in imports:
        for rel in imp["parts"].values():
            os.link(old / rel, tmp / rel)


def population_source(manifest: dict[str, Any], areas: gpd.GeoDataFrame) -> str:
    """Where the population of a store's areas comes from, in Dutch (see
    :func:`geo.population_text`); for a store written before that was recorded, how many
    areas have one."""
    recorded = manifest.get("boundaries", {}).get("population")
    if recorded:
        return str(recorded)
    level = geo.available_levels(areas)[0]
    rows = areas[areas["level"] == level]
    known = int(rows["population"].notna().sum())
    if known == 0:
        return "onbekend: de grenzen hebben geen inwonertallen (geen cijfers per 1.000 inwoners)"
    return (
        f"uit het grenzenbestand, bron niet vastgelegd; bekend voor {known} van de "
        f"{len(rows)} {fmt_level(level, plural=True)}"
    )


def _write_records(records: pd.DataFrame, path: Path, *, rows: int = 1_000_000) -> None:
    """Write records to Parquet a million rows at a time (one row group each), so that a
    large import is not converted to Arrow as a whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if len(records) <= rows:
        records.to_parquet(path, index=False)
        return
    first = pa.Table.from_pandas(records.iloc[:rows], preserve_index=False)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        for start in range(rows, len(records), rows):
            part = records.iloc[start : start + rows]
            table = pa.Table.from_pandas(part, schema=first.schema, preserve_index=False)
            writer.write_table(table)


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    with open(folder / "manifest.json", "w") as handle:
        json.dump(manifest, handle, indent=1, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def _known_records(folder: Path, manifest: dict[str, Any], source: str, kind: str) -> pd.DataFrame:
    """The stored records of one source and kind in version ``folder`` (signals: ids only)."""
    columns = [SOURCE, SIGNAL_ID] if kind == "signals" else None
    frames = [
        pd.read_parquet(folder / imp["parts"][kind], columns=columns)
        for imp in manifest["imports"]
        if imp["kind"] == kind and imp["source"] == source and kind in imp["parts"]
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame.loc[frame[SOURCE].astype("str") == source].reset_index(drop=True)


def _replaced_keys(todo: list[PreparedImport]) -> dict[str, list[pd.MultiIndex]]:
    """Per source, the count keys whose stored value the imports correct."""
    out: dict[str, list[pd.MultiIndex]] = {}
    for prep in todo:
        if prep.replaces is not None:
            out.setdefault(prep.report.source, []).append(prep.replaces)
    return out


def _without_keys(
    records: pd.DataFrame,
    keys: list[pd.MultiIndex | None],
    *,
    kind: str,
    cube: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts without the rows whose keys are in ``keys`` (corrected by a later import), and
    their cube part (``cube`` when nothing was removed)."""
    wanted = [k for k in keys if k is not None]
    if kind != "counts" or not wanted or records.empty:
        return records, cube if cube is not None else cube_part(records, kind=kind)
    drop = np.zeros(len(records), dtype=bool)
    row_keys = count_keys(records)
    for k in wanted:
        drop |= row_keys.isin(k)
    if not drop.any():
        return records, cube if cube is not None else cube_part(records, kind=kind)
    kept = records.loc[~drop].reset_index(drop=True)
    return kept, cube_part(kept, kind=kind)


def _carry_over(
    old: Path, folder: Path, imp: dict[str, Any], replaced: dict[str, list[pd.MultiIndex]]
) -> dict[str, Any]:
    """An earlier import into the new version: hard links to its parts, or (when a new import
    corrects some of its counts) new parts without the corrected rows."""
    keys = replaced.get(imp["source"], []) if imp["kind"] == "counts" else []
    if keys:
        records = pd.read_parquet(old / imp["parts"]["counts"])
        kept, cube = _without_keys(records, list(keys), kind="counts")
        if len(kept) < len(records):
            kept.to_parquet(folder / imp["parts"]["counts"], index=False)
            cube.to_parquet(folder / imp["parts"]["cube"], index=False)
            return {**imp, "rows_replaced": imp.get("rows_replaced", 0) + len(records) - len(kept)}
    for rel in imp["parts"].values():
        os.link(old / rel, folder / rel)
    return imp


def disk_error(exc: OSError, root: Path) -> StoreError:
    """A failure of the disk under the store at ``root`` explained in Dutch (a full disk, a
    read-only disk, no permission); the store is unchanged."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            "de schijf is vol: de nieuwe versie van de store kon niet worden geschreven. De "
            "store is ongewijzigd en er is niets achtergebleven.",
            file=root,
            hint="maak ruimte vrij op de schijf van de store en probeer het opnieuw.",
        )
    if exc.errno == errno.EROFS:
        return StoreError(
            "de store staat op een schijf waarop alleen gelezen mag worden; er is niets "
            "geschreven.",
            file=root,
            hint="kies met --store (of REGIE_STORE) een map waarin geschreven mag worden.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(
            "er mag niet in de map van de store geschreven worden; er is niets geschreven.",
            file=root,
            hint="vraag schrijfrechten op die map, of kies met --store een andere map.",
        )
    return StoreError(
        f"de store kon niet worden geschreven (systeemmelding: {exc.strerror}); de store is "
        "ongewijzigd.",
        file=root,
        hint="controleer de schijf en probeer het opnieuw.",
    )


def _combine_cubes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The store's cube: the imports' cube parts summed over the cube's dimensions."""
    if not parts:
        return _empty_cube()
    cube = (
        pd.concat(parts, ignore_index=True)
        .groupby(list(CUBE_DIMENSIONS), observed=True, sort=True)[[COUNT, CELL_KEY]]
        .sum()
        .reset_index()
    )
    cube[COUNT] = cube[COUNT].astype("int64")
    cube[CELL_KEY] = cellkey.cell_keys(cube[CELL_KEY])
    return cube


def _empty_cube() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in CUBE_COLUMNS})
    frame[COUNT] = frame[COUNT].astype("int64")
    frame[CELL_KEY] = frame[CELL_KEY].astype("int64")
    return frame


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
