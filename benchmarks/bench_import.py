"""Benchmark: ``import`` end to end against a naive pandas + geopandas baseline, in one run.

For each size N it writes N record-level signals with coordinates on the Amsterdam buurten (an
Open311 CSV), then runs, each in a fresh process and alternating:

- ``python -m regie_analytics import FILE --preset open311 --store <empty store>``: everything
  (encoding and delimiter detection, date parsing, per-row CRS and swapped-axes detection,
  point-in-polygon, taxonomy, de-duplication, report, Parquet parts, cube, atomic commit);
- the naive baseline: ``pandas.read_csv`` (with date parsing), ``geopandas.sjoin`` on the
  buurten, and ``groupby`` per buurt x month x category.

It prints the median wall time of each, rows per second, peak memory (max RSS of the process)
and the ratio import / baseline. Usage::

    python benchmarks/bench_import.py                 # 100k and 1M, 3 runs each
    python benchmarks/bench_import.py --sizes 10000000 --runs 1   # the 4 GB target at 10M rows
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BUURTEN = ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"

_MEASURE = """
import json, resource, sys, time, runpy
start = time.perf_counter()
sys.argv = {argv!r}
try:
    runpy.run_module({module!r}, run_name="__main__")
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
print(json.dumps({{"seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

_BASELINE = """
import sys
import geopandas as gpd
import pandas as pd
path, buurten_path = sys.argv[1], sys.argv[2]
frame = pd.read_csv(path, parse_dates=["requested_datetime"])
buurten = gpd.read_file(buurten_path)[["cbsCode", "geometry"]]
points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["long"], frame["lat"]),
                          crs="EPSG:4326")
joined = gpd.sjoin(points, buurten, predicate="within", how="left")
joined["month"] = joined["requested_datetime"].dt.to_period("M")
cube = joined.groupby(["cbsCode", "month", "service_name"]).size()
print(len(cube), file=sys.stderr)
"""

CATEGORIES = ["Pothole", "Graffiti", "Street Light Out", "Illegal Dumping", "Noise", "Rodent"]


def write_input(path: Path, n: int, *, seed: int = 0) -> None:
    """N Open311 requests, points spread over the Amsterdam buurten, three years of dates."""
    rng = np.random.default_rng(seed)
    buurten = gpd.read_file(BUURTEN)
    chunk = 1_000_000
    with open(path, "w") as handle:
        handle.write("service_request_id,requested_datetime,service_name,status,lat,long\n")
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            minx, miny, maxx, maxy = buurten.total_bounds
            lon = rng.uniform(minx, maxx, m).round(6)
            lat = rng.uniform(miny, maxy, m).round(6)
            seconds = rng.integers(0, 3 * 365 * 86400, m)
            when = (pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, "s")).strftime(
                "%Y-%m-%dT%H:%M:%S"
            )
            frame = pd.DataFrame(
                {
                    "service_request_id": np.char.add(
                        "SR", np.arange(start, start + m).astype(str)
                    ),
                    "requested_datetime": when,
                    "service_name": rng.choice(CATEGORIES, m),
                    "status": rng.choice(["open", "closed"], m),
                    "lat": lat,
                    "long": lon,
                }
            )
            frame.to_csv(handle, index=False, header=False)


def _run(code: str, *args: str) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return {"wall": wall, **json.loads(proc.stdout.strip().splitlines()[-1])}


def run_import(path: Path, store: Path) -> dict[str, float]:
    shutil.rmtree(store, ignore_errors=True)
    argv = ["regie_analytics", "import", str(path), "--preset", "open311", "--store", str(store)]
    code = _MEASURE.format(argv=argv, module="regie_analytics")
    return _run(code)


def run_baseline(path: Path) -> dict[str, float]:
    code = (
        "import json, resource, time\nstart = time.perf_counter()\n"
        + _BASELINE
        + "\nprint(json.dumps({'seconds': time.perf_counter() - start, "
        "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    return _run(code, str(path), str(BUURTEN))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'N':>10} {'import s':>9} {'rows/s':>10} {'peak MB':>8} "
        f"{'naive s':>8} {'naive MB':>9} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"signals_{n}.csv"
            write_input(path, n)
            imports, baselines = [], []
            for _ in range(args.runs):
                imports.append(run_import(path, Path(tmp) / "store"))
                baselines.append(run_baseline(path))
            imp = statistics.median(r["wall"] for r in imports)
            base = statistics.median(r["wall"] for r in baselines)
            peak = max(r["peak_mb"] for r in imports)
            base_peak = max(r["peak_mb"] for r in baselines)
            print(
                f"{n:>10,} {imp:>9.2f} {n / imp:>10,.0f} {peak:>8.0f} "
                f"{base:>8.2f} {base_peak:>9.0f} {imp / base:>6.2f}",
                flush=True,
            )
            path.unlink()
    print(
        "Wall times are medians of whole processes (start-up and imports included); "
        "peak MB is the maximum resident set size of the process."
    )


if __name__ == "__main__":
    main()
