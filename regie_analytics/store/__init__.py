"""The local data store: Parquet files plus a manifest, written atomically.

Layout of a store folder (default ``data/store/``)::

    CURRENT                 name of the committed version, replaced atomically
    v000003/
        manifest.json       boundaries, taxonomy, and every import (source, file hash, rows, time)
        areas.parquet       the boundaries the store was built on (GeoParquet)
        weights.parquet     their queen weights per level (stats.stored), linked while unchanged
        web.parquet         their map geometry per level (geo.stored), linked while unchanged
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

The same store can live in PostgreSQL/PostGIS instead, for a shared deployment
(:class:`~regie_analytics.store.postgres.PostgresStore`, tables in
:mod:`~regie_analytics.store.pgschema`, written by :mod:`~regie_analytics.store.pgwrite`):
:func:`open_store` takes a folder or a ``postgresql://`` URL and returns the right one; both have
the same methods and the same versions, atomic commits and cube.

By topic: :mod:`~regie_analytics.store.core` (the :class:`Store`: reading a version, and the
writing operations), :mod:`~regie_analytics.store.commit` (what a new version holds),
:mod:`~regie_analytics.store.versions` (the lock, staging, the switch of ``CURRENT``, kept
versions), :mod:`~regie_analytics.store.parts` (the files of one version) and
:mod:`~regie_analytics.store.errors` (the store's Dutch errors).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from regie_analytics.resources import is_database
from regie_analytics.store.core import DEFAULT_STORE, Store
from regie_analytics.store.errors import StoreError, disk_error
from regie_analytics.store.parts import FORMAT_VERSION, SECRET_FIELD
from regie_analytics.store.summary import population_source
from regie_analytics.store.versions import KEEP_VERSIONS

if TYPE_CHECKING:
    from regie_analytics.store.postgres import PostgresStore

AnyStore = Union[Store, "PostgresStore"]  # PostgresStore is imported on use
"""A store in a folder or in a database."""


def __getattr__(name: str) -> Any:
    """``PostgresStore``, imported on first use: a command on a folder store never loads
    psycopg, libpysal and the statistics it brings (a second of CPU at every start)."""
    if name == "PostgresStore":
        from regie_analytics.store.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(location: str | Path | None = None, *, version: str | None = None) -> AnyStore:
    """The store at ``location``: a :class:`PostgresStore` for a ``postgresql://`` URL, a
    folder :class:`Store` otherwise (``data/store`` when None); ``version`` pins a version
    as both classes do."""
    if location is not None and is_database(str(location)):
        from regie_analytics.store.postgres import PostgresStore

        return PostgresStore(str(location), version=version)
    return Store(location, version=version)


__all__ = [
    "DEFAULT_STORE",
    "FORMAT_VERSION",
    "KEEP_VERSIONS",
    "SECRET_FIELD",
    "AnyStore",
    "PostgresStore",
    "Store",
    "StoreError",
    "disk_error",
    "is_database",
    "open_store",
    "population_source",
]
