"""Pages at national scale: web geometry stored with the boundaries and read back unchanged,
jumps computed for all series at once, the Kaart's table and area search bounded."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats as sps
from streamlit.testing.v1 import AppTest

from regie_analytics import geo, stats
from regie_analytics.geo.stored import (
    LEVEL,
    TOLERANCE,
    WEB_FILE,
    read_web,
    stored_web,
)
from regie_analytics.schema import AREA_CODE, COUNT, MONTH, SENTINEL_AREAS, THEME
from regie_analytics.stats.labels import MIN_REPORTED_COUNT
from regie_analytics.stats.trends import _month_range
from regie_analytics.store import Store
from regie_analytics.ui import components
from tests.conftest import open_app
from tests.test_stats_scale import GRONINGEN, _boundaries_file, bounded_store

__all__ = ["bounded_store"]  # the fixture: 38 real wijken of five Groningen gemeenten


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


# --- jumps for all series at once --------------------------------------------------------------


def _anomalies_month_by_month(
    counts_long: pd.DataFrame, *, alpha: float, min_count: int = MIN_REPORTED_COUNT
) -> pd.DataFrame:
    """The reference: :func:`stats.anomalies` as it was before, every test of every series
    computed month by month (both distributions for every row), flagged afterwards."""
    keys = [AREA_CODE, THEME] if THEME in counts_long.columns else [AREA_CODE]
    data = counts_long[~counts_long[AREA_CODE].isin(SENTINEL_AREAS)]
    months = _month_range(data[MONTH])
    table = (
        data.groupby([*(data[k] for k in keys), data[MONTH].astype("str")], observed=True)[COUNT]
        .sum()
        .unstack(fill_value=0)
    )
    table.columns = pd.PeriodIndex(table.columns, freq="M")
    table = table.reindex(columns=months, fill_value=0).astype(float)
    y = table.to_numpy()
    calendar = np.asarray(months.month) - 1
    groups = (
        pd.factorize(table.index.get_level_values(THEME))[0]
        if THEME in keys
        else np.zeros(len(table), dtype=int)
    )
    group_totals = np.vstack([y[groups == g].sum(axis=0) for g in range(groups.max() + 1)])
    frames = []
    for t in range(12, len(months)):
        years = t // 12 * 12
        history = group_totals[:, t - years : t]
        mean_month = history.mean(axis=1, keepdims=True)
        by_calendar = np.column_stack(
            [history[:, calendar[t - years : t] == c].mean(axis=1) for c in range(12)]
        )
        season = np.where(
            mean_month > 0, by_calendar / np.where(mean_month > 0, mean_month, 1), 1.0
        )[groups]
        window = y[:, t - 12 : t]
        level = (window.sum(axis=1) + 0.5) / 12
        fitted = level[:, None] * season[:, calendar[t - 12 : t]]
        pearson = np.where(fitted > 0, (window - fitted) ** 2 / np.where(fitted > 0, fitted, 1), 0)
        phi = pearson.sum(axis=1) / 11
        phi = np.where((sps.chi2.sf(phi * 11, 11) < 0.05) & (phi > 1), phi, 1.0)
        expected = np.maximum(level * season[:, calendar[t]], 1e-9)
        observed = y[:, t]
        negbin = phi > 1
        size = expected / np.where(negbin, phi - 1, 1)
        upper = np.where(
            negbin,
            sps.nbinom.sf(observed - 1, size, 1 / phi),
            sps.poisson.sf(observed - 1, expected),
        )
        lower = np.where(
            negbin, sps.nbinom.cdf(observed, size, 1 / phi), sps.poisson.cdf(observed, expected)
        )
        above = upper <= lower
        news = np.where(above, observed >= min_count, expected >= min_count)
        rows = np.flatnonzero((np.minimum(upper, lower) <= alpha) & news)
        high = above[rows]
        frames.append(
            pd.DataFrame(
                {
                    "row": rows,
                    MONTH: str(months[t]),
                    COUNT: observed[rows].astype("int64"),
                    "expected": expected[rows],
                    "p": np.where(high, upper[rows], lower[rows]),
                    "afwijking": np.where(high, stats.ANOMALY_HIGH, stats.ANOMALY_LOW),
                    "verdeling": np.where(negbin[rows], "negatief binomiaal", "poisson"),
                }
            )
        )
    found = pd.concat(frames, ignore_index=True)
    where = table.index[found.pop("row").to_numpy(dtype=int)].to_frame(index=False)
    out = pd.concat([where, found], axis=1)
    return out.sort_values(["p", *keys, MONTH], ignore_index=True)


def _national_counts(seed: int = 0) -> pd.DataFrame:
    """Counts like the national case's: 14,000 buurten x 5 themes x 30 months, mostly small
    Poisson counts with a season, one series in ten overdispersed, 300 planted spikes."""
    rng = np.random.default_rng(seed)
    areas = np.asarray([f"BU{i:08d}" for i in range(14_000)])
    themes = np.asarray(["afval", "geluid", "groen", "overlast", "wegen"])
    months = pd.period_range("2023-01", periods=30, freq="M")
    base = rng.gamma(0.6, 1.5, size=(len(areas) * len(themes), 1))
    season = 1 + 0.3 * np.sin(2 * np.pi * np.asarray(months.month)[None, :] / 12)
    spread = np.where(rng.random((len(base), 1)) < 0.1, rng.gamma(2.0, 0.5, (len(base), 30)), 1)
    counts = rng.poisson(base * season * spread)
    spikes = rng.choice(counts.size, 300, replace=False)
    counts.flat[spikes] += rng.integers(8, 30, 300)
    frame = pd.DataFrame(
        {
            AREA_CODE: np.repeat(areas, len(themes) * len(months)),
            THEME: np.tile(np.repeat(themes, len(months)), len(areas)),
            MONTH: np.tile(months.astype("str"), len(areas) * len(themes)),
            COUNT: counts.ravel(),
        }
    )
    return frame.loc[frame[COUNT] > 0].reset_index(drop=True)


@pytest.mark.slow
def test_jumps_of_a_national_frame_equal_the_month_by_month_computation() -> None:
    counts = _national_counts()
    assert counts[AREA_CODE].nunique() == 14_000
    for alpha in (0.001, 0.01):
        found = stats.anomalies(counts, alpha=alpha)
        pd.testing.assert_frame_equal(
            found, _anomalies_month_by_month(counts, alpha=alpha), check_exact=True
        )
        assert (found["p"] <= alpha).all()
        assert set(found["verdeling"]) == {"poisson", "negatief binomiaal"}
    # per area only (no theme column): the same again
    areas = counts.groupby([AREA_CODE, MONTH], as_index=False)[COUNT].sum()
    pd.testing.assert_frame_equal(
        stats.anomalies(areas, alpha=0.01),
        _anomalies_month_by_month(areas, alpha=0.01),
        check_exact=True,
    )


def test_jumps_of_categorical_keys_equal_those_of_text_keys() -> None:
    """The dashboard passes its keys as categories (no text per row): the same rows, the same
    numbers and text columns, as with the keys as text."""
    counts = _national_counts(seed=3).iloc[::7]  # 14,000 buurten, fewer rows
    as_text = stats.anomalies(counts, alpha=0.01)
    categorical = counts.astype({AREA_CODE: "category", THEME: "category", MONTH: "category"})
    assert len(as_text) > 50
    pd.testing.assert_frame_equal(
        stats.anomalies(categorical, alpha=0.01), as_text, check_exact=True
    )


@pytest.mark.slow
def test_jumps_of_the_demo_store_equal_the_month_by_month_computation(demo_store: Path) -> None:
    cube = Store(demo_store).cube()
    long = cube.groupby([AREA_CODE, MONTH, THEME], as_index=False, observed=True)[COUNT].sum()
    for alpha, min_count in ((0.001, MIN_REPORTED_COUNT), (0.01, MIN_REPORTED_COUNT), (1.0, 0)):
        found = stats.anomalies(long, alpha=alpha, min_count=min_count)
        expected = _anomalies_month_by_month(long, alpha=alpha, min_count=min_count)
        pd.testing.assert_frame_equal(found, expected, check_exact=True)
    series = long.loc[~long[AREA_CODE].isin(SENTINEL_AREAS), [AREA_CODE, THEME]]
    tested = series.drop_duplicates().shape[0] * (long[MONTH].nunique() - 12)
    assert len(stats.anomalies(long, alpha=1.0, min_count=0)) == tested  # every month tested


def test_jumps_of_a_series_without_news_are_none_and_of_a_spike_one() -> None:
    months = pd.period_range("2024-01", periods=24, freq="M").astype("str")
    quiet = pd.DataFrame({AREA_CODE: "BU0001", MONTH: months, COUNT: 1})
    assert stats.anomalies(quiet, min_count=5).empty  # never 5 observed nor expected
    spike = quiet.assign(**{COUNT: np.where(months == "2025-06", 20, 1)})
    found = stats.anomalies(spike)
    assert found[[MONTH, COUNT, "afwijking"]].values.tolist() == [
        ["2025-06", 20, stats.ANOMALY_HIGH]
    ]
    # level (12 + 0.5) / 12, a flat season: 20 against a Poisson mean of 1.0417
    assert found["expected"].iloc[0] == pytest.approx(12.5 / 12)
    assert found["p"].iloc[0] == pytest.approx(sps.poisson.sf(19, 12.5 / 12))
    short = stats.anomalies(spike.iloc[:12])  # no month with a year of history: none tested
    assert short.empty and list(short.columns) == list(found.columns)
    assert short.dtypes.to_dict() == found.dtypes.to_dict()


# --- the Kaart's table and area search at scale ------------------------------------------------


def _area_table() -> pd.DataFrame:
    """Five buurten and the total row as the protected area table has them."""
    return pd.DataFrame(
        {
            "Gebiedscode": ["BU01", "BU02", "BU03", "BU04", "BU05", ""],
            "Gebied": ["Noord", "Oost", "Zuid", "West", "Centrum", "Totaal gemeente"],
            "Totaal": [12, "<5", 30, 17, 12, 75],
        },
        dtype=object,
    )


def test_the_area_table_shows_the_highest_rows_and_says_so() -> None:
    frame = _area_table()
    shown, note = components.area_rows(
        frame, level="buurt", rank="Totaal", ranked="met de meeste signalen", limit=3
    )
    # 30, 17, then the first of the two 12s; "<5" last; the total row kept at the end
    assert shown["Gebiedscode"].tolist() == ["BU03", "BU04", "BU01", ""]
    assert note == (
        "De tabel toont de 3 buurten met de meeste signalen van de 5; de download bevat alle 5. "
        "Zoom in op een deel om al zijn buurten te zien."
    )
    same, none = components.area_rows(frame, level="buurt", rank="Totaal", limit=5)
    pd.testing.assert_frame_equal(same, frame)  # all fit: as they were, no note
    assert none is None


def test_the_area_table_shows_the_part_in_view() -> None:
    frame = _area_table()
    in_view = pd.Index(["BU05", "BU02", "BU04"])
    shown, note = components.area_rows(frame, level="wijk", in_view=in_view, limit=10)
    assert shown["Gebiedscode"].tolist() == ["BU02", "BU04", "BU05", ""]
    assert note == (
        "De tabel toont de 3 wijken van het deel waarop de kaart is ingezoomd; de download "
        "bevat alle 5."
    )
    shown, note = components.area_rows(
        frame,
        level="wijk",
        in_view=in_view,
        rank="Totaal",
        ranked="met de meeste signalen",
        limit=2,
    )
    assert shown["Gebiedscode"].tolist() == ["BU04", "BU05", ""]
    assert note is not None and note.startswith(
        "De tabel toont de 2 wijken met de meeste signalen van de 3 in dit deel; "
    )


def test_area_search_finds_names_and_codes() -> None:
    names = pd.Series(
        ["Oud-Centrum", "Noord", "Centrum", "Zuid"],
        index=pd.Index(["BU0363AA01", "BU0363AB02", "BU0518CC03", "BU0518CD04"], name="area_code"),
    )
    assert components.matching_areas(names, "  CENTRUM ").tolist() == ["Centrum", "Oud-Centrum"]
    assert components.matching_areas(names, "bu0518").index.tolist() == [
        "BU0518CC03",
        "BU0518CD04",
    ]
    assert components.matching_areas(names, "0363", limit=1).tolist() == ["Noord"]
    assert components.matching_areas(names, "   ").empty
    assert components.matching_areas(names, "[a-z]").empty  # text, not a pattern


def test_a_long_table_shows_its_first_rows_with_a_caption() -> None:
    def script() -> None:
        import pandas as pd

        from regie_analytics.ui import components

        components.table(pd.DataFrame({"aantal": [1234, 5, 6, 7, 8]}), limit=2)

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert at.dataframe[0].value["aantal"].tolist() == [1234, 5]
    assert at.caption[0].value == "De tabel toont de eerste 2 van 5 rijen."


@pytest.mark.slow
def test_the_kaart_zoomed_on_a_stadsdeel_tables_its_buurten(app_store: Path) -> None:
    areas = Store(app_store).areas()
    part = str(areas["stadsdeel_code"].dropna().iloc[0])
    members = set(areas.index[areas["stadsdeel_code"] == part])
    at = open_app("kaart", params={"inzoomen": part})
    assert not at.exception
    shown = at.dataframe[0].value
    assert set(shown["Gebiedscode"]) == members | {""}  # and the municipality's totals
    assert (
        f"De tabel toont de {len(members)} buurten van het deel waarop de kaart is ingezoomd; "
        f"de download bevat alle {len(areas)}."
    ) in [c.value for c in at.caption]
    whole = open_app("kaart")
    assert len(whole.dataframe[0].value) == len(areas) + 1
