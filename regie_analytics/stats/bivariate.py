"""Bivariate local Moran's I: the value of x in an area against the spatial lag of y around it,
with esda's folded permutation p-values and Dutch cluster labels (hoog-hoog, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from esda.moran import Moran_Local_BV
from libpysal.weights import W

from regie_analytics.stats.esda_vendored import _bv_local_moran_p
from regie_analytics.stats.labels import NO_DATA, NOT_SIGNIFICANT
from regie_analytics.stats.weights import _align, _ids, _pysal_call, _subset

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
        sub_w = _subset(w, keep)
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
