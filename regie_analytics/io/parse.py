"""Vectorised parsing of text columns: dates, months, numbers, ids and labels.

How a column is written is decided from the whole column, never value by value: whether a
date has the day or the month first (``03-04-2025``), and whether ``1.000`` is a thousand
(Dutch) or one (English). A column is read in batches; a *profile* (:class:`DateOrder`,
:class:`Notation`) collects the evidence of every batch, then decides, and the values are
parsed with that decision. A column that mixes notations, or whose order cannot be decided,
is refused with :class:`ColumnError`, naming the rows that show it.

Each parser returns the parsed values and a boolean mask of values that were present but could
not be parsed, so the caller can name the rows in its report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LOCAL_TZ = "Europe/Amsterdam"
DATE_ORDERS = ("dmy", "mdy")
"""Orders of a numeric date: day-month-year (Dutch) or month-day-year (American)."""

_DUTCH_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mrt": 3,
    "maa": 3,
    "apr": 4,
    "mei": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}


class ColumnError(ValueError):
    """A column that cannot be read as a whole (mixed or ambiguous notation).

    ``file`` and ``row`` name the first example (``row`` is the record's ``_row`` when the
    profile was given the batch as ``origin``, else its index label).
    """

    def __init__(self, message: str, *, file: str | None, row: int, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.hint = hint


Evidence = tuple[str | None, int, str]
"""Where a value was seen (file, row) and the value itself."""


def _present(values: pd.Series) -> np.ndarray:
    text = values.astype("str")
    return (values.notna() & (text.str.strip() != "")).to_numpy()


def _first(mask: pd.Series, text: pd.Series, origin: pd.DataFrame | None) -> Evidence | None:
    """The first value where ``mask`` holds, with its file and row from ``origin`` (a frame
    with ``_file`` and ``_row`` sharing ``text``'s index), else its index label."""
    hits = mask.to_numpy(dtype=bool, na_value=False)
    if not hits.any():
        return None
    at = int(np.flatnonzero(hits)[0])
    label = text.index[at : at + 1]
    value = str(text.iloc[at])
    if origin is None:
        return None, int(np.asarray(label)[0]), value
    where = origin.loc[label]
    return str(where["_file"].iloc[0]), int(np.asarray(where["_row"])[0]), value


def _keep_first(current: Evidence | None, new: Evidence | None) -> Evidence | None:
    return current if current is not None else new


def _where(evidence: Evidence, *, other: Evidence | None = None) -> str:
    """'rij 3', with the file when two examples come from different files."""
    file, row, _ = evidence
    if file is None or other is None or other[0] == file:
        return f"rij {row}"
    return f"{file}, rij {row}"


# --- dates -------------------------------------------------------------------------------------
_NUMERIC_DATE = (
    r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?$"
)
_ISO_START = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_PLAIN_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"
"""ISO 8601 without offset, spaces or fractions (``2024-12-31 14:05:00``): how most exports
write a date. One regex in Arrow picks these rows, parsed in one go as the general path would
(:func:`_iso` without an offset); the other rows take the general path."""


def _plain_iso(values: pd.Series) -> np.ndarray:
    """Rows holding a plain ISO date (:data:`_PLAIN_ISO`); none when the column is not text."""
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return np.zeros(len(values), dtype=bool)
    matched = pc.fill_null(pc.match_substring_regex(array, _PLAIN_ISO), False)
    return np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class DateOrder:
    """Evidence for the order of day and month in a column of numeric dates.

    ``13-02-2025`` can only be day-first, ``02-13-2025`` only month-first; ``03-04-2025`` is
    either. Feed every batch to :meth:`update`, then :meth:`decide`.
    """

    day_first: Evidence | None = None
    month_first: Evidence | None = None
    either: Evidence | None = None

    def update(self, values: pd.Series, *, origin: pd.DataFrame | None = None) -> None:
        """Collect the evidence of one batch (``origin``: see :func:`_first`)."""
        plain = _plain_iso(values)  # never a numeric date
        if plain.all():
            return
        text = values[~plain].astype("str").str.strip()
        numeric = text.str.match(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", na=False)
        if not numeric.any():
            return
        text = text[numeric]
        parts = text.str.extract(r"^(\d{1,2})[-/.](\d{1,2})")
        a = pd.to_numeric(parts[0]).to_numpy()
        b = pd.to_numeric(parts[1]).to_numpy()
        self.day_first = _keep_first(
            self.day_first, _first(pd.Series((a > 12) & (b <= 12)), text, origin)
        )
        self.month_first = _keep_first(
            self.month_first, _first(pd.Series((b > 12) & (a <= 12)), text, origin)
        )
        self.either = _keep_first(
            self.either, _first(pd.Series((a <= 12) & (b <= 12) & (a != b)), text, origin)
        )

    def decide(self, forced: str | None = None) -> str:
        """``dmy`` or ``mdy``; ``forced`` (the user's choice) wins.

        Raises
        ------
        ColumnError
            When the column has both orders, or only dates that fit either.
        """
        if forced is not None:
            return forced
        if self.day_first is not None and self.month_first is not None:
            day, month = self.day_first, self.month_first
            raise ColumnError(
                f"in deze kolom staan datums met de dag eerst ({_where(day, other=month)}: "
                f"'{day[2]}') én met de maand eerst ({_where(month, other=day)}: "
                f"'{month[2]}'); de volgorde is per rij anders.",
                file=day[0],
                row=day[1],
                hint="exporteer de datums in één notatie, liefst JJJJ-MM-DD.",
            )
        if self.month_first is not None:
            return "mdy"
        if self.day_first is None and self.either is not None:
            either = self.either
            raise ColumnError(
                "de volgorde van dag en maand is niet te bepalen: elke datum past in beide "
                f"({_where(either)}: '{either[2]}' kan dag-maand of maand-dag zijn).",
                file=either[0],
                row=either[1],
                hint="exporteer de datums als JJJJ-MM-DD, of geef de volgorde op "
                "(opdrachtregel: --date-order dmy voor dag-maand of mdy voor maand-dag; "
                "pagina Data: 'Volgorde van dag en maand').",
            )
        return "dmy"


def _iso(text: pd.Series) -> pd.Series:
    """ISO 8601 values; those with an offset are converted to local naive time."""
    slashed = text.str.match(r"^\d{4}/", na=False)
    if slashed.any():  # 2024/12/31 (a regex replace is slow: only where needed)
        text = text.mask(slashed, text[slashed].str.replace("/", "-", regex=False))
    has_offset = text.str.contains(_OFFSET, regex=True, na=False).to_numpy()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", errors="coerce", utc=True)
        local = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        out[has_offset] = local.astype("datetime64[us]").to_numpy()
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], format="ISO8601", errors="coerce")
        out[~has_offset] = naive.astype("datetime64[us]").to_numpy()
    return out


def _numeric(text: pd.Series, order: str) -> pd.Series:
    parts = text.str.extract(_NUMERIC_DATE)
    day, month = (parts[0], parts[1]) if order == "dmy" else (parts[1], parts[0])
    iso = (
        parts[2]
        + "-"
        + month.str.zfill(2)
        + "-"
        + day.str.zfill(2)
        + "T"
        + parts[3].fillna("0").str.zfill(2)
        + ":"
        + parts[4].fillna("00")
        + ":"
        + parts[5].fillna("00")
    )
    parsed = pd.to_datetime(iso, format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return parsed.astype("datetime64[us]")


def _arrow_iso(text: pd.Series) -> np.ndarray | None:
    """Plain ISO dates (:data:`_PLAIN_ISO`, every value one) parsed by Arrow in one go, as
    ``datetime64[us]``; None when one of them is no date (then pandas finds which)."""
    try:
        array = pa.array(text, type=pa.string(), from_pandas=True)
        stamps = pc.cast(array, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[us]")


def parse_datetimes(values: pd.Series, *, order: str = "dmy") -> tuple[pd.Series, np.ndarray]:
    """Parse a text column of dates in local (Europe/Amsterdam) time.

    ISO 8601 (with or without offset; offsets are converted to local time, ``2024/12/31``
    too) and numeric dates such as ``31-12-2024 14:05`` in the given ``order`` (decide it for
    the whole column with :class:`DateOrder`).

    Returns
    -------
    parsed : Series of ``datetime64[us]`` (naive, local time), NaT where missing or bad; the
        microsecond unit holds any year, so ``9999-12-31`` is a date (and implausible), not
        an overflow
    bad : bool array, True where a value was present but not a date
    """
    plain = _plain_iso(values)
    if not plain.any():
        return _general_datetimes(values, order=order)
    every = bool(plain.all())
    text = values if every else values[plain]
    parsed = _arrow_iso(text)
    if parsed is None:  # some plain date is no date (2024-02-30): pandas marks which
        parsed = (
            pd.to_datetime(text.astype("str"), format="ISO8601", errors="coerce")
            .astype("datetime64[us]")
            .to_numpy()
        )
    if every:
        out = pd.Series(parsed, index=values.index, dtype="datetime64[us]")
    else:
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        out[plain] = parsed
    bad = plain & out.isna().to_numpy()
    if not plain.all():
        rest, bad_rest = _general_datetimes(values[~plain], order=order)
        out[~plain] = rest.to_numpy()
        bad[~plain] = bad_rest
    return out, bad


def _general_datetimes(values: pd.Series, *, order: str) -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_datetimes` for any value it accepts, row by row in pandas."""
    present = _present(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if not present.any():
        return out, present
    text = values.astype("str").str.strip()
    iso = text.str.match(_ISO_START, na=False).to_numpy() & present
    numeric = text.str.match(_NUMERIC_DATE, na=False).to_numpy() & present
    if iso.any():
        out[iso] = _iso(text[iso]).to_numpy()
    if numeric.any():
        out[numeric] = _numeric(text[numeric], order).to_numpy()
    bad = present & out.isna().to_numpy()
    return out, bad


def parse_months(values: pd.Series, *, order: str = "dmy") -> tuple[pd.Series, np.ndarray]:
    """Parse a period column to months ``YYYY-MM``.

    Accepted: ``2024-03``, ``2024-3``, ``202403``, ``03-2024``, ``2024-03-01`` (any date),
    ``01-03-2024`` (a date in ``order``), ``mrt 2024`` / ``maart 2024``. Returns the months as
    text and a bad-value mask.
    """
    present = _present(values)
    text = values.astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="str")
    full_date = (2, 1) if order == "dmy" else (2, 0)
    patterns: tuple[tuple[str, tuple[int, int]], ...] = (
        (r"^(\d{4})[-/](\d{1,2})$", (0, 1)),
        (r"^(\d{4})(\d{2})$", (0, 1)),
        (r"^(\d{1,2})[-/](\d{4})$", (1, 0)),
        (r"^(\d{4})[-/](\d{1,2})[-/]\d{1,2}(?:[ t].*)?$", (0, 1)),
        (r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: .*)?$", full_date),
    )
    remaining = pd.Series(present, index=values.index)
    for pattern, (yi, mi) in patterns:
        parts = text.where(remaining, None).str.extract(pattern)
        if parts.empty:
            continue
        year = pd.to_numeric(parts[yi], errors="coerce")
        month = pd.to_numeric(parts[mi], errors="coerce")
        ok = year.notna() & month.between(1, 12) & remaining
        if ok.any():
            out[ok] = (
                year[ok].astype(int).astype(str) + "-" + month[ok].astype(int).map("{:02d}".format)
            )
            remaining &= ~ok
    if remaining.any():
        named = text.where(remaining, None).str.extract(r"^([a-z]{3})[a-z]*\.?\s+(\d{4})$")
        month = named[0].map(_DUTCH_MONTHS)
        year = pd.to_numeric(named[1], errors="coerce")
        ok = month.notna() & year.notna() & remaining
        if ok.any():
            out[ok] = (
                year[ok].astype(int).astype(str) + "-" + month[ok].astype(int).map("{:02d}".format)
            )
            remaining &= ~ok
    bad = remaining.to_numpy()
    return out, bad


# --- numbers -----------------------------------------------------------------------------------
_EXP = r"(?:[eE][+-]?\d+)?"
_NUMBER_CLASSES: tuple[tuple[str, str], ...] = (
    ("plain", rf"[+-]?\d+{_EXP}"),
    ("dot3", r"[+-]?\d{1,3}\.\d{3}"),
    ("comma3", r"[+-]?\d{1,3},\d{3}"),
    ("nl", rf"[+-]?\d{{1,3}}(?:\.\d{{3}}){{2,}}|[+-]?\d{{1,3}}(?:\.\d{{3}})+,\d+{_EXP}"),
    ("en", rf"[+-]?\d{{1,3}}(?:,\d{{3}}){{2,}}|[+-]?\d{{1,3}}(?:,\d{{3}})+\.\d+{_EXP}"),
    ("dot", rf"[+-]?\d*\.\d+{_EXP}"),
    ("comma", rf"[+-]?\d*,\d+{_EXP}"),
)
_GRAMMAR = {
    "nl": rf"[+-]?(?:\d{{1,3}}(?:\.\d{{3}})+|\d+)(?:,\d+)?{_EXP}",
    "en": rf"[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d*)(?:\.\d+)?{_EXP}",
}


_SPACES = (" ", "\t", "\u00a0", "\u202f")


def _clean_number_text(values: pd.Series) -> pd.Series:
    """The values without spaces (``1 234``); a regex replace is slow, so only where needed."""
    text = values.astype("str")
    spaced = pd.Series(False, index=text.index)
    for space in _SPACES:  # literal look-ups are fast; a regex with these falls back to Python
        spaced |= text.str.contains(space, regex=False, na=False)
    if not spaced.any():
        return text
    return text.mask(spaced, text[spaced].str.replace(r"[\s\u00a0\u202f]", "", regex=True))


@dataclass
class Notation:
    """Evidence for how the numbers in a column are written: Dutch (``1.234,5``) or English
    (``1,234.5``).

    In a column of whole numbers (``integer``), ``1.000`` is a thousand in Dutch notation and
    ``1,000`` one in English; in a column of decimals (coordinates), one separator followed
    by three digits is the decimal separator unless the rest of the column shows otherwise.
    Feed every batch to :meth:`update`, then :meth:`decide`.
    """

    integer: bool
    seen: dict[str, Evidence] = field(default_factory=dict)

    def update(self, values: pd.Series, *, origin: pd.DataFrame | None = None) -> None:
        """Collect the evidence of one batch (``origin``: see :func:`_first`)."""
        if not self.integer and "dot" in self.seen and _only_plain_decimals(values):
            return  # such a batch shows nothing but decimal points, already noted
        text = _clean_number_text(values)
        text = text[_present(values)]
        if text.empty:
            return
        has_sep = text.str.contains(r"[.,]", regex=True, na=False)
        if not self.integer and not text.str.contains(",", regex=False, na=False).any():
            # only points: decimals, unless some value has two (a Dutch thousands grouping)
            dots = _count_points(text)
            self._note("dot", _first(dots == 1, text, origin))
            self._note("nl", _first(dots > 1, text, origin))
            return
        text = text[has_sep]
        masks = {name: text.str.fullmatch(pattern, na=False) for name, pattern in _NUMBER_CLASSES}
        masks["dot"] &= ~masks["dot3"]
        masks["comma"] &= ~masks["comma3"]
        for name, mask in masks.items():
            if name != "plain":
                self._note(name, _first(mask, text, origin))

    def _note(self, name: str, found: Evidence | None) -> None:
        if found is not None and name not in self.seen:
            self.seen[name] = found

    def _sides(self) -> tuple[list[str], list[str]]:
        """The classes seen that point to Dutch, and those that point to English."""
        dutch: tuple[str, ...]
        english: tuple[str, ...]
        if self.integer:
            dutch, english = ("nl", "dot3", "comma"), ("en", "comma3", "dot")
        else:
            strong_nl, strong_en = "nl" in self.seen, "en" in self.seen
            if strong_nl and not strong_en:
                dutch, english = ("nl", "comma", "comma3"), ("dot",)
            elif strong_en and not strong_nl:
                dutch, english = ("comma",), ("en", "dot", "dot3")
            else:
                dutch, english = ("nl", "comma", "comma3"), ("en", "dot", "dot3")
        return [c for c in dutch if c in self.seen], [c for c in english if c in self.seen]

    def decide(self) -> str:
        """``nl`` or ``en``.

        Raises
        ------
        ColumnError
            When the column has numbers in both notations.
        """
        dutch, english = self._sides()
        if dutch and english:
            a, b = self.seen[dutch[0]], self.seen[english[0]]
            raise ColumnError(
                f"deze kolom mengt Nederlandse notatie ({_where(a, other=b)}: '{a[2]}') en "
                f"Engelse notatie ({_where(b, other=a)}: '{b[2]}'); welke punt of komma een "
                "decimaalteken is, is daardoor niet te bepalen.",
                file=a[0],
                row=a[1],
                hint="exporteer de kolom in één notatie: 1.234,5 (Nederlands) of 1234.5 "
                "(zonder scheidingsteken voor duizendtallen).",
            )
        return "nl" if dutch else "en"


def _only_plain_decimals(values: pd.Series) -> bool:
    """Every value missing or a plain decimal such as ``-52.37`` (one Arrow regex)?"""
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    plain = pc.match_substring_regex(array, r"^[+-]?\d+(?:\.\d+)?$")
    return bool(pc.all(plain, min_count=0).as_py())


def _count_points(text: pd.Series) -> pd.Series:
    counts = pc.count_substring(pa.array(text, type=pa.string(), from_pandas=True), ".")
    return pd.Series(counts.to_numpy(zero_copy_only=False), index=text.index)


def _arrow_floats(values: pd.Series) -> pd.Series | None:
    """All values plain numbers (or empty)? Then cast in Arrow, far faster than pandas."""
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
        stripped = pc.utf8_trim_whitespace(array)
        empty = pc.equal(stripped, "")
        cleaned = pc.if_else(empty, pa.scalar(None, pa.string()), stripped)
        floats = pc.cast(cleaned, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(floats.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def parse_numbers(values: pd.Series, *, notation: str = "en") -> tuple[pd.Series, np.ndarray]:
    """Parse numbers written in ``notation`` (decide it for the whole column with
    :class:`Notation`).

    ``nl``: ``1.234,5`` is 1234.5 and ``52,37`` is 52.37; ``en``: ``1,234.5`` and ``52.37``.
    Returns float values and a mask of values that were present but not numbers in that
    notation.
    """
    present = _present(values)
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype="float64"), present
    if notation == "en":
        fast = _arrow_floats(values)
        if fast is not None:
            return fast, np.zeros(len(values), dtype=bool)
    text = _clean_number_text(values)
    valid = text.str.fullmatch(_GRAMMAR[notation], na=False).to_numpy() & present
    if notation == "nl":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    result = pd.to_numeric(text.where(valid, None), errors="coerce").astype("float64")
    bad = present & result.isna().to_numpy()
    return result, bad


# --- ids and labels ----------------------------------------------------------------------------
def normalise_ids(values: pd.Series) -> pd.Series:
    """Ids as text, one spelling per id: spaces stripped, and an id of digits without leading
    zeros or a decimal ``.0`` (a spreadsheet turns ``700001`` into ``700001.0`` or ``0700001``
    into ``700001``)."""
    text = values.astype("str").str.strip()
    digits = text.str.fullmatch(r"\d+(?:\.0+)?", na=False)
    if not digits.any():
        return text
    plain = text[digits].str.replace(r"\.0+$", "", regex=True).str.lstrip("0")
    return text.mask(digits, plain.where(plain != "", "0"))


def clean_label(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Make a label from data safe to store: strip HTML tags and control characters.

    Labels are kept as labels: markdown and formula-like text is made inert where it is shown
    or exported, not here. Returns the cleaned labels (categorical) and a mask of labels that
    were changed.
    """
    # labels repeat: clean each distinct label once, then map back (as a categorical)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    uniques = pd.Series(np.asarray(distinct, dtype=object), dtype="str")
    cleaned_uniques = clean_text(uniques)
    changed_uniques = (cleaned_uniques != uniques.str.strip()).to_numpy(dtype=bool)
    merged_codes, labels = pd.factorize(cleaned_uniques)
    present = codes >= 0
    safe = np.where(present, codes, 0)
    final = np.where(present, merged_codes[safe] if len(uniques) else -1, -1)
    cleaned = pd.Series(
        pd.Categorical.from_codes(final, categories=pd.Index(labels, dtype="str")),
        index=values.index,
    )
    changed = present & changed_uniques[safe] if len(uniques) else np.zeros(len(values), bool)
    return cleaned, changed


def clean_text(values: pd.Series) -> pd.Series:
    """Text without HTML tags or control characters, stripped, at most 120 characters."""
    return (
        values.astype("str")
        .str.replace(r"<[^>]*>", "", regex=True)
        .str.replace(r"[\x00-\x1f\x7f]", " ", regex=True)
        .str.strip()
        .str.slice(0, 120)
    )
