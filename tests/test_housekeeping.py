"""Python's full garbage collection between page runs (ui/housekeeping.py)."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from regie_analytics.ui import background, housekeeping


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """No other thread of this process collects or freezes meanwhile, as far as the tests
    control it: an earlier test's quiet-moment collection (``regie-opruimen``) and its
    background jobs (a store's warm-up, whose allocations start collections) are waited for
    first (CI saw both change what these tests count)."""
    deadline = time.monotonic() + 60
    for thread in threading.enumerate():
        if thread.name == "regie-opruimen":
            thread.join(max(0.0, deadline - time.monotonic()))
    with background._LOCK:
        jobs = list(background._JOBS.values())
    for job in jobs:
        job.done.wait(max(0.0, deadline - time.monotonic()))
    yield
    gc.unfreeze()  # the rest of the test session as before


def test_collect_frees_garbage_frozen_before_and_freezes_what_lives() -> None:
    node = _Node()
    gone = weakref.ref(node)
    kept = [_Node() for _ in range(1000)]
    housekeeping.collect()  # node and kept frozen: out of the collector's sight
    assert gc.get_freeze_count() > 1000
    del node
    gc.collect()
    assert gone() is not None  # a plain collection does not see frozen garbage
    # takes the frozen objects back first; gc.collect() returns at once while another
    # thread's automatic collection runs, so a thread the fixture does not know of (Python's
    # own) gets two more tries
    for _ in range(3):
        housekeeping.collect()
        if gone() is None:
            break
    assert gone() is None
    young = len(gc.get_objects(generation=2))
    assert young < gc.get_freeze_count()  # a later full collection scans little
    assert len(kept) == 1000


def test_the_collection_waits_until_no_page_has_run_for_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(housekeeping, "QUIET_SECONDS", 0.2)
    before = housekeeping.collections()
    started, release = threading.Event(), threading.Event()

    def page() -> None:
        with background.page_run():
            started.set()
            release.wait(5)

    running = threading.Thread(target=page)
    running.start()
    started.wait(5)
    housekeeping.after_run()  # the end of an earlier run, while this page still runs
    time.sleep(0.6)
    assert housekeeping.collections() == before  # not during a page run
    release.set()
    running.join(5)
    housekeeping.after_run()  # that run's end
    time.sleep(0.05)
    assert housekeeping.collections() == before  # not yet quiet long enough
    deadline = time.monotonic() + 5
    while housekeeping.collections() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert housekeeping.collections() == before + 1
    time.sleep(0.3)
    assert housekeeping.collections() == before + 1  # once per quiet moment


def test_a_run_end_freezes_at_once_and_the_runs_without_a_quiet_moment_are_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Back to back runs: each run's end freezes what is there (the next run's collections
    do not scan it), without collecting; garbage among it is freed by the end of the
    ``MAX_RUNS_UNCOLLECTED``-th run without a quiet moment."""
    monkeypatch.setitem(housekeeping._state, "waiting", True)  # no quiet moment comes
    monkeypatch.setattr(housekeeping, "MAX_RUNS_UNCOLLECTED", 3)
    housekeeping.collect()
    before = housekeeping.collections()
    node = _Node()
    gone = weakref.ref(node)
    # Whether node is in the collector's sight, not the number of frozen objects: a thread
    # left by an earlier test (a store's warm-up) may free frozen objects meanwhile, which
    # lowers that number (a CI run saw it fall by 48 across this run's end).
    assert any(o is node for o in gc.get_objects())
    housekeeping.after_run()  # the end of the run that made node
    assert not any(o is node for o in gc.get_objects())  # frozen: out of the collector's sight
    del node
    gc.collect()
    housekeeping.after_run()
    assert gone() is not None and housekeeping.collections() == before  # frozen garbage
    housekeeping.after_run()  # the third run without a quiet moment
    assert gone() is None
    assert housekeeping.collections() == before + 1
