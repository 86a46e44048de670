"""Rates per area: per 1,000 residents, per km², the location quotient and the empirical Bayes
smoothed rate (global or towards the neighbours).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from libpysal.weights import W

from regie_analytics.stats.weights import _align, _counts_on, _ids


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
