"""Progress of the long statistics (permutation tests on many areas), for a caller that shows it:
within :func:`reporting`, the statistics computed in that thread report the share done (0-1).
A caller may also stop at a report (``ui/background.py`` gives way to page runs there), but not
while the thread holds what others wait for (:func:`holding`); and have the thread's database
statements cancelled when a page run starts, and run again after it (:func:`yielding`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# --- database statements that give way to page runs ---------------------------------------------

_IN_FLIGHT: dict[int, tuple[Callable[[], None], Callable[[], bool], list[bool]]] = {}
"""The interruptible statements running now, by thread: (cancel, should yield, [cancelled])."""
_IN_FLIGHT_LOCK = threading.Lock()


@contextmanager
def yielding(should_yield: Callable[[], bool], wait_turn: Callable[[], None]) -> Iterator[None]:
    """Within the block, this thread's database statements (:func:`run_statement`) give way
    to page runs: :func:`interrupt` cancels one in flight while ``should_yield()`` is true,
    and the statement runs again from the start once ``wait_turn()`` has returned
    (``ui/background.py``: a job nobody waits for, until the page runs have ended)."""
    before = getattr(_LOCAL, "yielding", None)
    _LOCAL.yielding = (should_yield, wait_turn)
    try:
        yield
    finally:
        _LOCAL.yielding = before


def run_statement(
    run: Callable[[], _T], cancel: Callable[[], None], cancelled: type[BaseException]
) -> _T:
    """``run()`` (a database statement; ``cancel`` cancels it from another thread, and then
    ``run`` raises ``cancelled``). In a :func:`yielding` thread, and not while it builds what
    a page run may wait for (:func:`holding` with ``pages``), :func:`interrupt` may cancel it:
    it then waits its turn and runs again. A cancel from anywhere else is raised as before."""
    hooks = getattr(_LOCAL, "yielding", None)
    pages_wait: int = getattr(_LOCAL, "pages_wait", 0)
    if hooks is None or pages_wait > 0:
        return run()
    should_yield, wait_turn = hooks
    thread = threading.get_ident()
    while True:
        interrupted = [False]
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[thread] = (cancel, should_yield, interrupted)
        try:
            return run()
        except cancelled:
            if not interrupted[0]:
                raise
        finally:
            with _IN_FLIGHT_LOCK:  # not before a cancel sent meanwhile has been delivered
                _IN_FLIGHT.pop(thread, None)
        wait_turn()


def interrupt() -> None:
    """Cancel every statement in flight (:func:`run_statement`) whose thread should yield now
    (a page run starts: ``ui/background.py``). Each cancel is delivered before its statement
    can end (so it never reaches a later statement on the same connection)."""
    with _IN_FLIGHT_LOCK:
        for cancel, should_yield, interrupted in _IN_FLIGHT.values():
            if interrupted[0] or not should_yield():
                continue
            interrupted[0] = True
            try:
                cancel()
            except Exception:  # not delivered: the statement just runs on
                interrupted[0] = False
