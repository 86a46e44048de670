"""assign_points batch after batch: the areas are prepared once per frame, and a new frame is
never answered with the last one's areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from regie_analytics import geo
from regie_analytics.geo.geometry import RD_NEW
from regie_analytics.schema import OUTSIDE


def _points(areas: gpd.GeoDataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = areas.total_bounds
    return rng.uniform(minx - 0.01, maxx + 0.01, n), rng.uniform(miny - 0.01, maxy + 0.01, n)


def test_batches_equal_one_call_and_sjoin() -> None:
    areas = geo.load_boundaries()
    lon, lat = _points(areas, 30_000)
    whole = geo.assign_points(areas, lon, lat).area_code
    parts = [
        geo.assign_points(areas, lon[i : i + 7_000], lat[i : i + 7_000])
        for i in range(0, 30_000, 7_000)
    ]
    assert list(np.concatenate([p.area_code for p in parts])) == list(whole)

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, areas[["geometry"]], predicate="intersects")
    expected = joined.groupby(level=0)["area_code"].min().reindex(points.index).fillna(OUTSIDE)
    assert (expected != OUTSIDE).sum() > 10_000
    assert list(whole) == list(expected)
    # the caller's geometries are left unprepared (the look-ups use prepared copies)
    assert not shapely.is_prepared(np.asarray(areas.geometry.values)).any()


def test_a_new_frame_gets_its_own_areas() -> None:
    areas = geo.load_boundaries()
    lon, lat = _points(areas, 5_000)
    first = geo.assign_points(areas, lon, lat).area_code

    renamed = areas.rename(index=lambda code: f"X{code}")
    assert list(geo.assign_points(renamed, lon, lat).area_code) == [
        code if code == OUTSIDE else f"X{code}" for code in first
    ]
    in_rd = areas.to_crs(RD_NEW)
    assert list(geo.assign_points(in_rd, lon, lat).area_code) == list(first)

    codes, counts = np.unique(np.asarray(first)[np.asarray(first) != OUTSIDE], return_counts=True)
    busiest = str(codes[np.argmax(counts)])
    assert counts.max() > 20
    inside = geo.assign_points(areas.loc[[busiest]], lon, lat).area_code
    assert list(inside) == list(np.where(np.asarray(first) == busiest, busiest, OUTSIDE))
    assert list(geo.assign_points(areas, lon, lat).area_code) == list(first)
