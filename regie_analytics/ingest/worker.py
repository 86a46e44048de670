"""Batches of a large import checked on both cores: :class:`BatchWorker` is a second Python
process (a fresh interpreter, like the boundaries child) that checks, locates and classifies
the batches it is sent while this process checks others.

Each batch is checked against a report of its own (:func:`checked_batch`); the batches' reports
and tallies are added to the import's in batch order (:func:`absorb`), so the report, its
example rows and the records are the same whichever process checked which batch. A batch the
worker could not check (an error, or the worker gone) is checked here again, so an error is
raised here, at its place in the sequence, as it would be without the worker.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import IO, Any

import pandas as pd

from regie_analytics.ingest.batches import _Context, _Tally
from regie_analytics.ingest.report import MAX_EXAMPLES, ImportReport

WORKER_ROWS = 400_000
"""Inputs with fewer rows are checked in this process alone: starting the worker (importing
pandas, geopandas and the areas) costs more than it saves."""
DEPTH = 2
"""Batches waiting for or in the worker; further batches are checked here meanwhile."""

_LENGTH = struct.Struct("<Q")
_SERVE = "from regie_analytics.ingest.worker import serve; serve()"


def _no_read(fields: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    """The worker's extract reads nothing: batches are sent to it."""
    return iter(())


def _blank(report: ImportReport) -> ImportReport:
    """A report for one batch: what its messages name (file, source, window), no figures."""
    return ImportReport(
        file=report.file,
        preset=report.preset,
        source=report.source,
        kind=report.kind,
        window=report.window,
    )


def checked_batch(
    ctx: _Context, part: pd.DataFrame, check: Callable[[_Context, pd.DataFrame], pd.DataFrame]
) -> tuple[pd.DataFrame, ImportReport, dict[str, _Tally]]:
    """``check(ctx, part)`` against a report and tallies of this batch alone (see
    :func:`absorb`): the checked batch, its report and its tallies."""
    own = replace(ctx, report=_blank(ctx.report), tallies={})
    return check(own, part), own.report, own.tallies


_COUNTS = tuple(f.name for f in fields(ImportReport) if f.type in ("int", int))


def absorb(ctx: _Context, report: ImportReport, tallies: dict[str, _Tally]) -> None:
    """Add one batch's report and tallies to the import's (batches in order): figures summed,
    example rows kept up to :data:`MAX_EXAMPLES` per kind in order, the first bad value kept."""
    total = ctx.report
    for name in _COUNTS:
        setattr(total, name, getattr(total, name) + getattr(report, name))
    have = Counter(p.kind for p in total.problems)
    for problem in report.problems:
        if have[problem.kind] < MAX_EXAMPLES:
            total.problems.append(problem)
            have[problem.kind] += 1
    for column, tally in tallies.items():
        mine = ctx.tally(column)
        mine.present += tally.present
        mine.bad += tally.bad
        mine.first = mine.first if mine.first is not None else tally.first


def _send(stream: IO[bytes], item: object) -> None:
    data = pickle.dumps(item, protocol=5)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next item, or ``None`` at the end of the stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def serve() -> None:
    """The worker: the context first, then ``(index, batch)`` items, each answered with
    ``(index, checked batch, report, tallies)``, or ``(index, None, None, None)`` when the
    batch raised (the sender checks it again itself)."""
    from regie_analytics.ingest.signals import _signal_batch

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answers
    ctx = _receive(inp)
    if ctx is None:
        return
    while (item := _receive(inp)) is not None:
        index, part = item
        answer: tuple[Any, ...]
        try:
            answer = (index, *checked_batch(ctx, part, _signal_batch))
        except Exception:  # checked again by the sender, which raises it at its place
            answer = (index, None, None, None)
        _send(out, answer)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


class BatchWorker:
    """A second process checking batches with ``check`` (a module-level function the worker
    imports: :func:`regie_analytics.ingest.signals._signal_batch`).

    :meth:`checked` yields every batch checked, in order, each with its report and tallies;
    the worker takes up to :data:`DEPTH` of them at a time and this process the others.
    """

    def __init__(self, ctx: _Context) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # this very package
        path = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._stop = weakref.finalize(self, _stop, self._process)
        self._outbox: queue.Queue[object] = queue.Queue()
        self._answers: dict[int, tuple[Any, ...] | None] = {}
        self._ready = threading.Condition()
        self._gone = False
        shipped = replace(
            ctx,
            extract=replace(ctx.extract, read=_no_read, notes=[]),
            report=_blank(ctx.report),
            tallies={},
        )
        self._outbox.put(shipped)
        self._threads = [
            threading.Thread(target=self._write, name="batch-worker-in", daemon=True),
            threading.Thread(target=self._read, name="batch-worker-out", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _write(self) -> None:
        stream = self._process.stdin
        assert stream is not None
        try:
            while (item := self._outbox.get()) is not None:
                _send(stream, item)
            stream.close()
        except OSError:  # the worker is gone: what it had is checked here
            self._lost()

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        try:
            while (answer := _receive(stream)) is not None:
                with self._ready:
                    self._answers[answer[0]] = answer[1:] if answer[1] is not None else None
                    self._ready.notify_all()
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        self._lost()

    def _lost(self) -> None:
        with self._ready:
            self._gone = True
            self._ready.notify_all()

    def _answer(self, index: int) -> tuple[Any, ...] | None:
        """The worker's answer for batch ``index`` (waiting for it); ``None`` when it could
        not check it."""
        with self._ready:
            while index not in self._answers and not self._gone:
                self._ready.wait()
            return self._answers.pop(index, None)

    def checked(
        self,
        ctx: _Context,
        parts: Iterable[pd.DataFrame],
        check: Callable[[_Context, pd.DataFrame], pd.DataFrame],
    ) -> Iterator[tuple[pd.DataFrame, ImportReport, dict[str, _Tally]]]:
        """Every batch of ``parts`` checked (by the worker or here), in order."""
        pending: deque[tuple[int, pd.DataFrame, tuple[Any, ...] | None]] = deque()
        sent = 0
        try:
            for index, part in enumerate(parts):
                if sent < DEPTH and not self._gone:
                    self._outbox.put((index, part))
                    pending.append((index, part, None))
                    sent += 1
                else:
                    pending.append((index, part, checked_batch(ctx, part, check)))
                while pending and (pending[0][2] is not None or self._has(pending[0][0])):
                    index_done, part_done, done = pending.popleft()
                    if done is None:
                        sent -= 1
                        done = self._answer(index_done) or checked_batch(ctx, part_done, check)
                    yield done  # type: ignore[misc]
            while pending:
                index_done, part_done, done = pending.popleft()
                if done is None:
                    done = self._answer(index_done) or checked_batch(ctx, part_done, check)
                yield done  # type: ignore[misc]
        finally:
            self.close()

    def _has(self, index: int) -> bool:
        with self._ready:
            return index in self._answers or self._gone

    def close(self) -> None:
        """Stop the worker and close its pipes."""
        self._outbox.put(None)
        self._stop()
        for thread in self._threads:
            thread.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):  # a batch left unsent: the worker is gone
                    stream.close()
