"""Emerging hot spot analysis with ESRI's classes: per area how its monthly Gi* hot or cold spot
status develops, with the Mann-Kendall trend of its z-scores.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from libpysal.weights import W

from regie_analytics.stats.getis_ord import _gi_star_months
from regie_analytics.stats.labels import MIN_REPORTED_COUNT
from regie_analytics.stats.trends import _mann_kendall_rows
from regie_analytics.stats.weights import _ids

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


MIN_MONTHS_TRENDS = 10
"""Fewest months for ``emerging_hotspots`` (ESRI requires at least ten time steps)."""


def _emerging_class(hot: np.ndarray, cold: np.ndarray, trend: int) -> str:
    """ESRI's emerging hot spot class of one area (Dutch label).

    ``hot``/``cold``: per month significant hot/cold; ``trend``: +1 significant increase of
    the Gi* z-scores, -1 significant decrease, 0 none.
    """
    return _emerging_classes(hot[None, :], cold[None, :], np.array([trend]))[0]


def _emerging_classes(hot: np.ndarray, cold: np.ndarray, trend: np.ndarray) -> list[str]:
    """:func:`_emerging_class` of every row of ``hot``/``cold`` (areas x months) at once, with
    ``trend`` per row: hot spot checks first, then cold spot checks, else no pattern."""
    rows, n = hot.shape
    out = np.full(rows, "geen patroon", dtype=object)
    open_ = np.ones(rows, dtype=bool)  # no class yet
    for kind, same, other, up in (("hotspot", hot, cold, 1), ("coldspot", cold, hot, -1)):
        months = same.sum(axis=1)
        mostly = months / n >= 0.9
        last = same[:, -1]
        trailing = np.where(same.all(axis=1), n, np.argmax(~same[:, ::-1], axis=1))
        earlier_other = other[:, :-1].any(axis=1)
        checks = (
            (~last & mostly, f"historische {kind}"),
            (last & mostly & (trend == up), f"intensiverende {kind}"),
            (last & mostly & (trend == -up), f"afnemende {kind}"),
            (last & mostly, f"persistente {kind}"),
            (last & earlier_other, f"oscillerende {kind}"),
            (last & (months == 1), f"nieuwe {kind}"),
            (last & (trailing >= 2) & (months == trailing), f"opeenvolgende {kind}"),
            (last, f"sporadische {kind}"),
        )
        for rows_of, label in checks:
            chosen = open_ & rows_of
            out[chosen] = label
            open_ &= ~chosen
    return out.tolist()


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

    Per month the Gi* hot spot test runs on the counts (as ``gi_star_by_month``, one
    weights matrix for all months; a month is hot
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
    own, zv, _, p_fdr = _gi_star_months(  # the bins of gi_star_by_month, as arrays
        counts_long, w, inference=inference, permutations=permutations, seed=seed, fdr=fdr
    )
    ids = _ids(w)
    n_months = own.shape[1]
    if n_months < MIN_MONTHS_TRENDS:
        raise ValueError(
            f"Voor trends in hotspots zijn minstens {MIN_MONTHS_TRENDS} maanden nodig; "
            f"er zijn er {n_months}."
        )
    significant = p_fdr <= alpha
    hot = significant & (zv > 0) & (own.to_numpy() >= min_count)
    cold = significant & (zv < 0)
    _, _, trend_z, trend_p, tau = _mann_kendall_rows(zv)
    trend = np.where(trend_p <= alpha, np.sign(trend_z), 0).astype(int)
    klasse = _emerging_classes(hot, cold, trend)
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
