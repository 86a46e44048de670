"""Spatial statistics on the real 518 Amsterdam buurten: library references and planted truths."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from esda.moran import Moran_Local_BV
from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
from libpysal.weights import Queen
from scipy import stats as sps

from regie_analytics import stats
from regie_analytics.schema import AREA_CODE, COUNT, DEPARTMENT, MONTH, THEME
from regie_analytics.stats.emerging import _emerging_class
from regie_analytics.stats.esda_vendored import _draws
from regie_analytics.stats.weights import _subset

BUURTEN = (
    Path(__file__).resolve().parents[1] / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"
)
pytestmark = pytest.mark.filterwarnings(
    # libpysal's notice when building reference weights/statistics directly in a test
    "ignore:The weights matrix is not fully connected:UserWarning"
)


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    frame = gpd.read_file(BUURTEN)[["cbsCode", "naam", "geometry"]]
    frame = frame.rename(columns={"cbsCode": AREA_CODE}).set_index(AREA_CODE)
    rng = np.random.default_rng(2024)
    frame["population"] = rng.integers(300, 8000, len(frame)).astype(float)
    frame["area_km2"] = frame.geometry.to_crs("EPSG:28992").area / 1e6
    return frame


@pytest.fixture(scope="module")
def w(areas):
    return stats.spatial_weights(areas)


def planted_cluster(areas, w, position: int) -> list[str]:
    core = areas.index[position]
    return [core, *stats.neighbours(areas, core, w=w)]


# --- weights -----------------------------------------------------------------------------------


def test_weights_are_queen_contiguity_row_standardised(areas, w):
    reference = Queen.from_dataframe(areas, use_index=True)
    assert list(w.id_order) == list(areas.index)
    assert w.transform == "R"
    assert {k: set(v) for k, v in w.neighbors.items()} == {
        k: set(v) for k, v in reference.neighbors.items()
    }
    row_sums = np.asarray(w.sparse.sum(axis=1)).ravel()
    np.testing.assert_allclose(row_sums, 1.0)


def test_island_gets_its_nearest_area_as_neighbour(areas):
    island = areas.index[150]
    first_ring = stats.neighbours(areas, island)
    rest = areas.drop(index=first_ring)
    centroids = rest.geometry.to_crs("EPSG:28992").centroid
    distance = centroids.distance(centroids[island]).drop(index=island)
    nearest = distance.idxmin()

    w = stats.spatial_weights(rest)

    assert w.neighbors[island] == [nearest]
    assert island in w.neighbors[nearest]
    assert w.islands == []
    np.testing.assert_allclose(np.asarray(w.sparse.sum(axis=1)).ravel(), 1.0)


def test_neighbours_for_the_profile(areas, w):
    code = areas.index[0]
    assert stats.neighbours(areas, code, w=w) == sorted(w.neighbors[code])
    with pytest.raises(ValueError, match="Onbekende gebiedscode"):
        stats.neighbours(areas, "BU0000XX00", w=w)
    with pytest.raises(ValueError, match="queen"):
        stats.spatial_weights(areas, kind="knn")


# --- rates -------------------------------------------------------------------------------------


def test_rate_per_1000_and_per_km2_by_hand():
    counts = pd.Series({"a": 5, "b": 3})
    population = pd.Series({"a": 2500.0, "b": np.nan, "c": 1000.0, "d": 0.0})
    rate = stats.rate_per_1000(counts, population)
    assert rate["a"] == 2.0
    assert rate["c"] == 0.0  # no signals: 0 per 1,000
    assert np.isnan(rate["b"]) and np.isnan(rate["d"])
    density = stats.per_km2(counts, pd.Series({"a": 2.0, "b": 0.5, "c": 0.0}))
    assert density[["a", "b"]].tolist() == [2.5, 6.0]
    assert np.isnan(density["c"])


def test_location_quotient_two_areas_by_hand():
    # shares 2/10 and 8/10 against 10/20 overall -> 0.4 and 1.6
    lq = stats.location_quotient(pd.Series({"a": 2, "b": 8}), pd.Series({"a": 10, "b": 10}))
    assert lq.to_dict() == pytest.approx({"a": 0.4, "b": 1.6})
    with_empty = stats.location_quotient(pd.Series({"a": 2}), pd.Series({"a": 10, "b": 0}))
    assert with_empty["a"] == pytest.approx(1.0)
    assert np.isnan(with_empty["b"])


@pytest.fixture(scope="module")
def counts(areas) -> pd.Series:
    rng = np.random.default_rng(7)
    risk = 0.02 * rng.gamma(4.0, 0.25, len(areas))
    return pd.Series(rng.poisson(risk * areas["population"].to_numpy()), index=areas.index)


def test_global_eb_equals_esda(areas, counts):
    reference = Empirical_Bayes(counts.to_numpy(), areas["population"].to_numpy()).r.ravel()
    smoothed = stats.eb_smoothed_rate(counts, areas["population"])
    np.testing.assert_allclose(smoothed.to_numpy(), reference * 1000, rtol=1e-12)


def test_local_eb_equals_esda(areas, counts, w):
    reference = Spatial_Empirical_Bayes(
        counts.to_numpy(), areas["population"].to_numpy(), copy.deepcopy(w)
    ).r.ravel()
    smoothed = stats.eb_smoothed_rate(counts, areas["population"], w=w, scope="local")
    np.testing.assert_allclose(smoothed.to_numpy(), reference * 1000, rtol=1e-10)
    assert w.transform == "R"  # esda's own call switches transforms; ours leaves w alone


def test_eb_shrinks_small_areas_and_skips_missing_population(areas, counts):
    population = areas["population"].copy()
    population.iloc[:3] = [np.nan, 0.0, 40.0]
    raw = stats.rate_per_1000(counts, population)
    smoothed = stats.eb_smoothed_rate(counts, population)
    assert smoothed.iloc[:2].isna().all()
    overall = counts.iloc[2:].sum() / population.iloc[2:].sum() * 1000
    known = smoothed.notna()
    assert ((smoothed[known] - overall).abs() <= (raw[known] - overall).abs() + 1e-9).all()
    with pytest.raises(ValueError, match="gewichten"):
        stats.eb_smoothed_rate(counts, population, scope="local")


# --- hot spots ---------------------------------------------------------------------------------


def test_hotspots_equal_esda_g_local(areas, counts, w):
    values = stats.rate_per_1000(counts, areas["population"])
    before = np.random.get_state()[1].copy()

    result = stats.hotspots(values, w, permutations=199, seed=11)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # esda reseeds numpy

    reference = G_Local(
        values.to_numpy(), w, transform="B", star=True, permutations=199, seed=11, n_jobs=1
    )
    np.testing.assert_array_equal(result["gi_z"].to_numpy(), reference.Zs)
    np.testing.assert_array_equal(result["gi"].to_numpy(), reference.Gs)
    np.testing.assert_array_equal(result["p"].to_numpy(), reference.p_sim)
    expected_fdr = sps.false_discovery_control(np.minimum(1, 2 * reference.p_sim))
    np.testing.assert_allclose(result["p_fdr"].to_numpy(), expected_fdr)
    assert set(result["klasse"]) <= set(stats.HOTSPOT_CLASSES)
    assert list(result.index) == list(areas.index)
    assert w.transform == "R"


def test_gi_star_by_month_where_one_area_borders_all_others():
    """Ermelo's three wijken: one borders both others, so its neighbourhood (with itself) is
    every area and Gi* has no variance (0/0 in esda). It has no clustering (z 0, p 1), the
    others keep esda's z-scores, and the adjustment over the month does not fail."""
    from libpysal.weights import W

    star = W({"A": ["B", "C"], "B": ["A"], "C": ["A"]})
    counts = [[0.0, 0.0, 0.0], [1.0, 7.0, 0.0]] + [[m % 3, 2.0, m % 5] for m in range(10)]
    long = pd.DataFrame(
        {
            AREA_CODE: ["A", "B", "C"] * 12,
            MONTH: [f"2025-{m:02d}" for m in range(1, 13) for _ in range(3)],
            COUNT: np.ravel(counts),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        reference = G_Local(
            np.array([1.0, 7.0, 0.0]), copy.deepcopy(star), transform="B", star=True, permutations=0
        )
    assert np.isnan(reference.Zs[0]) and np.isfinite(reference.Zs[1:]).all()

    result = stats.gi_star_by_month(long, star).set_index([MONTH, AREA_CODE])

    assert result.loc[("2025-02", "A"), "gi_z"] == 0 and result.loc[("2025-02", "A"), "p"] == 1
    got = result.loc["2025-02"].loc[["B", "C"], "gi_z"].to_numpy()
    np.testing.assert_allclose(got, reference.Zs[1:], rtol=1e-12)
    assert (result.loc["2025-01", "gi_z"] == 0).all()
    assert result["p_fdr"].between(0, 1).all()
    spots = stats.emerging_hotspots(long, star, seed=0)  # the page's call: no error
    assert set(spots.index) == {"A", "B", "C"}


def test_gi_star_by_month_equals_esda_month_by_month(areas, w):
    rng = np.random.default_rng(11)
    months = [f"2025-{m:02d}" for m in range(1, 7)]
    rows = []
    for t, month in enumerate(months):
        counts = rng.poisson(3 + t, len(areas)).astype(float)
        if month == "2025-05":
            counts[:] = 4.0  # the same everywhere: no clustering
        if month == "2025-06":
            counts[:] = 0.0  # no signals at all
        rows.append(pd.DataFrame({AREA_CODE: areas.index, MONTH: month, COUNT: counts}))
    long = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=3)

    result = stats.gi_star_by_month(long, w)

    assert len(result) == len(areas) * len(months)
    order = list(w.id_order)
    for month in months[:4]:
        got = result.loc[result[MONTH] == month].set_index(AREA_CODE).loc[order]
        y = long.loc[long[MONTH] == month].set_index(AREA_CODE)[COUNT].loc[order].to_numpy()
        reference = G_Local(y, copy.deepcopy(w), transform="B", star=True, permutations=0)
        np.testing.assert_allclose(got["gi_z"].to_numpy(), reference.Zs, rtol=1e-12, atol=0)
        np.testing.assert_allclose(got["count"].to_numpy(), y)
        np.testing.assert_allclose(got["p"].to_numpy(), 2 * sps.norm.sf(np.abs(reference.Zs)))
    for month in months[4:]:
        flat = result.loc[result[MONTH] == month]
        assert (flat["gi_z"] == 0).all() and (flat["p"] == 1).all()


def test_hotspots_find_a_planted_cluster(areas, w):
    cluster = planted_cluster(areas, w, 100)
    rng = np.random.default_rng(3)
    risk = np.where(areas.index.isin(cluster), 5.0, 1.0) * 0.01
    rate = stats.rate_per_1000(
        pd.Series(rng.poisson(risk * areas["population"].to_numpy()), index=areas.index),
        areas["population"],
    )

    result = stats.hotspots(rate, w, seed=0)

    assert result.loc[cluster[0], "klasse"] in {"hotspot 99%", "hotspot 95%"}
    hot = result.index[result["klasse"].str.startswith("hotspot")]
    assert set(hot) <= set(cluster) | set().union(*(w.neighbors[c] for c in cluster))
    assert not result["klasse"].str.startswith("coldspot").any()


def test_hotspots_on_random_patterns_respect_the_fdr(areas, w):
    flagged, unadjusted = [], []
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        values = pd.Series(rng.poisson(20, len(areas)).astype(float), index=areas.index)
        result = stats.hotspots(values, w, permutations=999, seed=seed)
        flagged.append(
            result["klasse"]
            .isin(["hotspot 95%", "hotspot 99%", "coldspot 95%", "coldspot 99%"])
            .mean()
        )
        raw = stats.hotspots(values, w, permutations=999, seed=seed, fdr=False)
        unadjusted.append((raw["p_fdr"] <= 0.05).mean())
    assert np.mean(flagged) <= 0.01
    # without the FDR step about 5% of the areas would be flagged at 95%: the test can fail
    assert 0.03 <= np.mean(unadjusted) <= 0.07


def test_hotspots_missing_values_and_flat_field(areas, w):
    values = pd.Series(1.0, index=areas.index)
    values.iloc[0] = np.nan
    result = stats.hotspots(values, w, permutations=99)
    assert result["klasse"].iloc[0] == stats.NO_DATA
    assert (result["klasse"].iloc[1:] == "niet significant").all()
    with pytest.raises(ValueError, match="0 of meer"):
        stats.hotspots(-values.fillna(1.0), w, permutations=99)


def test_area_cut_off_by_missing_values_borrows_the_next_ring(areas, w):
    code = areas.index[150]
    ring = set(w.neighbors[code])
    second_ring = set().union(*(w.neighbors[n] for n in ring)) - ring - {code}
    values = pd.Series(np.random.default_rng(0).poisson(10, len(areas)), index=areas.index)
    values = values.astype(float)
    values[sorted(ring)] = np.nan

    result = stats.hotspots(values, w, permutations=99)

    assert (result.loc[sorted(ring), "klasse"] == stats.NO_DATA).all()
    # Gi* with binary weights: (own value + neighbours' values) / total of all known values
    expected = (values[code] + values[sorted(second_ring)].sum()) / values.sum()
    assert result.loc[code, "gi"] == pytest.approx(expected)


# --- social x physical -------------------------------------------------------------------------


def test_vendored_esda_computations_match_the_installed_esda() -> None:
    # the vectorised copies (bivariate Moran p-values, Gi* by month) were checked equal to this
    # esda release; another one must be compared by the tests below before it is used
    assert esda.__version__ == stats.ESDA_MATCHED_VERSION, (
        f"esda {esda.__version__} is installed, the vendored code matches "
        f"{stats.ESDA_MATCHED_VERSION}: run the equality tests and update the constant"
    )


def test_bivariate_moran_equals_esda(areas, counts, w):
    rng = np.random.default_rng(5)
    x = pd.Series(rng.normal(10, 2, len(areas)), index=areas.index)
    y = counts.astype(float)

    result = stats.bivariate_moran(x, y, w, permutations=199, seed=4)

    reference = Moran_Local_BV(x.to_numpy(), y.to_numpy(), w, permutations=199, seed=4)
    np.testing.assert_allclose(result["I"].to_numpy(), reference.Is, rtol=1e-12)
    np.testing.assert_array_equal(result["p"].to_numpy(), reference.p_sim)
    np.testing.assert_array_equal(result["q"].to_numpy(dtype=int), reference.q)
    labels = {1: "hoog-hoog", 2: "laag-hoog", 3: "laag-laag", 4: "hoog-laag"}
    expected = np.where(
        reference.p_sim <= 0.05, [labels[q] for q in reference.q], "niet significant"
    )
    assert result["cluster"].tolist() == expected.tolist()


@pytest.mark.parametrize(("permutations", "seed"), [(99, 0), (199, 7), (999, 20261127)])
def test_bivariate_moran_p_values_equal_esda_with_missing_areas(areas, w, permutations, seed):
    """The vectorised conditional randomisation gives esda's p_sim exactly, also when areas
    drop out (NaN) and their neighbours borrow the next ring."""
    rng = np.random.default_rng(seed)
    x = pd.Series(rng.gamma(2.0, 3.0, len(areas)), index=areas.index)
    y = pd.Series(rng.poisson(4, len(areas)).astype(float), index=areas.index)
    x.iloc[rng.choice(len(areas), 40, replace=False)] = np.nan

    result = stats.bivariate_moran(x, y, w, permutations=permutations, seed=seed)

    keep = x.notna().to_numpy()
    sub = _subset(w, keep)
    order = list(sub.id_order)
    reference = Moran_Local_BV(
        x.loc[order].to_numpy(),
        y.loc[order].to_numpy(),
        sub,
        permutations=permutations,
        seed=seed,
    )
    assert result["p"].isna().sum() == 40
    np.testing.assert_array_equal(result.loc[order, "p"].to_numpy(), reference.p_sim)
    np.testing.assert_allclose(result.loc[order, "I"].to_numpy(), reference.Is, rtol=1e-12)


@pytest.mark.parametrize("chunk", [1, 997, 10**9])
def test_bivariate_moran_p_values_do_not_depend_on_the_step_size(areas, w, monkeypatch, chunk):
    """However many areas one step of the conditional randomisation takes (one area, a few
    hundred values, all at once), the p-values are esda's."""
    from regie_analytics.stats import esda_vendored

    monkeypatch.setattr(esda_vendored, "_CHUNK_VALUES", chunk)
    rng = np.random.default_rng(11)
    x = pd.Series(rng.gamma(2.0, 3.0, len(areas)), index=areas.index)
    y = pd.Series(rng.poisson(4, len(areas)).astype(float), index=areas.index)

    result = stats.bivariate_moran(x, y, w, permutations=99, seed=3)

    reference = Moran_Local_BV(x.to_numpy(), y.to_numpy(), w, permutations=99, seed=3)
    np.testing.assert_array_equal(result["p"].to_numpy(), reference.p_sim)


def test_random_draws_are_esdas():
    from esda.crand import vec_permutations

    state = np.random.get_state()
    expected = vec_permutations(13, 461, 99, 7)  # seeds numpy's global generator
    np.random.set_state(state)
    np.testing.assert_array_equal(_draws(13, 461, 99, 7), expected)


def test_samenhang_finds_an_area_high_in_both_domains(areas, w):
    cluster = planted_cluster(areas, w, 200)
    rng = np.random.default_rng(9)
    mean = np.where(areas.index.isin(cluster), 50, 10)
    social = pd.Series(rng.poisson(mean), index=areas.index)
    physical = pd.Series(rng.poisson(mean), index=areas.index)

    result = stats.samenhang(social, physical, w, seed=1, permutations=199)

    core = result.loc[cluster[0]]
    assert core["cluster_sociaal_fysiek"] == "hoog-hoog"
    assert core["cluster_fysiek_sociaal"] == "hoog-hoog"
    assert core["samenhangsindex"] >= result["samenhangsindex"].quantile(0.9)
    assert core["beide_hoog"]
    np.testing.assert_allclose(
        result["samenhangsindex"], np.sqrt(result["pct_sociaal"] * result["pct_fysiek"])
    )
    assert result["z_sociaal"].mean() == pytest.approx(0.0, abs=1e-12)


def test_samenhangsindex_needs_both_domains_high():
    # 4 areas without spatial structure needed for the index itself: ranks by hand
    s = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    f = pd.Series({"a": 4.0, "b": 1.0, "c": 2.0, "d": 3.0})
    pct_s, pct_f = s.rank(pct=True) * 100, f.rank(pct=True) * 100
    index = np.sqrt(pct_s * pct_f)
    assert index.idxmax() == "d"  # 100 and 75 beats "a" (25 and 100)
    assert index["d"] == pytest.approx(math.sqrt(100 * 75))


@pytest.fixture(scope="module")
def line():
    """Eight areas a..h in a row (each the neighbour of the next), for hand-made examples."""
    from libpysal.weights import W

    codes = list("abcdefgh")
    neighbours = {c: [codes[j] for j in (i - 1, i + 1) if 0 <= j < len(codes)] for i, c in
                  enumerate(codes)}  # fmt: skip
    return codes, W(neighbours, id_order=codes)


def test_samenhang_definitions_by_hand(line):
    codes, w = line
    social = pd.Series([0, 2, 5, 10, 20, 30, 40, 50], index=codes)
    physical = pd.Series([9, 8, 7, 6, 0, 40, 3, 60], index=codes)

    result = stats.samenhang(social, physical, w, clusters=False)

    # ranks among the areas, an area without signals below all others and 0 itself:
    # social b..h rank 2..8 of 8 -> 25, 37.5, ..., 100; physical g, d, c, b, a, f, h -> 25..100
    assert result["pct_sociaal"].tolist() == [0, 25, 37.5, 50, 62.5, 75, 87.5, 100]
    assert result["pct_fysiek"].tolist() == [75, 62.5, 50, 37.5, 0, 87.5, 25, 100]
    # hoog: above 75 (the highest quarter); laag: at most 25
    assert result["klasse_sociaal"].tolist() == [1, 1, 2, 2, 2, 2, 3, 3]
    assert result["klasse_fysiek"].tolist() == [2, 2, 2, 2, 1, 3, 1, 3]
    assert result.index[result["beide_hoog"]].tolist() == ["h"]
    index = result["samenhangsindex"]
    assert index["h"] == 100
    assert index["a"] == 0 and index["e"] == 0  # no signals in a domain: 0, not middling
    assert index["f"] == pytest.approx(math.sqrt(75 * 87.5))
    assert index["g"] == pytest.approx(math.sqrt(87.5 * 25))


def test_both_high_needs_five_signals_in_each_domain(line):
    codes, w = line
    # a near-empty selection: g ranks high on 3 and 4 signals, h on 9 and 6
    social = pd.Series([0, 0, 0, 0, 0, 0, 3, 9], index=codes)
    physical = pd.Series([0, 0, 0, 0, 0, 0, 4, 6], index=codes)

    result = stats.samenhang(social, physical, w, clusters=False)

    assert result.loc["g", "pct_sociaal"] == 87.5 and result.loc["g", "pct_fysiek"] == 87.5
    assert result.loc["g", "klasse_sociaal"] == 2 and result.loc["g", "klasse_fysiek"] == 2
    assert result.index[result["beide_hoog"]].tolist() == ["h"]
    assert (result.loc[list("abcdef"), "samenhangsindex"] == 0).all()


def test_samenhang_without_a_domain_has_no_index(line):
    codes, w = line
    social = pd.Series([0, 2, 5, 10, 20, 30, 40, 50], index=codes)
    physical = pd.Series(0, index=codes)

    result = stats.samenhang(social, physical, w)  # clusters are not computed either

    assert result["samenhangsindex"].isna().all()
    assert result["pct_fysiek"].isna().all() and result["klasse_fysiek"].isna().all()
    assert not result["beide_hoog"].any()
    assert (result["cluster_sociaal_fysiek"] == stats.NOT_COMPUTED).all()


def test_rates_rank_but_counts_decide_who_has_signals(line):
    codes, w = line
    # smoothed rates: "a" has none of its own, but a rate pulled towards the city's
    rates = pd.Series([3.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0], index=codes)
    counts = pd.Series([0, 10, 10, 10, 10, 10, 10, 10], index=codes)

    result = stats.samenhang(
        rates, rates, w, social_counts=counts, physical_counts=counts, clusters=False
    )

    assert result.loc["a", "pct_sociaal"] == 0 and result.loc["a", "samenhangsindex"] == 0
    assert result.loc["b", "pct_sociaal"] == 25  # rank 2 of 8: above "a" only


def test_hotspot_needs_five_signals_of_its_own(areas, w):
    cluster = planted_cluster(areas, w, 100)
    values = pd.Series(np.where(areas.index.isin(cluster), 60.0, 5.0), index=areas.index)
    values[cluster[0]] = 4.0  # the core has few signals itself; its neighbours many
    counts = values.copy()

    tested = stats.hotspots(values, w, seed=0)
    guarded = stats.hotspots(values, w, seed=0, counts=counts)

    assert tested.loc[cluster[0], "klasse"].startswith("hotspot")  # Gi* alone says hot
    assert guarded.loc[cluster[0], "klasse"] == stats.NOT_SIGNIFICANT
    others = [c for c in cluster[1:] if tested.loc[c, "klasse"].startswith("hotspot")]
    assert others and (guarded.loc[others, "klasse"] == tested.loc[others, "klasse"]).all()


def test_anomalies_need_five_signals():
    months = pd.period_range("2022-01", periods=14, freq="M").astype(str)
    # two series with nothing for a year, then 2 (no news) and 9 (a jump)
    quiet = [0] * 12 + [2, 0]
    jump = [0] * 12 + [9, 0]
    data = pd.DataFrame(
        {
            AREA_CODE: ["BU0001"] * 14 + ["BU0002"] * 14,
            MONTH: list(months) * 2,
            COUNT: quiet + jump,
        }
    )
    # expected = (0 + 0.5) / 12 x season 1: P(X >= 2) = 1 - e^-m (1 + m) is tiny, yet no news
    m = 0.5 / 12
    assert 1 - math.exp(-m) * (1 + m) < 0.001
    found = stats.anomalies(data)
    high = found.loc[found["afwijking"] == stats.ANOMALY_HIGH]
    assert high[AREA_CODE].tolist() == ["BU0002"]
    assert high[COUNT].tolist() == [9]
    assert stats.anomalies(data, min_count=1)[AREA_CODE].tolist() == ["BU0002", "BU0001"]


def test_theme_correlations_equal_scipy():
    rng = np.random.default_rng(1)
    base = rng.normal(size=60)
    rates = pd.DataFrame(
        {"afval": base + rng.normal(size=60), "schulden": base, "groen": rng.normal(size=60)}
    )
    rho, p = stats.theme_correlations(rates)
    reference = sps.spearmanr(rates.to_numpy())
    np.testing.assert_allclose(rho.to_numpy(), reference.statistic, rtol=1e-12)
    off_diagonal = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(p.to_numpy()[off_diagonal], reference.pvalue[off_diagonal])
    rates.loc[0, "groen"] = np.nan
    rho_nan, _ = stats.theme_correlations(rates)
    pair = rates[["afval", "groen"]].dropna()
    assert rho_nan.loc["afval", "groen"] == pytest.approx(
        sps.spearmanr(pair["afval"], pair["groen"]).statistic
    )


# --- regie-opgave ------------------------------------------------------------------------------


def test_regie_opgave_entropy_by_hand():
    long = pd.DataFrame(
        {
            AREA_CODE: ["A", "A", "B", "B", "C"],
            DEPARTMENT: ["afval", "wmo", "afval", "onbekend", "wmo"],
            COUNT: [5, 5, 10, 99, 0],
        }
    )
    result = stats.regie_opgave(long, samenhang=pd.Series({"A": 64.0, "B": 90.0}))
    assert result.loc["A", "n_afdelingen"] == 2
    assert result.loc["A", "entropie"] == pytest.approx(1.0)
    assert result.loc["A", "entropie_genormaliseerd"] == pytest.approx(1.0)  # 1 bit / log2(2)
    assert result.loc["B", "n_afdelingen"] == 1  # 'onbekend' is not a department
    assert result.loc["B", "entropie"] == 0.0
    assert result.loc["A", "regie_score"] == pytest.approx(80.0)  # sqrt(100 * 1 * 64)
    assert result.loc["B", "regie_score"] == 0.0
    assert np.isnan(result.loc["C", "regie_score"])
    assert "2 afdelingen" in result.loc["A", "toelichting"]
    assert "één afdeling" in result.loc["B", "toelichting"]


def test_regie_entropy_of_four_equal_departments_is_two_bits():
    long = pd.DataFrame(
        {AREA_CODE: ["A"] * 4 + ["B"], DEPARTMENT: ["p", "q", "r", "s", "p"], COUNT: [3] * 4 + [1]}
    )
    result = stats.regie_opgave(long)
    assert result.loc["A", "entropie"] == pytest.approx(2.0)
    assert result.loc["A", "entropie_genormaliseerd"] == pytest.approx(1.0)
    assert "regie_score" not in result.columns


# --- trends ------------------------------------------------------------------------------------


def test_mann_kendall_by_hand():
    result = stats.mann_kendall([1, 2, 3, 4, 5])
    assert result.s == 10
    assert result.var_s == pytest.approx(5 * 4 * 15 / 18)
    assert result.z == pytest.approx(9 / math.sqrt(50 / 3))
    assert result.p == pytest.approx(2 * sps.norm.sf(9 / math.sqrt(50 / 3)))
    assert result.tau == 1.0
    # ties: [1, 2, 2, 3]: five pairs up, one tie -> S = 5;
    # var = (4*3*13 - 2*1*9) / 18 = 138 / 18
    tied = stats.mann_kendall([1, 2, 2, 3])
    assert tied.s == 5
    assert tied.var_s == pytest.approx(138 / 18)
    assert tied.z == pytest.approx(4 / math.sqrt(138 / 18))
    assert stats.mann_kendall([3, 3, 3]).z == 0.0
    assert stats.mann_kendall([5, 4, 3, 2, 1]).s == -10


def test_mann_kendall_matches_kendall_tau_against_time_without_ties():
    rng = np.random.default_rng(0)
    series = rng.normal(size=30)
    result = stats.mann_kendall(series)
    assert result.tau == pytest.approx(sps.kendalltau(np.arange(30), series).statistic)


@pytest.mark.parametrize(
    ("hot", "cold", "trend", "expected"),
    [
        ("0000000001", "0000000000", 0, "nieuwe hotspot"),
        ("0000000111", "0000000000", 0, "opeenvolgende hotspot"),
        ("1111111111", "0000000000", 1, "intensiverende hotspot"),
        ("1111111111", "0000000000", 0, "persistente hotspot"),
        ("1111111111", "0000000000", -1, "afnemende hotspot"),
        ("0100100011", "0000000000", 0, "sporadische hotspot"),
        ("0000000001", "0010000000", 0, "oscillerende hotspot"),
        ("1111111110", "0000000000", 0, "historische hotspot"),
        ("0000000000", "0000000001", 0, "nieuwe coldspot"),
        ("0000000000", "1111111111", -1, "intensiverende coldspot"),
        ("0000000000", "1111111111", 1, "afnemende coldspot"),
        ("0000000000", "0101000001", 0, "sporadische coldspot"),
        ("0110000000", "0000000000", 0, "geen patroon"),
    ],
)
def test_emerging_classes_follow_esri_definitions(hot, cold, trend, expected):
    def as_bool(text: str) -> np.ndarray:
        return np.array([c == "1" for c in text])

    assert _emerging_class(as_bool(hot), as_bool(cold), trend) == expected
    assert expected in stats.EMERGING_CLASSES


def monthly_counts(areas, means: np.ndarray, months: pd.PeriodIndex, seed: int) -> pd.DataFrame:
    """Long counts from a (areas x months) array of Poisson means."""
    rng = np.random.default_rng(seed)
    values = rng.poisson(means)
    return pd.DataFrame(
        {
            AREA_CODE: np.repeat(areas.index.to_numpy(), len(months)),
            MONTH: np.tile(months.astype(str), len(areas)),
            COUNT: values.ravel(),
        }
    )


def test_emerging_hotspots_find_planted_patterns(areas, w):
    months = pd.period_range("2023-01", periods=24, freq="M")
    base = np.random.default_rng(1).uniform(2, 8, len(areas))[:, None] * np.ones(24)
    persistent = planted_cluster(areas, w, 100)
    new = planted_cluster(areas, w, 300)
    means = base.copy()
    means[areas.index.isin(persistent)] *= 4
    means[areas.index.isin(new), -1] *= 6
    data = monthly_counts(areas, means, months, seed=2)

    result = stats.emerging_hotspots(data, w)

    assert result.loc[persistent[0], "klasse"] == "persistente hotspot"
    assert result.loc[new[0], "klasse"] == "nieuwe hotspot"
    assert result.loc[new[0], "klasse_en"] == "new hot spot"
    elsewhere = ~result.index.isin(persistent + new)
    assert (result.loc[elsewhere, "klasse"] != "geen patroon").mean() <= 0.03
    assert (result["maanden"] == 24).all()


def test_emerging_hotspots_find_an_intensifying_cluster(areas, w):
    months = pd.period_range("2023-01", periods=24, freq="M")
    growing = planted_cluster(areas, w, 400)
    means = np.random.default_rng(4).uniform(2, 8, len(areas))[:, None] * np.ones(24)
    means[areas.index.isin(growing)] *= np.linspace(2, 8, 24)
    result = stats.emerging_hotspots(monthly_counts(areas, means, months, seed=5), w)
    assert result.loc[growing[0], "klasse"] == "intensiverende hotspot"
    assert result.loc[growing[0], "trend_z"] > 0


def test_emerging_hotspots_permutation_inference_is_seeded(areas, w):
    months = pd.period_range("2023-01", periods=10, freq="M")
    data = monthly_counts(areas, np.full((len(areas), 10), 5.0), months, seed=3)
    first = stats.gi_star_by_month(data, w, inference="permutation", permutations=99, seed=1)
    again = stats.gi_star_by_month(data, w, inference="permutation", permutations=99, seed=1)
    pd.testing.assert_frame_equal(first, again)
    month0 = data[data[MONTH] == "2023-01"].set_index(AREA_CODE)[COUNT].astype(float)
    reference = G_Local(
        month0.to_numpy(), w, transform="B", star=True, permutations=99, seed=1, n_jobs=1
    )
    got = first[first[MONTH] == "2023-01"]
    np.testing.assert_array_equal(got["p"].to_numpy(), np.minimum(1, 2 * reference.p_sim))
    with pytest.raises(ValueError, match="minstens 10 maanden"):
        stats.emerging_hotspots(data[data[MONTH] < "2023-10"], w)


# --- anomalies ---------------------------------------------------------------------------------


def seasonal_counts(n_areas: int, seed: int) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    months = pd.period_range("2022-01", periods=36, freq="M")
    season = 1 + 0.4 * np.sin(2 * np.pi * (np.asarray(months.month) - 1) / 12)
    rng = np.random.default_rng(seed)
    level = rng.uniform(5, 30, n_areas)[:, None]
    means = level * season[None, :]
    codes = [f"BU{i:04d}" for i in range(n_areas)]
    data = pd.DataFrame(
        {
            AREA_CODE: np.repeat(codes, len(months)),
            MONTH: np.tile(months.astype(str), n_areas),
            COUNT: rng.poisson(means).ravel(),
        }
    )
    return data, months


def test_anomalies_flag_a_planted_spike_and_little_else():
    data, _ = seasonal_counts(100, seed=4)
    spike = (data[AREA_CODE] == "BU0042") & (data[MONTH] == "2024-07")
    data.loc[spike, COUNT] *= 10

    result = stats.anomalies(data)

    hit = result[(result[AREA_CODE] == "BU0042") & (result[MONTH] == "2024-07")]
    assert len(hit) == 1
    assert hit["afwijking"].iloc[0] == "hoger dan verwacht"
    assert hit["p"].iloc[0] < 1e-6
    assert result["p"].iloc[0] == hit["p"].iloc[0]  # the spike is the strongest signal
    assert list(result.columns) == [
        AREA_CODE,
        MONTH,
        COUNT,
        "expected",
        "p",
        "afwijking",
        "verdeling",
    ]
    tested = 100 * (36 - 12)
    assert len(result) <= 0.02 * tested
    assert (result["p"] <= 0.01).all()


def test_anomalies_expected_follows_season_and_level():
    data, _ = seasonal_counts(50, seed=5)
    july = stats.anomalies(data, alpha=1.0)
    # with alpha = 1 every tested month is returned: expected follows the seasonal level
    one = july[july[AREA_CODE] == "BU0001"].set_index(MONTH).sort_index()
    observed = data[data[AREA_CODE] == "BU0001"].set_index(MONTH)[COUNT]
    ratio = one["expected"] / observed.loc[one.index].clip(lower=1)
    assert 0.7 <= ratio.median() <= 1.3
    assert len(one) == 24


def test_anomalies_on_a_flat_series_flag_almost_nothing():
    months = pd.period_range("2022-01", periods=36, freq="M").astype(str)
    rng = np.random.default_rng(8)
    flat = pd.DataFrame({AREA_CODE: "BU0001", MONTH: months, COUNT: rng.poisson(20, len(months))})
    assert len(stats.anomalies(flat)) <= 1
    constant = flat.assign(**{COUNT: 12})
    assert stats.anomalies(constant).empty
    short = stats.anomalies(flat.iloc[:12])
    assert short.empty
    assert list(short.columns) == [
        AREA_CODE,
        MONTH,
        COUNT,
        "expected",
        "p",
        "afwijking",
        "verdeling",
    ]


def test_anomalies_per_theme_and_overdispersion():
    data, _ = seasonal_counts(20, seed=6)
    themed = pd.concat([data.assign(**{THEME: "afval"}), data.assign(**{THEME: "schulden"})])
    wild = (themed[AREA_CODE] == "BU0003") & (themed[THEME] == "schulden")
    rng = np.random.default_rng(0)
    themed.loc[wild, COUNT] = rng.negative_binomial(1, 1 / 21, wild.sum())  # mean 20, sd ~20
    themed.loc[wild & (themed[MONTH] == "2024-10"), COUNT] = 2000
    result = stats.anomalies(themed)
    assert THEME in result.columns
    hit = result[(result[AREA_CODE] == "BU0003") & (result[MONTH] == "2024-10")]
    assert hit[THEME].tolist() == ["schulden"]
    assert hit["verdeling"].iloc[0] == "negatief binomiaal"
    with pytest.raises(ValueError, match="12 maanden"):
        stats.anomalies(data, min_history=6)


# --- explanations and purity ------------------------------------------------------------------


def test_every_statistic_has_a_dutch_explanation():
    assert set(stats.EXPLANATIONS) == {
        "hotspots",
        "samenhang",
        "bivariate_moran",
        "regie",
        "trends",
        "anomalies",
        "eb_rate",
        "rate",
        "lq",
    }
    for key in stats.EXPLANATIONS:
        for level in ("buurt", "wijk", "stadsdeel"):
            means, does_not_mean = stats.explanation(key, level=level)
            assert means.endswith(".") and does_not_mean.endswith(".")
            assert len(means) > 40 and len(does_not_mean) > 40
            assert "{" not in means + does_not_mean
            if level != "buurt":  # the level's own word, never "buurt"
                assert "buurt" not in means + does_not_mean
    means, _ = stats.explanation("hotspots", level="wijk")
    assert "een wijk" in means and "minder dan 5 signalen" in means
    assert "minstens 5 signalen" in stats.explanation("anomalies")[0]


def test_inputs_are_not_mutated(areas, counts, w):
    population = areas["population"].copy()
    counts_before = counts.copy()
    neighbours_before = copy.deepcopy(w.neighbors)
    stats.eb_smoothed_rate(counts, population, w=w, scope="local")
    stats.samenhang(counts, population, w, permutations=9)
    stats.hotspots(counts, w, permutations=9)
    pd.testing.assert_series_equal(counts, counts_before)
    pd.testing.assert_series_equal(population, areas["population"])
    assert w.neighbors == neighbours_before
    assert w.transform == "R"


def test_the_regie_sentence_of_each_area_says_its_departments_spread_and_score() -> None:
    counts = pd.DataFrame(
        {
            "area_code": ["A", "A", "B", "C", "C", "C", "D"],
            "department": ["x", "y", "x", "x", "y", "z", "onbekend"],
            "count": [5, 5, 7, 8, 1, 1, 4],
        }
    )
    table = stats.regie_opgave(counts, samenhang=pd.Series({"A": 64.0, "B": 50.0, "D": 1.0}))
    # three departments in all: A's two equal halves spread 1 / log2(3) = 0.63, its score
    # sqrt(100 * 0.63 * 64) = 63.5; C's shares 0.8, 0.1, 0.1: entropy 0.92 bits, 0.58
    assert table["toelichting"].to_dict() == {
        "A": "De signalen in dit gebied lopen via 2 afdelingen, redelijk verdeeld "
        "(spreiding 0,63). Regiescore 64 van 100.",
        "B": "De signalen in dit gebied lopen via één afdeling. Regiescore 0 van 100.",
        "C": "De signalen in dit gebied lopen via 3 afdelingen, redelijk verdeeld "
        "(spreiding 0,58).",
    }
