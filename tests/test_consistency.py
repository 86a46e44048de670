"""One figure, one definition: for a set of filters the pages (AppTest), the command line
(``analyse samenhang``) and the council report (``report.collect``) show the same areas as
"sociaal én fysiek hoog" and the same totals, and the samenhangsindex is absent where a domain
has no signals.

Totals are checked against a plain pandas sum over the cube's rows; the areas that are both
high against the command line's ``beide_hoog`` column, ordered by hand (index, then signals,
then code)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from regie_analytics import aggregate, report
from regie_analytics.formatting import fmt_int
from regie_analytics.store import Store
from tests.conftest import APP_TIMEOUT, ROOT, cli, open_page, store_env, texts
from tests.test_report import pdf_pages, slide_texts

SENTINELS = ("BUITEN_GEBIED", "ZONDER_LOCATIE")
BOTH_HIGH = "Gebieden met sociaal én fysiek hoog"
REGIE_TITLE = {"buurt": "Regiebuurten", "wijk": "Regiewijken"}


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}: {[m.label for m in at.metric]}"
    return str(found[0])


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column``."""
    found = maybe_table(at, column)
    assert found is not None, f"no table with {column!r}"
    return found


def maybe_table(at: AppTest, column: str) -> pd.DataFrame | None:
    """The first table on the page with ``column``, or None."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    return None


@dataclass(frozen=True)
class Case:
    """A filter as the sidebar sets it, and the same filter for the command line."""

    name: str
    state: dict[str, object]
    preset: str = "laatste 12 maanden"
    level: str = "buurt"
    domains: tuple[str, ...] = ("fysiek", "sociaal")
    themes: tuple[str, ...] = ()
    cli_domain: str | None = None
    cli: bool = True  # the command line takes one domain and one theme


CASES = [
    Case("standaard", {}),
    Case("wijken", {"niveau": "wijk"}, level="wijk"),
    Case("drie maanden", {"periode": "laatste 3 maanden"}, preset="laatste 3 maanden"),
    Case(
        "met overig",
        {"domein": ["fysiek", "sociaal", "overig"]},
        domains=("fysiek", "sociaal", "overig"),
    ),
    Case("alleen sociaal", {"domein": ["sociaal"]}, domains=("sociaal",), cli_domain="sociaal"),
    Case(
        "bijna leeg",
        {"thema": ["civiele constructies", "eenzaamheid en welzijn"], "periode": "laatste maand"},
        preset="laatste maand",
        themes=("civiele constructies", "eenzaamheid en welzijn"),
        cli=False,
    ),
]


def period_of(store: Path, preset: str) -> tuple[str, str]:
    return aggregate.resolve_period(aggregate.months_in(Store(store).cube()), preset)


def expected_total(store: Path, case: Case, start: str, end: str) -> int:
    """Signals in areas in the period within the filter: a plain sum over the cube's rows."""
    cube = Store(store).cube()
    rows = (
        (cube["month"] >= start)
        & (cube["month"] <= end)
        & cube["domain"].isin(case.domains)
        & ~cube["area_code"].isin(SENTINELS)
    )
    if case.themes:
        rows &= cube["theme"].isin(case.themes)
    return int(cube.loc[rows, "count"].sum())


def cli_samenhang(store: Path, tmp_path: Path, case: Case, start: str, end: str) -> pd.DataFrame:
    out = tmp_path / f"samenhang-{case.name}.csv"
    args = ["analyse", "samenhang", "--store", store, "--level", case.level]
    args += ["--period", f"{start}:{end}", "--out", out]
    if case.cli_domain:
        args += ["--domain", case.cli_domain]
    result = cli(*args)
    assert result.code == 0, result.err
    return pd.read_csv(out, dtype={"area_code": "str"})


def by_hand_order(table: pd.DataFrame) -> pd.DataFrame:
    """The areas where both are high, in the documented order: samenhangsindex down, then
    social plus physical signals down, then area code."""
    both = table.loc[table["beide_hoog"]].assign(signals=lambda t: t["sociaal"] + t["fysiek"])
    return both.sort_values(
        ["samenhangsindex", "signals", "area_code"], ascending=[False, False, True]
    )


def map_classes(at: AppTest, trace_name: str) -> set[str]:
    """The area codes the bivariate map on the page draws in the class ``trace_name``."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            if trace.get("name") == trace_name and "locations" in trace:
                return {str(c) for c in trace["locations"]}
    return set()


@dataclass
class Shown:
    """What the Overzicht, Samenhang and Kaart pages show for one filter."""

    totaal: str
    count: str
    headline: str
    top: pd.DataFrame | None
    overzicht_texts: str
    domain_metrics: list[str]
    samenhang_texts: str
    regie: pd.DataFrame | None
    hoog_hoog: set[str]
    subheaders: list[str]
    kaart: pd.DataFrame


def shown(case: Case, *, exact: bool) -> Shown:
    """The pages for ``case``: protected (the default) or the analyst's exact view."""
    state = {**case.state, "privacy": False} if exact else case.state
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    overzicht = open_page(at, None, state)
    result = {
        "totaal": metric(overzicht, "Totaal"),
        "count": metric(overzicht, BOTH_HIGH),
        "headline": overzicht.markdown[0].value,
        "top": maybe_table(overzicht, "Samenhangsindex"),
        "overzicht_texts": texts(overzicht),
        "domain_metrics": [metric(overzicht, f"Signalen {d}") for d in case.domains],
    }
    samenhang = open_page(at, "samenhang", state)
    result |= {
        "samenhang_texts": texts(samenhang),
        "regie": maybe_table(samenhang, "Nr"),
        "hoog_hoog": map_classes(samenhang, "sociaal hoog · fysiek hoog"),
        "subheaders": [s.value for s in samenhang.subheader],
    }
    kaart = open_page(at, "kaart", state)
    return Shown(**result, kaart=table_with(kaart, "Totaal"))


def _names(frame: pd.DataFrame | None) -> list[str]:
    return frame["Gebied"].tolist() if frame is not None else []


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_pages_cli_and_report_agree_on_the_demo(
    demo_store: Path, tmp_path: Path, case: Case
) -> None:
    """Like with like: the analyst's exact pages against the plain sum and the command line
    (exact), the protected pages (the default) against the council report (protected)."""
    start, end = period_of(demo_store, case.preset)
    total = expected_total(demo_store, case, start, end)
    with store_env(demo_store):
        exact = shown(case, exact=True)
        protected = shown(case, exact=False)
    content = report.collect(
        Store(demo_store),
        start=start,
        end=end,
        level=case.level,
        domains=case.domains,
        themes=list(case.themes) or None,
    )
    items = {item.key: item for item in content.items}

    # exact totals: the sum of what the selection shows, everywhere
    assert exact.totaal == fmt_int(total)
    assert sum(int(m.replace(".", "")) for m in exact.domain_metrics) == total
    assert f"kwamen {fmt_int(total)} signalen binnen" in exact.headline
    assert int(exact.kaart["Totaal"].sum()) == total
    # protected: perturbed by at most 3 per cell, the headline says the protected total
    assert abs(int(protected.totaal.replace(".", "")) - total) <= 3
    assert f"kwamen {protected.totaal} signalen binnen" in protected.headline

    if "fysiek" not in case.domains:  # one domain: no index, no list, said in Dutch
        for view in (exact, protected):
            assert view.count == "–"
            assert "geen fysieke signalen" in view.overzicht_texts
            assert "geen fysieke signalen" in view.samenhang_texts
        assert "top" not in items and "samenhang" not in items
        table = cli_samenhang(demo_store, tmp_path, case, start, end)
        assert table["samenhangsindex"].isna().all()
        assert not table["beide_hoog"].any()
        assert table["waarom"].str.contains("geen fysieke signalen").all()
        return

    # per view, the Overzicht's count, its top 5, the Samenhang list and the map are one list
    title = f"{REGIE_TITLE[case.level]}: sociaal én fysiek hoog"
    codes_of = _codes_by_name(demo_store, case.level)
    for view in (exact, protected):
        names = _names(view.regie)
        assert view.count == fmt_int(len(names))
        assert _names(view.top) == names[:5]
        assert title in view.subheaders
        assert view.hoog_hoog == {codes_of[name] for name in names}
    # the council's slide is the protected list
    assert items["top"].title == title
    slide = items["top"].table
    assert _names(slide) == _names(protected.regie)[:5]
    for frame in (exact.top, protected.top, slide):
        if frame is not None:  # both high needs at least 5 signals in each domain
            for column in ("Sociaal", "Fysiek"):
                assert all(int(str(v).replace(".", "")) >= 5 for v in frame[column])
    if case.cli:  # the command line counts exactly: the analyst's exact list
        table = cli_samenhang(demo_store, tmp_path, case, start, end)
        expected = by_hand_order(table)
        assert expected["name"].tolist() == _names(exact.regie)
        assert set(expected["area_code"]) == exact.hoog_hoog
        assert (expected[["sociaal", "fysiek"]] >= 5).all().all()
        # an area without signals in a domain has index 0, never a middling score
        zero = table.loc[(table["sociaal"] == 0) | (table["fysiek"] == 0)]
        assert (zero["samenhangsindex"].fillna(0) == 0).all()


def _codes_by_name(store: Path, level: str) -> dict[str, str]:
    areas = aggregate.geo.areas_at_level(Store(store).areas(), level)
    return {str(name): str(code) for code, name in areas["name"].items()}


@pytest.mark.slow
@pytest.mark.subprocess
def test_one_domain_store_agrees_everywhere(social_store: Path, tmp_path: Path) -> None:
    """Only social counts: no page, no command and no slide shows an index or a list."""
    start, end = period_of(social_store, "laatste 12 maanden")
    case = Case("sociaal", {}, domains=("sociaal",))
    total = expected_total(social_store, case, start, end)
    with store_env(social_store):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
        exact = open_page(at, None, {"privacy": False})
        assert metric(exact, "Totaal") == fmt_int(total) == metric(exact, "Signalen sociaal")
        # protected (the default), the total and the one domain are the same records: the
        # same perturbed count
        overzicht = open_page(at, None, {"privacy": True})
        assert metric(overzicht, "Totaal") == metric(overzicht, "Signalen sociaal")
        assert abs(int(metric(overzicht, "Totaal").replace(".", "")) - total) <= 3
        assert metric(overzicht, BOTH_HIGH) == "–"
        assert not any("Samenhangsindex" in f.value.columns for f in overzicht.dataframe)
        hint = "importeer meldingen over de openbare ruimte"
        assert hint in texts(overzicht)
        samenhang = open_page(at, "samenhang", {})
        assert hint in texts(samenhang)
        assert not samenhang.dataframe
    table = cli_samenhang(social_store, tmp_path, case, start, end)
    assert int(table["sociaal"].sum()) == total
    assert table["samenhangsindex"].isna().all() and not table["beide_hoog"].any()
    result = cli(
        "analyse", "samenhang", "--store", social_store, "--level", "buurt", "--out",
        tmp_path / "s.csv",
    )  # fmt: skip
    assert "Let op: Er zijn geen fysieke signalen" in result.err
    assert "geen inwonertallen" in result.err  # the ranking would be one of size
    content = report.collect(
        Store(social_store), start=start, end=end, domains=("fysiek", "sociaal")
    )
    top = {item.key: item for item in content.items}["top"]
    assert top.table is None and "geen fysieke signalen" in top.caption
    assert "samenhang" not in {item.key for item in content.items}
    assert any("geen inwonertallen" in s for s in content.sentences)
    # the slide and the PDF page under that title say why they list nothing
    deck = Presentation(io.BytesIO(report.build_pptx(content)))
    slide = next(s for s in deck.slides if "sociaal én fysiek hoog" in slide_texts(s))
    assert "Er zijn geen fysieke signalen in deze selectie" in slide_texts(slide)
    _, pages = pdf_pages(report.build_pdf(content), tmp_path)
    page = " ".join(next(p for p in pages if "sociaal én fysiek hoog" in p).split())
    assert "Er zijn geen fysieke signalen in deze selectie" in page


@pytest.mark.slow
def test_store_without_population_says_rankings_are_sizes(
    nopop_store: Path, tmp_path: Path
) -> None:
    start, end = period_of(nopop_store, "laatste 12 maanden")
    with store_env(nopop_store):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
        overzicht = open_page(at, None, {})
        assert "rangorde naar grootte" in texts(overzicht)
        assert "(naar aantallen: er zijn geen inwonertallen)" in overzicht.markdown[1].value
        names = table_with(overzicht, "Samenhangsindex")["Gebied"].tolist()
        samenhang = open_page(at, "samenhang", {})
        assert "rangorde naar grootte" in texts(samenhang)
        assert "Op aantallen, niet per inwoner" in texts(samenhang)
        assert table_with(samenhang, "Nr")["Gebied"].tolist()[:5] == names
    result = cli(
        "analyse", "regie", "--store", nopop_store, "--level", "buurt", "--period",
        f"{start}:{end}", "--out", tmp_path / "regie.csv",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "rangorde naar grootte" in result.err
    regie = pd.read_csv(tmp_path / "regie.csv")
    assert {"samenhangsindex", "beide_hoog", "regie_score"} <= set(regie.columns)
    content = report.collect(Store(nopop_store), start=start, end=end)
    top = {item.key: item for item in content.items}["top"]
    assert "rangorde naar grootte" in top.caption
    assert top.table is not None and top.table["Gebied"].tolist() == names
    assert any("rangorde naar grootte" in s for s in content.sentences)


def _kpis() -> None:
    import streamlit as st

    from regie_analytics.ui import components

    columns = st.columns(5)
    components.kpi(columns[0], "min", 99, 100)
    components.kpi(columns[1], "gelijk", 100, 100)
    components.kpi(columns[2], "bijna gelijk", 1001, 1000)
    components.kpi(columns[3], "plus", 110, 100)
    components.kpi(columns[4], "verschil", 3, 5, relative=False)


def test_kpi_arrows_follow_the_sign() -> None:
    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    at = AppTest.from_function(_kpis).run()
    assert not at.exception
    shown = {m.label: (m.proto.delta, m.proto.direction) for m in at.metric}
    direction = MetricProto.MetricDirection
    assert shown == {
        "min": ("−1%", direction.DOWN),
        "gelijk": ("0%", direction.NONE),
        "bijna gelijk": ("0%", direction.NONE),
        "plus": ("+10%", direction.UP),
        "verschil": ("−2", direction.DOWN),
    }


@pytest.mark.slow
def test_kaart_captions_describe_what_is_drawn(demo_store: Path) -> None:
    with store_env(demo_store):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
        # the analyst's exact view: its rates can be checked against its counts by hand
        values = open_page(at, "kaart", {"maat": "per_1000", "privacy": False})
        shown = texts(values)
        table = table_with(values, "Per 1.000 inwoners").set_index("Gebiedscode")
        hotspots = open_page(at, "kaart", {"maat": "per_1000", "laag": "hotspots"})
    # the map and the table show the measured rate: count / inhabitants x 1000, by hand
    row = table.iloc[0]
    assert row["Per 1.000 inwoners"] == pytest.approx(
        round(row["Totaal"] / row["Inwoners"] * 1000, 1)
    )
    assert "(niet gecorrigeerd)" in shown and "gecorrigeerde cijfer" not in shown
    # the hotspots of a rate are tested on the corrected rate, and say so
    assert "berekend op het gecorrigeerde cijfer" in texts(hotspots)
    assert "minder dan 5 signalen is een buurt nooit een hotspot" in texts(hotspots)


def _said(page: AppTest) -> str:
    """What a page says in its own words: texts, subheaders and the tables' reasons (not the
    demo banner or the footer, which name the file amsterdam_buurten_2022.geojson)."""
    lines = [texts(page), *(s.value for s in page.subheader)]
    lines += [str(v) for f in page.dataframe for v in f.value.get("Waarom", [])]
    return "\n".join(
        line
        for line in "\n".join(lines).splitlines()
        if "Bron:" not in line and "Gegenereerde demodata" not in line
    )


@pytest.mark.slow
def test_wijk_level_speaks_of_wijken_and_names_them_one_way(demo_store: Path) -> None:
    with store_env(demo_store):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
        samenhang = _said(open_page(at, "samenhang", {"niveau": "wijk"}))
        subheaders = [s.value for s in at.subheader]
        overzicht = _said(open_page(at, "overzicht", {"niveau": "wijk"}))
        at.switch_page("pages/buurtprofiel.py")
        at.query_params["gebied"] = "BU0363AA01"
        caption = open_page(at, None, {"niveau": "buurt"}).caption[0].value
    for said in (samenhang, overzicht):
        assert "buurt" not in said.lower(), [x for x in said.splitlines() if "buurt" in x.lower()]
    assert "Regiewijken: sociaal én fysiek hoog" in subheaders
    wijk = aggregate.geo.areas_at_level(Store(demo_store).areas(), "wijk").loc["WK0363AA"]
    assert f"in wijk {wijk['name']}," in caption  # the wijk's name, as every page shows it


def test_pages_show_tables_without_none() -> None:
    """Every page shows tables through components.table, which writes "–" for a missing
    figure instead of Streamlit's "None"."""
    for page in (ROOT / "pages").glob("*.py"):
        assert "st.dataframe(" not in page.read_text(), page.name
