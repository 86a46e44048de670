"""Every page on every kind of store a municipality can have, and every link a user can
mistype: a Dutch explanation of what is missing and what to do, never a traceback.

Stores: empty; one domain with three months and no population (the wijkteam's counts); one
domain with seven months (the Open311 sample); both domains without population (the demo's
files on the bundled buurten); a store on other boundaries (Amsterdam requests on Alkmaar's
wijken); a damaged store (an unexpected error: the user gets a reference, the log the
traceback). Command-line inputs that make no sense exit 2 with a Dutch message.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from regie_analytics.store import Store
from tests.conftest import (
    APP_TIMEOUT,
    ROOT,
    SAMPLES,
    cli,
    open_app,
    open_page,
    store_env,
    texts,
)

PAGES = ("overzicht", "kaart", "samenhang", "trends", "buurtprofiel", "afhandeling", "data")
NO_STORE = "Er zijn nog geen gegevens"
OUTSIDE = "Geen enkel signaal in de store ligt binnen de grenzen van de store"
NO_POPULATION = "geen inwonertallen"
# per store and page: a text the page must show (what is missing, what to do)
EXPECTED: dict[str, dict[str, str]] = {
    "empty": {page: NO_STORE for page in (*PAGES, "presentatie")},
    "social": {
        "overzicht": "importeer meldingen over de openbare ruimte",
        "kaart": NO_POPULATION,
        "samenhang": "importeer meldingen over de openbare ruimte",
        "trends": "minstens 10 maanden met signalen nodig; deze selectie heeft er 3",
        "buurtprofiel": "Kies een gebied",
        "afhandeling": "Doorlooptijden bestaan alleen voor losse meldingen",
        "data": "Taxonomie",
        "presentatie": "rangorde naar grootte",
    },
    "physical": {
        "overzicht": "importeer sociale tellingen",
        "kaart": NO_POPULATION,
        "samenhang": "importeer sociale tellingen",
        "trends": "minstens 13 maanden gegevens (een jaar om het seizoenspatroon te kennen); "
        "deze gegevens hebben er 7",
        "buurtprofiel": "Kies een gebied",
        "afhandeling": "Per gebied",
        "data": "Taxonomie",
        "presentatie": "rangorde naar grootte",
    },
    "nopop": {
        "overzicht": "rangorde naar grootte",
        "kaart": NO_POPULATION,
        "samenhang": "rangorde naar grootte",
        "trends": "Hotspots in de tijd",
        "buurtprofiel": "Kies een gebied",
        "afhandeling": "Per gebied",
        "data": "Taxonomie",
        "presentatie": "rangorde naar grootte",
    },
    "foreign": {
        **{page: OUTSIDE for page in ("overzicht", "kaart", "samenhang", "trends")},
        "buurtprofiel": "Kies een gebied",
        "afhandeling": OUTSIDE,
        "data": "Buiten gebied",
        "presentatie": OUTSIDE,
    },
}


def _all_text(at: AppTest) -> str:
    """What the page says: titles, subheaders, metrics, tabs and the texts."""
    parts = [texts(at)]
    parts += [e.value for kind in ("title", "subheader", "header") for e in at.get(kind)]
    parts += [m.label for m in at.metric] + [t.label for t in at.tabs]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory,
    social_store: Path,
    base_store: Path,
    nopop_store: Path,
    foreign_store: Path,
) -> dict[str, Path]:
    return {
        "empty": tmp_path_factory.mktemp("leeg") / "store",
        "social": social_store,
        "physical": base_store,
        "nopop": nopop_store,
        "foreign": foreign_store,
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_page_explains_instead_of_failing(stores: dict[str, Path], kind: str) -> None:
    with store_env(stores[kind]):
        for page, expected in EXPECTED[kind].items():
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
            open_page(at, None, {})  # no exception element, no error message
            if page != "overzicht":
                open_page(at, page, {})
            assert expected in _all_text(at), (kind, page, _all_text(at)[:2000])


def test_unexpected_error_shows_a_reference_not_a_traceback(
    base_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "store"
    shutil.copytree(base_store, damaged)
    current = Store(damaged).current
    assert current is not None
    for name in ("cube.parquet", "cube_dims.parquet"):  # what the first page reads
        (current / name).write_bytes(b"geen parquet")
    old = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "none")  # as .streamlit/config.toml
    try:
        with store_env(damaged), caplog.at_level(logging.ERROR, logger="regie_analytics"):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()
    finally:
        config.set_option("client.showErrorDetails", old)
    assert not at.exception
    messages = [e.value for e in at.error]
    assert len(messages) == 1 and messages[0].startswith("Er ging iets mis (referentie RA-")
    found = re.search(r"referentie (RA-[0-9A-F]{6})\)", messages[0])
    assert found is not None
    reference = found.group(1)
    logged = [r for r in caplog.records if r.getMessage().startswith(reference)]
    assert len(logged) == 1 and logged[0].exc_info is not None  # the traceback is in the log


# --- links -------------------------------------------------------------------------------------


def _linked(store: Path, page: str | None, params: dict[str, str | list[str]]) -> AppTest:
    """Open ``page`` from a link with ``params``."""
    with store_env(store):
        return open_app(page, params=params)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "params", "notice"),
    [
        (None, {"periode": "volgende eeuw"}, "Onbekende periode 'volgende eeuw'"),
        (None, {"domein": ["sociaal", "cultuur"]}, "Onbekend domein 'cultuur'"),
        (None, {"thema": "bestaat niet"}, "Het thema 'bestaat niet'"),
        (None, {"kanaal": "postduif"}, "Onbekend kanaal 'postduif'"),
        ("kaart", {"niveau": "provincie"}, "Onbekend gebiedsniveau 'provincie'"),
        (
            "kaart",
            {"periode": "aangepast", "maanden": ["2025-13", "2025-99"]},
            "ongeldige periode '2025-13:2025-99'",
        ),
        ("buurtprofiel", {"gebied": "XYZ"}, "Het gebied 'XYZ' komt in deze gegevens niet voor"),
        ("trends", {"trend_gebied": "BU0000XX00"}, "Het gebied 'BU0000XX00'"),
    ],
)
def test_a_wrong_link_gets_a_visible_notice(
    demo_store: Path, page: str | None, params: dict[str, str | list[str]], notice: str
) -> None:
    at = _linked(demo_store, page, params)
    warnings = [str(w.value).replace("\\", "") for w in at.warning]  # as the user reads them
    assert any("Deze link klopt niet helemaal" in w and notice in w for w in warnings), warnings


@pytest.mark.slow
def test_a_period_in_months_in_a_link_is_read_with_the_one_parser(demo_store: Path) -> None:
    at = _linked(demo_store, "kaart", {"periode": "aangepast", "maanden": ["2025-01", "2025-06"]})
    assert not any("Deze link klopt niet" in w.value for w in at.warning)
    assert any("Filter: jan 2025 – jun 2025" in c.value for c in at.caption)


@pytest.mark.slow
def test_a_shared_link_opens_the_trend_split(demo_store: Path) -> None:
    """The split is bound to the URL (the browser test checks that choosing it writes it)."""
    shared = _linked(demo_store, "trends", {"trend_per": "thema"})
    assert shared.get("button_group")[0].value == "theme"


# --- the command line --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyse", "hotspots", "--level", "buurt", "--period", "2025-13:2025-99"], "periode"),
        (["analyse", "samenhang", "--level", "buurt", "--period", "2019-01:2019-12"], "buiten"),
        (["analyse", "hotspots", "--level", "buurt", "--period", "2026-06:2026-01"], "begint na"),
        (["analyse", "hotspots", "--level", "buurt", "--theme", "cultuur"], "onbekend thema"),
        (["analyse", "samenhang", "--level", "provincie"], "ongeldige keuze"),
        (["analyse", "samenhang", "--level", "buurt", "--domain", "cultuur"], "ongeldige keuze"),
        (["counts", "--level", "wijk", "--period", "2025-13:2025-99"], "ongeldige periode"),
        (["report", "--format", "pdf", "--period", "2025-00:2025-05"], "ongeldige periode"),
        (["report", "--format", "pdf", "--area", "XYZ"], "onbekende gebiedscode 'XYZ'"),
    ],
)
def test_cli_refuses_nonsense_in_dutch(
    demo_store: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "uit.csv"
    result = cli(*args, "--store", demo_store, "--out", out)
    assert result.code == 2, result.err
    assert message in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_cli_refuses_a_domain_the_store_does_not_have(social_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "uit.csv"
    result = cli(
        "analyse", "hotspots", "--store", social_store, "--level", "buurt", "--domain", "fysiek",
        "--out", out,
    )  # fmt: skip
    assert result.code == 2
    assert "onbekend domein 'fysiek': dat komt in deze gegevens niet voor" in result.err
    assert "kies uit sociaal" in result.err
    assert not out.exists()


def test_cli_refuses_a_store_whose_signals_lie_outside_its_boundaries(
    foreign_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "uit.csv"
    result = cli("analyse", "samenhang", "--store", foreign_store, "--level", "wijk", "--out", out)
    assert result.code == 2
    assert "Geen enkel signaal in de store ligt binnen de grenzen" in result.err
    assert "300 liggen buiten het gebied" in result.err
    assert not out.exists()


def test_open311_service_code_is_no_subcategory(base_store: Path) -> None:
    signals = Store(base_store).signals()
    assert signals["subcategory"].astype("string").fillna("").eq("").all()
    assert (SAMPLES / "open311_requests.json").read_text().count('"service_code"') == 300
