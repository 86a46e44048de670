"""Readers for raw input files: CSV, Excel, Parquet, GeoJSON points, and zips or folders.

Every reader returns a :class:`RawTable`: all columns as text (``str`` dtype), so that the
presets decide how to parse each column and can name the row of a bad value. Row numbers
follow a spreadsheet: the header is row 1, the first record row 2.

A table is read in batches (:meth:`RawTable.frames`), so an import's memory does not grow
with the raw file: CSV and Parquet stream from disk, only the columns asked for. The members
of a zip are unpacked one by one into a private folder, within the limits of
:class:`regie_analytics.limits.Limits` (unpacked size and ratio, checked before anything is
unpacked and again while unpacking), so a zip bomb is refused before it uses memory or disk.

The readers live in ``rawtable`` (:class:`RawTable`), ``csv_files``, ``formats`` (Excel,
Parquet, GeoJSON, one file by its suffix) and ``archives`` (files, folders and zips); every
public name is importable from here.
"""

from regie_analytics.io.archives import (
    TABLE_SUFFIXES,
    Inputs,
    Member,
    file_sha256,
    open_inputs,
    read_tables,
)
from regie_analytics.io.csv_files import (
    detect_delimiter,
    detect_encoding,
    read_csv_bytes,
    read_csv_file,
)
from regie_analytics.io.formats import (
    load_json,
    preview_rows,
    read_excel_file,
    read_geojson_file,
    read_member,
    read_parquet_file,
    read_table,
)
from regie_analytics.io.rawtable import (
    BATCH_ROWS,
    Frames,
    RawTable,
    in_memory_reader,
)

__all__ = [
    "BATCH_ROWS",
    "TABLE_SUFFIXES",
    "Frames",
    "Inputs",
    "Member",
    "RawTable",
    "detect_delimiter",
    "detect_encoding",
    "file_sha256",
    "in_memory_reader",
    "load_json",
    "open_inputs",
    "preview_rows",
    "read_csv_bytes",
    "read_csv_file",
    "read_excel_file",
    "read_geojson_file",
    "read_member",
    "read_parquet_file",
    "read_table",
    "read_tables",
]
