"""Shared fixtures: the real Amsterdam boundaries, small stores, and a CLI runner."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
APP_TIMEOUT = 120  # seconds for one AppTest run (first runs compute and cache)
BAD = ROOT / "tests" / "data" / "bad"
ALKMAAR = ROOT / "tests" / "data" / "alkmaar_wijken_2024.geojson"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test that builds the full demo store without the ``slow`` marker, which keeps
    it out of the fast default run."""
    unmarked = [
        item.nodeid
        for item in items
        if "demo_store" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests build the demo store; mark them slow: " + ", ".join(unmarked)
        )


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``python -m regie_analytics`` in a new process, as a user would: for the tests of
    what only a process shows (its start, its exit code, a kill), marked ``subprocess``; every
    other test calls :func:`cli`."""
    proc = subprocess.run(
        [sys.executable, "-m", "regie_analytics", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def cli(
    *args: str | Path, store: Path | None = None, env: Mapping[str, str] | None = None
) -> CliResult:
    """Run the command line in this process (``regie_analytics.cli.main``), its output and
    exit code captured as a user would see them; ``store`` is given as ``$REGIE_STORE`` and
    ``env`` sets more environment variables, both for this call only; relative paths are
    read from the repository's root, as :func:`run_cli` does."""
    from regie_analytics.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        if store is not None:
            patch.setenv("REGIE_STORE", str(store))
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())


def data_files(store: Path) -> dict[str, str]:
    """:func:`snapshot` of a store but its audit log (which records every import, also one
    that adds nothing) and its lock file."""
    from regie_analytics import audit

    files = snapshot(store)
    files.pop(audit.LOG_NAME, None)
    files.pop(audit.LOCK_NAME, None)
    return files


def run_app(page: str | None = None, **state: object) -> AppTest:
    """Run the app (and switch to ``page``) with widget values set by their keys, which are
    also the URL's query parameters (the browser tests check the URL itself)."""
    return open_app(page, state=state)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256), to show a store is unchanged."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def amsterdam():
    from regie_analytics import geo

    return geo.load_boundaries()


@pytest.fixture(scope="session")
def buurten():
    """The real Amsterdam buurten as the maps draw them (simplified for the web)."""
    import geopandas as gpd

    from regie_analytics import geo

    raw = gpd.read_file(ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson")
    areas = raw.set_index("cbsCode").rename(columns={"naam": "name"})[["name", "geometry"]]
    areas.index.name = "area_code"
    return geo.simplify_for_web(areas)


SAMPLE_IMPORTS = [
    (SAMPLES / "open311_requests.json", "open311"),
    (SAMPLES / "wijkteam_telling.csv", "counts"),
    (SAMPLES / "signalen", "signalen"),
]
"""The three bundled samples (open311, counts, a Signalen export) as (file, preset)."""

SMALL_CUBE = {
    "area_code": ["B2", "B1", "B1", "B2", "B1", "B1"],
    "month": ["2025-02", "2025-01", "2025-01", "2025-02", "2025-02", "2025-01"],
    "domain": ["fysiek", "fysiek", "fysiek", "fysiek", "sociaal", "fysiek"],
    "theme": ["wegen", "afval", "afval", "wegen", None, None],
    "channel": ["App", "App", "KCC", "App", "KCC", "App"],
    "department": ["a"] * 6,
    "source": ["s"] * 6,
    "count": [5, 3, 4, 7, 2, 1],
    "cell_key": [200, 100, 250, 90, 3, 7],
}
"""A small cube (one row per cell) with missing themes, whose rollups the tests know by hand."""


def imported(root: Path, *imports: tuple[Path, str], extra: tuple[str | Path, ...] = ()) -> Path:
    """A store at ``root`` with each (file, preset) imported through the command line."""
    for path, preset in imports:
        result = cli("import", path, "--preset", preset, "--store", root, *extra)
        assert result.code == 0, result.err
    return root


@pytest.fixture(scope="session")
def base_store(tmp_path_factory) -> Path:
    """A store with the open311 sample imported (built once per session)."""
    root = tmp_path_factory.mktemp("base") / "store"
    return imported(root, (SAMPLES / "open311_requests.json", "open311"))


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Path:
    """A private copy of the base store for one test."""
    root = tmp_path / "store"
    shutil.copytree(base_store, root)
    return root


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The full demo store, built once per session through the command line."""
    root = tmp_path_factory.mktemp("demo") / "store"
    files = root.parent / "files"
    result = cli("demo", "--store", root, "--keep-files", files)
    assert result.code == 0, result.err
    return root


@pytest.fixture(scope="module")
def app_store(demo_store: Path) -> Iterator[Path]:
    """The demo store as the dashboard's store (``REGIE_STORE``) for one test module."""
    with store_env(demo_store):
        yield demo_store


def protected_count(rows: pd.DataFrame) -> int:
    """The protected value of the cell made of the cube ``rows`` (a count and cell key per
    row), by hand: their count and the sum of their keys modulo 256 looked up in the p-table."""
    from regie_analytics import privacy

    count = int(rows["count"].sum())
    key = int(rows["cell_key"].astype("int64").sum()) % 256
    return count + int(privacy.PTABLE.perturbation(np.array([count]), np.array([key]))[0])


def located(store: Path, *, months: int = 12) -> pd.DataFrame:
    """The cube of the last ``months``, signals in an area only (what the pages count)."""
    from regie_analytics import aggregate
    from regie_analytics.store import Store

    cube = Store(store).cube()
    cube = cube[cube["month"] >= aggregate.shift_month(cube["month"].max(), -(months - 1))]
    return cube[~cube["area_code"].isin(["ZONDER_LOCATIE", "BUITEN_GEBIED"])]


def overig_figures(store: Path, *, protected: bool = True) -> str:
    """Signals in 'overig' and their share of all, in the last 12 months, in an area, counted
    from the cube by hand: protected (each perturbed by its cell key, as the pages show them
    by default; 3 or 4 reads "<5") or exact."""
    from regie_analytics.formatting import fmt_int, fmt_pct

    cube = located(store)
    overig = cube.loc[cube["domain"] == "overig"]
    if protected:
        n, total = protected_count(overig), protected_count(cube)
        if 0 < n < 5:  # a small protected count reads "<5", without its share
            return "<5 signalen"
    else:
        n, total = int(overig["count"].sum()), int(cube["count"].sum())
    share = n / total
    return f"{fmt_int(n)} signalen ({fmt_pct(share, 1 if share < 0.01 else 0)})"


def small_buurt(store: Path) -> tuple[str, int]:
    """A buurt with 1 to 4 signals in the store's last month (both domains), and that count,
    whose protected (perturbed) count is 3 or 4: a cell that must read "<5" wherever counts
    are protected."""
    from regie_analytics import aggregate, privacy
    from regie_analytics.store import Store

    cube = Store(store).cube()
    last = aggregate.months_in(cube)[-1]
    now = aggregate.filter_cube(cube, start=last, end=last, domains=["fysiek", "sociaal"])
    table = aggregate.area_table(now, Store(store).areas(), level="buurt")
    shown = aggregate.area_table(now, Store(store).areas(), ptable=privacy.PTABLE)["totaal"]
    small = table.loc[(table["totaal"] > 0) & (table["totaal"] < 5) & shown.between(3, 4), "totaal"]
    assert len(small), "the demo has no buurt with 1-4 signals in its last month"
    return str(small.index[0]), int(small.iloc[0])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, small file system (tmpfs) to fill up; needs root to mount."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def unknown_export(path: Path, rows: list[tuple[int, str]]) -> Path:
    """An Open311 CSV of requests (id, service name) in August 2025, at the Dam."""
    lines = ["service_request_id,requested_datetime,service_name,lat,long"]
    lines += [f"U{i},2025-08-{10 + i % 10:02d}T10:00:00,{name},52.3731,4.8922" for i, name in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def overig_base(tmp_path_factory) -> Path:
    """The Open311 sample (300 requests, all known) plus 6 unknown ones: 3 'Graffitti' and 2
    'Straatverlichtng' (typos, each with a suggestion) and 1 'Ruimteschip' (none)."""
    root = tmp_path_factory.mktemp("overig") / "store"
    sample = SAMPLES / "open311_requests.json"
    assert cli("import", sample, "--preset", "open311", "--store", root).code == 0
    names = ["Graffitti"] * 3 + ["Straatverlichtng"] * 2 + ["Ruimteschip"]
    export = unknown_export(root.parent / "onbekend.csv", list(enumerate(names)))
    assert cli("import", export, "--preset", "open311", "--store", root).code == 0
    return root


@pytest.fixture(scope="session")
def social_store(tmp_path_factory) -> Path:
    """One domain, no population, three months: the wijkteam's social counts only."""
    root = tmp_path_factory.mktemp("social") / "store"
    return imported(root, (SAMPLES / "wijkteam_telling.csv", "counts"))


@pytest.fixture(scope="session")
def nopop_store(demo_store: Path, tmp_path_factory) -> Path:
    """The demo's signals and counts on the bundled Amsterdam buurten, which have no
    population (the demo adds a generated one): both domains, three years, no inhabitants."""
    root = tmp_path_factory.mktemp("nopop") / "store"
    files = demo_store.parent / "files"
    return imported(
        root,
        (files / "signalen", "signalen"),
        (files / "sociaal" / "wijkteam_telling.csv", "counts"),
    )


@pytest.fixture(scope="session")
def foreign_store(tmp_path_factory) -> Path:
    """Amsterdam requests in a store built on Alkmaar's wijken: every signal lies outside.
    ``import`` refuses such a file; this store is written as one from before that check was,
    through the store's own commit."""
    from regie_analytics import workflow
    from regie_analytics.ingest import prepare_import
    from regie_analytics.store import Store

    root = tmp_path_factory.mktemp("foreign") / "store"
    store = Store(root)
    context = workflow.resolve_context(store, boundaries=ALKMAAR)
    prepared = prepare_import(
        SAMPLES / "open311_requests.json",
        preset="open311",
        areas=context.areas,
        taxonomy=context.taxonomy,
    )
    store.commit(
        [prepared],
        areas=context.areas,
        boundaries=context.boundaries,
        taxonomy=context.taxonomy,
        taxonomy_info=context.taxonomy_info,
    )
    return root


@contextmanager
def store_env(store: Path) -> Iterator[None]:
    """The dashboard reads ``store`` while the block runs."""
    old = os.environ.get("REGIE_STORE")
    os.environ["REGIE_STORE"] = str(store)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("REGIE_STORE", None)
        else:
            os.environ["REGIE_STORE"] = old


def open_page(
    at: AppTest,
    page: str | None,
    state: dict[str, object],
    params: dict[str, str | list[str]] | None = None,
) -> AppTest:
    """Run ``page`` (None: the current page) with the filter widgets set by their keys
    (``state``) or the link's query parameters (``params``, as a browser has them before the
    run); no exception element and no error message."""
    if page is not None:
        at.switch_page(f"pages/{page}.py")
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_app(
    page: str | None = None,
    *,
    state: dict[str, object] | None = None,
    params: dict[str, str | list[str]] | None = None,
) -> AppTest:
    """Run the app, then switch to ``page``, with the same ``state`` and ``params`` for both
    runs (see :func:`open_page`)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    open_page(at, None, state or {}, params)
    if page is not None:
        open_page(at, page, state or {}, params)
    return at


def texts(at: AppTest) -> str:
    """Every info, warning, markdown and caption text on the page, as the user reads it (the
    Markdown escapes of text from data or links taken out)."""
    parts = [e.value for kind in ("info", "warning", "markdown", "caption") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


FIXI_CATEGORIES = [  # Fixi-like categories as Fixi municipalities publish them
    ("Afval / Zwerfafval", ""),
    ("Openbare verlichting", ""),
    ("Openbaar groen", ""),
    ("Wegen en trottoirs", ""),
    ("Verkeersborden", ""),
    ("Dode dieren", ""),
]
SOCIAL_THEMES = ["eenzaamheid en welzijn", "schulden en armoede", "jeugd en gezin", "wonen"]


def municipality_export(
    path: Path, boundaries: Path, *, n: int = 600, months: int = 15, seed: int = 3
) -> Path:
    """A Fixi-like export (``;``, Windows-1252, Dutch column names, RD coordinates with
    decimal commas) of ``n`` GENERATED reports inside ``boundaries``, spread over ``months``
    months up to August 2025; returns ``path``."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    areas = gpd.read_file(boundaries).to_crs(28992)
    xy = areas.geometry.sample_points(max(1, n // len(areas)) + 1, rng=rng).get_coordinates()
    xy = xy.sample(n, random_state=seed)
    start = pd.Timestamp("2025-08-31") - pd.DateOffset(months=months)
    when = start + pd.to_timedelta(rng.integers(1, months * 30 * 86400, n), "s")
    cats = [FIXI_CATEGORIES[i] for i in rng.integers(0, len(FIXI_CATEGORIES), n)]
    frame = pd.DataFrame(
        {
            "Meldingnummer": [f"F{i:06d}" for i in range(1, n + 1)],
            "Datum melding": when.strftime("%d-%m-%Y %H:%M"),
            "Hoofdcategorie": [c for c, _ in cats],
            "Subcategorie": [s for _, s in cats],
            "X-coördinaat": [f"{v:.2f}".replace(".", ",") for v in xy["x"]],
            "Y-coördinaat": [f"{v:.2f}".replace(".", ",") for v in xy["y"]],
            "Kanaal": rng.choice(["App", "Telefoon", "Website"], n),
        }
    )
    frame.to_csv(path, index=False, sep=";", encoding="cp1252")
    return path


def municipality_counts(path: Path, codes: list[str], *, months: int = 15, seed: int = 4) -> Path:
    """GENERATED wijkteam counts per area code, month and theme with Dutch column names
    (``Wijk;Maand;Thema;Aantal``), the months up to August 2025; returns ``path``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    periods = pd.period_range(end="2025-08", periods=months, freq="M").strftime("%Y-%m")
    rows = [
        (code, period, theme, int(rng.poisson(6)))
        for code in codes
        for period in periods
        for theme in SOCIAL_THEMES
    ]
    pd.DataFrame(rows, columns=["Wijk", "Maand", "Thema", "Aantal"]).to_csv(
        path, index=False, sep=";"
    )
    return path


PDOK = ROOT / "tests" / "data" / "pdok"


@dataclass
class PdokServer:
    """A local HTTP server answering as PDOK's OGC API did in the recorded responses of
    ``tests/data/pdok`` (see ``make_pdok.py``); ``requests`` lists the paths and queries
    asked."""

    url: str
    requests: list[str]


@pytest.fixture
def pdok(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[PdokServer]:
    """The recorded PDOK answers served on localhost, ``$REGIE_PDOK_URL`` pointing at them and
    a private download cache (``$REGIE_CACHE``)."""
    import json
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    index = json.loads((PDOK / "index.json").read_text())
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            path, _, query = self.path.partition("?")
            cursor = urllib.parse.parse_qs(query).get("cursor", [""])[0]
            entry = index.get(f"{path}#{urllib.parse.quote(cursor, safe='')}")
            if entry is None:
                body = json.dumps({"title": "Not Found", "detail": "collection not found"})
                self._send(404, body.encode(), "application/problem+json", None)
                return
            text = (PDOK / entry["file"]).read_text().replace("https://api.pdok.nl", base)
            self._send(200, text.encode(), "application/geo+json", entry["content_crs"])

        def _send(self, status: int, body: bytes, kind: str, crs: str | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if crs:
                self.send_header("Content-Crs", crs)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("REGIE_PDOK_URL", base + "/cbs/wijken-en-buurten-{jaar}/ogc/v1")
    monkeypatch.setenv("REGIE_CACHE", str(tmp_path / "cache"))
    try:
        yield PdokServer(base, asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """AppTest runs as a server does once it has shown its first page.

    AppTest starts every run as a freshly started server would: in Streamlit's legacy mode for
    a ``pages/`` folder, which runs the page without ``app.py``; ``components.require_app`` then
    hands over to ``app.py`` with ``st.rerun()``, and a rerun forgets which button was clicked.
    A real server is in that mode only for its very first run, never for a click, so this
    fixture keeps AppTest out of it (Chromium checks the same path in ``test_e2e.py``).
    """

    class Served(PagesManager):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", Served)
    yield
    PagesManager.uses_pages_directory = None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with PostGIS for this test session (``tests/pg.py``);
    the URL of its test database. Its folder is its own, not under pytest's base folder,
    whose old sessions another pytest run may remove meanwhile."""
    import tempfile

    from tests import pg

    cluster = pg.start(Path(tempfile.mkdtemp(prefix="regie-pg-")))
    yield cluster.url
    cluster.stop()


_SCHEMAS = iter(range(1_000_000))


@pytest.fixture(
    params=["folder", pytest.param("postgresql", marks=pytest.mark.subprocess)],
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store location for one test, once as a folder and once as a database
    (its own schema in the session's PostgreSQL)."""
    if request.param == "folder":
        return str(tmp_path / "store")
    url = request.getfixturevalue("pg_url")
    return f"{url}?options=-csearch_path%3Dtest_{next(_SCHEMAS)}"
