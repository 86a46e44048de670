"""Benchmark: server time of every dashboard page, and the size of the map sent to the browser.

Every page named in ``app.py`` is run with Streamlit's AppTest (the real scripts in this
process, as the server runs them; widget values set through ``session_state``, the way a URL
seeds them) on a demo store. Per page and repetition:

- ``cold``: the first run of the page with all Streamlit caches cleared (the first visitor
  after a server start, modules already imported: the store is read from disk, every
  computation is done);
- ``period``: a rerun after changing the period to a selection not computed before
  (``laatste 3 maanden``, then ``laatste 6 maanden``): a director picking a new period;
- ``back``: reruns alternating between those two periods again (each a real widget change and
  a full script run, with the computations served from the caches);
- one new value for each other filter, from the default view, and back to it (untimed):
  ``domain`` (only ``sociaal``), ``themes`` (the first two), ``channel`` (the first),
  ``level`` (``wijk``), ``privacy`` (off: the analyst's exact counts; on, protected, is the
  default).

Medians over the repetitions are printed next to the target: a filter change reruns any page in
at most 300 ms server time; the worst of the filter columns is compared with it. The map payload
is the Kaart page's plotly figure as Streamlit sends it (JSON), its GeoJSON geometry alone, and
the simplified buurten as GeoJSON (``geo.simplify_for_web(areas_at_level(areas, "buurt"))``),
against the 500 KB target.

Usage::

    python benchmarks/bench_pages.py                    # builds a demo store in a temp folder
    python benchmarks/bench_pages.py --store data/store --runs 5 --pages kaart overzicht
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PROFILE_AREA = "BU0363AA01"
PERIODS = ("laatste 3 maanden", "laatste 6 maanden")
TARGET_MS = 300.0
TARGET_KB = 500.0


def app_pages() -> list[str]:
    """The page files ``app.py`` navigates to, in menu order (``overzicht``, ``kaart``, ...)."""
    return re.findall(r'st\.Page\(\s*"pages/(\w+)\.py"', APP.read_text())


def build_demo(folder: Path) -> Path:
    """A demo store built through the real CLI (about half a minute)."""
    store = folder / "store"
    subprocess.run(
        [sys.executable, "-m", "regie_analytics", "demo", "--store", str(store)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return store


def _server_pages_mode() -> None:
    """Run every AppTest rerun through ``app.py``, as a running server does.

    With a ``pages/`` folder next to ``app.py``, AppTest resets Streamlit's page mode before
    each run, and every rerun after the first then executes the page file on its own (legacy
    pages/ folder mode: no sidebar, stale filters). A server leaves that mode for good once
    ``st.navigation`` has run; this patch puts AppTest in the same state.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _checked(at: Any, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")


def _plotly_specs(at: Any) -> list[str]:
    return [element.proto.spec for element in at.get("plotly_chart")]


def filter_changes(store: Path) -> list[tuple[str, str, Any]]:
    """(column, widget key, new value) for every sidebar filter but the period."""
    from regie_analytics.ui.data import latest

    os.environ["REGIE_STORE"] = str(store)
    data = latest()
    if data is None:
        raise RuntimeError(f"{store}: the store is empty")
    themes = data.themes_of(("fysiek", "sociaal"))
    return [
        ("domain", "domein", ["sociaal"]),
        ("themes", "thema", themes[:2]),
        ("channel", "kanaal", data.channels[:1]),
        ("level", "niveau", "wijk"),
        ("privacy", "privacy", False),
    ]


def time_page(page: str, *, runs: int, changes: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """Cold, new-period, period-back and other filter times (ms) of one page, and its plotly
    payload."""
    from streamlit.testing.v1 import AppTest

    times: dict[str, list[float]] = {"cold": [], "period": [], "back": []}
    times.update({name: [] for name, _, _ in changes})
    specs: list[str] = []
    first = app_pages()[0]
    for _ in range(runs):
        _clear_caches()
        at = AppTest.from_file(str(APP), default_timeout=600)
        if page == "buurtprofiel":  # a buurt's profile (?gebied=...), not the empty state
            at.query_params["gebied"] = PROFILE_AREA
        if page != first:
            at.switch_page(f"pages/{page}.py")
        times["cold"].append(_timed(at.run))
        _checked(at, page)
        if page == "buurtprofiel" and any(t.value == "Buurtprofiel" for t in at.title):
            raise RuntimeError(f"buurtprofiel: the empty state, not the profile of {PROFILE_AREA}")
        specs = _plotly_specs(at)
        for name, key, value in changes:
            default = at.session_state[key] if key in at.session_state else None  # noqa: SIM401 (no .get here)
            at.session_state[key] = value
            times[name].append(_timed(at.run))
            _checked(at, page)
            if at.session_state[key] != value:
                raise RuntimeError(f"{page}: {key} shows {at.session_state[key]!r}, not {value!r}")
            if default is None:
                del at.session_state[key]
            else:
                at.session_state[key] = default
            at.run()  # back to the default view (served from the caches)
            _checked(at, page)
        for step, period in enumerate(PERIODS * 2):
            at.session_state["periode"] = period
            times["period" if step < len(PERIODS) else "back"].append(_timed(at.run))
            _checked(at, page)
            shown = at.sidebar.selectbox(key="periode").value
            if shown != period:
                raise RuntimeError(f"{page}: the period filter shows {shown!r}, not {period!r}")
    result: dict[str, Any] = {name: statistics.median(values) for name, values in times.items()}
    result["charts"] = len(specs)
    result["plotly_kb"] = sum(len(spec.encode()) for spec in specs) / 1000
    return result


def _geometry_bytes(spec: dict[str, Any]) -> int:
    """Bytes of the GeoJSON inside a plotly figure (compact JSON, as plotly writes it)."""
    return sum(
        len(json.dumps(trace["geojson"], separators=(",", ":")).encode())
        for trace in spec.get("data", [])
        if isinstance(trace.get("geojson"), dict)
    )


def map_payload(store: Path) -> dict[str, float]:
    """KB of the Kaart figure as sent, its geometry, and the simplified buurten as GeoJSON."""
    from streamlit.testing.v1 import AppTest

    from regie_analytics import geo
    from regie_analytics.store import Store

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.switch_page("pages/kaart.py")
    at.run()
    _checked(at, "kaart")
    spec = _plotly_specs(at)[0]
    figure = json.loads(spec)
    areas = Store(store).areas()
    buurten = geo.areas_at_level(areas, "buurt")
    web = geo.simplify_for_web(buurten)
    return {
        "Kaart figure (plotly JSON as sent)": len(spec.encode()) / 1000,
        "  of which geometry (GeoJSON)": _geometry_bytes(figure) / 1000,
        "  figure gzipped (if the connection compresses)": len(gzip.compress(spec.encode())) / 1000,
        "simplified buurten, GeoJSON (to_json)": geo.geojson_payload_size(web) / 1000,
        "simplified buurten, geometry only": geo.geojson_payload_size(web[["geometry"]]) / 1000,
        "unsimplified buurten, geometry only": geo.geojson_payload_size(buurten[["geometry"]])
        / 1000,
        "buurten": float(len(web)),
    }


def _flag(ok: bool) -> str:
    return "ok" if ok else "TOO SLOW"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: build the demo)")
    parser.add_argument("--runs", type=int, default=5, help="repetitions per page (median)")
    parser.add_argument("--pages", nargs="+", help="only these pages (default: all in app.py)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = args.store.resolve() if args.store else build_demo(Path(tmp))
        os.environ["REGIE_STORE"] = str(store)
        import streamlit
        from streamlit.testing.v1 import AppTest

        logging.disable(logging.WARNING)  # AppTest outside a server logs harmless warnings
        _server_pages_mode()
        pages = args.pages or app_pages()
        warm_up = AppTest.from_file(str(APP), default_timeout=600)  # imports, as on a server
        warm_up.run()
        _checked(warm_up, app_pages()[0])
        print(
            f"store {store} · streamlit {streamlit.__version__} · {args.runs} runs · "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        changes = filter_changes(store)
        columns = ["period", "back", *(name for name, _, _ in changes)]
        print(
            "Filter changes: "
            + "; ".join(f"{name} = {value!r}" for name, _, value in changes)
            + f"; period = {' / '.join(PERIODS)}"
        )
        print(
            f"{'page (ms)':<14}{'cold':>7}"
            + "".join(f"{name:>9}" for name in columns)
            + f"{'worst':>7}{'target':>8}  {'':<9}{'charts':>7}{'plotly KB':>11}"
        )
        for page in pages:
            result = time_page(page, runs=args.runs, changes=changes)
            worst = max(result[name] for name in columns)
            print(
                f"{page:<14}{result['cold']:>7.0f}"
                + "".join(f"{result[name]:>9.0f}" for name in columns)
                + f"{worst:>7.0f}{TARGET_MS:>8.0f}  {_flag(worst <= TARGET_MS):<9}"
                f"{result['charts']:>7}{result['plotly_kb']:>11.0f}",
                flush=True,
            )
        print()
        print(f"Map payload (target: at most {TARGET_KB:.0f} KB for the Kaart figure)")
        for name, value in map_payload(store).items():
            unit = "" if name == "buurten" else " KB"
            print(f"  {name:<48}{value:>9.0f}{unit}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        print(
            "Times are medians of AppTest runs in this process (server time: the script and its "
            "computations, no browser); the target applies to the filter reruns."
        )


if __name__ == "__main__":
    main()
