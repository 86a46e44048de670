"""From a raw input to a :class:`PreparedImport`: :func:`prepare_import` runs the two passes,
removes what the store holds already, and counts the report's figures on the rows imported."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from regie_analytics import cellkey
from regie_analytics.ingest.batches import _MATCH, _Context, _scan, _text
from regie_analytics.ingest.counts import prepare_counts
from regie_analytics.ingest.report import MAX_EXAMPLES, ImportReport, PreparedImport, _fmt
from regie_analytics.ingest.signals import _CLOSED_BAD, _CLOSED_BEFORE, POSITION, prepare_signals
from regie_analytics.ingest.staged import (
    KnownRecords,
    StagedRecords,
    StoredIds,
    duplicate_positions,
    positions_in,
)
from regie_analytics.ingest.stored import (
    CubeCells,
    _match_known,
    count_keys,
    month_range,
    records_cube,
    staged_with_cube,
    with_keys,
)
from regie_analytics.ingest.worker import _blank, absorb
from regie_analytics.io.ahead import in_background
from regie_analytics.io.parse import clean_text
from regie_analytics.io.presets import extract
from regie_analytics.io.readers import file_sha256, open_inputs
from regie_analytics.limits import Limits
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    COUNT,
    COUNT_COLUMNS,
    DOMAIN,
    GIVEN_AREA_CODE,
    NO_LOCATION,
    OUTSIDE,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
    SUBCATEGORY,
    InputError,
)
from regie_analytics.taxonomy import (
    MATCH,
    MAX_SUGGESTED,
    UNKNOWN_DOMAIN,
    Taxonomy,
    match_summary,
)


def _merge(counts: dict[Any, int], values: pd.Series | pd.DataFrame) -> None:
    """Add the counts of ``values`` (in the order they first occur) to ``counts``."""
    for key, n in values.value_counts(sort=False, dropna=False).items():
        counts[key] = counts.get(key, 0) + int(n)


def _sums_by_pair(
    first: pd.Series, second: pd.Series, weights: np.ndarray
) -> list[tuple[tuple[str, str], int]]:
    """``weights`` summed per pair of values (as text), the pairs in the order they first
    occur; rows with a missing value left out. On the codes of the values: no text per row."""
    codes_a, values_a = pd.factorize(first)
    codes_b, values_b = pd.factorize(second)
    valid = (codes_a >= 0) & (codes_b >= 0)
    width = max(len(values_b), 1)
    pair_codes, pairs = pd.factorize(codes_a[valid].astype(np.int64) * width + codes_b[valid])
    sums = np.bincount(pair_codes, weights=weights[valid], minlength=len(pairs))
    return [
        ((str(values_a[int(pair) // width]), str(values_b[int(pair) % width])), int(total))
        for pair, total in zip(pairs, sums.astype(np.int64), strict=True)
    ]


def _most_first(counts: dict[Any, int]) -> list[tuple[Any, int]]:
    """``counts`` from the largest down; equal counts in the order they first occurred."""
    return sorted(counts.items(), key=lambda item: -item[1])


@dataclass
class _Figures:
    """The report's location and category figures, counted on the rows that are imported,
    batch by batch (every figure is a sum, so any batching gives the same report)."""

    report: ImportReport
    area_codes: dict[Any, int] = field(default_factory=dict)
    categories: dict[Any, int] = field(default_factory=dict)
    classes: dict[Any, int] = field(default_factory=dict)
    labels: dict[Any, int] = field(default_factory=dict)

    def counted(self, records: pd.DataFrame) -> pd.DataFrame:
        """Count one batch of imported rows (with their flags); returns it."""
        self._locations(records)
        self._categories(records)
        report = self.report
        report.imported += len(records)
        report.signals_imported += (
            int(records[COUNT].sum()) if COUNT in records.columns else len(records)
        )
        report.cleaned_labels += int(records["_cleaned"].sum())
        for name, column in (
            ("bad_coordinates", "_bad_xy"),
            ("swapped_corrected", "_swapped"),
            ("rd_converted", "_rd"),
        ):
            if column in records.columns:
                setattr(report, name, getattr(report, name) + int(records[column].sum()))
        if "_closed" in records.columns:
            closed = records["_closed"].to_numpy()
            report.closed_before_received += int((closed == _CLOSED_BEFORE).sum())
            report.bad_closed_dates += int((closed == _CLOSED_BAD).sum())
        return records

    def _locations(self, records: pd.DataFrame) -> None:
        report = self.report
        code = records[AREA_CODE]  # categorical for signals: compared without copying the text
        unknown_code = records["_unknown_code"].to_numpy(dtype=bool)
        report.without_location += int((code == NO_LOCATION).sum())
        report.outside_area += int(((code == OUTSIDE).to_numpy() & ~unknown_code).sum())
        report.unknown_area_code += int(unknown_code.sum())
        _merge(self.area_codes, records.loc[unknown_code, GIVEN_AREA_CODE].astype("str"))

    def _categories(self, records: pd.DataFrame) -> None:
        unknown = (records[DOMAIN] == UNKNOWN_DOMAIN).to_numpy(dtype=bool)
        self.report.unknown_category += int(unknown.sum())
        weights = (
            records[COUNT].to_numpy(dtype=np.int64)
            if COUNT in records.columns
            else np.ones(len(records), dtype=np.int64)
        )
        for key, n in _sums_by_pair(records[DOMAIN], records[_MATCH], weights):
            self.classes[key] = self.classes.get(key, 0) + n
        label = records.loc[unknown, CATEGORY].astype("str").fillna("")
        sub = _text(records, SUBCATEGORY)[unknown].astype("str").fillna("")
        _merge(self.categories, label.where(sub == "", label + " / " + sub))
        _merge(self.labels, pd.DataFrame({CATEGORY: label, SUBCATEGORY: sub}))

    def finish(self, taxonomy: Taxonomy) -> None:
        """The figures that need every batch: notes, codes and labels by size, suggestions."""
        report = self.report
        report.unknown_area_codes = {str(k): n for k, n in _most_first(self.area_codes)}
        report.unknown_categories = {str(k): n for k, n in _most_first(self.categories)}
        if report.swapped_corrected:
            report.notes.append(
                f"{_fmt(report.swapped_corrected)} rijen hadden x en y verwisseld; dat is per "
                "rij herkend en gecorrigeerd"
            )
        if report.rd_converted:
            report.notes.append(
                f"{_fmt(report.rd_converted)} rijen hadden RD-coördinaten (EPSG:28992); "
                "omgerekend naar WGS84"
            )
        keys = list(self.classes)
        classes = pd.DataFrame(
            {DOMAIN: [k[0] for k in keys], MATCH: [k[1] for k in keys]}, dtype="str"
        )
        report.classification = match_summary(
            classes, weights=pd.Series(list(self.classes.values()), dtype="int64")
        )
        if not self.labels:
            return
        per_label = pd.DataFrame(
            [(str(c), str(s), n) for (c, s), n in _most_first(self.labels)],
            columns=[CATEGORY, SUBCATEGORY, COUNT],
        )
        report.unknown_labels = cast(
            list[dict[str, Any]], per_label.head(MAX_SUGGESTED).to_dict("records")
        )
        report.suggestions = cast(
            list[dict[str, Any]], taxonomy.suggestions(per_label).to_dict("records")
        )


def _repeated(flagged: StagedRecords, known: KnownRecords | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the staged signals not imported: a later row with an id an earlier row
    has, and (the others) ids the store holds."""
    twice = duplicate_positions(flagged, key=SIGNAL_ID)
    in_store = np.zeros(0, dtype=np.int64)
    if isinstance(known, StoredIds):
        found = positions_in(flagged, known, key=SIGNAL_ID)
        in_store = np.setdiff1d(found, twice, assume_unique=True)
    return twice, in_store


def _signal_batches(
    ctx: _Context, flagged: StagedRecords, twice: np.ndarray, in_store: np.ndarray
) -> Iterator[pd.DataFrame]:
    """The staged signals batch by batch without those at the positions ``twice`` (an id an
    earlier row has: counted and shown) and ``in_store`` (an id the store holds: counted)."""
    report = ctx.report
    report.duplicates_in_store = len(in_store)
    for batch in flagged.batches():
        position = batch[POSITION].to_numpy()
        again = np.isin(position, twice)
        if again.any():
            report.duplicates_in_file += int(again.sum())
            report.add(
                "dubbel",
                ctx.extract,
                batch.loc[again],
                "signal_id",
                "id '{value}' komt eerder in het bestand voor (eerste rij gebruikt)",
            )
        drop = again | np.isin(position, in_store)
        yield batch.loc[~drop] if drop.any() else batch


def _count_batches(
    ctx: _Context, flagged: pd.DataFrame, known: KnownRecords | None
) -> tuple[list[pd.DataFrame], pd.MultiIndex | None]:
    """The counts without those the store holds, and the keys of the counts they correct."""
    if not isinstance(known, pd.DataFrame):
        return [flagged], None
    report = ctx.report
    in_store, corrected = _match_known(flagged, known)
    report.duplicates_in_store = int(in_store.sum())
    report.corrected = int(corrected.sum())
    replaces = None
    if corrected.any():
        replaces = count_keys(flagged)[corrected]
        report.add(
            "correctie",
            ctx.extract,
            flagged.loc[corrected],
            "count",
            "aantal '{value}' vervangt het eerder geïmporteerde aantal voor dit gebied, "
            "deze maand, dit thema en deze bron",
        )
    return [flagged.loc[~in_store]], replaces


def _without_flags(records: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The records with only the store's ``columns`` (flags dropped, no copy of the rest)."""
    out = records.reset_index(drop=True)
    return out.drop(columns=[c for c in out.columns if c not in columns])[list(columns)]


def _clean_source(name: str, report: ImportReport) -> str:
    cleaned = str(clean_text(pd.Series([name], dtype="str")).iloc[0])
    if cleaned != name.strip():
        report.notes.append(f"bronnaam opgeschoond (HTML of stuurtekens verwijderd): '{cleaned}'")
    if not cleaned:
        raise InputError(
            "de naam van de bron is leeg.",
            column="source",
            hint="geef de bron een naam met --source NAAM (of 'source' in het koppelbestand).",
        )
    return cleaned


def prepare_import(
    path: str | Path,
    *,
    preset: str,
    areas: pd.DataFrame,
    taxonomy: Taxonomy,
    existing_keys: Callable[[str, str], KnownRecords] | None = None,
    mapping_path: str | Path | None = None,
    source: str | None = None,
    now: datetime | None = None,
    limits: Limits | None = None,
    date_order: str | None = None,
    secret: str | None = None,
) -> PreparedImport:
    """Read and check an input; return what would be imported and the report. Every record
    gets its record key (see :func:`with_keys`).

    Parameters
    ----------
    existing_keys
        ``existing_keys(source, kind)``: what the store holds (see :func:`drop_known`):
        for signals where their ids are (:class:`StoredIds`), for counts the stored counts.
    limits
        Date window, rows and sizes (default: :meth:`Limits.from_env`).
    date_order
        ``dmy`` or ``mdy`` for numeric dates whose order the column does not show.
    secret
        The store's secret for the record keys; a new one when ``None`` (a new store adopts
        it when the import is committed).

    Raises
    ------
    InputError
        When the input as a whole cannot be used (empty, not a table, missing columns, a
        mixed notation, past a limit, ...).
    """
    now = now or datetime.now()
    limits = limits or Limits.from_env()
    file_hash = in_background(lambda: file_sha256(path))  # on the other core meanwhile
    with open_inputs(path, limits=limits) as inputs:
        ext = extract(inputs, path=path, preset=preset, mapping_path=mapping_path)
        report = ImportReport(file=Path(path).name, preset=preset, source="", kind=ext.kind)
        ext.source = _clean_source(source or ext.source, report)
        report.source = ext.source
        lo, hi = limits.window(now)
        report.window = limits.describe_window(now)
        report.notes.extend(ext.notes)
        dates: tuple[str, ...] = ("period",)
        numbers = {"count": True}
        if ext.kind == "signals":
            dates, numbers = ("received_at", "closed_at"), {"x": False, "y": False}
        orders, notations = _scan(
            ext, report, limits=limits, dates=dates, numbers=numbers, forced_order=date_order
        )
        secret = secret or cellkey.new_secret()
        ctx = _Context(
            extract=ext,
            report=report,
            areas=areas,
            taxonomy=taxonomy,
            limits=limits,
            window=(lo, hi),
            orders=orders,
            notations=notations,
            secret=secret,
        )
        # the figures of every checked signal, counted while checking: the report's when
        # every one of them is imported (no id twice, none the store holds)
        checked = _Figures(_blank(report))
        # and their cube, counted meanwhile: the import's cube when every one is imported
        cells = CubeCells()

        def each(batch: pd.DataFrame) -> None:
            checked.counted(batch)
            cells.add(batch)

        flagged = prepare_signals(ctx, each=each) if ext.kind == "signals" else prepare_counts(ctx)
    known = existing_keys(ext.source, ext.kind) if existing_keys is not None else None
    batches: Iterable[pd.DataFrame] | None = None
    replaces = None
    if isinstance(flagged, StagedRecords):
        twice, in_store = _repeated(flagged, known)
        if len(twice) or len(in_store):
            batches = _signal_batches(ctx, flagged, twice, in_store)
    else:
        batches, replaces = _count_batches(ctx, flagged, known)
    if batches is None:  # every checked signal: its columns copied by Arrow, not via pandas
        absorb(ctx, checked.report, {})
        figures = replace(checked, report=report)
        staged = cast(StagedRecords, flagged).own_records()
        counted = cells.cube()
        cube = counted if counted is not None else records_cube(staged)
    else:
        figures = _Figures(report)
        columns = SIGNAL_COLUMNS if ext.kind == "signals" else COUNT_COLUMNS
        records = (
            _without_flags(with_keys(figures.counted(batch), kind=ext.kind, secret=secret), columns)
            for batch in batches
        )
        staged, cube = staged_with_cube(records, kind=ext.kind)
    figures.finish(taxonomy)
    if report.rows_read and report.imported == 0 and report.rejected_rows == report.rows_read:
        first = report.problems[0] if report.problems else None
        raise InputError(
            "geen enkele rij is bruikbaar; er is niets geïmporteerd.",
            file=first.file if first else path,
            row=first.row if first else None,
            column=first.column if first else None,
            hint="zie het rapport (python -m regie_analytics validate ...) voor de oorzaken.",
            details=[p.line() for p in report.problems[:MAX_EXAMPLES]],
        )
    months = month_range(cube) if len(cube) else None
    if months is not None:
        report.first_month, report.last_month = months
    return PreparedImport(
        report=report,
        kind=ext.kind,
        staged=staged,
        cube=cube,
        file_hash=file_hash.result(),
        path=str(path),
        system=ext.system,
        replaces=replaces,
        secret=secret,
    )
