"""A synthetic national case for benchmarks: generated buurten on the real CBS wijken of 2016 and
seeded record-level signals on them.

No national buurt layer is available offline, so the buurten are generated: every real wijk of
the CBS Wijk- en Buurtkaart 2016 (2,982 wijken of 390 gemeenten, RD New; two water wijken
without geometry are left out, one wijk in two
parts is joined) is split into buurten
as the Voronoi cells of seeded random points clipped to the wijk. The buurten partition each
wijk exactly, and a wijk border is shared by the buurten on both sides as it is by the wijken.
With the default ``per_wijk`` there are about 14,000 buurten, coded as CBS does (``BU`` + the
wijk's six digits + two digits, so ``WK036102`` holds ``BU03610201``...), named "… (gegenereerd)".
Populations are generated too: the gemeente's real total of 2024 (CBS kerncijfers, where the
code still exists; 20,000 otherwise) spread over its buurten with gamma weights.

The signals are what a province or GGD region would bring: one CSV (or Parquet) table of
records with RD coordinates inside the buurten, categories of the real Signalen tree and the
social themes of the default taxonomy (so the taxonomy classifies them all), channels, and
closing times for most. Volumes cluster: a gamma effect per buurt, wijken that are hot in both
domains or in one, wijken that rise over the period, and seasons per month. The table is
written in chunks, so 10 or 30 million rows never sit in memory at once, and is imported with
the ``generic`` preset and the mapping :func:`write_national_mapping` writes.

Everything is drawn from ``numpy.random.default_rng`` seeded per wijk (boundaries) or per chunk
(signals): the same seed gives the same output, and the buurten of a few gemeenten are the same
as those gemeenten's buurten in the national layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import shapely

from regie_analytics.demo.buurten import input_file, load_categories
from regie_analytics.demo.physical import _MAIN_SHARE
from regie_analytics.demo.signalen import _LEAD_MEDIAN_DAYS, _points_in_buurten
from regie_analytics.demo.social import _THEME_SHARE, _WIJKTEAM_SHARE, SOCIAL_CHANNELS, THEMES
from regie_analytics.geo.geometry import RD_NEW, WGS84, _polygonal, _repair
from regie_analytics.schema import (
    AREA_CODE,
    AREA_KM2,
    AREA_LEVEL,
    AREA_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    POPULATION,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    WIJK_CODE,
)

WIJKEN_2016 = input_file(None, "boundaries/nl_wijken_2016.geojson")
"""The bundled CBS wijken of 2016 for the whole country (RD New; ``WKC``, ``WKN``, ``GMC``,
``GMN``)."""

GENERATED = "gegenereerd"
SOURCE_NAME = "landelijk (gegenereerd)"
"""The ``source`` of the generated signals in the store."""

NATIONAL_MAPPING: dict[str, object] = {
    "kind": "signals",
    "source": SOURCE_NAME,
    "columns": {
        "signal_id": "meldingnummer",
        "received_at": "datum_melding",
        "closed_at": "datum_afgehandeld",
        "category": "hoofdcategorie",
        "subcategory": "subcategorie",
        "channel": "kanaal",
        "status": "status",
        "x": "x_rd",
        "y": "y_rd",
    },
}
"""The mapping (``--preset generic --mapping``) of the table :func:`national_signals` writes."""

_FILE_COLUMNS = (
    "buurtcode",
    "buurtnaam",
    "wijkcode",
    "wijknaam",
    "gemeentecode",
    "gemeentenaam",
    "aantal_inwoners",
)
_FALLBACK_POPULATION = 20_000
_CHUNK = 500_000
_PHYSICAL_CHANNELS = ("Internet", "App", "Telefoon", "E-mail", "Balie")
_PHYSICAL_CHANNEL_SHARE = np.array([0.5, 0.25, 0.17, 0.06, 0.02])
_SOCIAL_SHARE = 0.25
_SOCIAL_LEAD_DAYS = 14.0
_OPEN_SHARE = 0.08
# Share of wijken with a planted pattern, and its multipliers (physical, social).
_PATTERNS = (
    ("beide_hoog", 0.03, 3.0, 3.0),
    ("alleen_fysiek", 0.02, 3.0, 1.0),
    ("alleen_sociaal", 0.02, 1.0, 3.0),
)
_RISING_SHARE = 0.03
_RISING_END = 2.0
_SEASON = np.array([1.1, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0, 0.9, 1.0, 1.05, 1.0, 0.9])


def _wijk_seed(seed: int, wijk_code: str) -> np.random.Generator:
    return np.random.default_rng((seed, int(wijk_code[2:])))


def _points_in(
    geometry: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform points inside one geometry (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    shapely.prepare(geometry)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < n:
        x = rng.uniform(minx, maxx, 4 * n)
        y = rng.uniform(miny, maxy, 4 * n)
        ok = shapely.contains_xy(geometry, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        found += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _split_wijk(wijk: shapely.Geometry, n: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """The wijk as ``n`` Voronoi cells of random points inside it, clipped to it."""
    if n == 1:
        return [wijk]
    x, y = _points_in(wijk, n, rng)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(np.column_stack([x, y])), extend_to=wijk, ordered=True
    )
    clipped = shapely.intersection(np.asarray(shapely.get_parts(cells)), wijk)
    return [_polygonal(cell) for cell in clipped]


def _gemeente_population(gemeenten: Iterable[str]) -> dict[str, int]:
    kerncijfers = input_file(None, "boundaries/nl_gemeenten_2024_kerncijfers.geojson")
    real = gpd.read_file(
        kerncijfers, columns=["gemeentecode", "aantal_inwoners"], ignore_geometry=True
    )
    totals = pd.to_numeric(real["aantal_inwoners"], errors="coerce")
    known = dict(zip(real["gemeentecode"].astype(str), totals, strict=True))
    out: dict[str, int] = {}
    for code in gemeenten:
        value = known.get(code)
        out[code] = int(value) if value is not None and value > 0 else _FALLBACK_POPULATION
    return out


def national_buurten_file_frame(
    *,
    seed: int = 0,
    per_wijk: float = 4.7,
    gemeenten: Iterable[str] | None = None,
    wijken: Path = WIJKEN_2016,
) -> gpd.GeoDataFrame:
    """The generated buurten as a CBS boundaries file has them (RD New): ``buurtcode``,
    ``buurtnaam``, ``wijkcode``, ``wijknaam``, ``gemeentecode``, ``gemeentenaam``,
    ``aantal_inwoners``, ``geometry``; sorted by ``buurtcode``.

    Parameters
    ----------
    seed
        Seed of the split (per wijk) and the population (per gemeente).
    per_wijk
        Mean number of buurten per wijk (1 + Poisson(``per_wijk`` - 1)); 4.7 gives about 14,000.
    gemeenten
        Only these gemeenten (``GM0233``, ...); default all.
    wijken
        The wijk layer (``WKC``, ``WKN``, ``GMC``, ``GMN``); default :data:`WIJKEN_2016`.
    """
    raw = gpd.read_file(wijken).sort_values("WKC").reset_index(drop=True)
    if gemeenten is not None:
        raw = raw[raw["GMC"].isin(list(gemeenten))].reset_index(drop=True)
    raw = raw[~raw.geometry.is_empty].reset_index(drop=True)  # two water wijken of 2016
    geometries = _repair(np.asarray(raw.to_crs(RD_NEW).geometry.values))
    for code in raw["WKC"][raw["WKC"].duplicated()].unique():  # WK191104 comes in two parts
        rows_of = np.flatnonzero(raw["WKC"].to_numpy() == code)
        geometries[rows_of[0]] = _polygonal(shapely.union_all(geometries[rows_of]))
    keep = ~raw["WKC"].duplicated().to_numpy()
    raw, geometries = raw[keep].reset_index(drop=True), geometries[keep]
    rows: list[tuple[str, str, str, str, str, str]] = []
    parts: list[shapely.Geometry] = []
    for wkc, wkn, gmc, gmn, wijk in zip(
        raw["WKC"], raw["WKN"], raw["GMC"], raw["GMN"], geometries, strict=True
    ):
        rng = _wijk_seed(seed, str(wkc))
        n = int(min(1 + rng.poisson(max(per_wijk - 1.0, 0.0)), 99))
        for k, cell in enumerate(_split_wijk(wijk, n, rng), start=1):
            code = f"BU{str(wkc)[2:]}{k:02d}"
            rows.append((code, f"{wkn} buurt {k} ({GENERATED})", wkc, wkn, gmc, gmn))
            parts.append(cell)
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=list(_FILE_COLUMNS[:-1])), geometry=parts, crs=RD_NEW
    )
    frame[_FILE_COLUMNS[-1]] = _buurt_population(frame, seed)
    return frame[[*_FILE_COLUMNS, "geometry"]]


def _buurt_population(frame: gpd.GeoDataFrame, seed: int) -> np.ndarray:
    """Each gemeente's total spread over its buurten (multinomial, gamma weights)."""
    totals = _gemeente_population(frame["gemeentecode"].unique())
    out = np.zeros(len(frame), dtype=np.int64)
    codes = frame["gemeentecode"].to_numpy()
    for code, total in totals.items():
        rows = np.flatnonzero(codes == code)
        rng = np.random.default_rng((seed, int(code[2:]), 1))
        weights = rng.gamma(2.0, 1.0, rows.size)
        out[rows] = rng.multinomial(total, weights / weights.sum())
    return out


def national_boundaries(
    *,
    seed: int = 0,
    per_wijk: float = 4.7,
    gemeenten: Iterable[str] | None = None,
    wijken: Path = WIJKEN_2016,
) -> gpd.GeoDataFrame:
    """The generated national buurten as the store takes boundaries (what
    :func:`regie_analytics.geo.load_boundaries` gives for the file
    :func:`write_national_boundaries` writes): indexed by ``area_code``, columns
    :data:`regie_analytics.geo.AREA_COLUMNS`, EPSG:4326.

    Parameters are those of :func:`national_buurten_file_frame`.
    """
    raw = national_buurten_file_frame(
        seed=seed, per_wijk=per_wijk, gemeenten=gemeenten, wijken=wijken
    )
    index = pd.Index(raw["buurtcode"].astype("str"), name=AREA_CODE)
    wgs84 = _repair(np.asarray(raw.geometry.to_crs(WGS84).values))
    return gpd.GeoDataFrame(
        {
            AREA_NAME: raw["buurtnaam"].astype("str").to_numpy(),
            AREA_LEVEL: "buurt",
            WIJK_CODE: raw["wijkcode"].astype("str").to_numpy(),
            STADSDEEL_CODE: pd.Series(np.nan, index=index, dtype="str"),
            STADSDEEL_NAME: pd.Series(np.nan, index=index, dtype="str"),
            GEMEENTE_CODE: raw["gemeentecode"].astype("str").to_numpy(),
            GEMEENTE_NAME: raw["gemeentenaam"].astype("str").to_numpy(),
            POPULATION: raw["aantal_inwoners"].astype("float64").to_numpy(),
            AREA_KM2: (raw.geometry.area / 1e6).astype("float64").to_numpy(),
        },
        geometry=wgs84,
        index=index,
        crs=WGS84,
    )


def write_national_boundaries(
    path: str | Path,
    *,
    seed: int = 0,
    per_wijk: float = 4.7,
    gemeenten: Iterable[str] | None = None,
    wijken: Path = WIJKEN_2016,
) -> Path:
    """Write the generated buurten (:func:`national_buurten_file_frame`) as a GeoPackage (layer
    ``buurten``, RD New) that ``import --boundaries FILE`` accepts; returns ``path``."""
    out = Path(path)
    out.unlink(missing_ok=True)
    frame = national_buurten_file_frame(
        seed=seed, per_wijk=per_wijk, gemeenten=gemeenten, wijken=wijken
    )
    frame.to_file(out, layer="buurten", driver="GPKG", engine="pyogrio")
    return out


def write_national_mapping(path: str | Path) -> Path:
    """Write :data:`NATIONAL_MAPPING` as the JSON file ``import --mapping`` reads."""
    out = Path(path)
    out.write_text(json.dumps(NATIONAL_MAPPING, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def mapping_file(out: str | Path) -> Path:
    """Where :func:`national_signals` writes the mapping of the table ``out``:
    ``<stem>_mapping.json`` next to it."""
    path = Path(out)
    return path.with_name(f"{path.stem}_mapping.json")


def _cell_weights(
    areas: gpd.GeoDataFrame, months: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Relative volume per domain (physical, social) x buurt x month, flattened."""
    n_b = len(areas)
    population = areas[POPULATION].fillna(0.0).to_numpy(dtype="float64")
    exposure = population + 200.0 * np.minimum(areas[AREA_KM2].to_numpy(dtype="float64"), 5.0)
    wijken = pd.Index(areas[WIJK_CODE].astype("str")).unique()
    pick = rng.random(len(wijken))
    factors = np.ones((2, len(wijken)))
    lower = 0.0
    for _, share, physical, social in _PATTERNS:
        planted = (pick >= lower) & (pick < lower + share)
        factors[0, planted], factors[1, planted] = physical, social
        lower += share
    rising = (pick >= lower) & (pick < lower + _RISING_SHARE)
    wijk_of_buurt = wijken.get_indexer(areas[WIJK_CODE].astype("str"))
    steps = np.arange(months.size) / max(months.size - 1, 1)
    trend = 1.0 + np.outer(rising[wijk_of_buurt], steps) * (_RISING_END - 1.0)
    season = _SEASON[months % 12]
    domain_share = np.array([1.0 - _SOCIAL_SHARE, _SOCIAL_SHARE])
    effect = rng.gamma(2.0, 0.5, (2, n_b)) * factors[:, wijk_of_buurt]
    base = domain_share[:, None] * exposure[None, :] * effect / (exposure.sum() or 1.0)
    return (base[:, :, None] * trend[None, :, :] * season[None, None, :]).ravel()


def _categories() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Main and sub category of the Signalen tree with their share of physical signals, and
    the median lead time in days of each."""
    tree = load_categories(input_file(None, "taxonomy/signalen_categories_amsterdam.csv"))
    mains = tree["main"].to_numpy().astype(str)
    per_main = pd.Series(mains).value_counts()
    share = np.array([_MAIN_SHARE.get(m, 0.01) / per_main[m] for m in mains])
    lead = np.array([_LEAD_MEDIAN_DAYS.get(m, 5.0) for m in mains])
    return mains, tree["sub"].to_numpy().astype(str), share / share.sum(), lead


def _as_text(moments: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(moments, unit="s"), "T", " ")


def _signal_chunk(
    first: int,
    n: int,
    *,
    cumulative: np.ndarray,
    geometries: np.ndarray,
    month_starts: np.ndarray,
    window_end: np.datetime64,
    tree: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> pa.Table:
    """``n`` signals from number ``first`` on, as a table of the columns of
    :func:`national_signals`."""
    mains, subs, share, lead_days = tree
    n_b, n_m = geometries.size, month_starts.size - 1
    cell = np.minimum(
        np.searchsorted(cumulative, rng.random(n) * cumulative[-1]), cumulative.size - 1
    )
    social = cell >= n_b * n_m
    buurt, month = np.divmod(cell % (n_b * n_m), n_m)
    x, y = _points_in_buurten(geometries, buurt, rng)
    span = (month_starts[month + 1] - month_starts[month]).astype(np.int64)
    received = month_starts[month] + (rng.random(n) * span).astype("timedelta64[s]")

    category = rng.choice(mains.size, n, p=share)
    theme = rng.choice(len(THEMES), n, p=_THEME_SHARE / _THEME_SHARE.sum())
    main = np.where(social, np.asarray(THEMES, dtype=object)[theme], mains[category])
    sub = np.where(social, "", subs[category])
    wijkteam = rng.random(n) < _WIJKTEAM_SHARE[theme]
    physical_channel = np.asarray(_PHYSICAL_CHANNELS)[
        rng.choice(len(_PHYSICAL_CHANNELS), n, p=_PHYSICAL_CHANNEL_SHARE)
    ]
    social_channel = np.where(wijkteam, SOCIAL_CHANNELS[0], SOCIAL_CHANNELS[1])
    median = np.where(social, _SOCIAL_LEAD_DAYS, lead_days[category]) * 86400.0
    lead = np.maximum(rng.lognormal(np.log(median), 1.0), 600.0).astype(np.int64)
    closed = received + lead.astype("timedelta64[s]")
    is_closed = (closed < window_end) & (rng.random(n) >= _OPEN_SHARE)
    return pa.table(
        {
            "meldingnummer": np.char.add(
                "NL", np.char.zfill(np.arange(first, first + n).astype(str), 9)
            ),
            "datum_melding": _as_text(received),
            "datum_afgehandeld": pa.array(_as_text(closed), mask=~is_closed),
            "hoofdcategorie": main.astype(str),
            "subcategorie": pa.array(sub.astype(str), mask=social),
            "kanaal": np.where(social, social_channel, physical_channel),
            "status": np.where(is_closed, "afgehandeld", "open"),
            "x_rd": x,
            "y_rd": y,
        }
    )


def national_signals(
    areas: gpd.GeoDataFrame,
    *,
    rows: int,
    months: int = 36,
    seed: int = 0,
    out: str | Path,
    start: str = "2023-11",
) -> Path:
    """Write ``rows`` generated signals on ``areas`` to ``out`` (``.csv`` or ``.parquet``), in
    chunks, and their mapping to :func:`mapping_file` (``out``).

    Parameters
    ----------
    areas
        The buurten, as :func:`national_boundaries` gives them (any CRS; ``population``,
        ``area_km2`` and ``wijk_code`` are used).
    rows
        Number of signals (exactly; ids ``NL000000001``... are unique).
    months
        Months from ``start`` (``YYYY-MM``) over which the signals are received.
    seed
        Seed of the volumes per buurt and month and of every chunk.

    Returns
    -------
    Path
        ``out``. Columns: ``meldingnummer``, ``datum_melding`` and ``datum_afgehandeld``
        (``YYYY-MM-DD HH:MM:SS``, local time; empty while open), ``hoofdcategorie``,
        ``subcategorie`` (Signalen slugs, or a social theme without sub category), ``kanaal``,
        ``status`` and ``x_rd``/``y_rd`` (RD New in metres, six decimals, inside the buurt).
    """
    path = Path(out)
    if rows < 1:
        raise ValueError(f"rows moet minstens 1 zijn, niet {rows}.")
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"out moet op .csv of .parquet eindigen, niet '{path.name}'.")
    geometries = np.asarray(areas.geometry.to_crs(RD_NEW).values)
    shapely.prepare(geometries)
    first_month = np.datetime64(start, "M")
    month_starts = (first_month + np.arange(months + 1)).astype("datetime64[s]")
    calendar = (first_month + np.arange(months)).astype(int) % 12
    cumulative = np.cumsum(_cell_weights(areas, calendar, np.random.default_rng((seed, 0))))
    tree = _categories()
    write_national_mapping(mapping_file(path))
    writer: pa_csv.CSVWriter | pq.ParquetWriter | None = None
    partial = path.with_name(f".{path.name}.partial")
    try:
        for chunk, first in enumerate(range(0, rows, _CHUNK), start=1):
            table = _signal_chunk(
                first + 1,
                min(_CHUNK, rows - first),
                cumulative=cumulative,
                geometries=geometries,
                month_starts=month_starts,
                window_end=month_starts[-1],
                tree=tree,
                rng=np.random.default_rng((seed, chunk)),
            )
            if writer is None:
                writer = (
                    pq.ParquetWriter(partial, table.schema)
                    if path.suffix.lower() == ".parquet"
                    else pa_csv.CSVWriter(partial, table.schema)
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(path)
    return path
