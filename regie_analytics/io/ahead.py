"""Work done on the second core while the first goes on: :func:`read_ahead` takes the next
items of an iterator in a thread (reading and parsing CSV, reading Parquet: work that releases
the GIL), and :func:`in_background` runs one call in a thread (hashing a file)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar, cast

T = TypeVar("T")


def read_ahead(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """The items of ``items`` in order, each taken from it in a thread while the caller works
    on the one before (at most ``depth`` waiting). An exception ``items`` raises is raised
    here at the same place in the sequence; stopping early stops the thread."""
    waiting: queue.Queue[tuple[bool, T | None, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: tuple[bool, T | None, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((False, item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put((False, None, exc))
            return
        put((True, None, None))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            done, item, error = waiting.get()
            if done:
                return
            if error is not None:
                raise error
            yield cast(T, item)
    finally:
        stop.set()
        thread.join()


def in_background(call: Callable[[], T]) -> Future[T]:
    """``call()`` running in a thread; ``.result()`` waits for it (and raises its error)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    future = pool.submit(call)
    pool.shutdown(wait=False)
    return future
