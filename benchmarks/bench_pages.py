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
at most 300 ms server time; the worst of the filter columns is compared with it. A second table
gives the CPU time of the same runs (median ms: the script thread's, and the whole process's
while the run lasted, background jobs included), which a loaded machine stretches far less than
the wall time. The map payload
is the Kaart page's plotly figure as Streamlit sends it (JSON), its GeoJSON geometry alone, and
the simplified buurten as GeoJSON (``geo.simplify_for_web(areas_at_level(areas, "buurt"))``),
against the 500 KB target.

Usage::

    python benchmarks/bench_pages.py                    # builds a demo store in a temp folder
    python benchmarks/bench_pages.py --store data/store --runs 5 --pages kaart overzicht
    python benchmarks/bench_pages.py --browser          # also the time until drawn in Chromium
    python benchmarks/bench_pages.py --browser-only --pages kaart trends   # only Chromium

``--browser`` starts ``streamlit run app.py`` on a free localhost port and drives Debian's
Chromium through Playwright: per page the first load, then the period and the area level
changed in the sidebar, each timed from the click until the run ended and until every plotly
chart was drawn (``plotly_afterplot``), no element still loading its code and the page stopped
changing. Per change it also prints the server's script runs meanwhile (wall time, CPU of the
script thread and of the server's other threads: background work), how long the tab's main
thread was busy (DevTools ``Performance.getMetrics``: the browser's own work without the waits
for the server; a loaded machine stretches it too) and how many visible charts were drawn again
(new or replotted) of those shown.
``--zoom inzoomen=GM0363`` also measures the Kaart figure opened with those URL parameters.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_TIMED_RUNS = """
import json, sys, threading, time
from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

log, original = sys.argv[1], script_runner.ScriptRunner._run_script

def timed(self, rerun_data):
    wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    try:
        return original(self, rerun_data)
    finally:
        cpu, process = time.thread_time() - cpu, time.process_time() - process
        line = {"wall": time.perf_counter() - wall, "cpu": cpu, "others": process - cpu,
                "fragment": bool(rerun_data.fragment_id_queue)}
        with open(log, "a") as out:
            out.write(json.dumps(line) + "\\n")

script_runner.ScriptRunner._run_script = timed
sys.argv = ["streamlit", *sys.argv[2:]]
cli.main()
"""
"""``streamlit`` with every script run timed into the file named by its first argument, a
JSON line per run: ``wall`` seconds, ``cpu`` of the script thread and ``others`` (the CPU
seconds the process's other threads used meanwhile: background work, the web server)."""


def start_server(
    store: str | Path, port: int, *, timeout: float = 300, run_log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``streamlit run app.py`` on ``store`` (a folder or a database URL), headless, on
    ``port`` of localhost; returns once ``/_stcore/health`` answers. With ``run_log``, every
    script run is timed into that file (:data:`_TIMED_RUNS`)."""
    env = {**os.environ, "REGIE_STORE": str(store)}
    launch = ["-m", "streamlit"] if run_log is None else ["-c", _TIMED_RUNS, str(run_log)]
    server = subprocess.Popen(
        [
            sys.executable,
            *launch,
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the streamlit server did not start")


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


_RUN_CPU: list[tuple[float, float]] = []
"""(script thread, process) CPU ms of every script run in this process, in order
(:func:`_record_run_cpu`)."""


def _record_run_cpu() -> None:
    """Record the CPU time of every script run into :data:`_RUN_CPU`."""
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.ScriptRunner._run_script

    def timed(self: Any, rerun_data: Any) -> Any:
        thread, process = time.thread_time(), time.process_time()
        try:
            return original(self, rerun_data)
        finally:
            _RUN_CPU.append(
                (1000 * (time.thread_time() - thread), 1000 * (time.process_time() - process))
            )

    script_runner.ScriptRunner._run_script = timed  # type: ignore[method-assign]


def _timed(action: Callable[[], Any], cpu: list[tuple[float, float]] | None = None) -> float:
    """Wall ms of ``action``; with ``cpu``, the CPU ms of the script runs it did appended."""
    seen = len(_RUN_CPU)
    started = time.perf_counter()
    action()
    wall = (time.perf_counter() - started) * 1000
    if cpu is not None:
        runs = _RUN_CPU[seen:]
        cpu.append((sum(t for t, _ in runs), sum(p for _, p in runs)))
    return wall


def _checked(at: Any, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")


def _plotly_specs(at: Any) -> list[str]:
    return [element.proto.spec for element in at.get("plotly_chart")]


def filter_changes(store: str | Path) -> list[tuple[str, str, Any]]:
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


def time_page(
    page: str,
    *,
    runs: int,
    changes: list[tuple[str, str, Any]],
    profile_area: str = PROFILE_AREA,
    pause: float = 0.0,
) -> dict[str, Any]:
    """Cold, new-period, period-back and other filter times (ms) of one page, and its plotly
    payload; ``pause`` seconds of a user's thinking before each timed change (the server's
    garbage collection waits for such a pause, ``ui/housekeeping.py``)."""
    from streamlit.testing.v1 import AppTest

    times: dict[str, list[float]] = {"cold": [], "period": [], "back": []}
    times.update({name: [] for name, _, _ in changes})
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in times}
    specs: list[str] = []
    first = app_pages()[0]
    for _ in range(runs):
        _clear_caches()
        at = AppTest.from_file(str(APP), default_timeout=600)
        if page == "buurtprofiel":  # a buurt's profile (?gebied=...), not the empty state
            at.query_params["gebied"] = profile_area
        if page != first:
            at.switch_page(f"pages/{page}.py")
        times["cold"].append(_timed(at.run, cpu["cold"]))
        _checked(at, page)
        if page == "buurtprofiel" and any(t.value == "Buurtprofiel" for t in at.title):
            raise RuntimeError(f"buurtprofiel: the empty state, not the profile of {profile_area}")
        specs = _plotly_specs(at)
        for name, key, value in changes:
            default = at.session_state[key] if key in at.session_state else None  # noqa: SIM401 (no .get here)
            at.session_state[key] = value
            time.sleep(pause)
            times[name].append(_timed(at.run, cpu[name]))
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
            column = "period" if step < len(PERIODS) else "back"
            time.sleep(pause)
            times[column].append(_timed(at.run, cpu[column]))
            _checked(at, page)
            shown = at.sidebar.selectbox(key="periode").value
            if shown != period:
                raise RuntimeError(f"{page}: the period filter shows {shown!r}, not {period!r}")
    result: dict[str, Any] = {name: statistics.median(values) for name, values in times.items()}
    result["cpu"] = {
        name: [statistics.median(t for t, _ in runs), statistics.median(p for _, p in runs)]
        for name, runs in cpu.items()
    }
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


def _kaart_spec(query: dict[str, str]) -> str:
    """The Kaart page's first plotly figure as sent, opened with ``query`` in the URL."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("pages/kaart.py")
    at.run()
    _checked(at, "kaart")
    return _plotly_specs(at)[0]


def map_payload(store: str | Path, *, zoom: dict[str, str] | None = None) -> dict[str, float]:
    """KB of the Kaart figure as sent (by default and, with ``zoom``, opened with those URL
    parameters), its geometry, and the simplified buurten as GeoJSON."""
    from regie_analytics import geo
    from regie_analytics.ui.data import latest

    spec = _kaart_spec({})
    figure = json.loads(spec)
    data = latest()
    if data is None:
        raise RuntimeError(f"{store}: the store is empty")
    buurten = geo.areas_at_level(data.areas, "buurt")
    web = geo.simplify_for_web(buurten)
    out = {
        "Kaart figure (plotly JSON as sent)": len(spec.encode()) / 1000,
        "  of which geometry (GeoJSON)": _geometry_bytes(figure) / 1000,
        "  figure gzipped (if the connection compresses)": len(gzip.compress(spec.encode())) / 1000,
    }
    if zoom:
        zoomed = _kaart_spec(zoom)
        label = "&".join(f"{k}={v}" for k, v in zoom.items())
        same = " (same figure: not supported)" if zoomed == spec else ""
        out[f"Kaart figure zoomed (?{label}){same}"] = len(zoomed.encode()) / 1000
    return {
        **out,
        "simplified buurten, GeoJSON (to_json)": geo.geojson_payload_size(web) / 1000,
        "simplified buurten, geometry only": geo.geojson_payload_size(web[["geometry"]]) / 1000,
        "unsimplified buurten, geometry only": geo.geojson_payload_size(buurten[["geometry"]])
        / 1000,
        "buurten": float(len(web)),
    }


_WATCH = """
(() => {
  const bench = (window.__bench = {t0: 0, last: 0, plotted: 0, runs: 0, ended: 0});
  const hook = (node) => {
    for (const gd of node.querySelectorAll ? node.querySelectorAll('.js-plotly-plot') : []) {
      if (!gd.__benchHooked && gd.on) {
        gd.__benchHooked = true;
        gd.on('plotly_afterplot', () => { bench.plotted = gd.__benchPlotted = performance.now(); });
      }
    }
  };
  new MutationObserver((records) => {
    bench.last = performance.now();
    for (const record of records) {
      if (record.type === 'attributes' && record.attributeName === 'data-test-script-state') {
        const state = record.target.getAttribute('data-test-script-state');
        if (state === 'running') bench.runs++;
        if (state === 'notRunning') bench.ended = performance.now();
      }
    }
    hook(document);
  }).observe(document, {childList: true, subtree: true, characterData: true,
                        attributes: true, attributeFilter: ['data-test-script-state']});
})();
"""
_SETTLED = """quiet => {
  const bench = window.__bench;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (bench.runs === 0 && performance.now() - bench.t0 < 5000) return false;
  if (!document.querySelector('h1')) return false;
  // an element whose code is still loading (the plotly chart's, on a first load)
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  if (!charts.every(c => !c.checkVisibility() || c.querySelector('.main-svg'))) return false;
  return performance.now() - Math.max(bench.last, bench.plotted) > quiet;
}"""
_ELAPSED = """() => {
  const b = window.__bench;
  const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(c => c.checkVisibility());
  const redrawn = charts.filter(c => !c.__benchOld || c.__benchPlotted > b.t0);
  // no run seen to end (a rerun that did not change the script state): no run time
  return {run: b.ended ? b.ended - b.t0 : NaN, drawn: Math.max(b.last, b.plotted) - b.t0,
          charts: charts.length, redrawn: redrawn.length};
}"""
"""The times since the change (``t0``) and how many of the visible charts were drawn since: new
chart elements, and those plotly drew again (``afterplot``); charts of the old run marked by
:data:`_START`."""
_START = """() => {
  Object.assign(window.__bench, {t0: performance.now(), last: performance.now(), plotted: 0,
                                 runs: 0, ended: 0});
  for (const chart of document.querySelectorAll('.js-plotly-plot')) chart.__benchOld = true;
}"""
BROWSER_CHANGES: tuple[tuple[str, str, str], ...] = (
    ("period", "Periode", "laatste 3 maanden"),
    ("back", "Periode", "laatste 12 maanden"),
    ("level", "Gebiedsniveau", "wijk"),
    ("level back", "Gebiedsniveau", "buurt"),
)
"""Filter changes in the browser: (name, sidebar select box, option chosen)."""


def _settle(page: Any, *, timeout_ms: float) -> dict[str, float]:
    page.wait_for_function(_SETTLED, arg=500, timeout=timeout_ms, polling=100)
    return dict(page.evaluate(_ELAPSED))


def _has_box(tab: Any, label: str, *, timeout_ms: float = 5000) -> bool:
    """Whether the page shows the select box ``label`` (waiting a little: the sidebar can
    be drawn after the page's title)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        tab.get_by_role("combobox", name=label, exact=True).first.wait_for(timeout=timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


def _server_runs(run_log: Path, seen: int) -> tuple[int, dict[str, float]]:
    """The script runs logged after the first ``seen`` lines of ``run_log``: how many lines
    there are now, and the runs' summed ms (``server``: wall; ``cpu``: the script thread;
    ``others``: the process's other threads meanwhile) and their number."""
    lines = run_log.read_text().splitlines() if run_log.exists() else []
    runs = [json.loads(line) for line in lines[seen:]]
    summed = {name: 1000 * sum(run[name] for run in runs) for name in ("wall", "cpu", "others")}
    return len(lines), {
        "server": summed["wall"],
        "cpu": summed["cpu"],
        "others": summed["others"],
        "server_runs": float(len(runs)),
    }


def _main_thread_ms(cdp: Any) -> dict[str, float]:
    """ms the tab's main thread has been busy so far with tasks and, of those, with scripts,
    layout and style (Chrome DevTools ``Performance.getMetrics``): the browser's own work,
    without the waits for the server (the durations are wall time: a loaded machine stretches
    them too)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "browser": 1000 * metrics["TaskDuration"],
        "scripts": 1000 * metrics["ScriptDuration"],
        "layout": 1000 * (metrics["LayoutDuration"] + metrics["RecalcStyleDuration"]),
    }


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in after}


def browser_page(
    browser: Any, base: str, page_name: str, *, timeout_ms: float, run_log: Path
) -> dict[str, dict[str, float]]:
    """Open one page in a fresh tab (first load: from navigation until drawn), then each of
    :data:`BROWSER_CHANGES`: ms until the run ended and until every chart was drawn and the
    page stopped changing (the last DOM change or plotly ``afterplot``), and the server's
    script runs meanwhile (:func:`_server_runs` of the server's ``run_log``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="nl-NL")
    context.route(
        "**/*",
        lambda route, request: (
            route.continue_()
            if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else route.abort()
        ),
    )
    context.add_init_script(_WATCH)
    context.set_default_timeout(timeout_ms)
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    cdp.send("Performance.enable")
    out: dict[str, dict[str, float]] = {}
    seen, _ = _server_runs(run_log, 0)
    try:
        path = "" if page_name == app_pages()[0] else page_name
        tab.goto(f"{base}/{path}")
        out["first load"] = _settle(tab, timeout_ms=timeout_ms)
        seen, server = _server_runs(run_log, seen)
        out["first load"].update(server)
        out["first load"].update(_main_thread_ms(cdp))
        shown = {label for _, label, _ in BROWSER_CHANGES if _has_box(tab, label)}
        for name, label, option in BROWSER_CHANGES:
            if label not in shown:  # a page without this filter (Data; a store of one level)
                continue
            choice = _opened(tab, label, option)
            tab.evaluate(_START)
            seen, _ = _server_runs(run_log, seen)  # runs of opening the box (none expected)
            before = _main_thread_ms(cdp)
            choice.first.click()
            out[name] = _settle(tab, timeout_ms=timeout_ms)
            out[name].update(_spent(before, _main_thread_ms(cdp)))
            seen, server = _server_runs(run_log, seen)
            out[name].update(server)
    finally:
        context.close()
    return out


def _opened(tab: Any, label: str, option: str, tries: int = 3) -> Any:
    """The ``option`` of the select box ``label``, its list opened (again, up to ``tries``
    times, if a rerun of the page closed it before the option showed: a page reruns itself
    when its side notes are ready)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = tab.get_by_role("combobox", name=label, exact=True)
    choice = tab.get_by_role("option", name=re.compile(f"^{option}", re.IGNORECASE))
    for attempt in range(tries):
        tab.keyboard.press("Escape")
        box.click()
        if box.get_attribute("aria-expanded") != "true":  # a click can close it again
            box.press("ArrowDown")
        try:
            choice.first.wait_for(state="visible", timeout=10_000)
            return choice
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    raise ValueError(f"tries must be at least 1, not {tries}")


def browser_times(
    store: str | Path, pages: list[str], *, timeout_s: float = 180
) -> dict[str, dict[str, dict[str, float]]]:
    """Per page, :func:`browser_page` against a fresh ``streamlit run`` server on ``store``,
    driven by Debian's Chromium through Playwright (localhost only)."""
    from playwright.sync_api import sync_playwright

    if str(ROOT) not in sys.path:  # run as a script without AppTest having imported the app
        sys.path.insert(0, str(ROOT))
    from regie_analytics.chromium import LAUNCH_ARGS

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        run_log = Path(tmp) / "runs.jsonl"
        server = start_server(store, port, run_log=run_log)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=list(LAUNCH_ARGS)
                )
                try:
                    return {
                        page: browser_page(
                            browser,
                            f"http://127.0.0.1:{port}",
                            page,
                            timeout_ms=timeout_s * 1000,
                            run_log=run_log,
                        )
                        for page in pages
                    }
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


def print_browser(times: dict[str, dict[str, dict[str, float]]], *, target_ms: float) -> None:
    """The browser table: per page and change, run end and drawn time (ms)."""
    names = ["first load", *(name for name, _, _ in BROWSER_CHANGES)]
    print(f"In Chromium (ms: run ended / drawn; target: drawn within {target_ms:.0f} ms)")
    print(f"{'page':<14}" + "".join(f"{name:>18}" for name in names) + "  worst drawn")
    for page, result in times.items():
        cells = [
            f"{result[n]['run']:>8.0f} /{result[n]['drawn']:>7.0f}" if n in result else f"{'-':>18}"
            for n in names
        ]
        changed = [result[n]["drawn"] for n in names[1:] if n in result]
        worst = "no filters"
        if changed:
            worst = f"{max(changed):>6.0f} {_flag(max(changed) <= target_ms)}"
        print(f"{page:<14}" + "".join(f"{c:>18}" for c in cells) + f"  {worst}", flush=True)
    print(
        "Server script runs (ms: wall / CPU of the script thread / CPU of the server's other "
        "threads meanwhile, number of runs); the tab's main thread (ms: all tasks / scripts); "
        "charts drawn again / visible"
    )
    print(f"{'page':<14}" + "".join(f"{name:>40}" for name in names))
    for page, result in times.items():
        cells = [
            f"{r['server']:>6.0f} /{r['cpu']:>5.0f} /{r['others']:>5.0f} {r['server_runs']:>1.0f}x"
            f"{r['browser']:>6.0f} /{r['scripts']:>5.0f}{r['redrawn']:>3.0f}/{r['charts']:<2.0f}"
            if "browser" in (r := result.get(n, {}))
            else "-"
            for n in names
        ]
        print(f"{page:<14}" + "".join(f"{c:>40}" for c in cells), flush=True)


def _flag(ok: bool) -> str:
    return "ok" if ok else "TOO SLOW"


def measure(
    store: str | Path,
    *,
    pages: list[str],
    runs: int,
    zoom: dict[str, str] | None = None,
    profile_area: str = PROFILE_AREA,
    pause: float = 0.0,
) -> dict[str, Any]:
    """Every figure of this benchmark for ``store`` (a folder or a database URL), in this
    process: per page the medians of :func:`time_page`, and :func:`map_payload`."""
    os.environ["REGIE_STORE"] = str(store)
    import streamlit
    from streamlit.testing.v1 import AppTest

    logging.disable(logging.WARNING)  # AppTest outside a server logs harmless warnings
    _server_pages_mode()
    _record_run_cpu()
    warm_up = AppTest.from_file(str(APP), default_timeout=600)  # imports, as on a server
    warm_up.run()
    _checked(warm_up, app_pages()[0])
    changes = filter_changes(store)
    return {
        "header": f"store {store} · streamlit {streamlit.__version__} · {runs} runs · "
        + (f"{pause:g} s pause before each change · " if pause else "")
        + f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "changes": "Filter changes: "
        + "; ".join(f"{name} = {value!r}" for name, _, value in changes)
        + f"; period = {' / '.join(PERIODS)}",
        "columns": ["period", "back", *(name for name, _, _ in changes)],
        "pages": {
            page: time_page(
                page, runs=runs, changes=changes, profile_area=profile_area, pause=pause
            )
            for page in pages
        },
        "map": map_payload(store, zoom=zoom),
    }


def print_pages(result: dict[str, Any], *, target_ms: float, cold_ms: float | None = None) -> None:
    """The server-time table of :func:`measure` with the targets beside it."""
    print(result["header"])
    print(result["changes"])
    columns = result["columns"]
    cold_target = f"{'cold≤':>6}{cold_ms / 1000:.0f}s" if cold_ms else ""
    print(
        f"{'page (ms)':<14}{'cold':>7}"
        + "".join(f"{name:>9}" for name in columns)
        + f"{'worst':>7}{'target':>8}  {'':<9}{'charts':>7}{'plotly KB':>11}{cold_target}"
    )
    for page, figures in result["pages"].items():
        worst = max(figures[name] for name in columns)
        cold = f"  {_flag(figures['cold'] <= cold_ms)}" if cold_ms else ""
        print(
            f"{page:<14}{figures['cold']:>7.0f}"
            + "".join(f"{figures[name]:>9.0f}" for name in columns)
            + f"{worst:>7.0f}{target_ms:>8.0f}  {_flag(worst <= target_ms):<9}"
            f"{figures['charts']:>7}{figures['plotly_kb']:>11.0f}{cold}",
            flush=True,
        )


def print_cpu(result: dict[str, Any]) -> None:
    """The CPU table of :func:`measure`: per page and column the median CPU ms of the script
    thread / of the whole process during the run."""
    columns = ["cold", *result["columns"]]
    print("CPU (median ms: script thread / whole process during the run)")
    print(f"{'page':<14}" + "".join(f"{name:>13}" for name in columns))
    for page, figures in result["pages"].items():
        cells = [f"{figures['cpu'][n][0]:.0f} / {figures['cpu'][n][1]:.0f}" for n in columns]
        print(f"{page:<14}" + "".join(f"{cell:>13}" for cell in cells), flush=True)


def print_map(payload: dict[str, float], *, target_kb: float) -> None:
    """The map payload lines with the target."""
    print(f"Map payload (target: at most {target_kb:.0f} KB for the Kaart figure)")
    for name, value in payload.items():
        unit = "" if name == "buurten" else " KB"
        flag = ""
        if name.startswith("Kaart figure"):
            flag = "  " + ("ok" if value <= target_kb else "TOO LARGE")
        print(f"  {name:<52}{value:>9.0f}{unit}{flag}")


DRAWN_MS = 1000.0
"""A filter change on the demo store drawn in Chromium within this (issue 16)."""
NATIONAL_DRAWN_MS = 2000.0
"""The same on the national case (``--drawn-ms 2000``)."""


def parse_zoom(values: list[str] | None) -> dict[str, str]:
    """``["inzoomen=GM0363"]`` as ``{"inzoomen": "GM0363"}``."""
    return dict(value.split("=", 1) for value in values or [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="an existing store or database URL (default: the demo)")
    parser.add_argument("--runs", type=int, default=5, help="repetitions per page (median)")
    parser.add_argument("--pages", nargs="+", help="only these pages (default: all in app.py)")
    parser.add_argument("--zoom", nargs="*", help="URL parameters of a zoomed Kaart (k=v)")
    parser.add_argument("--profile-area", default=PROFILE_AREA, help="the buurtprofiel's area")
    parser.add_argument("--browser", action="store_true", help="also time Chromium drawing")
    parser.add_argument(
        "--browser-only", action="store_true", help="only Chromium (no AppTest timings)"
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds between filter changes, as a user thinks (default 0: back to back)",
    )
    parser.add_argument(
        "--drawn-ms",
        type=float,
        default=DRAWN_MS,
        help=f"the Chromium target in ms (default {DRAWN_MS:.0f}: the demo store's; issue 16 "
        f"gives the national case {NATIONAL_DRAWN_MS:.0f})",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store: str | Path = args.store or build_demo(Path(tmp))
        if "://" not in str(store):
            store = Path(store).resolve()
        pages = args.pages or app_pages()
        if args.browser_only:
            print_browser(browser_times(store, pages), target_ms=args.drawn_ms)
            print(f"load average at the end {os.getloadavg()[0]:.1f}")
            return
        result = measure(
            store,
            pages=pages,
            runs=args.runs,
            zoom=parse_zoom(args.zoom),
            profile_area=args.profile_area,
            pause=args.pause,
        )
        print_pages(result, target_ms=TARGET_MS)
        print()
        print_cpu(result)
        print()
        print_map(result["map"], target_kb=TARGET_KB)
        if args.browser:
            result["browser"] = browser_times(store, pages)
            print()
            print_browser(result["browser"], target_ms=args.drawn_ms)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        print(
            "Times are medians of AppTest runs in this process (server time: the script and its "
            "computations, no browser); the target applies to the filter reruns."
        )


if __name__ == "__main__":
    main()
