"""Reading area boundaries (GeoJSON, GeoPackage, zipped shapefile): choosing the layer, checking
codes and geometries, setting the CRS, repairing, and building the areas frame with the
columns of :data:`AREA_COLUMNS`, and the fingerprint a store records of the file.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from regie_analytics.geo.bundled import DEFAULT_BOUNDARIES
from regie_analytics.geo.codes import _normalise_gemeente, code_level, gemeente_of, wijk_of
from regie_analytics.geo.columns import (
    _COLUMN_LEVEL,
    _GEMEENTE_COLUMNS,
    _GEMEENTE_NAME_COLUMNS,
    _GENERIC_NAME_COLUMNS,
    _NAME_COLUMNS,
    _STADSDEEL_CODE_COLUMNS,
    _STADSDEEL_NAME_COLUMNS,
    _codes_as_text,
    _column_lookup,
    _find_code_column,
    _first_column,
    _population,
    _text_column,
    _year,
)
from regie_analytics.geo.geometry import WGS84, _metric_crs, _repair, _with_crs
from regie_analytics.geo.levels import available_levels
from regie_analytics.io.parse import clean_text
from regie_analytics.schema import (
    AREA_CODE,
    AREA_KM2,
    AREA_LEVEL,
    AREA_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    LEVELS,
    POPULATION,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    WIJK_CODE,
    InputError,
)

AREA_COLUMNS: tuple[str, ...] = (
    AREA_NAME,
    AREA_LEVEL,
    WIJK_CODE,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    POPULATION,
    AREA_KM2,
    "geometry",
)
"""Columns of every areas frame, in order (the index is ``area_code``)."""


@dataclass(frozen=True)
class _Source:
    label: str
    source: str
    layer: str | None


@dataclass(frozen=True)
class _Loaded:
    areas: gpd.GeoDataFrame
    code_column: str
    layer: str | None
    population: str
    year: int | None


def _sources(path: Path) -> list[_Source]:
    """The vector layers in a file (a zip may hold several shapefiles)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [
                    n
                    for n in archive.namelist()
                    if n.lower().endswith(".shp") and not n.startswith("__MACOSX")
                ]
        except zipfile.BadZipFile as exc:
            raise InputError("Het zip-bestand is beschadigd of geen zip.", file=path) from exc
        if not names:
            raise InputError(
                "Het zip-bestand bevat geen shapefile (.shp).",
                file=path,
                hint="Zip de .shp samen met de .shx, .dbf en .prj, of lever GeoJSON of "
                "GeoPackage aan.",
            )
        return [_Source(Path(n).stem, f"/vsizip/{path.resolve()}/{n}", None) for n in names]
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InputError(
            f"Het bestand is geen leesbaar kaartbestand ({exc}).",
            file=path,
            hint="Lever GeoJSON, GeoPackage of een gezipte shapefile aan.",
        ) from exc
    spatial = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if not spatial:
        raise InputError("Het bestand bevat geen kaartlaag met geometrie.", file=path)
    if len(spatial) == 1:
        return [_Source(spatial[0], str(path), None)]
    return [_Source(name, str(path), name) for name in spatial]


def _layer_rank(source: _Source, code_column: str | None, path: Path) -> int:
    """Rank of a layer by the finest area level it holds (lower is finer)."""
    fields = [str(f) for f in pyogrio.read_info(source.source, layer=source.layer)["fields"]]
    column = _find_code_column(fields, code_column, file=path, check=False)
    level: str | None = None
    if column is not None:
        first = pyogrio.read_dataframe(
            source.source,
            layer=source.layer,
            columns=[column],
            read_geometry=False,
            max_features=1,
        )
        if len(first):
            level = code_level(str(first[column].iloc[0]).strip())
        level = level or _COLUMN_LEVEL.get(column.lower())
    if level is None:
        label = source.label.lower()
        level = next((lvl for lvl in ("buurt", "wijk", "gemeente") if lvl in label), None)
    if level is None:
        return len(LEVELS) + (0 if column is not None else 1)
    return LEVELS.index(level)


def _choose_source(path: Path, layer: str | None, code_column: str | None) -> _Source:
    sources = _sources(path)
    if layer is not None:
        for source in sources:
            if source.label.lower() == layer.lower():
                return source
        raise InputError(
            f"Laag '{layer}' bestaat niet. Lagen in het bestand: "
            f"{', '.join(s.label for s in sources)}.",
            file=path,
            hint="Kies een van de genoemde lagen.",
        )
    if len(sources) == 1:
        return sources[0]
    ranks = [_layer_rank(s, code_column, path) for s in sources]
    return sources[int(np.argmin(ranks))]


def _gemeente_filter(
    frame: pd.DataFrame, codes: list[str | None], gemeente: str, lookup: dict[str, str], path: Path
) -> np.ndarray:
    wanted = _normalise_gemeente(gemeente)
    if wanted is None:
        raise InputError(
            f"'{gemeente}' is geen gemeentecode.",
            file=path,
            hint="Geef de gemeente op als CBS-code, bijvoorbeeld GM0363 voor Amsterdam.",
        )
    column = _first_column(lookup, _GEMEENTE_COLUMNS)
    if column is not None:
        found = [_normalise_gemeente(v) for v in frame[column]]
    else:
        found = [gemeente_of(c) for c in codes]
    present = sorted({g for g in found if g is not None})
    if not present:
        raise InputError(
            "Kan niet op gemeente filteren: het bestand heeft geen gemeentecodes.",
            file=path,
            hint="Laat de gemeente-instelling leeg of gebruik een CBS-bestand.",
        )
    keep = np.array([g == wanted for g in found], dtype=bool)
    if not keep.any():
        examples = ", ".join(present[:8]) + (" en meer" if len(present) > 8 else "")
        raise InputError(
            f"Gemeente {wanted} komt niet voor in het bestand. Wel aanwezig: {examples}.",
            file=path,
            hint="Controleer de gemeentecode of kies een ander gebiedsbestand.",
        )
    return keep


def _check_codes(codes: list[str | None], rows: np.ndarray, column: str, path: Path) -> None:
    seen: dict[str, int] = {}
    for code, row in zip(codes, rows, strict=True):
        if code is None:
            raise InputError(
                f"Gebied nummer {row} heeft geen code.",
                file=path,
                row=int(row),
                column=column,
                hint="Vul de code aan of kies een andere codekolom met --area-code-column.",
            )
        if code in seen:
            raise InputError(
                f"Code '{code}' komt meer dan eens voor (gebied nummer {seen[code]} en {row}).",
                file=path,
                row=int(row),
                column=column,
                hint="Elk gebied moet een unieke code hebben; voeg de delen samen of kies een "
                "andere codekolom met --area-code-column.",
            )
        seen[code] = int(row)


def _check_geometries(geometries: np.ndarray, rows: np.ndarray, path: Path) -> None:
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        row = int(rows[np.flatnonzero(missing)[0]])
        raise InputError(
            f"Gebied nummer {row} heeft geen geometrie.", file=path, row=row, column="geometry"
        )
    polygonal = np.isin(shapely.get_type_id(geometries), (3, 6, 7))
    if not polygonal.all():
        row = int(rows[np.flatnonzero(~polygonal)[0]])
        raise InputError(
            f"Gebied nummer {row} is geen vlak (polygoon) maar een punt of lijn.",
            file=path,
            row=row,
            column="geometry",
            hint="Gebruik een bestand met gebiedsgrenzen (polygonen).",
        )


def _load(
    path: str | Path | None,
    *,
    code_column: str | None,
    gemeente: str | None,
    layer: str | None,
) -> _Loaded:
    file = Path(path) if path is not None else DEFAULT_BOUNDARIES
    if not file.is_file():
        raise InputError(
            "Het gebiedsbestand bestaat niet.",
            file=file,
            hint="Controleer het pad naar het bestand met de buurtgrenzen.",
        )
    source = _choose_source(file, layer, code_column)
    try:
        raw = gpd.read_file(source.source, layer=source.layer, engine="pyogrio")
    except Exception as exc:
        raise InputError(
            f"Het bestand kan niet worden gelezen ({exc}).",
            file=file,
            hint="Lever GeoJSON, GeoPackage of een gezipte shapefile aan.",
        ) from exc
    if raw.empty:
        raise InputError("Het gebiedsbestand bevat geen gebieden.", file=file)
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    column = _find_code_column(columns, code_column, file=file)
    assert column is not None
    lookup = _column_lookup(columns)
    rows = np.arange(1, len(raw) + 1)
    codes = _codes_as_text(raw[column])
    if gemeente is not None:
        keep = _gemeente_filter(raw, codes, gemeente, lookup, file)
        raw, rows = raw[keep], rows[keep]
        codes = [c for c, k in zip(codes, keep, strict=True) if k]
    _check_codes(codes, rows, column, file)
    _check_geometries(np.asarray(raw.geometry.values), rows, file)

    frame = _with_crs(raw, file).to_crs(WGS84)
    frame = frame.set_geometry(_repair(np.asarray(frame.geometry.values)), crs=WGS84)
    frame.index = pd.Index(codes, name=AREA_CODE, dtype="str")

    levels = [code_level(c) or "gebied" for c in codes]
    codes_level = next((lvl for lvl in levels if lvl != "gebied"), None)
    codes_level = codes_level or _COLUMN_LEVEL.get(column.lower())
    if codes_level is not None:
        name_columns = (*_NAME_COLUMNS[codes_level], *_GENERIC_NAME_COLUMNS)
    else:
        name_columns = (*_GENERIC_NAME_COLUMNS, *(c for v in _NAME_COLUMNS.values() for c in v))
    # names are labels from data: without HTML tags or control characters, like categories
    names = clean_text(_text_column(frame, _first_column(lookup, name_columns)))
    names = names.where(names != "").fillna(pd.Series(frame.index, index=frame.index, dtype="str"))

    sd_code = _text_column(frame, _first_column(lookup, _STADSDEEL_CODE_COLUMNS))
    sd_name = clean_text(_text_column(frame, _first_column(lookup, _STADSDEEL_NAME_COLUMNS)))
    sd_name = sd_name.where(sd_name != "")
    sd_code = sd_code.fillna(sd_name)

    gemeente_names = clean_text(_text_column(frame, _first_column(lookup, _GEMEENTE_NAME_COLUMNS)))
    gemeente_names = gemeente_names.where(gemeente_names != "")
    cbs = any(lvl != "gebied" for lvl in levels)
    year = _year(frame, lookup, [source.label, file.stem]) if cbs else None
    origin = f"CBS {year}" if year else "CBS" if cbs else f"het bestand {file.name}"
    population, population_source = _population(
        frame, lookup, origin=origin, file=f"het grenzenbestand {file.name}", level=_base_of(levels)
    )
    metric = frame.geometry.to_crs(_metric_crs(frame.geometry))
    areas = gpd.GeoDataFrame(
        {
            AREA_NAME: names,
            AREA_LEVEL: pd.Series(levels, index=frame.index),
            WIJK_CODE: pd.Series([wijk_of(c) for c in codes], index=frame.index, dtype="str"),
            STADSDEEL_CODE: sd_code,
            STADSDEEL_NAME: sd_name,
            GEMEENTE_CODE: pd.Series(
                [gemeente_of(c) for c in codes], index=frame.index, dtype="str"
            ),
            GEMEENTE_NAME: gemeente_names,
            POPULATION: population,
            AREA_KM2: (metric.area / 1e6).astype("float64"),
        },
        geometry=frame.geometry,
        crs=WGS84,
    )
    return _Loaded(areas, column, source.layer, population_source, year)


def _base_of(levels: list[str]) -> str:
    """The finest of ``levels`` (the level whose population is described)."""
    return min(levels, key=LEVELS.index)


def load_boundaries(
    path: str | Path | None = None,
    *,
    code_column: str | None = None,
    gemeente: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read area boundaries into a frame indexed by ``area_code`` in EPSG:4326.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or zipped shapefile; default :data:`DEFAULT_BOUNDARIES`. Files in
        WGS84, RD New or any CRS with a definition; without one the CRS is guessed.
    code_column
        Column with the area codes; default the first recognised CBS/PDOK code column
        (``buurtcode``, ``bu_code``, ``cbsCode``, ``statcode``, ``wijkcode``, ...).
    gemeente
        Keep only this municipality's areas (``"GM0363"``).
    layer
        Layer of a multi-layer file; default the layer with the finest areas (buurten).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`AREA_COLUMNS`; ``population`` from the file's CBS columns (negative
        secrecy markers as missing), ``area_km2`` computed in metres.

    Raises
    ------
    InputError
        Unreadable file, no code column, duplicate or empty codes, unknown gemeente.
    """
    return _load(path, code_column=code_column, gemeente=gemeente, layer=layer).areas


def boundaries_fingerprint(
    path: str | Path | None = None,
    *,
    code_column: str | None = None,
    gemeente: str | None = None,
    layer: str | None = None,
) -> dict[str, Any]:
    """What a store records about the boundaries it was built on.

    Returns
    -------
    dict
        ``file`` (name), ``sha256`` of the file, ``n_areas``, ``code_column``, ``layer``,
        ``gemeente``, ``levels`` (available area levels), ``year`` (of CBS boundaries, when
        the file says) and ``population`` (where the population comes from, see
        :func:`population_text`).
    """
    return load_boundaries_with_fingerprint(
        path, code_column=code_column, gemeente=gemeente, layer=layer
    )[1]


def load_boundaries_with_fingerprint(
    path: str | Path | None = None,
    *,
    code_column: str | None = None,
    gemeente: str | None = None,
    layer: str | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """:func:`load_boundaries` and :func:`boundaries_fingerprint` with one read of the file."""
    file = Path(path) if path is not None else DEFAULT_BOUNDARIES
    loaded = _load(file, code_column=code_column, gemeente=gemeente, layer=layer)
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return loaded.areas, {
        "file": file.name,
        "sha256": digest.hexdigest(),
        "n_areas": len(loaded.areas),
        "code_column": loaded.code_column,
        "layer": loaded.layer,
        "gemeente": _normalise_gemeente(gemeente) if gemeente is not None else None,
        "levels": available_levels(loaded.areas),
        "year": loaded.year,
        "population": loaded.population,
    }
