"""A new signal part's ``signal_leads`` are computed in memory as its records are copied
(``pgleads.LeadTap``) instead of PostgreSQL reading the signals back: the lead times by hand
(microseconds as ``COPY`` writes them: nanoseconds dropped, a time zone's wall-clock time kept),
the rows in order of the month received, the domain, the channel, the area code and the time
received; on a real server the same rows as PostgreSQL's own ``LEAD_TIME_SQL`` over the stored
signals, in that order on disk, which is also the order of ``LEADS_INSERT`` (a part written
before the table existed)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from regie_analytics.lead_sql import LEAD_COLUMNS, LEAD_TIME_SQL
from regie_analytics.schema import CUBE_COLUMNS
from regie_analytics.store import pgleads, pgwrite
from regie_analytics.store.pgleads import LeadTap
from tests.pg import c_order

HOUR_US = 3_600 * 10**6
ORDER = [22, 11, 15, 12, 16, 21, 13, 14]
"""The record keys of :func:`_batches` in the lead rows' order (see the first test)."""


def _batches() -> list[pd.DataFrame]:
    """Two batches of signal records: different categories, a time with nanoseconds, three
    signals received at the same time (two of them in the same domain, channel and area), an
    area before another received earlier, open signals, one without a time received, and a
    batch whose times carry a time zone."""
    first = pd.DataFrame(
        {
            "received_at": pd.to_datetime(
                [
                    "2025-03-01 10:00:00.0000009",  # 900 ns: 10:00:00.000000 as stored
                    "2025-03-01 09:00:00",
                    "2025-03-01 09:00:00",  # the same time: after the one above
                    None,  # no time received: last
                    "2025-03-01 09:30:00",  # after B1's at 09:00, but area B0 first
                    "2025-03-01 09:00:00",  # as the second and third
                ],
                format="ISO8601",
            ),
            "closed_at": pd.to_datetime(
                [
                    "2025-03-01 10:00:01.0000001",
                    None,
                    "2025-03-02 09:00:00",
                    "2025-03-05",
                    "2025-03-01 12:30:00",
                    "2025-03-01 09:00:05",
                ],
                format="ISO8601",
            ),
            "record_key": pd.array([11, 12, 13, 14, 15, 16], dtype="Int16"),
            "area_code": pd.Categorical(["B2", "B1", "B1", "B3", "B0", "B1"]),
            "domain": ["fysiek", "fysiek", "sociaal", "fysiek", "fysiek", "fysiek"],
            "theme": ["afval", "wegen", None, "afval", "wegen", "afval"],
            "channel": pd.Categorical(["App", "KCC", "KCC", "App", "KCC", "KCC"]),
            "department": ["Stadsbeheer"] * 6,
        }
    )
    second = pd.DataFrame(
        {
            "received_at": pd.to_datetime(["2025-03-01 09:30", "2025-02-28 23:00"]).tz_localize(
                "Europe/Amsterdam"
            ),
            "closed_at": pd.to_datetime(["2025-03-01 11:00", None]).tz_localize("Europe/Amsterdam"),
            "record_key": pd.array([21, 22], dtype="Int16"),
            "area_code": pd.Categorical(["B4", "B1"]),  # categories of its own
            "domain": ["sociaal", "fysiek"],
            "theme": ["zorg", "afval"],
            "channel": pd.Categorical(["Brief", "App"]),
            "department": ["Zorg", "Stadsbeheer"],
        }
    )
    return [first, second]


def test_lead_rows_by_hand() -> None:
    tap = LeadTap()
    passed = list(tap.tap(_batches()))
    assert [len(b) for b in passed] == [6, 2]  # the records go on unchanged
    frames = list(tap.frames(rows=5))
    assert [len(f) for f in frames] == [5, 3]
    got = pd.concat(frames, ignore_index=True)
    assert list(got.columns) == list(LEAD_COLUMNS)
    # February's B1; then March's fysiek before sociaal, within fysiek App before KCC, within
    # KCC B0 (09:30) before B1 (areas first), B1's two at 09:00 in the records' order; then
    # sociaal's Brief before KCC; last the one without a time received
    assert got["record_key"].tolist() == ORDER
    assert got["lead_us"].tolist() == [
        pd.NA,  # open
        10**6,  # 10:00:01.000000 - 10:00:00.000000: the nanoseconds dropped as COPY drops them
        3 * HOUR_US,
        pd.NA,  # open
        5 * 10**6,
        90 * 60 * 10**6,  # wall-clock times of one zone
        24 * HOUR_US,
        pd.NA,  # no time received
    ]
    assert got["received_at"].tolist()[:7] == list(
        pd.to_datetime(
            [
                "2025-02-28 23:00",
                "2025-03-01 10:00",
                "2025-03-01 09:30",
                "2025-03-01 09:00",
                "2025-03-01 09:00",
                "2025-03-01 09:30",
                "2025-03-01 09:00",
            ]
        )
    )
    assert pd.isna(got["received_at"].iloc[7])
    assert got["area_code"].astype(str).tolist() == ["B1", "B2", "B0", "B1", "B1", "B4", "B1", "B3"]
    assert got["channel"].astype(str).tolist()[:7] == [
        *("App", "App", "KCC", "KCC", "KCC"),
        *("Brief", "KCC"),
    ]
    themes = [None if pd.isna(t) else t for t in got["theme"]]
    assert themes == ["afval", "afval", "wegen", "wegen", "afval", "zorg", None, "afval"]
    assert tap.tables == [] and list(tap.frames()) == []  # handed over once


def test_lead_rows_in_the_same_order_beyond_the_mixed_radix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the months and distinct texts would not fit one whole number per row, the rows
    are ordered by every key at once: the same order."""
    monkeypatch.setattr(pgleads, "RADIX_LIMIT", 2)
    tap = LeadTap()
    list(tap.tap(_batches()))
    assert pd.concat(list(tap.frames()))["record_key"].tolist() == ORDER


def test_no_records_no_lead_rows() -> None:
    tap = LeadTap()
    list(tap.tap([_batches()[0].iloc[:0]]))
    assert list(tap.frames()) == []


@pytest.mark.subprocess
def test_lead_rows_equal_postgresqls_own(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written through ``write_part`` two rows a batch, then compared with what PostgreSQL
    computes from the signals it stored: the same rows (``EXCEPT ALL`` both ways), in the
    order received on disk."""
    records = pd.concat(
        [
            _batches()[0],
            _batches()[1].assign(
                received_at=lambda f: f["received_at"].dt.tz_localize(None),
                closed_at=lambda f: f["closed_at"].dt.tz_localize(None),
            ),
        ],
        ignore_index=True,
    )
    monkeypatch.setattr(
        pgwrite, "_batches", lambda r: (r.iloc[i : i + 2] for i in range(0, len(r), 2))
    )
    columns = ", ".join(f'"{c}"' for c in LEAD_COLUMNS[2:])
    computed = f"part, received_at, {LEAD_TIME_SQL}, {columns}"
    stored = f"part, received_at, lead_us, {columns}"

    def one(conn: Any, query: str) -> Any:
        return conn.execute(query).fetchone()[0]

    class Undo(Exception):
        """Ends the writer's transaction without keeping anything."""

    with pytest.raises(Undo), pgwrite.writing(pg_url, "leadtap", pg_url) as (conn, _):
        parts = pgwrite.write_part(conn, "signals", records, pd.DataFrame(columns=CUBE_COLUMNS))
        part = parts["signals"]
        assert one(conn, f"SELECT count(*) FROM signal_leads WHERE part = {part}") == 8
        for left, right in ((stored, computed), (computed, stored)):
            table = "signal_leads" if left is stored else "signals"
            other = "signals" if left is stored else "signal_leads"
            assert (
                one(
                    conn,
                    f"SELECT count(*) FROM (SELECT {left} FROM {table} EXCEPT ALL "
                    f"SELECT {right} FROM {other}) AS d",
                )
                == 0
            )
        keys = conn.execute(
            f"SELECT record_key FROM signal_leads WHERE part = {part} ORDER BY ctid"
        ).fetchall()
        assert [k for (k,) in keys] == ORDER
        # PostgreSQL's own from the signals (a part written before the table): the same order
        conn.execute(f"DELETE FROM signal_leads WHERE part = {part}")
        pgwrite.write_leads(conn, part)
        keys = conn.execute(
            f"SELECT record_key FROM signal_leads WHERE part = {part} ORDER BY ctid"
        ).fetchall()
        assert [k for (k,) in keys] == ORDER
        assert one(conn, "SELECT lead_us FROM signal_leads WHERE record_key = 11") == 10**6
        raise Undo


def _odd_records(batches: int = 2, per: int = 100) -> list[pd.DataFrame]:
    """Batches of signal records whose areas are each batch's own categories (each batch's
    fit a byte, together they do not), with missing domains, channels and areas, texts
    beyond ASCII and capitals (bytes order: "B" < "a" < "Ä"), and equal times."""
    frames = []
    for b in range(batches):
        codes = [f"{'BaÄ'[i % 3]}{b}{i:03d}" for i in range(per)]
        frames.append(
            pd.DataFrame(
                {
                    "received_at": pd.to_datetime("2025-03-01")
                    + pd.to_timedelta([(i * 7) % 5 for i in range(per)], unit="h"),
                    "closed_at": pd.to_datetime("2025-03-04"),
                    "record_key": pd.array([b * per + i for i in range(per)], dtype="Int16"),
                    "area_code": pd.Categorical(
                        [None if i % 17 == 0 else c for i, c in enumerate(codes)]
                    ),
                    "domain": [
                        None if i % 11 == 0 else ("sociaal", "fysiek")[i % 2] for i in range(per)
                    ],
                    "theme": ["afval"] * per,
                    "channel": pd.Categorical(
                        [
                            None if i % 13 == 0 else ("App", "Éénloket", "KCC")[i % 3]
                            for i in range(per)
                        ]
                    ),
                    "department": ["Stadsbeheer"] * per,
                }
            )
        )
    return frames


def _sql_order(frame: pd.DataFrame) -> list[int]:
    """The record keys as PostgreSQL's "C" collation orders the rows (month, domain, channel,
    area code: bytes, NULL last; time received; the records' order)."""

    rows = [
        (
            r.received_at.to_period("M"),
            c_order(r.domain),
            c_order(r.channel),
            c_order(r.area_code),
            r.received_at,
            n,
            int(r.record_key),
        )
        for n, r in enumerate(frame.itertuples())
    ]
    return [row[-1] for row in sorted(rows)]


def test_lead_rows_of_batches_with_their_own_categories() -> None:
    """Batches whose categories together outgrow a byte are ordered as one (as PostgreSQL's
    "C" collation orders the texts: missing last, bytes beyond ASCII after ASCII)."""
    tap = LeadTap()
    list(tap.tap(_odd_records()))
    got = pd.concat(list(tap.frames()), ignore_index=True)["record_key"].tolist()
    assert got == _sql_order(pd.concat(_odd_records(), ignore_index=True))


@pytest.mark.subprocess
def test_odd_lead_rows_in_postgresqls_order(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batches of missing and non-ASCII texts, each with its own categories, written
    through ``write_part``: on disk in the order PostgreSQL's own ``LEADS_INSERT`` gives
    them, which is the order of their texts' bytes (missing last)."""
    batches = _odd_records()
    monkeypatch.setattr(pgwrite, "_batches", lambda r: iter(batches))
    want = _sql_order(pd.concat(batches, ignore_index=True))

    class Undo(Exception):
        """Ends the writer's transaction without keeping anything."""

    def keys(conn: Any, part: int) -> list[int]:
        rows = conn.execute(
            f"SELECT record_key FROM signal_leads WHERE part = {part} ORDER BY ctid"
        ).fetchall()
        return [k for (k,) in rows]

    with pytest.raises(Undo), pgwrite.writing(pg_url, "oddleads", pg_url) as (conn, _):
        records = pd.concat(batches, ignore_index=True)  # (its batches: the ones above)
        part = pgwrite.write_part(conn, "signals", records, pd.DataFrame(columns=CUBE_COLUMNS))[
            "signals"
        ]
        assert keys(conn, part) == want
        conn.execute(f"DELETE FROM signal_leads WHERE part = {part}")
        pgwrite.write_leads(conn, part)
        assert keys(conn, part) == want
        raise Undo
