"""Figures drawn to PNG in a process of their own with a deadline
(:mod:`regie_analytics.export.drawing`): a Chromium that never answers is killed with every
process under it and tried once more, then the export stops with a Dutch message instead of
hanging; a working Chromium draws every figure at its size."""

from __future__ import annotations

import shutil
import stat
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from regie_analytics.export import drawing, images
from regie_analytics.schema import InputError

pytestmark = pytest.mark.subprocess


def _hanging_browser(folder: Path) -> Path:
    """A "Chromium" that starts, writes its pid and never answers (as the one seen in CI)."""
    path = folder / "chromium"
    pids = folder / "pids"
    path.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 600\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return False
    return "zombie" not in status.read_text()


def test_a_browser_that_never_answers_is_killed_and_the_export_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(_hanging_browser(tmp_path)))
    figure = go.Figure(go.Bar(x=["a", "b"], y=[1, 2])).to_dict()
    spec = (figure, {"format": "png", "width": 200, "height": 100, "scale": 1})
    began = time.monotonic()
    with pytest.raises(InputError, match="niet binnen 8 seconden") as raised:
        drawing.draw([spec], timeout=8)
    took = time.monotonic() - began
    assert drawing.ATTEMPTS == 2 and 16 <= took < 40  # two attempts of 8 s, then given up
    assert "tweede poging" in str(raised.value) and raised.value.hint
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2  # the browser was started once per attempt
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in pids)  # and killed with its drawing's process group


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is niet geïnstalleerd")
def test_figures_are_drawn_at_their_size_in_one_process() -> None:
    bars = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    heatmap = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))
    pngs = images.render_pngs([(bars, (300, 200)), (heatmap, (400, 300))])
    scale = images.PNG_SCALE
    assert [images.png_size(png) for png in pngs] == [
        (300 * scale, 200 * scale),
        (400 * scale, 300 * scale),
    ]
    assert drawing.draw([]) == []
