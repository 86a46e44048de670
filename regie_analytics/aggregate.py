"""Cube roll-ups, filters, comparisons and lead times.

The cube (see :mod:`regie_analytics.schema`) holds counts per buurt x month x domain x theme x
channel x department x source. Everything the dashboard shows is a roll-up of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from regie_analytics import geo
from regie_analytics.limits import check_month_span
from regie_analytics.schema import (
    AREA_CODE,
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
) -> tuple[int, int]:
    """Signals of ``domain`` and of all domains together, in the months and channels given.

    ``None`` means no restriction (see :func:`filter_cube`). With ``located`` only signals in
    an area count, as on the pages (not those without location or outside every area).
    """
    cut = filter_cube(cube, start=start, end=end, channels=channels)
    if located:
        cut = cut.loc[~cut[AREA_CODE].isin(SENTINEL_AREAS)]
    return int(cut.loc[cut[DOMAIN] == domain, COUNT].sum()), int(cut[COUNT].sum())


def roll_up(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    by: Sequence[str] = (),
    include_empty_areas: bool = False,
) -> pd.DataFrame:
    """Sum the cube per area at ``level`` and the ``by`` columns.

    Rows outside every area or without location are left out (they belong to no area).

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
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS), [AREA_CODE, *by, COUNT]]
    codes = inside[AREA_CODE]
    if level != "buurt":
        codes = codes_at_level(codes, geo.parent_code_map(areas, level))
    # grouping on the (categorical) columns themselves is fastest; unmapped codes drop out
    keys = [codes.rename(AREA_CODE), *(inside[column] for column in by)]
    out = inside[COUNT].groupby(keys, observed=True, sort=True).sum().reset_index()
    out[AREA_CODE] = out[AREA_CODE].astype("str")
    out[COUNT] = out[COUNT].astype("int64")
    if include_empty_areas and not by:
        all_codes = geo.areas_at_level(areas, level).index
        out = (
            out.set_index(AREA_CODE)[COUNT]
            .reindex(all_codes, fill_value=0)
            .rename_axis(AREA_CODE)
            .reset_index()
        )
    return out


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


def counts_by_area_domain(
    cube: pd.DataFrame, areas: pd.DataFrame, *, level: str = "buurt"
) -> pd.DataFrame:
    """Counts per area (rows, indexed by area code, all areas) and domain (columns), with
    ``totaal``."""
    long = roll_up(cube, areas, level=level, by=(DOMAIN,))
    long[DOMAIN] = long[DOMAIN].astype("str")
    wide = long.set_index([AREA_CODE, DOMAIN])[COUNT].unstack(fill_value=0)
    index = geo.areas_at_level(areas, level).index
    wide = wide.reindex(index, fill_value=0)
    for domain in ("fysiek", "sociaal", "overig"):
        if domain not in wide.columns:
            wide[domain] = 0
    wide = wide[["fysiek", "sociaal", "overig"]].astype("int64")
    wide["totaal"] = wide.sum(axis=1)
    wide.columns.name = None
    return wide


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


def rate_population(population: pd.Series) -> pd.Series:
    """Population usable as a rate denominator: NaN below :data:`MIN_POPULATION`."""
    return population.where(population >= MIN_POPULATION)


def area_table(
    cube: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "buurt",
    whole: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per area at ``level``: name, population, km², counts per domain and every measure.

    Parameters
    ----------
    cube
        The (filtered) cube: the signals being measured.
    whole
        The cube of all signals in the same period (no domain, theme or channel filter); the
        location quotient compares the share of ``cube`` in ``whole`` per area with that share
        in the whole municipality. Without it, the LQ is that of the social share.

    Returns
    -------
    DataFrame indexed by ``area_code`` (every area at the level) with ``name``,
    ``population``, ``area_km2``, ``fysiek``, ``sociaal``, ``overig``, ``totaal``, ``count``
    (= totaal), ``per_1000``, ``per_1000_fysiek``, ``per_1000_sociaal``, ``per_km2``,
    ``share_social`` (percentage social of fysiek + sociaal) and ``lq``.
    """
    from regie_analytics import stats

    level_areas = geo.areas_at_level(areas, level)
    counts = counts_by_area_domain(cube, areas, level=level)
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
        all_signals = counts_by_area_domain(whole, areas, level=level)["totaal"]
        table["lq"] = stats.location_quotient(table["totaal"], all_signals)
    else:
        table["lq"] = stats.location_quotient(table["sociaal"], both)
    table.index.name = AREA_CODE
    return table


def domain_totals(cube: pd.DataFrame) -> pd.Series:
    """Signals per domain (``fysiek``, ``sociaal``, ``overig``), in areas and outside."""
    totals = cube.groupby(DOMAIN, observed=True)[COUNT].sum()
    return totals.reindex(["fysiek", "sociaal", "overig"], fill_value=0).astype("int64")


def monthly(
    cube: pd.DataFrame,
    *,
    by: str | None = DOMAIN,
    start: str | None = None,
    end: str | None = None,
    area_codes: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Counts per month (and ``by`` group), every month of the range present (zeros filled).

    Every ``by`` group present in ``cube`` gets a row per month, also one without signals in
    the range; ``groups`` names them instead (when ``cube`` was cut to the range already).
    Returns long format: ``month``, ``by`` (if any), ``count``.
    """
    frame = cube
    if area_codes is not None:
        frame = frame.loc[frame[AREA_CODE].isin(list(area_codes))]
    everything = frame  # the groups shown: all present, also those without signals in the range
    if start is not None or end is not None:  # months outside the range are not shown
        frame = filter_cube(frame, start=start, end=end)
    keys = [MONTH] if by is None else [MONTH, by]
    out = frame.groupby(keys, observed=True)[COUNT].sum()
    months = month_range(
        start or (min(cube[MONTH]) if len(cube) else "2000-01"),
        end or (max(cube[MONTH]) if len(cube) else "2000-01"),
    )
    if by is None:
        out = out.reindex(months, fill_value=0)
        out.index.name = MONTH
    else:
        if groups is None:
            groups = everything[by].dropna().unique() if len(everything) else []
        full = pd.MultiIndex.from_product([months, sorted(groups)], names=[MONTH, by])
        out = out.reindex(full, fill_value=0)
    return out.astype("int64").reset_index()


# --- lead times ------------------------------------------------------------------------------
def lead_times(
    signals: pd.DataFrame,
    *,
    by: str | None = THEME,
    start: str | None = None,
    end: str | None = None,
    norm_days: float = 10.0,
) -> pd.DataFrame:
    """Lead times (doorlooptijden) of record-level signals received in ``start``..``end``.

    A ``month`` column (``YYYY-MM``), when present, saves deriving it from ``received_at``.
    Per ``by`` group (or overall): ``ontvangen``; ``afgesloten``; ``mediaan_dagen`` and
    ``p90_dagen`` of closed signals; ``binnen_norm``: the share of received signals closed
    within ``norm_days`` (open ones count as not within); ``open``: still open (the backlog).
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
    out[["mediaan_dagen", "p90_dagen"]] = out[["mediaan_dagen", "p90_dagen"]].round(1)
    out = out.astype({"ontvangen": "int64", "afgesloten": "int64", "open": "int64"})
    out.index.name = by if by is not None else "groep"
    return out.sort_values("ontvangen", ascending=False)
