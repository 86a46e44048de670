"""What a cached rerun does not repeat: a figure is converted for sending, named and its classes
read once per figure object (``components.prepared``), a table is built once per content and
replayed (``components.table``), and the server does no full garbage collection after every
run; none of it may show one selection's figure or table for another."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from regie_analytics import accessibility
from regie_analytics.charts import svgmap
from regie_analytics.ui import components, sent
from tests.conftest import ROOT
from tests.conftest import run_app as _app


def _map(title: str, codes: list[str], values: list[float]) -> go.Figure:
    """A small choropleth of squares, one class per value."""
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]],
            },
        }
        for i, code in enumerate(codes)
    ]
    figure = go.Figure()
    for code, value in zip(codes, values, strict=True):
        figure.add_trace(
            go.Choroplethmap(
                geojson={"type": "FeatureCollection", "features": features},
                locations=[code],
                z=[value],
                customdata=[[f"gebied {code}"]],
                name=f"klasse {value:g}",
            )
        )
    return figure.update_layout(title={"text": title})


def test_a_prepared_figure_sends_what_plotly_writes_and_is_kept_while_the_figure_lives() -> None:
    figure = _map("Aantal signalen", ["A", "B"], [1.0, 2.0])
    made = components.prepared(figure)
    assert json.loads(made.sent.to_dict().text) == json.loads(pio.to_json(figure))
    assert made.alt == accessibility.chart_name(figure)
    assert made.alt.startswith("Kaart: Aantal signalen")
    assert made.classes is not None
    assert made.classes.to_dict("list") == {
        "Gebied": ["gebied A", "gebied B"],
        "Code": ["A", "B"],
        "Klasse": ["klasse 1", "klasse 2"],
    }
    assert _parsed_table(made.classes_html or "") == [
        ["Gebied", "Code", "Klasse"],
        ["gebied A", "A", "klasse 1"],
        ["gebied B", "B", "klasse 2"],
    ]
    assert components.prepared(figure) is made  # the second showing converts nothing
    chart = go.Figure(go.Bar(x=["a"], y=[1])).update_layout(title={"text": "Staaf"})
    assert components.prepared(chart).classes is None
    assert components.prepared(chart).alt == "Grafiek: Staaf"


def _blank_map(title: str) -> go.Figure:
    """:func:`_map` on the blank style, as the dashboard's maps are (sent as an SVG map)."""
    return _map(title, ["A", "B"], [1.0, 2.0]).update_layout(map={"style": "white-bg"})


def test_a_figure_is_written_as_json_once_and_sent_as_plotly_writes_it() -> None:
    """The text sent is what plotly writes for the figure as shown (a blank map as the SVG
    map), written when the figure is first prepared: Streamlit's ``plotly.io.to_json`` on
    every run returns that same text object; any other figure or option is written as plotly
    writes it. What Streamlit reads of the figure besides is its size."""
    for figure in (
        _blank_map("Kaart").update_layout(height=420),
        _map("WebGL", ["A"], [1.0]).update_layout(width=300, height=200),
        go.Figure(go.Bar(x=["a", "b"], y=[1.5, float("nan")])).update_layout(title="<b>x</b>"),
    ):
        spec = components.prepared(figure).sent.to_dict()
        expected = sent._PLOTLY_TO_JSON(
            svgmap.screen_spec(json.loads(sent._PLOTLY_TO_JSON(figure, validate=False))),
            validate=False,
        )
        assert isinstance(spec, sent.SentSpec)
        assert spec.text == expected
        layout = json.loads(expected)["layout"]
        assert spec == {"layout": {k: layout[k] for k in ("width", "height") if k in layout}}
        assert pio.to_json(spec, validate=False) is spec.text  # not written again
        assert pio.to_json(dict(spec), validate=False) != spec.text  # plain dicts: plotly's
        assert pio.to_json(spec, validate=False, pretty=True) != spec.text
    assert json.loads(pio.to_json(_blank_map("SVG"), validate=False))["data"][0]["type"] == (
        "choroplethmap"
    )


def _sent_script() -> None:
    from regie_analytics.ui import components
    from tests.test_rerun_cost import _blank_map

    components.chart(_blank_map("Aantal signalen"), key="kaart", map_table=False)


def test_streamlit_sends_the_json_written_once() -> None:
    at = AppTest.from_function(_sent_script, default_timeout=60).run()
    assert not at.exception
    (element,) = at.get("plotly_chart")
    spec = json.loads(element.proto.spec)
    assert [trace["type"] for trace in spec["data"]] == ["choropleth", "choropleth"]
    assert spec["layout"]["title"]["text"] == "Aantal signalen"
    assert spec["layout"]["geo"]["lonaxis"]["range"] == pytest.approx([-0.06, 2.06])


def _parsed_table(html: str) -> list[list[str]]:
    """The rows of the one HTML table in ``html`` as the browser reads them (header first),
    checking that nothing but the table's own tags is in it."""
    rows: list[list[str]] = []
    tags: list[str] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append(tag)
            if tag == "tr":
                rows.append([])
            elif tag in ("th", "td"):
                rows[-1].append("")

        def handle_data(self, data: str) -> None:
            rows[-1][-1] += data

    Reader(convert_charrefs=True).feed(html)
    assert set(tags) <= {"table", "thead", "tbody", "tr", "th", "td"}, tags
    assert tags.count("table") == 1
    return rows


def test_a_map_table_is_one_html_table_with_every_value_escaped() -> None:
    """The table under a map is plain HTML (one element for the browser, not a markdown element
    per cell): every header and cell in order, markup and entities in a name shown as text."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "Gebied": ['<b>Oost</b> & "West"', "Zuid <script>x</script>", "’t Hof"],
            "Code": ["BU01", "BU02", "BU03"],
            "Klasse": ["1 – 5", "&lt;5", "6 – 10"],
        }
    )
    html = components.html_table(frame)
    assert _parsed_table(html) == [["Gebied", "Code", "Klasse"], *frame.to_numpy().tolist()]
    assert html.count('<th scope="col">') == 3 and html.count("<tr>") == 4
    assert "<b>" not in html and "<script>" not in html


def test_the_map_table_is_shown_as_one_html_element_folded_under_the_map() -> None:
    at = AppTest.from_function(_map_script, default_timeout=60).run()
    assert not at.exception
    assert len(at.table) == 0
    (expander,) = at.expander
    assert expander.label == "Tabel bij de kaart: de klasse van elk gebied"
    (shown,) = [element for element in expander if element.type == "html"]
    assert _parsed_table(shown.proto.body) == [
        ["Gebied", "Code", "Klasse"],
        ["gebied A", "A", "klasse 1"],
        ["gebied B", "B", "klasse 2"],
    ]


def _map_script() -> None:
    from regie_analytics.ui import components
    from tests.test_rerun_cost import _map

    components.chart(_map("Aantal signalen", ["A", "B"], [1.0, 2.0]), key="kaart")


def test_a_new_figure_never_gets_the_spec_of_a_figure_that_is_gone() -> None:
    """Figures are known by ``id`` while alive: once one is collected its entry goes, and a
    new figure (which may get the same ``id``) is converted for itself."""
    old = _map("Oud", ["A"], [1.0])
    old_id = id(old)
    components.prepared(old)
    assert old_id in components._PREPARED
    del old
    gc.unfreeze()  # a quiet moment's housekeeping may have frozen it (ui/housekeeping.py)
    gc.collect()
    assert old_id not in components._PREPARED
    for _ in range(50):  # try to get the same id again
        new = _map("Nieuw", ["B", "C"], [3.0, 4.0])
        if id(new) == old_id:
            break
    made = components.prepared(new)
    assert json.loads(made.sent.to_dict().text)["layout"]["title"]["text"] == "Nieuw"
    assert list(made.classes["Code"]) == ["B", "C"]  # type: ignore[index]


def _tables_script() -> None:
    import pandas as pd

    from regie_analytics.ui import components

    components.table(pd.DataFrame({"Aantal": [5, 1234]}), hide_index=True)
    components.table(pd.DataFrame({"Aantal": ["5", "1234"]}), hide_index=True)
    components.table(pd.DataFrame({"Aantal": [5, 1234]}), hide_index=True)
    components.table(pd.DataFrame({"Aantal": [5, 1234]}, index=["x", "y"]))


def test_tables_are_replayed_per_exact_content_and_options() -> None:
    """The same frame again is the same element (replayed); numbers and the same text, or
    another index shown, are tables of their own."""
    st.cache_data.clear()
    at = AppTest.from_function(_tables_script, default_timeout=60).run()
    assert not at.exception
    frames = [element.value for element in at.dataframe]
    assert len(frames) == 4
    assert frames[0]["Aantal"].tolist() == [5, 1234]
    assert frames[1]["Aantal"].tolist() == ["5", "1234"]
    assert frames[2]["Aantal"].tolist() == [5, 1234]
    assert frames[3].index.tolist() == ["x", "y"]
    # the Dutch notation of every cell is in the element, whether built or replayed
    for element in (at.dataframe[0], at.dataframe[2]):
        assert b"1.234" in element.proto.arrow_data.styler.display_values
    again = AppTest.from_function(_tables_script, default_timeout=60).run()  # all replayed
    assert [element.proto.SerializeToString() for element in again.dataframe] == [
        element.proto.SerializeToString() for element in at.dataframe
    ]


def test_a_table_key_is_its_content_with_types_whoever_made_it() -> None:
    """The same table, computed or read back from a cache (other objects, some shared), has
    one key; a value of another type, another dtype, column or index never shares it."""
    import pickle

    import pandas as pd

    name = "".join(["Oost", "erpark"])  # not interned: another object than the literal
    frame = pd.DataFrame(
        {
            "Gebied": pd.Series(["Oosterpark", name, None], dtype=object),
            "Totaal": pd.array([5, 1234, None], dtype="Int64"),
            "Per 1.000": [1.5, float("nan"), 2.0],
            "Klasse": ["<5", 7, "–"],
        }
    )
    key = components._exact(frame)
    assert components._exact(pickle.loads(pickle.dumps(frame))) == key
    shared = frame.copy()
    shared["Gebied"] = pd.Series(["Oosterpark", "Oosterpark", None], dtype=object)  # shared
    assert pickle.dumps(shared) != pickle.dumps(frame)  # why pickles were no key
    assert components._exact(shared) == key
    others = [
        frame.assign(Klasse=["<5", "7", "–"]),  # 7 as text
        frame.assign(Klasse=["<5", 7.0, "–"]),
        frame.assign(Totaal=[5, 1234, 0]),
        frame.assign(Totaal=pd.array([5, 1234, None], dtype="Float64")),
        frame.assign(Gebied=pd.Series(["Oosterpark", name, float("nan")], dtype=object)),
        frame.assign(**{"Per 1.000": [1.5, -0.0, 2.0]}),
        frame.set_axis(["a", "b", "c"]),
        frame.rename(columns={"Totaal": "Aantal"}),
        frame.iloc[:2],
    ]
    keys = {components._exact(other) for other in others}
    assert key not in keys and len(keys) == len(others)
    odd = frame.assign(Klasse=[("<", 5), 7, "–"])  # a value without an exact repr: pickled
    assert components._exact(odd) == pickle.dumps(odd, protocol=pickle.HIGHEST_PROTOCOL)


@pytest.mark.slow
def test_a_second_session_shows_the_shared_figures_without_preparing_them_again(
    app_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Samenhang's figures come from a cache shared by sessions: a second session sends
    the same JSON, reads no map's classes again, and showing them changes no cached figure."""
    st.cache_data.clear()
    st.cache_resource.clear()
    first = _app("samenhang")
    assert not first.exception
    from regie_analytics.ui import figures

    shared = [figures.bivariate_legend()]
    before = [pio.to_json(figure) for figure in shared]
    read: list[object] = []
    real = accessibility.map_classes
    monkeypatch.setattr(accessibility, "map_classes", lambda fig: read.append(fig) or real(fig))
    second = _app("samenhang")
    assert not second.exception
    assert read == []
    sent = [element.proto.spec for element in second.get("plotly_chart")]
    assert sent == [element.proto.spec for element in first.get("plotly_chart")]
    assert len(sent) >= 4
    assert [pio.to_json(figure) for figure in shared] == before
    # what was sent is the figure itself: the legend's JSON, parsed, equals plotly's own
    legend = json.loads(pio.to_json(shared[0]))
    assert legend in [json.loads(spec) for spec in sent]


def test_the_server_does_no_full_garbage_collection_after_every_run() -> None:
    """``.streamlit/config.toml`` switches ``runner.postScriptGC`` off; Streamlit reads it
    (an option it renamed or dropped would be ignored and the setting lost)."""
    code = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('runner.postScriptGC'), config.get_where_defined("
        "'runner.postScriptGC'))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown[0] == "False"
    assert Path(shown[1]).resolve() == (ROOT / ".streamlit" / "config.toml").resolve()


def test_switching_small_counts_on_or_off_builds_the_kaart_download_once(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Kaart's download is always protected: both settings of "Kleine aantallen
    verbergen" share its one cache entry (counted), and get the same protected table."""
    from dataclasses import replace

    from pandas.testing import assert_frame_equal

    from regie_analytics import report, snapshot
    from regie_analytics.ui import queries
    from regie_analytics.ui.filters import Filters

    st.cache_data.clear()
    current = snapshot.current(store)
    assert current is not None
    snap = snapshot.load(store, version=current[0], key=current[1])
    built: list[int] = []
    real = report.area_download
    monkeypatch.setattr(report, "area_download", lambda *a, **k: built.append(1) or real(*a, **k))
    sel = Filters(snap.months[0], snap.months[-1], ("fysiek", "sociaal"), (), (), "buurt")
    shown = queries.area_download(snap, sel)
    exact = queries.area_download(snap, replace(sel, private=False))
    assert built == [1]
    assert_frame_equal(exact, shown, check_exact=True)
    queries.area_download(snap, replace(sel, level="wijk"))  # another selection: built anew
    assert built == [1, 1]


@pytest.mark.slow
def test_overig_count_of_both_settings_of_small_counts_from_one_cut(
    app_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switching small counts off and on asks the engine nothing for the overig notice: its
    cut per domain is cached by period and channels alone, the protection applied per run."""
    st.cache_data.clear()
    calls: list[object] = []
    real = components.engines.cube_cut

    def counted(*args: object, **kwargs: object) -> object:
        if kwargs.get("by") == (components.DOMAIN,):
            calls.append(kwargs.get("start"))
        return real(*args, **kwargs)

    monkeypatch.setattr(components.engines, "cube_cut", counted)
    protected = _app("overzicht")
    assert not protected.exception and len(calls) == 1
    exact = _app("overzicht", privacy=False)
    assert not exact.exception and len(calls) == 1
    other = _app("overzicht", periode="laatste maand")  # another period: another cut
    assert not other.exception and len(calls) == 2
