"""AppTest: a new municipality from the browser alone (issue 12, item 4): on the Data page of
an empty store choose the gemeente, download its boundaries (recorded PDOK answers on a local
server), add population from a StatLine export, import an export with its mapping filled in
from recognised names, refuse an export with no row inside, and open every page with that
municipality's names and no Amsterdam."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics.store import Store
from tests.conftest import SAMPLES, PdokServer, municipality_counts, run_app, store_env, texts

DATA = Path(__file__).resolve().parent / "data"
KERNCIJFERS = DATA / "kerncijfers" / "kerncijfers_wijken_en_buurten_alkmaar.csv"
WIJKEN_2016 = DATA / "wijken_2016_three_gemeenten.geojson"


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "store"
    with store_env(root):
        yield root


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def _upload(at: AppTest, label: str, path: Path) -> None:
    (found,) = [u for u in at.get("file_uploader") if u.label == label]
    found.upload(path.name, path.read_bytes(), "text/csv")


def _success(at: AppTest) -> str:
    return "\n".join(str(s.value) for s in at.success).replace("\\", "")


PAGES = ["overzicht", "kaart", "samenhang", "trends", "buurtprofiel", "afhandeling", "presentatie"]


@pytest.mark.slow
def test_alkmaar_from_an_empty_store_on_the_data_page(
    empty_store: Path, pdok: PdokServer, served: None, tmp_path: Path
) -> None:
    at = run_app("data")
    assert [s.value for s in at.subheader] == ["1 · Gemeente", "2 · Grenzen"]
    assert not [u for u in at.get("file_uploader") if u.label.startswith("Exportbestand")]

    # 1 and 2: the gemeente from the national list, its wijken downloaded from PDOK
    at.selectbox(key="setup_gemeente").set_value("GM0361")
    at.radio(key="setup_hoe").set_value("downloaden")
    at.run()
    at.selectbox(key="setup_jaar").set_value(2024)
    at.selectbox(key="setup_niveau").set_value("wijk")
    at.run()
    _button(at, "Grenzen downloaden").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Grenzen ingesteld: 8 wijken" in _success(at)
    assert len(pdok.requests) == 2
    assert sorted(Store(empty_store).areas().index) == [f"WK0361{i:02d}" for i in range(1, 9)]
    assert [s.value for s in at.subheader] == [
        "1 · Gemeente",
        "2 · Grenzen",
        "3 · Inwoners",
        "4 · Exports importeren",
    ]
    assert "**Alkmaar** · 8 wijken, 1 gemeente" in texts(at).replace("\\", "")

    # 3: population from a StatLine export (the table as shown, with a title line)
    _upload(at, "Kerncijfers wijken en buurten (CSV uit StatLine)", KERNCIJFERS)
    at.run()
    _button(at, "Inwonertallen gebruiken").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "8 wijken met een inwonertal uit het bestand" in _success(at)
    areas = Store(empty_store).areas()
    assert areas.loc["WK036105", "population"] == 7_725  # "7.725" in the CSV
    assert "CBS 2024 (StatLine, kerncijfers_wijken_en_buurten_alkmaar.csv)" in texts(at)

    # 4: Amsterdam's requests are refused with the reason, nothing is imported
    export = "Exportbestand (CSV, Excel, Parquet, JSON/GeoJSON of zip)"
    _upload(at, export, SAMPLES / "open311_requests.json")
    at.selectbox(key="import_preset").set_value("open311")
    at.run()
    _button(at, "Controleren").click().run()
    assert not at.exception
    refused = "\n".join(str(e.value) for e in at.error).replace("\\", "")
    assert "ligt in een gebied van deze store (Alkmaar, 8 wijken)" in refused
    assert "De locaties liggen vooral in Amsterdam (GM0363" in refused
    assert not Store(empty_store).manifest()["imports"]

    # the wijkteam's counts, the mapping filled in from the column names
    counts = municipality_counts(tmp_path / "telling.csv", [f"WK0361{i:02d}" for i in range(1, 9)])
    _upload(at, export, counts)
    at.selectbox(key="import_preset").set_value("counts")
    at.run()
    mapped = {s.label: s.value for s in at.selectbox if str(s.key).startswith("map_counts_")}
    assert mapped["Gebiedscode (CBS) *"] == "Wijk"
    assert mapped["Maand *"] == "Maand"
    assert mapped["Thema *"] == "Thema"
    assert mapped["Aantal *"] == "Aantal"
    _button(at, "Controleren").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    _button(at, "Importeren").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rows = len(pd.read_csv(counts, sep=";"))
    assert f"{rows} rijen geïmporteerd" in _success(at)
    cube = Store(empty_store).cube()
    assert cube["count"].sum() == pd.read_csv(counts, sep=";")["Aantal"].sum()
    assert "1 · Gemeente" not in [s.value for s in at.subheader]  # set up: no steps any more

    # every page is Alkmaar's: its name, wijken, and no Amsterdam
    for page in PAGES:
        at = run_app(page)
        shown = texts(at) + "\n".join(str(t.value) for t in at.title)
        assert "Alkmaar" in shown, page
        assert "Amsterdam" not in shown, page
        # levels named after the boundaries: wijken, never a buurt (but in CBS's title)
        assert "buurt" not in shown.lower().replace("wijken en buurten", ""), page
        assert at.selectbox(key="niveau").options == ["wijk", "gemeente"], page


def _upload_boundaries(gemeente: str, path: Path) -> AppTest:
    """The Data page of an empty store with ``gemeente`` chosen and ``path`` uploaded as its
    boundaries."""
    at = run_app("data")
    at.selectbox(key="setup_gemeente").set_value(gemeente)
    at.radio(key="setup_hoe").set_value("uploaden")
    at.run()
    _upload(at, "Grenzenbestand (GeoJSON, GeoPackage of gezipte shapefile)", path)
    at.run()
    _button(at, "Deze grenzen gebruiken").click().run()
    return at


def test_boundaries_uploaded_from_a_national_layer_keep_the_chosen_gemeente(
    empty_store: Path, served: None
) -> None:
    # the CBS 2016 wijken of Ermelo, Harderwijk and Alkmaar: Ermelo has two of them
    at = _upload_boundaries("GM0233", WIJKEN_2016)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Grenzen ingesteld: 2 wijken" in _success(at)
    assert sorted(Store(empty_store).areas().index) == ["WK023300", "WK023301"]
    assert "**Ermelo** · 2 wijken, 1 gemeente" in texts(at).replace("\\", "")
    assert "**Inwoners:** onbekend" in texts(at)


def test_boundaries_without_the_chosen_gemeente_are_refused(
    empty_store: Path, served: None
) -> None:
    at = _upload_boundaries("GM0106", WIJKEN_2016)  # Assen: not in the file
    assert not at.exception
    refused = "\n".join(str(e.value) for e in at.error)
    assert "Deze grenzen zijn niet gebruikt; er is niets veranderd." in refused
    assert "GM0106" in refused
    assert not empty_store.exists() or not Store(empty_store).exists()
