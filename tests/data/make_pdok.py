"""Write the recorded PDOK answers the download tests serve from a local HTTP server.

Run from the repository root: ``python tests/data/make_pdok.py``. The output
(``tests/data/pdok/``) is committed; this script documents how it was made. These are not
captures of api.pdok.nl (there is no internet here): they are real CBS areas written in the
format PDOK's OGC API Features documents for ``/collections/{buurten|wijken}/items``:

- a GeoJSON ``FeatureCollection`` with ``timeStamp``, ``numberReturned``, ``links`` (``self``,
  ``alternate`` and, except on the last page, ``next`` with a ``cursor``) and features with an
  ``id`` and CBS's properties (``buurtcode``, ``buurtnaam``, ``wijkcode``, ``gemeentecode``,
  ``gemeentenaam``, ``aantal_inwoners``, ``mannen``, ``vrouwen``, ..., secret values as CBS
  writes them: ``-99999999``);
- the coordinates in the CRS asked for with ``crs`` (RD New), named in the ``Content-Crs``
  header (``index.json`` holds the headers per request).

Two recorded requests:

``buurten`` of Ermelo (GM0233), year 2021, three pages of 7, 7 and 4 features, RD New: the 17
buurten of ``ermelo_buurten_2021.gpkg`` (CBS's preliminary 2021 release: ``aantal_inwoners``
empty, ``mannen`` and ``vrouwen`` given, the water buurt secret) and, as a bounding box also
returns, one area of the neighbouring Harderwijk (GM0243; its outline is Harderwijk's wijk
WK024312 of the CBS 2016 wijken, standing in for a buurt).

``wijken`` of Alkmaar (GM0361), year 2024, two pages of 5 and 3 features, from
``alkmaar_wijken_2024.geojson`` (real ``aantal_inwoners``), answered in CRS84 without a
``Content-Crs`` header: a server that ignores ``crs`` answers in the standard's default.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import shapely

from regie_analytics import cbs, geo
from regie_analytics.cbs.pdok import _items_url

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
OUT = DATA / "pdok"
HOST = "https://api.pdok.nl"
WIJKEN_2016 = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "nl_wijken_2016.geojson"
STAMP = "2025-11-03T09:12:44Z"


def _rounded(geometry: shapely.Geometry, decimals: int) -> dict[str, object]:
    mapped = shapely.geometry.mapping(shapely.set_precision(geometry, 10.0**-decimals))
    return json.loads(json.dumps(mapped))


def _clean(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pages(
    frame: gpd.GeoDataFrame,
    *,
    year: int,
    gemeente: str,
    level: str,
    size: int,
    decimals: int,
    first_id: int,
) -> list[dict[str, object]]:
    """``frame`` as the OGC API pages a request of ``size`` features per page returns."""
    collection = cbs.COLLECTIONS[level]
    national = geo.national_gemeenten()
    minx, miny, maxx, maxy = national.loc[[gemeente]].total_bounds
    bbox = (minx - 0.005, miny - 0.005, maxx + 0.005, maxy + 0.005)
    base = f"{HOST}/cbs/wijken-en-buurten-{year}/ogc/v1"
    first = _items_url(base, collection, bbox).replace(f"limit={cbs.PAGE_SIZE}", f"limit={size}")
    pages: list[dict[str, object]] = []
    chunks = [frame.iloc[i : i + size] for i in range(0, len(frame), size)]
    for number, chunk in enumerate(chunks):
        url = first if number == 0 else f"{first}&cursor={_cursor(first_id, number)}"
        links = [
            {
                "rel": "self",
                "type": "application/geo+json",
                "title": "This document as GeoJSON",
                "href": url,
            },
            {
                "rel": "alternate",
                "type": "text/html",
                "title": "This document as HTML",
                "href": url.replace("f=json", "f=html"),
            },
        ]
        if number + 1 < len(chunks):
            links.append(
                {
                    "rel": "next",
                    "type": "application/geo+json",
                    "title": "Next page",
                    "href": f"{first}&cursor={_cursor(first_id, number + 1)}",
                }
            )
        features = [
            {
                "type": "Feature",
                "id": first_id + number * size + i,
                "properties": {k: _clean(v) for k, v in row.drop("geometry").items()},
                "geometry": _rounded(row.geometry, decimals),
            }
            for i, (_, row) in enumerate(chunk.iterrows())
        ]
        pages.append(
            {
                "type": "FeatureCollection",
                "timeStamp": STAMP,
                "links": links,
                "numberReturned": len(features),
                "features": features,
            }
        )
    return pages


def _cursor(first_id: int, page: int) -> str:
    return f"{first_id + page:x}AAAA%7C{page}b0Q"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    index: dict[str, dict[str, object]] = {}

    ermelo = gpd.read_file(DATA / "ermelo_buurten_2021.gpkg")
    wijken = gpd.read_file(WIJKEN_2016)
    harderwijk = wijken.loc[wijken["WKC"] == "WK024312", ["geometry"]].to_crs(ermelo.crs)
    neighbour = {c: None for c in ermelo.columns if c != "geometry"}
    neighbour.update(
        buurtcode="BU02431200",
        buurtnaam="Drielanden",
        wijkcode="WK024312",
        wijknaam="Wijk 12 Drielanden",
        gemeentecode="GM0243",
        gemeentenaam="Harderwijk",
        water="NEE",
        jaarstatcode="2021BU02431200",
    )
    neighbour_row = gpd.GeoDataFrame(
        [neighbour], geometry=[harderwijk.geometry.iloc[0]], crs=ermelo.crs
    )
    buurten = gpd.GeoDataFrame(
        gpd.pd.concat([ermelo, neighbour_row], ignore_index=True), crs=ermelo.crs
    )
    _write(
        index,
        "buurten_2021_GM0233",
        _pages(
            buurten,
            year=2021,
            gemeente="GM0233",
            level="buurt",
            size=7,
            decimals=1,
            first_id=4102,
        ),
        crs=f"<{cbs.CRS_RD}>",
    )

    alkmaar = gpd.read_file(DATA / "alkmaar_wijken_2024.geojson")
    alkmaar = gpd.GeoDataFrame(
        {
            "wijkcode": alkmaar["wijkCode"],
            "wijknaam": alkmaar["wijkNaam"],
            "gemeentecode": "GM0361",
            "gemeentenaam": "Alkmaar",
            "aantal_inwoners": alkmaar["aantalInwoners"],
            "jaar": 2024,
        },
        geometry=alkmaar.geometry,
        crs=alkmaar.crs,
    )
    _write(
        index,
        "wijken_2024_GM0361",
        _pages(
            alkmaar,
            year=2024,
            gemeente="GM0361",
            level="wijk",
            size=5,
            decimals=6,
            first_id=803,
        ),
        crs=None,
    )
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")


def _write(
    index: dict[str, dict[str, object]], name: str, pages: list[dict[str, object]], crs: str | None
) -> None:
    """Write the pages and note for each request (path and cursor) its file and headers."""
    for number, page in enumerate(pages, start=1):
        file = f"{name}_p{number}.json"
        (OUT / file).write_text(json.dumps(page, ensure_ascii=False) + "\n")
        href = next(str(link["href"]) for link in page["links"] if link["rel"] == "self")
        path, _, query = href.removeprefix(HOST).partition("?")
        cursor = dict(part.split("=", 1) for part in query.split("&")).get("cursor", "")
        index[f"{path}#{cursor}"] = {"file": file, "content_crs": crs}


if __name__ == "__main__":
    main()
