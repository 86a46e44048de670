"""AppTest for sign-in and roles: ``st.user`` set through AppTest's own ``user``, the
``[auth]`` and ``[roles]`` settings through ``secrets``. Every check is made by the server in
the run itself: what each role sees on every page, what it is refused, and that the role
cannot be widened through the URL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics import audit
from regie_analytics.formatting import fmt_int
from regie_analytics.store import Store
from tests.conftest import ROOT, small_buurt

pytestmark = pytest.mark.slow

TIMEOUT = 120
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "een-lang-geheim-voor-de-test",
    "client_id": "regie",
    "client_secret": "geheim",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ROLES_FILE = "account,role\ncarla@gemeente.test,beheerder\n@raad.test,bestuurder\n"
USERS = {
    "bestuurder": {"email": "anna@gemeente.test", "roles": ["bestuurder"]},
    "analist": {"email": "bert@gemeente.test", "roles": ["analist"]},
    "beheerder": {"email": "carla@gemeente.test"},  # from the roles file
    "raadslid": {"email": "ria@raad.test"},  # bestuurder by the file's domain
    "zonder rol": {"email": "dirk@elders.test", "roles": ["stagiair"]},
}
DATA_TABS = ["Importeren", "Gebieden", "In de store", "Koppelen", "Taxonomie", "Logboek"]
PAGES = ("overzicht", "kaart", "samenhang", "trends", "buurtprofiel", "afhandeling", "presentatie")


@pytest.fixture(scope="module")
def roles_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rollen") / "rollen.csv"
    path.write_text(ROLES_FILE)
    return path


def _app(
    roles_file: Path | None,
    user: str | None,
    page: str | None = None,
    **query: str,
) -> AppTest:
    """The app with sign-in configured (``roles_file`` None: no ``[auth]`` at all) and
    ``user`` signed in (None: signed out), on ``page`` with ``query`` in the URL."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if roles_file is not None:
        at.secrets["auth"] = AUTH
        at.secrets["roles"] = {"claim": "roles", "file": str(roles_file), "contact": "Team IV"}
        claims = USERS.get(user or "", {})
        at.user = {"is_logged_in": user is not None, "sub": user or "", **claims}
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py")
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    return " ".join(str(p) for p in parts)


def _shows_no_numbers(at: AppTest) -> None:
    assert len(at.metric) == 0 and len(at.dataframe) == 0
    assert len(at.get("plotly_chart")) == 0
    assert len(at.sidebar.selectbox) == 0  # no filters either


def _toggle(at: AppTest):  # type: ignore[no-untyped-def]
    return next(t for t in at.sidebar.toggle if t.label == "Kleine aantallen verbergen")


def test_local_without_auth_is_one_user_with_every_right(app_store: Path) -> None:
    at = _app(None, None, "data")
    assert at.title[0].value == "Data"
    assert [t.label for t in at.tabs] == DATA_TABS
    assert any(c.value == "lokaal, zonder inloggen" for c in at.sidebar.caption)
    assert not _toggle(at).disabled


@pytest.mark.parametrize("page", [None, *PAGES, "data"])
def test_signed_out_sees_only_the_sign_in(app_store: Path, roles_file: Path, page: str) -> None:
    at = _app(roles_file, None, page)
    assert at.title[0].value == "Regie Analytics"
    assert [b.label for b in at.button] == ["Inloggen"]
    _shows_no_numbers(at)


@pytest.mark.parametrize("page", [None, "kaart", "data"])
def test_without_a_role_a_page_says_whom_to_ask(
    app_store: Path, roles_file: Path, page: str | None
) -> None:
    at = _app(roles_file, "zonder rol", page)
    assert at.title[0].value == "Nog geen toegang"
    text = _texts(at)
    assert "dirk@elders.test" in text and "Vraag een rol aan bij Team IV" in text
    assert "Uitloggen" in [b.label for b in at.button]
    _shows_no_numbers(at)


@pytest.mark.parametrize("role", ["bestuurder", "analist"])
def test_data_page_by_url_is_refused(app_store: Path, roles_file: Path, role: str) -> None:
    at = _app(roles_file, role, "data")
    assert at.title[0].value == "Geen toegang tot deze pagina"
    assert "alleen voor beheerders" in _texts(at)
    assert len(at.tabs) == 0 and len(at.metric) == 0


def test_beheerder_from_roles_file_has_the_data_page_and_the_log(
    app_store: Path, roles_file: Path
) -> None:
    at = _app(roles_file, "beheerder", "data")
    assert at.title[0].value == "Data"
    assert [t.label for t in at.tabs] == DATA_TABS
    assert any("carla@gemeente.test" in c.value and "beheerder" in c.value for c in at.caption)
    # the log is shown read only: a table, no editor, no input that could change it
    log_tab = at.tabs[DATA_TABS.index("Logboek")]
    assert len(log_tab.get("data_editor")) == 0
    assert len(log_tab.text_input) == 0 and len(log_tab.button) == 0


@pytest.mark.parametrize("role", ["bestuurder", "raadslid"])
def test_bestuurder_sees_every_dashboard_page_with_small_counts_hidden(
    app_store: Path, roles_file: Path, role: str
) -> None:
    for page in PAGES:
        at = _app(roles_file, role, page, privacy="false")
        assert at.title[0].value != "Geen toegang tot deze pagina", page
        toggle = _toggle(at)
        assert toggle.value is True and toggle.disabled, page  # the URL cannot switch it off
        assert at.session_state["_filters"].private


def test_exact_small_count_for_analist_hidden_for_bestuurder(
    app_store: Path, roles_file: Path
) -> None:
    code, count = small_buurt(app_store)
    query = {"gebied": code, "periode": "laatste maand", "privacy": "false"}
    analist = _app(roles_file, "analist", "buurtprofiel", **query)
    # the URL does not switch protection off, not even for an analist: only the toggle does
    assert {m.label: m.value for m in analist.metric}["Signalen"] == "<5"
    assert not _toggle(analist).disabled
    _toggle(analist).set_value(False).run()
    shown = {m.label: m.value for m in analist.metric}
    assert shown["Signalen"] == fmt_int(count)
    bestuurder = _app(roles_file, "bestuurder", "buurtprofiel", **query)
    assert {m.label: m.value for m in bestuurder.metric}["Signalen"] == "<5"


def test_a_broken_roles_file_lets_nobody_in(app_store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "rollen.csv"
    bad.write_text("account,role\nanna@gemeente.test,directeur\n")
    at = _app(bad, "bestuurder")
    assert "niemand kan het dashboard nu openen" in at.error[0].value
    assert "onbekende rol 'directeur'" in at.error[0].value
    _shows_no_numbers(at)


def test_beheerder_deletes_an_import_and_it_is_recorded(
    demo_store: Path, roles_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    monkeypatch.setenv("REGIE_STORE", str(store))
    before = Store(store).manifest()["imports"]
    records = len(audit.read(store).records)
    at = _app(roles_file, "beheerder", "data")
    next(s for s in at.selectbox if s.label == "Import").set_value(before[-1]["id"]).run()
    next(c for c in at.checkbox if c.label.startswith("Ik weet")).check().run()
    button = next(b for b in at.button if b.label == "Import verwijderen")
    assert not button.disabled
    button.click().run()
    assert not at.exception
    assert f"Import {before[-1]['id']} ({before[-1]['file']}) is verwijderd." in [
        s.value for s in at.success
    ]
    assert Store(store).manifest()["imports"] == before[:-1]
    log = audit.read(store)
    assert len(log.records) == records + 1
    entry = log.records[-1]
    assert (entry["user"], entry["role"], entry["action"]) == (
        "carla@gemeente.test",
        "beheerder",
        "import verwijderd",
    )
    assert entry["rows"] == before[-1]["rows_imported"]
    assert entry["file_hash"] == before[-1]["sha256"]
