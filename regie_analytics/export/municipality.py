"""The municipality's council report: where signals come in (map), where social and physical
signals go together (bivariate map), how they develop (trend per month) and the areas that
need an integrated approach (top list); the headline sentences."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import aggregate, charts, geo, insights, privacy
from regie_analytics.export.cells import (
    cell_text,
    count_phrase,
    hidden_mask,
    is_number,
    long_published,
    published_table,
    wide_table,
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
from regie_analytics.formatting import fmt_int, fmt_period
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    CLASSIFIED_DOMAINS,
    COUNT,
    DOMAIN,
    MONTH,
    PHYSICAL,
    SOCIAL,
)


def municipality_report(
    ctx: ReportContext,
    *,
    level: str,
    n_top: int,
    subtitle: str,
    overview: insights.Overview | None,
    **common: Any,
) -> ReportContent:
    """The municipality's report at ``level``: map, samenhang map (both domains selected and
    a samenhangsindex possible), trend, top list (both domains) and headline sentences;
    ``common`` holds the fields of :class:`ReportContent` both reports share."""
    threshold = ctx.threshold
    level_areas = areas_at(ctx.data, ctx.areas, level)
    web = web_areas(ctx.data, level_areas, level)
    now = ctx.cut(AREA_CODE, DOMAIN, start=ctx.start, end=ctx.end)
    if overview is None:
        first, last = aggregate.previous_period(ctx.start, ctx.end)
        overview = insights.overview(
            now,
            ctx.areas,
            start=ctx.start,
            end=ctx.end,
            level=level,
            w=level_weights(ctx.data, level_areas, level),
            n_top=n_top,
            selected=ctx.domains,
            available=ctx.available,
            ptable=privacy.PTABLE,
            level_areas=level_areas,
            before=ctx.cut(AREA_CODE, DOMAIN, start=first, end=last),
            has_previous=not ctx.cut(MONTH, start=first, end=first).empty,
        )
    ov = overview
    pressure = ov.pressure  # perturbed counts, and everything computed from them
    exact = aggregate.counts_by_area_domain(now, ctx.areas, level=level, level_areas=level_areas)
    protected: list[Protected] = []

    # counts per area (the map), per domain (the samenhang map) and the top list
    shown = privacy.label_small(pressure[["totaal", SOCIAL, PHYSICAL]], threshold=threshold)
    for column, name in (("totaal", "signalen"), (SOCIAL, SOCIAL), (PHYSICAL, PHYSICAL)):
        protected.append(Protected(f"{name} per gebied", shown[column], exact[column]))
    hidden_total = hidden_mask(shown["totaal"])
    hidden_domain = hidden_mask(shown[SOCIAL]) | hidden_mask(shown[PHYSICAL])
    top_pub = shown.loc[ov.top.index, [SOCIAL, PHYSICAL]]
    protected.append(Protected("top", top_pub, exact.loc[ov.top.index, [SOCIAL, PHYSICAL]]))

    # the trend per period; its totals per domain are the headline's figures
    prev_start, prev_end, start, end = ctx.window
    trend_parts = []
    period_pub: dict[str, pd.DataFrame] = {}
    located = ctx.cut(MONTH, DOMAIN, located=True)  # every month: the domains with signals
    for name, (lo, hi) in (("vorige periode", (prev_start, prev_end)), ("periode", (start, end))):
        if lo > hi:
            continue
        monthly = insights.domain_monthly(located, start=lo, end=hi, keep_keys=True)
        month_truth, month_keys = (
            wide_table(monthly, MONTH, ctx.domains, aggregate.month_range(lo, hi), value=value)
            for value in (COUNT, CELL_KEY)
        )
        month_pub = published_table(
            month_truth, month_keys, threshold=threshold, shown_totals="row"
        )
        protected.append(Protected(f"trend {name}", month_pub, month_truth))
        period_pub[name] = month_pub
        trend_parts.append(long_published(month_pub, MONTH))
    trend = pd.concat(trend_parts, ignore_index=True)

    items = [
        _map_item(pressure, web, hidden_total, level=level),
    ]
    both_domains = set(CLASSIFIED_DOMAINS) <= set(ctx.domains)
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
    if all(is_number(v) for v in headline):
        sentences = list(ov.sentences)
    else:
        total = period_pub["periode"].loc[privacy.TOTAL_LABEL, privacy.TOTAL_LABEL]
        sentences = [
            f"In {fmt_period(ctx.start, ctx.end)} kwamen {count_phrase(total)} signalen "
            "binnen. Kleine aantallen zijn afgeschermd."
        ]
    if ov.size_note:
        sentences.append(ov.size_note)
    gemeente = _gemeente_name(ctx)
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


def _gemeente_name(ctx: ReportContext) -> str:
    if "gemeente" not in geo.available_levels(ctx.areas):
        return ""
    names = areas_at(ctx.data, ctx.areas, "gemeente")["name"].dropna().astype(str)
    return names.iloc[0] if len(names) == 1 else ""


def _map_item(
    pressure: pd.DataFrame, web: gpd.GeoDataFrame, hidden: pd.Series, *, level: str
) -> ReportItem:
    measure, label = map_measure(pressure)
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
        return presented(fig)

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
        return presented(fig)

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
        return presented(fig)

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
            "Sociaal": [cell_text(v) for v in body[SOCIAL]],
            "Fysiek": [cell_text(v) for v in body[PHYSICAL]],
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
