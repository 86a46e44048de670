"""Browser tests: the dashboard as a person sees it, in Debian's Chromium driven by Playwright.

A module fixture starts ``streamlit run app.py`` on the demo store at a free local port. Each
page is opened by its URL, waited for until the script has finished, and checked for its Dutch
title, the demo banner, drawn charts and maps, and the absence of exceptions, JavaScript errors
and requests to anything but localhost. Filters are changed through the sidebar and must show up
in the URL and survive a reload and a page switch. Full-page screenshots of every page (1280 and
1600 pixels wide) are written to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from regie_analytics import chromium
from regie_analytics.store import Store
from tests.conftest import ROOT, SAMPLES, CliResult, overig_figures, run_cli

CHROMIUM = chromium.browser_path()
if CHROMIUM is None:
    pytest.skip(
        "Debian's chromium is not installed (no 'chromium' on PATH); the browser tests need it.",
        allow_module_level=True,
    )

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from PIL import Image  # noqa: E402  (streamlit depends on Pillow)
from playwright.sync_api import (  # noqa: E402
    Browser,
    Locator,
    Page,
    Request,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM_ARGS = list(chromium.LAUNCH_ARGS)
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
STARTUP_TIMEOUT = 120  # seconds for the server to answer its health check
RUN_TIMEOUT = 120_000  # milliseconds for one script run (first runs compute and cache)
DRAW_TIMEOUT = 30_000  # milliseconds for charts and maps to appear once the run is done
CHECK_TIMEOUT = 10_000  # milliseconds for an expectation on what a finished run has drawn
PROJECTOR: ViewportSize = {"width": 1280, "height": 720}
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
WIDE: ViewportSize = {"width": 1600, "height": 1000}
BANNER = "Gegenereerde demodata"
BUURT, BUURT_NAME = "BU0363AA01", "Planciusbuurt-Noord"
MAPS = ".choroplethlayer, .maplibregl-canvas"
"""A drawn map: its SVG areas (components.chart sends a map on the blank style as SVG,
charts.svgmap), or MapLibre's canvas (a map with PDOK's tiles)."""
VISIBLE_MAPS = ".choroplethlayer:visible, .maplibregl-canvas:visible"
# URL path, title, texts on the page, minimum number of plotly charts and of maps
PAGES: dict[str, tuple[str, str, tuple[str, ...], int, int]] = {
    "overzicht": ("/", "Overzicht", ("Signalen fysiek", "Signalen sociaal", "Totaal"), 2, 1),
    "kaart": ("/kaart", "Kaart", ("Maat", "Zoek een gebied", "Download tabel (CSV)"), 1, 1),
    "samenhang": (
        "/samenhang",
        "Samenhang sociaal × fysiek",
        ("Regiebuurten: sociaal én fysiek hoog", "Welke thema's gaan samen?"),
        5,
        2,
    ),
    "trends": ("/trends", "Trends", ("Jaar op jaar", "Hotspots in de tijd"), 4, 1),
    "buurtprofiel": ("/buurtprofiel", "Buurtprofiel", ("Kies een gebied",), 0, 0),
    "afhandeling": (
        "/afhandeling",
        "Afhandeling",
        ("Mediane doorlooptijd", "Nog open", "Per gebied"),
        1,
        0,
    ),
    "data": ("/data", "Data", ("Importeren", "In de store", "Taxonomie"), 0, 0),
}


expect.set_options(timeout=CHECK_TIMEOUT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.read().decode().strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def _streamlit(
    store: Path, log_path: Path, *, port: int | None = None, options: Sequence[str] = ()
) -> Iterator[str]:
    """``streamlit run app.py`` on ``store`` at ``port`` (default: a free local port) with
    extra command-line ``options``; yields the base URL."""
    port = port or _free_port()
    env = {**os.environ, "REGIE_STORE": str(store)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # other people edit the sources while the tests run: do not watch or reload them
        "--server.fileWatcherType",
        "none",
        *options,
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"Streamlit did not start (exit code {proc.poll()}):\n"
                    + log_path.read_text()[-3000:]
                )
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(
    demo_store: Path, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard on the demo store, opened once at ``/`` first, so a regression of deep
    links on a fresh server fails ``test_deep_link_on_fresh_server`` only."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    with _streamlit(demo_store, log_path) as base:
        context = browser.new_context(viewport=PROJECTOR, base_url=base)
        warm = context.new_page()
        warm.goto("/")
        _wait_idle(warm)
        context.close()
        yield base


@contextmanager
def _tab(
    browser: Browser,
    base: str,
    *,
    viewport: ViewportSize = PROJECTOR,
    locale: str = "nl-NL",
) -> Iterator[Page]:
    """A fresh tab (at projector size, in a Dutch browser unless said otherwise) that refuses
    (and records) anything but localhost; fails on uncaught JavaScript errors or outside
    requests when it closes."""
    context = browser.new_context(viewport=viewport, base_url=base, locale=locale)
    context.set_default_timeout(DRAW_TIMEOUT)
    outside: list[str] = []
    errors: list[str] = []

    def local_only(route: Route, request: Request) -> None:
        local = urlsplit(request.url).hostname in {"127.0.0.1", "localhost"}
        if local or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    context.route("**/*", local_only)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
    assert not outside, f"requests outside localhost: {outside}"


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    with _tab(browser, server) as tab:
        yield tab


def _wait_idle(page: Page, *, heading: bool = True, settled: bool = False) -> None:
    """Wait until the app is connected and not running (and, for a page that was just loaded,
    has drawn its title: before the first run the state is 'initial', not 'running').

    With ``settled`` also until nothing shows a run under way: no status widget (the
    running man and Stop, which fades out a moment after the run) and no element left stale
    by a run (``data-stale="true"`` on its ``stElementContainer``; while a run is under way
    Streamlit fades those to opacity 0.33, which changes every colour on them)."""
    page.wait_for_function(
        """([heading, settled]) => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && (!heading || document.querySelector('h1') !== null)
                && (!settled || (
                    document.querySelector('[data-testid="stStatusWidget"]') === null
                    && document.querySelector('[data-stale="true"]') === null));
        }""",
        arg=[heading, settled],
        timeout=RUN_TIMEOUT,
    )


def _rerun(page: Page, action: Callable[[], None]) -> None:
    """Do ``action`` (a widget change) and wait until the rerun it starts has finished."""
    page.evaluate(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            window.__stRuns = 0;
            window.__stStart = Date.now();
            new MutationObserver(() => {
                if (app.getAttribute('data-test-script-state') === 'running') window.__stRuns++;
            }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )
    action()
    page.wait_for_function(
        # a run was seen to start and end; or (a cached rerun too quick to observe) the app
        # has been idle for 5 s after the action
        """() => (window.__stRuns > 0 || Date.now() - window.__stStart > 5000)
            && document.querySelector('[data-testid="stApp"]')
            .getAttribute('data-test-script-state') === 'notRunning'""",
        timeout=RUN_TIMEOUT,
    )
    _wait_idle(page, heading=False)


def _open(page: Page, path: str) -> None:
    page.goto(path)
    _wait_idle(page)


def _check_page(page: Page, title: str, texts: tuple[str, ...], charts: int, maps: int) -> None:
    """The common checks: title, banner, texts, drawn charts and maps, no exception."""
    expect(page.locator("h1").first).to_have_text(title)
    expect(page.get_by_text(f"{BANNER}.", exact=True)).to_be_visible()
    main = page.locator('[data-testid="stMain"]')
    for text in texts:
        expect(main.get_by_text(text).first).to_be_attached()
    page.wait_for_function(
        """([charts, maps, selector]) =>
            document.querySelectorAll('.js-plotly-plot').length >= charts
            && document.querySelectorAll(selector).length >= maps""",
        arg=[charts, maps, MAPS],
    )
    _wait_drawn(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _wait_drawn(page: Page) -> None:
    """Wait until every chart has drawn, every map shows polygons and every table has rows."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                .every(chart => !chart.checkVisibility() || chart.querySelector('.main-svg'))
            && [...document.querySelectorAll('[data-testid="stDataFrame"]')]
                .every(table => !table.checkVisibility() || table.querySelector('[role="row"]'))"""
    )
    for index in range(page.locator(VISIBLE_MAPS).count()):
        _expect_map_drawn(page, index)


def _expect_map_drawn(page: Page, index: int) -> None:
    """The ``index``-th map shows polygons in several colours (not a blank map)."""
    canvas = page.locator(VISIBLE_MAPS).nth(index)
    expect(canvas).to_be_attached()
    deadline = time.monotonic() + DRAW_TIMEOUT / 1000
    colours = 0
    while time.monotonic() < deadline:
        image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        found = image.getcolors(maxcolors=1 << 16)
        colours = len(found) if found is not None else 1 << 16
        if colours >= 6:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"map {index} looks blank ({colours} colours)")


def _screenshot(page: Page, name: str, viewport: ViewportSize) -> None:
    """A full-page screenshot: Streamlit scrolls inside its main area, so the viewport is made
    as tall as the content for the shot and restored afterwards."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(viewport)
    _frames(page)
    height = page.evaluate(
        """() => Math.max(
            ...['stMain', 'stSidebarContent'].map(id =>
                document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0),
            window.innerHeight)"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": int(height)})
    _frames(page)
    _wait_drawn(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PROJECTOR)


def _frames(page: Page) -> None:
    """Let the layout and the charts redraw after a resize (a few animation frames)."""
    page.evaluate(
        """() => new Promise(resolve => {
            let n = 0;
            const tick = () => (++n >= 10 ? setTimeout(resolve, 100) : requestAnimationFrame(tick));
            requestAnimationFrame(tick);
        })"""
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders(page: Page, name: str) -> None:
    path, title, texts, charts, maps = PAGES[name]
    _open(page, path)
    assert urlsplit(page.url).path == path
    _check_page(page, title, texts, charts, maps)
    _screenshot(page, name, PROJECTOR)
    _screenshot(page, f"{name}_1600", WIDE)


@pytest.mark.parametrize(
    ("tab", "text"),
    [
        ("In de store", "Buiten gebied"),
        ("Koppelen", "Onbekende categorieën zelf indelen"),
        ("Taxonomie", "Download taxonomie (CSV)"),
    ],
)
def test_data_tabs(page: Page, tab: str, text: str) -> None:
    _open(page, "/data")
    page.get_by_role("tab", name=tab).click()
    expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
    expect(page.locator('[data-testid="stMain"]').get_by_text(text).first).to_be_visible()
    _wait_drawn(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, "data_" + tab.lower().replace(" ", "_"), PROJECTOR)


def test_navigation_links_match_pages(page: Page) -> None:
    _open(page, "/")
    nav = page.locator('[data-testid="stSidebarNav"] a')
    paths = [urlsplit(link.get_attribute("href") or "").path for link in nav.all()]
    assert paths == [*(PAGES[name][0] for name in PAGES), "/presentatie"]


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_period_filter_in_url_survives_reload_and_page_switch(page: Page) -> None:
    _open(page, "/")
    _rerun(page, lambda: _choose(page, "Periode", "laatste 3 maanden"))
    expect(page).to_have_url(re.compile(r"[?&]periode=laatste\+3\+maanden"))
    caption = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').first
    expect(caption).to_have_text(re.compile(r"^\w+ \d{4} – \w+ \d{4} \(vergeleken"))
    three_months = caption.inner_text()
    assert three_months != "nov 2025 – okt 2026 (vergeleken met de periode ervoor)"

    page.reload()
    _wait_idle(page)
    expect(page).to_have_url(re.compile(r"[?&]periode=laatste\+3\+maanden"))
    expect(page.get_by_role("combobox", name="Periode", exact=True)).to_have_value(
        "laatste 3 maanden"
    )
    expect(caption).to_have_text(three_months)

    page.get_by_role("link", name="Kaart").click()
    expect(page.locator("h1").first).to_have_text("Kaart", timeout=RUN_TIMEOUT)
    _wait_idle(page)
    expect(page).to_have_url(re.compile(r"/kaart\?(.*&)?periode=laatste\+3\+maanden"))
    expect(page.get_by_role("combobox", name="Periode", exact=True)).to_have_value(
        "laatste 3 maanden"
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_domain_filter_in_url_survives_reload(page: Page) -> None:
    _open(page, "/samenhang")
    sidebar = page.locator('[data-testid="stSidebar"]')
    _rerun(page, lambda: sidebar.get_by_role("button", name="Remove fysiek").click())
    expect(page).to_have_url(re.compile(r"[?&]domein=sociaal(&|$)"))
    expect(
        page.get_by_text(re.compile(r"Er zijn geen fysieke signalen in deze selectie"))
    ).to_be_visible()

    page.reload()
    _wait_idle(page)
    expect(page).to_have_url(re.compile(r"[?&]domein=sociaal(&|$)"))
    tags = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Domein")
    expect(tags.get_by_role("button", name="Remove sociaal")).to_be_attached()
    expect(tags.get_by_role("button", name="Remove fysiek")).to_have_count(0)
    expect(
        page.get_by_text(re.compile(r"Er zijn geen fysieke signalen in deze selectie"))
    ).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _check_profile(page: Page) -> None:
    _check_page(
        page,
        BUURT_NAME,
        ("Signalen", "Inwoners", "Domeinen en thema's", "Buurgebieden", "Doorlooptijden"),
        2,
        1,
    )


def test_profile_chosen_in_its_search_box(page: Page) -> None:
    _open(page, "/buurtprofiel")
    _wait_drawn(page)
    box = page.get_by_role("combobox", name="Gebied", exact=True)
    _in_the_middle(box)
    box.click()
    box.fill(BUURT_NAME)
    option = page.get_by_role("option", name=f"{BUURT_NAME} (buurt, {BUURT})", exact=True)
    _rerun(page, option.click)
    expect(page).to_have_url(re.compile(rf"/buurtprofiel\?(.*&)?gebied=[^&]*{BUURT}"))
    _check_profile(page)
    _screenshot(page, "buurtprofiel_buurt", PROJECTOR)
    _screenshot(page, "buurtprofiel_buurt_1600", WIDE)

    page.reload()
    _wait_idle(page)
    expect(page.locator("h1").first).to_have_text(BUURT_NAME)


def test_profile_from_code_in_url(page: Page) -> None:
    _open(page, f"/buurtprofiel?gebied={BUURT}")
    _check_profile(page)
    page.reload()  # the URL still names the buurt, so the link can be forwarded
    _wait_idle(page)
    expect(page.locator("h1").first).to_have_text(BUURT_NAME)


def _in_the_middle(box: Locator) -> None:
    """Scroll the page so that ``box`` is in the middle of the window, with room for its list
    of options below it, as a user would before choosing. Near the window's bottom edge the
    list opened below the window, Playwright scrolled to reach the option, and a scroll closes
    the list: the option was detached and the choice lost (the CI flake of the Kaart search)."""
    box.evaluate("element => element.scrollIntoView({block: 'center'})")


def test_kaart_search_opens_profile(page: Page) -> None:
    _open(page, "/kaart")
    # as a user does: choose once the page has drawn (the map drawn above the search box
    # moves it; a click computed before that landed beside the option, and the choice was lost)
    _wait_drawn(page)
    box = page.get_by_role("combobox", name="Zoek een gebied", exact=True)
    option = page.get_by_role("option", name=f"{BUURT_NAME} ({BUURT})", exact=True)
    for attempt in range(3):
        # the list of options closed under Playwright's click twice in CI (the option was
        # "detached from the DOM" after scrolling to it and never came back; not seen here in
        # 40 tries): a user whose list closes opens it again, and so does the test
        _in_the_middle(box)
        box.click()
        box.fill(BUURT_NAME)
        try:
            option.click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    expect(page).to_have_url(re.compile(r"/buurtprofiel"), timeout=RUN_TIMEOUT)
    _wait_idle(page)
    expect(page).to_have_url(re.compile(rf"[?&]gebied=[^&]*{BUURT}"))
    _check_profile(page)


def test_kaart_map_click_opens_profile(page: Page) -> None:
    """A click in the middle of the map (central Amsterdam is a buurt polygon there)."""
    _open(page, "/kaart")
    _expect_map_drawn(page, 0)
    expect(page.locator(".maplibregl-canvas")).to_have_count(0)  # SVG, no WebGL
    canvas = page.locator(MAPS).first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/buurtprofiel"), timeout=RUN_TIMEOUT)
    _wait_idle(page)
    expect(page).to_have_url(re.compile(r"[?&]gebied=[^&]*BU\d{4}\w{4}"))
    expect(page.locator("h1").first).not_to_have_text("Buurtprofiel")
    expect(page.get_by_text("Buurgebieden")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


MAP_CLASSES_JS = """chart => {
    // per area code drawn: the name of the class (trace) it is drawn in, as plotly holds it
    const drawn = {};
    for (const trace of chart.querySelector('.js-plotly-plot').data) {
        if (trace.hoverinfo === 'skip' || !trace.locations) continue;
        for (const code of trace.locations) drawn[code] = trace.name;
    }
    return drawn;
}"""


def _map_table(page: Page) -> dict[str, str]:
    """The Kaart's table under the map, opened: per area code its class (checking the columns
    and that no area is listed twice)."""
    expander = page.locator('[data-testid="stExpander"]').filter(has_text=MAP_TABLE)
    table = expander.locator("table.regie-table")
    if not table.is_visible():
        expander.get_by_text(MAP_TABLE).click()
    expect(table).to_be_visible()
    assert table.locator("th").all_inner_texts() == ["Gebied", "Code", "Klasse"]
    rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    assert len({code for _, code, _ in rows}) == len(rows)
    return {code: klasse for _, code, klasse in rows}


def test_kaart_map_table_follows_the_map_after_a_filter_change(page: Page) -> None:
    """The table under the map (one HTML table) lists every area the map draws with the class
    it is drawn in, also after the period changes the classes."""
    _open(page, "/kaart")
    _wait_drawn(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    before = chart.evaluate(MAP_CLASSES_JS)
    assert len(before) > 400  # the demo's buurten
    assert _map_table(page) == before
    _rerun(page, lambda: _choose(page, "Periode", "laatste 3 maanden"))
    _wait_drawn(page)
    after = chart.evaluate(MAP_CLASSES_JS)
    assert after != before  # other counts, other class bounds
    assert _map_table(page) == after
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_deep_link_on_fresh_server(demo_store: Path, browser: Browser, tmp_path: Path) -> None:
    """A shared link is often the first thing a freshly started server sees (Streamlit's
    legacy pages/ folder handling runs such a page without app.py: components.require_app)."""
    with _streamlit(demo_store, tmp_path / "server.log") as base, _tab(browser, base) as tab:
        tab.goto("/kaart?periode=laatste+3+maanden")
        tab.wait_for_function(
            """() => document.querySelector('[data-testid="stApp"]')
                ?.getAttribute('data-test-script-state') === 'notRunning'""",
            timeout=RUN_TIMEOUT,
        )
        expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
        expect(tab.locator("h1").first).to_have_text("Kaart")
        expect(tab.get_by_role("combobox", name="Periode", exact=True)).to_have_value(
            "laatste 3 maanden"
        )


def test_koppelen_takes_suggestions_over(
    overig_base: Path, browser: Browser, tmp_path: Path
) -> None:
    """From a page's 'overig' notice to the Data page's Koppelen tab, where one click takes the
    suggestions over and the store is classified again (3 'Graffitti' and 2 'Straatverlichtng'
    of the 6 signals in 'overig')."""
    store = tmp_path / "store"
    shutil.copytree(overig_base, store)
    with _streamlit(store, tmp_path / "server.log") as base, _tab(browser, base) as tab:
        _open(tab, "/kaart")  # protected, as every session starts: the perturbed 6 and total
        shown = overig_figures(store)
        assert overig_figures(store, protected=False) == "6 signalen (2%)"
        expect(tab.get_by_text(f"{shown} in de gekozen periode vallen in 'overig'")).to_be_visible()
        link = tab.get_by_role("link", name="Koppel de onbekende categorieën op de Data-pagina")
        _rerun(tab, link.click)
        _wait_idle(tab)
        assert urlsplit(tab.url).path == "/data"
        assert urlsplit(tab.url).query == "tab=Koppelen"
        expect(tab.get_by_role("tab", name="Koppelen")).to_have_attribute("aria-selected", "true")
        accept = tab.get_by_role(
            "button", name="Neem 2 voorstellen over en deel de store opnieuw in"
        )
        _rerun(tab, accept.click)
        expect(
            tab.get_by_text(
                "2 voorstellen overgenomen in de taxonomie; de store is opnieuw ingedeeld: in "
                "'overig' van 6 naar 1 signaal (5 ingedeeld)."
            )
        ).to_be_visible()
        expect(tab.get_by_text("1 signaal (0,3%) in de store valt in 'overig'")).to_be_visible()
        expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
        _screenshot(tab, "data_koppelen_overgenomen", PROJECTOR)
    cube = Store(store).cube()
    assert int(cube.loc[cube["domain"] == "overig", "count"].sum()) == 1
    categories = Store(store).taxonomy().table["category"].tolist()
    assert "Graffitti" in categories and "Straatverlichtng" in categories


def test_presentation_slides(page: Page) -> None:
    """Page through the council presentation with the arrow button; every slide renders at
    projector size (screenshots of the screen as the projector shows it)."""
    _open(page, "/presentatie")
    counter = page.get_by_text(re.compile(r"^Dia \d+ van \d+"))
    expect(counter).to_contain_text("Dia 1 van ")
    total = int(re.search(r"van (\d+)", counter.inner_text()).group(1))  # type: ignore[union-attr]
    assert total >= 3
    expect(page.get_by_text(f"{BANNER}", exact=False).first).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for number in range(1, total + 1):
        if number > 1:
            _rerun(page, page.get_by_role("button", name="Volgende ▶").click)
            expect(counter).to_contain_text(f"Dia {number} van {total}")
            expect(page).to_have_url(re.compile(rf"[?&]dia={number}\b"))
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        _wait_drawn(page)
        _frames(page)
        page.screenshot(path=str(SCREENSHOTS / f"presentatie_dia{number}.png"))
    _rerun(page, page.get_by_role("button", name="◀ Vorige").click)
    expect(counter).to_contain_text(f"Dia {total - 1} van {total}")


def test_import_lands_while_a_page_reruns(
    demo_store: Path, browser: Browser, tmp_path: Path
) -> None:
    """Imports commit new store versions while the director keeps changing the period: every
    run finishes on one version (no exception, no error message), and the last run shows the
    last import."""
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    inputs = [
        (SAMPLES / "open311_requests.json", "open311"),
        (SAMPLES / "signalen", "signalen"),
        (SAMPLES / "wijkteam_telling.csv", "counts"),
    ]
    results: list[CliResult] = []

    def imports() -> None:
        for path, preset in inputs:
            time.sleep(1.0)
            results.append(run_cli("import", path, "--preset", preset, "--store", store))

    log_path = tmp_path / "server.log"
    with _streamlit(store, log_path) as base, _tab(browser, base) as tab:
        _open(tab, "/samenhang?periode=alles")
        worker = threading.Thread(target=imports)
        worker.start()
        choices = ["laatste 3 maanden", "alles"]
        runs = 0
        while worker.is_alive() or runs < 4:
            _rerun(tab, lambda choice=choices[runs % 2]: _choose(tab, "Periode", choice))
            runs += 1
            expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
            expect(tab.get_by_text("Er ging iets mis")).to_have_count(0)
        worker.join()
        assert [r.code for r in results] == [0, 0, 0], [r.err for r in results]
        _open(tab, "/data")
        tab.get_by_role("tab", name="In de store").click()
        total = Store(store).info()["meldingen_totaal"]
        assert total == Store(demo_store).info()["meldingen_totaal"] + 300 + 400 + 2210
        signals = tab.locator('[data-testid="stMetric"]').filter(has_text="Signalen").first
        expect(signals).to_contain_text(f"{total:,}".replace(",", "."))
        expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    assert "onverwachte fout" not in log_path.read_text()


def test_trend_split_goes_into_the_link(page: Page) -> None:
    _open(page, "/trends")
    _rerun(page, lambda: page.get_by_role("radio", name="thema", exact=True).click())
    expect(page).to_have_url(re.compile(r"[?&]trend_per=thema(&|$)"))
    page.reload()
    _wait_idle(page)
    expect(page.get_by_role("radio", name="thema", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )


def test_a_shared_link_always_opens_protected(browser: Browser, server: str) -> None:
    """The setting "Kleine aantallen verbergen" is on in every new session, not in the URL: the
    analyst can turn it off (exact counts, with a warning) but a link to the same view, even one
    asking for ``privacy=false``, opens protected for whoever receives it."""
    with _tab(browser, server) as analyst:
        _open(analyst, "/kaart?periode=laatste+maand&privacy=false")
        toggle = analyst.get_by_role("switch", name="Kleine aantallen verbergen")
        expect(toggle).to_be_checked()
        warning = analyst.get_by_text(re.compile(r"^Exacte aantallen: alleen voor uw eigen"))
        expect(warning).to_have_count(0)
        _rerun(analyst, lambda: analyst.get_by_text("Kleine aantallen verbergen").click())
        expect(toggle).not_to_be_checked()
        expect(warning).to_be_visible()
        shared = analyst.url
        assert "privacy=true" not in shared
        _rerun(analyst, lambda: analyst.get_by_role("link", name="Overzicht").click())
        expect(toggle).not_to_be_checked()  # the analyst's own choice lasts the session
    with _tab(browser, server) as colleague:
        _open(colleague, urlsplit(shared).path + "?" + urlsplit(shared).query)
        expect(colleague.get_by_role("switch", name="Kleine aantallen verbergen")).to_be_checked()
        expect(
            colleague.get_by_text(re.compile(r"^Exacte aantallen: alleen voor uw eigen"))
        ).to_have_count(0)
        expect(colleague.locator('[data-testid="stException"]')).to_have_count(0)


# --- accessibility, the projector and Dutch numbers (issue 15) --------------------------------

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NAV_TITLES = {
    "overzicht": "Overzicht",
    "kaart": "Kaart",
    "samenhang": "Samenhang",
    "trends": "Trends",
    "buurtprofiel": "Buurtprofiel",
    "afhandeling": "Afhandeling",
    "data": "Data",
}
MAP_TABLE = "Tabel bij de kaart: de klasse van elk gebied"
# every string drawn on a canvas (the tables are canvas grids), recorded before the page loads
RECORD_CANVAS_TEXT = """
window.__canvasText = new Set();
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__canvasText.add(String(text));
    return fillText.call(this, text, ...rest);
};
"""
NUMBER = re.compile(r"[-+]?\d[\d.,]*%?")
DUTCH_NUMBER = re.compile(r"[-+]?\d{1,3}(\.\d{3})*(,\d+)?%?")
ENGLISH_NUMBER = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?%?|[-+]?\d+\.\d{1,2}%?")
"""1,111 and 485.5: notation a Dutch table never shows (its decimals stop at 2)."""


def _axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is once no run is under way
    (nothing faded as stale), one line a node."""
    _wait_idle(page, heading=False, settled=True)
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    return [
        f"{violation['id']}: {node['target']}: {node.get('failureSummary', '')}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible(page: Page, name: str) -> None:
    """WCAG 2.1 A/AA by axe-core with no violation; a Dutch document with the page's own
    title; every chart named for a screen reader; every map with the table of its classes."""
    path, title, texts, charts, maps = PAGES[name]
    _open(page, path)
    _check_page(page, title, texts, charts, maps)
    page.wait_for_function("document.documentElement.lang === 'nl'")
    expect(page).to_have_title(f"{NAV_TITLES[name]} · Amsterdam · Regie Analytics")
    for chart in page.locator('[data-testid="stPlotlyChart"]').all():
        label = chart.get_attribute("aria-label") or ""
        assert label.startswith(("Grafiek: ", "Kaart: ")) and len(label) > 12, label
    # a map in a tab not shown (the Data page's Gebieden) may not have drawn its canvas yet
    map_tables = page.locator('[data-testid="stExpander"]:visible').filter(has_text=MAP_TABLE)
    expect(map_tables).to_have_count(page.locator(VISIBLE_MAPS).count())
    assert _axe_violations(page) == []


def test_presentation_is_accessible(page: Page) -> None:
    _open(page, "/presentatie")
    counter = page.get_by_text(re.compile(r"^Dia \d+ van \d+"))
    total = int(re.search(r"van (\d+)", counter.inner_text()).group(1))  # type: ignore[union-attr]
    for number in range(1, total + 1):
        if number > 1:
            _rerun(page, lambda: page.keyboard.press("ArrowRight"))
            try:
                expect(counter).to_contain_text(f"Dia {number} van {total}", timeout=10_000)
            except AssertionError:  # the key was lost (seen once in CI at load 4): again
                _rerun(page, lambda: page.keyboard.press("ArrowRight"))
                expect(counter).to_contain_text(f"Dia {number} van {total}")
        _wait_drawn(page)
        page.wait_for_function("document.documentElement.lang === 'nl'")
        assert _axe_violations(page) == [], f"dia {number}"


@pytest.mark.parametrize("size", [PROJECTOR, FULL_HD], ids=["1280x720", "1920x1080"])
def test_presentation_fits_the_screen(browser: Browser, server: str, size: ViewportSize) -> None:
    """Every slide fits the screen without scrolling, with the source at its foot; the type
    grows with the screen; the regiebuurten are a list in large type (24 px or more at 720,
    36 at 1080); the bivariate map has one legend; ← → and ?dia= page through the slides."""
    scale = size["height"] / 720  # 1 and 1.5: the slide's type grows with the screen
    with _tab(browser, server, viewport=size) as tab:
        _open(tab, "/presentatie?dia=1")
        # the first run lays out for 1280x720; the browser then reports its size
        tab.wait_for_function(
            "px => getComputedStyle(document.querySelector('h1')).fontSize === px",
            arg=f"{round(32 * scale)}px",
        )
        _wait_idle(tab)
        counter = tab.get_by_text(re.compile(r"^Dia \d+ van \d+"))
        total = int(re.search(r"van (\d+)", counter.inner_text()).group(1))  # type: ignore[union-attr]
        seen = set()
        for number in range(1, total + 1):
            if number > 1:
                _rerun(tab, lambda: tab.keyboard.press("ArrowRight"))
                expect(counter).to_contain_text(f"Dia {number} van {total}")
                expect(tab).to_have_url(re.compile(rf"[?&]dia={number}\b"))
            _wait_drawn(tab)
            _frames(tab)
            fit = tab.evaluate(
                """() => {
                    const main = document.querySelector('[data-testid="stMain"]');
                    const bottoms = [...main.querySelectorAll('[data-testid="stElementContainer"]')]
                        .filter(e => e.checkVisibility())
                        .map(e => e.getBoundingClientRect().bottom);
                    return {document: document.documentElement.scrollHeight,
                            main: main.scrollHeight, mainHeight: main.clientHeight,
                            bottom: Math.max(...bottoms), height: window.innerHeight};
                }"""
            )
            assert fit["document"] <= fit["height"], (number, fit)
            assert fit["main"] <= fit["mainHeight"], (number, fit)
            assert fit["bottom"] <= fit["height"], (number, fit)
            source = tab.get_by_text(re.compile(rf"^Dia {number} van {total} .*Bron: "))
            expect(source).to_be_in_viewport(ratio=1)
            expect(tab.get_by_text("Gegenereerde demodata", exact=True)).to_be_in_viewport()
            banner = tab.locator(".st-key-demo-line").bounding_box()
            assert banner is not None and banner["height"] <= 36 * scale  # was 115 px
            rows = tab.locator(".regie-lijst li")
            if rows.count():
                seen.add("lijst")
                assert 3 <= rows.count() <= 7
                for row in rows.all():
                    size_px = float(row.evaluate("e => getComputedStyle(e).fontSize")[:-2])
                    assert size_px >= 24 * scale
                    expect(row).to_be_in_viewport(ratio=1)
            legends = tab.locator('[data-testid="stPlotlyChart"]').filter(has=tab.locator(MAPS))
            if tab.get_by_role("figure", name=re.compile("^Grafiek: Legenda")).count():
                seen.add("bivariaat")
                entries = legends.first.locator(".legendtext").all_text_contents()
                assert set(entries) <= {"te weinig waarnemingen", "geen gegevens"}, entries
            tab.screenshot(path=str(SCREENSHOTS / f"presentatie_{size['width']}_dia{number}.png"))
        assert seen == {"lijst", "bivariaat"}
        _rerun(tab, lambda: tab.keyboard.press("ArrowLeft"))
        expect(counter).to_contain_text(f"Dia {total - 1} van {total}")
        _open(tab, "/presentatie?dia=3")
        expect(counter).to_contain_text(f"Dia 3 van {total}")


NUMBER_PAGES = {
    "overzicht": "/",
    "kaart": "/kaart?maat=count",
    "samenhang": "/samenhang",
    "trends": "/trends",
    "buurtprofiel": f"/buurtprofiel?gebied={BUURT}",
    "afhandeling": "/afhandeling",
}


def _numbers(texts: Sequence[str]) -> list[str]:
    """The texts that are numbers (not years such as a legend's 2025)."""
    return [
        t.strip()
        for t in texts
        if NUMBER.fullmatch(t.strip()) and not re.fullmatch(r"(19|20)\d\d", t.strip())
    ]


@pytest.mark.parametrize("name", list(NUMBER_PAGES))
def test_numbers_are_dutch_in_an_english_browser(browser: Browser, server: str, name: str) -> None:
    """In an en-US browser the tables (canvas grids), the axes and the legends still show
    150.542 and 12,5; on the Kaart the top class of the legend ends at the table's largest
    count, written the same way."""
    with _tab(browser, server, locale="en-US") as tab:
        tab.add_init_script(RECORD_CANVAS_TEXT)
        _open(tab, NUMBER_PAGES[name])
        assert tab.evaluate("navigator.language") == "en-US"
        _wait_drawn(tab)
        # the grids draw their cells a moment after their rows exist
        tab.wait_for_function("() => [...window.__canvasText].some(t => /^[-+]?\\d/.test(t))")
        _frames(tab)
        drawn = _numbers(tab.evaluate("() => [...window.__canvasText]"))
        svg = _numbers(
            tab.locator('[data-testid="stPlotlyChart"]')
            .locator(".xtick text, .ytick text, .legendtext")
            .all_text_contents()
        )
        metrics = _numbers(tab.locator('[data-testid="stMetricValue"]').all_inner_texts())
        assert drawn, "no table drew a number"
        for text in drawn + svg + metrics:
            assert DUTCH_NUMBER.fullmatch(text), text
            assert not ENGLISH_NUMBER.fullmatch(text), text
        if name in ("overzicht", "kaart", "afhandeling", "trends"):
            assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", t) for t in drawn + svg), drawn
        if name == "kaart":
            # exact counts (the analyst's own view): the table is sorted by the map's measure,
            # so its first row is the area that ends the legend's top class
            tab.evaluate("window.__canvasText.clear()")
            toggle = tab.get_by_text("Kleine aantallen verbergen")
            _rerun(tab, toggle.click)
            _wait_drawn(tab)
            tab.wait_for_function("() => [...window.__canvasText].some(t => /^\\d/.test(t))")
            _frames(tab)
            drawn = _numbers(tab.evaluate("() => [...window.__canvasText]"))
            top = tab.locator(".legendtext").all_text_contents()
            highest = max(
                (t.split(" – ")[1] for t in top if " – " in t),
                key=lambda t: int(t.replace(".", "")),
            )
            assert "." in highest and highest in drawn, (highest, drawn[:40])
            assert all(DUTCH_NUMBER.fullmatch(t) for t in drawn), drawn
