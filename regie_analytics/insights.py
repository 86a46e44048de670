"""What stands out: combined pressure per area, period comparisons and plain Dutch sentences.

Used by the Overzicht page, the presentation mode and the exports; pure pandas, no streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import aggregate, cellkey, stats
from regie_analytics.cellkey import PTable
from regie_analytics.formatting import (
    change_direction,
    fmt_change,
    fmt_int,
    fmt_level,
    fmt_period,
)
from regie_analytics.schema import (
    ANALYSES,
    AREA_CODE,
    CELL_KEY,
    COUNT,
    DOMAIN,
    MONTH,
    NO_LOCATION,
    OUTSIDE,
    SENTINEL_AREAS,
    InputError,
)


def compares_rates(population: pd.Series) -> bool:
    """Whether areas are compared by rates per inhabitant (some area has at least
    ``aggregate.MIN_POPULATION`` inhabitants) or, without population, by counts."""
    return bool(aggregate.rate_population(population).notna().any())


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
        return social, physical, "per 1.000 inwoners, gecorrigeerd"
    return table["sociaal"].astype("float64"), table["fysiek"].astype("float64"), "aantallen"


def size_ranking_note(population: pd.Series, *, level: str) -> str | None:
    """The Dutch warning that a ranking without population is a ranking by size (None when
    areas are compared per inhabitant)."""
    if compares_rates(population):
        return None
    return (
        f"Deze gegevens hebben geen inwonertallen: {fmt_level(level, plural=True)} worden "
        "vergeleken op aantallen signalen, niet per inwoner. Grote en drukke "
        f"{fmt_level(level, plural=True)} staan dan vanzelf bovenaan; dat is een rangorde naar "
        "grootte. Gebruik grenzen met inwonertallen (bijvoorbeeld de CBS Wijk- en Buurtkaart) "
        "voor een vergelijking per inwoner."
    )


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
) -> pd.DataFrame:
    """Per area: counts, measures, and the samenhang statistics of social x physical.

    Adds to :func:`aggregate.area_table` the columns of :func:`stats.samenhang`
    (``samenhangsindex``, ``klasse_sociaal``/``klasse_fysiek``, ``beide_hoog``, clusters)
    computed on :func:`domain_rates`, ``rate_sociaal``/``rate_fysiek`` (the values
    compared) and ``waarom`` (why the area scores as it does, or why it has no index).
    ``clusters=False`` leaves out the bivariate Moran (see :func:`stats.samenhang`). With
    ``ptable`` everything is computed from the perturbed counts (also the minimum count of
    "hoog" and the reasons).
    """
    table = aggregate.area_table(cube, areas, level=level, ptable=ptable)
    social, physical, _ = domain_rates(table)
    samen = stats.samenhang(
        social,
        physical,
        w,
        social_counts=table["sociaal"],
        physical_counts=table["fysiek"],
        seed=seed,
        permutations=permutations,
        clusters=clusters,
    )
    out = table.join(samen.drop(columns=["sociaal", "fysiek"]), how="left")
    out["rate_sociaal"] = social
    out["rate_fysiek"] = physical
    out["beide_hoog"] = out["beide_hoog"].fillna(False).astype(bool)
    out["waarom"] = _why_texts(out, level=level)
    return out


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


def regie_title(level: str) -> str:
    """``'Regiebuurten: sociaal én fysiek hoog'`` (``Regiewijken`` at wijk level)."""
    return f"Regie{fmt_level(level, plural=True)}: sociaal én fysiek hoog"


def _count_of(n: int, level: str) -> str:
    """``'1 buurt'``, ``'3 buurten'``."""
    return f"{n} {fmt_level(level, plural=n != 1)}"


def bivariate_caption(level: str) -> str:
    """What the classes of the bivariate map mean (the same for page, slides and PDF)."""
    many = fmt_level(level, plural=True)
    return (
        f"Per domein is elke {fmt_level(level)} laag (laagste kwart van de {many}), midden "
        f"of hoog (hoogste kwart, met minstens {stats.MIN_REPORTED_COUNT} signalen); zonder "
        f"signalen in een domein telt een {fmt_level(level)} daar als laag. Donker (hoog · "
        f"hoog) = sociaal én fysiek hoog: de regie{many}."
    )


def top_caption(ov: Overview) -> str:
    """What the top list shows: which areas, ranked how, and what the status means."""
    text = (
        f"De {_count_of(len(ov.top), ov.level)} met de hoogste samenhangsindex van de "
        f"{_count_of(ov.both_high, ov.level)} die sociaal én fysiek hoog zijn "
        f"({stats.both_high_rule(ov.level)})."
    )
    text += (
        " Status: nieuw of aanhoudend ten opzichte van de periode ervoor."
        if ov.has_previous
        else " Status 'hoog': er zijn geen gegevens over de periode ervoor."
    )
    return text


def no_regie_text(*, level: str, gap: str | None) -> str:
    """Why the list of areas where both domains are high is empty, in Dutch (``gap``: see
    :func:`samenhang_gap`)."""
    if gap:
        return gap
    return (
        f"In deze selectie is geen {fmt_level(level)} sociaal én fysiek hoog "
        f"({stats.both_high_rule(level)})."
    )


def correlation_caption(population: pd.Series) -> str:
    """How to read the theme correlations of :func:`theme_matrix`: per inhabitant, or, without
    population, on counts (then mostly a measure of size)."""
    text = "\\* = significant (p < 0,05). Een correlatie zegt niets over oorzaak en gevolg."
    if compares_rates(population):
        return "Per 1.000 inwoners. " + text
    return (
        "Op aantallen, niet per inwoner (er zijn geen inwonertallen): grote gebieden hebben van "
        "elk thema meer, dus hoge correlaties zeggen hier vooral iets over grootte. " + text
    )


_ADJECTIVE = {"fysiek": "fysieke", "sociaal": "sociale"}
_DOMAIN_SOURCES = {
    "fysiek": "meldingen over de openbare ruimte (bijvoorbeeld een Signalen-export)",
    "sociaal": "sociale tellingen (bijvoorbeeld de telling van het wijkteam)",
}


def samenhang_gap(
    table: pd.DataFrame,
    *,
    selected: Sequence[str] | None = None,
    available: Sequence[str] | None = None,
) -> str | None:
    """Why there is no samenhangsindex for this selection, and what to do, in Dutch (None
    when both domains have signals).

    ``table`` has the ``sociaal`` and ``fysiek`` counts per area of the selection;
    ``selected`` are the domains chosen in the filter and ``available`` those in the data.
    """
    if len(table) < stats.MIN_AREAS_COMPARED:
        n = len(table)
        return (
            f"Op dit gebiedsniveau {'is' if n == 1 else 'zijn'} er {n} "
            f"{'gebied' if n == 1 else 'gebieden'}: te weinig om gebieden met elkaar te "
            "vergelijken. Wat te doen: kies in de zijbalk een fijner gebiedsniveau."
        )
    missing = [d for d in ("sociaal", "fysiek") if int(table[d].sum()) == 0]
    if not missing:
        return None
    what = " en ".join(f"geen {_ADJECTIVE[d]}" for d in missing)
    text = (
        f"Er zijn {what} signalen in deze selectie, dus geen samenhang te meten: de "
        "samenhangsindex vergelijkt sociale en fysieke signalen per gebied."
    )
    hints = []
    for domain in missing:
        if available is not None and domain not in available:
            hints.append(f"importeer {_DOMAIN_SOURCES[domain]}")
        elif selected is not None and domain not in selected:
            hints.append(f"kies in de zijbalk ook het {_ADJECTIVE[domain]} domein")
    if not hints:
        hints.append("kies een langere periode of andere thema's")
    return f"{text} Wat te doen: {' en '.join(hints)}."


def empty_reason(
    cube: pd.DataFrame, *, start: str, end: str, domains: Sequence[str], boundaries: str
) -> tuple[str, str]:
    """Why a selection has no signals in any area, and what to do, in Dutch.

    ``cube`` is the store's whole cube, ``domains`` the chosen domains and ``boundaries`` the
    name of the boundaries file the store was built on (or empty). When no signal of the store
    lies in an area at all, the data and the boundaries do not belong together.
    """
    inside = ~cube[AREA_CODE].isin(SENTINEL_AREAS)
    if len(cube) and int(cube.loc[inside, COUNT].sum()) == 0:
        outside = int(cube.loc[cube[AREA_CODE] == OUTSIDE, COUNT].sum())
        unplaced = int(cube.loc[cube[AREA_CODE] == NO_LOCATION, COUNT].sum())
        return (
            "Geen enkel signaal in de store ligt binnen de grenzen van de store"
            + (f" ({boundaries})" if boundaries else "")
            + ": "
            f"{fmt_int(outside)} liggen buiten het gebied, {fmt_int(unplaced)} hebben geen "
            "locatie.",
            "Hoort de export bij een andere gemeente, bouw dan een nieuwe store op de juiste "
            "grenzen: python -m regie_analytics import BESTAND --preset ... --store NIEUWE_MAP "
            "--boundaries GRENZEN.",
        )
    if not domains:
        return "Er is geen domein gekozen.", "Kies in de zijbalk minstens één domein."
    return (
        f"Geen signalen in {fmt_period(start, end)} binnen dit filter.",
        "Kies een ander domein, thema of kanaal, of een langere periode.",
    )


@dataclass
class Overview:
    """The Overzicht page's figures for one period against the previous one."""

    start: str
    end: str
    level: str
    previous: tuple[str, str]
    current: pd.Series
    before: pd.Series
    pressure: pd.DataFrame
    both_high: int
    both_high_before: int
    top: pd.DataFrame
    sentences: list[str]
    has_previous: bool
    gap: str | None
    """Why there is no samenhangsindex (one domain without signals), or None."""
    size_note: str | None
    """The warning that areas are compared by counts (no population), or None."""


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
    selected: Sequence[str] | None = None,
    available: Sequence[str] | None = None,
    ptable: PTable | None = None,
) -> Overview:
    """Signals per domain now and before, the areas where both domains are high, and why.

    ``cube`` is filtered on everything but the period; the period and the previous period
    of equal length are taken from it. ``pressure`` is the period's :func:`pressure_table`
    when the caller has it already (it is not changed). ``top`` holds the first ``n_top`` of
    :func:`regie_areas`, with ``status`` (``nieuw``, ``aanhoudend``, or ``hoog`` without a
    previous period). ``selected``/``available``: see :func:`samenhang_gap`. ``current`` and
    ``before`` hold the signals per domain and in all (``totaal``: the sum of the selected
    domains). With ``ptable`` every figure is computed from perturbed counts (the totals per
    domain and in all are cells of their own, so ``totaal`` need not be the sum).
    """
    prev = aggregate.previous_period(start, end)
    now_cube = aggregate.filter_cube(cube, start=start, end=end)
    before_cube = aggregate.filter_cube(cube, start=prev[0], end=prev[1])
    inside_now = now_cube.loc[~now_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    inside_before = before_cube.loc[~before_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    current = aggregate.domain_totals(inside_now, ptable=ptable)
    before = aggregate.domain_totals(inside_before, ptable=ptable)
    has_previous = bool(len(before_cube)) and str(before_cube[MONTH].astype(str).min()) <= prev[0]
    if pressure is None:
        pressure = pressure_table(now_cube, areas, level=level, w=w, seed=seed, ptable=ptable)
    pressure = pressure.copy()
    # the previous period only says which areas were both high: no cluster statistics
    earlier = pressure_table(
        before_cube, areas, level=level, w=w, seed=seed, clusters=False, ptable=ptable
    )
    pressure["was_beide_hoog"] = earlier["beide_hoog"].reindex(pressure.index).fillna(False)
    if has_previous:
        status = np.where(pressure["was_beide_hoog"], "aanhoudend", "nieuw")
    else:
        status = np.full(len(pressure), "hoog")
    pressure["status"] = np.where(pressure["beide_hoog"], status, "")
    result = Overview(
        start=start,
        end=end,
        level=level,
        previous=prev,
        current=current,
        before=before,
        pressure=pressure,
        both_high=int(pressure["beide_hoog"].sum()),
        both_high_before=int(earlier["beide_hoog"].sum()),
        top=regie_areas(pressure).head(n_top),
        sentences=[],
        has_previous=has_previous,
        gap=samenhang_gap(pressure, selected=selected, available=available),
        size_note=size_ranking_note(pressure["population"], level=level),
    )
    result.sentences = headline(result)
    return result


def _top_share(percentile: float) -> str:
    """Percentile rank 0..100 as 'the highest N%' (at least 1%)."""
    return f"{max(1, round(100 - percentile))}%"


def _why(
    row: tuple[float, float, float, float, object, int, int],
    *,
    empty: dict[str, bool],
    rates: bool,
    level: str,
) -> str:
    index, pct_s, pct_f, population, cluster, n_s, n_f = row
    if empty["te weinig"]:
        return "te weinig gebieden om te vergelijken"
    missing = [d for d in ("sociaal", "fysiek") if empty[d]]
    if missing:
        return " en ".join(f"geen {_ADJECTIVE[d]}" for d in missing) + " signalen in de selectie"
    if pd.isna(index):
        if rates and not population >= aggregate.MIN_POPULATION:
            return f"minder dan {aggregate.MIN_POPULATION} inwoners, dus geen cijfer per inwoner"
        return "geen gegevens"
    none_here = [d for d, n in (("sociaal", n_s), ("fysiek", n_f)) if n == 0]
    if none_here:
        return " en ".join(f"geen {_ADJECTIVE[d]}" for d in none_here) + (
            f" signalen in deze {fmt_level(level)}"
        )
    parts = [
        f"sociaal bij de hoogste {_top_share(pct_s)} van de {fmt_level(level, plural=True)}",
        f"fysiek bij de hoogste {_top_share(pct_f)}",
    ]
    if cluster == "hoog-hoog":
        parts.append("omliggende gebieden ook hoog (significant)")
    return "; ".join(parts)


def _why_texts(pressure: pd.DataFrame, *, level: str) -> list[str]:
    """Why each area scores as it does, or has no index, in plain Dutch (one text per row)."""
    empty = {d: int(pressure[d].sum()) == 0 for d in ("sociaal", "fysiek")}
    empty["te weinig"] = len(pressure) < stats.MIN_AREAS_COMPARED
    rates = compares_rates(pressure["population"])
    rows = zip(
        pressure["samenhangsindex"].tolist(),
        pressure["pct_sociaal"].tolist(),
        pressure["pct_fysiek"].tolist(),
        pressure["population"].tolist(),
        pressure["cluster_sociaal_fysiek"].tolist(),
        pressure["sociaal"].tolist(),
        pressure["fysiek"].tolist(),
        strict=True,
    )
    return [_why(row, empty=empty, rates=rates, level=level) for row in rows]


def headline(ov: Overview) -> list[str]:
    """One or two plain Dutch sentences on what stands out. The number of signals is the
    total over the domains of the selection (in areas): the same total as every table shows
    (protected: the perturbed total, a cell of its own)."""
    total_now = int(ov.current["totaal"])
    total_before = int(ov.before["totaal"])
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
            direction = change_direction(ov.current[biggest], ov.before[biggest])
            if direction != "off":
                word = "steeg" if direction == "up" else "daalde"
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
        areas = fmt_level(ov.level, plural=True) if ov.both_high > 1 else fmt_level(ov.level)
        text = (
            f"In {ov.both_high} {areas} zijn sociale én fysieke signalen tegelijk hoog"
            + (f", waarvan {new} nieuw" if ov.has_previous else "")
            + f"; het sterkst in {top['name']}"
            + (" (naar aantallen: er zijn geen inwonertallen)." if ov.size_note else ".")
        )
        sentences.append(text)
    return sentences


def domain_monthly(
    cube: pd.DataFrame,
    *,
    start: str,
    end: str,
    ptable: PTable | None = None,
    keep_keys: bool = False,
) -> pd.DataFrame:
    """Signals in areas per month and domain, for the trend line (every domain in ``cube``
    gets a line, also one without signals in the period); see :func:`aggregate.monthly`."""
    domains = cube[DOMAIN].loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)].dropna().unique()
    period = aggregate.filter_cube(cube, start=start, end=end)  # small: cut first
    inside = period.loc[~period[AREA_CODE].isin(SENTINEL_AREAS)]
    frame = aggregate.monthly(
        inside,
        by=DOMAIN,
        start=start,
        end=end,
        groups=domains,
        ptable=ptable,
        keep_keys=keep_keys,
    )
    return frame[frame[DOMAIN].isin(["fysiek", "sociaal", "overig"]) & (frame[COUNT] >= 0)]


def theme_matrix(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str, ptable: PTable | None = None
) -> pd.DataFrame:
    """Per area (rows) and theme (columns): rate per 1,000 inhabitants where population is
    known, else the count (perturbed with ``ptable``). Themes with fewer than 20 signals in
    all are left out."""
    long = aggregate.roll_up(cube, areas, level=level, by=("theme",), ptable=ptable)
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
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    pressure: pd.DataFrame,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """The regie-opgave per area: departments involved, spread of the work, and the score
    combining it with the samenhangsindex (see :func:`stats.regie_opgave`); with ``ptable``
    from the perturbed counts per department."""
    long = aggregate.roll_up(cube, areas, level=level, by=("department",), ptable=ptable)
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
    ptable: PTable | None = None,
    keep_keys: bool = False,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Monthly counts for the municipality (``code`` None) or one area, and for an area a
    reference: the municipality's count scaled to the area's share of inhabitants (or of
    areas when population is unknown), i.e. what the area would have at the average rate.
    With ``ptable`` every monthly count is perturbed, the reference too (see
    :func:`aggregate.monthly` for ``keep_keys``)."""
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    options: dict[str, Any] = {"start": start, "end": end, "ptable": ptable}
    if code is None:
        return aggregate.monthly(inside, by=by, keep_keys=keep_keys, **options), None
    mine = inside.loc[inside[AREA_CODE].isin(aggregate.member_codes(areas, level, code))]
    series = aggregate.monthly(mine, by=by, keep_keys=keep_keys, **options)
    total = aggregate.monthly(inside, by=None, **options).set_index(MONTH)[COUNT]
    level_areas = aggregate.geo.areas_at_level(areas, level)
    population = level_areas["population"]
    if population.notna().any() and population.get(code, np.nan) == population.get(code):
        share = float(population[code] / population.sum())
    else:
        share = 1.0 / len(level_areas)
    return series, (total * share).rename("gemiddelde gemeente")


def emerging(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    w: Any,
    end: str,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """Emerging hot spot classes per area from the monthly Gi* up to ``end`` (of perturbed
    monthly counts with ``ptable``).

    Raises :class:`InputError` (Dutch) when the months with signals up to ``end`` span fewer
    than :data:`stats.MIN_MONTHS_TRENDS` months.
    """
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    long = aggregate.roll_up(inside, areas, level=level, by=(MONTH,), ptable=ptable)
    long[MONTH] = long[MONTH].astype("str")
    long = long.loc[long[MONTH] <= end]
    span = len(aggregate.month_range(long[MONTH].min(), end)) if len(long) else 0
    if span < stats.MIN_MONTHS_TRENDS:
        raise InputError(
            f"voor het patroon van hotspots in de tijd zijn minstens {stats.MIN_MONTHS_TRENDS} "
            f"maanden met signalen nodig; deze selectie heeft er {span}.",
            hint="importeer meer maanden, of kies een selectie die verder terug gaat.",
        )
    return stats.emerging_hotspots(long, w, seed=0)


def theme_comparison(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    code: str,
    ptable: PTable | None = None,
) -> pd.DataFrame:
    """Per domain and theme: the area's count and rate next to its parent and the whole.

    Rates are per 1,000 inhabitants where population is known, else counts per area
    (the parent's and the municipality's averages per area of this level). Columns:
    ``domain``, ``theme``, ``aantal``, ``gebied``, ``wijk`` (parent, when there is one),
    ``gemeente``, ``index`` (area against municipality, 100 = average). With ``ptable`` the
    counts of the area, its parent and the municipality are each perturbed as cells of their
    own, and the rates computed from them.
    """
    level_areas = aggregate.geo.areas_at_level(areas, level)
    long = aggregate.roll_up(cube, areas, level=level, by=(DOMAIN, "theme"), keep_keys=True)

    def per_area(value: str) -> pd.DataFrame:
        return (
            long.pivot_table(
                index=AREA_CODE, columns=[DOMAIN, "theme"], values=value, aggfunc="sum"
            )
            .reindex(level_areas.index)
            .fillna(0)
            .astype("int64")
        )

    wide = per_area(COUNT)
    keys = per_area(CELL_KEY) if ptable is not None else wide
    population = level_areas["population"]
    use_pop = bool(population.notna().any() and population.get(code, 0) > 0)
    denom = population if use_pop else pd.Series(1.0, index=level_areas.index)
    scale = 1000.0 if use_pop else 1.0
    # rates of fewer than MIN_POPULATION inhabitants are not shown (unreliable, and a small
    # count could be read back from them)
    smallest = aggregate.MIN_POPULATION if use_pop else 0

    def counted(codes: pd.Index) -> pd.Series:
        """The themes' counts of these areas together, as published."""
        counts = wide.loc[codes].sum()
        if ptable is None:
            return counts
        return cellkey.perturb(counts, keys.loc[codes].sum(), ptable=ptable)

    def rate(codes: pd.Index) -> pd.Series:
        people = float(denom.loc[codes].sum())
        return counted(codes) / (people if people >= smallest else np.nan) * scale

    own = pd.Index([code])
    out = pd.DataFrame({"aantal": counted(own), "gebied": rate(own)})
    parent_level = {"buurt": "wijk", "wijk": "stadsdeel", "gebied": "stadsdeel"}.get(level)
    if parent_level and parent_level in aggregate.geo.available_levels(areas):
        parents = aggregate.geo.parent_code_map(areas, parent_level)
        if level == aggregate.geo.available_levels(areas)[0]:
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
    """``per_1000`` where population is known (see :func:`compares_rates`), else ``count``."""
    return "per_1000" if compares_rates(areas["population"]) else "count"


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
    social and physical rates of those signals, with ``waarom`` (why an area scores as it
    does, or has no index); ``regie`` adds the spread over departments; ``trends`` gives the
    emerging hot spot class per area; ``anomalies`` one row per area, theme and month that
    lies far outside its seasonal baseline. Raises :class:`InputError` (Dutch) for an
    unknown analysis, measure, level, domain or theme.
    """
    if kind not in ANALYSES:
        raise InputError(f"onbekende analyse '{kind}'.", hint=f"kies uit {', '.join(ANALYSES)}.")
    measure = measure or default_measure(areas)
    if measure not in aggregate.MEASURES:
        raise InputError(
            f"onbekende maat '{measure}'.", hint=f"kies uit {', '.join(aggregate.MEASURES)}."
        )
    if measure == "per_1000" and not compares_rates(areas["population"]):
        raise InputError(
            "de maat 'per_1000' vraagt inwonertallen, en deze grenzen hebben die niet.",
            hint="kies --measure count, per_km2 of lq.",
        )
    level_areas = aggregate.geo.areas_at_level(areas, level)
    domains = [domain] if domain else None
    themes = [theme] if theme else None
    aggregate.check_choices(cube, domains=domains, themes=themes)
    w = stats.spatial_weights(level_areas)
    period = aggregate.filter_cube(cube, start=start, end=end)
    selected = aggregate.filter_cube(period, domains=domains, themes=themes)
    if int(selected.loc[~selected[AREA_CODE].isin(SENTINEL_AREAS), COUNT].sum()) == 0:
        months = aggregate.months_in(period if len(period) else cube)
        message, hint = empty_reason(
            cube,
            start=start or (months[0] if months else "-"),
            end=end or (months[-1] if months else "-"),
            domains=domains or ("fysiek", "sociaal", "overig"),
            boundaries="",
        )
        raise InputError(message, hint=hint)
    if kind == "hotspots":
        table = aggregate.area_table(selected, areas, level=level, whole=period)
        # rates are tested smoothed (empirical Bayes), so small areas do not dominate
        column = "per_1000_eb" if measure == "per_1000" else measure
        result = stats.hotspots(table[column], w, seed=seed, counts=table["count"])
        result.insert(0, "name", table["name"])
    elif kind == "samenhang":
        result = pressure_table(selected, areas, level=level, w=w, seed=seed)
        keep = [
            "name", "population", "fysiek", "sociaal", "rate_sociaal", "rate_fysiek",
            "samenhangsindex", "beide_hoog", "pct_sociaal", "pct_fysiek", "klasse_sociaal",
            "klasse_fysiek", "waarom", "I_sociaal_fysiek", "p_sociaal_fysiek",
            "cluster_sociaal_fysiek", "I_fysiek_sociaal", "p_fysiek_sociaal",
            "cluster_fysiek_sociaal",
        ]  # fmt: skip
        result = result[keep].assign(population=result["population"].round().astype("Int64"))
    elif kind == "regie":
        pressure = pressure_table(selected, areas, level=level, w=w, seed=seed)
        result = regie(selected, areas, level=level, pressure=pressure)
        both = pressure[["samenhangsindex", "beide_hoog"]].reindex(result.index)
        result = result.join(both.assign(beide_hoog=both["beide_hoog"].fillna(False)))
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


def analysis_notes(
    kind: str,
    result: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    selected: Sequence[str] | None = None,
    available: Sequence[str] | None = None,
) -> list[str]:
    """What a reader of :func:`run_analysis`'s table must know, in Dutch: why there is no
    samenhangsindex (``selected``/``available``: see :func:`samenhang_gap`), and that
    without population the ranking is one of size."""
    notes = []
    if kind == "samenhang":
        gap = samenhang_gap(result, selected=selected, available=available)
        if gap:
            notes.append(gap)
    if kind == "regie" and result["samenhangsindex"].isna().all():
        notes.append(
            "er is geen samenhangsindex en dus geen regiescore: de selectie heeft niet zowel "
            "sociale als fysieke signalen."
        )
    if kind in ("samenhang", "regie"):
        note = size_ranking_note(areas["population"], level=level)
        if note:
            notes.append(note)
    return notes


RISING_CLASSES = ("nieuwe hotspot", "opeenvolgende hotspot", "intensiverende hotspot")


def emerging_sentence(classes: pd.Series, names: pd.Series, *, level: str) -> str | None:
    """One Dutch sentence on new and intensifying hot spots (None when there are none)."""
    rising = classes[classes.isin(RISING_CLASSES)]
    if rising.empty:
        return None
    examples = ", ".join(names.reindex(rising.index).dropna().head(3))
    persistent = int((classes == "persistente hotspot").sum())
    which = fmt_level(level, plural=len(rising) > 1)
    verb = "zijn" if len(rising) > 1 else "is"
    text = f"{len(rising)} {which} {verb} een nieuwe of sterker wordende hotspot (o.a. {examples})"
    if persistent:
        text += f"; {persistent} zijn al langer een hotspot"
    return text + "."
