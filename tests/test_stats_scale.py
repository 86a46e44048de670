"""Statistics that scale: weights stored with the boundaries and read back unchanged, the vendored
esda computations equal to esda on real CBS wijken, progress of long permutation tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from esda.moran import Moran_Local_BV
from scipy import stats as sps

from regie_analytics import geo, stats
from regie_analytics.schema import AREA_CODE, COUNT, MONTH
from regie_analytics.stats import progress
from regie_analytics.stats.esda_vendored import _conditional_p, _gi_star_columns, _gi_star_p
from regie_analytics.stats.stored import (
    FOCAL,
    LEVEL,
    NEIGHBOUR,
    WEIGHTS_FILE,
    read_weights,
    stored_weights,
)
from regie_analytics.stats.trends import _mann_kendall_rows
from regie_analytics.stats.weights import _adjacency
from regie_analytics.store import Store

WIJKEN = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "nl_wijken_2016.geojson"
GRONINGEN = ["GM0009", "GM0014", "GM0017", "GM0056", "GM1730"]
"""Ten Boer, Groningen, Haren, Zuidhorn and Tynaarlo: 38 wijken, five gemeenten."""
UTRECHT_RD = (136_000.0, 456_000.0)
pytestmark = pytest.mark.filterwarnings(
    "ignore:The weights matrix is not fully connected:UserWarning"
)


@pytest.fixture(scope="module")
def wijken() -> gpd.GeoDataFrame:
    """The CBS wijken 2016 around Utrecht (centroid within 35 km), indexed by area code."""
    frame = gpd.read_file(WIJKEN)[["WKC", "GMC", "geometry"]]
    frame = frame.loc[~frame["WKC"].duplicated(keep=False)]
    centre = frame.geometry.centroid
    near = np.hypot(centre.x - UTRECHT_RD[0], centre.y - UTRECHT_RD[1]) < 35_000
    return frame.loc[near].rename(columns={"WKC": AREA_CODE}).set_index(AREA_CODE)


@pytest.fixture(scope="module")
def w(wijken):
    return stats.spatial_weights(wijken)


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


# --- weights stored with the boundaries --------------------------------------------------------


def test_stored_weights_are_the_computed_weights_of_every_level(bounded_store: Path) -> None:
    folder = Store(bounded_store).current
    assert folder is not None and (folder / WEIGHTS_FILE).exists()
    areas = Store(bounded_store).areas()
    edges = pd.read_parquet(folder / WEIGHTS_FILE)
    assert list(edges.columns) == [LEVEL, FOCAL, NEIGHBOUR]
    assert set(edges[LEVEL]) == {"wijk", "gemeente"}
    for level in ("wijk", "gemeente"):
        level_areas = geo.areas_at_level(areas, level)
        expected = stats.spatial_weights(level_areas)
        got = read_weights(folder, level, level_areas.index)
        assert got is not None
        assert list(got.id_order) == list(expected.id_order)
        assert got.neighbors == expected.neighbors  # the same lists, in the same order
        assert got.transform == "R"
        np.testing.assert_array_equal(got.sparse.toarray(), expected.sparse.toarray())
        rows = edges.loc[edges[LEVEL] == level]
        assert len(rows) == sum(len(n) for n in expected.neighbors.values())
        pairs = set(zip(rows[FOCAL], rows[NEIGHBOUR], strict=True))
        assert pairs == {(b, a) for a, b in pairs}  # both directions of every pair
    # the five gemeenten: neighbours exactly where their borders meet (shapely, in metres)
    gemeenten = geo.areas_at_level(areas, "gemeente").to_crs("EPSG:28992")
    got = read_weights(folder, "gemeente", gemeenten.index)
    assert got is not None
    for code, shape in gemeenten.geometry.items():
        touching = gemeenten.index[gemeenten.geometry.distance(shape) < 0.01].drop(code)
        assert sorted(got.neighbors[code]) == sorted(touching)
    assert sorted(got.neighbors["GM0014"])[:3] == ["GM0009", "GM0017", "GM0056"]


_NEIGHBOURS = (
    "import json, sys; import geopandas as gpd; from regie_analytics import stats; "
    "w = stats.spatial_weights(gpd.read_parquet(sys.argv[1])); "
    "print(json.dumps([w.neighbors[c] for c in w.id_order]))"
)


@pytest.mark.subprocess
def test_weights_are_the_same_in_every_process(wijken, w, tmp_path: Path) -> None:
    """Each area's neighbours come in the order of the areas, whatever the hash seed of the
    process (libpysal's own order follows the codes' hashes): weights stored by one process
    (the import's child) are the weights another computes, and so are the statistics' sums."""
    path = tmp_path / "wijken.parquet"
    wijken.to_parquet(path)
    root = str(Path(__file__).resolve().parents[1])
    runs = [
        subprocess.run(
            [sys.executable, "-c", _NEIGHBOURS, str(path)],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    here = [w.neighbors[c] for c in w.id_order]
    assert all(json.loads(run) == here for run in runs)
    position = {code: i for i, code in enumerate(w.id_order)}
    with_many = [n for n in here if len(n) > 3]
    assert with_many and all(n == sorted(n, key=position.__getitem__) for n in with_many)


def test_a_version_without_stored_weights_gets_them_computed(bounded_store: Path) -> None:
    folder = Store(bounded_store).current
    assert folder is not None
    wijken = geo.areas_at_level(Store(bounded_store).areas(), "wijk")
    other = pd.Index([*wijken.index[:-1], "WK999999"])
    assert read_weights(folder, "wijk", other) is None  # weights of other areas: not used
    (folder / WEIGHTS_FILE).unlink()  # as a store written before weights were stored
    assert read_weights(folder, "wijk", wijken.index) is None
    computed = stored_weights(folder, "wijk", wijken)
    assert computed.neighbors == stats.spatial_weights(wijken).neighbors


def test_new_versions_link_the_weights_of_the_same_boundaries(bounded_store: Path) -> None:
    store = Store(bounded_store)
    first = store.current
    assert first is not None
    population = pd.Series(1000.0, index=store.areas().index)
    store.set_population(population, source="test")  # areas.parquet rewritten, same borders
    second = store.current
    assert second is not None and second != first
    assert (second / WEIGHTS_FILE).stat().st_ino == (first / WEIGHTS_FILE).stat().st_ino
    assert (store.areas()["population"] == 1000.0).all()
    # other boundaries: new weights
    areas = geo.load_boundaries(_boundaries_file(bounded_store.parent))
    store.set_boundaries(areas.iloc[:20], {"file": "deel.geojson"})
    third = store.current
    assert third is not None
    assert (third / WEIGHTS_FILE).stat().st_ino != (first / WEIGHTS_FILE).stat().st_ino
    edges = pd.read_parquet(third / WEIGHTS_FILE)
    assert set(edges[FOCAL]) <= set(areas.index[:20]) | set(areas["gemeente_code"])


def test_an_older_store_version_still_gets_weights_in_the_snapshot(bounded_store: Path) -> None:
    from regie_analytics import snapshot

    folder = Store(bounded_store).current
    assert folder is not None
    (folder / WEIGHTS_FILE).unlink()
    version, key = snapshot.current(bounded_store) or ("", "")
    snap = snapshot.load(bounded_store, version=version, key=key)
    assert snap.weights("wijk").neighbors == (
        stats.spatial_weights(snap.areas_at("wijk")).neighbors
    )


# --- the vendored computations equal esda on real wijken -------------------------------------


@pytest.mark.parametrize(("permutations", "seed"), [(199, 0), (999, 17)])
def test_gi_star_equals_esda_on_wijken(wijken, w, permutations, seed):
    rng = np.random.default_rng(seed)
    counts = pd.Series(rng.poisson(6, len(wijken)).astype(float), index=wijken.index)
    rates = pd.Series(rng.gamma(2.0, 3.0, len(wijken)), index=wijken.index)
    assert len(wijken) > 300
    for values in (counts, rates):
        result = stats.hotspots(values, w, permutations=permutations, seed=seed)

        reference = G_Local(
            values.to_numpy(), w, transform="B", star=True, permutations=permutations, seed=seed
        )
        np.testing.assert_allclose(result["gi_z"].to_numpy(), reference.Zs, rtol=0, atol=1e-9)
        np.testing.assert_allclose(result["gi"].to_numpy(), reference.Gs, rtol=1e-12)
        np.testing.assert_array_equal(result["p"].to_numpy(), reference.p_sim)
        w.transform = "r"  # esda changed it; the statistics do not care


def test_bivariate_moran_equals_esda_on_wijken(wijken, w):
    rng = np.random.default_rng(3)
    x = pd.Series(rng.gamma(2.0, 3.0, len(wijken)), index=wijken.index)
    y = pd.Series(rng.poisson(4, len(wijken)).astype(float), index=wijken.index)

    result = stats.bivariate_moran(x, y, w, permutations=499, seed=9)

    reference = Moran_Local_BV(x.to_numpy(), y.to_numpy(), w, permutations=499, seed=9)
    np.testing.assert_allclose(result["I"].to_numpy(), reference.Is, rtol=1e-12)
    np.testing.assert_array_equal(result["p"].to_numpy(), reference.p_sim)
    np.testing.assert_array_equal(result["q"].to_numpy(dtype=int), reference.q)


def test_the_two_gi_star_permutation_computations_agree(wijken, w):
    """Gi*'s p-values in areas x permutations steps equal the general computation (one
    matrix-vector product per area), for counts with many ties, seed after seed."""
    adj = _adjacency(w)
    for seed in range(5):
        y = np.random.default_rng(seed).poisson(2, len(wijken)).astype(float)
        gi = _gi_star_columns(y[:, None], adj)[0][:, 0]
        total = y.sum()

        def statistic(rows: np.ndarray, lags: np.ndarray, y=y, total=total) -> np.ndarray:
            return (lags + 1.0 * y[rows, None]) / total

        general = _conditional_p(y, adj, gi, statistic, permutations=99, seed=seed)
        fast = _gi_star_p(y, adj, gi, permutations=99, seed=seed)
        np.testing.assert_array_equal(fast, general.astype(np.float32).astype(float))


def test_hotspots_report_their_progress(wijken, w):
    shares: list[float] = []
    values = pd.Series(np.arange(len(wijken), dtype=float), index=wijken.index)
    with progress.reporting(shares.append):
        stats.hotspots(values, w, permutations=999, seed=123)
    assert shares and shares[-1] == 1.0
    assert shares == sorted(shares)
    assert any(0.5 < share < 1.0 for share in shares)  # reported along the way
    progress.report(0.3)  # outside reporting: nobody listens
    assert shares[-1] == 1.0


# --- emerging hot spots: one adjacency for all months ----------------------------------------


def _mann_kendall_pairs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S and the tie term by their definition: every pair of months, every value's ties."""
    n = x.shape[1]
    s = np.array(
        [sum(np.sign(row[j] - row[i]) for i in range(n) for j in range(i + 1, n)) for row in x]
    )
    ties = np.array(
        [sum((t - 1) * (2 * t + 5) * t for t in np.unique(row, return_counts=True)[1]) for row in x]
    )
    return s, ties


def test_mann_kendall_rows_by_the_definition():
    x = np.random.default_rng(4).poisson(2, (60, 14)).astype(float)  # many ties
    s, var_s, z, _, _ = _mann_kendall_rows(x)
    expected_s, ties = _mann_kendall_pairs(x)
    np.testing.assert_array_equal(s, expected_s)
    np.testing.assert_allclose(var_s, (14 * 13 * 33 - ties) / 18.0, rtol=1e-15)
    one = sps.norm.sf(abs(z[0])) * 2
    assert stats.mann_kendall(x[0]).p == pytest.approx(one)


def test_emerging_hotspots_follow_the_monthly_gi_star(wijken, w):
    rng = np.random.default_rng(8)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    codes = wijken.index.to_numpy()
    core = [codes[40], *w.neighbors[codes[40]]]
    frames = []
    for t, month in enumerate(months):
        counts = rng.poisson(3, len(codes)).astype(float)
        counts[np.isin(codes, core)] += 4 * t  # a cluster growing month by month
        frames.append(pd.DataFrame({AREA_CODE: codes, MONTH: month, COUNT: counts}))
    long = pd.concat(frames, ignore_index=True)

    result = stats.emerging_hotspots(long, w)
    bins = stats.gi_star_by_month(long, w)

    z = bins.pivot(index=AREA_CODE, columns=MONTH, values="gi_z").reindex(result.index)
    p = bins.pivot(index=AREA_CODE, columns=MONTH, values="p_fdr").reindex(result.index)
    own = bins.pivot(index=AREA_CODE, columns=MONTH, values=COUNT).reindex(result.index)
    hot = (p.to_numpy() <= 0.05) & (z.to_numpy() > 0) & (own.to_numpy() >= 5)
    np.testing.assert_array_equal(result["maanden_hot"].to_numpy(), hot.sum(axis=1))
    np.testing.assert_array_equal(result["gi_z_laatste"].to_numpy(), z.iloc[:, -1].to_numpy())
    assert result.loc[codes[40], "klasse"] in {
        "intensiverende hotspot",
        "opeenvolgende hotspot",
        "nieuwe hotspot",
        "sporadische hotspot",
    }
    assert result.loc[codes[40], "trend_z"] > 0
