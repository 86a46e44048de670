"""Maps that scale: simplification per level that keeps neighbours, a coarser level for the
whole above the limit, one part at a time at the finer level, and what a map sends.

The national case is CBS's real wijken of 2016 (the whole country): read as the store reads
boundaries, its two water-only wijken without geometry left out and the one wijk drawn in two
parts joined."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.weights import Queen

from regie_analytics import charts, geo
from regie_analytics.resources import data_file
from tests.conftest import open_app

pytestmark = pytest.mark.slow  # the whole country simplified: tens of seconds of CPU

NL_WIJKEN = data_file("boundaries/nl_wijken_2016.geojson")
ONE_MB = 1_000_000


@pytest.fixture(scope="module")
def raw_wijken() -> gpd.GeoDataFrame:
    raw = gpd.read_file(NL_WIJKEN)
    return raw[~(raw.geometry.isna() | raw.geometry.is_empty)]


@pytest.fixture(scope="module")
def nl_wijken(raw_wijken: gpd.GeoDataFrame, tmp_path_factory) -> gpd.GeoDataFrame:
    joined = raw_wijken.dissolve(by="WKC", as_index=False, aggfunc="first")
    path = tmp_path_factory.mktemp("nl") / "nl_wijken_2016.gpkg"
    joined.to_file(path)
    return geo.load_boundaries(path)


@pytest.fixture(scope="module")
def nl_gemeenten(nl_wijken: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return geo.areas_at_level(nl_wijken, "gemeente")


def _queen_pairs(areas: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    """Queen neighbours as libpysal finds them (shared vertices), each pair once."""
    frame = gpd.GeoDataFrame(geometry=areas.geometry.to_numpy(), index=areas.index.astype(str))
    w = Queen.from_dataframe(frame, use_index=True, silence_warnings=True)
    return {(a, b) for a, others in w.neighbors.items() for b in others if a < b}


def _touching_pairs(areas: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    """Areas whose geometries meet (touch or overlap), each pair once."""
    geometries = np.asarray(areas.geometry.values)
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    codes = areas.index.to_numpy()
    return {(codes[i], codes[j]) for i, j in zip(left, right, strict=True) if i < j}


def _figure_bytes(areas: gpd.GeoDataFrame) -> int:
    """Bytes of the figure JSON Streamlit sends for a classed map of ``areas``."""
    values = pd.Series(np.arange(len(areas), dtype=float), index=areas.index)
    figure = charts.choropleth(areas, values, title="Test", label="aantal", n=values)
    return len(figure.to_json().encode("utf-8"))


def test_national_case_is_as_cbs_publishes_it(raw_wijken, nl_wijken, nl_gemeenten):
    assert len(raw_wijken) == 2980 and len(nl_wijken) == 2979  # WK191104 in two parts
    assert len(nl_gemeenten) == raw_wijken["GMC"].nunique() == 390
    assert not shapely.coverage_is_valid(np.asarray(nl_wijken.to_crs(geo.RD_NEW).geometry.values))


@pytest.mark.parametrize("level", ["wijk", "gemeente"])
def test_simplified_national_levels_keep_every_neighbour(nl_wijken, nl_gemeenten, level):
    """CBS's wijken overlap here and there (not a valid coverage): made one, simplified with
    the level's tolerance, every pair of neighbours is still a pair and no new pair appears."""
    areas = nl_wijken if level == "wijk" else nl_gemeenten
    simple = geo.simplify_for_web(areas)
    assert list(simple.index) == list(areas.index)
    assert simple.is_valid.all()
    assert shapely.coverage_is_valid(np.asarray(simple.geometry.values))
    before = _touching_pairs(areas)
    assert _queen_pairs(simple) == _touching_pairs(simple) == before
    assert len(before) == {"wijk": 8520, "gemeente": 1011}[level]
    assert shapely.get_num_coordinates(np.asarray(simple.geometry.values)).sum() < (
        shapely.get_num_coordinates(np.asarray(areas.geometry.values)).sum()
    )


def test_gemeenten_simplified_coarser_than_wijken(nl_gemeenten):
    assert geo.WEB_TOLERANCE_M["gemeente"] > geo.WEB_TOLERANCE_M["wijk"]
    assert geo.WEB_TOLERANCE_M["wijk"] > geo.WEB_TOLERANCE_M["buurt"]
    coarse = geo.simplify_for_web(nl_gemeenten)
    fine = geo.simplify_for_web(nl_gemeenten, tolerance_m=geo.WEB_TOLERANCE_M["buurt"])
    assert geo.geojson_payload_size(coarse) < 0.6 * geo.geojson_payload_size(fine)
    # area kept within 2% for every gemeente of at least 10 km2
    ratio = coarse.to_crs(geo.RD_NEW).area / 1e6 / nl_gemeenten["area_km2"]
    assert ratio[nl_gemeenten["area_km2"] >= 10].between(0.98, 1.02).all()


def test_national_view_is_the_gemeenten_within_one_megabyte(nl_wijken, nl_gemeenten):
    levels = geo.available_levels(nl_wijken)
    assert levels == ["wijk", "gemeente"]

    def at(level: str) -> gpd.GeoDataFrame:
        return nl_wijken if level == "wijk" else nl_gemeenten

    level, codes = geo.map_view(at, levels=levels, level="wijk")
    assert level == "gemeente" and len(codes) == 390
    assert _figure_bytes(geo.simplify_for_web(nl_gemeenten.loc[codes])) <= ONE_MB


def test_zooming_on_a_gemeente_shows_exactly_its_wijken(raw_wijken, nl_wijken, nl_gemeenten):
    levels = ["wijk", "gemeente"]

    def at(level: str) -> gpd.GeoDataFrame:
        return nl_wijken if level == "wijk" else nl_gemeenten

    expected = raw_wijken.loc[raw_wijken["GMC"] == "GM0363", "WKC"]
    level, codes = geo.map_view(
        at, levels=levels, level="wijk", part="GM0363", part_level="gemeente"
    )
    assert level == "wijk"
    assert sorted(codes) == sorted(expected) and len(codes) == 99  # Amsterdam's wijken
    # every gemeente's zoom stays within a megabyte: the densest one is measured
    web = geo.simplify_for_web(nl_wijken)
    vertices = (
        pd.Series(shapely.get_num_coordinates(np.asarray(web.geometry.values)), index=web.index)
        .groupby(web["gemeente_code"])
        .sum()
    )
    densest = vertices.idxmax()
    zoomed = web.loc[geo.codes_in_part(web, part=densest, part_level="gemeente")]
    assert len(zoomed) == int((raw_wijken["GMC"] == densest).sum())
    assert _figure_bytes(zoomed) <= ONE_MB


def test_demo_municipality_stays_at_its_buurten_within_500_kb(amsterdam):
    levels = geo.available_levels(amsterdam)

    def at(level: str) -> gpd.GeoDataFrame:
        return geo.areas_at_level(amsterdam, level)

    level, codes = geo.map_view(at, levels=levels, level="buurt")
    assert level == "buurt" and len(codes) == len(amsterdam) == 518
    assert _figure_bytes(geo.simplify_for_web(amsterdam)) <= 500_000


def test_a_part_above_the_limit_is_shown_a_level_coarser(amsterdam):
    """With a limit of 50 areas: the whole at stadsdelen, a stadsdeel of more than 50 buurten
    at its wijken, one of at most 50 at its buurten."""
    levels = geo.available_levels(amsterdam)
    assert levels == ["buurt", "wijk", "stadsdeel", "gemeente"]
    assert geo.zoom_levels(levels, "buurt") == ["gemeente", "stadsdeel", "wijk"]
    kept = {level: geo.areas_at_level(amsterdam, level) for level in levels}
    level, codes = geo.map_view(kept.__getitem__, levels=levels, level="buurt", limit=50)
    assert level == "stadsdeel" and len(codes) == amsterdam["stadsdeel_code"].nunique()
    per_stadsdeel = amsterdam.groupby("stadsdeel_code").size()
    big, small = per_stadsdeel.idxmax(), per_stadsdeel[per_stadsdeel <= 50].idxmax()

    def view(part: str) -> tuple[str, pd.Index]:
        return geo.map_view(
            kept.__getitem__,
            levels=levels,
            level="buurt",
            part=part,
            part_level="stadsdeel",
            limit=50,
        )

    level, codes = view(big)
    wijken = amsterdam.loc[amsterdam["stadsdeel_code"] == big, "wijk_code"].unique()
    assert level == "wijk" and sorted(codes) == sorted(wijken)
    level, codes = view(small)
    assert level == "buurt"
    assert sorted(codes) == sorted(amsterdam.index[amsterdam["stadsdeel_code"] == small])


def test_zoomed_map_has_classes_of_its_part(amsterdam):
    web = geo.simplify_for_web(amsterdam)
    values = pd.Series(np.arange(len(web), dtype=float), index=web.index)
    part = web["stadsdeel_code"].dropna().iloc[0]
    members = geo.codes_in_part(web, part=part, part_level="stadsdeel")
    figure = charts.choropleth(web.loc[members], values, title="Test", label="aantal")
    expected = mapclassify.Quantiles(values[members].to_numpy(), k=5).bins
    np.testing.assert_allclose(figure.layout.meta["bins"], expected)
    shown = {code for trace in figure.data for code in trace.locations}
    assert shown == set(members)
    collection = json.loads(figure.to_json())["data"][0]["geojson"]["features"]
    assert {feature["id"] for feature in collection} <= set(members)


def test_kaart_zoomed_on_a_stadsdeel_via_url(app_store: Path) -> None:
    """``?inzoomen=<stadsdeel>``: the map holds exactly that stadsdeel's buurten, says so,
    and offers the way back."""
    from regie_analytics.store import Store

    areas = Store(app_store).areas()
    part = str(areas["stadsdeel_code"].dropna().iloc[0])
    at = open_app("kaart", params={"inzoomen": part})
    assert not at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    shown = {code for trace in figure["data"] for code in trace.get("locations", [])}
    assert shown == set(areas.index[areas["stadsdeel_code"] == part])
    assert any("Ingezoomd op" in c.value for c in at.caption)
    assert any(b.label == "Terug naar het geheel" for b in at.button)
    whole = open_app("kaart")
    figure = json.loads(whole.get("plotly_chart")[0].proto.spec)
    assert len({c for t in figure["data"] for c in t.get("locations", [])}) == len(areas)
