"""The dissolved geometry of the coarser area levels, stored with the boundaries on both engines
(a folder's ``levels.parquet``, PostgreSQL's ``area_levels``) and read when a snapshot loads:
equal to a fresh dissolve, read rather than computed, linked into new versions of the same
boundaries, and a store written before it existed still opens (its levels dissolved as before).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from regie_analytics import geo
from regie_analytics import snapshot as snapshots
from regie_analytics.geo.stored import LEVEL, LEVELS_FILE, WEB_FILE, read_levels
from regie_analytics.schema import AREA_CODE, POPULATION
from regie_analytics.store import PostgresStore, Store, is_database, open_store
from tests.conftest import SAMPLES, cli
from tests.test_stats_scale import bounded_store

__all__ = ["bounded_store"]  # the fixture: 38 real wijken of five Groningen gemeenten


def _snapshot(location: str) -> snapshots.Snapshot:
    current = snapshots.current(location)
    assert current is not None
    return snapshots.load(location, version=current[0], key=current[1])


def _same_areas(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    """Equal columns, values, order and every coordinate."""
    assert list(got.columns) == list(expected.columns) and got.crs == expected.crs
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")),
        pd.DataFrame(expected.drop(columns="geometry")),
    )
    assert (got.geometry.to_wkb() == expected.geometry.to_wkb()).all()


def _stored_rows(location: str) -> dict[str, int]:
    """Rows of stored dissolved geometry per level."""
    if is_database(location):
        store = PostgresStore(location)
        with psycopg.connect(location) as conn:
            rows = conn.execute(
                f"SELECT level, count(*) FROM {store.schema}.area_levels GROUP BY level"
            ).fetchall()
        return {str(level): int(n) for level, n in rows}
    folder = Store(Path(location)).current
    assert folder is not None
    stored = read_levels(folder)
    assert stored is not None
    return {str(k): int(v) for k, v in stored[LEVEL].value_counts().items()}


def _replace_stored(location: str, level: str, code: str) -> None:
    """Replace the stored geometry of one area by its bounding box."""
    if is_database(location):
        store = PostgresStore(location)
        with psycopg.connect(location) as conn:
            conn.execute(
                f"UPDATE {store.schema}.area_levels SET geom = public.ST_Envelope(geom) "
                "WHERE level = %s AND area_code = %s",
                (level, code),
            )
        return
    folder = Store(Path(location)).current
    assert folder is not None
    stored = gpd.read_parquet(folder / LEVELS_FILE)
    row = (stored[LEVEL] == level) & (stored[AREA_CODE] == code)
    stored.loc[row, "geometry"] = shapely.envelope(stored.geometry[row].to_numpy())
    stored.to_parquet(folder / LEVELS_FILE, index=False)


def _drop_stored(location: str) -> None:
    """Make the current version look like one written before the levels were stored."""
    if is_database(location):
        store = PostgresStore(location)
        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {store.schema}.area_levels")
        return
    folder = Store(Path(location)).current
    assert folder is not None
    (folder / LEVELS_FILE).unlink()


def test_stored_levels_are_a_fresh_dissolve_on_both_engines(engine: str) -> None:
    result = cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", engine
    )
    assert result.code == 0, result.err
    areas = open_store(engine).areas()
    snap = _snapshot(engine)
    assert snap.levels[0] == "buurt" and len(snap.levels) > 2
    expected = {level: geo.areas_at_level(areas, level) for level in snap.levels}
    # every coarser level is stored, one row per area; the finest level is the areas themselves
    assert _stored_rows(engine) == {level: len(expected[level]) for level in snap.levels[1:]}
    for level in snap.levels:
        _same_areas(snap.areas_at(level), expected[level])
    # the snapshot reads what is stored: a changed geometry is shown as stored
    level, code = snap.levels[1], str(expected[snap.levels[1]].index[0])
    _replace_stored(engine, level, code)
    changed = _snapshot(engine).areas_at(level)
    box = shapely.envelope(expected[level].geometry[code])
    assert changed.geometry[code].equals(box) and not box.equals(expected[level].geometry[code])
    assert changed.drop(index=code).geometry.equals(expected[level].drop(index=code).geometry)


def test_a_store_without_stored_levels_still_opens(engine: str) -> None:
    result = cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", engine
    )
    assert result.code == 0, result.err
    _drop_stored(engine)
    areas = open_store(engine).areas()
    snap = _snapshot(engine)
    for level in snap.levels:
        _same_areas(snap.areas_at(level), geo.areas_at_level(areas, level))
    assert len(snap.web_areas(snap.levels[-1])) == len(geo.areas_at_level(areas, snap.levels[-1]))
    # the next version: a folder computes and stores them, a database gets its table back
    result = cli(
        "import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", engine
    )
    assert result.code == 0, result.err
    snap = _snapshot(engine)
    coarser = {level: len(snap.areas_at(level)) for level in snap.levels[1:]}
    assert _stored_rows(engine) == ({} if is_database(engine) else coarser)
    for level in snap.levels:
        _same_areas(snap.areas_at(level), geo.areas_at_level(areas, level))


def test_new_versions_link_the_levels_and_sum_the_new_population(bounded_store: Path) -> None:
    store = Store(bounded_store)
    first = store.current
    assert first is not None and (first / LEVELS_FILE).exists()
    areas = store.areas()
    stored = gpd.read_parquet(first / LEVELS_FILE)
    assert stored[LEVEL].value_counts().to_dict() == {"gemeente": 5}  # wijken are the finest
    population = pd.Series(1000.0, index=areas.index)
    population.iloc[0] = 2500.0
    store.set_population(population, source="test")
    second = store.current
    assert second is not None and second != first
    for name in (LEVELS_FILE, WEB_FILE):  # the same boundaries: the same files
        assert (second / name).stat().st_ino == (first / name).stat().st_ino
    snap = _snapshot(str(bounded_store))
    gemeenten = snap.areas_at("gemeente")
    # the population is summed again from this version's areas: by hand, 1000 per wijk
    wijken_per_gemeente = areas["gemeente_code"].value_counts()
    expected = wijken_per_gemeente * 1000.0
    expected[str(areas["gemeente_code"].iloc[0])] += 1500.0
    pd.testing.assert_series_equal(
        gemeenten[POPULATION],
        expected.reindex(gemeenten.index).astype("float64"),
        check_names=False,
    )
    _same_areas(gemeenten, geo.areas_at_level(snap.areas, "gemeente"))


def test_boundaries_child_dissolves_once_and_writes_the_same_files(tmp_path: Path) -> None:
    """What the child process of a new store writes (:func:`write_derived`: each level
    dissolved once for all three files) is what the writers in turn write."""
    from regie_analytics.geo.stored import write_derived, write_web
    from regie_analytics.stats.stored import WEIGHTS_FILE, write_weights

    areas = geo.load_boundaries(geo.DEFAULT_BOUNDARIES)
    once, apart = tmp_path / "once", tmp_path / "apart"
    for folder in (once, apart):
        folder.mkdir()
        areas.to_parquet(folder / "areas.parquet")
    write_derived(once)
    write_weights(apart)
    write_web(apart)
    for name in (WEIGHTS_FILE, LEVELS_FILE, WEB_FILE):
        written, expected = pd.read_parquet(once / name), pd.read_parquet(apart / name)
        assert len(written) > 0
        pd.testing.assert_frame_equal(written, expected)
    levels = pd.read_parquet(once / LEVELS_FILE)
    assert set(levels[LEVEL]) == set(geo.available_levels(areas)[1:])
