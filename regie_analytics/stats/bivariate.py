"""Bivariate local Moran's I: the value of x in an area against the spatial lag of y around it,
with esda's folded permutation p-values and Dutch cluster labels (hoog-hoog, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from libpysal.weights import W

from regie_analytics.stats.esda_vendored import _bv_local_moran
from regie_analytics.stats.labels import NO_DATA, NOT_SIGNIFICANT
from regie_analytics.stats.weights import _adjacency, _align, _ids, _subset_adjacency

CLUSTER_LABELS: tuple[str, ...] = (
    "hoog-hoog",
    "laag-laag",
    "hoog-laag",
    "laag-hoog",
    NOT_SIGNIFICANT,
)
"""Labels of ``bivariate_moran(...)["cluster"]``: value of x here - lag of y around it."""
_QUADRANT_LABELS = {1: "hoog-hoog", 2: "laag-hoog", 3: "laag-laag", 4: "hoog-laag"}


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

    esda ``Moran_Local_BV`` with row-standardised weights (vendored and vectorised:
    :func:`~regie_analytics.stats.esda_vendored._bv_local_moran`). ``I`` is the local
    statistic, ``p`` esda's folded permutation pseudo p-value (as in GeoDa's cluster maps),
    ``q`` the quadrant (1 x high - lag y high, 2 low-high, 3 low-low, 4 high-low) and
    ``cluster`` its Dutch label where ``p <= alpha``, else ``niet significant``. Areas with
    NaN in x or y are left out (cluster ``geen gegevens``).
    """
    ids = _ids(w)
    xv, yv = _align(x, ids), _align(y, ids)
    keep = np.isfinite(xv) & np.isfinite(yv)
    local_i = np.full(len(ids), np.nan)
    p = np.full(len(ids), np.nan)
    quadrant = np.zeros(len(ids), dtype="int64")  # 0: none
    if keep.sum() > 1 and np.ptp(xv[keep]) > 0 and np.ptp(yv[keep]) > 0:
        sub = _subset_adjacency(_adjacency(w), keep)
        local_i[keep], quadrant[keep], p[keep] = _bv_local_moran(
            xv[keep], yv[keep], sub, permutations=permutations, seed=seed
        )
    labels = np.array([NOT_SIGNIFICANT, *(_QUADRANT_LABELS[q] for q in range(1, 5))], object)
    cluster = labels[np.where(p <= alpha, quadrant, 0)]
    cluster[~keep] = NO_DATA
    q = pd.array(quadrant, dtype="Int64")
    q[quadrant == 0] = pd.NA
    return pd.DataFrame({"I": local_i, "p": p, "q": q, "cluster": cluster}, index=ids)
