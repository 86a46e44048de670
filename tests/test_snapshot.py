"""The store snapshot: what it derives equals the library's pure functions, is built once per
snapshot (also when sessions ask at the same time) and shared; a replaced version is said to
be replaced."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from regie_analytics import geo, lead_sql, snapshot, stats
from regie_analytics.geo import stored as geo_stored
from regie_analytics.snapshot import Snapshot, StoreChanged
from regie_analytics.store import Store
from tests.conftest import SAMPLES, cli, imported


def _loaded(store: Path) -> Snapshot:
    current = snapshot.current(store)
    assert current is not None
    version, key = current
    return snapshot.load(store, version=version, key=key)


def _count(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """The levels ``geo.name`` is called for (each call still computes), also where the
    store's readers (:mod:`regie_analytics.geo.stored`) call it."""
    real = getattr(geo, name)
    levels: list[str] = []

    def counted(areas: pd.DataFrame, level: str, **options: object) -> object:
        levels.append(level)
        return real(areas, level, **options)

    monkeypatch.setattr(geo, name, counted)
    if hasattr(geo_stored, name):
        monkeypatch.setattr(geo_stored, name, counted)
    return levels


def test_the_snapshot_holds_the_store_version(store: Path) -> None:
    snap = _loaded(store)
    folder = Store(store).current
    assert folder is not None and snap.version == folder.name
    assert snap.key.startswith(f"{store.resolve()}#{folder.name}#")
    assert len(snap.cube) == len(Store(store).cube())
    assert snap.months == sorted(Store(store).cube()["month"].unique())
    assert snap.levels == geo.available_levels(Store(store).areas())
    assert snap.domains == [
        d for d in ("fysiek", "sociaal", "overig") if d in set(snap.cube["domain"])
    ]
    assert snap.channels == sorted(Store(store).cube()["channel"].astype(str).unique())
    fysiek = snap.cube.loc[snap.cube["domain"] == "fysiek", "theme"].astype(str)
    assert snap.themes_of(("fysiek",)) == sorted(fysiek.unique())


def test_derived_tables_equal_the_library_and_are_built_once(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    areas = Store(store).areas()
    wijken = geo.areas_at_level(areas, "wijk")
    parents = geo.parent_code_map(areas, "stadsdeel")
    snap = _loaded(store)
    dissolves = _count(monkeypatch, "areas_at_level")
    mappings = _count(monkeypatch, "parent_code_map")
    assert_frame_equal(snap.areas_at("wijk"), wijken)
    assert_frame_equal(snap.web_areas("wijk"), geo.simplify_for_web(wijken))
    assert snap.weights("wijk").neighbors == stats.spatial_weights(wijken).neighbors
    assert_series_equal(snap.parent_codes("stadsdeel"), parents)
    # asked again: the same objects, and the map geometry and the weights were made from the
    # one dissolve into wijken
    assert snap.areas_at("wijk") is snap.areas_at("wijk")
    assert snap.web_areas("wijk") is snap.web_areas("wijk")
    assert snap.weights("wijk") is snap.weights("wijk")
    assert snap.parent_codes("stadsdeel") is snap.parent_codes("stadsdeel")
    assert dissolves == ["wijk"] and mappings == ["stadsdeel"]


def test_sessions_asking_at_once_wait_for_one_build(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = _loaded(store)
    dissolves = _count(monkeypatch, "areas_at_level")
    start = threading.Barrier(4)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(snap.areas_at("stadsdeel"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dissolves == ["stadsdeel"]
    assert len(got) == 4 and all(frame is got[0] for frame in got)


def test_two_snapshots_keep_their_own_tables(store: Path) -> None:
    """Nothing is kept outside a snapshot: another snapshot of the same version computes its
    own (equal) tables."""
    first, second = _loaded(store), _loaded(store)
    assert first.areas_at("wijk") is not second.areas_at("wijk")
    assert_frame_equal(first.areas_at("wijk"), second.areas_at("wijk"))


def _lead_times(snap: snapshot.Snapshot) -> pd.DataFrame:
    return snap.read(lambda: lead_sql.lead_time_cut(snap.engine, by=None, norm_days=10))


def test_queries_of_a_replaced_version_say_so(store: Path) -> None:
    snap = _loaded(store)
    result = cli("import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", store)
    assert result.code == 0, result.err
    assert snapshot.current(store) != (snap.version, snap.key)
    shutil.rmtree(store / snap.version)  # as the store does once enough newer versions exist
    with pytest.raises(StoreChanged):
        _lead_times(snap)
    newer = _loaded(store)
    assert int(_lead_times(newer)["ontvangen"].sum()) == len(Store(store).signals())


def test_a_damaged_version_is_not_taken_for_a_replaced_one(store: Path) -> None:
    snap = _loaded(store)
    parts = sorted((store / snap.version / "signals").glob("*.parquet"))
    assert parts
    parts[0].unlink()
    # and its lead-time file (which the lead times are read from)
    (store / snap.version / lead_sql.lead_part(f"signals/{parts[0].name}")).unlink()
    with pytest.raises(duckdb.IOException):
        _lead_times(snap)


def test_a_store_rebuilt_in_place_gets_another_key(store: Path, tmp_path: Path) -> None:
    """Folder names start again at v000001 in a rebuilt store: the key still differs."""
    before = snapshot.current(store)
    shutil.rmtree(store)
    result = cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", store
    )
    assert result.code == 0, result.err
    after = snapshot.current(store)
    assert before is not None and after is not None
    assert after[0] == before[0] and after[1] != before[1]
    assert snapshot.current(tmp_path / "leeg") is None


def test_the_themes_of_any_choice_of_domains_are_queried_once_per_domain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidebar's themes for a choice of domains: those present in the cube for any of
    them, sorted; each domain's themes queried once, so another choice queries nothing."""
    both_domains = imported(
        tmp_path / "store",
        (SAMPLES / "open311_requests.json", "open311"),
        (SAMPLES / "wijkteam_telling.csv", "counts"),
    )
    snap = _loaded(both_domains)
    cube = snap.cube
    themes = {d: set(cube.loc[cube["domain"] == d, "theme"].astype(str)) for d in snap.domains}
    queries: list[str] = []
    real = snap.engine.query
    monkeypatch.setattr(snap.engine, "query", lambda sql, *a: queries.append(sql) or real(sql, *a))
    both = snap.themes_of(("fysiek", "sociaal"))
    assert both == sorted(themes["fysiek"] | themes["sociaal"])
    assert themes["fysiek"] and themes["sociaal"] and len(queries) == 2
    assert snap.themes_of(("sociaal",)) == sorted(themes["sociaal"])
    assert snap.themes_of(("sociaal", "fysiek")) == both
    assert len(queries) == 2  # nothing new queried
    assert snap.themes_of(()) == []
