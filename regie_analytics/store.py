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
        cube.parquet        the cube: counts per area x month x domain x theme x channel

A commit builds the new version in a staging folder next to the store folder (unchanged parts
are hard links, never modified in place), moves it into the store and then replaces ``CURRENT``
with one atomic rename. An import that fails or is killed halfway leaves the store folder exactly
as it was; the staging leftovers of a killed commit are removed by the next commit.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from regie_analytics.imports import PreparedImport, count_keys, cube_part, reclassify
from regie_analytics.schema import (
    AREA_CODE,
    COUNT,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    MONTH,
    SIGNAL_ID,
    SOURCE,
    InputError,
)
from regie_analytics.taxonomy import Taxonomy, load_taxonomy

DEFAULT_STORE = Path(__file__).resolve().parent.parent / "data" / "store"
FORMAT_VERSION = 1


class StoreError(InputError):
    """A problem with the store itself (missing, built on other boundaries, locked)."""


class Store:
    """A versioned, atomically updated local store.

    Parameters
    ----------
    root
        The store folder; created on the first commit.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else DEFAULT_STORE

    # -- reading ---------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        """The committed version folder, or None for an empty store."""
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
        """The cube: counts per area x month x domain x theme x channel x department x source."""
        folder = self._require()
        path = folder / "cube.parquet"
        if not path.exists():
            return _empty_cube()
        return pd.read_parquet(path)

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

    def existing_signal_keys(self, source: str) -> pd.Index:
        """Signal ids already stored for a source."""
        if self.current is None:
            return pd.Index([], dtype="str")
        frame = self.signals(columns=[SOURCE, SIGNAL_ID])
        if frame.empty:
            return pd.Index([], dtype="str")
        return pd.Index(frame.loc[frame[SOURCE] == source, SIGNAL_ID].astype("str"))

    def existing_count_keys(self, source: str) -> pd.MultiIndex:
        """(area, month, label, channel) keys already stored for a source of counts."""
        frame = self.counts() if self.current is not None else pd.DataFrame()
        if frame.empty:
            return pd.MultiIndex.from_arrays([[], [], [], []])
        return count_keys(frame[frame[SOURCE] == source])

    def existing_keys(self, source: str, kind: str) -> pd.Index:
        """Import keys already stored for ``source``: signal ids, or count keys."""
        if kind == "signals":
            return self.existing_signal_keys(source)
        return self.existing_count_keys(source)

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
            "aantal_gebieden": len(areas),
            "inwoners_bekend": bool(areas["population"].notna().any()),
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
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(
                    "de store is bezet door een andere import.",
                    file=self.root,
                    hint="wacht tot die import klaar is en probeer het opnieuw.",
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _staging_prefix(self) -> str:
        return f".{self.root.name}-staging-"

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
            todo = [p for p in prepared if p.report.imported > 0]
            if old_manifest is not None and not todo:
                return old_manifest
            if old_manifest is None and (areas is None or boundaries is None):
                raise StoreError(
                    "een lege store heeft grenzen nodig.", file=self.root, hint="geef grenzen mee."
                )
            version = (old_manifest["version"] if old_manifest else 0) + 1
            current_name = old.name if old else None
            self._clean_leftovers(keep={current_name} if current_name else set())
            name = f"v{version:06d}"
            # Staged next to the store folder, so a killed commit leaves the store untouched.
            tmp = self.root.parent / f"{self._staging_prefix()}{name}-{os.getpid()}"
            tmp.mkdir(parents=True)
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
            )
            self._switch(tmp, name)
            return manifest

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
            before = int(self.cube().query("domain == 'overig'")[COUNT].sum())
            version = manifest["version"] + 1
            tmp, name = self._stage(old, version)
            os.link(old / "areas.parquet", tmp / "areas.parquet")
            (tmp / "taxonomy.csv").write_bytes(taxonomy.to_csv_bytes())
            cubes = []
            for imp in manifest["imports"]:
                kind_dir = "signals" if imp["kind"] == "signals" else "counts"
                records = pd.read_parquet(old / imp["parts"][kind_dir])
                system = imp.get("system", imp["preset"])
                records = reclassify(records, taxonomy, system=system, kind=imp["kind"])
                records.to_parquet(tmp / imp["parts"][kind_dir], index=False)
                part = cube_part(records, kind=imp["kind"])
                part.to_parquet(tmp / imp["parts"]["cube"], index=False)
                cubes.append(part)
            cube = _combine_cubes(cubes)
            cube.to_parquet(tmp / "cube.parquet", index=False)
            manifest.update(
                version=version,
                written_at=datetime.now().isoformat(timespec="seconds"),
                taxonomy=taxonomy_info or {"file": taxonomy.name, "rows": len(taxonomy.table)},
                cube_rows=len(cube),
                reclassified_at=datetime.now().isoformat(timespec="seconds"),
            )
            with open(tmp / "manifest.json", "w") as handle:
                json.dump(manifest, handle, indent=1, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            self._switch(tmp, name)
            after = int(cube.loc[cube["domain"] == "overig", COUNT].sum())
            return {"overig_voor": before, "overig_na": after}

    def remove_import(self, import_id: int) -> dict[str, Any]:
        """Remove one import (its records and its share of the cube) as a new version,
        atomically; returns the removed import's manifest entry.

        Removing the same file's import and importing it again gives the same store.
        """
        with self._lock():
            old = self._require()
            manifest = json.loads((old / "manifest.json").read_text())
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
            tmp, name = self._stage(old, version)
            for rel in ("areas.parquet", "taxonomy.csv"):
                os.link(old / rel, tmp / rel)
            for imp in kept:
                for rel in imp["parts"].values():
                    os.link(old / rel, tmp / rel)
            cube = _combine_cubes([pd.read_parquet(tmp / imp["parts"]["cube"]) for imp in kept])
            cube.to_parquet(tmp / "cube.parquet", index=False)
            manifest.update(
                version=version,
                written_at=datetime.now().isoformat(timespec="seconds"),
                imports=kept,
                cube_rows=len(cube),
            )
            with open(tmp / "manifest.json", "w") as handle:
                json.dump(manifest, handle, indent=1, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            self._switch(tmp, name)
            entry: dict[str, Any] = removed[0]
            return entry

    def _stage(self, old: Path, version: int) -> tuple[Path, str]:
        """An empty staging folder for ``version`` next to the store (leftovers of killed
        commits removed first), and the version's name."""
        name = f"v{version:06d}"
        self._clean_leftovers(keep={old.name})
        tmp = self.root.parent / f"{self._staging_prefix()}{name}-{os.getpid()}"
        tmp.mkdir(parents=True)
        for sub in ("signals", "counts", "cube"):
            (tmp / sub).mkdir()
        return tmp, name

    def _switch(self, staged: Path, name: str) -> None:
        """Move a staged version into the store and point ``CURRENT`` at it (atomic)."""
        final = self.root / name
        os.rename(staged, final)
        _fsync_dir(self.root)
        pointer_tmp = staged.parent / f"{self._staging_prefix()}CURRENT-{os.getpid()}"
        with open(pointer_tmp, "w") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.root / "CURRENT")
        _fsync_dir(self.root)
        self._clean_leftovers(keep={name})

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
    ) -> dict[str, Any]:
        imports: list[dict[str, Any]] = list(old_manifest["imports"]) if old_manifest else []
        for sub in ("signals", "counts", "cube"):
            (folder / sub).mkdir()
        if old is not None:
            for imp in imports:
                for rel in imp["parts"].values():
                    os.link(old / rel, folder / rel)
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
            prep.records.to_parquet(folder / record_rel, index=False)
            prep.cube.to_parquet(folder / cube_rel, index=False)
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
        }
        with open(folder / "manifest.json", "w") as handle:
            json.dump(manifest, handle, indent=1, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        for path in folder.rglob("*.parquet"):
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        return manifest


def _combine_cubes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The store's cube: the imports' cube parts summed over the cube's dimensions."""
    if not parts:
        return _empty_cube()
    cube = (
        pd.concat(parts, ignore_index=True)
        .groupby(list(CUBE_DIMENSIONS), observed=True, sort=True)[COUNT]
        .sum()
        .reset_index()
    )
    cube[COUNT] = cube[COUNT].astype("int64")
    return cube


def _empty_cube() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in CUBE_COLUMNS})
    frame[COUNT] = frame[COUNT].astype("int64")
    return frame


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
