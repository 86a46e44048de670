"""Python's full garbage collection between page runs instead of in the middle of one.

A dashboard server holds several hundred thousand Python objects (cached tables, figures, the
store's areas). When a page run creates many (a map's JSON read back: tens of thousands of
lists and dicts), Python's collector scans every object of the oldest generation, 0.15-0.2 s
on the demo store, inside the run the user waits for. After a page run, once no page has run
for :data:`QUIET_SECONDS`, :func:`after_run` collects everything (``gc.collect``) and moves
what survives out of the collector's sight (``gc.freeze``): a later run's automatic
collections then only scan what was made since. The next quiet moment takes the frozen
objects back first (``gc.unfreeze``), so garbage among them is still collected, one quiet
moment later.

Runs back to back (a user clicking on, several sessions) leave no quiet moment: then every
run's end freezes what is there without collecting (``gc.freeze`` only moves the collector's
lists), so the automatic collections of the next run scan only what that run makes, never the
whole server (a full collection of it in the middle of a run: 0.15-0.2 s). Garbage frozen
that way waits for the next quiet moment, or for the end of the :data:`MAX_RUNS_UNCOLLECTED`-th
run without one, which collects (and so bounds the memory such garbage holds).
"""

from __future__ import annotations

import gc
import threading
import time

from regie_analytics.ui import background

QUIET_SECONDS = 1.0
"""How long no page has run before the collection starts (a run starting meanwhile waits for
at most one collection)."""
MAX_RUNS_UNCOLLECTED = 40
"""Page runs whose ends froze objects without a collection (no quiet moment between them)
after which a run's end collects: the garbage among the frozen objects is bounded."""

_LOCK = threading.Lock()
_state = {"last_end": 0.0, "waiting": False, "collections": 0, "uncollected": 0}


def after_run() -> None:
    """Call at the end of every page run: what the run left is frozen at once, out of the
    sight of the next run's automatic collections (see the module's doc); the full collection
    happens in a thread of its own once the server has been quiet for :data:`QUIET_SECONDS`
    (one such thread at a time), or here after :data:`MAX_RUNS_UNCOLLECTED` runs without."""
    with _LOCK:
        _state["last_end"] = time.monotonic()
        _state["uncollected"] += 1
        overdue = _state["uncollected"] >= MAX_RUNS_UNCOLLECTED
        start = not _state["waiting"]
        _state["waiting"] = True
    if overdue:
        collect()
    else:
        gc.freeze()
    if start:
        threading.Thread(target=_when_quiet, name="regie-opruimen", daemon=True).start()


def collections() -> int:
    """How many collections :func:`after_run` has made (for the tests)."""
    return int(_state["collections"])


def _when_quiet() -> None:
    try:
        while True:
            with _LOCK:
                last = max(_state["last_end"], background.last_run_end())
            left = last + QUIET_SECONDS - time.monotonic()
            if left > 0:
                time.sleep(left)
                continue
            if not background.pages_quiet(timeout=0):  # a page is running: after it ends
                background.pages_quiet()
                continue
            collect()
            return
    finally:
        with _LOCK:
            _state["waiting"] = False


def collect() -> None:
    """Every object back in the collector's sight, a full collection, and what survives
    frozen (see the module's doc)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    with _LOCK:
        _state["collections"] += 1
        _state["uncollected"] = 0
