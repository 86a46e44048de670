"""Progress of the long statistics (permutation tests on many areas), for a caller that shows it:
within :func:`reporting`, the statistics computed in that thread report the share done (0-1).
A caller may also stop at a report (``ui/background.py`` gives way to page runs there), but not
while the thread holds what others wait for (:func:`holding`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_LOCAL = threading.local()


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
def holding() -> Iterator[None]:
    """Within the block this thread holds what other threads may wait for (a shared table it
    builds): its reports go on reaching the caller, but do not stop it (:func:`may_pause`)."""
    _LOCAL.holding = getattr(_LOCAL, "holding", 0) + 1
    try:
        yield
    finally:
        _LOCAL.holding -= 1


def may_pause() -> bool:
    """Whether this thread may stop at a report to give way (not within :func:`holding`)."""
    return not getattr(_LOCAL, "holding", 0)
