"""Samenhang's two paired cuts (theme correlations, regie-opgave) are started before the page
computes its first table (``queries.prefetch_paired``) and queried in a thread of their own,
once per selection, shared by every later ask; a query that failed is queried again when asked
for. Checked on the demo store, with the engine's ``cube_cuts`` held until the page asks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate
from regie_analytics import engine as engines
from regie_analytics.ui import queries
from regie_analytics.ui.data import latest
from regie_analytics.ui.filters import Filters


@pytest.mark.slow
def test_the_paired_cuts_run_beside_the_page_once_per_selection(
    app_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = latest()
    assert snap is not None
    last = snap.months[-1]
    sel = Filters(aggregate.shift_month(last, -2), last, ("fysiek", "sociaal"), (), (), "wijk")
    queries._paired_of.clear()
    original = engines.cube_cuts
    release, started = threading.Event(), threading.Event()
    threads: list[str] = []
    failures = [1]  # the first query fails

    def held(engine: Any, **kwargs: Any) -> list[pd.DataFrame]:
        threads.append(threading.current_thread().name)
        started.set()
        assert release.wait(30)
        if failures:
            failures.pop()
            raise RuntimeError("verbinding verbroken")
        return original(engine, **kwargs)

    monkeypatch.setattr(engines, "cube_cuts", held)
    queries.prefetch_paired(snap, sel)  # returns while the query is held
    assert started.wait(30) and not release.is_set()
    assert len(threads) == 1 and threads[0].startswith("paired_cuts")
    queries.prefetch_paired(snap, sel)  # already under way: not started again
    release.set()
    with pytest.raises(RuntimeError, match="verbinding verbroken"):
        queries._paired(snap, sel, 0)
    regie = queries._paired(snap, sel, 1)  # queried again, once
    themes = queries._paired(snap, sel, 0)
    assert len(threads) == 2 and threads[1].startswith("paired_cuts")
    want = original(
        snap.engine,
        bys=queries.PAIRED_CUTS,
        categories={c: snap.categories(c) for c in ("area_code", "theme", "department")},
        start=sel.start,
        end=sel.end,
        domains=sel.domains,
        themes=None,
        channels=None,
    )
    assert len(regie) > 0 and len(themes) > 0
    assert_frame_equal(themes, want[0])
    assert_frame_equal(regie, want[1])
    # another period: a query of its own; the first one's is kept
    other = Filters(aggregate.shift_month(last, -5), last, sel.domains, (), (), "buurt")
    queries._paired(snap, other, 0)
    queries._paired(snap, sel, 1)
    assert len(threads) == 3
