"""The PDF's page furniture: a TrueType font with the Dutch and typographic characters, the
paragraph styles, and on every A4-landscape page the demo banner, a header with the title and
filter, and a footer with source, date and "pagina n van N"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from regie_analytics.export.content import ReportContent
from regie_analytics.export.style import ACCENT_COLOR, BANNER_COLOR, DEMO_BANNER

_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
)
GREY = colors.HexColor("#555555")
"""Header, footer, subtitle and notes."""


def pdf_fonts() -> tuple[str, str]:
    """Register a TrueType font with the Dutch and typographic characters used (–, −, é, ×);
    Helvetica when none is installed."""
    if "RegieSans" in pdfmetrics.getRegisteredFontNames():
        return "RegieSans", "RegieSans-Bold"
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("RegieSans", regular))
            pdfmetrics.registerFont(TTFont("RegieSans-Bold", bold))
            return "RegieSans", "RegieSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def pdf_text(text: str, font: str) -> str:
    """Escape for reportlab paragraphs; replace what Helvetica cannot show."""
    if font == "Helvetica":
        text = text.replace("−", "-").replace("≥", ">=")
    return escape(text)


@dataclass(frozen=True)
class PdfPage:
    """The page's fonts, sizes and margins (points) and the paragraph styles."""

    regular: str
    bold: str
    width: float
    height: float
    margin: float
    banner_h: float
    top_margin: float
    bottom_margin: float
    styles: dict[str, ParagraphStyle]

    @property
    def frame_w(self) -> float:
        """Width of the text frame."""
        return self.width - 2 * self.margin

    @property
    def frame_h(self) -> float:
        """Height of the text frame."""
        return self.height - self.top_margin - self.bottom_margin

    def para(self, text: str, style: str) -> Paragraph:
        """``text`` (plain, escaped here) as a paragraph in one of :attr:`styles`."""
        return Paragraph(pdf_text(text, self.regular), self.styles[style])


def pdf_page(content: ReportContent) -> PdfPage:
    """A4 landscape with 15 mm side margins; room for the demo banner when generated."""
    regular, bold = pdf_fonts()
    page_w, page_h = landscape(A4)
    banner_h = 8 * mm if content.generated else 0.0
    return PdfPage(
        regular=regular,
        bold=bold,
        width=page_w,
        height=page_h,
        margin=15 * mm,
        banner_h=banner_h,
        top_margin=banner_h + 16 * mm,
        bottom_margin=16 * mm,
        styles=_styles(regular, bold),
    )


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    styles = {
        "title": ParagraphStyle(
            "title",
            fontName=bold,
            fontSize=30,
            leading=36,
            textColor=colors.HexColor(f"#{ACCENT_COLOR}"),
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=15, leading=20, textColor=GREY
        ),
        "sentence": ParagraphStyle(
            "sentence",
            fontName=regular,
            fontSize=16,
            leading=22,
            leftIndent=14,
            bulletIndent=0,
            spaceAfter=8,
        ),
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=20, leading=24, spaceAfter=6),
        "caption": ParagraphStyle(
            "caption",
            fontName=regular,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#333333"),
            spaceBefore=6,
        ),
        "note": ParagraphStyle("note", fontName=regular, fontSize=10, leading=13, textColor=GREY),
    }
    for size in (12, 10):
        styles[f"cell{size}"] = ParagraphStyle(
            f"cell{size}", fontName=regular, fontSize=size, leading=size * 1.25
        )
        styles[f"right{size}"] = ParagraphStyle(
            f"right{size}", fontName=regular, fontSize=size, leading=size * 1.25, alignment=2
        )
        styles[f"head{size}"] = ParagraphStyle(
            f"head{size}",
            fontName=bold,
            fontSize=size,
            leading=size * 1.25,
            textColor=colors.white,
        )
    return styles


def page_frame(page: PdfPage, content: ReportContent) -> Callable[[Any, Any], None]:
    """Draws the demo banner, the header (title, filter) and the footer (source, date) on
    each page."""

    def draw(canv: Any, _doc: Any) -> None:
        page_w, page_h, margin = page.width, page.height, page.margin
        banner_h, bottom_margin = page.banner_h, page.bottom_margin
        canv.saveState()
        if content.generated:
            canv.setFillColor(colors.HexColor(f"#{BANNER_COLOR}"))
            canv.rect(0, page_h - banner_h, page_w, banner_h, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            canv.setFont(page.bold, 12)
            canv.drawCentredString(page_w / 2, page_h - banner_h + 2.6 * mm, DEMO_BANNER)
        canv.setFillColor(GREY)
        canv.setFont(page.regular, 9)
        canv.drawString(margin, page_h - banner_h - 8 * mm, content.title)
        canv.drawRightString(page_w - margin, page_h - banner_h - 8 * mm, content.subtitle)
        canv.setStrokeColor(colors.HexColor("#cccccc"))
        canv.line(margin, bottom_margin - 4 * mm, page_w - margin, bottom_margin - 4 * mm)
        canv.setFont(page.regular, 8.5)
        canv.drawString(margin, bottom_margin - 9 * mm, content.footer)
        canv.restoreState()

    return draw


def numbered_canvas(page: PdfPage) -> type[canvas.Canvas]:
    """A canvas class that draws 'pagina n van N' once the number of pages is known."""

    class NumberedCanvas(canvas.Canvas):
        """Draws 'pagina n van N' once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(page.regular, 8.5)
                self.setFillColor(GREY)
                self.drawRightString(
                    page.width - page.margin,
                    page.bottom_margin - 9 * mm,
                    f"pagina {self._pageNumber} van {count}",
                )
                super().showPage()
            super().save()

    return NumberedCanvas
