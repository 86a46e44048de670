"""Where social and physical signals come together (samenhang): percentile ranks and classes per
domain, the samenhangsindex and ``beide_hoog`` with the bivariate Moran in both directions, and
rank correlations between themes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import stats

from regie_analytics.schema import PHYSICAL, SOCIAL
from regie_analytics.stats.bivariate import bivariate_moran
from regie_analytics.stats.labels import MIN_REPORTED_COUNT, NOT_COMPUTED
from regie_analytics.stats.weights import _align, _counts_on, _ids

HIGH_PERCENTILE = 75.0
"""``hoog`` in a domain: a percentile rank above this (the highest quarter of the areas)."""
LOW_PERCENTILE = 25.0
"""``laag`` in a domain: a percentile rank of at most this (the lowest quarter)."""
MIN_AREAS_COMPARED = 4
"""Fewest areas with a value for percentile ranks to mean anything (a highest quarter)."""
DOMAIN_CLASSES: tuple[str, ...] = ("laag", "midden", "hoog")
"""Labels of the classes 1, 2, 3 of :func:`domain_class` (the bivariate map's legend)."""


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
    out = np.full(len(values), np.nan)
    if has.any() and known.sum() >= MIN_AREAS_COMPARED:
        key = values.where(has, -np.inf)[known]  # areas without signals below all others
        out[known] = key.rank(pct=True).to_numpy() * 100.0
        out[known & ~has] = 0.0
    return pd.Series(out, index=values.index, dtype="float64")


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
            SOCIAL: s,
            PHYSICAL: f,
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
