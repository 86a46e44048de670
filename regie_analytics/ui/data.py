"""The store snapshot the dashboard reads: loaded once per store version and shared by every
session (:func:`st.cache_resource`, keyed on the store path and its committed version), so a
new import is picked up on the next rerun and nothing is read twice.

A page run works on one snapshot from start to end (:func:`take_snapshot`, :func:`snapshot`):
an import that lands meanwhile is seen by the next run. Cached computations take the snapshot
itself as an argument; :data:`BY_KEY` makes Streamlit's caches name it by its version key.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path
from typing import Any

import streamlit as st

from regie_analytics import geo
from regie_analytics import snapshot as snapshots
from regie_analytics.snapshot import Snapshot, StoreChanged
from regie_analytics.store import DEFAULT_STORE, StoreError, is_database, open_store

BY_KEY: dict[Any, Any] = {Snapshot: lambda snap: snap.key}
"""``hash_funcs`` of every cached function that takes a :class:`Snapshot`: the cache key
holds the snapshot's version key, never its tables."""


def store_path() -> str | Path:
    """The store the dashboard reads: ``$REGIE_STORE`` (a folder, or a ``postgresql://`` URL
    kept as text) or ``data/store``."""
    location = os.environ.get("REGIE_STORE", str(DEFAULT_STORE))
    return location if is_database(location) else Path(location)


PROFILE_TITLES = {"buurt": "Buurtprofiel", "wijk": "Wijkprofiel"}
"""The profile page's name by the store's finest level (``Gebiedsprofiel`` otherwise)."""


def profile_title(level: str | None = None) -> str:
    """The name of the profile page for the finest area ``level`` (``Wijkprofiel`` for
    boundaries of wijken). Without ``level`` the store's, read from its manifest before
    anything is loaded (``Buurtprofiel`` for an empty store; a store that cannot be read is
    reported by the page run itself)."""
    if level is None:
        try:
            levels = open_store(store_path()).manifest()["boundaries"].get("levels") or ["buurt"]
        except (StoreError, OSError, ValueError, KeyError):
            levels = ["buurt"]
        level = str(levels[0])
    return PROFILE_TITLES.get(level, "Gebiedsprofiel")


@st.cache_resource(show_spinner="Gegevens laden…", max_entries=4)
def _load(path: str, version: str, key: str) -> Snapshot:
    snap = snapshots.load(path, version=version, key=key)
    # Every level's map geometry and neighbours once, now: switching the area level later is
    # then a filter change like any other, not a wait for dissolving and simplifying. A level
    # with more areas than one map draws is only drawn in parts (zoomed in): its features are
    # converted in a background thread, not in the first page's wait (2-3 s at 14,000 buurten).
    later = []
    for level in snap.levels:
        snap.weights(level)
        if len(snap.areas_at(level)) > geo.MAP_AREA_LIMIT:
            later.append(level)
        else:
            snap.features(level)
    if later:
        threading.Thread(
            target=lambda: [snap.features(level) for level in later],
            name="regie-features",
            daemon=True,
        ).start()
    return snap


def latest() -> Snapshot | None:
    """The snapshot of the store's current version, or None when the store is empty."""
    path = store_path()
    for _ in range(3):
        current = snapshots.current(path)
        if current is None:
            return None
        try:
            return _load(str(path), *current)
        except (FileNotFoundError, StoreError):
            if snapshots.current(path) == current:  # not a new version: the store is damaged
                raise
    raise StoreChanged("de store veranderde steeds tijdens het lezen")


def take_snapshot() -> Snapshot | None:
    """The current version for this run (``app.py`` calls it first and holds it until the
    run ends): every page element of the run then reads it through :func:`snapshot`."""
    snap = latest()
    st.session_state["_snapshot"] = None if snap is None else weakref.ref(snap)
    return snap


def snapshot() -> Snapshot | None:
    """The snapshot of this run (see :func:`take_snapshot`), or None for an empty store."""
    ref = st.session_state.get("_snapshot")
    if ref is None:
        return None
    snap: Snapshot | None = ref()
    if snap is None:  # no run holds it any more: this run did not start in app.py
        raise StoreChanged("de gegevens van deze run zijn niet meer geladen")
    return snap
