"""Tests of the seeded demo generator (small scale, so fast)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from regie_analytics.demo import (
    DEMO_SOURCE_NOTE,
    PATRONEN,
    THEMES,
    DemoData,
    DemoFiles,
    build_demo,
    generate_demo,
)
from regie_analytics.schema import NO_LOCATION, OUTSIDE

SCALE = 0.02
SEED = 20261127


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo_a"), seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return build_demo(seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def large() -> DemoData:
    """A larger build for statistical checks, where Poisson noise at SCALE would dominate."""
    return build_demo(seed=SEED, scale=0.5)


@pytest.fixture(scope="module")
def buurten(data: DemoData) -> gpd.GeoDataFrame:
    return gpd.read_file(data.boundaries)[["cbsCode", "geometry"]]


@pytest.fixture(scope="module")
def rates(large: DemoData) -> pd.DataFrame:
    """Physical and social counts and rates per 1,000 inhabitants per buurt."""
    data = large
    population = data.population.set_index("area_code")["population"]
    physical = data.signal_buurt.value_counts().reindex(population.index, fill_value=0)
    social = data.social.groupby("area_code")["count"].sum().reindex(population.index, fill_value=0)
    return pd.DataFrame(
        {
            "population": population,
            "physical": physical,
            "social": social,
            "physical_rate": physical / population * 1000,
            "social_rate": social / population * 1000,
            "patroon": data.truth.set_index("area_code")["patroon"],
            "cluster_id": data.truth.set_index("area_code")["cluster_id"],
        }
    )


def _all_files(files: DemoFiles) -> list[Path]:
    return [
        files.signals,
        files.locations,
        files.categories,
        files.statuses,
        files.social,
        files.population,
        files.truth,
        files.readme,
    ]


# --- files and determinism -------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(written: DemoFiles, tmp_path: Path) -> None:
    again = generate_demo(tmp_path, seed=SEED, scale=SCALE)
    for first, second in zip(_all_files(written), _all_files(again), strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_other_seed_gives_other_data(written: DemoFiles, tmp_path: Path) -> None:
    other = generate_demo(tmp_path, seed=SEED + 1, scale=SCALE)
    assert other.signals.read_bytes() != written.signals.read_bytes()
    assert other.social.read_bytes() != written.social.read_bytes()
    assert other.population.read_bytes() != written.population.read_bytes()


def test_written_files_are_the_built_frames(written: DemoFiles, data: DemoData) -> None:
    signals = pd.read_csv(written.signals)
    pd.testing.assert_frame_equal(signals, data.signals, check_dtype=False)
    assert (
        written.locations.read_text(encoding="utf-8").splitlines()[1:3]
        == data.locations.head(2)
        .to_csv(index=False, header=False, float_format="%.6f")
        .splitlines()
    )


def test_file_layout_is_the_contract(written: DemoFiles) -> None:
    headers = {
        written.signals: "id,signal_uuid,source,text,created_at,updated_at,"
        "category_assignment_id,location_id,status_id",
        written.locations: "id,lat,lng,stadsdeel,buurt_code,address_text,area_code,area_name,"
        "_signal_id",
        written.categories: "id,main,sub,departments,deadline,_signal_id",
        written.statuses: "id,text,state_display,state,created_at,_signal_id",
        written.social: "area_code,period,theme,channel,count",
        written.population: "area_code,population,gegenereerd",
        written.truth: "area_code,patroon,cluster_id",
    }
    for path, header in headers.items():
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == header, path.name
    assert written.signalen_dir == written.root / "signalen"
    readme = written.readme.read_text(encoding="utf-8")
    assert "gegenereerd, geen echte meldingen of personen" in readme
    assert str(SEED) in readme
    assert DEMO_SOURCE_NOTE.startswith("Gegenereerde demodata: geen echte meldingen")


def test_signal_tables_join_one_to_one(data: DemoData) -> None:
    n = len(data.signals)
    assert data.signals["id"].tolist() == list(range(1, n + 1))
    assert data.signals["signal_uuid"].is_unique
    for frame, key in (
        (data.locations, "location_id"),
        (data.categories, "category_assignment_id"),
        (data.statuses, "status_id"),
    ):
        assert frame["_signal_id"].tolist() == data.signals["id"].tolist()
        assert frame["id"].tolist() == data.signals[key].tolist()
        assert not frame["id"].isin(data.signals["id"]).all()  # own id sequence
    assert (data.signals["text"] == "(gegenereerde tekst)").all()
    assert (data.locations["buurt_code"] == "").all()
    # volume: 0.172 per inhabitant per year over 36 months, times the scale
    expected = 0.172 * 931_298 * 3 * SCALE
    assert abs(n - expected) < 0.05 * expected


# --- population ------------------------------------------------------------------------------


def test_population_sums_to_real_amsterdam_total(data: DemoData) -> None:
    kern = gpd.read_file(data.kerncijfers)
    total = int(kern.loc[kern["gemeentecode"] == "GM0363", "aantal_inwoners"].iloc[0])
    assert total == 931_298
    population = data.population.set_index("area_code")["population"]
    assert population.sum() == total
    assert len(population) == 518
    assert (population >= 0).all()
    assert (population < 100).sum() >= 10
    assert population[population.index.str[6] == "B"].max() < 100  # Westpoort
    assert population.between(500, 4000).mean() > 0.65
    assert 1000 < population.median() < 3000
    assert 6000 < population.max() <= 10_000
    assert (data.population["gegenereerd"] == "ja").all()


# --- locations -------------------------------------------------------------------------------


def test_lat_column_holds_longitude_as_in_the_real_export(data: DemoData) -> None:
    located = data.locations.dropna(subset=["lat", "lng"])
    assert located["lat"].between(4.7, 5.11).all()  # Weesp reaches 5.105
    assert located["lng"].between(52.2, 52.5).all()


def test_points_lie_in_their_buurt(data: DemoData, buurten: gpd.GeoDataFrame) -> None:
    intended = data.signal_buurt
    sample = intended[intended.str.startswith("BU0363")].sample(2000, random_state=1)
    loc = data.locations.set_index("_signal_id").loc[sample.index]
    points = gpd.GeoDataFrame(
        {"_signal_id": sample.index},
        geometry=gpd.points_from_xy(loc["lat"], loc["lng"]),
        crs=buurten.crs,
    )
    joined = gpd.sjoin(points, buurten, how="left", predicate="within")
    assert len(joined) == len(points)
    assert joined.set_index("_signal_id")["cbsCode"].loc[sample.index].tolist() == sample.tolist()


def test_outside_points_are_near_but_not_in_amsterdam(
    data: DemoData, buurten: gpd.GeoDataFrame
) -> None:
    ids = data.signal_buurt.index[data.signal_buurt == OUTSIDE]
    loc = data.locations.set_index("_signal_id").loc[ids]
    assert (loc["stadsdeel"] == "").all()
    points = gpd.GeoSeries(gpd.points_from_xy(loc["lat"], loc["lng"]), crs=buurten.crs)
    amsterdam = shapely.union_all(buurten.geometry.to_numpy())
    assert not points.within(amsterdam).any()
    distance = points.to_crs(28992).distance(
        gpd.GeoSeries([amsterdam], crs=buurten.crs).to_crs(28992).iloc[0]
    )
    assert distance.between(250, 3100).all()


def test_shares_of_planted_data_problems(data: DemoData) -> None:
    n = len(data.signals)
    no_location = data.locations["lat"].isna()
    assert (no_location == (data.signal_buurt == NO_LOCATION).to_numpy()).all()
    assert 0.007 < no_location.mean() < 0.013
    assert 0.003 < (data.signal_buurt == OUTSIDE).mean() < 0.008
    tree = pd.read_csv(data.taxonomy, dtype=str)
    known = set(zip(tree["main_slug"], tree["sub_slug"], strict=True))
    pairs = list(zip(data.categories["main"], data.categories["sub"], strict=True))
    unknown = np.array([p not in known for p in pairs])
    assert 0.001 < unknown.mean() < 0.006
    assert set(data.categories.loc[unknown, "departments"]) == {""}
    assert n > 5000


def test_category_mix_is_realistic(data: DemoData) -> None:
    share = data.categories["main"].value_counts(normalize=True)
    assert share.index[0] == "afval"
    assert share["afval"] > 0.2 and share["schoon"] > 0.1
    assert share["wegen-verkeer-straatmeubilair"] > share["overlast-van-dieren"]
    assert share["openbaar-groen-en-water"] > share["civiele-constructies"]
    assert data.signals["source"].value_counts().index[0] == "online"


# --- time and status -------------------------------------------------------------------------


def test_timestamps_are_amsterdam_local_with_offset(data: DemoData) -> None:
    created = data.signals["created_at"]
    assert created.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00").all()
    parsed = pd.to_datetime(created, format="ISO8601", utc=True)
    local = parsed.dt.tz_convert("Europe/Amsterdam")
    assert (local.dt.strftime("%Y-%m-%dT%H:%M:%S") == created.str[:19]).all()
    assert created.str[:7].min() == "2023-11" and created.str[:7].max() == "2026-10"
    assert parsed.is_monotonic_increasing
    night = local.dt.hour.isin([2, 3, 4]).mean()
    morning = local.dt.hour.isin([9, 10, 11]).mean()
    assert morning > 10 * night


def test_statuses_close_within_the_window(data: DemoData) -> None:
    st = data.statuses
    assert set(st["state"]) <= {"m", "b", "o", "a"}
    assert (
        st["state_display"]
        == st["state"].map(
            {"m": "Gemeld", "b": "In behandeling", "o": "Afgehandeld", "a": "Geannuleerd"}
        )
    ).all()
    created = pd.to_datetime(data.signals["created_at"], format="ISO8601", utc=True)
    changed = pd.to_datetime(st["created_at"], format="ISO8601", utc=True)
    end = pd.Timestamp("2026-11-01", tz="Europe/Amsterdam")
    assert (changed >= created).all() and (changed < end).all()
    assert (data.signals["updated_at"] == st["created_at"]).all()
    is_open = st["state"].isin(["m", "b"])
    month = data.signals["created_at"].str[:7]
    assert is_open[month == "2026-10"].mean() > 0.1
    assert is_open[month < "2026-01"].mean() < 0.02
    lead = (changed - created).dt.total_seconds() / 86400
    median = lead[st["state"] == "o"].groupby(data.categories["main"]).median()
    assert 1 < median["afval"] < 3.5
    assert (
        median["afval"] < median["wegen-verkeer-straatmeubilair"] < median["civiele-constructies"]
    )
    assert 7 < median["openbaar-groen-en-water"] < 14


# --- planted structure -----------------------------------------------------------------------


def test_truth_describes_every_buurt(data: DemoData, buurten: gpd.GeoDataFrame) -> None:
    truth = data.truth.set_index("area_code")
    assert sorted(truth.index) == sorted(buurten["cbsCode"])
    assert set(truth["patroon"]) == set(PATRONEN)
    clusters = truth.dropna(subset=["cluster_id"])
    assert set(clusters["patroon"]) == {"beide_hoog", "alleen_sociaal", "alleen_fysiek"}
    assert (
        truth.loc[truth["cluster_id"].isna(), "patroon"].isin(["geen", "stijgend", "dalend"]).all()
    )
    both = clusters[clusters["patroon"] == "beide_hoog"]
    assert 3 <= both["cluster_id"].nunique() <= 4
    geoms = buurten.set_index("cbsCode").geometry
    for _, group in clusters.groupby("cluster_id"):
        assert group["patroon"].nunique() == 1
        assert len(group) >= 3
        union = shapely.union_all(shapely.buffer(geoms[group.index].to_numpy(), 1e-6))
        assert union.geom_type == "Polygon", "a cluster is contiguous"


def test_beide_hoog_is_high_in_both_domains(rates: pd.DataFrame) -> None:
    residential = rates[rates["population"] >= 500]
    median_phys = residential["physical_rate"].median()
    median_soc = residential["social_rate"].median()
    both = rates[rates["patroon"] == "beide_hoog"]
    for _, group in both.groupby("cluster_id"):
        pop = group["population"].sum()
        assert group["physical"].sum() / pop * 1000 > 1.8 * median_phys
        assert group["social"].sum() / pop * 1000 > 1.8 * median_soc
    assert (both["physical_rate"] > median_phys).mean() > 0.8
    assert (both["social_rate"] > median_soc).mean() > 0.8


def test_alleen_clusters_are_high_in_one_domain_only(rates: pd.DataFrame) -> None:
    residential = rates[rates["population"] >= 500]
    median = {
        "physical": residential["physical_rate"].median(),
        "social": residential["social_rate"].median(),
    }
    for kind, high, normal in (
        ("alleen_sociaal", "social", "physical"),
        ("alleen_fysiek", "physical", "social"),
    ):
        for _, group in rates[rates["patroon"] == kind].groupby("cluster_id"):
            pop = group["population"].sum()
            assert group[high].sum() / pop * 1000 > 1.8 * median[high], kind
            assert group[normal].sum() / pop * 1000 < 1.6 * median[normal], kind


def test_physical_peaks_in_summer_and_at_new_year(large: DemoData) -> None:
    data = large
    per_month = data.signals["created_at"].str[5:7].astype(int).value_counts()
    summer = per_month[[6, 7, 8]]
    assert summer.min() > per_month[[2, 3, 4, 10, 11]].max()
    assert per_month[1] > per_month[[2, 3, 10, 11, 12]].max()
    social = data.social.groupby(data.social["period"].str[5:7].astype(int))["count"].sum()
    assert social[[7, 8]].mean() < 0.85 * social.drop([7, 8]).mean()
    fireworks = data.signals.loc[
        data.categories["sub"] == "overlast-door-afsteken-vuurwerk", "created_at"
    ].str[5:10]
    assert fireworks.isin(["12-29", "12-30", "12-31", "01-01", "01-02"]).mean() > 0.3


def test_social_counts_use_the_themes_and_channels(data: DemoData) -> None:
    social = data.social
    assert set(social["theme"]) == set(THEMES)
    assert set(social["channel"]) == {"wijkteam", "KCC"}
    assert (social["count"] > 0).all()
    assert not social.duplicated(["area_code", "period", "theme", "channel"]).any()
    assert social["period"].str.fullmatch(r"\d{4}-\d\d").all()
    expected = 0.05 * 931_298 * 3 * SCALE
    assert abs(social["count"].sum() - expected) < 0.08 * expected


def test_trend_buurten_rise_and_fall(large: DemoData) -> None:
    big = large
    patroon = big.truth.set_index("area_code")["patroon"]
    month = big.signals["created_at"].str[:7].to_numpy()
    physical = pd.DataFrame({"area_code": big.signal_buurt.to_numpy(), "period": month})
    # expected last/first year: stijgend ~1.4, dalend ~0.72, geen ~1.03-1.08 (national trend)
    for kind, low, high in (("stijgend", 1.15, 1.8), ("dalend", 0.5, 0.9), ("geen", 0.97, 1.15)):
        members = patroon.index[patroon == kind]
        for frame, weight in ((physical.assign(count=1), "count"), (big.social, "count")):
            part = frame[frame["area_code"].isin(members)]
            first = part.loc[part["period"] < "2024-11", weight].sum()
            last = part.loc[part["period"] >= "2025-11", weight].sum()
            assert low < last / first < high, kind


def test_invalid_arguments_are_refused_in_dutch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="groter dan 0"):
        generate_demo(tmp_path, scale=0)
    with pytest.raises(ValueError, match="maand"):
        build_demo(start="november", scale=SCALE)
