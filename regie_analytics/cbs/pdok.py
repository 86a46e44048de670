"""CBS Wijken en Buurten boundaries from PDOK's OGC API Features.

:func:`download_wijken_en_buurten` fetches the areas of one year and one gemeente
(``{base}/collections/{buurten|wijken|gemeenten}/items``): GeoJSON pages of at most 1,000
features, followed through their ``next`` links, asked in RD New (``crs``, with the answer's
``Content-Crs`` header; without it the standard's default, CRS84). The request is limited to
the gemeente's bounding box (from the bundled national list) and the features of neighbouring
gemeenten are dropped by their ``gemeentecode``. The result keeps CBS's own properties and is
cached per year, level and gemeente (:func:`cache_dir`); ``$REGIE_PDOK_URL`` replaces the
API's address (a template with ``{jaar}``), for a mirror or for tests.
"""

from __future__ import annotations

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
