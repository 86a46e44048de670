"""The deck's master: python-pptx's default master widened to 16:9 (titles 36 pt, body 24 pt,
footers laid out for a long source line, accent 1 the house blue), or a municipality's own
template without its slides; and the layouts the slides use, found by their placeholders."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Inches

from regie_analytics.export.style import ACCENT_COLOR
from regie_analytics.schema import InputError

TITLE_SIZE = 36
"""Title size in points of the default master."""
BODY_SIZE = 24
"""Body text size in points of the default master."""
WIDE = (Inches(13.333), Inches(7.5))
"""Width and height of a 16:9 slide."""


@dataclass
class Layouts:
    """The layouts used, found by their placeholders (templates rename them)."""

    title: Any
    content: Any
    title_only: Any
    body_box: tuple[int, int, int, int]
    """Left, top, width and height of the content layout's body: where charts go."""


def _placeholder_types(layout: Any) -> list[PP_PLACEHOLDER]:
    return [ph.placeholder_format.type for ph in layout.placeholders]


BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
"""Placeholders that take body text or an object."""


def body_placeholders(layout: Any) -> list[Any]:
    """The layout's (or slide's) horizontal body placeholders."""
    return [
        ph
        for ph in layout.placeholders
        if ph.placeholder_format.type in BODY_TYPES and ph.element.ph_orient != "vert"
    ]


def find_layouts(prs: Any, *, name: str) -> Layouts:
    """The title, content and title-only layouts of ``prs``; InputError (naming the template
    ``name``) when no layout has a title."""
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
            if PP_PLACEHOLDER.TITLE in _placeholder_types(lay) and len(body_placeholders(lay)) == 1
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
            and not body_placeholders(lay)
            and not set(others) & set(_placeholder_types(lay))
        ),
        content or with_title[0],
    )
    content = content or title_only
    body = body_placeholders(content)
    if body:
        ph = body[0]
        box = (int(ph.left), int(ph.top), int(ph.width), int(ph.height))
    else:
        width, height = int(prs.slide_width), int(prs.slide_height)
        box = (int(width * 0.04), int(height * 0.22), int(width * 0.92), int(height * 0.66))
    return Layouts(title=title, content=content, title_only=title_only, body_box=box)


def _scale_x(part_element: Any, factor: float) -> None:
    """Widen every explicitly placed shape of a master or layout by ``factor``."""
    for xfrm in part_element.iter(qn("a:xfrm")):
        off, ext = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
        if off is not None:
            off.set("x", str(round(int(off.get("x")) * factor)))
        if ext is not None:
            ext.set("cx", str(round(int(ext.get("cx")) * factor)))


def default_presentation() -> Any:
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
        etree.SubElement(accent, qn("a:srgbClr"), val=ACCENT_COLOR)
        theme_part._blob = etree.tostring(
            theme, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    return prs


def template_presentation(template: bytes | Path, *, name: str) -> Any:
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
    find_layouts(template_presentation(template, name=name), name=name)
