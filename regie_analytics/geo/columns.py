"""What the columns of a boundaries file mean: the recognised code, name, population, stadsdeel and
year columns (lower case, finest level first), their values as text or numbers (CBS secrecy
markers as missing), and where the population comes from (:func:`population_text`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics.formatting import fmt_level
from regie_analytics.schema import InputError

# Recognised column names, lower case, finest level first.
CODE_COLUMNS: tuple[str, ...] = (
    "buurtcode",
    "buurt_code",
    "bu_code",
    "cbscode",
    "statcode",
    "gwb_code",
    "area_code",
    "wijkcode",
    "wijk_code",
    "wk_code",
    "wkc",
    "gemeentecode",
    "gemeente_code",
    "gm_code",
    "gmc",
    "code",
)
_COLUMN_LEVEL: dict[str, str] = {
    "buurtcode": "buurt",
    "buurt_code": "buurt",
    "bu_code": "buurt",
    "wijkcode": "wijk",
    "wijk_code": "wijk",
    "wk_code": "wijk",
    "wkc": "wijk",
    "gemeentecode": "gemeente",
    "gemeente_code": "gemeente",
    "gm_code": "gemeente",
    "gmc": "gemeente",
}
_GEMEENTE_COLUMNS = ("gemeentecode", "gemeente_code", "gm_code", "gmc")
_GEMEENTE_NAME_COLUMNS = ("gemeentenaam", "gemeente_naam", "gm_naam", "gmn")
_NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "buurt": ("buurtnaam", "buurt_naam", "bu_naam"),
    "wijk": ("wijknaam", "wijk_naam", "wk_naam", "wkn"),
    "gemeente": _GEMEENTE_NAME_COLUMNS,
}
_GENERIC_NAME_COLUMNS = ("statnaam", "naam", "name", "area_name")
_POPULATION_COLUMNS = ("aantal_inwoners", "aantalinwoners", "aant_inw", "inwoners", "population")
_MEN_COLUMNS = ("mannen", "aant_man", "aantalmannen")
_WOMEN_COLUMNS = ("vrouwen", "aant_vrouw", "aantalvrouwen")
_YEAR_COLUMNS = ("jaar", "jaarstatcode", "jrstatcode")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_STADSDEEL_CODE_COLUMNS = ("stadsdeel_code", "stadsdeelcode", "sd_code")
_STADSDEEL_NAME_COLUMNS = ("stadsdeel_naam", "stadsdeelnaam", "stadsdeel_name", "stadsdeel")
_AREA_HINT = "Geef de kolom met de gebiedscode op met --area-code-column."


def _column_lookup(columns: Any) -> dict[str, str]:
    """Lower-case name -> actual column name (first one wins)."""
    lookup: dict[str, str] = {}
    for column in columns:
        lookup.setdefault(str(column).lower(), str(column))
    return lookup


def _first_column(lookup: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        if candidate in lookup:
            return lookup[candidate]
    return None


def _find_code_column(
    columns: list[str], code_column: str | None, *, file: Path, check: bool = True
) -> str | None:
    lookup = _column_lookup(columns)
    if code_column is not None:
        found = lookup.get(code_column.lower())
        if found is None and check:
            raise InputError(
                f"De opgegeven codekolom '{code_column}' staat niet in het bestand. "
                f"Gevonden kolommen: {', '.join(columns) or '(geen)'}.",
                file=file,
                column=code_column,
                hint=_AREA_HINT,
            )
        return found
    found = _first_column(lookup, CODE_COLUMNS)
    if found is None and check:
        raise InputError(
            "Geen kolom met gebiedscodes gevonden (verwacht bijvoorbeeld buurtcode, wijkcode, "
            f"gemeentecode, cbsCode of statcode). Gevonden kolommen: "
            f"{', '.join(columns) or '(geen)'}.",
            file=file,
            hint=_AREA_HINT,
        )
    return found


def _codes_as_text(values: pd.Series) -> list[str | None]:
    def one(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text or None

    return [one(v) for v in values]


def _numbers(values: pd.Series) -> pd.Series:
    """Numeric values with CBS secrecy markers (negative numbers) as missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.where(numbers >= 0)


def _year(frame: pd.DataFrame, lookup: dict[str, str], names: list[str]) -> int | None:
    """The year of CBS boundaries: a ``jaar`` or ``jaarstatcode`` column (``2021BU...``), else
    a year in the layer or file name; None when none says."""
    column = _first_column(lookup, _YEAR_COLUMNS)
    if column is not None:
        years = {m.group(1) for v in frame[column].dropna() if (m := _YEAR.match(str(v)))}
        if len(years) == 1:
            return int(years.pop())
    for name in names:
        if m := _YEAR.search(name):
            return int(m.group(1))
    return None


def population_text(
    *,
    origin: str,
    file: str,
    column: str | None,
    derived: tuple[str, str] | None,
    n_derived: int,
    n_known: int,
    n_areas: int,
    level: str,
) -> str:
    """Where the population of the areas comes from, in Dutch, as ``info`` and the Data page
    show it after "inwoners: ": ``"CBS 2024, aantal_inwoners"``, ``"afgeleid uit mannen +
    vrouwen (CBS 2021) voor 16 van de 17 buurten; 1 buurt zonder inwonertal (geheim, water of
    niet geleverd)"``, or ``"onbekend: ..."``.

    ``origin`` names the source (``CBS 2024``, a file), ``file`` the file read; ``column`` the
    population column used,
    ``derived`` the two columns (men, women) summed for ``n_derived`` areas where it was
    empty; ``n_known`` of ``n_areas`` areas at ``level`` have a population.
    """
    if n_known == 0:
        return f"onbekend: {file} heeft geen inwonertallen (geen cijfers per 1.000 inwoners)"
    words = fmt_level(level, plural=True)
    if derived is not None and n_derived == n_known:
        text = f"afgeleid uit {derived[0]} + {derived[1]} ({origin})"
        if n_known < n_areas:
            text += f" voor {n_known} van de {n_areas} {words}"
    else:
        text = f"{origin}, {column}"
        if derived is not None and n_derived:
            many = fmt_level(level, plural=n_derived != 1)
            text += f"; voor {n_derived} {many} afgeleid uit {derived[0]} + {derived[1]}"
    missing = n_areas - n_known
    if missing:
        text += (
            f"; {missing} {fmt_level(level, plural=missing != 1)} zonder inwonertal (geheim, "
            "water of niet geleverd)"
        )
    return text


def _population(
    frame: pd.DataFrame, lookup: dict[str, str], *, origin: str, file: str, level: str
) -> tuple[pd.Series, str]:
    """The population per area (CBS secrecy markers as missing; empty ``aantal_inwoners``
    filled from men + women) and :func:`population_text` saying where it came from."""
    total = pd.Series(np.nan, index=frame.index, dtype="float64")
    column = _first_column(lookup, _POPULATION_COLUMNS)
    if column is not None:
        total = _numbers(frame[column])
    men = _first_column(lookup, _MEN_COLUMNS)
    women = _first_column(lookup, _WOMEN_COLUMNS)
    derived: tuple[str, str] | None = None
    n_derived = 0
    if men is not None and women is not None:
        sums = _numbers(frame[men]) + _numbers(frame[women])
        filled = total.isna() & sums.notna()
        n_derived = int(filled.sum())
        derived = (men, women) if n_derived else None
        total = total.where(~filled, sums)
    text = population_text(
        origin=origin,
        file=file,
        column=column,
        derived=derived,
        n_derived=n_derived,
        n_known=int(total.notna().sum()),
        n_areas=len(total),
        level=level,
    )
    return total, text


def _text_column(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series(np.nan, index=frame.index, dtype="str")
    values = frame[column].map(lambda v: None if pd.isna(v) else (str(v).strip() or None))
    return values.astype("str")
