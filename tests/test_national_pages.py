"""Pages at national scale: web geometry stored with the boundaries and read back unchanged,
jumps computed for all series at once, the Kaart's table and area search bounded."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from regie_analytics import geo
from regie_analytics.geo.stored import (
    LEVEL,
    TOLERANCE,
    WEB_FILE,
    read_web,
    stored_web,
)
from regie_analytics.schema import AREA_CODE
from regie_analytics.store import Store

WIJKEN = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "nl_wijken_2016.geojson"
GRONINGEN = ["GM0009", "GM0014", "GM0017", "GM0056", "GM1730"]
"""Ten Boer, Groningen, Haren, Zuidhorn and Tynaarlo: 38 wijken, five gemeenten."""


def _boundaries_file(folder: Path) -> Path:
    frame = gpd.read_file(WIJKEN)
    path = folder / "groningen_wijken.geojson"
    frame.loc[frame["GMC"].isin(GRONINGEN)].to_file(path)
    return path


@pytest.fixture
def bounded_store(tmp_path: Path) -> Path:
    """A store with the 38 real wijken of five Groningen gemeenten as its boundaries."""
    areas = geo.load_boundaries(_boundaries_file(tmp_path))
    root = tmp_path / "store"
    Store(root).set_boundaries(areas, {"file": "groningen_wijken.geojson"})
    return root


def _same_frame(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert got.geometry.name == expected.geometry.name and got.crs == expected.crs
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns=got.geometry.name)),
        pd.DataFrame(expected.drop(columns=expected.geometry.name)),
    )
    assert (got.geometry.to_wkb() == expected.geometry.to_wkb()).all()  # every coordinate


# --- web geometry stored with the boundaries ---------------------------------------------------


def test_stored_web_geometry_is_the_simplified_geometry_of_every_level(
    bounded_store: Path,
) -> None:
    folder = Store(bounded_store).current
    assert folder is not None and (folder / WEB_FILE).exists()
    areas = Store(bounded_store).areas()
    stored = gpd.read_parquet(folder / WEB_FILE)
    assert list(stored.columns) == [LEVEL, AREA_CODE, TOLERANCE, "geometry"]
    assert stored[LEVEL].value_counts().to_dict() == {"wijk": 38, "gemeente": 5}
    assert stored.groupby(LEVEL)[TOLERANCE].first().to_dict() == {"wijk": 15.0, "gemeente": 200.0}
    for level in ("wijk", "gemeente"):
        level_areas = geo.areas_at_level(areas, level)
        got = read_web(folder, level, level_areas)
        assert got is not None
        _same_frame(got, geo.simplify_for_web(level_areas))
    # the gemeenten stay a coverage: Groningen (GM0014) borders the other four
    gemeenten = read_web(folder, "gemeente", geo.areas_at_level(areas, "gemeente"))
    assert gemeenten is not None
    assert shapely.coverage_is_valid(gemeenten.geometry.to_numpy())
    touching = gemeenten.index[gemeenten.geometry.intersects(gemeenten.geometry["GM0014"])]
    assert sorted(touching) == sorted(GRONINGEN)


def test_a_version_without_stored_web_geometry_gets_it_computed(bounded_store: Path) -> None:
    folder = Store(bounded_store).current
    assert folder is not None
    wijken = geo.areas_at_level(Store(bounded_store).areas(), "wijk")
    assert read_web(folder, "wijk", wijken.iloc[:-1]) is None  # other areas: not used
    renamed = wijken.rename(index={wijken.index[0]: "WK999999"})
    assert read_web(folder, "wijk", renamed) is None
    stored = gpd.read_parquet(folder / WEB_FILE)
    stored[TOLERANCE] = 5.0  # simplified at another tolerance than today's: not used
    stored.to_parquet(folder / WEB_FILE, index=False)
    assert read_web(folder, "wijk", wijken) is None
    (folder / WEB_FILE).unlink()  # as a store written before web geometry was stored
    assert read_web(folder, "wijk", wijken) is None
    _same_frame(stored_web(folder, "wijk", wijken), geo.simplify_for_web(wijken))


def test_new_versions_link_the_web_geometry_of_the_same_boundaries(bounded_store: Path) -> None:
    store = Store(bounded_store)
    first = store.current
    assert first is not None
    store.set_population(pd.Series(1000.0, index=store.areas().index), source="test")
    second = store.current
    assert second is not None and second != first
    assert (second / WEB_FILE).stat().st_ino == (first / WEB_FILE).stat().st_ino
    areas = geo.load_boundaries(_boundaries_file(bounded_store.parent))
    store.set_boundaries(areas.iloc[:20], {"file": "deel.geojson"})
    third = store.current
    assert third is not None
    assert (third / WEB_FILE).stat().st_ino != (first / WEB_FILE).stat().st_ino
    stored = gpd.read_parquet(third / WEB_FILE)
    assert (stored[LEVEL] == "wijk").sum() == 20


def test_the_snapshot_reads_the_stored_web_geometry(bounded_store: Path) -> None:
    from regie_analytics import snapshot

    folder = Store(bounded_store).current
    assert folder is not None
    stored = gpd.read_parquet(folder / WEB_FILE)
    moved = stored.set_geometry(stored.geometry.translate(xoff=1.0))  # a degree east
    moved.to_parquet(folder / WEB_FILE, index=False)
    version, key = snapshot.current(bounded_store) or ("", "")
    snap = snapshot.load(bounded_store, version=version, key=key)
    web = snap.web_areas("gemeente")
    expected = geo.simplify_for_web(snap.areas_at("gemeente"))
    np.testing.assert_allclose(
        web.geometry.bounds.to_numpy(), expected.geometry.bounds.to_numpy() + np.array([1, 0, 1, 0])
    )
    assert list(web.index) == list(expected.index)
