"""The physical reports as a Signalen data-warehouse export: locations in (or just outside)
their buurt, categories (a few unknown to the tree), lead times, statuses and timestamps in
Amsterdam time, as the four CSV files joined on ``_signal_id``."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regie_analytics.demo.physical import SOURCES
from regie_analytics.schema import NO_LOCATION, OUTSIDE

_TZ = "Europe/Amsterdam"

# fmt: off
_UNKNOWN_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("nieuwe-categorie", "e-steps"),
    ("nieuwe-categorie", "deelscooters"),
    ("afval", "zwerfafval-evenementen"),
)
# Median lead time in days per main category (missing: 5).
_LEAD_MEDIAN_DAYS = {
    "afval": 2.0, "schoon": 3.0, "wegen-verkeer-straatmeubilair": 7.0,
    "openbaar-groen-en-water": 10.0, "civiele-constructies": 20.0,
    "overlast-in-de-openbare-ruimte": 5.0, "overlast-bedrijven-en-horeca": 6.0,
    "overlast-op-het-water": 3.0, "overlast-van-dieren": 6.0,
    "overlast-van-en-door-personen-of-groepen": 2.0, "wonen": 30.0, "ondermijning": 45.0,
    "overig": 4.0,
}
_SLOW_STADSDELEN = frozenset(("F", "N", "T"))  # Nieuw-West, Noord, Zuidoost
_STATES = {"m": "Gemeld", "b": "In behandeling", "o": "Afgehandeld", "a": "Geannuleerd"}
# fmt: on


def _local_to_utc(local: np.ndarray) -> np.ndarray:
    """Amsterdam wall time (datetime64[s]) to UTC; gaps shift forward, overlaps are winter."""
    idx = pd.DatetimeIndex(local).tz_localize(
        _TZ, ambiguous=np.zeros(local.size, dtype=bool), nonexistent="shift_forward"
    )
    return idx.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")


def _iso_local(utc: np.ndarray) -> np.ndarray:
    """UTC datetime64[s] to ISO 8601 strings in Amsterdam time with offset."""
    aware = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(_TZ)
    wall = aware.tz_localize(None).to_numpy().astype("datetime64[s]")
    offset = (wall - utc).astype(np.int64)
    text = np.datetime_as_string(wall, unit="s").astype(object)
    return text + np.where(offset == 7200, "+02:00", "+01:00")


def _uuids(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` random version-4 UUIDs drawn from ``rng`` (reproducible)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = raw.tobytes().hex()
    return [
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (hexes[i : i + 32] for i in range(0, 32 * n, 32))
    ]


def _points_in_buurten(
    geoms: np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points (rounded to 6 decimals) inside ``geoms[which]``: rejection sampling."""
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    x = np.full(which.size, np.nan)
    y = np.full(which.size, np.nan)
    todo = np.arange(which.size)
    while todo.size:
        box = bounds[which[todo]]
        cx = np.round(rng.uniform(box[:, 0], box[:, 2]), 6)
        cy = np.round(rng.uniform(box[:, 1], box[:, 3]), 6)
        ok = shapely.contains_xy(geoms[which[todo]], cx, cy)
        x[todo[ok]] = cx[ok]
        y[todo[ok]] = cy[ok]
        todo = todo[~ok]
    return x, y


def _outside_points(
    buurten: gpd.GeoDataFrame, neighbours: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points 0.3-3 km outside Amsterdam, inside Amstelveen, Diemen or Zaanstad."""
    rd = gpd.GeoSeries([shapely.union_all(buurten.geometry.to_numpy())], crs=4326).to_crs(28992)
    ring = rd.buffer(3000).difference(rd.buffer(300))
    near = gpd.GeoSeries([neighbours], crs=4326).to_crs(28992)
    # keep them in the same lon/lat window as Amsterdam itself (Zaanstad reaches far west)
    region = shapely.clip_by_rect(
        ring.intersection(near).to_crs(4326).iloc[0], 4.7, 52.2, 5.1, 52.5
    )
    geoms = np.array([region] * n, dtype=object)
    return _points_in_buurten(geoms, np.arange(n), rng)


def signalen_export(
    phys: pd.DataFrame,
    buurten: gpd.GeoDataFrame,
    neighbours: shapely.Geometry,
    tree: pd.DataFrame,
    periods: pd.PeriodIndex,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """The four tables of the Signalen export for the physical records, and the buurt each
    signal was generated in (or the outside / no-location sentinel)."""
    n = len(phys)
    ids = np.arange(1, n + 1)
    b = phys["buurt"].to_numpy()
    s = phys["category"].to_numpy()
    stadsdeel = buurten["stadsdeel"].to_numpy()[b]

    # --- locations: in the buurt, none, or just outside Amsterdam
    kind = rng.random(n)
    no_location = kind < 0.01
    outside = (kind >= 0.01) & (kind < 0.015)
    inside = ~no_location & ~outside
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[inside], lat[inside] = _points_in_buurten(buurten.geometry.to_numpy(), b[inside], rng)
    lon[outside], lat[outside] = _outside_points(buurten, neighbours, int(outside.sum()), rng)
    area = buurten["area_code"].to_numpy()[b].astype(object)
    area[no_location] = NO_LOCATION
    area[outside] = OUTSIDE
    signal_buurt = pd.Series(area, index=pd.Index(ids, name="id"), name="area_code")

    # --- categories, with a few that the tree does not know
    main = tree["main"].to_numpy()[s].astype(object)
    sub = tree["sub"].to_numpy()[s].astype(object)
    departments = tree["departments"].to_numpy()[s].astype(object)
    unknown = rng.random(n) < 0.003
    pick = rng.integers(0, len(_UNKNOWN_CATEGORIES), n)
    main[unknown] = np.array([c[0] for c in _UNKNOWN_CATEGORIES], dtype=object)[pick[unknown]]
    sub[unknown] = np.array([c[1] for c in _UNKNOWN_CATEGORIES], dtype=object)[pick[unknown]]
    departments[unknown] = ""

    # --- timing and status
    created = _local_to_utc(phys["local"].to_numpy())
    window_end = _local_to_utc(
        np.array([(periods[-1] + 1).start_time.to_datetime64()], dtype="datetime64[s]")
    )[0]
    median = np.array([_LEAD_MEDIAN_DAYS.get(mn, 5.0) for mn in tree["main"]])[s]
    slow = np.isin(stadsdeel, list(_SLOW_STADSDELEN)) & inside
    median = median * np.where(slow, 1.3, 1.0)
    sigma = np.where(slow, 1.3, 1.0)
    lead = rng.lognormal(np.log(median * 86400.0), sigma).astype(np.int64)
    cancelled = rng.random(n) < 0.03
    lead[cancelled] = rng.lognormal(np.log(86400.0), 1.0, cancelled.sum()).astype(np.int64)
    closed = created + np.maximum(lead, 60).astype("timedelta64[s]")
    is_closed = closed < window_end
    age = (window_end - created).astype(np.int64)
    fresh = rng.random(n) < np.where(age < 3 * 86400, 0.6, 0.15)
    progress = created + (rng.uniform(0.1, 0.6, n) * age).astype("timedelta64[s]")
    state = np.where(is_closed, np.where(cancelled, "a", "o"), np.where(fresh, "m", "b"))
    status_time = np.where(is_closed, closed, np.where(fresh, created, progress))
    status_iso = _iso_local(status_time)

    signals = pd.DataFrame(
        {
            "id": ids,
            "signal_uuid": _uuids(n, rng),
            "source": np.array([x[0] for x in SOURCES], dtype=object)[phys["source"].to_numpy()],
            "text": "(gegenereerde tekst)",
            "created_at": _iso_local(created),
            "updated_at": status_iso,
            "category_assignment_id": ids + 2_000_000,
            "location_id": ids + 1_000_000,
            "status_id": ids + 3_000_000,
        }
    )
    locations = pd.DataFrame(
        {
            "id": ids + 1_000_000,
            "lat": lon,  # the real export's quirk: 'lat' holds the longitude
            "lng": lat,
            "stadsdeel": np.where(inside, stadsdeel, ""),
            "buurt_code": "",
            "address_text": "",
            "area_code": "",
            "area_name": "",
            "_signal_id": ids,
        }
    )
    categories = pd.DataFrame(
        {
            "id": ids + 2_000_000,
            "main": main,
            "sub": sub,
            "departments": departments,
            "deadline": "",
            "_signal_id": ids,
        }
    )
    statuses = pd.DataFrame(
        {
            "id": ids + 3_000_000,
            "text": "",
            "state_display": pd.Series(state).map(_STATES).to_numpy(),
            "state": state,
            "created_at": status_iso,
            "_signal_id": ids,
        }
    )
    return signals, locations, categories, statuses, signal_buurt
