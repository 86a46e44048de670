"""Matching keys of labels: :func:`slug` (case, accents, punctuation) for the exact step and
:func:`normalise` (also Dutch stop words, singular and plural, word order) for the second."""

from __future__ import annotations

import re
import unicodedata

ANY = "*"
"""Wildcard for ``source`` and ``subcategory`` in the taxonomy file."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

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
