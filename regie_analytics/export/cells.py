"""Published cells: protected count tables built from counts and cell keys, and published
counts as text, in a sentence or as a number to sort on.

A published cell is an int (a perturbed count) or a label (``"<5"``, ``"x"``); these helpers
are shared by the municipality and the area report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from regie_analytics import aggregate, cellkey, privacy
from regie_analytics.formatting import fmt_int, fmt_num
from regie_analytics.schema import COUNT, DOMAIN


def cell_text(value: object) -> str:
    """A published count as text: ints with thousands dots, labels as they are."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt_int(float(value))  # type: ignore[arg-type]


def is_number(value: object) -> bool:
    """Whether a published cell is a number (not a label such as ``"<5"``, not missing)."""
    return isinstance(value, int | np.integer) or (
        isinstance(value, float | np.floating) and not math.isnan(value)
    )


def count_phrase(value: object) -> str:
    """A published count inside a sentence."""
    if is_number(value):
        return fmt_int(float(value))  # type: ignore[arg-type]
    return f"minder dan {str(value).lstrip('<')}"


def hidden_mask(published: pd.Series) -> pd.Series:
    """True where a published series holds a label instead of a number."""
    return published.map(lambda v: not is_number(v)).astype(bool)


def published_table(
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


def wide_table(
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


def long_published(published: pd.DataFrame, row: str) -> pd.DataFrame:
    """A protected rows x domains table back to long format (no totals): ``row``, ``domain``,
    ``count`` (NaN where hidden) and ``label`` (the published cell)."""
    body = published.drop(index=privacy.TOTAL_LABEL, columns=privacy.TOTAL_LABEL)
    body.index.name = row
    long = body.reset_index().melt(id_vars=row, var_name=DOMAIN, value_name="label")
    long[COUNT] = [float(v) if is_number(v) else np.nan for v in long["label"]]
    return long


def published_size(cell: object) -> float:
    """A published count as a number to sort on: a label counts as just under its bound."""
    return float(cell) if is_number(cell) else float(str(cell).lstrip("<")) - 0.5  # type: ignore[arg-type]


def rate_text(count: object, pop: float) -> str:
    """A published count per 1.000 inhabitants as text; empty for a label or an area under
    :data:`aggregate.MIN_POPULATION` inhabitants."""
    if not is_number(count) or not pop >= aggregate.MIN_POPULATION:
        return ""
    return fmt_num(float(count) / pop * 1000.0, 1)  # type: ignore[arg-type]
