"""What a new version holds: the imports checked again inside the lock, their records and cube
parts, earlier imports carried over (or corrected), records classified again, the manifest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import weakref
from concurrent.futures import Future
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics import cellkey, tempfiles
from regie_analytics.ingest import (
    PreparedImport,
    StoredIds,
    count_keys,
    cube_part,
    drop_known,
    reclassify,
    with_keys,
)
from regie_analytics.io.ahead import in_background
from regie_analytics.lead_sql import lead_part
from regie_analytics.store.errors import StoreError, outdated
from regie_analytics.store.parts import (
    FORMAT_VERSION,
    PART_FOLDERS,
    SECRET_FIELD,
    combine_cubes,
    cube_files_summed,
    stored_records,
    write_cube,
    write_leads,
    write_manifest,
    write_records,
)
from regie_analytics.store.rollups import write_rollups
from regie_analytics.taxonomy import Taxonomy, load_taxonomy


def commit_secret(
    root: Path, old_manifest: dict[str, Any] | None, todo: list[PreparedImport]
) -> str:
    """The secret of the new version: the store's own, or for a new (or replaced) store
    the one its imports were keyed with (a replaced store keeps its secret, so a rebuilt
    demo perturbs as before). Imports keyed with another secret are refused."""
    if old_manifest is not None and not old_manifest.get(SECRET_FIELD):
        raise outdated(root)
    if old_manifest is not None:
        secret = str(old_manifest[SECRET_FIELD])
    else:
        secret = next((p.secret for p in todo if p.secret), "") or cellkey.new_secret()
    if any(p.secret != secret for p in todo):
        raise StoreError(
            "dit bestand is gecontroleerd voor een andere store.",
            file=root,
            hint="controleer het bestand opnieuw tegen deze store en importeer dan.",
        )
    return secret


def recheck(
    old: Path | None,
    old_manifest: dict[str, Any] | None,
    prepared: list[PreparedImport],
) -> list[PreparedImport]:
    """The imports checked again against the version they are added to (inside the lock),
    and against each other; those that add or correct nothing are left out."""
    todo: list[PreparedImport] = []
    for prep in prepared:
        source = prep.report.source
        earlier = [p for p in todo if p.kind == prep.kind and p.report.source == source]
        stored = (
            stored_records(old, old_manifest, source, prep.kind)
            if old is not None and old_manifest is not None
            else None
        )
        known = _known(prep, stored, earlier)
        checked = drop_known(prep, known) if known is not None else prep
        if checked.report.imported > 0 or checked.replaces is not None:
            todo.append(checked)
        # the caller prints the report of what it prepared: it says what was committed
        vars(prep.report).update(vars(checked.report))
    return todo


def _known(
    prep: PreparedImport, stored: pd.DataFrame | StoredIds | None, earlier: list[PreparedImport]
) -> pd.DataFrame | StoredIds | None:
    """What ``prep`` is checked against: what the store holds and what the ``earlier``
    imports of the same commit add (signals: where the ids are, files read by DuckDB);
    ``None`` when there is nothing."""
    if prep.kind == "signals":
        files = stored.files if isinstance(stored, StoredIds) else ()
        files += tuple(p.staged.path for p in earlier if p.staged.rows)
        return StoredIds(files=files, source=prep.report.source) if files else None
    frames = [f for f in [stored, *(p.records for p in earlier)] if isinstance(f, pd.DataFrame)]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else None


def write_weights(folder: Path, *, previous: Path | None = None) -> None:
    """:func:`regie_analytics.stats.stored.write_weights`, imported when called: libpysal
    (and the statistics) are not loaded by commands that never write weights."""
    from regie_analytics.stats.stored import write_weights as write

    write(folder, previous=previous)


def write_web(folder: Path, *, previous: Path | None = None) -> None:
    """:func:`regie_analytics.geo.stored.write_web`, imported when called (see
    :func:`write_weights`)."""
    from regie_analytics.geo.stored import write_web as write

    write(folder, previous=previous)


DERIVED_FILES = ("areas.parquet", "weights.parquet", "levels.parquet", "web.parquet")
"""What a version holds of its boundaries: the areas, their weights, the dissolved geometry of
their coarser levels and their web geometry."""


_DERIVE = (
    "import sys; from pathlib import Path; "
    "from regie_analytics.geo.stored import write_derived; "
    "write_derived(Path(sys.argv[1]))"
)
"""What the child process runs (a fresh interpreter: no state of this process is shared)."""


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    if process.poll() is None:
        process.terminate()
    process.wait()
    shutil.rmtree(folder, ignore_errors=True)


class DerivedBoundaries:
    """The files a new store version derives from new boundaries (weights, dissolved and web
    geometry of every level: half a minute for national boundaries), computed in a child
    process on the other core while the import is read and checked; :func:`build_version`
    links them in.

    The child stops, and its files are removed, with this object (or at exit).
    """

    def __init__(self, areas: gpd.GeoDataFrame) -> None:
        self.areas = areas
        self.folder = tempfiles.folder("boundaries")
        areas.to_parquet(self.folder / "areas.parquet")
        package_root = str(Path(__file__).resolve().parents[2])  # this very package
        path = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
        self._process = subprocess.Popen(
            [sys.executable, "-c", _DERIVE, str(self.folder)],
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._stop = weakref.finalize(self, _stop, self._process, self.folder)

    def tables(self) -> dict[str, pd.DataFrame] | None:
        """Wait for the child and read its tables, by file name (:data:`DERIVED_FILES` but
        the areas): for a store that keeps them elsewhere (PostgreSQL). None when the child
        failed: then the caller computes them itself, and meets the error itself if any."""
        if self._process.wait() != 0:
            return None
        return {
            name: (pd.read_parquet if name == "weights.parquet" else gpd.read_parquet)(
                self.folder / name
            )
            for name in DERIVED_FILES[1:]  # not the areas
        }

    def link_into(self, folder: Path) -> bool:
        """Wait for the child and put its files into the version being built (hard links,
        or copies on another file system); False (nothing put) when the child failed: then
        the caller computes them itself, and meets the error itself if there is one."""
        if self._process.wait() != 0:
            return False
        for name in DERIVED_FILES:
            try:
                os.link(self.folder / name, folder / name)
            except OSError:
                shutil.copyfile(self.folder / name, folder / name)
        return True


def build_version(
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
    derived: DerivedBoundaries | None = None,
) -> dict[str, Any]:
    """Write version ``version`` into ``folder``: the earlier imports carried over (or
    corrected), the new ones' records and cube parts, the cube, areas, taxonomy and manifest,
    all flushed to disk. Returns the manifest. New ``areas`` take their weights and web
    geometry from ``derived`` when it was started for them."""
    imports: list[dict[str, Any]] = list(old_manifest["imports"]) if old_manifest else []
    for sub in PART_FOLDERS:
        (folder / sub).mkdir()
    replaced = replaced_keys(todo)
    if old is not None:
        imports = [carry_over(old, folder, imp, replaced) for imp in imports]
    new_areas = areas is not None and (old is None or old_manifest is None)
    ready = new_areas and derived is not None and derived.areas is areas
    if not (ready and derived is not None and derived.link_into(folder)):
        if new_areas:
            assert areas is not None
            areas.to_parquet(folder / "areas.parquet")
        else:
            assert old is not None
            os.link(old / "areas.parquet", folder / "areas.parquet")
        write_weights(folder, previous=old)
        write_web(folder, previous=old)
    if taxonomy is not None:
        (folder / "taxonomy.csv").write_bytes(taxonomy.to_csv_bytes())
    elif old is not None:
        os.link(old / "taxonomy.csv", folder / "taxonomy.csv")
    else:
        (folder / "taxonomy.csv").write_bytes(load_taxonomy().to_csv_bytes())
    next_id = max((imp["id"] for imp in imports), default=0) + 1
    leads: list[Future[None]] = []
    for offset, prep in enumerate(todo):
        import_id = next_id + offset
        kind_dir = "signals" if prep.kind == "signals" else "counts"
        record_rel = f"{kind_dir}/part-{import_id:05d}.parquet"
        cube_rel = f"cube/part-{import_id:05d}.parquet"
        source = prep.report.source
        later = [p.replaces for p in todo[offset + 1 :] if p.report.source == source]
        parts = {kind_dir: record_rel, "cube": cube_rel}
        if prep.kind == "signals":
            prep.staged.link_to(folder / record_rel)
            parts["leads"] = lead_part(record_rel)
            # in a thread, while the cube and its roll-ups are written (waited for below)
            target = folder / parts["leads"]
            leads.append(in_background(partial(write_leads, folder / record_rel, target)))
            cube_part_ = prep.cube
        else:
            records, cube_part_ = without_keys(prep.records, later, kind=prep.kind, cube=prep.cube)
            write_records(records, folder / record_rel)
        write_cube(cube_part_, folder / cube_rel)
        imports.append(import_entry(prep, import_id, parts))
    cube = _new_cube(folder, old=old, imports=imports, added=todo, replaced=bool(replaced))
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
    write_rollups(folder, previous=old)
    for writing in leads:
        writing.result()
    write_manifest(folder, manifest)
    for path in folder.rglob("*.parquet"):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    return manifest


def _new_cube(
    folder: Path,
    *,
    old: Path | None,
    imports: list[dict[str, Any]],
    added: list[PreparedImport],
    replaced: bool,
) -> pd.DataFrame:
    """Write the cube of the new version (``cube.parquet``) and return it: the old cube plus
    the new imports' cube parts, summed by DuckDB from the files; all parts summed again only
    where an earlier import's counts were corrected. A version of one import has that import's
    cube part as its cube (summed and sorted already): a hard link to it."""
    target = folder / "cube.parquet"
    if old is None and len(imports) == 1 and len(added) == 1:
        os.link(folder / imports[0]["parts"]["cube"], target)
        return added[0].cube
    if old is None or replaced or not (old / "cube.parquet").exists():
        files = [folder / imp["parts"]["cube"] for imp in imports]
    else:
        files = [
            old / "cube.parquet",
            *(folder / imp["parts"]["cube"] for imp in imports[len(imports) - len(added) :]),
        ]
    cube = cube_files_summed(files)
    write_cube(cube, target)
    return cube


def import_entry(prep: PreparedImport, import_id: int, parts: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry of a committed import (both engines): where it came from, its
    figures and report, and its ``parts`` (file names, or a database's part ids)."""
    return {
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
        "parts": parts,
    }


def reclassified(
    tmp: Path, *, old: Path, manifest: dict[str, Any], taxonomy: Taxonomy, secret: str
) -> pd.DataFrame:
    """Write every import's records and cube part classified with ``taxonomy`` (records
    without keys get them, from ``secret``)."""
    for sub in PART_FOLDERS:
        (tmp / sub).mkdir()
    os.link(old / "areas.parquet", tmp / "areas.parquet")
    write_weights(tmp, previous=old)
    write_web(tmp, previous=old)
    (tmp / "taxonomy.csv").write_bytes(taxonomy.to_csv_bytes())
    cubes = []
    for imp in manifest["imports"]:
        kind_dir = "signals" if imp["kind"] == "signals" else "counts"
        records = pd.read_parquet(old / imp["parts"][kind_dir])
        system = imp.get("system", imp["preset"])
        records = reclassify(records, taxonomy, system=system, kind=imp["kind"])
        records = with_keys(records, kind=imp["kind"], secret=secret)
        records.to_parquet(tmp / imp["parts"][kind_dir], index=False)
        if imp["kind"] == "signals":  # its lead times too (written now for an older store)
            imp["parts"]["leads"] = lead_part(imp["parts"][kind_dir])
            write_leads(tmp / imp["parts"][kind_dir], tmp / imp["parts"]["leads"])
        part = cube_part(records, kind=imp["kind"])
        part.to_parquet(tmp / imp["parts"]["cube"], index=False)
        cubes.append(part)
    cube = combine_cubes(cubes)
    cube.to_parquet(tmp / "cube.parquet", index=False)
    return cube


def replaced_keys(todo: list[PreparedImport]) -> dict[str, list[pd.MultiIndex]]:
    """Per source, the count keys whose stored value the imports correct."""
    out: dict[str, list[pd.MultiIndex]] = {}
    for prep in todo:
        if prep.replaces is not None:
            out.setdefault(prep.report.source, []).append(prep.replaces)
    return out


def without_keys(
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


def carry_over(
    old: Path, folder: Path, imp: dict[str, Any], replaced: dict[str, list[pd.MultiIndex]]
) -> dict[str, Any]:
    """An earlier import into the new version: hard links to its parts, or (when a new import
    corrects some of its counts) new parts without the corrected rows."""
    keys = replaced.get(imp["source"], []) if imp["kind"] == "counts" else []
    if keys:
        records = pd.read_parquet(old / imp["parts"]["counts"])
        kept, cube = without_keys(records, list(keys), kind="counts")
        if len(kept) < len(records):
            kept.to_parquet(folder / imp["parts"]["counts"], index=False)
            cube.to_parquet(folder / imp["parts"]["cube"], index=False)
            return {**imp, "rows_replaced": imp.get("rows_replaced", 0) + len(records) - len(kept)}
    for rel in imp["parts"].values():
        os.link(old / rel, folder / rel)
    return imp
