"""Readers for raw input files: CSV, Excel, Parquet, GeoJSON points, and zips or folders.

Every reader returns a :class:`RawTable`: all columns as text (``str`` dtype), so that the
presets decide how to parse each column and can name the row of a bad value. Row numbers
follow a spreadsheet: the header is row 1, the first record row 2.

A table is read in batches (:meth:`RawTable.frames`), so an import's memory does not grow
with the raw file: CSV and Parquet stream from disk, only the columns asked for. The members
of a zip are unpacked one by one into a private folder, within the limits of
:class:`regie_analytics.limits.Limits` (unpacked size and ratio, checked before anything is
unpacked and again while unpacking), so a zip bomb is refused before it uses memory or disk.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from regie_analytics.limits import Limits
from regie_analytics.schema import InputError

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".geojson", ".json")
BATCH_ROWS = 500_000
"""Rows per batch for tables read whole (Excel, JSON); CSV batches are ~32 MB of text."""
_CSV_BLOCK = 32 << 20
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "komma", ";": "puntkomma", "\t": "tab", "|": "verticale streep"}
_MIN_RATIO_CHECK = 1 << 20
"""Members smaller than this (unpacked) are not held to the zip ratio: tiny files compress
far, and cannot exhaust anything."""

Frames = Callable[[Sequence[str] | None], Iterator[pd.DataFrame]]


@dataclass
class RawTable:
    """One table read from a file, every column as text.

    Attributes
    ----------
    file
        Name of the file (inside a zip or folder: ``archive.zip/noord/telling.csv``).
    columns
        The column names as read (stripped of spaces).
    read
        ``read(columns)`` yields the records in batches: text frames with those columns (all
        when ``None``), indexed by the 0-based record position in the file.
    encoding, delimiter
        What was detected (CSV only).
    notes
        Dutch remarks about what was detected (encoding, time zone, ...).
    """

    file: str
    columns: list[str]
    read: Frames = field(repr=False)
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def frames(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The records in batches (see ``read``)."""
        return self.read(columns)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All records at once: for small tables (a Signalen lookup table, a preview)."""
        parts = list(self.frames())
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in self.columns})
        return pd.concat(parts) if len(parts) > 1 else parts[0]

    def row_number(self, positions: np.ndarray | pd.Index | list[int]) -> np.ndarray:
        """Spreadsheet row numbers (header = 1) of 0-based record positions."""
        return np.asarray(positions, dtype=np.int64) + 2


def in_memory_reader(frame: pd.DataFrame) -> Frames:
    """``read`` for a table held in memory: batches of :data:`BATCH_ROWS` rows."""

    def read(columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        part = frame if columns is None else frame[list(columns)]
        for start in range(0, len(part), BATCH_ROWS):
            yield part.iloc[start : start + BATCH_ROWS]

    return read


# --- CSV ---------------------------------------------------------------------------------------
def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control / len(head) > 0.05


def detect_encoding(data: bytes) -> str:
    """Return ``utf-8-sig``, ``utf-8`` or ``cp1252`` for the bytes of a text file."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def _detect_file_encoding(path: Path) -> str:
    """:func:`detect_encoding` for a file, read in chunks (never the whole file at once)."""
    with open(path, "rb") as handle:
        head = handle.read(3)
        if head == b"\xef\xbb\xbf":
            return "utf-8-sig"
        candidates = ["utf-8", "cp1252"]
        decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
        handle.seek(0)
        while chunk := handle.read(1 << 22):
            for name in list(candidates):
                try:
                    decoders[name].decode(chunk)
                except UnicodeDecodeError:
                    candidates.remove(name)
            if not candidates:
                return "latin-1"
        for name in list(candidates):
            try:
                decoders[name].decode(b"", final=True)
            except UnicodeDecodeError:
                candidates.remove(name)
    return candidates[0] if candidates else "latin-1"


def detect_delimiter(header_line: str) -> str:
    """Pick the delimiter that splits the header line into the most fields (outside quotes)."""
    best, best_n = ",", 0
    for delim in _DELIMITERS:
        try:
            n = len(next(csv.reader([header_line], delimiter=delim)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = delim, n
    return best


def _first_line(text_head: str) -> tuple[str, int]:
    """The first non-blank line and the number of characters up to and including it."""
    used = 0
    for line in text_head.splitlines(keepends=True):
        used += len(line)
        if line.strip():
            return line.rstrip("\r\n"), used
    return "", used


def read_csv_file(path: Path, *, name: str) -> RawTable:
    """Read a CSV file with detection of encoding and delimiter; all values as text."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(
            "het bestand is leeg.",
            file=name,
            hint="exporteer het bestand opnieuw uit het bronsysteem; er staan geen rijen in.",
        )
    if _looks_binary(head):
        raise InputError(
            "dit is geen tekstbestand (CSV) maar binaire inhoud.",
            file=name,
            hint="controleer of u het juiste bestand koos; een Excel-bestand moet eindigen op "
            "'.xlsx', niet op '.csv'.",
        )
    encoding = _detect_file_encoding(path)
    notes: list[str] = []
    if encoding == "cp1252":
        notes.append("tekencodering Windows-1252 herkend en omgezet naar UTF-8")
    if encoding == "utf-8-sig":
        head = head[3:]
        encoding = "utf-8"
        notes.append("UTF-8 met BOM herkend")
    head_text = head.decode(encoding, errors="replace")
    header_line, used = _first_line(head_text)
    delimiter = detect_delimiter(header_line)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    if len(header) <= 1:
        raise InputError(
            f"de kopregel bevat maar één kolom ('{header_line[:80]}'); het scheidingsteken "
            "wordt niet herkend.",
            file=name,
            row=1,
            hint="sla het bestand op als CSV met komma, puntkomma of tab als scheidingsteken.",
        )
    if delimiter == "|":
        notes.append("scheidingsteken '|' (verticale streep) herkend")
    if len(set(header)) != len(header) or any(h == "" for h in header):
        dup = sorted({h for h in header if header.count(h) > 1 or h == ""})
        raise InputError(
            f"de kopregel heeft lege of dubbele kolomnamen: {', '.join(repr(d) for d in dup)}.",
            file=name,
            row=1,
            hint="geef elke kolom een unieke naam.",
        )
    if not head_text[used:].strip() and len(head) < 65536:
        raise InputError(
            "het bestand bevat alleen een kopregel en geen gegevens.",
            file=name,
            row=2,
            hint="exporteer opnieuw met de rijen erbij.",
        )
    skip = head_text[:used].count("\n") or 1

    def read(columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        wanted = list(columns) if columns is not None else header
        start = 0
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    encoding=encoding, column_names=header, skip_rows=skip, block_size=_CSV_BLOCK
                ),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={h: pa.string() for h in wanted},
                    include_columns=wanted,
                    strings_can_be_null=True,
                    null_values=[""],
                ),
            )
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                frame = _text_frame(batch, wanted)
                frame.index = pd.RangeIndex(start, start + len(frame))
                start += len(frame)
                yield frame
        except pa.ArrowInvalid as exc:
            row = _first_ragged_row(path, encoding=encoding, delimiter=delimiter, width=len(header))
            raise InputError(
                f"de rij heeft een ander aantal kolommen dan de kopregel ({len(header)} kolommen, "
                f"scheidingsteken {_DELIMITER_NAMES[delimiter]}).",
                file=name,
                row=row,
                hint="controleer aanhalingstekens en scheidingstekens in die rij.",
            ) from exc

    return RawTable(
        file=name,
        columns=header,
        read=read,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


def _text_frame(batch: pa.RecordBatch, columns: list[str]) -> pd.DataFrame:
    """A record batch of strings as a frame of ``str`` columns (Arrow-backed)."""
    frame = batch.select(columns).to_pandas()
    frame.columns = columns
    return frame.astype("str")


def _first_ragged_row(path: Path, *, encoding: str, delimiter: str, width: int) -> int | None:
    """Spreadsheet row number of the first record whose field count differs from the header."""
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        for number, fields in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if number > 1 and fields and len(fields) != width:
                return number
    return None


# --- other formats -----------------------------------------------------------------------------
def _as_text_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """All columns as text; times with a time zone in Dutch local time (with a note)."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    notes: list[str] = []
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            notes.append(
                f"kolom '{col}': tijden met tijdzone {values.dt.tz} omgezet naar Nederlandse tijd"
            )
            values = values.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif pd.api.types.is_float_dtype(values) and _whole(values):
            # a column of whole numbers with gaps is read as floats: 700001, not 700001.0
            text = values.astype("Int64").astype("str")
        else:
            text = values.astype("str")
        text = text.where(values.notna().to_numpy(), None)
        out[str(col).strip()] = text.to_numpy()
    return out.astype("str"), notes


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    with np.errstate(invalid="ignore"):
        return bool(
            len(finite)
            and np.isfinite(finite).all()
            and (finite.abs() < 2**53).all()
            and (finite == np.floor(finite)).all()
        )


def _table(frame: pd.DataFrame, *, name: str, notes: list[str] | None = None) -> RawTable:
    text, tz_notes = _as_text_frame(frame)
    return RawTable(
        file=name,
        columns=list(text.columns),
        read=in_memory_reader(text),
        notes=[*(notes or []), *tz_notes],
    )


def read_excel_file(path: Path, *, name: str) -> RawTable:
    """Read the first sheet of an ``.xlsx`` file; values as text."""
    try:
        frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, TypeError) as exc:
        raise InputError(
            "het Excel-bestand kan niet worden gelezen.",
            file=name,
            hint="open het in Excel en sla het opnieuw op als .xlsx, of exporteer als CSV.",
        ) from exc
    if frame.empty:
        raise InputError(
            "het werkblad bevat geen gegevens.", file=name, row=2, hint="vul het werkblad."
        )
    return _table(frame, name=name)


def read_parquet_file(path: Path, *, name: str) -> RawTable:
    """Read a Parquet file in batches; values as text."""
    try:
        parquet = pq.ParquetFile(path)
        columns = [str(c).strip() for c in parquet.schema_arrow.names]
        rows = parquet.metadata.num_rows
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise InputError(
            "het Parquet-bestand kan niet worden gelezen.",
            file=name,
            hint="controleer of het bestand volledig is gedownload.",
        ) from exc
    if rows == 0:
        raise InputError("het bestand bevat geen rijen.", file=name, row=2)
    names = dict(zip(columns, parquet.schema_arrow.names, strict=True))
    notes = [
        f"kolom '{column}': tijden met tijdzone {kind.tz} omgezet naar Nederlandse tijd"
        for column, kind in zip(columns, parquet.schema_arrow.types, strict=True)
        if pa.types.is_timestamp(kind) and kind.tz is not None
    ]

    def read(wanted: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        chosen = list(wanted) if wanted is not None else columns
        start = 0
        try:
            for batch in pq.ParquetFile(path).iter_batches(
                batch_size=BATCH_ROWS, columns=[names[c] for c in chosen]
            ):
                frame, _ = _as_text_frame(batch.to_pandas())
                frame.columns = chosen
                frame.index = pd.RangeIndex(start, start + len(frame))
                start += len(frame)
                yield frame
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise InputError(
                f"het Parquet-bestand kan vanaf rij {start + 2} niet worden gelezen.",
                file=name,
                row=start + 2,
                hint="controleer of het bestand volledig is gedownload.",
            ) from exc

    return RawTable(file=name, columns=columns, read=read, notes=notes)


def read_geojson_file(path: Path, *, name: str) -> RawTable:
    """Read GeoJSON points; the coordinates land in text columns ``lon`` and ``lat`` (WGS84).

    Features that are not points (lines, areas) are refused with their row: their location
    is not one place.
    """
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for bad files
        raise InputError(
            "het GeoJSON-bestand kan niet worden gelezen.",
            file=name,
            hint="controleer of het geldige GeoJSON is (een FeatureCollection met punten).",
        ) from exc
    if gdf.empty:
        raise InputError("het GeoJSON-bestand bevat geen features.", file=name)
    geom = gdf.geometry
    kinds = geom.geom_type
    not_point = (geom.notna() & ~geom.is_empty & (kinds != "Point")).to_numpy()
    if not_point.any():
        first = int(np.flatnonzero(not_point)[0])
        raise InputError(
            f"{int(not_point.sum())} feature(s) zijn geen punt (de eerste is een "
            f"{kinds.iloc[first]}); alleen punten zijn een plaats.",
            file=name,
            row=first + 2,
            column="geometry",
            hint="lever de meldingen als punten aan (bijvoorbeeld het middelpunt van elke "
            "melding), of als tabel met coördinaten of een gebiedscode.",
        )
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
        geom = gdf.geometry
    usable = (geom.notna() & ~geom.is_empty).to_numpy()
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    lon[usable] = geom[usable].x.to_numpy()
    lat[usable] = geom[usable].y.to_numpy()
    frame["lon"], frame["lat"] = lon, lat
    return _table(frame, name=name)


def load_json(path: Path, *, name: str, hint: str) -> object:
    """Parse a JSON file; invalid or absurdly nested JSON is an :class:`InputError`."""
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"het JSON-bestand is ongeldig: {exc.args[0] if exc.args else exc}.",
            file=name,
            hint=hint,
        ) from exc
    except RecursionError as exc:
        raise InputError(
            "het JSON-bestand is te diep genest om te lezen.",
            file=name,
            hint=hint,
        ) from exc


def _is_geojson(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return b"FeatureCollection" in head or b'"Feature"' in head.lstrip()[:200]


def read_member(path: Path, *, name: str) -> RawTable | None:
    """Read one table file by its suffix; None for JSON that is not GeoJSON."""
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_file(path, name=name)
    if suffix == ".xlsx":
        return read_excel_file(path, name=name)
    if suffix == ".parquet":
        return read_parquet_file(path, name=name)
    if suffix in (".geojson", ".json") and _is_geojson(path):
        return read_geojson_file(path, name=name)
    return None


# --- files, folders and zips -------------------------------------------------------------------
@dataclass
class Member:
    """One file of an input: its name as the user knows it, and where it is on disk."""

    name: str
    path: Path


@dataclass
class Inputs:
    """The files of an input (a file, a folder or a zip) and the ones not read, by name."""

    members: list[Member]
    skipped: list[str] = field(default_factory=list)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB".replace(",", ".")


def _too_big(name: str | Path, size: int, limits: Limits) -> InputError:
    return InputError(
        f"de invoer is uitgepakt {_mb(size)}; dat is meer dan de grens van "
        f"{_mb(limits.max_bytes)} per import.",
        file=name,
        hint="splits de export in kleinere delen (bijvoorbeeld per jaar), of verhoog de "
        "instelling REGIE_MAX_UNZIPPED_MB.",
    )


def _is_junk(name: str) -> bool:
    """A system file (``.DS_Store``, ``__MACOSX/._x``): named in the notes, never read."""
    parts = Path(name).parts
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


@contextmanager
def open_inputs(path: str | Path, *, limits: Limits | None = None) -> Iterator[Inputs]:
    """The files of a file, folder or zip, within ``limits``; zip members are unpacked into a
    private folder that is removed afterwards.

    Every member is either listed in ``members`` or named in ``skipped`` with the reason.
    """
    limits = limits or Limits()
    path = Path(path)
    if not path.exists():
        raise InputError("het pad bestaat niet.", file=path, hint="controleer het pad.")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        inputs = Inputs(members=[])
        total = 0
        for member in files:
            rel = str(member.relative_to(path))
            if _is_junk(rel):
                inputs.skipped.append(f"{rel}: niet gelezen (systeembestand)")
                continue
            inputs.members.append(Member(rel, member))
            total += member.stat().st_size
        if total > limits.max_bytes:
            raise _too_big(path, total, limits)
        yield inputs
        return
    if path.suffix.lower() != ".zip":
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(path, size, limits)
        yield Inputs(members=[Member(path.name, path)])
        return
    folder = Path(tempfile.mkdtemp(prefix="regie-unzip-"))
    try:
        yield _unzip(path, folder, limits)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unzip(path: Path, folder: Path, limits: Limits) -> Inputs:
    """Unpack the table members of a zip into ``folder``, refusing bombs before unpacking."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            "het zip-bestand is beschadigd of geen zip.",
            file=path,
            hint="pak het opnieuw in of download het opnieuw.",
        ) from exc
    with archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
        inputs = Inputs(members=[])
        wanted: list[zipfile.ZipInfo] = []
        for info in infos:
            # the member's name is only shown, never used as a path (no zip-slip)
            label = f"{path.name}/{info.filename}"
            suffix = Path(info.filename).suffix.lower()
            if _is_junk(info.filename):
                inputs.skipped.append(f"{label}: niet gelezen (systeembestand)")
            elif suffix == ".zip":
                inputs.skipped.append(
                    f"{label}: niet gelezen (een zip in een zip wordt niet uitgepakt; lever "
                    "die apart aan)"
                )
            elif suffix not in TABLE_SUFFIXES:
                inputs.skipped.append(
                    f"{label}: niet gelezen (geen tabelbestand: CSV, Excel, Parquet of JSON)"
                )
            else:
                wanted.append(info)
        declared = sum(i.file_size for i in wanted)
        if declared > limits.max_bytes:
            raise _too_big(path, declared, limits)
        for info in wanted:
            label = f"{path.name}/{info.filename}"
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _MIN_RATIO_CHECK and ratio > limits.max_ratio:
                raise _bomb(label, ratio, limits)
            if info.flag_bits & 0x1:
                raise InputError(
                    "dit bestand in de zip is versleuteld (met een wachtwoord).",
                    file=label,
                    hint="pak de zip zonder wachtwoord opnieuw in.",
                )
        written = 0
        for number, info in enumerate(wanted):
            label = f"{path.name}/{info.filename}"
            target = folder / f"{number:05d}{Path(info.filename).suffix.lower()}"
            written += _unpack(archive, info, target, label=label, limits=limits, before=written)
            inputs.members.append(Member(label, target))
    return inputs


def _bomb(label: str, ratio: float, limits: Limits) -> InputError:
    return InputError(
        f"dit bestand in de zip pakt {ratio:,.0f} keer groter uit dan het ingepakt is; boven "
        f"{limits.max_ratio} keer wordt het niet uitgepakt (een zogeheten zipbom).".replace(
            ",", "."
        ),
        file=label,
        hint="lever de bestanden los of in een gewone zip aan; verhoog de instelling "
        "REGIE_MAX_ZIP_RATIO alleen als u de bron vertrouwt.",
    )


def _unpack(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    *,
    label: str,
    limits: Limits,
    before: int,
) -> int:
    """Copy one member to ``target`` in chunks, counting the bytes against the limits."""
    written = 0
    try:
        with archive.open(info) as source, open(target, "wb") as sink:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if before + written > limits.max_bytes:
                    raise _too_big(label, before + written, limits)
                if written > _MIN_RATIO_CHECK and written / max(info.compress_size, 1) > (
                    limits.max_ratio
                ):
                    raise _bomb(label, written / max(info.compress_size, 1), limits)
                sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(
            f"dit bestand in de zip kan niet worden uitgepakt ({type(exc).__name__}).",
            file=label,
            hint="pak de zip opnieuw in (gewone compressie, zonder wachtwoord).",
        ) from exc
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise InputError(
            "de zip kan niet worden uitgepakt: de schijf voor tijdelijke bestanden is vol.",
            file=label,
            hint="maak ruimte vrij in de tijdelijke map (TMPDIR) of lever de bestanden los aan.",
        ) from exc
    return written


def read_tables(inputs: Inputs, *, path: str | Path) -> dict[str, RawTable]:
    """Every table among ``inputs``, by member name; other members are added to
    ``inputs.skipped`` with the reason."""
    tables: dict[str, RawTable] = {}
    for member in inputs.members:
        if Path(member.name).suffix.lower() not in TABLE_SUFFIXES:
            inputs.skipped.append(
                f"{member.name}: niet gelezen (geen tabelbestand: CSV, Excel, Parquet of JSON)"
            )
            continue
        table = read_member(member.path, name=member.name)
        if table is None:
            inputs.skipped.append(f"{member.name}: niet gelezen (JSON, maar geen GeoJSON)")
            continue
        tables[member.name] = table
    if not tables:
        raise InputError(
            "er staat geen leesbaar tabelbestand in.",
            file=path,
            hint="lever CSV, Excel (.xlsx), Parquet of GeoJSON aan, los of in een zip of map.",
            details=inputs.skipped[:10],
        )
    return tables


def read_table(path: str | Path) -> RawTable:
    """Read one table file (CSV, Excel, Parquet or GeoJSON), detecting its format."""
    path = Path(path)
    if not path.exists():
        raise InputError("het bestand bestaat niet.", file=path, hint="controleer het pad.")
    table = read_member(path, name=path.name)
    if table is None:
        raise InputError(
            f"bestandstype '{path.suffix}' wordt niet ondersteund.",
            file=path,
            hint="gebruik CSV, Excel (.xlsx), Parquet, GeoJSON of een zip daarvan.",
        )
    return table


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (read in chunks), or of all files in a folder (names and contents)."""
    path = Path(path)
    if not path.is_dir():
        return _sha256(path).hex()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = str(file.relative_to(path))
        if not _is_junk(rel):
            digest.update(rel.encode())
            digest.update(_sha256(file))
    return digest.hexdigest()


def _sha256(file: Path) -> bytes:
    inner = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 22):
            inner.update(chunk)
    return inner.digest()


def preview_rows(path: str | Path, *, rows: int = 10) -> pd.DataFrame:
    """The first ``rows`` records of a table file (for the Data page)."""
    first = next(read_table(path).frames(), None)
    return first.head(rows) if first is not None else pd.DataFrame()


def read_csv_bytes(data: bytes, *, name: str) -> RawTable:
    """Read CSV bytes (an uploaded taxonomy, say) with :func:`read_csv_file`; held in memory."""
    with tempfile.TemporaryDirectory(prefix="regie-csv-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(data)
        table = read_csv_file(path, name=name)
        frame = table.frame
    return RawTable(
        file=name,
        columns=table.columns,
        read=in_memory_reader(frame),
        encoding=table.encoding,
        delimiter=table.delimiter,
        notes=table.notes,
    )
