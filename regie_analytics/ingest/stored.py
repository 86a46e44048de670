"""Prepared records meeting the store.

Count keys and the check against what the store holds (:func:`drop_known`: duplicates, and
counts delivered again with another value), record keys from the store's secret
(:func:`with_keys`), the cube's part of an import (:func:`cube_part`, with month labels) and
stored records classified again with another taxonomy (:func:`reclassify`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from regie_analytics import cellkey
from regie_analytics.ingest.report import PreparedImport
from regie_analytics.ingest.staged import KnownRecords, StagedRecords, StoredIds, positions_in
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CELL_KEY,
    CHANNEL,
    CLASSIFIED_DOMAINS,
    COUNT,
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    GIVEN_AREA_CODE,
    MONTH,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_ID,
    SOURCE,
    SUBCATEGORY,
    THEME,
)
from regie_analytics.taxonomy import Taxonomy

CUBE_BATCH_ROWS = 2_000_000
"""Cube rows :class:`CubeSum` lets wait before it sums them (at the least)."""


def month_labels(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` of datetimes, fast: format only the distinct months."""
    months = values.to_numpy().astype("datetime64[M]")
    distinct, inverse = np.unique(months, return_inverse=True)
    labels = np.array([str(m) for m in distinct], dtype=object)
    out = pd.Series(labels[inverse.ravel()], index=values.index, dtype="str")
    return out.where(values.notna().to_numpy(), None)


def _month_categories(values: pd.Series) -> pd.Categorical:
    """``YYYY-MM`` of datetimes as a categorical: a small code per row, each month once."""
    months = values.to_numpy().astype("datetime64[M]")
    distinct, inverse = np.unique(months, return_inverse=True)
    labels = pd.Index([str(m) for m in distinct], dtype="str")
    codes = np.where(np.isnat(months), -1, inverse.ravel()).astype("int32")
    return pd.Categorical.from_codes(codes, categories=labels)


def count_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """Import keys of counts (besides the source): area as given, month, label, channel.

    The area is the code as given, so counts for different unknown codes stay apart; rows
    without any code are told apart by their order among the rows without a code for the
    same month, label and channel (the same file read again gives the same keys).
    """
    codes = frame[AREA_CODE].astype("str")
    if GIVEN_AREA_CODE in frame.columns:  # absent (or missing) in stores of older versions
        given = frame[GIVEN_AREA_CODE]
        codes = given.astype("str").where(given.notna(), codes)
    code = codes.fillna("").to_numpy(dtype=object)
    rest = [frame[c].astype("str").to_numpy() for c in (MONTH, CATEGORY, CHANNEL)]
    missing = code == ""
    if missing.any():
        order = (
            pd.DataFrame({"m": rest[0], "c": rest[1], "k": rest[2]})[missing]
            .groupby(["m", "c", "k"], sort=False)
            .cumcount()
        )
        code = code.copy()
        code[missing] = "#" + order.astype("str").to_numpy(dtype=object)
    return pd.MultiIndex.from_arrays([code, *rest])


def _match_known(records: pd.DataFrame, known: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which counts the store holds already, and which correct a stored count."""
    none = np.zeros(len(records), dtype=bool)
    if known.empty or records.empty:
        return none, none
    keys = count_keys(records)
    stored_keys = count_keys(known)
    latest = ~stored_keys.duplicated(keep="last")
    stored = pd.Series(known[COUNT].to_numpy()[latest], index=stored_keys[latest])
    position = stored.index.get_indexer(keys)
    found = position >= 0
    values = np.where(found, stored.to_numpy()[np.maximum(position, 0)], -1)
    same = found & (values == records[COUNT].to_numpy())
    return same, found & ~same


def _stored_signals(staged: StagedRecords, known: KnownRecords) -> np.ndarray:
    """Which staged signals the store holds already (their ids in ``known``)."""
    held = np.zeros(staged.rows, dtype=bool)
    if isinstance(known, StoredIds):
        held[positions_in(staged, known, key=SIGNAL_ID)] = True
    return held


def staged_with_cube(
    batches: Iterable[pd.DataFrame], *, kind: str
) -> tuple[StagedRecords, pd.DataFrame]:
    """Records written to disk batch by batch, and their cube (see :func:`cube_part`)."""
    staged = StagedRecords()
    cube = CubeSum()
    for batch in batches:
        staged.append(batch)
        cube.add(cube_part(batch, kind=kind))
    return staged.close(), cube.total()


def _kept(staged: StagedRecords, keep: np.ndarray) -> Iterator[pd.DataFrame]:
    start = 0
    for batch in staged.batches():
        mask = keep[start : start + len(batch)]
        start += len(batch)
        yield batch.loc[mask].reset_index(drop=True)


def drop_known(prepared: PreparedImport, known: KnownRecords) -> PreparedImport:
    """``prepared`` checked again against what the store holds now (a new object).

    ``known`` is :meth:`regie_analytics.store.Store.known_records` for the import's source
    and kind. The store calls this inside its lock just before it commits: records another
    import stored since the check are dropped (and counted as such), and the count keys this
    import corrects are listed in ``replaces``, so the store replaces the earlier values.
    Signals are checked batch by batch on disk, never all in memory.
    """
    replaces = None
    if prepared.kind == "signals":
        in_store = _stored_signals(prepared.staged, known)
        corrected = np.zeros(0, dtype=bool)
    else:
        records = prepared.records
        stored = known if isinstance(known, pd.DataFrame) else pd.DataFrame()
        in_store, corrected = _match_known(records, stored)
        replaces = count_keys(records)[corrected] if corrected.any() else None
    report = replace(prepared.report, corrected=int(corrected.sum()))
    if not in_store.any():
        return replace(prepared, report=report, replaces=replaces)
    staged, cube = staged_with_cube(_kept(prepared.staged, ~in_store), kind=prepared.kind)
    report.added_meanwhile += int(in_store.sum())
    report.duplicates_in_store += int(in_store.sum())
    report.imported = staged.rows
    report.signals_imported = staged.rows if prepared.kind == "signals" else int(cube[COUNT].sum())
    return replace(prepared, report=report, staged=staged, cube=cube, replaces=replaces)


def with_keys(records: pd.DataFrame, *, kind: str, secret: str) -> pd.DataFrame:
    """Records with their record keys (signals) or the key sums of their units (counts), from
    the store's ``secret``: a new import gets them here, and so do the records of a store from
    before cell keys (``upgrade``), the same as an import would give them."""
    if kind == "signals":
        if RECORD_KEY in records.columns:
            return records
        keys = cellkey.record_keys(secret, source=records[SOURCE], ids=records[SIGNAL_ID])
        return records.assign(**{RECORD_KEY: keys})
    if CELL_KEY in records.columns:
        return records
    return records.assign(**{CELL_KEY: cellkey.unit_key_sums(secret, records).astype("int64")})


def cube_part(records: pd.DataFrame, *, kind: str) -> pd.DataFrame:
    """Aggregate prepared records to the cube's grain, with each cell's key (the sum of its
    records' keys modulo 256)."""
    if kind == "signals":
        frame = records.assign(
            month=_month_categories(records[RECEIVED_AT]),
            count=1,
            **{CELL_KEY: records[RECORD_KEY].astype("int64")},
        )
    else:
        frame = records.assign(**{CELL_KEY: records[CELL_KEY].astype("int64")})
    dims = list(CUBE_DIMENSIONS)
    cube = frame.groupby(dims, observed=True, sort=True)[[COUNT, CELL_KEY]].sum().reset_index()
    for column in dims:
        cube[column] = cube[column].astype("str")
    cube[COUNT] = cube[COUNT].astype("int64")
    cube[CELL_KEY] = cellkey.cell_keys(cube[CELL_KEY])
    return cube


def combine_cubes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Cube parts summed over the cube's dimensions (sorted by them), with cell keys."""
    if not parts:
        return empty_cube()
    cube = (
        pd.concat(parts, ignore_index=True)
        .groupby(list(CUBE_DIMENSIONS), observed=True, sort=True)[[COUNT, CELL_KEY]]
        .sum()
        .reset_index()
    )
    cube[COUNT] = cube[COUNT].astype("int64")
    cube[CELL_KEY] = cellkey.cell_keys(cube[CELL_KEY])
    return cube


def empty_cube() -> pd.DataFrame:
    """A cube without rows, with the cube's columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in CUBE_COLUMNS})
    frame[COUNT] = frame[COUNT].astype("int64")
    frame[CELL_KEY] = frame[CELL_KEY].astype("int64")
    return frame


class CubeSum:
    """Cube parts summed as they come (an import's batches): the parts waiting are summed
    whenever they hold more rows than twice the sum so far, so memory stays near the size of
    the cube itself and the work stays proportional to the rows added."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self._waiting = 0
        self._summed = 0

    def add(self, part: pd.DataFrame) -> None:
        """Add one cube part."""
        self._parts.append(part)
        self._waiting += len(part)
        if len(self._parts) > 1 and self._waiting > max(2 * self._summed, CUBE_BATCH_ROWS):
            self._parts = [combine_cubes(self._parts)]
            self._summed, self._waiting = len(self._parts[0]), 0

    def total(self) -> pd.DataFrame:
        """The sum of every part added."""
        return combine_cubes(self._parts)


def reclassify(
    records: pd.DataFrame, taxonomy: Taxonomy, *, system: str, kind: str
) -> pd.DataFrame:
    """Stored records classified again with another taxonomy (a new frame).

    Signals get domain, theme and department from the taxonomy. Counts too, except that a
    domain given in the file (or found earlier) is kept where the new taxonomy does not know
    the label.
    """
    frame = records.assign(**{SOURCE: system})
    if SUBCATEGORY not in frame.columns:
        frame[SUBCATEGORY] = pd.Series(pd.NA, index=frame.index, dtype="str")
    classes = taxonomy.classify(frame)
    out = records.copy()
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = classes[column].to_numpy()
    if kind == "counts":
        keep = (
            ~classes["known"].to_numpy(dtype=bool)
            & records[DOMAIN].isin(CLASSIFIED_DOMAINS).to_numpy()
        )
        out.loc[keep, DOMAIN] = records.loc[keep, DOMAIN]
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = out[column].astype("category" if kind == "signals" else "str")
    return out
