"""The query engine: cube cuts filtered and summed in DuckDB equal the pandas computations.

A tiny store written by hand checks every cut against counts and cell keys computed by hand;
on the demo store every dashboard computation (``ui/queries.py``) that now starts from an
engine cut is compared with the same library function run on the whole cube in pandas, as the
dashboard did before, for several filters: the frames must be exactly equal."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from pandas.testing import assert_frame_equal, assert_series_equal

from regie_analytics import aggregate, engine, insights, privacy, report, snapshot, stats
from regie_analytics.engine import DuckDBEngine
from regie_analytics.schema import CUBE_COLUMNS
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import components, queries
from regie_analytics.ui.filters import Filters

TINY = [
    # area, month, domain, theme, channel, department, source, count, cell_key
    ("A", "2025-01", "fysiek", "afval", "app", "d1", "s", 3, 200),
    ("A", "2025-01", "fysiek", "afval", "mail", "d1", "s", 2, 100),
    ("A", "2025-02", "sociaal", "jeugd", "app", "d2", "s", 1, 7),
    ("B", "2025-01", "fysiek", "afval", "app", "d1", "s", 4, 250),
    ("B", "2025-02", "fysiek", "groen", "mail", "d3", "t", 6, 129),
    ("BUITEN_GEBIED", "2025-01", "fysiek", "afval", "app", "d1", "s", 5, 5),
]


@pytest.fixture
def tiny(tmp_path: Path) -> DuckDBEngine:
    """An engine over a version folder holding only a hand-written cube."""
    folder = tmp_path / "v000001"
    folder.mkdir()
    pd.DataFrame(TINY, columns=list(CUBE_COLUMNS)).to_parquet(folder / "cube.parquet")
    return DuckDBEngine(folder)


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(row) for row in frame.astype("object").itertuples(index=False)]


def test_cuts_of_a_tiny_cube_are_summed_by_hand(tiny: DuckDBEngine) -> None:
    january = engine.cube_cut(tiny, by=("area_code", "domain"), start="2025-01", end="2025-01")
    assert _rows(january) == [
        ("A", "fysiek", 5, (200 + 100) % 256),
        ("B", "fysiek", 4, 250),
        ("BUITEN_GEBIED", "fysiek", 5, 5),
    ]
    located = engine.cube_cut(tiny, by=(), located=True)
    assert _rows(located) == [(3 + 2 + 1 + 4 + 6, (200 + 100 + 7 + 250 + 129) % 256)]
    app = engine.cube_cut(tiny, by=("area_code",), channels=["app"], located=True)
    assert _rows(app) == [("A", 4, 207), ("B", 4, 250)]
    themes = engine.cube_cut(tiny, by=("month", "theme"), themes=["jeugd", "groen"])
    assert _rows(themes) == [("2025-02", "groen", 6, 129), ("2025-02", "jeugd", 1, 7)]
    members = engine.cube_cut(tiny, by=("department",), area_codes=["B"])
    assert _rows(members) == [("d1", 4, 250), ("d3", 6, 129)]
    assert engine.cube_cut(tiny, by=("area_code",), domains=[]).empty
    assert engine.cube_cut(tiny, by=(), start="2026-01").empty


def test_cut_types_match_the_loaded_cube(tiny: DuckDBEngine) -> None:
    cut = engine.cube_cut(tiny, by=("area_code", "month", "domain"))
    assert [str(t) for t in cut.dtypes] == ["category", "str", "category", "int64", "int64"]
    empty = engine.cube_cut(tiny, by=("area_code", "month"), domains=[])
    assert list(empty.columns) == ["area_code", "month", "count", "cell_key"]
    assert [str(t) for t in empty.dtypes] == ["category", "str", "int64", "int64"]


def test_typed_cuts_are_coded_and_ordered_as_pandas_would() -> None:
    """``typed_cut`` codes text through Arrow and orders by whole numbers: the categories
    given (a value not among them missing, ordered last), else the sorted values present;
    the month text ordered as text; and exactly what pandas' own conversion and stable sort
    give, for Arrow text, Python strings and text with a missing value (left to pandas)."""
    frame = pd.DataFrame(
        {
            "area_code": ["B", "A", "Z", "A", "C", "A"],
            "month": ["2025-02", "2025-10", "2025-01", "2025-02", "2025-01", "2025-02"],
            "domain": ["sociaal", "fysiek", "fysiek", "fysiek", "sociaal", "sociaal"],
            "count": [1, 2, 3, 4, 5, 6],
            "cell_key": [10, 20, 30, 40, 50, 60],
        }
    )
    by = ("area_code", "month", "domain")
    known = {"area_code": ["A", "B", "C"], "domain": ["fysiek", "sociaal", "water"]}
    cut = engine.typed_cut(frame, by, categories=known)
    assert cut["count"].tolist() == [4, 6, 2, 1, 5, 3]  # A 02 f, A 02 s, A 10, B, C, Z last
    assert cut["area_code"].tolist()[:5] == ["A", "A", "A", "B", "C"]
    assert pd.isna(cut["area_code"].iloc[5])
    assert list(cut["area_code"].cat.categories) == ["A", "B", "C"]
    assert list(cut["domain"].cat.categories) == ["fysiek", "sociaal", "water"]
    assert cut["month"].tolist() == [
        "2025-02",
        "2025-02",
        "2025-10",
        "2025-02",
        "2025-01",
        "2025-01",
    ]
    present = engine.typed_cut(frame, by)
    assert list(present["area_code"].cat.categories) == ["A", "B", "C", "Z"]
    assert present["count"].tolist() == [4, 6, 2, 1, 5, 3]

    def by_pandas(rows: pd.DataFrame, categories: dict[str, list[str]] | None) -> pd.DataFrame:
        columns = {}
        for b in by:
            values = rows[b].astype("str")
            if b != "month":
                values = values.astype("category")
                if categories and b in categories:
                    values = values.cat.set_categories(categories[b])
            columns[b] = values
        out = pd.DataFrame({**columns, "count": rows["count"], "cell_key": rows["cell_key"]})
        return out.sort_values(list(by), kind="stable").reset_index(drop=True)

    gaps = frame.astype({"area_code": "object"})
    gaps.loc[2, "area_code"] = None
    for rows in (frame, frame.astype({c: "object" for c in by}), gaps):
        for categories in (known, None, {"domain": []}):  # no categories: an object index
            want = by_pandas(rows, categories)
            assert_frame_equal(engine.typed_cut(rows, by, categories=categories), want)


def test_cuts_equal_pandas_roll_ups_of_the_tiny_cube(tiny: DuckDBEngine) -> None:
    cube = pd.DataFrame(TINY, columns=list(CUBE_COLUMNS))
    cases: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("area_code", "domain"), {"start": "2025-02"}),
        (("theme",), {"channels": ["mail"]}),
        (("area_code", "month", "domain", "theme"), {"domains": ["fysiek"]}),
    ]
    for by, choices in cases:
        cut = engine.cube_cut(tiny, by=by, **choices)
        rows = aggregate.filter_cube(cube, **choices)
        expected = rows.groupby(list(by), sort=True)[["count", "cell_key"]].sum().reset_index()
        expected["cell_key"] %= 256
        assert _rows(cut) == _rows(expected), by


def test_distinct_values_and_quoted_choices(tiny: DuckDBEngine) -> None:
    assert engine.distinct(tiny, "month") == ["2025-01", "2025-02"]
    where, params = engine.in_list("domain", ["fysiek"])
    assert engine.distinct(tiny, "theme", where=where, params=params) == ["afval", "groen"]
    # a value is a parameter, never SQL text
    assert engine.cube_cut(tiny, by=("area_code",), themes=["x' OR '1'='1"]).empty


def test_an_engine_without_a_cube_has_no_rows(tmp_path: Path) -> None:
    empty = DuckDBEngine(tmp_path)
    assert engine.cube_cut(empty, by=("area_code", "domain")).empty
    assert engine.distinct(empty, "month") == []


def test_sessions_in_threads_query_at_the_same_time(tiny: DuckDBEngine) -> None:
    results: list[list[tuple[object, ...]]] = []

    def run() -> None:
        for _ in range(20):
            results.append(_rows(engine.cube_cut(tiny, by=("area_code",), located=True)))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80
    assert all(r == [("A", 6, 51), ("B", 10, 123)] for r in results)


# --- the dashboard's computations on the demo store ----------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Snapshot:
    current = snapshot.current(demo_store)
    assert current is not None
    st.cache_data.clear()
    st.cache_resource.clear()
    return snapshot.load(demo_store, version=current[0], key=current[1])


def _selections(snap: Snapshot) -> list[Filters]:
    last = snap.months[-1]
    year = aggregate.shift_month(last, -11)
    themes = tuple(snap.themes_of(("fysiek", "sociaal"))[:3])
    return [
        Filters(year, last, ("fysiek", "sociaal"), (), (), "buurt", True),
        Filters(
            aggregate.shift_month(last, -2), last, ("fysiek", "sociaal"), (), (), "wijk", False
        ),
        Filters(year, last, ("fysiek", "sociaal"), themes, (snap.channels[0],), "buurt", True),
        Filters(year, last, ("sociaal",), (), (), "buurt", False),
    ]


def _pandas(snap: Snapshot, sel: Filters, *, period: bool = True) -> pd.DataFrame:
    """The whole cube cut in pandas, as the dashboard did before the engine."""
    return aggregate.filter_cube(
        snap.cube,
        start=sel.start if period else None,
        end=sel.end if period else None,
        domains=sel.domains,
        themes=sel.themes or None,
        channels=sel.channels or None,
    )


@pytest.mark.slow
def test_area_measures_pressure_and_statistics_equal_pandas(demo: Snapshot) -> None:
    for sel in _selections(demo):
        ptable = queries.ptable(sel)
        options: dict[str, Any] = {
            "level": sel.level,
            "ptable": ptable,
            "level_areas": demo.areas_at(sel.level),
        }
        cut = _pandas(demo, sel)
        whole = aggregate.filter_cube(demo.cube, start=sel.start, end=sel.end)
        expected = aggregate.area_table(cut, demo.areas, whole=whole, **options)
        assert_frame_equal(queries.area_measures(demo, sel), expected, check_exact=True)
        w = demo.weights(sel.level)
        pressure = insights.pressure_table(cut, demo.areas, w=w, **options)
        if sel.private:
            pressure[["rate_sociaal", "rate_fysiek"]] = pressure[
                ["rate_sociaal", "rate_fysiek"]
            ].round(1)
        assert_frame_equal(queries.pressure(demo, sel), pressure, check_exact=True)
        matrix = insights.theme_matrix(cut, demo.areas, **options)
        for shown, expected_ in zip(
            queries.correlations(demo, sel), stats.theme_correlations(matrix), strict=True
        ):
            assert_frame_equal(shown, expected_, check_exact=True)
        regie = insights.regie(
            cut, demo.areas, level=sel.level, pressure=queries.pressure(demo, sel), ptable=ptable
        )
        assert_frame_equal(queries.regie(demo, sel), regie, check_exact=True)
        located = cut.loc[~cut["area_code"].isin(["BUITEN_GEBIED", "ZONDER_LOCATIE"]), "count"]
        assert queries.signals_in_areas(demo, sel) == int(located.sum())


@pytest.mark.slow
def test_overview_emerging_and_jumps_equal_pandas(demo: Snapshot) -> None:
    whole = Filters(demo.months[0], demo.months[-1], ("fysiek", "sociaal"), (), (), "buurt", True)
    for sel in [*_selections(demo)[:3], whole]:  # the whole span: no previous period
        options: dict[str, Any] = {"level": sel.level, "ptable": queries.ptable(sel)}
        w = demo.weights(sel.level)
        ov = queries.overview(demo, sel)
        expected = insights.overview(
            _pandas(demo, sel, period=False),
            demo.areas,
            start=sel.start,
            end=sel.end,
            w=w,
            pressure=queries.pressure(demo, sel),
            selected=sel.domains,
            available=tuple(demo.domains),
            level_areas=demo.areas_at(sel.level),
            **options,
        )
        assert ov is not None
        assert_series_equal(ov.current, expected.current)
        assert_series_equal(ov.before, expected.before)
        assert_frame_equal(ov.pressure, expected.pressure, check_exact=True)
        assert_frame_equal(ov.top, expected.top, check_exact=True)
        assert ov.has_previous == (sel is not whole)
        assert (ov.sentences, ov.has_previous, ov.both_high_before) == (
            expected.sentences,
            expected.has_previous,
            expected.both_high_before,
        )
        until = sel.until_end
        spots, reason = queries.emerging(demo, until)
        assert reason is None
        assert_frame_equal(
            spots,
            insights.emerging(
                _pandas(demo, until, period=False), demo.areas, w=w, end=sel.end, **options
            ),
            check_exact=True,
        )
    for level in ("buurt", "wijk"):
        found = queries.jumps_all(demo, level, True)
        assert not found.empty
        cube = demo.cube.loc[~demo.cube["area_code"].isin(["BUITEN_GEBIED", "ZONDER_LOCATIE"])]
        long = aggregate.roll_up(
            cube, demo.areas, level=level, by=("month", "domain", "theme"), keep_keys=True
        )
        long = aggregate.published(long.astype({"domain": "str", "theme": "str"}), privacy.PTABLE)
        anomalies = stats.anomalies(long.drop(columns="domain"), alpha=0.001)
        high = anomalies.loc[anomalies["afwijking"] == stats.ANOMALY_HIGH]
        assert_frame_equal(found.drop(columns="domain"), high, check_exact=True)


@pytest.mark.slow
def test_series_profiles_and_counts_equal_pandas(demo: Snapshot) -> None:
    code = str(demo.areas_at("wijk").index[3])
    buurt = str(demo.areas_at("buurt").index[7])
    for sel in _selections(demo):
        until = sel.until_end
        options: dict[str, Any] = {
            "start": demo.months[0],
            "end": sel.end,
            "ptable": queries.ptable(sel),
        }
        everything = _pandas(demo, until, period=False)
        trend = queries.domain_trend(demo, until.municipal)
        assert_frame_equal(trend, insights.domain_monthly(everything, **options), check_exact=True)
        for area, level in ((None, sel.level), (code, "wijk"), (buurt, "buurt")):
            for by in ("domain", "theme", None):
                shown = queries.trend_series(demo, until.at_level(level), code=area, by=by)
                expected = insights.area_series(
                    everything,
                    demo.areas,
                    level=level,
                    code=area,
                    by=by,
                    level_areas=demo.areas_at(level),
                    **options,
                )
                assert_frame_equal(shown[0], expected[0], check_exact=True)
                if area is None:
                    assert shown[1] is None and expected[1] is None
                else:
                    assert shown[1] is not None and expected[1] is not None
                    assert_series_equal(shown[1], expected[1], check_exact=True)
        comparison = insights.theme_comparison(
            _pandas(demo, sel),
            demo.areas,
            level="buurt",
            code=buurt,
            ptable=queries.ptable(sel),
        )
        if not sel.private:
            assert_frame_equal(
                queries.profile_comparison(demo, sel, code=buurt, level="buurt"),
                comparison,
                check_exact=True,
            )
        protected_sel = sel.protected
        assert_frame_equal(
            queries.area_download(demo, sel),
            report.area_download(
                _pandas(demo, protected_sel),
                demo.areas,
                level=sel.level,
                table=queries.area_measures(demo, protected_sel),
            ),
            check_exact=True,
        )
        for protected in (True, False):
            ptable = privacy.PTABLE if protected else None
            expected_overig = aggregate.domain_count(
                demo.cube,
                "overig",
                start=sel.start,
                end=sel.end,
                channels=sel.channels or None,
                located=True,
                ptable=ptable,
            )
            assert components.overig_counts(demo, sel, protected=protected) == expected_overig
        assert components.overig_counts(demo, None, protected=True) == aggregate.domain_count(
            demo.cube, "overig", ptable=privacy.PTABLE
        )


@pytest.mark.slow
def test_the_overig_notice_asks_nothing_again_for_another_level_domain_or_theme(
    demo: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The overig count depends on the months and channels only: switching the level, the
    domains, the themes or small counts (a rerun of every page) sums nothing in the engine
    again; another period does."""
    st.cache_data.clear()
    last = demo.months[-1]
    start = aggregate.shift_month(last, -5)
    first = Filters(start, last, ("fysiek", "sociaal"), (), (), "buurt", True)
    expected = components.overig_counts(demo, first, protected=True)
    calls: list[Any] = []
    summed = engine.cube_cut

    def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
        calls.append(kwargs)
        return summed(*args, **kwargs)

    monkeypatch.setattr(engine, "cube_cut", counted)
    themes = tuple(demo.themes_of(("sociaal",))[:2])
    for other in (
        Filters(start, last, ("fysiek", "sociaal"), (), (), "wijk", True),
        Filters(start, last, ("sociaal",), themes, (), "stadsdeel", True),
    ):
        assert components.overig_counts(demo, other, protected=True) == expected
    assert calls == []
    components.overig_counts(
        demo, Filters(start, last, ("sociaal",), (), (), "buurt", False), protected=False
    )
    assert calls == []  # the same cut, counted exactly: nothing summed again
    components.overig_counts(
        demo,
        Filters(aggregate.shift_month(last, -2), last, (), (), (), "buurt", True),
        protected=True,
    )
    assert len(calls) == 1  # another period: one cut


@pytest.mark.slow
def test_facts_of_the_version_equal_the_whole_cube(demo: Snapshot) -> None:
    cube = demo.cube
    assert demo.months == aggregate.months_in(cube)
    assert demo.channels == sorted(str(c) for c in cube["channel"].unique())
    assert demo.themes_of(("sociaal",)) == sorted(
        str(t) for t in cube.loc[cube["domain"] == "sociaal", "theme"].unique()
    )
    last = demo.months[-1]
    for domains in (("fysiek",), ()):
        sel = Filters(last, last, domains, (), (), "buurt", True)
        assert queries.empty_reason(demo, sel) == insights.empty_reason(
            cube,
            start=last,
            end=last,
            domains=domains,
            boundaries=str(demo.manifest["boundaries"]["file"]),
        )
