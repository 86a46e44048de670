"""Benchmark the dashboard: server time of every page, and the map payload.

For each page it runs the app with Streamlit's AppTest (the real scripts, in process) and
measures, as medians over several runs:

- ``filter``: the page with a period preset it has not shown before (nothing of that
  selection is cached; the store itself is loaded once, as on a running server), the target
  being at most 300 ms server time;
- ``rerun``: the same selection again (served from the caches).

It also prints the size of the map sent to the browser: the simplified buurt geometry as
GeoJSON, and the whole Kaart figure as plotly JSON (target: at most 500 KB for the 518
Amsterdam buurten). Usage::

    python benchmarks/bench_dashboard.py [--store DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "overzicht",
    "kaart",
    "samenhang",
    "trends",
    "buurtprofiel",
    "afhandeling",
    "data",
    "presentatie",
)
PERIODS = (
    "laatste 6 maanden",
    "laatste 3 maanden",
    "dit jaar",
    "vorig jaar",
    "laatste maand",
    "alles",
)


def _app(page: str, **state: object):  # type: ignore[no-untyped-def]
    """A fresh session that opens ``page`` directly, with widget values set by key."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in {"gebied": "BU0363AA01", **state}.items():
        at.session_state[key] = value
    if page != "overzicht":
        at.switch_page(f"pages/{page}.py")
    return at


def _timed(at) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def bench_page(page: str, runs: int) -> dict[str, float]:
    """``filter``: a session whose period this page has not computed before (its caches are
    cold, the shared store is loaded, as after a filter change on a running server);
    ``rerun``: the same selection again (served from the caches)."""
    change, same = [], []
    for i in range(runs):
        at = _app(page, periode=PERIODS[i % len(PERIODS)])
        change.append(_timed(at))
        same.append(_timed(at))
    return {"filter": statistics.median(change), "rerun": statistics.median(same)}


def payload_sizes() -> dict[str, int]:
    from regie_analytics import aggregate, charts, geo
    from regie_analytics.store import Store
    from regie_analytics.ui.data import store_path

    store = Store(store_path())
    areas = store.areas()
    web = geo.simplify_for_web(geo.areas_at_level(areas, "buurt"))
    table = aggregate.area_table(store.cube(), areas, level="buurt")
    fig = charts.choropleth(
        web, table["count"], title="Aantal signalen", label="aantal", n=table["count"]
    )
    return {
        "geometry_geojson": geo.geojson_payload_size(web[["geometry"]]),
        "kaart_figure_json": len(fig.to_json()),
        "original_geojson": geo.geojson_payload_size(areas[["geometry"]]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store (default: build the demo)")
    parser.add_argument("--runs", type=int, default=5, help="at most 6 (distinct periods)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            subprocess.run(
                [sys.executable, "-m", "regie_analytics", "demo", "--store", str(store)],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        os.environ["REGIE_STORE"] = str(store)
        _timed(_app("overzicht", periode="laatste 12 maanden"))  # load the store once
        print(f"{'page':<14}{'filter ms':>11}{'rerun ms':>10}  target: filter <= 300 ms")
        for page in PAGES:
            result = bench_page(page, args.runs)
            print(
                f"{page:<14}{1000 * result['filter']:>11.0f}{1000 * result['rerun']:>10.0f}",
                flush=True,
            )
        sizes = payload_sizes()
        print(
            f"map payload: geometry {sizes['geometry_geojson'] / 1024:.0f} KB as GeoJSON "
            f"(unsimplified {sizes['original_geojson'] / 1024:.0f} KB), whole Kaart figure "
            f"{sizes['kaart_figure_json'] / 1024:.0f} KB as plotly JSON (target <= 500 KB)"
        )
        print(f"medians of {args.runs} runs; AppTest time is the server's script time")


if __name__ == "__main__":
    main()
