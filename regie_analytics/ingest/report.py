"""The import report and the prepared import.

:class:`ImportReport` holds what an import read, imported and could not place (with example
rows per kind of problem, :class:`Problem`) and gives its Dutch lines for the command line and
the Data page; :func:`classification_lines` is its section on domains and suggestions.
:class:`PreparedImport` is everything an import would write, not yet written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from regie_analytics.formatting import fmt_pct
from regie_analytics.ingest.staged import StagedRecords
from regie_analytics.io.presets import Extract
from regie_analytics.schema import (
    CATEGORY,
    COUNT,
    DOMAIN,
    SUBCATEGORY,
    THEME,
)
from regie_analytics.taxonomy import (
    ANY,
    MATCH_LABELS,
    SCOPE_CATEGORY,
    TAXONOMY_DOMAINS,
    UNKNOWN_DOMAIN,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_EXAMPLES = 10
"""Row-level problems listed per kind in a report (all are counted)."""


@dataclass
class Problem:
    """One row-level problem: where it is and what it is (Dutch)."""

    kind: str
    file: str
    row: int
    column: str
    message: str

    def line(self) -> str:
        """The problem as one Dutch line naming file, row and column."""
        return f"{self.file}, rij {self.row}, kolom '{self.column}': {self.message}"


@dataclass
class ImportReport:
    """What an import read, imported and could not place; printed in Dutch by the CLI."""

    file: str
    preset: str
    source: str
    kind: str
    rows_read: int = 0
    imported: int = 0
    signals_imported: int = 0
    duplicates_in_file: int = 0
    duplicates_in_store: int = 0
    corrected: int = 0
    added_meanwhile: int = 0
    without_location: int = 0
    outside_area: int = 0
    unknown_area_code: int = 0
    unknown_category: int = 0
    bad_dates: int = 0
    early_dates: int = 0
    future_dates: int = 0
    bad_counts: int = 0
    bad_coordinates: int = 0
    swapped_corrected: int = 0
    rd_converted: int = 0
    cleaned_labels: int = 0
    closed_before_received: int = 0
    bad_closed_dates: int = 0
    missing_id: int = 0
    window: str = ""
    files: dict[str, int] = field(default_factory=dict)
    unknown_categories: dict[str, int] = field(default_factory=dict)
    classification: dict[str, dict[str, int]] = field(default_factory=dict)
    """Signals per domain and matching step (see ``taxonomy.match_summary``)."""
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    """Fuzzy suggestions for the unknown categories (``Taxonomy.suggestions``); not applied."""
    unknown_labels: list[dict[str, Any]] = field(default_factory=list)
    """The most frequent unknown labels as ``category``, ``subcategory``, ``count`` (rows), for
    mapping them by hand; at most ``taxonomy.MAX_SUGGESTED``."""
    unknown_area_codes: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_month: str | None = None
    last_month: str | None = None

    @property
    def rejected_rows(self) -> int:
        """Rows not imported because of a problem (duplicates not counted)."""
        dates = self.bad_dates + self.early_dates + self.future_dates
        return dates + self.bad_counts + self.missing_id

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (for ``--json`` and the manifest)."""
        data = asdict(self)
        data["rejected_rows"] = self.rejected_rows
        return data

    def add(
        self, kind: str, extract: Extract | None, rows: pd.DataFrame, column: str, msg: str
    ) -> None:
        """Record up to MAX_EXAMPLES example rows of one problem kind (``rows`` with ``_file``
        and ``_row``; ``extract`` names the input's column)."""
        have = sum(1 for p in self.problems if p.kind == kind)
        for _, r in rows.head(max(0, MAX_EXAMPLES - have)).iterrows():
            value = "" if column not in r or pd.isna(r[column]) else str(r[column])[:60]
            value = _CONTROL.sub("\ufffd", value)  # shown, not obeyed by a terminal
            self.problems.append(
                Problem(
                    kind=kind,
                    file=str(r["_file"]),
                    row=int(r["_row"]),
                    column=extract.columns.get(column, column) if extract else column,
                    message=msg.format(value=value),
                )
            )

    def lines(self) -> list[str]:
        """The report as Dutch lines for the command line and the Data page."""
        n = _fmt
        out = [f"Importrapport voor '{self.file}' (preset {self.preset}, bron {self.source})"]
        if self.rejected_rows:
            out.append(
                f"  LET OP: {n(self.rejected_rows)} van de {n(self.rows_read)} rijen niet "
                "geïmporteerd; de redenen en voorbeelden staan hieronder."
            )
        out += [
            f"  {'rijen gelezen:':<52}{n(self.rows_read)}",
            f"  {'geïmporteerd:':<52}{n(self.imported)}",
        ]
        if len(self.files) > 1:
            out += [f"    - {name}: {n(rows)} rijen gelezen" for name, rows in self.files.items()]
        if self.kind == "counts":
            out.append(f"  {'meldingen in die tellingen:':<52}{n(self.signals_imported)}")
        rows = [
            ("al aanwezig in de store (dubbel)", self.duplicates_in_store),
            ("intussen door een andere import toegevoegd", self.added_meanwhile),
            ("gecorrigeerd aantal (vervangt de eerdere waarde)", self.corrected),
            ("dubbel in het bestand", self.duplicates_in_file),
            ("zonder locatie", self.without_location),
            ("buiten het gebied", self.outside_area),
            ("met onbekende gebiedscode", self.unknown_area_code),
            ("met onbekende categorie (naar 'overig')", self.unknown_category),
            ("met onbruikbare datum (niet geïmporteerd)", self.bad_dates),
            ("met te vroege datum (niet geïmporteerd)", self.early_dates),
            ("met datum in de toekomst (niet geïmporteerd)", self.future_dates),
            ("met ongeldig aantal (niet geïmporteerd)", self.bad_counts),
            ("zonder id (niet geïmporteerd)", self.missing_id),
            ("met onbruikbare coördinaten", self.bad_coordinates),
            ("met verwisselde x/y (gecorrigeerd)", self.swapped_corrected),
            ("met RD-coördinaten (omgerekend)", self.rd_converted),
            ("met HTML of stuurtekens in een label (opgeschoond)", self.cleaned_labels),
            ("afgesloten vóór ontvangst (sluitdatum genegeerd)", self.closed_before_received),
            ("met onbruikbare sluitdatum (sluitdatum genegeerd)", self.bad_closed_dates),
        ]
        out += [f"  {label + ':':<52}{n(v)}" for label, v in rows if v]
        if self.first_month:
            out.append(f"  {'periode:':<52}{self.first_month} t/m {self.last_month}")
        if self.window and (self.early_dates or self.future_dates or self.bad_closed_dates):
            out.append(f"  {'datumvenster (geloofwaardige datums):':<52}{self.window}")
        out += classification_lines(self.classification, self.suggestions)
        if self.unknown_categories:
            top = sorted(self.unknown_categories.items(), key=lambda kv: -kv[1])[:10]
            out.append("  onbekende categorieën (voeg ze toe aan de taxonomie):")
            out += [f"    - {label}: {n(count)}" for label, count in top]
        if self.unknown_area_codes:
            top = sorted(self.unknown_area_codes.items(), key=lambda kv: -kv[1])[:10]
            out.append(
                "  onbekende gebiedscodes (niet in de grenzen; per code bewaard als "
                "'buiten gebied'):"
            )
            out += [f"    - {code}: {n(count)}" for code, count in top]
        if self.notes:
            out.append("  opmerkingen:")
            out += [f"    - {note}" for note in self.notes]
        if self.problems:
            out.append("  voorbeelden van rijen met problemen:")
            out += [f"    - {p.line()}" for p in self.problems[:30]]
        return out


def _fmt(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def shares(counts: list[int]) -> list[str]:
    """Dutch percentages of ``counts`` with one decimal that add up to exactly 100,0%
    (largest remainder); a share of a non-zero count too small to show reads '<0,1%'."""
    total = sum(counts)
    if not total:
        return ["–" for _ in counts]
    exact = [1000 * n / total for n in counts]
    tenths = [int(e) for e in exact]
    short = 1000 - sum(tenths)
    for i in sorted(range(len(counts)), key=lambda i: tenths[i] - exact[i])[:short]:
        tenths[i] += 1
    return [
        "<0,1%" if n and not t else fmt_pct(t / 1000, 1)
        for n, t in zip(counts, tenths, strict=True)
    ]


def classification_lines(
    classification: dict[str, dict[str, int]], suggestions: list[dict[str, Any]]
) -> list[str]:
    """The report's classification section: share per domain and how, then the suggestions."""
    domains = [d for d in (*TAXONOMY_DOMAINS, UNKNOWN_DOMAIN) if classification.get(d)]
    if not domains:
        return []
    counts = [sum(classification[d].values()) for d in domains]
    out = ["  ingedeeld per domein (signalen; hoe herkend):"]
    for domain, n, share in zip(domains, counts, shares(counts), strict=True):
        steps = classification[domain]
        how = ", ".join(
            f"{MATCH_LABELS[step]} {_fmt(steps[step])}" for step in MATCH_LABELS if step in steps
        )
        out.append(f"    {domain + ':':<10}{_fmt(n):>12} ({share}): {how}")
    if suggestions:
        out.append(
            "  voorstellen voor onbekende categorieën (niet toegepast; neem ze over op de "
            "Data-pagina of in de taxonomie):"
        )
        for sug in suggestions[:MAX_EXAMPLES]:
            label = " / ".join(filter(None, (sug[CATEGORY], sug[SUBCATEGORY])))
            target = " / ".join(
                part
                for part in (sug["suggested_category"], sug["suggested_subcategory"])
                if part != ANY
            )
            scope = (
                ", voor de hele categorie"
                if sug["scope"] == SCOPE_CATEGORY and sug[SUBCATEGORY]
                else ""
            )
            out.append(
                f"    - '{label}' ({_fmt(sug[COUNT])}) lijkt op '{target}': {sug[DOMAIN]}, "
                f"thema {sug[THEME]} (gelijkenis {sug['score']}{scope})"
            )
        if len(suggestions) > MAX_EXAMPLES:
            out.append(f"    - en nog {_fmt(len(suggestions) - MAX_EXAMPLES)} voorstellen")
    return out


@dataclass
class PreparedImport:
    """Everything an import would write, not yet written. The records wait on disk
    (:class:`StagedRecords`), so an import of any size is never held in memory at once."""

    report: ImportReport
    kind: str
    staged: StagedRecords
    cube: pd.DataFrame
    file_hash: str
    path: str
    system: str = ""
    """The source system the taxonomy was looked up with (see ``Extract.system``)."""
    replaces: pd.MultiIndex | None = None
    """Count keys (see :func:`count_keys`) whose stored value this import corrects."""
    secret: str = ""
    """The store secret the record keys were made with (see :mod:`regie_analytics.cellkey`)."""

    @property
    def records(self) -> pd.DataFrame:
        """All records at once (read from disk: for small imports and tests)."""
        return self.staged.frame()

    def record_batches(
        self, *, rows: int = 1_000_000, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """The records in batches of at most ``rows``, in order: how a store writes them
        (a file store as Parquet row groups, a database with ``COPY``), so that the whole
        import is never converted at once. ``columns``: only these."""
        for batch in self.staged.batches(columns):
            for start in range(0, max(len(batch), 1), rows):
                yield batch.iloc[start : start + rows].reset_index(drop=True)
