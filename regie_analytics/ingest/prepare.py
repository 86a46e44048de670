"""From a raw input to a :class:`PreparedImport`: :func:`prepare_import` runs the two passes,
removes what the store holds already, and counts the report's figures on the rows imported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from regie_analytics import cellkey
from regie_analytics.ingest.batches import _MATCH, _Context, _scan, _text
from regie_analytics.ingest.counts import prepare_counts
from regie_analytics.ingest.report import MAX_EXAMPLES, ImportReport, PreparedImport, _fmt
from regie_analytics.ingest.signals import _CLOSED_BAD, _CLOSED_BEFORE, prepare_signals
from regie_analytics.ingest.stored import _match_known, count_keys, cube_part, with_keys
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
    MONTH,
    NO_LOCATION,
    OUTSIDE,
    SIGNAL_COLUMNS,
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


def _summarise(report: ImportReport, records: pd.DataFrame) -> None:
    """The report's location and category figures, counted on the rows that are imported."""
    code = records[AREA_CODE]  # categorical for signals: compared without copying the text
    unknown_code = records["_unknown_code"].to_numpy(dtype=bool)
    report.without_location = int((code == NO_LOCATION).sum())
    report.outside_area = int(((code == OUTSIDE).to_numpy() & ~unknown_code).sum())
    report.unknown_area_code = int(unknown_code.sum())
    given = records.loc[unknown_code, GIVEN_AREA_CODE].astype("str")
    report.unknown_area_codes = {str(k): int(v) for k, v in given.value_counts().items()}
    unknown = (records[DOMAIN].astype("str") == UNKNOWN_DOMAIN).to_numpy()
    report.unknown_category = int(unknown.sum())
    label = records.loc[unknown, CATEGORY].astype("str").fillna("")
    sub = _text(records, SUBCATEGORY)[unknown].astype("str").fillna("")
    combined = label.where(sub == "", label + " / " + sub)
    report.unknown_categories = {str(k): int(v) for k, v in combined.value_counts().items()}
    report.cleaned_labels = int(records["_cleaned"].sum())
    for name, column in (
        ("bad_coordinates", "_bad_xy"),
        ("swapped_corrected", "_swapped"),
        ("rd_converted", "_rd"),
    ):
        if column in records.columns:
            setattr(report, name, int(records[column].sum()))
    if report.swapped_corrected:
        report.notes.append(
            f"{_fmt(report.swapped_corrected)} rijen hadden x en y verwisseld; dat is per rij "
            "herkend en gecorrigeerd"
        )
    if report.rd_converted:
        report.notes.append(
            f"{_fmt(report.rd_converted)} rijen hadden RD-coördinaten (EPSG:28992); omgerekend "
            "naar WGS84"
        )
    if "_closed" in records.columns:
        closed = records["_closed"].to_numpy()
        report.closed_before_received = int((closed == _CLOSED_BEFORE).sum())
        report.bad_closed_dates = int((closed == _CLOSED_BAD).sum())


def _report_classes(report: ImportReport, records: pd.DataFrame, taxonomy: Taxonomy) -> None:
    """The report's classification figures, counted on the rows that are imported: signals
    per domain and matching step, and the labels left in 'overig' with suggestions for them."""
    classes = pd.DataFrame({DOMAIN: records[DOMAIN].to_numpy(), MATCH: records[_MATCH].to_numpy()})
    weights = records[COUNT] if COUNT in records.columns else None
    report.classification = match_summary(classes, weights=weights)
    unknown = (records[DOMAIN].astype("str") == UNKNOWN_DOMAIN).to_numpy()
    if not unknown.any():
        return
    labels = records.loc[unknown, [CATEGORY]].astype(object).fillna("").astype("str")
    labels[SUBCATEGORY] = _text(records, SUBCATEGORY)[unknown].astype(object).fillna("")
    per_label = labels.astype("str").value_counts().rename(COUNT).reset_index()
    report.unknown_labels = cast(
        list[dict[str, Any]], per_label.head(MAX_SUGGESTED).to_dict("records")
    )
    report.suggestions = cast(
        list[dict[str, Any]], taxonomy.suggestions(per_label).to_dict("records")
    )


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
    existing_keys: Callable[[str, str], pd.DataFrame] | None = None,
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
        ``existing_keys(source, kind)``: what the store holds (see :func:`drop_known`).
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
        ctx = _Context(
            extract=ext,
            report=report,
            areas=areas,
            taxonomy=taxonomy,
            limits=limits,
            window=(lo, hi),
            orders=orders,
            notations=notations,
        )
        flagged = prepare_signals(ctx) if ext.kind == "signals" else prepare_counts(ctx)
    replaces = None
    if existing_keys is not None:
        in_store, corrected = _match_known(
            flagged, existing_keys(ext.source, ext.kind), kind=ext.kind
        )
        report.duplicates_in_store = int(in_store.sum())
        report.corrected = int(corrected.sum())
        if corrected.any():
            replaces = count_keys(flagged)[corrected]
            report.add(
                "correctie",
                ext,
                flagged.loc[corrected],
                "count",
                "aantal '{value}' vervangt het eerder geïmporteerde aantal voor dit gebied, "
                "deze maand, dit thema en deze bron",
            )
        flagged = flagged.loc[~in_store]
    _summarise(report, flagged)
    _report_classes(report, flagged, taxonomy)
    columns = SIGNAL_COLUMNS if ext.kind == "signals" else COUNT_COLUMNS
    secret = secret or cellkey.new_secret()
    records = _without_flags(with_keys(flagged, kind=ext.kind, secret=secret), columns)
    del flagged
    report.imported = len(records)
    report.signals_imported = len(records) if ext.kind == "signals" else int(records[COUNT].sum())
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
    cube = cube_part(records, kind=ext.kind)
    if len(cube):
        report.first_month, report.last_month = str(cube[MONTH].min()), str(cube[MONTH].max())
    return PreparedImport(
        report=report,
        kind=ext.kind,
        records=records,
        cube=cube,
        file_hash=file_sha256(path),
        path=str(path),
        system=ext.system,
        replaces=replaces,
        secret=secret,
    )
