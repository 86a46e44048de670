"""Fuzzy suggestions for labels no matching step recognised (:meth:`Taxonomy.suggestions`):
labels compared by their normalised words, a typo or a compound counting; never applied."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie_analytics.schema import (
    CATEGORY,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    SOURCE,
    SUBCATEGORY,
    THEME,
)
from regie_analytics.taxonomy.labels import ANY, normalise, slug
from regie_analytics.taxonomy.matching import _Outcome
from regie_analytics.taxonomy.validation import _FORMULA, _HTML_TAG

SUGGESTION_CUTOFF = 75.0
"""Lowest similarity (0-100, see :func:`_similarity`) that makes a suggestion."""
MAX_SUGGESTED = 200
"""Suggestions are looked for for this many unknown labels (the most frequent first)."""
SCOPE_LABEL = "label"
SCOPE_CATEGORY = "category"
SUGGESTION_COLUMNS: tuple[str, ...] = (
    SOURCE,
    CATEGORY,
    SUBCATEGORY,
    COUNT,
    "suggested_category",
    "suggested_subcategory",
    DOMAIN,
    THEME,
    DEPARTMENT,
    "score",
    "scope",
)
"""Columns of :meth:`Taxonomy.suggestions`."""

_Choices = dict[str, tuple[str, str, _Outcome]]


def _plain(value: object) -> str:
    """A label cell as stripped text; missing values are ""."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _writable(label: str) -> bool:
    """Whether ``label`` can be written as a taxonomy cell (see the file's validation)."""
    return (
        bool(slug(label))
        and label != ANY
        and not (_FORMULA.match(label) or _HTML_TAG.search(label))
    )


def _words(label: str) -> str:
    """The normalised words of a label, space-separated (for fuzzy comparison)."""
    return normalise(label).replace("-", " ")


def _weight(word: str) -> int:
    """What a word counts in :func:`_similarity`: its letters, but at least five, so that a
    short word one label has and the other lacks (rat, put, vol) is not nearly free."""
    return max(len(word), 5)


def _covered(words: list[str], others: list[str]) -> float:
    """How much of ``words`` (weighted, :func:`_weight`) ``others`` cover: the same word, or
    one within a typo of it (rapidfuzz ratio 80 or more, counted at that ratio), or a
    compound's last part (tegel covers half of stoeptegel, and stoeptegel all of tegel)."""
    from rapidfuzz import fuzz

    total = 0.0
    for word in words:
        best = 0.0
        for other in others:
            if word == other or (len(word) >= 4 and other.endswith(word)):
                best = 1.0
                break
            if len(other) >= 4 and word.endswith(other):
                best = max(best, len(other) / len(word))
            ratio = fuzz.ratio(word, other) / 100
            if ratio >= 0.8:
                best = max(best, ratio)
        total += best * _weight(word)
    return total


def _similarity(a: str, b: str, **_: object) -> float:
    """Similarity (0-100) of two labels' normalised words, space-separated: the weighted share
    of the words of both that the other covers (see :func:`_covered`). A word that one label
    has and the other lacks costs its weight, so one shared word between longer labels scores
    low (``Lantaarnpaal kapot`` and ``Container glas kapot``: 28)."""
    left, right = a.split(), b.split()
    weights = sum(map(_weight, left)) + sum(map(_weight, right))
    if not weights:
        return 0.0
    return 100 * (_covered(left, right) + _covered(right, left)) / weights


def suggest(
    table: pd.DataFrame, unknown: pd.DataFrame, *, score_cutoff: float = SUGGESTION_CUTOFF
) -> pd.DataFrame:
    """The suggestions of a taxonomy's ``table`` for ``unknown`` labels (see
    :meth:`regie_analytics.taxonomy.Taxonomy.suggestions`)."""
    from rapidfuzz import process

    full, labels, main = _fuzzy_choices(table)
    out = []
    if COUNT in unknown.columns:
        unknown = unknown.sort_values(COUNT, ascending=False, kind="stable")
    for rec in unknown.head(MAX_SUGGESTED).to_dict("records"):
        category = _plain(rec.get(CATEGORY))
        subcategory = _plain(rec.get(SUBCATEGORY))
        if not _writable(category) or (subcategory and not _writable(subcategory)):
            continue
        if subcategory:
            steps = [
                (
                    (f"{_words(category)} {_words(subcategory)}", full),
                    (_words(subcategory), labels),
                ),
                ((_words(category), main),),
            ]
        else:
            steps = [((_words(category), full), (_words(category), labels))]
        found = None
        for step, attempts in enumerate(steps):
            for query, choices in attempts:
                best = process.extractOne(
                    query, list(choices), scorer=_similarity, score_cutoff=score_cutoff
                )
                if best is not None and (found is None or best[1] > found[1]):
                    found = (choices[best[0]], best[1], step)
            if found is not None:
                break
        if found is None:
            continue
        target, score, step = found
        out.append(
            {
                SOURCE: _plain(rec.get(SOURCE)),
                CATEGORY: category,
                SUBCATEGORY: subcategory,
                COUNT: int(rec.get(COUNT, 0) or 0),
                "suggested_category": target[0],
                "suggested_subcategory": target[1],
                DOMAIN: target[2][0],
                THEME: target[2][1],
                DEPARTMENT: target[2][2],
                "score": round(float(score)),
                "scope": SCOPE_LABEL if subcategory and step == 0 else SCOPE_CATEGORY,
            }
        )
    table = pd.DataFrame(out, columns=list(SUGGESTION_COLUMNS))
    table = table.sort_values(COUNT, ascending=False, kind="stable", ignore_index=True)
    return table.astype({COUNT: "int64", "score": "int64"})


def _fuzzy_choices(table: pd.DataFrame) -> tuple[_Choices, _Choices, _Choices]:
    """Normalised words to the taxonomy row they come from: of every whole row, of every
    single label (a subcategory, or a main category of a ``*`` row), of every main
    category."""
    full: _Choices = {}
    labels: _Choices = {}
    main: _Choices = {}
    for cat, sub, domain, theme, dept in zip(
        table[CATEGORY],
        table[SUBCATEGORY],
        table[DOMAIN],
        table[THEME],
        table[DEPARTMENT],
        strict=True,
    ):
        row = (cat, sub, (domain, theme, dept))
        if sub == ANY:
            full.setdefault(_words(cat), row)
            labels.setdefault(_words(cat), row)
            main.setdefault(_words(cat), row)
        else:
            full.setdefault(f"{_words(cat)} {_words(sub)}", row)
            labels.setdefault(_words(sub), row)
    return full, labels, main
