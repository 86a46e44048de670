"""Dutch number and date formatting, and the house palettes (colour-blind safe).

``fmt_int(1234) == "1.234"``, ``fmt_num(1234.5, 1) == "1.234,5"``,
``fmt_month("2025-03") == "mrt 2025"``, ``fmt_date(pd.Timestamp("2025-03-03")) == "3 mrt 2025"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

MONTHS_SHORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTHS_LONG = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
DOMAIN_COLORS = {"fysiek": "#0072B2", "sociaal": "#E69F00", "overig": "#999999"}
CATEGORICAL = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
SEQUENTIAL = "cividis"
"""Sequential colour scale for choropleths (perceptually uniform, colour-blind safe)."""
SUPPRESSED_COLOR = "#a3a3a3"
"""Grey for areas with too few observations ("te weinig waarnemingen")."""


LEVEL_NOUNS: dict[str, tuple[str, str]] = {
    "buurt": ("buurt", "buurten"),
    "wijk": ("wijk", "wijken"),
    "stadsdeel": ("stadsdeel", "stadsdelen"),
    "gemeente": ("gemeente", "gemeenten"),
}
"""Each area level's word, singular and plural: the one spelling for every text."""


def fmt_level(level: str, *, plural: bool = False) -> str:
    """The word for an area level: ``fmt_level("wijk", plural=True) == "wijken"``; an
    unknown level is a ``gebied``."""
    one, many = LEVEL_NOUNS.get(level, ("gebied", "gebieden"))
    return many if plural else one


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return value is pd.NaT or value is pd.NA


def fmt_int(value: float | int | None, *, missing: str = "–") -> str:
    """An integer with a dot as thousands separator: 1234567 -> '1.234.567'."""
    if _is_missing(value):
        return missing
    return f"{round(float(value)):,}".replace(",", ".")  # type: ignore[arg-type]


def fmt_count(value: int, one: str, many: str) -> str:
    """A number with its noun, singular or plural: '1 voorstel', '1.234 voorstellen'."""
    return f"{fmt_int(value)} {one if value == 1 else many}"


def fmt_levels(counts: dict[str, int]) -> str:
    """``{"wijk": 8, "gemeente": 1}`` -> ``'8 wijken, 1 gemeente'``: areas per level."""
    return ", ".join(
        fmt_count(n, fmt_level(level), fmt_level(level, plural=True)) for level, n in counts.items()
    )


def fmt_num(value: float | int | None, decimals: int = 1, *, missing: str = "–") -> str:
    """A number with a decimal comma and thousands dots: 1234.5 -> '1.234,5'."""
    if _is_missing(value) or (isinstance(value, float) and math.isinf(value)):
        return missing
    text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


MAX_TABLE_DECIMALS = 2
"""Decimals shown in a table column whose numbers were not rounded to fewer."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def column_decimals(values: pd.Series) -> int:
    """The decimals a table column needs: as few as show every (finite) number in it exactly,
    at most :data:`MAX_TABLE_DECIMALS` (``[1.0, 2.5]`` -> 1, ``[3, 4]`` -> 0)."""
    numbers = np.asarray([float(v) for v in values if _is_number(v)], dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    for decimals in range(MAX_TABLE_DECIMALS):
        if np.allclose(numbers, numbers.round(decimals), rtol=0, atol=1e-9):
            return decimals
    return MAX_TABLE_DECIMALS


def _cell_formatter(decimals: int, missing: str) -> Callable[[object], str]:
    def cell(value: object) -> str:
        if _is_missing(value):
            return missing
        return fmt_num(value, decimals, missing=missing) if _is_number(value) else str(value)  # type: ignore[arg-type]

    return cell


_DUTCH_NUMBER = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,(\d+))?$")
"""A number as :func:`fmt_num` and :func:`fmt_int` write it: ``1.234``, ``289,7``, ``-2``."""
MAX_LABELS = 3
"""Different texts (``"<5"``, ``""``) a column of numbers may hold and still sort by value."""
_LABEL = re.compile(r"^(?:|[–—-]|([<>≤≥]) ?\d+(?:,\d+)?)$")
"""A cell a column of numbers may hold as text: empty, a dash, a bound such as ``<5`` or
``<0,1``."""


def _sortable(values: pd.Series) -> tuple[pd.Series, pd.Series, int] | None:
    """A column of numbers written as text (as :func:`fmt_num` writes them) or mixed with a
    few labels (:data:`_LABEL`: a protected count ``"<5"``, an empty cell), as numbers to
    sort by: (the numbers; the labels, missing elsewhere; the decimals the texts were
    written with). None for a column that is not numbers.

    A bound sorts below every number (``<5``: ``-inf``) or above (``>``: ``inf``), never as
    a value it could have; an empty cell or a dash is missing. The browser's grid shows a
    missing cell as its placeholder, so a bound cannot be missing to read as itself."""
    numbers = np.full(len(values), np.nan)
    labels: list[object] = [None] * len(values)
    decimals, found, bounded = 0, False, False
    for position, value in enumerate(values.tolist()):
        if _is_missing(value):
            continue
        if _is_number(value):
            numbers[position], found = float(value), True
            continue
        text = str(value)
        match = _DUTCH_NUMBER.match(text.strip())
        if match:
            numbers[position] = float(text.strip().replace(".", "").replace(",", "."))
            decimals, found = max(decimals, len(match.group(1) or "")), True
            continue
        label = _LABEL.match(text.strip())
        if label is None:
            return None  # words: a column of text
        labels[position] = text
        if label.group(1):
            numbers[position] = -np.inf if label.group(1) in "<≤" else np.inf
            bounded = True
    shown = pd.Series(labels, index=values.index, dtype=object)
    if not (found or bounded) or shown.dropna().nunique() > MAX_LABELS:  # bounds alone: counts
        return None
    finite = numbers[np.isfinite(numbers)]
    if not bounded and np.array_equal(finite, finite.round()):  # counts: whole numbers
        whole = pd.array(np.where(np.isfinite(numbers), numbers, 0).astype("int64"), dtype="Int64")
        whole[np.isnan(numbers)] = pd.NA
        return pd.Series(whole, index=values.index), shown, decimals
    return pd.Series(numbers, index=values.index), shown, decimals


def _constant(text: str) -> Callable[[object], str]:
    def cell(_: object) -> str:
        return text

    return cell


def dutch_numbers(
    frame: pd.DataFrame, *, decimals: Mapping[str, int] | None = None, missing: str = "–"
) -> Styler:
    """``frame`` for the screen with Dutch notation in every browser: ``150.542`` and
    ``12,5``, whatever the browser's language. The numbers stay numbers, so a column sorts
    by value: also a column that mixes counts with ``"<5"`` or holds numbers written as Dutch
    text (``"289,7"``) is sent as numbers and shown as it was written (``"<5"`` as ``-inf``,
    never as a value it could have, see :func:`_sortable`). Every column with numbers in it
    gets the ``decimals`` given for it, or as few as show its numbers; a missing value reads
    ``missing``. Codes (a column named ``...code...``) stay text."""
    given = dict(decimals or {})
    data = frame.copy(deep=False)
    unique = frame.index.is_unique and frame.columns.is_unique
    formatters: dict[Any, str | Callable[[object], str] | None] = {}
    labelled: list[tuple[Any, pd.Series]] = []
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_numeric_dtype(values):
            places = given.get(str(column), column_decimals(values))
            formatters[column] = _cell_formatter(places, missing)
            continue
        written = (
            _sortable(values)
            if unique and "code" not in str(column).casefold() and values.dtype != "category"
            else None
        )
        if written is None:
            if values.dtype == object and any(_is_number(v) for v in values):
                places = given.get(str(column), column_decimals(values))
                formatters[column] = _cell_formatter(places, missing)
            continue
        numbers, labels, places = written
        data.isetitem(position, numbers.array)
        places = given.get(str(column), max(places, column_decimals(numbers)))
        formatters[column] = _cell_formatter(places, missing)
        labelled.append((column, labels))
    styler = data.style.format(formatters, na_rep=missing)
    for column, labels in labelled:
        for text in labels.dropna().unique():
            rows = (labels == text).to_numpy()
            styler = styler.format(_constant(str(text)), subset=(rows, [column]))
    return styler


def fmt_pct(value: float | None, decimals: int = 0, *, signed: bool = False) -> str:
    """A fraction as a Dutch percentage: 0.125 -> '12,5%' (or '+12,5%' when signed)."""
    if _is_missing(value):
        return "–"
    text = fmt_num(100 * float(value), decimals)  # type: ignore[arg-type]
    if signed and float(value) > 0:  # type: ignore[arg-type]
        text = "+" + text
    return text + "%"


def fmt_change(new: float, old: float) -> str:
    """Relative change in Dutch: '+12%', '−3%', '0%' (also for less than half a percent
    either way), 'nieuw' when the old value is 0."""
    if old == 0:
        return "nieuw" if new > 0 else "0%"
    text = fmt_pct((new - old) / old, 0, signed=True)
    return "0%" if text in ("-0%", "+0%") else text.replace("-", "−")


def fmt_difference(new: float, old: float) -> str:
    """An absolute change in Dutch: ``'+5'``, ``'−3'``, ``'0'``."""
    difference = round(float(new) - float(old))
    return "0" if difference == 0 else f"{difference:+,d}".replace(",", ".").replace("-", "−")


def change_direction(new: float, old: float) -> str:
    """Which way :func:`fmt_change` says the figure went: ``"up"``, ``"down"``, or ``"off"``
    when it reads ``0%`` (no arrow for no change)."""
    if fmt_change(new, old) == "0%":
        return "off"
    return "up" if new > old else "down"


def fmt_month(month: str, *, long: bool = False) -> str:
    """'2025-03' -> 'mrt 2025' (or 'maart 2025')."""
    year, number = month.split("-")[:2]
    names = MONTHS_LONG if long else MONTHS_SHORT
    return f"{names[int(number) - 1]} {year}"


def fmt_period(start: str, end: str) -> str:
    """'2025-01', '2025-03' -> 'jan 2025 – mrt 2025' (one month: 'jan 2025')."""
    if start == end:
        return fmt_month(start)
    return f"{fmt_month(start)} – {fmt_month(end)}"


def fmt_date(value: date | datetime | pd.Timestamp | None) -> str:
    """A date as '3 mrt 2025'."""
    if _is_missing(value):
        return "–"
    assert value is not None
    return f"{value.day} {MONTHS_SHORT[value.month - 1]} {value.year}"


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>$~|&]|:(?=\S))")
"""Characters that start Markdown inside a line: emphasis, code, links and images (``[``),
autolinks (``<``, and ``:`` in ``http://``), LaTeX (``$``), Streamlit's ``:red[...]``."""
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
"""What starts Markdown at the start of a line: headings, quotes, lists, underlines."""


def plain_text(text: object) -> str:
    """``text`` escaped for Markdown (Streamlit's ``st.markdown``, captions, titles, messages),
    so that it is shown literally: a label from data never becomes a link, an image, LaTeX,
    emphasis or a heading. Each line stays a line."""
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    escaped = (_MARKDOWN_INLINE.sub(r"\\\1", line) for line in lines)
    return "  \n".join(_MARKDOWN_LINE_START.sub(_escape_line_start, line) for line in escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    space, mark = match.group(1), match.group(2)
    # "12." is escaped at its point ("12\."), a heading or list mark before the mark ("\#")
    return f"{space}{mark}\\" if mark[0].isdigit() else f"{space}\\{mark}"
