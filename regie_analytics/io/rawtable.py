"""The table every reader returns: :class:`RawTable`, all columns as text, read in batches.

Row numbers follow a spreadsheet: the header is row 1, the first record row 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

BATCH_ROWS = 500_000
"""Rows per batch for tables read whole (Excel, JSON); CSV batches are ~32 MB of text."""

Frames = Callable[[Sequence[str] | None], Iterator[pd.DataFrame]]


@dataclass
class RawTable:
    """One table read from a file, every column as text.

    Attributes
    ----------
    file
        Name of the file (inside a zip or folder: ``archive.zip/noord/telling.csv``).
    columns
        The column names as read (stripped of spaces).
    read
        ``read(columns)`` yields the records in batches: text frames with those columns (all
        when ``None``), indexed by the 0-based record position in the file.
    encoding, delimiter
        What was detected (CSV only).
    notes
        Dutch remarks about what was detected (encoding, time zone, ...).
    """

    file: str
    columns: list[str]
    read: Frames = field(repr=False)
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def frames(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The records in batches (see ``read``)."""
        return self.read(columns)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All records at once: for small tables (a Signalen lookup table, a preview)."""
        parts = list(self.frames())
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in self.columns})
        return pd.concat(parts) if len(parts) > 1 else parts[0]

    def row_number(self, positions: np.ndarray | pd.Index | list[int]) -> np.ndarray:
        """Spreadsheet row numbers (header = 1) of 0-based record positions."""
        return np.asarray(positions, dtype=np.int64) + 2


def in_memory_reader(frame: pd.DataFrame) -> Frames:
    """``read`` for a table held in memory: batches of :data:`BATCH_ROWS` rows."""

    def read(columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        part = frame if columns is None else frame[list(columns)]
        for start in range(0, len(part), BATCH_ROWS):
            yield part.iloc[start : start + BATCH_ROWS]

    return read
