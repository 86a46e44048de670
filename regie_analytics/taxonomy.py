"""Domains, themes and departments: the mapping of source categories onto the data model.

README: the taxonomy file
-------------------------
The taxonomy is a CSV file (UTF-8, ``,``-separated; a ``;``-separated or Windows-1252 file saved
by Excel is read too) that a municipality can edit. One row is one mapping::

    source,category,subcategory,domain,theme,department,department_codes
    *,Afval,Asbest / accu,fysiek,afval,THOR,FB;THO

``source``
    The source system (``open311``, ...) or ``*`` for any source.
``category``, ``subcategory``
    The source's own labels; ``*`` as subcategory means "any subcategory of this category".
    Matching is on :func:`slug`, so ``Asbest / accu`` and ``asbest-accu`` are the same label and
    a source that exports names matches as well as one that exports slugs. Where Signalen's slug
    is not the slug of its name (``bruggen`` for ``Brug``), the file has an extra row with the
    slug as label, with the same mapping.
``domain``
    ``fysiek`` or ``sociaal``. What the taxonomy cannot place is classified ``overig`` (theme
    ``overig``, department ``onbekend``); those two names are reserved.
``theme``
    A short Dutch theme name; a theme belongs to one domain.
``department``
    The department responsible for the work (see below); ``onbekend`` when left empty.
``department_codes``
    Optional: Signalen's department codes for the category, as in Signalen's category tree.

Free text (Signalen's category descriptions) is deliberately not part of the file.

Matching steps for a record (source, category, subcategory), each tried on the exact slug
(:func:`slug`) and then on the normalised label (:func:`normalise`: case, accents,
punctuation, Dutch stop words, singular/plural and word order ignored); the step is reported:

1. the row ``(source, category, subcategory)``, else ``(*, category, subcategory)``; a record
   without subcategory takes ``(source, category, *)``, else ``(*, category, *)``;
2. main category alone, when the subcategory is unknown: ``(source, category, *)``, else
   ``(*, category, *)``;
3. the subcategory label alone, when all rows with that subcategory (for this source or ``*``)
   agree on domain, theme and department (a source may export only the sub label);
4. the category label taken as a subcategory label, under the same condition (Open311 service
   names), or as a theme name (pre-aggregated counts labelled by theme);
5. otherwise unknown: ``overig`` / ``overig`` / ``onbekend``, ``known`` False; fuzzy
   :meth:`Taxonomy.suggestions` are offered, never applied.

Steps 2 to 4 never put a record in a domain that its subcategory has nowhere in the taxonomy
(``Overig / Eenzaamheid`` is not physical because ``Overig`` is): such a record stays unknown
for the analyst to decide. A catch-all subcategory (:data:`GENERIC_WORDS`:
``Overig``, ``Anders``, ...) says nothing and does not count.

Labels with HTML or spreadsheet formulas are never interpreted: they are slugged like any label
and simply do not match. In the file itself such cells are refused.

The default file (``data/taxonomy/taxonomie.csv``)
--------------------------------------------------
Generated from Signalen's category tree of Amsterdam (13 main, 125 sub categories) plus the 20
sub categories of Signalen's older backend fixture that are not in that tree; then rows for the
trees other systems use (Signalen as Assen runs it, Rotterdam's MOR, Fixi-like lists, Open311,
the social domain; sources in ``data/README.md``), appended after Amsterdam's.

Domains and themes:

* Physical main categories are themes with short names: ``afval``, ``civiele constructies``,
  ``openbaar groen en water``, ``overlast bedrijven en horeca``, ``overlast openbare ruimte``,
  ``overlast op het water``, ``overlast van dieren``, ``schoon``, ``wegen en verkeer``, and
  ``overige meldingen`` for Signalen's own ``Overig``.
* ``Wonen`` (woonfraude, onderhuur, leegstand, vakantieverhuur, woningkwaliteit) is domain
  ``sociaal``, theme ``wonen``.
* ``Overlast van en door personen of groepen`` is ``sociaal``, theme ``overlast door personen``;
  its subs about vulnerable people (``Daklozen / bedelen``, ``Drank- / drugsoverlast``) are
  ``zorg en veiligheid``.
* ``Ondermijning`` is ``sociaal``, theme ``zorg en veiligheid``: it is about people and criminal
  networks, handled by Openbare Orde en Veiligheid, not maintenance of public space, and belongs
  with the zorg-en-veiligheid work that a regie on an area brings together.
* Sub categories of the older tree that have since moved to another main category take the theme
  of their current place (``Veeg- / zwerfvuil`` under ``Afval`` is ``schoon``), so that a trend
  does not jump when the tree changes.
* Social-domain themes, each a row ``*, <theme>, *`` so that counts labelled with the theme map:
  ``zorg en ondersteuning`` (Wmo / wijkteam), ``jeugd en gezin`` (Jeugd / wijkteam), ``werk en
  inkomen`` (Werk en Inkomen), ``schulden en armoede`` (Schuldhulpverlening), ``eenzaamheid en
  welzijn`` (Welzijn), ``wonen`` (Wonen), ``overlast door personen`` (Openbare Orde en
  Veiligheid), ``zorg en veiligheid`` (Zorg- en Veiligheidshuis).
* Common Open311 service names (``Pothole``, ``Graffiti``, ``Street Light Out``, ``Illegal
  Dumping``, ``Abandoned Vehicle``, ``Noise``, ``Rodent``, ...) with source ``open311``, mapped
  like their Signalen counterparts.

Department codes and names. Names come from Signalen's departments (its initial-data migration
and the frontend's department fixture): ASC Actie Service Centrum, AEG Afval en Grondstoffen,
STW Stadswerken, THO THOR, WAT Waternet, GGD GGD, VOR Verkeer en Openbare Ruimte (V&OR), OVL V&OR
Openbare Verlichting, VRI V&OR Verkeersregelinstallaties, VIS V&OR VIS, CCA CCA, STL Stadsloket,
OMG Omgevingsdienst, VTH Vergunningverlening, Toezicht en Handhaving, OOV Openbare Orde en
Veiligheid, POL Politie, POA Port of Amsterdam; WON Wonen (the only department of every ``Wonen``
category). FB, AB and PRK are not named anywhere public that we could check and are kept as codes.
The older fixture lists departments by primary key; these follow the order in which Signalen's
migration creates them (1 POA, 2 THO, 3 WAT, 4 STW, 5 AEG, 6 ASC, 7 POL, 8 GGD, 9 VOR, 10 OVL,
11 VRI, 12 CCA, 13 STL, 14 OMG, 15 VTH, 16 FB), which agrees with every category we checked
(animals 8 GGD, water 3 WAT, traffic lights 11 VRI).

Responsible department (column ``department``): the first code in the category's list after
leaving out the coordinating ASC and CCA (they receive and route, other departments do the work);
ASC itself when nothing else is listed. Exceptions, where the first code is not who does the
work: ``Asbest / accu`` (FB;THO) and ``Drank- / drugsoverlast`` (ASC;AB;THO) go to THOR, which
Signalen's department fixture lists for both; ``Oplaadpunt`` (STL;VOR) to V&OR, a technical fault
in street furniture; the older ``Straatverlichting / openbare klok`` (ASC;CCA) to V&OR, like
``Straatverlichting`` and ``Klok`` in the current tree. A main-category row (``*`` as
subcategory) names the department responsible for most of its subs and has no codes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd

from regie_analytics.resources import data_file
from regie_analytics.schema import (
    CATEGORY,
    COUNT,
    DEPARTMENT,
    DOMAIN,
    SOURCE,
    SUBCATEGORY,
    THEME,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_THEME,
    InputError,
)

DEFAULT_TAXONOMY: Path = data_file("taxonomy/taxonomie.csv")
"""The default taxonomy shipped with the project."""

ANY = "*"
"""Wildcard for ``source`` and ``subcategory`` in the taxonomy file."""

TAXONOMY_DOMAINS: tuple[str, ...] = ("fysiek", "sociaal")
"""Domains a mapping may assign (``overig`` is only for what is not mapped)."""

UNKNOWN_DOMAIN = "overig"
KNOWN = "known"
DEPARTMENT_CODES = "department_codes"
REQUIRED_COLUMNS: tuple[str, ...] = (SOURCE, CATEGORY, SUBCATEGORY, DOMAIN, THEME, DEPARTMENT)
TAXONOMY_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, DEPARTMENT_CODES)
"""Columns of the taxonomy file, in the order they are written."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FORMULA = re.compile(r"^[=+\-@]")
_HTML_TAG = re.compile(r"<[^>]*>")
_MAX_DETAILS = 20

_VOWELS = "aeiouy"
_PLURAL_S = ("es", "els", "ems", "ens", "ers", "jes")
_UNSTRESSED = ("el", "em", "en", "er")
_IRREGULAR_PLURALS: dict[str, str] = {
    # plurals in -eren
    "kinderen": "kind",
    "bladeren": "blad",
    "eieren": "ei",
    "runderen": "rund",
    "kalveren": "kalf",
    "lammeren": "lam",
    "goederen": "goed",
    "liederen": "lied",
    # a short vowel in the singular, a long one in the plural
    "wegen": "weg",
    "dagen": "dag",
    "gaten": "gat",
    "daken": "dak",
    "paden": "pad",
    "baden": "bad",
    "glazen": "glas",
    "schepen": "schip",
    "steden": "stad",
    "leden": "lid",
    "gebreken": "gebrek",
    "heden": "heid",
    # not a plural of 'ouder' (parent): the elderly
    "ouderen": "ouderen",
}
"""Dutch plurals (also as the end of a compound: fietspaden) the rules of
:func:`_singular` would get wrong."""

STOP_WORDS: frozenset[str] = frozenset(
    [
        "aan",
        "bij",
        "de",
        "den",
        "der",
        "door",
        "een",
        "en",
        "het",
        "in",
        "is",
        "met",
        "naar",
        "of",
        "op",
        "s",
        "t",
        "te",
        "van",
        "voor",
        "zijn",
    ]
)
"""Dutch words that carry no meaning in a category label; left out by :func:`normalise`."""

GENERIC_WORDS: frozenset[str] = frozenset(
    ["algemeen", "algemene", "anders", "diversen", "general", "onbekend", "other", "overig"]
)
"""Words of a catch-all label: a subcategory of only these (and stop words) says nothing about
where a record belongs, so its main category decides."""

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

_Outcome = tuple[str, str, str]
_UNKNOWN: _Outcome = (UNKNOWN_DOMAIN, UNKNOWN_THEME, UNKNOWN_DEPARTMENT)
_AMBIGUOUS: _Outcome = ("", "", "")
_Choices = dict[str, tuple[str, str, _Outcome]]


def slug(label: str) -> str:
    """Return the matching key of a label.

    Lowercase, accents stripped (Unicode NFKD), every run of characters other than ``a-z`` and
    ``0-9`` replaced by ``-``, leading and trailing ``-`` removed: ``"Asbest / accu"`` becomes
    ``"asbest-accu"``.
    """
    text = unicodedata.normalize("NFKD", str(label).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("-", text).strip("-")


def _file_key(value: str) -> str:
    """Key of a taxonomy cell: the wildcard stays a wildcard, anything else is slugged."""
    return ANY if value == ANY else slug(value)


def _data_key(value: object) -> str:
    """Key of a (non-missing) data label; a literal ``*`` slugs to "" and is no wildcard."""
    return slug(str(value))


def _long_vowel(stem: str) -> str:
    """``stem`` with its last vowel doubled when Dutch spelling wrote a long vowel single.

    In an open syllable a long vowel is written once (boom, bomen; straat, straten; openbaar,
    openbare), so a stem ending in consonant, one ``a``/``e``/``o``/``u``, consonant gets it
    back; the unstressed endings ``-el``, ``-em``, ``-en``, ``-er`` of longer stems do not.
    """
    if len(stem) < 3 or stem[-1] in _VOWELS or stem[-2] not in "aeou" or stem[-3] in _VOWELS:
        return stem
    if len(stem) > 3 and stem.endswith(_UNSTRESSED):
        return stem
    return stem[:-1] + stem[-2] + stem[-1]


def _singular(word: str) -> str:
    """One Dutch word in the form its singular and plural (or inflected) forms share.

    Irregular plurals come from :data:`_IRREGULAR_PLURALS`. Otherwise ``-en`` is cut when it
    follows a consonant (bruggen: brug, bomen: boom, bedrijven: bedrijf, huizen: huis), ``-s``
    after ``-e``, ``-el``, ``-em``, ``-en``, ``-er`` or ``-je`` (kades, containers), and a final
    ``-e`` after a consonant (openbare: openbaar, kapotte: kapot). The result is a matching key,
    never shown. Only a word and its own plural meet: ``boom`` and ``bom``, ``tak`` and ``taak``,
    ``park`` and ``parkeren``, ``ouder`` and ``ouderen`` stay apart.
    """
    if word.isdigit():
        return word
    for plural, singular in _IRREGULAR_PLURALS.items():
        if word.endswith(plural):
            return word[: -len(plural)] + singular
    if len(word) >= 5 and word.endswith("en") and word[-3] not in _VOWELS:
        stem = word[:-2]
        if stem[-1] == stem[-2]:
            return stem[:-1]
        stem = _long_vowel(stem)
        return stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
    w = word[:-1] if len(word) >= 5 and word.endswith(_PLURAL_S) else word
    if len(w) >= 4 and w.endswith("e") and w[-2] not in _VOWELS:
        w = w[:-1]
        return w[:-1] if w[-1] == w[-2] else _long_vowel(w)
    return w


def normalise(label: str) -> str:
    """Return the normalised matching key of a label (the second matching step).

    On top of :func:`slug` (case, accents, punctuation): Dutch stop words (``en``, ``of``,
    ``de``, ``het``, ``van``, ``in``, ...) are dropped, every word is put in the form its
    singular and plural share (:func:`_singular`) and the words are sorted, so that ``Wegen,
    verkeer en straatmeubilair`` meets ``Wegen, verkeer, straatmeubilair``, ``Overlast Dier``
    meets ``Overlast van dieren`` and ``Onderhoud straat, fietspad en stoep`` meets
    ``Onderhoud stoep, straat en fietspad``. A label of stop words only has no key (``""``).
    """
    words = [w for w in slug(label).split("-") if w and w not in STOP_WORDS]
    return "-".join(sorted({_singular(w) for w in words}))


_GENERIC_KEYS = frozenset(normalise(word) for word in GENERIC_WORDS)


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


def _validated(frame: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Check a taxonomy table and return it normalised (text columns, stripped, in file order).

    Raises
    ------
    InputError
        Naming the file, the spreadsheet row (header = row 1) and the column of the first
        problem, with the others in ``details``.
    """
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
    records = table.to_dict("records")
    for pos, rec in enumerate(records):
        row = pos + 2
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
                _Problem(
                    row, THEME, "het thema is leeg.", "geef elke regel een thema, bv. 'afval'."
                )
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
            else:
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
                            f"het thema '{theme}' is in rij {first_row} gespeld als "
                            f"'{first_theme}'.",
                            "schrijf een thema overal op dezelfde manier.",
                        )
                    )
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


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """A validated taxonomy: which (source, category, subcategory) belongs to which theme.

    Parameters
    ----------
    table
        The mappings, columns :data:`TAXONOMY_COLUMNS` (``department_codes`` may be missing).
        It is validated and normalised on construction; treat it as read-only.
    name
        File name used in error messages.
    """

    table: pd.DataFrame
    name: str = "taxonomie.csv"
    _levels: tuple[tuple[str, _Index], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        table = _validated(self.table, file=self.name)
        object.__setattr__(self, "table", table)
        levels = (
            (MATCH_EXACT, _Index.build(table, slug)),
            (MATCH_NORMALISED, _Index.build(table, normalise)),
        )
        object.__setattr__(self, "_levels", levels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Taxonomy):
            return NotImplemented
        return self.table.equals(other.table)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self.to_csv_bytes()).hexdigest())

    # --- lookups ---------------------------------------------------------------------------

    def _resolve(self, source: str, category: str, subcategory: str) -> tuple[_Outcome, str]:
        """Outcome and matching step of one record; labels are slugs (see the module doc)."""
        for how, index in self._levels:
            cat = index.key(category)
            sub = index.key(subcategory)
            if cat and sub:
                found = index.row((source, cat, sub), (ANY, cat, sub))
            elif cat and not subcategory:
                found = index.row((source, cat, ANY), (ANY, cat, ANY))
            else:
                found = None
            if found is not None:
                return found, how
        # From here on the record's own (category, subcategory) is not in the taxonomy. What
        # the subcategory says elsewhere in the taxonomy bounds what the category alone may
        # decide: never the other domain (Overig / Eenzaamheid). A catch-all subcategory
        # (Overig, Anders) says nothing.
        allowed: set[str] = set()
        if subcategory and not set(normalise(subcategory).split("-")) <= _GENERIC_KEYS:
            allowed = self._domains_of_label(source, subcategory)
        candidates: list[tuple[_Outcome | None, str]] = []
        if subcategory:
            for _, index in self._levels:
                cat = index.key(category)
                found = index.row((source, cat, ANY), (ANY, cat, ANY)) if cat else None
                candidates.append((found, MATCH_MAIN))
            for how, index in self._levels:
                key = index.key(subcategory)
                candidates.append((index.unique_sub(source, key) if key else None, how))
        for how, index in self._levels:
            key = index.key(category)
            candidates.append((index.unique_sub(source, key) if key else None, how))
            candidates.append((index.by_theme.get(key) if key else None, how))
        for found, how in candidates:
            if found is not None:
                return (found, how) if not allowed or found[0] in allowed else (_UNKNOWN, "")
        return _UNKNOWN, ""

    def _domains_of_label(self, source: str, label: str) -> set[str]:
        """The domains a label has anywhere in the taxonomy, matched exactly or normalised."""
        found: set[str] = set()
        for _, index in self._levels:
            key = index.key(label)
            if key:
                found |= index.domains_of(source, key)
        return found

    def classify(
        self,
        frame: pd.DataFrame,
        *,
        source_column: str = SOURCE,
        category_column: str = CATEGORY,
        subcategory_column: str = SUBCATEGORY,
    ) -> pd.DataFrame:
        """Domain, theme and department of every row of ``frame``.

        Missing source or subcategory columns count as empty. The work is done once per unique
        (source, category, subcategory) combination and broadcast back, so a million rows take
        a fraction of a second.

        Returns
        -------
        DataFrame
            Indexed like ``frame``, columns ``domain``, ``theme``, ``department`` (text),
            ``known`` (bool; False where the row fell back to ``overig``) and ``match``: the
            matching step, ``exact``, ``normalised``, ``main`` (main category alone) or ``""``
            (not recognised).
        """
        if category_column not in frame.columns and subcategory_column not in frame.columns:
            raise InputError(
                f"de kolom '{category_column}' ontbreekt, dus er valt niets in te delen.",
                column=category_column,
                hint="geef aan welke kolom de categorie bevat.",
            )
        n = len(frame)
        parts: list[tuple[np.ndarray, list[str]]] = []
        for column in (source_column, category_column, subcategory_column):
            if column in frame.columns:
                codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
                keys = ["", *(_data_key(v) for v in uniques)]
                codes = codes.astype(np.int64) + 1
            else:
                codes, keys = np.zeros(n, dtype=np.int64), [""]
            parts.append((codes, keys))
        # combine the three code columns pairwise, re-factorising to keep the numbers small
        combined, first_uniques = pd.factorize(parts[0][0] * len(parts[1][1]) + parts[1][0])
        combined, pair_uniques = pd.factorize(
            combined.astype(np.int64) * len(parts[2][1]) + parts[2][0]
        )
        n_keys = (len(parts[1][1]), len(parts[2][1]))
        cache: dict[tuple[str, str, str], tuple[_Outcome, str]] = {}
        results: list[tuple[_Outcome, str]] = []
        for value in pair_uniques:
            pair, i_sub = divmod(int(value), n_keys[1])
            i_src, i_cat = divmod(int(first_uniques[pair]), n_keys[0])
            key = (parts[0][1][i_src], parts[1][1][i_cat], parts[2][1][i_sub])
            if key not in cache:
                cache[key] = self._resolve(*key)
            results.append(cache[key])
        columns: dict[str, object] = {}
        for pos, col in enumerate((DOMAIN, THEME, DEPARTMENT)):
            values = [outcome[pos] for outcome, _ in results]
            columns[col] = pd.array(values, dtype="str").take(combined)
        matches = [how for _, how in results]
        columns[KNOWN] = np.array([how != "" for how in matches], dtype=bool)[combined]
        columns[MATCH] = pd.array(matches, dtype="str").take(combined)
        return pd.DataFrame(columns, index=frame.index)

    def unknown_categories(
        self,
        frame: pd.DataFrame,
        *,
        source_column: str = SOURCE,
        category_column: str = CATEGORY,
        subcategory_column: str = SUBCATEGORY,
    ) -> pd.DataFrame:
        """The (source, category, subcategory) combinations that do not map, with row counts.

        Returns
        -------
        DataFrame
            Columns ``source``, ``category``, ``subcategory``, ``count``, most frequent first;
            empty when everything maps.
        """
        known = self.classify(
            frame,
            source_column=source_column,
            category_column=category_column,
            subcategory_column=subcategory_column,
        )[KNOWN].to_numpy()
        out = pd.DataFrame(index=pd.RangeIndex(int((~known).sum())))
        for col, name in (
            (source_column, SOURCE),
            (category_column, CATEGORY),
            (subcategory_column, SUBCATEGORY),
        ):
            values = frame[col].to_numpy()[~known] if col in frame.columns else None
            out[name] = pd.Series(values, dtype="str") if values is not None else ""
        counts = out.value_counts(dropna=False, sort=True).rename(COUNT).reset_index()
        return counts.astype({SOURCE: "str", CATEGORY: "str", SUBCATEGORY: "str", COUNT: "int64"})

    def suggestions(
        self, unknown: pd.DataFrame, *, score_cutoff: float = SUGGESTION_CUTOFF
    ) -> pd.DataFrame:
        """Fuzzy suggestions for labels that no matching step recognised; nothing is applied.

        Labels are compared by their normalised words (:func:`_similarity`: a typo or a
        compound counts, one shared word between longer labels does not), and the best match
        at ``score_cutoff`` or above is suggested:

        1. the whole label with every row of the taxonomy, and the subcategory alone with
           every label the taxonomy knows (a known sub under a main category that does not
           fit it); the suggestion is for this label (``scope`` ``label``);
        2. otherwise the main category alone with the main categories; the suggestion is for
           the whole main category (``scope`` ``category``), as it is for a label without
           subcategory.

        Labels that could not be written to a taxonomy file (formulas, HTML, no letters) get
        no suggestion.

        Parameters
        ----------
        unknown
            Columns ``category``, optional ``subcategory``, ``source`` and ``count``, one row
            per unknown label (as :meth:`unknown_categories` gives).

        Returns
        -------
        DataFrame
            Columns :data:`SUGGESTION_COLUMNS`, most frequent label first: the label, the
            taxonomy row it resembles (``suggested_subcategory`` is ``*`` for a main category),
            that row's domain, theme and department, the similarity ``score`` (0-100) and the
            ``scope`` an accepted suggestion gets (``label``: this category and subcategory;
            ``category``: the category with any subcategory).
        """
        from rapidfuzz import process

        full, labels, main = self._fuzzy_choices()
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

    def _fuzzy_choices(self) -> tuple[_Choices, _Choices, _Choices]:
        """Normalised words to the taxonomy row they come from: of every whole row, of every
        single label (a subcategory, or a main category of a ``*`` row), of every main
        category."""
        full: _Choices = {}
        labels: _Choices = {}
        main: _Choices = {}
        for cat, sub, domain, theme, dept in zip(
            self.table[CATEGORY],
            self.table[SUBCATEGORY],
            self.table[DOMAIN],
            self.table[THEME],
            self.table[DEPARTMENT],
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

    def with_suggestions(self, suggestions: pd.DataFrame) -> Taxonomy:
        """A new taxonomy with accepted :meth:`suggestions` added as rows (for any source).

        A suggestion of scope ``label`` is added for its category and subcategory, one of
        scope ``category`` as ``category, *`` (every subcategory of that category).
        """
        if suggestions.empty:
            return self
        sub = suggestions[SUBCATEGORY].astype("str").fillna("")
        own_sub = (suggestions["scope"] == SCOPE_LABEL).to_numpy() & (sub != "").to_numpy()
        rows = pd.DataFrame(
            {
                SOURCE: ANY,
                CATEGORY: suggestions[CATEGORY].astype("str").to_numpy(),
                SUBCATEGORY: np.where(own_sub, sub.to_numpy(), ANY),
                DOMAIN: suggestions[DOMAIN].to_numpy(),
                THEME: suggestions[THEME].to_numpy(),
                DEPARTMENT: suggestions[DEPARTMENT].to_numpy(),
            }
        ).drop_duplicates(subset=[CATEGORY, SUBCATEGORY])
        return self.with_mappings(rows)

    # --- vocabularies ----------------------------------------------------------------------

    def themes(self, domain: str | None = None) -> list[str]:
        """Theme names, alphabetically; only those of ``domain`` when given."""
        table = self.table if domain is None else self.table[self.table[DOMAIN] == domain]
        return sorted(set(table[THEME]))

    def domains(self) -> list[str]:
        """The domains that occur, in the order ``fysiek``, ``sociaal``."""
        present = set(self.table[DOMAIN])
        return [d for d in TAXONOMY_DOMAINS if d in present]

    def departments(self) -> list[str]:
        """Department names, alphabetically."""
        return sorted(set(self.table[DEPARTMENT]))

    @property
    def theme_domain(self) -> dict[str, str]:
        """Theme name to its domain."""
        return {theme: domain for domain, theme, _ in self._levels[0][1].by_theme.values()}

    validate_domain = staticmethod(validate_domain)

    # --- files -----------------------------------------------------------------------------

    def to_csv_bytes(self) -> bytes:
        """The taxonomy as a CSV file (UTF-8 with BOM so that Excel shows accents)."""
        text = self.table.to_csv(index=False, lineterminator="\n")
        return ("\ufeff" + text).encode("utf-8")

    @classmethod
    def from_csv_bytes(cls, data: bytes, *, name: str) -> Taxonomy:
        """Read and validate an uploaded taxonomy file.

        Raises
        ------
        InputError
            When the file cannot be read or a row is invalid; the message names the row.
        """
        # imported here: the import presets in regie_analytics.io use this module
        from regie_analytics.io.readers import read_csv_bytes

        raw = read_csv_bytes(data, name=name)
        return cls(raw.frame, name=name)

    def with_mappings(self, rows: pd.DataFrame) -> Taxonomy:
        """A new taxonomy with ``rows`` added; a row with an existing key replaces that row.

        ``rows`` needs ``category``, ``domain`` and ``theme``; ``source`` and ``subcategory``
        default to ``*``, ``department`` to ``onbekend``.
        """
        extra = rows.copy()
        for col, default in (
            (SOURCE, ANY),
            (SUBCATEGORY, ANY),
            (DEPARTMENT, UNKNOWN_DEPARTMENT),
            (DEPARTMENT_CODES, ""),
        ):
            if col not in extra.columns:
                extra[col] = default
            else:
                text = _text_column(extra[col])
                extra[col] = text.where(text != "", default)
        new = _validated(extra, file="nieuwe koppelingen")
        positions = {
            (_file_key(s), _file_key(c), _file_key(u)): i
            for i, (s, c, u) in enumerate(
                zip(self.table[SOURCE], self.table[CATEGORY], self.table[SUBCATEGORY], strict=True)
            )
        }
        merged = self.table.copy()
        appended = []
        for rec in new.to_dict("records"):
            key = (_file_key(rec[SOURCE]), _file_key(rec[CATEGORY]), _file_key(rec[SUBCATEGORY]))
            if key in positions:
                merged.iloc[positions[key]] = [rec[c] for c in TAXONOMY_COLUMNS]
            else:
                appended.append(rec)
        if appended:
            merged = pd.concat([merged, pd.DataFrame(appended)], ignore_index=True)
        return Taxonomy(merged, name=self.name)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file; the default taxonomy when ``path`` is None.

    Raises
    ------
    InputError
        When the file is missing or invalid; the message names the file, row and column.
    """
    target = DEFAULT_TAXONOMY if path is None else Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise InputError(
            "het taxonomiebestand kan niet worden gelezen.",
            file=target,
            hint="kies een bestaand CSV-bestand, of laat het leeg voor de standaardtaxonomie.",
        ) from exc
    return Taxonomy.from_csv_bytes(data, name=str(target))


__all__ = [
    "ANY",
    "DEFAULT_TAXONOMY",
    "DEPARTMENT_CODES",
    "KNOWN",
    "MATCH",
    "MATCH_LABELS",
    "REQUIRED_COLUMNS",
    "STOP_WORDS",
    "SUGGESTION_COLUMNS",
    "TAXONOMY_COLUMNS",
    "TAXONOMY_DOMAINS",
    "UNKNOWN_DOMAIN",
    "Taxonomy",
    "load_taxonomy",
    "match_summary",
    "normalise",
    "normalize_domain",
    "slug",
    "validate_domain",
]
