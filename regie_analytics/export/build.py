"""The council report of a store in one call: :func:`build_report` collects the content and
lays it out as a deck (:func:`build_pptx`), a PDF or a zip of chart PNGs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from regie_analytics import aggregate
from regie_analytics.export.collect import collect, stored_snapshot
from regie_analytics.export.content import ReportContent
from regie_analytics.export.deck.slides import build_deck
from regie_analytics.export.images import build_png_zip
from regie_analytics.export.pdf import build_pdf
from regie_analytics.schema import InputError
from regie_analytics.store import AnyStore

FORMATS: tuple[str, ...] = ("pptx", "pdf", "png-zip")
"""Formats of :func:`build_report`."""


def build_pptx(content: ReportContent, *, template: bytes | Path | None = None) -> bytes:
    """The council deck (see :func:`~regie_analytics.export.deck.slides.build_deck`): native
    charts, maps as pictures with alt text, real tables, speaker notes, in the layouts of
    python-pptx's default master at 16:9 or of ``template`` (a ``.pptx`` file, path or
    bytes)."""
    return build_deck(content, template=template)


def build_report(
    store: AnyStore,
    *,
    fmt: str,
    area: str | None = None,
    period: str | None = None,
    level: str = "buurt",
    themes: Sequence[str] | None = None,
    template: Path | None = None,
) -> bytes:
    """The council report of a store as ``pptx``, ``pdf`` or ``png-zip`` bytes.

    ``period`` is ``'YYYY-MM:YYYY-MM'``; default the last 12 months of data. ``themes``
    limits the report to those themes; ``template`` is a ``.pptx`` whose master the slides
    use (``pptx`` only). Raises :class:`InputError` (Dutch message) for an unknown format,
    area or theme, a bad period or template.
    """
    if fmt not in FORMATS:
        raise InputError(f"onbekend formaat '{fmt}'.", hint=f"kies uit {', '.join(FORMATS)}.")
    if template is not None and fmt != "pptx":
        raise InputError(
            "een sjabloon geldt alleen voor dia's.", hint="gebruik --template met --format pptx."
        )
    snap = stored_snapshot(store)  # the report's cuts are summed in the store's engine
    months = snap.months
    if period:
        start, end = aggregate.parse_period(period, months=months)
    else:
        start, end = aggregate.resolve_period(months, "laatste 12 maanden")
    content = collect(snap, start=start, end=end, area=area, level=level, themes=themes)
    if fmt == "pptx":
        return build_pptx(content, template=template)
    if fmt == "pdf":
        return build_pdf(content)
    return build_png_zip(content)
