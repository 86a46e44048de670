"""Benchmark: ``import`` end to end against a naive pandas + geopandas baseline, in one run.

For each size N it writes N record-level signals with coordinates on the Amsterdam buurten (an
Open311 CSV), then runs, each in a fresh process and alternating:

- ``python -m regie_analytics import FILE --preset open311 --store <empty store>``: everything
  (encoding and delimiter detection, date parsing, per-row CRS and swapped-axes detection,
  point-in-polygon, taxonomy, de-duplication, report, Parquet parts, cube, atomic commit);
- the naive baseline (:data:`NAIVE_IMPORT`): the same work and the same output in plain
  pandas + geopandas: ``read_csv``, duplicate ids dropped, dates parsed, ``geopandas.sjoin`` on
  the buurten, the taxonomy merged on normalised labels, the cube per buurt x month x domain x
  theme x channel, and the records and the cube written as Parquet.

It prints the median wall time of each, rows per second, peak memory (max RSS of the process)
and the ratio import / baseline. Usage::

    python benchmarks/bench_import.py                 # 100k and 1M, 3 runs each
    python benchmarks/bench_import.py --sizes 10000000 --runs 1   # the 4 GB target at 10M rows
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BUURTEN = ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"
TAXONOMY = ROOT / "data" / "taxonomy" / "taxonomie.csv"

_MEASURE = """
import json, os, resource, sys, threading, time, runpy
start = time.perf_counter()
held = [0.0]
def _tree_mb():
    pids, i, total = [os.getpid()], 0, 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{{pids[i]}}/task"):
                with open(f"/proc/{{pids[i]}}/task/{{task}}/children") as f:
                    pids += [int(p) for p in f.read().split()]
            with open(f"/proc/{{pids[i]}}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        i += 1
    return total / 2**20
def _sample():
    while True:
        held[0] = max(held[0], _tree_mb())
        time.sleep(0.05)
threading.Thread(target=_sample, daemon=True).start()
sys.argv = {argv!r}
try:
    runpy.run_module({module!r}, run_name="__main__")
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
peak = sum(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
print(json.dumps({{"seconds": time.perf_counter() - start, "peak_mb": peak / 1024,
                  "held_mb": held[0]}}))
"""
"""Runs a module in a fresh process: wall time, and peak memory of the process plus that of
its largest child (the import computes the weights and web geometry of new boundaries in a
child process, and checks batches in a second one): an upper bound of what they held at once
(``peak_mb``); and what the process and its children held at once, sampled every 50 ms
(``held_mb``: the memory the machine needed, to within a short spike)."""

NAIVE_IMPORT = """
import json, sys
from pathlib import Path
import geopandas as gpd
import pandas as pd
cfg = json.loads(sys.argv[1])
col = cfg["columns"]  # the model's column -> the input's column (None: absent)
path, out = Path(cfg["path"]), Path(cfg["out"])
read = pd.read_parquet if path.suffix == ".parquet" else pd.read_csv
frame = read(path, dtype_backend="pyarrow") if path.suffix == ".parquet" else read(
    path, dtype={col["signal_id"]: str}, keep_default_na=False, na_values=[""])
frame = frame.drop_duplicates(subset=[col["signal_id"]])
signals = pd.DataFrame({"signal_id": frame[col["signal_id"]].astype(str).to_numpy()})
for name in ("received_at", "closed_at"):
    given = col.get(name)
    signals[name] = (pd.to_datetime(frame[given], format="ISO8601").to_numpy()
                     if given else pd.NaT)
for name in ("category", "subcategory", "channel"):
    given = col.get(name)
    signals[name] = frame[given].astype(str).to_numpy() if given else ""
signals["channel"] = signals["channel"].replace({"": "onbekend", "nan": "onbekend"})
areas = gpd.read_file(cfg["boundaries"])[[cfg["code_column"], "geometry"]].to_crs(cfg["crs"])
points = gpd.GeoDataFrame(
    geometry=gpd.points_from_xy(frame[col["x"]], frame[col["y"]]), crs=cfg["crs"])
joined = gpd.sjoin(points, areas, predicate="within", how="left")
joined = joined[~joined.index.duplicated()]
signals["area_code"] = joined[cfg["code_column"]].fillna("BUITEN_GEBIED").to_numpy()
taxonomy = pd.read_csv(cfg["taxonomy"], dtype=str, keep_default_na=False)
def norm(values):
    return (values.astype(str).str.casefold().str.replace(r"[^0-9a-z]+", "-", regex=True)
            .str.strip("-"))
taxonomy["cat"], taxonomy["sub"] = norm(taxonomy["category"]), norm(taxonomy["subcategory"])
signals["cat"], signals["sub"] = norm(signals["category"]), norm(signals["subcategory"])
exact = taxonomy[taxonomy["subcategory"] != "*"].drop_duplicates(["cat", "sub"])
main = taxonomy[taxonomy["subcategory"] == "*"].drop_duplicates(["cat"])
signals = signals.merge(exact[["cat", "sub", "domain", "theme"]], on=["cat", "sub"], how="left")
signals = signals.merge(main[["cat", "domain", "theme"]], on="cat", how="left",
                        suffixes=("", "_main"))
signals["domain"] = signals["domain"].fillna(signals["domain_main"]).fillna("overig")
signals["theme"] = signals["theme"].fillna(signals["theme_main"]).fillna("overig")
signals["month"] = signals["received_at"].dt.to_period("M").astype(str)
signals = signals.drop(columns=["cat", "sub", "domain_main", "theme_main"])
cube = (signals.groupby(["area_code", "month", "domain", "theme", "channel"], observed=True)
        .size().rename("count").reset_index())
out.mkdir(parents=True, exist_ok=True)
signals.to_parquet(out / "signals.parquet", index=False)
cube.to_parquet(out / "cube.parquet", index=False)
print(len(signals), len(cube), file=sys.stderr)
"""
"""The naive pandas + geopandas import in one script: the same work and the same output as
``import`` (read, drop duplicate ids, parse dates, place points in the areas, classify with the
taxonomy, the cube per area x month x domain x theme x channel, records and cube as Parquet),
without the product's checks and reports. ``sys.argv[1]`` is a JSON object: ``path``, ``out``,
``boundaries``, ``code_column``, ``crs`` (of the coordinates), ``taxonomy`` and ``columns``
(the model's names, as in a mapping file, to the input's)."""

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


def busy_cpu_seconds() -> float:
    """The CPU seconds the whole machine has been busy since it started (``/proc/stat``: user,
    nice, system, irq and softirq of every core), NaN where there is no ``/proc/stat``. The
    difference over a run counts every process, a database server's too."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter (with ``env`` added to the environment); its wall
    time, the machine's busy CPU seconds meanwhile (``cpu_s``, :func:`busy_cpu_seconds`:
    with a database server on the same machine, its work too) and the figures it prints as
    JSON on its last line."""
    busy = busy_cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - started
    cpu = busy_cpu_seconds() - busy
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return {"wall": wall, "cpu_s": cpu, **json.loads(proc.stdout.strip().splitlines()[-1])}


def run_import(path: Path, store: Path) -> dict[str, float]:
    shutil.rmtree(store, ignore_errors=True)
    argv = ["regie_analytics", "import", str(path), "--preset", "open311", "--store", str(store)]
    code = _MEASURE.format(argv=argv, module="regie_analytics")
    return _run(code)


def run_baseline(config: dict[str, Any]) -> dict[str, float]:
    """Wall time and peak memory of :data:`NAIVE_IMPORT` in a fresh process."""
    code = (
        "import json, resource, time\nstart = time.perf_counter()\n"
        + NAIVE_IMPORT
        + "\nprint(json.dumps({'seconds': time.perf_counter() - start, "
        "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    shutil.rmtree(config["out"], ignore_errors=True)
    return _run(code, json.dumps(config))


def open311_baseline(path: Path, out: Path) -> dict[str, Any]:
    """The baseline's configuration for the Open311 CSV of :func:`write_input`."""
    return {
        "path": str(path),
        "out": str(out),
        "boundaries": str(BUURTEN),
        "code_column": "cbsCode",
        "crs": "EPSG:4326",
        "taxonomy": str(TAXONOMY),
        "columns": {
            "signal_id": "service_request_id",
            "received_at": "requested_datetime",
            "category": "service_name",
            "x": "long",
            "y": "lat",
        },
    }


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
                baselines.append(run_baseline(open311_baseline(path, Path(tmp) / "naive")))
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
