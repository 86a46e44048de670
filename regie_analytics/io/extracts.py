"""What a preset gives: an :class:`Extract`, batches of records in the model's column names
(values still text) with the file and spreadsheet row of each record; and the helpers the
presets share (required columns, notes, renaming mapped columns)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from regie_analytics.io.archives import Inputs
from regie_analytics.io.rawtable import RawTable
from regie_analytics.schema import InputError

SIGNAL_FIELDS = (
    "signal_id",
    "received_at",
    "closed_at",
    "channel",
    "category",
    "subcategory",
    "status",
    "area_code",
    "x",
    "y",
)
COUNT_FIELDS = ("area_code", "period", "theme", "category", "domain", "channel", "count")

Batches = Callable[[Sequence[str] | None], Iterator[pd.DataFrame]]


@dataclass
class Extract:
    """Records in the model's column names (text values) with their origin, in batches.

    Attributes
    ----------
    kind
        ``"signals"`` (record level) or ``"counts"`` (pre-aggregated).
    fields
        The model columns present (from :data:`SIGNAL_FIELDS` or :data:`COUNT_FIELDS`).
    read
        ``read(fields)`` yields batches with those model columns (all when ``None``) plus
        ``_file`` and ``_row`` (spreadsheet row number in that file).
    source
        The source system, part of the import key.
    columns
        For each model column, the column name in the input (for messages).
    """

    kind: str
    fields: list[str]
    read: Batches = field(repr=False)
    source: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    file: str = ""
    notes: list[str] = field(default_factory=list)
    system: str = ""
    """The source system for taxonomy look-ups (``signalen``, ``open311``, ...); defaults to
    ``source``. A custom ``--source`` name changes the import key, not the classification."""

    def __post_init__(self) -> None:
        if not self.system:
            self.system = self.source

    def frames(self, fields: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The records in batches (see ``read``)."""
        wanted = [f for f in (fields if fields is not None else self.fields) if f in self.fields]
        return self.read(wanted)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All records at once (for small inputs and tests)."""
        parts = list(self.frames())
        if not parts:
            return pd.DataFrame(columns=[*self.fields, "_file", "_row"])
        return pd.concat(parts, ignore_index=True)


def _require(table: RawTable, columns: list[str], *, what: str, hint: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.columns[:12])
        raise InputError(
            f"verplichte kolom ontbreekt voor {what}: {', '.join(repr(m) for m in missing)}. "
            f"Gevonden kolommen: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint=hint,
        )


def _notes(inputs: Inputs, *tables: RawTable) -> list[str]:
    """What was detected per table, and the members not read (with the reason)."""
    return [*inputs.skipped, *(f"{t.file}: {note}" for t in tables for note in t.notes)]


def _with_origin(frame: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """``frame`` (index: record positions in ``table``) with ``_file`` and ``_row``."""
    out = frame.copy(deep=False)
    out["_file"] = pd.Categorical.from_codes(
        np.zeros(len(frame), dtype="int8"), categories=pd.Index([table.file], dtype="str")
    )
    out["_row"] = table.row_number(frame.index)
    return out.reset_index(drop=True)


def _mapped(tables: list[RawTable], columns: dict[str, str]) -> Batches:
    """Batches of every table in turn, their ``columns`` (model -> input) renamed to the model."""

    def read(fields: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        wanted = [f for f in (fields if fields is not None else columns) if f in columns]
        for table in tables:
            for part in table.frames(list(dict.fromkeys(columns[f] for f in wanted))):
                renamed = pd.DataFrame({f: part[columns[f]] for f in wanted}, index=part.index)
                yield _with_origin(renamed, table)

    return read
