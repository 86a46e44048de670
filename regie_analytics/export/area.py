"""One area's council profile: the area with its neighbours (map), its themes next to the
municipality's rates, for a wijk or stadsdeel its own finest areas (map and ranking), its
trend (:mod:`~regie_analytics.export.area_trend`), its neighbours (table) and two sentences."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import aggregate, charts, geo, insights, privacy, stats
from regie_analytics.export.area_themes import city_counts, largest_first, theme_item, theme_table
from regie_analytics.export.area_trend import area_trend_item
from regie_analytics.export.cells import (
    cell_text,
    count_phrase,
    hidden_mask,
    published_size,
    published_table,
    rate_text,
)
from regie_analytics.export.content import Protected, ReportContent, ReportItem
from regie_analytics.export.context import (
    ReportContext,
    areas_at,
    level_weights,
    map_measure,
    presented,
    web_areas,
)
from regie_analytics.formatting import fmt_int, fmt_level, fmt_period
from regie_analytics.schema import AREA_CODE, CELL_KEY, DOMAIN, PHYSICAL, SOCIAL, THEME


def area_report(
    ctx: ReportContext,
    *,
    code: str,
    level: str,
    level_areas: gpd.GeoDataFrame,
    subtitle: str,
    **common: Any,
) -> ReportContent:
    """The profile of the area ``code`` at ``level`` (its areas ``level_areas``): map with
    its neighbours, themes, for a wijk or stadsdeel its own areas, trend, neighbours and two
    sentences; ``common`` holds the fields of :class:`ReportContent` both reports share."""
    threshold = ctx.threshold
    name = str(level_areas.at[code, "name"])
    population = level_areas["population"]
    pop = float(population.get(code, np.nan))
    w = level_weights(ctx.data, level_areas, level)
    web = web_areas(ctx.data, level_areas, level)
    now = ctx.cut(AREA_CODE, DOMAIN, start=ctx.start, end=ctx.end)
    pressure = insights.pressure_table(
        now, ctx.areas, level=level, w=w, seed=0, ptable=privacy.PTABLE, level_areas=level_areas
    )
    protected: list[Protected] = []

    # themes x domains of the area, and the same for the whole municipality (for rates)
    themes = ctx.cut(AREA_CODE, DOMAIN, THEME, start=ctx.start, end=ctx.end)
    by_theme = aggregate.roll_up(themes, ctx.areas, level=level, by=(DOMAIN, THEME), keep_keys=True)
    mine = by_theme.loc[by_theme[AREA_CODE] == code]
    theme_truth = theme_table(mine, ctx.domains)
    theme_keys = theme_table(mine, ctx.domains, value=CELL_KEY).reindex(theme_truth.index)
    theme_pub = published_table(
        theme_truth, theme_keys.fillna(0), threshold=threshold, shown_totals="row"
    )
    order = largest_first(theme_pub, theme_truth)
    theme_truth = theme_truth.loc[order]
    theme_pub = theme_pub.loc[[*order, privacy.TOTAL_LABEL]]
    protected.append(Protected("thema's", theme_pub, theme_truth))

    trend_item = area_trend_item(ctx, code=code, level=level, protected=protected)

    # neighbours
    neighbour_codes = stats.neighbours(level_areas, code, w=w)
    exact = aggregate.counts_by_area_domain(now, ctx.areas, level=level, level_areas=level_areas)[
        "totaal"
    ]
    shown = privacy.suppress_counts(pressure["totaal"], threshold=threshold)
    neighbour_pub = shown.reindex(neighbour_codes).rename("signalen")
    protected.append(Protected("buren", neighbour_pub, exact.reindex(neighbour_codes)))
    hidden = hidden_mask(shown)

    measure, label = map_measure(pressure)
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
            figure=presented(map_fig),
        ),
        theme_item(
            theme_pub,
            theme_truth,
            city_counts(by_theme),
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


def _member_items(
    ctx: ReportContext,
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
    fine_areas = areas_at(ctx.data, ctx.areas, fine)
    members = aggregate.member_codes(ctx.areas, level, code)
    pressure = insights.pressure_table(
        now,
        ctx.areas,
        level=fine,
        w=level_weights(ctx.data, fine_areas, fine),
        seed=0,
        clusters=False,
        ptable=privacy.PTABLE,
        level_areas=fine_areas,
    ).reindex(members)
    exact = aggregate.counts_by_area_domain(
        now, ctx.areas, level=fine, level_areas=fine_areas
    ).reindex(members)
    columns = ["totaal", SOCIAL, PHYSICAL]
    shown = privacy.label_small(pressure[columns], threshold=ctx.threshold)
    protected.append(Protected(f"{fine}en in {name}", shown, exact[columns]))
    hidden = hidden_mask(shown["totaal"])
    measure, label = map_measure(pressure)
    plural = f"{fine}en"

    def draw() -> go.Figure:
        fig = charts.choropleth(
            web_areas(ctx.data, fine_areas, fine).loc[members],
            pressure[measure].where(~hidden),
            title=f"{label.capitalize()} per {fine} in {name}",
            label=label,
            suppressed=hidden,
            decimals=1 if measure == "per_1000" else 0,
            height=620,
        )
        return presented(fig)

    order = sorted(
        members,
        key=lambda c: (-published_size(shown.at[c, "totaal"]), str(pressure.at[c, "name"])),
    )
    rows = pressure.loc[order]
    frame = pd.DataFrame(
        {
            "Gebied": rows["name"].astype(str).to_numpy(),
            "Signalen": [cell_text(shown.at[c, "totaal"]) for c in order],
        }
    )
    if measure == "per_1000":
        frame["Per 1.000 inwoners"] = [
            rate_text(shown.at[c, "totaal"], pop)
            for c, pop in zip(order, rows["population"], strict=True)
        ]
    frame["Sociaal"] = [cell_text(shown.at[c, SOCIAL]) for c in order]
    frame["Fysiek"] = [cell_text(shown.at[c, PHYSICAL]) for c in order]
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
            "Signalen": [cell_text(published[c]) for c in codes],
        }
    )
    if measure == "per_1000":
        frame["Per 1.000 inwoners"] = [
            rate_text(published[c], float(rows["population"].get(c, np.nan))) for c in codes
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
    ctx: ReportContext,
    *,
    name: str,
    level: str,
    pop: float,
    theme_pub: pd.DataFrame,
    row: pd.Series,
) -> list[str]:
    total = privacy.TOTAL_LABEL
    per_domain = " en ".join(f"{count_phrase(theme_pub.loc[total, d])} {d}" for d in ctx.domains)
    sentences = [
        f"In {fmt_period(ctx.start, ctx.end)} kwamen in {name} "
        f"{count_phrase(theme_pub.loc[total, total])} signalen binnen"
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
