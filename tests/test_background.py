"""Background computations: one job per key shared by every session (thread), its progress
readable, the page showing it in Dutch until the result is there, errors raised in the page."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics.schema import InputError
from regie_analytics.stats import progress
from regie_analytics.ui import background

RELEASE = threading.Event()
"""Holds the page test's computation until the test lets it finish."""


@contextmanager
def _page_running() -> Iterator[None]:
    """A page run in progress in another thread for the block's length (at most 10 s)."""
    started, may_end = threading.Event(), threading.Event()

    def page() -> None:
        with background.page_run():
            started.set()
            may_end.wait(10)

    running = threading.Thread(target=page)
    running.start()
    try:
        assert started.wait(10)
        yield
    finally:
        may_end.set()
        running.join(10)


def _slow_sum() -> int:
    progress.report(0.25)
    RELEASE.wait(30)
    return 42


def _page() -> None:
    import streamlit as st

    from regie_analytics.ui import background
    from tests.test_background import _slow_sum

    result = background.computed(("pagina", "test"), _slow_sum, label="Optellen")
    st.write(f"Uitkomst: {result}")


def test_one_job_per_key_shared_by_every_session():
    key = ("gedeeld", uuid.uuid4().hex)
    go, calls, lock = threading.Event(), [], threading.Lock()

    def compute() -> str:
        with lock:
            calls.append(1)
        progress.report(0.4)
        go.wait(10)
        return "klaar"

    jobs: list[background.Job] = []
    sessions = [
        threading.Thread(target=lambda: jobs.append(background.start(key, compute, label="x")))
        for _ in range(8)
    ]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert len(jobs) == 8 and all(job is jobs[0] for job in jobs)
    job = jobs[0]
    for _ in range(200):  # the progress is readable while it runs
        if job.progress == 0.4:
            break
        threading.Event().wait(0.01)
    assert job.progress == 0.4 and not job.done.is_set()
    go.set()
    assert job.done.wait(10)
    assert job.result == "klaar" and job.progress == 1.0
    assert background.computed(key, compute, label="x") == "klaar"
    assert calls == [1]  # computed once, for all eight sessions and the later request


def test_an_error_reaches_the_page_and_the_next_request_tries_again():
    key = ("fout", uuid.uuid4().hex)
    attempts: list[int] = []

    def compute() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise InputError("te weinig maanden.", hint="kies een langere periode.")
        return 7

    with pytest.raises(InputError, match="te weinig maanden"):
        background.computed(key, compute, label="Rekenen")
    assert background.computed(key, compute, label="Rekenen") == 7
    assert len(attempts) == 2


def test_the_page_shows_dutch_progress_until_the_result_is_there():
    from tests import test_background as page_module  # the module the page imports

    page_module.RELEASE.clear()
    background.forget(("pagina", "test"))
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    bars = at.get("progress")
    assert len(bars) == 1
    text = bars[0].proto.text
    assert text.startswith("Optellen… 25% klaar") and "gaat verder" in text
    assert not any("Uitkomst" in m.value for m in at.markdown)
    page_module.RELEASE.set()
    job = background.start(("pagina", "test"), _slow_sum, label="Optellen")
    assert job.done.wait(10)
    at.run()
    assert not at.get("progress")
    assert [m.value for m in at.markdown] == ["Uitkomst: 42"]


def test_the_warm_up_starts_no_job_while_a_page_runs():
    """:func:`background.one_by_one` waits before each job until no page run is in progress
    (the jobs would take turns with the page at the interpreter lock), then runs them all; a
    page that ends by ``st.stop`` (an exception) ends its run too."""
    started: list[str] = []
    ran = {"a": threading.Event(), "b": threading.Event()}

    def job(name: str) -> str:
        started.append(name)
        ran[name].set()
        return name

    tag = uuid.uuid4().hex
    keys = [(tag, name) for name in ("a", "b")]
    with _page_running():
        background.one_by_one(
            ("warm_up", tag), [(key, lambda n=key[1]: job(n), f"taak {key[1]}") for key in keys]
        )
        assert not ran["a"].wait(0.5)  # held while the page runs
        assert started == [] and not background.pages_quiet(timeout=0.1)
    assert ran["b"].wait(10)
    assert background.waited(keys[1], lambda: "nooit", label="x") == "b"  # the warm-up's result
    assert started == ["a", "b"]
    with pytest.raises(RuntimeError), background.page_run():  # st.stop and errors end it too
        raise RuntimeError("gestopt")
    assert background.pages_quiet(timeout=1)


def test_the_pending_parts_of_one_page_run_wait_together():
    """In a page run a new pending part is not waited for (it starts when the run ends); a part
    started before is, the later ones for only what is left of the first one's wait (two side
    notes do not each hold the page); outside a page run each waits its own."""
    tag = uuid.uuid4().hex
    first_done, second_done = threading.Event(), threading.Event()
    threading.Timer(0.6, second_done.set).start()  # the second job ends 0.6 s from now

    def first() -> str:
        first_done.wait(30)  # ends only when the test lets it
        return "eerste"

    def second() -> str:
        second_done.wait(30)
        return "tweede"

    try:
        with background.page_run():
            assert background.pending((tag, 1), first, label="a", wait=0.2) is None
            # its deadline has passed: the second part does not wait its 20 s
            assert background.pending((tag, 2), second, label="b", wait=20) is None
            assert not second_done.is_set()
        # a new run (or none) waits again: the same second job's result is there in time
        with background.page_run():
            assert background.pending((tag, 2), second, label="b", wait=20) == "tweede"
        assert background.pending((tag, 1), first, label="a", wait=0.01) is None
    finally:
        first_done.set()
        second_done.set()


def test_a_side_part_asked_for_in_a_page_run_is_computed_after_the_run():
    """A new job of :func:`background.pending` in a page run does not take turns with the run
    at the interpreter lock: it starts when the run has ended, once for every asker."""
    tag = uuid.uuid4().hex
    calls: list[int] = []
    page_may_end = threading.Event()
    answers: list[object] = []

    def compute() -> str:
        calls.append(threading.get_ident())
        return "later"

    def page() -> None:
        with background.page_run():
            answers.append(background.pending((tag, 1), compute, label=f"deel {tag}"))
            page_may_end.wait(10)

    running = threading.Thread(target=page)
    running.start()
    threading.Event().wait(0.3)
    assert answers == [None] and calls == []  # not computed while the run lasts
    page_may_end.set()
    running.join(10)
    job = background.start((tag, 1), compute, label=f"deel {tag}")
    assert job.done.wait(10)
    with background.page_run():
        assert background.pending((tag, 1), compute, label=f"deel {tag}") == "later"
    assert len(calls) == 1 and calls[0] != running.ident


def test_waiting_for_a_side_part_in_the_run_that_deferred_it_computes_it_at_once():
    """A deferred job that the same run then needs (:func:`background.waited`) is computed at
    once: the run never waits for itself."""
    tag = uuid.uuid4().hex
    with background.page_run():
        assert background.pending((tag,), lambda: 5, label=f"nodig {tag}") is None
        assert background.waited((tag,), lambda: 6, label=f"nodig {tag}") == 5


def test_a_side_part_that_took_long_before_is_not_waited_for():
    """A pending part whose label's last job took longer than the run may wait (a national
    store's hot spots) is not waited for: its progress shows at once. One whose label's last
    job took less is waited for, and so is one whose label has never finished (unknown)."""
    tag = uuid.uuid4().hex
    slow_label, quick_label = f"lang {tag}", f"kort {tag}"
    held = threading.Event()

    def slow() -> str:
        held.wait(30)
        return "lang"

    def quick() -> str:
        threading.Event().wait(0.3)
        return "kort"

    try:
        # never finished before: unknown, waited for (within 2 s), and its duration recorded
        background.start((tag, "q1"), quick, label=quick_label)
        with background.page_run():
            assert background.pending((tag, "q1"), quick, label=quick_label, wait=2.0) == "kort"
        assert 0.25 < background._TOOK[quick_label] < 2.0
        # took about 0.3 s before: a new one is waited for and its result shown in this run
        background.start((tag, "q2"), quick, label=quick_label)
        with background.page_run():
            assert background.pending((tag, "q2"), quick, label=quick_label, wait=2.0) == "kort"
        # took 5 s before: not waited for, the run goes on at once
        background._TOOK[slow_label] = 5.0
        job = background.start((tag, "s1"), slow, label=slow_label)
        assert 4.0 < background.expected_left(job) <= 5.0
        started = time.monotonic()
        with background.page_run():
            assert background.pending((tag, "s1"), slow, label=slow_label, wait=2.0) is None
        assert time.monotonic() - started < 1.0  # not the 2 s of its wait
        held.set()
        assert job.done.wait(10) and background.expected_left(job) == 0.0
        with background.page_run():
            assert background.pending((tag, "s1"), slow, label=slow_label, wait=2.0) == "lang"
    finally:
        held.set()


def test_a_job_gives_way_to_page_runs_at_its_progress_reports_unless_a_run_waits_for_it():
    """While a page run is in progress, a job nobody waits for that has computed a while
    (:data:`background.GIVE_WAY_AFTER`) stops at its next progress report (it would share the
    cores and the interpreter lock with the run) and goes on when the run ends; a short job
    does not stop (it is done before the page would notice), nor does a job a script run
    waits for (the run would wait for itself)."""
    tag = uuid.uuid4().hex
    reached, steps = threading.Event(), []
    go_on = threading.Event()

    def compute() -> str:
        reached.set()
        go_on.wait(10)
        progress.report(0.5)  # here it gives way while the page runs
        steps.append("na het verslag")
        return "klaar"

    def short() -> str:
        progress.report(0.5)  # at once: no reason to stop
        return "kort"

    job = background.start((tag, "wijkt"), compute, label=f"wijkt {tag}")
    assert reached.wait(10)
    with _page_running():
        quick = background.start((tag, "kort"), short, label=f"kort {tag}")
        assert quick.done.wait(2) and quick.paused == 0.0  # not held while the page runs
        threading.Event().wait(background.GIVE_WAY_AFTER)  # the long job has computed a while
        go_on.set()
        assert not job.done.wait(0.5) and steps == []  # held at its report while the page runs
    assert job.done.wait(10) and steps == ["na het verslag"]
    assert 0.4 < job.paused < 5.0  # the time it gave way, not counted as computing
    assert background._TOOK[f"wijkt {tag}"] < background.GIVE_WAY_AFTER + 1.0

    # a job the page run itself waits for goes on through its reports
    def reports() -> int:
        for share in (0.25, 0.5, 0.75):
            progress.report(share)
        return 3

    started = time.monotonic()
    with background.page_run():
        assert background.waited((tag, "nodig"), reports, label=f"nodig {tag}") == 3
    assert time.monotonic() - started < 2.0


def test_a_job_of_unknown_duration_is_expected_to_take_as_long_again_as_it_has():
    """Without an earlier job of its label: before its first report a job is expected to need as
    long again as it has computed, after a report the rest at the same pace; so a national
    store's first jumps (seconds) are not waited for once they have run a while."""
    tag = uuid.uuid4().hex
    label = f"onbekend {tag}"
    hold, report, reported = threading.Event(), threading.Event(), threading.Event()

    def compute() -> str:
        report.wait(10)
        progress.report(0.8)
        reported.set()
        hold.wait(10)
        return "klaar"

    try:
        job = background.start((tag, 1), compute, label=label)
        threading.Event().wait(0.6)
        assert 0.5 < background.expected_left(job) < 1.5  # as long again as it has computed
        with background.page_run():  # more than the run's 0.3 s: not waited for
            started = time.monotonic()
            assert background.pending((tag, 1), compute, label=label) is None
            assert time.monotonic() - started < 0.2
        report.set()
        assert reported.wait(10)
        computed = time.monotonic() - cast(float, job.started)
        # 80 % in `computed` seconds: a quarter of that left
        assert 0.8 * computed / 4 < background.expected_left(job) <= computed / 4 + 0.05
    finally:
        report.set()
        hold.set()
    assert job.done.wait(10) and background.expected_left(job) == 0.0


def test_the_warm_up_gives_way_to_a_job_a_page_asked_for():
    """A warm-up job (:func:`background.one_by_one`) is not started while a job a page asked
    for computes, and one already computing stops at its progress reports until that job is
    done."""
    tag = uuid.uuid4().hex
    steps: list[str] = []
    asked_may_end, inside, go_on = threading.Event(), threading.Event(), threading.Event()

    def asked() -> str:
        asked_may_end.wait(10)
        return "gevraagd"

    def warm() -> str:
        inside.set()
        go_on.wait(10)
        progress.report(0.5)  # gives way here while the asked job computes
        steps.append("verder")
        return "voorbereid"

    background.one_by_one((tag, "warm"), [((tag, "w"), warm, f"warm {tag}")])
    assert inside.wait(10)
    threading.Event().wait(background.GIVE_WAY_AFTER)  # it has computed a while
    wanted = background.start((tag, "gevraagd"), asked, label=f"gevraagd {tag}")
    threading.Event().wait(0.2)  # it computes
    assert not background.pages_quiet(timeout=0.1, asked=True)  # a next warm-up job waits
    go_on.set()
    threading.Event().wait(0.5)
    assert steps == []  # held at its report
    asked_may_end.set()
    assert wanted.done.wait(10)
    assert background.waited((tag, "w"), lambda: "nooit", label=f"warm {tag}") == "voorbereid"
    assert steps == ["verder"] and background.pages_quiet(timeout=1, asked=True)


def test_a_job_does_not_give_way_while_it_builds_what_others_wait_for():
    """Within ``progress.holding`` (a snapshot's shared table being built, whose lock other jobs
    and runs may wait on) a job's reports do not stop it, even while a page runs: a page waiting
    for another job that waits for that table would otherwise wait for the pause too."""
    from regie_analytics.snapshot import Snapshot

    tag = uuid.uuid4().hex

    def build() -> str:
        threading.Event().wait(background.GIVE_WAY_AFTER + 0.05)  # computed a while
        progress.report(0.5)  # inside the build: not held although the page runs
        return "tabel"

    holder = type("Holder", (), {})()  # the snapshot's lock and kept tables, nothing else
    holder._lock, holder._locks, holder._kept = threading.Lock(), {}, {}

    def compute() -> str:
        return Snapshot._derived(holder, "test", tag, build)  # type: ignore[arg-type]

    with _page_running():
        job = background.start((tag, "bouwt"), compute, label=f"bouwt {tag}")
        assert job.done.wait(2) and job.result == "tabel" and job.paused == 0.0
        assert progress.may_pause()  # the test's thread itself holds nothing


class _Cancelled(Exception):
    pass


def _statement() -> int:
    """A stand-in for a database statement of 3 s that gives way (``run_statement``): an
    interrupt ends it at once, and it runs again from the start."""

    def attempt(guard: progress.Guard) -> int:
        stop = threading.Event()
        with guard(stop.set):
            if stop.wait(3.0):
                raise _Cancelled
        return 7

    return progress.run_statement(attempt, _Cancelled)


def test_statements_side_by_side_count_their_pause_once() -> None:
    """A warm-up job's statements run at the same time (``progress.in_parallel``, the halves
    of a cut by area) give way to a page run together, and the job's time given way counts
    that run once (as one statement's), so it goes on giving way as long as one would."""
    paused = {}
    for n in (1, 2):
        key = (uuid.uuid4().hex, n)

        def compute(n: int = n) -> object:
            return progress.in_parallel([_statement] * n, "zij") if n > 1 else _statement()

        background.one_by_one((key, "warm"), [(key, compute, f"zij {key}")])
        time.sleep(0.3)
        with background.page_run():
            time.sleep(1.0)
        job = background._JOBS[key]
        assert job.done.wait(10) and job.error is None
        assert job.result == ([7, 7] if n > 1 else 7)
        paused[n] = job.paused
    assert paused[1] >= 0.9  # the page run's second, and the cancelled run's time
    assert abs(paused[2] - paused[1]) < 0.3, paused
