"""Vectorised parsing of text columns: dates (Dutch and ISO), months, numbers with decimal comma.

Each parser returns the parsed values and a boolean mask of values that were present but could
not be parsed, so the caller can name the rows in its report.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

LOCAL_TZ = "Europe/Amsterdam"

_DATE_FORMATS = (
    "ISO8601",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)

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


def _present(values: pd.Series) -> np.ndarray:
    text = values.astype("str")
    return (values.notna() & (text.str.strip() != "")).to_numpy()


def _to_local_naive(parsed: pd.Series) -> pd.Series:
    return parsed.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)


_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _try_format(text: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format; ISO values with an offset are converted to local naive time."""
    if fmt != "ISO8601":
        return pd.to_datetime(text, format=fmt, errors="coerce")
    has_offset = text.str.contains(_OFFSET, regex=True, na=False)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", errors="coerce", utc=True)
        out[has_offset] = _to_local_naive(aware).astype("datetime64[ns]").to_numpy()
    naive = ~has_offset & text.notna()
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = parsed.astype("datetime64[ns]").to_numpy()
    return out


def parse_datetimes(values: pd.Series) -> tuple[pd.Series, np.ndarray, str | None]:
    """Parse a text column of dates in local (Europe/Amsterdam) time.

    ISO 8601 (with or without offset; offsets are converted to local time) and Dutch formats
    such as ``31-12-2024 14:05`` are recognised; the format that parses most of a sample wins.

    Returns
    -------
    parsed : Series of ``datetime64[ns]`` (naive, local time), NaT where missing or bad
    bad : bool array, True where a value was present but not a date
    fmt : the format used, or None when the column is empty
    """
    present = _present(values)
    text = values.astype("str").str.strip()
    if not present.any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), present, None
    sample = text[present].iloc[:: max(1, int(present.sum()) // 2000)].iloc[:2000]
    best_fmt, best_ok = None, -1
    for fmt in _DATE_FORMATS:
        ok = int(_try_format(sample, fmt).notna().sum())
        if ok > best_ok:
            best_fmt, best_ok = fmt, ok
        if ok == len(sample):
            break
    assert best_fmt is not None
    parsed = _try_format(text.where(present, None), best_fmt).astype("datetime64[ns]")
    bad = present & parsed.isna().to_numpy()
    return parsed, bad, best_fmt


def parse_months(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse a period column to months ``YYYY-MM``.

    Accepted: ``2024-03``, ``2024-3``, ``202403``, ``03-2024``, ``2024-03-01`` (any date),
    ``mrt 2024`` / ``maart 2024``. Returns the months as text and a bad-value mask.
    """
    present = _present(values)
    text = values.astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="str")
    patterns = (
        (r"^(\d{4})[-/](\d{1,2})$", (1, 2)),
        (r"^(\d{4})(\d{2})$", (1, 2)),
        (r"^(\d{1,2})[-/](\d{4})$", (2, 1)),
        (r"^(\d{4})[-/](\d{1,2})[-/]\d{1,2}(?:[ t].*)?$", (1, 2)),
        (r"^\d{1,2}[-/](\d{1,2})[-/](\d{4})(?: .*)?$", (2, 1)),
    )
    remaining = pd.Series(present, index=values.index)
    for pattern, (yi, mi) in patterns:
        parts = text.where(remaining, None).str.extract(pattern)
        if parts.empty:
            continue
        year = pd.to_numeric(parts[yi - 1], errors="coerce")
        month = pd.to_numeric(parts[mi - 1], errors="coerce")
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


_NUMBER_CLEAN = re.compile(r"[\s\u00a0]")


def _arrow_floats(values: pd.Series) -> pd.Series | None:
    """All values plain numbers (or empty)? Then cast in Arrow, far faster than pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
        stripped = pc.utf8_trim_whitespace(array)
        empty = pc.equal(stripped, "")
        cleaned = pc.if_else(empty, pa.scalar(None, pa.string()), stripped)
        floats = pc.cast(cleaned, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(floats.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def parse_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse numbers written with a decimal point or a Dutch decimal comma.

    ``52,3702`` and ``52.3702`` give 52.3702; ``1.234,5`` gives 1234.5. Returns float values and
    a mask of values that were present but not numbers.
    """
    present = _present(values)
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype="float64"), present
    fast = _arrow_floats(values)
    if fast is not None:
        return fast, np.zeros(len(values), dtype=bool)
    direct = pd.to_numeric(values.where(present, None), errors="coerce")
    failed = present & direct.isna().to_numpy()
    if failed.any():
        text = values[failed].astype("str").str.replace(_NUMBER_CLEAN, "", regex=True)
        has_both = text.str.contains(".", regex=False) & text.str.contains(",", regex=False)
        text = text.where(~has_both, text.str.replace(".", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
        direct = direct.astype("float64")
        direct[failed] = pd.to_numeric(text, errors="coerce").to_numpy()
    result = direct.astype("float64")
    bad = present & result.isna().to_numpy()
    return result, bad


def clean_label(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Make a category label safe to store: strip HTML tags and control characters.

    Labels are kept as labels (formula-like text is neutralised at export time, not here).
    Returns the cleaned labels and a mask of labels that were changed.
    """
    # labels repeat: clean each distinct label once, then map back (as a categorical)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    uniques = pd.Series(np.asarray(distinct, dtype=object), dtype="str")
    cleaned_uniques = (
        uniques.str.replace(r"<[^>]*>", "", regex=True)
        .str.replace(r"[\x00-\x1f\x7f]", " ", regex=True)
        .str.strip()
        .str.slice(0, 120)
    )
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
