"""The trend of one area: its signals per block of three months (counted back from the last
month) and domain, the report period next to the period before, as grouped bars with value
labels; a small block reads "<5" and is drawn as an empty bar."""

from __future__ import annotations

import pandas as pd

from regie_analytics import aggregate, charts, insights
from regie_analytics.export.cells import cell_text, long_published, published_table, wide_table
from regie_analytics.export.content import Protected, ReportItem
from regie_analytics.export.context import ReportContext, presented
from regie_analytics.formatting import fmt_month
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, DOMAIN, MONTH

BLOCK_MONTHS = 3
"""Months per bar in the trend of a single area."""


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


def area_trend_item(
    ctx: ReportContext,
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
    members = aggregate.member_codes(ctx.areas, level, code)
    series, _ = insights.area_series(
        ctx.cut(AREA_CODE, MONTH, DOMAIN, area_codes=members),  # every month: its domains
        ctx.areas,
        level=level,
        code=code,
        whole=ctx.cut(MONTH, located=True),
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
            wide_table(part, "blok", ctx.domains, rows, value=value) for value in (COUNT, CELL_KEY)
        )
        shown_totals = "row" if name == "periode" else "none"
        published = published_table(truth, keys, threshold=threshold, shown_totals=shown_totals)
        protected.append(Protected(f"trend {name}", published, truth))
        parts.append(long_published(published, "blok"))
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
        texts = [cell_text(labels.get(b, 0)) for b in trace.x]
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
        figure=presented(fig),
        size=(1300, 520),
    )
