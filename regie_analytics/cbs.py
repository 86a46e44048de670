"""CBS open data: Wijken en Buurten boundaries from PDOK, and population from StatLine.

Boundaries
    :func:`download_wijken_en_buurten` fetches the CBS Wijken en Buurten of one year and one
    gemeente from PDOK's OGC API Features (``{base}/collections/{buurten|wijken|gemeenten}/
    items``): GeoJSON pages of at most 1,000 features, followed through their ``next`` links,
    asked in RD New (``crs``, with the answer's ``Content-Crs`` header; without it the
    standard's default, CRS84). The request is limited to the gemeente's bounding box (from
    the bundled national list) and the features of neighbouring gemeenten are dropped by their
    ``gemeentecode``. The result keeps CBS's own properties (``buurtcode``, ``buurtnaam``,
    ``wijkcode``, ``gemeentecode``, ``aantal_inwoners``, ...; secret values such as
    ``-99999999`` stay as they are, :mod:`regie_analytics.geo` reads them as missing) and is
    cached per year, level and gemeente (``$REGIE_CACHE``, default
    ``~/.cache/regie-analytics``). ``$REGIE_PDOK_URL`` replaces the API's address (a template
    with ``{jaar}``), for a mirror or for tests.

Population
    :func:`read_kerncijfers` reads a StatLine export of "Kerncijfers wijken en buurten" (CSV,
    ``;``-separated, quoted, codes padded with spaces, ``.`` for secret or unknown figures):
    the raw data set (``WijkenEnBuurten``, ``Codering_3``, ``AantalInwoners_5``, ...) or the
    table as shown (``Regioaanduiding/Codering (code)``, ``Bevolking/Aantal inwoners
    (aantal)``), with or without title lines above and source lines below.

Messages a user sees are Dutch and raised as :class:`regie_analytics.schema.InputError`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics import geo
from regie_analytics.formatting import fmt_int, fmt_level
from regie_analytics.io.parse import ColumnError, Notation, parse_numbers
from regie_analytics.io.readers import detect_delimiter, detect_encoding
from regie_analytics.schema import InputError

PDOK_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{jaar}/ogc/v1"
"""PDOK's OGC API of the CBS Wijken en Buurten of a year (``$REGIE_PDOK_URL`` replaces it)."""
COLLECTIONS: dict[str, str] = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}
"""The API's collection per area level."""
DEFAULT_YEAR = 2024
CRS_RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
PAGE_SIZE = 1000
"""Features asked per page (PDOK's maximum)."""
MAX_PAGES = 100
"""Pages followed at most (a gemeente has a few hundred buurten: one or two pages)."""
TIMEOUT = 30
"""Seconds to wait for one page."""

_CRS_NAMES = {CRS_RD: geo.RD_NEW, CRS84: geo.WGS84}
_DOWNLOAD_HINT = (
    "download de Wijk- en Buurtkaart van dat jaar als GeoPackage bij CBS (cbs.nl, zoek "
    "'Wijk- en buurtkaart') en lever die aan: met --boundaries bij de import, of als upload op "
    "de Data-pagina."
)


def pdok_url(year: int) -> str:
    """The OGC API of the Wijken en Buurten of ``year`` (``$REGIE_PDOK_URL`` if set)."""
    template = os.environ.get("REGIE_PDOK_URL", "").strip() or PDOK_URL
    return template.replace("{jaar}", str(year)).rstrip("/")


def cache_dir() -> Path:
    """Where downloads are kept: ``$REGIE_CACHE`` or ``~/.cache/regie-analytics``."""
    configured = os.environ.get("REGIE_CACHE", "").strip()
    return Path(configured) if configured else Path.home() / ".cache" / "regie-analytics"


# --- boundaries from PDOK ----------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """The CBS areas of one gemeente as PDOK served them.

    Attributes
    ----------
    areas
        One row per area with CBS's properties, in RD New (EPSG:28992).
    gemeente, name, year, level
        What was asked: ``GM0106``, ``Assen``, 2024, ``buurt``.
    url
        The first page's address.
    pages
        Pages read (0 when the download came from the cache).
    cached
        The file the download is kept in.
    """

    areas: gpd.GeoDataFrame
    gemeente: str
    name: str
    year: int
    level: str
    url: str
    pages: int
    cached: Path

    def describe(self) -> str:
        """One Dutch line: what was downloaded from where."""
        where = "uit de cache" if self.pages == 0 else f"{self.pages} pagina('s) van PDOK"
        return (
            f"{self.name} ({self.gemeente}): {fmt_int(len(self.areas))} "
            f"{fmt_level(self.level, plural=len(self.areas) != 1)}, CBS Wijken en Buurten "
            f"{self.year} ({where})"
        )


Fetch = Callable[[str], tuple[bytes, dict[str, str]]]
"""``fetch(url)`` -> body and response headers (lower-case names)."""


def _fetch(url: str) -> tuple[bytes, dict[str, str]]:
    """GET ``url`` as GeoJSON; Dutch errors for what can go wrong on the way."""
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(
        url, headers={"Accept": "application/geo+json, application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.read(), headers
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, url) from exc
    except TimeoutError as exc:
        raise InputError(
            f"PDOK ({host}) antwoordde niet binnen {TIMEOUT} seconden.",
            hint="probeer het later opnieuw, of " + _DOWNLOAD_HINT,
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(
            f"geen verbinding met PDOK ({host}): deze computer lijkt offline, of PDOK is niet "
            f"bereikbaar ({reason}).",
            hint="controleer de internetverbinding en probeer het opnieuw, of " + _DOWNLOAD_HINT,
        ) from exc


def _http_error(exc: urllib.error.HTTPError, url: str) -> InputError:
    detail = ""
    try:
        body = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        body = None
    if isinstance(body, dict):  # an OGC API problem document: title, detail
        detail = str(body.get("detail") or body.get("title") or "")
    detail = f" ({detail[:200]})" if detail else ""
    if exc.code == 404:
        return InputError(
            f"PDOK kent dit adres niet (404){detail}: {url.split('?')[0]}.",
            hint="kies een jaar waarvoor PDOK de Wijken en Buurten als OGC API aanbiedt "
            "(2023 en later), of " + _DOWNLOAD_HINT,
        )
    if exc.code >= 500:
        return InputError(
            f"PDOK gaf een serverfout ({exc.code}){detail}.",
            hint="probeer het later opnieuw, of " + _DOWNLOAD_HINT,
        )
    return InputError(
        f"PDOK weigerde de vraag ({exc.code}){detail}.",
        hint="probeer het later opnieuw, of " + _DOWNLOAD_HINT,
    )


def _page(body: bytes, url: str) -> dict[str, Any]:
    try:
        page = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"PDOK gaf geen GeoJSON terug op {url.split('?')[0]}.",
            hint="probeer het later opnieuw, of " + _DOWNLOAD_HINT,
        ) from exc
    if not isinstance(page, dict) or page.get("type") != "FeatureCollection":
        raise InputError(
            f"PDOK gaf geen GeoJSON-FeatureCollection terug op {url.split('?')[0]}.",
            hint="controleer REGIE_PDOK_URL (als die is ingesteld), of " + _DOWNLOAD_HINT,
        )
    return page


def _content_crs(headers: dict[str, str]) -> str:
    """The CRS of a page from its ``Content-Crs`` header (``<http://...>``); CRS84 without."""
    uri = headers.get("content-crs", "").strip().strip("<>").strip()
    if not uri:
        return geo.WGS84
    if uri in _CRS_NAMES:
        return _CRS_NAMES[uri]
    if m := re.search(r"/EPSG/\d+/(\d+)$", uri):
        return f"EPSG:{m.group(1)}"
    raise InputError(
        f"PDOK leverde de gebieden in een onbekend coördinatenstelsel ({uri}).",
        hint="probeer het opnieuw, of " + _DOWNLOAD_HINT,
    )


def _next_link(page: dict[str, Any]) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _items_url(base: str, collection: str, bbox: tuple[float, float, float, float] | None) -> str:
    query: dict[str, str] = {"f": "json", "limit": str(PAGE_SIZE), "crs": CRS_RD}
    if bbox is not None:
        query["bbox"] = ",".join(f"{v:.6f}" for v in bbox)
    return f"{base}/collections/{collection}/items?{urllib.parse.urlencode(query)}"


def _feature_gemeente(properties: dict[str, Any], code_key: str | None) -> str | None:
    for key in ("gemeentecode", "gemeenteCode", "gm_code"):
        if properties.get(key):
            return str(properties[key]).strip().upper()
    return geo.gemeente_of(str(properties.get(code_key, "")).strip()) if code_key else None


def _code_key(level: str) -> str:
    return {"buurt": "buurtcode", "wijk": "wijkcode", "gemeente": "gemeentecode"}[level]


def _frames(pages: list[tuple[dict[str, Any], str]]) -> gpd.GeoDataFrame:
    """The features of every page as one frame in RD New (pages may differ in CRS)."""
    parts = []
    for page, crs in pages:
        features = [f for f in page.get("features") or [] if isinstance(f, dict)]
        if features:
            parts.append(gpd.GeoDataFrame.from_features(features, crs=crs).to_crs(geo.RD_NEW))
    if not parts:
        return gpd.GeoDataFrame(geometry=[], crs=geo.RD_NEW)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=geo.RD_NEW)


def download_wijken_en_buurten(
    gemeente: str,
    *,
    year: int = DEFAULT_YEAR,
    level: str = "buurt",
    refresh: bool = False,
    fetch: Fetch | None = None,
) -> Download:
    """The CBS Wijken en Buurten of one gemeente and year from PDOK (or the cache).

    Parameters
    ----------
    gemeente
        CBS gemeente code (``GM0106``, ``0106`` or ``106``).
    year
        Year of the Wijken en Buurten (PDOK offers an OGC API from 2023).
    level
        ``buurt``, ``wijk`` or ``gemeente``.
    refresh
        Download again even when the cache has it.
    fetch
        ``fetch(url)`` -> body, headers; default an HTTP GET.

    Raises
    ------
    InputError
        Unknown gemeente or level, offline, PDOK refusing or answering something else than
        GeoJSON, or no area of the gemeente in the answer.
    """
    code = _gemeente_code(gemeente)
    if level not in COLLECTIONS:
        raise InputError(f"onbekend niveau '{level}'.", hint=f"kies uit {', '.join(COLLECTIONS)}.")
    national = geo.national_gemeenten()
    name = str(national[geo.AREA_NAME].get(code, code))
    base = pdok_url(year)
    collection = COLLECTIONS[level]
    bbox = None
    if code in national.index:
        minx, miny, maxx, maxy = national.loc[[code]].total_bounds
        bbox = (minx - 0.005, miny - 0.005, maxx + 0.005, maxy + 0.005)
    url = _items_url(base, collection, bbox)
    key = hashlib.sha256(base.encode()).hexdigest()[:12]
    cached = cache_dir() / "pdok" / key / f"{collection}_{year}_{code}.gpkg"
    if cached.is_file() and not refresh:
        areas = gpd.read_file(cached, engine="pyogrio")
        return Download(areas, code, name, year, level, url, 0, cached)

    get = fetch or _fetch
    pages: list[tuple[dict[str, Any], str]] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        if next_url in seen or len(pages) >= MAX_PAGES:
            raise InputError(
                f"PDOK bleef na {len(pages)} pagina's naar een volgende pagina verwijzen.",
                hint="probeer het later opnieuw, of " + _DOWNLOAD_HINT,
            )
        seen.add(next_url)
        body, headers = get(next_url)
        page = _page(body, next_url)
        pages.append((page, _content_crs(headers)))
        next_url = _next_link(page)

    areas = _frames(pages)
    code_key = _code_key(level)
    found = [
        _feature_gemeente(dict(row), code_key if code_key in areas.columns else None)
        for row in areas.drop(columns="geometry").to_dict("records")
    ]
    mine = np.array([g == code for g in found], dtype=bool)
    if not mine.any():
        others = sorted({g for g in found if g})
        raise InputError(
            f"PDOK leverde {fmt_int(len(areas))} gebieden rond {name}, maar geen enkele van "
            f"gemeente {code}"
            + (f" (wel van {', '.join(others[:6])})" if others else "")
            + f" voor {year}.",
            hint="controleer de gemeentecode en het jaar (gemeenten die zijn samengevoegd "
            "hebben na de samenvoeging een andere code), of " + _DOWNLOAD_HINT,
        )
    areas = areas.loc[mine].reset_index(drop=True)
    _write_whole(areas, cached, driver="GPKG", layer=f"{collection}_{year}")
    return Download(areas, code, name, year, level, url, len(pages), cached)


def _gemeente_code(value: str) -> str:
    text = str(value).strip().upper().removeprefix("GM")
    if not text.isdigit() or len(text) > 4:
        raise InputError(
            f"'{value}' is geen gemeentecode.",
            hint="geef de CBS-code van de gemeente, bijvoorbeeld GM0106 voor Assen.",
        )
    return f"GM{int(text):04d}"


def write_boundaries(download: Download, out: str | Path) -> Path:
    """Write a download as a GeoPackage (``.gpkg``) or GeoJSON (``.geojson``) at ``out``,
    completely or not at all."""
    out = Path(out)
    driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}.get(out.suffix.lower())
    if driver is None:
        raise InputError(
            f"onbekend uitvoerformaat '{out.suffix}'.",
            file=out,
            hint="geef een bestandsnaam die eindigt op .gpkg (GeoPackage) of .geojson.",
        )
    frame = download.areas if driver == "GPKG" else download.areas.to_crs(geo.WGS84)
    _write_whole(frame, out, driver=driver, layer=f"{COLLECTIONS[download.level]}_{download.year}")
    return out


def _write_whole(frame: gpd.GeoDataFrame, path: Path, *, driver: str, layer: str) -> None:
    """Write ``frame`` at ``path`` completely or not at all (a partial file beside it, with
    the same extension, renamed when done)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")
    try:
        frame.to_file(partial, driver=driver, layer=layer, engine="pyogrio")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- population from StatLine ------------------------------------------------------------------

# StatLine table ids of "Kerncijfers wijken en buurten" per year (the file names of its exports
# start with them).
_TABLES = {
    "83487NED": 2016,
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
}
_TITLE_YEAR = re.compile(r"kerncijfers\s+wijken\s+en\s+buurten\D{0,20}((?:19|20)\d\d)", re.I)
_CODE = re.compile(r"^(BU|WK|GM)[0-9A-Z]{4,8}$|^NL0{1,2}$")
_MISSING = {"", ".", "x", "?", "..", "-99997", "-99999999"}
_NIL = {"-"}


@dataclass(frozen=True)
class Kerncijfers:
    """Population per CBS area code from a StatLine export.

    Attributes
    ----------
    population
        Inhabitants per code (``BU…``, ``WK…``, ``GM…``); NaN where StatLine shows ``.``
        (secret or unknown).
    column
        The column the figures came from (``AantalInwoners_5``).
    derived
        The columns summed where the population itself was empty (men, women), or None.
    derived_codes
        The codes whose population was derived that way.
    year
        The year of the table (from its title, table id or file name), if known.
    file
        The file's name.
    """

    population: pd.Series
    column: str
    derived: tuple[str, str] | None
    derived_codes: frozenset[str]
    year: int | None
    file: str

    @property
    def origin(self) -> str:
        """``'CBS 2024 (StatLine, kwb.csv)'``."""
        year = f" {self.year}" if self.year else ""
        return f"CBS{year} (StatLine, {self.file})"


def _norm(header: str) -> str:
    """A header as compared: the last part after ``/``, without a unit in brackets and the
    number StatLine adds (``AantalInwoners_5``), letters only, lower case."""
    last = header.split("/")[-1]
    last = re.sub(r"\(.*?\)", "", last)
    last = re.sub(r"_\d+$", "", last.strip())
    return re.sub(r"[^a-z]", "", last.lower())


def _find_columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, name in enumerate(_norm(h) for h in header):
        if name == "codering" and "code" not in found:
            found["code"] = i
        elif name in ("wijkenenbuurten", "regios") and "key" not in found:
            found["key"] = i
        elif name == "aantalinwoners" and "population" not in found:
            found["population"] = i
        elif name == "mannen" and "men" not in found:
            found["men"] = i
        elif name == "vrouwen" and "women" not in found:
            found["women"] = i
    has_code = "code" in found or "key" in found
    if has_code and ("population" in found or {"men", "women"} <= set(found)):
        return found
    return None


def _year_of(lines: list[list[str]], file: Path, given: int | None) -> int | None:
    if given is not None:
        return given
    for row in lines:
        for cell in row:
            if m := _TITLE_YEAR.search(cell):
                return int(m.group(1))
    for table, year in _TABLES.items():
        if table.lower() in file.name.lower():
            return year
    if m := re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", file.stem):
        return int(m.group(1))
    return None


def _numbers_of(values: list[str], *, file: str, rows: list[int], column: str) -> pd.Series:
    """Whole numbers as StatLine writes them: ``.`` (and the like) missing, ``-`` nil, the
    thousands notation decided for the whole column."""
    text = pd.Series([v.strip() for v in values], dtype="str")
    missing = text.isin(list(_MISSING))
    text = text.where(~text.isin(list(_NIL)), "0").where(~missing, "")
    notation = Notation(integer=True)
    origin = pd.DataFrame({"_file": file, "_row": rows})
    notation.update(text, origin=origin)
    try:
        numbers, bad = parse_numbers(text, notation=notation.decide())
    except ColumnError as exc:
        raise InputError(exc.message, file=file, row=exc.row, column=column, hint=exc.hint) from exc
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{values[first].strip()}' is geen aantal inwoners.",
            file=file,
            row=rows[first],
            column=column,
            hint="gebruik de CSV-export van StatLine zonder bewerking; '.' betekent geheim of "
            "onbekend.",
        )
    return numbers.where(numbers >= 0)


def read_kerncijfers(path: str | Path, *, year: int | None = None) -> Kerncijfers:
    """Read the population per area from a StatLine "Kerncijfers wijken en buurten" export.

    ``year`` overrides the year found in the file's title, table id or name.

    Raises
    ------
    InputError
        Not a CSV, no region code or population column, a value that is no number, or a code
        that occurs twice.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("het bestand bestaat niet.", file=path, hint="controleer het pad.")
    data = path.read_bytes()
    if not data.strip():
        raise InputError("het bestand is leeg.", file=path, hint="exporteer het opnieuw.")
    if b"\x00" in data[:4096]:
        raise InputError(
            "dit is geen CSV-bestand maar binaire inhoud.",
            file=path,
            hint="exporteer de tabel in StatLine als CSV.",
        )
    text = data.decode(detect_encoding(data), errors="replace").lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    widest = max(lines[:20], key=lambda line: line.count(";") + line.count(","))
    delimiter = detect_delimiter(widest)
    rows = list(csv.reader(lines, delimiter=delimiter, quotechar='"'))
    header_at, columns = next(
        ((i, found) for i, row in enumerate(rows[:50]) if (found := _find_columns(row))),
        (None, None),
    )
    if header_at is None or columns is None:
        raise InputError(
            "dit lijkt geen StatLine-export van de Kerncijfers wijken en buurten: er is geen "
            "kolom met de regiocode (Codering of WijkenEnBuurten) en het aantal inwoners "
            "(AantalInwoners).",
            file=path,
            hint="download in StatLine de tabel 'Kerncijfers wijken en buurten' van het jaar "
            "van de grenzen als CSV, met ten minste de regiocode en het aantal inwoners.",
        )
    header = rows[header_at]
    width = len(header)
    codes: list[str] = []
    numbers: dict[str, list[str]] = {k: [] for k in ("population", "men", "women") if k in columns}
    line_rows: list[int] = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if len(row) < width:
            continue  # a title, unit or source line
        code_cell = row[columns["code"]] if "code" in columns else row[columns["key"]]
        code = code_cell.strip().upper()
        if not _CODE.match(code):
            continue
        codes.append(code)
        line_rows.append(number)
        for key in numbers:
            numbers[key].append(row[columns[key]])
    if not codes:
        raise InputError(
            "het bestand heeft geen rijen met een CBS-regiocode (BU…, WK… of GM…).",
            file=path,
            row=header_at + 1,
            hint="exporteer de tabel met de buurten of wijken van uw gemeente.",
        )
    index = pd.Index(codes, name=geo.AREA_CODE, dtype="str")
    duplicated = index[index.duplicated()]
    if len(duplicated):
        at = line_rows[int(np.flatnonzero(index.duplicated())[0])]
        raise InputError(
            f"regiocode {duplicated[0]} staat meer dan eens in het bestand.",
            file=path,
            row=at,
            column=header[columns.get("code", columns.get("key", 0))],
            hint="exporteer elke regio één keer.",
        )
    parsed = {
        key: _numbers_of(values, file=path.name, rows=line_rows, column=header[columns[key]])
        for key, values in numbers.items()
    }
    population = parsed.get("population", pd.Series(np.nan, index=range(len(codes))))
    derived: tuple[str, str] | None = None
    filled = pd.Series(False, index=population.index)
    if "men" in parsed and "women" in parsed:
        sums = parsed["men"] + parsed["women"]
        filled = population.isna() & sums.notna()
        if filled.any():
            derived = (header[columns["men"]].strip(), header[columns["women"]].strip())
            population = population.where(~filled, sums)
    column = header[columns["population"]].strip() if "population" in columns else ""
    return Kerncijfers(
        population=pd.Series(population.to_numpy(dtype="float64"), index=index, name="population"),
        column=column,
        derived=derived,
        derived_codes=frozenset(index[filled.to_numpy()]),
        year=_year_of(rows[:header_at], path, year),
        file=path.name,
    )


@dataclass(frozen=True)
class PopulationMatch:
    """Kerncijfers matched to a store's areas (at its finest level).

    Attributes
    ----------
    population
        Inhabitants per area of the store (NaN where unknown).
    text
        Where the figures come from, for ``info`` and the Data page
        (:func:`regie_analytics.geo.population_text`).
    matched, secret, missing
        Areas found in the file with a figure, found without one (``.``), and not in it.
    unmatched
        Codes of the store's gemeente(n) at the store's level that the file has but the store
        does not (a newer or older division).
    """

    population: pd.Series
    text: str
    level: str
    matched: int
    secret: int
    missing: list[str]
    unmatched: list[str]

    def lines(self) -> list[str]:
        """The result in Dutch lines."""

        def many(n: int) -> str:
            return f"{fmt_int(n)} {fmt_level(self.level, plural=n != 1)}"

        def examples(codes: list[str]) -> str:
            return ", ".join(codes[:8]) + (" en meer" if len(codes) > 8 else "")

        out = [f"inwoners: {self.text}"]
        out.append(f"  {many(self.matched)} met een inwonertal uit het bestand")
        if self.secret:
            out.append(
                f"  {many(self.secret)} zonder cijfer in het bestand ('.': geheim of onbekend)"
            )
        if self.missing:
            out.append(
                f"  {many(len(self.missing))} van de grenzen niet in het bestand: "
                + examples(self.missing)
            )
        if self.unmatched:
            out.append(
                f"  {many(len(self.unmatched))} in het bestand niet in de grenzen (een andere "
                "indeling of een ander jaar): " + examples(self.unmatched)
            )
        return out


def match_population(kerncijfers: Kerncijfers, areas: gpd.GeoDataFrame) -> PopulationMatch:
    """The population of ``areas`` (a store's boundaries, at their finest level) from
    ``kerncijfers``.

    Raises
    ------
    InputError
        When no code of the file is one of the areas' codes.
    """
    level = geo.available_levels(areas)[0]
    rows = areas[areas[geo.AREA_LEVEL] == level]
    wanted = pd.Index(rows.index.astype("str"))
    given = kerncijfers.population
    present = wanted.intersection(given.index)
    if present.empty:
        levels = pd.Series([geo.code_level(c) or "land" for c in given.index]).value_counts()
        what = ", ".join(f"{n} {fmt_level(str(lvl), plural=n != 1)}" for lvl, n in levels.items())
        raise InputError(
            f"geen enkele regiocode uit het bestand is een van de {len(wanted)} "
            f"{fmt_level(level, plural=True)} van de store (zoals {wanted[0]}); het bestand "
            f"heeft {what} (zoals {given.index[0]}).",
            file=kerncijfers.file,
            hint=f"gebruik de kerncijfers van hetzelfde jaar als de grenzen (codes veranderen "
            f"met de indeling) en met de {fmt_level(level, plural=True)} van uw gemeente.",
        )
    population = given.reindex(wanted)
    gemeenten = set(rows[geo.GEMEENTE_CODE].dropna())
    same = [
        c
        for c in given.index
        if geo.code_level(c) == level and geo.gemeente_of(c) in gemeenten and c not in wanted
    ]
    text = geo.population_text(
        origin=kerncijfers.origin,
        file=kerncijfers.file,
        column=kerncijfers.column or None,
        derived=kerncijfers.derived,
        n_derived=len(kerncijfers.derived_codes.intersection(present)),
        n_known=int(population.notna().sum()),
        n_areas=len(wanted),
        level=level,
    )
    return PopulationMatch(
        population=population.rename("population"),
        text=text,
        level=level,
        matched=int(population.notna().sum()),
        secret=int(given.reindex(present).isna().sum()),
        missing=sorted(wanted.difference(given.index)),
        unmatched=sorted(same),
    )
