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

The boundaries live in ``pdok``, the population in ``statline``; every public name is
importable from ``regie_analytics.cbs``.
"""

from regie_analytics.cbs.pdok import (
    COLLECTIONS,
    CRS84,
    CRS_RD,
    DEFAULT_YEAR,
    MAX_PAGES,
    PAGE_SIZE,
    PDOK_URL,
    TIMEOUT,
    Download,
    Fetch,
    cache_dir,
    download_wijken_en_buurten,
    pdok_url,
    write_boundaries,
)
from regie_analytics.cbs.statline import (
    Kerncijfers,
    PopulationMatch,
    match_population,
    read_kerncijfers,
)

__all__ = [
    "COLLECTIONS",
    "CRS84",
    "CRS_RD",
    "DEFAULT_YEAR",
    "MAX_PAGES",
    "PAGE_SIZE",
    "PDOK_URL",
    "TIMEOUT",
    "Download",
    "Fetch",
    "Kerncijfers",
    "PopulationMatch",
    "cache_dir",
    "download_wijken_en_buurten",
    "match_population",
    "pdok_url",
    "read_kerncijfers",
    "write_boundaries",
]
