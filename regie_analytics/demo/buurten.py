"""The real inputs of the demo and what is generated on them: the Amsterdam buurten, the
municipal population total and neighbours, the Signalen category tree; a population per buurt
that sums to the real total; the planted clusters and trends; the buurt effect."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regie_analytics.resources import data_file
from regie_analytics.schema import InputError

_CLUSTER_SEEDS: tuple[tuple[str, str], ...] = (
    ("beide_hoog", "FM02"),  # Nieuw-West, Overtoomse Veld-Noord
    ("beide_hoog", "TH04"),  # Zuidoost, K-buurt-Zuidwest
    ("beide_hoog", "NE03"),  # Noord, Banne-Zuidwest
    ("beide_hoog", "MD01"),  # Oost, Transvaalbuurt-West
    ("alleen_sociaal", "ED02"),  # West, Kolenkitbuurt-Zuid
    ("alleen_sociaal", "NH01"),  # Noord, Buikslotermeer-Noord
    ("alleen_fysiek", "AE02"),  # Centrum, Oude Kerk e.o. (visitors)
    ("alleen_fysiek", "KE01"),  # Zuid, Frans Halsbuurt (market)
)
_N_TREND = 6
_TREND_END = {"stijgend": 1.6, "dalend": 0.6}

# fmt: off
# Parks, business parks, hospitals, sports parks and polders: population near zero
# (Westpoort, codes starting with B, too).
_LOW_POPULATION = frozenset((
    "AK01", "EA01", "EA02", "EB03", "EE03", "EG01", "FA01", "FA02", "FA03", "FA04", "FA05",
    "FA08", "FB01", "FE04", "FF01", "FF03", "FH01", "FN03", "FQ08", "FQ10", "KA06", "KC01",
    "KD01", "KN02", "KP02", "KQ01", "KR04", "MA08", "MA11", "MG04", "MH06", "MK01", "MN06",
    "MN07", "MN09", "MP02", "MQ02", "NA01", "NB01", "NB02", "NL02", "NP03", "SA01", "SB06",
    "SC01", "SD02", "SE01", "SE04", "TA02", "TA03", "TA04", "TA05", "TA06", "TC05", "TK02",
    "TK03",
))
# Villages and rural ribbons: a few hundred inhabitants.
_VILLAGES = frozenset((
    "FQ01", "NA05", "ND02", "NQ03", "NQ04", "NQ05", "NQ06", "NQ07", "NQ08", "NQ09", "NQ10", "SA02",
))
# Relative residential density per stadsdeel (first letter of the buurt code).
_DENSITY = {"A": 0.75, "E": 1.25, "F": 1.0, "K": 1.05, "M": 1.0, "N": 0.8, "S": 0.6, "T": 1.0}
_MAX_POPULATION = 10_000
# fmt: on
_NEIGHBOURS = ("GM0362", "GM0384", "GM0479")  # Amstelveen, Diemen, Zaanstad


def input_file(path: str | Path | None, relative: str) -> Path:
    """``path``, or the bundled data file ``relative`` (see :func:`resources.data_file`)."""
    if path is not None:
        return Path(path)
    return data_file(relative)


def load_buurten(path: Path) -> gpd.GeoDataFrame:
    """The buurten with their code, name, stadsdeel letter and area in km², in WGS84."""
    if not path.exists():
        raise InputError("buurtgrenzen niet gevonden.", file=path, hint="Geef boundaries=...")
    raw = gpd.read_file(path)
    if "cbsCode" not in raw.columns:
        raise InputError("kolom met de CBS-buurtcode ontbreekt.", file=path, column="cbsCode")
    if raw.crs is not None and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(4326)
    frame = raw.sort_values("cbsCode").reset_index(drop=True)
    out = gpd.GeoDataFrame(
        {
            "area_code": frame["cbsCode"].astype(str).to_numpy(),
            "code": frame["cbsCode"].astype(str).str[6:].to_numpy(),
            "naam": frame["naam"].astype(str).to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs=4326,
    )
    out["stadsdeel"] = out["code"].str[0]
    out["area_km2"] = out.geometry.to_crs(28992).area.to_numpy() / 1e6
    return out


def load_municipalities(path: Path) -> tuple[int, shapely.Geometry]:
    """Amsterdam's real population total and the union of its neighbours' shapes."""
    if not path.exists():
        raise InputError("kerncijfers van de gemeenten niet gevonden.", file=path)
    gem = gpd.read_file(path)
    row = gem[gem["gemeentecode"] == "GM0363"]
    if row.empty or pd.isna(row["aantal_inwoners"].iloc[0]):
        raise InputError(
            "geen inwonertal voor Amsterdam (GM0363).", file=path, column="aantal_inwoners"
        )
    total = int(row["aantal_inwoners"].iloc[0])
    near = gem[gem["gemeentecode"].isin(_NEIGHBOURS)].sort_values("gemeentecode")
    neighbours = shapely.union_all(shapely.make_valid(near.geometry.to_numpy()))
    return total, neighbours


def load_categories(path: Path) -> pd.DataFrame:
    """The active categories of the Signalen tree: main, sub and departments."""
    if not path.exists():
        raise InputError("categorieboom van Signalen niet gevonden.", file=path)
    tree = pd.read_csv(path, dtype=str, keep_default_na=False)
    tree = tree[tree["is_active"].str.lower() == "true"]
    return pd.DataFrame(
        {
            "main": tree["main_slug"].to_numpy(),
            "sub": tree["sub_slug"].to_numpy(),
            "departments": tree["departments"].to_numpy(),
        }
    )


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:short]] += 1
    return base


def generate_population(
    buurten: gpd.GeoDataFrame, total: int, rng: np.random.Generator
) -> np.ndarray:
    """Inhabitants per buurt, summing exactly to ``total``: parks, business parks and
    Westpoort nearly empty, villages small, the rest by density and area (capped)."""
    code = buurten["code"].to_numpy()
    westpoort = np.array([c[0] == "B" for c in code])
    low = np.array([c in _LOW_POPULATION for c in code])
    village = np.array([c in _VILLAGES for c in code])
    resid = ~westpoort & ~low & ~village
    n = len(code)
    pop = np.zeros(n)
    pop[westpoort] = rng.integers(0, 40, westpoort.sum())
    pop[low] = np.clip(rng.lognormal(np.log(40.0), 1.1, low.sum()), 0, 600)
    pop[village] = rng.lognormal(np.log(450.0), 0.5, village.sum())
    density = np.array([_DENSITY.get(c[0], 1.0) for c in code])
    raw = density * buurten["area_km2"].to_numpy() ** 0.6 * rng.lognormal(0.0, 0.35, n)
    remaining = total - pop[~resid].sum()
    weights = raw[resid] / raw[resid].sum() * remaining
    for _ in range(5):  # cap the largest buurten and hand the excess to the others
        capped = weights >= _MAX_POPULATION
        weights[capped] = _MAX_POPULATION
        free = ~capped
        weights[free] *= (remaining - weights[capped].sum()) / weights[free].sum()
    pop[resid] = weights
    return _largest_remainder(pop, total)


def plant_patterns(
    buurten: gpd.GeoDataFrame, population: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """The planted truth per buurt: ``patroon``, ``cluster_id``, the social and physical
    factors, and whether the buurt seeds its cluster."""
    code = buurten["code"].to_numpy()
    n = len(code)
    geoms = buurten.geometry.to_numpy()
    strtree = shapely.STRtree(geoms)
    residential = population >= 500
    patroon = np.full(n, "geen", dtype=object)
    cluster = np.full(n, -1)
    soc = np.ones(n)
    phys = np.ones(n)
    seeds: list[int] = []
    for cid, (kind, seed_code) in enumerate(_CLUSTER_SEEDS, start=1):
        hit = np.flatnonzero(code == seed_code)
        if hit.size == 0:
            raise InputError(
                f"buurt {seed_code} ontbreekt in de buurtgrenzen; de demo verwacht de "
                "Amsterdamse buurten van 2022."
            )
        i = int(hit[0])
        seeds.append(i)
        near = np.sort(strtree.query(geoms[i], predicate="intersects"))
        members = [j for j in near if (j == i or residential[j]) and patroon[j] == "geen"]
        factor = rng.uniform(2.5, 3.0)
        patroon[members] = kind
        cluster[members] = cid
        if kind in ("beide_hoog", "alleen_sociaal"):
            soc[members] = factor
        if kind in ("beide_hoog", "alleen_fysiek"):
            phys[members] = factor
    # trend buurten: residential, not in or next to a cluster
    in_cluster = np.flatnonzero(cluster > 0)
    touching = np.unique(strtree.query(geoms[in_cluster], predicate="intersects")[1])
    eligible = np.flatnonzero(population >= 1500)
    eligible = np.setdiff1d(eligible, touching)
    picks = rng.choice(eligible, size=2 * _N_TREND, replace=False)
    patroon[picks[:_N_TREND]] = "stijgend"
    patroon[picks[_N_TREND:]] = "dalend"
    return pd.DataFrame(
        {
            "area_code": buurten["area_code"].to_numpy(),
            "patroon": patroon.astype(str),
            "cluster_id": pd.Series(cluster).where(cluster > 0).astype("Int64"),
            "social_factor": soc,
            "physical_factor": phys,
            "seed": np.isin(np.arange(n), seeds),
        }
    )


def buurt_effect(
    truth: pd.DataFrame, factor: str, shape: float, rng: np.random.Generator
) -> np.ndarray:
    """Gamma buurt effect (mean 1, given shape) times the planted factor.

    Buurten in a planted cluster vary less (shape 40), so the planted contrast is unambiguous.
    """
    effect = rng.gamma(shape, 1 / shape, len(truth))
    planted = truth["cluster_id"].notna().to_numpy()
    effect[planted] = rng.gamma(40.0, 1 / 40.0, planted.sum())
    return effect * truth[factor].to_numpy()


def trend_factors(truth: pd.DataFrame, months: int) -> np.ndarray:
    """Buurt x month multiplier: 1 at the start, ``_TREND_END`` at the last month."""
    pos = np.arange(months) / max(months - 1, 1)
    end = truth["patroon"].map(_TREND_END).fillna(1.0).to_numpy()
    return 1.0 + (end[:, None] - 1.0) * pos[None, :]
