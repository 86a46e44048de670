"""Exports: safe tables (CSV, Excel), and the slide deck, PDF report and chart images.

Whatever leaves the analyst's screen is protected with the cell-key method (see
:mod:`regie_analytics.cellkey`): every count is published perturbed by a small amount fixed by
the records in it, totals are cells of their own, perturbed counts below 5 read "<5" (see
:func:`privacy.label_threshold`), rates and other measures are computed from the perturbed
counts and hidden for areas under 100 inhabitants, and text cells that start like a
spreadsheet formula are made inert. Every protected output says so in a footnote
(:func:`privacy.perturbation_note`).

The council report is built in two steps. :func:`collect` computes the content once (title,
source line, headline sentences and one :class:`ReportItem` per slide or page: the map,
samenhang, trends and the top list; or, for one area, its map with neighbours, themes, trend
and neighbour table), with every count already protected. :func:`build_pptx`, :func:`build_pdf`
and :func:`chart_pngs` only lay that content out, so the deck, the PDF, the PNGs and the
presentation mode show the same, safe numbers. :func:`build_report` does both steps for a store.

Each published table and its true counts are kept in ``ReportContent.protected``, so the tests
can audit every one of them (:func:`privacy.is_safe` with the p-table). The trend of a single
area is shown per block of three months (counted back from the last month) as grouped bars
with value labels; a small block reads "<5" and is drawn as an empty bar.
"""

from __future__ import annotations

import io
import math
import re
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import aggregate, cellkey, charts, chromium, geo, insights, privacy, stats
from regie_analytics.formatting import (
    fmt_date,
    fmt_int,
    fmt_level,
    fmt_month,
    fmt_num,
    fmt_period,
)
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    DOMAIN,
    DOMAINS,
    MONTH,
    SENTINEL_AREAS,
    THEME,
    InputError,
)
from regie_analytics.store import Store

AREA_COLUMNS_NL = {
    "area_code": "Gebiedscode",
    "name": "Gebied",
    "population": "Inwoners",
    "fysiek": "Fysiek",
    "sociaal": "Sociaal",
    "overig": "Overig",
    "totaal": "Totaal",
    "per_1000": "Per 1.000 inwoners",
    "per_km2": "Per km²",
    "share_social": "Aandeel sociaal (%)",
    "lq": "Locatiequotiënt",
}


def area_table_view(table: pd.DataFrame, *, measure: str | None = None) -> pd.DataFrame:
    """The area table as shown on screen (exact numbers), sorted by ``measure``."""
    columns = [c for c in AREA_COLUMNS_NL if c in table.columns or c == "area_code"]
    if not table["population"].notna().any():  # no inhabitants: no empty columns about them
        columns = [c for c in columns if c not in ("population", "per_1000")]
    frame = table.reset_index()[columns]
    if measure is not None and measure in frame.columns:
        frame = frame.sort_values(measure, ascending=False, na_position="last")
    elif measure == "count":
        frame = frame.sort_values("totaal", ascending=False)
    # as many decimals as the measure needs, the same for every row (1.234,5 per 1.000)
    for column, decimals in (("per_1000", 1), ("per_km2", 0), ("share_social", 1), ("lq", 2)):
        if column in frame.columns:
            frame[column] = frame[column].round(decimals)
    return frame.rename(columns=AREA_COLUMNS_NL)


def safe_area_table(
    table: pd.DataFrame,
    totals: pd.Series,
    *,
    threshold: int | None = None,
    min_population: int = privacy.DEFAULT_MIN_POPULATION,
) -> pd.DataFrame:
    """The area table as published: the protected counts per domain and in all, rates only
    where their count is not small and the area has ``min_population`` inhabitants, the
    municipality's totals, the footnote, text cells inert.

    Parameters
    ----------
    table
        :func:`aggregate.area_table` computed with the p-table (perturbed counts, rates from
        them).
    totals
        The municipality's perturbed totals per domain and in all (``fysiek``, ``sociaal``,
        ``overig``, ``totaal``: :func:`aggregate.domain_totals` of the areas' signals), each a
        cell of its own.
    threshold
        Perturbed counts from 1 to ``threshold - 1`` read ``"<5"`` (default:
        :func:`privacy.label_threshold`).
    """
    threshold = privacy.label_threshold() if threshold is None else threshold
    out = pd.DataFrame(index=table.index)
    out["Gebied"] = table["name"]
    out["Inwoners"] = table["population"].round(0).astype("Int64").astype("object")
    for column in ("fysiek", "sociaal", "overig", "totaal"):
        out[AREA_COLUMNS_NL[column]] = privacy.suppress_counts(table[column], threshold=threshold)
    if table["population"].notna().any():
        rates = privacy.suppress_rates(
            table["per_1000"],
            numerators=table["totaal"],
            population=table["population"],
            threshold=threshold,
            min_population=min_population,
        )
        out["Per 1.000 inwoners"] = [fmt_num(v, 1, missing="") for v in rates]
    people = table["population"].sum(min_count=1)
    total_row: dict[str, object] = {
        "Gebied": "Totaal gemeente",
        "Inwoners": round(float(people)) if pd.notna(people) else pd.NA,
    }
    shown_totals = privacy.suppress_counts(totals.astype("int64"), threshold=threshold)
    for column in ("fysiek", "sociaal", "overig", "totaal"):
        total_row[AREA_COLUMNS_NL[column]] = shown_totals[column]
    # the footnote as the last row; its other cells empty text, so counts stay whole numbers
    note = dict.fromkeys(out.columns, "") | {
        "Gebied": privacy.perturbation_note(threshold=threshold)
    }
    out = pd.concat([out, pd.DataFrame([total_row, note], index=["", ""], dtype=object)])
    out.index.name = "Gebiedscode"
    return privacy.neutralise_formulas(out.reset_index())


def area_download(
    cube: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    level: str,
    table: pd.DataFrame | None = None,
    threshold: int | None = None,
) -> pd.DataFrame:
    """The Kaart page's table download for a filtered cube (the same as ``export``): counts
    per area protected with the cell-key method; see :func:`safe_area_table`. ``table`` is
    the protected :func:`aggregate.area_table` of ``cube`` when the caller has it already."""
    if table is None:
        table = aggregate.area_table(cube, areas, level=level, ptable=privacy.PTABLE)
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    totals = aggregate.domain_totals(inside, ptable=privacy.PTABLE)
    return safe_area_table(table, totals, threshold=threshold)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for Dutch spreadsheets: ``;``-separated, UTF-8 with BOM, formulas made inert."""
    safe = privacy.neutralise_formulas(frame)
    return safe.to_csv(index=False, sep=";").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, *, sheet: str = "Regie Analytics") -> bytes:
    """An ``.xlsx`` workbook with one sheet; formulas made inert (written as text)."""
    safe = privacy.neutralise_formulas(frame)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:31])
        sheet_obj = writer.sheets[sheet[:31]]
        for row in sheet_obj.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return buffer.getvalue()


# --- the report's content ----------------------------------------------------------------------

FORMATS: tuple[str, ...] = ("pptx", "pdf", "png-zip")
"""Formats of :func:`build_report`."""
DEMO_BANNER = "GEGENEREERDE DEMODATA – geen echte meldingen"
"""Shown on every slide and page when the store holds generated data."""
BLOCK_MONTHS = 3
"""Months per bar in the trend of a single area."""


class ReportData(Protocol):
    """What :func:`collect` reads: the cube, the areas and the manifest (as the dashboard's
    loaded store data has them)."""

    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    manifest: dict[str, Any]


@dataclass
class Protected:
    """A published (protected) table or series of counts and the true counts behind it."""

    name: str
    published: pd.DataFrame | pd.Series
    truth: pd.DataFrame | pd.Series


Drawing: TypeAlias = "go.Figure | Callable[[], go.Figure] | None"
"""A figure, or a function that draws it when it is first needed."""


class ReportItem:
    """One slide or page: a chart (with an optional legend), a table, or both.

    ``table`` holds text cells as shown (formulas inert); ``count_columns`` names its columns
    that hold counts (ints, ``"<5"`` or ``"x"``). ``figure`` and ``legend`` may be given as
    functions that draw them: they are drawn the first time they are read (a presentation
    opens on its title slide, and draws a chart when its slide is shown), then kept.
    ``size`` is the width and height in px at which ``figure`` is exported.
    """

    def __init__(
        self,
        key: str,
        title: str,
        caption: str = "",
        figure: Drawing = None,
        legend: Drawing = None,
        table: pd.DataFrame | None = None,
        count_columns: tuple[str, ...] = (),
        size: tuple[int, int] = (1200, 620),
    ) -> None:
        self.key = key
        self.title = title
        self.caption = caption
        self.table = table
        self.count_columns = count_columns
        self.size = size
        self._drawings: dict[str, Drawing] = {"figure": figure, "legend": legend}
        self._lock = threading.Lock()

    def _drawn(self, name: str) -> go.Figure | None:
        with self._lock:  # one session draws it; the others wait for it
            drawing = self._drawings[name]
            if drawing is not None and not isinstance(drawing, go.Figure):
                drawing = self._drawings[name] = drawing()
            return drawing

    @property
    def figure(self) -> go.Figure | None:
        return self._drawn("figure")

    @property
    def legend(self) -> go.Figure | None:
        return self._drawn("legend")

    @property
    def has_figure(self) -> bool:
        """Whether there is a figure, without drawing it."""
        return self._drawings["figure"] is not None

    @property
    def has_legend(self) -> bool:
        """Whether there is a legend, without drawing it."""
        return self._drawings["legend"] is not None

    def __repr__(self) -> str:
        return f"ReportItem(key={self.key!r}, title={self.title!r})"


@dataclass
class ReportContent:
    """Everything a deck, PDF or presentation shows, with every count already protected."""

    title: str
    subtitle: str
    source: str
    created: str
    generated: bool
    sentences: list[str]
    items: list[ReportItem]
    start: str
    end: str
    level: str
    area: str | None
    threshold: int
    protected: list[Protected]
    _pngs: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def footer(self) -> str:
        """The source and creation date, for the foot of every slide and page."""
        return f"{self.source} · gemaakt op {self.created}"

    @property
    def privacy_note(self) -> str:
        """The Dutch footnote on how the counts are protected and what ``"<5"`` means."""
        return privacy.perturbation_note(threshold=self.threshold)


def _unpack(data: Store | ReportData) -> tuple[pd.DataFrame, gpd.GeoDataFrame, dict[str, Any]]:
    if isinstance(data, Store):
        return data.cube(), data.areas(), data.manifest()
    return data.cube, data.areas, data.manifest


def source_line(manifest: dict[str, Any]) -> str:
    """``'Bron: demo-signalen, demo-wijkteam · grenzen: buurten.geojson · CBS / PDOK ·
    GEGENEREERDE demodata'``: the sources of the imports, the boundaries file, the CBS / PDOK
    attribution when the boundaries or populations come from CBS, and the demo flag."""
    sources = sorted({str(imp.get("source", "")) for imp in manifest.get("imports", [])} - {""})
    boundaries = manifest.get("boundaries", {}) or {}
    parts = [f"Bron: {', '.join(sources) if sources else 'onbekend'}"]
    if boundaries.get("file"):
        parts.append(f"grenzen: {boundaries['file']}")
    about = " ".join(
        str(boundaries.get(key) or "") for key in ("file", "code_column", "population")
    ).lower()
    if "cbs" in about or "pdok" in about:
        parts.append("CBS / PDOK")
    if manifest.get("generated"):
        parts.append("GEGENEREERDE demodata")
    return " · ".join(parts)


def _check_months(start: str, end: str, months: Sequence[str]) -> None:
    if not months:
        raise InputError("de store heeft geen signalen.", hint="importeer eerst gegevens.")
    aggregate.parse_period(f"{start}:{end}", months=months)


def _area_level(areas: gpd.GeoDataFrame, code: str) -> tuple[str, gpd.GeoDataFrame]:
    """The level of an area code and the areas at that level; InputError when unknown."""
    for level in geo.available_levels(areas):
        if level == "gemeente":
            continue
        level_areas = geo.areas_at_level(areas, level)
        if code in level_areas.index:
            return level, level_areas
    raise InputError(
        f"onbekende gebiedscode '{code}'.",
        hint="gebruik een gebiedscode uit de grenzen van de store (buurt, wijk of stadsdeel), "
        "bijvoorbeeld de code uit de tabel op de pagina Kaart; laat --area weg voor de hele "
        "gemeente.",
    )


def _cell_text(value: object) -> str:
    """A published count as text: ints with thousands dots, labels as they are."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt_int(float(value))  # type: ignore[arg-type]


def _is_number(value: object) -> bool:
    return isinstance(value, int | np.integer) or (
        isinstance(value, float | np.floating) and not math.isnan(value)
    )


def _count_phrase(value: object) -> str:
    """A published count inside a sentence."""
    if _is_number(value):
        return fmt_int(float(value))  # type: ignore[arg-type]
    return f"minder dan {str(value).lstrip('<')}"


def _hidden(published: pd.Series) -> pd.Series:
    """True where a published series holds a label instead of a number."""
    return published.map(lambda v: not _is_number(v)).astype(bool)


def _domain_order(domains: Sequence[str]) -> list[str]:
    return [d for d in DOMAINS if d in domains]


def _present(fig: go.Figure) -> go.Figure:
    """Large type for slides and the presentation mode, keeping the figure's height."""
    return charts.apply_house_style(fig, presentation=True)


def _weights(data: Store | ReportData, level_areas: gpd.GeoDataFrame, level: str) -> Any:
    cached = getattr(data, "weights", None)
    if callable(cached) and not isinstance(data, Store):
        return cached(level)
    return stats.spatial_weights(level_areas)


def _web(data: Store | ReportData, level_areas: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    cached = getattr(data, "level_areas", None)
    if callable(cached) and not isinstance(data, Store):
        return cached(level)
    return geo.simplify_for_web(level_areas)


def collect(
    data: Store | ReportData,
    *,
    start: str,
    end: str,
    area: str | None = None,
    level: str = "buurt",
    domains: Sequence[str] = ("fysiek", "sociaal"),
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
        A :class:`Store`, or loaded data with ``cube``, ``areas`` and ``manifest`` (the
        dashboard's store data; its cached ``weights(level)`` and ``level_areas(level)`` are
        used when present).
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
    cube, areas, manifest = _unpack(data)
    months = aggregate.months_in(cube)
    _check_months(start, end, months)
    domains = _domain_order(domains)
    if not domains:
        raise InputError("kies minstens één domein.", hint=f"kies uit {', '.join(DOMAINS)}.")
    filtered = aggregate.filter_cube(cube, domains=domains, themes=themes, channels=channels)
    now = aggregate.filter_cube(filtered, start=start, end=end)
    inside_now = now.loc[~now[AREA_CODE].isin(SENTINEL_AREAS)]
    if int(inside_now[COUNT].sum()) == 0:
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
    context = _Context(
        data=data,
        cube=filtered,
        areas=areas,
        months=months,
        start=start,
        end=end,
        domains=domains,
        available=_domain_order([str(d) for d in pd.unique(cube[DOMAIN].dropna())]),
        threshold=threshold,
    )
    if area is not None:
        area_level, level_areas = _area_level(areas, area)
        filter_parts.append(f"niveau: {area_level}")
        return _area_report(
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
    return _municipality_report(
        context,
        level=level,
        n_top=n_top,
        subtitle=" · ".join(filter_parts),
        overview=overview,
        **common,
    )


@dataclass
class _Context:
    data: Store | ReportData
    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    months: list[str]
    start: str
    end: str
    domains: list[str]
    available: list[str]
    threshold: int

    @property
    def window(self) -> tuple[str, str, str, str]:
        """Previous period (clipped to the data) and the report period."""
        prev_start, prev_end = aggregate.previous_period(self.start, self.end)
        return max(prev_start, self.months[0]), prev_end, self.start, self.end


# --- municipality ------------------------------------------------------------------------------


def _municipality_report(
    ctx: _Context,
    *,
    level: str,
    n_top: int,
    subtitle: str,
    overview: insights.Overview | None,
    **common: Any,
) -> ReportContent:
    threshold = ctx.threshold
    level_areas = geo.areas_at_level(ctx.areas, level)
    web = _web(ctx.data, level_areas, level)
    ov = overview or insights.overview(
        ctx.cube,
        ctx.areas,
        start=ctx.start,
        end=ctx.end,
        level=level,
        w=_weights(ctx.data, level_areas, level),
        n_top=n_top,
        selected=ctx.domains,
        available=ctx.available,
        ptable=privacy.PTABLE,
    )
    pressure = ov.pressure  # perturbed counts, and everything computed from them
    now = aggregate.filter_cube(ctx.cube, start=ctx.start, end=ctx.end)
    exact = aggregate.counts_by_area_domain(now, ctx.areas, level=level)
    protected: list[Protected] = []

    # counts per area (the map), per domain (the samenhang map) and the top list
    shown = privacy.label_small(pressure[["totaal", "sociaal", "fysiek"]], threshold=threshold)
    for column, name in (("totaal", "signalen"), ("sociaal", "sociaal"), ("fysiek", "fysiek")):
        protected.append(Protected(f"{name} per gebied", shown[column], exact[column]))
    hidden_total = _hidden(shown["totaal"])
    hidden_domain = _hidden(shown["sociaal"]) | _hidden(shown["fysiek"])
    top_pub = shown.loc[ov.top.index, ["sociaal", "fysiek"]]
    protected.append(Protected("top", top_pub, exact.loc[ov.top.index, ["sociaal", "fysiek"]]))

    # the trend per period; its totals per domain are the headline's figures
    prev_start, prev_end, start, end = ctx.window
    trend_parts = []
    period_pub: dict[str, pd.DataFrame] = {}
    for name, (lo, hi) in (("vorige periode", (prev_start, prev_end)), ("periode", (start, end))):
        if lo > hi:
            continue
        monthly = insights.domain_monthly(ctx.cube, start=lo, end=hi, keep_keys=True)
        month_truth, month_keys = (
            _wide(monthly, MONTH, ctx.domains, aggregate.month_range(lo, hi), value=value)
            for value in (COUNT, CELL_KEY)
        )
        month_pub = _published(month_truth, month_keys, threshold=threshold, shown_totals="row")
        protected.append(Protected(f"trend {name}", month_pub, month_truth))
        period_pub[name] = month_pub
        trend_parts.append(_long_published(month_pub, MONTH))
    trend = pd.concat(trend_parts, ignore_index=True)

    items = [
        _map_item(pressure, web, hidden_total, level=level),
    ]
    both_domains = {"fysiek", "sociaal"} <= set(ctx.domains)
    if both_domains and ov.gap is None:
        items.append(
            _samenhang_item(ov, web, hidden_total | hidden_domain, level=level),
        )
    items.append(_trend_item(trend, start=start, end=end, threshold=threshold))
    if both_domains:
        items.append(_top_item(ov, top_pub, level=level))

    headline = [
        pub.loc[privacy.TOTAL_LABEL, column]
        for pub in period_pub.values()
        for column in [*ctx.domains, privacy.TOTAL_LABEL]
    ]
    if all(_is_number(v) for v in headline):
        sentences = list(ov.sentences)
    else:
        total = period_pub["periode"].loc[privacy.TOTAL_LABEL, privacy.TOTAL_LABEL]
        sentences = [
            f"In {fmt_period(ctx.start, ctx.end)} kwamen {_count_phrase(total)} signalen "
            "binnen. Kleine aantallen zijn afgeschermd."
        ]
    if ov.size_note:
        sentences.append(ov.size_note)
    gemeente = _gemeente_name(ctx.areas)
    return ReportContent(
        title=f"Sociaal en fysiek per {level}" + (f" in {gemeente}" if gemeente else ""),
        subtitle=subtitle,
        sentences=sentences,
        items=items,
        level=level,
        area=None,
        protected=protected,
        **common,
    )


def _published(
    counts: pd.DataFrame, keys: pd.DataFrame, *, threshold: int, shown_totals: str
) -> pd.DataFrame:
    """A table as published: every cell and total perturbed as a cell of its own (see
    :func:`cellkey.perturb_table`), small ones as ``"<5"``; totals that are not shown are empty
    (``shown_totals``: ``"both"``, ``"row"`` for the column totals only, or ``"none"``), so the
    table can be audited as it is published."""
    values = cellkey.perturb_table(
        counts, keys, ptable=privacy.PTABLE, total_label=privacy.TOTAL_LABEL
    )
    published = privacy.label_small(values, threshold=threshold).astype(object)
    total = privacy.TOTAL_LABEL
    if shown_totals in ("row", "none"):
        published.loc[published.index != total, total] = None
    if shown_totals == "none":
        published.loc[total] = None
    return published


def _gemeente_name(areas: gpd.GeoDataFrame) -> str:
    if "gemeente" not in geo.available_levels(areas):
        return ""
    names = geo.areas_at_level(areas, "gemeente")["name"].dropna().astype(str)
    return names.iloc[0] if len(names) == 1 else ""


def _wide(
    long: pd.DataFrame,
    row: str,
    domains: Sequence[str],
    rows: Sequence[str],
    *,
    value: str = COUNT,
) -> pd.DataFrame:
    """Counts (or their summed cell keys) as ``rows`` x ``domains`` (zeros filled), ints."""
    wide = long.pivot_table(index=row, columns=DOMAIN, values=value, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(rows), columns=list(domains), fill_value=0).fillna(0)
    wide.columns.name = None
    wide.index.name = row
    return wide.astype("int64")


def _long_published(published: pd.DataFrame, row: str) -> pd.DataFrame:
    """A protected rows x domains table back to long format (no totals): ``row``, ``domain``,
    ``count`` (NaN where hidden) and ``label`` (the published cell)."""
    body = published.drop(index=privacy.TOTAL_LABEL, columns=privacy.TOTAL_LABEL)
    body.index.name = row
    long = body.reset_index().melt(id_vars=row, var_name=DOMAIN, value_name="label")
    long[COUNT] = [float(v) if _is_number(v) else np.nan for v in long["label"]]
    return long


def _measure(table: pd.DataFrame) -> tuple[str, str]:
    if table["population"].notna().any():
        return "per_1000", "signalen per 1.000 inwoners"
    return "count", "aantal signalen"


def _map_item(
    pressure: pd.DataFrame, web: gpd.GeoDataFrame, hidden: pd.Series, *, level: str
) -> ReportItem:
    measure, label = _measure(pressure)
    values = pressure[measure].where(~hidden)

    def draw() -> go.Figure:
        fig = charts.choropleth(
            web,
            values,
            title=label.capitalize() + f" per {level}",
            label=label,
            suppressed=hidden,
            decimals=1 if measure == "per_1000" else 0,
            height=620,
        )
        return _present(fig)

    caption = (
        "Kleuren: vijf even grote groepen (kwantielen). Grijs: te weinig waarnemingen (minder "
        "dan het drempelaantal signalen, of afgeschermd). "
        + (
            "Gebieden met minder dan 100 inwoners krijgen geen cijfer."
            if measure == "per_1000"
            else ""
        )
    ).strip()
    return ReportItem(
        key="kaart", title="Waar komen signalen binnen?", caption=caption, figure=draw
    )


def _samenhang_item(
    ov: insights.Overview, web: gpd.GeoDataFrame, hidden: pd.Series, *, level: str
) -> ReportItem:
    pressure = ov.pressure
    _, _, what = insights.domain_rates(pressure)
    social = pressure["rate_sociaal"].where(~hidden)
    physical = pressure["rate_fysiek"].where(~hidden)

    def draw() -> go.Figure:
        fig = charts.bivariate_choropleth(
            web,
            social,
            physical,
            title=f"Sociaal × fysiek ({what})",
            suppressed=hidden,
            classes=(pressure["klasse_sociaal"], pressure["klasse_fysiek"]),
            height=620,
        )
        return _present(fig)

    def draw_legend() -> go.Figure:
        return charts.bivariate_legend(
            x_label="sociaal",
            y_label="fysiek",
            size=300,
            font_size=charts.PRESENTATION_FONT_SIZE - 4,
        )

    caption = insights.bivariate_caption(level) + " Grijs: te weinig waarnemingen."
    if ov.size_note:
        caption += " " + ov.size_note
    return ReportItem(
        key="samenhang",
        title="Waar gaan sociale en fysieke signalen samen?",
        caption=caption,
        figure=draw,
        legend=draw_legend,
    )


def _trend_item(trend: pd.DataFrame, *, start: str, end: str, threshold: int) -> ReportItem:
    def draw() -> go.Figure:
        fig = charts.trend_chart(
            trend, color=DOMAIN, title="Signalen per maand en domein", y_title="aantal signalen"
        )
        fig.add_vrect(
            x0=pd.Timestamp(f"{start}-01"),
            x1=pd.Timestamp(f"{end}-01"),
            fillcolor="#000000",
            opacity=0.05,
            line_width=0,
        )
        return _present(fig)

    caption = (
        f"Grijs vlak: de rapportperiode ({fmt_period(start, end)}); daarvoor de periode van "
        "gelijke lengte ervoor."
    )
    if trend[COUNT].isna().any():
        caption += f" Maanden met een beschermd aantal onder {threshold} zijn weggelaten."
    return ReportItem(
        key="trends",
        title="Hoe ontwikkelen de signalen zich?",
        caption=caption,
        figure=draw,
        size=(1300, 520),
    )


def _top_item(ov: insights.Overview, body: pd.DataFrame, *, level: str) -> ReportItem:
    top = ov.top
    title = insights.regie_title(level)
    if top.empty:
        return ReportItem(
            key="top", title=title, caption=insights.no_regie_text(level=level, gap=ov.gap)
        )
    frame = pd.DataFrame(
        {
            "Gebied": top["name"].astype(str).to_numpy(),
            "Samenhangsindex": [fmt_int(v) for v in top["samenhangsindex"].round(0)],
            "Sociaal": [_cell_text(v) for v in body["sociaal"]],
            "Fysiek": [_cell_text(v) for v in body["fysiek"]],
            "Status": top["status"].astype(str).to_numpy(),
            "Waarom": top["waarom"].astype(str).to_numpy(),
        }
    )
    caption = insights.top_caption(ov) + " Sociaal en fysiek: aantallen signalen in de periode."
    if ov.size_note:
        caption += " " + ov.size_note
    return ReportItem(
        key="top",
        title=title,
        caption=caption,
        table=privacy.neutralise_formulas(frame),
        count_columns=("Sociaal", "Fysiek"),
    )


# --- one area ----------------------------------------------------------------------------------


def _area_report(
    ctx: _Context,
    *,
    code: str,
    level: str,
    level_areas: gpd.GeoDataFrame,
    subtitle: str,
    **common: Any,
) -> ReportContent:
    threshold = ctx.threshold
    name = str(level_areas.at[code, "name"])
    population = level_areas["population"]
    pop = float(population.get(code, np.nan))
    w = _weights(ctx.data, level_areas, level)
    web = _web(ctx.data, level_areas, level)
    now = aggregate.filter_cube(ctx.cube, start=ctx.start, end=ctx.end)
    pressure = insights.pressure_table(
        now, ctx.areas, level=level, w=w, seed=0, ptable=privacy.PTABLE
    )
    protected: list[Protected] = []

    # themes x domains of the area, and the same for the whole municipality (for rates)
    by_theme = aggregate.roll_up(now, ctx.areas, level=level, by=(DOMAIN, THEME), keep_keys=True)
    mine = by_theme.loc[by_theme[AREA_CODE] == code]
    theme_truth = _theme_table(mine, ctx.domains)
    theme_keys = _theme_table(mine, ctx.domains, value=CELL_KEY).reindex(theme_truth.index)
    theme_pub = _published(
        theme_truth, theme_keys.fillna(0), threshold=threshold, shown_totals="row"
    )
    order = _largest_first(theme_pub, theme_truth)
    theme_truth = theme_truth.loc[order]
    theme_pub = theme_pub.loc[[*order, privacy.TOTAL_LABEL]]
    protected.append(Protected("thema's", theme_pub, theme_truth))

    trend_item = _area_trend_item(ctx, code=code, level=level, protected=protected)

    # neighbours
    neighbour_codes = stats.neighbours(level_areas, code, w=w)
    exact = aggregate.counts_by_area_domain(now, ctx.areas, level=level)["totaal"]
    shown = privacy.suppress_counts(pressure["totaal"], threshold=threshold)
    neighbour_pub = shown.reindex(neighbour_codes).rename("signalen")
    protected.append(Protected("buren", neighbour_pub, exact.reindex(neighbour_codes)))
    hidden = _hidden(shown)

    measure, label = _measure(pressure)
    shown_codes = [code, *neighbour_codes]
    map_fig = charts.choropleth(
        web.loc[shown_codes],
        pressure[measure].reindex(shown_codes).where(~hidden.reindex(shown_codes)),
        title=f"{name} en de buren",
        label=label,
        suppressed=hidden.reindex(shown_codes),
        decimals=1 if measure == "per_1000" else 0,
        highlight=code,
        height=620,
    )
    items = [
        ReportItem(
            key="kaart",
            title=f"{name} en omgeving",
            caption=(
                f"Zwart omlijnd: {name}. Grijs: te weinig waarnemingen. Kleuren: "
                f"{label}, klassen over dit gebied en de buren."
            ),
            figure=_present(map_fig),
        ),
        _theme_item(
            theme_pub,
            theme_truth,
            _city_counts(by_theme),
            pop=pop,
            city_pop=float(population.sum(min_count=1)),
            name=name,
            threshold=threshold,
        ),
    ]
    fine = geo.available_levels(ctx.areas)[0]
    if level != fine:
        items += _member_items(ctx, now, code=code, level=level, name=name, protected=protected)
    items.append(trend_item)
    items.append(
        _neighbour_item(pressure, neighbour_pub, neighbour_codes, measure=measure, name=name)
    )

    sentences = _area_sentences(
        ctx, name=name, level=level, pop=pop, theme_pub=theme_pub, row=pd.Series(pressure.loc[code])
    )
    return ReportContent(
        title=f"Gebiedsprofiel {name}",
        subtitle=subtitle,
        sentences=sentences,
        items=items,
        level=level,
        area=code,
        protected=protected,
        **common,
    )


def _published_size(cell: object) -> float:
    """A published count as a number to sort on: a label counts as just under its bound."""
    return float(cell) if _is_number(cell) else float(str(cell).lstrip("<")) - 0.5  # type: ignore[arg-type]


def _member_items(
    ctx: _Context,
    now: pd.DataFrame,
    *,
    code: str,
    level: str,
    name: str,
    protected: list[Protected],
) -> list[ReportItem]:
    """A wijk's or stadsdeel's own areas at the finest level: a map zoomed to the area and a
    table of them ranked by their published signals (appends the table's counts to
    ``protected``)."""
    fine = geo.available_levels(ctx.areas)[0]
    fine_areas = geo.areas_at_level(ctx.areas, fine)
    members = aggregate.member_codes(ctx.areas, level, code)
    pressure = insights.pressure_table(
        now,
        ctx.areas,
        level=fine,
        w=_weights(ctx.data, fine_areas, fine),
        seed=0,
        clusters=False,
        ptable=privacy.PTABLE,
    ).reindex(members)
    exact = aggregate.counts_by_area_domain(now, ctx.areas, level=fine).reindex(members)
    columns = ["totaal", "sociaal", "fysiek"]
    shown = privacy.label_small(pressure[columns], threshold=ctx.threshold)
    protected.append(Protected(f"{fine}en in {name}", shown, exact[columns]))
    hidden = _hidden(shown["totaal"])
    measure, label = _measure(pressure)
    plural = f"{fine}en"

    def draw() -> go.Figure:
        fig = charts.choropleth(
            _web(ctx.data, fine_areas, fine).loc[members],
            pressure[measure].where(~hidden),
            title=f"{label.capitalize()} per {fine} in {name}",
            label=label,
            suppressed=hidden,
            decimals=1 if measure == "per_1000" else 0,
            height=620,
        )
        return _present(fig)

    order = sorted(
        members,
        key=lambda c: (-_published_size(shown.at[c, "totaal"]), str(pressure.at[c, "name"])),
    )
    rows = pressure.loc[order]
    frame = pd.DataFrame(
        {
            "Gebied": rows["name"].astype(str).to_numpy(),
            "Signalen": [_cell_text(shown.at[c, "totaal"]) for c in order],
        }
    )
    if measure == "per_1000":
        frame["Per 1.000 inwoners"] = [
            _rate_text(shown.at[c, "totaal"], pop)
            for c, pop in zip(order, rows["population"], strict=True)
        ]
    frame["Sociaal"] = [_cell_text(shown.at[c, "sociaal"]) for c in order]
    frame["Fysiek"] = [_cell_text(shown.at[c, "fysiek"]) for c in order]
    frame["Samenhangsindex"] = [
        "" if pd.isna(v) else fmt_int(v) for v in rows["samenhangsindex"].round(0)
    ]
    rate_note = (
        " Geen cijfer per inwoner of index: minder dan 100 inwoners."
        if measure == "per_1000"
        else ""
    )
    return [
        ReportItem(
            key="gebiedskaart",
            title=f"{plural.capitalize()} in {name}",
            caption=(
                f"Kleuren: {label}, vijf even grote groepen over de {plural} van {name}. "
                "Grijs: te weinig waarnemingen."
            ),
            figure=draw,
        ),
        ReportItem(
            key="gebieden",
            title=f"{plural.capitalize()} in {name} gerangschikt",
            caption=(
                f"De {plural} van {name}, de meeste signalen in de periode eerst; "
                f"{privacy.suppressed_label(ctx.threshold)} telt als klein. Samenhangsindex: "
                f"sociaal én fysiek hoog ten opzichte van alle {plural} (0–100).{rate_note}"
            ),
            table=privacy.neutralise_formulas(frame),
            count_columns=("Signalen", "Sociaal", "Fysiek"),
        ),
    ]


def _city_counts(by_theme: pd.DataFrame) -> pd.Series:
    """The municipality's perturbed counts, each a cell of its own: per (domain, theme), per
    (domain, ``""``) and in all (``("", "")``)."""
    per_theme = by_theme.groupby([DOMAIN, THEME], observed=True)[[COUNT, CELL_KEY]].sum()
    per_theme.index = pd.MultiIndex.from_tuples([(str(d), str(t)) for d, t in per_theme.index])
    per_domain = by_theme.groupby(DOMAIN, observed=True)[[COUNT, CELL_KEY]].sum()
    per_domain.index = pd.MultiIndex.from_tuples([(str(d), "") for d in per_domain.index])
    everything = pd.DataFrame(
        [by_theme[[COUNT, CELL_KEY]].sum()], index=pd.MultiIndex.from_tuples([("", "")])
    )
    cells = pd.concat([per_theme, per_domain, everything])
    return cellkey.perturb(cells[COUNT], cells[CELL_KEY], ptable=privacy.PTABLE)


def _theme_table(rows: pd.DataFrame, domains: Sequence[str], *, value: str = COUNT) -> pd.DataFrame:
    """One area's counts (or with ``value`` their cell keys) as themes x domains: the themes
    with signals, by domain and name."""
    rows = rows.loc[rows[COUNT] > 0]
    if rows.empty:
        return pd.DataFrame(
            np.zeros((1, len(domains)), dtype="int64"),
            index=pd.Index(["—"], name=THEME),
            columns=list(domains),
        )
    order = rows.assign(_d=rows[DOMAIN].map({d: i for i, d in enumerate(domains)}))
    themes = list(dict.fromkeys(order.sort_values(["_d", THEME])[THEME].astype(str)))
    wide = rows.assign(**{THEME: rows[THEME].astype(str)}).pivot_table(
        index=THEME, columns=DOMAIN, values=value, aggfunc="sum", fill_value=0, observed=True
    )
    wide = wide.reindex(index=themes, columns=list(domains), fill_value=0).fillna(0)
    wide.columns.name = None
    wide.index.name = THEME
    return wide.astype("int64")


def _largest_first(published: pd.DataFrame, truth: pd.DataFrame) -> list[str]:
    """The themes by domain, largest published count first (a label counts as just under its
    bound): an order by the true counts would tell which of two close counts is larger."""

    domains = list(truth.columns)
    rank = []
    for theme in truth.index:
        domain = str(truth.loc[theme].idxmax())
        rank.append(
            (domains.index(domain), -_published_size(published.loc[theme, domain]), str(theme))
        )
    return [theme for _, _, theme in sorted(rank)]


def _rate_text(count: object, pop: float) -> str:
    if not _is_number(count) or not pop >= aggregate.MIN_POPULATION:
        return ""
    return fmt_num(float(count) / pop * 1000.0, 1)  # type: ignore[arg-type]


def _theme_item(
    published: pd.DataFrame,
    truth: pd.DataFrame,
    city: pd.Series,
    *,
    pop: float,
    city_pop: float,
    name: str,
    threshold: int,
) -> ReportItem:
    """The area's themes as published, with rates next to the municipality's (``city``: its
    perturbed counts, see :func:`_city_counts`)."""
    with_rates = pop >= aggregate.MIN_POPULATION and city_pop > 0
    rows: list[dict[str, str]] = []

    def add(label_domain: str, theme: str, cell: object, city_count: float) -> None:
        row = {"Domein": label_domain, "Thema": theme, "Aantal": _cell_text(cell)}
        if with_rates:
            area_rate = _rate_text(cell, pop)
            city_small = 0 < city_count < threshold
            city_rate = city_count / city_pop * 1000.0
            row["Per 1.000 inwoners"] = area_rate
            row["Gemeente per 1.000"] = "" if city_small else fmt_num(city_rate, 1)
            index = ""
            if area_rate and city_rate > 0 and not city_small:
                index = fmt_int(100 * float(cell) / pop * 1000.0 / city_rate)  # type: ignore[arg-type]
            row["Index (gemeente = 100)"] = index
        rows.append(row)

    for theme in truth.index:
        domain = str(truth.loc[theme].idxmax())
        if truth.loc[theme].sum() == 0:
            continue
        add(domain, str(theme), published.loc[theme, domain], float(city.get((domain, theme), 0)))
    for domain in truth.columns:
        add(
            "Totaal",
            domain,
            published.loc[privacy.TOTAL_LABEL, domain],
            float(city.get((domain, ""), 0)),
        )
    add(
        "Totaal",
        "alle signalen",
        published.loc[privacy.TOTAL_LABEL, privacy.TOTAL_LABEL],
        float(city.get(("", ""), 0)),
    )
    frame = pd.DataFrame(rows)
    caption = (
        f"Signalen in {name} per thema in de periode. Index: 100 = zo vaak als gemiddeld in de "
        "gemeente (per inwoner); 200 = twee keer zo vaak."
        if with_rates
        else f"Signalen in {name} per thema in de periode."
    )
    return ReportItem(
        key="themas",
        title=f"Thema's in {name}",
        caption=caption,
        table=privacy.neutralise_formulas(frame),
        count_columns=("Aantal",),
    )


def month_blocks(start: str, end: str, *, size: int = BLOCK_MONTHS) -> list[tuple[str, str]]:
    """Blocks of ``size`` months counted back from ``end`` to ``start`` (the oldest may be
    shorter), oldest first, as (first month, last month).

    ``month_blocks("2025-02", "2025-12")`` is ``[("2025-02", "2025-03"), ("2025-04",
    "2025-06"), ("2025-07", "2025-09"), ("2025-10", "2025-12")]``.
    """
    months = aggregate.month_range(start, end)
    chunks = [months[max(0, i - size) : i] for i in range(len(months), 0, -size)]
    return [(chunk[0], chunk[-1]) for chunk in reversed(chunks)]


def _block_label(first: str, last: str) -> str:
    if first == last:
        return fmt_month(first)
    if first[:4] == last[:4]:
        return f"{fmt_month(first).split()[0]}–{fmt_month(last)}"
    return f"{fmt_month(first)}–{fmt_month(last)}"


def _area_trend_item(
    ctx: _Context,
    *,
    code: str,
    level: str,
    protected: list[Protected],
) -> ReportItem:
    """Blocks of three months x domains, each block a perturbed cell; the blocks of the
    report period are audited with the domain totals of the themes table (the same cells as
    their column totals)."""
    threshold = ctx.threshold
    prev_start, prev_end, start, end = ctx.window
    series, _ = insights.area_series(
        ctx.cube,
        ctx.areas,
        level=level,
        code=code,
        start=prev_start,
        end=end,
        by=DOMAIN,
        keep_keys=True,
    )
    parts = []
    for name, (lo, hi) in (("vorige periode", (prev_start, prev_end)), ("periode", (start, end))):
        if lo > hi:
            continue
        blocks = month_blocks(lo, hi)
        label_of = {
            m: _block_label(first, last)
            for first, last in blocks
            for m in aggregate.month_range(first, last)
        }
        part = series.loc[series[MONTH].isin(list(label_of))]
        part = part.assign(blok=part[MONTH].map(label_of))
        rows = [_block_label(f, la) for f, la in blocks]
        truth, keys = (
            _wide(part, "blok", ctx.domains, rows, value=value) for value in (COUNT, CELL_KEY)
        )
        shown_totals = "row" if name == "periode" else "none"
        published = _published(truth, keys, threshold=threshold, shown_totals=shown_totals)
        protected.append(Protected(f"trend {name}", published, truth))
        parts.append(_long_published(published, "blok"))
    long = pd.concat(parts, ignore_index=True)
    fig = charts.bar_chart(
        long.fillna({COUNT: 0}),
        x="blok",
        y=COUNT,
        color=DOMAIN,
        orientation="v",
        title="Signalen per drie maanden",
        y_title="aantal signalen",
    )
    fig.update_layout(barmode="group")
    for trace in fig.data:
        domain = next(
            (d for d in ctx.domains if charts.DOMAIN_LABELS.get(d, d) == trace.name), None
        )
        labels = long.loc[long[DOMAIN] == domain].set_index("blok")["label"]
        texts = [_cell_text(labels.get(b, 0)) for b in trace.x]
        trace.update(
            text=texts,
            textposition="outside",
            customdata=[[b, t] for b, t in zip(trace.x, texts, strict=True)],
        )
    caption = (
        f"Per blok van drie maanden (het laatste blok eindigt in {fmt_month(ctx.end)}); links "
        f"de periode ervoor. '<{threshold}': een beschermd aantal kleiner dan {threshold}."
    )
    return ReportItem(
        key="trend",
        title="Hoe ontwikkelen de signalen zich hier?",
        caption=caption,
        figure=_present(fig),
        size=(1300, 520),
    )


def _neighbour_item(
    pressure: pd.DataFrame,
    published: pd.Series,
    codes: list[str],
    *,
    measure: str,
    name: str,
) -> ReportItem:
    rows = pressure.reindex(codes)
    frame = pd.DataFrame(
        {
            "Gebied": rows["name"].astype(str).to_numpy(),
            "Signalen": [_cell_text(published[c]) for c in codes],
        }
    )
    if measure == "per_1000":
        frame["Per 1.000 inwoners"] = [
            _rate_text(published[c], float(rows["population"].get(c, np.nan))) for c in codes
        ]
    frame["Samenhangsindex"] = [
        "" if pd.isna(v) else fmt_int(v) for v in rows["samenhangsindex"].round(0)
    ]
    return ReportItem(
        key="buren",
        title=f"De buren van {name}",
        caption=(
            "Aangrenzende gebieden met hun signalen in de periode. Geen cijfer per inwoner of "
            "index: minder dan 100 inwoners."
        ),
        table=privacy.neutralise_formulas(frame),
        count_columns=("Signalen",),
    )


def _area_sentences(
    ctx: _Context,
    *,
    name: str,
    level: str,
    pop: float,
    theme_pub: pd.DataFrame,
    row: pd.Series,
) -> list[str]:
    total = privacy.TOTAL_LABEL
    per_domain = " en ".join(f"{_count_phrase(theme_pub.loc[total, d])} {d}" for d in ctx.domains)
    sentences = [
        f"In {fmt_period(ctx.start, ctx.end)} kwamen in {name} "
        f"{_count_phrase(theme_pub.loc[total, total])} signalen binnen"
        + (f": {per_domain}." if len(ctx.domains) > 1 else ".")
    ]
    index = row.get("samenhangsindex")
    if pd.isna(index):
        sentences.append(f"Geen samenhangsindex voor deze {fmt_level(level)}: {row['waarom']}.")
    else:
        basis = (
            f"{fmt_int(pop)} inwoners"
            if pop >= aggregate.MIN_POPULATION
            else "naar aantallen: er zijn geen inwonertallen"
        )
        both = (
            " Sociale én fysieke signalen zijn hier tegelijk hoog." if row.get("beide_hoog") else ""
        )
        sentences.append(f"Samenhangsindex {fmt_int(float(index))} van 100 ({basis}).{both}")
    return sentences


# --- images ------------------------------------------------------------------------------------

_PNG_LOCK = threading.Lock()
PNG_SCALE = 2.0
"""Pixel density of exported charts (2 = sharp on a projector and in print)."""


@contextmanager
def _png_renderer() -> Iterator[None]:
    """One Chromium for a batch of :func:`charts.to_png` calls (kaleido's sync server), started
    and stopped here unless one is already running; serialised by a lock."""
    with _PNG_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument", category=UserWarning)
        try:
            import kaleido
            from kaleido._sync_server import GlobalKaleidoServer
        except ImportError:  # pragma: no cover - older kaleido: one browser per image
            yield
            return
        if not _browser_env():
            yield
            return
        started = not GlobalKaleidoServer().is_running()
        if started:
            kaleido.start_sync_server(silence_warnings=True)
        try:
            yield
        finally:
            if started:
                kaleido.stop_sync_server(silence_warnings=True)


def _browser_env() -> bool:
    """Point kaleido at Debian's Chromium as :func:`charts.to_png` does; False if none."""
    return chromium.point_kaleido()


def chart_pngs(content: ReportContent) -> dict[str, bytes]:
    """PNG bytes of every chart in the content, keyed by file name (``'01_kaart.png'``, ...).

    Rendered once per content (cached on it) at :data:`PNG_SCALE` times the item's size.
    """
    wanted = []
    for number, item in enumerate(content.items, start=1):
        if item.figure is not None:
            wanted.append((f"{number:02d}_{item.key}.png", item.figure, item.size))
        if item.legend is not None:
            side = int(item.legend.layout.width or 300)
            wanted.append((f"{number:02d}_{item.key}_legenda.png", item.legend, (side, side)))
    missing = [w for w in wanted if w[0] not in content._pngs]
    if missing:
        with _png_renderer():
            for name, fig, (width, height) in missing:
                content._pngs[name] = charts.to_png(
                    fig, width=width, height=height, scale=PNG_SCALE
                )
    return {name: content._pngs[name] for name, _, _ in wanted}


def _item_pngs(content: ReportContent) -> list[tuple[bytes | None, bytes | None]]:
    pngs = chart_pngs(content)
    out = []
    for number, item in enumerate(content.items, start=1):
        out.append(
            (
                pngs.get(f"{number:02d}_{item.key}.png"),
                pngs.get(f"{number:02d}_{item.key}_legenda.png"),
            )
        )
    return out


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _fit_widths(natural: Sequence[float], available: float) -> list[float]:
    """Column widths that fill ``available``: natural widths scaled up when they fit, else the
    widest columns capped at one width (they wrap) and the narrow ones kept whole."""
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural]
    ordered = sorted(natural)
    kept = 0.0
    for i, width in enumerate(ordered):
        cap = (available - kept) / (len(ordered) - i)
        if width > cap:
            return [min(w, cap) for w in natural]
        kept += width
    return list(natural)


def _natural_widths(
    table: pd.DataFrame, measure: Callable[[str, bool], float], padding: float
) -> list[float]:
    """Width of the longest text per column (the header in bold) plus the cell padding."""
    return [
        max([measure(str(column), True), *(measure(str(v), False) for v in table[column])])
        + padding
        for column in table.columns
    ]


# --- slides ------------------------------------------------------------------------------------

BANNER_COLOR = "D55E00"
ACCENT_COLOR = "0072B2"


def build_pptx(content: ReportContent, *, template: bytes | Path | None = None) -> bytes:
    """The council deck (see :func:`regie_analytics.deck.build_deck`): native charts, maps as
    pictures with alt text, real tables, speaker notes, in the layouts of python-pptx's
    default master at 16:9 or of ``template`` (a ``.pptx`` file, path or bytes)."""
    from regie_analytics import deck

    return deck.build_deck(content, template=template)


# --- PDF ---------------------------------------------------------------------------------------

_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
)


def _pdf_fonts() -> tuple[str, str]:
    """Register a TrueType font with the Dutch and typographic characters used (–, −, é, ×);
    Helvetica when none is installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "RegieSans" in pdfmetrics.getRegisteredFontNames():
        return "RegieSans", "RegieSans-Bold"
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("RegieSans", regular))
            pdfmetrics.registerFont(TTFont("RegieSans-Bold", bold))
            return "RegieSans", "RegieSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _pdf_text(text: str, font: str) -> str:
    """Escape for reportlab paragraphs; replace what Helvetica cannot show."""
    from xml.sax.saxutils import escape

    if font == "Helvetica":
        text = text.replace("−", "-").replace("≥", ">=")
    return escape(text)


def build_pdf(content: ReportContent) -> bytes:
    """An A4-landscape PDF: a title page, then one page per item. Header with the title and
    filter, footer with source, date and page number, and the demo banner when generated."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _pdf_fonts()
    page_w, page_h = landscape(A4)
    margin = 15 * mm
    banner_h = 8 * mm if content.generated else 0.0
    top_margin = banner_h + 16 * mm
    bottom_margin = 16 * mm
    grey = colors.HexColor("#555555")

    def page_frame(canv: Any, _doc: Any) -> None:
        canv.saveState()
        if content.generated:
            canv.setFillColor(colors.HexColor(f"#{BANNER_COLOR}"))
            canv.rect(0, page_h - banner_h, page_w, banner_h, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            canv.setFont(bold, 12)
            canv.drawCentredString(page_w / 2, page_h - banner_h + 2.6 * mm, DEMO_BANNER)
        canv.setFillColor(grey)
        canv.setFont(regular, 9)
        canv.drawString(margin, page_h - banner_h - 8 * mm, content.title)
        canv.drawRightString(page_w - margin, page_h - banner_h - 8 * mm, content.subtitle)
        canv.setStrokeColor(colors.HexColor("#cccccc"))
        canv.line(margin, bottom_margin - 4 * mm, page_w - margin, bottom_margin - 4 * mm)
        canv.setFont(regular, 8.5)
        canv.drawString(margin, bottom_margin - 9 * mm, content.footer)
        canv.restoreState()

    class NumberedCanvas(canvas.Canvas):
        """Draws 'pagina n van N' once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8.5)
                self.setFillColor(grey)
                self.drawRightString(
                    page_w - margin,
                    bottom_margin - 9 * mm,
                    f"pagina {self._pageNumber} van {count}",
                )
                super().showPage()
            super().save()

    styles = {
        "title": ParagraphStyle(
            "title",
            fontName=bold,
            fontSize=30,
            leading=36,
            textColor=colors.HexColor(f"#{ACCENT_COLOR}"),
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=15, leading=20, textColor=grey
        ),
        "sentence": ParagraphStyle(
            "sentence",
            fontName=regular,
            fontSize=16,
            leading=22,
            leftIndent=14,
            bulletIndent=0,
            spaceAfter=8,
        ),
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=20, leading=24, spaceAfter=6),
        "caption": ParagraphStyle(
            "caption",
            fontName=regular,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#333333"),
            spaceBefore=6,
        ),
        "note": ParagraphStyle("note", fontName=regular, fontSize=10, leading=13, textColor=grey),
    }
    for size in (12, 10):
        styles[f"cell{size}"] = ParagraphStyle(
            f"cell{size}", fontName=regular, fontSize=size, leading=size * 1.25
        )
        styles[f"right{size}"] = ParagraphStyle(
            f"right{size}", fontName=regular, fontSize=size, leading=size * 1.25, alignment=2
        )
        styles[f"head{size}"] = ParagraphStyle(
            f"head{size}",
            fontName=bold,
            fontSize=size,
            leading=size * 1.25,
            textColor=colors.white,
        )

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(_pdf_text(text, regular), styles[style])

    frame_w = page_w - 2 * margin
    frame_h = page_h - top_margin - bottom_margin
    story: list[Any] = [
        Spacer(1, 30 * mm),
        para(content.title, "title"),
        Spacer(1, 4 * mm),
        para(content.subtitle, "subtitle"),
        Spacer(1, 12 * mm),
    ]
    story += [
        Paragraph(_pdf_text(s, regular), styles["sentence"], bulletText="•")
        for s in content.sentences
    ]
    story += [
        Spacer(1, 10 * mm),
        para("Kleine aantallen zijn afgeschermd. " + content.privacy_note, "note"),
    ]

    def image(png: bytes, max_w: float, max_h: float) -> Image:
        px_w, px_h = _png_size(png)
        scale = min(max_w / px_w, max_h / px_h)
        return Image(io.BytesIO(png), width=px_w * scale, height=px_h * scale)

    def table(frame: pd.DataFrame, width: float) -> Table:
        numeric = [
            all(re.fullmatch(r"[\d.,<x%–—-]*", str(v)) for v in frame[c]) for c in frame.columns
        ]
        size = 12 if len(frame) <= 10 else 10  # a long table still fits on one page

        def measure(text: str, is_bold: bool) -> float:
            return float(stringWidth(text, bold if is_bold else regular, size))

        widths = _fit_widths(_natural_widths(frame, measure, 13.0), width)
        data = [[para(str(c), f"head{size}") for c in frame.columns]]
        for _, row in frame.iterrows():
            data.append(
                [
                    para(str(v), f"right{size}" if numeric[j] else f"cell{size}")
                    for j, v in enumerate(row.tolist())
                ]
            )
        result = Table(data, colWidths=widths, repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(f"#{ACCENT_COLOR}")),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f2f2f2")],
                    ),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4 if size == 12 else 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4 if size == 12 else 2.5),
                ]
            )
        )
        return result

    pngs = _item_pngs(content)
    body_h = frame_h - 40 - 45  # heading and caption
    for item, (png, legend) in zip(content.items, pngs, strict=True):
        story += [PageBreak(), para(item.title, "h1")]
        if png is not None and (legend is not None or item.table is not None):
            main = image(png, frame_w * 0.72, body_h)
            side: list[Any] = []
            if legend is not None:
                side.append(image(legend, frame_w * 0.25, frame_w * 0.25))
            if item.table is not None:
                side.append(table(item.table, frame_w * 0.26))
            else:
                side.append(para(item.caption, "caption"))
            story.append(
                Table(
                    [[main, side]],
                    colWidths=[frame_w * 0.73, frame_w * 0.27],
                    style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
                )
            )
            if item.table is not None:
                story.append(para(item.caption, "caption"))
        elif png is not None:
            story += [image(png, frame_w, body_h), para(item.caption, "caption")]
        elif item.table is not None:
            story += [table(item.table, frame_w), para(item.caption, "caption")]
        else:  # nothing to draw or list: the caption says why
            story.append(para(item.caption, "sentence"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(page_w, page_h),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        title=content.title,
        author="Regie Analytics",
        subject=content.subtitle,
    )
    doc.build(story, onFirstPage=page_frame, onLaterPages=page_frame, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


# --- one call ------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    cube: pd.DataFrame
    areas: gpd.GeoDataFrame
    manifest: dict[str, Any]


def build_png_zip(content: ReportContent) -> bytes:
    """A zip with the PNG of every chart."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, png in chart_pngs(content).items():
            archive.writestr(name, png)
    return buffer.getvalue()


def build_report(
    store: Store,
    *,
    fmt: str,
    area: str | None = None,
    period: str | None = None,
    level: str = "buurt",
    themes: Sequence[str] | None = None,
    template: Path | None = None,
) -> bytes:
    """The council report of a store as ``pptx``, ``pdf`` or ``png-zip`` bytes.

    ``period`` is ``'YYYY-MM:YYYY-MM'``; default the last 12 months of data. ``themes``
    limits the report to those themes; ``template`` is a ``.pptx`` whose master the slides
    use (``pptx`` only). Raises :class:`InputError` (Dutch message) for an unknown format,
    area or theme, a bad period or template.
    """
    if fmt not in FORMATS:
        raise InputError(f"onbekend formaat '{fmt}'.", hint=f"kies uit {', '.join(FORMATS)}.")
    if template is not None and fmt != "pptx":
        raise InputError(
            "een sjabloon geldt alleen voor dia's.", hint="gebruik --template met --format pptx."
        )
    loaded = _Loaded(cube=store.cube(), areas=store.areas(), manifest=store.manifest())
    months = aggregate.months_in(loaded.cube)
    if period:
        start, end = aggregate.parse_period(period, months=months)
    else:
        start, end = aggregate.resolve_period(months, "laatste 12 maanden")
    content = collect(loaded, start=start, end=end, area=area, level=level, themes=themes)
    if fmt == "pptx":
        return build_pptx(content, template=template)
    if fmt == "pdf":
        return build_pdf(content)
    return build_png_zip(content)
