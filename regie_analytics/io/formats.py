"""One table file read by its format: CSV, Excel (first sheet), Parquet (in batches) or
GeoJSON points; values as text, times with a time zone in Dutch local time."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from regie_analytics.io.csv_files import read_csv_file
from regie_analytics.io.rawtable import BATCH_ROWS, RawTable, in_memory_reader
from regie_analytics.schema import InputError


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


def preview_rows(path: str | Path, *, rows: int = 10) -> pd.DataFrame:
    """The first ``rows`` records of a table file (for the Data page)."""
    first = next(read_table(path).frames(), None)
    return first.head(rows) if first is not None else pd.DataFrame()
