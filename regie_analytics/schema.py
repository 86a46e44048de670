"""Column names, fixed vocabularies and the input error that names file, row and column.

Every module refers to columns through these constants, so the data model in
``DESIGN.md`` has one spelling in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# --- area levels -----------------------------------------------------------------------------
LEVELS: tuple[str, ...] = ("gebied", "buurt", "wijk", "stadsdeel", "gemeente")
"""Area levels, finest first. ``gebied`` is the level of areas whose codes are not CBS codes
(another country's own districts, say): it has no CBS parents. ``stadsdeel`` is a
municipality's own grouping of wijken."""

# --- areas (boundaries) ----------------------------------------------------------------------
AREA_CODE = "area_code"
AREA_NAME = "name"
AREA_LEVEL = "level"
WIJK_CODE = "wijk_code"
STADSDEEL_CODE = "stadsdeel_code"
STADSDEEL_NAME = "stadsdeel_name"
GEMEENTE_CODE = "gemeente_code"
GEMEENTE_NAME = "gemeente_name"
POPULATION = "population"
AREA_KM2 = "area_km2"

# Sentinel area codes in the signal table and the cube for rows that have no area.
OUTSIDE = "BUITEN_GEBIED"
"""Rows whose location lies outside every area ("buiten gebied")."""
NO_LOCATION = "ZONDER_LOCATIE"
"""Rows with neither a usable area code nor usable coordinates."""
SENTINEL_AREAS: frozenset[str] = frozenset({OUTSIDE, NO_LOCATION})

# --- signals (record level) ------------------------------------------------------------------
SOURCE = "source"
SIGNAL_ID = "signal_id"
RECEIVED_AT = "received_at"
CLOSED_AT = "closed_at"
CHANNEL = "channel"
CATEGORY = "category"
SUBCATEGORY = "subcategory"
DOMAIN = "domain"
THEME = "theme"
DEPARTMENT = "department"
STATUS = "status"
LON = "lon"
LAT = "lat"
MONTH = "month"
COUNT = "count"
PERIOD = "period"
GIVEN_AREA_CODE = "given_area_code"
"""The area code of a count as the file gave it (upper case; empty when missing): counts for
unknown codes are kept apart per code, never merged into one "buiten gebied" row."""
RECORD_KEY = "record_key"
"""A signal's random key 0..255 for cell-key perturbation (see :mod:`regie_analytics.cellkey`)."""
CELL_KEY = "cell_key"
"""Sum of the record keys of the units counted, modulo 256 (a count row's and a cube cell's)."""

SIGNAL_COLUMNS: tuple[str, ...] = (
    SOURCE,
    SIGNAL_ID,
    RECEIVED_AT,
    CLOSED_AT,
    CHANNEL,
    CATEGORY,
    SUBCATEGORY,
    DOMAIN,
    THEME,
    DEPARTMENT,
    STATUS,
    AREA_CODE,
    LON,
    LAT,
    RECORD_KEY,
)
"""Columns of the record-level signal table in the store (no free text, no personal data)."""

COUNT_COLUMNS: tuple[str, ...] = (
    SOURCE,
    AREA_CODE,
    GIVEN_AREA_CODE,
    MONTH,
    CATEGORY,
    DOMAIN,
    THEME,
    DEPARTMENT,
    CHANNEL,
    COUNT,
    CELL_KEY,
)
"""Columns of the pre-aggregated count table in the store."""

CUBE_DIMENSIONS: tuple[str, ...] = (AREA_CODE, MONTH, DOMAIN, THEME, CHANNEL, DEPARTMENT, SOURCE)
CUBE_COLUMNS: tuple[str, ...] = (*CUBE_DIMENSIONS, COUNT, CELL_KEY)
"""The cube: counts per area x month (``YYYY-MM``) x domain x theme x channel (and department,
source), with the cell key of each count. It is what the dashboard reads."""

# --- vocabularies ----------------------------------------------------------------------------
PHYSICAL, SOCIAL, OTHER = "fysiek", "sociaal", "overig"
CLASSIFIED_DOMAINS: tuple[str, ...] = (PHYSICAL, SOCIAL)
"""The two domains the analyses compare (a signal the taxonomy placed)."""
DOMAINS: tuple[str, ...] = (*CLASSIFIED_DOMAINS, OTHER)
"""``overig`` holds what the taxonomy cannot place yet (unknown categories)."""
UNKNOWN_THEME = "overig"
UNKNOWN_CHANNEL = "onbekend"
UNKNOWN_DEPARTMENT = "onbekend"

ANALYSES: tuple[str, ...] = ("hotspots", "samenhang", "regie", "trends", "anomalies")
"""The analyses of ``python -m regie_analytics analyse``."""

DOMAIN_LABELS: dict[str, str] = {
    "fysiek": "Fysiek domein",
    "sociaal": "Sociaal domein",
    "overig": "Overig (nog niet ingedeeld)",
}


@dataclass
class InputError(Exception):
    """An input that cannot be imported, with a Dutch message naming file, row and column.

    Parameters
    ----------
    message
        What is wrong, in Dutch.
    file
        The offending file.
    row
        1-based row number in the file as a spreadsheet shows it (header is row 1), if known.
    column
        The offending column, if known.
    hint
        What the user can do about it, in Dutch.
    """

    message: str
    file: str | Path | None = None
    row: int | None = None
    column: str | None = None
    hint: str | None = None
    details: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def file_label(self) -> str:
        """The file as the user knows it: a path's name (never the server's folders), or a
        member of a zip or folder as given (``export.zip/noord/telling.csv``)."""
        if isinstance(self.file, Path) or Path(str(self.file)).is_absolute():
            return Path(str(self.file)).name
        return str(self.file)

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"bestand '{self.file_label}'")
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        text = self.message
        if where:
            text = f"{', '.join(where)}: {text}"
        if self.hint:
            text = f"{text} Wat te doen: {self.hint}"
        if self.details:
            text = text + "\n" + "\n".join(f"  - {d}" for d in self.details)
        return text
