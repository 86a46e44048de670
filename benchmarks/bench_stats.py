"""Benchmark: the spatial statistics on 518 Amsterdam buurten, ~3,000 wijken and ~14,000 buurten.

Cases (real boundaries):

- ``amsterdam``: the 518 bundled Amsterdam buurten (2022), the demo's areas;
- ``wijken``: the 2,979 CBS wijken of the Netherlands (2016, ``data/boundaries``);
- ``buurten``: those wijken each split into 1-12 buurten (Voronoi cells of seeded points inside
  the wijk, clipped to it, so borders between buurten of a wijk are shared), about 14,000.

Per case and repetition, on seeded Poisson counts and rates: ``weights`` (queen weights from
the geometry, :func:`stats.spatial_weights`), ``weights_read`` (the weights written with the
boundaries read back, :func:`stats.stored.read_weights`, in a code version that stores
them), ``hotspots`` (Gi* with 9,999
permutations and FDR, as the Kaart page; ``hotspots_first``: the first call, which draws the
permutations), ``samenhang`` (the bivariate Moran both ways with
199 permutations, as the pressure table), ``emerging`` (24 months of Gi* and Mann-Kendall).
Medians over the repetitions are printed in milliseconds of CPU time (see :func:`timed`).

With ``--store`` (a demo store) the Overzicht and Samenhang computations are timed too:
``pressure`` (:func:`insights.pressure_table` with the cell-key perturbation), ``overview``
(:func:`insights.overview` given that table: the previous period's pressure) and
``emerging_page`` (:func:`insights.emerging` up to the last month).

Usage::

    python benchmarks/bench_stats.py --runs 3
    python benchmarks/bench_stats.py --cases amsterdam --store /tmp/store --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regie_analytics import stats
from regie_analytics.schema import AREA_CODE, COUNT, MONTH

ROOT = Path(__file__).resolve().parent.parent
AMSTERDAM = ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"
WIJKEN = ROOT / "data" / "boundaries" / "nl_wijken_2016.geojson"
MONTHS = 24


def amsterdam() -> gpd.GeoDataFrame:
    """The 518 Amsterdam buurten indexed by ``area_code``."""
    frame = gpd.read_file(AMSTERDAM)[["cbsCode", "geometry"]]
    return frame.rename(columns={"cbsCode": AREA_CODE}).set_index(AREA_CODE)


def wijken() -> gpd.GeoDataFrame:
    """The CBS wijken 2016 of the Netherlands indexed by ``area_code`` (RD New)."""
    frame = gpd.read_file(WIJKEN)[["WKC", "geometry"]]
    frame = frame.loc[~frame.geometry.is_empty]
    repaired = shapely.make_valid(frame.geometry.to_numpy())
    frame = frame.set_geometry(gpd.GeoSeries(repaired, index=frame.index).buffer(0))
    frame = frame.dissolve(by="WKC")  # WK191104 comes in two rows
    frame.index.name = AREA_CODE
    return frame


def split_wijken(frame: gpd.GeoDataFrame, *, seed: int = 2016) -> gpd.GeoDataFrame:
    """Each wijk split into 1-12 buurten (on average 4.7): Voronoi cells of random points in
    the wijk, clipped to it. Codes ``BU`` + the wijk's digits + two digits."""
    rng = np.random.default_rng(seed)
    codes: list[str] = []
    cells: list[Any] = []
    for code, geometry in zip(frame.index, frame.geometry, strict=True):
        wanted = min(12, 1 + int(rng.poisson(3.7)))
        if wanted == 1:
            codes.append(f"BU{code[2:]}01")
            cells.append(geometry)
            continue
        xmin, ymin, xmax, ymax = geometry.bounds
        points: list[tuple[float, float]] = []
        prepared = shapely.prepared.prep(geometry)
        while len(points) < wanted:
            x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
            if prepared.contains(shapely.Point(x, y)):
                points.append((x, y))
        voronoi = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=geometry)
        number = 0
        for cell in voronoi.geoms:
            part = shapely.intersection(cell, geometry).buffer(0)
            if part.is_empty or part.area <= 0:
                continue
            number += 1
            codes.append(f"BU{code[2:]}{number:02d}")
            cells.append(part)
    return gpd.GeoDataFrame(
        geometry=cells, index=pd.Index(codes, name=AREA_CODE), crs=frame.crs
    ).to_crs("EPSG:4326")


def timed(action: Callable[[], object], runs: int) -> float:
    """Median CPU time of ``action`` in milliseconds (this process, all its threads: on a
    machine shared with other work the wall time measures the others' load as well; on an
    idle machine the statistics' wall time is about their CPU time)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        action()
        times.append((time.process_time() - start) * 1000.0)
    return statistics.median(times)


def seeded_values(areas: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Counts, a second domain's rates and 24 months of counts per area (seeded)."""
    rng = np.random.default_rng(7)
    n = len(areas)
    counts = pd.Series(rng.poisson(12, n).astype(float), index=areas.index)
    other = pd.Series(rng.gamma(2.0, 3.0, n), index=areas.index)
    months = [f"{2024 + t // 12}-{t % 12 + 1:02d}" for t in range(MONTHS)]
    long = pd.DataFrame(
        {
            AREA_CODE: np.tile(areas.index.to_numpy(), MONTHS),
            MONTH: np.repeat(months, n),
            COUNT: rng.poisson(3, n * MONTHS).astype(float),
        }
    )
    return counts, other, long


def stored_read(areas: gpd.GeoDataFrame, runs: int) -> dict[str, float]:
    """``weights_read``: the weights written as with the boundaries, read back (a code
    version without stored weights: nothing)."""
    try:
        from regie_analytics.stats import stored
    except ImportError:
        return {}
    store_like = areas.assign(
        level="buurt", wijk_code=None, stadsdeel_code=None, gemeente_code=None, population=1.0
    )
    with tempfile.TemporaryDirectory() as folder:
        store_like.to_parquet(Path(folder) / "areas.parquet")
        stored.write_weights(Path(folder))
        return {
            "weights_read": timed(
                lambda: stored.read_weights(Path(folder), "buurt", areas.index), runs
            )
        }


def bench_case(name: str, areas: gpd.GeoDataFrame, runs: int) -> dict[str, float]:
    """The statistics' timings on one case."""
    counts, other, long = seeded_values(areas)
    w = stats.spatial_weights(areas)
    row = {
        "areas": float(len(areas)),
        "weights": timed(lambda: stats.spatial_weights(areas), runs),
        **stored_read(areas, runs),
        # the first call draws the permutations (kept for later calls with the same seed)
        "hotspots_first": timed(lambda: stats.hotspots(counts, w, seed=0, counts=counts), 1),
        "hotspots": timed(lambda: stats.hotspots(counts, w, seed=0, counts=counts), runs),
        "samenhang": timed(
            lambda: stats.samenhang(counts, other, w, permutations=199, seed=0), runs
        ),
        "emerging": timed(lambda: stats.emerging_hotspots(long, w), runs),
    }
    print(name, {k: round(v, 1) for k, v in row.items()}, flush=True)
    return row


def bench_store(store: Path, runs: int) -> dict[str, float]:
    """The Overzicht and Samenhang computations on a demo store (protected counts)."""
    from regie_analytics import insights, privacy, snapshot

    version, key = snapshot.current(store) or ("", "")
    snap = snapshot.load(store, version=version, key=key)
    level = snap.levels[0]
    w = snap.weights(level)
    level_areas = snap.areas_at(level)
    start, end = snap.months[-3], snap.months[-1]
    from regie_analytics import aggregate

    period = aggregate.filter_cube(snap.cube, start=start, end=end)

    def pressure() -> pd.DataFrame:
        return insights.pressure_table(
            period,
            snap.areas,
            level=level,
            w=w,
            ptable=privacy.PTABLE,
            level_areas=level_areas,
        )

    table = pressure()
    row = {
        "pressure": timed(pressure, runs),
        "overview": timed(
            lambda: insights.overview(
                snap.cube,
                snap.areas,
                start=start,
                end=end,
                level=level,
                w=w,
                pressure=table,
                ptable=privacy.PTABLE,
                level_areas=level_areas,
            ),
            runs,
        ),
        "emerging_page": timed(
            lambda: insights.emerging(
                snap.cube, snap.areas, level=level, w=w, end=end, ptable=privacy.PTABLE
            ),
            runs,
        ),
    }
    print("store", {k: round(v, 1) for k, v in row.items()}, flush=True)
    return row


def main() -> None:
    """Parse the options and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cases", nargs="+", default=["amsterdam", "wijken", "buurten"], help="which cases"
    )
    parser.add_argument("--store", type=Path, help="a demo store for the page computations")
    args = parser.parse_args()
    builders: dict[str, Callable[[], gpd.GeoDataFrame]] = {
        "amsterdam": amsterdam,
        "wijken": wijken,
        "buurten": lambda: split_wijken(wijken()),
    }
    for name in args.cases:
        bench_case(name, builders[name](), args.runs)
    if args.store is not None:
        bench_store(args.store, args.runs)


if __name__ == "__main__":
    main()
