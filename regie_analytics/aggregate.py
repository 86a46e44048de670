"""Cube roll-ups, filters and comparisons (lead times: :mod:`regie_analytics.lead_times`).

The cube (see :mod:`regie_analytics.schema`) holds counts per buurt x month x domain x theme x
channel x department x source, each with its cell key. Everything the dashboard shows is a
roll-up of it. A roll-up sums the cell keys along with the counts (modulo 256), so every count
it produces knows its own cell key; given a p-table (``ptable``, see
:mod:`regie_analytics.cellkey`) each count is published perturbed, a total as a cell of its
own. Without one, counts are exact (the analyst's own view and the CLI's ``counts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from regie_analytics import cellkey, geo
from regie_analytics.cellkey import PTable
from regie_analytics.lead_times import lead_times as lead_times  # importable from here
from regie_analytics.lead_times import lead_times_of_cut as lead_times_of_cut
from regie_analytics.limits import check_month_span
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CHANNEL,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
    SOURCE,
    THEME,
    InputError,
)

GROUPINGS: tuple[str, ...] = (DOMAIN, THEME, MONTH, CHANNEL, DEPARTMENT, SOURCE)
"""Columns a roll-up can be split by (``--by``)."""


def filter_cube(
    cube: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    domains: Iterable[str] | None = None,
    themes: Iterable[str] | None = None,
    channels: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of the cube within months ``start``..``end`` (``YYYY-MM``, inclusive) and choices.

    ``None`` means no restriction; an empty list selects nothing.
    """
    mask = pd.Series(True, index=cube.index)
    if start is not None:
        mask &= cube[MONTH] >= start
    if end is not None:
        mask &= cube[MONTH] <= end
    for column, values in ((DOMAIN, domains), (THEME, themes), (CHANNEL, channels)):
        if values is not None:
            mask &= cube[column].isin(list(values))
    if sources is not None:
        mask &= cube[SOURCE].isin(list(sources))
    return cube.loc[mask]


def domain_count(
    cube: pd.DataFrame,
    domain: str,
    *,
    start: str | None = None,
    end: str | None = None,
    channels: Iterable[str] | None = None,
    located: bool = False,
    ptable: PTable | None = None,
) -> tuple[int, int]:
    """Signals of ``domain`` and of all domains together, in the months and channels given.

    ``None`` means no restriction (see :func:`filter_cube`). With ``located`` only signals in
    an area count, as on the pages (not those without location or outside every area). With
    ``ptable`` both are published perturbed, each a cell of its own (see
    :func:`domain_totals`).
    """
    cut = filter_cube(cube, start=start, end=end, channels=channels)
    if located:
        cut = cut.loc[~cut[AREA_CODE].isin(SENTINEL_AREAS)]
    totals = domain_totals(cut, ptable=ptable)
    return int(totals.get(domain, 0)), int(totals["totaal"])


def _summed(values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``count`` (and ``cell_key``, when present: modulo 256) summed per ``keys``, as columns
    (the grouping columns ``keys`` of ``values`` first, sorted, only observed combinations)."""
    columns = [c for c in (COUNT, CELL_KEY) if c in values.columns]
    out = values.groupby(keys, observed=True, sort=True)[columns].sum().reset_index()
    out[COUNT] = out[COUNT].astype("int64")
    if CELL_KEY in out.columns:
        out[CELL_KEY] = cellkey.cell_keys(out[CELL_KEY])
    return out


def published(frame: pd.DataFrame, ptable: PTable | None) -> pd.DataFrame:
    """Counts as published: perturbed by their cell keys with ``ptable`` (the keys dropped),
    or exact without one (then the keys are dropped too: they never leave the library)."""
    if ptable is None:
        return frame.drop(columns=[CELL_KEY], errors="ignore")
    if CELL_KEY not in frame.columns:
        raise _without_keys()
    return cellkey.perturb_frame(frame, count=COUNT, key=CELL_KEY, ptable=ptable)


def _without_keys() -> ValueError:
    return ValueError(
        "Deze aantallen hebben geen celsleutels en kunnen dus niet beschermd worden "
        "gepubliceerd; voer 'python -m regie_analytics upgrade' uit op de store."
    )


def roll_up(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    by: Sequence[str] = (),
    include_empty_areas: bool = False,
    ptable: PTable | None = None,
    keep_keys: bool = False,
) -> pd.DataFrame:
    """Sum the cube per area at ``level`` and the ``by`` columns.

    Rows outside every area or without location are left out (they belong to no area).

    Parameters
    ----------
    ptable
        Publish every row's count perturbed (each row is a cell).
    keep_keys
        Keep the ``cell_key`` column (exact counts), for callers that combine rows into cells
        of their own before publishing them.

    Returns
    -------
    DataFrame with ``area_code`` (the code at ``level``), the ``by`` columns and ``count``.
    With ``include_empty_areas`` (and no ``by``), areas without signals get a row with 0.
    """
    unknown = [b for b in by if b not in GROUPINGS]
    if unknown:
        raise InputError(
            f"onbekende indeling: {', '.join(unknown)}.",
            hint=f"kies uit: {', '.join(GROUPINGS)}.",
        )
    # only the columns summed over are copied (the cube may have a million rows)
    values = [COUNT, *([CELL_KEY] if CELL_KEY in cube.columns else [])]
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS), [AREA_CODE, *by, *values]]
    if level != geo.available_levels(areas)[0]:
        parents = geo.parent_code_map(areas, level)
        inside = inside.assign(**{AREA_CODE: codes_at_level(inside[AREA_CODE], parents)})
    # grouping on the (categorical) columns themselves, by name, is fastest (a Series as key
    # costs pandas a failed column lookup that prints it); unmapped codes drop out
    out = _summed(inside, [AREA_CODE, *by])
    out[AREA_CODE] = out[AREA_CODE].astype("str")
    if include_empty_areas and not by:
        all_codes = geo.areas_at_level(areas, level).index
        out = (
            out.set_index(AREA_CODE)
            .reindex(all_codes, fill_value=0)
            .rename_axis(AREA_CODE)
            .reset_index()
        )
    return out if keep_keys else published(out, ptable)


def wide_counts(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str,
    by: str,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`roll_up` of ``cube`` per area at ``level`` and ``by`` as a wide frame: a row per
    area of the level (``level_areas``' index), a column per value of ``by`` with a signal in
    an area (sorted as text), 0.0 where an area has none. Each (area, value) is a cell of its
    own, perturbed with ``ptable`` exactly as :func:`roll_up` publishes it; pivoted on the
    columns' codes, without text keys per row. ``level_areas``: see :func:`area_table`."""
    values = [COUNT, *([CELL_KEY] if CELL_KEY in cube.columns else [])]
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS), [AREA_CODE, by, *values]]
    if level != geo.available_levels(areas)[0]:
        parents = geo.parent_code_map(areas, level)
        inside = inside.assign(**{AREA_CODE: codes_at_level(inside[AREA_CODE], parents)})
    cells = published(_summed(inside, [AREA_CODE, by]), ptable)
    index = _at_level(areas, level, level_areas).index
    area_codes, area_values = _factorized(cells[AREA_CODE])
    rows = _per_row(area_codes, index.get_indexer(area_values))
    value_codes, distinct = _factorized(cells[by])
    present = np.unique(value_codes[value_codes >= 0])
    names = distinct[present]
    order = np.argsort(names.to_numpy(dtype=object), kind="stable")
    column = np.full(len(distinct) + 1, -1)
    column[present[order]] = np.arange(len(present))
    cols = column[value_codes]
    keep = (rows >= 0) & (cols >= 0)
    grid = np.zeros((len(index), len(present)))
    grid[rows[keep], cols[keep]] = cells[COUNT].to_numpy(dtype="float64")[keep]
    return pd.DataFrame(grid, index=index, columns=names[order])


def codes_at_level(codes: pd.Series, mapping: pd.Series) -> pd.Series:
    """Finest-level area codes mapped to a coarser level (``mapping``: finest code -> code at
    the level; unmapped codes become missing).

    A categorical column is mapped per category, not per row, and stays categorical with its
    categories in code order, so grouping on it is fast and sorts as the codes do."""
    if not isinstance(codes.dtype, pd.CategoricalDtype):
        return codes.map(mapping)
    parents = pd.Index(codes.cat.categories.astype("str")).map(mapping)
    known = pd.Index(parents.dropna().unique()).sort_values()
    position = known.get_indexer(parents)  # -1 where unmapped
    row_codes = codes.cat.codes.to_numpy()
    new_codes = np.where(row_codes >= 0, position[row_codes], -1)
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=known),
        index=codes.index,
        name=codes.name,
    )


def member_codes(areas: pd.DataFrame, level: str, code: str) -> list[str]:
    """The finest-level area codes that make up area ``code`` at ``level`` (the code itself
    at the finest level): select an area's rows with ``cube[AREA_CODE].isin(...)``, which
    is fast on a categorical column, instead of mapping every row to its level."""
    if level == geo.available_levels(areas)[0]:
        return [code]
    parents = geo.parent_code_map(areas, level)
    return parents.index[parents.to_numpy() == code].astype(str).tolist()


def _at_level(areas: pd.DataFrame, level: str, level_areas: pd.DataFrame | None) -> pd.DataFrame:
    """The caller's ``level_areas``, or :func:`geo.areas_at_level` of ``areas`` now."""
    return geo.areas_at_level(areas, level) if level_areas is None else level_areas


_WIDE_DOMAINS: tuple[str, ...] = ("fysiek", "sociaal", "overig")
"""The domain columns of :func:`counts_by_area_domain` (in this order, then ``totaal``)."""


def _factorized(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Per row the number of its value (-1: missing) and the distinct values as text: a
    categorical column's own codes and categories (each value looked up once, not per row)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), pd.Index(values.cat.categories).astype("str")
    row_codes, distinct = pd.factorize(values)
    return row_codes, pd.Index(distinct).astype("str")


def _per_row(row_codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``positions`` (one per distinct value) per row (-1 for a missing value)."""
    return np.append(positions, -1)[row_codes]


def counts_by_area_domain(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts per area (rows, indexed by area code, all areas) and domain (columns), with
    ``totaal``; with ``ptable`` each count perturbed, ``totaal`` as a cell of its own (it need
    not be the sum of the perturbed domains). ``level_areas``: see :func:`area_table`.

    The sums are those of :func:`roll_up` (rows outside every area, without location or of
    another domain are left out), counted per (area, domain) position with numpy; the index
    is ``level_areas``' own, so frames built on it align without a lookup."""
    index = _at_level(areas, level, level_areas).index
    row_codes, distinct = _factorized(cube[AREA_CODE])
    targets = distinct
    if level != geo.available_levels(areas)[0]:
        targets = pd.Index(geo.parent_code_map(areas, level).reindex(distinct).to_numpy())
    found = np.where(distinct.isin(SENTINEL_AREAS), -1, index.get_indexer(targets))
    area = _per_row(row_codes, found)
    domain_codes, domains = _factorized(cube[DOMAIN])
    domain = _per_row(domain_codes, pd.Index(_WIDE_DOMAINS).get_indexer(domains))
    inside = (area >= 0) & (domain >= 0)
    cell = area[inside] * len(_WIDE_DOMAINS) + domain[inside]
    size = len(index) * len(_WIDE_DOMAINS)

    def summed(column: str) -> pd.DataFrame:
        values = cube[column].to_numpy(dtype="int64")[inside]
        grid = np.bincount(cell, weights=values, minlength=size).astype("int64")
        wide = pd.DataFrame(grid.reshape(len(index), len(_WIDE_DOMAINS)), index=index)
        wide.columns = list(_WIDE_DOMAINS)
        wide["totaal"] = wide.sum(axis=1)
        return wide

    counts = summed(COUNT)
    if ptable is None:
        return counts
    if CELL_KEY not in cube.columns:
        raise _without_keys()
    keys = summed(CELL_KEY)
    return pd.DataFrame(
        {c: cellkey.perturb(counts[c], keys[c], ptable=ptable) for c in counts.columns},
        index=counts.index,
    )


def months_in(cube: pd.DataFrame) -> list[str]:
    """Sorted distinct months in the cube."""
    return sorted(cube[MONTH].dropna().unique().tolist())


# --- periods ---------------------------------------------------------------------------------
PERIOD_PRESETS: tuple[str, ...] = (
    "laatste 12 maanden",
    "laatste 6 maanden",
    "laatste 3 maanden",
    "laatste maand",
    "dit jaar",
    "vorig jaar",
    "alles",
    "aangepast",
)
"""Period choices of the sidebar; relative to the last month in the data."""


def shift_month(month: str, offset: int) -> str:
    """``shift_month("2025-01", -2) == "2024-11"``."""
    period = pd.Period(month, freq="M") + offset
    return str(period)


def month_range(start: str, end: str) -> list[str]:
    """All months from ``start`` to ``end`` inclusive, as ``YYYY-MM``.

    A range longer than :data:`regie_analytics.limits.MAX_MONTHS` is refused before anything
    is allocated by it: no computation grows with the span of dates.
    """
    check_month_span(start, end)
    return [str(p) for p in pd.period_range(start, end, freq="M")]


def resolve_period(
    months: Sequence[str],
    preset: str,
    *,
    start: str | None = None,
    end: str | None = None,
) -> tuple[str, str]:
    """The (start, end) months of a period preset, relative to the data's last month.

    ``aangepast`` uses ``start`` and ``end`` (clipped to the data). An empty ``months`` raises.
    """
    if not months:
        raise InputError("er zijn geen maanden met gegevens.", hint="importeer eerst gegevens.")
    first, last = min(months), max(months)
    year = last[:4]
    spans = {
        "laatste 12 maanden": (shift_month(last, -11), last),
        "laatste 6 maanden": (shift_month(last, -5), last),
        "laatste 3 maanden": (shift_month(last, -2), last),
        "laatste maand": (last, last),
        "dit jaar": (f"{year}-01", last),
        "vorig jaar": (f"{int(year) - 1}-01", f"{int(year) - 1}-12"),
        "alles": (first, last),
    }
    if preset == "aangepast":
        lo, hi = start or first, end or last
    elif preset in spans:
        lo, hi = spans[preset]
    else:
        raise InputError(f"onbekende periode '{preset}'.", hint=f"kies uit {PERIOD_PRESETS}.")
    lo, hi = max(lo, first), min(hi, last)
    if lo > hi:
        lo, hi = hi, lo
    return lo, hi


_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_period(text: str, *, months: Sequence[str] = ()) -> tuple[str, str]:
    """The months of a period written ``VAN:TOT`` (``'2025-01:2025-12'``): the one parser of
    the command line and the dashboard's links.

    Either side may be left open (``'2025-01:'``) when ``months``, the months with data, say
    where it ends. With ``months`` the period must overlap them. Raises :class:`InputError`
    with a Dutch message otherwise (``'2025-13:2025-99'``, ``'2025'``, a start after the end).
    """
    raw = str(text).strip()
    start, sep, end = raw.partition(":")
    if months:
        start, end = start or min(months), end or max(months)
    if not sep or not _MONTH_RE.match(start) or not _MONTH_RE.match(end):
        raise InputError(
            f"ongeldige periode '{raw}'.",
            hint="schrijf VAN:TOT als JJJJ-MM:JJJJ-MM met maanden 01 tot en met 12, "
            "bijvoorbeeld 2025-01:2025-12.",
        )
    if start > end:
        raise InputError(
            f"de periode '{raw}' begint na het einde.", hint="zet de vroegste maand voorop."
        )
    if months and (end < min(months) or start > max(months)):
        raise InputError(
            f"de periode '{raw}' valt buiten de gegevens.",
            hint=f"kies maanden tussen {min(months)} en {max(months)}.",
        )
    return start, end


def check_choices(
    cube: pd.DataFrame,
    *,
    domains: Iterable[str] | None = None,
    themes: Iterable[str] | None = None,
    channels: Iterable[str] | None = None,
) -> None:
    """Refuse a domain, theme or channel that is not in the data, with a Dutch
    :class:`InputError` that names it and the choices (``None``: no restriction)."""
    for column, values, what in (
        (DOMAIN, domains, "domein"),
        (THEME, themes, "thema"),
        (CHANNEL, channels, "kanaal"),
    ):
        if values is None:
            continue
        known = sorted(str(v) for v in pd.unique(cube[column].dropna()))
        unknown = [str(v) for v in values if str(v) not in known]
        if unknown:
            raise InputError(
                f"onbekend {what} '{unknown[0]}': dat komt in deze gegevens niet voor.",
                hint=f"kies uit {', '.join(known) if known else '(geen: de store is leeg)'}.",
            )


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of equal length just before ``start``..``end``."""
    length = len(month_range(start, end))
    return shift_month(start, -length), shift_month(start, -1)


# --- area measures ---------------------------------------------------------------------------
MEASURES: dict[str, str] = {
    "count": "aantal signalen",
    "per_1000": "per 1.000 inwoners",
    "per_km2": "per km²",
    "share_social": "aandeel sociaal (%)",
    "lq": "locatiequotiënt",
}
"""Map measures: key -> Dutch label."""


MIN_POPULATION = 100
"""Areas with fewer inhabitants get no rates (unreliable, and a small-numbers privacy rule)."""
MIN_CLOSED_FOR_MEDIAN = 20
"""An area's lead times are shown per area from this many closed signals (fewer: its
median says little)."""


def rate_population(population: pd.Series) -> pd.Series:
    """Population usable as a rate denominator: NaN below :data:`MIN_POPULATION`."""
    return population.where(population >= MIN_POPULATION)


def area_table(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    whole: pd.DataFrame | None = None,
    ptable: PTable | None = None,
    level_areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per area at ``level``: name, population, km², counts per domain and every measure.

    With ``ptable`` every count is published perturbed (see :func:`counts_by_area_domain`)
    and every measure is computed from the perturbed counts.

    Parameters
    ----------
    cube
        The (filtered) cube: the signals being measured.
    whole
        The cube of all signals in the same period (no domain, theme or channel filter); the
        location quotient compares the share of ``cube`` in ``whole`` per area with that share
        in the whole municipality. Without it, the LQ is that of the social share.
    level_areas
        ``geo.areas_at_level(areas, level)`` when the caller has it (the dashboard's snapshot
        keeps it per level): not dissolved again.

    Returns
    -------
    DataFrame indexed by ``area_code`` (every area at the level) with ``name``,
    ``population``, ``area_km2``, ``fysiek``, ``sociaal``, ``overig``, ``totaal``, ``count``
    (= totaal), ``per_1000``, ``per_1000_fysiek``, ``per_1000_sociaal``, ``per_km2``,
    ``share_social`` (percentage social of fysiek + sociaal) and ``lq``.
    """
    from regie_analytics import stats

    level_areas = _at_level(areas, level, level_areas)
    counts = counts_by_area_domain(cube, areas, level=level, ptable=ptable, level_areas=level_areas)
    table = pd.DataFrame(level_areas[["name", "population", "area_km2"]]).join(counts)
    table["count"] = table["totaal"]
    population = rate_population(table["population"])
    table["per_1000"] = stats.rate_per_1000(table["totaal"], population)
    table["per_1000_fysiek"] = stats.rate_per_1000(table["fysiek"], population)
    table["per_1000_sociaal"] = stats.rate_per_1000(table["sociaal"], population)
    table["per_1000_eb"] = (
        stats.eb_smoothed_rate(table["totaal"], population, scope="global")
        if population.notna().any()
        else pd.Series(float("nan"), index=table.index)
    )
    table["per_km2"] = stats.per_km2(table["totaal"], table["area_km2"])
    both = table["fysiek"] + table["sociaal"]
    table["share_social"] = (100 * table["sociaal"] / both.where(both > 0)).astype("float64")
    if whole is not None:
        all_signals = counts_by_area_domain(
            whole, areas, level=level, ptable=ptable, level_areas=level_areas
        )["totaal"]
        table["lq"] = stats.location_quotient(table["totaal"], all_signals)
    else:
        table["lq"] = stats.location_quotient(table["sociaal"], both)
    table.index.name = AREA_CODE
    return table


def domain_totals(cube: pd.DataFrame, *, ptable: PTable | None = None) -> pd.Series:
    """Signals per domain (``fysiek``, ``sociaal``, ``overig``) and in all (``totaal``), in
    areas and outside; with ``ptable`` each perturbed, ``totaal`` as a cell of its own."""
    row_codes, domains = _factorized(cube[DOMAIN])
    domain = _per_row(row_codes, pd.Index(_WIDE_DOMAINS).get_indexer(domains))
    known = domain >= 0

    def summed(column: str) -> np.ndarray:
        values = cube[column].to_numpy(dtype="int64")
        per_domain = np.bincount(domain[known], weights=values[known], minlength=3)
        return np.append(per_domain.astype("int64"), values.sum())  # the total: every row

    table = pd.DataFrame({COUNT: summed(COUNT)}, index=[*_WIDE_DOMAINS, "totaal"])
    if CELL_KEY in cube.columns:
        table[CELL_KEY] = cellkey.cell_keys(summed(CELL_KEY))
    return published(table, ptable)[COUNT].astype("int64").rename(COUNT)


def monthly(
    cube: pd.DataFrame,
    *,
    by: str | None = DOMAIN,
    start: str | None = None,
    end: str | None = None,
    area_codes: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    ptable: PTable | None = None,
    keep_keys: bool = False,
) -> pd.DataFrame:
    """Counts per month (and ``by`` group), every month of the range present (zeros filled).

    Every ``by`` group present in ``cube`` gets a row per month, also one without signals in
    the range; ``groups`` names them instead (when ``cube`` was cut to the range already).
    With ``ptable`` each count is perturbed; ``keep_keys`` keeps the exact counts with their
    ``cell_key``. Returns long format: ``month``, ``by`` (if any), ``count``.
    """
    frame = cube
    if area_codes is not None:
        frame = frame.loc[frame[AREA_CODE].isin(list(area_codes))]
    everything = frame  # the groups shown: all present, also those without signals in the range
    if start is not None or end is not None:  # months outside the range are not shown
        frame = filter_cube(frame, start=start, end=end)
    keys = [MONTH] if by is None else [MONTH, by]
    out = _summed(frame[[*keys, *(c for c in (COUNT, CELL_KEY) if c in frame.columns)]], keys)
    out = out.set_index(keys)
    months = month_range(
        start or (min(cube[MONTH]) if len(cube) else "2000-01"),
        end or (max(cube[MONTH]) if len(cube) else "2000-01"),
    )
    if by is None:
        out = out.reindex(pd.Index(months, name=MONTH), fill_value=0)
    else:
        if groups is None:
            groups = everything[by].dropna().unique() if len(everything) else []
        full = pd.MultiIndex.from_product([months, sorted(groups)], names=[MONTH, by])
        out = out.reindex(full, fill_value=0)
    out = out.astype("int64").reset_index()
    return out if keep_keys else published(out, ptable)
