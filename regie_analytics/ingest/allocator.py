"""glibc's allocator set for an import: freed memory kept for the next batch.

An import allocates and frees the same large arrays batch after batch. By default glibc gives
freed memory back to the system at once and the next batch faults it in again, page by page:
a third of an import's CPU time went to the kernel. While :func:`keeping_freed_memory` is in
force, freed memory up to :data:`KEPT` stays in the process for the next batch (the peak does
not grow: the next batch reuses it); afterwards it is given back. Other C libraries: no change.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
KEPT = 1 << 30
"""Freed memory kept in the process during an import (bytes) before glibc gives it back."""
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below it come from the reusable heap
_TOP_PAD = 64 << 20
_DEFAULT_TRIM, _DEFAULT_TOP_PAD = 2 * _MMAP_THRESHOLD, 128 << 10  # glibc's, at that threshold


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (and these settings)
    except (OSError, AttributeError):
        return None
    return libc


def keeping_freed_memory(work: Callable[P, R]) -> Callable[P, R]:
    """``work`` run with freed memory kept for reuse (glibc), given back when it returns."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        libc = _glibc()
        if libc is None:
            return work(*args, **kwargs)
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, KEPT)
        libc.mallopt(_M_TOP_PAD, _TOP_PAD)
        try:
            return work(*args, **kwargs)
        finally:
            libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
            libc.mallopt(_M_TOP_PAD, _DEFAULT_TOP_PAD)
            libc.malloc_trim(0)

    return run
