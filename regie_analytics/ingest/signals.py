"""Record-level signals: each batch checked (id, received and closed dates), located and
classified, and staged on disk; duplicate ids are found over all batches afterwards."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from regie_analytics.cellkey import record_keys
from regie_analytics.ingest.batches import (
    _DATE_HINT,
    _MATCH,
    _classify,
    _clean_labels,
    _Context,
    _drop,
    _label,
    _locate,
    _outside_window,
    _text,
)
from regie_analytics.ingest.staged import StagedRecords
from regie_analytics.ingest.worker import WORKER_ROWS, BatchWorker, absorb, checked_batch
from regie_analytics.io.parse import normalise_ids, parse_datetimes
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CHANNEL,
    CLOSED_AT,
    DEPARTMENT,
    DOMAIN,
    GIVEN_AREA_CODE,
    LAT,
    LON,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
    SOURCE,
    STATUS,
    SUBCATEGORY,
    THEME,
    UNKNOWN_CHANNEL,
)

_CLOSED_OK, _CLOSED_BEFORE, _CLOSED_BAD = 0, 1, 2
POSITION = "_pos"
"""Working column: a staged row's place among the checked rows (first row kept on duplicates)."""


def _signal_batch(ctx: _Context, part: pd.DataFrame) -> pd.DataFrame:
    """One batch of signals: checked, located and classified, with the report's flags (and
    the record keys, when the context has the store's secret)."""
    report, extract = ctx.report, ctx.extract
    ids = normalise_ids(_text(part, "signal_id"))
    no_id = (ids.isna() | (ids == "")).to_numpy()
    if no_id.any():
        report.missing_id += int(no_id.sum())
        report.add("id", extract, part.loc[no_id], "signal_id", "geen id")
    frame = _drop(part.assign(signal_id=ids), no_id)

    received, bad = parse_datetimes(
        _text(frame, "received_at"), order=ctx.orders.get("received_at", "dmy")
    )
    bad = bad | (received.isna().to_numpy() & ~bad)
    ctx.tally("received_at").add(frame, bad, "received_at")
    if bad.any():
        report.bad_dates += int(bad.sum())
        report.add(
            "datum", extract, frame.loc[bad], "received_at", "geen herkenbare datum: '{value}'"
        )
    drop = bad | _outside_window(ctx, frame, received, "received_at", what="datum")
    frame = _drop(frame, drop)
    received = received[~drop].astype("datetime64[ns]")

    closed, bad_closed = parse_datetimes(
        _text(frame, "closed_at"), order=ctx.orders.get("closed_at", "dmy")
    )
    lo, hi = ctx.window
    implausible = ((closed < lo) | (closed > hi)).to_numpy()
    unusable = bad_closed | implausible
    if unusable.any():
        report.add(
            "sluitdatum",
            extract,
            frame.loc[unusable],
            "closed_at",
            f"sluitdatum onleesbaar of buiten het datumvenster {report.window} (genegeerd): "
            "'{value}'",
        )
    closed = closed.where(~unusable).astype("datetime64[ns]")
    before = (closed < received).to_numpy()
    status = np.where(unusable, _CLOSED_BAD, np.where(before, _CLOSED_BEFORE, _CLOSED_OK))
    closed = closed.where(~before)
    frame = frame.assign(
        **{RECEIVED_AT: received.to_numpy(), CLOSED_AT: closed.to_numpy()},
        _closed=status.astype("int8"),
    )
    frame = _locate(ctx, frame)
    frame = _clean_labels(ctx, frame, (CATEGORY, SUBCATEGORY, "channel", "status"))
    frame = _classify(ctx, frame).reset_index(drop=True)
    n = len(frame)
    flags = ("_file", "_row", "_swapped", "_rd", "_bad_xy", "_unknown_code", _MATCH, "_cleaned")
    ids = frame["signal_id"].astype("str")
    keys = (
        {RECORD_KEY: record_keys(ctx.secret, source=extract.source, ids=ids)} if ctx.secret else {}
    )
    return pd.DataFrame(
        {
            SOURCE: pd.Categorical.from_codes(
                np.zeros(n, dtype="int8"), categories=pd.Index([extract.source], dtype="str")
            ),
            SIGNAL_ID: ids,
            RECEIVED_AT: frame[RECEIVED_AT],
            CLOSED_AT: frame[CLOSED_AT],
            CHANNEL: _label(_text(frame, "channel"), UNKNOWN_CHANNEL).astype("category"),
            CATEGORY: frame[CATEGORY].astype("category"),
            SUBCATEGORY: frame[SUBCATEGORY].astype("category"),
            DOMAIN: frame[DOMAIN].astype("category"),
            THEME: frame[THEME].astype("category"),
            DEPARTMENT: frame[DEPARTMENT].astype("category"),
            STATUS: _text(frame, "status").astype("category"),
            AREA_CODE: frame[AREA_CODE].astype("category"),
            LON: frame[LON],
            LAT: frame[LAT],
            GIVEN_AREA_CODE: frame[GIVEN_AREA_CODE].astype("category"),
            "_closed": frame["_closed"],
            **keys,
            **{flag: frame[flag] for flag in flags},
        }
    )


def prepare_signals(
    ctx: _Context, *, each: Callable[[pd.DataFrame], object] | None = None
) -> StagedRecords:
    """Check, locate and classify record-level signals, batch by batch, into a file on disk
    (with the report's flags, and ``_pos``: the row's place among them). Duplicate ids are
    not dropped here: :func:`duplicate_positions` finds them over all batches. A large input
    is checked on both cores (:class:`BatchWorker`), with the same report and records.
    ``each`` is called with every checked batch, in order (to count figures meanwhile)."""
    extract = ctx.extract
    staged = StagedRecords(own=SIGNAL_COLUMNS if ctx.secret else None)
    position = 0
    parts = extract.frames()
    checked = (
        BatchWorker(ctx).checked(ctx, parts, _signal_batch)
        if ctx.report.rows_read >= WORKER_ROWS
        else (checked_batch(ctx, part, _signal_batch) for part in parts)
    )
    for batch, report, tallies in checked:
        absorb(ctx, report, tallies)
        if each is not None:
            each(batch)
        batch[POSITION] = np.arange(position, position + len(batch), dtype=np.int64)
        position += len(batch)
        staged.append(batch)
    ctx.tally("received_at").check(extract, "received_at", "de ontvangstdatum", hint=_DATE_HINT)
    return staged.close()
