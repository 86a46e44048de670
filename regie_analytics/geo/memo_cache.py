"""The freeze/memo cache: what is derived from a frozen areas frame (its levels, the dissolve into
wijken, parent codes, map features) is kept per frame, name and key, and reused while the frame
lives. A frame that is not frozen is recomputed on every call.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")
_FROZEN: dict[int, weakref.ref[Any]] = {}
_MEMO: dict[tuple[int, str, str], Any] = {}
_MEMO_LOCK = threading.Lock()  # the dashboard's sessions run in threads
_GONE: list[int] = []  # ids of frozen frames that were garbage collected


def freeze(frame: _T) -> _T:
    """Promise that ``frame`` will not change from now on, so what is derived from it (its
    levels, the dissolve into wijken, parent codes, map features) may be kept and reused.

    The dashboard freezes the areas it loads once per store version; a frame that is not
    frozen is recomputed on every call, as before. Returns ``frame``.
    """
    key = id(frame)

    def forget(_: object) -> None:
        # called by the garbage collector, maybe inside a locked block: only note it
        _GONE.append(key)

    with _MEMO_LOCK:
        _purge()
        _FROZEN[key] = weakref.ref(frame, forget)
    return frame


def _purge() -> None:
    """Drop what was kept for frames that no longer exist (call with the lock held)."""
    while _GONE:
        key = _GONE.pop()
        if key in _FROZEN and _FROZEN[key]() is None:
            del _FROZEN[key]
        for memo_key in [k for k in _MEMO if k[0] == key and key not in _FROZEN]:
            del _MEMO[memo_key]


def is_frozen(frame: object) -> bool:
    """True when ``frame`` was passed to :func:`freeze` (and is still alive)."""
    ref = _FROZEN.get(id(frame))
    return ref is not None and ref() is frame


def memo(frame: object, name: str, key: str, build: Callable[[], _T]) -> _T:
    """``build()``, kept per frozen ``frame``, ``name`` and ``key`` (computed every time for a
    frame that is not frozen). Callers copy what they hand out when it can be changed."""
    if not is_frozen(frame):
        return build()
    memo_key = (id(frame), name, key)
    with _MEMO_LOCK:
        _purge()
        if memo_key in _MEMO:
            return _MEMO[memo_key]  # type: ignore[no-any-return]
    value = build()  # outside the lock: builds may use memo themselves
    with _MEMO_LOCK:
        return _MEMO.setdefault(memo_key, value)  # type: ignore[no-any-return]
