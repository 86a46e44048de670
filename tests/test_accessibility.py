"""What a screen reader and an English browser get: map class tables, chart names, plotly's
Dutch locale, Dutch table numbers, and the presentation's layout arithmetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit

from regie_analytics import accessibility, charts
from regie_analytics.formatting import column_decimals, dutch_numbers
from regie_analytics.ui import slides, views

STREAMLIT_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"


# --- the table of a map's classes ---------------------------------------------------------------


def test_map_classes_of_a_hotspot_map_are_the_classes_drawn(buurten):
    codes = buurten.index[:6]
    klasse = pd.Series(
        ["hotspot 99%", "hotspot 99%", "coldspot 95%", "niet significant", None, "hotspot 90%"],
        index=codes,
    )
    fig = charts.hotspot_map(buurten.loc[codes], klasse, title="Hotspots")
    table = accessibility.map_classes(fig)
    assert list(table.columns) == ["Gebied", "Code", "Klasse"]
    got = table.set_index("Code")["Klasse"].to_dict()
    assert got == {
        codes[0]: "hotspot 99%",
        codes[1]: "hotspot 99%",
        codes[2]: "coldspot 95%",
        codes[3]: "niet significant",
        codes[4]: charts.NO_DATA_NAME,
        codes[5]: "hotspot 90%",
    }
    assert table.set_index("Code")["Gebied"][codes[0]] == buurten.loc[codes[0], "name"]
    # in the legend's order: the strongest hotspots first, no data last
    assert table["Klasse"].iloc[0] == "hotspot 99%" and table["Klasse"].iloc[-1] == "geen gegevens"


def test_map_classes_of_the_bivariate_map_and_a_highlighted_choropleth(buurten):
    codes = buurten.index[:4]
    social = pd.Series([1.0, 2.0, 3.0, 4.0], index=codes)
    classes = (pd.Series([3, 1, 2, 3], index=codes), pd.Series([3, 1, 1, 2], index=codes))
    hidden = pd.Series([False, False, False, True], index=codes)
    fig = charts.bivariate_choropleth(
        buurten.loc[codes], social, social, title="B", classes=classes, suppressed=hidden
    )
    got = accessibility.map_classes(fig).set_index("Code")["Klasse"].to_dict()
    label = charts.bivariate_label
    assert got == {
        codes[0]: label(3, 3, x_label="sociaal", y_label="fysiek"),
        codes[1]: label(1, 1, x_label="sociaal", y_label="fysiek"),
        codes[2]: label(2, 1, x_label="sociaal", y_label="fysiek"),
        codes[3]: charts.SUPPRESSED_NAME,
    }
    # the slide's map beside its 3x3 legend lists only the grey class, and its table is the same
    alone = charts.without_class_list(go.Figure(fig))
    assert [t.name for t in alone.data if t.showlegend] == [charts.SUPPRESSED_NAME]
    assert accessibility.map_classes(alone).equals(accessibility.map_classes(fig))

    values = pd.Series(np.arange(1.0, 5.0), index=codes)
    choropleth = charts.choropleth(
        buurten.loc[codes], values, title="C", label="aantal", k=2, highlight=codes[0]
    )
    table = accessibility.map_classes(choropleth)
    assert sorted(table["Code"]) == sorted(codes)  # the highlight's outline is no class
    assert table["Klasse"].nunique() == 2


def test_chart_names_say_what_is_shown(buurten):
    codes = buurten.index[:3]
    fig = charts.hotspot_map(buurten.loc[codes], pd.Series("hotspot 99%", index=codes), title="X")
    assert accessibility.chart_name(fig) == (
        "Kaart: X. De klasse per gebied staat in de tabel bij de kaart."
    )
    assert accessibility.is_map(fig)
    line = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": {"text": "Per<br>maand"}})
    assert accessibility.chart_name(line) == "Grafiek: Per maand"
    assert not accessibility.is_map(line)


# --- plotly in Dutch ----------------------------------------------------------------------------


def test_plotly_locale_translates_the_strings_this_plotly_shows():
    """Every translated string is one the plotly bundled with Streamlit asks for (a key that
    is not would translate nothing), including the menu's download button."""
    bundle = "\n".join(p.read_text() for p in STREAMLIT_JS.glob("PlotlyChart*.js"))
    assert bundle, "Streamlit's plotly bundle not found"
    dictionary = accessibility.PLOTLY_DUTCH["dictionary"]
    missing = [key for key in dictionary if f"`{key}`" not in bundle and f'"{key}"' not in bundle]
    assert missing == []
    assert dictionary["Download plot as a PNG"] == "Grafiek downloaden als PNG"
    number_format = accessibility.PLOTLY_DUTCH["format"]
    assert (number_format["decimal"], number_format["thousands"]) == (",", ".")
    assert number_format["shortMonths"][2] == "mrt"
    config = accessibility.PLOTLY_CONFIG
    assert config["locale"] == "nl" and config["locales"]["nl"] is accessibility.PLOTLY_DUTCH


# --- Dutch numbers in tables ----------------------------------------------------------------------


def _shown(frame: pd.DataFrame, **options) -> list[list[str]]:
    styler = dutch_numbers(frame, **options)
    body = styler._translate(False, False)["body"]
    return [[cell["display_value"] for cell in row[1:]] for row in body]


def test_dutch_numbers_whatever_the_browser():
    frame = pd.DataFrame(
        {
            "Gebied": ["A", "B", "C"],
            "Signalen": [150542, 1111, 7],
            "Per 1.000": [1212.1, 2.5, np.nan],
            "Aandeel": [0.123456, 1.0, 2.0],
            "Beschermd": pd.Series([12, "<5", 2689], dtype=object),
        }
    )
    assert _shown(frame) == [
        ["A", "150.542", "1.212,1", "0,12", "12"],
        ["B", "1.111", "2,5", "1,00", "<5"],
        ["C", "7", "–", "2,00", "2.689"],
    ]
    assert _shown(frame, decimals={"Per 1.000": 0})[0][2] == "1.212"
    # the numbers stay numbers (a column sorts by value, not as text); the input is unchanged
    before = frame.copy()
    assert dutch_numbers(frame).data["Signalen"].dtype.kind == "i"
    pd.testing.assert_frame_equal(frame, before)


def test_numbers_written_as_text_or_beside_labels_sort_as_numbers():
    """A protected table (counts mixed with "<5", rates written in Dutch) reaches the grid as
    numbers, so sorting a column orders 9 before 27 and 99,5 before 289,7; "<5" is sent as
    -inf (below every count, never a value it could have) and shown as written; an empty
    cell is missing; codes and names stay text."""
    frame = pd.DataFrame(
        {
            "Gebiedscode": ["001", "002", "003", ""],
            "Gebied": ["A", "B", "C", "Totaal"],
            "Sociaal": pd.Series([27, "<5", 9, 1040], dtype=object),
            "Per 1.000 inwoners": ["289,7", "99,5", "1.204,0", ""],
            "Status": ["nieuw", "12", "oud", "nieuw"],
        }
    )
    styler = dutch_numbers(frame)
    data = styler.data
    assert data["Sociaal"].tolist() == [27, -np.inf, 9, 1040]  # "<5" below every count
    assert data["Sociaal"].sort_values().tolist() == [-np.inf, 9, 27, 1040]
    assert data["Per 1.000 inwoners"].tolist()[:3] == [289.7, 99.5, 1204.0]
    assert np.isnan(data["Per 1.000 inwoners"].iloc[3])
    assert str(dutch_numbers(frame[["Gebied"]].assign(n=["1", "2", "3", ""])).data["n"].dtype) == (
        "Int64"
    )  # whole numbers without a bound stay whole numbers
    assert data["Gebiedscode"].tolist() == ["001", "002", "003", ""]
    assert data["Status"].tolist() == ["nieuw", "12", "oud", "nieuw"]  # words: stays text
    assert _shown(frame) == [
        ["001", "A", "27", "289,7", "nieuw"],
        ["002", "B", "<5", "99,5", "12"],
        ["003", "C", "9", "1.204,0", "oud"],
        ["", "Totaal", "1.040", "", "nieuw"],
    ]


def test_a_column_of_bounds_alone_is_sent_as_numbers():
    """A protected table of one small row (every count "<5", a lead time's): the counts are
    sent as -inf and shown as written, never as the text; words and dashes alone stay text."""
    frame = pd.DataFrame(
        {
            "ontvangen": np.array(["<5"], dtype=object),
            "afgesloten": np.array(["<5"], dtype=object),
            "open": [0],
            "status": np.array(["–"], dtype=object),
        },
        index=pd.Index(["afval"], name="theme"),
    )
    data = dutch_numbers(frame).data
    assert data["ontvangen"].tolist() == [-np.inf] and data["afgesloten"].tolist() == [-np.inf]
    assert data["status"].tolist() == ["–"]
    assert _shown(frame) == [["<5", "<5", "0", "–"]]


def test_an_expected_count_below_a_tenth_reads_as_a_bound():
    """The jumps' expected counts: to one decimal, one that rounds to 0,0 as "<0,1" (not "0"
    beside the count that jumped), sent as -inf so it sorts below every number."""
    expected = pd.Series([3.26, 0.04, 0.06, 0.0, 12.0])
    frame = pd.DataFrame({"Thema": list("abcde"), "Verwacht": views.expected_counts(expected)})
    assert frame["Verwacht"].tolist() == [3.3, "<0,1", 0.1, "<0,1", 12.0]
    assert [row[1] for row in _shown(frame)] == ["3,3", "<0,1", "0,1", "<0,1", "12,0"]
    data = dutch_numbers(frame).data["Verwacht"]
    assert data.tolist() == [3.3, -np.inf, 0.1, -np.inf, 12.0]


def test_column_decimals_are_as_few_as_show_every_number():
    assert column_decimals(pd.Series([3, 4])) == 0
    assert column_decimals(pd.Series([1.0, 2.5, np.nan])) == 1
    assert column_decimals(pd.Series([1.25, 2.0])) == 2
    assert column_decimals(pd.Series([1 / 3])) == 2
    assert column_decimals(pd.Series([5, "<5"], dtype=object)) == 0


# --- the presentation's layout ------------------------------------------------------------------


def test_slide_body_grows_with_the_screen_and_long_titles_take_room():
    small, large = slides.Screen(1280, 720), slides.Screen(1920, 1080)
    footer = ["Dia 1 van 5 · Bron: x", "<5: minder dan 5"]
    assert (small.text_px, large.text_px) == (24, 36)
    short = small.body_height("Titel", footer, demo=True)
    assert large.body_height("Titel", footer, demo=True) > 1.4 * short
    assert small.body_height("Titel " * 30, footer, demo=True) < short
    assert small.body_height("Titel", footer, demo=False) > short
    assert short < 720 - 44 - 2 * 20  # room for the title row and the footer


def test_ranked_list_is_large_type_text_and_at_most_the_rows_asked():
    table = pd.DataFrame(
        {
            "Gebied": [f"<b>Buurt {i}</b>" for i in range(8)],
            "Samenhangsindex": ["99"] * 8,
            "Sociaal": ["<5"] + ["1.111"] * 7,
            "Fysiek": ["570"] * 8,
            "Status": ["nieuw"] * 8,
            "Waarom": ["sociaal bij de hoogste 1%"] * 8,
        }
    )
    shown = slides.ranked_list(table, rows=5)
    assert shown.count("<li>") == 5
    assert "&lt;b&gt;Buurt 0&lt;/b&gt;" in shown and "<b>" not in shown
    assert "sociaal &lt;5 · fysiek 570 · nieuw" in shown
    assert "sociaal 1.111" in shown


def test_every_chart_in_the_product_goes_through_components_chart():
    """``components.chart`` gives a chart its accessible name, the Dutch locale and a map its
    table of classes; a page that calls ``st.plotly_chart`` itself shows a nameless chart (the
    Data page's boundaries map once did)."""
    root = Path(__file__).resolve().parents[1]
    files = [
        root / "app.py",
        *(root / "pages").glob("*.py"),
        *(root / "regie_analytics").rglob("*.py"),
    ]
    direct = [
        str(path.relative_to(root))
        for path in files
        if ".plotly_chart(" in path.read_text(encoding="utf-8") and path.name != "components.py"
    ]
    assert direct == []
