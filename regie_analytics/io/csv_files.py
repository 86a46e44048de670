"""CSV files: encoding (UTF-8, with or without BOM, or Windows-1252) and delimiter detected,
the header checked, the records streamed from disk in batches of about 32 MB of text."""

from __future__ import annotations

import codecs
import csv
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from regie_analytics import tempfiles
from regie_analytics.io.ahead import read_ahead
from regie_analytics.io.rawtable import RawTable, in_memory_reader
from regie_analytics.schema import InputError

_CSV_BLOCK = 32 << 20
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "komma", ";": "puntkomma", "\t": "tab", "|": "verticale streep"}


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


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes as ``encoding`` (read in chunks, never whole)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 22):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect_file_encoding(path: Path) -> str:
    """:func:`detect_encoding` for a file, read in chunks (never the whole file at once):
    UTF-8 first; Windows-1252 is tried (a second reading) only when that fails."""
    with open(path, "rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


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
            for batch in read_ahead(reader):  # the next block is parsed on the other core
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


def read_csv_bytes(data: bytes, *, name: str) -> RawTable:
    """Read CSV bytes (an uploaded taxonomy, say) with :func:`read_csv_file`; held in memory."""
    with tempfile.TemporaryDirectory(prefix=tempfiles.prefix("csv")) as folder:
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
