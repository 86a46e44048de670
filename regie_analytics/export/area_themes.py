"""One area's themes: its counts per theme and domain as published, ordered by their
published size, with rates per 1.000 inhabitants next to the municipality's and an index
(gemeente = 100)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from regie_analytics import aggregate, cellkey, privacy
from regie_analytics.export.cells import cell_text, published_size, rate_text
from regie_analytics.export.content import ReportItem
from regie_analytics.formatting import fmt_int, fmt_num
from regie_analytics.schema import CELL_KEY, COUNT, DOMAIN, THEME


def city_counts(by_theme: pd.DataFrame) -> pd.Series:
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


def theme_table(rows: pd.DataFrame, domains: Sequence[str], *, value: str = COUNT) -> pd.DataFrame:
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


def largest_first(published: pd.DataFrame, truth: pd.DataFrame) -> list[str]:
    """The themes by domain, largest published count first (a label counts as just under its
    bound): an order by the true counts would tell which of two close counts is larger."""

    domains = list(truth.columns)
    rank = []
    for theme in truth.index:
        domain = str(truth.loc[theme].idxmax())
        rank.append(
            (domains.index(domain), -published_size(published.loc[theme, domain]), str(theme))
        )
    return [theme for _, _, theme in sorted(rank)]


def theme_item(
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
    perturbed counts, see :func:`city_counts`)."""
    with_rates = pop >= aggregate.MIN_POPULATION and city_pop > 0
    rows: list[dict[str, str]] = []

    def add(label_domain: str, theme: str, cell: object, city_count: float) -> None:
        row = {"Domein": label_domain, "Thema": theme, "Aantal": cell_text(cell)}
        if with_rates:
            area_rate = rate_text(cell, pop)
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
