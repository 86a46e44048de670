"""Any Dutch municipality (issue 12, items 3 to 6): boundaries from PDOK (recorded answers on
a local server), population from a StatLine export, levels named after the boundaries, and a
store set up from nothing for a municipality other than Amsterdam."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import CliResult, PdokServer, cli, data_files

DATA = Path(__file__).resolve().parent / "data"
KERNCIJFERS_ERMELO = DATA / "kerncijfers" / "85039NED_UntypedDataSet_ermelo.csv"
KERNCIJFERS_ALKMAAR = DATA / "kerncijfers" / "kerncijfers_wijken_en_buurten_alkmaar.csv"
ALKMAAR_RAW = DATA / "alkmaar_wijken_2024.geojson"
WIJKEN_2016 = DATA / "wijken_2016_three_gemeenten.geojson"


def test_boundaries_downloads_every_page_of_one_gemeente(pdok: PdokServer, tmp_path: Path) -> None:
    out = tmp_path / "ermelo.gpkg"
    result = cli("boundaries", "--gemeente", "GM0233", "--jaar", "2021", "--out", out)
    assert result.code == 0, result.err
    # three pages (7 + 7 + 4 features) followed through their next links
    assert len(pdok.requests) == 3
    assert all(
        "/cbs/wijken-en-buurten-2021/ogc/v1/collections/buurten/items" in r for r in pdok.requests
    )
    assert "cursor=" not in pdok.requests[0] and "cursor=" in pdok.requests[2]
    areas = gpd.read_file(out)
    # 18 features served; the one of Harderwijk (GM0243) in the bounding box is dropped
    assert len(areas) == 17
    assert set(areas["gemeentecode"]) == {"GM0233"}
    assert "BU02431200" not in set(areas["buurtcode"])
    assert {"BU02330000", "BU02330108", "BU02339997"} <= set(areas["buurtcode"])
    assert areas.crs.to_epsg() == 28992
    assert "Ermelo (GM0233): 17 buurten" in result.out
    assert "3 pagina('s) van PDOK" in result.out


def test_boundaries_in_crs84_without_header_are_wijken_in_rd_and_then_cached(
    pdok: PdokServer, tmp_path: Path
) -> None:
    out = tmp_path / "alkmaar.gpkg"
    args = ("boundaries", "--gemeente", "361", "--niveau", "wijk", "--out", out)
    first = cli(*args)
    assert first.code == 0, first.err
    assert len(pdok.requests) == 2  # pages of 5 and 3 wijken
    areas = gpd.read_file(out)
    assert sorted(areas["wijkcode"]) == [f"WK0361{i:02d}" for i in range(1, 9)]
    # answered in CRS84 (no Content-Crs header), written in RD New: Alkmaar lies near
    # x = 111 km, y = 517 km
    assert areas.crs.to_epsg() == 28992
    x, y = areas.union_all().centroid.coords[0]
    assert 105_000 < x < 118_000 and 510_000 < y < 525_000
    # 14510 + 13650 + 8210 + 12830 + 7725 + 15590 + 12720 + 9555 inhabitants
    assert areas["aantal_inwoners"].sum() == 94_790
    assert "Alkmaar (GM0361): 8 wijken, CBS Wijken en Buurten 2024" in first.out
    assert "inwoners: CBS 2024" in first.out

    again = cli(*args)
    assert again.code == 0, again.err
    assert len(pdok.requests) == 2  # nothing asked: the cache answered
    assert "uit de cache" in again.out


def test_boundaries_offline_says_so_in_dutch_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("REGIE_PDOK_URL", f"http://127.0.0.1:{port}/wijken-{{jaar}}")
    monkeypatch.setenv("REGIE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "grenzen.gpkg"
    result = cli("boundaries", "--gemeente", "GM0233", "--out", out)
    assert result.code == 2
    assert "geen verbinding met PDOK" in result.err
    assert "Wijk- en buurtkaart" in result.err  # what to do instead
    assert "Traceback" not in result.err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_boundaries_of_a_year_pdok_lacks_or_an_unknown_gemeente(
    pdok: PdokServer, tmp_path: Path
) -> None:
    out = tmp_path / "grenzen.gpkg"
    missing = cli("boundaries", "--gemeente", "GM0233", "--jaar", "2019", "--out", out)
    assert missing.code == 2
    assert "PDOK kent dit adres niet (404) (collection not found)" in missing.err
    wrong = cli("boundaries", "--gemeente", "Ermelo", "--out", out)
    assert wrong.code == 2
    assert "'Ermelo' is geen gemeentecode" in wrong.err
    # Alkmaar's recorded wijken asked as Ermelo's: none of them is Ermelo's
    other = cli("boundaries", "--gemeente", "GM0233", "--niveau", "wijk", "--out", out)
    assert other.code == 2
    assert "geen enkele van gemeente GM0233 (wel van GM0361)" in other.err
    assert not out.exists()


def test_kerncijfers_untyped_data_set_with_padded_codes_and_secret_figures() -> None:
    from regie_analytics import cbs

    kerncijfers = cbs.read_kerncijfers(KERNCIJFERS_ERMELO)
    population = kerncijfers.population
    assert kerncijfers.year == 2021  # from the table id 85039NED in the file name
    assert kerncijfers.column == "AantalInwoners_5"
    assert kerncijfers.derived is None  # the population itself is given
    # rows 4, 7 and 15 of the file, read by hand: "BU02330000  ";...;"10790"
    assert population["BU02330000"] == 10_790
    assert population["BU02330003"] == 1_895
    assert population["BU02330105"] == 25
    assert population["GM0233"] == 26_980
    assert population["NL00"] == 17_475_415
    # "       ." is secret or unknown
    assert pd.isna(population["BU02339997"]) and pd.isna(population["WK023399"])
    assert len(population) == 25


def test_kerncijfers_table_as_shown_with_title_thousands_and_source_lines() -> None:
    from regie_analytics import cbs

    kerncijfers = cbs.read_kerncijfers(KERNCIJFERS_ALKMAAR)
    assert kerncijfers.year == 2024  # from the title line
    assert kerncijfers.origin == "CBS 2024 (StatLine, kerncijfers_wijken_en_buurten_alkmaar.csv)"
    population = kerncijfers.population
    assert population["WK036101"] == 14_510  # "14.510": a dot for thousands
    assert population["GM0361"] == 112_304
    assert len(population) == 9  # the gemeente and 8 wijken; title and source lines skipped


def test_kerncijfers_refuses_what_is_not_an_export(tmp_path: Path) -> None:
    from regie_analytics import cbs
    from regie_analytics.schema import InputError

    other = tmp_path / "ander.csv"
    other.write_text("buurt;aantal\nBU02330000;12\n")
    with pytest.raises(InputError, match="geen StatLine-export"):
        cbs.read_kerncijfers(other)
    bad = tmp_path / "kwb.csv"
    bad.write_text('"Codering_3";"AantalInwoners_5"\n"BU02330000";"10790"\n"BU02330001";"veel"\n')
    with pytest.raises(InputError) as err:
        cbs.read_kerncijfers(bad)
    assert "'veel' is geen aantal inwoners" in err.value.message
    assert err.value.row == 3 and err.value.column == "AantalInwoners_5"
    twice = tmp_path / "dubbel.csv"
    twice.write_text('"Codering_3";"AantalInwoners_5"\n"BU02330000";"1"\n"BU02330000  ";"2"\n')
    with pytest.raises(InputError, match="BU02330000 staat meer dan eens"):
        cbs.read_kerncijfers(twice)


def _import(path: Path, preset: str, mapping: Path, store: Path, *extra: str | Path) -> CliResult:
    """``import`` with a mapping file, as a user types it."""
    return cli("import", path, "--preset", preset, "--mapping", mapping, "--store", store, *extra)


def _by_hand(export: Path, boundaries: Path, code_column: str) -> pd.Series:
    """The reports of a Fixi-like export per area, placed with geopandas here (RD New
    coordinates with decimal commas, as the export writes them)."""
    rows = pd.read_csv(export, sep=";", encoding="cp1252", dtype=str)
    x = rows["X-coördinaat"].str.replace(",", ".").astype(float)
    y = rows["Y-coördinaat"].str.replace(",", ".").astype(float)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=28992)
    areas = gpd.read_file(boundaries).to_crs(28992)[[code_column, "geometry"]]
    joined = gpd.sjoin(points, areas, predicate="within")
    return joined[code_column].value_counts().sort_index()


def test_ermelo_from_an_empty_store_by_the_command_line(pdok: PdokServer, tmp_path: Path) -> None:
    from conftest import SAMPLES, municipality_export

    boundaries = tmp_path / "ermelo.gpkg"
    assert (
        cli("boundaries", "--gemeente", "GM0233", "--jaar", "2021", "--out", boundaries).code == 0
    )
    export = municipality_export(tmp_path / "fixi.csv", boundaries, n=600)
    store = tmp_path / "store"
    mapping = SAMPLES / "fixi_mapping.json"
    imported = _import(export, "generic", mapping, store, "--boundaries", boundaries)
    assert imported.code == 0, imported.err
    assert "Let op" not in imported.err  # boundaries given: no warning about Amsterdam's

    # counts at the finest level (buurt) without --level, checked against a spatial join
    out = tmp_path / "counts.csv"
    assert cli("counts", "--store", store, "--out", out).code == 0
    counts = pd.read_csv(out).set_index("area_code")["count"].sort_index()
    expected = _by_hand(export, boundaries, "buurtcode")
    assert expected.sum() == 600  # every generated report lies in a buurt of Ermelo
    assert counts.to_dict() == expected.to_dict()
    by_wijk = tmp_path / "wijk.csv"
    assert cli("counts", "--store", store, "--level", "wijk", "--out", by_wijk).code == 0
    wijken = pd.read_csv(by_wijk).set_index("area_code")["count"]
    # a buurt's wijk is in its code: BU023301xx lies in WK023301
    per_wijk = expected.groupby("WK" + expected.index.str[2:8]).sum()
    assert list(per_wijk.index) == ["WK023300", "WK023301", "WK023399"]
    assert wijken.to_dict() == per_wijk.to_dict()

    info = cli("info", "--store", store)
    assert "gemeente: Ermelo" in info.out
    assert "17 buurten, 3 wijken, 1 gemeente" in info.out
    # PDOK's preliminary 2021 figures: no aantal_inwoners, men and women given, one secret
    assert "inwoners: afgeleid uit mannen + vrouwen" in info.out
    assert "Amsterdam" not in info.out

    # the population of the StatLine export replaces it, and says so
    population = cli("population", KERNCIJFERS_ERMELO, "--store", store)
    assert population.code == 0, population.err
    assert "15 buurten met een inwonertal uit het bestand" in population.out
    assert "1 buurt zonder cijfer in het bestand" in population.out
    assert "1 buurt van de grenzen niet in het bestand: BU02330108" in population.out
    info = cli("info", "--store", store, "--json")
    assert "CBS 2021 (StatLine, 85039NED_UntypedDataSet_ermelo.csv)" in info.out
    areas = __import__("regie_analytics.store", fromlist=["Store"]).Store(store).areas()
    assert areas.loc["BU02330000", "population"] == 10_790  # row 4 of the CSV
    assert areas.loc["BU02330100", "population"] == 415  # row 14
    assert pd.isna(areas.loc["BU02330108", "population"])  # not in the CSV
    assert pd.isna(areas.loc["BU02339997", "population"])  # "." in the CSV

    # Amsterdam's requests are refused: none lies in Ermelo; the store stays as it was
    before = data_files(store)
    refused = cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", store
    )
    assert refused.code == 2
    assert "ligt in een gebied van deze store (Ermelo, 17 buurten)" in refused.err
    assert "De locaties liggen vooral in Amsterdam (GM0363" in refused.err
    assert "Er is niets geïmporteerd" in refused.err
    assert data_files(store) == before


COUNTS_MAPPING = {
    "kind": "counts",
    "source": "wijkteam",
    "columns": {"area_code": "Wijk", "period": "Maand", "theme": "Thema", "count": "Aantal"},
}


def _counts_store(tmp_path: Path, boundaries: Path, codes: list[str], *extra: str) -> Path:
    """A store on ``boundaries`` with GENERATED wijkteam counts for ``codes``."""
    import json

    from conftest import municipality_counts

    counts = municipality_counts(tmp_path / "telling.csv", codes)
    mapping = tmp_path / "telling.json"
    mapping.write_text(json.dumps(COUNTS_MAPPING))
    store = tmp_path / "store"
    result = _import(counts, "counts", mapping, store, "--boundaries", boundaries, *extra)
    assert result.code == 0, result.err
    return store


def test_wijken_as_the_finest_level_name_every_output(tmp_path: Path) -> None:
    from conftest import ALKMAAR

    codes = [f"WK0361{i:02d}" for i in range(1, 9)]
    store = _counts_store(tmp_path, ALKMAAR, codes)
    given = pd.read_csv(tmp_path / "telling.csv", sep=";")
    expected = given.groupby("Wijk")["Aantal"].sum()

    out = tmp_path / "counts.csv"
    result = cli("counts", "--store", store, "--out", out)  # no --level: the wijk
    assert result.code == 0, result.err
    counts = pd.read_csv(out).set_index("area_code")["count"]
    assert counts.to_dict() == expected.to_dict()
    assert cli("counts", "--store", store, "--level", "buurt", "--out", out).code == 2

    info = cli("info", "--store", store)
    assert "gemeente: Alkmaar" in info.out
    assert "8 wijken, 1 gemeente" in info.out and "buurt" not in info.out
    # the boundaries carry CBS's aantalInwoners
    assert "inwoners: " in info.out and "onbekend" not in info.out

    report = tmp_path / "raad.pptx"
    assert cli("report", "--store", store, "--format", "pptx", "--out", report).code == 0
    log = cli("audit", "--store", store, "--json")
    assert "alle gebieden (wijk)" in log.out


def test_kerncijfers_of_wijken_fill_a_store_without_population(tmp_path: Path) -> None:
    import json

    raw = gpd.read_file(ALKMAAR_RAW)[["wijkCode", "geometry"]]  # without aantalInwoners
    boundaries = tmp_path / "alkmaar_zonder_inwoners.geojson"
    raw.to_file(boundaries, driver="GeoJSON")
    store = _counts_store(tmp_path, boundaries, [f"WK0361{i:02d}" for i in range(1, 9)])
    info = json.loads(cli("info", "--store", store, "--json").out)
    assert info["inwoners"].startswith("onbekend")

    result = cli("population", KERNCIJFERS_ALKMAAR, "--store", store)
    assert result.code == 0, result.err
    assert "8 wijken met een inwonertal uit het bestand" in result.out
    info = json.loads(cli("info", "--store", store, "--json").out)
    assert info["inwoners"] == (
        "CBS 2024 (StatLine, kerncijfers_wijken_en_buurten_alkmaar.csv), "
        "Bevolking/Aantal inwoners (aantal)"
    )
    from regie_analytics.store import Store

    areas = Store(store).areas()
    # the CSV's "14.510" and "9.555", read by hand
    assert areas.loc["WK036101", "population"] == 14_510
    assert areas.loc["WK036108", "population"] == 9_555


def test_a_national_layer_of_2016_wijken_for_one_gemeente(tmp_path: Path) -> None:
    """The CBS 2016 wijken of three gemeenten (real, wijk the finest level, an older
    division): Alkmaar's ten wijken of 2016 taken with --gemeente."""
    codes = [f"WK0361{i:02d}" for i in range(1, 11)]
    store = _counts_store(tmp_path, WIJKEN_2016, codes, "--gemeente", "GM0361")
    info = cli("info", "--store", store)
    assert "gemeente: Alkmaar" in info.out
    assert "10 wijken, 1 gemeente" in info.out
    assert "inwoners: onbekend" in info.out
    out = tmp_path / "counts.csv"
    assert cli("counts", "--store", store, "--out", out).code == 0
    counts = pd.read_csv(out).set_index("area_code")["count"]
    expected = pd.read_csv(tmp_path / "telling.csv", sep=";").groupby("Wijk")["Aantal"].sum()
    assert counts.to_dict() == expected.to_dict()
    # counts of a wijk the 2016 division does not have are refused, the reason named
    newer = tmp_path / "nieuwer.csv"
    newer.write_text("Wijk;Maand;Thema;Aantal\nWK036111;2025-03;wonen;7\n")
    before = data_files(store)
    refused = _import(newer, "counts", tmp_path / "telling.json", store)
    assert refused.code == 2
    assert "geen van de 1 rij ligt in een gebied van deze store (Alkmaar, 10 wijken)" in refused.err
    assert "1 met een onbekende gebiedscode (WK036111)" in refused.err
    assert data_files(store) == before


def test_kerncijfers_without_population_are_derived_from_men_and_women_and_say_so(
    tmp_path: Path,
) -> None:
    from regie_analytics import cbs

    path = tmp_path / "85984NED_UntypedDataSet.csv"
    path.write_text(
        '"ID";"WijkenEnBuurten";"Codering_3";"AantalInwoners_5";"Mannen_6";"Vrouwen_7"\n'
        '"1";"BU02330000";"BU02330000  ";"       .";"5215";"5575"\n'
        '"2";"BU02330001";"BU02330001  ";"3805";"1850";"1955"\n'
        '"3";"BU02339997";"BU02339997  ";"       .";"       .";"       ."\n'
    )
    kerncijfers = cbs.read_kerncijfers(path)
    assert kerncijfers.year == 2024  # table 85984NED
    assert kerncijfers.population["BU02330000"] == 5215 + 5575
    assert kerncijfers.population["BU02330001"] == 3805  # given: not derived
    assert pd.isna(kerncijfers.population["BU02339997"])
    assert kerncijfers.derived == ("Mannen_6", "Vrouwen_7")
    assert kerncijfers.derived_codes == frozenset({"BU02330000"})


@pytest.mark.slow
def test_a_store_imported_as_generated_says_so_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``import --gegenereerd`` (the national benchmark case) marks the store as generated
    data: the manifest, ``info`` and the banner on the pages say so, without claiming the
    Amsterdam boundaries of the demo; a store imported without it shows no banner."""
    from conftest import ALKMAAR, open_app, texts

    from regie_analytics.store import Store

    codes = [f"WK0361{i:02d}" for i in range(1, 9)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    generated = _counts_store(tmp_path / "a", ALKMAAR, codes, "--gegenereerd")
    plain = _counts_store(tmp_path / "b", ALKMAAR, codes)
    assert Store(generated).manifest()["generated"] is True
    assert Store(plain).manifest()["generated"] is False
    assert "LET OP: gegenereerde demodata" in cli("info", "--store", generated).out
    monkeypatch.setenv("REGIE_STORE", str(generated))
    shown = texts(open_app())
    assert "Gegenereerde demodata" in shown and "Amsterdamse" not in shown
    monkeypatch.setenv("REGIE_STORE", str(plain))
    assert "Gegenereerde demodata" not in texts(open_app())
