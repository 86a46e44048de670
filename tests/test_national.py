"""The synthetic national case (regie_analytics.demo.national) on the real 2016 wijken of three
gemeenten (Ermelo, Harderwijk, Alkmaar): buurten that partition their wijk, CBS-style codes,
shared borders, seeded output, and signals that ``validate`` and ``import`` take in full."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from regie_analytics import geo
from regie_analytics.demo import national
from regie_analytics.store import Store
from tests.conftest import ROOT, cli

WIJKEN = ROOT / "tests" / "data" / "wijken_2016_three_gemeenten.geojson"
GEMEENTEN = ("GM0233", "GM0243", "GM0361")


@pytest.fixture(scope="module")
def buurten() -> gpd.GeoDataFrame:
    return national.national_buurten_file_frame(seed=3, wijken=WIJKEN)


@pytest.fixture(scope="module")
def wijken() -> gpd.GeoDataFrame:
    raw = gpd.read_file(WIJKEN)
    return raw[~raw.geometry.is_empty].set_index("WKC")


def test_codes_are_cbs_style_unique_and_follow_their_wijk(buurten, wijken) -> None:
    codes = buurten["buurtcode"]
    assert codes.is_unique
    assert codes.map(lambda c: re.fullmatch(r"BU\d{8}", c) is not None).all()
    assert (codes.str[2:8] == buurten["wijkcode"].str[2:]).all()
    assert (buurten["gemeentecode"] == "GM" + codes.str[2:6]).all()
    # every non-empty wijk of the file is split, numbered 01, 02, ... without gaps
    assert set(buurten["wijkcode"]) == set(wijken.index)
    for _, group in buurten.groupby("wijkcode"):
        assert list(group["buurtcode"].str[8:].astype(int)) == list(range(1, len(group) + 1))
    assert buurten["buurtnaam"].str.endswith("(gegenereerd)").all()
    assert [geo.code_level(c) for c in codes] == ["buurt"] * len(codes)


def test_buurten_partition_each_wijk(buurten, wijken) -> None:
    assert len(buurten) > len(wijken)  # wijken are split (1 + Poisson(3.7) buurten each)
    for code, group in buurten.groupby("wijkcode"):
        wijk = shapely.make_valid(wijken.geometry[code])
        parts = np.asarray(group.geometry.values)
        union = shapely.union_all(parts)
        assert shapely.area(parts).sum() == pytest.approx(wijk.area, rel=1e-9)
        assert union.area == pytest.approx(wijk.area, rel=1e-9)  # so no overlaps
        assert shapely.symmetric_difference(union, wijk).area < 1e-6 * wijk.area


def test_buurten_share_the_border_of_neighbouring_wijken(buurten, wijken) -> None:
    # Ermelo's two wijken touch along a line of several kilometres
    a, b = "WK023300", "WK023301"
    border = shapely.intersection(wijken.geometry[a].boundary, wijken.geometry[b].boundary)
    assert border.length > 1000
    for code in (a, b):
        # the buurten along the border follow it to the millimetre (clipping adds vertices on
        # one side only, so the lines are not bit-identical), and no buurt edge strays from it
        edges = shapely.union_all(buurten.geometry[buurten["wijkcode"] == code].boundary.values)
        covered = shapely.intersection(border, shapely.buffer(edges, 0.001))
        assert covered.length == pytest.approx(border.length, rel=1e-6)
    inside_a = buurten[buurten["wijkcode"] == a].geometry.values
    inside_b = buurten[buurten["wijkcode"] == b].geometry.values
    overlap = shapely.intersection(shapely.union_all(inside_a), shapely.union_all(inside_b))
    assert overlap.area == pytest.approx(
        shapely.intersection(wijken.geometry[a], wijken.geometry[b]).area, abs=1.0
    )


def test_same_seed_same_buurten_and_a_subset_matches_the_whole(buurten) -> None:
    again = national.national_buurten_file_frame(seed=3, wijken=WIJKEN)
    assert list(again["buurtcode"]) == list(buurten["buurtcode"])
    assert shapely.equals_exact(again.geometry.values, buurten.geometry.values).all()
    assert (again["aantal_inwoners"] == buurten["aantal_inwoners"]).all()
    other = national.national_buurten_file_frame(seed=4, wijken=WIJKEN)
    assert list(other["buurtcode"]) != list(buurten["buurtcode"]) or not all(
        shapely.equals_exact(other.geometry.values, buurten.geometry.values)
    )
    ermelo = national.national_buurten_file_frame(seed=3, gemeenten=["GM0233"], wijken=WIJKEN)
    mine = buurten[buurten["gemeentecode"] == "GM0233"]
    assert list(ermelo["buurtcode"]) == list(mine["buurtcode"])
    assert shapely.equals_exact(ermelo.geometry.values, mine.geometry.values).all()


def test_population_sums_to_the_real_gemeente_totals(buurten) -> None:
    totals = buurten.groupby("gemeentecode")["aantal_inwoners"].sum()
    real = gpd.read_file(
        ROOT / "data" / "boundaries" / "nl_gemeenten_2024_kerncijfers.geojson",
        ignore_geometry=True,
    ).set_index("gemeentecode")["aantal_inwoners"]
    for code in GEMEENTEN:
        assert totals[code] == int(real[code])


def test_the_geopackage_loads_as_the_frame_the_store_takes(tmp_path: Path) -> None:
    path = national.write_national_boundaries(tmp_path / "b.gpkg", seed=3, wijken=WIJKEN)
    loaded = geo.load_boundaries(path)
    frame = national.national_boundaries(seed=3, wijken=WIJKEN)
    assert list(loaded.columns) == list(frame.columns) == list(geo.AREA_COLUMNS)
    assert list(loaded.index) == list(frame.index)
    for column in ("name", "level", "wijk_code", "gemeente_code", "gemeente_name", "population"):
        pd.testing.assert_series_equal(loaded[column], frame[column], check_dtype=False)
    np.testing.assert_allclose(loaded["area_km2"], frame["area_km2"], rtol=1e-6)
    assert geo.available_levels(loaded) == ["buurt", "wijk", "gemeente"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_signals_exact_rows_in_chunks_seeded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(national, "_CHUNK", 700)
    areas = national.national_boundaries(seed=3, gemeenten=["GM0233"], wijken=WIJKEN)
    first = national.national_signals(areas, rows=2000, months=12, out=tmp_path / "a.csv")
    again = national.national_signals(areas, rows=2000, months=12, out=tmp_path / "b.csv")
    other = national.national_signals(areas, rows=2000, months=12, seed=1, out=tmp_path / "c.csv")
    parquet = national.national_signals(areas, rows=2000, months=12, out=tmp_path / "a.parquet")
    assert _sha(first) == _sha(again) != _sha(other)
    frame = pd.read_csv(first, dtype=str, keep_default_na=False)
    assert len(frame) == 2000 and frame["meldingnummer"].is_unique
    assert frame["meldingnummer"].iloc[-1] == "NL000002000"
    pd.testing.assert_frame_equal(
        pq.read_table(parquet).to_pandas(), pd.read_csv(first), check_dtype=False
    )
    received = pd.to_datetime(frame["datum_melding"])
    assert received.min() >= pd.Timestamp("2023-11-01")
    assert received.max() < pd.Timestamp("2024-11-01")
    closed = frame["datum_afgehandeld"] != ""
    assert 0.6 < closed.mean() < 0.95
    assert (pd.to_datetime(frame["datum_afgehandeld"][closed]) > received[closed]).all()
    assert (frame["status"] == np.where(closed, "afgehandeld", "open")).all()
    # every point lies inside a buurt of the areas (RD New)
    rd = areas.to_crs(national.RD_NEW)
    x, y = frame["x_rd"].astype(float), frame["y_rd"].astype(float)
    inside = shapely.contains_xy(shapely.union_all(rd.geometry.values), x, y)
    assert inside.all()
    assert national.mapping_file(first).is_file()


def test_signals_cluster_more_than_chance(tmp_path: Path) -> None:
    areas = national.national_boundaries(seed=3, wijken=WIJKEN)
    out = national.national_signals(areas, rows=20_000, out=tmp_path / "s.parquet")
    frame = pq.read_table(out, columns=["x_rd", "y_rd"]).to_pandas()
    rd = areas.to_crs(national.RD_NEW)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(frame["x_rd"], frame["y_rd"]), crs=national.RD_NEW
    )
    per_buurt = gpd.sjoin(points, rd, predicate="within")["area_code"].value_counts()
    rate = (per_buurt / rd[geo.POPULATION].reindex(per_buurt.index).clip(lower=1)).dropna()
    # buurten differ far more than Poisson noise would make them
    assert per_buurt.var() > 5 * per_buurt.mean()
    assert rate.quantile(0.9) > 2 * rate.quantile(0.5)


def test_validate_and_import_place_every_signal_in_a_buurt(tmp_path: Path) -> None:
    boundaries = national.write_national_boundaries(
        tmp_path / "b.gpkg", seed=3, gemeenten=["GM0233", "GM0243"], wijken=WIJKEN
    )
    areas = geo.load_boundaries(boundaries)
    signals = national.national_signals(areas, rows=3000, out=tmp_path / "s.csv")
    mapping = national.mapping_file(signals)
    store = tmp_path / "store"
    common = ("--preset", "generic", "--mapping", mapping, "--boundaries", boundaries)
    checked = cli("validate", signals, *common, "--store", store)
    assert checked.code == 0, checked.err
    assert not Store(store).exists()
    done = cli("import", signals, *common, "--store", store)
    assert done.code == 0, done.err
    cube = Store(store).cube()
    assert int(cube["count"].sum()) == 3000
    assert set(cube["area_code"]) <= set(areas.index)
    assert set(cube["domain"]) == {"fysiek", "sociaal"}


@pytest.mark.subprocess
def test_naive_baseline_writes_the_cube_the_import_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_import import NAIVE_IMPORT
    from bench_national import Case, baseline_config

    boundaries = national.write_national_boundaries(
        tmp_path / "b.gpkg", seed=3, gemeenten=["GM0233", "GM0243"], wijken=WIJKEN
    )
    signals = national.national_signals(
        geo.load_boundaries(boundaries), rows=3000, out=tmp_path / "s.csv"
    )
    mapping = national.mapping_file(signals)
    common = ("--preset", "generic", "--mapping", mapping, "--boundaries", boundaries)
    assert cli("import", signals, *common, "--store", tmp_path / "store").code == 0
    config = baseline_config(Case(boundaries, signals, mapping, 3000), tmp_path / "naive")
    subprocess.run([sys.executable, "-c", NAIVE_IMPORT, json.dumps(config)], check=True)

    dimensions = ["area_code", "month", "domain", "theme", "channel"]
    product = Store(tmp_path / "store").cube().groupby(dimensions)["count"].sum()
    naive = pd.read_parquet(tmp_path / "naive" / "cube.parquet").set_index(dimensions)["count"]
    pd.testing.assert_series_equal(naive.sort_index(), product.sort_index(), check_dtype=False)
    records = pd.read_parquet(tmp_path / "naive" / "signals.parquet")
    assert len(records) == 3000 and records["signal_id"].is_unique
