"""Boundaries, hierarchy, point assignment and simplification against known answers."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from regie_analytics import geo
from regie_analytics.schema import NO_LOCATION, OUTSIDE, InputError

DATA = Path(__file__).parent / "data"
ERMELO = DATA / "ermelo_buurten_2021.gpkg"
ALKMAAR = DATA / "alkmaar_wijken_2024.geojson"
TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


@pytest.fixture(scope="module")
def amsterdam() -> gpd.GeoDataFrame:
    return geo.load_boundaries()


@pytest.fixture(scope="module")
def ermelo_raw() -> gpd.GeoDataFrame:
    return gpd.read_file(ERMELO)


# --- hierarchy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "wijk", "gemeente"),
    [
        ("BU0363AA01", "buurt", "WK0363AA", "GM0363"),
        ("BU02330001", "buurt", "WK023300", "GM0233"),
        ("WK036101", "wijk", "WK036101", "GM0361"),
        ("WK0363AA", "wijk", "WK0363AA", "GM0363"),
        ("GM0363", "gemeente", None, "GM0363"),
        ("AA01", None, None, None),
        ("BU0363AA0", None, None, None),
        ("district-7", None, None, None),
    ],
)
def test_cbs_code_rules(code: str, level: str | None, wijk: str | None, gemeente: str | None):
    assert geo.code_level(code) == level
    assert geo.wijk_of(code) == wijk
    assert geo.gemeente_of(code) == gemeente


# --- Amsterdam (the default) -----------------------------------------------------------------


def test_default_is_amsterdam_with_four_levels(amsterdam: gpd.GeoDataFrame):
    assert geo.DEFAULT_BOUNDARIES.is_file()
    assert len(amsterdam) == 518
    assert amsterdam.index.name == "area_code"
    assert amsterdam.index.is_unique
    assert amsterdam.crs.to_epsg() == 4326
    assert list(amsterdam.columns) == list(geo.AREA_COLUMNS)
    assert amsterdam.loc["BU0363AA01", "name"] == "Planciusbuurt-Noord"
    assert amsterdam.loc["BU0363AA01", "wijk_code"] == "WK0363AA"
    assert amsterdam.loc["BU0363AA01", "stadsdeel_name"] == "Centrum"
    assert (amsterdam["level"] == "buurt").all()
    assert amsterdam["population"].isna().all()
    assert geo.available_levels(amsterdam) == ["buurt", "wijk", "stadsdeel", "gemeente"]


def test_amsterdam_dissolves_into_110_wijken_9_stadsdelen_1_gemeente(
    amsterdam: gpd.GeoDataFrame,
):
    wijken = geo.areas_at_level(amsterdam, "wijk")
    stadsdelen = geo.areas_at_level(amsterdam, "stadsdeel")
    gemeente = geo.areas_at_level(amsterdam, "gemeente")
    assert len(wijken) == 110
    assert wijken.loc["WK0363AA", "name"] == "Wijk AA (Centrum)"
    assert wijken.loc["WK0363AA", "gemeente_code"] == "GM0363"
    assert wijken.loc["WK0363AA", "stadsdeel_code"] == "A"
    assert sorted(stadsdelen.index) == ["A", "B", "E", "F", "K", "M", "N", "S", "T"]
    assert stadsdelen.loc["S", "name"] == "Weesp"
    assert stadsdelen["wijk_code"].isna().all()
    assert list(gemeente.index) == ["GM0363"]
    assert gemeente.loc["GM0363", "name"] == "Amsterdam"
    assert gemeente["population"].isna().all()  # all missing stays missing
    for frame, level in ((wijken, "wijk"), (stadsdelen, "stadsdeel"), (gemeente, "gemeente")):
        assert list(frame.columns) == list(geo.AREA_COLUMNS)
        assert (frame["level"] == level).all()
        assert frame.index.name == "area_code"
        assert frame.is_valid.all()
    assert geo.areas_at_level(amsterdam, "buurt").equals(amsterdam)


def test_amsterdam_area_adds_up_and_matches_cbs(amsterdam: gpd.GeoDataFrame):
    gemeente = geo.areas_at_level(amsterdam, "gemeente")
    buurt_km2 = amsterdam["area_km2"].sum()
    dissolved_km2 = gemeente.to_crs("EPSG:28992").area.iloc[0] / 1e6
    assert buurt_km2 == pytest.approx(dissolved_km2, rel=1e-6)
    # CBS kerncijfers 2024: land 18,812 ha + water 5,553 ha (Amsterdam including Weesp).
    assert buurt_km2 == pytest.approx(188.12 + 55.53, rel=0.005)
    assert geo.areas_at_level(amsterdam, "stadsdeel")["area_km2"].sum() == pytest.approx(buurt_km2)


def test_parent_code_map(amsterdam: gpd.GeoDataFrame):
    to_wijk = geo.parent_code_map(amsterdam, "wijk")
    assert len(to_wijk) == 518
    assert to_wijk["BU0363AA01"] == "WK0363AA"
    assert to_wijk.nunique() == 110
    assert geo.parent_code_map(amsterdam, "stadsdeel")["BU0363TA01"] == "T"
    assert set(geo.parent_code_map(amsterdam, "gemeente")) == {"GM0363"}
    assert (geo.parent_code_map(amsterdam, "buurt") == amsterdam.index).all()


def test_levels_are_pure_new_frames_every_call_and_the_input_unchanged(
    amsterdam: gpd.GeoDataFrame,
):
    """Nothing is kept between calls (the dashboard's snapshot keeps what it reuses): each
    call computes from its input, hands out a frame of its own and leaves the input as it
    was."""
    from pandas.testing import assert_frame_equal, assert_series_equal

    before = amsterdam.copy()
    wijken = geo.areas_at_level(amsterdam, "wijk")
    again = geo.areas_at_level(amsterdam, "wijk")
    assert again is not wijken
    assert_frame_equal(again, wijken)
    wijken["population"] = -1.0  # a caller may change what it got ...
    wijken.loc["WK0363AA", "name"] = "veranderd"
    third = geo.areas_at_level(amsterdam, "wijk")
    assert_frame_equal(third, again)  # ... without changing what the next caller gets
    assert third.loc["WK0363AA", "name"] != "veranderd"
    buurten = geo.areas_at_level(amsterdam, "buurt")
    buurten["name"] = "veranderd"
    parents = geo.parent_code_map(amsterdam, "stadsdeel")
    parents.iloc[0] = "X"
    assert_series_equal(
        geo.parent_code_map(amsterdam, "stadsdeel"),
        before.loc[before["level"] == "buurt", "stadsdeel_code"]
        .astype("str")
        .rename("stadsdeel_code"),
    )
    levels = geo.available_levels(amsterdam)
    levels.append("x")
    assert geo.available_levels(amsterdam) == ["buurt", "wijk", "stadsdeel", "gemeente"]
    assert_frame_equal(amsterdam, before)
    # a changed input gives a changed answer (nothing was kept for the frame)
    changed = amsterdam.copy()
    changed["population"] = changed["population"] * 2
    doubled = geo.areas_at_level(changed, "wijk")["population"]
    assert_series_equal(doubled, again["population"] * 2)


# --- other layouts ---------------------------------------------------------------------------


def test_ermelo_geopackage_in_rd(ermelo_raw: gpd.GeoDataFrame):
    areas = geo.load_boundaries(ERMELO)
    assert len(areas) == 17
    assert areas.crs.to_epsg() == 4326
    assert areas.loc["BU02330001", "name"] == "Ermelo-Oost"
    assert areas.loc["BU02339997", "name"] == "BU02339997"  # no name in the file
    expected_wijk = ermelo_raw.set_index("buurtcode")["wijkcode"]
    assert areas["wijk_code"].to_dict() == expected_wijk.to_dict()
    assert areas["wijk_code"].str.match(r"^WK0233\d\d$").all()
    # aantal_inwoners is empty: mannen + vrouwen; -99999999 means secret.
    assert areas.loc["BU02330000", "population"] == 5215 + 5575
    assert np.isnan(areas.loc["BU02339997", "population"])
    assert areas["area_km2"].sum() == pytest.approx(ermelo_raw.area.sum() / 1e6, rel=1e-6)
    assert geo.available_levels(areas) == ["buurt", "wijk", "gemeente"]
    wijken = geo.areas_at_level(areas, "wijk")
    assert sorted(wijken.index) == ["WK023300", "WK023301", "WK023399"]
    assert wijken.loc["WK023301", "population"] == 770
    assert np.isnan(wijken.loc["WK023399", "population"])
    assert geo.areas_at_level(areas, "gemeente").loc["GM0233", "name"] == "Ermelo"
    with pytest.raises(InputError, match="stadsdeel_code"):
        geo.areas_at_level(areas, "stadsdeel")


def test_alkmaar_wijken():
    areas = geo.load_boundaries(ALKMAAR)
    assert len(areas) == 8
    assert (areas["level"] == "wijk").all()
    assert areas.loc["WK036101", "name"] == "Zuid"
    assert areas["population"].sum() == 94790
    assert geo.available_levels(areas) == ["wijk", "gemeente"]
    gemeente = geo.areas_at_level(areas, "gemeente")
    assert list(gemeente.index) == ["GM0361"]
    assert gemeente.loc["GM0361", "name"] == "Alkmaar"
    assert gemeente.loc["GM0361", "population"] == 94790
    with pytest.raises(InputError, match="niet beschikbaar"):
        geo.areas_at_level(areas, "buurt")


def test_national_gemeenten_repaired_and_filtered():
    raw = gpd.read_file(geo.NATIONAL_GEMEENTEN)
    assert (~raw.is_valid).sum() == 8
    areas = geo.load_boundaries(geo.NATIONAL_GEMEENTEN)
    assert len(areas) == 343
    assert areas.is_valid.all()
    assert areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    amsterdam = geo.load_boundaries(geo.NATIONAL_GEMEENTEN, gemeente="GM0363")
    assert list(amsterdam.index) == ["GM0363"]
    assert amsterdam.loc["GM0363", "name"] == "Amsterdam"
    assert amsterdam.loc["GM0363", "population"] == 931298
    assert amsterdam.loc["GM0363", "level"] == "gemeente"
    with pytest.raises(InputError, match="GM9999 komt niet voor") as info:
        geo.load_boundaries(geo.NATIONAL_GEMEENTEN, gemeente="GM9999")
    assert "GM0014" in str(info.value)


def test_multilayer_geopackage_picks_buurten(tmp_path: Path, ermelo_raw: gpd.GeoDataFrame):
    path = tmp_path / "wijkbuurtkaart.gpkg"
    buurten = ermelo_raw[["buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "geometry"]]
    wijken = buurten[["wijkcode", "gemeentecode", "geometry"]].dissolve(by="wijkcode")
    gemeenten = buurten[["gemeentecode", "geometry"]].dissolve(by="gemeentecode")
    gemeenten.reset_index().to_file(path, layer="gemeenten")
    wijken.reset_index().to_file(path, layer="wijken")
    buurten.to_file(path, layer="buurten")

    default = geo.load_boundaries(path)
    assert len(default) == 17
    assert (default["level"] == "buurt").all()
    assert len(geo.load_boundaries(path, gemeente="GM0233")) == 17
    assert len(geo.load_boundaries(path, gemeente="0233")) == 17
    wijk_layer = geo.load_boundaries(path, layer="wijken")
    assert sorted(wijk_layer.index) == ["WK023300", "WK023301", "WK023399"]
    with pytest.raises(InputError, match="Laag 'straten' bestaat niet"):
        geo.load_boundaries(path, layer="straten")


def _zip_shapefile(frame: gpd.GeoDataFrame, folder: Path, *, keep_prj: bool) -> Path:
    frame.to_file(folder / "areas.shp")
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix != ".prj" or keep_prj:
                archive.write(part, f"grenzen/{part.name}")
    return target


def test_zipped_shapefile_any_crs_or_none(tmp_path: Path, ermelo_raw: gpd.GeoDataFrame):
    short = ermelo_raw.rename(columns={"buurtcode": "BU_CODE", "buurtnaam": "BU_NAAM"})
    short = short[["BU_CODE", "BU_NAAM", "geometry"]]
    expected_km2 = ermelo_raw.area.sum() / 1e6

    (tmp_path / "laea").mkdir()
    laea = _zip_shapefile(short.to_crs("EPSG:3035"), tmp_path / "laea", keep_prj=True)
    areas = geo.load_boundaries(laea)
    assert len(areas) == 17
    assert areas.crs.to_epsg() == 4326
    assert areas.loc["BU02330001", "name"] == "Ermelo-Oost"
    assert areas["area_km2"].sum() == pytest.approx(expected_km2, rel=1e-4)

    (tmp_path / "noprj").mkdir()
    no_prj = _zip_shapefile(short, tmp_path / "noprj", keep_prj=False)
    guessed = geo.load_boundaries(no_prj)  # RD New guessed from the coordinate values
    assert guessed["area_km2"].sum() == pytest.approx(expected_km2, rel=1e-6)
    assert guessed.geometry.iloc[0].centroid.x == pytest.approx(5.6, abs=0.2)


def test_geojson_in_rd_without_crs_member(tmp_path: Path, ermelo_raw: gpd.GeoDataFrame):
    collection = json.loads(ermelo_raw[["buurtcode", "geometry"]].to_json())
    collection.pop("crs", None)
    path = tmp_path / "rd_zonder_crs.geojson"
    path.write_text(json.dumps(collection))
    areas = geo.load_boundaries(path)
    minx, miny, maxx, maxy = areas.total_bounds
    assert 5.4 < minx < maxx < 5.9
    assert 52.2 < miny < maxy < 52.4


def test_foreign_code_column(tmp_path: Path):
    raw = gpd.read_file(ALKMAAR)
    foreign = raw.drop(columns=["wijkCode"]).assign(district_id=[f"D{i}" for i in range(8)])
    path = tmp_path / "districts.geojson"
    foreign.to_file(path)

    with pytest.raises(InputError) as info:
        geo.load_boundaries(path)
    message = str(info.value)
    assert "districts.geojson" in message
    assert "Geen kolom met gebiedscodes gevonden" in message
    assert "district_id" in message  # lists the columns found
    assert "--area-code-column" in message

    areas = geo.load_boundaries(path, code_column="DISTRICT_ID")
    assert sorted(areas.index) == [f"D{i}" for i in range(8)]
    # not CBS codes: one level of its own, "gebied", with no CBS parents
    assert (areas["level"] == "gebied").all()
    assert areas["wijk_code"].isna().all() and areas["gemeente_code"].isna().all()
    assert areas.loc["D0", "name"] == "Zuid"  # from wijkNaam
    assert geo.available_levels(areas) == ["gebied"]
    with pytest.raises(InputError, match="'wijk' is niet beschikbaar"):
        geo.areas_at_level(areas, "wijk")
    with pytest.raises(InputError, match="--area-code-column"):
        geo.load_boundaries(path, code_column="wijk_id")
    with pytest.raises(InputError, match="geen gemeentecodes"):
        geo.load_boundaries(path, code_column="district_id", gemeente="GM0361")


def test_area_outside_the_netherlands_in_utm(tmp_path: Path):
    squares = [
        shapely.box(440_000 + i * 2000, 4_470_000, 441_000 + i * 2000, 4_471_000) for i in (0, 1)
    ]
    frame = gpd.GeoDataFrame({"district_id": ["M1", "M2"]}, geometry=squares, crs="EPSG:25830")
    path = tmp_path / "madrid.geojson"
    frame.to_crs("EPSG:4326").to_file(path)
    areas = geo.load_boundaries(path, code_column="district_id")
    assert areas["area_km2"].to_numpy() == pytest.approx([1.0, 1.0], rel=1e-3)


def test_duplicate_and_empty_codes_name_the_row(tmp_path: Path):
    raw = gpd.read_file(ALKMAAR)[["wijkCode", "geometry"]]
    duplicate = raw.assign(
        wijkCode=[*raw["wijkCode"][:2], raw["wijkCode"][0], *raw["wijkCode"][3:]]
    )
    path = tmp_path / "dubbel.geojson"
    duplicate.to_file(path)
    with pytest.raises(InputError, match="WK036101' komt meer dan eens voor") as info:
        geo.load_boundaries(path)
    assert info.value.row == 3
    assert info.value.column == "wijkCode"

    empty = raw.assign(wijkCode=[*raw["wijkCode"][:4], None, *raw["wijkCode"][5:]])
    path = tmp_path / "leeg.geojson"
    empty.to_file(path)
    with pytest.raises(InputError, match="geen code") as info:
        geo.load_boundaries(path)
    assert info.value.row == 5


def test_missing_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="bestaat niet"):
        geo.load_boundaries(tmp_path / "nergens.geojson")


# --- points ----------------------------------------------------------------------------------

KNOWN = ["BU0363AA01", "BU0363EH02", "BU0363KA01", "BU0363NC04", "BU0363TA01"]


@pytest.fixture(scope="module")
def known_points(amsterdam: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    points = amsterdam.loc[KNOWN].representative_point()
    lon = np.append(points.x.to_numpy(), [4.0, np.nan])  # North Sea, missing
    lat = np.append(points.y.to_numpy(), [52.6, 52.37])
    return lon, lat


def test_assign_known_points_wgs84(amsterdam: gpd.GeoDataFrame, known_points):
    lon, lat = known_points
    result = geo.assign_points(amsterdam, lon, lat)
    assert list(result.area_code) == [*KNOWN, OUTSIDE, NO_LOCATION]
    assert not result.swapped.any() and not result.rd.any()
    assert (result.n_points, result.n_assigned, result.n_outside, result.n_no_location) == (
        7,
        5,
        1,
        1,
    )
    np.testing.assert_array_equal(result.lon[:6], lon[:6])
    assert np.isnan(result.lon[6])


def test_assign_known_points_swapped_and_rd(amsterdam: gpd.GeoDataFrame, known_points):
    lon, lat = known_points
    expected = [*KNOWN, OUTSIDE, NO_LOCATION]

    swapped = geo.assign_points(amsterdam, pd.Series(lat), pd.Series(lon))
    assert list(swapped.area_code) == expected
    assert list(swapped.swapped) == [True] * 6 + [False]
    np.testing.assert_allclose(swapped.lon[:6], lon[:6])
    assert swapped.n_swapped == 6

    x, y = TO_RD.transform(lon, lat)
    rd = geo.assign_points(amsterdam, x, y)
    assert list(rd.area_code) == expected
    assert list(rd.rd) == [True] * 6 + [False]
    assert not rd.swapped.any()
    np.testing.assert_allclose(rd.lon[:6], lon[:6], atol=1e-7)
    np.testing.assert_allclose(rd.lat[:6], lat[:6], atol=1e-7)

    rd_swapped = geo.assign_points(amsterdam, y, x)
    assert list(rd_swapped.area_code) == expected
    assert list(rd_swapped.swapped) == list(rd_swapped.rd) == [True] * 6 + [False]

    mixed_x = np.array([lon[0], lat[1], x[2], y[3]])
    mixed_y = np.array([lat[0], lon[1], y[2], x[3]])
    mixed = geo.assign_points(amsterdam, mixed_x, mixed_y)
    assert list(mixed.area_code) == KNOWN[:4]
    assert list(mixed.swapped) == [False, True, False, True]
    assert list(mixed.rd) == [False, False, True, True]


def test_unusable_coordinates_have_no_location(amsterdam: gpd.GeoDataFrame):
    x = np.array([0.0, 1e9, np.inf, 4.9, 121_000.0])
    y = np.array([0.0, 52.37, 52.37, 200.0, 487_000.0])
    result = geo.assign_points(amsterdam, x, y)
    assert list(result.area_code[:4]) == [NO_LOCATION] * 4
    assert result.area_code[4] == "BU0363AC03"  # Keizersgracht in RD: Felix Meritisbuurt
    assert result.n_no_location == 4


def test_point_on_shared_vertex_goes_to_lowest_code(amsterdam: gpd.GeoDataFrame):
    coords = shapely.get_coordinates(amsterdam.loc["BU0363AA01"].geometry)
    touching = shapely.intersects_xy(
        np.asarray(amsterdam.geometry.values)[:, None], coords[:, 0], coords[:, 1]
    )
    shared = np.flatnonzero(touching.sum(axis=0) >= 2)
    assert shared.size > 0
    vertex = coords[shared]
    result = geo.assign_points(amsterdam, vertex[:, 0], vertex[:, 1])
    expected = [min(amsterdam.index[touching[:, i]]) for i in shared]
    assert list(result.area_code) == expected
    assert "BU0363AA01" in expected


def test_assign_points_equals_sjoin(amsterdam: gpd.GeoDataFrame):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = amsterdam.total_bounds
    lon = rng.uniform(minx - 0.01, maxx + 0.01, 20_000)
    lat = rng.uniform(miny - 0.01, maxy + 0.01, 20_000)
    result = geo.assign_points(amsterdam, lon, lat)

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, amsterdam[["geometry"]], predicate="intersects")
    expected = joined.groupby(level=0)["area_code"].min().reindex(points.index).fillna(OUTSIDE)
    assert (expected != OUTSIDE).sum() > 5_000
    assert list(result.area_code) == list(expected)


def test_max_swapped_share(amsterdam: gpd.GeoDataFrame, known_points):
    lon, lat = known_points
    with pytest.raises(InputError, match="omgewisseld"):
        geo.assign_points(amsterdam, lat, lon, max_swapped_share=0.5)
    assert geo.assign_points(amsterdam, lon, lat, max_swapped_share=0.0).n_swapped == 0


def test_assign_one_million_points(amsterdam: gpd.GeoDataFrame):
    """A million points in one call (speed is measured by benchmarks/bench_import.py)."""
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = amsterdam.total_bounds
    lon = rng.uniform(minx, maxx, 1_000_000)
    lat = rng.uniform(miny, maxy, 1_000_000)
    result = geo.assign_points(amsterdam, lon, lat)
    assert result.n_points == 1_000_000
    assert result.n_assigned + result.n_outside == 1_000_000
    assert result.n_assigned > 500_000


# --- web and bookkeeping ---------------------------------------------------------------------


def test_simplify_for_web(amsterdam: gpd.GeoDataFrame):
    before = amsterdam.copy()
    simple = geo.simplify_for_web(amsterdam)
    assert amsterdam.geom_equals(before).all()
    assert list(simple.index) == list(amsterdam.index)
    assert simple.is_valid.all()
    assert shapely.coverage_is_valid(np.asarray(simple.geometry.values))
    assert geo.geojson_payload_size(simple[["geometry"]]) <= 500_000
    assert geo.geojson_payload_size(simple[["geometry"]]) < geo.geojson_payload_size(
        amsterdam[["geometry"]]
    )
    ratio = simple.to_crs("EPSG:28992").area / 1e6 / amsterdam["area_km2"]
    assert ratio.between(0.98, 1.02).all()
    coordinates = shapely.get_coordinates(np.asarray(simple.geometry.values))
    np.testing.assert_array_equal(coordinates, np.round(coordinates, 5))


def test_boundaries_fingerprint():
    fingerprint = geo.boundaries_fingerprint(geo.DEFAULT_BOUNDARIES)
    assert fingerprint == {
        "file": "amsterdam_buurten_2022.geojson",
        "sha256": hashlib.sha256(geo.DEFAULT_BOUNDARIES.read_bytes()).hexdigest(),
        "n_areas": 518,
        "code_column": "cbsCode",
        "layer": None,
        "gemeente": None,
        "levels": ["buurt", "wijk", "stadsdeel", "gemeente"],
        "year": 2022,  # from the file's name
        "population": "onbekend: het grenzenbestand amsterdam_buurten_2022.geojson heeft geen "
        "inwonertallen (geen cijfers per 1.000 inwoners)",
    }
    assert geo.boundaries_fingerprint(ERMELO, gemeente="233")["gemeente"] == "GM0233"


def test_with_population(amsterdam: gpd.GeoDataFrame):
    population = pd.Series(
        {"BU0363AA01": 1200, "BU0363AA02": 800, "BU0363ZZ99": 5, "BU0363AB01": -99999999}
    )
    with_pop = geo.with_population(amsterdam, population)
    assert amsterdam["population"].isna().all()
    assert with_pop.loc["BU0363AA01", "population"] == 1200.0
    assert np.isnan(with_pop.loc["BU0363AB01", "population"])
    assert with_pop["population"].notna().sum() == 2
    wijken = geo.areas_at_level(with_pop, "wijk")
    assert wijken.loc["WK0363AA", "population"] == 2000.0
    assert np.isnan(wijken.loc["WK0363AC", "population"])
    with pytest.raises(InputError, match="meer dan eens"):
        geo.with_population(amsterdam, pd.Series([1, 2], index=["BU0363AA01", "BU0363AA01"]))
