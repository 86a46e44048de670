"""The taxonomy file's columns and their checks: every problem named by row and column, and
which values are a valid domain."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pandas as pd

from regie_analytics.schema import (
    CATEGORY,
    CLASSIFIED_DOMAINS,
    DEPARTMENT,
    DOMAIN,
    SOURCE,
    SUBCATEGORY,
    THEME,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_THEME,
    InputError,
)
from regie_analytics.taxonomy.labels import ANY, _file_key, slug

TAXONOMY_DOMAINS: tuple[str, ...] = CLASSIFIED_DOMAINS
"""Domains a mapping may assign (``overig`` is only for what is not mapped)."""

DEPARTMENT_CODES = "department_codes"
REQUIRED_COLUMNS: tuple[str, ...] = (SOURCE, CATEGORY, SUBCATEGORY, DOMAIN, THEME, DEPARTMENT)
TAXONOMY_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, DEPARTMENT_CODES)
"""Columns of the taxonomy file, in the order they are written."""

_FORMULA = re.compile(r"^[=+\-@]")
_HTML_TAG = re.compile(r"<[^>]*>")
_MAX_DETAILS = 20


@overload
def validate_domain(values: pd.Series) -> pd.Series: ...
@overload
def validate_domain(values: Iterable[object]) -> np.ndarray: ...
def validate_domain(values: pd.Series | Iterable[object]) -> pd.Series | np.ndarray:
    """Boolean mask of values that are a valid domain (``fysiek`` or ``sociaal``).

    Case and surrounding spaces are ignored (``" Fysiek"`` is valid); use
    :func:`normalize_domain` to get the spelling to store. A Series gives a Series with the same
    index, anything else a numpy array.
    """
    normalized = normalize_domain(
        pd.Series(values) if not isinstance(values, pd.Series) else values
    )
    mask = normalized.notna()
    if isinstance(values, pd.Series):
        return mask
    return mask.to_numpy(dtype=bool)


def normalize_domain(values: pd.Series) -> pd.Series:
    """Return ``fysiek``/``sociaal`` for valid domain values (any case, spaces), else missing."""
    text = values.astype("str").str.strip().str.casefold()
    valid = values.notna() & text.isin(TAXONOMY_DOMAINS)
    return text.where(valid, None).astype("str")


@dataclass(frozen=True)
class _Problem:
    row: int | None
    column: str | None
    message: str
    hint: str

    def line(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _raise(problems: list[_Problem], *, file: str) -> None:
    if not problems:
        return
    first = problems[0]
    details = [p.line() for p in problems[1 : 1 + _MAX_DETAILS]]
    if len(problems) > 1 + _MAX_DETAILS:
        details.append(f"en nog {len(problems) - 1 - _MAX_DETAILS} andere problemen")
    raise InputError(
        first.message,
        file=file,
        row=first.row,
        column=first.column,
        hint=first.hint,
        details=details,
    )


def _text_column(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "").astype("str").str.strip()


def _check_header(frame: pd.DataFrame, *, file: str) -> dict[str, Any]:
    """The file's columns by their lower-case name; refused without the required ones or
    without rows."""
    headers = {str(col).strip().casefold(): col for col in frame.columns}
    missing = [col for col in REQUIRED_COLUMNS if col not in headers]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        _raise(
            [
                _Problem(
                    1,
                    missing[0],
                    f"de kolom {names} ontbreekt."
                    if len(missing) == 1
                    else f"de kolommen {names} ontbreken.",
                    "een taxonomie heeft de kolommen "
                    + ", ".join(REQUIRED_COLUMNS)
                    + " (en eventueel department_codes); zet ze in de kopregel.",
                )
            ],
            file=file,
        )
    if frame.empty:
        _raise(
            [_Problem(2, None, "de taxonomie bevat geen regels.", "voeg minstens één regel toe.")],
            file=file,
        )
    return headers


def _cell_problems(rec: Mapping[Hashable, Any], row: int) -> list[_Problem]:
    """Formulas or HTML in any cell, and empty or meaningless source, category and
    subcategory cells."""
    problems: list[_Problem] = []
    for col in TAXONOMY_COLUMNS:
        value = rec[col]
        if _FORMULA.match(value) or _HTML_TAG.search(value):
            problems.append(
                _Problem(
                    row,
                    col,
                    f"'{value[:40]}' lijkt een formule of HTML en wordt niet gebruikt.",
                    "typ de tekst zonder '=', '+', '-', '@' aan het begin en zonder '<...>'.",
                )
            )
    for col, hint in (
        (SOURCE, "vul de naam van het bronsysteem in, of * voor elke bron."),
        (CATEGORY, "vul de categorie in zoals de bron die noemt."),
        (SUBCATEGORY, "vul de subcategorie in, of * voor elke subcategorie."),
    ):
        value = rec[col]
        if value == "":
            problems.append(_Problem(row, col, "de cel is leeg.", hint))
        elif _file_key(value) == "" or (col == CATEGORY and value == ANY):
            problems.append(
                _Problem(
                    row,
                    col,
                    f"'{value}' bevat geen letters of cijfers en kan niets herkennen.",
                    hint,
                )
            )
    return problems


def _theme_problems(
    rec: Mapping[Hashable, Any], row: int, theme_first: dict[str, tuple[str, str, int]]
) -> list[_Problem]:
    """The domain and theme of a row: a known domain, a theme that is not empty or reserved,
    and one domain and one spelling per theme (``theme_first`` remembers each theme's first
    row)."""
    problems: list[_Problem] = []
    domain = rec[DOMAIN]
    if domain not in TAXONOMY_DOMAINS:
        problems.append(
            _Problem(
                row,
                DOMAIN,
                f"het domein '{domain}' bestaat niet." if domain else "het domein is leeg.",
                "gebruik 'fysiek' of 'sociaal'.",
            )
        )
    theme = rec[THEME]
    theme_key = slug(theme)
    if theme_key == "":
        problems.append(
            _Problem(row, THEME, "het thema is leeg.", "geef elke regel een thema, bv. 'afval'.")
        )
    elif theme_key == slug(UNKNOWN_THEME):
        problems.append(
            _Problem(
                row,
                THEME,
                f"het thema '{theme}' is gereserveerd voor wat nog niet is ingedeeld.",
                "kies een thema dat zegt waar het over gaat, bv. 'overige meldingen'.",
            )
        )
    elif domain in TAXONOMY_DOMAINS:
        if theme_key not in theme_first:
            theme_first[theme_key] = (theme, domain, row)
            return problems
        first_theme, first_domain, first_row = theme_first[theme_key]
        if first_domain != domain:
            problems.append(
                _Problem(
                    row,
                    DOMAIN,
                    f"het thema '{theme}' staat in rij {first_row} onder domein "
                    f"'{first_domain}' en hier onder '{domain}'.",
                    "een thema hoort bij één domein; pas het domein of het thema aan.",
                )
            )
        elif first_theme != theme:
            problems.append(
                _Problem(
                    row,
                    THEME,
                    f"het thema '{theme}' is in rij {first_row} gespeld als '{first_theme}'.",
                    "schrijf een thema overal op dezelfde manier.",
                )
            )
    return problems


def _validated(frame: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Check a taxonomy table and return it normalised (text columns, stripped, in file order).

    Raises
    ------
    InputError
        Naming the file, the spreadsheet row (header = row 1) and the column of the first
        problem, with the others in ``details``.
    """
    headers = _check_header(frame, file=file)
    table = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in TAXONOMY_COLUMNS:
        if col in headers:
            table[col] = _text_column(frame[headers[col]]).to_numpy()
        else:
            table[col] = ""
    table = table.astype("str")
    table[DOMAIN] = table[DOMAIN].str.casefold()
    table[DEPARTMENT] = table[DEPARTMENT].where(table[DEPARTMENT] != "", UNKNOWN_DEPARTMENT)

    problems: list[_Problem] = []
    seen_keys: dict[tuple[str, str, str], int] = {}
    theme_first: dict[str, tuple[str, str, int]] = {}
    for pos, rec in enumerate(table.to_dict("records")):
        row = pos + 2
        problems += _cell_problems(rec, row)
        problems += _theme_problems(rec, row, theme_first)
        key = (_file_key(rec[SOURCE]), _file_key(rec[CATEGORY]), _file_key(rec[SUBCATEGORY]))
        if "" in key:
            continue
        if key in seen_keys:
            problems.append(
                _Problem(
                    row,
                    CATEGORY,
                    "dezelfde combinatie van source, category en subcategory staat al in rij "
                    f"{seen_keys[key]} (hoofdletters, accenten en leestekens tellen niet mee).",
                    "houd één van de twee regels over.",
                )
            )
        else:
            seen_keys[key] = row
    problems.sort(key=lambda p: (p.row or 0, TAXONOMY_COLUMNS.index(p.column or SOURCE)))
    _raise(problems, file=file)
    return table
