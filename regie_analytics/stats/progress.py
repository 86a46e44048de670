"""Progress of the long statistics (permutation tests on many areas), for a caller that shows it:
within :func:`reporting`, the statistics computed in that thread report the share done (0-1).
A caller may also stop at a report (``ui/background.py`` gives way to page runs there), but not
while the thread holds what others wait for (:func:`holding`); and have the thread's database
statements cancelled when a page run starts, and run again after it (:func:`yielding`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

_LOCAL = threading.local()
_T = TypeVar("_T")


@contextmanager
def reporting(callback: Callable[[float], None]) -> Iterator[None]:
    """Within the block, statistics computed in this thread call ``callback`` with the share
    of their work done (0-1, rising)."""
    before = getattr(_LOCAL, "callback", None)
    _LOCAL.callback = callback
    try:
        yield
    finally:
        _LOCAL.callback = before


def report(share: float) -> None:
    """Tell the caller of :func:`reporting` (if any, in this thread) the share done."""
    callback = getattr(_LOCAL, "callback", None)
    if callback is not None:
        callback(min(1.0, max(0.0, float(share))))


@contextmanager
def holding(*, pages: bool = True) -> Iterator[None]:
    """Within the block this thread holds what other threads may wait for (a shared table it
    builds): its reports go on reaching the caller, but do not stop it (:func:`may_pause`).
    ``pages``: a page run may be among those waiting (else only background jobs, which a
    job that gives way lets go first): its database statements are not interrupted either
    (:func:`run_statement`)."""
    _LOCAL.holding = getattr(_LOCAL, "holding", 0) + 1
    _LOCAL.pages_wait = getattr(_LOCAL, "pages_wait", 0) + int(pages)
    try:
        yield
    finally:
        _LOCAL.holding -= 1
        _LOCAL.pages_wait -= int(pages)


def may_pause() -> bool:
    """Whether this thread may stop at a report to give way (not within :func:`holding`)."""
    return not getattr(_LOCAL, "holding", 0)


def in_parallel(calls: Sequence[Callable[[], _T]], name: str) -> list[_T]:
    """Each of ``calls`` in a thread of its own (named ``name``), at the same time; their
    results in order. Each thread keeps the caller's standing (:func:`holding` and
    :func:`yielding`), so a statement run there gives way to page runs exactly when it would
    in the caller's thread: a background job's halves of a statement still give way, and
    what a page run waits for is still never interrupted."""
    hooks = getattr(_LOCAL, "yielding", None)
    if hooks is not None:  # the threads' turns, waited for once (the pause counted once)
        hooks = (hooks[0], _SharedTurn(hooks[1]))
    standing = (hooks, getattr(_LOCAL, "holding", 0), getattr(_LOCAL, "pages_wait", 0))

    def carried(call: Callable[[], _T]) -> _T:
        _LOCAL.yielding, _LOCAL.holding, _LOCAL.pages_wait = standing
        return call()

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix=name) as pool:
        futures = [pool.submit(carried, call) for call in calls]
        return [future.result() for future in futures]


class _SharedTurn:
    """One ``wait_turn`` of :func:`yielding` shared by threads run side by side
    (:func:`in_parallel`): the first thread whose statement gave way waits its turn, the others
    interrupted meanwhile wait until it has (a job's time given way is counted once, not once
    per thread)."""

    def __init__(self, wait_turn: Callable[[float], None]) -> None:
        self._wait_turn = wait_turn
        self._lock = threading.Lock()
        self._waiting: threading.Event | None = None

    def __call__(self, lost: float) -> None:
        with self._lock:
            waiting, first = self._waiting, self._waiting is None
            if waiting is None:
                waiting = self._waiting = threading.Event()
        if not first:
            waiting.wait()
            return
        try:
            self._wait_turn(lost)
        finally:
            with self._lock:
                self._waiting = None
            waiting.set()


# --- database statements that give way to page runs ---------------------------------------------


class _InFlight:
    """A statement running in a :func:`yielding` thread: how to cancel it, whether its thread
    should yield now, whether :func:`interrupt` cancelled it (``unconfirmed``: a cancel whose
    delivery was not confirmed, which may still arrive)."""

    def __init__(self, cancel: Callable[[], None], should_yield: Callable[[], bool]) -> None:
        self.cancel, self.should_yield = cancel, should_yield
        self.interrupted = self.unconfirmed = False


_IN_FLIGHT: dict[int, _InFlight] = {}
"""The interruptible statements running now, by thread."""
_IN_FLIGHT_LOCK = threading.Lock()

Guard = Callable[[Callable[[], None]], AbstractContextManager[_InFlight | None]]
"""What :func:`run_statement` hands its attempt: ``guard(cancel)`` around the statement (within
the connection it runs on) makes it interruptible there, and says whether a cancel was sent."""


@contextmanager
def yielding(
    should_yield: Callable[[], bool], wait_turn: Callable[[float], None]
) -> Iterator[None]:
    """Within the block, this thread's database statements (:func:`run_statement`) give way
    to page runs: :func:`interrupt` cancels one in flight while ``should_yield()`` is true,
    and the statement runs again from the start once ``wait_turn(lost)`` has returned (``lost``:
    the seconds the cancelled run had taken; ``ui/background.py``: a job nobody waits for,
    until the page runs have ended)."""
    before = getattr(_LOCAL, "yielding", None)
    _LOCAL.yielding = (should_yield, wait_turn)
    try:
        yield
    finally:
        _LOCAL.yielding = before


@contextmanager
def _unguarded(cancel: Callable[[], None]) -> Iterator[_InFlight | None]:
    yield None


def run_statement(attempt: Callable[[Guard], _T], cancelled: type[BaseException]) -> _T:
    """``attempt(guard)``: a database statement, which enters ``guard(cancel)`` around its
    execution, within the connection it runs on (``cancel`` cancels it from another thread;
    the attempt then raises ``cancelled``). In a :func:`yielding` thread, and not while it
    builds what a page run may wait for (:func:`holding` with ``pages``), :func:`interrupt`
    may cancel it: the attempt is made again, after its turn (and outside its connection).
    A cancel from anywhere else is raised as before."""
    hooks = getattr(_LOCAL, "yielding", None)
    pages_wait: int = getattr(_LOCAL, "pages_wait", 0)
    if hooks is None or pages_wait > 0:
        return attempt(_unguarded)
    should_yield, wait_turn = hooks
    while True:
        entries: list[_InFlight] = []
        began = time.monotonic()
        try:
            return attempt(_guard(entries, should_yield))
        except cancelled:
            if not any(entry.interrupted for entry in entries):
                raise
        wait_turn(time.monotonic() - began)


def _guard(entries: list[_InFlight], should_yield: Callable[[], bool]) -> Guard:
    """The ``guard`` of one attempt of :func:`run_statement` (its statements noted in
    ``entries``)."""

    @contextmanager
    def guard(cancel: Callable[[], None]) -> Iterator[_InFlight | None]:
        entry = _InFlight(cancel, should_yield)
        entries.append(entry)
        thread = threading.get_ident()
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[thread] = entry
        try:
            yield entry
        finally:
            with _IN_FLIGHT_LOCK:  # not before a cancel sent meanwhile has been delivered
                _IN_FLIGHT.pop(thread, None)

    return guard


def interrupt() -> None:
    """Cancel every statement in flight (:func:`run_statement`) whose thread should yield now
    (a page run starts: ``ui/background.py``). Each cancel is delivered before its statement
    can end (so it never reaches a later statement on the same connection); one whose delivery
    is not confirmed is marked ``unconfirmed`` (its connection is not used again)."""
    with _IN_FLIGHT_LOCK:
        for entry in _IN_FLIGHT.values():
            if entry.interrupted or not entry.should_yield():
                continue
            entry.interrupted = True  # whatever comes of it: a cancel may have gone out
            try:
                entry.cancel()
            except Exception:  # not confirmed: the statement may run on, or be cancelled
                entry.unconfirmed = True
