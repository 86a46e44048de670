"""The regie-opgave: how many departments an area's signals involve and how evenly (Shannon
entropy), combined with the samenhangsindex into the regiescore, with a Dutch sentence per area.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from regie_analytics.schema import AREA_CODE, COUNT, DEPARTMENT, SENTINEL_AREAS, UNKNOWN_DEPARTMENT


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
    scores = out["regie_score"].to_numpy() if "regie_score" in out else None
    out["toelichting"] = _regie_sentences(out["n_afdelingen"].to_numpy(), normalised, scores)
    return out


def _regie_sentences(n: np.ndarray, spread: np.ndarray, scores: np.ndarray | None) -> list[str]:
    """The Dutch sentence of each area: its departments, their spread and its regiescore."""
    how = np.where(
        spread >= 0.75,
        "gelijkmatig verdeeld",
        np.where(spread >= 0.5, "redelijk verdeeld", "vooral bij enkele afdelingen"),
    ).tolist()
    shown = [math.nan] * len(n) if scores is None else scores.tolist()
    texts = []
    for k, spread_k, how_k, score in zip(n.tolist(), spread.tolist(), how, shown, strict=True):
        if k == 0:
            text = "In dit gebied zijn geen signalen met een bekende afdeling."
        elif k == 1:
            text = "De signalen in dit gebied lopen via één afdeling."
        else:
            text = (
                f"De signalen in dit gebied lopen via {k} afdelingen, {how_k} "
                f"(spreiding {_nl(spread_k)})."
            )
        if math.isfinite(score):
            text += f" Regiescore {_nl(score, 0)} van 100."
        texts.append(text)
    return texts


def _nl(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",")
