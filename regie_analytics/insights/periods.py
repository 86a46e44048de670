"""The Overzicht page's figures: one period against the previous one, the areas where social
and physical signals are both high (new or persistent), and one or two sentences saying so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics import aggregate, stats
from regie_analytics.cellkey import PTable
from regie_analytics.formatting import change_direction, fmt_change, fmt_int, fmt_level, fmt_period
from regie_analytics.insights.captions import samenhang_gap, size_ranking_note
from regie_analytics.insights.pressure import (
    DOMAIN_ADJECTIVE,
    both_high_flags,
    pressure_table,
    regie_areas,
)
from regie_analytics.schema import AREA_CODE, CLASSIFIED_DOMAINS, MONTH, SENTINEL_AREAS


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
    level_areas: pd.DataFrame | None = None,
    before: pd.DataFrame | None = None,
    has_previous: bool | None = None,
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
    ``level_areas``: see :func:`pressure_table`.

    ``before`` and ``has_previous``: the caller cut the two periods apart already (the
    dashboard, in its engine; the cuts may leave out the month): ``cube`` is the period's,
    ``before`` the previous period's, and ``has_previous`` says whether the data reach back
    to the previous period's first month.
    """
    prev = aggregate.previous_period(start, end)
    if before is None:
        now_cube = aggregate.filter_cube(cube, start=start, end=end)
        before_cube = aggregate.filter_cube(cube, start=prev[0], end=prev[1])
        has_previous = (
            bool(len(before_cube)) and str(before_cube[MONTH].astype(str).min()) <= prev[0]
        )
    else:
        now_cube, before_cube = cube, before
    inside_now = now_cube.loc[~now_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    inside_before = before_cube.loc[~before_cube[AREA_CODE].isin(SENTINEL_AREAS)]
    current = aggregate.domain_totals(inside_now, ptable=ptable)
    totals_before = aggregate.domain_totals(inside_before, ptable=ptable)
    if pressure is None:
        pressure = pressure_table(
            now_cube, areas, level=level, w=w, seed=seed, ptable=ptable, level_areas=level_areas
        )
    pressure = pressure.copy()
    # the previous period only says which areas were both high: no cluster statistics
    earlier = both_high_flags(
        before_cube, areas, level=level, w=w, ptable=ptable, level_areas=level_areas
    )
    pressure["was_beide_hoog"] = earlier.reindex(pressure.index).fillna(False)
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
        before=totals_before,
        pressure=pressure,
        both_high=int(pressure["beide_hoog"].sum()),
        both_high_before=int(earlier.sum()),
        top=regie_areas(pressure).head(n_top),
        sentences=[],
        has_previous=bool(has_previous),
        gap=samenhang_gap(pressure, selected=selected, available=available),
        size_note=size_ranking_note(pressure["population"], level=level),
    )
    result.sentences = headline(result)
    return result


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
            for d in CLASSIFIED_DOMAINS
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
                    f"; het {DOMAIN_ADJECTIVE[biggest]} domein {word} het sterkst "
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


def _count_of(n: int, level: str) -> str:
    """``'1 buurt'``, ``'3 buurten'``."""
    return f"{n} {fmt_level(level, plural=n != 1)}"


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
