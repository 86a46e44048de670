"""The council report's content in one call: :func:`collect` checks the period, filter and
area, and builds the municipality report (:mod:`~regie_analytics.export.municipality`) or an
area's profile (:mod:`~regie_analytics.export.area`), with every count protected."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from regie_analytics import aggregate, geo, insights, privacy, snapshot
from regie_analytics.export.area import area_report
from regie_analytics.export.content import ReportContent, ReportData, source_line
from regie_analytics.export.context import ReportContext, areas_at
from regie_analytics.export.municipality import municipality_report
from regie_analytics.formatting import fmt_date, fmt_period
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CLASSIFIED_DOMAINS,
    COUNT,
    DOMAIN,
    DOMAINS,
    SENTINEL_AREAS,
    InputError,
)
from regie_analytics.snapshot import Snapshot
from regie_analytics.store import AnyStore, PostgresStore, Store
from regie_analytics.store.errors import outdated


def stored_snapshot(store: AnyStore) -> Snapshot:
    """The store's version (its current one, or the one it is pinned to) as a snapshot: the
    report's cuts are summed in its engine, and its stored weights and map geometry are
    used. :class:`StoreError` for an empty store or one without cell keys."""
    store.manifest()  # the Dutch error for an empty store
    version = str(store.version_name)
    snap = snapshot.load(store.location, version=version, key=f"{store.location}#{version}")
    columns = snap.engine.query(f"SELECT * FROM {snap.engine.cube} WHERE FALSE").columns
    if CELL_KEY not in columns:
        raise outdated(Path(store.location))
    return snap


def _check_months(start: str, end: str, months: Sequence[str]) -> None:
    if not months:
        raise InputError("de store heeft geen signalen.", hint="importeer eerst gegevens.")
    aggregate.parse_period(f"{start}:{end}", months=months)


def _area_level(
    data: Store | ReportData, areas: gpd.GeoDataFrame, code: str
) -> tuple[str, gpd.GeoDataFrame]:
    """The level of an area code and the areas at that level; InputError when unknown."""
    for level in geo.available_levels(areas):
        if level == "gemeente":
            continue
        level_areas = areas_at(data, areas, level)
        if code in level_areas.index:
            return level, level_areas
    raise InputError(
        f"onbekende gebiedscode '{code}'.",
        hint="gebruik een gebiedscode uit de grenzen van de store (buurt, wijk of stadsdeel), "
        "bijvoorbeeld de code uit de tabel op de pagina Kaart; laat --area weg voor de hele "
        "gemeente.",
    )


def _domain_order(domains: Sequence[str]) -> list[str]:
    return [d for d in DOMAINS if d in domains]


def collect(
    data: Store | ReportData,
    *,
    start: str,
    end: str,
    area: str | None = None,
    level: str = "buurt",
    domains: Sequence[str] = CLASSIFIED_DOMAINS,
    themes: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    threshold: int | None = None,
    n_top: int = 5,
    today: date | None = None,
    overview: insights.Overview | None = None,
) -> ReportContent:
    """Compute the content of the council report, every count protected.

    Parameters
    ----------
    data
        A :class:`Store`, or loaded data with ``cube``, ``areas`` and ``manifest``; a
        :class:`~regie_analytics.snapshot.Snapshot` (the dashboard's) lends its areas, map
        geometry and weights per level.
    start, end
        The report period, months ``YYYY-MM`` (inclusive).
    area
        An area code (buurt, wijk or stadsdeel): a profile of that area instead of the whole
        municipality; its level follows from the code and ``level`` is ignored. A wijk or
        stadsdeel also gets a map of its own finest-level areas and a table ranking them.
    level
        Area level of the municipality report.
    domains, themes, channels
        The filter (``None``: all themes or channels).
    threshold
        Perturbed counts from 1 to ``threshold - 1`` read ``"<5"`` (default:
        :func:`privacy.label_threshold`).
    n_top
        Length of the top list.
    today
        The creation date shown (default: today).
    overview
        The municipality's :func:`insights.overview` of this filter, period and level with
        ``n_top`` and ``ptable=privacy.PTABLE``, when the caller has it already (the
        dashboard's cached one): not computed again. Ignored for an area report.

    Raises
    ------
    InputError
        For a malformed period, a period outside the data, an unknown area code or a filter
        without signals.
    """
    threshold = privacy.label_threshold() if threshold is None else threshold
    if isinstance(data, Store | PostgresStore):
        data = stored_snapshot(data)
    areas, manifest = data.areas, data.manifest
    filtered: pd.DataFrame | None = None
    if isinstance(data, Snapshot):  # cut in the engine
        months, available = data.months, list(data.domains)
    else:
        cube = data.cube
        months = aggregate.months_in(cube)
        available = _domain_order([str(d) for d in pd.unique(cube[DOMAIN].dropna())])
    _check_months(start, end, months)
    domains = _domain_order(domains)
    if not domains:
        raise InputError("kies minstens één domein.", hint=f"kies uit {', '.join(DOMAINS)}.")
    if not isinstance(data, Snapshot):
        filtered = aggregate.filter_cube(
            data.cube, domains=domains, themes=themes, channels=channels
        )
    context = ReportContext(
        data=data,
        areas=areas,
        months=months,
        start=start,
        end=end,
        domains=domains,
        themes=themes,
        channels=channels,
        available=available,
        threshold=threshold,
        cube=filtered,
    )
    # the cut both reports start from (kept), not a query of its own: any signal in an area?
    now = context.cut(AREA_CODE, DOMAIN, start=start, end=end)
    located = now[AREA_CODE].notna() & ~now[AREA_CODE].isin(SENTINEL_AREAS)
    if int(now.loc[located, COUNT].sum()) == 0:
        raise InputError(
            f"er zijn geen signalen in {fmt_period(start, end)} binnen dit filter.",
            hint="kies een andere periode of verruim het filter.",
        )
    filter_parts = [fmt_period(start, end), ", ".join(domains)]
    if themes:
        filter_parts.append("thema's: " + ", ".join(themes))
    if channels:
        filter_parts.append("kanalen: " + ", ".join(channels))
    common: dict[str, Any] = {
        "source": source_line(manifest),
        "created": fmt_date(today or date.today()),
        "generated": bool(manifest.get("generated", False)),
        "start": start,
        "end": end,
        "threshold": threshold,
    }
    if area is not None:
        area_level, level_areas = _area_level(data, areas, area)
        filter_parts.append(f"niveau: {area_level}")
        return area_report(
            context,
            code=area,
            level=area_level,
            level_areas=level_areas,
            subtitle=" · ".join(filter_parts),
            **common,
        )
    filter_parts.append(f"niveau: {level}")
    if overview is not None and (overview.start, overview.end, overview.level) != (
        start,
        end,
        level,
    ):
        raise ValueError(
            f"overview of {overview.start}..{overview.end} per {overview.level}, "
            f"not of {start}..{end} per {level}"
        )
    return municipality_report(
        context,
        level=level,
        n_top=n_top,
        subtitle=" · ".join(filter_parts),
        overview=overview,
        **common,
    )
