"""``python -m regie_analytics analyse``: the contract of every analysis, and the demo data's
planted clusters found by the statistics."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from regie_analytics import stats
from tests.conftest import cli

pytestmark = pytest.mark.slow


def _analyse(store: Path, tmp_path: Path, kind: str, *extra: str) -> pd.DataFrame:
    out = tmp_path / f"{kind}.csv"
    result = cli("analyse", kind, "--store", store, "--out", out, *extra)
    assert result.code == 0, result.err
    assert "gegenereerde demodata" in result.out
    return pd.read_csv(out)


@pytest.fixture(scope="module")
def truth(demo_store: Path) -> pd.Series:
    frame = pd.read_csv(demo_store.parent / "files" / "waarheid.csv", dtype=str)
    return frame.set_index("area_code")["patroon"]


def test_hotspots_contract_and_planted_social_clusters(
    demo_store: Path, tmp_path: Path, truth: pd.Series
) -> None:
    table = _analyse(demo_store, tmp_path, "hotspots", "--level", "buurt", "--domain", "sociaal")
    assert {"area_code", "gi_z", "p", "p_fdr", "klasse"} <= set(table.columns)
    assert len(table) == 518
    assert set(table["klasse"]) <= {*stats.HOTSPOT_CLASSES, stats.NO_DATA}
    hot = table.set_index("area_code")["klasse"].str.startswith("hotspot")
    planted = truth[truth == "beide_hoog"].index
    background = truth[truth == "geen"].index
    # most planted buurten (social x2.5-3) are found, hardly any background buurt is
    assert hot[planted].mean() >= 0.5
    assert hot[background].mean() <= 0.02


def test_samenhang_finds_every_planted_both_high_buurt(
    demo_store: Path, tmp_path: Path, truth: pd.Series
) -> None:
    table = _analyse(demo_store, tmp_path, "samenhang", "--level", "buurt").set_index("area_code")
    planted = truth[truth == "beide_hoog"].index
    assert table.loc[planted, "beide_hoog"].all()
    only_social = truth[truth == "alleen_sociaal"].index
    assert not table.loc[only_social, "beide_hoog"].any()
    # the bivariate local Moran marks most planted buurten hoog-hoog
    assert (table.loc[planted, "cluster_sociaal_fysiek"] == "hoog-hoog").mean() >= 0.5
    scored = table["samenhangsindex"].notna()
    assert table.loc[scored, "samenhangsindex"].between(0, 100).all()
    # no index where there are too few inhabitants for a rate
    assert (table.loc[~scored, "population"].fillna(0) < 100).all()


def test_regie_trends_and_anomalies(demo_store: Path, tmp_path: Path) -> None:
    regie = _analyse(demo_store, tmp_path, "regie", "--level", "wijk")
    assert len(regie) == 110
    assert {"area_code", "n_afdelingen", "entropie", "regie_score"} <= set(regie.columns)
    trends = _analyse(demo_store, tmp_path, "trends", "--level", "buurt")
    assert set(trends["klasse"]) <= {*stats.EMERGING_CLASSES, "geen patroon"}
    anomalies = _analyse(demo_store, tmp_path, "anomalies", "--level", "buurt")
    assert {"area_code", "month", "count", "expected", "p", "afwijking"} <= set(anomalies.columns)
    assert (anomalies["p"] <= 0.01).all()


def test_measure_and_level_errors_are_dutch(demo_store: Path, tmp_path: Path) -> None:
    result = cli(
        "analyse", "hotspots", "--store", demo_store, "--level", "gemeente", "--out",
        tmp_path / "x.csv",
    )  # fmt: skip
    assert result.code == 2
    assert "ongeldige keuze" in result.err
    result = cli(
        "analyse", "hotspots", "--store", demo_store, "--level", "buurt", "--period", "2025",
        "--out", tmp_path / "x.csv",
    )  # fmt: skip
    assert result.code == 2
    assert "ongeldige periode" in result.err
