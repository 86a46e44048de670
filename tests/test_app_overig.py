"""AppTest: the 'overig' notice on every page, honest about the filters, and taking unknown
categories over on the Data page (Koppelen tab and Import tab) into the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics import aggregate, audit, privacy
from regie_analytics.formatting import fmt_int
from regie_analytics.store import Store
from regie_analytics.ui.components import overig_text
from regie_analytics.ui.filters import Filters
from tests.conftest import (
    cli,
    located,
    overig_figures,
    protected_count,
    run_app,
    unknown_export,
)

PAGES = ["overzicht", "kaart", "samenhang", "trends", "afhandeling", "buurtprofiel"]
DEMO = (
    "In deze gegenereerde demodata is dat bewust: de categorie 'nieuwe-categorie' laat zien hoe "
    "u onbekende categorieën koppelt. "
)


@pytest.fixture
def overig_store(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo store plus 4 Open311 requests in its last month: 1 known pothole, 3 unknown."""
    root = tmp_path / "store"
    shutil.copytree(demo_store, root)
    month = Store(root).cube()["month"].max()
    export = tmp_path / "open311.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        f"1,{month}-02T10:00:00,Potholes in road,52.3731,4.8922\n"
        f"2,{month}-02T11:00:00,Potholes in road,52.3731,4.8922\n"
        f"3,{month}-03T11:00:00,Pothole,52.3731,4.8922\n"
        f"4,{month}-03T12:00:00,Spaceship landing,52.3731,4.8922\n",
        encoding="utf-8",
    )
    assert cli("import", export, "--preset", "open311", "--store", root).code == 0
    monkeypatch.setenv("REGIE_STORE", str(root))
    return root


@pytest.fixture
def small_store(overig_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``overig_base``: 300 known and 6 unknown Open311 requests."""
    root = tmp_path / "store"
    shutil.copytree(overig_base, root)
    monkeypatch.setenv("REGIE_STORE", str(root))
    return root


def _overig(store: Path) -> int:
    cube = Store(store).cube()
    return int(cube.loc[cube["domain"] == "overig", "count"].sum())


def _notices(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "'overig'" in i.value]


def _button(at: AppTest, start: str) -> object:
    found = [b for b in at.button if b.label.startswith(start)]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def _taxonomy_rows(store: Path) -> list[list[str]]:
    """Rows of the store's own taxonomy file (the current version's taxonomy.csv)."""
    current = Store(store).current
    assert current is not None
    table = pd.read_csv(current / "taxonomy.csv", dtype="str", keep_default_na=False)
    return table[["source", "category", "subcategory", "domain", "theme"]].values.tolist()


# --- the notice on every page ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_how_many_are_in_overig(overig_store: Path, page: str) -> None:
    at = run_app(page, gebied="BU0363AF05") if page == "buurtprofiel" else run_app(page)
    # the demo's own 'nieuwe-categorie' plus 3 requests not recognised, hidden by default
    assert _notices(at) == [
        f"{overig_figures(overig_store)} in de gekozen periode vallen in 'overig': de categorie is "
        f"niet herkend. {DEMO}Ze worden niet getoond; kies 'overig' bij Domein om ze te zien."
    ]


@pytest.mark.slow
def test_notice_says_overig_is_included_when_selected(overig_store: Path) -> None:
    at = run_app("overzicht", domein=["fysiek", "sociaal", "overig"])
    assert _notices(at) == [
        f"{overig_figures(overig_store)} in de gekozen periode vallen in 'overig': de categorie is "
        f"niet herkend. {DEMO}Ze zijn in dit filter meegeteld, als apart domein 'overig'."
    ]


@pytest.mark.slow
def test_presentation_says_it_at_the_foot_of_every_slide(overig_store: Path) -> None:
    at = run_app("presentatie")
    captions = [c.value for c in at.caption]
    assert captions[0].startswith("Dia 1 van ")
    assert (
        f"Niet meegeteld: {overig_figures(overig_store)} waarvan de categorie niet is herkend."
        in (captions)
    )
    assert not _notices(at)  # no box, no link on the projector


@pytest.mark.slow
def test_domain_filter_offers_overig(overig_store: Path) -> None:
    at = run_app("overzicht")
    domain = at.sidebar.multiselect(key="domein")
    assert domain.options == ["fysiek", "sociaal", "overig"]
    assert domain.value == ["fysiek", "sociaal"]


@pytest.mark.slow
def test_notice_number_is_what_overzicht_adds_with_overig(overig_store: Path) -> None:
    """Exact view: the notice's number is exactly what choosing 'overig' in the domain filter
    adds to the Overzicht's total. Protected view (the default): the notice's number is the
    Overzicht's protected "Signalen overig", the same cell, and its total is a cell of its
    own, within the p-table's deviation of the domains' sum."""
    cube = located(overig_store)
    overig = cube.loc[cube["domain"] == "overig"]
    n = int(overig["count"].sum())
    without = run_app("overzicht", privacy=False)
    with_overig = run_app("overzicht", domein=["fysiek", "sociaal", "overig"], privacy=False)
    assert _notices(with_overig)[0].startswith(f"{fmt_int(n)} signalen (")
    assert _total(with_overig) == _total(without) + n

    protected = run_app("overzicht", domein=["fysiek", "sociaal", "overig"])
    shown = protected_count(overig)
    assert _notices(protected)[0].startswith(f"{fmt_int(shown)} signalen (")
    assert _metric(protected, "Signalen overig") == fmt_int(shown)
    domains = sum(int(_metric(protected, f"Signalen {d}").replace(".", "")) for d in DOMAINS)
    assert _total(protected) == protected_count(cube)
    assert abs(_total(protected) - domains) <= privacy.PTABLE.max_deviation * (len(DOMAINS) + 1)


DOMAINS = ("fysiek", "sociaal", "overig")


@pytest.mark.slow
def test_notice_with_a_theme_filter_that_leaves_overig_out(overig_store: Path) -> None:
    at = run_app("overzicht", domein=["fysiek", "sociaal", "overig"], thema=["schoon"])
    assert _notices(at)[0].endswith(
        "Ze worden niet getoond: het themafilter laat ze weg; kies ook het thema 'overig' om ze "
        "te zien."
    )


def _total(at: AppTest) -> int:
    return int(_metric(at, "Totaal").replace(".", ""))


# --- the sentence, for every combination of filters ----------------------------------------


def _sel(**changes: object) -> Filters:
    base = {
        "start": "2025-01",
        "end": "2025-12",
        "domains": ("fysiek", "sociaal"),
        "themes": (),
        "channels": (),
        "level": "buurt",
    }
    return Filters(**{**base, **changes})  # type: ignore[arg-type]


HEAD = "in de gekozen periode vallen in 'overig': de categorie is niet herkend. "


@pytest.mark.parametrize(
    ("n", "total", "sel", "options", "expected"),
    [
        (6, 306, _sel(), {}, f"6 signalen (2%) {HEAD}Ze worden niet getoond; kies 'overig' "),
        (
            6,
            306,
            _sel(domains=("fysiek", "sociaal", "overig")),
            {},
            f"6 signalen (2%) {HEAD}Ze zijn in dit filter meegeteld, als apart domein",
        ),
        (
            6,
            306,
            _sel(domains=("overig",), themes=("overig",)),
            {},
            f"6 signalen (2%) {HEAD}Ze zijn in dit filter meegeteld",
        ),
        (
            6,
            306,
            _sel(domains=("fysiek", "overig"), themes=("afval",)),
            {},
            f"6 signalen (2%) {HEAD}Ze worden niet getoond: het themafilter laat ze weg",
        ),
        # 1 of 306 is 0,33%: one decimal below 1%
        (
            1,
            306,
            _sel(private=False),
            {},
            "1 signaal (0,3%) in de gekozen periode valt in 'overig'",
        ),
        # small (protected) counts hidden: on screen by default, always in the presentation,
        # even for the analyst's exact view; no share
        (4, 306, _sel(private=True), {}, f"<5 signalen {HEAD}Ze worden niet getoond"),
        (1, 306, _sel(private=True), {}, f"<5 signalen {HEAD}"),
        (5, 306, _sel(private=True), {}, f"5 signalen (2%) {HEAD}"),
        (
            3,
            306,
            _sel(private=False),
            {"presentation": True, "generated": True},
            "Niet meegeteld: <5 signalen waarvan de categorie niet is herkend.",
        ),
        (
            30,
            306,
            _sel(domains=("fysiek", "sociaal", "overig")),
            {"presentation": True},
            "Meegeteld als 'overig': 30 signalen (10%) waarvan de categorie niet is herkend.",
        ),
        # the Data page: the whole store
        (6, 306, None, {}, "6 signalen (2%) in de store vallen in 'overig': de categorie is "),
        (
            6,
            306,
            None,
            {"generated": True},
            f"niet herkend. {DEMO}Dat kan op het tabblad 'Koppelen'.",
        ),
    ],
)
def test_overig_text(
    n: int, total: int, sel: Filters | None, options: dict[str, bool], expected: str
) -> None:
    assert expected in overig_text(n, total, sel, **options)


def test_domain_count_by_hand() -> None:
    cube = pd.DataFrame(
        {
            "area_code": ["BU1", "BU1", "BU2", "BU2", "ZONDER_LOCATIE"],
            "month": ["2025-01", "2025-02", "2025-02", "2025-03", "2025-02"],
            "domain": ["overig", "overig", "fysiek", "overig", "overig"],
            "channel": ["web", "web", "web", "web", "telefoon"],
            "count": [1, 2, 10, 4, 8],
        }
    )
    assert aggregate.domain_count(cube, "overig") == (15, 25)
    assert aggregate.domain_count(cube, "overig", start="2025-02", end="2025-02") == (10, 20)
    assert aggregate.domain_count(cube, "overig", channels=["web"]) == (7, 17)
    assert aggregate.domain_count(cube, "overig", located=True) == (7, 17)


# --- taking suggestions over on the Data page ------------------------------------------------


@pytest.mark.slow
def test_koppelen_takes_every_suggestion_over(small_store: Path, served: None) -> None:
    at = run_app("data")
    assert _overig(small_store) == 6
    assert any(
        "6 signalen in 3 categorieën zijn niet herkend en staan in 'overig'" in m.value
        for m in at.markdown
    )
    suggestions = at.data_editor[0].value
    assert suggestions[["Categorie", "Lijkt op", "Aantal", "Geldt voor"]].values.tolist() == [
        ["Graffitti", "Graffiti", 3, "hele categorie"],
        [
            "Straatverlichtng",
            "Wegen, verkeer, straatmeubilair / Straatverlichting",
            2,
            "hele categorie",
        ],
    ]
    _button(at, "Neem 2 voorstellen over en deel de store opnieuw in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # 3 + 2 signals classified; the spaceship stays
    assert _overig(small_store) == 1
    assert [s.value for s in at.success] == [
        "2 voorstellen overgenomen in de taxonomie; de store is opnieuw ingedeeld: in 'overig' "
        "van 6 naar 1 signaal (5 ingedeeld)."
    ]
    rows = _taxonomy_rows(small_store)
    assert ["*", "Graffitti", "*", "fysiek", "schoon"] in rows
    assert ["*", "Straatverlichtng", "*", "fysiek", "wegen en verkeer"] in rows
    assert Store(small_store).info()["per_domein"]["overig"] == 1
    # the audit log says who changed the taxonomy, and what it did
    (entry,) = [e for e in audit.read(small_store).records if e["action"] == "taxonomie"]
    assert entry["role"] == "lokaal"
    assert entry["details"]["overig"] == "6 -> 1 signalen"
    assert entry["details"]["toegevoegd"] == "2 regels"
    # the page now lists only the spaceship, with nothing to suggest
    assert not [b for b in at.button if b.label.startswith("Neem")]
    assert any("1 signaal in 1 categorie is niet herkend" in m.value for m in at.markdown)


@pytest.mark.slow
def test_koppelen_takes_only_the_ticked_suggestions_over(small_store: Path, served: None) -> None:
    # the analyst unticks the second suggestion ('Straatverlichtng')
    at = run_app("data")
    editor = at.data_editor[0]
    edits = {"edited_rows": {1: {"Overnemen": False}}, "added_rows": [], "deleted_rows": []}
    at.session_state[str(editor.key)] = edits
    at.run()
    _button(at, "Neem 1 voorstel over en deel de store opnieuw in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _overig(small_store) == 6 - 3
    rows = _taxonomy_rows(small_store)
    assert ["*", "Graffitti", "*", "fysiek", "schoon"] in rows
    assert not [r for r in rows if r[1] == "Straatverlichtng"]


@pytest.mark.slow
def test_import_tab_takes_suggestions_over_then_imports(small_store: Path, served: None) -> None:
    """A new export with 2 more 'Graffitti' and 1 'Ruimteschip': accepting the suggestion on
    the Import tab classifies the 3 stored 'Graffitti' at once; after checking again, the
    import adds the 2 new ones as known and the spaceship to 'overig'."""
    export = unknown_export(
        small_store.parent / "nieuw.csv",
        [(20, "Graffitti"), (21, "Graffitti"), (22, "Ruimteschip")],
    )
    at = run_app("data")
    at.file_uploader[0].upload("nieuw.csv", export.read_bytes(), "text/csv")
    at.run()
    next(s for s in at.selectbox if s.label == "Soort export").set_value("open311").run()
    _button(at, "Controleren").click().run()
    assert not at.exception, [e.value for e in at.exception]
    suggestions = at.data_editor[0].value
    assert suggestions[["Categorie", "Lijkt op", "Aantal"]].values.tolist() == [
        ["Graffitti", "Graffiti", 2]
    ]
    _button(at, "Neem 1 voorstel over en deel de store opnieuw in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _overig(small_store) == 6 - 3
    assert ["*", "Graffitti", "*", "fysiek", "schoon"] in _taxonomy_rows(small_store)
    assert [s.value for s in at.success] == [
        "1 voorstel overgenomen in de taxonomie; de store is opnieuw ingedeeld: in 'overig' van "
        "6 naar 3 signalen (3 ingedeeld). Controleer het bestand opnieuw: dan wordt de nieuwe "
        "indeling gebruikt."
    ]
    _button(at, "Controleren").click().run()
    assert _metric(at, "Onbekende categorie") == "1"
    _button(at, "Importeren").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _overig(small_store) == 3 + 1
    assert Store(small_store).info()["meldingen_totaal"] == 306 + 3


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))
