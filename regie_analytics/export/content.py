"""The council report's content model: what a deck, PDF, PNG zip or presentation shows.

:func:`regie_analytics.export.collect.collect` computes a :class:`ReportContent` once (title,
source line, headline sentences and one :class:`ReportItem` per slide or page), with every
count already protected; the layouts (:mod:`~regie_analytics.export.deck`,
:mod:`~regie_analytics.export.pdf`, :mod:`~regie_analytics.export.images`) only lay it out.
Each published table and its true counts are kept as :class:`Protected` in
``ReportContent.protected``, so the tests can audit every one of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from regie_analytics import privacy


class ReportData(Protocol):
    """What :func:`collect` reads: the cube, the areas and the manifest (as the dashboard's
    :class:`~regie_analytics.snapshot.Snapshot` has them)."""

    @property
    def cube(self) -> pd.DataFrame:
        """The count cube (see :data:`regie_analytics.schema.CUBE_COLUMNS`)."""
        ...

    @property
    def areas(self) -> gpd.GeoDataFrame:
        """The store's areas at their finest level."""
        ...

    @property
    def manifest(self) -> dict[str, Any]:
        """The store version's manifest (source, boundaries, imports)."""
        ...


@dataclass
class Protected:
    """A published (protected) table or series of counts and the true counts behind it."""

    name: str
    published: pd.DataFrame | pd.Series
    truth: pd.DataFrame | pd.Series


Drawing: TypeAlias = "go.Figure | Callable[[], go.Figure] | None"
"""A figure, or a function that draws it when it is first needed."""


class ReportItem:
    """One slide or page: a chart (with an optional legend), a table, or both.

    ``table`` holds text cells as shown (formulas inert); ``count_columns`` names its columns
    that hold counts (ints, ``"<5"`` or ``"x"``). ``figure`` and ``legend`` may be given as
    functions that draw them: they are drawn the first time they are read (a presentation
    opens on its title slide, and draws a chart when its slide is shown), then kept.
    ``size`` is the width and height in px at which ``figure`` is exported.
    """

    def __init__(
        self,
        key: str,
        title: str,
        caption: str = "",
        figure: Drawing = None,
        legend: Drawing = None,
        table: pd.DataFrame | None = None,
        count_columns: tuple[str, ...] = (),
        size: tuple[int, int] = (1200, 620),
    ) -> None:
        self.key = key
        self.title = title
        self.caption = caption
        self.table = table
        self.count_columns = count_columns
        self.size = size
        self._drawings: dict[str, Drawing] = {"figure": figure, "legend": legend}
        self._lock = threading.Lock()

    def _drawn(self, name: str) -> go.Figure | None:
        with self._lock:  # one session draws it; the others wait for it
            drawing = self._drawings[name]
            if drawing is not None and not isinstance(drawing, go.Figure):
                drawing = self._drawings[name] = drawing()
            return drawing

    @property
    def figure(self) -> go.Figure | None:
        """The item's chart, drawn the first time it is read (None without one)."""
        return self._drawn("figure")

    @property
    def legend(self) -> go.Figure | None:
        """The legend drawn beside the chart (a bivariate map's 3x3), or None."""
        return self._drawn("legend")

    @property
    def has_figure(self) -> bool:
        """Whether there is a figure, without drawing it."""
        return self._drawings["figure"] is not None

    @property
    def has_legend(self) -> bool:
        """Whether there is a legend, without drawing it."""
        return self._drawings["legend"] is not None

    def __repr__(self) -> str:
        return f"ReportItem(key={self.key!r}, title={self.title!r})"


@dataclass
class ReportContent:
    """Everything a deck, PDF or presentation shows, with every count already protected."""

    title: str
    subtitle: str
    source: str
    created: str
    generated: bool
    sentences: list[str]
    items: list[ReportItem]
    start: str
    end: str
    level: str
    area: str | None
    threshold: int
    protected: list[Protected]
    _pngs: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def footer(self) -> str:
        """The source and creation date, for the foot of every slide and page."""
        return f"{self.source} · gemaakt op {self.created}"

    @property
    def privacy_note(self) -> str:
        """The Dutch footnote on how the counts are protected and what ``"<5"`` means."""
        return privacy.perturbation_note(threshold=self.threshold)


def source_line(manifest: dict[str, Any]) -> str:
    """``'Bron: demo-signalen, demo-wijkteam · grenzen: buurten.geojson · CBS / PDOK ·
    GEGENEREERDE demodata'``: the sources of the imports, the boundaries file, the CBS / PDOK
    attribution when the boundaries or populations come from CBS, and the demo flag."""
    sources = sorted({str(imp.get("source", "")) for imp in manifest.get("imports", [])} - {""})
    boundaries = manifest.get("boundaries", {}) or {}
    parts = [f"Bron: {', '.join(sources) if sources else 'onbekend'}"]
    if boundaries.get("file"):
        parts.append(f"grenzen: {boundaries['file']}")
    about = " ".join(
        str(boundaries.get(key) or "") for key in ("file", "code_column", "population")
    ).lower()
    if "cbs" in about or "pdok" in about:
        parts.append("CBS / PDOK")
    if manifest.get("generated"):
        parts.append("GEGENEREERDE demodata")
    return " · ".join(parts)
