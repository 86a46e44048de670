"""The Afhandeling page's three lead-time cuts (``lead_queries.lead_time_cuts``: all together, per
theme, per area at the selected level, from one engine statement) equal the cuts computed one
by one (:func:`engine.lead_time_cut`, pinned to pandas in ``test_lead_times_engine.py``), on
the demo store, also for a level chosen after another (then only the areas' cut is computed
anew: the overall and per-theme cuts of the same filter are reused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate, lead_sql
from regie_analytics.schema import AREA_CODE
from regie_analytics.ui import lead_queries as queries
from regie_analytics.ui.data import latest


def _sorted(cut: pd.DataFrame) -> pd.DataFrame:
    return cut.sort_values("g", ignore_index=True)


def _one_by_one(snap: Any, level: str, **choices: Any) -> list[pd.DataFrame]:
    """The three cuts, each from a statement of its own."""
    if level == snap.levels[0]:
        area = {"by": AREA_CODE, "located": True}
    else:
        parents = snap.parent_codes(level).dropna()
        area = {"by": None, "groups": dict(zip(parents.index, parents, strict=True))}
    return [
        snap.read(lambda by=by: lead_sql.lead_time_cut(snap.engine, **by, **choices))
        for by in ({"by": None}, {"by": "theme"}, area)
    ]


@pytest.mark.slow
def test_the_pages_cuts_equal_the_cuts_one_by_one(app_store: Path) -> None:
    snap = latest()
    assert snap is not None and len(snap.levels) >= 2
    last = snap.months[-1]
    start = aggregate.shift_month(last, -11)
    domains = ("fysiek", "sociaal")
    queries.lead_time_cuts.clear()
    queries._LEVEL_FREE.clear()
    calls: list[int] = []
    steps: list[list[int]] = []
    original = lead_sql.lead_time_cuts

    def counted(engine: Any, groupings: Any, **kwargs: Any) -> list[pd.DataFrame]:
        calls.append(len(groupings))
        return original(engine, groupings, **kwargs)

    lead_sql.lead_time_cuts = counted  # type: ignore[assignment]
    try:
        for level in (snap.levels[0], snap.levels[1], snap.levels[0]):
            calls.clear()
            got = queries.lead_time_cuts(
                snap, start, last, domains, (), (), norm_days=10, level=level
            )
            steps.append(list(calls))
            want = _one_by_one(snap, level, norm_days=10, start=start, end=last, domains=domains)
            for g, w in zip(got, want, strict=True):
                assert len(g) > 0
                assert_frame_equal(_sorted(g), _sorted(w), check_dtype=False)
    finally:
        lead_sql.lead_time_cuts = original  # type: ignore[assignment]
    # the first level: three groupings in one statement; another level: only its areas';
    # the first level again: from the page's cache
    assert steps == [[3], [1], []]
    # all together: every signal, those outside an area (left out per area) too
    everywhere = snap.read(
        lambda: lead_sql.lead_time_cut(
            snap.engine, by=AREA_CODE, norm_days=10, start=start, end=last, domains=domains
        )
    )
    assert list(got[0]["g"]) == ["totaal"]
    assert int(got[0]["ontvangen"].iloc[0]) == int(everywhere["ontvangen"].sum())
    assert int(got[2]["ontvangen"].sum()) < int(everywhere["ontvangen"].sum())
