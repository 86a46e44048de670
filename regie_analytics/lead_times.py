"""Lead times (doorlooptijden) of record-level signals: :func:`lead_times` from the signals in
pandas, and :func:`lead_times_of_cut` from what the engine summed of them
(:func:`regie_analytics.lead_sql.lead_time_cut`), the same table to the last digit. Both are
importable from :mod:`regie_analytics.aggregate` as before."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import cellkey
from regie_analytics.cellkey import PTable
from regie_analytics.lead_sql import LEAD_TIME_QUANTILES, LEAD_TIME_UNIT
from regie_analytics.schema import MONTH, RECORD_KEY, THEME


def lead_times(
    signals: pd.DataFrame,
    *,
    by: str | None = THEME,
    start: str | None = None,
    end: str | None = None,
    norm_days: float = 10.0,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """Lead times (doorlooptijden) of record-level signals received in ``start``..``end``.

    A ``month`` column (``YYYY-MM``), when present, saves deriving it from ``received_at``.
    Per ``by`` group (or overall): ``ontvangen``; ``afgesloten``; ``mediaan_dagen`` and
    ``p90_dagen`` of closed signals; ``binnen_norm``: the share of received signals closed
    within ``norm_days`` (open ones count as not within); ``open``: still open (the backlog).

    With ``ptable`` (the signals need their ``record_key``) the three counts are published
    perturbed, each a cell of its own, the share is that of the perturbed signals closed within
    the norm in the perturbed received ones, and a group with fewer than
    :data:`privacy.DEFAULT_THRESHOLD` closed (perturbed) gets no median or percentile.
    """
    received = signals["received_at"]
    month = signals[MONTH] if MONTH in signals.columns else received.dt.to_period("M").astype("str")
    mask = pd.Series(True, index=signals.index)
    if start is not None:
        mask &= month >= start
    if end is not None:
        mask &= month <= end
    frame = signals.loc[mask]
    days = (frame["closed_at"] - frame["received_at"]).dt.total_seconds() / 86400.0
    frame = frame.assign(
        _days=days,
        _closed=frame["closed_at"].notna(),
        _within=(days <= norm_days).fillna(False),
    )
    group = by if by is not None else "_alle"
    if by is None:
        frame = frame.assign(_alle="totaal")
    grouped = frame.groupby(group, observed=True)
    out = pd.DataFrame(
        {
            "ontvangen": grouped.size(),
            "afgesloten": grouped["_closed"].sum(),
            "mediaan_dagen": grouped["_days"].median(),
            "p90_dagen": grouped["_days"].quantile(0.9),
            "binnen_norm": grouped["_within"].mean(),
        }
    )
    out["open"] = out["ontvangen"] - out["afgesloten"]
    if ptable is not None:
        out = _published_lead_times(out, frame, grouped, group, ptable)
    return _finished_lead_times(out, by)


def _finished_lead_times(out: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The lead-time table as shown: days to one decimal, counts whole, largest first."""
    out[["mediaan_dagen", "p90_dagen"]] = out[["mediaan_dagen", "p90_dagen"]].round(1)
    out = out.astype({"ontvangen": "int64", "afgesloten": "int64", "open": "int64"})
    out.index.name = by if by is not None else "groep"
    return out.sort_values("ontvangen", ascending=False)


def lead_times_of_cut(
    cut: pd.DataFrame, *, by: str | None = THEME, ptable: PTable | None = None
) -> pd.DataFrame:
    """:func:`lead_times` of the signals the engine summed in ``cut`` (see
    :func:`regie_analytics.lead_sql.lead_time_cut`, with the same ``by``, period and norm):
    the same table, to the last digit, without the signals in pandas.

    The median and the 90th percentile are computed from the lead times at the ranks around
    them as pandas computes a group's median (the mean of the two middle values) and
    quantile (linear between the values at the ranks around ``q * (n - 1)``)."""
    groups = cut["g"].astype("str").to_numpy(dtype=object)
    order = np.argsort(groups, kind="stable")  # by group, as pandas' groupby orders them
    index = pd.Index(groups[order], dtype="str")

    def column(name: str) -> np.ndarray:
        """A column of the cut in group order, whole numbers (0 for none)."""
        values = cut[name]
        if values.dtype == object:  # the engine's sums as Decimals: each turned into an int
            whole = np.array(values.where(values.notna(), 0).to_numpy(), dtype=np.int64)
            return whole[order]
        return pd.to_numeric(values).fillna(0).to_numpy(dtype=np.int64)[order]

    received, closed, within = (column(c) for c in ("ontvangen", "afgesloten", "binnen_norm"))
    quantiles = {
        f"{c}{i}": column(f"{c}{i}")
        for c in ("v", "lt", "le", "below", "above")
        for i in range(len(LEAD_TIME_QUANTILES))
    }
    median, p90 = _lead_time_quantiles(quantiles, closed)
    out = pd.DataFrame(
        {
            "ontvangen": received,
            "afgesloten": closed,
            "mediaan_dagen": median,
            "p90_dagen": p90,
            "binnen_norm": within / received,
        },
        index=index,
    )
    out["open"] = out["ontvangen"] - out["afgesloten"]
    if ptable is not None:
        sums = pd.DataFrame(
            {f"_{c}": column(c) for c in ("k", "k_closed", "k_open", "k_within")}, index=index
        )
        out = _perturbed_lead_times(out, pd.Series(within, index=index), sums, ptable)
    return _finished_lead_times(out, by)


def _lead_time_quantiles(
    around: dict[str, np.ndarray], n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per group the median and 90th percentile of the lead times in days, from the values
    around each quantile that :func:`~regie_analytics.lead_sql.lead_time_cut` returns (whole
    microseconds, 0 where missing)."""

    def at(i: int, rank: np.ndarray) -> np.ndarray:
        """The ``i``-th quantile's neighbourhood's value at ``rank`` (0-based) per group."""
        lt, le = around[f"lt{i}"], around[f"le{i}"]
        inside = (lt <= rank) & (rank < le)
        known = inside | (rank == lt - 1) | (rank == le) | (n == 0)
        if not known.all():
            raise RuntimeError("lead time quantile outside the values the engine returned")
        micros = np.select(
            [inside, rank == lt - 1], [around[f"v{i}"], around[f"below{i}"]], around[f"above{i}"]
        )
        nanos = pd.Series(micros * (1_000_000_000 // LEAD_TIME_UNIT), dtype="timedelta64[ns]")
        return (nanos.dt.total_seconds() / 86400.0).to_numpy()

    lower, upper = at(0, np.maximum(n - 1, 0) // 2), at(0, n // 2)
    median = np.where(n % 2 == 1, upper, (lower + upper) / 2)
    position = LEAD_TIME_QUANTILES[1] * (n - 1).astype("float64")  # as pandas' quantile(0.9)
    index = np.maximum(position, 0).astype(np.int64)
    fraction = position % 1
    low, high = at(1, index), at(1, np.minimum(index + 1, np.maximum(n - 1, 0)))
    p90 = np.where(fraction == 0.0, low, low + (high - low) * fraction)
    nothing = n == 0
    return np.where(nothing, np.nan, median), np.where(nothing, np.nan, p90)


def _published_lead_times(
    exact: pd.DataFrame, frame: pd.DataFrame, grouped: Any, group: str, ptable: PTable
) -> pd.DataFrame:
    """The lead-time table with its counts perturbed and what follows from them."""
    if RECORD_KEY not in frame.columns:
        from regie_analytics.aggregate import _without_keys

        raise _without_keys()
    key = frame[RECORD_KEY].to_numpy(dtype=np.int64)
    closed = frame["_closed"].to_numpy(dtype=bool)
    keys = pd.DataFrame(  # only the columns summed: the frame may have a million rows
        {
            "_k": key,
            "_k_closed": np.where(closed, key, 0),
            "_k_open": np.where(closed, 0, key),
            "_k_within": np.where(frame["_within"].to_numpy(dtype=bool), key, 0),
        },
        index=frame.index,
    )
    sums = keys.groupby(frame[group], observed=True).sum().reindex(exact.index, fill_value=0)
    within = grouped["_within"].sum().reindex(exact.index, fill_value=0).astype("int64")
    return _perturbed_lead_times(exact, within, sums, ptable)


def _perturbed_lead_times(
    exact: pd.DataFrame, within: pd.Series, sums: pd.DataFrame, ptable: PTable
) -> pd.DataFrame:
    """``exact`` with its counts perturbed by the record keys' ``sums`` (``_k``, ``_k_closed``,
    ``_k_open``, ``_k_within``) and the share within the norm and the quantiles following;
    closed and open at most the published received."""
    from regie_analytics import privacy

    out = exact.copy()
    out["ontvangen"] = cellkey.perturb(exact["ontvangen"], sums["_k"], ptable=ptable)
    # Each count is a cell of its own, so closed or open could read more than received (48
    # closed of 45 received): neither is shown above the published received. A function of
    # published values only, so it tells nothing more about the signals.
    closed = cellkey.perturb(exact["afgesloten"], sums["_k_closed"], ptable=ptable)
    still_open = cellkey.perturb(exact["open"], sums["_k_open"], ptable=ptable)
    out["afgesloten"] = np.minimum(closed, out["ontvangen"])
    out["open"] = np.minimum(still_open, out["ontvangen"])
    published_within = cellkey.perturb(within, sums["_k_within"], ptable=ptable)
    received = out["ontvangen"].where(out["ontvangen"] > 0)
    out["binnen_norm"] = (published_within / received).clip(upper=1.0)
    few = out["afgesloten"] < privacy.DEFAULT_THRESHOLD
    out.loc[few, ["mediaan_dagen", "p90_dagen"]] = np.nan
    return out
