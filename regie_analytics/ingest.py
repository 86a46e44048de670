"""The import pipeline: from a raw input to checked, classified, located records and a report.

``prepare_import`` reads an input with a preset in two passes over its batches. The first
pass counts the rows (against the limits) and decides, per column, how dates and numbers are
written (day or month first; Dutch or English notation). The second parses each batch, leaves
out rows whose dates are unreadable or outside the plausible window (each reported by file,
row and column), places every record in an area (by code or coordinates) and classifies its
category with the taxonomy. Then duplicates are removed: within the input (first row kept),
and against the store (:func:`drop_known`; the store runs it again inside its lock when it
commits, so two imports of the same records never both add them). Nothing is written:
:meth:`regie_analytics.store.Store.commit` does that, atomically.

Identity: a signal is its source plus its id as text (``700001.0`` and ``0700001`` are
``700001``); a count is its source, area (the code as given, also when unknown), month,
label and channel. A count delivered again with another value replaces the stored one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from regie_analytics import cellkey, geo
from regie_analytics.formatting import fmt_pct
from regie_analytics.io.parse import (
    ColumnError,
    DateOrder,
    Notation,
    clean_label,
    clean_text,
    normalise_ids,
    parse_datetimes,
    parse_months,
    parse_numbers,
)
from regie_analytics.io.presets import Extract, extract
from regie_analytics.io.readers import file_sha256, open_inputs
from regie_analytics.limits import Limits
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CELL_KEY,
    CHANNEL,
    CLOSED_AT,
    COUNT,
    COUNT_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    GIVEN_AREA_CODE,
    LAT,
    LON,
    MONTH,
    NO_LOCATION,
    OUTSIDE,
    RECEIVED_AT,
    RECORD_KEY,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
    SOURCE,
    STATUS,
    SUBCATEGORY,
    THEME,
    UNKNOWN_CHANNEL,
    InputError,
)
from regie_analytics.taxonomy import (
    ANY,
    MATCH,
    MATCH_GIVEN,
    MATCH_LABELS,
    MAX_SUGGESTED,
    SCOPE_CATEGORY,
    TAXONOMY_DOMAINS,
    UNKNOWN_DOMAIN,
    Taxonomy,
    match_summary,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_EXAMPLES = 10
"""Row-level problems listed per kind in a report (all are counted)."""
UNUSABLE_SHARE = 0.5
"""A column unusable in this share of its rows or more refuses the whole input: that is a
wrong column or format, not a few typing errors."""
_MATCH = "_match"
"""Working column: how the taxonomy classified a row (``taxonomy.MATCH``; "" not at all)."""


@dataclass
class Problem:
    """One row-level problem: where it is and what it is (Dutch)."""

    kind: str
    file: str
    row: int
    column: str
    message: str

    def line(self) -> str:
        return f"{self.file}, rij {self.row}, kolom '{self.column}': {self.message}"


@dataclass
class ImportReport:
    """What an import read, imported and could not place; printed in Dutch by the CLI."""

    file: str
    preset: str
    source: str
    kind: str
    rows_read: int = 0
    imported: int = 0
    signals_imported: int = 0
    duplicates_in_file: int = 0
    duplicates_in_store: int = 0
    corrected: int = 0
    added_meanwhile: int = 0
    without_location: int = 0
    outside_area: int = 0
    unknown_area_code: int = 0
    unknown_category: int = 0
    bad_dates: int = 0
    early_dates: int = 0
    future_dates: int = 0
    bad_counts: int = 0
    bad_coordinates: int = 0
    swapped_corrected: int = 0
    rd_converted: int = 0
    cleaned_labels: int = 0
    closed_before_received: int = 0
    bad_closed_dates: int = 0
    missing_id: int = 0
    window: str = ""
    files: dict[str, int] = field(default_factory=dict)
    unknown_categories: dict[str, int] = field(default_factory=dict)
    classification: dict[str, dict[str, int]] = field(default_factory=dict)
    """Signals per domain and matching step (see ``taxonomy.match_summary``)."""
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    """Fuzzy suggestions for the unknown categories (``Taxonomy.suggestions``); not applied."""
    unknown_labels: list[dict[str, Any]] = field(default_factory=list)
    """The most frequent unknown labels as ``category``, ``subcategory``, ``count`` (rows), for
    mapping them by hand; at most ``taxonomy.MAX_SUGGESTED``."""
    unknown_area_codes: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_month: str | None = None
    last_month: str | None = None

    @property
    def rejected_rows(self) -> int:
        """Rows not imported because of a problem (duplicates not counted)."""
        dates = self.bad_dates + self.early_dates + self.future_dates
        return dates + self.bad_counts + self.missing_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected_rows"] = self.rejected_rows
        return data

    def add(
        self, kind: str, extract: Extract | None, rows: pd.DataFrame, column: str, msg: str
    ) -> None:
        """Record up to MAX_EXAMPLES example rows of one problem kind (``rows`` with ``_file``
        and ``_row``; ``extract`` names the input's column)."""
        have = sum(1 for p in self.problems if p.kind == kind)
        for _, r in rows.head(max(0, MAX_EXAMPLES - have)).iterrows():
            value = "" if column not in r or pd.isna(r[column]) else str(r[column])[:60]
            value = _CONTROL.sub("\ufffd", value)  # shown, not obeyed by a terminal
            self.problems.append(
                Problem(
                    kind=kind,
                    file=str(r["_file"]),
                    row=int(r["_row"]),
                    column=extract.columns.get(column, column) if extract else column,
                    message=msg.format(value=value),
                )
            )

    def lines(self) -> list[str]:
        """The report as Dutch lines for the command line and the Data page."""
        n = _fmt
        out = [f"Importrapport voor '{self.file}' (preset {self.preset}, bron {self.source})"]
        if self.rejected_rows:
            out.append(
                f"  LET OP: {n(self.rejected_rows)} van de {n(self.rows_read)} rijen niet "
                "geïmporteerd; de redenen en voorbeelden staan hieronder."
            )
        out += [
            f"  {'rijen gelezen:':<52}{n(self.rows_read)}",
            f"  {'geïmporteerd:':<52}{n(self.imported)}",
        ]
        if len(self.files) > 1:
            out += [f"    - {name}: {n(rows)} rijen gelezen" for name, rows in self.files.items()]
        if self.kind == "counts":
            out.append(f"  {'meldingen in die tellingen:':<52}{n(self.signals_imported)}")
        rows = [
            ("al aanwezig in de store (dubbel)", self.duplicates_in_store),
            ("intussen door een andere import toegevoegd", self.added_meanwhile),
            ("gecorrigeerd aantal (vervangt de eerdere waarde)", self.corrected),
            ("dubbel in het bestand", self.duplicates_in_file),
            ("zonder locatie", self.without_location),
            ("buiten het gebied", self.outside_area),
            ("met onbekende gebiedscode", self.unknown_area_code),
            ("met onbekende categorie (naar 'overig')", self.unknown_category),
            ("met onbruikbare datum (niet geïmporteerd)", self.bad_dates),
            ("met te vroege datum (niet geïmporteerd)", self.early_dates),
            ("met datum in de toekomst (niet geïmporteerd)", self.future_dates),
            ("met ongeldig aantal (niet geïmporteerd)", self.bad_counts),
            ("zonder id (niet geïmporteerd)", self.missing_id),
            ("met onbruikbare coördinaten", self.bad_coordinates),
            ("met verwisselde x/y (gecorrigeerd)", self.swapped_corrected),
            ("met RD-coördinaten (omgerekend)", self.rd_converted),
            ("met HTML of stuurtekens in een label (opgeschoond)", self.cleaned_labels),
            ("afgesloten vóór ontvangst (sluitdatum genegeerd)", self.closed_before_received),
            ("met onbruikbare sluitdatum (sluitdatum genegeerd)", self.bad_closed_dates),
        ]
        out += [f"  {label + ':':<52}{n(v)}" for label, v in rows if v]
        if self.first_month:
            out.append(f"  {'periode:':<52}{self.first_month} t/m {self.last_month}")
        if self.window and (self.early_dates or self.future_dates or self.bad_closed_dates):
            out.append(f"  {'datumvenster (geloofwaardige datums):':<52}{self.window}")
        out += classification_lines(self.classification, self.suggestions)
        if self.unknown_categories:
            top = sorted(self.unknown_categories.items(), key=lambda kv: -kv[1])[:10]
            out.append("  onbekende categorieën (voeg ze toe aan de taxonomie):")
            out += [f"    - {label}: {n(count)}" for label, count in top]
        if self.unknown_area_codes:
            top = sorted(self.unknown_area_codes.items(), key=lambda kv: -kv[1])[:10]
            out.append(
                "  onbekende gebiedscodes (niet in de grenzen; per code bewaard als "
                "'buiten gebied'):"
            )
            out += [f"    - {code}: {n(count)}" for code, count in top]
        if self.notes:
            out.append("  opmerkingen:")
            out += [f"    - {note}" for note in self.notes]
        if self.problems:
            out.append("  voorbeelden van rijen met problemen:")
            out += [f"    - {p.line()}" for p in self.problems[:30]]
        return out


def _fmt(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def shares(counts: list[int]) -> list[str]:
    """Dutch percentages of ``counts`` with one decimal that add up to exactly 100,0%
    (largest remainder); a share of a non-zero count too small to show reads '<0,1%'."""
    total = sum(counts)
    if not total:
        return ["–" for _ in counts]
    exact = [1000 * n / total for n in counts]
    tenths = [int(e) for e in exact]
    short = 1000 - sum(tenths)
    for i in sorted(range(len(counts)), key=lambda i: tenths[i] - exact[i])[:short]:
        tenths[i] += 1
    return [
        "<0,1%" if n and not t else fmt_pct(t / 1000, 1)
        for n, t in zip(counts, tenths, strict=True)
    ]


def classification_lines(
    classification: dict[str, dict[str, int]], suggestions: list[dict[str, Any]]
) -> list[str]:
    """The report's classification section: share per domain and how, then the suggestions."""
    domains = [d for d in (*TAXONOMY_DOMAINS, UNKNOWN_DOMAIN) if classification.get(d)]
    if not domains:
        return []
    counts = [sum(classification[d].values()) for d in domains]
    out = ["  ingedeeld per domein (signalen; hoe herkend):"]
    for domain, n, share in zip(domains, counts, shares(counts), strict=True):
        steps = classification[domain]
        how = ", ".join(
            f"{MATCH_LABELS[step]} {_fmt(steps[step])}" for step in MATCH_LABELS if step in steps
        )
        out.append(f"    {domain + ':':<10}{_fmt(n):>12} ({share}): {how}")
    if suggestions:
        out.append(
            "  voorstellen voor onbekende categorieën (niet toegepast; neem ze over op de "
            "Data-pagina of in de taxonomie):"
        )
        for sug in suggestions[:MAX_EXAMPLES]:
            label = " / ".join(filter(None, (sug[CATEGORY], sug[SUBCATEGORY])))
            target = " / ".join(
                part
                for part in (sug["suggested_category"], sug["suggested_subcategory"])
                if part != ANY
            )
            scope = (
                ", voor de hele categorie"
                if sug["scope"] == SCOPE_CATEGORY and sug[SUBCATEGORY]
                else ""
            )
            out.append(
                f"    - '{label}' ({_fmt(sug[COUNT])}) lijkt op '{target}': {sug[DOMAIN]}, "
                f"thema {sug[THEME]} (gelijkenis {sug['score']}{scope})"
            )
        if len(suggestions) > MAX_EXAMPLES:
            out.append(f"    - en nog {_fmt(len(suggestions) - MAX_EXAMPLES)} voorstellen")
    return out


@dataclass
class PreparedImport:
    """Everything an import would write, not yet written."""

    report: ImportReport
    kind: str
    records: pd.DataFrame
    cube: pd.DataFrame
    file_hash: str
    path: str
    system: str = ""
    """The source system the taxonomy was looked up with (see ``Extract.system``)."""
    replaces: pd.MultiIndex | None = None
    """Count keys (see :func:`count_keys`) whose stored value this import corrects."""
    secret: str = ""
    """The store secret the record keys were made with (see :mod:`regie_analytics.cellkey`)."""


# --- helpers shared by both kinds --------------------------------------------------------------
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
    out = frame.copy()
    out[AREA_CODE] = pd.Categorical(code)
    out[LON], out[LAT] = lon, lat
    out[GIVEN_AREA_CODE] = given
    out["_swapped"], out["_rd"], out["_bad_xy"] = swapped, rd, bad_xy
    out["_unknown_code"] = unknown
    return out


def _clean_labels(ctx: _Context, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Labels from data without HTML or control characters (``_cleaned`` flags a change)."""
    out = frame.copy()
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
    out = frame.copy()
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


# --- signals -----------------------------------------------------------------------------------
_CLOSED_OK, _CLOSED_BEFORE, _CLOSED_BAD = 0, 1, 2


def _signal_batch(ctx: _Context, part: pd.DataFrame) -> pd.DataFrame:
    """One batch of signals: checked, located and classified, with the report's flags."""
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
    return pd.DataFrame(
        {
            SOURCE: pd.Categorical.from_codes(
                np.zeros(n, dtype="int8"), categories=pd.Index([extract.source], dtype="str")
            ),
            SIGNAL_ID: frame["signal_id"].astype("str"),
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
            **{flag: frame[flag] for flag in flags},
        }
    )


def prepare_signals(ctx: _Context) -> pd.DataFrame:
    """Check, locate, classify and de-duplicate record-level signals (all batches)."""
    extract = ctx.extract
    chunks = [_signal_batch(ctx, part) for part in extract.frames()]
    ctx.tally("received_at").check(extract, "received_at", "de ontvangstdatum", hint=_DATE_HINT)
    records = _concat(chunks, [*SIGNAL_COLUMNS])
    del chunks
    return _first_of_each(
        ctx,
        records,
        records[SIGNAL_ID],
        column="signal_id",
        message="id '{value}' komt eerder in het bestand voor (eerste rij gebruikt)",
    )


# --- counts ------------------------------------------------------------------------------------
def _count_batch(ctx: _Context, part: pd.DataFrame) -> pd.DataFrame:
    """One batch of counts: checked, located and classified, with the report's flags."""
    report, extract = ctx.report, ctx.extract
    label_col = "theme" if "theme" in extract.fields else "category"
    months, bad = parse_months(part["period"], order=ctx.orders.get("period", "dmy"))
    bad = bad | (months.isna().to_numpy() & ~bad)
    ctx.tally("period").add(part, bad, "period")
    if bad.any():
        report.bad_dates += int(bad.sum())
        report.add(
            "datum", extract, part.loc[bad], "period", "geen herkenbare maand (JJJJ-MM): '{value}'"
        )
    first_month = ctx.window[0].strftime("%Y-%m")
    last_month = ctx.window[1].strftime("%Y-%m")
    early = (months < first_month).to_numpy() & ~bad
    late = (months > last_month).to_numpy() & ~bad
    _report_window(
        ctx,
        part,
        "period",
        early=(early, f"maand vóór {first_month}"),
        late=(late, "maand in de toekomst"),
    )

    values, bad_num = parse_numbers(part["count"], notation=ctx.notations.get("count", "en"))
    infinite = np.isinf(values.to_numpy())
    bad_num = bad_num | infinite
    values = values.where(~infinite)
    missing = values.isna().to_numpy() & ~bad_num
    negative = (values < 0).to_numpy()
    fractional = (values.notna() & (values != np.floor(values))).to_numpy()
    too_large = (values > ctx.limits.max_count).to_numpy()
    bad_count = bad_num | negative | fractional | missing | too_large
    dated = ~(bad | early | late)
    ctx.tally("count").add(part.loc[dated], bad_count[dated], "count")
    if bad_count.any():
        report.bad_counts += int(bad_count.sum())
        for mask, message in (
            (bad_num | missing, "geen getal: '{value}'"),
            (negative, "negatief aantal: '{value}'"),
            (fractional & ~negative, "geen geheel aantal: '{value}'"),
            (
                too_large & ~fractional,
                f"aantal groter dan {_fmt(ctx.limits.max_count)}, onwaarschijnlijk voor één "
                "gebied, maand en thema (grens REGIE_MAX_COUNT): '{value}'",
            ),
        ):
            if mask.any():
                report.add("aantal", extract, part.loc[mask], "count", message)

    drop = bad | early | late | bad_count
    frame = _drop(part, drop).assign(
        **{MONTH: months[~drop].to_numpy(), COUNT: values[~drop].astype("int64").to_numpy()}
    )
    frame = frame.assign(**{CATEGORY: frame[label_col]})
    frame = _locate(ctx, frame)
    frame = _clean_labels(ctx, frame, (CATEGORY, "channel"))
    given_domain = _text(frame, "domain")
    frame = _classify(ctx, frame)
    if "domain" in extract.fields:
        given = given_domain.astype("str").str.strip().str.lower()
        has = given.notna() & (given != "")
        valid = given.isin(["fysiek", "sociaal"])
        invalid = (has & ~valid).to_numpy()
        if invalid.any():
            first = frame.loc[invalid].iloc[0]
            raise InputError(
                f"onbekend domein '{given_domain[invalid].iloc[0]}'.",
                file=str(first["_file"]),
                row=int(first["_row"]),
                column=extract.columns.get("domain", "domain"),
                hint="gebruik 'fysiek' of 'sociaal', of laat de kolom leeg zodat de taxonomie "
                "het domein bepaalt.",
            )
        from_file = (has & (given != frame[DOMAIN])).to_numpy()
        frame[DOMAIN] = given.where(has, frame[DOMAIN]).to_numpy()
        frame[_MATCH] = np.where(from_file, MATCH_GIVEN, frame[_MATCH].to_numpy())
    frame = frame.assign(**{CHANNEL: _label(_text(frame, "channel"), UNKNOWN_CHANNEL)})
    frame = frame.reset_index(drop=True)
    return pd.DataFrame(
        {
            SOURCE: pd.Series(extract.source, index=frame.index, dtype="str"),
            **{
                c: frame[c].astype("str")
                for c in COUNT_COLUMNS
                if c not in (SOURCE, COUNT, CELL_KEY)
            },
            COUNT: frame[COUNT],
            **{f: frame[f] for f in ("_file", "_row", "_unknown_code", _MATCH, "_cleaned")},
        }
    )


def prepare_counts(ctx: _Context) -> pd.DataFrame:
    """Check, locate and classify pre-aggregated counts (all batches).

    The import key is source + area (as given) + month + label (theme or category) + channel.
    """
    extract = ctx.extract
    chunks = [_count_batch(ctx, part) for part in extract.frames()]
    ctx.tally("period").check(
        extract, "period", "de periode (maand)", hint="of de maanden als JJJJ-MM geschreven zijn."
    )
    ctx.tally("count").check(
        extract, "count", "het aantal", hint="of de aantallen hele getallen zijn (0 of meer)."
    )
    records = _concat(chunks, [*COUNT_COLUMNS])
    del chunks
    return _first_of_each(
        ctx,
        records,
        count_keys(records),
        column="count",
        message="gebied, maand, thema en kanaal komen eerder in het bestand voor (eerste rij "
        "gebruikt)",
    )


# --- keys, duplicates against the store, the cube ----------------------------------------------
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


def _match_known(
    records: pd.DataFrame, known: pd.DataFrame, *, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """Which ``records`` the store holds already, and which correct a stored count."""
    none = np.zeros(len(records), dtype=bool)
    if known.empty or records.empty:
        return none, none
    if kind == "signals":
        stored = pd.Index(normalise_ids(known[SIGNAL_ID]).dropna().unique())
        return records[SIGNAL_ID].isin(stored).to_numpy(), none
    keys = count_keys(records)
    stored_keys = count_keys(known)
    latest = ~stored_keys.duplicated(keep="last")
    stored = pd.Series(known[COUNT].to_numpy()[latest], index=stored_keys[latest])
    position = stored.index.get_indexer(keys)
    found = position >= 0
    values = np.where(found, stored.to_numpy()[np.maximum(position, 0)], -1)
    same = found & (values == records[COUNT].to_numpy())
    return same, found & ~same


def drop_known(prepared: PreparedImport, known: pd.DataFrame) -> PreparedImport:
    """``prepared`` checked again against what the store holds now (a new object).

    ``known`` is :meth:`regie_analytics.store.Store.known_records` for the import's source
    and kind. The store calls this inside its lock just before it commits: records another
    import stored since the check are dropped (and counted as such), and the count keys this
    import corrects are listed in ``replaces``, so the store replaces the earlier values.
    """
    records = prepared.records
    in_store, corrected = _match_known(records, known, kind=prepared.kind)
    report = replace(prepared.report, corrected=int(corrected.sum()))
    replaces = count_keys(records)[corrected] if corrected.any() else None
    if not in_store.any():
        return replace(prepared, report=report, replaces=replaces)
    kept = records.loc[~in_store].reset_index(drop=True)
    report.added_meanwhile += int(in_store.sum())
    report.duplicates_in_store += int(in_store.sum())
    report.imported = len(kept)
    report.signals_imported = len(kept) if prepared.kind == "signals" else int(kept[COUNT].sum())
    return replace(
        prepared,
        report=report,
        records=kept,
        cube=cube_part(kept, kind=prepared.kind),
        replaces=replaces,
    )


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
            & records[DOMAIN].isin(["fysiek", "sociaal"]).to_numpy()
        )
        out.loc[keep, DOMAIN] = records.loc[keep, DOMAIN]
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = out[column].astype("category" if kind == "signals" else "str")
    return out


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
