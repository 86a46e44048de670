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

Lookup order for a record (source, category, subcategory):

1. ``(source, category, subcategory)``
2. ``(*, category, subcategory)``
3. ``(source, category, *)``
4. ``(*, category, *)``
5. the subcategory label alone, when all rows with that subcategory (for this source or ``*``)
   agree on domain, theme and department (a source may export only the sub label);
6. the category label taken as a subcategory label, under the same condition (Open311 service
   names);
7. the category label taken as a theme name (pre-aggregated counts labelled by theme);
8. otherwise unknown: ``overig`` / ``overig`` / ``onbekend``, ``known`` False.

Labels with HTML or spreadsheet formulas are never interpreted: they are slugged like any label
and simply do not match. In the file itself such cells are refused.

The default file (``data/taxonomy/taxonomie.csv``)
--------------------------------------------------
Generated from Signalen's category tree of Amsterdam (13 main, 125 sub categories) plus the 20
sub categories of Signalen's older backend fixture that are not in that tree.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

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
    UNKNOWN_DEPARTMENT,
    UNKNOWN_THEME,
    InputError,
)

DEFAULT_TAXONOMY: Path = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "taxonomie.csv"
)
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

_Outcome = tuple[str, str, str]
_UNKNOWN: _Outcome = (UNKNOWN_DOMAIN, UNKNOWN_THEME, UNKNOWN_DEPARTMENT)


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
    _exact: dict[tuple[str, str, str], _Outcome] = field(init=False, repr=False)
    _by_sub: dict[str, dict[str, set[_Outcome]]] = field(init=False, repr=False)
    _by_theme: dict[str, _Outcome] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        table = _validated(self.table, file=self.name)
        object.__setattr__(self, "table", table)
        exact: dict[tuple[str, str, str], _Outcome] = {}
        by_sub: dict[str, dict[str, set[_Outcome]]] = {}
        departments: dict[str, set[str]] = {}
        themes: dict[str, tuple[str, str]] = {}
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
            key = (_file_key(src), _file_key(cat), _file_key(sub))
            exact[key] = outcome
            if key[2] != ANY:
                by_sub.setdefault(key[2], {}).setdefault(key[0], set()).add(outcome)
            themes.setdefault(slug(theme), (domain, theme))
            departments.setdefault(slug(theme), set()).add(dept)
        by_theme = {
            key: (domain, theme, next(iter(departments[key])))
            if len(departments[key]) == 1
            else (domain, theme, UNKNOWN_DEPARTMENT)
            for key, (domain, theme) in themes.items()
        }
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_by_sub", by_sub)
        object.__setattr__(self, "_by_theme", by_theme)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Taxonomy):
            return NotImplemented
        return self.table.equals(other.table)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self.to_csv_bytes()).hexdigest())

    # --- lookups ---------------------------------------------------------------------------

    def _unique_sub(self, source: str, label: str) -> _Outcome | None:
        per_source = self._by_sub.get(label)
        if not per_source:
            return None
        outcomes = per_source.get(source) if source else None
        if not outcomes:
            outcomes = per_source.get(ANY)
        if outcomes and len(outcomes) == 1:
            return next(iter(outcomes))
        return None

    def _resolve(self, source: str, category: str, subcategory: str) -> tuple[_Outcome, bool]:
        if category:
            keys = []
            if subcategory:
                keys += [(source, category, subcategory), (ANY, category, subcategory)]
            keys += [(source, category, ANY), (ANY, category, ANY)]
            for key in keys:
                found = self._exact.get(key)
                if found is not None:
                    return found, True
        for label in (subcategory, category):
            if label:
                unique = self._unique_sub(source, label)
                if unique is not None:
                    return unique, True
        if category in self._by_theme:
            return self._by_theme[category], True
        return _UNKNOWN, False

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
            Indexed like ``frame``, columns ``domain``, ``theme``, ``department`` (text) and
            ``known`` (bool; False where the row fell back to ``overig``).
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
        cache: dict[tuple[str, str, str], tuple[_Outcome, bool]] = {}
        results: list[tuple[_Outcome, bool]] = []
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
        columns[KNOWN] = np.array([known for _, known in results], dtype=bool)[combined]
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
        return {theme: domain for domain, theme, _ in self._by_theme.values()}

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
    "REQUIRED_COLUMNS",
    "TAXONOMY_COLUMNS",
    "TAXONOMY_DOMAINS",
    "UNKNOWN_DOMAIN",
    "Taxonomy",
    "load_taxonomy",
    "normalize_domain",
    "slug",
    "validate_domain",
]
