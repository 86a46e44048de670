"""Combined pressure per area: the values areas are compared by (rates per inhabitant or
counts), the samenhang statistics of social x physical, the areas where both are high, and
why each area scores as it does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import aggregate, stats
from regie_analytics.cellkey import PTable
from regie_analytics.formatting import fmt_level
from regie_analytics.schema import PHYSICAL, SOCIAL


def compares_rates(population: pd.Series) -> bool:
    """Whether areas are compared by rates per inhabitant (some area has at least
    ``aggregate.MIN_POPULATION`` inhabitants) or, without population, by counts."""
    return bool(aggregate.rate_population(population).notna().any())


RATES_LABEL, COUNTS_LABEL = "per 1.000 inwoners, gecorrigeerd", "aantallen"
"""What :func:`domain_rates` returns, as its label says it."""


def rates_label(population: pd.Series) -> str:
    """The label of :func:`domain_rates` for areas with this ``population``, without
    smoothing anything (a figure's title needs only the label)."""
    return RATES_LABEL if compares_rates(population) else COUNTS_LABEL


def domain_rates(table: pd.DataFrame) -> tuple[pd.Series, pd.Series, str]:
    """Social and physical values per area to compare areas by, and what they are.

    With population: empirical-Bayes smoothed rates per 1,000 inhabitants (small buurten are
    pulled towards the city rate, see :func:`stats.eb_smoothed_rate`); areas without
    inhabitants (or fewer than ``aggregate.MIN_POPULATION``) get NaN. Without population: the
    counts.
    """
    pop = aggregate.rate_population(table["population"])
    if compares_rates(table["population"]):
        social = stats.eb_smoothed_rate(table["sociaal"], pop, scope="global")
        physical = stats.eb_smoothed_rate(table["fysiek"], pop, scope="global")
        return social, physical, RATES_LABEL
    return table["sociaal"].astype("float64"), table["fysiek"].astype("float64"), COUNTS_LABEL


def pressure_table(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    w: Any,
    seed: int = 0,
    permutations: int = 199,
    clusters: bool = True,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per area: counts, measures, and the samenhang statistics of social x physical.

    Adds to :func:`aggregate.area_table` the columns of :func:`stats.samenhang`
    (``samenhangsindex``, ``klasse_sociaal``/``klasse_fysiek``, ``beide_hoog``, clusters)
    computed on :func:`domain_rates`, ``rate_sociaal``/``rate_fysiek`` (the values
    compared) and ``waarom`` (why the area scores as it does, or why it has no index).
    ``clusters=False`` leaves out the bivariate Moran (see :func:`stats.samenhang`). With
    ``ptable`` everything is computed from the perturbed counts (also the minimum count of
    "hoog" and the reasons). ``level_areas``: ``geo.areas_at_level(areas, level)`` when the
    caller has it (not dissolved again).
    """
    table = aggregate.area_table(cube, areas, level=level, ptable=ptable, level_areas=level_areas)
    social, physical, samen = _samenhang(
        table, w, seed=seed, permutations=permutations, clusters=clusters
    )
    out = table.join(samen.drop(columns=[SOCIAL, PHYSICAL]), how="left")
    out["rate_sociaal"] = social
    out["rate_fysiek"] = physical
    out["beide_hoog"] = out["beide_hoog"].fillna(False).astype(bool)
    out["waarom"] = _why_texts(out, level=level)
    return out


def _samenhang(
    table: pd.DataFrame, w: Any, **options: Any
) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """:func:`stats.samenhang` of an area table on its :func:`domain_rates`, with those."""
    social, physical, _ = domain_rates(table)
    samen = stats.samenhang(
        social,
        physical,
        w,
        social_counts=table["sociaal"],
        physical_counts=table["fysiek"],
        **options,
    )
    return social, physical, samen


def both_high_flags(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    w: Any,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.Series:
    """``pressure_table(..., clusters=False)["beide_hoog"]`` without the rest of the table
    (no bivariate Moran, measures or reasons): which areas are sociaal én fysiek hoog, for
    a period that only needs that (the Overzicht's previous period)."""
    table = aggregate.area_table(cube, areas, level=level, ptable=ptable, level_areas=level_areas)
    _, _, samen = _samenhang(table, w, clusters=False)
    return samen["beide_hoog"].reindex(table.index).fillna(False).astype(bool)


def regie_areas(pressure: pd.DataFrame) -> pd.DataFrame:
    """The areas where social and physical signals are both high (``beide_hoog``, see
    :func:`stats.samenhang`), highest samenhangsindex first (then most social and physical
    signals, then area code): the one list behind the Overzicht's top, the Samenhang page's
    regie list, the slides, the PDF and ``analyse samenhang``'s ``beide_hoog``."""
    both = pressure.loc[pressure["beide_hoog"]]
    signals = (both["sociaal"] + both["fysiek"]).to_numpy()
    index = both["samenhangsindex"].to_numpy()
    order = np.lexsort((both.index.to_numpy(), -signals, -index))
    return both.iloc[order]


def default_measure(areas: pd.DataFrame) -> str:
    """``per_1000`` where population is known (see :func:`compares_rates`), else ``count``."""
    return "per_1000" if compares_rates(areas["population"]) else "count"


DOMAIN_ADJECTIVE = {PHYSICAL: "fysieke", SOCIAL: "sociale"}
"""The Dutch adjective of a classified domain (``het sociale domein``)."""


def _top_shares(percentiles: np.ndarray) -> list[str]:
    """Percentile ranks 0..100 as 'the highest N%' (at least 1%), rounded as Python does."""
    shares = np.maximum(1, np.round(100 - percentiles)).astype("int64")
    return [f"{share}%" for share in shares.tolist()]


def _why_texts(pressure: pd.DataFrame, *, level: str) -> list[str]:
    """Why each area scores as it does, or has no index, in plain Dutch (one text per row):
    the first that holds of too few areas to compare, a domain without signals in the
    selection, no index (too few inhabitants, or no data), a domain without signals in the
    area, else the area's rank in each domain (and its significant hoog-hoog cluster)."""
    n = len(pressure)
    if n < stats.MIN_AREAS_COMPARED:
        return ["te weinig gebieden om te vergelijken"] * n
    missing = [d for d in (SOCIAL, PHYSICAL) if int(pressure[d].sum()) == 0]
    if missing:
        text = " en ".join(f"geen {DOMAIN_ADJECTIVE[d]}" for d in missing)
        return [text + " signalen in de selectie"] * n
    index = pressure["samenhangsindex"].to_numpy(dtype="float64")
    population = pressure["population"].to_numpy(dtype="float64")
    counts = {d: pressure[d].to_numpy() for d in (SOCIAL, PHYSICAL)}
    out = np.empty(n, dtype=object)
    no_index = np.isnan(index)
    with np.errstate(invalid="ignore"):
        few_people = ~(population >= aggregate.MIN_POPULATION)
    if compares_rates(pressure["population"]):
        out[no_index & few_people] = (
            f"minder dan {aggregate.MIN_POPULATION} inwoners, dus geen cijfer per inwoner"
        )
        out[no_index & ~few_people] = "geen gegevens"
    else:
        out[no_index] = "geen gegevens"
    rest = ~no_index
    for none_here in ([SOCIAL], [PHYSICAL], [SOCIAL, PHYSICAL]):
        rows = rest.copy()
        for domain in (SOCIAL, PHYSICAL):
            rows &= (counts[domain] == 0) == (domain in none_here)
        out[rows] = " en ".join(f"geen {DOMAIN_ADJECTIVE[d]}" for d in none_here) + (
            f" signalen in deze {fmt_level(level)}"
        )
        rest &= ~rows
    rows = np.flatnonzero(rest)
    social = _top_shares(pressure["pct_sociaal"].to_numpy(dtype="float64")[rows])
    physical = _top_shares(pressure["pct_fysiek"].to_numpy(dtype="float64")[rows])
    clustered = (pressure["cluster_sociaal_fysiek"].to_numpy()[rows] == "hoog-hoog").tolist()
    levels = fmt_level(level, plural=True)
    out[rows] = [
        f"sociaal bij de hoogste {s} van de {levels}; fysiek bij de hoogste {f}"
        + ("; omliggende gebieden ook hoog (significant)" if c else "")
        for s, f, c in zip(social, physical, clustered, strict=True)
    ]
    return out.tolist()
