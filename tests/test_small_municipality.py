"""A small municipality's real boundaries, every page at every level a user can pick.

Ermelo (CBS buurten 2021: 17 buurten in 3 wijken, one of which borders both others) with a few
hundred signals over three years: most cells are small or empty, and at the wijk level one
area's neighbourhood is the whole municipality. Every page must show its figures or say why
not, never fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from tests.conftest import cli, open_app

ERMELO = Path(__file__).parent / "data" / "ermelo_buurten_2021.gpkg"
PAGES = ["overzicht", "kaart", "samenhang", "trends", "buurtprofiel", "afhandeling", "data"]
CATEGORIES = [
    ("wegen-verkeer-straatmeubilair", "Fysiek"),
    ("afval", "Fysiek"),
    ("schulden en armoede", "Sociaal"),
    ("eenzaamheid en welzijn", "Sociaal"),
]


@pytest.fixture(scope="module", params=["met inwoners", "zonder inwoners"])
def ermelo_store(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """About 700 seeded signals at random places in Ermelo's buurten, imported through the
    command line with the real boundaries: with CBS's population, and without any (only codes,
    names and shapes: counts instead of rates on every page)."""
    folder = tmp_path_factory.mktemp("ermelo")
    boundaries = ERMELO
    if request.param == "zonder inwoners":
        bare = gpd.read_file(ERMELO)[["buurtcode", "buurtnaam", "wijkcode", "wijknaam",
                                      "gemeentecode", "gemeentenaam", "geometry"]]  # fmt: skip
        boundaries = folder / "ermelo_zonder_inwoners.gpkg"
        bare.to_file(boundaries, layer="CBS_Buurten")
    buurten = gpd.read_file(ERMELO).to_crs(28992)
    rng = np.random.default_rng(5)
    points = buurten.sample_points(size=40, rng=rng).explode(index_parts=False)
    n = len(points)
    received = pd.Timestamp("2023-11-01") + pd.to_timedelta(rng.integers(0, 1090, n), unit="D")
    signals = pd.DataFrame(
        {
            "nummer": [f"E{i:06d}" for i in range(n)],
            "datum": received.strftime("%Y-%m-%d %H:%M:%S"),
            "afgehandeld": (received + pd.to_timedelta(rng.integers(1, 60, n), unit="D")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "categorie": [CATEGORIES[i][0] for i in rng.integers(0, len(CATEGORIES), n)],
            "kanaal": rng.choice(["App", "Telefoon", "Internet"], n),
            "x": points.x.round(2).to_numpy(),
            "y": points.y.round(2).to_numpy(),
        }
    )
    csv = folder / "ermelo.csv"
    signals.to_csv(csv, index=False)
    mapping = folder / "ermelo.json"
    mapping.write_text(
        json.dumps(
            {
                "kind": "signals",
                "source": "Ermelo (gegenereerd)",
                "columns": {
                    "signal_id": "nummer",
                    "received_at": "datum",
                    "closed_at": "afgehandeld",
                    "category": "categorie",
                    "channel": "kanaal",
                    "x": "x",
                    "y": "y",
                },
            }
        )
    )
    store = folder / "store"
    result = cli(
        "import", csv, "--preset", "generic", "--mapping", mapping,
        "--boundaries", boundaries, "--store", store,
    )  # fmt: skip
    assert result.code == 0, result.err
    from regie_analytics.store import Store

    population = Store(store).areas()["population"]
    assert population.notna().any() == (request.param == "met inwoners")
    return store


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_at_every_level_of_a_small_municipality(
    ermelo_store: Path, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGIE_STORE", str(ermelo_store))
    at = open_app(page)
    levels = at.sidebar.selectbox(key="niveau").options
    assert levels[:2] == ["buurt", "wijk"] and "gemeente" in levels
    for level in levels:
        for private in (True, False):
            at = open_app(page, state={"niveau": level, "privacy": private})
            where = f"{page}, {level}, {'beschermd' if private else 'exact'}"
            assert not at.exception, (where, [e.value for e in at.exception])
            assert not at.error, (where, [e.value for e in at.error])
            if page in ("overzicht", "kaart", "samenhang", "trends"):  # figures, or why not
                assert at.get("plotly_chart") or any("te weinig" in i.value for i in at.info), where


def test_the_quadrant_caption_names_what_it_circles() -> None:
    """A municipality with one area high in both domains gets "Omcirkeld 1", not "1–1"."""
    from regie_analytics.ui import views

    assert views.circled_caption(1).startswith("Omcirkeld 1: het eerste gebied van de lijst")
    assert views.circled_caption(3).startswith("Omcirkeld 1–3: de eerste 3 van de lijst")
    assert views.circled_caption(12).startswith("Omcirkeld 1–5: de eerste 5 van de lijst")


def test_the_profile_shows_inhabitants_only_where_there_are_any(
    ermelo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CBS's population the profile shows the inhabitants and the rate per 1,000; without
    any, no empty "–" tiles: the signals and the share social, and the note why."""
    from regie_analytics.store import Store

    monkeypatch.setenv("REGIE_STORE", str(ermelo_store))
    areas = Store(ermelo_store).areas()
    code = str(areas.index[0])
    at = open_app("buurtprofiel", params={"gebied": code})
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    if areas["population"].notna().any():
        assert labels == ["Signalen", "Inwoners", "Per 1.000 inwoners", "Aandeel sociaal"]
        assert {m.label: m.value for m in at.metric}["Inwoners"] != "–"
    else:
        assert labels == ["Signalen", "Aandeel sociaal"]
        assert any("geen inwonertallen" in c.value for c in at.caption)


@pytest.mark.parametrize("population", [True, False])
def test_the_generated_data_banner_names_inhabitants_only_when_there_are_any(
    population: bool,
) -> None:
    from streamlit.testing.v1 import AppTest

    def page(population: bool) -> None:
        from types import SimpleNamespace

        from regie_analytics.ui import components

        data = SimpleNamespace(generated=True, has_population=population, municipality="Ermelo")
        components.demo_banner(data)  # type: ignore[arg-type]
        components.demo_banner(data, thin=True)  # type: ignore[arg-type]

    at = AppTest.from_function(page, args=(population,)).run()
    assert not at.exception, [e.value for e in at.exception]
    [banner] = [w.value for w in at.warning]
    [line] = [m.value for m in at.markdown if "Gegenereerde demodata" in m.value]
    for text in (banner, line):
        assert "geen echte meldingen" in text
        assert ("geen echte inwonertallen" in text) == population, text
