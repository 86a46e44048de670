"""The steps every batch of an import goes through, for signals and counts alike.

The first pass over the input (:func:`_scan`: rows against the limit, the order of day and
month and the notation of numbers per column), columns unusable in most rows (:class:`_Tally`),
the plausible date window, placing records in areas (by coordinates or code), cleaning labels,
classifying with the taxonomy, joining the batches and dropping duplicates within the input.
What one import is checked against travels in :class:`_Context`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from regie_analytics import geo
from regie_analytics.ingest.report import ImportReport, _fmt
from regie_analytics.io.parse import (
    ColumnError,
    DateOrder,
    Notation,
    clean_label,
    parse_numbers,
)
from regie_analytics.io.presets import Extract
from regie_analytics.limits import Limits
from regie_analytics.schema import (
    AREA_CODE,
    DEPARTMENT,
    DOMAIN,
    GIVEN_AREA_CODE,
    LAT,
    LON,
    NO_LOCATION,
    OUTSIDE,
    SOURCE,
    SUBCATEGORY,
    THEME,
    InputError,
)
from regie_analytics.taxonomy import MATCH, Taxonomy

UNUSABLE_SHARE = 0.5
"""A column unusable in this share of its rows or more refuses the whole input: that is a
wrong column or format, not a few typing errors."""
_MATCH = "_match"
"""Working column: how the taxonomy classified a row (``taxonomy.MATCH``; "" not at all)."""


@dataclass
class _Tally:
    """Present and unusable values of one column over all batches, with the first bad row."""

    present: int = 0
    bad: int = 0
    first: tuple[str, int, str] | None = None

    def add(self, frame: pd.DataFrame, bad: np.ndarray, column: str) -> None:
        self.present += len(frame)
        self.bad += int(bad.sum())
        if self.first is None and bad.any():
            row = frame.loc[bad].iloc[0]
            self.first = (str(row["_file"]), int(row["_row"]), str(row[column])[:40])

    def check(self, extract: Extract, column: str, what: str, *, hint: str) -> None:
        """Refuse the input when the column is unusable in :data:`UNUSABLE_SHARE` of its rows
        or more (half of the rows is not "a few typing errors")."""
        if self.present == 0 or self.first is None or self.bad < UNUSABLE_SHARE * self.present:
            return
        file, row, value = self.first
        raise InputError(
            f"{what} is in {self.bad / self.present:.0%} van de rijen onbruikbaar "
            f"(bijvoorbeeld '{value}'); zo'n groot deel wijst op een verkeerde kolom of notatie.",
            file=file,
            row=row,
            column=extract.columns.get(column, column),
            hint=f"controleer of de juiste kolom gekoppeld is en {hint}",
        )


_DATE_HINT = "of het formaat klopt (datums als 31-12-2024 14:05 of 2024-12-31T14:05)."


@dataclass
class _Context:
    """What every batch of one import is checked against."""

    extract: Extract
    report: ImportReport
    areas: pd.DataFrame
    taxonomy: Taxonomy
    limits: Limits
    window: tuple[pd.Timestamp, pd.Timestamp]
    orders: dict[str, str]
    notations: dict[str, str]
    tallies: dict[str, _Tally] = field(default_factory=dict)
    secret: str = ""
    """The store's secret for the record keys of signals ("": none made while checking)."""

    def tally(self, column: str) -> _Tally:
        return self.tallies.setdefault(column, _Tally())


def _scan(
    extract: Extract,
    report: ImportReport,
    *,
    limits: Limits,
    dates: tuple[str, ...],
    numbers: dict[str, bool],
    forced_order: str | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """First pass: count the rows (refusing more than the limit) and decide per column the
    order of day and month and the notation of numbers, from the whole column."""
    orders = {c: DateOrder() for c in dates if c in extract.fields}
    notations = {c: Notation(integer=i) for c, i in numbers.items() if c in extract.fields}
    rows = 0
    for part in extract.frames([*orders, *notations]):
        rows += len(part)
        if rows > limits.max_rows:
            first_over = len(part) - (rows - limits.max_rows)
            raise InputError(
                f"de invoer heeft meer dan {_fmt(limits.max_rows)} rijen; dat is meer dan "
                "de grens per import.",
                file=str(part["_file"].iloc[first_over]),
                row=int(part["_row"].iloc[first_over]),
                hint="splits de export in kleinere delen (bijvoorbeeld per jaar), of verhoog "
                "de instelling REGIE_MAX_ROWS.",
            )
        for name, count in part["_file"].value_counts(sort=False).items():
            if count:
                report.files[str(name)] = report.files.get(str(name), 0) + int(count)
        for column, order in orders.items():
            order.update(part[column], origin=part)
        for column, notation in notations.items():
            notation.update(part[column], origin=part)
    report.rows_read = rows
    decided_orders: dict[str, str] = {}
    decided_notations: dict[str, str] = {}
    for column, order in orders.items():
        try:
            decided_orders[column] = order.decide(forced_order)
        except ColumnError as exc:
            raise _column_error(exc, extract, column) from exc
    for column, notation in notations.items():
        try:
            decided_notations[column] = notation.decide()
        except ColumnError as exc:
            raise _column_error(exc, extract, column) from exc
    return decided_orders, decided_notations


def _column_error(exc: ColumnError, extract: Extract, column: str) -> InputError:
    return InputError(
        exc.message,
        file=exc.file,
        row=exc.row,
        column=extract.columns.get(column, column),
        hint=exc.hint,
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column]
    return pd.Series(pd.NA, index=frame.index, dtype="str")


def _label(series: pd.Series, default: str) -> pd.Series:
    stripped = series.astype("str").str.strip()
    return stripped.where(stripped.notna() & (stripped != ""), default)


def _drop(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return frame.loc[~mask] if mask.any() else frame


def _outside_window(
    ctx: _Context, frame: pd.DataFrame, values: pd.Series, column: str, *, what: str
) -> np.ndarray:
    """Rows whose date lies outside the plausible window: reported per row."""
    lo, hi = ctx.window
    early = (values < lo).to_numpy()
    late = (values > hi).to_numpy()
    _report_window(
        ctx,
        frame,
        column,
        early=(early, f"{what} vóór {lo:%d-%m-%Y}"),
        late=(late, f"{what} in de toekomst (na {hi:%d-%m-%Y})"),
    )
    return early | late


def _report_window(
    ctx: _Context,
    frame: pd.DataFrame,
    column: str,
    *,
    early: tuple[np.ndarray, str],
    late: tuple[np.ndarray, str],
) -> None:
    """Count and show the rows before and after the date window (``(mask, what)`` each)."""
    report = ctx.report
    (too_early, before), (too_late, after) = early, late
    if too_early.any():
        report.early_dates += int(too_early.sum())
        message = f"{before} (buiten het datumvenster {report.window}): '{{value}}'"
        report.add("vroeg", ctx.extract, frame.loc[too_early], column, message)
    if too_late.any():
        report.future_dates += int(too_late.sum())
        message = f"{after}: '{{value}}'"
        report.add("toekomst", ctx.extract, frame.loc[too_late], column, message)


def _locate(ctx: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Area codes, by coordinates where usable, else by a known area code; with the flags
    the report is counted from (``_swapped``, ``_rd``, ``_bad_xy``, ``_unknown_code``)."""
    report, extract, areas = ctx.report, ctx.extract, ctx.areas
    n = len(frame)
    code = np.full(n, NO_LOCATION, dtype=object)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    swapped = np.zeros(n, dtype=bool)
    rd = np.zeros(n, dtype=bool)
    bad_xy = np.zeros(n, dtype=bool)
    if "x" in frame.columns and "y" in frame.columns:
        x, bad_x = parse_numbers(frame["x"], notation=ctx.notations.get("x", "en"))
        y, bad_y = parse_numbers(frame["y"], notation=ctx.notations.get("y", "en"))
        bad_xy = bad_x | bad_y
        if bad_xy.any():
            report.add("coördinaten", extract, frame.loc[bad_xy], "x", "geen getal: '{value}'")
        assigned = geo.assign_points(areas, x.to_numpy(), y.to_numpy())
        code = np.asarray(assigned.area_code, dtype=object)
        lon, lat = assigned.lon, assigned.lat
        swapped, rd = np.asarray(assigned.swapped), np.asarray(assigned.rd)
    unknown = np.zeros(n, dtype=bool)
    given = pd.Series("", index=frame.index, dtype="str")
    if "area_code" in frame.columns:
        given = frame["area_code"].astype("str").str.strip().str.upper().fillna("")
        has_code = (given != "").to_numpy()
        use = has_code & (code == NO_LOCATION)
        if use.any():
            known = given.isin(areas.index).to_numpy()
            code = code.copy()
            code[use & known] = given.to_numpy()[use & known]
            unknown = use & ~known
            if unknown.any():
                code[unknown] = OUTSIDE
                report.add(
                    "gebiedscode",
                    extract,
                    frame.loc[unknown],
                    "area_code",
                    "gebiedscode '{value}' komt niet voor in de grenzen",
                )
    out = frame.copy(deep=False)
    out[AREA_CODE] = pd.Categorical(code)
    out[LON], out[LAT] = lon, lat
    out[GIVEN_AREA_CODE] = given
    out["_swapped"], out["_rd"], out["_bad_xy"] = swapped, rd, bad_xy
    out["_unknown_code"] = unknown
    return out


def _clean_labels(ctx: _Context, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Labels from data without HTML or control characters (``_cleaned`` flags a change)."""
    out = frame.copy(deep=False)
    changed_any = np.zeros(len(frame), dtype=bool)
    for column in columns:
        if column in out.columns:
            cleaned, changed = clean_label(out[column])
            if changed.any():
                ctx.report.add(
                    "label",
                    ctx.extract,
                    frame.loc[changed],
                    column,
                    "label met HTML of stuurtekens opgeschoond: '{value}'",
                )
            changed_any |= changed
            out[column] = cleaned
    out["_cleaned"] = changed_any
    return out


def _classify(ctx: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy(deep=False)
    if SUBCATEGORY not in out.columns:
        out[SUBCATEGORY] = pd.Series(pd.NA, index=out.index, dtype="str")
    out[SOURCE] = ctx.extract.system
    classes = ctx.taxonomy.classify(out)
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = classes[column].array
    out[_MATCH] = classes[MATCH].to_numpy()
    return out


def _concat(chunks: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Batches of records as one frame; categorical columns keep one set of categories."""
    chunks = [c for c in chunks if len(c)] or chunks[:1]  # an empty batch adds no categories
    if not chunks:
        return pd.DataFrame(columns=columns)
    if len(chunks) == 1:
        return chunks[0].reset_index(drop=True)
    out: dict[str, Any] = {}
    for column in chunks[0].columns:
        parts = [c[column] for c in chunks]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            out[column] = pd.Series(union_categoricals(parts, ignore_order=True))
        else:
            out[column] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


def _first_of_each(
    ctx: _Context,
    records: pd.DataFrame,
    keys: pd.Series | pd.MultiIndex,
    *,
    column: str,
    message: str,
) -> pd.DataFrame:
    """The first row of each key; the others are counted and shown as duplicates in the
    input (keys compared exactly, not by hash)."""
    codes, _ = pd.factorize(keys)
    first = np.zeros(len(codes), dtype=bool)
    if len(codes):
        first[np.unique(codes, return_index=True)[1]] = True
    if first.all():
        return records
    ctx.report.duplicates_in_file += int((~first).sum())
    ctx.report.add("dubbel", ctx.extract, records.loc[~first], column, message)
    return records.loc[first].reset_index(drop=True)
