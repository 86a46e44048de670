"""The council deck: a real PowerPoint built from a :class:`report.ReportContent`.

Every number on a slide comes from the content, whose counts are already protected; nothing
here reads the store. The deck is made for a clerk who puts it on screen and edits it:

- Slides are made from the layouts of a master (python-pptx's default, widened to 16:9, or a
  municipality's own template): titles, subtitle and the summary's bullets go into the
  layouts' placeholders, the source, date and slide number into the footer placeholders, so
  the template's master, logo, fonts and colours apply.
- Bar, line and scatter charts become native, editable chart objects: the plotly figure's
  traces are converted (bars to clustered or stacked bars or columns after the figure's
  ``barmode`` and orientation, lines over months to a line chart, numeric scatter to an XY
  scatter), with the figure's colours and Dutch labels. A bar's label (``"<5"``, ``"x"``) is
  kept as the point's data label.
- Maps are pictures drawn from the areas' outlines in their class colours (no browser; the
  maps of a deck side by side in threads) and kept on the content, so a second deck for the
  same filter reuses them; their legend is editable shapes (the bivariate 3x3 legend too),
  and their alt text says what the map shows: title, measure, period and the classes with
  their number of areas. Any other figure type becomes a picture through Chromium.
- Tables are real tables: the font size and column widths are chosen so that no word is
  broken (each column at least as wide as its longest word), and a long table continues on
  the next slide.
- Every slide has speaker notes: the headline sentences, what the slide shows, the method in
  one line and the caveat that signals are no measure of need.
"""

from __future__ import annotations

import asyncio
import io
import math
import re
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.chart import XL_MARKER_STYLE as MARKER
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt
from reportlab.pdfbase.pdfmetrics import stringWidth

from regie_analytics import report
from regie_analytics.formatting import fmt_int, fmt_month, fmt_num, fmt_period
from regie_analytics.schema import InputError

CAVEAT = (
    "Let op: signalen zijn meldingen en registraties, geen maat voor hulpvraag of behoefte. "
    "Veel signalen betekent niet vanzelf veel nood, en waar weinig wordt gemeld kan de "
    "behoefte groot zijn."
)
"""Said in the notes of every slide."""

METHODS: dict[str, str] = {
    "kaart": "Methode: signalen in de periode per gebied geteld (per 1.000 inwoners waar "
    "inwonertallen bekend zijn), ingedeeld in klassen; kleine aantallen afgeschermd.",
    "samenhang": "Methode: per domein is elk gebied laag, midden of hoog naar signalen per "
    "inwoner; de combinatie van sociaal en fysiek geeft negen kleuren.",
    "trends": "Methode: signalen per maand en domein geteld, de rapportperiode naast de even "
    "lange periode ervoor; kleine maandaantallen afgeschermd.",
    "top": "Methode: gebieden waar sociaal én fysiek hoog zijn, gerangschikt op de "
    "samenhangsindex (0–100).",
    "themas": "Methode: signalen van dit gebied per thema geteld; de index vergelijkt het "
    "aantal per inwoner met de gemeente (100 = gemiddeld).",
    "trend": "Methode: signalen van dit gebied per blok van drie maanden en per domein geteld.",
    "gebiedskaart": "Methode: signalen in de periode per buurt van dit gebied geteld (per "
    "1.000 inwoners waar inwonertallen bekend zijn), ingedeeld in klassen over deze buurten; "
    "kleine aantallen afgeschermd.",
    "gebieden": "Methode: de buurten van dit gebied gerangschikt naar hun beschermde aantal "
    "signalen in de periode; een afgeschermd aantal telt als klein.",
    "buren": "Methode: de aangrenzende gebieden (gedeelde grens of hoekpunt) met hun signalen "
    "in de periode.",
}
"""The method in one line, per report item (see :func:`report.collect`)."""

DUTCH_COUNT_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
"""Whole numbers with a thousands dot whatever the viewer's locale (the dot is a literal)."""
DECIMAL_FORMAT = "0.0"
TITLE_SIZE = 36
BODY_SIZE = 24
CHART_FONT = 14
TABLE_SIZES = (20, 18, 16, 14, 12, 11, 10)
"""Font sizes tried for a table, largest first."""
LONG_TABLE_SIZE = 16
"""Font size of a table too long for one slide (it continues on the next)."""
MIN_TABLE_SIZE = 14
"""Smallest font size at which a table is squeezed onto one slide."""
WIDTH_SAFETY = 1.2
"""Text is measured in Helvetica (Arial's widths); a template's font may be wider (DejaVu
Sans, LibreOffice's stand-in for a missing font, is about 15% wider)."""
ARIAL_SAFETY = 1.05
"""The same for the default master, whose theme font is Arial (Liberation Sans in LibreOffice)."""
WIDE = (Inches(13.333), Inches(7.5))


# --- the master: default 16:9 or the municipality's template -----------------------------------


@dataclass
class _Layouts:
    """The layouts used, found by their placeholders (templates rename them)."""

    title: Any
    content: Any
    title_only: Any
    body_box: tuple[int, int, int, int]
    """Left, top, width and height of the content layout's body: where charts go."""


def _placeholder_types(layout: Any) -> list[PP_PLACEHOLDER]:
    return [ph.placeholder_format.type for ph in layout.placeholders]


_BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)


def _body_placeholders(layout: Any) -> list[Any]:
    return [
        ph
        for ph in layout.placeholders
        if ph.placeholder_format.type in _BODY_TYPES and ph.element.ph_orient != "vert"
    ]


def _find_layouts(prs: Any, *, name: str) -> _Layouts:
    layouts = list(prs.slide_layouts)
    with_title = [
        lay
        for lay in layouts
        if {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE} & set(_placeholder_types(lay))
    ]
    if not with_title:
        raise InputError(
            "het sjabloon heeft geen dia-indeling met een titel.",
            file=name,
            hint="kies een sjabloon met de gewone indelingen (Titeldia, Titel en object).",
        )
    title = next(
        (lay for lay in with_title if PP_PLACEHOLDER.CENTER_TITLE in _placeholder_types(lay)),
        with_title[0],
    )
    content = next(
        (
            lay
            for lay in with_title
            if PP_PLACEHOLDER.TITLE in _placeholder_types(lay) and len(_body_placeholders(lay)) == 1
        ),
        None,
    )
    others = (
        PP_PLACEHOLDER.PICTURE,
        PP_PLACEHOLDER.CHART,
        PP_PLACEHOLDER.TABLE,
        PP_PLACEHOLDER.SUBTITLE,
    )
    title_only = next(
        (
            lay
            for lay in with_title
            if PP_PLACEHOLDER.TITLE in _placeholder_types(lay)
            and not _body_placeholders(lay)
            and not set(others) & set(_placeholder_types(lay))
        ),
        content or with_title[0],
    )
    content = content or title_only
    body = _body_placeholders(content)
    if body:
        ph = body[0]
        box = (int(ph.left), int(ph.top), int(ph.width), int(ph.height))
    else:
        width, height = int(prs.slide_width), int(prs.slide_height)
        box = (int(width * 0.04), int(height * 0.22), int(width * 0.92), int(height * 0.66))
    return _Layouts(title=title, content=content, title_only=title_only, body_box=box)


def _scale_x(part_element: Any, factor: float) -> None:
    """Widen every explicitly placed shape of a master or layout by ``factor``."""
    for xfrm in part_element.iter(qn("a:xfrm")):
        off, ext = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
        if off is not None:
            off.set("x", str(round(int(off.get("x")) * factor)))
        if ext is not None:
            ext.set("cx", str(round(int(ext.get("cx")) * factor)))


def _default_presentation() -> Any:
    """python-pptx's default master at 16:9: its placeholders widened, titles 36 pt, body
    24 pt, the footer placeholders laid out for a long source line, accent 1 the house blue."""
    prs = Presentation()
    factor = WIDE[0] / prs.slide_width
    prs.slide_width, prs.slide_height = WIDE
    master = prs.slide_master
    _scale_x(master.element, factor)
    for layout in prs.slide_layouts:
        _scale_x(layout.element, factor)
    styles = master.element.find(qn("p:txStyles"))
    for style, size in (("p:titleStyle", TITLE_SIZE), ("p:bodyStyle", BODY_SIZE)):
        level = styles.find(qn(style)).find(qn("a:lvl1pPr"))
        level.find(qn("a:defRPr")).set("sz", str(size * 100))
    body = styles.find(qn("p:bodyStyle"))
    for depth, size in ((2, 20), (3, 18)):
        body.find(qn(f"a:lvl{depth}pPr")).find(qn("a:defRPr")).set("sz", str(size * 100))
    spots = {
        PP_PLACEHOLDER.FOOTER: (0.5, 8.9, "l"),
        PP_PLACEHOLDER.DATE: (9.5, 2.3, "r"),
        PP_PLACEHOLDER.SLIDE_NUMBER: (11.9, 0.93, "r"),
    }
    for ph in master.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.TITLE:  # one line of 36 pt, below the demo banner
            ph.top, ph.height = Inches(0.4), Inches(0.95)
        elif kind == PP_PLACEHOLDER.BODY:
            ph.top, ph.height = Inches(1.45), Inches(5.35)
        elif kind in spots:
            left, width, align = spots[kind]
            ph.left, ph.width, ph.top, ph.height = (
                Inches(left),
                Inches(width),
                Inches(6.95),
                Inches(0.45),
            )
            level = ph.element.txBody.find(qn("a:lstStyle")).find(qn("a:lvl1pPr"))
            level.set("algn", align)
            level.find(qn("a:defRPr")).set("sz", "1000")
    theme_part = master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    )
    theme = etree.fromstring(theme_part.blob)
    for font in theme.iter(qn("a:latin")):  # Arial: on every computer (or its metric twin)
        if font.getparent().tag in (qn("a:majorFont"), qn("a:minorFont")):
            font.set("typeface", "Arial")
    accent = theme.find(".//" + qn("a:accent1"))
    if accent is not None:
        for child in list(accent):
            accent.remove(child)
        etree.SubElement(accent, qn("a:srgbClr"), val=report.ACCENT_COLOR)
        theme_part._blob = etree.tostring(
            theme, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    return prs


def _template_presentation(template: bytes | Path, *, name: str) -> Any:
    """The municipality's template without its own slides; InputError when it is no pptx."""
    try:
        blob = template.read_bytes() if isinstance(template, Path) else template
        prs = Presentation(io.BytesIO(blob))
    except OSError as exc:
        raise InputError(
            f"het sjabloon is niet te lezen: {exc.strerror or exc}.",
            file=name,
            hint="geef het pad van een PowerPoint-bestand (.pptx).",
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError):
        raise InputError(
            "het sjabloon is geen PowerPoint-bestand (.pptx).",
            file=name,
            hint="sla het sjabloon in PowerPoint of LibreOffice op als .pptx (niet .potx of "
            ".ppt) en probeer het opnieuw.",
        ) from None
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)
    return prs


def check_template(template: bytes | Path, *, name: str) -> None:
    """Raise :class:`InputError` (Dutch, naming the file ``name``) when ``template`` is not a
    PowerPoint file with a layout that has a title."""
    _find_layouts(_template_presentation(template, name=name), name=name)


# --- slides -------------------------------------------------------------------------------------


def build_deck(content: report.ReportContent, *, template: bytes | Path | None = None) -> bytes:
    """The council deck of ``content`` as ``.pptx`` bytes.

    A title slide, a summary slide with the headline sentences, then one slide per report
    item (a long table continues on the next slide). ``template`` is a ``.pptx`` file (path
    or bytes) whose master, layouts and theme are used; its own slides are left out. Raises
    :class:`InputError` when the template is not a usable PowerPoint file.
    """
    name = template.name if isinstance(template, Path) else "sjabloon.pptx"
    if template is None:
        prs = _default_presentation()
    else:
        prs = _template_presentation(template, name=name)
    layouts = _find_layouts(prs, name=name)
    # the default master's Arial is what is measured; a template's font may be wider
    safety = ARIAL_SAFETY if template is None else WIDTH_SAFETY
    pictures = _pictures(content)
    pages: list[tuple[report.ReportItem, pd.DataFrame | None, int]] = []
    for item in content.items:
        if item.table is not None and not item.has_figure:
            box = _content_box(layouts, caption=bool(item.caption))
            parts = _table_pages(item.table, box=box, safety=safety)
            pages += [(item, part, i) for i, part in enumerate(parts)]
        else:
            pages.append((item, item.table, 0))
    deck = _Deck(prs, layouts, content, total=len(pages) + 2, safety=safety)
    deck.title_slide()
    deck.summary_slide()
    for item, table, part in pages:
        deck.item_slide(item, table, part, pictures)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _content_box(layouts: _Layouts, *, caption: bool) -> tuple[float, float, float, float]:
    """Left, top, width, height in inches for a chart or table (room for a caption below)."""
    left, top, width, height = (Emu(v).inches for v in layouts.body_box)
    return left, top, width, height - (0.75 if caption else 0.0)


class _Deck:
    def __init__(
        self,
        prs: Any,
        layouts: _Layouts,
        content: report.ReportContent,
        *,
        total: int,
        safety: float,
    ):
        self.prs = prs
        self.layouts = layouts
        self.content = content
        self.total = total
        self.number = 0
        self.safety = safety

    def _slide(self, layout: Any, title: str) -> Any:
        self.number += 1
        slide = self.prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        self._fit_title(slide.shapes.title)
        self._footer(slide, layout)
        if self.content.generated:
            self._banner(slide)
        return slide

    def _fit_title(self, shape: Any) -> None:
        """Keep a long title inside its placeholder: the master's title size, or as much
        smaller as the placeholder's height needs (PowerPoint's shrink-on-overflow is set
        too, for later edits)."""
        styles = self.prs.slide_master.element.find(qn("p:txStyles"))
        level = None if styles is None else styles.find(qn("p:titleStyle") + "/" + qn("a:lvl1pPr"))
        rpr = None if level is None else level.find(qn("a:defRPr"))
        size = int(rpr.get("sz", "4400")) / 100 if rpr is not None else 44.0
        width, height = Emu(shape.width).inches, Emu(shape.height).inches
        text = shape.text_frame.text
        fitted = size
        while fitted > 20 and (
            _lines(text, width, fitted, bold=False, safety=self.safety) * fitted * 1.2 / 72
            > height - 0.1
        ):
            fitted -= 2
        body_pr = shape.text_frame._txBody.bodyPr
        for child in list(body_pr):
            body_pr.remove(child)
        etree.SubElement(body_pr, qn("a:normAutofit"))
        if fitted < size:
            for run in shape.text_frame.paragraphs[0].runs:
                run.font.size = Pt(fitted)

    def _footer(self, slide: Any, layout: Any) -> None:
        texts = {
            PP_PLACEHOLDER.FOOTER: self.content.source,
            PP_PLACEHOLDER.DATE: f"gemaakt op {self.content.created}",
            PP_PLACEHOLDER.SLIDE_NUMBER: f"{self.number} / {self.total}",
        }
        found = {ph.placeholder_format.type: ph for ph in layout.placeholders}
        height = Emu(self.prs.slide_height).inches
        width = Emu(self.prs.slide_width).inches
        for kind, text in texts.items():
            if kind in found:
                slide.shapes.clone_placeholder(found[kind])
                shape = next(ph for ph in slide.placeholders if ph.placeholder_format.type == kind)
            else:  # a template without this footer placeholder: a small text box
                spots = {
                    PP_PLACEHOLDER.FOOTER: (0.4, width * 0.62),
                    PP_PLACEHOLDER.DATE: (width * 0.66, width * 0.2),
                    PP_PLACEHOLDER.SLIDE_NUMBER: (width * 0.88, width * 0.1),
                }
                left, box_width = spots[kind]
                shape = slide.shapes.add_textbox(
                    Inches(left), Inches(height - 0.5), Inches(box_width), Inches(0.4)
                )
                shape.text_frame.word_wrap = True
                shape.text_frame.text = text
                for run in shape.text_frame.paragraphs[0].runs:
                    run.font.size = Pt(11)
                continue
            shape.text_frame.text = text
            for run in shape.text_frame.paragraphs[0].runs:  # the theme's body font, small
                run.font.name = "+mn-lt"
                run.font.size = Pt(10)

    def _banner(self, slide: Any) -> None:
        width = self.prs.slide_width
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, width, Inches(0.3))
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(report.BANNER_COLOR)
        shape.line.fill.background()
        shape.name = "Demodata"
        frame = shape.text_frame
        frame.margin_top = frame.margin_bottom = 0
        paragraph = frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.CENTER
        run = paragraph.add_run()
        run.text = report.DEMO_BANNER
        run.font.size = Pt(13)
        run.font.bold = True
        run.font.color.rgb = RGBColor.from_string("FFFFFF")

    def _notes(self, slide: Any, shows: str, method: str) -> None:
        lines = [*self.content.sentences]
        if shows:
            lines.append(f"Deze dia: {shows}")
        lines += [method, CAVEAT, "Kleine aantallen zijn afgeschermd. " + self.content.privacy_note]
        slide.notes_slide.notes_text_frame.text = "\n\n".join(lines)

    def _general_method(self) -> str:
        content = self.content
        where = f"in {content.area}" if content.area else f"per {content.level}"
        return (
            f"Methode: signalen geteld {where} in {fmt_period(content.start, content.end)} "
            f"({content.subtitle}); elk aantal beschermd zoals de voetnoot hieronder zegt."
        )

    def title_slide(self) -> None:
        layout = self.layouts.title
        slide = self._slide(layout, self.content.title)
        subtitle = next(
            (
                ph
                for ph in slide.placeholders
                if ph.placeholder_format.type in (PP_PLACEHOLDER.SUBTITLE, *_BODY_TYPES)
            ),
            None,
        )
        text = self.content.subtitle
        if subtitle is not None:
            subtitle.text_frame.text = text
        else:
            left, top, width, _ = _content_box(self.layouts, caption=False)
            box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(0.8))
            box.text_frame.text = text
        self._notes(slide, "titel en filter van het rapport.", self._general_method())

    def summary_slide(self) -> None:
        slide = self._slide(self.layouts.content, "Samenvatting")
        body = _body_placeholders(slide)
        lines = [
            *self.content.sentences,
            "Kleine aantallen zijn afgeschermd. " + self.content.privacy_note,
        ]
        if body:
            frame = body[0].text_frame
            frame.text = lines[0]
            for line in lines[1:]:
                frame.add_paragraph().text = line
            # the last line (privacy) smaller
            for run in frame.paragraphs[-1].runs:
                run.font.size = Pt(16)
            body_pr = frame._txBody.bodyPr
            for child in list(body_pr):
                body_pr.remove(child)
            etree.SubElement(body_pr, qn("a:normAutofit"))
        else:
            left, top, width, height = _content_box(self.layouts, caption=False)
            box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
            box.text_frame.word_wrap = True
            box.text_frame.text = "\n".join(lines)
        self._notes(slide, "de kernpunten in zinnen.", self._general_method())

    def item_slide(
        self,
        item: report.ReportItem,
        table: pd.DataFrame | None,
        part: int,
        pictures: dict[str, bytes],
    ) -> None:
        title = item.title + (" (vervolg)" if part else "")
        slide = self._slide(self.layouts.title_only, title)
        for ph in _body_placeholders(slide):  # a template without a title-only layout
            ph.element.getparent().remove(ph.element)
        left, top, width, height = _content_box(self.layouts, caption=bool(item.caption))
        shows = item.caption
        if item.has_figure:
            figure = item.figure
            assert figure is not None
            picture = pictures.get(item.key)
            side = min(3.6, width * 0.3) if picture is not None or table is not None else 0.0
            chart_width = width - side - (0.2 if side else 0.0)
            side_left, side_top = left + chart_width + 0.2, top
            if picture is not None:
                _picture(
                    slide,
                    picture,
                    box=(left, top, chart_width, height),
                    alt=_map_alt_text(figure, self.content, item),
                )
                grid: set[str] = set()
                if item.legend is not None:
                    side_top, grid = _grid_legend(slide, item.legend, box=(side_left, top, side))
                if _is_map(figure):
                    side_top = _class_legend(
                        slide, figure, skip=grid, box=(side_left, side_top + 0.1, side)
                    )
            else:
                _native_chart(slide, figure, box=(left, top, chart_width, height))
            if table is not None:
                _table(
                    slide,
                    table,
                    box=(side_left, side_top, side, top + height - side_top),
                    safety=self.safety,
                )
        elif table is not None:
            _table(slide, table, box=(left, top, width, height), safety=self.safety)
        else:  # nothing to draw or list: the caption says why, large
            box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
            box.text_frame.word_wrap = True
            box.text_frame.text = item.caption
            for run in box.text_frame.paragraphs[0].runs:
                run.font.size = Pt(24)
            self._notes(slide, "", METHODS.get(item.key, self._general_method()))
            return
        if item.caption:
            box = slide.shapes.add_textbox(
                Inches(left), Inches(top + height + 0.05), Inches(width), Inches(0.7)
            )
            frame = box.text_frame
            frame.word_wrap = True
            frame.auto_size = MSO_AUTO_SIZE.NONE
            frame.text = item.caption
            for run in frame.paragraphs[0].runs:
                run.font.size = Pt(13)
                run.font.color.rgb = RGBColor.from_string("404040")
            box.name = "Toelichting"
        self._notes(slide, shows, METHODS.get(item.key, self._general_method()))


# --- pictures ------------------------------------------------------------------------------------


def _is_native(fig: go.Figure) -> bool:
    """Whether the figure's traces convert to one native chart (bars, lines or a scatter)."""
    kinds = {trace.type for trace in fig.data}
    return bool(kinds) and (kinds == {"bar"} or kinds == {"scatter"})


def _is_map(fig: go.Figure) -> bool:
    return bool(fig.data) and all(trace.type == "choroplethmap" for trace in fig.data)


def _pictures(content: report.ReportContent) -> dict[str, bytes]:
    """Pictures of the figures that have no native form, keyed by item key, kept on the
    content (``content._pngs``, per filter where the content is cached): maps drawn from
    their areas' outlines (:func:`map_png`, no browser), anything else through Chromium
    (:func:`render_pngs`). Figures and maps are drawn side by side in threads (drawing the
    pictures releases the interpreter lock)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        figures = list(pool.map(lambda item: item.figure, content.items))
        wanted = {
            f"dia_{item.key}.png": figure
            for item, figure in zip(content.items, figures, strict=True)
            if figure is not None and not _is_native(figure)
        }
        missing = [(name, fig) for name, fig in wanted.items() if name not in content._pngs]
        maps = [(name, fig) for name, fig in missing if _is_map(fig)]
        for (name, _), png in zip(maps, pool.map(map_png, [f for _, f in maps]), strict=True):
            content._pngs[name] = png
    others = [(name, fig) for name, fig in missing if not _is_map(fig)]
    for (name, _), png in zip(
        others, render_pngs([(f, (1200, 620)) for _, f in others]), strict=True
    ):
        content._pngs[name] = png
    return {name.removeprefix("dia_").removesuffix(".png"): content._pngs[name] for name in wanted}


MAP_PIXELS = 2000
"""Longest side of a map picture in pixels (sharp on a projector and in print)."""


def _rings(geometry: dict[str, Any]) -> list[tuple[list[Any], list[list[Any]]]]:
    """(exterior, holes) of every polygon of a GeoJSON geometry."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        polygons = []
    return [(list(poly[0]), [list(r) for r in poly[1:]]) for poly in polygons if poly]


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, 85.0), -85.0)
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def map_png(fig: go.Figure, *, pixels: int = MAP_PIXELS) -> bytes:
    """The areas of a map figure (``choroplethmap`` traces, one colour per trace as the
    house maps have) drawn as a PNG in web mercator, fitted to the areas shown, without
    title or legend (the slide gives both). Outlines keep the trace's line colour and width;
    a transparent trace (the highlighted area) is drawn as its outline only, on top."""
    from PIL import Image, ImageDraw

    shapes = []
    for trace in fig.data:
        features = (trace.geojson or {}).get("features", [])
        fill = _color(trace.colorscale[-1][1]) if trace.colorscale else None
        transparent = "rgba" in str(trace.colorscale[-1][1] if trace.colorscale else "")
        line = trace.marker.line
        rings = [
            (
                [_mercator(*pt[:2]) for pt in outer],
                [[_mercator(*pt[:2]) for pt in h] for h in holes],
            )
            for feature in features
            for outer, holes in _rings(feature.get("geometry") or {"type": ""})
        ]
        shapes.append((rings, None if transparent else fill, _color(line.color), line.width or 0))
    points = [pt for rings, *_ in shapes for outer, _ in rings for pt in outer]
    if not points:
        raise ValueError("kaart zonder gebieden")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    min_x, max_y = min(xs), max(ys)
    span_x, span_y = max(max(xs) - min_x, 1e-9), max(max_y - min(ys), 1e-9)
    scale = (pixels - 40) / max(span_x, span_y)
    supersample, pad = 2, 20
    width, height = round(span_x * scale) + 2 * pad, round(span_y * scale) + 2 * pad
    image = Image.new("RGB", (width * supersample, height * supersample), "white")
    factor = scale * supersample

    def xy(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [
            ((x - min_x) * factor + pad * supersample, (max_y - y) * factor + pad * supersample)
            for x, y in ring
        ]

    line_scale = width / 1200 * supersample  # plotly line widths are px of a 1200 px map
    ordered = [s for s in shapes if s[1] is not None] + [s for s in shapes if s[1] is None]
    for rings, fill, line_color, line_width in ordered:
        if fill is not None:
            holes = [hole for _, inner in rings for hole in inner]
            below = image.copy() if holes else None  # what a hole lets through
            pen = ImageDraw.Draw(image)
            for outer, _ in rings:
                pen.polygon(xy(outer), fill=tuple(fill))
            if below is not None:
                mask = Image.new("L", image.size, 0)
                cut = ImageDraw.Draw(mask)
                for hole in holes:
                    cut.polygon(xy(hole), fill=255)
                image.paste(below, mask=mask)
        if line_width and line_color is not None:
            pen = ImageDraw.Draw(image)
            stroke = max(1, round(line_width * line_scale))
            for outer, holes in rings:
                for ring in [outer, *holes]:
                    pen.line(xy(ring), fill=tuple(line_color), width=stroke, joint="curve")
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


_RENDER_LOCK = threading.Lock()


def render_pngs(figures: Sequence[tuple[go.Figure, tuple[int, int]]]) -> list[bytes]:
    """PNG bytes of each (figure, (width, height)) at :data:`report.PNG_SCALE`, drawn in
    parallel: one Chromium with a tab per figure (at most four)."""
    import kaleido

    if not figures:
        return []
    report._browser_env()
    specs = [
        {
            "fig": fig.to_dict(),
            "opts": {"format": "png", "width": w, "height": h, "scale": report.PNG_SCALE},
        }
        for fig, (w, h) in figures
    ]

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(n=min(4, len(specs)), timeout=120) as browser:
            return list(
                await asyncio.gather(
                    *(browser.calc_fig(spec["fig"], opts=spec["opts"]) for spec in specs)
                )
            )

    with _RENDER_LOCK, ThreadPoolExecutor(max_workers=1) as pool:
        # a thread of its own: the caller (Streamlit) may already run an event loop
        return [bytes(png) for png in pool.submit(asyncio.run, draw()).result()]


def _set_alt_text(shape: Any, text: str) -> None:
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", text)


def _picture(
    slide: Any, png: bytes, *, box: tuple[float, float, float, float], alt: str
) -> tuple[float, float]:
    """``png`` centred in the box (inches), aspect kept, with alt text; its width and height."""
    left, top, width, height = box
    px_w, px_h = report._png_size(png)
    scale = min(width / px_w, height / px_h)
    w, h = px_w * scale, px_h * scale
    shape = slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (width - w) / 2), Inches(top), Inches(w), Inches(h)
    )
    _set_alt_text(shape, alt)
    shape.name = alt.split(".")[0][:60]
    return w, h


def _plain(text: object) -> str:
    """Plotly text without its HTML tags."""
    return re.sub(r"<[^>]+>", " ", str(text or "")).replace("  ", " ").strip()


def _map_alt_text(fig: go.Figure, content: report.ReportContent, item: report.ReportItem) -> str:
    """What a map shows, for a screen reader: title, measure, period and each class with its
    number of areas."""
    title = _plain(fig.layout.title.text) or item.title
    measure = _plain(fig.layout.legend.title.text)
    classes = [
        f"{_plain(trace.name)}: {len(trace.locations)}"
        for trace in fig.data
        if trace.showlegend is not False
        and trace.name
        and getattr(trace, "locations", None) is not None
    ]
    parts = [f"Kaart: {title}", f"periode {fmt_period(content.start, content.end)}"]
    if measure:
        parts.append(f"kleur: {measure}")
    text = ". ".join(parts) + "."
    if classes:
        text += " Klassen (aantal gebieden): " + "; ".join(classes) + "."
    return text + " " + item.caption


def _legend_entry(
    group: Any, color: RGBColor, text: str, *, left: float, top: float, width: float
) -> float:
    """A coloured square and its label in a legend group; the entry's height in inches."""
    square = group.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(left), Inches(top + 0.04), Inches(0.26), Inches(0.26)
    )
    square.fill.solid()
    square.fill.fore_color.rgb = color
    square.line.color.rgb = RGBColor.from_string("BBBBBB")
    square.line.width = Pt(0.5)
    label = group.shapes.add_textbox(
        Inches(left + 0.34), Inches(top), Inches(width - 0.34), Inches(0.34)
    )
    label.text_frame.margin_top = label.text_frame.margin_bottom = 0
    label.text_frame.text = text
    for run in label.text_frame.paragraphs[0].runs:
        run.font.size = Pt(CHART_FONT)
    return 0.36


def _class_legend(
    slide: Any, fig: go.Figure, *, skip: set[str], box: tuple[float, float, float]
) -> float:
    """The map's classes as an editable legend (title, then a square and name per class,
    in the figure's legend order), leaving out the colours in ``skip``; returns its bottom."""
    left, top, width = box
    entries = []
    for position, trace in enumerate(fig.data):
        color = _color(trace.colorscale[-1][1]) if trace.colorscale else None
        if trace.showlegend is False or not trace.name or color is None:
            continue
        if str(color) in skip:
            continue
        entries.append(
            (
                trace.legendrank if trace.legendrank is not None else 1000,
                position,
                color,
                trace.name,
            )
        )
    if not entries:
        return top
    group = slide.shapes.add_group_shape()
    group.name = "Legenda"
    title = _plain(fig.layout.legend.title.text)
    y = top
    if title and not skip:
        box_title = group.shapes.add_textbox(Inches(left), Inches(y), Inches(width), Inches(0.36))
        box_title.text_frame.text = title
        box_title.text_frame.word_wrap = True
        for run in box_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT)
            run.font.bold = True
        y += 0.42 if len(title) * 0.11 < width else 0.7
    for _, _, color, name in sorted(entries, key=lambda e: (e[0], e[1])):
        y += _legend_entry(group, color, _plain(name), left=left, top=y, width=width)
    return y


def _grid_legend(
    slide: Any, legend: go.Figure, *, box: tuple[float, float, float]
) -> tuple[float, set[str]]:
    """A legend figure drawn with rectangles (the bivariate 3x3 legend) as editable shapes:
    its cells, axis titles and tick labels. Returns its bottom and the cells' colours."""
    left, top, side = box
    cells = [s for s in legend.layout.shapes if s.type == "rect" and s.fillcolor]
    if not cells:
        return top, set()
    x_axis, y_axis = legend.layout.xaxis, legend.layout.yaxis
    x0, x1 = x_axis.range or (min(c.x0 for c in cells), max(c.x1 for c in cells))
    y0, y1 = y_axis.range or (min(c.y0 for c in cells), max(c.y1 for c in cells))
    label = 0.55
    grid = min(side - label, 2.4)
    group = slide.shapes.add_group_shape()
    group.name = "Legenda"
    colors: set[str] = set()
    gx, gy = left + label, top
    for cell in cells:
        color = _color(cell.fillcolor)
        if color is None:
            continue
        colors.add(str(color))
        shape = group.shapes.add_shape(
            MSO_SHAPE.RECTANGLE,
            Inches(gx + (cell.x0 - x0) / (x1 - x0) * grid),
            Inches(gy + (y1 - cell.y1) / (y1 - y0) * grid),
            Inches((cell.x1 - cell.x0) / (x1 - x0) * grid),
            Inches((cell.y1 - cell.y0) / (y1 - y0) * grid),
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = color
        shape.line.color.rgb = RGBColor.from_string("FFFFFF")
        shape.line.width = Pt(1.5)

    def text(
        value: str,
        x: float,
        y: float,
        w: float,
        *,
        rotate: bool = False,
    ) -> None:
        box = group.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(0.3))
        frame = box.text_frame
        frame.margin_top = frame.margin_bottom = frame.margin_left = frame.margin_right = 0
        frame.text = value
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        for run in frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT - 1)
        if rotate:
            box.rotation = 270

    for value, tick in zip(x_axis.tickvals or (), x_axis.ticktext or (), strict=False):
        text(str(tick), gx + (value - x0) / (x1 - x0) * grid - 0.5, gy + grid + 0.02, 1.0)
    for value, tick in zip(y_axis.tickvals or (), y_axis.ticktext or (), strict=False):
        centre = gy + (y1 - value) / (y1 - y0) * grid
        text(str(tick), left + 0.4 - 0.5, centre - 0.15, 1.0, rotate=True)
    text(_plain(x_axis.title.text), gx, gy + grid + 0.3, grid)
    text(_plain(y_axis.title.text), left + 0.12 - grid / 2, gy + grid / 2 - 0.15, grid, rotate=True)
    _set_alt_text(group, _legend_alt_text(legend))
    return gy + grid + 0.65, colors


def _legend_alt_text(legend: go.Figure) -> str:
    x_title = _plain(legend.layout.xaxis.title.text).rstrip(" →")
    y_title = _plain(legend.layout.yaxis.title.text).rstrip(" →")
    return (
        f"Legenda: drie bij drie kleuren. Van links naar rechts {x_title} laag, midden, hoog; "
        f"van onder naar boven {y_title} laag, midden, hoog; de donkerste hoek is {x_title} "
        f"én {y_title} hoog."
    )


# --- native charts -----------------------------------------------------------------------------


def _color(value: object) -> RGBColor | None:
    """A plotly colour (``#rrggbb`` or ``rgb(r, g, b)``) as an RGBColor; None otherwise."""
    text = str(value or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        return RGBColor.from_string(text[1:].upper())
    found = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)", text)
    if found:
        return RGBColor(*(int(v) for v in found.groups()))
    return None


def _month_label(value: Any) -> str:
    """A month on a plotly axis (timestamp or text) as Dutch text: ``'mrt 2025'``."""
    return fmt_month(pd.Timestamp(value).strftime("%Y-%m"))


def _is_time(values: Sequence[Any]) -> bool:
    if not len(values):
        return False
    if all(isinstance(v, pd.Timestamp | pd.Period) or hasattr(v, "year") for v in values):
        return True
    return all(isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?.*", v) for v in values)


def _numbers(values: Sequence[Any] | None) -> list[float | None]:
    out: list[float | None] = []
    for value in values if values is not None else ():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        out.append(number if math.isfinite(number) else None)
    return out


def _value_format(values: Sequence[float | None]) -> str:
    known = [v for v in values if v is not None]
    whole = all(float(v).is_integer() for v in known)
    return DUTCH_COUNT_FORMAT if whole or max(map(abs, known), default=0) >= 100 else DECIMAL_FORMAT


def _dutch(value: float | None) -> str:
    if value is None:
        return ""
    return fmt_int(value) if float(value).is_integer() else fmt_num(value, 1)


def _native_chart(slide: Any, fig: go.Figure, *, box: tuple[float, float, float, float]) -> Any:
    """The figure's traces as one editable chart in the box (inches)."""
    traces = list(fig.data)
    kind = traces[0].type
    if kind == "bar":
        frame = _bar_chart(slide, fig, traces, box)
    else:
        x_values = [v for t in traces for v in (t.x if t.x is not None else ())]
        frame = (
            _line_chart(slide, traces, box) if _is_time(x_values) else _xy_chart(slide, traces, box)
        )
    chart = frame.chart
    chart.font.size = Pt(CHART_FONT)
    title = _plain(fig.layout.title.text)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        for run in chart.chart_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT + 4)
            run.font.bold = True
    named = [t for t in traces if t.name and t.showlegend is not False]
    chart.has_legend = len(traces) > 1 or bool(named)
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(CHART_FONT)
    axis_title = _plain(
        (fig.layout.xaxis.title.text if kind == "bar" and traces[0].orientation == "h" else None)
        or fig.layout.yaxis.title.text
    )
    if axis_title:
        axis = chart.value_axis
        axis.has_title = True
        axis.axis_title.text_frame.text = axis_title
        for run in axis.axis_title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(CHART_FONT)
            run.font.bold = False
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string("D9D9D9")
    value_axis.tick_labels.font.size = Pt(CHART_FONT)
    if chart.chart_type != XL_CHART_TYPE.XY_SCATTER:
        values = [v for series in chart.plots[0].series for v in series.values]
        value_axis.tick_labels.number_format = _value_format(values)
        value_axis.tick_labels.number_format_is_linked = False
    space = chart._chartSpace
    lang = space.find(qn("c:lang"))
    if lang is None:
        lang = etree.Element(qn("c:lang"))
        space.insert(1, lang)
    lang.set("val", "nl-NL")
    _set_alt_text(frame, f"Grafiek: {title}. " + _series_summary(chart))
    frame.name = f"Grafiek: {title}"[:60]
    return frame


def _series_summary(chart: Any) -> str:
    """Series names and their values in Dutch, for the alt text of a chart."""
    parts = []
    categories = (
        [str(c) for c in chart.plots[0].categories]
        if chart.chart_type != XL_CHART_TYPE.XY_SCATTER
        else []
    )
    for plot in chart.plots:
        for series in plot.series:
            values = [_dutch(v) for v in series.values]
            if categories:
                pairs = ", ".join(
                    f"{c}: {v or '–'}" for c, v in zip(categories, values, strict=False)
                )
            else:
                pairs = ", ".join(v for v in values if v)
            parts.append(f"{series.name}: {pairs}")
    return "; ".join(parts)


def _add_frame(
    slide: Any, chart_type: Any, data: Any, box: tuple[float, float, float, float]
) -> Any:
    left, top, width, height = box
    return slide.shapes.add_chart(
        chart_type, Inches(left), Inches(top), Inches(width), Inches(height), data
    )


def _bar_chart(slide: Any, fig: go.Figure, traces: list[Any], box: Any) -> Any:
    horizontal = traces[0].orientation == "h"
    stacked = fig.layout.barmode in ("stack", "relative")
    categories: list[str] = []
    rows: list[dict[str, tuple[float | None, str]]] = []
    for trace in traces:
        cats = trace.y if horizontal else trace.x
        vals = _numbers(trace.x if horizontal else trace.y)
        texts = list(trace.text) if isinstance(trace.text, tuple | list) else [None] * len(vals)
        row = {}
        for cat, value, text in zip(cats, vals, texts, strict=False):
            label = _month_label(cat) if _is_time([cat]) and not isinstance(cat, str) else str(cat)
            if label not in categories:
                categories.append(label)
            row[label] = (value, str(text) if text is not None else "")
        rows.append(row)
    order = _axis_order(fig, horizontal=horizontal)
    if order:
        categories = [c for c in order if c in categories] + [
            c for c in categories if c not in order
        ]
    data = CategoryChartData()
    data.categories = categories
    all_values = [v for row in rows for v, _ in row.values()]
    number_format = _value_format(all_values)
    for trace, row in zip(traces, rows, strict=True):
        data.add_series(
            _plain(trace.name) or "waarde",
            [row.get(c, (None, ""))[0] for c in categories],
            number_format=number_format,
        )
    chart_type = {
        (True, True): XL_CHART_TYPE.BAR_STACKED,
        (True, False): XL_CHART_TYPE.BAR_CLUSTERED,
        (False, True): XL_CHART_TYPE.COLUMN_STACKED,
        (False, False): XL_CHART_TYPE.COLUMN_CLUSTERED,
    }[(horizontal, stacked)]
    frame = _add_frame(slide, chart_type, data, box)
    chart = frame.chart
    plot = chart.plots[0]
    plot.gap_width = 60
    if stacked:
        plot.overlap = 100
    chart.category_axis.tick_labels.font.size = Pt(CHART_FONT)
    for trace, row, series in zip(traces, rows, plot.series, strict=True):
        color = _color(trace.marker.color) if isinstance(trace.marker.color, str) else None
        if color is not None:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = color
        if not any(text for _, text in row.values()):
            continue
        for index, category in enumerate(categories):
            value, text = row.get(category, (None, ""))
            if not text and value is None:
                continue
            label = series.points[index].data_label
            label.has_text_frame = True
            label.text_frame.text = text or _dutch(value)
            label.position = (
                XL_LABEL_POSITION.INSIDE_END if stacked else XL_LABEL_POSITION.OUTSIDE_END
            )
            label.font.size = Pt(CHART_FONT - 1)
    return frame


def _axis_order(fig: go.Figure, *, horizontal: bool) -> list[str]:
    axis = fig.layout.yaxis if horizontal else fig.layout.xaxis
    if axis.categoryorder == "array" and axis.categoryarray is not None:
        return [str(c) for c in axis.categoryarray]
    return []


def _line_chart(slide: Any, traces: list[Any], box: Any) -> Any:
    keys = sorted({pd.Timestamp(v) for t in traces for v in (t.x if t.x is not None else ())})
    data = CategoryChartData()
    data.categories = [_month_label(k) for k in keys]
    values_per_trace = []
    for trace in traces:
        by_month = dict(zip((pd.Timestamp(v) for v in trace.x), _numbers(trace.y), strict=False))
        values_per_trace.append([by_month.get(k) for k in keys])
    number_format = _value_format([v for vals in values_per_trace for v in vals])
    for trace, values in zip(traces, values_per_trace, strict=True):
        data.add_series(_plain(trace.name) or "waarde", values, number_format=number_format)
    frame = _add_frame(slide, XL_CHART_TYPE.LINE_MARKERS, data, box)
    chart = frame.chart
    axis = chart.category_axis
    axis.tick_labels.font.size = Pt(CHART_FONT - 2)
    skip = etree.Element(qn("c:tickLblSkip"), val=str(max(1, math.ceil(len(keys) / 12))))
    axis._element.insert_element_before(skip, "c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")
    for trace, series in zip(traces, chart.plots[0].series, strict=True):
        color = _color(trace.line.color)
        line = series.format.line
        line.width = Pt(2.5 if trace.line.dash in (None, "solid") else 1.75)
        if color is not None:
            line.color.rgb = color
        series.smooth = False
        markers = "markers" in str(trace.mode or "")
        series.marker.style = MARKER.CIRCLE if markers else MARKER.NONE
        if markers:
            series.marker.size = 6
            if color is not None:
                series.marker.format.fill.solid()
                series.marker.format.fill.fore_color.rgb = color
                series.marker.format.line.color.rgb = color
        if trace.line.dash not in (None, "solid"):
            line.dash_style = MSO_LINE_DASH_STYLE.DASH
    return frame


def _xy_chart(slide: Any, traces: list[Any], box: Any) -> Any:
    data = XyChartData()
    for trace in traces:
        series = data.add_series(_plain(trace.name) or "gebieden")
        for x, y in zip(_numbers(trace.x), _numbers(trace.y), strict=False):
            if x is not None and y is not None:
                series.add_data_point(x, y)
    frame = _add_frame(slide, XL_CHART_TYPE.XY_SCATTER, data, box)
    chart = frame.chart
    for trace, series in zip(traces, chart.plots[0].series, strict=True):
        series.format.line.fill.background()
        series.marker.style = MARKER.CIRCLE
        series.marker.size = 8
        color = _color(trace.marker.color) if isinstance(trace.marker.color, str) else None
        if color is not None:
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = color
        texts = list(trace.text) if isinstance(trace.text, tuple | list) else []
        kept = [
            t
            for (x, y), t in zip(
                zip(_numbers(trace.x), _numbers(trace.y), strict=False), texts, strict=False
            )
            if x is not None and y is not None
        ]
        for index, text in enumerate(kept):
            if text:
                label = series.points[index].data_label
                label.has_text_frame = True
                label.text_frame.text = _plain(text)
                label.position = XL_LABEL_POSITION.RIGHT
    return frame


# --- tables --------------------------------------------------------------------------------------

_CELL_PAD = 0.2
"""Left plus right cell margin in inches (python-pptx's default 0.1 in each)."""
_NUMERIC = re.compile(r"[\d.,<x%–—\-\s]*")


def _text_width(text: str, size: float, *, bold: bool = False, safety: float) -> float:
    """Width in inches of ``text`` at ``size`` points."""
    font = "Helvetica-Bold" if bold else "Helvetica"
    return float(stringWidth(text, font, size)) / 72 * safety


def _longest_word(text: str, size: float, *, bold: bool = False, safety: float) -> float:
    return max(
        (_text_width(word, size, bold=bold, safety=safety) for word in str(text).split()),
        default=0.0,
    )


def column_widths(
    table: pd.DataFrame, *, width: float, size: float, safety: float = WIDTH_SAFETY
) -> list[float] | None:
    """Column widths in inches that fill ``width`` at font ``size`` with every column at
    least as wide as its longest word (header in bold), or None when that does not fit.

    Columns get their full text width when everything fits on one line; otherwise each
    column gets its longest word plus a share of what is left, in proportion to how much
    more its longest cell needs.
    """
    columns = [str(c) for c in table.columns]
    cells = [[str(v) for v in table[c]] for c in table.columns]
    least = [
        max(
            [
                _longest_word(h, size, bold=True, safety=safety),
                *(_longest_word(v, size, safety=safety) for v in col),
            ]
        )
        + _CELL_PAD
        for h, col in zip(columns, cells, strict=True)
    ]
    full = [
        max(
            [
                _text_width(h, size, bold=True, safety=safety),
                *(_text_width(v, size, safety=safety) for v in col),
            ]
        )
        + _CELL_PAD
        for h, col in zip(columns, cells, strict=True)
    ]
    if sum(full) <= width:
        return [w * width / sum(full) for w in full]
    if sum(least) > width:
        return None
    extra = [f - m for f, m in zip(full, least, strict=True)]
    spare = width - sum(least)
    return [m + e * spare / sum(extra) for m, e in zip(least, extra, strict=True)]


def table_layout(
    table: pd.DataFrame, *, width: float, height: float, safety: float = WIDTH_SAFETY
) -> tuple[int, list[float], float, list[float]]:
    """Font size, column widths, header height and row heights (inches) of a table in a box.

    The largest size of :data:`TABLE_SIZES` (down to :data:`MIN_TABLE_SIZE`) at which the
    whole table fits the box with no word broken; when none fits it on one slide,
    :data:`LONG_TABLE_SIZE` (or the largest smaller size at which the words fit) and the
    table continues on the next slide.
    """
    laid_out = []
    for size in TABLE_SIZES:
        widths = column_widths(table, width=width, size=size, safety=safety)
        if widths is not None:
            header, rows = _row_heights(table, size, widths, safety=safety)
            laid_out.append((size, widths, header, rows))
    for size, widths, header, rows in laid_out:
        if size >= MIN_TABLE_SIZE and header + sum(rows) <= height:
            return size, widths, header, rows
    for size, widths, header, rows in laid_out:
        if size <= LONG_TABLE_SIZE:  # too long for one slide: large type, continued
            return size, widths, header, rows
    size = TABLE_SIZES[-1]  # words longer than the slide is wide: shrink the columns
    least = [
        max(
            [
                _longest_word(str(c), size, bold=True, safety=safety),
                *(_longest_word(str(v), size, safety=safety) for v in table[c]),
            ]
        )
        + _CELL_PAD
        for c in table.columns
    ]
    widths = [w * width / sum(least) for w in least]
    header, rows = _row_heights(table, size, widths, safety=safety)
    return size, widths, header, rows


def _lines(text: str, width: float, size: float, *, bold: bool, safety: float) -> int:
    """Lines that ``text`` takes in a cell ``width`` inches wide, wrapped at spaces."""
    room = max(width - _CELL_PAD, 0.1)
    lines, current = 1, 0.0
    space = _text_width(" ", size, bold=bold, safety=safety)
    for word in str(text).split():
        w = _text_width(word, size, bold=bold, safety=safety)
        if current and current + space + w > room:
            lines, current = lines + 1, w
        else:
            current = current + space + w if current else w
    return lines


def _row_heights(
    table: pd.DataFrame, size: int, widths: list[float], *, safety: float
) -> tuple[float, list[float]]:
    """Height in inches of the header and of each row."""
    line = size * 1.2 / 72

    def height(cells: Sequence[object], bold: bool) -> float:
        n = max(
            _lines(str(v), w, size, bold=bold, safety=safety)
            for v, w in zip(cells, widths, strict=True)
        )
        return n * line + 0.1

    header = height(list(table.columns), True)
    return header, [height(list(row), False) for row in table.itertuples(index=False)]


def _table_pages(
    table: pd.DataFrame, *, box: tuple[float, float, float, float], safety: float
) -> list[pd.DataFrame]:
    """The table's rows split over as few slides as fit the box's height, in parts of about
    equal length."""
    _, _, width, height = box
    _, _, header, rows = table_layout(table, width=width, height=height, safety=safety)
    parts, used, start = [], header, 0
    for i, row in enumerate(rows):
        if used + row > height and i > start:
            parts.append((start, i))
            start, used = i, header
        used += row
    parts.append((start, len(rows)))
    if len(parts) > 1:  # about equal parts rather than full slides and a short last one
        per = math.ceil(len(table) / len(parts))
        return [table.iloc[i : i + per] for i in range(0, len(table), per)]
    return [table]


def _table(
    slide: Any, table: pd.DataFrame, *, box: tuple[float, float, float, float], safety: float
) -> Any:
    """A real pptx table in the box (inches): header row bold, numbers right-aligned, in the
    master's table style (its accent colour)."""
    left, top, width, height = box
    size, widths, header, rows = table_layout(table, width=width, height=height, safety=safety)
    shape = slide.shapes.add_table(
        len(table) + 1,
        len(table.columns),
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(header + sum(rows)),
    )
    grid = shape.table
    for j, column_width in enumerate(widths):
        grid.columns[j].width = Inches(column_width)
    for i, row_height in enumerate([header, *rows]):
        grid.rows[i].height = Inches(row_height)
    numeric = [all(_NUMERIC.fullmatch(str(v)) for v in table[c]) for c in table.columns]
    for i in range(len(table) + 1):
        for j, column in enumerate(table.columns):
            paragraph = grid.cell(i, j).text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if numeric[j] else PP_ALIGN.LEFT
            run = paragraph.add_run()  # also in an empty cell: its size sets the row height
            run.text = str(column) if i == 0 else str(table.iloc[i - 1, j])
            run.font.size = Pt(size)
            run.font.bold = i == 0
    shape.name = "Tabel"
    _set_alt_text(shape, f"Tabel met kolommen {', '.join(map(str, table.columns))}")
    return shape
