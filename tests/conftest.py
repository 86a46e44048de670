"""Shared fixtures: the real Amsterdam boundaries, small stores, and a CLI runner."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
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
