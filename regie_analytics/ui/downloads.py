"""The council downloads of a view: the slide deck (with an optional PowerPoint template)
and the PDF report, built on click, each recorded in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from regie_analytics import incidents
from regie_analytics.schema import InputError
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui import access, queries
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters


def _built(build: Callable[[], bytes]) -> bytes:
    """A download built on click, outside the page run: an unexpected error is logged with
    a reference and only the Dutch message with that reference reaches the browser."""
    try:
        return bytes(build())
    except InputError:
        raise
    except Exception as exc:
        raise RuntimeError(incidents.message(incidents.record(exc, where="export"))) from None


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=BY_KEY)
def deck(snap: Snapshot, sel: Filters, *, area: str | None, template: bytes | None) -> bytes:
    """The slide deck of the council content (:func:`queries.report_content`), in the
    house style of ``template`` (a pptx) when there is one: built once per filter, area and
    template."""
    from regie_analytics import report

    return report.build_pptx(queries.report_content(snap, sel, area=area), template=template)


def pdf(snap: Snapshot, sel: Filters, *, area: str | None) -> bytes:
    """The PDF report of the council content (:func:`queries.report_content`)."""
    from regie_analytics import report

    return report.build_pdf(queries.report_content(snap, sel, area=area))


def export_buttons(snap: Snapshot, sel: Filters, *, area: str | None = None) -> None:
    """Download buttons for the slide deck and the PDF of the current view (built on click,
    each recorded in the audit log), and an optional PowerPoint template for the deck: its
    master, logo and colours."""
    from regie_analytics import deck as decks

    name = f"regie-analytics-{area or 'gemeente'}-{sel.start}-{sel.end}"
    left, right = st.columns(2)
    upload = left.file_uploader(
        "Huisstijl voor de dia's (pptx-sjabloon, optioneel)",
        type=["pptx"],
        key=f"deck_template_{area or 'gemeente'}",
        help="De dia's krijgen de indelingen, het logo en de kleuren van dit sjabloon.",
    )
    template = upload.getvalue() if upload is not None else None
    if upload is not None and template is not None:
        try:
            decks.check_template(template, name=upload.name)
        except InputError as exc:
            left.warning(str(exc), icon=":material/warning:")
            template = None
    protected = sel.protected

    def button(column: Any, label: str, build: Callable[[], bytes], fmt: str, mime: str) -> None:
        icon = ":material/slideshow:" if fmt == "pptx" else ":material/picture_as_pdf:"
        access.download(
            column, label, lambda: _built(build),
            fmt=fmt, name=f"{name}.{fmt}", mime=mime, sel=sel, area=area, rows=None, icon=icon,
        )  # fmt: skip

    button(
        left,
        "Download presentatie (pptx)",
        lambda: deck(snap, protected, area=area, template=template),
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
    button(
        right,
        "Download rapport (pdf)",
        lambda: pdf(snap, protected, area=area),
        "pdf",
        "application/pdf",
    )
