"""The one place Chromium is looked up (kaleido's PNGs and the browser tests)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from regie_analytics import chromium


def _fake_browser(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_browser_path_prefers_browser_path_then_the_names_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("BROWSER_PATH", "")  # so monkeypatch restores the caller's value
    monkeypatch.delenv("BROWSER_PATH")
    assert chromium.browser_path() is None
    assert chromium.point_kaleido() is False
    assert "BROWSER_PATH" not in os.environ
    second = _fake_browser(tmp_path, "chromium-browser")
    assert chromium.browser_path() == str(second)
    first = _fake_browser(tmp_path, "chromium")
    assert chromium.browser_path() == str(first)
    assert chromium.point_kaleido() is True
    assert os.environ["BROWSER_PATH"] == str(first)
    monkeypatch.setenv("BROWSER_PATH", "/opt/eigen/chrome")
    assert chromium.browser_path() == "/opt/eigen/chrome"


def test_no_other_module_looks_for_chromium_itself() -> None:
    root = Path(chromium.__file__).resolve().parent
    others = [
        path.name
        for path in root.rglob("*.py")
        if path.name != "chromium.py" and 'which("chromium' in path.read_text(encoding="utf-8")
    ]
    assert others == []
