"""Sign-in in a real browser against a real OpenID Connect provider on localhost.

The fixtures start ``oidc-provider-mock`` (a real OIDC provider: authorization code flow,
signed ID tokens, end-session endpoint) on a free port with four users, and the dashboard on a
copy of the demo store with an ``[auth]`` section pointing at it, a roles file, and a 1 MB
upload limit. Chromium signs in as a bestuurder (role claim), an analist (role claim), a
beheerder (roles file) and a user without a role, checks what each sees, may open by URL and
may download, what the audit log records for it, and that after sign-out no page shows a
number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    Page,
    Request,
    Route,
    expect,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from regie_analytics import audit
from regie_analytics.store import Store

# importing the browser tests skips this module too where Chromium is missing
from tests import test_e2e
from tests.conftest import ROOT, SAMPLES, small_buurt
from tests.test_e2e import (
    PROJECTOR,
    RUN_TIMEOUT,
    SCREENSHOTS,
    _free_port,
    _rerun,
    _streamlit,
    _wait_idle,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
browser = test_e2e.browser  # the same module-scoped Chromium fixture

USERS = {
    "anna": {"email": "anna@gemeente.test", "roles": ["bestuurder"]},
    "bert": {"email": "bert@gemeente.test", "roles": ["analist"]},
    "carla": {"email": "carla@gemeente.test"},  # beheerder through the roles file
    "dirk": {"email": "dirk@elders.test"},  # no role anywhere
}
ROLES_FILE = "account,role\ncarla@gemeente.test,beheerder\n"
PAGES = (
    "/",
    "/kaart",
    "/samenhang",
    "/trends",
    "/buurtprofiel",
    "/afhandeling",
    "/data",
    "/presentatie",
)
NUMBERS = (
    '[data-testid="stMetric"], [data-testid="stDataFrame"], [data-testid="stPlotlyChart"], '
    '[data-testid="stSidebar"] [data-testid="stSelectbox"]'
)

expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oidc-provider-mock`` on a free port with the four users; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "-p", str(port)]
    for sub, claims in USERS.items():
        command += ["--user-claims", json.dumps({"sub": sub, **claims})]
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/.well-known/openid-configuration") as r:
                    assert json.load(r)["issuer"]
                    break
            except (urllib.error.URLError, OSError) as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the OIDC provider did not start:\n{log_path.read_text()}"
                    ) from exc
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def auth_store(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo store: these tests import into it and read its log."""
    root = tmp_path_factory.mktemp("auth") / "store"
    shutil.copytree(demo_store, root)
    return root


@pytest.fixture(scope="module")
def app(provider: str, auth_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with sign-in against ``provider``; yields its base URL."""
    folder = tmp_path_factory.mktemp("secrets")
    port = _free_port()
    (folder / "rollen.csv").write_text(ROLES_FILE)
    (folder / "secrets.toml").write_text(
        f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{hashlib.sha256(str(folder).encode()).hexdigest()}"
client_id = "regie-analytics"
client_secret = "test-geheim"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[roles]
claim = "roles"
file = "{folder / "rollen.csv"}"
contact = "het team Informatievoorziening"
"""
    )
    options = ["--secrets.files", str(folder / "secrets.toml"), "--server.maxUploadSize", "1"]
    with _streamlit(auth_store, folder / "server.log", port=port, options=options) as base:
        yield base


@contextmanager
def _tab(browser: Browser, base: str, provider: str) -> Iterator[Page]:
    """A fresh browser (no cookies) that reaches only localhost. The provider's own pages
    load a stylesheet from the internet; that request is refused and allowed for; any other
    outside request fails the test."""
    context = browser.new_context(
        viewport=PROJECTOR, base_url=base, locale="nl-NL", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    outside: list[str] = []

    def local_only(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
            return
        if not request.frame.url.startswith(provider):
            outside.append(request.url)
        route.abort()

    context.route("**/*", local_only)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not outside, f"requests outside localhost: {outside}"


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"inloggen_{name}.png"))


def _sign_in(page: Page, sub: str) -> None:
    page.goto("/")
    _wait_idle(page)
    expect(page.locator("h1").first).to_have_text("Regie Analytics")
    _shot(page, "start")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize\?"))
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's login form
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/(\?.*)?$"), timeout=RUN_TIMEOUT)
    _wait_idle(page)


def _sign_out(page: Page, app_base: str) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session\?"))
    page.get_by_role("button", name="End session").click()  # the provider's confirmation
    page.wait_for_url(re.compile(rf"^{re.escape(app_base)}/"), timeout=RUN_TIMEOUT)
    _wait_idle(page)


def _open(page: Page, path: str) -> None:
    page.goto(path)
    _wait_idle(page)


def _main(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _shows_no_numbers(page: Page) -> None:
    expect(page.locator(NUMBERS)).to_have_count(0)
    assert not re.search(r"\d", _main(page)), _main(page)


def _signed_out_everywhere(page: Page) -> None:
    """Every page, opened by URL, shows the sign-in and not a single number."""
    for path in PAGES:
        _open(page, path)
        expect(page.locator("h1").first).to_have_text("Regie Analytics")
        expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
        _shows_no_numbers(page)


def _nav_paths(page: Page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [urlsplit(link.get_attribute("href") or "").path for link in links.all()]


def _profile_signals(page: Page, code: str, *, exact: bool = False) -> str:
    """The profile's signal count; with ``exact`` after switching protection off (the URL's
    ``privacy=false`` does not)."""
    _open(page, f"/buurtprofiel?gebied={code}&periode=laatste+maand&privacy=false")
    if exact:
        sidebar = page.locator('[data-testid="stSidebar"]')
        _rerun(page, lambda: sidebar.get_by_text("Kleine aantallen verbergen", exact=True).click())
        expect(_privacy_toggle(page)).not_to_be_checked()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Signalen").first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def _download_kaart_csv(page: Page) -> tuple[bytes, str]:
    """Click the Kaart's CSV download once, as a user does: when the page has settled (no run
    under way, nothing stale) and the button is enabled; returns the file and the URL it came
    from. The click builds the file (and records it in the audit log) without rerunning the
    page, so nothing can drop its answer: a click without a file is a defect, not something to
    click again (that would record a second export; the CI flake: a rerun started by the click
    dropped the answer and the button stayed disabled, fixed in pages/kaart.py)."""
    _open(page, "/kaart")
    return _download(page, "Download tabel (CSV)")


def _download(page: Page, name: str) -> tuple[bytes, str]:
    """Click the download button ``name`` once when the page has settled (see
    :func:`_download_kaart_csv`); returns the file and the URL it came from."""
    _wait_idle(page, settled=True)
    button = page.get_by_role("button", name=name)
    expect(button).to_be_enabled(timeout=RUN_TIMEOUT)
    try:
        with page.expect_download(timeout=RUN_TIMEOUT / 2) as info:
            button.click()
    except PlaywrightTimeoutError as exc:
        error = page.locator('[data-testid="stDownloadButtonError"]').all_inner_texts()
        raise AssertionError(
            f"no file after one click; button disabled: {button.is_disabled()}, error: {error}"
        ) from exc
    download = info.value
    path = download.path()
    assert path is not None
    return Path(path).read_bytes(), download.url


def _assert_protected(data: bytes) -> int:
    """Every count in a Kaart download is 0, 5 or more, or hidden; returns the rows."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    note = rows.pop()  # the footnote on how the counts are protected
    assert "celsleutelmethode" in note["Gebied"]
    for row in rows:
        for column in ("Fysiek", "Sociaal", "Overig", "Totaal"):
            value = row[column]
            assert value == "<5" or int(value) == 0 or int(value) >= 5, (column, row)
    return len(rows)


def _privacy_toggle(page: Page):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"]').get_by_role(
        "switch", name="Kleine aantallen verbergen"
    )


def test_bestuurder_hidden_small_counts_protected_downloads_no_data_page(
    browser: Browser, app: str, provider: str, auth_store: Path
) -> None:
    code, _ = small_buurt(auth_store)
    with _tab(browser, app, provider) as page:
        _sign_in(page, "anna")
        expect(page.locator("h1").first).to_have_text("Overzicht")
        expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("anna@gemeente.test")).to_be_visible()
        expect(sidebar).to_contain_text("bestuurder")
        assert "/data" not in _nav_paths(page) and "/kaart" in _nav_paths(page)
        _shot(page, "bestuurder")

        # the URL cannot switch the privacy setting off: small counts stay hidden
        assert _profile_signals(page, code) == "<5"
        expect(_privacy_toggle(page)).to_be_checked()
        expect(_privacy_toggle(page)).to_be_disabled()

        _open(page, "/data")
        expect(page.locator("h1").first).to_have_text("Geen toegang tot deze pagina")
        expect(page.get_by_role("tab")).to_have_count(0)
        _shot(page, "geweigerd")

        before = len(audit.read(auth_store).records)
        data, _ = _download_kaart_csv(page)
        rows = _assert_protected(data)
        log = audit.read(auth_store)
        assert len(log.records) == before + 1
        entry = log.records[-1]
        assert (entry["user"], entry["role"], entry["action"]) == (
            "anna@gemeente.test",
            "bestuurder",
            "export",
        )
        assert (
            entry["details"]["formaat"] == "csv" and "niveau: buurt" in entry["details"]["filter"]
        )
        assert entry["file_hash"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == rows == 519  # 518 buurten and the municipality's total

        _sign_out(page, app)
        _signed_out_everywhere(page)


def test_analist_exact_numbers_and_a_download_link_does_not_outlive_the_session(
    browser: Browser, app: str, provider: str, auth_store: Path
) -> None:
    code, count = small_buurt(auth_store)
    with _tab(browser, app, provider) as page:
        _sign_in(page, "bert")
        assert _profile_signals(page, code) == "<5"  # protected until the analist chooses
        expect(_privacy_toggle(page)).to_be_enabled()
        assert _profile_signals(page, code, exact=True) == str(count)
        assert "/data" not in _nav_paths(page)
        _open(page, "/data")
        expect(page.locator("h1").first).to_have_text("Geen toegang tot deze pagina")

        data, url = _download_kaart_csv(page)
        _assert_protected(data)  # the analist's downloads are protected too
        assert audit.read(auth_store).records[-1]["user"] == "bert@gemeente.test"
        fetched = page.request.get(url)
        assert fetched.status == 200 and fetched.body() == data

        _sign_out(page, app)
        _signed_out_everywhere(page)
        assert page.request.get(url).status == 404  # the link died with the session


def test_beheerder_from_roles_file_imports_and_reads_the_log(
    browser: Browser, app: str, provider: str, auth_store: Path, tmp_path: Path
) -> None:
    with _tab(browser, app, provider) as page:
        _sign_in(page, "carla")
        expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("beheerder")
        assert "/data" in _nav_paths(page)
        _open(page, "/data")
        expect(page.locator("h1").first).to_have_text("Data")

        # a download is recorded without a rerun of the page: the Logboek tab opened after it
        # (a tab bound to the URL reruns the page) shows it
        _rerun(page, page.get_by_role("tab", name="Taxonomie").click)  # before the click
        data, _ = _download(page, "Download taxonomie (CSV)")
        assert data.decode("utf-8-sig").startswith("source,category,subcategory,domain,")
        newest = audit.read(auth_store).records[-1]
        assert (newest["action"], newest["details"]["bestand"]) == ("export", "taxonomie.csv")
        page.get_by_role("tab", name="Logboek").click()
        records = len(audit.read(auth_store).records)
        expect(page.get_by_text(f"{records} handelingen", exact=False)).to_be_visible()
        _shot(page, "logboek")

        # past the upload limit (1 MB here): a Dutch message, nothing uploaded
        page.get_by_role("tab", name="Importeren").click()
        big = tmp_path / "te_groot.csv"
        big.write_bytes(b"area_code,period,theme,count\n" + b"BU0363AA01,2026-01,x,1\n" * 60_000)
        uploader = page.locator('[data-testid="stFileUploader"]').first
        uploader.locator('input[type="file"]').set_input_files(str(big))
        expect(uploader.locator('[data-testid="stFileChip"][aria-invalid="true"]')).to_be_visible()
        message = uploader.evaluate("el => getComputedStyle(el, '::after').content")
        assert "niet geüpload: het is groter dan 1 MB" in message
        expect(page.get_by_text("Bestanden tot 1 MB.")).to_be_visible()
        _shot(page, "te_groot")
        uploader.get_by_role("button", name=re.compile("^Remove")).click()

        # XSRF protection is on: an upload without the page's token is refused
        refused = page.request.put(
            f"{app}/_stcore/upload_file/sessie/bestand",
            multipart={"file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a,b\n"}},
        )
        assert refused.status == 403

        # an import through the page adds exactly one record
        sample = SAMPLES / "wijkteam_telling.csv"
        uploader.locator('input[type="file"]').set_input_files(str(sample))
        page.get_by_role("combobox", name="Soort export").click()
        page.get_by_role("option", name=re.compile("^Tellingen per gebied")).click()
        _wait_idle(page)
        page.get_by_role("button", name="Controleren").click()
        expect(page.get_by_role("button", name="Importeren", exact=True)).to_be_visible(
            timeout=RUN_TIMEOUT
        )
        page.get_by_role("button", name="Importeren", exact=True).click()
        expect(page.get_by_text("rijen geïmporteerd")).to_be_visible(timeout=RUN_TIMEOUT)
        log = audit.read(auth_store)
        assert len(log.records) == records + 1
        entry = log.records[-1]
        assert (entry["user"], entry["role"], entry["action"]) == (
            "carla@gemeente.test",
            "beheerder",
            "import",
        )
        imported = Store(auth_store).manifest()["imports"][-1]
        assert entry["details"]["bestand"] == "wijkteam_telling.csv"
        assert entry["rows"] == imported["rows_imported"] > 0
        assert entry["file_hash"] == imported["sha256"]
        assert not log.damaged and not log.broken

        _sign_out(page, app)
        _signed_out_everywhere(page)


def test_user_without_role_is_told_whom_to_ask_and_sees_no_numbers(
    browser: Browser, app: str, provider: str
) -> None:
    with _tab(browser, app, provider) as page:
        _sign_in(page, "dirk")
        for path in ("/", "/kaart", "/data"):
            _open(page, path)
            expect(page.locator("h1").first).to_have_text("Nog geen toegang")
            expect(
                page.get_by_text(
                    "Vraag een rol aan bij het team Informatievoorziening", exact=False
                )
            ).to_be_visible()
            _shows_no_numbers(page)
        _shot(page, "zonder_rol")
        assert _nav_paths(page) == []
        _sign_out(page, app)
        _signed_out_everywhere(page)
