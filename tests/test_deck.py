"""The council deck as a real PowerPoint (:mod:`regie_analytics.deck`).

Opened with python-pptx: native charts whose series hold the protected counts (compared with
the protected tables of the report content, not with the figure), pictures with alt text,
titles in placeholders, notes on every slide, tables that keep every word whole and continue
on the next slide, a municipality's template applied (its layouts, theme colour and logo).
Rendered by LibreOffice (``soffice --headless --convert-to pdf``) and ``pdftoppm``: one page
per slide, none blank, Dutch numbers on the chart axis, table headers not broken.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.oxml.shapes.picture import CT_Picture
from pptx.util import Inches

from regie_analytics import aggregate, charts, deck, geo, privacy, report
from regie_analytics.export import images
from regie_analytics.export.deck import convert, native_charts, tables
from regie_analytics.export.deck import pictures as deck_pictures
from regie_analytics.formatting import fmt_int, fmt_month, fmt_period
from regie_analytics.schema import DOMAIN_LABELS
from regie_analytics.store import Store
from tests.conftest import cli, run_app, snapshot

THEME_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
TEMPLATE_LAYOUTS = {
    "Title Slide": "Titel gemeente",
    "Title and Content": "Titel en inhoud gemeente",
    "Title Only": "Alleen titel gemeente",
}
TEMPLATE_ACCENT = "C8102E"


def slide_text(slide: Any) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def title_of(slide: Any) -> str:
    return str(slide.shapes.title.text_frame.text)


def pictures(slide: Any) -> list[Any]:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def charts_on(slide: Any) -> list[Any]:
    return [s.chart for s in slide.shapes if s.has_chart]


def alt_text(shape: Any) -> str:
    return str(shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or "")


def published_text(value: object) -> str:
    """A published count as the deck shows it: a label as it is, a number in Dutch."""
    return value if isinstance(value, str) else fmt_int(float(value))  # type: ignore[arg-type]


def protected(content: report.ReportContent, name: str) -> pd.DataFrame:
    found = [p.published for p in content.protected if p.name == name]
    assert len(found) == 1, name
    table = found[0]
    assert isinstance(table, pd.DataFrame)
    return table.drop(index=privacy.TOTAL_LABEL, columns=privacy.TOTAL_LABEL)


# --- fast: conversion, tables and maps without a store -------------------------------------------


def blank_slide() -> Any:
    prs = Presentation()
    return prs, prs.slides.add_slide(prs.slide_layouts[6])


def test_stacked_horizontal_bars_become_a_stacked_bar_chart_with_colours_and_labels() -> None:
    fig = go.Figure(
        [
            go.Bar(
                x=[7, 3],
                y=["Noord", "Zuid"],
                orientation="h",
                name="Fysiek domein",
                marker={"color": "#0072B2"},
                text=["7", "<5"],
            ),
            go.Bar(
                x=[1200, 5],
                y=["Noord", "Zuid"],
                orientation="h",
                name="Sociaal domein",
                marker={"color": "#E69F00"},
            ),
        ],
        layout={"barmode": "stack", "title": {"text": "Per gebied"}},
    )
    _, slide = blank_slide()
    frame = native_charts.native_chart(slide, fig, box=(0.5, 0.5, 8, 5))
    chart = frame.chart
    assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED
    assert list(chart.plots[0].categories) == ["Noord", "Zuid"]
    series = list(chart.plots[0].series)
    assert [s.name for s in series] == ["Fysiek domein", "Sociaal domein"]
    assert [list(s.values) for s in series] == [[7.0, 3.0], [1200.0, 5.0]]
    assert [str(s.format.fill.fore_color.rgb) for s in series] == ["0072B2", "E69F00"]
    labels = [series[0].points[i].data_label.text_frame.text for i in range(2)]
    assert labels == ["7", "<5"]  # the published label, never the hidden number
    assert chart.chart_title.text_frame.text == "Per gebied"
    axis_format = chart.value_axis.tick_labels.number_format
    assert axis_format == deck.DUTCH_COUNT_FORMAT and r"#\.##0" in axis_format
    assert "Noord: 7" in alt_text(frame) and "Sociaal domein: Noord: 1.200" in alt_text(frame)


def test_grouped_columns_lines_over_months_and_numeric_scatter() -> None:
    columns = go.Figure(
        [go.Bar(x=["a", "b"], y=[1, 2], name="x"), go.Bar(x=["b", "c"], y=[3, 4], name="y")],
        layout={"barmode": "group"},
    )
    lines = go.Figure(
        [
            go.Scatter(
                x=[pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-01")],
                y=[10, 30],
                mode="lines+markers",
                name="fysiek",
                line={"color": "#0072B2"},
            ),
            go.Scatter(x=[pd.Timestamp("2025-02-01")], y=[20], mode="lines", name="sociaal"),
        ]
    )
    scatter = go.Figure([go.Scatter(x=[0.5, 1.5, 2.5], y=[3, 2, 1], mode="markers", name="p")])
    _, slide = blank_slide()
    column_chart = native_charts.native_chart(slide, columns, box=(0, 0, 5, 3)).chart
    assert column_chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert list(column_chart.plots[0].categories) == ["a", "b", "c"]
    assert [list(s.values) for s in column_chart.plots[0].series] == [
        [1.0, 2.0, None],
        [None, 3.0, 4.0],
    ]
    line_chart = native_charts.native_chart(slide, lines, box=(0, 3, 5, 3)).chart
    assert line_chart.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)
    assert list(line_chart.plots[0].categories) == ["jan 2025", "feb 2025", "mrt 2025"]
    assert [list(s.values) for s in line_chart.plots[0].series] == [
        [10.0, None, 30.0],
        [None, 20.0, None],
    ]
    assert str(line_chart.plots[0].series[0].format.line.color.rgb) == "0072B2"
    xy = native_charts.native_chart(slide, scatter, box=(5, 0, 5, 3)).chart
    assert xy.chart_type == XL_CHART_TYPE.XY_SCATTER
    assert list(xy.plots[0].series[0].values) == [3.0, 2.0, 1.0]
    assert not deck_pictures.is_native(go.Figure([go.Heatmap(z=[[1, 2]])]))


def test_table_columns_keep_every_word_whole_and_fill_the_width() -> None:
    table = pd.DataFrame(
        {
            "Gebied": ["Transvaalbuurt-Oost", "De Bongerd"],
            "Samenhangsindex": ["98", "99"],
            "Waarom": ["sociaal bij de hoogste 2% van de buurten; fysiek bij de hoogste 2%"] * 2,
        }
    )
    widths = deck.column_widths(table, width=8.0, size=16)
    assert widths is not None and sum(widths) == pytest.approx(8.0)
    longest = ["Transvaalbuurt-Oost", "Samenhangsindex", "hoogste"]
    for width, word, bold in zip(widths, longest, (False, True, False), strict=True):
        assert width >= tables.text_width(word, 16, bold=bold, safety=deck.WIDTH_SAFETY) + 0.2
    # the long text column wraps; it gets what the others leave
    assert widths[2] < tables.text_width(table["Waarom"][0], 16, safety=1.0)
    assert deck.column_widths(table, width=3.0, size=16) is None  # the words do not fit


def test_a_long_table_continues_on_the_next_slide_in_large_type() -> None:
    table = pd.DataFrame({"Thema": [f"thema {i}" for i in range(40)], "Aantal": ["12"] * 40})
    box = (0.5, 1.5, 12.0, 4.5)
    parts = tables.table_pages(table, box=box, safety=deck.WIDTH_SAFETY)
    assert len(parts) >= 3
    assert pd.concat(parts).equals(table)
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
    for part in parts:
        size, _, header, rows = deck.table_layout(part, width=box[2], height=box[3])
        assert size == deck.LONG_TABLE_SIZE or size >= deck.MIN_TABLE_SIZE
        assert header + sum(rows) <= box[3]


def test_map_picture_is_drawn_from_the_outlines_in_the_class_colours(amsterdam: Any) -> None:
    buurten = geo.areas_at_level(amsterdam, "buurt").iloc[:40]
    values = pd.Series(range(40), index=buurten.index, dtype=float)
    fig = charts.choropleth(buurten, values, title="Test", label="aantal", height=620)
    png = deck.map_png(fig, pixels=800)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert max(image.size) == 800
    counts = {f"{r:02X}{g:02X}{b:02X}": n for n, (r, g, b) in image.getcolors(1 << 20)}
    class_colors = {str(convert.rgb_color(t.colorscale[-1][1])) for t in fig.data}
    assert len(class_colors) == 5
    for color in class_colors:  # every class fills a visible part of the picture
        assert counts.get(color, 0) > 200, color
    assert counts.get("FFFFFF", 0) > 0.05 * image.size[0] * image.size[1]  # the margin


@pytest.mark.subprocess
def test_a_figure_without_native_form_is_drawn_by_chromium_at_double_size() -> None:
    heatmap = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))
    assert not deck_pictures.is_native(heatmap) and not deck_pictures.is_map(heatmap)
    (png,) = deck.render_pngs([(heatmap, (400, 300))])
    assert png.startswith(b"\x89PNG") and images.png_size(png) == (800, 600)


# --- slow: the full demo store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def period(demo_store: Path) -> tuple[str, str]:
    return aggregate.resolve_period(
        aggregate.months_in(Store(demo_store).cube()), "laatste 12 maanden"
    )


@pytest.fixture(scope="module")
def content(demo_store: Path, period: tuple[str, str]) -> report.ReportContent:
    return report.collect(Store(demo_store), start=period[0], end=period[1])


@pytest.fixture(scope="module")
def deck_bytes(content: report.ReportContent) -> bytes:
    return report.build_pptx(content)


@pytest.fixture(scope="module")
def prs(deck_bytes: bytes) -> Any:
    return Presentation(io.BytesIO(deck_bytes))


@pytest.fixture(scope="module")
def area_content(demo_store: Path, period: tuple[str, str]) -> report.ReportContent:
    """The profile of a buurt with few signals (hidden cells in its trend and themes)."""
    store = Store(demo_store)
    cube = aggregate.filter_cube(store.cube(), start=period[0], end=period[1])
    table = aggregate.area_table(cube, store.areas())
    code = table.loc[table["totaal"].between(10, 49) & (table["population"] >= 100)]
    area = str(code.sort_values("totaal").index[0])
    return report.collect(store, start=period[0], end=period[1], area=area)


@pytest.fixture(scope="module")
def area_prs(area_content: report.ReportContent) -> Any:
    return Presentation(io.BytesIO(report.build_pptx(area_content)))


@pytest.mark.slow
def test_titles_subtitle_and_summary_are_in_placeholders(
    content: report.ReportContent, prs: Any
) -> None:
    slides = list(prs.slides)
    assert [s.slide_layout.name for s in slides] == ["Title Slide", "Title and Content"] + [
        "Title Only"
    ] * len(content.items)
    assert [title_of(s) for s in slides] == [content.title, "Samenvatting"] + [
        item.title for item in content.items
    ]
    for slide in slides:
        assert slide.shapes.title.is_placeholder
        free = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.TEXT_BOX]
        assert title_of(slide) not in {s.text_frame.text for s in free}
        kinds = {p.placeholder_format.type for p in slide.placeholders}
        assert {PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.SLIDE_NUMBER} <= kinds
    subtitle = next(
        p for p in slides[0].placeholders if p.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE
    )
    assert subtitle.text_frame.text == content.subtitle
    body = next(p for p in slides[1].placeholders if p.placeholder_format.idx == 1)
    lines = [p.text for p in body.text_frame.paragraphs]
    assert lines == [
        *content.sentences,
        "Kleine aantallen zijn afgeschermd. " + content.privacy_note,
    ]
    assert prs.slide_width == Inches(13.333) and prs.slide_height == Inches(7.5)
    for slide in slides:  # everything on the slide
        for shape in slide.shapes:
            assert shape.left + shape.width <= prs.slide_width + 1, (title_of(slide), shape.name)
            assert shape.top + shape.height <= prs.slide_height + 1, (title_of(slide), shape.name)


@pytest.mark.slow
def test_every_slide_has_notes_with_sentences_method_and_caveat(
    content: report.ReportContent, prs: Any, area_prs: Any
) -> None:
    for deck_prs in (prs, area_prs):
        for slide in deck_prs.slides:
            assert slide.has_notes_slide
            notes = slide.notes_slide.notes_text_frame.text
            assert "Methode:" in notes
            assert "geen maat voor hulpvraag of behoefte" in notes
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        for sentence in content.sentences:
            assert sentence in notes
    top = next(s for s in prs.slides if title_of(s) == content.items[-1].title)
    assert content.items[-1].caption in top.notes_slide.notes_text_frame.text
    assert deck.METHODS["top"] in top.notes_slide.notes_text_frame.text


@pytest.mark.slow
def test_trend_is_a_line_chart_of_the_protected_monthly_counts(
    content: report.ReportContent, prs: Any
) -> None:
    slide = next(s for s in prs.slides if charts_on(s))
    assert [title_of(s) for s in prs.slides if charts_on(s)] == [title_of(slide)]
    (chart,) = charts_on(slide)
    assert chart.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)
    before = protected(content, "trend vorige periode")
    now = protected(content, "trend periode")
    months = [*before.index, *now.index]
    assert list(chart.plots[0].categories) == [fmt_month(m) for m in months]
    both = pd.concat([before, now])
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert set(series) == {DOMAIN_LABELS[d] for d in both.columns}
    for domain in both.columns:
        expected = [float(v) if not isinstance(v, str) else None for v in both[domain]]
        assert series[DOMAIN_LABELS[domain]] == expected
    assert sum(v or 0 for v in series["Fysiek domein"]) > 10_000  # the real demo volume


@pytest.mark.slow
def test_maps_are_pictures_with_alt_text_and_an_editable_legend(
    demo_store: Path, content: report.ReportContent, prs: Any, period: tuple[str, str]
) -> None:
    n_buurten = len(geo.areas_at_level(Store(demo_store).areas(), "buurt"))
    maps = [s for s in prs.slides if pictures(s)]
    assert [title_of(s) for s in maps] == [content.items[0].title, content.items[1].title]
    for slide in prs.slides:
        for picture in pictures(slide):
            text = alt_text(picture)
            assert text and "image" not in text.lower() and ".png" not in text
            assert text.startswith("Kaart: ") and fmt_period(*period) in text
            classes = re.search(r"Klassen \(aantal gebieden\): (.*?)\.\s", text)
            assert classes is not None
            counts = [int(part.rsplit(": ", 1)[1]) for part in classes.group(1).split("; ")]
            assert sum(counts) == n_buurten  # every buurt in exactly one class
    kaart = content.items[0].figure
    assert kaart is not None
    legend = next(s for s in maps[0].shapes if s.shape_type == MSO_SHAPE_TYPE.GROUP)
    names = [s.text_frame.text for s in legend.shapes if s.shape_type == MSO_SHAPE_TYPE.TEXT_BOX]
    assert names[0] == kaart.layout.legend.title.text
    assert set(names[1:]) == {t.name for t in kaart.data if t.showlegend is not False}
    grid = next(s for s in maps[1].shapes if s.shape_type == MSO_SHAPE_TYPE.GROUP)
    cells = [s for s in grid.shapes if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE]
    assert len(cells) == 9
    assert {str(c.fill.fore_color.rgb) for c in cells} == {
        color.lstrip("#").upper() for row in charts.BIVARIATE_PALETTE for color in row
    }
    assert "drie bij drie" in alt_text(grid)


@pytest.mark.slow
def test_area_profile_deck_has_native_columns_with_the_protected_labels(
    area_content: report.ReportContent, area_prs: Any
) -> None:
    slides = list(area_prs.slides)
    (chart,) = [c for s in slides for c in charts_on(s)]
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    blocks = pd.concat(
        [protected(area_content, "trend vorige periode"), protected(area_content, "trend periode")]
    )
    assert list(chart.plots[0].categories) == list(blocks.index)
    hidden = 0
    for series in chart.plots[0].series:
        domain = next(d for d, label in DOMAIN_LABELS.items() if label == series.name)
        for i, cell in enumerate(blocks[domain]):
            assert series.points[i].data_label.text_frame.text == published_text(cell)
            assert series.values[i] == (0 if isinstance(cell, str) else float(cell))
            hidden += isinstance(cell, str)
    assert hidden > 0  # a small buurt: some blocks are hidden and labelled
    # the themes table: real tables, continued, every row once
    themes = next(item for item in area_content.items if item.key == "themas")
    assert themes.table is not None
    parts = [s for s in slides if title_of(s).startswith(themes.title)]
    rows = []
    for number, slide in enumerate(parts):
        assert title_of(slide) == themes.title + (" (vervolg)" if number else "")
        (table,) = [s.table for s in slide.shapes if s.has_table]
        assert [table.cell(0, j).text for j in range(len(table.columns))] == list(themes.table)
        rows += [table.cell(i, 1).text for i in range(1, len(table.rows))]
    assert rows == themes.table["Thema"].tolist()
    assert privacy.SUPPRESSED_LABEL in {
        cell.text for s in parts for t in s.shapes if t.has_table for cell in t.table.iter_cells()
    }


@pytest.mark.slow
def test_wijk_deck_has_its_buurten_as_a_map_picture_and_a_ranked_table(
    demo_store: Path, period: tuple[str, str], area_content: report.ReportContent
) -> None:
    store = Store(demo_store)
    areas = store.areas()
    assert area_content.area is not None
    wijk = str(geo.parent_code_map(areas, "wijk")[area_content.area])
    name = str(geo.areas_at_level(areas, "wijk").at[wijk, "name"])
    members = aggregate.member_codes(areas, "wijk", wijk)
    content = report.collect(store, start=period[0], end=period[1], area=wijk)
    slides = list(Presentation(io.BytesIO(report.build_pptx(content))).slides)
    # the map of the buurten: a picture whose alt text names the wijk and counts its buurten
    (map_slide,) = [s for s in slides if title_of(s) == f"Buurten in {name}"]
    (picture,) = pictures(map_slide)
    text = alt_text(picture)
    assert text.startswith("Kaart: ") and name in text
    classes = re.search(r"Klassen \(aantal gebieden\): (.*?)\.\s", text)
    assert classes is not None
    assert sum(int(p.rsplit(": ", 1)[1]) for p in classes.group(1).split("; ")) == len(members)
    # the ranking: a real table (continued if long) with the protected cells, largest first
    item = next(i for i in content.items if i.key == "gebieden")
    assert item.table is not None and item.title == f"Buurten in {name} gerangschikt"
    parts = [s for s in slides if title_of(s).startswith(item.title)]
    rows = []
    for slide in parts:
        (table,) = [s.table for s in slide.shapes if s.has_table]
        assert [table.cell(0, j).text for j in range(len(table.columns))] == list(item.table)
        rows += [
            [table.cell(i, j).text for j in range(len(table.columns))]
            for i in range(1, len(table.rows))
        ]
    assert rows == item.table.astype(str).values.tolist()
    published = next(p.published for p in content.protected if p.name == f"buurten in {name}")
    assert isinstance(published, pd.DataFrame)
    assert sorted(published.index) == sorted(members)
    names = geo.areas_at_level(areas, "buurt")["name"]
    cells = {str(names[c]): published_text(published.at[c, "totaal"]) for c in members}
    assert dict(zip(item.table["Gebied"], item.table["Signalen"], strict=True)) == cells
    sizes = [
        4.5 if v == privacy.SUPPRESSED_LABEL else float(v.replace(".", ""))
        for v in item.table["Signalen"]
    ]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1


def make_template(path: Path) -> None:
    """A municipality's template: renamed layouts, a red accent colour, a logo on the master
    and a slide of its own (left out of the deck)."""
    prs = Presentation()
    for layout in prs.slide_layouts:
        layout.name = TEMPLATE_LAYOUTS.get(layout.name, layout.name)
    theme_part = prs.slide_master.part.part_related_by(THEME_RT)
    theme = etree.fromstring(theme_part.blob)
    accent = theme.find(".//" + qn("a:accent1"))
    accent[0].set("val", TEMPLATE_ACCENT)
    theme_part._blob = etree.tostring(theme)
    logo = io.BytesIO()
    Image.new("RGB", (240, 80), "#C8102E").save(logo, format="PNG")
    logo.seek(0)
    _, rid = prs.slide_master.part.get_or_add_image_part(logo)
    tree = prs.slide_master.shapes._spTree
    pic = CT_Picture.new_pic(
        99,
        "Logo gemeente",
        "Logo van de gemeente",
        rid,
        Inches(8.4),
        Inches(0.1),
        Inches(1.2),
        Inches(0.4),
    )
    tree.append(pic)
    old = prs.slides.add_slide(prs.slide_layouts[0])
    old.shapes.title.text = "Oude dia van het sjabloon"
    prs.save(path)


@pytest.mark.slow
def test_template_gives_its_layouts_colour_and_logo(
    demo_store: Path, content: report.ReportContent, tmp_path: Path
) -> None:
    template = tmp_path / "huisstijl.pptx"
    make_template(template)
    out = tmp_path / "raad.pptx"
    result = cli(
        "report", "--store", demo_store, "--format", "pptx", "--template", template, "--out", out
    )
    assert result.code == 0, result.err
    prs = Presentation(out)
    slides = list(prs.slides)
    titles = [title_of(s).removesuffix(" (vervolg)") for s in slides[2:]]
    assert list(dict.fromkeys(titles)) == [item.title for item in content.items]
    assert len(titles) > len(content.items)  # 4:3 is narrower: the top list continues
    assert {s.slide_layout.name for s in slides} == set(TEMPLATE_LAYOUTS.values())
    assert slides[0].slide_layout.name == "Titel gemeente"
    assert "Oude dia van het sjabloon" not in "".join(slide_text(s) for s in slides)
    logos = [s for s in prs.slide_master.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [s.name for s in logos] == ["Logo gemeente"]
    with zipfile.ZipFile(out) as archive:
        themes = [n for n in archive.namelist() if n.startswith("ppt/theme/theme")]
        assert any(TEMPLATE_ACCENT in archive.read(n).decode() for n in themes)
    assert prs.slide_width == Inches(10)  # the template's 4:3 kept, and everything fits it
    for slide in slides:
        for shape in slide.shapes:
            assert shape.left + shape.width <= prs.slide_width + 1, (title_of(slide), shape.name)


@pytest.mark.slow
def test_cli_refuses_a_bad_template_in_dutch_and_writes_nothing(
    demo_store: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "kapot.pptx"
    bad.write_text("geen powerpoint")
    before = snapshot(demo_store)
    out = tmp_path / "x.pptx"
    result = cli(
        "report", "--store", demo_store, "--format", "pptx", "--template", bad, "--out", out
    )
    assert result.code == 2
    assert "bestand 'kapot.pptx'" in result.err and "geen PowerPoint-bestand" in result.err
    assert not out.exists() and snapshot(demo_store) == before
    result = cli(
        "report", "--store", demo_store, "--format", "pdf", "--template", bad, "--out", out
    )
    assert result.code == 2 and "alleen voor dia's" in result.err
    with pytest.raises(report.InputError, match="geen dia-indeling met een titel"):
        empty = Presentation()
        for layout in list(empty.slide_layouts):  # no layouts with a title left
            for ph in list(layout.placeholders):
                if ph.placeholder_format.type in (
                    PP_PLACEHOLDER.TITLE,
                    PP_PLACEHOLDER.CENTER_TITLE,
                ):
                    ph.element.getparent().remove(ph.element)
        blob = io.BytesIO()
        empty.save(blob)
        deck.check_template(blob.getvalue(), name="leeg.pptx")


def libreoffice_pdf(pptx: bytes, tmp_path: Path) -> tuple[list[Path], list[str]]:
    """The deck converted by LibreOffice (its own profile in tmp_path), its pages rendered by
    pdftoppm and their text by pdftotext."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (Debian: libreoffice-impress) is needed; .ci/run installs it"
    source = tmp_path / "raad.pptx"
    source.write_bytes(pptx)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profiel').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "raad.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "40", pdf, tmp_path / "dia"], check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    return sorted(tmp_path.glob("dia-*.png")), text.split("\f")[:-1]


@pytest.mark.subprocess
@pytest.mark.slow
def test_libreoffice_renders_every_slide(
    content: report.ReportContent, deck_bytes: bytes, prs: Any, tmp_path: Path
) -> None:
    pages, texts = libreoffice_pdf(deck_bytes, tmp_path)
    assert len(pages) == len(texts) == len(prs.slides)
    for page, slide in zip(pages, prs.slides, strict=True):
        image = Image.open(page).convert("L")
        dark = sum(n for n, value in image.getcolors(256) or [] if value < 200)
        share = dark / (image.size[0] * image.size[1])
        limit = 0.04 if pictures(slide) or charts_on(slide) else 0.003
        assert share > limit, (title_of(slide), share)  # not blank: text, maps, lines drawn
    flat = [" ".join(t.split()) for t in texts]
    for text, slide in zip(flat, prs.slides, strict=True):
        assert title_of(slide) in text
        assert content.source in text
    trend = flat[[title_of(s) for s in prs.slides].index(content.items[2].title)]
    assert re.search(r"\b\d{1,2}\.\d{3}\b", trend), trend  # Dutch thousands on the axis
    top = flat[-1]
    for header in ("Gebied", "Samenhangsindex", "Sociaal", "Fysiek", "Status", "Waarom"):
        assert re.search(rf"\b{header}\b", top), header  # not broken mid-word
    assert "De Bongerd" in top


@pytest.mark.slow
def test_dashboard_takes_a_template_next_to_the_deck_download(
    app_store: Path, tmp_path: Path
) -> None:
    at = run_app()  # the overview page, which offers the deck

    def uploader() -> Any:
        return next(u for u in at.file_uploader if u.label.startswith("Huisstijl voor de dia's"))

    pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    uploader().upload("kapot.pptx", b"geen powerpoint", pptx)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any("bestand 'kapot.pptx'" in w and "geen PowerPoint-bestand" in w for w in warnings)
    template = tmp_path / "huisstijl.pptx"
    make_template(template)
    uploader().upload("huisstijl.pptx", template.read_bytes(), pptx)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("PowerPoint" in w.value for w in at.warning)
