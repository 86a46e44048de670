"""Council report: content, privacy of every exported number, slides, PDF, CLI and inert cells."""

from __future__ import annotations

import io
import re
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from regie_analytics import aggregate, charts, geo, privacy, report, stats
from regie_analytics.formatting import fmt_period
from regie_analytics.schema import CLASSIFIED_DOMAINS, CUBE_COLUMNS, InputError
from regie_analytics.store import Store
from tests.conftest import cli

THRESHOLD = privacy.DEFAULT_THRESHOLD
LABELS = {privacy.SUPPRESSED_LABEL}


# --- helpers -----------------------------------------------------------------------------------


def _dutch_int(text: str) -> int:
    """'1.234' -> 1234."""
    return int(text.replace(".", ""))


def assert_count_cell(cell: object, where: str) -> None:
    """A published count: empty, '<5', '0' or a whole number of at least 5."""
    text = str(cell).strip()
    if text in LABELS or text == "":
        return
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text), f"{where}: {text!r} is geen aantal"
    value = _dutch_int(text)
    assert value == 0 or value >= THRESHOLD, f"{where}: klein aantal {value} gepubliceerd"


def assert_content_safe(content: report.ReportContent) -> None:
    """Every count in tables, sentences and chart data is 0, >= 5 or "<5"; every published
    table passes the audit (integer programming over what its labels, perturbed numbers and
    totals allow) against its true counts."""
    assert content.protected
    for item in content.protected:
        assert privacy.is_safe(
            item.published, item.truth, threshold=THRESHOLD, ptable=privacy.PTABLE
        ), item.name
    for item in content.items:
        if item.table is not None:
            assert item.count_columns
            for column in item.count_columns:
                for cell in item.table[column]:
                    assert_count_cell(cell, f"{item.key}/{column}")
        if item.figure is not None:
            assert_figure_safe(item.figure, item.key)
    for sentence in content.sentences:
        for number in re.findall(r"(\d[\d.]*) (?:signalen|fysiek|sociaal)", sentence):
            assert_count_cell(number, f"zin {sentence!r}")


def assert_figure_safe(fig: Any, key: str) -> None:
    """No trace of a chart carries a count from 1 to 4 in its values or its text."""
    for trace in fig.data:
        if trace.type == "choroplethmap":
            continue  # classes; values are rates (see the map tests)
        for value in trace.y if trace.y is not None else ():
            if value is not None and np.isfinite(float(value)):
                assert value == 0 or value >= THRESHOLD, f"{key}: y = {value}"
        texts = trace.text if isinstance(trace.text, tuple | list) else ()
        for text in texts:
            if text:
                assert_count_cell(text, f"{key}: tekst")


def pdf_pages(pdf: bytes, tmp_path: Path) -> tuple[list[Path], list[str]]:
    """Pages rendered with pdftoppm (50 dpi) and the text of each page (pdftotext)."""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)
    subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "50", path, tmp_path / "pagina"], check=True)
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = sorted(tmp_path.glob("pagina-*.png"))
    return pages, [t for t in text.split("\f") if t.strip()]


def slide_texts(slide: Any) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


# --- fast: a small hand-made data set ----------------------------------------------------------


@dataclass
class Data:
    cube: pd.DataFrame
    areas: Any
    manifest: dict[str, Any]


A, B, C = "BU0363AA01", "BU0363AA02", "BU0363AA04"  # B and C are neighbours of A


def _cube(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """A cube by hand; row ``i`` gets the cell key ``(37 * i + 11) % 256``."""
    frame = pd.DataFrame(rows, columns=["area_code", "month", "domain", "theme", "count"])
    keys = [(37 * i + 11) % 256 for i in range(len(frame))]
    frame = frame.assign(channel="web", department="x", source="test", cell_key=keys)
    return frame[list(CUBE_COLUMNS)]


def _shown(cube: pd.DataFrame, **where: object) -> int:
    """The published value of the cell of the rows matching ``where`` (a month range as
    ``months=(first, last)``): their counts and keys added up, looked up in the p-table."""
    rows = cube
    for column, value in where.items():
        if column == "months":
            first, last = value  # type: ignore[misc]
            rows = rows[(rows["month"] >= first) & (rows["month"] <= last)]
        elif isinstance(value, list):
            rows = rows[rows[column].isin(value)]
        else:
            rows = rows[rows[column] == value]
    count, key = int(rows["count"].sum()), int(rows["cell_key"].sum())
    return count + int(privacy.PTABLE.perturbation(np.array([count]), np.array([key]))[0])


def _text(value: int) -> str:
    return privacy.SUPPRESSED_LABEL if 0 < value < THRESHOLD else str(value)


@pytest.fixture(scope="module")
def small(amsterdam) -> Data:
    """A: 6 afval + 5 schulden a month; B: 2 afval a month; C: 1 afval a month (2025-01..06)."""
    rows = []
    for month in aggregate.month_range("2025-01", "2025-06"):
        rows += [
            (A, month, "fysiek", "afval", 6),
            (A, month, "sociaal", "schulden", 5),
            (B, month, "fysiek", "afval", 2),
            (C, month, "fysiek", "afval", 1),
        ]
    manifest = {
        "imports": [{"source": "testbron"}, {"source": "wijkteam"}],
        "boundaries": {"file": "buurten.geojson", "code_column": "cbsCode"},
        "generated": False,
    }
    return Data(cube=_cube(rows), areas=amsterdam, manifest=manifest)


def test_area_profile_of_hand_made_data(small: Data) -> None:
    assert {B, C} <= set(stats.neighbours(small.areas, A))
    content = report.collect(small, start="2025-04", end="2025-06", area=A)
    assert content.title == "Gebiedsprofiel Planciusbuurt-Noord"
    cube, period = small.cube, ("2025-04", "2025-06")
    total = _shown(cube, area_code=A, months=period)
    physical = _shown(cube, area_code=A, domain="fysiek", months=period)
    social = _shown(cube, area_code=A, domain="sociaal", months=period)
    # 33, 18 and 15 signals, each published perturbed (by at most 3) as a cell of its own
    assert abs(total - 33) <= 3 and abs(physical - 18) <= 3 and abs(social - 15) <= 3
    assert content.sentences[0] == (
        f"In apr 2025 – jun 2025 kwamen in Planciusbuurt-Noord {total} signalen binnen: "
        f"{physical} fysiek en {social} sociaal."
    )
    items = {item.key: item for item in content.items}
    assert list(items) == ["kaart", "themas", "trend", "buren"]
    themes = items["themas"].table
    assert themes is not None
    # afval is all of A's fysiek signals: the same records, so the same published value
    assert themes[["Domein", "Thema", "Aantal"]].values.tolist() == [
        ["fysiek", "afval", str(physical)],
        ["sociaal", "schulden", str(social)],
        ["Totaal", "fysiek", str(physical)],
        ["Totaal", "sociaal", str(social)],
        ["Totaal", "alle signalen", str(total)],
    ]
    # B has 6 signals in the period and C 3, each published as its own perturbed cell
    buren = items["buren"].table
    assert buren is not None
    cells = dict(zip(buren["Gebied"], buren["Signalen"], strict=True))
    names = small.areas["name"]
    assert cells.pop(names[B]) == _text(_shown(cube, area_code=B, months=period))
    assert cells.pop(names[C]) == _text(_shown(cube, area_code=C, months=period))
    assert set(cells.values()) == {"0"}
    # trend: one block of three months before and one in the period, each a perturbed cell
    trend = items["trend"].figure
    bars = {trace.name: dict(zip(trace.x, trace.y, strict=True)) for trace in trend.data}
    expected = {}
    for name, domain in (("Fysiek domein", "fysiek"), ("Sociaal domein", "sociaal")):
        expected[name] = {
            label: _shown(cube, area_code=A, domain=domain, months=months)
            for label, months in (
                ("jan–mrt 2025", ("2025-01", "2025-03")),
                ("apr–jun 2025", period),
            )
        }
    assert bars == expected
    assert content.source == "Bron: testbron, wijkteam · grenzen: buurten.geojson · CBS / PDOK"
    assert not content.generated
    assert "celsleutelmethode" in content.privacy_note
    assert_content_safe(content)


def test_wijk_profile_maps_and_ranks_its_own_buurten(small: Data) -> None:
    wijk = geo.parent_code_map(small.areas, "wijk")[A]
    members = aggregate.member_codes(small.areas, "wijk", wijk)
    assert {A, B, C} <= set(members) and len(members) > 3
    content = report.collect(small, start="2025-04", end="2025-06", area=wijk)
    name = str(geo.areas_at_level(small.areas, "wijk").at[wijk, "name"])
    items = {item.key: item for item in content.items}
    assert list(items) == ["kaart", "themas", "gebiedskaart", "gebieden", "trend", "buren"]
    # the map: exactly the wijk's buurten, zoomed to them on a white background
    kaart = items["gebiedskaart"].figure
    assert kaart is not None
    located = [code for trace in kaart.data for code in trace.locations]
    assert sorted(located) == sorted(members)
    assert kaart.layout.map.style == "white-bg" and name in kaart.layout.title.text
    west, south, east, north = small.areas.loc[members].to_crs(4326).total_bounds
    centre = kaart.layout.map.center
    assert west < centre.lon < east and south < centre.lat < north
    assert kaart.layout.map.zoom > 12  # a wijk, not the whole city (about 10.5)
    # the table: every buurt once, each count the buurt's own perturbed cell, largest first
    table = items["gebieden"].table
    assert table is not None and items["gebieden"].title == f"Buurten in {name} gerangschikt"
    names = small.areas["name"]
    period = ("2025-04", "2025-06")
    expected = {
        str(names[code]): _text(_shown(small.cube, area_code=code, months=period))
        if code in (A, B, C)
        else "0"
        for code in members
    }
    assert dict(zip(table["Gebied"], table["Signalen"], strict=True)) == expected
    assert table["Gebied"].tolist()[:3] == [names[A], names[B], names[C]]
    assert table["Sociaal"].tolist()[0] == _text(
        _shown(small.cube, area_code=A, domain="sociaal", months=period)
    )
    assert set(table["Signalen"].tolist()[3:]) == {"0"}
    # the same cells as the protected area table (the export) has for these buurten
    now = aggregate.filter_cube(small.cube, start=period[0], end=period[1])
    area_table = aggregate.area_table(now, small.areas, ptable=privacy.PTABLE)
    safe = report.safe_area_table(
        area_table, aggregate.domain_totals(now, ptable=privacy.PTABLE), threshold=THRESHOLD
    ).set_index("Gebiedscode")
    code_of = {str(names[code]): code for code in members}
    assert len(code_of) == len(members)
    ranked = [code_of[n] for n in table["Gebied"]]
    assert table["Signalen"].tolist() == [str(v) for v in safe.loc[ranked, "Totaal"]]
    sizes = [4.5 if v == privacy.SUPPRESSED_LABEL else float(v) for v in table["Signalen"]]
    assert sizes == sorted(sizes, reverse=True)
    buurten = next(p for p in content.protected if p.name == f"buurten in {name}")
    assert list(buurten.truth.index) == members
    assert_content_safe(content)
    # a buurt's profile has no finer areas: nothing added
    assert [i.key for i in report.collect(small, start="2025-04", end="2025-06", area=A).items] == [
        "kaart",
        "themas",
        "trend",
        "buren",
    ]


def test_municipality_map_greys_areas_whose_published_count_is_small(small: Data) -> None:
    content = report.collect(small, start="2025-04", end="2025-06")
    assert [item.key for item in content.items] == ["kaart", "samenhang", "trends", "top"]
    cube, period = small.cube, ("2025-04", "2025-06")
    published = {code: _shown(cube, area_code=code, months=period) for code in (A, B, C)}
    fig = content.items[0].figure
    grey = [t for t in fig.data if t.name == "te weinig waarnemingen"]
    small_ones = sorted(code for code, value in published.items() if 0 < value < THRESHOLD)
    assert sorted(c for t in grey for c in t.locations) == small_ones
    shown = {c for t in fig.data if t.name != "te weinig waarnemingen" for c in t.locations}
    assert A in shown and not set(small_ones) & shown
    total = _shown(cube, months=period)
    assert content.sentences[0].startswith(f"In apr 2025 – jun 2025 kwamen {total} signalen")
    assert_content_safe(content)


def test_slide_figures_are_drawn_once_when_first_needed(small: Data) -> None:
    content = report.collect(small, start="2025-04", end="2025-06")
    with_figure = [item for item in content.items if item.has_figure]
    assert [item.key for item in with_figure] == ["kaart", "samenhang", "trends"]
    # nothing is drawn yet: a presentation opens on its title slide
    assert not any(isinstance(item._drawings["figure"], go.Figure) for item in with_figure)
    samenhang = with_figure[1]
    figure = samenhang.figure
    assert isinstance(figure, go.Figure) and figure is samenhang.figure  # drawn once, kept
    assert samenhang.has_legend and isinstance(samenhang.legend, go.Figure)
    large = charts.PRESENTATION_FONT_SIZE - 4  # every text of the slide legend is large
    legend = samenhang.legend.layout
    assert legend.font.size == legend.xaxis.tickfont.size == legend.yaxis.title.font.size == large
    assert not isinstance(with_figure[0]._drawings["figure"], go.Figure)  # others still not
    # the table-only slide has no figure to draw
    top = content.items[-1]
    assert top.key == "top" and not top.has_figure and top.figure is None


def test_month_blocks_count_back_from_the_last_month() -> None:
    assert report.month_blocks("2025-02", "2025-12") == [
        ("2025-02", "2025-03"),
        ("2025-04", "2025-06"),
        ("2025-07", "2025-09"),
        ("2025-10", "2025-12"),
    ]
    assert report.month_blocks("2025-12", "2025-12") == [("2025-12", "2025-12")]


@pytest.mark.parametrize(
    "text", ["2025-13:2026-01", "2025-01", "2025-06:2025-01", "abc:def", "2025-13:2025-99"]
)
def test_bad_periods_are_rejected_in_dutch(text: str) -> None:
    with pytest.raises(InputError, match="periode"):
        aggregate.parse_period(text)


def test_unknown_area_and_empty_filter_are_rejected(small: Data) -> None:
    with pytest.raises(InputError, match="onbekende gebiedscode 'BU0000XX00'"):
        report.collect(small, start="2025-01", end="2025-06", area="BU0000XX00")
    with pytest.raises(InputError, match="geen signalen"):
        report.collect(small, start="2025-01", end="2025-06", themes=["bestaat niet"])
    with pytest.raises(InputError, match="valt buiten de gegevens"):
        report.collect(small, start="2019-01", end="2019-12")


RATE_HEADERS = {"Per 1.000 inwoners", "Gemeente per 1.000", "Index (gemeente = 100)"}
"""Rate columns: only where the areas have inhabitants."""
AREA_HEADER = [
    "Gebiedscode",
    "Gebied",
    "Inwoners",
    "Fysiek",
    "Sociaal",
    "Overig",
    "Totaal",
    "Per 1.000 inwoners",
]
REPORT_HEADERS = {
    "top": ["Gebied", "Samenhangsindex", "Sociaal", "Fysiek", "Status", "Waarom"],
    "themas": [
        "Domein",
        "Thema",
        "Aantal",
        "Per 1.000 inwoners",
        "Gemeente per 1.000",
        "Index (gemeente = 100)",
    ],
    "gebieden": [
        "Gebied",
        "Signalen",
        "Per 1.000 inwoners",
        "Sociaal",
        "Fysiek",
        "Samenhangsindex",
    ],
    "buren": ["Gebied", "Signalen", "Per 1.000 inwoners", "Samenhangsindex"],
}


@pytest.mark.subprocess
@pytest.mark.parametrize("inhabitants", [True, False])
def test_exported_tables_have_the_dutch_headers_users_see(
    small: Data, inhabitants: bool, tmp_path: Path
) -> None:
    """CSV, Excel, PDF and slide tables carry the Dutch column names, never the library's
    internal ones (``area_code``, ``per_1000``, ``fysiek``); rates only with inhabitants."""
    data = replace(small, areas=small.areas.assign(population=1000.0)) if inhabitants else small
    expected = {
        key: [c for c in columns if inhabitants or c not in RATE_HEADERS]
        for key, columns in {"download": AREA_HEADER, **REPORT_HEADERS}.items()
    }
    cube = aggregate.filter_cube(data.cube, start="2025-04", end="2025-06")
    download = report.area_download(cube, data.areas, level="wijk")
    csv_header = report.to_csv_bytes(download).decode("utf-8-sig").splitlines()[0]
    assert csv_header.split(";") == expected["download"]
    sheet = openpyxl.load_workbook(io.BytesIO(report.to_excel_bytes(download))).active
    assert [cell.value for cell in sheet[1]] == expected["download"]
    wijk = geo.parent_code_map(data.areas, "wijk")[A]
    tables = {}
    for where in (None, wijk):
        content = report.collect(data, start="2025-04", end="2025-06", area=where)
        tables |= {item.key: item for item in content.items if item.table is not None}
        # the report's tables alone (no chart to draw) as a PDF and a deck
        only_tables = replace(content, items=[i for i in content.items if not i.has_figure])
        folder = tmp_path / (where or "gemeente")
        folder.mkdir()
        _, pages = pdf_pages(report.build_pdf(only_tables), folder)
        slides = Presentation(io.BytesIO(report.build_pptx(only_tables))).slides
        for item in only_tables.items:
            assert item.table is not None
            page = next(text for text in pages if item.title in text)
            for header in item.table.columns:  # a header may wrap: look for its words
                assert all(word in page for word in str(header).split()), (item.key, header)
            grid = next(
                shape.table
                for slide in slides
                if slide.shapes.title.text == item.title
                for shape in slide.shapes
                if shape.has_table
            )
            assert [cell.text for cell in grid.rows[0].cells] == list(item.table.columns)
    headers = {key: list(item.table.columns) for key, item in tables.items()}
    assert headers == {key: expected[key] for key in REPORT_HEADERS}


# --- fast: inert spreadsheet cells -------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def test_formula_category_is_inert_in_csv() -> None:
    frame = pd.DataFrame({"categorie": [FORMULA, "+31", "afval"], "aantal": [7, 12, -3]})
    text = report.to_csv_bytes(frame).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "categorie;aantal"
    assert lines[1].startswith("'=HYPERLINK(") or lines[1].startswith("\"'=HYPERLINK(")
    assert lines[2] == "'+31;12"
    assert lines[3] == "afval;-3"  # numbers are left alone


def test_formula_category_is_inert_in_excel() -> None:
    frame = pd.DataFrame({FORMULA: [FORMULA, "@SUM(A1)"], "aantal": [7, 12]})
    book = openpyxl.load_workbook(io.BytesIO(report.to_excel_bytes(frame)))
    sheet = book.active
    header, first, second = sheet["A1"], sheet["A2"], sheet["A3"]
    for cell in (header, first, second):
        assert cell.data_type == "s"
        assert str(cell.value).startswith("'")
    assert first.value == "'" + FORMULA
    assert sheet["B2"].value == 7 and sheet["B2"].data_type == "n"


# --- slow: the full demo store -----------------------------------------------------------------


@pytest.fixture(scope="module")
def period(demo_store: Path) -> tuple[str, str]:
    months = aggregate.months_in(Store(demo_store).cube())
    return aggregate.resolve_period(months, "laatste 12 maanden")


@pytest.fixture(scope="module")
def content(demo_store: Path, period: tuple[str, str]) -> report.ReportContent:
    return report.collect(Store(demo_store), start=period[0], end=period[1])


@pytest.fixture(scope="module")
def timings() -> dict[str, float]:
    found: dict[str, float] = {}
    yield found
    if found:
        print("\nTijden rapport (volledige demo-store):")
        for name, seconds in found.items():
            print(f"  {name}: {seconds:.1f} s")


@pytest.fixture(scope="module")
def deck(content: report.ReportContent, timings: dict[str, float]) -> bytes:
    started = time.perf_counter()
    data = report.build_pptx(content)
    timings["dia's"] = time.perf_counter() - started
    return data


@pytest.fixture(scope="module")
def pdf(content: report.ReportContent, deck: bytes, timings: dict[str, float]) -> bytes:
    started = time.perf_counter()
    data = report.build_pdf(content)
    timings["PDF (inclusief PNG's)"] = time.perf_counter() - started
    return data


@pytest.mark.slow
def test_demo_content_is_safe_and_complete(
    demo_store: Path, content: report.ReportContent, period: tuple[str, str]
) -> None:
    assert [item.key for item in content.items] == ["kaart", "samenhang", "trends", "top"]
    assert content.generated
    assert "GEGENEREERDE demodata" in content.source
    assert "demo-signalen" in content.source and "CBS / PDOK" in content.source
    assert content.subtitle.startswith(fmt_period(*period))
    assert_content_safe(content)
    # the top list's counts are the buurten's perturbed counts: each within 3 of the truth and
    # exactly what the p-table gives for the cell's records
    cube = aggregate.filter_cube(
        Store(demo_store).cube(), start=period[0], end=period[1], domains=list(CLASSIFIED_DOMAINS)
    )
    truth = aggregate.counts_by_area_domain(cube, Store(demo_store).areas())
    top = content.items[-1].table
    assert top is not None and len(top) == 5
    names = Store(demo_store).areas()["name"]
    for _, row in top.iterrows():
        code = names.index[names == row["Gebied"]][0]
        for column, domain in (("Sociaal", "sociaal"), ("Fysiek", "fysiek")):
            value = _dutch_int(row[column])
            assert value == _shown(cube, area_code=code, domain=domain)
            assert abs(value - truth.at[code, domain]) <= 3


@pytest.mark.slow
def test_pptx_has_the_slides_pictures_footer_banner_and_table(
    content: report.ReportContent, deck: bytes
) -> None:
    prs = Presentation(io.BytesIO(deck))
    slides = list(prs.slides)
    assert len(slides) == 2 + len(content.items) == 6  # title, summary, one per item
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=0.01)
    for number, slide in enumerate(slides, start=1):
        text = slide_texts(slide)
        assert content.source in text
        assert f"gemaakt op {content.created}" in text
        assert report.DEMO_BANNER in text
        assert f"{number} / {len(slides)}" in text
    assert content.sentences[0] in slide_texts(slides[1])
    kinds = [{shape.shape_type for shape in slide.shapes} for slide in slides]
    # the two maps are pictures; the trend is a chart, the top list a table
    assert [MSO_SHAPE_TYPE.PICTURE in k for k in kinds] == [False, False, True, True, False, False]
    assert [MSO_SHAPE_TYPE.CHART in k for k in kinds] == [False, False, False, False, True, False]
    tables = [s for s in slides[5].shapes if s.shape_type == MSO_SHAPE_TYPE.TABLE]
    assert len(tables) == 1
    grid = tables[0].table
    header = [grid.cell(0, j).text for j in range(len(grid.columns))]
    assert header == ["Gebied", "Samenhangsindex", "Sociaal", "Fysiek", "Status", "Waarom"]
    assert len(grid.rows) == 6
    top = content.items[-1].table
    assert top is not None
    assert [grid.cell(i + 1, 0).text for i in range(5)] == top["Gebied"].tolist()


@pytest.mark.subprocess
@pytest.mark.slow
def test_pdf_pages_render_with_source_date_and_banner(
    content: report.ReportContent, pdf: bytes, tmp_path: Path
) -> None:
    assert pdf.startswith(b"%PDF")
    pages, texts = pdf_pages(pdf, tmp_path)
    assert len(pages) == len(texts) == 5
    for number, (page, text) in enumerate(zip(pages, texts, strict=True), start=1):
        assert page.read_bytes().startswith(b"\x89PNG")
        assert page.stat().st_size > 5_000
        flat = " ".join(text.split())
        assert content.source in flat
        assert f"gemaakt op {content.created}" in flat
        assert report.DEMO_BANNER in flat
        assert f"pagina {number} van 5" in flat
    assert "Regiebuurten" in texts[4] and "De Bongerd" in texts[4]


@pytest.mark.slow
def test_chart_pngs_are_images_of_every_chart(content: report.ReportContent, deck: bytes) -> None:
    pngs = report.chart_pngs(content)
    assert list(pngs) == [
        "01_kaart.png",
        "02_samenhang.png",
        "02_samenhang_legenda.png",
        "03_trends.png",
    ]
    for png in pngs.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(pngs["01_kaart.png"][16:20], "big")
    assert width == 1200 * report.PNG_SCALE


@pytest.fixture(scope="module")
def small_buurt(demo_store: Path, period: tuple[str, str]) -> str:
    """A buurt with few signals (fewer than 50) in the period and at least 100 inhabitants."""
    store = Store(demo_store)
    cube = aggregate.filter_cube(
        store.cube(), start=period[0], end=period[1], domains=list(CLASSIFIED_DOMAINS)
    )
    table = aggregate.area_table(cube, store.areas())
    chosen = table.loc[table["totaal"].between(10, 49) & (table["population"] >= 100)]
    return str(chosen.sort_values("totaal").index[0])


@pytest.mark.slow
def test_small_buurt_report_shows_no_small_number(
    demo_store: Path, period: tuple[str, str], small_buurt: str
) -> None:
    content = report.collect(Store(demo_store), start=period[0], end=period[1], area=small_buurt)
    assert content.area == small_buurt
    keys = [item.key for item in content.items]
    assert keys == ["kaart", "themas", "trend", "buren"]
    assert_content_safe(content)
    # the bars of a hidden block are empty and labelled, never a number
    trend = content.items[2].figure
    labels = {t for trace in trend.data for t in trace.text}
    assert labels & LABELS
    for trace in trend.data:
        for y, text in zip(trace.y, trace.text, strict=True):
            assert (text in LABELS and y == 0) or _dutch_int(text) == y


@pytest.mark.subprocess
@pytest.mark.slow
def test_cli_report_pptx_and_area_pdf(
    demo_store: Path, tmp_path: Path, period: tuple[str, str], small_buurt: str
) -> None:
    out = tmp_path / "x.pptx"
    result = cli("report", "--store", demo_store, "--format", "pptx", "--out", out)
    assert result.code == 0, result.err
    assert "Rapport (pptx) geschreven" in result.out and " s." in result.out
    prs = Presentation(out)
    assert len(prs.slides) == 6
    assert fmt_period(*period) in slide_texts(prs.slides[0])  # default: last 12 months

    out = tmp_path / "buurt.pdf"
    result = cli(
        "report", "--store", demo_store, "--format", "pdf", "--area", small_buurt,
        "--period", f"{period[0]}:{period[1]}", "--out", out,
    )  # fmt: skip
    assert result.code == 0, result.err
    pages, texts = pdf_pages(out.read_bytes(), tmp_path)
    assert len(pages) == 5
    assert "Gebiedsprofiel" in texts[0]


@pytest.mark.slow
def test_cli_report_rejects_unknown_area_in_dutch(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    result = cli(
        "report", "--store", demo_store, "--format", "pdf", "--area", "BU0000XX00", "--out", out
    )
    assert result.code == 2
    assert "onbekende gebiedscode 'BU0000XX00'" in result.err
    assert not out.exists()
    result = cli(
        "report", "--store", demo_store, "--format", "pdf", "--period", "2025-13", "--out", out
    )
    assert result.code == 2
    assert "ongeldige periode" in result.err
