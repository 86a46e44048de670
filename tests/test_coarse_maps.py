"""Pages with more areas than one map draws: the coarser map shows per coarser area how many of
the page's areas its lists count, the quadrant scatter draws a density layer and the farthest
areas, the Kaart table keeps the part zoomed on, and a side computation can come later."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import streamlit as st

from regie_analytics import aggregate, charts, geo, insights, snapshot
from regie_analytics.snapshot import Snapshot
from regie_analytics.store import Store
from regie_analytics.ui import background, figures, queries
from regie_analytics.ui.filters import Filters
from tests.conftest import open_app


def test_flagged_per_part_counts_each_parts_areas_and_flags() -> None:
    flags = pd.Series([True, False, True, True], index=["a", "b", "c", "x"])  # x: no part
    parts = pd.Series(["P1", "P1", "P2", "P2", "P3"], index=["a", "b", "c", "d", "e"])
    got = insights.flagged_per_part(flags, parts)
    # P1: a (flagged) and b; P2: c (flagged) and d (missing: not flagged); P3: e alone
    assert got.index.tolist() == ["P1", "P2", "P3"]
    assert got["gebieden"].tolist() == [2, 2, 1]
    assert got["gemarkeerd"].tolist() == [1, 1, 0]


def _points(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    codes = [f"BU{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {"s": rng.normal(10, 2, n).round(2), "f": rng.normal(20, 3, n).round(2), "name": codes},
        index=pd.Index(codes, name="area_code"),
    )


def test_a_quadrant_of_many_areas_draws_a_density_layer_and_the_farthest_points() -> None:
    frame = _points(40)
    frame.loc["BU0039", ["s", "f"]] = [30.0, 45.0]  # far out: drawn as a point
    chosen = ["BU0000", "BU0001"]
    fig = charts.quadrant_scatter(
        frame, x="s", y="f", x_title="s", y_title="f", title="T", highlight=chosen, limit=10
    )
    density = next(t for t in fig.data if t.name == "dichtheid")
    assert isinstance(density, go.Heatmap)
    assert np.nansum(np.asarray(density.z, dtype=float)) == 40  # every area counted once
    points = next(t for t in fig.data if t.name == "gebieden")
    farthest = charts.extreme_points(frame, x="s", y="f", n=10)
    assert "BU0039" in farthest
    assert set(points.customdata) == set(farthest) | set(chosen)
    meta = fig.layout.meta
    assert (meta["areas"], meta["points"]) == (40, len(set(farthest) | set(chosen)))
    # the medians and axes are those of all areas, not of the points drawn
    assert meta["median_x"] == pytest.approx(frame["s"].median())
    assert meta["median_y"] == pytest.approx(frame["f"].median())
    assert fig.layout.xaxis.range[1] > 30.0 and fig.layout.xaxis.range[0] < frame["s"].min()
    # at most the limit: every area a point, no density layer
    few = charts.quadrant_scatter(frame, x="s", y="f", x_title="s", y_title="f", title="T")
    assert [t.name for t in few.data] == ["gebieden", "namen"]
    assert len(few.data[0].customdata) == 40


@pytest.fixture
def demo(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    """The demo store's snapshot with at most 60 areas on one map: its 518 buurten are
    mapped by a coarser level."""
    monkeypatch.setattr(geo, "MAP_AREA_LIMIT", 60)
    current = snapshot.current(demo_store)
    assert current is not None
    st.cache_data.clear()
    st.cache_resource.clear()
    return snapshot.load(demo_store, version=current[0], key=current[1])


def _mapped(fig: go.Figure) -> dict[str, tuple[int, int]]:
    """Per area drawn (by name): the value and n of its hover (a flagged-count map)."""
    out = {}
    for trace in fig.data:
        for row in trace.customdata if trace.customdata is not None else []:
            if len(row) == 3 and row[1] != "–":
                out[str(row[0])] = (int(row[1]), int(row[2]))
    return out


@pytest.mark.slow
def test_coarse_maps_count_the_areas_the_lists_show(demo: Snapshot) -> None:
    last = demo.months[-1]
    sel = Filters(
        aggregate.shift_month(last, -11), last, ("fysiek", "sociaal"), (), (), "buurt", True
    )
    shown, areas = figures.map_areas(demo, sel.level, None)
    assert sel.level == "buurt" and shown != "buurt" and len(areas) <= 60
    table = queries.pressure(demo, sel)
    assert table["beide_hoog"].sum() > 0
    expected = insights.flagged_per_part(
        table["beide_hoog"], geo.mapview.part_codes(demo.areas_at("buurt"), part_level=shown)
    )
    names = demo.areas_at(shown)["name"]
    for fig in (figures.overview_map(demo, sel), figures.bivariate_map(demo, sel)):
        mapped = _mapped(fig)
        assert mapped == {
            names[code]: (int(row.gemarkeerd), int(row.gebieden))
            for code, row in expected.iterrows()
        }
        assert sum(v for v, _ in mapped.values()) == int(table["beide_hoog"].sum())
        assert sum(n for _, n in mapped.values()) == len(demo.areas_at("buurt"))
    clusters = _mapped(figures.cluster_map(demo, sel))
    high = int((table["cluster_sociaal_fysiek"].astype("object") == "hoog-hoog").sum())
    assert sum(v for v, _ in clusters.values()) == high
    spots, why = queries.emerging(demo, sel.until_end)
    assert why is None
    hot = int(spots["klasse"].str.endswith("hotspot").sum())
    assert hot > 0
    assert sum(v for v, _ in _mapped(figures.emerging_map(demo, sel.until_end)).values()) == hot


@pytest.mark.slow
def test_the_kaart_table_keeps_the_part_zoomed_on_when_its_map_is_coarser(
    app_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geo, "MAP_AREA_LIMIT", 20)
    st.cache_resource.clear()
    areas = Store(app_store).areas()
    part = str(areas["stadsdeel_code"].dropna().iloc[0])
    members = set(areas.index[areas["stadsdeel_code"] == part])
    assert len(members) > 20  # more buurten than one map draws: the map shows its wijken
    at = open_app("kaart", params={"inzoomen": part})
    assert not at.exception
    assert set(at.dataframe[0].value["Gebiedscode"]) == members | {""}
    st.cache_resource.clear()


def test_a_pending_side_computation_lets_the_page_go_on_and_comes_later() -> None:
    release = threading.Event()
    key: Any = ("test", "pending", id(release))

    def slow() -> str:
        release.wait(10)
        return "klaar"

    assert background.pending(key, slow, label="Wachten", wait=0.05) is None
    job = background.start(key, slow, label="Wachten")
    assert not job.done.is_set()  # the one job, still running
    release.set()
    assert background.waited(key, slow, label="Wachten") == "klaar"
    assert background.pending(key, slow, label="Wachten", wait=0.05) == "klaar"
    background.forget(key)


def test_one_by_one_runs_its_jobs_in_order_in_one_thread_and_shares_started_ones() -> None:
    ran: list[tuple[str, int]] = []
    tag = id(ran)

    def job(name: str) -> Any:
        def compute() -> str:
            ran.append((name, threading.get_native_id()))
            return name.upper()

        return (("test", tag, name), compute, name)

    other = background.start(("test", tag, "b"), lambda: "van een pagina", label="b")
    assert other.done.wait(10)
    background.one_by_one(("test", tag, "alle"), [job("a"), job("b"), job("c")])
    assert background.waited(("test", tag, "alle"), lambda: None, label="alle") is None
    assert [name for name, _ in ran] == ["a", "c"]  # b was there already: not run again
    assert len({thread for _, thread in ran}) == 1
    assert background.waited(("test", tag, "b"), lambda: "opnieuw", label="b") == "van een pagina"
    assert background.waited(("test", tag, "c"), lambda: "opnieuw", label="c") == "C"
    for name in ("a", "b", "c", "alle"):
        background.forget(("test", tag, name))


@pytest.mark.slow
def test_loading_converts_levels_too_large_for_one_map_in_the_background(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page waits for the features of the levels a map draws whole; the buurten
    (518 > 60, drawn only in parts) are converted by a background thread, to the same
    features as a direct conversion."""
    from regie_analytics.ui import data

    monkeypatch.setattr(geo, "MAP_AREA_LIMIT", 60)
    st.cache_resource.clear()
    current = snapshot.current(demo_store)
    assert current is not None
    snap = data._load(str(demo_store), *current)
    small = [lv for lv in snap.levels if len(snap.areas_at(lv)) <= 60]
    assert small and "buurt" not in small
    assert all(("features", lv) in snap._kept for lv in small)
    workers = [t for t in threading.enumerate() if t.name == "regie-features"]
    assert workers
    for worker in workers:
        worker.join(timeout=120)
    assert ("features", "buurt") in snap._kept
    direct = charts.geojson_features(snap.web_areas("buurt"))
    assert snap.features("buurt").keys() == direct.keys()
    code = next(iter(direct))
    assert snap.features("buurt")[code] == direct[code]
    st.cache_resource.clear()
