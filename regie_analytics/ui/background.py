"""Long computations in the background: started once per key in a thread shared by every session
(Streamlit's sessions are threads of one process), with their progress readable, and the page
showing that progress in Dutch until the result is there.

A page asks :func:`computed` for a result. Ready (or ready within :data:`INLINE_SECONDS`): it is
returned at once, so a quick computation (518 buurten) looks as before. Otherwise the page shows
``st.progress`` with the computation's Dutch label and stops there; a fragment checks the job
every :data:`REFRESH_SECONDS` and reruns the page when it is done. Every session asking for the
same key shares the one job. A failed computation raises its error in the page that asks for it
(the page guard says it in Dutch and logs it) and is started again on the next request.
Finished results are kept (the :data:`KEPT_RESULTS` most recently asked), as a cache.

A part of a page that can come later (:func:`pending`) never takes turns with the page run
that asked for it at Python's interpreter lock: a new job starts only when that run has ended
(the page shows its progress and reruns itself when it is done).

A job nobody is waiting for gives way to every page run: at each progress report
(:func:`regie_analytics.stats.progress.report`) it waits while a page run is in progress
(:func:`_give_way`), at most :data:`PAUSE_SECONDS` in all, so a filter change right after the
previous one does not share both cores with the side notes of that one. Work nobody asked for
yet (:func:`one_by_one`, the warm-up) also has its database statement in flight cancelled when a
page run starts, and run again once the page runs have ended (:func:`_should_yield`): a national
store's warm-up reads millions of rows in the database, which would otherwise take one of the
two cores from a filter change right after the first page.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import streamlit as st

from regie_analytics.stats.progress import interrupt, may_pause, reporting, yielding

_T = TypeVar("_T")

INLINE_SECONDS = 2.0
"""How long a page waits for a new computation before it shows the progress instead."""
REFRESH_SECONDS = 0.5
"""How often the progress on the page is brought up to date."""
PENDING_SECONDS = 0.3
"""How long :func:`pending` waits before it shows the progress and lets the page go on: in a
page run (:func:`page_run`) this is for all of its pending parts together."""
KEPT_RESULTS = 32
"""Finished results kept (the most recently asked first out last)."""
GIVE_WAY_AFTER = 0.25
"""Seconds a job computes before it gives way to page runs (:func:`_give_way`): a short one
(the demo store's side notes) is done sooner than a page would notice it, and pausing it
would keep that page polling for it."""
PAUSE_SECONDS = 10.0
"""How long :func:`one_by_one` waits at most, before each job, for the page runs in progress to
end, and how long a job gives way to page runs in all (:func:`_give_way`): so work nobody waits
for never stops for good while sessions keep the server busy."""


@dataclass
class Job:
    """One computation in the background: its Dutch label, progress (0-1), result or error."""

    label: str
    progress: float = 0.0
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    """Set when the job may start computing: at once, or (a job :func:`pending` deferred) when
    the page run that asked for it has ended, or as soon as anyone waits for its result."""
    started: float | None = None
    """When it started computing (``time.monotonic``), None before."""
    waiters: int = 0
    """Script runs waiting for its result now (:func:`_wait_done`; guarded by :data:`_RUNS`)."""
    paused: float = 0.0
    """Seconds it gave way to page runs (:func:`_give_way`)."""
    low: bool = False
    """Work nobody asked for yet (:func:`one_by_one`): it also gives way to the jobs that
    pages asked for."""

    def advance(self, share: float) -> None:
        """Record the share done (never going back)."""
        self.progress = max(self.progress, share)

    def computed(self) -> float:
        """Seconds it has computed so far: since it started, less the time it gave way to
        page runs (0 before it started)."""
        if self.started is None:
            return 0.0
        return max(0.0, time.monotonic() - self.started - self.paused)


_JOBS: OrderedDict[Hashable, Job] = OrderedDict()
_LOCK = threading.Lock()
_TOOK: dict[str, float] = {}
"""How many seconds the last job of each label took to compute, guarded by :data:`_LOCK`
(labels name the work and its size: "Sprongen zoeken in 14.066 gebieden")."""


def _run(job: Job, compute: Callable[[], Any]) -> None:
    global _asked
    job.released.wait()
    job.started = time.monotonic()
    asked = not job.low
    if asked:
        with _RUNS:
            _asked += 1
            _RUNS.notify_all()  # a warm-up job waiting its turn may hold what this one needs

    def reported(share: float) -> None:
        job.advance(share)
        if may_pause():  # not while it builds what others may wait for
            _give_way(job)

    try:
        turns = yielding(lambda: _should_yield(job), lambda lost: _wait_turn(job, lost))
        with reporting(reported), turns:
            job.result = compute()
        with _LOCK:
            _TOOK[job.label] = job.computed()
    except Exception as exc:  # raised again in the page that asks for it
        job.error = exc
    finally:
        job.progress = 1.0
        job.done.set()
        if asked:
            with _RUNS:
                _asked -= 1
                _RUNS.notify_all()


def expected_left(job: Job) -> float:
    """Seconds until ``job`` is likely done: by how long the last job of its label took; when
    none has finished yet, by its own progress so far (its share done in the time it has
    computed, or, before its first report, as long again as it has computed: a job still
    busy after a second is not waited for); 0 when done, or unknown and not started."""
    if job.done.is_set():
        return 0.0
    with _LOCK:
        took = _TOOK.get(job.label)
    if job.started is None:
        return 0.0 if took is None else took
    computed = job.computed()
    if took is not None:
        return max(0.0, took - computed)
    if job.progress > 0:
        return computed * (1 - job.progress) / job.progress
    return computed


def _claim(key: Hashable, label: str) -> tuple[Job, bool]:
    """The job of ``key`` and False when one exists, else a new one and True (the caller
    runs it)."""
    upgraded = False
    with _LOCK:
        job = _JOBS.get(key)
        if job is None:
            job = _JOBS[key] = Job(label=label)
            finished = [k for k, j in _JOBS.items() if j.done.is_set()]
            for old in finished[: max(0, len(finished) - KEPT_RESULTS)]:
                del _JOBS[old]
            return job, True
        _JOBS.move_to_end(key)
        upgraded, job.low = job.low, False  # asked for now
    if upgraded:  # a warm-up job waiting its turn (_wait_turn) goes on at once
        with _RUNS:
            _RUNS.notify_all()
    return job, False


def start(key: Hashable, compute: Callable[[], Any], *, label: str, low: bool = False) -> Job:
    """The job of ``key``: the one already started (by any session), or ``compute`` started
    now in a background thread (``low``: as :attr:`Job.low`). ``compute`` must not call
    Streamlit. A job a page run deferred (:func:`pending`) computes at once from here on."""
    job, new = _claim(key, label)
    if new:
        job.low = low
        threading.Thread(target=_run, args=(job, compute), name=label, daemon=True).start()
    job.released.set()
    return job


_RUNS = threading.Condition()
_running = 0
"""Page runs in progress (:func:`page_run`), guarded by :data:`_RUNS`."""
_last_end = 0.0
"""When the last page run ended (``time.monotonic``), guarded by :data:`_RUNS`."""
_asked = 0
"""Jobs computing that pages asked for (not :attr:`Job.low`), guarded by :data:`_RUNS`."""


def last_run_end() -> float:
    """When the last page run (:func:`page_run`) ended, in ``time.monotonic`` seconds."""
    with _RUNS:
        return _last_end


@contextmanager
def page_run() -> Iterator[None]:
    """Mark a page's script run in progress (``app.py`` runs every page inside it): the jobs
    of :func:`one_by_one` are not started while one is, so they do not take turns with it at
    Python's interpreter lock (a low priority does not help there) when a filter changes."""
    global _running, _last_end
    with _RUNS:
        _running += 1
    interrupt()  # the database statements of work nobody waits for, run again after this run
    _THIS_RUN.deadline = None
    _THIS_RUN.active = True
    _THIS_RUN.deferred = []
    try:
        yield
    finally:
        _THIS_RUN.active = False
        for job in _THIS_RUN.deferred:  # the jobs this run's pending parts asked for
            job.released.set()
        _THIS_RUN.deferred = []
        with _RUNS:
            _running -= 1
            _last_end = time.monotonic()
            _RUNS.notify_all()


_THIS_RUN = threading.local()
"""The script thread's page run: whether one is in progress and until when its pending parts
may wait (:func:`pending`)."""


def _wait_left(wait: float) -> float:
    """How long :func:`pending` may wait now: ``wait``, but in a page run the first pending
    part sets the run's deadline and later ones get what is left of it (two side notes of a
    page wait 0.3 s together, not one after the other)."""
    if not getattr(_THIS_RUN, "active", False):
        return wait
    now = time.monotonic()
    if _THIS_RUN.deadline is None:
        _THIS_RUN.deadline = now + wait
    return max(0.0, min(wait, _THIS_RUN.deadline - now))


def _give_way(job: Job) -> None:
    """In ``job``'s thread, at a progress report: once it has computed :data:`GIVE_WAY_AFTER`
    seconds, wait while a page run is in progress (for a :attr:`Job.low` job: or a job a page
    asked for computes) and no script run waits for the job, at most what is left of
    :data:`PAUSE_SECONDS` for the job in all (so it is never held up for good while sessions
    keep the server busy)."""

    def busy() -> bool:
        return _running > 0 or (job.low and _asked > 0)

    with _RUNS:
        left = PAUSE_SECONDS - job.paused
        if not busy() or job.waiters or left <= 0:
            return
        if job.computed() < GIVE_WAY_AFTER:  # 0 before it started
            return
        begin = time.monotonic()
        _RUNS.wait_for(lambda: not busy() or job.waiters > 0, timeout=left)
        job.paused += time.monotonic() - begin


def _should_yield(job: Job) -> bool:
    """Whether ``job``'s database statement in flight is cancelled when a page run starts (and
    run again after it, :func:`_wait_turn`): work nobody waits for (:attr:`Job.low`, no script
    run waiting for it) that has given way less than :data:`PAUSE_SECONDS` in all, while no job
    a page asked for computes (which may wait for what this one builds). Called by
    :func:`~regie_analytics.stats.progress.interrupt` without :data:`_RUNS` (plain reads)."""
    return job.low and not job.waiters and not _asked and job.paused < PAUSE_SECONDS


def _wait_turn(job: Job, lost: float) -> None:
    """In ``job``'s thread, after its statement gave way to a page run (``lost``: the seconds
    that run had taken, counted as given way: a statement cancelled again and again stops
    being cancelled): wait until no page run is in progress (or a job a page asked for
    computes, or a script run waits for this one), at most what is left of
    :data:`PAUSE_SECONDS` for it in all."""
    with _RUNS:
        job.paused += lost
        begin = time.monotonic()
        _RUNS.wait_for(
            lambda: not _running or _asked > 0 or job.waiters > 0 or not job.low,
            timeout=max(0.0, PAUSE_SECONDS - job.paused),
        )
        job.paused += time.monotonic() - begin


def _wait_done(job: Job, timeout: float | None = None) -> bool:
    """``job.done.wait(timeout)`` by a script run: meanwhile the job does not give way to page
    runs (:func:`_give_way`), since one is waiting for it."""
    with _RUNS:
        job.waiters += 1
        _RUNS.notify_all()
    try:
        return job.done.wait(timeout)
    finally:
        with _RUNS:
            job.waiters -= 1


def pages_quiet(*, timeout: float = PAUSE_SECONDS, asked: bool = False) -> bool:
    """Wait until no page run is in progress (:func:`page_run`; with ``asked``: and no job a
    page asked for computes), at most ``timeout`` seconds; whether none is."""
    with _RUNS:
        return _RUNS.wait_for(lambda: _running == 0 and not (asked and _asked), timeout=timeout)


def one_by_one(key: Hashable, jobs: Sequence[tuple[Hashable, Callable[[], Any], str]]) -> None:
    """Run the ``jobs`` (key, computation, label) one after another in one background
    thread of low priority (nice 10; the job of ``key``), for work nobody waits for yet,
    each started when no page run is in progress and no job a page asked for computes
    (:func:`pages_quiet`), and giving way to them (:attr:`Job.low`). A job a page started
    meanwhile is waited for, not run again; a page asking for one of these meanwhile shares
    it."""

    def run_all() -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only
        for job_key, compute, label in jobs:
            pages_quiet(asked=True)
            job, new = _claim(job_key, label)
            job.low = new
            job.released.set()
            if new:
                _run(job, compute)
            else:
                job.done.wait()

    start(key, run_all, label="Voorbereiden", low=True)


def forget(key: Hashable) -> None:
    """Drop the job of ``key`` (the next request computes it again)."""
    with _LOCK:
        _JOBS.pop(key, None)


def progress_text(job: Job) -> str:
    """The Dutch text under the progress bar."""
    done = round(job.progress * 100)
    return f"{job.label}… {done}% klaar; de pagina gaat verder zodra het klaar is."


def _finished(key: Hashable, job: Job) -> Any:
    """The result of a finished job, or its error raised (and the job forgotten)."""
    if job.error is not None:
        forget(key)
        raise job.error
    return job.result


def _show_progress(job: Job) -> None:
    """The job's progress on the page, brought up to date until it is done; then the page
    reruns."""

    @st.fragment(run_every=REFRESH_SECONDS)
    def show_progress() -> None:
        if job.done.is_set():
            st.rerun(scope="app")
        st.progress(job.progress, text=progress_text(job))

    show_progress()


def computed(key: Hashable, compute: Callable[[], _T], *, label: str) -> _T:
    """The result of ``compute``, computed once per ``key`` in the background (see the module).

    Returns it when ready within :data:`INLINE_SECONDS`; otherwise shows the progress and
    stops the page (it reruns itself when the result is there). The job's error, if any, is
    raised here (and the job forgotten, so the next request tries again).
    """
    job = start(key, compute, label=label)
    if _wait_done(job, INLINE_SECONDS):
        return cast(_T, _finished(key, job))
    _show_progress(job)
    st.stop()


def pending(
    key: Hashable, compute: Callable[[], _T], *, label: str, wait: float = PENDING_SECONDS
) -> _T | None:
    """The result of ``compute`` (computed once per ``key`` in the background) when ready
    within ``wait`` seconds (in a page run: what is left of the first pending part's wait;
    not waited for at all when the last job of its label took longer than what is left of
    it: :func:`expected_left`); otherwise its progress in this place and None, and the page
    goes on (it reruns itself when the result is there): for a part of a page that can come
    later.
    The job's error, if any, is raised here.

    In a page run (:func:`page_run`) a new job is not computed beside the run: it starts
    when the run has ended (None at once; the page reruns itself when it is done)."""
    if not getattr(_THIS_RUN, "active", False):  # not a page run: nothing to keep apart
        job = start(key, compute, label=label)
    else:
        job, new = _claim(key, label)
        if new:  # computed once this run has ended
            _THIS_RUN.deferred.append(job)
            threading.Thread(target=_run, args=(job, compute), name=label, daemon=True).start()
            _show_progress(job)
            return None
    left = _wait_left(wait)
    # not waited for when it will not be done in time (a national store's hot spots take
    # seconds): its progress shows at once, and the page reruns when it is done
    if expected_left(job) <= left and _wait_done(job, left):
        return cast(_T, _finished(key, job))
    _show_progress(job)
    return None


def waited(key: Hashable, compute: Callable[[], _T], *, label: str) -> _T:
    """The result of ``compute``, computed once per ``key`` in the background and waited for
    (the job another session or :func:`pending` started is shared, not started again)."""
    job = start(key, compute, label=label)
    _wait_done(job)
    return cast(_T, _finished(key, job))
