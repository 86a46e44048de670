"""Spatial statistics: weights, rates, hot spots, social x physical coherence, trends, anomalies.

Every function takes pandas objects in and returns new pandas objects; area-level results are
indexed by ``area_code`` in the order of the spatial weights (``w.id_order``). Count Series may
omit areas without signals: a missing area counts as 0. Labels in outputs are Dutch; the
constants below hold them so pages and charts can refer to one spelling.

The permutation tests call esda with ``n_jobs=1`` and a fixed ``seed``, so a result is
reproducible and identical to calling esda directly with the same weights and seed. esda seeds
numpy's global random generator; the functions here restore its state afterwards.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import math
import threading
import warnings
import weakref
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from esda.getisord import G_Local
from esda.moran import Moran_Local_BV
from libpysal.weights import Queen, Rook, W
from scipy import stats

from regie_analytics.formatting import fmt_level
from regie_analytics.limits import check_month_span
from regie_analytics.schema import (
    AREA_CODE,
    COUNT,
    DEPARTMENT,
    MONTH,
    SENTINEL_AREAS,
    THEME,
    UNKNOWN_DEPARTMENT,
)

METRIC_CRS = "EPSG:28992"
"""Metric CRS (RD New) for centroid distances in the island fallback of ``spatial_weights``."""

HOTSPOT_CLASSES: tuple[str, ...] = (
    "hotspot 99%",
    "hotspot 95%",
    "hotspot 90%",
    "coldspot 99%",
    "coldspot 95%",
    "coldspot 90%",
    "niet significant",
)
"""Labels of ``hotspots(...)["klasse"]`` with the default ``alpha_levels``."""
NOT_SIGNIFICANT = "niet significant"
NO_DATA = "geen gegevens"
NOT_COMPUTED = "niet berekend"
"""Label for areas left out of a test because their value is missing (NaN)."""

CLUSTER_LABELS: tuple[str, ...] = (
    "hoog-hoog",
    "laag-laag",
    "hoog-laag",
    "laag-hoog",
    NOT_SIGNIFICANT,
)
"""Labels of ``bivariate_moran(...)["cluster"]``: value of x here - lag of y around it."""
_QUADRANT_LABELS = {1: "hoog-hoog", 2: "laag-hoog", 3: "laag-laag", 4: "hoog-laag"}

EMERGING_CLASSES: dict[str, str] = {
    "nieuwe hotspot": "new hot spot",
    "opeenvolgende hotspot": "consecutive hot spot",
    "intensiverende hotspot": "intensifying hot spot",
    "persistente hotspot": "persistent hot spot",
    "afnemende hotspot": "diminishing hot spot",
    "sporadische hotspot": "sporadic hot spot",
    "oscillerende hotspot": "oscillating hot spot",
    "historische hotspot": "historical hot spot",
    "nieuwe coldspot": "new cold spot",
    "opeenvolgende coldspot": "consecutive cold spot",
    "intensiverende coldspot": "intensifying cold spot",
    "persistente coldspot": "persistent cold spot",
    "afnemende coldspot": "diminishing cold spot",
    "sporadische coldspot": "sporadic cold spot",
    "oscillerende coldspot": "oscillating cold spot",
    "historische coldspot": "historical cold spot",
    "geen patroon": "no pattern detected",
}
"""Dutch label -> ESRI's English name of the emerging hot spot classes."""

ANOMALY_HIGH = "hoger dan verwacht"
ANOMALY_LOW = "lager dan verwacht"

MIN_REPORTED_COUNT = 5
"""Fewest signals an area needs (in the period for a hotspot, in the month for a jump) before
it is reported as a hotspot or a jump: 1 or 2 signals against an expected 0 is no news."""

HIGH_PERCENTILE = 75.0
"""``hoog`` in a domain: a percentile rank above this (the highest quarter of the areas)."""
LOW_PERCENTILE = 25.0
"""``laag`` in a domain: a percentile rank of at most this (the lowest quarter)."""
MIN_AREAS_COMPARED = 4
"""Fewest areas with a value for percentile ranks to mean anything (a highest quarter)."""
DOMAIN_CLASSES: tuple[str, ...] = ("laag", "midden", "hoog")
"""Labels of the classes 1, 2, 3 of :func:`domain_class` (the bivariate map's legend)."""

EXPLANATIONS: dict[str, tuple[str, str]] = {
    "hotspots": (
        "Een hotspot is een plek waar een {gebied} samen met de {gebieden} eromheen duidelijk "
        "meer signalen heeft dan je bij toeval zou verwachten; een coldspot duidelijk minder. "
        "Met minder dan {min_count} signalen is een {gebied} nooit een hotspot.",
        "Een hotspot zegt niet waarom het daar drukker is en ook niet dat één {gebied} op zich "
        "uitschiet: het gaat om de plek samen met haar omgeving.",
    ),
    "samenhang": (
        "De samenhangsindex (0-100) is alleen hoog als een {gebied} zowel sociaal als fysiek "
        "veel signalen heeft vergeleken met de andere {gebieden}; zonder signalen in een domein "
        "is hij 0. Sociaal én fysiek hoog: {both_high}.",
        "Een hoge index bewijst niet dat sociale en fysieke problemen elkaar veroorzaken; "
        "ze komen op dezelfde plek samen voor.",
    ),
    "bivariate_moran": (
        "Hoog-hoog betekent: hier is het ene domein hoog en in de {gebieden} eromheen het "
        "andere domein, vaker dan bij toeval.",
        "Het is geen oorzaak-gevolgrelatie en zegt niets over individuele bewoners of huishoudens.",
    ),
    "regie": (
        "De regie-opgave is groot waar signalen over veel afdelingen verspreid zijn en sociale "
        "en fysieke signalen samenkomen: daar is één gezamenlijke aanpak het meest nodig.",
        "Een hoge score is geen oordeel over hoe goed afdelingen werken en ook geen maat voor "
        "de ernst van de problemen.",
    ),
    "trends": (
        "Het patroon in de tijd laat zien of een hotspot nieuw is, blijft, sterker wordt of "
        "afneemt, op basis van de hotspotanalyse per maand (een maand met minder dan "
        "{min_count} signalen in een {gebied} telt daar niet als hotspot).",
        "Een patroon voorspelt de toekomst niet en zegt niet of beleid heeft gewerkt.",
    ),
    "anomalies": (
        "Een sprong is een maand waarin een {gebied} veel meer signalen heeft dan het "
        "seizoenspatroon en het recente niveau doen verwachten; alleen maanden met minstens "
        "{min_count} signalen tellen mee.",
        "Een sprong is nog geen probleem: een actie, een campagne of een nieuwe "
        "registratiewijze kan ook de oorzaak zijn.",
    ),
    "eb_rate": (
        "De hotspots van het cijfer per 1.000 inwoners zijn berekend op het gecorrigeerde "
        "cijfer: dat trekt cijfers van kleine {gebieden} naar het gemiddelde, zodat toevallige "
        "uitschieters minder zwaar wegen.",
        "Het gecorrigeerde cijfer is geen gemeten aantal: voor kleine {gebieden} is het een "
        "schatting die deels op de stad leunt.",
    ),
    "rate": (
        "Per 1.000 inwoners: het aantal signalen gedeeld door het aantal inwoners, keer 1.000 "
        "(niet gecorrigeerd); {gebieden} met minder dan 100 inwoners krijgen geen cijfer.",
        "In kleine {gebieden} kan een paar signalen meer of minder het cijfer sterk laten "
        "schommelen.",
    ),
    "lq": (
        "De locatiequotiënt vergelijkt het aandeel van een thema hier met het aandeel in de "
        "hele gemeente; boven 1 is het thema hier relatief vaker.",
        "Een hoge locatiequotiënt betekent niet dat er veel signalen zijn: het gaat om de "
        "verhouding, niet om het aantal.",
    ),
}
"""Per statistic a Dutch sentence on what it means and one on what it does not mean, with
``{gebied}``/``{gebieden}`` for the area level's word and ``{min_count}`` for
:data:`MIN_REPORTED_COUNT` (see :func:`explanation`)."""


def both_high_rule(level: str = "buurt") -> str:
    """The definition of "sociaal én fysiek hoog" in Dutch words (see :func:`samenhang`)."""
    return (
        f"in beide domeinen bij het hoogste kwart van de {fmt_level(level, plural=True)}, met "
        f"minstens {MIN_REPORTED_COUNT} signalen per domein"
    )


def explanation(key: str, *, level: str = "buurt") -> tuple[str, str]:
    """What statistic ``key`` of :data:`EXPLANATIONS` means and does not mean, in the words
    of the area level (``als een wijk``, not ``als een buurt``)."""
    means, not_means = EXPLANATIONS[key]
    words = {
        "gebied": fmt_level(level),
        "gebieden": fmt_level(level, plural=True),
        "min_count": MIN_REPORTED_COUNT,
        "both_high": both_high_rule(level),
    }
    return means.format(**words), not_means.format(**words)


# --- helpers -----------------------------------------------------------------------------------


@contextmanager
def _pysal_call() -> Iterator[None]:
    """Silence libpysal/esda notices we handle ourselves and keep numpy's global RNG state."""
    state = np.random.get_state()
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", message="The weights matrix is not fully connected")
        warnings.filterwarnings("ignore", message=".*[Ii]sland")
        warnings.filterwarnings(
            "ignore", message="The alternative hypothesis for conditional randomization"
        )
        try:
            yield
        finally:
            np.random.set_state(state)


def _ids(w: W) -> pd.Index:
    return pd.Index(list(w.id_order), name=AREA_CODE)


def _align(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Values in the order of ``ids``; areas absent from ``values`` count as 0, NaN stays NaN."""
    if not values.index.is_unique:
        raise ValueError(
            "Elke gebiedscode mag maar één keer voorkomen; tel dubbele regels eerst op."
        )
    position = values.index.get_indexer(ids)
    found = position >= 0
    out = np.zeros(len(ids), dtype=float)
    out[found] = values.to_numpy(dtype=float, na_value=np.nan)[position[found]]
    return out


def _counts_on(counts: pd.Series, index: pd.Index) -> pd.Series:
    """Counts on ``index``; areas absent from ``counts`` count as 0."""
    aligned = _align(counts, pd.Index(index))
    return pd.Series(aligned, index=pd.Index(index, name=AREA_CODE))


def _subset(w: W, keep: np.ndarray) -> W:
    """``w`` restricted to the areas where ``keep`` is true (a copy, row-standardised).

    An area whose neighbours all drop out borrows the nearest kept areas along the contiguity
    graph (neighbours of neighbours, and so on), symmetrically, so no island appears.
    """
    if keep.all():
        return copy.deepcopy(w)
    order = [code for code, k in zip(w.id_order, keep, strict=True) if k]
    kept = set(order)
    neighbors = {code: [n for n in w.neighbors[code] if n in kept] for code in order}
    for code in [c for c in order if not neighbors[c]]:
        seen, frontier = {code}, set(w.neighbors[code])
        while frontier and not frontier & kept:
            seen |= frontier
            frontier = {m for n in frontier for m in w.neighbors[n]} - seen
        for found in sorted(frontier & kept):
            neighbors[code].append(found)
            if code not in neighbors[found]:
                neighbors[found].append(code)
    with _pysal_call():
        sub = W(neighbors, id_order=order, silence_warnings=True)
        sub.transform = "r"
    return sub


def _nl(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


# --- weights -----------------------------------------------------------------------------------


def spatial_weights(areas: gpd.GeoDataFrame, *, kind: str = "queen") -> W:
    """Row-standardised contiguity weights between areas, with a fallback for islands.

    Two areas are neighbours when their boundaries share a point (``kind="queen"``) or a
    line segment (``kind="rook"``), built with libpysal from the geometries, ids = the
    ``area_code`` index. An area without any neighbour (an island, or a polygon separated by
    water) gets its nearest area as neighbour, measured between centroids in RD New
    (EPSG:28992), and that area gets it back (the fallback is symmetric). Weights are then
    row-standardised (transform ``"r"``): each row sums to 1.

    Parameters
    ----------
    areas
        Areas indexed by ``area_code`` with a CRS.
    kind
        ``"queen"`` (default) or ``"rook"``.

    Returns
    -------
    libpysal.weights.W
        ``id_order`` equals ``areas.index``.
    """
    builders = {"queen": Queen, "rook": Rook}
    if kind not in builders:
        raise ValueError(f"Onbekend soort buren '{kind}'; kies 'queen' of 'rook'.")
    if not areas.index.is_unique:
        raise ValueError("Elke gebiedscode mag maar één keer voorkomen in de gebieden.")
    if areas.crs is None:
        raise ValueError(
            "De gebieden hebben geen coördinatenstelsel (CRS); lees ze in met een CRS."
        )
    ids = [str(code) for code in areas.index]
    frame = gpd.GeoDataFrame(geometry=areas.geometry.to_numpy(), index=ids, crs=areas.crs)
    with _pysal_call():
        contiguity = builders[kind].from_dataframe(frame, use_index=True)
    neighbors = {code: [str(n) for n in contiguity.neighbors[code]] for code in ids}
    islands = [code for code in ids if not neighbors[code]]
    if islands and len(ids) > 1:
        centroids = frame.geometry.to_crs(METRIC_CRS).centroid
        xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
        position = {code: i for i, code in enumerate(ids)}
        for code in islands:
            i = position[code]
            distance = np.hypot(*(xy - xy[i]).T)
            distance[i] = np.inf
            nearest = ids[int(np.argmin(distance))]
            if nearest not in neighbors[code]:
                neighbors[code].append(nearest)
            if code not in neighbors[nearest]:
                neighbors[nearest].append(code)
    with _pysal_call():
        w = W(neighbors, id_order=ids, silence_warnings=True)
        w.transform = "r"
    return w


def neighbours(areas: gpd.GeoDataFrame, code: str, *, w: W | None = None) -> list[str]:
    """Area codes of the neighbours of one area, as used by the statistics (sorted).

    Parameters
    ----------
    areas
        Areas indexed by ``area_code``.
    code
        The area whose neighbours are wanted.
    w
        Weights from ``spatial_weights(areas)``; built when not given.
    """
    weights = spatial_weights(areas) if w is None else w
    if code not in weights.neighbors:
        raise ValueError(f"Onbekende gebiedscode '{code}'; kies een code uit de gebieden.")
    return sorted(str(n) for n in weights.neighbors[code])


# --- rates -------------------------------------------------------------------------------------


def rate_per_1000(counts: pd.Series, population: pd.Series) -> pd.Series:
    """Signals per 1,000 residents; NaN where the population is missing or 0.

    ``counts`` is aligned to ``population.index`` (areas without counts have 0 signals).
    """
    pop = population.astype(float)
    rate = _counts_on(counts, pop.index) / pop.where(pop > 0).to_numpy() * 1000.0
    return rate.rename("per_1000")


def per_km2(counts: pd.Series, area_km2: pd.Series) -> pd.Series:
    """Signals per km²; NaN where the area is missing or 0."""
    km2 = area_km2.astype(float)
    density = _counts_on(counts, km2.index) / km2.where(km2 > 0).to_numpy()
    return density.rename("per_km2")


def location_quotient(part: pd.Series, whole: pd.Series) -> pd.Series:
    """Location quotient ``(part_i / whole_i) / (sum part / sum whole)``.

    Above 1: the part (a theme) has a larger share of all signals here than in the whole
    municipality. NaN where ``whole_i`` is 0 or missing. ``part`` is aligned to
    ``whole.index`` (missing = 0).
    """
    total = whole.astype(float)
    share_here = _counts_on(part, total.index) / total.where(total != 0).to_numpy()
    part_total = float(_counts_on(part, total.index).sum())
    whole_total = float(total.sum())
    share_all = part_total / whole_total if whole_total else math.nan
    lq = share_here / share_all if share_all else share_here * math.nan
    return lq.rename("lq")


def eb_smoothed_rate(
    counts: pd.Series,
    population: pd.Series,
    *,
    w: W | None = None,
    scope: Literal["global", "local"] = "global",
) -> pd.Series:
    """Empirical Bayes smoothed rate per 1,000 residents.

    Each area's raw rate is pulled towards a reference rate, the more so the smaller its
    population (Marshall 1991, the estimator of ``esda.smoothing.Empirical_Bayes`` and
    ``Spatial_Empirical_Bayes``). ``scope="global"``: the reference is the municipality's rate
    (all counts / all residents). ``scope="local"``: the reference is the rate of the area
    together with its neighbours in ``w`` (weights ignored, only who is a neighbour), so an
    area is pulled towards its surroundings. A negative estimated variance between areas is set
    to 0 (all areas then get the reference rate). Areas with missing or zero population get NaN
    and are left out of every reference rate.

    Parameters
    ----------
    counts
        Signals per area (missing = 0).
    population
        Residents per area; the result has its index (``scope="global"``) or ``w.id_order``
        (``scope="local"``).
    w
        Spatial weights, required for ``scope="local"``.
    scope
        ``"global"`` or ``"local"``.
    """
    if scope not in ("global", "local"):
        raise ValueError(f"Onbekende schaal '{scope}'; kies 'global' of 'local'.")
    if scope == "local" and w is None:
        raise ValueError("Voor lokale smoothing zijn ruimtelijke gewichten (w) nodig.")
    ids = _ids(w) if scope == "local" and w is not None else pd.Index(population.index)
    b = population.reindex(ids).astype(float).to_numpy()
    valid = np.isfinite(b) & (b > 0)
    e = np.where(valid, _align(counts, ids), 0.0)
    b = np.where(valid, b, 0.0)
    safe_b = np.where(valid, b, 1.0)
    rate = e / safe_b
    smoothed = np.full(len(ids), np.nan)
    if scope == "global":
        if valid.any() and e[valid].sum() > 0:
            b_sum = b[valid].sum()
            r_mean = e[valid].sum() / b_sum
            r_var = (b[valid] * (rate[valid] - r_mean) ** 2).sum() / b_sum
            r_var = max(r_var - r_mean / b[valid].mean(), 0.0)
            weight = r_var / (r_var + r_mean / b[valid])
            smoothed[valid] = weight * rate[valid] + (1.0 - weight) * r_mean
        else:
            smoothed[valid] = 0.0
    elif w is not None:
        adjacency = (w.sparse != 0).astype(float)
        adjacency.setdiag(1.0)
        v = valid.astype(float)
        n_i = adjacency @ v
        e_i = adjacency @ e
        b_i = adjacency @ b
        with np.errstate(divide="ignore", invalid="ignore"):
            r_mean = np.where(b_i > 0, e_i / b_i, 0.0)
            squares = adjacency @ (e * rate)
            spread = (squares - 2 * r_mean * e_i + r_mean**2 * b_i) / b_i
            r_var = np.clip(spread - r_mean / (b_i / n_i), 0.0, None)
            shrink = np.where(r_var + r_mean / safe_b > 0, r_var / (r_var + r_mean / safe_b), 0.0)
        smoothed[valid] = (r_mean + (rate - r_mean) * shrink)[valid]
    return pd.Series(smoothed * 1000.0, index=ids, name="eb_per_1000")


# --- hot spots ---------------------------------------------------------------------------------


def _gi_star(
    y: np.ndarray, w: W, *, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gi*, its z-score and esda's folded pseudo p-value (NaN without permutations).

    esda ``G_Local`` with ``star=True`` and binary weights plus the area itself (classic Gi*).
    A field without variation (all values equal) has no clustering: z = 0 and p = 1.
    """
    n = len(y)
    if n == 0 or np.ptp(y) == 0:
        return np.full(n, np.nan), np.zeros(n), np.ones(n)
    with _pysal_call():
        g = G_Local(
            y,
            w,
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=False,
        )
    p_sim = np.asarray(g.p_sim, float) if permutations else np.full(n, np.nan)
    return np.asarray(g.Gs, float), np.asarray(g.Zs, float), p_sim


def _adjust(two_sided: np.ndarray, *, fdr: bool) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values when ``fdr``, else the p-values themselves."""
    if fdr and len(two_sided):
        return np.asarray(stats.false_discovery_control(two_sided, method="bh"), float)
    return two_sided


def _hotspot_label(z: float, p: float, levels: Sequence[float]) -> str:
    if not (np.isfinite(z) and np.isfinite(p)) or z == 0:
        return NOT_SIGNIFICANT
    for alpha in sorted(levels):
        if p <= alpha:
            kind = "hotspot" if z > 0 else "coldspot"
            return f"{kind} {round((1 - alpha) * 100)}%"
    return NOT_SIGNIFICANT


def hotspots(
    values: pd.Series,
    w: W,
    *,
    permutations: int = 9999,
    seed: int = 0,
    alpha_levels: Sequence[float] = (0.01, 0.05, 0.10),
    fdr: bool = True,
    counts: pd.Series | None = None,
    min_count: int = MIN_REPORTED_COUNT,
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots with permutation inference and FDR control.

    Gi* compares the sum of an area and its neighbours with the total (esda ``G_Local`` with
    ``star=True``, binary weights plus the area itself, the classic Gi*). ``gi_z`` is Gi*'s
    z-score, ``p`` esda's permutation pseudo p-value ``p_sim`` (conditional randomisation,
    ``seed``), which is one-sided in the direction of the observed deviation. As in ArcGIS
    Hot Spot Analysis, the class uses a two-sided p-value (``min(1, 2 p)``) adjusted for
    testing all areas at once with Benjamini-Hochberg (``p_fdr``; unadjusted two-sided when
    ``fdr=False``): ``hotspot 95%`` means ``gi_z > 0`` and ``p_fdr <= 0.05``. The smallest
    attainable ``p_fdr`` is about ``2 n / ((permutations + 1) k)`` for ``k`` hot areas out of
    ``n``: with 518 buurten and 999 permutations even a very strong cluster of 10 buurten
    cannot pass 95%, hence the default of 9999 (about 0.2 s for 518 buurten).

    Parameters
    ----------
    values
        Non-negative value per area (counts or rates), indexed by ``area_code``; areas absent
        count as 0; areas with NaN are left out (class ``geen gegevens``) and an area whose
        neighbours are all left out borrows the next ring of areas with a value.
    w
        Weights from ``spatial_weights``; the result follows ``w.id_order``.
    permutations, seed
        Number of random permutations and their seed.
    alpha_levels
        Significance levels; each gives classes ``hotspot/coldspot {100(1-alpha)}%``.
    fdr
        Adjust p-values for multiple testing (Benjamini-Hochberg).
    counts, min_count
        Signals per area behind ``values`` (absent areas count as 0): an area with fewer
        than ``min_count`` signals is never a hotspot (``niet significant``), however hot its
        surroundings; cold spots need no minimum. Without ``counts`` there is no minimum.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_code``: ``value``, ``gi``, ``gi_z``, ``p``, ``p_fdr``, ``klasse``.
    """
    ids = _ids(w)
    y = _align(values, ids)
    if (y[np.isfinite(y)] < 0).any():
        raise ValueError(
            "Hotspotanalyse (Gi*) werkt alleen met waarden van 0 of meer, zoals aantallen of "
            "cijfers per 1.000 inwoners."
        )
    keep = np.isfinite(y)
    gi, z, p = (np.full(len(ids), np.nan) for _ in range(3))
    p_fdr = np.full(len(ids), np.nan)
    if keep.any():
        sub_w = _subset(w, keep)
        gi[keep], z[keep], p[keep] = _gi_star(y[keep], sub_w, permutations=permutations, seed=seed)
        p_fdr[keep] = _adjust(np.minimum(1.0, 2.0 * p[keep]), fdr=fdr)
    enough = np.ones(len(ids), dtype=bool) if counts is None else _align(counts, ids) >= min_count
    klasse = [
        NO_DATA
        if not k
        else NOT_SIGNIFICANT
        if zi > 0 and not e
        else _hotspot_label(zi, pi, alpha_levels)
        for zi, pi, k, e in zip(z, p_fdr, keep, enough, strict=True)
    ]
    return pd.DataFrame(
        {"value": y, "gi": gi, "gi_z": z, "p": p, "p_fdr": p_fdr, "klasse": klasse}, index=ids
    )


# --- social x physical -------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _draws(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's random draws for conditional randomisation (deterministic per seed, so kept):
    per permutation ``max_card`` of the other ``n - 1`` areas, without replacement.

    Without numba, esda's ``vec_permutations`` seeds numpy's global generator and draws from
    it; the same draws come from a generator of our own, which no other thread (another
    session's statistics) can disturb. With numba, esda draws from numba's generator, so
    its function is used."""
    if importlib.util.find_spec("numba") is not None:  # pragma: no cover - not installed here
        from esda.crand import vec_permutations

        with _GLOBAL_RNG_LOCK:
            drawn = np.asarray(vec_permutations(max_card, n, permutations, seed))
    else:
        generator = np.random.RandomState(seed)
        drawn = np.empty((permutations, max_card), dtype=np.int64)
        for k in range(permutations):
            drawn[k] = generator.choice(n - 1, size=max_card, replace=False)
    drawn.setflags(write=False)
    return drawn


_GLOBAL_RNG_LOCK = threading.Lock()

ESDA_MATCHED_VERSION = "2.9.0"
"""The esda release whose computations are vendored here in vectorised form (the bivariate
Moran's permutation p-values in :func:`_bv_local_moran_p`, its draws in :func:`_draws`, and
Gi* month by month in :func:`_gi_star_z`). tests/test_stats.py checks them equal to esda and
fails when another esda is installed, so a new release is compared before it is used."""


_SUBSET_CACHE: dict[tuple[int, bytes], tuple[weakref.ref[W], W]] = {}
_SUBSET_LOCK = threading.Lock()  # the dashboard's sessions run in threads


def _subset_cached(w: W, keep: np.ndarray) -> W:
    """:func:`_subset`, kept for the last few (weights, areas kept) pairs: both directions of
    the bivariate Moran, and every period with the same areas, use the same weights. The
    result is shared; esda's calls made here do not change it."""
    key = (id(w), np.packbits(keep).tobytes() + len(keep).to_bytes(4, "little"))
    with _SUBSET_LOCK:
        cached = _SUBSET_CACHE.get(key)
    if cached is not None and cached[0]() is w:
        return cached[1]
    sub = _subset(w, keep)
    with _SUBSET_LOCK:
        while len(_SUBSET_CACHE) >= 32:
            del _SUBSET_CACHE[next(iter(_SUBSET_CACHE))]
        _SUBSET_CACHE[key] = (weakref.ref(w), sub)
    return sub


def _bv_local_moran_p(lisa: Moran_Local_BV, w: W, *, permutations: int, seed: int) -> np.ndarray:
    """esda's conditional-randomisation pseudo p-value of ``Moran_Local_BV``, for all areas at
    once.

    esda runs its permutation loop one area at a time, compiled by numba when numba is
    installed and in plain Python otherwise (here: about 25 ms for 500 buurten and 199
    permutations). This is the same computation in a few numpy operations: the same random
    draws (esda's ``vec_permutations`` with the same seed: for each permutation, ``max_card``
    other areas drawn without replacement), each area's row-standardised weights on the drawn
    areas' ``zy``, the same scaling, and esda's folded count (``keep_simulations=True``):
    ``p = (min(#sim >= I, #sim < I) + 1) / (permutations + 1)``.
    Tests check it against ``Moran_Local_BV(..., permutations=...).p_sim``.
    Vendored from esda :data:`ESDA_MATCHED_VERSION` (``esda/moran.py``, ``esda/crand.py``).
    """
    zx, zy = np.asarray(lisa.zx, dtype=float), np.asarray(lisa.zy, dtype=float)
    n = len(zx)
    adj = w.sparse.tocsr(copy=True)
    self_weights = adj.diagonal()
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.sort_indices()
    cardinality = np.diff(adj.indptr)
    max_card = max(int(cardinality.max()), 1)
    drawn = _draws(max_card, n, permutations, seed)  # (permutations, max_card)
    weights = np.zeros((n, max_card))
    rows = np.repeat(np.arange(n), cardinality)
    weights[rows, np.arange(adj.nnz) - adj.indptr[rows]] = adj.data
    # draws index the other n - 1 areas (area i skipped): draw d is area d below i, d + 1 from i
    below, from_i = zy[drawn], zy[np.minimum(drawn + 1, n - 1)]
    scaling = (n - 1) / (zx * zx).sum()
    sims = np.empty((n, permutations))
    for i, k in enumerate(cardinality.tolist()):
        # as esda: (draws x k) @ k weights, so ties with the observed I round the same way
        drawn_i = np.where(drawn[:, :k] >= i, from_i[:, :k], below[:, :k])
        sims[i] = zx[i] * (drawn_i @ weights[i, :k] + self_weights[i] * zy[i]) * scaling
    larger = (sims >= np.asarray(lisa.Is)[:, None]).sum(axis=1)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    return (larger + 1.0) / (permutations + 1.0)


def bivariate_moran(
    x: pd.Series,
    y: pd.Series,
    w: W,
    *,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Bivariate local Moran's I: x in an area against the spatial lag of y around it.

    esda ``Moran_Local_BV`` with row-standardised weights. ``I`` is the local statistic, ``p``
    esda's folded permutation pseudo p-value (as in GeoDa's cluster maps), ``q`` the quadrant
    (1 x high - lag y high, 2 low-high, 3 low-low, 4 high-low) and ``cluster`` its Dutch label
    where ``p <= alpha``, else ``niet significant``. Areas with NaN in x or y are left out
    (cluster ``geen gegevens``).
    """
    ids = _ids(w)
    xv, yv = _align(x, ids), _align(y, ids)
    keep = np.isfinite(xv) & np.isfinite(yv)
    local_i = np.full(len(ids), np.nan)
    p = np.full(len(ids), np.nan)
    q = pd.array([pd.NA] * len(ids), dtype="Int64")
    if keep.sum() > 1 and np.ptp(xv[keep]) > 0 and np.ptp(yv[keep]) > 0:
        sub_w = _subset_cached(w, keep)
        with _pysal_call():
            lisa = Moran_Local_BV(
                xv[keep], yv[keep], sub_w, transformation="r", permutations=0, n_jobs=1
            )
            p[keep] = _bv_local_moran_p(lisa, lisa.w, permutations=permutations, seed=seed)
        local_i[keep] = lisa.Is
        q[keep] = np.asarray(lisa.q, dtype="int64")
    cluster = []
    for qi, pi, k in zip(q, p, keep, strict=True):
        if not k:
            cluster.append(NO_DATA)
        elif pd.notna(qi) and pi <= alpha:
            cluster.append(_QUADRANT_LABELS[int(qi)])
        else:
            cluster.append(NOT_SIGNIFICANT)
    return pd.DataFrame({"I": local_i, "p": p, "q": q, "cluster": cluster}, index=ids)


def domain_percentile(values: pd.Series, counts: pd.Series) -> pd.Series:
    """Percentile rank (0-100, 100 = highest) of each area's value in one domain.

    Ranked among the areas with a known value; tied values share the average rank. An area
    without signals in the domain (``counts`` 0) ranks below every area with signals and gets
    0: whatever its (smoothed) rate, it is not high there. NaN where the value is unknown, and
    everywhere when the domain has no signals at all or fewer than :data:`MIN_AREAS_COMPARED`
    areas have a value (there is nothing to compare).
    """
    counts = counts.reindex(values.index).fillna(0)
    has = (counts > 0).to_numpy()
    known = values.notna().to_numpy()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    if not has.any() or known.sum() < MIN_AREAS_COMPARED:
        return out
    key = values.where(has, -np.inf)[known]  # areas without signals below all others
    out[known] = key.rank(pct=True).to_numpy() * 100.0
    out[known & ~has] = 0.0
    return out


def domain_class(
    percentile: pd.Series, counts: pd.Series, *, min_count: int = MIN_REPORTED_COUNT
) -> pd.Series:
    """Class 1 (``laag``: the lowest quarter, :data:`LOW_PERCENTILE`), 2 (``midden``) or 3
    (``hoog``: the highest quarter, :data:`HIGH_PERCENTILE`) of a :func:`domain_percentile`;
    missing where the percentile is. An area with fewer than ``min_count`` signals (``counts``,
    absent areas count as 0) in the domain is never ``hoog`` there: 2 or 3 signals that rank
    high among many areas without any are no finding."""
    values = percentile.to_numpy(dtype=float)
    classes = np.where(values > HIGH_PERCENTILE, 3, np.where(values > LOW_PERCENTILE, 2, 1))
    few = counts.reindex(percentile.index).fillna(0).to_numpy() < min_count
    classes = np.where(few & (classes == 3), 2, classes)
    return pd.Series(classes, index=percentile.index).where(percentile.notna()).astype("Int64")


def samenhang(
    social: pd.Series,
    physical: pd.Series,
    w: W,
    *,
    social_counts: pd.Series | None = None,
    physical_counts: pd.Series | None = None,
    seed: int = 0,
    permutations: int = 999,
    clusters: bool = True,
) -> pd.DataFrame:
    """Where social and physical signals come together, per area.

    Combines:

    - the bivariate local Moran in both directions: social here against physical around it
      (``I_sociaal_fysiek``, ``p_sociaal_fysiek``, ``cluster_sociaal_fysiek``) and physical
      here against social around it (``..._fysiek_sociaal``), see ``bivariate_moran``;
    - ``z_sociaal``, ``z_fysiek``: the values standardised over the areas (mean 0, sd 1);
    - ``pct_sociaal``, ``pct_fysiek``: percentile rank of the area in each domain (0-100,
      100 = highest, ties share the average rank; 0 for an area without signals in the
      domain), see :func:`domain_percentile`;
    - ``klasse_sociaal``, ``klasse_fysiek``: 1 laag, 2 midden, 3 hoog (:func:`domain_class`:
      hoog is the highest quarter, with at least :data:`MIN_REPORTED_COUNT` signals), the
      classes of the bivariate map;
    - ``samenhangsindex``: the geometric mean of the two percentile ranks,
      ``sqrt(pct_sociaal * pct_fysiek)``, 0-100. In plain words: it is only high when the
      area is high in both domains; being top in one domain and low in the other gives a
      middling score, and an area without signals in a domain scores 0. When a domain has no
      signals at all, or there are fewer than :data:`MIN_AREAS_COMPARED` areas, the index is
      missing (NaN) for every area: there is no samenhang to measure;
    - ``beide_hoog``: true when the area is ``hoog`` in both domains (``pct_sociaal > 75``
      and ``pct_fysiek > 75``, and at least :data:`MIN_REPORTED_COUNT` signals in each): the
      one definition of "sociaal én fysiek hoog" (:func:`both_high_rule` says it in Dutch).

    Parameters
    ----------
    social, physical
        Rates (or counts) per area; absent areas count as 0, NaN gives NaN scores and
        cluster ``geen gegevens``.
    w
        Weights from ``spatial_weights``; the result follows ``w.id_order``.
    social_counts, physical_counts
        Signals per area behind the values (absent areas count as 0); default: the values
        themselves. They say which areas have no signals in a domain.
    clusters
        False: leave out the bivariate Moran (``I_*`` and ``p_*`` NaN, clusters ``niet
        berekend``), for when only the index and ``beide_hoog`` are needed.
    """
    ids = _ids(w)
    s = pd.Series(_align(social, ids), index=ids)
    f = pd.Series(_align(physical, ids), index=ids)
    n_s = s if social_counts is None else _counts_on(social_counts, ids)
    n_f = f if physical_counts is None else _counts_on(physical_counts, ids)
    if clusters and n_s.sum() > 0 and n_f.sum() > 0 and len(ids) >= MIN_AREAS_COMPARED:
        sf = bivariate_moran(s, f, w, permutations=permutations, seed=seed)
        fs = bivariate_moran(f, s, w, permutations=permutations, seed=seed)
    else:  # only the index and the percentiles (a previous period's, or an empty domain)
        sf = fs = pd.DataFrame({"I": np.nan, "p": np.nan, "cluster": NOT_COMPUTED}, index=ids)
    pct_s = domain_percentile(s, n_s)
    pct_f = domain_percentile(f, n_f)
    klasse_s, klasse_f = domain_class(pct_s, n_s), domain_class(pct_f, n_f)
    return pd.DataFrame(
        {
            "sociaal": s,
            "fysiek": f,
            "z_sociaal": (s - s.mean()) / s.std(ddof=0),
            "z_fysiek": (f - f.mean()) / f.std(ddof=0),
            "pct_sociaal": pct_s,
            "pct_fysiek": pct_f,
            "klasse_sociaal": klasse_s,
            "klasse_fysiek": klasse_f,
            "samenhangsindex": np.sqrt(pct_s * pct_f),
            "beide_hoog": ((klasse_s == 3) & (klasse_f == 3)).fillna(False).astype(bool),
            "I_sociaal_fysiek": sf["I"],
            "p_sociaal_fysiek": sf["p"],
            "cluster_sociaal_fysiek": sf["cluster"],
            "I_fysiek_sociaal": fs["I"],
            "p_fysiek_sociaal": fs["p"],
            "cluster_fysiek_sociaal": fs["cluster"],
        },
        index=ids,
    )


def theme_correlations(rates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman rank correlation between themes across areas, with two-sided p-values.

    ``rates`` has one column per theme and one row per area. Each pair uses the areas where
    both are known; a pair with fewer than 3 areas or a constant column gives NaN.

    Returns
    -------
    (rho, p)
        Square frames indexed and columned by theme.
    """
    cols = list(rates.columns)
    values = rates.astype(float)
    known = values.notna()
    complete = values.loc[known.all(axis=1)]
    if (
        len(cols) > 2
        and (known.eq(known.iloc[:, 0], axis=0)).all().all()
        and len(complete) >= 3
        and (complete.nunique() >= 2).all()
    ):
        # every theme is known for the same areas: one call gives every pair at once (the
        # same numbers as pair by pair)
        result = stats.spearmanr(complete.to_numpy())
        rho_values = np.array(result.statistic, dtype=float)
        p_values = np.array(result.pvalue, dtype=float)
        np.fill_diagonal(rho_values, 1.0)
        np.fill_diagonal(p_values, 0.0)
        return (
            pd.DataFrame(rho_values, index=cols, columns=cols),
            pd.DataFrame(p_values, index=cols, columns=cols),
        )
    rho = pd.DataFrame(np.nan, index=cols, columns=cols, dtype=float)
    pval = pd.DataFrame(np.nan, index=cols, columns=cols, dtype=float)
    for i, a in enumerate(cols):
        for b in cols[i:]:
            pair = rates[[a]].astype(float) if a == b else rates[[a, b]].astype(float)
            pair = pair.dropna()
            if len(pair) < 3 or (pair.nunique() < 2).any():
                continue
            if a == b:
                rho.loc[a, a], pval.loc[a, a] = 1.0, 0.0
                continue
            result = stats.spearmanr(pair[a].to_numpy(), pair[b].to_numpy())
            rho.loc[a, b] = rho.loc[b, a] = float(result.statistic)
            pval.loc[a, b] = pval.loc[b, a] = float(result.pvalue)
    return rho, pval


# --- regie-opgave ------------------------------------------------------------------------------


def regie_opgave(
    counts_by_department: pd.DataFrame, *, samenhang: pd.Series | None = None
) -> pd.DataFrame:
    """How many departments an area's signals involve, and how evenly.

    Rows with department ``onbekend`` (or empty) and sentinel areas are left out.

    - ``n_afdelingen``: departments with at least one signal in the area;
    - ``entropie``: Shannon entropy of the departments' shares of the area's signals, in bits
      (0 = all with one department; 1 = two departments half-half);
    - ``entropie_genormaliseerd``: entropy divided by ``log2`` of the number of departments
      in the whole input (0-1; 1 = spread evenly over all departments);
    - ``regie_score`` (only with ``samenhang``, the ``samenhangsindex`` 0-100 per area): the
      geometric mean of the normalised entropy (as 0-100) and the samenhangsindex,
      ``sqrt(100 * entropie_genormaliseerd * samenhangsindex)``, 0-100. It is only high when
      signals are spread over many departments and social and physical signals come together;
      NaN for areas missing from ``samenhang``;
    - ``toelichting``: one Dutch sentence per area.

    Parameters
    ----------
    counts_by_department
        Long frame with columns ``area_code``, ``department``, ``count``.
    samenhang
        ``samenhang(...)["samenhangsindex"]``.
    """
    missing = {AREA_CODE, DEPARTMENT, COUNT} - set(counts_by_department.columns)
    if missing:
        raise ValueError(f"Kolommen ontbreken voor de regie-opgave: {', '.join(sorted(missing))}.")
    data = counts_by_department[[AREA_CODE, DEPARTMENT, COUNT]]
    data = data[
        data[DEPARTMENT].notna()
        & (data[DEPARTMENT] != UNKNOWN_DEPARTMENT)
        & ~data[AREA_CODE].isin(SENTINEL_AREAS)
    ]
    table = (
        data.groupby([AREA_CODE, DEPARTMENT], observed=True)[COUNT]
        .sum()
        .unstack(fill_value=0)
        .astype(float)
    )
    table = table.loc[:, table.sum() > 0]
    n_departments = table.shape[1]
    counts = table.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):  # an area without counts: NaN, then 0
        entropy = np.nan_to_num(stats.entropy(counts, base=2, axis=1), nan=0.0)
    normalised = entropy / math.log2(n_departments) if n_departments > 1 else entropy * 0.0
    out = pd.DataFrame(
        {
            "n_afdelingen": (table > 0).sum(axis=1).astype("int64"),
            "entropie": entropy,
            "entropie_genormaliseerd": normalised,
        },
        index=pd.Index(table.index, name=AREA_CODE),
    )
    if samenhang is not None:
        index_values = samenhang.reindex(out.index).astype(float)
        out["regie_score"] = np.sqrt(100.0 * out["entropie_genormaliseerd"] * index_values)
    out["toelichting"] = [_regie_sentence(row) for row in out.to_dict("records")]
    return out


def _regie_sentence(row: Mapping[Hashable, Any]) -> str:
    n = int(row["n_afdelingen"])
    spread = float(row["entropie_genormaliseerd"])
    if n == 0:
        text = "In dit gebied zijn geen signalen met een bekende afdeling."
    elif n == 1:
        text = "De signalen in dit gebied lopen via één afdeling."
    else:
        how = (
            "gelijkmatig verdeeld"
            if spread >= 0.75
            else "redelijk verdeeld"
            if spread >= 0.5
            else "vooral bij enkele afdelingen"
        )
        text = f"De signalen in dit gebied lopen via {n} afdelingen, {how}"
        text += f" (spreiding {_nl(spread)})."
    index_value = row.get("regie_score")
    if index_value is not None and np.isfinite(index_value):
        text += f" Regiescore {_nl(float(index_value), 0)} van 100."
    return text


# --- trends over time --------------------------------------------------------------------------


@dataclass(frozen=True)
class MannKendall:
    """Result of the Mann-Kendall trend test."""

    s: float
    """Sum of the signs of all later-minus-earlier differences."""
    var_s: float
    """Variance of S under no trend, corrected for ties."""
    z: float
    """Continuity-corrected z-score: (S - 1) / sd if S > 0, (S + 1) / sd if S < 0, else 0."""
    p: float
    """Two-sided p-value of z."""
    tau: float
    """Kendall's tau: S / (n (n - 1) / 2)."""


def _mann_kendall_rows(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mann-Kendall for every row of a 2-D array (time along axis 1)."""
    n = x.shape[1]
    later = np.triu(np.ones((n, n), dtype=bool), k=1)
    diff = x[:, None, :] - x[:, :, None]
    s = np.sign(diff)[:, later].sum(axis=1).astype(float)
    group_size = (x[:, :, None] == x[:, None, :]).sum(axis=2)
    ties = ((group_size - 1) * (2 * group_size + 5)).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    sd = np.sqrt(var_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    z = np.where(sd > 0, z, 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    tau = s / (n * (n - 1) / 2) if n > 1 else np.zeros_like(s)
    return s, var_s, z, p, tau


def mann_kendall(values: Sequence[float] | np.ndarray | pd.Series) -> MannKendall:
    """Mann-Kendall trend test with the tie-corrected variance (Kendall 1975).

    For ``[1, 2, 3, 4, 5]``: S = 10, var(S) = 50/3, z = 9 / sqrt(50/3), p = 0.0275.
    """
    x = np.asarray(values, dtype=float).reshape(1, -1)
    s, var_s, z, p, tau = (float(v[0]) for v in _mann_kendall_rows(x))
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=tau)


def _month_range(months: pd.Series) -> pd.PeriodIndex:
    try:  # parse each distinct month once
        periods = pd.PeriodIndex(pd.unique(months.astype(str).to_numpy()), freq="M")
    except (ValueError, TypeError) as err:
        raise ValueError(
            "Maanden moeten de vorm 'JJJJ-MM' hebben, bijvoorbeeld '2024-03'."
        ) from err
    if len(periods) == 0:
        raise ValueError("Er zijn geen tellingen per maand om te analyseren.")
    check_month_span(str(periods.min()), str(periods.max()))
    return pd.period_range(periods.min(), periods.max(), freq="M")


def _area_month_matrix(counts_long: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    missing = {AREA_CODE, MONTH, COUNT} - set(counts_long.columns)
    if missing:
        raise ValueError(f"Kolommen ontbreken: {', '.join(sorted(missing))}.")
    months = _month_range(counts_long[MONTH])
    table = (
        counts_long.groupby(
            [counts_long[AREA_CODE].astype("str"), counts_long[MONTH].astype("str")]
        )[COUNT]
        .sum()
        .unstack(fill_value=0)
    )
    table.columns = pd.PeriodIndex(table.columns, freq="M")
    return table.reindex(index=ids, columns=months, fill_value=0).astype(float)


def gi_star_by_month(
    counts_long: pd.DataFrame,
    w: W,
    *,
    inference: Literal["normal", "permutation"] = "normal",
    permutations: int = 199,
    seed: int = 0,
    fdr: bool = True,
) -> pd.DataFrame:
    """Gi* per area and month (the bins of the emerging hot spot analysis).

    Counts are summed over any other columns (filter a theme first); areas absent in a month
    count 0. ``p`` is two-sided: with ``inference="normal"`` (default, as ESRI) from Gi*'s
    z-score, with ``"permutation"`` twice esda's pseudo p-value (month ``t``, 0 = first, uses
    seed ``seed + t``). ``p_fdr`` adjusts ``p`` per month (Benjamini-Hochberg) when ``fdr``.
    A month without any signal, or with the same count everywhere, has ``gi_z = 0``, ``p = 1``.

    Returns
    -------
    pandas.DataFrame
        Long: ``area_code``, ``month`` ('YYYY-MM'), ``count``, ``gi_z``, ``p``, ``p_fdr``.
    """
    if inference not in ("normal", "permutation"):
        raise ValueError(f"Onbekende toetsing '{inference}'; kies 'normal' of 'permutation'.")
    ids = _ids(w)
    matrix = _area_month_matrix(counts_long, ids)
    if inference == "normal":  # every month at once, as esda computes each
        values = matrix.to_numpy()
        z_all = _gi_star_z(values, w)
        p_all = 2.0 * stats.norm.sf(np.abs(z_all))
        n, months = values.shape
        return pd.DataFrame(
            {
                AREA_CODE: np.tile(ids.to_numpy(), months),
                MONTH: np.repeat([str(m) for m in matrix.columns], n),
                COUNT: values.T.ravel(),
                "gi_z": z_all.T.ravel(),
                "p": p_all.T.ravel(),
                "p_fdr": np.concatenate([_adjust(p_all[:, t], fdr=fdr) for t in range(months)]),
            }
        )
    frames = []
    own_w = copy.deepcopy(w)
    for t, month in enumerate(matrix.columns):
        y = matrix[month].to_numpy()
        _, z, p_sim = _gi_star(y, own_w, permutations=permutations, seed=seed + t)
        p = np.minimum(1.0, 2.0 * p_sim)
        frames.append(
            pd.DataFrame(
                {
                    AREA_CODE: ids,
                    MONTH: str(month),
                    COUNT: y,
                    "gi_z": z,
                    "p": p,
                    "p_fdr": _adjust(p, fdr=fdr),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _gi_star_z(values: np.ndarray, w: W) -> np.ndarray:
    """Gi* z-scores of every column of ``values`` (areas x months) at once.

    The same formulas, in the same order, as esda ``G_Local(y, w, transform="B", star=True)``
    for each column: binary weights with the area itself (weight 1), the statistic
    ``W* y / sum(y)``, and its analytical mean and variance under randomisation. esda builds
    the weights with the area itself again for every call (about 10 ms for 500 buurten);
    here once. A column without variation gets z = 0, as :func:`_gi_star`. Vendored from esda
    :data:`ESDA_MATCHED_VERSION` (``esda/getisord.py``).
    Tests check it against esda month by month.
    """
    star = (w.sparse.tocsr() != 0).astype(float)
    star.setdiag(1.0)
    n = values.shape[0]
    flat = np.ptp(values, axis=0) == 0 if n else np.ones(values.shape[1], dtype=bool)
    y = values[:, ~flat]
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (star @ y) / y.sum(axis=0)
        empirical_mean = y.sum(axis=0) / n
        mean_of_squares = (y**2).sum(axis=0) / n
        empirical_variance = mean_of_squares - empirical_mean**2
        cardinality = np.asarray(star.sum(axis=1)).ravel()
        expected_value = cardinality / n
        expected_variance = cardinality * (n - cardinality)
        expected_variance /= n - 1
        expected_variance *= 1 / n**2
        variance = expected_variance[:, None] * (empirical_variance / (empirical_mean**2))
        z = np.zeros(values.shape)
        z[:, ~flat] = (statistic - expected_value[:, None]) / np.sqrt(variance)
    return z


def _emerging_class(hot: np.ndarray, cold: np.ndarray, trend: int) -> str:
    """ESRI's emerging hot spot class of one area (Dutch label).

    ``hot``/``cold``: per month significant hot/cold; ``trend``: +1 significant increase of
    the Gi* z-scores, -1 significant decrease, 0 none.
    """
    for kind, same, other, up in (("hotspot", hot, cold, 1), ("coldspot", cold, hot, -1)):
        n = len(same)
        share = same.sum() / n
        if not same[-1]:
            if share >= 0.9:
                return f"historische {kind}"
            continue
        if share >= 0.9:
            if trend == up:
                return f"intensiverende {kind}"
            if trend == -up:
                return f"afnemende {kind}"
            return f"persistente {kind}"
        if other[:-1].any():
            return f"oscillerende {kind}"
        if not same[:-1].any():
            return f"nieuwe {kind}"
        final_run = n if same.all() else int(np.argmax(~same[::-1]))
        if final_run >= 2 and not same[: n - final_run].any():
            return f"opeenvolgende {kind}"
        return f"sporadische {kind}"
    return "geen patroon"


MIN_MONTHS_TRENDS = 10
"""Fewest months for ``emerging_hotspots`` (ESRI requires at least ten time steps)."""


def emerging_hotspots(
    counts_long: pd.DataFrame,
    w: W,
    *,
    inference: Literal["normal", "permutation"] = "normal",
    permutations: int = 199,
    seed: int = 0,
    alpha: float = 0.05,
    fdr: bool = True,
    min_count: int = MIN_REPORTED_COUNT,
) -> pd.DataFrame:
    """Emerging hot spot analysis: how each area's hot or cold spot status develops over time.

    Per month the Gi* hot spot test runs on the counts (``gi_star_by_month``; a month is hot
    when ``gi_z > 0``, ``p_fdr <= alpha`` and the area itself has at least ``min_count``
    signals that month, as :func:`hotspots`; cold when ``gi_z < 0``). The trend in the
    intensity of clustering is the Mann-Kendall test on the area's monthly Gi* z-scores
    (significant at ``alpha``). Classes follow ESRI's published definitions (How Emerging Hot
    Spot Analysis works); "90%" means at least 90% of the months. With the final month hot:

    - ``intensiverende`` (intensifying): hot in >= 90% of the months and a significant upward
      trend; ``afnemende`` (diminishing): idem with a significant downward trend;
      ``persistente`` (persistent): hot in >= 90% of the months, no significant trend;
    - ``oscillerende`` (oscillating): hot in < 90% of the months and a cold spot in some
      earlier month;
    - ``nieuwe`` (new): never hot before the final month;
    - ``opeenvolgende`` (consecutive): one uninterrupted run of at least two hot months at
      the end and never hot before that run;
    - ``sporadische`` (sporadic): on-and-off hot, never cold, < 90% of the months.

    With the final month not hot: ``historische`` (historical) when hot in >= 90% of the
    months. Cold spots mirror this (``intensiverende coldspot``: z-scores significantly
    decreasing). Anything else is ``geen patroon``. The checks run in the order above,
    hot spots before cold spots. Gi* is relative to the month's total: a buurt that stays
    the same while the rest of the city grows shows a downward trend.

    Parameters
    ----------
    counts_long
        Columns ``area_code``, ``month`` ('YYYY-MM'), ``count`` (summed over other columns);
        at least ``MIN_MONTHS_TRENDS`` months.
    w
        Weights from ``spatial_weights``; the result follows ``w.id_order``.
    inference
        ``"normal"`` (default, as ESRI): monthly p-values from the Gi* z-scores.
        ``"permutation"``: from esda's permutation test; with ~500 areas and FDR this needs
        thousands of permutations per month before any area can be significant.
    permutations, seed
        For ``inference="permutation"``; month ``t`` uses ``seed + t``.
    alpha
        Significance level for the monthly hot spots and the trend.
    fdr
        Benjamini-Hochberg adjustment per month, as ESRI does.
    min_count
        Fewest signals of the area in a month for that month to count as hot.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_code``: ``klasse`` (Dutch), ``klasse_en`` (ESRI's name),
        ``maanden``, ``maanden_hot``, ``maanden_cold``, ``trend_z``, ``trend_p``, ``tau``,
        ``gi_z_laatste`` (z-score of the final month).
    """
    ids = _ids(w)
    bins = gi_star_by_month(
        counts_long, w, inference=inference, permutations=permutations, seed=seed, fdr=fdr
    )
    z = bins.pivot(index=AREA_CODE, columns=MONTH, values="gi_z").reindex(ids)
    p = bins.pivot(index=AREA_CODE, columns=MONTH, values="p_fdr").reindex(ids)
    own = bins.pivot(index=AREA_CODE, columns=MONTH, values=COUNT).reindex(ids)
    n_months = z.shape[1]
    if n_months < MIN_MONTHS_TRENDS:
        raise ValueError(
            f"Voor trends in hotspots zijn minstens {MIN_MONTHS_TRENDS} maanden nodig; "
            f"er zijn er {n_months}."
        )
    zv, significant = z.to_numpy(), p.to_numpy() <= alpha
    hot = significant & (zv > 0) & (own.to_numpy() >= min_count)
    cold = significant & (zv < 0)
    _, _, trend_z, trend_p, tau = _mann_kendall_rows(zv)
    trend = np.where(trend_p <= alpha, np.sign(trend_z), 0).astype(int)
    klasse = [_emerging_class(hot[i], cold[i], int(trend[i])) for i in range(len(ids))]
    return pd.DataFrame(
        {
            "klasse": klasse,
            "klasse_en": [EMERGING_CLASSES[k] for k in klasse],
            "maanden": n_months,
            "maanden_hot": hot.sum(axis=1),
            "maanden_cold": cold.sum(axis=1),
            "trend_z": trend_z,
            "trend_p": trend_p,
            "tau": tau,
            "gi_z_laatste": zv[:, -1],
        },
        index=ids,
    )


# --- signals that jump -------------------------------------------------------------------------


def anomalies(
    counts_long: pd.DataFrame,
    *,
    min_history: int = 12,
    alpha: float = 0.01,
    min_count: int = MIN_REPORTED_COUNT,
) -> pd.DataFrame:
    """Months in which an area (and theme) has clearly more or fewer signals than expected.

    For every series (area, or area x theme when a ``theme`` column is present) and every
    month with at least ``min_history`` (>= 12) earlier months, the expected count is::

        expected = level x season

    ``level`` is the series' mean over the previous 12 months plus half a signal spread over
    them (``(sum + 0.5) / 12``, so a series without history is not infinitely surprised by one
    signal). ``season`` is the municipality-wide (per theme) ratio of the same calendar month
    to the average month, from the whole years before the month tested. The count is tested
    against a Poisson distribution with that mean, or a negative binomial with the same mean
    and variance ``phi x expected`` when the previous 12 months are overdispersed (Pearson
    ``phi`` > 1, chi-square test at 5%). ``p`` is the smaller tail probability:
    ``P(X >= count)`` (``hoger dan verwacht``) or ``P(X <= count)`` (``lager dan verwacht``);
    rows with ``p <= alpha`` are returned, smallest ``p`` first. Each month of each series is
    a separate test and each direction is tested at ``alpha``, so on data without anomalies
    up to ``2 alpha`` of the tested rows are flagged by chance (about 1.3% at 0.01 in a
    simulation on 518 buurten x 5 themes x 24 months). Small numbers are no news: a month is
    only ``hoger dan verwacht`` with at least ``min_count`` signals, and only ``lager dan
    verwacht`` when at least ``min_count`` were expected. Sentinel area codes are left out.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, [``theme``], ``month``, ``count``, ``expected``, ``p``, ``afwijking``,
        ``verdeling`` (``poisson`` or ``negatief binomiaal``).
    """
    if min_history < 12:
        raise ValueError(
            "Voor het seizoenspatroon zijn minstens 12 maanden historie nodig (min_history)."
        )
    missing = {AREA_CODE, MONTH, COUNT} - set(counts_long.columns)
    if missing:
        raise ValueError(f"Kolommen ontbreken: {', '.join(sorted(missing))}.")
    keys = [AREA_CODE, THEME] if THEME in counts_long.columns else [AREA_CODE]
    data = counts_long[~counts_long[AREA_CODE].isin(SENTINEL_AREAS)]
    months = _month_range(data[MONTH])
    table = (
        data.groupby([*(data[k] for k in keys), data[MONTH].astype("str")], observed=True)[COUNT]
        .sum()
        .unstack(fill_value=0)
    )
    table.columns = pd.PeriodIndex(table.columns, freq="M")
    table = table.reindex(columns=months, fill_value=0).astype(float)
    y = table.to_numpy()
    calendar = np.asarray(months.month) - 1
    if THEME in keys:
        groups = pd.factorize(table.index.get_level_values(THEME))[0]
    else:
        groups = np.zeros(len(table), dtype=int)
    group_totals = np.vstack([y[groups == g].sum(axis=0) for g in range(groups.max() + 1)])
    frames = []
    for t in range(min_history, len(months)):
        years = t // 12 * 12
        history = group_totals[:, t - years : t]
        history_calendar = calendar[t - years : t]
        mean_month = history.mean(axis=1, keepdims=True)
        by_calendar = np.column_stack(
            [history[:, history_calendar == c].mean(axis=1) for c in range(12)]
        )
        season = np.where(
            mean_month > 0, by_calendar / np.where(mean_month > 0, mean_month, 1), 1.0
        )
        window = y[:, t - 12 : t]
        level = (window.sum(axis=1) + 0.5) / 12
        season_rows = season[groups]
        fitted = level[:, None] * season_rows[:, calendar[t - 12 : t]]
        pearson = np.where(fitted > 0, (window - fitted) ** 2 / np.where(fitted > 0, fitted, 1), 0)
        phi = pearson.sum(axis=1) / 11
        overdispersed = stats.chi2.sf(phi * 11, 11) < 0.05
        phi = np.where(overdispersed & (phi > 1), phi, 1.0)
        expected = np.maximum(level * season_rows[:, calendar[t]], 1e-9)
        observed = y[:, t]
        negbin = phi > 1
        size = expected / np.where(negbin, phi - 1, 1)
        prob = 1 / phi
        upper = np.where(
            negbin,
            stats.nbinom.sf(observed - 1, size, prob),
            stats.poisson.sf(observed - 1, expected),
        )
        lower = np.where(
            negbin, stats.nbinom.cdf(observed, size, prob), stats.poisson.cdf(observed, expected)
        )
        above = upper <= lower
        news = np.where(above, observed >= min_count, expected >= min_count)
        rows = np.flatnonzero((np.minimum(upper, lower) <= alpha) & news)
        high = above[rows]
        frames.append(
            pd.DataFrame(
                {
                    "row": rows,
                    MONTH: str(months[t]),
                    COUNT: observed[rows].astype("int64"),
                    "expected": expected[rows],
                    "p": np.where(high, upper[rows], lower[rows]),
                    "afwijking": np.where(high, ANOMALY_HIGH, ANOMALY_LOW),
                    "verdeling": np.where(negbin[rows], "negatief binomiaal", "poisson"),
                }
            )
        )
    if not frames:  # too little history to test any month
        empty = {MONTH: "", COUNT: 0, "expected": 0.0, "p": 0.0, "afwijking": "", "verdeling": ""}
        frames.append(pd.DataFrame({"row": 0, **empty}, index=pd.RangeIndex(0)))
    found = pd.concat(frames, ignore_index=True)
    where = table.index[found.pop("row").to_numpy(dtype=int)].to_frame(index=False)
    out = pd.concat([where, found], axis=1)
    return out.sort_values(["p", *keys, MONTH], ignore_index=True)
