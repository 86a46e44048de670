"""Benchmark: the synthetic national case, imported and shown, against the issue's targets.

The case (:mod:`regie_analytics.demo.national`): about 14,000 generated buurten on the real CBS
wijken of 2016 (CBS-style codes, a GeoPackage) and ``--rows`` seeded signals on them over 36
months (a CSV of RD coordinates, Signalen categories and social themes, channels, closing
times), built once in the cache folder and reused by later runs. Then, in one run:

1. **import**: ``python -m regie_analytics import SIGNALS --preset generic --mapping ...
   --boundaries BUURTEN --store STORE`` in a fresh process (wall time, peak memory as the
   process's maximum resident set size, and the machine's busy CPU seconds meanwhile with the
   cores they kept busy on average: near the number of cores, an import is bound by its work,
   not by waiting; a database server on this machine counts too), into a new Parquet store in
   the cache folder and, with ``--postgres URL``, into that database (``--store URL``, as
   ``REGIE_STORE=postgresql://...``; give an empty database);
2. **baseline**: the naive pandas + geopandas import of ``bench_import.NAIVE_IMPORT`` on the same
   file, doing the same work and writing the same output (records and cube as Parquet);
3. **pages**, per store: ``bench_pages.py`` in a fresh process (its peak memory is the
   dashboard's): per page the cold start and the rerun after each kind of filter change (server
   time, Streamlit's AppTest), the map payload of the Kaart figure by default and zoomed
   (``--zoom``, default ``inzoomen=GM0363`` in the URL), and with ``--browser`` the time until
   drawn in Chromium.

Printed: each step's own table, and a summary with the issue's targets beside the figures
(import of 10M rows at most 60 s and 4 GB; every rerun at most 1 s server time; cold start at
most 10 s; map payload at most 1 MB; drawn in Chromium within 2 s). Run it alone on the machine
(``nice``; the 10M import takes several GB).

Usage::

    python benchmarks/bench_national.py                      # 10,000,000 signals
    python benchmarks/bench_national.py --quick              # 1,000,000 signals
    python benchmarks/bench_national.py --quick --pages kaart overzicht --runs 1
    python benchmarks/bench_national.py --postgres postgresql://user@127.0.0.1:5432/regie
    python benchmarks/bench_national.py --quick --postgres cluster   # a throwaway cluster
    python benchmarks/bench_national.py --quick --browser --skip-import
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyogrio
from bench_import import _MEASURE, _run, run_baseline
from bench_pages import app_pages, print_browser, print_map, print_pages

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regie_analytics import geo  # noqa: E402
from regie_analytics.demo import national  # noqa: E402
from regie_analytics.limits import Limits  # noqa: E402

ROWS = 10_000_000
QUICK_ROWS = 1_000_000
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "regie-national"
IMPORT_S, IMPORT_MB = 60.0, 4096.0
RERUN_MS, COLD_MS, MAP_KB, DRAWN_MS = 1000.0, 10_000.0, 1000.0, 2000.0


@dataclass(frozen=True)
class Case:
    """The files of the national case in the cache folder."""

    boundaries: Path
    signals: Path
    mapping: Path
    rows: int


def _timed(label: str, action: Any) -> Any:
    started = time.perf_counter()
    result = action()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def build_case(cache: Path, *, rows: int, seed: int) -> Case:
    """The boundaries and signals of the case, built once per seed and size."""
    cache.mkdir(parents=True, exist_ok=True)
    boundaries = cache / f"buurten_seed{seed}.gpkg"
    signals = cache / f"signalen_{rows}_seed{seed}.csv"
    if not boundaries.is_file():
        partial = cache / f".partial_{boundaries.name}"
        _timed(
            "generated buurten",
            lambda: national.write_national_boundaries(partial, seed=seed),
        )
        partial.replace(boundaries)
    if not signals.is_file():
        areas = geo.load_boundaries(boundaries)
        _timed(
            f"generated {rows:,} signals",
            lambda: national.national_signals(areas, rows=rows, seed=seed, out=signals),
        )
    return Case(boundaries, signals, national.mapping_file(signals), rows)


def _limits_env(case: Case) -> dict[str, str]:
    """Import limits large enough for the case (30M rows exceed the defaults)."""
    limits = Limits.from_env()
    size_mb = case.signals.stat().st_size / 2**20
    return {
        "REGIE_MAX_ROWS": str(max(limits.max_rows, case.rows)),
        "REGIE_MAX_UNZIPPED_MB": str(max(limits.max_bytes // 2**20, int(size_mb) + 64)),
    }


def run_import(case: Case, store: str) -> dict[str, float]:
    """The real CLI import in a fresh process: wall time and peak memory."""
    if "://" not in store:
        shutil.rmtree(store, ignore_errors=True)
    argv = [
        "regie_analytics",
        "import",
        str(case.signals),
        "--preset",
        "generic",
        "--mapping",
        str(case.mapping),
        "--boundaries",
        str(case.boundaries),
        "--store",
        store,
        "--gegenereerd",
    ]
    return _run(_MEASURE.format(argv=argv, module="regie_analytics"), env=_limits_env(case))


def baseline_config(case: Case, out: Path) -> dict[str, Any]:
    """:data:`bench_import.NAIVE_IMPORT` on the case's signals and buurten."""
    columns = dict(national.NATIONAL_MAPPING["columns"])  # type: ignore[call-overload]
    return {
        "path": str(case.signals),
        "out": str(out),
        "boundaries": str(case.boundaries),
        "code_column": "buurtcode",
        "crs": national.RD_NEW,
        "taxonomy": str(ROOT / "data" / "taxonomy" / "taxonomie.csv"),
        "columns": {model: given for model, given in columns.items() if model != "status"},
    }


def profile_area(case: Case, gemeente: str) -> str:
    """The first buurt of ``gemeente`` (for the buurt profile page)."""
    codes = pyogrio.read_dataframe(case.boundaries, columns=["buurtcode"], read_geometry=False)
    mine = sorted(c for c in codes["buurtcode"] if c.startswith(f"BU{gemeente[2:]}"))
    return mine[0] if mine else str(codes["buurtcode"].iloc[0])


def run_pages(
    store: str, *, pages: list[str], runs: int, zoom: list[str], area: str, browser: bool, out: Path
) -> dict[str, Any]:
    """``bench_pages.py`` on ``store`` in a fresh process; its figures and peak memory."""
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_pages.py"),
        "--store",
        store,
        "--runs",
        str(runs),
        "--pages",
        *pages,
        "--profile-area",
        area,
        "--json",
        str(out),
        "--zoom",
        *zoom,
    ]
    if browser:
        command.append("--browser")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise RuntimeError(errors.read().decode(errors="replace")[-3000:])
    result: dict[str, Any] = json.loads(out.read_text())
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def _ok(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def summary(case: Case, results: dict[str, dict[str, Any]]) -> None:
    """One line per engine and figure, with the target beside it."""
    print()
    print(f"Summary ({case.rows:,} signals; targets of issue 16 for 10M rows)")
    print(f"{'engine':<22}{'figure':<34}{'value':>12}{'target':>12}")
    scale = case.rows / ROWS
    for engine, result in results.items():
        lines: list[tuple[str, float, float, str]] = []
        if "import" in result:
            imp = result["import"]
            # the 60 s target is for 10M rows: a smaller run's import is mostly the
            # boundaries (14,000 buurten dissolved, weights), so a scaled target means little
            wall_target = IMPORT_S if scale == 1 else float("inf")
            lines += [
                ("import wall time", imp["wall"], wall_target, "s"),
                ("import peak memory", imp["peak_mb"], IMPORT_MB, "MB"),
                ("import memory held at once", imp.get("held_mb", 0.0), IMPORT_MB, "MB"),
            ]
        if "pages" in result:
            pages = result["pages"]
            columns = pages["columns"]
            worst = max((fig[c], page) for page, fig in pages["pages"].items() for c in columns)
            cold = max((fig["cold"], page) for page, fig in pages["pages"].items())
            lines += [
                (f"worst rerun ({worst[1]})", worst[0], RERUN_MS, "ms"),
                (f"worst cold start ({cold[1]})", cold[0], COLD_MS, "ms"),
            ]
            lines += [
                (name.strip()[:33], value, MAP_KB, "KB")
                for name, value in pages["map"].items()
                if name.startswith("Kaart figure")
            ]
            lines.append(("dashboard process peak", pages["peak_mb"], float("inf"), "MB"))
            for page, changes in pages.get("browser", {}).items():
                drawn = max(v["drawn"] for k, v in changes.items() if k != "first load")
                lines.append((f"drawn in Chromium ({page})", drawn, DRAWN_MS, "ms"))
        for name, value, target, unit in lines:
            shown = "-" if target == float("inf") else f"{target:,.0f} {unit}"
            flag = "" if target == float("inf") else _ok(value, target)
            print(f"{engine:<22}{name:<34}{value:>9,.0f} {unit:<3}{shown:>11}  {flag}")
    if scale != 1:
        print(f"(the import time target, {IMPORT_S:.0f} s, is for {ROWS:,} rows: not judged here)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="signals (default 10,000,000)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} signals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"default {CACHE}")
    parser.add_argument(
        "--postgres",
        help="also a PostgreSQL store: postgresql://..., or 'cluster' for a throwaway local "
        "cluster (tests/pg.py: Debian's PostgreSQL 15 with PostGIS), stopped at the end",
    )
    parser.add_argument("--pages", nargs="*", help="only these pages (none: skip the pages)")
    parser.add_argument("--runs", type=int, default=1, help="repetitions per page (median)")
    parser.add_argument("--zoom", nargs="*", default=["inzoomen=GM0363"], help="Kaart URL k=v")
    parser.add_argument("--browser", action="store_true", help="also the time until drawn")
    parser.add_argument("--skip-import", action="store_true", help="reuse the cached store")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    rows = QUICK_ROWS if args.quick else args.rows

    print(f"National case: {rows:,} signals, seed {args.seed}, cache {args.cache}")
    case = build_case(args.cache, rows=rows, seed=args.seed)
    stores = {"parquet/duckdb": str(args.cache / f"store_{rows}_seed{args.seed}")}
    if args.postgres == "cluster":
        from tests import pg

        cluster = pg.start(Path(tempfile.mkdtemp(prefix="regie-bench-pg-")))
        atexit.register(cluster.stop)
        print(f"PostgreSQL cluster: {cluster.url}")
        stores["postgresql"] = cluster.url
    elif args.postgres:
        stores["postgresql"] = args.postgres
    results: dict[str, dict[str, Any]] = {name: {} for name in stores}
    print(
        f"{'step':<26}{'wall s':>9}{'rows/s':>12}{'peak MB':>9}{'held MB':>9}"
        f"{'CPU s':>8}{'cores':>7}"
    )
    for name, store in stores.items():
        if not args.skip_import:
            figures = run_import(case, store)
            results[name]["import"] = figures
            print(
                f"{'import ' + name:<26}{figures['wall']:>9.1f}"
                f"{rows / figures['wall']:>12,.0f}{figures['peak_mb']:>9.0f}"
                f"{figures.get('held_mb', float('nan')):>9.0f}"
                f"{figures['cpu_s']:>8.0f}{figures['cpu_s'] / figures['wall']:>7.2f}",
                flush=True,
            )
    if not args.skip_baseline:
        naive = run_baseline(baseline_config(case, args.cache / "naive"))
        results["naive pandas"] = {"import": naive}
        print(
            f"{'naive pandas+geopandas':<26}{naive['wall']:>9.1f}"
            f"{rows / naive['wall']:>12,.0f}{naive['peak_mb']:>9.0f}{'':>9}"
            f"{naive['cpu_s']:>8.0f}{naive['cpu_s'] / naive['wall']:>7.2f}",
            flush=True,
        )
    pages = app_pages() if args.pages is None else args.pages
    area = profile_area(case, "GM0363")
    for name, store in stores.items():
        if not pages:
            break
        print(f"\nPages on {name}")
        result = run_pages(
            store,
            pages=pages,
            runs=args.runs,
            zoom=args.zoom,
            area=area,
            browser=args.browser,
            out=args.cache / f"pages_{name.replace('/', '_')}.json",
        )
        results[name]["pages"] = result
        print_pages(result, target_ms=RERUN_MS, cold_ms=COLD_MS)
        print_map(result["map"], target_kb=MAP_KB)
        if "browser" in result:
            print_browser(result["browser"], target_ms=DRAWN_MS)
        print(f"dashboard process peak memory: {result['peak_mb']:.0f} MB")
    summary(case, results)


if __name__ == "__main__":
    main()
