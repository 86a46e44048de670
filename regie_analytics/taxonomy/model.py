"""The :class:`Taxonomy` (a validated table; classifying rows, unknown labels, suggestions,
vocabularies; reading, writing and extending it) and :func:`load_taxonomy`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regie_analytics.io.csv_files import read_csv_bytes
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
    InputError,
)
from regie_analytics.taxonomy.labels import (
    _GENERIC_KEYS,
    ANY,
    _data_key,
    _file_key,
    normalise,
    slug,
)
from regie_analytics.taxonomy.matching import (
    _UNKNOWN,
    KNOWN,
    MATCH,
    MATCH_EXACT,
    MATCH_MAIN,
    MATCH_NORMALISED,
    _Index,
    _Outcome,
)
from regie_analytics.taxonomy.suggestions import SCOPE_LABEL, SUGGESTION_CUTOFF, suggest
from regie_analytics.taxonomy.validation import (
    DEPARTMENT_CODES,
    TAXONOMY_COLUMNS,
    TAXONOMY_DOMAINS,
    _text_column,
    _validated,
    validate_domain,
)

DEFAULT_TAXONOMY: Path = data_file("taxonomy/taxonomie.csv")
"""The default taxonomy shipped with the project."""


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
        return suggest(self.table, unknown, score_cutoff=score_cutoff)

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
