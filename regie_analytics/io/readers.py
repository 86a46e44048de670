"""Readers for raw input files: CSV, Excel, Parquet, GeoJSON points, and zips or folders.

Every reader returns a :class:`RawTable`: all columns as text (``str`` dtype), so that the
presets decide how to parse each column and can name the row of a bad value. Row numbers
follow a spreadsheet: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from regie_analytics.schema import InputError

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".geojson", ".json")
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "komma", ";": "puntkomma", "\t": "tab", "|": "verticale streep"}


@dataclass
class RawTable:
    """One table read from a file, every column as text.

    Attributes
    ----------
    frame
        The records, columns as read (header names stripped of spaces), values as text.
    file
        Name of the file (inside a zip: ``archive.zip/member.csv``).
    encoding, delimiter
        What was detected (CSV only).
    notes
        Dutch remarks about what was detected (encoding, decimal comma, ...).
    """

    frame: pd.DataFrame
    file: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def row_number(self, positions: np.ndarray | pd.Index | list[int]) -> np.ndarray:
        """Spreadsheet row numbers (header = 1) of 0-based record positions."""
        return np.asarray(positions, dtype=np.int64) + 2


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


def _first_line(text_head: str) -> str:
    for line in text_head.splitlines():
        if line.strip():
            return line
    return ""


def read_csv_bytes(data: bytes, *, name: str) -> RawTable:
    """Read CSV bytes with detection of encoding and delimiter; all values as text."""
    if not data.strip():
        raise InputError(
            "het bestand is leeg.",
            file=name,
            hint="exporteer het bestand opnieuw uit het bronsysteem; er staan geen rijen in.",
        )
    if _looks_binary(data[:65536]):
        raise InputError(
            "dit is geen tekstbestand (CSV) maar binaire inhoud.",
            file=name,
            hint="controleer of u het juiste bestand koos; een Excel-bestand moet eindigen op "
            "'.xlsx', niet op '.csv'.",
        )
    encoding = detect_encoding(data)
    notes: list[str] = []
    if encoding == "cp1252":
        notes.append("tekencodering Windows-1252 herkend en omgezet naar UTF-8")
    if encoding == "utf-8-sig":
        data = data[3:]
        encoding = "utf-8"
        notes.append("UTF-8 met BOM herkend")
    head_text = data[:65536].decode(encoding, errors="replace")
    header_line = _first_line(head_text)
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
    column_types = {h: pa.string() for h in header}
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=header, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, strings_can_be_null=True, null_values=[""]
            ),
        )
    except pa.ArrowInvalid as exc:
        row = _first_ragged_row(data, encoding=encoding, delimiter=delimiter, width=len(header))
        raise InputError(
            f"de rij heeft een ander aantal kolommen dan de kopregel ({len(header)} kolommen, "
            f"scheidingsteken {_DELIMITER_NAMES[delimiter]}).",
            file=name,
            row=row,
            hint="controleer aanhalingstekens en scheidingstekens in die rij.",
        ) from exc
    frame = table.to_pandas()
    frame.columns = header
    if frame.empty:
        raise InputError(
            "het bestand bevat alleen een kopregel en geen gegevens.",
            file=name,
            row=2,
            hint="exporteer opnieuw met de rijen erbij.",
        )
    return RawTable(frame=frame, file=name, encoding=encoding, delimiter=delimiter, notes=notes)


def _first_ragged_row(data: bytes, *, encoding: str, delimiter: str, width: int) -> int | None:
    """Spreadsheet row number of the first record whose field count differs from the header."""
    text = io.StringIO(data.decode(encoding, errors="replace"), newline="")
    for number, fields in enumerate(csv.reader(text, delimiter=delimiter), start=1):
        if number > 1 and fields and len(fields) != width:
            return number
    return None


def _as_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S")
        else:
            text = values.astype("str")
        text = text.where(values.notna().to_numpy(), None)
        out[str(col).strip()] = text.to_numpy()
    return out.astype("str")


def read_excel_bytes(data: bytes, *, name: str) -> RawTable:
    """Read the first sheet of an ``.xlsx`` file; values as text."""
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise InputError(
            "het Excel-bestand kan niet worden gelezen.",
            file=name,
            hint="open het in Excel en sla het opnieuw op als .xlsx, of exporteer als CSV.",
        ) from exc
    if frame.empty:
        raise InputError(
            "het werkblad bevat geen gegevens.", file=name, row=2, hint="vul het werkblad."
        )
    return RawTable(frame=_as_text_frame(frame), file=name)


def read_parquet_bytes(data: bytes, *, name: str) -> RawTable:
    """Read a Parquet file; values as text."""
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise InputError(
            "het Parquet-bestand kan niet worden gelezen.",
            file=name,
            hint="controleer of het bestand volledig is gedownload.",
        ) from exc
    if frame.empty:
        raise InputError("het bestand bevat geen rijen.", file=name, row=2)
    return RawTable(frame=_as_text_frame(frame), file=name)


def read_geojson_bytes(data: bytes, *, name: str) -> RawTable:
    """Read GeoJSON points; the coordinates land in text columns ``lon`` and ``lat`` (WGS84)."""
    import geopandas as gpd

    try:
        gdf = gpd.read_file(io.BytesIO(data))
    except Exception as exc:  # pyogrio raises several error types for bad files
        raise InputError(
            "het GeoJSON-bestand kan niet worden gelezen.",
            file=name,
            hint="controleer of het geldige GeoJSON is (een FeatureCollection met punten).",
        ) from exc
    if gdf.empty:
        raise InputError("het GeoJSON-bestand bevat geen features.", file=name)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geom = gdf.geometry
    is_point = geom.geom_type == "Point"
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame["lon"] = np.where(is_point, geom.x.where(is_point), np.nan)
    frame["lat"] = np.where(is_point, geom.y.where(is_point), np.nan)
    frame[["lon", "lat"]] = frame[["lon", "lat"]].where(is_point.to_numpy()[:, None])
    return RawTable(frame=_as_text_frame(frame), file=name)


def _read_member(data: bytes, *, name: str) -> RawTable | None:
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_bytes(data, name=name)
    if suffix == ".xlsx":
        return read_excel_bytes(data, name=name)
    if suffix == ".parquet":
        return read_parquet_bytes(data, name=name)
    if suffix in (".geojson", ".json"):
        stripped = data.lstrip()[:200]
        if b"FeatureCollection" in data[:4096] or b'"Feature"' in stripped:
            return read_geojson_bytes(data, name=name)
        return None
    return None


def read_table(path: str | Path) -> RawTable:
    """Read one table file (CSV, Excel, Parquet or GeoJSON), detecting its format."""
    path = Path(path)
    if not path.exists():
        raise InputError("het bestand bestaat niet.", file=path, hint="controleer het pad.")
    data = path.read_bytes()
    table = _read_member(data, name=path.name)
    if table is None:
        raise InputError(
            f"bestandstype '{path.suffix}' wordt niet ondersteund.",
            file=path,
            hint="gebruik CSV, Excel (.xlsx), Parquet, GeoJSON of een zip daarvan.",
        )
    return table


def iter_inputs(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` of every file in a path: a file, a folder or a zip."""
    path = Path(path)
    if not path.exists():
        raise InputError("het pad bestaat niet.", file=path, hint="controleer het pad.")
    if path.is_dir():
        for member in sorted(p for p in path.rglob("*") if p.is_file()):
            if not member.name.startswith("."):
                yield str(member.relative_to(path)), member.read_bytes()
        return
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    base = Path(info.filename).name
                    if info.is_dir() or base.startswith(".") or "__MACOSX" in info.filename:
                        continue
                    yield f"{path.name}/{info.filename}", archive.read(info)
        except zipfile.BadZipFile as exc:
            raise InputError(
                "het zip-bestand is beschadigd of geen zip.",
                file=path,
                hint="pak het opnieuw in of download het opnieuw.",
            ) from exc
        return
    yield path.name, path.read_bytes()


def read_tables(path: str | Path) -> dict[str, RawTable]:
    """Read every table in a file, folder or zip; keys are file names (without folders)."""
    tables: dict[str, RawTable] = {}
    for name, data in iter_inputs(path):
        if Path(name).suffix.lower() not in TABLE_SUFFIXES:
            continue
        table = _read_member(data, name=name)
        if table is not None:
            tables[Path(name).name] = table
    if not tables:
        raise InputError(
            "er staat geen leesbaar tabelbestand in.",
            file=path,
            hint="lever CSV, Excel (.xlsx), Parquet of GeoJSON aan, los of in een zip of map.",
        )
    return tables


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, or of all files in a folder (names and contents, sorted)."""
    import hashlib

    digest = hashlib.sha256()
    for name, data in iter_inputs(path):
        digest.update(name.encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
