"""Work nobody waits for yet (the warm-up, ``background.one_by_one``) gives way to page runs in
the database too: a PostgreSQL statement it has in flight when a page run starts is cancelled,
and run again from the start once the page runs have ended, so a national store's warm-up does
not take a core from the filter change right after the first page. Statements of work a page
asked for, or built while a page may wait for them, are never cancelled; nor is a cancel from
elsewhere taken for a pause. Checked on a real PostgreSQL, with its own ``pg_stat_activity``."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from regie_analytics.stats import progress
from regie_analytics.store import PostgresStore
from regie_analytics.store.pgengine import PostgresEngine
from regie_analytics.ui import background
from tests.conftest import SAMPLE_IMPORTS, cli
from tests.test_background import _page_running

SLEEP_S = 2.0
"""How long the test statement runs (``pg_sleep``)."""


@pytest.fixture(scope="module")
def engine(pg_url: str) -> Iterator[PostgresEngine]:
    url = f"{pg_url}?options=-csearch_path%3Dwijken"
    signalen, preset = SAMPLE_IMPORTS[2]
    assert cli("import", signalen, "--preset", preset, "--store", url).code == 0
    store = PostgresStore(url)
    yield store.engine(str(store.current))


def _sleeping(pg_url: str, tag: str) -> int:
    """How many statements of the test (marked ``tag``) the server is running now."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
            "AND pid <> pg_backend_pid()",
            (f"%{tag}%",),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _statement(engine: PostgresEngine, tag: str, ends: list[float]) -> object:
    """The test statement's value (7), its end noted in ``ends``."""
    frame = engine.query(f"SELECT 7 AS x, '{tag}' AS tag FROM pg_sleep({SLEEP_S})")
    ends.append(time.monotonic())
    return int(frame["x"].iloc[0])


def _warm_up(pg_url: str, tag: str, key: str, compute: Callable[[], object]) -> None:
    """``compute`` started as a warm-up job (``background.one_by_one``, job ``(tag, key)``),
    returning once its statement runs in the server."""
    background.one_by_one((tag, f"warm {key}"), [((tag, key), compute, f"{key} {tag}")])
    assert _until(lambda: _sleeping(pg_url, tag) == 1)


def _until(condition: object, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.subprocess
def test_the_warm_ups_statement_gives_way_to_a_page_run_and_runs_again_after_it(
    engine: PostgresEngine, pg_url: str
) -> None:
    tag = uuid.uuid4().hex
    ends: list[float] = []
    _warm_up(pg_url, tag, "w", lambda: _statement(engine, tag, ends))  # in flight
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 0  # cancelled when the page run started
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 0  # and not run again while the page runs
        ended = time.monotonic()
    assert _until(lambda: _sleeping(pg_url, tag) == 1)  # run again after it
    job = background.start((tag, "w"), lambda: None, label=f"w {tag}")
    assert job.done.wait(30) and job.error is None and job.result == 7
    assert ends[0] - ended >= SLEEP_S - 0.05  # from the start
    assert job.paused >= 0.9


@pytest.mark.subprocess
def test_a_statement_a_page_asked_for_runs_on(engine: PostgresEngine, pg_url: str) -> None:
    tag = uuid.uuid4().hex
    ends: list[float] = []
    asked = background.start(
        (tag, "gevraagd"), lambda: _statement(engine, tag, ends), label=f"gevraagd {tag}"
    )
    assert _until(lambda: _sleeping(pg_url, tag) == 1)
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 1  # not cancelled
        assert asked.done.wait(30) and asked.result == 7 and len(ends) == 1


@pytest.mark.subprocess
def test_a_warm_up_statement_for_a_table_a_page_may_wait_for_runs_on(
    engine: PostgresEngine, pg_url: str
) -> None:
    """Built within a snapshot's table lock (not a ``shared:`` table, which only background
    jobs use): a page run may be waiting for that lock, so the statement is not cancelled."""
    from regie_analytics.snapshot import Snapshot

    tag = uuid.uuid4().hex
    ends: list[float] = []
    holder = type("Holder", (), {})()  # the snapshot's lock and kept tables, nothing else
    holder._lock, holder._locks, holder._kept = threading.Lock(), {}, {}

    def build(kind: str) -> object:
        return Snapshot._derived(  # type: ignore[arg-type]
            holder, kind, tag, lambda: _statement(engine, tag, ends)
        )

    _warm_up(pg_url, tag, "bouwt", lambda: build("weights"))
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 1  # not cancelled
        job = background.start((tag, "bouwt"), lambda: None, label=f"bouwt {tag}")
        assert job.done.wait(30) and job.result == 7 and len(ends) == 1
    # the same within a table only background jobs share: cancelled
    _warm_up(pg_url, tag, "deelt", lambda: build("shared:x"))
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 0


@pytest.mark.subprocess
def test_a_cancel_from_elsewhere_is_an_error_not_a_pause(
    engine: PostgresEngine, pg_url: str
) -> None:
    tag = uuid.uuid4().hex
    ends: list[float] = []
    _warm_up(pg_url, tag, "w", lambda: _statement(engine, tag, ends))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' "
            "AND query LIKE %s AND pid <> pg_backend_pid()",
            (f"%{tag}%",),
        )
    job = background.start((tag, "w"), lambda: None, label=f"w {tag}")
    assert job.done.wait(30)
    assert isinstance(job.error, psycopg.errors.QueryCanceled) and not ends


@pytest.mark.subprocess
def test_a_statement_cancelled_again_and_again_stops_being_cancelled(
    engine: PostgresEngine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short page runs coming faster than the statement takes: each cancelled run's time
    counts as given way, so after :data:`background.PAUSE_SECONDS` in all it runs to the end
    (not cancelled and started again for as long as page runs keep coming)."""
    monkeypatch.setattr(background, "PAUSE_SECONDS", 1.5)
    tag = uuid.uuid4().hex
    ends: list[float] = []
    _warm_up(pg_url, tag, "w", lambda: _statement(engine, tag, ends))
    began = time.monotonic()
    job = background._JOBS[(tag, "w")]  # not asked for (start would ask for it)
    while not job.done.is_set() and time.monotonic() - began < 20:
        with background.page_run():  # 50 ms page runs, 0.3 s apart
            time.sleep(0.05)
        time.sleep(0.25)
    assert job.done.is_set() and job.result == 7
    # 1.5 s given way (cancelled runs and waits), then one whole run of 2 s
    assert ends[0] - began < 1.5 + SLEEP_S + 1.5
    assert job.paused >= 1.5


@pytest.mark.subprocess
def test_a_job_asked_for_does_not_wait_for_a_cancelled_warm_up_holding_its_table(
    engine: PostgresEngine, pg_url: str
) -> None:
    """A warm-up job's statement cancelled within a table only background jobs share (it
    keeps that table's lock while it waits its turn): a job a page then asks for, which needs
    the same table, wakes it at once, so both go on while the page run still lasts."""
    from regie_analytics.snapshot import Snapshot

    tag = uuid.uuid4().hex
    ends: list[float] = []
    holder = type("Holder", (), {})()  # the snapshot's lock and kept tables, nothing else
    holder._lock, holder._locks, holder._kept = threading.Lock(), {}, {}

    def table() -> object:
        return Snapshot._derived(  # type: ignore[arg-type]
            holder, "shared:x", tag, lambda: _statement(engine, tag, ends)
        )

    _warm_up(pg_url, tag, "warm-job", table)
    with _page_running():
        time.sleep(0.3)
        assert _sleeping(pg_url, tag) == 0  # cancelled: it waits its turn, lock held
        asked = background.start((tag, "gevraagd"), table, label=f"gevraagd {tag}")
        began = time.monotonic()
        assert asked.done.wait(SLEEP_S + 3) and asked.result == 7  # the page still runs
        assert time.monotonic() - began < SLEEP_S + 3 and len(ends) == 1


@pytest.mark.subprocess
def test_statements_run_side_by_side_keep_the_jobs_standing(
    engine: PostgresEngine, pg_url: str
) -> None:
    """A job's statements run at the same time (``progress.in_parallel``: the two halves of
    a cut by area) give way to a page run as the job's own statement does, and run again
    after it; within what a page may wait for (``progress.holding``) they run on."""
    tag = uuid.uuid4().hex
    ends: list[float] = []

    def halves() -> list[object]:
        return progress.in_parallel([lambda: _statement(engine, tag, ends)] * 2, "halves")

    background.one_by_one((tag, "warm"), [((tag, "w"), halves, f"w {tag}")])
    assert _until(lambda: _sleeping(pg_url, tag) == 2)
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, tag) == 0  # both cancelled when the page run started
        ended = time.monotonic()
    assert _until(lambda: _sleeping(pg_url, tag) == 2)  # both run again after it
    job = background.start((tag, "w"), lambda: None, label=f"w {tag}")
    assert job.done.wait(30) and job.error is None and job.result == [7, 7]
    assert len(ends) == 2 and min(ends) - ended >= SLEEP_S - 0.05  # from the start

    held = uuid.uuid4().hex

    def held_halves() -> list[object]:
        with progress.holding():
            return progress.in_parallel([lambda: _statement(engine, held, ends)] * 2, "held")

    background.one_by_one((held, "warm"), [((held, "w"), held_halves, f"w {held}")])
    assert _until(lambda: _sleeping(pg_url, held) == 2)
    with _page_running():
        time.sleep(0.5)
        assert _sleeping(pg_url, held) == 2  # not cancelled
    job = background.start((held, "w"), lambda: None, label=f"w {held}")
    assert job.done.wait(30) and job.error is None and job.result == [7, 7]
