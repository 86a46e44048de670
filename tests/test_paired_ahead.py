"""Samenhang starts its paired cuts (the regie list's and the theme correlations') in a thread
at the top of the page, so that the engine sums them while the script computes the map: the
page's own call further down waits for that sum or finds it cached, and the engine sums each
selection once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate, snapshot
from regie_analytics.schema import AREA_CODE, DEPARTMENT, THEME
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import queries
from regie_analytics.ui.filters import Filters


@pytest.fixture
def demo(demo_store: Path) -> Snapshot:
    current = snapshot.current(demo_store)
    assert current is not None
    st.cache_resource.clear()
    return snapshot.load(demo_store, version=current[0], key=current[1])


@pytest.mark.slow
def test_paired_cuts_started_ahead_are_summed_once_and_served_to_the_page(
    demo: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = queries.engines.cube_cuts
    calls: list[str] = []
    started, release = threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        calls.append(threading.current_thread().name)
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(queries.engines, "cube_cuts", held)
    last = demo.months[-1]
    sel = Filters(aggregate.shift_month(last, -5), last, ("fysiek", "sociaal"), (), (), "wijk")
    queries.paired_ahead(demo, sel)
    assert started.wait(30)  # the engine is summing in the thread ahead of the page
    assert calls[0].startswith("vooruit")
    got: dict[str, Any] = {}
    page = threading.Thread(target=lambda: got.update(cut=queries._paired(demo, sel, 1)))
    page.start()
    page.join(0.5)
    assert page.is_alive()  # the page's own call waits for the sum in progress ...
    release.set()
    page.join(30)
    assert not page.is_alive()
    assert len(calls) == 1  # ... instead of summing again
    queries.paired_ahead(demo, sel)  # cached: nothing summed again
    assert queries._paired(demo, sel, 0) is not None
    assert len(calls) == 1
    want = real(
        demo.engine,
        bys=((AREA_CODE, THEME), (AREA_CODE, DEPARTMENT)),
        categories={c: demo.categories(c) for c in (AREA_CODE, THEME, DEPARTMENT)},
        start=sel.start,
        end=sel.end,
        domains=sel.domains,
        themes=None,
        channels=None,
    )[1]
    assert_frame_equal(got["cut"], want)
    assert int(want["count"].sum()) > 0
