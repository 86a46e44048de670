"""Shared fixtures: the real Amsterdam boundaries, small stores, and a CLI runner."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
APP_TIMEOUT = 120  # seconds for one AppTest run (first runs compute and cache)
BAD = ROOT / "tests" / "data" / "bad"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``python -m regie_analytics`` in a subprocess, as a user would."""
    proc = subprocess.run(
        [sys.executable, "-m", "regie_analytics", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def cli(*args: str | Path) -> CliResult:
    """Run the command line in this process (faster than :func:`run_cli`), capturing its
    output as a user would see it."""
    from regie_analytics.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
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


def imported(root: Path, *imports: tuple[Path, str], extra: tuple[str | Path, ...] = ()) -> Path:
    """A store at ``root`` with each (file, preset) imported through the real CLI."""
    for path, preset in imports:
        result = run_cli("import", path, "--preset", preset, "--store", root, *extra)
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
    """The full demo store, built once per session through the real CLI."""
    root = tmp_path_factory.mktemp("demo") / "store"
    files = root.parent / "files"
    result = run_cli("demo", "--store", root, "--keep-files", files)
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
    by default) or exact."""
    from regie_analytics.formatting import fmt_int, fmt_pct

    cube = located(store)
    overig = cube.loc[cube["domain"] == "overig"]
    if protected:
        n, total = protected_count(overig), protected_count(cube)
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
    assert run_cli("import", sample, "--preset", "open311", "--store", root).code == 0
    names = ["Graffitti"] * 3 + ["Straatverlichtng"] * 2 + ["Ruimteschip"]
    export = unknown_export(root.parent / "onbekend.csv", list(enumerate(names)))
    assert run_cli("import", export, "--preset", "open311", "--store", root).code == 0
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
    """Amsterdam requests in a store built on Alkmaar's wijken: every signal lies outside."""
    root = tmp_path_factory.mktemp("foreign") / "store"
    alkmaar = ROOT / "tests" / "data" / "alkmaar_wijken_2024.geojson"
    return imported(
        root, (SAMPLES / "open311_requests.json", "open311"), extra=("--boundaries", alkmaar)
    )


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
