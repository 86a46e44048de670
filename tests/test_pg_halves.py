"""A PostgreSQL cut by area is read as two statements at the same time, the areas before the
engine's middle code and from it on (PostgreSQL runs a statement on one core): the same rows,
counts and cell keys as the one statement, each half's areas on its own side of the middle.
Checked on a real import (CBS wijken of three gemeenten, generated signals) against the
pandas sums of the stored cube."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import engine as engines
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, DOMAIN, MONTH, SENTINEL_AREAS
from regie_analytics.store import open_store, pgengine
from regie_analytics.ui import background, data, queries
from tests.national_case import imported, schema_url, signals, two_gemeenten


@pytest.mark.subprocess
def test_a_cut_by_area_is_read_in_two_halves_with_the_same_rows(
    pg_url: str, tmp_path: Path
) -> None:
    url = schema_url(pg_url, "helften")
    boundaries, areas = two_gemeenten(tmp_path)
    imported(url, signals(areas, tmp_path / "a.csv", rows=6000), boundaries=boundaries)
    store = open_store(url)
    engine = store.engine(store.current)
    cube = store.cube()
    codes = sorted(cube[AREA_CODE].astype("str").unique())
    middle = engine.area_middle()
    assert middle is not None and codes[0] < middle <= codes[-1]

    sent: list[tuple[str, list[Any], pd.DataFrame]] = []
    lock = threading.Lock()
    query = engine.query

    def recorded(sql: str, params: Any = ()) -> pd.DataFrame:
        frame = query(sql, params)
        with lock:
            sent.append((sql, list(params), frame))
        return frame

    engine.query = recorded  # type: ignore[method-assign]
    months = sorted(cube[MONTH].unique())
    cuts: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        ((AREA_CODE, MONTH, DOMAIN, "theme"), {"located": True}),  # a rollup read as it is
        ((AREA_CODE, DOMAIN), {"start": months[2], "end": months[-3]}),  # area months, summed
        ((AREA_CODE, "department"), {"domains": ["sociaal"]}),  # the cube, summed
    ]
    for by, choices in cuts:
        sent.clear()
        halved = engines.cube_cut(engine, by=by, **choices)
        assert len(sent) == 2, by
        before = [s for s in sent if 'COLLATE "C" < ? OR' in s[0]]
        after = [s for s in sent if 'COLLATE "C" >= ?' in s[0]]
        assert len(before) == len(after) == 1, by
        (_, first_params, first_rows), (_, second_params, second_rows) = before[0], after[0]
        assert first_params[-1] == middle and second_params[-1] == middle
        assert len(first_rows) and len(second_rows)
        assert (first_rows[AREA_CODE].astype("str") < middle).all()
        assert (second_rows[AREA_CODE].astype("str") >= middle).all()
        sent.clear()
        whole = engines.cube_cut(engine, by=by, halves=False, **choices)
        assert len(sent) == 1 and "COLLATE" not in sent[0][0]
        assert_frame_equal(halved, whole, obj=str(by))
        # by hand: the stored cube summed in pandas, cell keys modulo 256
        rows = cube
        if choices.get("located"):
            rows = rows.loc[~rows[AREA_CODE].isin(SENTINEL_AREAS)]
        if "start" in choices:
            rows = rows.loc[(rows[MONTH] >= choices["start"]) & (rows[MONTH] <= choices["end"])]
        if "domains" in choices:
            rows = rows.loc[rows[DOMAIN].isin(choices["domains"])]
        sums = rows.groupby(list(by), observed=True)[[COUNT, CELL_KEY]].sum().reset_index()
        sums = sums.loc[sums[COUNT] > 0] if COUNT in sums else sums
        got = halved.astype({b: "str" for b in by}).sort_values(list(by), ignore_index=True)
        want = sums.astype({b: "str" for b in by}).sort_values(list(by), ignore_index=True)
        assert got[COUNT].tolist() == want[COUNT].tolist(), by
        assert got[CELL_KEY].tolist() == (want[CELL_KEY] % 256).tolist(), by

    # cuts run side by side (Samenhang's pair) are each one statement; so is a cut of a few
    # chosen areas
    sent.clear()
    engines.cube_cuts(engine, bys=[(AREA_CODE, "theme"), (AREA_CODE, "department")])
    assert len(sent) == 2 and not any('COLLATE "C" <' in s[0] for s in sent)
    sent.clear()
    engines.cube_cut(engine, by=(AREA_CODE, DOMAIN), area_codes=codes[:3])
    assert len(sent) == 1 and "COLLATE" not in sent[0][0]


@pytest.mark.subprocess
def test_the_warm_up_reads_the_signals_per_area_first(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first job of a version's warm-up reads what the engine's cuts by area need (the
    signals per area, which split a cut in halves; the digests of the stored levels), so that
    a page's first cut by area does not wait for it: after it the engine holds the stored
    cube's sums per area (by hand: pandas) and knows its levels (the page's mapping of
    buurten to wijken found without another query), and gives the same middle as an engine
    of its own."""
    url = schema_url(pg_url, "opwarmen")
    boundaries, areas = two_gemeenten(tmp_path)
    imported(url, signals(areas, tmp_path / "a.csv", rows=3000), boundaries=boundaries)
    monkeypatch.setenv("REGIE_STORE", url)
    snap = data.latest()
    assert snap is not None
    engine: Any = snap.engine
    jobs: list[tuple[Any, Any, str]] = []
    monkeypatch.setattr(background, "one_by_one", lambda key, given: jobs.extend(given))
    queries.warm_up.clear()
    queries.warm_up(snap)
    key, compute, label = jobs[0]
    assert key == ("area_split", snap.key) and label == "Gebieden verdelen"
    assert engine._signals is None and engine._levels is None
    compute()
    cube = open_store(url).cube()
    sums = cube.dropna(subset=[AREA_CODE]).groupby(AREA_CODE, observed=True)[COUNT].sum()
    assert engine._signals == {str(a): int(n) for a, n in sums.items()}
    assert sorted(engine._levels.values()) == sorted(set(snap.levels) - {snap.levels[0]})
    monkeypatch.setattr(pgengine, "connection", None)  # no query from here on
    parents = snap.parent_codes("wijk").dropna()
    wijken = dict(zip(parents.index.astype("str"), parents.astype("str"), strict=True))
    assert len(set(wijken.values())) > 1 and engine._level_of(wijken) == "wijk"
    store = open_store(url)
    monkeypatch.undo()
    assert engine.area_middle() == store.engine(store.current).area_middle() is not None
    assert [k[0] for k, _, _ in jobs[1:]] == ["jumps"] * (len(jobs) - 1)
