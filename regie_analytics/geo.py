"""Area boundaries: reading, CRS, CBS hierarchy, point-in-polygon assignment, simplification.

Every function returns area-level frames indexed by ``area_code`` in EPSG:4326 with the columns
of :data:`AREA_COLUMNS`. Messages a user sees are Dutch and raised as
:class:`regie_analytics.schema.InputError`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

from regie_analytics.formatting import fmt_level
from regie_analytics.io.parse import clean_text
from regie_analytics.resources import data_file
from regie_analytics.schema import (
    AREA_CODE,
    AREA_KM2,
    AREA_LEVEL,
    AREA_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    LEVELS,
    NO_LOCATION,
    OUTSIDE,
    POPULATION,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    WIJK_CODE,
    InputError,
)

BOUNDARIES_DIR = data_file("boundaries")
DEFAULT_BOUNDARIES: Path = BOUNDARIES_DIR / "amsterdam_buurten_2022.geojson"
"""The 518 Amsterdam buurten (2022), the default boundaries of the dashboard."""
NATIONAL_GEMEENTEN: Path = BOUNDARIES_DIR / "nl_gemeenten_2024_kerncijfers.geojson"
"""All Dutch gemeenten (2024) with CBS kerncijfers."""

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

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

# Recognised column names, lower case, finest level first.
CODE_COLUMNS: tuple[str, ...] = (
    "buurtcode",
    "buurt_code",
    "bu_code",
    "cbscode",
    "statcode",
    "gwb_code",
    "area_code",
    "wijkcode",
    "wijk_code",
    "wk_code",
    "wkc",
    "gemeentecode",
    "gemeente_code",
    "gm_code",
    "gmc",
    "code",
)
_COLUMN_LEVEL: dict[str, str] = {
    "buurtcode": "buurt",
    "buurt_code": "buurt",
    "bu_code": "buurt",
    "wijkcode": "wijk",
    "wijk_code": "wijk",
    "wk_code": "wijk",
    "wkc": "wijk",
    "gemeentecode": "gemeente",
    "gemeente_code": "gemeente",
    "gm_code": "gemeente",
    "gmc": "gemeente",
}
_GEMEENTE_COLUMNS = ("gemeentecode", "gemeente_code", "gm_code", "gmc")
_GEMEENTE_NAME_COLUMNS = ("gemeentenaam", "gemeente_naam", "gm_naam", "gmn")
_NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurt": ("buurtnaam", "buurt_naam", "bu_naam"),
    "wijk": ("wijknaam", "wijk_naam", "wk_naam", "wkn"),
    "gemeente": _GEMEENTE_NAME_COLUMNS,
}
_GENERIC_NAME_COLUMNS = ("statnaam", "naam", "name", "area_name")
_POPULATION_COLUMNS = ("aantal_inwoners", "aantalinwoners", "aant_inw", "inwoners", "population")
_MEN_COLUMNS = ("mannen", "aant_man", "aantalmannen")
_WOMEN_COLUMNS = ("vrouwen", "aant_vrouw", "aantalvrouwen")
_YEAR_COLUMNS = ("jaar", "jaarstatcode", "jrstatcode")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_STADSDEEL_CODE_COLUMNS = ("stadsdeel_code", "stadsdeelcode", "sd_code")
_STADSDEEL_NAME_COLUMNS = ("stadsdeel_naam", "stadsdeelnaam", "stadsdeel_name", "stadsdeel")

_PARENT_COLUMN: dict[str, str] = {
    "wijk": WIJK_CODE,
    "stadsdeel": STADSDEEL_CODE,
    "gemeente": GEMEENTE_CODE,
}

_BU = re.compile(r"^BU(\d{4})([0-9A-Z]{2})([0-9A-Z]{2})$")
_WK = re.compile(r"^WK(\d{4})([0-9A-Z]{2})$")
_GM = re.compile(r"^GM(\d{4})$")

# EPSG:28992 is used for areas inside this box (lon/lat); elsewhere a UTM zone.
_NL_BOX = (2.5, 50.0, 7.5, 54.0)
_RD_X = (0.0, 300_000.0)
_RD_Y = (300_000.0, 625_000.0)
_AREA_HINT = "Geef de kolom met de gebiedscode op met --area-code-column."


# --- CBS code hierarchy ----------------------------------------------------------------------


def code_level(code: object) -> str | None:
    """Level of a CBS area code: ``"buurt"`` (``BU…``), ``"wijk"`` (``WK…``), ``"gemeente"``
    (``GM…``), or ``None`` for codes that are not CBS codes."""
    if not isinstance(code, str):
        return None
    if _BU.match(code):
        return "buurt"
    if _WK.match(code):
        return "wijk"
    if _GM.match(code):
        return "gemeente"
    return None


def wijk_of(code: object) -> str | None:
    """CBS wijk code of a buurt code (``BU0363AA01`` -> ``WK0363AA``); a wijk code is its own
    wijk; ``None`` otherwise."""
    if not isinstance(code, str):
        return None
    if m := _BU.match(code):
        return f"WK{m.group(1)}{m.group(2)}"
    if _WK.match(code):
        return code
    return None


def gemeente_of(code: object) -> str | None:
    """CBS gemeente code of a buurt, wijk or gemeente code (``WK036101`` -> ``GM0361``);
    ``None`` for codes that are not CBS codes."""
    if not isinstance(code, str):
        return None
    for pattern in (_BU, _WK, _GM):
        if m := pattern.match(code):
            return f"GM{m.group(1)}"
    return None


def _normalise_gemeente(value: object) -> str | None:
    """``GM0233``, ``gm0233``, ``0233``, ``233`` and ``233.0`` all become ``GM0233``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().upper()
    if text.endswith(".0"):
        text = text[:-2]
    if text.startswith("GM"):
        text = text[2:]
    if text.isdigit() and len(text) <= 4:
        return f"GM{int(text):04d}"
    return None


# --- reading ---------------------------------------------------------------------------------


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


def _column_lookup(columns: Any) -> dict[str, str]:
    """Lower-case name -> actual column name (first one wins)."""
    lookup: dict[str, str] = {}
    for column in columns:
        lookup.setdefault(str(column).lower(), str(column))
    return lookup


def _first_column(lookup: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        if candidate in lookup:
            return lookup[candidate]
    return None


def _find_code_column(
    columns: list[str], code_column: str | None, *, file: Path, check: bool = True
) -> str | None:
    lookup = _column_lookup(columns)
    if code_column is not None:
        found = lookup.get(code_column.lower())
        if found is None and check:
            raise InputError(
                f"De opgegeven codekolom '{code_column}' staat niet in het bestand. "
                f"Gevonden kolommen: {', '.join(columns) or '(geen)'}.",
                file=file,
                column=code_column,
                hint=_AREA_HINT,
            )
        return found
    found = _first_column(lookup, CODE_COLUMNS)
    if found is None and check:
        raise InputError(
            "Geen kolom met gebiedscodes gevonden (verwacht bijvoorbeeld buurtcode, wijkcode, "
            f"gemeentecode, cbsCode of statcode). Gevonden kolommen: "
            f"{', '.join(columns) or '(geen)'}.",
            file=file,
            hint=_AREA_HINT,
        )
    return found


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


def _in_degrees(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


def _guess_crs(bounds: np.ndarray, path: Path) -> str:
    """RD New when the coordinates fit its range, WGS84 when they are degrees."""
    minx, miny, maxx, maxy = bounds
    if _RD_X[0] <= minx and maxx <= _RD_X[1] and _RD_Y[0] <= miny and maxy <= _RD_Y[1]:
        return RD_NEW
    if _in_degrees(bounds):
        return WGS84
    raise InputError(
        "Het coördinatenstelsel van het bestand is onbekend en de coördinaten zijn geen "
        "WGS84 (graden) of RD New (EPSG:28992).",
        file=path,
        hint="Lever het bestand aan in WGS84 of RD New, of voeg het .prj-bestand toe.",
    )


def _with_crs(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Set a CRS where the file has none (or claims degrees but holds metres)."""
    bounds = frame.total_bounds
    if frame.crs is None or (frame.crs.is_geographic and not _in_degrees(bounds)):
        return frame.set_crs(_guess_crs(bounds, path), allow_override=True)
    return frame


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of a geometry (repaired geometries may hold lines or points)."""
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        return geometry
    parts = list(shapely.get_parts(geometry))
    polygons: list[shapely.Polygon] = []
    while parts:
        part = parts.pop()
        if isinstance(part, shapely.Polygon):
            polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            parts.extend(shapely.get_parts(part))
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def _repair(geometries: np.ndarray) -> np.ndarray:
    """Make invalid geometries valid, keeping only their polygonal parts."""
    out = np.asarray(geometries, dtype=object).copy()
    invalid = ~shapely.is_valid(out)
    if invalid.any():
        out[invalid] = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
    mixed = ~np.isin(shapely.get_type_id(out), (3, 6))
    if mixed.any():
        out[mixed] = [_polygonal(g) for g in out[mixed]]
    return out


def _metric_crs(geometries: gpd.GeoSeries) -> Any:
    """RD New for areas in the Netherlands, else the UTM zone of the areas."""
    minx, miny, maxx, maxy = geometries.to_crs(WGS84).total_bounds
    box = _NL_BOX
    if box[0] <= minx and maxx <= box[2] and box[1] <= miny and maxy <= box[3]:
        return RD_NEW
    return geometries.estimate_utm_crs()


def _codes_as_text(values: pd.Series) -> list[str | None]:
    def one(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text or None

    return [one(v) for v in values]


def _numbers(values: pd.Series) -> pd.Series:
    """Numeric values with CBS secrecy markers (negative numbers) as missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.where(numbers >= 0)


def _year(frame: pd.DataFrame, lookup: dict[str, str], names: list[str]) -> int | None:
    """The year of CBS boundaries: a ``jaar`` or ``jaarstatcode`` column (``2021BU...``), else
    a year in the layer or file name; None when none says."""
    column = _first_column(lookup, _YEAR_COLUMNS)
    if column is not None:
        years = {m.group(1) for v in frame[column].dropna() if (m := _YEAR.match(str(v)))}
        if len(years) == 1:
            return int(years.pop())
    for name in names:
        if m := _YEAR.search(name):
            return int(m.group(1))
    return None


def population_text(
    *,
    origin: str,
    file: str,
    column: str | None,
    derived: tuple[str, str] | None,
    n_derived: int,
    n_known: int,
    n_areas: int,
    level: str,
) -> str:
    """Where the population of the areas comes from, in Dutch, as ``info`` and the Data page
    show it after "inwoners: ": ``"CBS 2024, aantal_inwoners"``, ``"afgeleid uit mannen +
    vrouwen (CBS 2021) voor 16 van de 17 buurten; 1 buurt zonder inwonertal (geheim, water of
    niet geleverd)"``, or ``"onbekend: ..."``.

    ``origin`` names the source (``CBS 2024``, a file), ``file`` the file read; ``column`` the
    population column used,
    ``derived`` the two columns (men, women) summed for ``n_derived`` areas where it was
    empty; ``n_known`` of ``n_areas`` areas at ``level`` have a population.
    """
    if n_known == 0:
        return f"onbekend: {file} heeft geen inwonertallen (geen cijfers per 1.000 inwoners)"
    words = fmt_level(level, plural=True)
    if derived is not None and n_derived == n_known:
        text = f"afgeleid uit {derived[0]} + {derived[1]} ({origin})"
        if n_known < n_areas:
            text += f" voor {n_known} van de {n_areas} {words}"
    else:
        text = f"{origin}, {column}"
        if derived is not None and n_derived:
            many = fmt_level(level, plural=n_derived != 1)
            text += f"; voor {n_derived} {many} afgeleid uit {derived[0]} + {derived[1]}"
    missing = n_areas - n_known
    if missing:
        text += (
            f"; {missing} {fmt_level(level, plural=missing != 1)} zonder inwonertal (geheim, "
            "water of niet geleverd)"
        )
    return text


def _population(
    frame: pd.DataFrame, lookup: dict[str, str], *, origin: str, file: str, level: str
) -> tuple[pd.Series, str]:
    """The population per area (CBS secrecy markers as missing; empty ``aantal_inwoners``
    filled from men + women) and :func:`population_text` saying where it came from."""
    total = pd.Series(np.nan, index=frame.index, dtype="float64")
    column = _first_column(lookup, _POPULATION_COLUMNS)
    if column is not None:
        total = _numbers(frame[column])
    men = _first_column(lookup, _MEN_COLUMNS)
    women = _first_column(lookup, _WOMEN_COLUMNS)
    derived: tuple[str, str] | None = None
    n_derived = 0
    if men is not None and women is not None:
        sums = _numbers(frame[men]) + _numbers(frame[women])
        filled = total.isna() & sums.notna()
        n_derived = int(filled.sum())
        derived = (men, women) if n_derived else None
        total = total.where(~filled, sums)
    text = population_text(
        origin=origin,
        file=file,
        column=column,
        derived=derived,
        n_derived=n_derived,
        n_known=int(total.notna().sum()),
        n_areas=len(total),
        level=level,
    )
    return total, text


def _text_column(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series(np.nan, index=frame.index, dtype="str")
    values = frame[column].map(lambda v: None if pd.isna(v) else (str(v).strip() or None))
    return values.astype("str")


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


# --- levels ----------------------------------------------------------------------------------


_T = TypeVar("_T")
_FROZEN: dict[int, weakref.ref[Any]] = {}
_MEMO: dict[tuple[int, str, str], Any] = {}
_MEMO_LOCK = threading.Lock()  # the dashboard's sessions run in threads
_GONE: list[int] = []  # ids of frozen frames that were garbage collected


def freeze(frame: _T) -> _T:
    """Promise that ``frame`` will not change from now on, so what is derived from it (its
    levels, the dissolve into wijken, parent codes, map features) may be kept and reused.

    The dashboard freezes the areas it loads once per store version; a frame that is not
    frozen is recomputed on every call, as before. Returns ``frame``.
    """
    key = id(frame)

    def forget(_: object) -> None:
        # called by the garbage collector, maybe inside a locked block: only note it
        _GONE.append(key)

    with _MEMO_LOCK:
        _purge()
        _FROZEN[key] = weakref.ref(frame, forget)
    return frame


def _purge() -> None:
    """Drop what was kept for frames that no longer exist (call with the lock held)."""
    while _GONE:
        key = _GONE.pop()
        if key in _FROZEN and _FROZEN[key]() is None:
            del _FROZEN[key]
        for memo_key in [k for k in _MEMO if k[0] == key and key not in _FROZEN]:
            del _MEMO[memo_key]


def is_frozen(frame: object) -> bool:
    """True when ``frame`` was passed to :func:`freeze` (and is still alive)."""
    ref = _FROZEN.get(id(frame))
    return ref is not None and ref() is frame


def memo(frame: object, name: str, key: str, build: Callable[[], _T]) -> _T:
    """``build()``, kept per frozen ``frame``, ``name`` and ``key`` (computed every time for a
    frame that is not frozen). Callers copy what they hand out when it can be changed."""
    if not is_frozen(frame):
        return build()
    memo_key = (id(frame), name, key)
    with _MEMO_LOCK:
        _purge()
        if memo_key in _MEMO:
            return _MEMO[memo_key]  # type: ignore[no-any-return]
    value = build()  # outside the lock: builds may use memo themselves
    with _MEMO_LOCK:
        return _MEMO.setdefault(memo_key, value)  # type: ignore[no-any-return]


def _base_level(areas: gpd.GeoDataFrame) -> str:
    present = set(areas[AREA_LEVEL].dropna())
    for level in LEVELS:
        if level in present:
            return level
    raise InputError("De gebieden hebben geen bekend niveau (buurt, wijk, gemeente of gebied).")


def available_levels(areas: gpd.GeoDataFrame) -> list[str]:
    """Area levels these areas can be shown at, finest first (e.g. buurt, wijk, gemeente)."""
    return list(memo(areas, "levels", "", lambda: _available_levels(areas)))


def _available_levels(areas: gpd.GeoDataFrame) -> list[str]:
    base = _base_level(areas)
    rows = areas[areas[AREA_LEVEL] == base]
    levels = [base]
    for level in LEVELS[LEVELS.index(base) + 1 :]:
        parent = _PARENT_COLUMN.get(level)
        if parent is not None and rows[parent].notna().all():
            levels.append(level)
    return levels


def _check_level(areas: gpd.GeoDataFrame, level: str) -> str:
    if level not in LEVELS:
        raise InputError(
            f"Onbekend gebiedsniveau '{level}'.",
            hint=f"Kies een van: {', '.join(LEVELS)}.",
        )
    available = available_levels(areas)
    if level not in available:
        hint = "Kies een van de beschikbare niveaus."
        if level == "stadsdeel":
            hint = "Voeg de kolommen stadsdeel_code en stadsdeel_naam toe aan het gebiedsbestand."
        raise InputError(
            f"Het niveau '{level}' is niet beschikbaar voor deze gebieden; "
            f"beschikbaar: {', '.join(available)}.",
            hint=hint,
        )
    return available[0]


def parent_code_map(areas: gpd.GeoDataFrame, level: str) -> pd.Series:
    """The code at ``level`` of every finest-level area, indexed by its ``area_code``."""
    return memo(areas, "parents", level, lambda: _parent_code_map(areas, level)).copy()


def _parent_code_map(areas: gpd.GeoDataFrame, level: str) -> pd.Series:
    base = _check_level(areas, level)
    rows = areas[areas[AREA_LEVEL] == base]
    if level == base:
        return pd.Series(rows.index, index=rows.index, name=AREA_CODE, dtype="str")
    column = _PARENT_COLUMN[level]
    return rows[column].astype("str").rename(column)


@functools.lru_cache(maxsize=1)
def _national() -> gpd.GeoDataFrame:
    raw = gpd.read_file(
        NATIONAL_GEMEENTEN, columns=["gemeentecode", "gemeentenaam", "aantal_inwoners"]
    )
    frame = gpd.GeoDataFrame(
        {
            AREA_NAME: raw["gemeentenaam"].astype("str").to_numpy(),
            POPULATION: _numbers(raw["aantal_inwoners"]).to_numpy(),
        },
        geometry=_repair(np.asarray(raw.to_crs(WGS84).geometry.values)),
        index=pd.Index(raw["gemeentecode"].astype("str"), name=AREA_CODE),
        crs=WGS84,
    )
    return frame.sort_values(AREA_NAME, key=lambda names: names.str.lower())


def national_gemeenten() -> gpd.GeoDataFrame:
    """Every Dutch municipality of the bundled national list (CBS 2024), by name: ``name``,
    ``population`` and the (generalised) outline in WGS84, indexed by gemeente code."""
    return _national().copy()


def _national_gemeente_names() -> dict[str, str]:
    if not NATIONAL_GEMEENTEN.is_file():
        return {}
    return {str(k): str(v) for k, v in _national()[AREA_NAME].items()}


def _unique_or_missing(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Per group the single non-missing value, or missing when there is none or several."""
    frame = pd.DataFrame({"value": values.to_numpy(), "group": groups.to_numpy()})
    counts = frame.groupby("group")["value"].nunique()
    first = frame.dropna().groupby("group")["value"].first().reindex(counts.index)
    return first.where(counts == 1).astype("str")


def _level_name(level: str, code: str, stadsdeel_name: object, gemeente_name: object) -> str:
    if level == "wijk":
        part = code[6:] if code_level(code) == "wijk" else code
        if isinstance(stadsdeel_name, str):
            return f"Wijk {part} ({stadsdeel_name})"
        return f"Wijk {part}"
    if level == "stadsdeel":
        return stadsdeel_name if isinstance(stadsdeel_name, str) else code
    if isinstance(gemeente_name, str):
        return gemeente_name
    return _national_gemeente_names().get(code, code)


def _gemeente_names(rows: pd.DataFrame) -> pd.Series:
    """The gemeente names the boundaries file gave (a store written before they were kept
    has none)."""
    if GEMEENTE_NAME in rows.columns:
        return rows[GEMEENTE_NAME]
    return pd.Series(np.nan, index=rows.index, dtype="str")


def municipality_name(areas: gpd.GeoDataFrame) -> str | None:
    """The name of the one municipality these areas lie in (``"Alkmaar"``): from the
    boundaries file, else the national list; None for areas of several municipalities or
    without CBS codes."""
    codes = set(areas[GEMEENTE_CODE].dropna())
    if len(codes) != 1:
        return None
    names = set(_gemeente_names(areas).dropna())
    if len(names) == 1:
        return str(names.pop())
    code = str(codes.pop())
    return _national_gemeente_names().get(code, code)


def areas_at_level(areas: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Areas at ``level``: the finest areas themselves, or their dissolve into wijken,
    stadsdelen or the gemeente.

    Population is summed (all missing stays missing), ``area_km2`` summed. Raises
    :class:`InputError` when the level is not available for these areas.
    """
    return memo(areas, "level", level, lambda: _areas_at_level(areas, level)).copy()


def _areas_at_level(areas: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    base = _check_level(areas, level)
    rows = areas[areas[AREA_LEVEL] == base]
    if level == base:
        return rows.copy()
    key_column = _PARENT_COLUMN[level]
    keys = rows[key_column].astype("str")
    dissolved = (
        gpd.GeoDataFrame({"key": keys.to_numpy()}, geometry=rows.geometry.to_numpy(), crs=WGS84)
        .dissolve(by="key", sort=True)
        .geometry
    )
    index = pd.Index(dissolved.index.astype("str"), name=AREA_CODE)
    grouped = pd.DataFrame(
        {
            POPULATION: rows[POPULATION].to_numpy(),
            AREA_KM2: rows[AREA_KM2].to_numpy(),
            "key": keys.to_numpy(),
        }
    ).groupby("key", sort=True)
    population = grouped[POPULATION].sum(min_count=1).reindex(index)
    area = grouped[AREA_KM2].sum(min_count=1).reindex(index)

    columns: dict[str, pd.Series] = {}
    order = ("wijk", "stadsdeel", "gemeente")
    for other in order:
        column = _PARENT_COLUMN[other]
        if other == level:
            columns[column] = pd.Series(index, index=index, dtype="str")
        elif order.index(other) < order.index(level):
            columns[column] = pd.Series(np.nan, index=index, dtype="str")
        else:
            columns[column] = _unique_or_missing(rows[column], keys).reindex(index)
    if level == "stadsdeel" or order.index(level) < order.index("stadsdeel"):
        sd_name = _unique_or_missing(rows[STADSDEEL_NAME], keys).reindex(index)
    else:
        sd_name = pd.Series(np.nan, index=index, dtype="str")
    gm_name = _unique_or_missing(_gemeente_names(rows), keys).reindex(index)
    names = [_level_name(level, code, sd_name[code], gm_name[code]) for code in index]

    return gpd.GeoDataFrame(
        {
            AREA_NAME: pd.Series(names, index=index, dtype="str"),
            AREA_LEVEL: pd.Series(level, index=index),
            WIJK_CODE: columns[WIJK_CODE],
            STADSDEEL_CODE: columns[STADSDEEL_CODE],
            STADSDEEL_NAME: sd_name,
            GEMEENTE_CODE: columns[GEMEENTE_CODE],
            GEMEENTE_NAME: gm_name,
            POPULATION: population.astype("float64"),
            AREA_KM2: area.astype("float64"),
        },
        geometry=_repair(dissolved.to_numpy()),
        index=index,
        crs=WGS84,
    )


def with_population(areas: gpd.GeoDataFrame, population: pd.Series) -> gpd.GeoDataFrame:
    """A copy of ``areas`` with ``population`` from a Series indexed by ``area_code``.

    Areas missing from ``population`` (and negative values) get NaN.
    """
    duplicated = population.index[population.index.duplicated()]
    if len(duplicated):
        raise InputError(
            "Het inwonertal staat meer dan eens in de invoer voor: "
            f"{', '.join(map(str, duplicated[:5]))}.",
            column=POPULATION,
            hint="Geef per gebied precies één inwonertal.",
        )
    values = pd.to_numeric(population, errors="coerce")
    bad = values.isna() & population.notna()
    if bad.any():
        raise InputError(
            f"Inwonertal is geen getal voor gebied {bad.index[bad][0]}.",
            column=POPULATION,
            hint="Gebruik alleen hele getallen zonder punten of spaties.",
        )
    values = values.astype("float64").set_axis(population.index.astype("str"))
    out = areas.copy()
    out[POPULATION] = values.where(values >= 0).reindex(areas.index.astype("str")).to_numpy()
    return out


# --- points ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PointAssignment:
    """Areas of a set of points, with the coordinates as understood.

    Attributes
    ----------
    area_code
        Object array: the area's code, ``OUTSIDE`` or ``NO_LOCATION``.
    lon, lat
        WGS84 coordinates after correction (NaN where unusable).
    swapped
        The two axes were swapped in the input and have been corrected.
    rd
        The input was RD New (EPSG:28992).
    """

    area_code: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    swapped: np.ndarray
    rd: np.ndarray
    n_points: int
    n_assigned: int
    n_outside: int
    n_no_location: int
    n_swapped: int
    n_rd: int


@functools.lru_cache(maxsize=1)
def _rd_to_wgs84() -> Transformer:
    return Transformer.from_crs(RD_NEW, WGS84, always_xy=True)


def _as_float(values: Any) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values, dtype="float64")


def _bbox_distance2(x: np.ndarray, y: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    dx = np.maximum(np.maximum(bounds[0] - x, 0.0), x - bounds[2])
    dy = np.maximum(np.maximum(bounds[1] - y, 0.0), y - bounds[3])
    return dx * dx + dy * dy


def _containing(geometries: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the first geometry containing or touching each point, ``len(geometries)``
    for none.

    Points are sorted by x once; each geometry tests only the points in its bounding box
    (binary search on x, mask on y) with its prepared form.
    """
    n_areas = len(geometries)
    order = np.argsort(x, kind="stable")
    sx, sy = x[order], y[order]
    bounds = shapely.bounds(geometries)
    lo = np.searchsorted(sx, bounds[:, 0], side="left")
    hi = np.searchsorted(sx, bounds[:, 2], side="right")
    best = np.full(len(x), n_areas, dtype=np.int64)
    for k in range(n_areas):
        if lo[k] == hi[k]:
            continue
        slab = sy[lo[k] : hi[k]]
        candidates = np.flatnonzero((slab >= bounds[k, 1]) & (slab <= bounds[k, 3])) + lo[k]
        candidates = candidates[best[candidates] == n_areas]
        if candidates.size == 0:
            continue
        inside = shapely.intersects_xy(geometries[k], sx[candidates], sy[candidates])
        best[candidates[inside]] = k
    out = np.empty_like(best)
    out[order] = best
    return out


def assign_points(
    areas: gpd.GeoDataFrame,
    x: Any,
    y: Any,
    *,
    max_swapped_share: float | None = None,
) -> PointAssignment:
    """Assign points to the area containing them.

    Each row may be WGS84 (lon, lat) or RD New (x, y), either in order or with the two axes
    swapped; swaps are detected per row and corrected. A point on a shared edge goes to the
    area with the lowest code.

    Parameters
    ----------
    areas
        Areas in EPSG:4326 indexed by ``area_code``.
    x, y
        The two coordinate columns as given (NaN for missing); ``(0, 0)`` counts as missing.
    max_swapped_share
        Raise :class:`InputError` when a larger share of the usable rows was swapped.

    Returns
    -------
    PointAssignment
    """
    xs, ys = _as_float(x), _as_float(y)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be one-dimensional and of equal length")
    if areas.crs is not None and areas.crs.to_epsg() != 4326:
        areas = areas.to_crs(WGS84)
    bounds = np.asarray(areas.total_bounds, dtype="float64")

    with np.errstate(invalid="ignore"):
        finite = np.isfinite(xs) & np.isfinite(ys) & ~((xs == 0) & (ys == 0))
        rd_xy = finite & (xs >= _RD_X[0]) & (xs <= _RD_X[1]) & (ys >= _RD_Y[0]) & (ys <= _RD_Y[1])
        rd_yx = (
            finite
            & ~rd_xy
            & (ys >= _RD_X[0])
            & (ys <= _RD_X[1])
            & (xs >= _RD_Y[0])
            & (xs <= _RD_Y[1])
        )
        deg_xy = finite & (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
        deg_yx = finite & (np.abs(ys) <= 180) & (np.abs(xs) <= 90)
        closer_swapped = _bbox_distance2(ys, xs, bounds) < _bbox_distance2(xs, ys, bounds)
    deg_swap = deg_yx & (~deg_xy | closer_swapped)
    deg = deg_xy | deg_yx
    rd = rd_xy | rd_yx
    swapped = deg_swap | rd_yx
    usable = deg | rd

    first = np.where(swapped, ys, xs)
    second = np.where(swapped, xs, ys)
    lon = np.where(deg, first, np.nan)
    lat = np.where(deg, second, np.nan)
    if rd.any():
        lon[rd], lat[rd] = _rd_to_wgs84().transform(first[rd], second[rd])

    n_usable = int(usable.sum())
    n_swapped = int(swapped.sum())
    if max_swapped_share is not None and n_usable and n_swapped / n_usable > max_swapped_share:
        raise InputError(
            f"Bij {n_swapped} van de {n_usable} locaties ({n_swapped / n_usable:.0%}) lijken "
            "x en y (lengte- en breedtegraad) omgewisseld.",
            hint="Controleer welke kolom de x-coördinaat of lengtegraad bevat en welke de "
            "y-coördinaat of breedtegraad, en geef ze goed op.",
        )

    codes = np.asarray(areas.index.astype("str"), dtype=object)
    order = np.argsort(codes, kind="stable")
    geometries = shapely.from_wkb(shapely.to_wkb(np.asarray(areas.geometry.values)[order]))
    shapely.prepare(geometries)

    with np.errstate(invalid="ignore"):
        in_box = (lon >= bounds[0]) & (lon <= bounds[2]) & (lat >= bounds[1]) & (lat <= bounds[3])
    candidates = np.flatnonzero(usable & in_box)
    found = _containing(geometries, lon[candidates], lat[candidates])
    hit = found < len(geometries)

    area_code = np.full(len(xs), OUTSIDE, dtype=object)
    area_code[~usable] = NO_LOCATION
    area_code[candidates[hit]] = codes[order][found[hit]]
    n_assigned = int(hit.sum())
    return PointAssignment(
        area_code=area_code,
        lon=lon,
        lat=lat,
        swapped=swapped,
        rd=rd,
        n_points=len(xs),
        n_assigned=n_assigned,
        n_outside=n_usable - n_assigned,
        n_no_location=len(xs) - n_usable,
        n_swapped=n_swapped,
        n_rd=int(rd.sum()),
    )


# --- web -------------------------------------------------------------------------------------


def simplify_for_web(areas: gpd.GeoDataFrame, *, tolerance_m: float = 10.0) -> gpd.GeoDataFrame:
    """A copy of ``areas`` with geometries simplified for maps in the browser.

    Neighbouring areas keep their shared edges (coverage simplification in metres when the
    areas form a valid coverage); coordinates are rounded to 5 decimals (about 1 m).
    """
    metric_crs = _metric_crs(areas.geometry)
    metric = np.asarray(areas.geometry.to_crs(metric_crs).values)
    if shapely.coverage_is_valid(metric):
        simple = shapely.coverage_simplify(metric, tolerance_m)
    else:
        simple = shapely.simplify(metric, tolerance_m, preserve_topology=True)
    back = np.asarray(gpd.GeoSeries(simple, crs=metric_crs).to_crs(WGS84).values)
    rounded = shapely.set_precision(back, 1e-5)
    collapsed = shapely.is_empty(rounded)
    rounded[collapsed] = back[collapsed]
    out = areas.copy()
    return out.set_geometry(_repair(rounded), crs=WGS84)


def geojson_payload_size(areas: gpd.GeoDataFrame) -> int:
    """Bytes of ``areas.to_json()`` (UTF-8): what a map sends to the browser."""
    return len(areas.to_json().encode("utf-8"))
