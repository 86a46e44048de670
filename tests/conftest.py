"""Shared fixtures: the real Amsterdam boundaries, small stores, and a CLI runner."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
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
    that adds nothing)."""
    from regie_analytics import audit

    files = snapshot(store)
    files.pop(audit.LOG_NAME, None)
    return files


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
def base_store(tmp_path_factory) -> Path:
    """A store with the open311 sample imported (built once per session)."""
    root = tmp_path_factory.mktemp("base") / "store"
    result = run_cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", root
    )
    assert result.code == 0, result.err
    return root


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
    old = os.environ.get("REGIE_STORE")
    os.environ["REGIE_STORE"] = str(demo_store)
    yield demo_store
    if old is None:
        os.environ.pop("REGIE_STORE", None)
    else:
        os.environ["REGIE_STORE"] = old


def small_buurt(store: Path) -> tuple[str, int]:
    """A buurt with 1 to 4 signals in the store's last month (both domains), and that count:
    a cell that must read "<5" wherever small counts are hidden."""
    from regie_analytics import aggregate
    from regie_analytics.store import Store

    cube = Store(store).cube()
    last = aggregate.months_in(cube)[-1]
    now = aggregate.filter_cube(cube, start=last, end=last, domains=["fysiek", "sociaal"])
    table = aggregate.area_table(now, Store(store).areas(), level="buurt")
    small = table.loc[(table["totaal"] > 0) & (table["totaal"] < 5), "totaal"]
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
