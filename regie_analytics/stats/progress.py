"""Progress of the long statistics (permutation tests on many areas), for a caller that shows it:
within :func:`reporting`, the statistics computed in that thread report the share done (0-1).
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
