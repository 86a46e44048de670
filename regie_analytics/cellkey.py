"""Cell-key perturbation: every published count moves by a small, fixed amount per cell.

The method of the statistical offices that publish flexible tables (ABS TableBuilder, ONS
Census 2021 custom datasets, CBS): each record gets a random *record key* in ``0..255`` when it
is imported; the *cell key* of any count is the sum of the record keys of the records in it,
modulo 256; a perturbation table (*p-table*) maps the count and the cell key to the published
value. The same records always give the same published value (in every table, download, chart
and run), while two overlapping tables subtract to noise instead of to a hidden count.

Record keys
-----------
A record key is a keyed hash (SipHash-2-4 with the store's secret, see :func:`record_keys`)
of the source and the record's id, so re-importing a record gives it the same key and nobody
without the secret can compute keys. Pre-aggregated counts get one key per unit they count,
derived the same way from the source, area, month, label, channel and the unit's number
(:func:`unit_key_sums`). The secret is generated when a store is created and kept in the
store's manifest, never in code.

The p-table
-----------
:data:`DEFAULT_PTABLE` (maximum deviation 3, variance 2, no published 1 or 2; zero stays
zero) was derived as the ABS/Destatis ``ptable`` method prescribes (Giessing 2016): per count
``c``, the distribution over ``c - 3 .. c + 3`` without 1 and 2 with maximum entropy, mean ``c``
(unbiased) and variance 2, then rounded to multiples of 1/256 keeping the mean exact. Counts of
6 and more share one row (only the deviation matters there). Totals are cells of their own:
a table's total is perturbed with its own cell key, so published tables need not add up.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    CHANNEL,
    COUNT,
    GIVEN_AREA_CODE,
    MONTH,
    SOURCE,
)

KEY_RANGE = 256
"""Record and cell keys are integers ``0 .. KEY_RANGE - 1`` (as at ONS)."""

SECRET_BYTES = 16
"""Length of a store's secret (128 bits)."""


def new_secret() -> str:
    """A fresh random store secret (hex), generated once when a store is created."""
    return secrets.token_hex(SECRET_BYTES)


def _siphash_key(secret: str, purpose: str) -> str:
    """The 16-character SipHash key for ``purpose`` derived from the store's secret."""
    if not secret:
        raise ValueError("Er is geen geheime sleutel voor de celsleutels; de store is onvolledig.")
    digest = hashlib.blake2b(secret.encode(), digest_size=16, person=purpose.encode()[:16]).digest()
    return "".join(chr(33 + b % 94) for b in digest)  # printable ASCII: one byte each


def _keyed_hash(secret: str, purpose: str, texts: pd.Series) -> np.ndarray:
    """A keyed 64-bit hash (SipHash-2-4, as pandas computes it) of every text."""
    values = np.asarray(texts.astype("str").to_numpy(), dtype=object)
    hashed = pd.util.hash_array(values, hash_key=_siphash_key(secret, purpose), categorize=False)
    return np.asarray(hashed, dtype=np.uint64)


def record_keys(secret: str, *, source: str | pd.Series, ids: pd.Series) -> np.ndarray:
    """The record key (``0..255``) of each signal, from its source and id.

    Returns
    -------
    int16 array aligned with ``ids``.
    """
    sources = source.astype("str").to_numpy() if isinstance(source, pd.Series) else source
    texts = sources + "\x1f" + ids.astype("str")
    return (_keyed_hash(secret, "record", texts) % KEY_RANGE).astype(np.int16)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads consecutive inputs over all 64 bits (uint64 in/out)."""
    z = values.copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def unit_key_sums(secret: str, rows: pd.DataFrame) -> np.ndarray:
    """The cell key of each row of pre-aggregated counts: the sum, modulo 256, of one key per
    unit counted.

    Unit ``i`` of a row gets the key ``mix(h + i * golden) mod 256``, where ``h`` is the keyed
    hash of the row's source, area (the code as the file gave it, where known), month, label
    (``category``) and channel: as random as a record key, and the same on every import of the
    same row.

    Returns
    -------
    int16 array aligned with ``rows``.
    """
    if rows.empty:
        return np.zeros(0, dtype=np.int16)
    area = rows[AREA_CODE].astype("str")
    if GIVEN_AREA_CODE in rows.columns:  # counts for different unknown codes stay apart
        given = rows[GIVEN_AREA_CODE].astype("str")
        area = given.where(rows[GIVEN_AREA_CODE].notna() & (given != ""), area)
    texts = rows[SOURCE].astype("str") + "\x1f" + area
    for column in (MONTH, CATEGORY, CHANNEL):
        texts = texts + "\x1f" + rows[column].astype("str")
    base = _keyed_hash(secret, "units", texts)
    counts = rows[COUNT].to_numpy(dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(len(rows), dtype=np.int16)
    starts = np.cumsum(counts) - counts
    unit = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps by design
        keys = _mix(np.repeat(base, counts) + unit.astype(np.uint64) * _GOLDEN)
    keys = (keys % np.uint64(KEY_RANGE)).astype(np.int64)
    sums = np.zeros(len(rows), dtype=np.int64)
    np.add.at(sums, np.repeat(np.arange(len(rows)), counts), keys)
    return (sums % KEY_RANGE).astype(np.int16)


# --- the p-table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PTable:
    """A perturbation table: for each count (capped at ``len(rows) - 1``) how many of the 256
    cell keys publish each value.

    ``rows[c]`` maps a published value to its number of cell keys (they add up to 256); cell
    keys are handed out in order of the published value. Counts from ``len(rows) - 1`` up use
    the last row shifted by the count (the same deviations).
    """

    rows: tuple[Mapping[int, int], ...]

    def __post_init__(self) -> None:
        if not self.rows or dict(self.rows[0]) != {0: KEY_RANGE}:
            raise ValueError("Een p-tabel begint met de rij voor 0: nul blijft nul.")
        for count, row in enumerate(self.rows):
            if sum(row.values()) != KEY_RANGE or min(row.values()) < 0:
                raise ValueError(f"Rij {count} van de p-tabel telt niet op tot {KEY_RANGE}.")

    @property
    def cap(self) -> int:
        """Counts from this value on share the last row."""
        return len(self.rows) - 1

    @cached_property
    def _shifts(self) -> np.ndarray:
        """Deviation per (capped count, cell key), shape ``(cap + 1, 256)``."""
        table = np.zeros((len(self.rows), KEY_RANGE), dtype=np.int64)
        for count, row in enumerate(self.rows):
            deviations = [value - count for value in sorted(row) for _ in range(row[value])]
            table[count] = deviations
        return table

    def perturbation(self, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """The deviation added to each count given its cell key (vectorised)."""
        counts = np.asarray(counts, dtype=np.int64)
        keys = np.asarray(keys, dtype=np.int64) % KEY_RANGE
        if (counts < 0).any():
            raise ValueError("Aantallen kunnen niet negatief zijn.")
        return self._shifts[np.minimum(counts, self.cap), keys]

    def probabilities(self, count: int) -> dict[int, float]:
        """The published values of ``count`` and their probability over the cell keys."""
        row = self.rows[min(count, self.cap)]
        shift = count - min(count, self.cap)
        return {value + shift: n / KEY_RANGE for value, n in sorted(row.items()) if n}

    @property
    def max_deviation(self) -> int:
        """The largest change of any count."""
        return int(np.abs(self._shifts).max())

    def bias(self, count: int) -> float:
        """Expected published value minus ``count``."""
        return sum(p * (v - count) for v, p in self.probabilities(count).items())

    def variance(self, count: int) -> float:
        """Variance of the published value of ``count``."""
        return sum(p * (v - count) ** 2 for v, p in self.probabilities(count).items())

    @cached_property
    def never_published(self) -> frozenset[int]:
        """Values below the cap that no count is ever published as (1 and 2)."""
        seen = {v for count in range(2 * self.cap + 1) for v in self.probabilities(count)}
        return frozenset(set(range(self.cap)) - seen)

    def preimage(self, value: int) -> frozenset[int]:
        """Every true count that can be published as ``value``."""
        low = max(0, value - self.max_deviation)
        return frozenset(
            c for c in range(low, value + self.max_deviation + 1) if value in self.probabilities(c)
        )

    def to_frame(self, *, max_pcv: int = 750) -> pd.DataFrame:
        """The p-table in the ONS layout: ``pcv`` (1..``max_pcv``), ``ckey``, ``pvalue``.

        This is the input of ONS's ``cell-key-perturbation`` package, whose rows 501..750 are
        reused for counts above 750; with ``max_pcv >= 750`` both give the same values.
        """
        pcv = np.repeat(np.arange(1, max_pcv + 1), KEY_RANGE)
        ckey = np.tile(np.arange(KEY_RANGE), max_pcv)
        return pd.DataFrame(
            {"pcv": pcv, "ckey": ckey, "pvalue": self.perturbation(pcv, ckey)}
        ).astype("int64")


DEFAULT_PTABLE = PTable(
    rows=(
        {0: 256},
        {0: 171, 3: 84, 4: 1},
        {0: 86, 3: 169, 5: 1},
        {0: 38, 3: 130, 4: 65, 5: 20, 6: 3},
        {3: 147, 4: 40, 5: 21, 6: 18, 7: 30},
        {3: 43, 4: 60, 5: 62, 6: 49, 7: 29, 8: 13},
        {3: 10, 4: 28, 5: 55, 6: 69, 7: 56, 8: 29, 9: 9},
    )
)
"""The p-table of every protected output: maximum deviation 3, unbiased, variance 2 (within
1/64), published values never 1 or 2, zero stays zero (see the module docstring)."""


def cell_keys(key_sums: np.ndarray | pd.Series) -> np.ndarray:
    """Sums of record keys reduced to cell keys (modulo 256)."""
    return np.asarray(key_sums, dtype=np.int64) % KEY_RANGE


def perturb(
    counts: pd.Series, keys: pd.Series | np.ndarray, *, ptable: PTable = DEFAULT_PTABLE
) -> pd.Series:
    """The published (perturbed) value of each count, given the sums of its record keys.

    Returns
    -------
    int64 Series like ``counts``.
    """
    values = counts.to_numpy(dtype=np.int64)
    shift = ptable.perturbation(values, cell_keys(keys))
    return pd.Series(values + shift, index=counts.index, name=counts.name, dtype="int64")


def perturb_frame(
    frame: pd.DataFrame,
    *,
    count: str,
    key: str,
    ptable: PTable = DEFAULT_PTABLE,
) -> pd.DataFrame:
    """A new frame with ``count`` perturbed by its cell key ``key`` and ``key`` dropped (a
    cell key never leaves the library: with the p-table it would give the count away)."""
    out = frame.drop(columns=[key])
    out[count] = perturb(frame[count], frame[key], ptable=ptable).to_numpy()
    return out


def perturb_table(
    counts: pd.DataFrame,
    keys: pd.DataFrame,
    *,
    ptable: PTable = DEFAULT_PTABLE,
    total_label: str = "Totaal",
) -> pd.DataFrame:
    """A table of counts as published, with a total row and column: every cell perturbed by
    its cell key, and every total as a cell of its own (its key is the sum of its cells' keys,
    modulo 256), so the published table need not add up.

    Returns
    -------
    int64 DataFrame with ``total_label`` appended to the rows and the columns.
    """
    truth = counts.astype("int64")
    keys = keys.reindex(index=counts.index, columns=counts.columns).fillna(0).astype("int64")
    grid = truth.copy()
    grid[total_label] = truth.sum(axis=1)
    grid.loc[total_label] = grid.sum(axis=0)
    key_grid = keys.copy()
    key_grid[total_label] = keys.sum(axis=1)
    key_grid.loc[total_label] = key_grid.sum(axis=0)
    shift = ptable.perturbation(grid.to_numpy(), key_grid.to_numpy())
    return pd.DataFrame(grid.to_numpy() + shift, index=grid.index, columns=grid.columns)
