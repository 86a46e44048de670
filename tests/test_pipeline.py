"""End-to-end import through the CLI: every preset, counts against an independent spatial join,
idempotent re-imports, and an import killed halfway."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from regie_analytics import audit
from regie_analytics.store import Store
from tests.conftest import BAD as BAD_DIR
from tests.conftest import ROOT, SAMPLES, cli, data_files, snapshot

BUURTEN = ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"


def _independent_counts(lon: np.ndarray, lat: np.ndarray) -> pd.Series:
    """Count points per buurt with a plain geopandas sjoin: the reference."""
    buurten = gpd.read_file(BUURTEN)[["cbsCode", "geometry"]]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, buurten, predicate="within", how="inner")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined.groupby("cbsCode").size().rename("count").sort_index()


def _cli_counts(store: Path, tmp_path: Path, *extra: str, level: str = "buurt") -> pd.DataFrame:
    out = tmp_path / f"counts-{level}-{'-'.join(extra) or 'all'}.csv"
    result = cli("counts", "--store", store, "--level", level, *extra, "--out", out)
    assert result.code == 0, result.err
    return pd.read_csv(out, dtype={"area_code": "str"})


def _import(store: Path, path: Path, preset: str, *extra: str) -> str:
    result = cli("import", path, "--preset", preset, "--store", store, *extra)
    assert result.code == 0, result.err
    return result.out


def test_signalen_preset_matches_independent_join(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = _import(store, SAMPLES / "signalen", "signalen")
    assert "zonder locatie:" in out  # four rows without coordinates in the sample
    locations = pd.read_csv(SAMPLES / "signalen" / "locations.csv")
    # the export's `lat` holds x (longitude) and `lng` holds y (latitude)
    expected = _independent_counts(locations["lat"].to_numpy(), locations["lng"].to_numpy())
    got = _cli_counts(store, tmp_path).set_index("area_code")["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    info = Store(store).info()
    assert info["zonder_locatie"] == 4
    assert info["meldingen_totaal"] == 400


@pytest.mark.parametrize("name", ["open311_requests.json", "open311_requests.csv"])
def test_open311_preset_matches_independent_join(tmp_path: Path, name: str) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / name, "open311")
    raw = pd.DataFrame(json.loads((SAMPLES / "open311_requests.json").read_text()))
    expected = _independent_counts(raw["long"].to_numpy(), raw["lat"].to_numpy())
    got = _cli_counts(store, tmp_path).set_index("area_code")["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    # closed requests have a closing time, open ones do not
    signals = Store(store).signals().set_index("signal_id")
    closed = raw.set_index("service_request_id")["status"] == "closed"
    assert signals.loc[closed[closed].index, "closed_at"].notna().all()
    assert signals.loc[closed[~closed].index, "closed_at"].isna().all()


def test_generic_preset_with_rd_dutch_dates_and_decimal_comma(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = _import(
        store, SAMPLES / "fixi_export.csv", "generic", "--mapping", SAMPLES / "fixi_mapping.json"
    )
    assert re.search(r"RD-coördinaten \(omgerekend\):\s+250\n", out)
    raw = pd.read_csv(SAMPLES / "fixi_export.csv", sep=";", encoding="cp1252", decimal=",")
    points = gpd.GeoSeries(
        gpd.points_from_xy(raw["X-coördinaat"], raw["Y-coördinaat"]), crs="EPSG:28992"
    ).to_crs("EPSG:4326")
    expected = _independent_counts(points.x.to_numpy(), points.y.to_numpy())
    got = _cli_counts(store, tmp_path).set_index("area_code")["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    signals = Store(store).signals().set_index("signal_id")
    first = raw.iloc[0]
    assert signals.loc[first["Meldingnummer"], "received_at"] == pd.to_datetime(
        first["Datum melding"], format="%d-%m-%Y %H:%M"
    )
    assert set(signals["source"]) == {"fixi"}


def test_counts_preset_sums_per_buurt_and_wijk(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / "wijkteam_telling.csv", "counts")
    raw = pd.read_csv(SAMPLES / "wijkteam_telling.csv", sep=";", encoding="cp1252")
    expected = raw.groupby("area_code")["count"].sum().sort_index()
    got = _cli_counts(store, tmp_path).set_index("area_code")["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    # wijk: CBS wijkcode = WK0363 + the first two characters of Amsterdam's buurt code
    expected_wijk = raw.assign(wijk="WK" + raw["area_code"].str[2:8]).groupby("wijk")["count"].sum()
    got_wijk = _cli_counts(store, tmp_path, level="wijk").set_index("area_code")["count"]
    pd.testing.assert_series_equal(
        got_wijk.sort_index(), expected_wijk.sort_index(), check_names=False, check_dtype=False
    )
    by = _cli_counts(store, tmp_path, "--by", "domain,theme,month")
    assert list(by.columns) == ["area_code", "domain", "theme", "month", "count"]
    assert set(by["domain"]) == {"sociaal"}
    assert by["count"].sum() == raw["count"].sum()


def test_reimport_adds_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / "open311_requests.json", "open311")
    _import(store, SAMPLES / "wijkteam_telling.csv", "counts")
    before = data_files(store)
    out = _import(store, SAMPLES / "open311_requests.json", "open311")
    assert re.search(r"al aanwezig in de store \(dubbel\):\s+300\n", out)
    out = _import(store, SAMPLES / "wijkteam_telling.csv", "counts")
    assert "Niets toegevoegd" in out
    assert data_files(store) == before
    # the same records through the other format (CSV) are the same keys: nothing added
    _import(store, SAMPLES / "open311_requests.csv", "open311")
    assert data_files(store) == before
    # each attempt is in the audit log, with no rows
    assert [r["rows"] for r in audit.read(store).records] == [300, 359, 0, 0, 0]


def test_validate_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = cli(
        "validate",
        SAMPLES / "open311_requests.json",
        "--preset",
        "open311",
        "--store",
        store,
        "--json",
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["rows_read"] == 300
    assert report["imported"] == 300
    assert not store.exists()


def test_info_json(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / "open311_requests.json", "open311")
    result = cli("info", "--store", store, "--json")
    info = json.loads(result.out)
    assert info["meldingen_totaal"] == 300
    assert info["aantal_gebieden"] == 518
    assert info["grenzen"]["file"] == "amsterdam_buurten_2022.geojson"
    assert info["imports"][0]["sha256"]
    text = cli("info", store=store).out  # $REGIE_STORE names the store without --store
    assert (
        "amsterdam_buurten_2022.geojson (518 buurten, 110 wijken, 9 stadsdelen, 1 gemeente)" in text
    )


def test_other_boundaries_are_refused_for_an_existing_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / "open311_requests.json", "open311")
    before = snapshot(store)
    shared = ROOT / "tests" / "data" / "alkmaar_wijken_2024.geojson"
    result = cli(
        "import",
        SAMPLES / "wijkteam_telling.csv",
        "--preset",
        "counts",
        "--store",
        store,
        "--boundaries",
        shared,
    )
    assert result.code == 2
    assert "alkmaar_wijken_2024.geojson" in result.err
    assert snapshot(store) == before


def test_national_geopackage_with_gemeente(tmp_path: Path) -> None:
    """The CBS GeoPackage layout (Ermelo, RD New) with --gemeente; counts per buurt."""
    gpkg = ROOT / "tests" / "data" / "ermelo_buurten_2021.gpkg"
    buurten = gpd.read_file(gpkg).to_crs("EPSG:4326")
    counts = pd.DataFrame(
        {
            "area_code": buurten["buurtcode"],
            "period": "2025-01",
            "theme": "wonen",
            "count": np.arange(1, len(buurten) + 1),
        }
    )
    path = tmp_path / "ermelo.csv"
    counts.to_csv(path, index=False)
    store = tmp_path / "store"
    _import(store, path, "counts", "--boundaries", gpkg, "--gemeente", "GM0233")
    got = _cli_counts(store, tmp_path, level="gemeente")
    assert got.to_dict("records") == [{"area_code": "GM0233", "count": int(counts["count"].sum())}]
    assert len(Store(store).areas()) == 17


def _big_open311_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "service_request_id": [f"K{i}" for i in range(n)],
            "requested_datetime": "2025-01-05T10:00:00",
            "service_name": "Pothole",
            "status": "open",
            "lat": rng.uniform(52.33, 52.40, n).round(6),
            "long": rng.uniform(4.85, 4.95, n).round(6),
        }
    )
    frame.to_csv(path, index=False)


@pytest.mark.subprocess
def test_import_killed_halfway_leaves_store_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, SAMPLES / "open311_requests.json", "open311")
    before = snapshot(store)
    cube_before = Store(store).cube()
    big = tmp_path / "big.csv"
    _big_open311_csv(big, 300_000)
    staging = tmp_path.glob(".store-staging-*")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regie_analytics",
            "import",
            str(big),
            "--preset",
            "open311",
            "--store",
            str(store),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_while_writing = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        staging = list(tmp_path.glob(".store-staging-v*"))
        if staging and any(staging[0].rglob("*.parquet")):
            os.kill(proc.pid, signal.SIGKILL)
            killed_while_writing = True
            break
        time.sleep(0.001)
    proc.wait()
    assert killed_while_writing, "the import finished before it could be killed"
    assert snapshot(store) == before
    pd.testing.assert_frame_equal(Store(store).cube(), cube_before)
    # the next import cleans up the leftovers and succeeds
    _import(store, big, "open311")
    assert not list(tmp_path.glob(".store-staging-*"))
    assert Store(store).cube()["count"].sum() == 300 + 300_000


@pytest.mark.slow
def test_demo_counts_match_independent_join(demo_store: Path, tmp_path: Path) -> None:
    files = demo_store.parent / "files"
    locations = pd.read_csv(files / "signalen" / "locations.csv")
    expected = _independent_counts(locations["lat"].to_numpy(), locations["lng"].to_numpy())
    got = _cli_counts(demo_store, tmp_path, "--by", "source")
    got = got[got["source"] == "demo-signalen"].set_index("area_code")["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    social = pd.read_csv(next((files / "sociaal").glob("*.csv")))
    got_social = _cli_counts(demo_store, tmp_path, "--by", "domain")
    got_social = got_social[got_social["domain"] == "sociaal"]
    physical_social = Store(demo_store).cube()
    physical_social = physical_social[
        (physical_social["source"] == "demo-signalen")
        & (physical_social["domain"] == "sociaal")
        & ~physical_social["area_code"].isin(["BUITEN_GEBIED", "ZONDER_LOCATIE"])
    ]["count"].sum()
    assert got_social["count"].sum() == social["count"].sum() + physical_social
    info = Store(demo_store).info()
    assert info["gegenereerd"] is True
    assert info["buiten_gebied"] > 0 and info["zonder_locatie"] > 0


def test_reclassify_maps_unknown_categories_in_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _import(store, BAD_DIR / "windows1252.csv", "counts")
    cube = Store(store).cube()
    assert cube.loc[cube["domain"] == "overig", "count"].sum() == 8  # "Overlast café"
    taxonomy = Store(store).taxonomy().with_mappings(
        pd.DataFrame(
            [{"category": "Overlast café", "subcategory": "*", "domain": "fysiek",
              "theme": "overlast bedrijven en horeca", "source": "*"}]
        )
    )  # fmt: skip
    path = tmp_path / "taxonomie.csv"
    path.write_bytes(taxonomy.to_csv_bytes())
    result = cli("reclassify", "--store", store, "--taxonomy", path)
    assert result.code == 0, result.err
    assert "8 -> 0" in result.out
    after = Store(store).cube()
    assert after["count"].sum() == cube["count"].sum()
    assert after.loc[after["theme"] == "overlast bedrijven en horeca", "count"].sum() == 8
    assert Store(store).manifest()["taxonomy"]["file"] == "taxonomie.csv"


def test_cell_keys_are_the_sums_of_record_and_unit_keys(tmp_path: Path) -> None:
    """Each signal is stored with its record key (a keyed hash of source and id, from the
    store's secret), each count row with the key sum of its units; every cube cell's key is
    the sum of its records' keys modulo 256, also after reclassifying."""
    from regie_analytics import cellkey
    from regie_analytics.ingest import cube_part

    store_dir = tmp_path / "store"
    _import(store_dir, SAMPLES / "open311_requests.json", "open311")
    _import(store_dir, SAMPLES / "wijkteam_telling.csv", "counts")
    store = Store(store_dir)
    secret = store.secret()
    assert secret and len(secret) == 32
    signals = store.signals()
    expected = cellkey.record_keys(secret, source="open311", ids=signals["signal_id"])
    assert (signals["record_key"].to_numpy() == expected).all()
    counts = store.counts()
    assert (counts["cell_key"].to_numpy() == cellkey.unit_key_sums(secret, counts)).all()
    # the cube's keys by hand: per cell, the record keys (and unit key sums) added up
    month = signals["received_at"].dt.strftime("%Y-%m")
    by_hand = (
        pd.concat(
            [
                signals.assign(month=month, count=1, cell_key=signals["record_key"]),
                counts,
            ]
        )
        .groupby(["area_code", "month", "domain", "theme", "channel", "department", "source"])[
            ["count", "cell_key"]
        ]
        .sum()
    )
    cube = store.cube().set_index(list(by_hand.index.names))
    assert (cube["count"] == by_hand["count"].reindex(cube.index)).all()
    assert (cube["cell_key"] == by_hand["cell_key"].reindex(cube.index) % 256).all()
    assert cube_part(signals, kind="signals")["cell_key"].max() < 256
    # importing the same file again adds nothing and changes no key
    before = snapshot(store_dir / Path(store.current or "").name)
    _import(store_dir, SAMPLES / "open311_requests.json", "open311")
    assert snapshot(store_dir / Path(store.current or "").name) == before
    # a new version (reclassification) keeps the secret and every key
    result = cli("upgrade", "--store", store_dir)
    assert result.code == 0, result.err
    assert store.secret() == secret
    pd.testing.assert_frame_equal(store.cube(), cube.reset_index()[list(store.cube().columns)])


def test_store_without_cell_keys_is_upgraded(tmp_path: Path) -> None:
    """A store written before cell keys (no keys, no secret) is refused with the command that
    upgrades it; the upgrade adds keys and leaves every count as it was."""
    store_dir = tmp_path / "store"
    _import(store_dir, SAMPLES / "open311_requests.json", "open311")
    store = Store(store_dir)
    folder = store.current
    assert folder is not None
    exact = store.cube().drop(columns="cell_key")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["cell_key_secret"]
    manifest["format"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for part in [*folder.glob("signals/*.parquet"), *folder.glob("cube/*.parquet")]:
        frame = pd.read_parquet(part)
        frame.drop(columns=["record_key", "cell_key"], errors="ignore").to_parquet(part)
    exact.to_parquet(folder / "cube.parquet", index=False)
    result = cli("info", "--store", store_dir)
    assert result.code == 2 and "upgrade --store" in result.err
    result = cli(
        "import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", store_dir
    )
    assert result.code == 2 and "upgrade --store" in result.err
    result = cli("upgrade", "--store", store_dir)
    assert result.code == 0, result.err
    upgraded = Store(store_dir)
    assert upgraded.secret() and upgraded.manifest()["format"] == 2
    pd.testing.assert_frame_equal(upgraded.cube().drop(columns="cell_key"), exact)
    assert upgraded.signals()["record_key"].between(0, 255).all()
