"""Getis-Ord Gi* hot and cold spots: for one period with permutation inference and FDR control
(:func:`hotspots`), and month by month (:func:`gi_star_by_month`, the bins of the emerging hot
spot analysis).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import sparse, stats

from regie_analytics.schema import AREA_CODE, COUNT, MONTH
from regie_analytics.stats.esda_vendored import _gi_star_columns, _gi_star_p
from regie_analytics.stats.labels import MIN_REPORTED_COUNT, NO_DATA, NOT_SIGNIFICANT
from regie_analytics.stats.trends import _area_month_matrix
from regie_analytics.stats.weights import _adjacency, _align, _ids, _subset_adjacency

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


def _gi_star(
    y: np.ndarray, adj: sparse.csr_matrix, *, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gi*, its z-score and esda's folded pseudo p-value (NaN without permutations).

    esda ``G_Local`` with ``star=True`` and binary weights plus the area itself (classic Gi*),
    vendored (:func:`~regie_analytics.stats.esda_vendored._gi_star_columns`,
    :func:`~regie_analytics.stats.esda_vendored._gi_star_p`) on the binary adjacency ``adj``.
    A field without variation (all values equal) has no clustering: z = 0 and p = 1.
    """
    n = len(y)
    if n == 0 or np.ptp(y) == 0:
        return np.full(n, np.nan), np.zeros(n), np.ones(n)
    gi, z = (column[:, 0] for column in _gi_star_columns(y[:, None], adj))
    if not permutations:
        return gi, z, np.full(n, np.nan)
    return gi, z, _gi_star_p(y, adj, gi, permutations=permutations, seed=seed)


def _adjust(two_sided: np.ndarray, *, fdr: bool) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values when ``fdr``, else the p-values themselves."""
    known = np.isfinite(two_sided)
    if fdr and known.any():  # an unknown p-value stays unknown and is not counted as a test
        adjusted = np.full(len(two_sided), np.nan)
        adjusted[known] = stats.false_discovery_control(two_sided[known], method="bh")
        return adjusted
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
    cannot pass 95%, hence the default of 9999 (about 0.1 s for 518 buurten, a few seconds
    for 14,000: the vendored, vectorised esda computation).

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
        sub = _subset_adjacency(_adjacency(w), keep)
        gi[keep], z[keep], p[keep] = _gi_star(y[keep], sub, permutations=permutations, seed=seed)
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


def _gi_star_months(
    counts_long: pd.DataFrame,
    w: W,
    *,
    inference: Literal["normal", "permutation"],
    permutations: int,
    seed: int,
    fdr: bool,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The area x month table of counts (in ``w.id_order``) and its Gi* z-scores, two-sided
    p-values and their per-month adjustment (see :func:`gi_star_by_month`) as areas x months
    arrays, with one adjacency for all months."""
    if inference not in ("normal", "permutation"):
        raise ValueError(f"Onbekende toetsing '{inference}'; kies 'normal' of 'permutation'.")
    matrix = _area_month_matrix(counts_long, _ids(w))
    adj = _adjacency(w)
    values = matrix.to_numpy()
    n, months = values.shape
    if inference == "normal":  # every month at once, as esda computes each
        z_all = _gi_star_columns(values, adj)[1]
        # a month without variation (no signal at all, or the same count everywhere) has no
        # clustering, as in _gi_star, and neither has an area whose neighbourhood is every
        # area (three wijken, one bordering both others): their z-scores are 0/0 otherwise
        flat = np.ptp(values, axis=0) == 0 if n else np.ones(months, dtype=bool)
        z_all[:, flat] = 0.0
        z_all[~np.isfinite(z_all)] = 0.0
        p_all = 2.0 * stats.norm.sf(np.abs(z_all))
    else:
        z_all, p_all = np.zeros((n, months)), np.ones((n, months))
        for t in range(months):
            _, z_all[:, t], p_sim = _gi_star(
                values[:, t], adj, permutations=permutations, seed=seed + t
            )
            p_all[:, t] = np.minimum(1.0, 2.0 * p_sim)
    p_fdr = np.column_stack([_adjust(p_all[:, t], fdr=fdr) for t in range(months)])
    return matrix, z_all, p_all, p_fdr


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
    matrix, z, p, p_fdr = _gi_star_months(
        counts_long, w, inference=inference, permutations=permutations, seed=seed, fdr=fdr
    )
    ids = _ids(w)
    n, months = z.shape
    return pd.DataFrame(
        {
            AREA_CODE: np.tile(ids.to_numpy(), months),
            MONTH: np.repeat([str(m) for m in matrix.columns], n),
            COUNT: matrix.to_numpy().T.ravel(),
            "gi_z": z.T.ravel(),
            "p": p.T.ravel(),
            "p_fdr": p_fdr.T.ravel(),
        }
    )
