"""Chromium: a municipality other than Amsterdam set up from the browser alone (issue 12,
item 4). From an empty store, on the Data page: choose Ermelo, upload its CBS buurten, upload a
Fixi-like export (GENERATED reports), check the mapping filled in from its column names,
import; then every page opens without an exception, with Ermelo's name and no Amsterdam."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from regie_analytics.store import Store
from regie_analytics.ui.dataio import PRESET_LABELS
from tests import test_e2e
from tests.conftest import municipality_export
from tests.test_e2e import _open, _rerun, _streamlit, _tab, _wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
browser = test_e2e.browser  # the same module-scoped Chromium fixture

ERMELO = Path(__file__).resolve().parent / "data" / "ermelo_buurten_2021.gpkg"
PAGES = {
    "/": "Overzicht",
    "/kaart": "Kaart",
    "/samenhang": "Samenhang",
    "/trends": "Trends",
    "/buurtprofiel": "Buurtprofiel",
    "/afhandeling": "Afhandeling",
    "/presentatie": "Presentatie",
}


def _upload(page: Page, label: str, path: Path) -> None:
    """Upload ``path`` and wait until the uploader shows it and the run it starts is done."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    _rerun(page, lambda: uploader.locator('input[type="file"]').set_input_files(path))
    expect(uploader.locator('[data-testid="stFileChip"]')).to_have_count(1)
    expect(uploader.locator('[data-testid="stFileChipIconSpinner"]')).to_have_count(0)
    _wait_idle(page, heading=False)


def _type_choice(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the selectbox ``label`` by typing it (its list opens as one types)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def _click(page: Page, name: str) -> None:
    _rerun(page, lambda: page.get_by_role("button", name=name, exact=True).click())


def _no_exception(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def test_ermelo_from_an_empty_store_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    store = tmp_path / "store"
    export = municipality_export(tmp_path / "meldingen_ermelo.csv", ERMELO, n=400)
    with _streamlit(store, tmp_path / "server.log") as base, _tab(browser, base) as page:
        _open(page, "/data")
        expect(page.get_by_text("1 · Gemeente")).to_be_visible()

        # 1: the gemeente, typed in the national list
        _rerun(page, lambda: _type_choice(page, "Gemeente", "Ermelo (GM0233)"))

        # 2: its CBS buurten, uploaded
        upload_choice = "Bestand uploaden (GeoJSON, GeoPackage of gezipte shapefile)"
        _rerun(page, lambda: page.get_by_text(upload_choice).click())
        _upload(page, "Grenzenbestand", ERMELO)
        _click(page, "Deze grenzen gebruiken")
        _no_exception(page)
        expect(page.get_by_text("Grenzen ingesteld: 17 buurten")).to_be_visible()
        assert len(Store(store).areas()) == 17

        # 4: the export, its columns mapped from their names, checked and imported
        _upload(page, "Exportbestand", export)
        _rerun(page, lambda: _type_choice(page, "Soort export", PRESET_LABELS["generic"]))
        mapped = page.get_by_role("combobox", name="Id van de melding *", exact=True)
        expect(mapped).to_have_value("Meldingnummer")
        expect(page.get_by_role("combobox", name="x / lengtegraad", exact=True)).to_have_value(
            "X-coördinaat"
        )
        _click(page, "Controleren")
        _no_exception(page)
        _click(page, "Importeren")
        _no_exception(page)
        expect(page.get_by_text("400 rijen geïmporteerd")).to_be_visible()
        assert int(Store(store).cube()["count"].sum()) == 400

        # every page is Ermelo's
        for path, title in PAGES.items():
            _open(page, path)
            _no_exception(page)
            sidebar = page.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_text("Ermelo").first).to_be_attached()
            assert "Amsterdam" not in page.locator("body").inner_text(), path
            if path != "/presentatie":
                expect(page.locator("h1").first).to_contain_text(title)
