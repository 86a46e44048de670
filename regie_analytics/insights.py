"""What stands out: combined pressure per area, period comparisons and plain Dutch sentences.

Used by the Overzicht page, the presentation mode and the exports; pure pandas, no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import aggregate, stats
from regie_analytics.formatting import fmt_change, fmt_int, fmt_period
from regie_analytics.schema import ANALYSES, AREA_CODE, COUNT, DOMAIN, MONTH, SENTINEL_AREAS


def domain_rates(table: pd.DataFrame) -> tuple[pd.Series, pd.Series, str]:
    """Social and physical values per area to compare areas by, and what they are.

    With population: empirical-Bayes smoothed rates per 1,000 inhabitants (small buurten are
    pulled towards the city rate, see :func:`stats.eb_smoothed_rate`); areas without
    inhabitants (or fewer than ``aggregate.MIN_POPULATION``) get NaN. Without population: the
    counts.
    """
    pop = aggregate.rate_population(table["population"])
    if pop.notna().any():
        social = stats.eb_smoothed_rate(table["sociaal"], pop, scope="global")
        physical = stats.eb_smoothed_rate(table["fysiek"], pop, scope="global")
        return social, physical, "per 1.000 inwoners, gecorrigeerd"
    return table["sociaal"].astype("float64"), table["fysiek"].astype("float64"), "aantal"


def pressure_table(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    w: Any,
    seed: int = 0,
    permutations: int = 199,
    clusters: bool = True,
) -> pd.DataFrame:
    """Per area: counts, measures, and the samenhang statistics of social x physical.

    Adds to :func:`aggregate.area_table` the columns of :func:`stats.samenhang`
    (``samenhangsindex``, ``beide_hoog``, clusters) computed on :func:`domain_rates`, and
    ``rate_sociaal``/``rate_fysiek`` (the values compared). ``clusters=False`` leaves out the
    bivariate Moran (see :func:`stats.samenhang`).
    """
    table = aggregate.area_table(cube, areas, level=level)
    social, physical, _ = domain_rates(table)
    samen = stats.samenhang(
        social, physical, w, seed=seed, permutations=permutations, clusters=clusters
    )
    out = table.join(samen.drop(columns=["sociaal", "fysiek"]), how="left")
    out["rate_sociaal"] = social
    out["rate_fysiek"] = physical
    out["beide_hoog"] = out["beide_hoog"].fillna(False).astype(bool)
    return out


@dataclass
class Overview:
    """The Overzicht page's figures for one period against the previous one."""

    start: str
    end: str
    previous: tuple[str, str]
    current: pd.Series
    before: pd.Series
    pressure: pd.DataFrame
    both_high: int
    both_high_before: int
    top: pd.DataFrame
    sentences: list[str]
    has_previous: bool


def overview(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    start: str,
    end: str,
    level: str,
    w: Any,
    n_top: int = 5,
    seed: int = 0,
    pressure: pd.DataFrame | None = None,
) -> Overview:
    """Signals per domain now and before, the areas where both domains are high, and why.

    ``cube`` is filtered on everything but the period; the period and the previous period
    of equal length are taken from it. ``pressure`` is the period's :func:`pressure_table`
    when the caller has it already (it is not changed).
    """
    prev = aggregate.previous_period(start, end)
    now_cube = aggregate.filter_cube(cube, start=start, end=end)
    before_cube = aggregate.filter_cube(cube, start=prev[0], end=prev[1])
    inside_now = now_cube.loc[~now_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    inside_before = before_cube.loc[~before_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    current = aggregate.domain_totals(inside_now)
    before = aggregate.domain_totals(inside_before)
    has_previous = bool(len(before_cube)) and str(before_cube[MONTH].astype(str).min()) <= prev[0]
    if pressure is None:
        pressure = pressure_table(now_cube, areas, level=level, w=w, seed=seed)
    pressure = pressure.copy()
    # the previous period only says which areas were both high: no cluster statistics
    earlier = pressure_table(before_cube, areas, level=level, w=w, seed=seed, clusters=False)
    pressure["was_beide_hoog"] = earlier["beide_hoog"].reindex(pressure.index).fillna(False)
    pressure["status"] = np.where(
        pressure["beide_hoog"] & pressure["was_beide_hoog"],
        "aanhoudend",
        np.where(pressure["beide_hoog"], "nieuw", ""),
    )
    if not has_previous:
        pressure["status"] = np.where(pressure["beide_hoog"], "hoog", "")
    pressure["waarom"] = _why_texts(pressure)
    ranked = pressure.dropna(subset=["samenhangsindex"]).sort_values(
        ["samenhangsindex", "totaal"], ascending=False
    )
    top = ranked.head(n_top)
    both_high = int(pressure["beide_hoog"].sum())
    both_high_before = int(earlier["beide_hoog"].sum())
    result = Overview(
        start=start,
        end=end,
        previous=prev,
        current=current,
        before=before,
        pressure=pressure,
        both_high=both_high,
        both_high_before=both_high_before,
        top=top,
        sentences=[],
        has_previous=has_previous,
    )
    result.sentences = headline(result)
    return result


def _top_share(percentile: float) -> str:
    """Percentile rank 0..100 as 'the highest N%' (at least 1%)."""
    return f"{max(1, round(100 - percentile))}%"


def _why(index: float, pct_sociaal: float, pct_fysiek: float, cluster: object) -> str:
    if pd.isna(index):
        return "geen inwoners of geen signalen"
    parts = [
        f"sociaal bij de hoogste {_top_share(pct_sociaal)} van de gebieden",
        f"fysiek bij de hoogste {_top_share(pct_fysiek)}",
    ]
    if cluster == "hoog-hoog":
        parts.append("omliggende gebieden ook hoog (significant)")
    return "; ".join(parts)


def _why_texts(pressure: pd.DataFrame) -> list[str]:
    """Why each area scores as it does, in plain Dutch (one text per row)."""
    clusters = (
        pressure["cluster_sociaal_fysiek"].tolist()
        if "cluster_sociaal_fysiek" in pressure.columns
        else [None] * len(pressure)
    )
    return [
        _why(*row)
        for row in zip(
            pressure["samenhangsindex"].tolist(),
            pressure["pct_sociaal"].tolist(),
            pressure["pct_fysiek"].tolist(),
            clusters,
            strict=True,
        )
    ]


_ADJECTIVE = {"fysiek": "fysieke", "sociaal": "sociale"}


def headline(ov: Overview) -> list[str]:
    """One or two plain Dutch sentences on what stands out."""
    total_now = int(ov.current[["fysiek", "sociaal"]].sum())
    total_before = int(ov.before[["fysiek", "sociaal"]].sum())
    period = fmt_period(ov.start, ov.end)
    if total_now == 0:
        return [f"In {period} zijn er geen signalen binnen dit filter."]
    sentences = []
    if ov.has_previous and total_before > 0:
        changes = {
            d: (ov.current[d] - ov.before[d]) / ov.before[d]
            for d in ("fysiek", "sociaal")
            if ov.before[d] > 0
        }
        text = (
            f"In {period} kwamen {fmt_int(total_now)} signalen binnen, "
            f"{fmt_change(total_now, total_before)} ten opzichte van de periode ervoor"
        )
        if len(changes) == 2:  # which domain moved most, only when both are shown
            biggest = max(changes, key=lambda d: abs(changes[d]))
            word = "steeg" if changes[biggest] > 0 else "daalde"
            text += (
                f"; het {_ADJECTIVE[biggest]} domein {word} het sterkst "
                f"({fmt_change(ov.current[biggest], ov.before[biggest])})"
            )
        sentences.append(text + ".")
    else:
        sentences.append(f"In {period} kwamen {fmt_int(total_now)} signalen binnen.")
    if ov.both_high:
        new = int((ov.pressure["status"] == "nieuw").sum())
        top = ov.top.iloc[0]
        text = (
            f"In {ov.both_high} gebieden zijn sociale én fysieke signalen tegelijk hoog"
            + (f", waarvan {new} nieuw" if ov.has_previous else "")
            + f"; het sterkst in {top['name']}."
        )
        sentences.append(text)
    return sentences


def domain_monthly(cube: pd.DataFrame, *, start: str, end: str) -> pd.DataFrame:
    """Signals in areas per month and domain, for the trend line (every domain in ``cube``
    gets a line, also one without signals in the period)."""
    domains = cube[DOMAIN].loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)].dropna().unique()
    period = aggregate.filter_cube(cube, start=start, end=end)  # small: cut first
    inside = period.loc[~period[AREA_CODE].isin(SENTINEL_AREAS)]
    frame = aggregate.monthly(inside, by=DOMAIN, start=start, end=end, groups=domains)
    return frame[frame[DOMAIN].isin(["fysiek", "sociaal", "overig"]) & (frame[COUNT] >= 0)]


def theme_matrix(cube: pd.DataFrame, areas: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """Per area (rows) and theme (columns): rate per 1,000 inhabitants where population is
    known, else the count. Themes with fewer than 20 signals in all are left out."""
    long = aggregate.roll_up(cube, areas, level=level, by=("theme",))
    long["theme"] = long["theme"].astype("str")
    wide = long.set_index([AREA_CODE, "theme"])[COUNT].unstack().astype("float64")
    level_areas = aggregate.geo.areas_at_level(areas, level)
    wide = wide.reindex(level_areas.index).fillna(0)
    wide = wide.loc[:, wide.sum() >= 20]
    pop = aggregate.rate_population(level_areas["population"]).astype("float64")
    if pop.notna().any():  # stats.rate_per_1000 for every theme at once
        wide = wide.div(pop.where(pop > 0), axis=0) * 1000.0
    wide.columns.name = None
    return wide


def regie(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str, pressure: pd.DataFrame
) -> pd.DataFrame:
    """The regie-opgave per area: departments involved, spread of the work, and the score
    combining it with the samenhangsindex (see :func:`stats.regie_opgave`)."""
    long = aggregate.roll_up(cube, areas, level=level, by=("department",))
    result = stats.regie_opgave(long, samenhang=pressure["samenhangsindex"])
    return result.join(pressure[["name"]], how="left")


def area_series(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    code: str | None,
    start: str,
    end: str,
    by: str | None = DOMAIN,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Monthly counts for the municipality (``code`` None) or one area, and for an area a
    reference: the municipality's count scaled to the area's share of inhabitants (or of
    areas when population is unknown), i.e. what the area would have at the average rate."""
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    if code is None:
        return aggregate.monthly(inside, by=by, start=start, end=end), None
    mine = inside.loc[inside[AREA_CODE].isin(aggregate.member_codes(areas, level, code))]
    series = aggregate.monthly(mine, by=by, start=start, end=end)
    total = aggregate.monthly(inside, by=None, start=start, end=end).set_index(MONTH)[COUNT]
    level_areas = aggregate.geo.areas_at_level(areas, level)
    population = level_areas["population"]
    if population.notna().any() and population.get(code, np.nan) == population.get(code):
        share = float(population[code] / population.sum())
    else:
        share = 1.0 / len(level_areas)
    return series, (total * share).rename("gemiddelde gemeente")


def emerging(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str, w: Any, end: str
) -> pd.DataFrame:
    """Emerging hot spot classes per area from the monthly Gi* up to ``end``."""
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    long = aggregate.roll_up(inside, areas, level=level, by=(MONTH,))
    long[MONTH] = long[MONTH].astype("str")
    long = long.loc[long[MONTH] <= end]
    return stats.emerging_hotspots(long, w, seed=0)


def theme_comparison(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str, code: str
) -> pd.DataFrame:
    """Per domain and theme: the area's count and rate next to its parent and the whole.

    Rates are per 1,000 inhabitants where population is known, else counts per area
    (the parent's and the municipality's averages per area of this level). Columns:
    ``domain``, ``theme``, ``aantal``, ``gebied``, ``wijk`` (parent, when there is one),
    ``gemeente``, ``index`` (area against municipality, 100 = average).
    """
    level_areas = aggregate.geo.areas_at_level(areas, level)
    long = aggregate.roll_up(cube, areas, level=level, by=(DOMAIN, "theme"))
    wide = (
        long.pivot_table(index=AREA_CODE, columns=[DOMAIN, "theme"], values=COUNT, aggfunc="sum")
        .reindex(level_areas.index)
        .fillna(0)
    )
    population = level_areas["population"]
    use_pop = bool(population.notna().any() and population.get(code, 0) > 0)
    denom = population if use_pop else pd.Series(1.0, index=level_areas.index)
    scale = 1000.0 if use_pop else 1.0

    def rate(codes: pd.Index) -> pd.Series:
        return wide.loc[codes].sum() / float(denom.loc[codes].sum()) * scale

    out = pd.DataFrame({"aantal": wide.loc[code], "gebied": rate(pd.Index([code]))})
    parent_level = {"buurt": "wijk", "wijk": "stadsdeel"}.get(level)
    if parent_level and parent_level in aggregate.geo.available_levels(areas):
        parents = aggregate.geo.parent_code_map(areas, parent_level)
        if level == "buurt":
            siblings = parents.index[parents == parents.get(code)]
        else:
            buurt_parent = aggregate.geo.parent_code_map(areas, level)
            wijk_of_parent = parents.groupby(buurt_parent).first()
            siblings = wijk_of_parent.index[wijk_of_parent == wijk_of_parent.get(code)]
        out[parent_level] = rate(pd.Index(siblings).intersection(wide.index))
    out["gemeente"] = rate(wide.index)
    out["index"] = (100 * out["gebied"] / out["gemeente"].where(out["gemeente"] > 0)).round(0)
    rate_columns = [c for c in ("gebied", "wijk", "stadsdeel", "gemeente") if c in out.columns]
    out[rate_columns] = out[rate_columns].round(1)
    out = out.reset_index().rename(columns={"theme": "theme"})
    return out.sort_values(["domain", "aantal"], ascending=[True, False]).reset_index(drop=True)


def default_measure(areas: pd.DataFrame) -> str:
    """``per_1000`` where population is known, else ``count``."""
    return "per_1000" if areas["population"].notna().any() else "count"


def run_analysis(
    kind: str,
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    domain: str | None = None,
    theme: str | None = None,
    measure: str | None = None,
    seed: int = 0,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """One analysis of :data:`ANALYSES` as a flat table with an ``area_code`` column.

    ``hotspots`` tests ``measure`` (``count``, ``per_1000``, ``per_km2``, ``lq``; default
    :func:`default_measure`) of the signals in ``domain``/``theme``; ``samenhang`` relates the
    social and physical rates; ``regie`` adds the spread over departments; ``trends`` gives the
    emerging hot spot class per area; ``anomalies`` one row per area, theme and month that
    lies far outside its seasonal baseline.
    """
    from regie_analytics.schema import InputError

    if kind not in ANALYSES:
        raise InputError(f"onbekende analyse '{kind}'.", hint=f"kies uit {', '.join(ANALYSES)}.")
    measure = measure or default_measure(areas)
    if measure not in aggregate.MEASURES:
        raise InputError(
            f"onbekende maat '{measure}'.", hint=f"kies uit {', '.join(aggregate.MEASURES)}."
        )
    if measure == "per_1000" and not areas["population"].notna().any():
        raise InputError(
            "de maat 'per_1000' vraagt inwonertallen, en deze grenzen hebben die niet.",
            hint="kies --measure count, per_km2 of lq.",
        )
    level_areas = aggregate.geo.areas_at_level(areas, level)
    w = stats.spatial_weights(level_areas)
    period = aggregate.filter_cube(cube, start=start, end=end)
    selected = aggregate.filter_cube(
        period,
        domains=[domain] if domain else None,
        themes=[theme] if theme else None,
    )
    if kind == "hotspots":
        table = aggregate.area_table(selected, areas, level=level, whole=period)
        # rates are tested smoothed (empirical Bayes), so small areas do not dominate
        column = "per_1000_eb" if measure == "per_1000" else measure
        result = stats.hotspots(table[column], w, seed=seed)
        result.insert(0, "name", table["name"])
    elif kind == "samenhang":
        result = pressure_table(period, areas, level=level, w=w, seed=seed)
        keep = [
            "name", "population", "fysiek", "sociaal", "rate_sociaal", "rate_fysiek",
            "samenhangsindex", "beide_hoog", "pct_sociaal", "pct_fysiek",
            "I_sociaal_fysiek", "p_sociaal_fysiek", "cluster_sociaal_fysiek",
            "I_fysiek_sociaal", "p_fysiek_sociaal", "cluster_fysiek_sociaal",
        ]  # fmt: skip
        result = result[keep]
    elif kind == "regie":
        pressure = pressure_table(period, areas, level=level, w=w, seed=seed)
        result = regie(selected, areas, level=level, pressure=pressure)
    elif kind == "trends":
        last = end or str(cube[MONTH].max())
        result = emerging(selected, areas, level=level, w=w, end=last)
        result.insert(0, "name", level_areas["name"].reindex(result.index))
    else:
        inside = selected.loc[~selected[AREA_CODE].isin(SENTINEL_AREAS)]
        long = aggregate.roll_up(inside, areas, level=level, by=(MONTH, "theme"))
        result = stats.anomalies(long)
        result.insert(1, "name", result[AREA_CODE].map(level_areas["name"]))
        return result.reset_index(drop=True)
    result.index.name = AREA_CODE
    return result.reset_index()


def month_totals(series: pd.DataFrame) -> pd.DataFrame:
    """Sum a long monthly frame (``month``, group, ``count``) over its groups."""
    return series.groupby(MONTH)[COUNT].sum().reset_index()


RISING_CLASSES = ("nieuwe hotspot", "opeenvolgende hotspot", "intensiverende hotspot")


def emerging_sentence(classes: pd.Series, names: pd.Series) -> str | None:
    """One Dutch sentence on new and intensifying hot spots (None when there are none)."""
    rising = classes[classes.isin(RISING_CLASSES)]
    if rising.empty:
        return None
    examples = ", ".join(names.reindex(rising.index).dropna().head(3))
    persistent = int((classes == "persistente hotspot").sum())
    text = f"{len(rising)} gebieden zijn een nieuwe of sterker wordende hotspot (o.a. {examples})"
    if persistent:
        text += f"; {persistent} zijn al langer een hotspot"
    return text + "."
