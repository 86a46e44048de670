"""The council deck: a real PowerPoint built from a :class:`ReportContent`.

Every number on a slide comes from the content, whose counts are already protected; nothing
here reads the store. A title slide, a summary slide with the headline sentences, then one
slide per report item; titles, subtitle and the summary's bullets go into the layouts'
placeholders (:mod:`~regie_analytics.export.deck.master`), the source, date and slide number
into the footer placeholders, the demo banner on top when the data is generated. Every slide
has speaker notes: the headline sentences, what the slide shows, the method in one line and
the caveat that signals are no measure of need.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from regie_analytics.export.content import ReportContent, ReportItem
from regie_analytics.export.deck.legends import class_legend, grid_legend
from regie_analytics.export.deck.master import (
    BODY_TYPES,
    Layouts,
    body_placeholders,
    default_presentation,
    find_layouts,
    template_presentation,
)
from regie_analytics.export.deck.native_charts import native_chart
from regie_analytics.export.deck.pictures import is_map, map_alt_text, place_picture, slide_pictures
from regie_analytics.export.deck.tables import (
    ARIAL_SAFETY,
    WIDTH_SAFETY,
    add_table,
    table_pages,
    text_lines,
)
from regie_analytics.export.style import BANNER_COLOR, DEMO_BANNER
from regie_analytics.formatting import fmt_period

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
"""The method in one line, per report item (see :func:`regie_analytics.export.collect.collect`)."""


def build_deck(content: ReportContent, *, template: bytes | Path | None = None) -> bytes:
    """The council deck of ``content`` as ``.pptx`` bytes.

    A title slide, a summary slide with the headline sentences, then one slide per report
    item (a long table continues on the next slide). ``template`` is a ``.pptx`` file (path
    or bytes) whose master, layouts and theme are used; its own slides are left out. Raises
    :class:`InputError` when the template is not a usable PowerPoint file.
    """
    name = template.name if isinstance(template, Path) else "sjabloon.pptx"
    prs = default_presentation() if template is None else template_presentation(template, name=name)
    layouts = find_layouts(prs, name=name)
    # the default master's Arial is what is measured; a template's font may be wider
    safety = ARIAL_SAFETY if template is None else WIDTH_SAFETY
    pictures = slide_pictures(content)
    pages: list[tuple[ReportItem, pd.DataFrame | None, int]] = []
    for item in content.items:
        if item.table is not None and not item.has_figure:
            box = _content_box(layouts, caption=bool(item.caption))
            parts = table_pages(item.table, box=box, safety=safety)
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


def _content_box(layouts: Layouts, *, caption: bool) -> tuple[float, float, float, float]:
    """Left, top, width, height in inches for a chart or table (room for a caption below)."""
    left, top, width, height = (Emu(v).inches for v in layouts.body_box)
    return left, top, width, height - (0.75 if caption else 0.0)


class _Deck:
    def __init__(
        self,
        prs: Any,
        layouts: Layouts,
        content: ReportContent,
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
            text_lines(text, width, fitted, bold=False, safety=self.safety) * fitted * 1.2 / 72
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
        shape.fill.fore_color.rgb = RGBColor.from_string(BANNER_COLOR)
        shape.line.fill.background()
        shape.name = "Demodata"
        frame = shape.text_frame
        frame.margin_top = frame.margin_bottom = 0
        paragraph = frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.CENTER
        run = paragraph.add_run()
        run.text = DEMO_BANNER
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
                if ph.placeholder_format.type in (PP_PLACEHOLDER.SUBTITLE, *BODY_TYPES)
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
        body = body_placeholders(slide)
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
        item: ReportItem,
        table: pd.DataFrame | None,
        part: int,
        pictures: dict[str, bytes],
    ) -> None:
        title = item.title + (" (vervolg)" if part else "")
        slide = self._slide(self.layouts.title_only, title)
        for ph in body_placeholders(slide):  # a template without a title-only layout
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
                place_picture(
                    slide,
                    picture,
                    box=(left, top, chart_width, height),
                    alt=map_alt_text(figure, self.content, item),
                )
                grid: set[str] = set()
                if item.legend is not None:
                    side_top, grid = grid_legend(slide, item.legend, box=(side_left, top, side))
                if is_map(figure):
                    side_top = class_legend(
                        slide, figure, skip=grid, box=(side_left, side_top + 0.1, side)
                    )
            else:
                native_chart(slide, figure, box=(left, top, chart_width, height))
            if table is not None:
                add_table(
                    slide,
                    table,
                    box=(side_left, side_top, side, top + height - side_top),
                    safety=self.safety,
                )
        elif table is not None:
            add_table(slide, table, box=(left, top, width, height), safety=self.safety)
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
