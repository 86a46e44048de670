"""Building blocks for counts over time: the Mann-Kendall trend test and the area x month table of
counts (with the month range checked against the limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from regie_analytics.limits import check_month_span
from regie_analytics.schema import AREA_CODE, COUNT, MONTH


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
    s = np.zeros(x.shape[0])
    ties = np.zeros(x.shape[0], dtype=np.int64)
    for t in range(n):  # one month against every later month, for all rows at once
        s += np.sign(x[:, t + 1 :] - x[:, t : t + 1]).sum(axis=1)
        group_size = (x == x[:, t : t + 1]).sum(axis=1)  # values equal to this one
        ties += (group_size - 1) * (2 * group_size + 5)
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
        periods = pd.PeriodIndex(pd.Series(months.unique()).astype(str).to_numpy(), freq="M")
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
