"""The council report from engine cuts equals the report computed from the whole cube in
pandas, to the last cell: titles, sentences, every table, every protected table (published and
true counts, so the cell-key perturbation and the suppression are unchanged) and every chart.

The dashboard's snapshot and a store cut the cube in their engine (DuckDB over the folder
store, or PostgreSQL); loaded data with a ``cube`` go the way the report went before, through
the whole filtered cube in pandas. Both ways run for the municipality at every level, with
filters, and for areas at every level, on the demo store and on a PostgreSQL store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from regie_analytics import engine as engines
from regie_analytics import report, snapshot
from regie_analytics.export.collect import stored_snapshot
from regie_analytics.export.content import ReportContent
from regie_analytics.schema import InputError
from regie_analytics.snapshot import Snapshot
from regie_analytics.store import StoreError, open_store
from tests.conftest import SAMPLES, cli


@dataclass
class Loaded:
    """A store's cube, areas and manifest in pandas: the report's way before the engine."""

    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    manifest: dict[str, Any]


def _loaded(location: str | Path) -> Loaded:
    store = open_store(location)
    return Loaded(store.cube(), store.areas(), store.manifest())


def _snapshot(location: str | Path) -> Snapshot:
    found = snapshot.current(location)
    assert found is not None
    return snapshot.load(location, version=found[0], key=found[1])


def _content(content: ReportContent) -> tuple[object, ...]:
    """Everything the report shows or audits, as comparable values."""
    items = []
    for item in content.items:
        items.append(
            (
                item.key,
                item.title,
                item.caption,
                None if item.table is None else item.table.to_dict("split"),
                item.count_columns,
                item.figure.to_json() if item.has_figure and item.figure is not None else None,
                item.legend.to_json() if item.has_legend and item.legend is not None else None,
            )
        )
    protected = [(p.name, p.published.to_json(), p.truth.to_json()) for p in content.protected]
    return (content.title, content.subtitle, content.source, content.sentences, items, protected)


def _configurations(snap: Snapshot) -> list[dict[str, Any]]:
    months = snap.months
    start, end = months[-12], months[-1]
    levels = [level for level in snap.levels if level != "gemeente"]
    configs: list[dict[str, Any]] = [{"level": level} for level in levels]
    configs.append({"level": levels[0], "domains": ["fysiek"], "start": months[-3]})
    configs.append({"level": levels[0], "start": months[0], "end": months[2]})
    configs.append({"level": levels[0], "themes": snap.themes_of(["fysiek"])[:2]})
    channels = snap.channels
    configs.append({"level": levels[-1], "channels": channels[:1]})
    for level in levels:
        codes = list(snap.areas_at(level).index)
        configs.append({"area": codes[len(codes) // 2]})
    configs.append({"area": snap.areas_at(levels[0]).index[3], "start": months[-2]})
    configs.append({"area": snap.areas_at(levels[-1]).index[0], "themes": ["afval"]})
    return [{"start": start, "end": end, **config} for config in configs]


def _same_reports(engine_data: Any, pandas_data: Loaded, configs: list[dict[str, Any]]) -> None:
    for config in configs:
        options = {"today": date(2026, 1, 1), **config}
        want = _content(report.collect(pandas_data, **options))
        got = _content(report.collect(engine_data, **options))
        assert got == want, config


@pytest.mark.slow
def test_demo_reports_from_engine_cuts_equal_the_whole_cube(demo_store: Path) -> None:
    snap = _snapshot(demo_store)
    configs = _configurations(snap)
    assert len(configs) >= 10
    _same_reports(snap, _loaded(demo_store), configs)


@pytest.mark.slow
def test_a_store_reports_from_its_engine(demo_store: Path) -> None:
    """``collect`` of a store (the CLI's report) cuts in the store's engine: the same report."""
    snap = _snapshot(demo_store)
    configs = [c for c in _configurations(snap) if "themes" in c or "domains" in c]
    _same_reports(open_store(demo_store), _loaded(demo_store), configs)


@pytest.mark.slow
def test_another_level_of_the_same_filter_sums_nothing_again(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The presentation's level switch: the cuts of a filter are kept per snapshot version,
    not per level, so the report at another level asks the engine nothing and is the same
    report as from the whole cube; another period does ask."""
    snap = _snapshot(demo_store)
    months = snap.months
    options = {"start": months[-6], "end": months[-1], "today": date(2026, 1, 1)}
    report.collect(snap, level="buurt", **options)
    calls: list[dict[str, Any]] = []
    summed = engines.cube_cut

    def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
        calls.append(kwargs)
        return summed(*args, **kwargs)

    monkeypatch.setattr(engines, "cube_cut", counted)
    got = _content(report.collect(snap, level="wijk", **options))
    assert calls == []
    assert got == _content(report.collect(_loaded(demo_store), level="wijk", **options))
    report.collect(snap, level="wijk", **{**options, "start": months[-4]})
    assert calls


@pytest.mark.slow
def test_a_new_filter_asks_the_engine_each_cut_once(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report of a filter not asked before sums each cut it needs once, and no cut of its
    own to see whether the filter has signals in areas (the areas' cut every report starts
    from tells); a filter without any is refused with the Dutch message, in both ways."""
    snap = _snapshot(demo_store)
    months = snap.months
    theme = snap.themes_of(["fysiek"])[0]
    calls: list[tuple[Any, ...]] = []
    summed = engines.cube_cut

    def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
        calls.append(tuple(sorted((k, str(v)) for k, v in kwargs.items())))
        return summed(*args, **kwargs)

    monkeypatch.setattr(engines, "cube_cut", counted)
    options = {"start": months[-5], "end": months[-1], "today": date(2026, 1, 1)}
    got = report.collect(snap, level="buurt", themes=[theme], **options)
    assert calls and len(calls) == len(set(calls))
    assert all(dict(call)["by"] != "()" for call in calls)
    assert _content(got) == _content(
        report.collect(_loaded(demo_store), level="buurt", themes=[theme], **options)
    )
    for data in (snap, _loaded(demo_store)):
        with pytest.raises(InputError, match="geen signalen"):
            report.collect(data, level="buurt", domains=["sociaal"], themes=[theme], **options)


def test_an_empty_or_outdated_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="leeg"):
        stored_snapshot(open_store(tmp_path / "leeg"))
    store = tmp_path / "store"
    result = cli(
        "import", SAMPLES / "open311_requests.json", "--preset", "open311", "--store", store
    )
    assert result.code == 0, result.err
    folder = open_store(store).current
    assert isinstance(folder, Path)
    cube = pd.read_parquet(folder / "cube.parquet").drop(columns="cell_key")
    cube.to_parquet(folder / "cube.parquet", index=False)
    with pytest.raises(StoreError, match="upgrade --store"):
        stored_snapshot(open_store(store))


@pytest.mark.subprocess
def test_postgresql_reports_from_its_engine(pg_url: str) -> None:
    url = pg_url + "?options=-csearch_path%3Dreport_engine"
    for path, preset in (
        (SAMPLES / "open311_requests.json", "open311"),
        (SAMPLES / "wijkteam_telling.csv", "counts"),
        (SAMPLES / "signalen", "signalen"),
    ):
        result = cli("import", path, "--preset", preset, "--store", url)
        assert result.code == 0, result.err
    snap = _snapshot(url)
    months = snap.months
    levels = [level for level in snap.levels if level != "gemeente"]
    configs: list[dict[str, Any]] = [
        {"start": months[0], "end": months[-1], "level": level} for level in levels
    ]
    configs += [
        {"start": months[0], "end": months[-1], "area": snap.areas_at(level).index[0]}
        for level in levels
    ]
    _same_reports(snap, _loaded(url), configs)
