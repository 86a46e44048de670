"""Loading the store once per process and sharing it between sessions (Streamlit caching).

The store is read with :func:`st.cache_resource`, keyed on the store path and its committed
version, so a new import is picked up on the next rerun and nothing is read twice. A page run
works on one version from start to end (:func:`take_snapshot`, :func:`snapshot`): an import
that lands meanwhile is seen by the next run.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from regie_analytics import aggregate, geo, stats
from regie_analytics.schema import CHANNEL, CUBE_DIMENSIONS, DOMAIN, MONTH, THEME
from regie_analytics.store import DEFAULT_STORE, Store, StoreError


def store_path() -> Path:
    """The store the dashboard reads: ``$REGIE_STORE`` or ``data/store``."""
    return Path(os.environ.get("REGIE_STORE", str(DEFAULT_STORE)))


PROFILE_TITLES = {"buurt": "Buurtprofiel", "wijk": "Wijkprofiel"}
"""The profile page's name by the store's finest level (``Gebiedsprofiel`` otherwise)."""


def profile_title(level: str | None = None) -> str:
    """The name of the profile page for the finest area ``level`` (``Wijkprofiel`` for
    boundaries of wijken). Without ``level`` the store's, read from its manifest before
    anything is loaded (``Buurtprofiel`` for an empty store; a store that cannot be read is
    reported by the page run itself)."""
    if level is None:
        try:
            levels = Store(store_path()).manifest()["boundaries"].get("levels") or ["buurt"]
        except (StoreError, OSError, ValueError, KeyError):
            levels = ["buurt"]
        level = str(levels[0])
    return PROFILE_TITLES.get(level, "Gebiedsprofiel")


class StoreChanged(Exception):
    """The store version a run works on was replaced by an import during the run (the run
    starts again on the new version)."""


@dataclass
class StoreData:
    """Everything the pages read, loaded once: cube, areas, manifest."""

    path: str
    version: str
    """Identifies this store and version in every cache key (path, folder, manifest)."""
    name: str
    """The version's folder in the store (``v000003``)."""
    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    manifest: dict[str, Any]
    months: list[str]
    _web: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)
    _weights: dict[str, Any] = field(default_factory=dict, repr=False)
    _lists: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def generated(self) -> bool:
        return bool(self.manifest.get("generated", False))

    @property
    def levels(self) -> list[str]:
        return geo.available_levels(self.areas)

    @property
    def municipality(self) -> str | None:
        """The name of the store's one municipality (None for several, or none known)."""
        return geo.municipality_name(self.areas)

    @property
    def has_population(self) -> bool:
        return bool(self.areas["population"].notna().any())

    def level_areas(self, level: str) -> gpd.GeoDataFrame:
        """Areas at a level with simplified geometry for the browser (cached per level)."""
        if level not in self._web:
            self._web[level] = geo.freeze(
                geo.simplify_for_web(geo.areas_at_level(self.areas, level))
            )
        return self._web[level]

    def weights(self, level: str) -> Any:
        """Queen contiguity weights at a level (cached per level)."""
        if level not in self._weights:
            self._weights[level] = stats.spatial_weights(geo.areas_at_level(self.areas, level))
        return self._weights[level]

    @property
    def domains(self) -> list[str]:
        """Domains present in the cube (computed once per store version)."""
        if "domains" not in self._lists:
            present = set(self.cube[DOMAIN].cat.categories)
            self._lists["domains"] = [d for d in ("fysiek", "sociaal", "overig") if d in present]
        return list(self._lists["domains"])

    def themes_of(self, domains: tuple[str, ...]) -> list[str]:
        """Themes present in the cube for these domains (computed once per domain choice)."""
        key = "themes:" + ",".join(domains)
        if key not in self._lists:
            rows = self.cube.loc[self.cube[DOMAIN].isin(domains), THEME]
            self._lists[key] = sorted(str(t) for t in rows.unique())
        return list(self._lists[key])

    @property
    def channels(self) -> list[str]:
        """Channels present in the cube."""
        if "channels" not in self._lists:
            self._lists["channels"] = sorted(str(c) for c in self.cube[CHANNEL].cat.categories)
        return list(self._lists["channels"])

    def source_label(self) -> str:
        """One line naming the data source, for every screen and export."""
        sources = sorted({imp["source"] for imp in self.manifest.get("imports", [])})
        boundaries = self.manifest.get("boundaries", {}).get("file", "")
        text = f"Bron: {', '.join(sources)}; grenzen: {boundaries}"
        if self.generated:
            text += " (GEGENEREERDE demodata)"
        return text


def _current(path: Path) -> tuple[str, str] | None:
    """The current version's folder and a key that differs for every store and version (a
    store rebuilt in the same place reuses folder names: the manifest file tells them apart)."""
    for _ in range(3):
        folder = Store(path).current
        if folder is None:
            return None
        try:
            stat = (folder / "manifest.json").stat()
        except FileNotFoundError:  # replaced by an import just now: read the pointer again
            continue
        return folder.name, f"{path.resolve()}#{folder.name}#{stat.st_ino}.{stat.st_mtime_ns}"
    raise StoreChanged("de store veranderde steeds tijdens het lezen")


_LOADED: weakref.WeakValueDictionary[str, StoreData] = weakref.WeakValueDictionary()


@st.cache_resource(show_spinner="Gegevens laden…", max_entries=4)
def _load(path: str, name: str, version: str) -> StoreData:
    store = Store(path, version=name)
    cube = store.cube()
    for column in CUBE_DIMENSIONS:
        if column != MONTH:  # months are compared with < and >, so they stay text
            cube[column] = cube[column].astype("category")
    data = StoreData(
        path=path,
        version=version,
        name=name,
        cube=cube,
        areas=geo.freeze(store.areas()),  # never changed: derived tables are kept
        manifest=store.manifest(),
        months=aggregate.months_in(cube),
    )
    # Every level's map geometry and neighbours once, now: switching the area level later is
    # then a filter change like any other, not a wait for dissolving and simplifying.
    for level in data.levels:
        data.level_areas(level)
        data.weights(level)
    _LOADED[version] = data
    return data


def load_data() -> StoreData | None:
    """The current store's data, or None when the store is empty."""
    path = store_path()
    for _ in range(3):
        current = _current(path)
        if current is None:
            return None
        try:
            return _load(str(path), *current)
        except (FileNotFoundError, StoreError):
            if _current(path) == current:  # not a new version: the store itself is damaged
                raise
    raise StoreChanged("de store veranderde steeds tijdens het lezen")


def take_snapshot() -> StoreData | None:
    """Load the current version for this run (``app.py`` calls it first): every page
    element of the run then reads this version through :func:`snapshot`."""
    data = load_data()
    st.session_state["_snapshot"] = None if data is None else data.version
    return data


def snapshot() -> StoreData | None:
    """The store version of this run (see :func:`take_snapshot`), or None for an empty
    store."""
    version = st.session_state.get("_snapshot")
    return None if version is None else loaded(version)


def loaded(version: str) -> StoreData:
    """The loaded data of ``version`` (a :attr:`StoreData.version`), held by the run that
    uses it; :class:`StoreChanged` when no run holds it any more."""
    data = _LOADED.get(version)
    if data is None:
        raise StoreChanged(f"versie {version} is niet meer geladen")
    return data


@st.cache_resource(show_spinner=False, max_entries=4)
def load_signals(version: str, _data: StoreData) -> pd.DataFrame:
    """Record-level signals (for lead times), loaded once per store version."""
    columns = [
        "source",
        "received_at",
        "closed_at",
        "domain",
        "theme",
        "area_code",
        "channel",
        "record_key",
    ]
    from regie_analytics.ingest import month_labels

    try:
        frame = Store(_data.path, version=_data.name).signals(columns=columns)
    except (FileNotFoundError, StoreError) as exc:  # imports replaced this version meanwhile
        if (Path(_data.path) / _data.name / "manifest.json").exists():
            raise
        raise StoreChanged(f"versie {_data.name} is vervangen") from exc
    for column in ("source", "domain", "theme", "area_code", "channel"):
        frame[column] = frame[column].astype("category")
    frame[MONTH] = month_labels(frame["received_at"])
    return frame
