"""The import pipeline: from a raw input to checked, classified, located records and a report.

``prepare_import`` reads an input with a preset, parses dates and numbers, places every record
in an area (by code or coordinates), classifies categories with the taxonomy, removes
duplicates (within the file and against the store) and builds the cube part. Nothing is
written: :meth:`regie_analytics.store.Store.commit` does that, atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import geo
from regie_analytics.io.parse import clean_label, parse_datetimes, parse_months, parse_numbers
from regie_analytics.io.presets import Extract, extract
from regie_analytics.io.readers import file_sha256
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CHANNEL,
    CLOSED_AT,
    COUNT,
    COUNT_COLUMNS,
    CUBE_DIMENSIONS,
    DEPARTMENT,
    DOMAIN,
    LAT,
    LON,
    MONTH,
    NO_LOCATION,
    OUTSIDE,
    RECEIVED_AT,
    SIGNAL_COLUMNS,
    SIGNAL_ID,
    SOURCE,
    STATUS,
    SUBCATEGORY,
    THEME,
    UNKNOWN_CHANNEL,
    InputError,
)
from regie_analytics.taxonomy import Taxonomy

MAX_EXAMPLES = 10
"""Row-level problems listed per kind in a report (all are counted)."""


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
    without_location: int = 0
    outside_area: int = 0
    unknown_area_code: int = 0
    unknown_category: int = 0
    bad_dates: int = 0
    future_dates: int = 0
    bad_counts: int = 0
    bad_coordinates: int = 0
    swapped_corrected: int = 0
    rd_converted: int = 0
    cleaned_labels: int = 0
    closed_before_received: int = 0
    missing_id: int = 0
    unknown_categories: dict[str, int] = field(default_factory=dict)
    unknown_area_codes: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_month: str | None = None
    last_month: str | None = None

    @property
    def rejected_rows(self) -> int:
        """Rows not imported because of a problem (duplicates not counted)."""
        return self.bad_dates + self.future_dates + self.bad_counts + self.missing_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected_rows"] = self.rejected_rows
        return data

    def add(self, kind: str, extract: Extract, rows: pd.DataFrame, column: str, msg: str) -> None:
        """Record up to MAX_EXAMPLES example rows of one problem kind."""
        have = sum(1 for p in self.problems if p.kind == kind)
        for _, r in rows.head(max(0, MAX_EXAMPLES - have)).iterrows():
            value = "" if column not in r or pd.isna(r[column]) else str(r[column])[:60]
            self.problems.append(
                Problem(
                    kind=kind,
                    file=str(r["_file"]),
                    row=int(r["_row"]),
                    column=extract.columns.get(column, column),
                    message=msg.format(value=value),
                )
            )

    def lines(self) -> list[str]:
        """The report as Dutch lines for the command line and the Data page."""
        n = _fmt
        out = [
            f"Importrapport voor '{self.file}' (preset {self.preset}, bron {self.source})",
            f"  {'rijen gelezen:':<52}{n(self.rows_read)}",
            f"  {'geïmporteerd:':<52}{n(self.imported)}",
        ]
        if self.kind == "counts":
            out.append(f"  {'meldingen in die tellingen:':<52}{n(self.signals_imported)}")
        rows = [
            ("al aanwezig in de store (dubbel)", self.duplicates_in_store),
            ("dubbel in het bestand", self.duplicates_in_file),
            ("zonder locatie", self.without_location),
            ("buiten het gebied", self.outside_area),
            ("met onbekende gebiedscode", self.unknown_area_code),
            ("met onbekende categorie (naar 'overig')", self.unknown_category),
            ("met onbruikbare datum (niet geïmporteerd)", self.bad_dates),
            ("met datum in de toekomst (niet geïmporteerd)", self.future_dates),
            ("met ongeldig aantal (niet geïmporteerd)", self.bad_counts),
            ("zonder id (niet geïmporteerd)", self.missing_id),
            ("met onbruikbare coördinaten", self.bad_coordinates),
            ("met verwisselde x/y (gecorrigeerd)", self.swapped_corrected),
            ("met RD-coördinaten (omgerekend)", self.rd_converted),
            ("met HTML of stuurtekens in een label (opgeschoond)", self.cleaned_labels),
            ("afgesloten vóór ontvangst (sluitdatum genegeerd)", self.closed_before_received),
        ]
        out += [f"  {label + ':':<52}{n(v)}" for label, v in rows if v]
        if self.first_month:
            out.append(f"  {'periode:':<52}{self.first_month} t/m {self.last_month}")
        if self.unknown_categories:
            top = sorted(self.unknown_categories.items(), key=lambda kv: -kv[1])[:10]
            out.append("  onbekende categorieën (voeg ze toe aan de taxonomie):")
            out += [f"    - {label}: {n(count)}" for label, count in top]
        if self.unknown_area_codes:
            top = sorted(self.unknown_area_codes.items(), key=lambda kv: -kv[1])[:10]
            out.append(
                "  onbekende gebiedscodes (niet in de grenzen; als 'buiten gebied' bewaard):"
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


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column]
    return pd.Series(pd.NA, index=frame.index, dtype="str")


def _label(series: pd.Series, default: str) -> pd.Series:
    stripped = series.str.strip()
    return stripped.where(stripped.notna() & (stripped != ""), default)


def _reject_if_unusable(
    bad: np.ndarray, present_n: int, extract: Extract, frame: pd.DataFrame, column: str, what: str
) -> None:
    """A column whose values are unusable in more than half of the rows rejects the file."""
    if present_n == 0 or bad.sum() <= 0.5 * present_n:
        return
    first = frame.loc[bad].iloc[0]
    raise InputError(
        f"{what} is in {bad.sum() / max(present_n, 1):.0%} van de rijen onbruikbaar "
        f"(bijvoorbeeld '{str(first[column])[:40]}').",
        file=str(first["_file"]),
        row=int(first["_row"]),
        column=extract.columns.get(column, column),
        hint="controleer of de juiste kolom gekoppeld is en of het formaat klopt "
        "(datums als 31-12-2024 14:05 of 2024-12-31T14:05).",
    )


def _locate(
    frame: pd.DataFrame, areas: pd.DataFrame, report: ImportReport, extract: Extract
) -> pd.DataFrame:
    """Assign area codes: by coordinates where usable, else by a known area code."""
    n = len(frame)
    code = np.full(n, NO_LOCATION, dtype=object)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if "x" in frame.columns and "y" in frame.columns:
        x, bad_x = parse_numbers(frame["x"])
        y, bad_y = parse_numbers(frame["y"])
        bad = bad_x | bad_y
        if bad.any():
            report.bad_coordinates += int(bad.sum())
            report.add("coördinaten", extract, frame.loc[bad], "x", "geen getal: '{value}'")
        assigned = geo.assign_points(areas, x.to_numpy(), y.to_numpy())
        code = np.asarray(assigned.area_code, dtype=object)
        lon, lat = assigned.lon, assigned.lat
        report.swapped_corrected += int(np.sum(assigned.swapped))
        report.rd_converted += int(np.sum(assigned.rd))
        if np.any(assigned.swapped):
            report.notes.append(
                f"{_fmt(int(np.sum(assigned.swapped)))} rijen hadden x en y verwisseld; "
                "dat is per rij herkend en gecorrigeerd"
            )
        if np.any(assigned.rd):
            report.notes.append(
                f"{_fmt(int(np.sum(assigned.rd)))} rijen hadden RD-coördinaten (EPSG:28992); "
                "omgerekend naar WGS84"
            )
    if "area_code" in frame.columns:
        given = frame["area_code"].str.strip().str.upper()
        has_code = given.notna() & (given != "")
        use = has_code.to_numpy() & (code == NO_LOCATION)
        if use.any():
            known = given.isin(areas.index).to_numpy()
            code = code.copy()
            code[use & known] = given.to_numpy()[use & known]
            unknown = use & ~known
            if unknown.any():
                code[unknown] = OUTSIDE
                counts = given[unknown].value_counts()
                report.unknown_area_code += int(unknown.sum())
                for k, v in counts.items():
                    report.unknown_area_codes[str(k)] = report.unknown_area_codes.get(
                        str(k), 0
                    ) + int(v)
                report.add(
                    "gebiedscode",
                    extract,
                    frame.loc[unknown],
                    "area_code",
                    "gebiedscode '{value}' komt niet voor in de grenzen",
                )
    out = frame.copy()
    out[AREA_CODE] = code
    out[LON] = lon
    out[LAT] = lat
    report.without_location += int(np.sum(code == NO_LOCATION))
    report.outside_area += int(np.sum(code == OUTSIDE))
    return out


def _classify(
    frame: pd.DataFrame,
    taxonomy: Taxonomy,
    report: ImportReport,
    extract: Extract,
    *,
    label_columns: tuple[str, ...] = (CATEGORY, SUBCATEGORY),
) -> pd.DataFrame:
    out = frame.copy()
    for column in label_columns:
        if column in out.columns:
            cleaned, changed = clean_label(out[column])
            if changed.any():
                report.cleaned_labels += int(changed.sum())
                report.add(
                    "label",
                    extract,
                    frame.loc[changed],
                    column,
                    "label met HTML of stuurtekens opgeschoond: '{value}'",
                )
            out[column] = cleaned
    if SUBCATEGORY not in out.columns:
        out[SUBCATEGORY] = pd.Series(pd.NA, index=out.index, dtype="str")
    out[SOURCE] = extract.system
    classes = taxonomy.classify(out)
    for column in (DOMAIN, THEME, DEPARTMENT):
        out[column] = classes[column].to_numpy()
    unknown = ~classes["known"].to_numpy(dtype=bool)
    if unknown.any():
        report.unknown_category += int(unknown.sum())
        label = out.loc[unknown, CATEGORY].fillna("").astype(str)
        sub = out.loc[unknown, SUBCATEGORY].fillna("").astype(str)
        combined = label.where(sub == "", label + " / " + sub)
        for k, v in combined.value_counts().items():
            report.unknown_categories[str(k)] = report.unknown_categories.get(str(k), 0) + int(v)
    return out


def month_labels(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` of datetimes, fast: format only the distinct months."""
    months = values.to_numpy().astype("datetime64[M]")
    distinct, inverse = np.unique(months, return_inverse=True)
    labels = np.array([str(m) for m in distinct], dtype=object)
    out = pd.Series(labels[inverse.ravel()], index=values.index, dtype="str")
    return out.where(values.notna().to_numpy(), None)


def _drop(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return frame.loc[~mask] if mask.any() else frame


def prepare_signals(
    extract: Extract,
    *,
    areas: pd.DataFrame,
    taxonomy: Taxonomy,
    existing_keys: pd.Index | None,
    report: ImportReport,
    now: datetime,
) -> pd.DataFrame:
    """Check, locate, classify and de-duplicate record-level signals."""
    frame = extract.frame
    report.rows_read = len(frame)
    ids = _text(frame, "signal_id").str.strip()
    no_id = (ids.isna() | (ids == "")).to_numpy()
    if no_id.any():
        report.missing_id += int(no_id.sum())
        report.add("id", extract, frame.loc[no_id], "signal_id", "geen id")
    frame = frame.assign(signal_id=ids)
    frame = _drop(frame, no_id)

    received, bad, _ = parse_datetimes(_text(frame, "received_at"))
    _reject_if_unusable(bad, len(frame), extract, frame, "received_at", "de ontvangstdatum")
    missing = received.isna().to_numpy() & ~bad
    bad = bad | missing
    if bad.any():
        report.bad_dates += int(bad.sum())
        report.add(
            "datum", extract, frame.loc[bad], "received_at", "geen herkenbare datum: '{value}'"
        )
    future = (received > pd.Timestamp(now + timedelta(days=1))).to_numpy()
    if future.any():
        report.future_dates += int(future.sum())
        report.add(
            "toekomst", extract, frame.loc[future], "received_at", "datum in de toekomst: '{value}'"
        )
    drop = bad | future
    frame = _drop(frame, drop).assign(**{RECEIVED_AT: received[~drop].to_numpy()})

    closed, bad_closed, _ = parse_datetimes(_text(frame, "closed_at"))
    before = (closed < frame[RECEIVED_AT]).to_numpy()
    if before.any():
        report.closed_before_received += int(before.sum())
    closed = closed.where(~(before | bad_closed))
    frame = frame.assign(**{CLOSED_AT: closed.to_numpy()})

    key = frame["signal_id"]
    dup_file = key.duplicated(keep="first").to_numpy()
    if dup_file.any():
        report.duplicates_in_file += int(dup_file.sum())
        report.add(
            "dubbel",
            extract,
            frame.loc[dup_file],
            "signal_id",
            "id '{value}' komt eerder in het bestand voor (eerste rij gebruikt)",
        )
    frame = _drop(frame, dup_file)
    if existing_keys is not None and len(existing_keys):
        in_store = frame["signal_id"].isin(existing_keys).to_numpy()
        report.duplicates_in_store += int(in_store.sum())
        frame = _drop(frame, in_store)

    frame = _locate(frame, areas, report, extract)
    frame = _classify(frame, taxonomy, report, extract)
    # Columns stay in their (Arrow) string or categorical form: no round trips through
    # Python objects, which dominate the time of a million-row import otherwise.
    base = frame.reset_index(drop=True)
    n = len(base)
    records = pd.DataFrame(
        {
            SOURCE: pd.Categorical.from_codes(
                np.zeros(n, dtype="int8"), categories=pd.Index([extract.source], dtype="str")
            ),
            SIGNAL_ID: base["signal_id"].astype("str"),
            RECEIVED_AT: base[RECEIVED_AT],
            CLOSED_AT: base[CLOSED_AT],
            CHANNEL: _label(_text(base, "channel"), UNKNOWN_CHANNEL).astype("category"),
            CATEGORY: base[CATEGORY].astype("category"),
            SUBCATEGORY: base[SUBCATEGORY].astype("category"),
            DOMAIN: base[DOMAIN].astype("category"),
            THEME: base[THEME].astype("category"),
            DEPARTMENT: base[DEPARTMENT].astype("category"),
            STATUS: _text(base, "status").astype("category"),
            AREA_CODE: pd.Categorical(base[AREA_CODE]),
            LON: base[LON],
            LAT: base[LAT],
        },
        columns=list(SIGNAL_COLUMNS),
    )
    report.imported = len(records)
    report.signals_imported = len(records)
    return records


def prepare_counts(
    extract: Extract,
    *,
    areas: pd.DataFrame,
    taxonomy: Taxonomy,
    existing_keys: pd.Index | None,
    report: ImportReport,
    now: datetime,
) -> pd.DataFrame:
    """Check, locate and classify pre-aggregated counts.

    The import key is source + area + month + label (theme or category) + channel.
    """
    frame = extract.frame
    report.rows_read = len(frame)
    label_col = "theme" if "theme" in frame.columns else "category"

    months, bad = parse_months(frame["period"])
    _reject_if_unusable(bad, len(frame), extract, frame, "period", "de periode (maand)")
    missing = months.isna().to_numpy() & ~bad
    bad = bad | missing
    if bad.any():
        report.bad_dates += int(bad.sum())
        report.add(
            "datum", extract, frame.loc[bad], "period", "geen herkenbare maand (JJJJ-MM): '{value}'"
        )
    future = (months > now.strftime("%Y-%m")).to_numpy() & ~bad
    if future.any():
        report.future_dates += int(future.sum())
        report.add(
            "toekomst", extract, frame.loc[future], "period", "maand in de toekomst: '{value}'"
        )

    values, bad_num = parse_numbers(frame["count"])
    infinite = np.isinf(values.to_numpy())
    bad_num = bad_num | infinite
    values = values.where(~infinite)
    missing_count = values.isna().to_numpy() & ~bad_num
    negative = (values < 0).to_numpy()
    fractional = (values.notna() & (values != np.floor(values))).to_numpy()
    bad_count = bad_num | negative | fractional | missing_count
    if bad_count.any():
        report.bad_counts += int(bad_count.sum())
        if (bad_num | missing_count).any():
            report.add(
                "aantal",
                extract,
                frame.loc[bad_num | missing_count],
                "count",
                "geen getal: '{value}'",
            )
        if negative.any():
            report.add(
                "aantal", extract, frame.loc[negative], "count", "negatief aantal: '{value}'"
            )
        if fractional.any():
            report.add(
                "aantal", extract, frame.loc[fractional], "count", "geen geheel aantal: '{value}'"
            )
    _reject_if_unusable(
        bad_count & ~(bad | future), len(frame), extract, frame, "count", "het aantal"
    )

    drop = bad | future | bad_count
    frame = _drop(frame, drop).assign(
        **{MONTH: months[~drop].to_numpy(), COUNT: values[~drop].astype("int64").to_numpy()}
    )

    frame = frame.assign(**{CATEGORY: frame[label_col]})
    frame = _locate(frame, areas, report, extract)
    frame = _classify(frame, taxonomy, report, extract, label_columns=(CATEGORY,))
    if "domain" in extract.frame.columns:
        given = frame["domain"].str.strip().str.lower()
        has = given.notna() & (given != "")
        valid = given.isin(["fysiek", "sociaal"])
        invalid = (has & ~valid).to_numpy()
        if invalid.any():
            first = frame.loc[invalid].iloc[0]
            raise InputError(
                f"onbekend domein '{first['domain']}'.",
                file=str(first["_file"]),
                row=int(first["_row"]),
                column=extract.columns.get("domain", "domain"),
                hint="gebruik 'fysiek' of 'sociaal', of laat de kolom leeg zodat de taxonomie "
                "het domein bepaalt.",
            )
        frame[DOMAIN] = given.where(has, frame[DOMAIN]).to_numpy()

    frame = frame.assign(**{CHANNEL: _label(_text(frame, "channel"), UNKNOWN_CHANNEL)})
    key = count_keys(frame)
    dup_file = key.duplicated(keep="first")
    if dup_file.any():
        report.duplicates_in_file += int(dup_file.sum())
        report.add(
            "dubbel",
            extract,
            frame.loc[dup_file],
            "count",
            "gebied, maand, thema en kanaal komen eerder in het bestand voor (eerste rij gebruikt)",
        )
    frame = _drop(frame, dup_file)
    key = key[~dup_file]
    if existing_keys is not None and len(existing_keys):
        in_store = key.isin(existing_keys)
        report.duplicates_in_store += int(in_store.sum())
        frame = _drop(frame, in_store)

    records = pd.DataFrame(
        {
            SOURCE: extract.source,
            AREA_CODE: frame[AREA_CODE].to_numpy(),
            MONTH: frame[MONTH].to_numpy(),
            CATEGORY: frame[CATEGORY].to_numpy(),
            DOMAIN: frame[DOMAIN].to_numpy(),
            THEME: frame[THEME].to_numpy(),
            DEPARTMENT: frame[DEPARTMENT].to_numpy(),
            CHANNEL: frame[CHANNEL].to_numpy(),
            COUNT: frame[COUNT].to_numpy(),
        },
        columns=list(COUNT_COLUMNS),
    )
    for column in COUNT_COLUMNS:
        if column != COUNT:
            records[column] = records[column].astype("str")
    report.imported = len(records)
    report.signals_imported = int(records[COUNT].sum())
    return records


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


def count_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """Import keys of counts (besides the source): area, month, label as given, channel."""
    return pd.MultiIndex.from_arrays(
        [frame[c].astype("str").to_numpy() for c in (AREA_CODE, MONTH, CATEGORY, CHANNEL)]
    )


def cube_part(records: pd.DataFrame, *, kind: str) -> pd.DataFrame:
    """Aggregate prepared records to the cube's grain."""
    if kind == "signals":
        frame = records.assign(month=month_labels(records[RECEIVED_AT]), count=1)
    else:
        frame = records
    dims = list(CUBE_DIMENSIONS)
    cube = frame.groupby(dims, observed=True, sort=True)[COUNT].sum().reset_index()
    for column in dims:
        cube[column] = cube[column].astype("str")
    cube[COUNT] = cube[COUNT].astype("int64")
    return cube


def prepare_import(
    path: str | Path,
    *,
    preset: str,
    areas: pd.DataFrame,
    taxonomy: Taxonomy,
    existing_keys: Callable[[str, str], pd.Index] | None = None,
    mapping_path: str | Path | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> PreparedImport:
    """Read and check an input; return what would be imported and the report.

    Raises
    ------
    InputError
        When the input as a whole cannot be used (empty, not a table, missing columns, ...).
    """
    now = now or datetime.now()
    ext = extract(path, preset=preset, mapping_path=mapping_path)
    if source:
        ext.source = source
    report = ImportReport(file=Path(path).name, preset=preset, source=ext.source, kind=ext.kind)
    report.notes.extend(ext.notes)
    known = existing_keys(ext.source, ext.kind) if existing_keys is not None else None
    if ext.kind == "signals":
        records = prepare_signals(
            ext, areas=areas, taxonomy=taxonomy, existing_keys=known, report=report, now=now
        )
    else:
        records = prepare_counts(
            ext, areas=areas, taxonomy=taxonomy, existing_keys=known, report=report, now=now
        )
    if report.rows_read and report.imported == 0 and report.rejected_rows == report.rows_read:
        first = report.problems[0] if report.problems else None
        raise InputError(
            "geen enkele rij is bruikbaar; er is niets geïmporteerd.",
            file=first.file if first else path,
            row=first.row if first else None,
            column=first.column if first else None,
            hint="zie het rapport (python -m regie_analytics validate ...) voor de oorzaken.",
            details=report.lines()[1:],
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
    )
