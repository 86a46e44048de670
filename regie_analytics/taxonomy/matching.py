"""The matching steps: their names, the taxonomy's rows indexed at one level (slugs, or
normalised labels) with what each key leads to, and how many rows each domain got per step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regie_analytics.schema import (
    CATEGORY,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    OTHER,
    SOURCE,
    SUBCATEGORY,
    THEME,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_THEME,
)
from regie_analytics.taxonomy.labels import ANY, _file_key

UNKNOWN_DOMAIN = OTHER
KNOWN = "known"

MATCH = "match"
"""Column of :meth:`Taxonomy.classify`: how a row was classified."""
MATCH_EXACT = "exact"
MATCH_NORMALISED = "normalised"
MATCH_MAIN = "main"
MATCH_GIVEN = "given"
"""Not a step of :meth:`Taxonomy.classify`: an import of counts that names the domain."""
MATCH_LABELS: dict[str, str] = {
    MATCH_EXACT: "exact",
    MATCH_NORMALISED: "genormaliseerd",
    MATCH_MAIN: "alleen hoofdcategorie",
    MATCH_GIVEN: "domein uit het bestand",
    "": "niet herkend",
}
"""Dutch names of the matching steps, for reports."""

_Outcome = tuple[str, str, str]
_UNKNOWN: _Outcome = (UNKNOWN_DOMAIN, UNKNOWN_THEME, UNKNOWN_DEPARTMENT)
_AMBIGUOUS: _Outcome = ("", "", "")


def match_summary(
    classes: pd.DataFrame, *, weights: pd.Series | None = None
) -> dict[str, dict[str, int]]:
    """How many rows (or ``weights``, e.g. signals in counts) each domain got, per matching step.

    Parameters
    ----------
    classes
        The result of :meth:`Taxonomy.classify`.

    Returns
    -------
    dict
        ``{domain: {step: n}}`` with the steps of :data:`MATCH_LABELS` that occur.
    """
    frame = pd.DataFrame(
        {
            DOMAIN: classes[DOMAIN].to_numpy(),
            MATCH: classes[MATCH].to_numpy(),
            COUNT: np.ones(len(classes), dtype=np.int64)
            if weights is None
            else np.asarray(weights, dtype=np.int64),
        }
    )
    sums = frame.groupby([DOMAIN, MATCH], sort=True)[COUNT].sum()
    out: dict[str, dict[str, int]] = {}
    for domain, how, n in zip(
        sums.index.get_level_values(0), sums.index.get_level_values(1), sums.to_numpy(), strict=True
    ):
        if n:
            out.setdefault(str(domain), {})[str(how)] = int(n)
    return out


@dataclass(frozen=True)
class _Index:
    """The taxonomy's rows keyed at one matching level (slugs, or normalised labels).

    Keys that the level makes equal while their rows disagree are ambiguous and match nothing
    at this level.
    """

    key: Callable[[str], str]
    rows: dict[tuple[str, str, str], _Outcome]
    by_sub: dict[str, dict[str, set[_Outcome]]]
    by_theme: dict[str, _Outcome]

    @classmethod
    def build(cls, table: pd.DataFrame, key: Callable[[str], str]) -> _Index:
        rows: dict[tuple[str, str, str], _Outcome] = {}
        by_sub: dict[str, dict[str, set[_Outcome]]] = {}
        departments: dict[str, set[str]] = {}
        themes: dict[str, tuple[str, str]] = {}

        def cell(value: str) -> str:
            return ANY if value == ANY else key(value)

        for src, cat, sub, domain, theme, dept in zip(
            table[SOURCE],
            table[CATEGORY],
            table[SUBCATEGORY],
            table[DOMAIN],
            table[THEME],
            table[DEPARTMENT],
            strict=True,
        ):
            outcome = (domain, theme, dept)
            row = (_file_key(src), cell(cat), cell(sub))
            if not row[1] or not row[2]:
                continue  # a label of stop words only has no normalised key
            rows[row] = outcome if rows.get(row, outcome) == outcome else _AMBIGUOUS
            if row[2] != ANY:
                by_sub.setdefault(row[2], {}).setdefault(row[0], set()).add(outcome)
            theme_key = key(theme)
            if theme_key:
                themes.setdefault(theme_key, (domain, theme))
                departments.setdefault(theme_key, set()).add(dept)
        by_theme = {
            k: (domain, theme, next(iter(departments[k])))
            if len(departments[k]) == 1
            else (domain, theme, UNKNOWN_DEPARTMENT)
            for k, (domain, theme) in themes.items()
        }
        return cls(key=key, rows=rows, by_sub=by_sub, by_theme=by_theme)

    def row(self, *keys: tuple[str, str, str]) -> _Outcome | None:
        """The outcome of the first of ``keys`` that has an unambiguous row."""
        for k in keys:
            found = self.rows.get(k)
            if found is not None:
                return found if found != _AMBIGUOUS else None
        return None

    def sub_outcomes(self, source: str, label: str) -> set[_Outcome]:
        """The outcomes of the rows with ``label`` as subcategory (for ``source``, else ``*``)."""
        per_source = self.by_sub.get(label)
        if not per_source:
            return set()
        return per_source.get(source, set()) if source in per_source else per_source.get(ANY, set())

    def unique_sub(self, source: str, label: str) -> _Outcome | None:
        """The outcome of ``label`` as a subcategory, when all its rows agree."""
        outcomes = self.sub_outcomes(source, label)
        return next(iter(outcomes)) if len(outcomes) == 1 else None

    def domains_of(self, source: str, label: str) -> set[str]:
        """Every domain the taxonomy gives ``label``: as subcategory, main category or theme."""
        found = {outcome[0] for outcome in self.sub_outcomes(source, label)}
        flat = self.row((source, label, ANY), (ANY, label, ANY)) or self.by_theme.get(label)
        if flat is not None:
            found.add(flat[0])
        return found
