"""Figure builders: class breaks, legend labels, area coverage, Dutch formatting, PNG export."""

from __future__ import annotations

import shutil
import warnings

import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from regie_analytics import charts
from regie_analytics.charts.style import _set_layout
from regie_analytics.formatting import DOMAIN_COLORS, MONTHS_SHORT, SUPPRESSED_COLOR


def _class_traces(fig: go.Figure) -> list:
    special = {charts.SUPPRESSED_NAME, charts.NO_DATA_NAME}
    return [t for t in fig.data if t.showlegend and t.name not in special]


def _trace(fig: go.Figure, name: str):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, name
    return matches[0]


def _all_locations(fig: go.Figure) -> list[str]:
    return [code for t in fig.data if t.showlegend for code in t.locations]


def _color(trace) -> str:
    return trace.colorscale[0][1]


# --- choropleth --------------------------------------------------------------------------------


def test_quantile_bins_equal_mapclassify_and_every_area_once(buurten):
    values = pd.Series(np.arange(1, len(buurten) + 1, dtype=float), index=buurten.index)
    fig = charts.choropleth(buurten, values, title="Test", label="aantal")
    expected = mapclassify.Quantiles(values.to_numpy(), k=5).bins
    assert fig.layout.meta["scheme"] == "quantiles"
    np.testing.assert_allclose(fig.layout.meta["bins"], expected)
    classes = _class_traces(fig)
    assert [t.name for t in classes] == [
        "1,0 – 104,4",
        "104,4 – 207,8",
        "207,8 – 311,2",
        "311,2 – 414,6",
        "414,6 – 518,0",
    ]
    locations = _all_locations(fig)
    assert len(locations) == len(buurten) == 518
    assert set(locations) == set(buurten.index)
    assert all(t.type == "choroplethmap" for t in fig.data)
    # Class 1 holds exactly the values up to the first break.
    assert len(classes[0].locations) == int((values <= expected[0]).sum())
    # Colours run light to dark and differ per class.
    assert len({_color(t) for t in classes}) == 5


def test_labels_for_a_simple_case_and_missing_values(buurten):
    codes = list(buurten.index[:10])
    values = pd.Series(np.arange(10, dtype=float), index=codes)
    fig = charts.choropleth(buurten, values, title="Test", label="aantal", k=2)
    assert fig.layout.meta["bins"] == [4.5, 9.0]
    classes = _class_traces(fig)
    assert [t.name for t in classes] == ["0,0 – 4,5", "4,5 – 9,0"]
    assert list(classes[0].locations) == codes[:5]
    assert list(classes[1].locations) == codes[5:]
    no_data = _trace(fig, "geen gegevens")
    assert len(no_data.locations) == len(buurten) - 10
    assert not set(no_data.locations) & set(codes)


def test_suppressed_areas_are_grey_and_left_out_of_the_classes(buurten):
    values = pd.Series(np.arange(1, len(buurten) + 1, dtype=float), index=buurten.index)
    values.iloc[:3] = np.nan
    suppressed = pd.Series(False, index=buurten.index)
    suppressed.iloc[-4:] = True  # the four highest values
    before = values.copy()
    fig = charts.choropleth(buurten, values, title="Test", label="aantal", suppressed=suppressed)
    pd.testing.assert_series_equal(values, before)  # input not mutated
    grey = _trace(fig, "te weinig waarnemingen")
    assert list(grey.locations) == list(buurten.index[-4:])
    assert _color(grey) == SUPPRESSED_COLOR
    assert grey.hovertemplate.endswith("te weinig waarnemingen<extra></extra>")
    in_classes = {c for t in _class_traces(fig) for c in t.locations}
    assert not in_classes & set(grey.locations)
    assert list(_trace(fig, "geen gegevens").locations) == list(buurten.index[:3])
    shown = values.iloc[3:-4].to_numpy()
    np.testing.assert_allclose(fig.layout.meta["bins"], mapclassify.Quantiles(shown, k=5).bins)
    assert sorted(_all_locations(fig)) == sorted(buurten.index)


@pytest.mark.parametrize(
    ("scheme", "classifier"),
    [("natural_breaks", mapclassify.FisherJenks), ("equal_interval", mapclassify.EqualInterval)],
)
def test_other_schemes_follow_mapclassify(buurten, scheme, classifier):
    rng = np.random.default_rng(3)
    values = pd.Series(rng.gamma(2.0, 10.0, len(buurten)), index=buurten.index)
    fig = charts.choropleth(buurten, values, title="Test", label="x", scheme=scheme, k=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # numba missing
        expected = classifier(values.to_numpy(), k=4).bins
    np.testing.assert_allclose(fig.layout.meta["bins"], expected)
    assert fig.layout.meta["scheme"] == scheme
    assert len(_class_traces(fig)) == 4


def test_k_drops_to_the_number_of_unique_values_and_bad_scheme_is_refused(buurten):
    values = pd.Series([1.0, 2.0, 3.0] * 4, index=buurten.index[:12])
    fig = charts.choropleth(buurten, values, title="Test", label="x", k=5)
    expected = mapclassify.Quantiles(values.to_numpy(), k=3).bins  # k lowered from 5 to 3
    np.testing.assert_allclose(fig.layout.meta["bins"], expected)
    assert [len(t.locations) for t in _class_traces(fig)] == [4, 4, 4]
    with pytest.raises(ValueError, match="klassenindeling"):
        charts.choropleth(buurten, values, title="Test", label="x", scheme="jenks")


def test_hover_is_dutch_and_geojson_ids_are_area_codes(buurten):
    code = buurten.index[0]
    values = pd.Series(1234.5, index=buurten.index)
    values[buurten.index[1]] = 10.0
    n = pd.Series(1234, index=buurten.index)
    fig = charts.choropleth(buurten, values, title="Test", label="per 1.000", n=n)
    trace = next(t for t in fig.data if code in t.locations)
    row = list(trace.locations).index(code)
    assert list(trace.customdata[row]) == [buurten.loc[code, "name"], "1.234,5", "1.234"]
    assert "per 1.000: %{customdata[1]}" in trace.hovertemplate
    assert "n = %{customdata[2]}" in trace.hovertemplate
    for t in fig.data:
        assert t.featureidkey == "id"
        assert [f["id"] for f in t.geojson["features"]] == list(t.locations)


def test_view_fits_the_bounds_and_maps_stay_offline(buurten):
    values = pd.Series(1.0, index=buurten.index)
    fig = charts.choropleth(buurten, values, title="Test", label="x", height=560)
    minx, miny, maxx, maxy = buurten.total_bounds
    assert fig.layout.map.style == "white-bg"
    assert not fig.layout.map.layers
    assert fig.layout.map.center.lon == pytest.approx((minx + maxx) / 2)
    assert miny < fig.layout.map.center.lat < maxy
    zoom = fig.layout.map.zoom
    # The extent fits the assumed 16:10 map but would not at one zoom level more.
    assert 512 * 2**zoom * (maxx - minx) / 360 <= 560 * 1.6
    assert 512 * 2 ** (zoom + 1) * (maxx - minx) / 360 > 560 * 1.6 or zoom > 10
    assert 9.5 < zoom < 12


def test_basemap_and_highlight(buurten):
    values = pd.Series(1.0, index=buurten.index)
    code = buurten.index[42]
    fig = charts.choropleth(buurten, values, title="Test", label="x", basemap=True, highlight=code)
    (layer,) = fig.layout.map.layers
    assert layer.sourcetype == "raster"
    assert layer.below == "traces"
    assert layer.source[0].startswith("https://service.pdok.nl/brt/achtergrondkaart/")
    assert "PDOK" in layer.sourceattribution
    outline = [t for t in fig.data if not t.showlegend]
    assert len(outline) == 1
    assert list(outline[0].locations) == [code]
    assert outline[0].marker.line.width >= 3
    assert outline[0].hoverinfo == "skip"
    assert sorted(_all_locations(fig)) == sorted(buurten.index)


# --- bivariate ---------------------------------------------------------------------------------


def test_bivariate_classes_known_answer():
    codes = [f"BU{i}" for i in range(9)]
    x = pd.Series(np.arange(1.0, 10.0), index=codes)
    y = pd.Series([9.0, 1.0, 5.0, 8.0, 2.0, 4.0, 7.0, 3.0, 6.0], index=codes)
    classes = charts.bivariate_classes(x, y)
    assert classes["klasse_x"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert classes["klasse_y"].tolist() == [3, 1, 2, 3, 1, 2, 3, 1, 2]
    # All nine combinations occur once; high-high is the dark corner.
    assert len(set(zip(classes["klasse_x"], classes["klasse_y"], strict=True))) == 9
    assert classes.loc["BU6", "kleur"] == "#5c473d"
    assert classes.loc["BU1", "kleur"] == "#fef1e4"
    assert classes.loc["BU7", "klasse"] == "sociaal hoog · fysiek laag"
    assert set(classes.columns) >= {"klasse_x", "klasse_y", "kleur"}


def test_bivariate_classes_match_mapclassify_terciles_and_ties_share_a_class():
    rng = np.random.default_rng(7)
    x = pd.Series(rng.normal(size=200))
    y = pd.Series(rng.normal(size=200))
    classes = charts.bivariate_classes(x, y)
    assert (classes["klasse_x"].to_numpy() == mapclassify.Quantiles(x.to_numpy(), k=3).yb + 1).all()
    assert (classes["klasse_y"].to_numpy() == mapclassify.Quantiles(y.to_numpy(), k=3).yb + 1).all()
    tied = pd.Series([0.0] * 6 + [1.0, 2.0, 3.0])
    with_nan = pd.Series([1.0] * 8 + [np.nan])
    out = charts.bivariate_classes(tied, with_nan)
    assert len(out) == 8  # the area without y is left out
    assert out["klasse_x"].iloc[:6].nunique() == 1


def test_bivariate_choropleth_traces(buurten):
    rng = np.random.default_rng(1)
    x = pd.Series(rng.gamma(2.0, 5.0, len(buurten)), index=buurten.index)
    y = pd.Series(rng.gamma(2.0, 5.0, len(buurten)), index=buurten.index)
    y.iloc[0] = np.nan
    suppressed = pd.Series(False, index=buurten.index)
    suppressed.iloc[1:3] = True
    fig = charts.bivariate_choropleth(buurten, x, y, title="Test", suppressed=suppressed)
    classes = charts.bivariate_classes(x[~suppressed], y[~suppressed])
    class_traces = _class_traces(fig)
    assert len(class_traces) == 9
    assert class_traces[0].name == "sociaal hoog · fysiek hoog"
    for t in class_traces:
        assert set(classes.loc[list(t.locations), "klasse"]) == {t.name}
        assert {_color(t)} == set(classes.loc[list(t.locations), "kleur"])
    assert list(_trace(fig, "te weinig waarnemingen").locations) == list(buurten.index[1:3])
    assert list(_trace(fig, "geen gegevens").locations) == [buurten.index[0]]
    assert sorted(_all_locations(fig)) == sorted(buurten.index)


def test_bivariate_legend_is_a_three_by_three_grid():
    fig = charts.bivariate_legend(x_label="sociaal", y_label="fysiek")
    cells = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(cells) == 9
    assert {c.fillcolor for c in cells} == {c for row in charts.BIVARIATE_PALETTE for c in row}
    dark = next(c for c in cells if c.fillcolor == "#5c473d")
    assert (dark.x0, dark.y0) == (2, 2)  # high-high in the top right corner
    assert fig.layout.xaxis.title.text == "sociaal →"
    assert fig.layout.yaxis.title.text == "fysiek →"
    assert fig.layout.width == 220


# --- categorical maps --------------------------------------------------------------------------


def test_hotspot_and_cluster_maps_follow_the_legend_order(buurten):
    hot_classes = list(charts.HOTSPOT_COLORS)[:7]
    klasse = pd.Series(
        [hot_classes[i % 7] for i in range(len(buurten) - 1)], index=buurten.index[1:]
    )
    fig = charts.hotspot_map(buurten, klasse, title="Hotspots")
    assert [t.name for t in fig.data] == [*hot_classes, "geen gegevens"]
    assert _color(_trace(fig, "hotspot 99%")) == charts.HOTSPOT_COLORS["hotspot 99%"]
    assert list(_trace(fig, "geen gegevens").locations) == [buurten.index[0]]
    assert sorted(_all_locations(fig)) == sorted(buurten.index)

    cluster = pd.Series("niet significant", index=buurten.index)
    cluster.iloc[:5] = "hoog-hoog"
    cluster.iloc[5:7] = "laag-hoog"
    fig = charts.cluster_map(buurten, cluster, title="Clusters")
    assert [t.name for t in fig.data] == ["hoog-hoog", "laag-hoog", "niet significant"]
    assert _color(fig.data[0]) == "#ff0000"
    assert len(fig.data[0].locations) == 5


def test_emerging_map_covers_every_class_of_stats():
    from regie_analytics.stats import EMERGING_CLASSES

    assert set(EMERGING_CLASSES) <= set(charts.EMERGING_COLORS)


def test_emerging_map(buurten):
    klasse = pd.Series("geen patroon", index=buurten.index)
    klasse.iloc[:3] = "nieuwe hotspot"
    klasse.iloc[3:5] = "intensiverende coldspot"
    fig = charts.emerging_map(buurten, klasse, title="Patronen")
    assert [t.name for t in fig.data] == [
        "nieuwe hotspot",
        "geen patroon",
        "intensiverende coldspot",
    ]
    assert _color(fig.data[2]) == charts.EMERGING_COLORS["intensiverende coldspot"]
    assert sorted(_all_locations(fig)) == sorted(buurten.index)


# --- scatter -----------------------------------------------------------------------------------


def test_quadrant_scatter_medians_labels_and_selection():
    codes = [f"BU{i:02d}" for i in range(21)]
    frame = pd.DataFrame(
        {"name": [f"buurt {i}" for i in range(21)], "s": np.arange(21.0), "f": np.arange(21.0)},
        index=codes,
    )
    frame.loc["BU20", ["s", "f"]] = [200.0, 150.0]  # the outlier
    fig = charts.quadrant_scatter(
        frame, x="s", y="f", x_title="sociaal", y_title="fysiek", title="Test", n_labels=2
    )
    vertical, horizontal = fig.layout.shapes
    assert vertical.x0 == vertical.x1 == frame["s"].median() == 10.0
    assert horizontal.y0 == horizontal.y1 == frame["f"].median() == 10.0
    assert vertical.line.dash == "dash"
    points = fig.data[0]
    assert list(points.customdata) == codes
    labelled = [code for code, text in zip(codes, points.text, strict=True) if text]
    assert labelled == ["BU00", "BU20"]
    # the names are drawn by a trace of their own, the points draw no text layer
    names = fig.data[-1]
    assert points.mode == "markers" and (names.name, names.mode) == ("namen", "text")
    assert list(names.customdata) == ["BU00", "BU20"]
    assert list(names.text) == ["buurt 0", "buurt 20"]
    assert list(names.x) == [0.0, 200.0] and list(names.y) == [0.0, 150.0]
    assert names.hoverinfo == "skip"
    texts = {a.text for a in fig.layout.annotations}
    assert texts >= {"beide hoog", "alleen sociaal hoog", "alleen fysiek hoog", "beide laag"}
    assert "sociaal: 200<br>fysiek: 150" in points.hovertext[-1]


def test_quadrant_scatter_highlight_and_decimal_commas():
    frame = pd.DataFrame(
        {"name": ["a", "b", "c"], "s": [1.25, 2.5, 3.75], "f": [1.0, 2.0, 3.0]},
        index=["BU1", "BU2", "BU3"],
    )
    fig = charts.quadrant_scatter(
        frame, x="s", y="f", x_title="sociaal", y_title="fysiek", title="T", highlight=["BU2"]
    )
    assert "sociaal: 1,2" in fig.data[0].hovertext[0]  # 1.25 rounds half to even
    assert list(fig.data[1].customdata) == ["BU2"]
    assert list(fig.data[1].text) == ["1"]  # numbered, the name in the hover
    assert fig.data[1].hovertext[0].startswith("1. <b>b</b>")
    # numbered in the order given (a ranked list), not the order of the frame
    ranked = charts.quadrant_scatter(
        frame, x="s", y="f", x_title="s", y_title="f", title="T", highlight=["BU3", "BU1"]
    )
    assert list(ranked.data[1].customdata) == ["BU3", "BU1"]
    assert list(ranked.data[1].text) == ["1", "2"]


# --- time --------------------------------------------------------------------------------------


def test_trend_chart_sums_groups_and_uses_dutch_month_ticks():
    frame = pd.DataFrame(
        {
            "month": ["2025-01", "2025-01", "2025-02", "2025-03", "2025-01", "2025-03"],
            "domain": ["fysiek", "fysiek", "fysiek", "fysiek", "sociaal", "sociaal"],
            "count": [10, 5, 20, 30, 7, 9],
        }
    )
    reference = pd.Series([11.0, 12.0, 13.0], index=["2025-01", "2025-02", "2025-03"])
    fig = charts.trend_chart(frame, color="domain", title="Test", reference=reference)
    fysiek, sociaal, ref = fig.data
    assert fysiek.name == "Fysiek domein"
    assert list(fysiek.y) == [15, 20, 30]
    assert fysiek.line.color == DOMAIN_COLORS["fysiek"]
    assert sociaal.line.color == DOMAIN_COLORS["sociaal"]
    assert list(sociaal.y) == [7, 9]
    assert ref.name == "gemiddelde gemeente" and ref.line.dash == "dash"
    assert list(fig.layout.xaxis.ticktext) == ["jan 2025", "feb 2025", "mrt 2025"]
    assert list(fysiek.customdata[0]) == ["januari 2025", "15"]


def test_trend_chart_hovers_read_small_protected_counts_as_labels():
    frame = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03"], "count": [3, 0, 12]})
    fig = charts.trend_chart(frame, title="Test", small_below=5)
    assert [row[1] for row in fig.data[0].customdata] == ["<5", "0", "12"]
    exact = charts.trend_chart(frame, title="Test")
    assert [row[1] for row in exact.data[0].customdata] == ["3", "0", "12"]


def test_trend_chart_thins_ticks_and_uses_the_palette_for_other_groups():
    months = [str(p) for p in pd.period_range("2023-01", "2025-12", freq="M")]
    frame = pd.DataFrame(
        {"month": months * 2, "theme": ["afval"] * 36 + ["groen"] * 36, "count": 1}
    )
    fig = charts.trend_chart(frame, color="theme", title="Test")
    assert len(fig.layout.xaxis.tickvals) == 12
    assert fig.layout.xaxis.ticktext[:2] == ("jan 2023", "apr 2023")
    assert [t.line.color for t in fig.data] == ["#0072B2", "#E69F00"]


def test_year_on_year_and_seasonality():
    months = [str(p) for p in pd.period_range("2024-01", "2025-03", freq="M")]
    frame = pd.DataFrame({"month": months, "count": np.arange(1, 16) * 10})
    fig = charts.year_on_year_chart(frame, title="Test")
    assert [t.name for t in fig.data] == ["2024", "2025"]
    assert list(fig.data[0].x) == list(range(1, 13))
    assert list(fig.data[1].y) == [130, 140, 150]
    assert list(fig.layout.xaxis.ticktext) == list(MONTHS_SHORT)
    assert fig.data[1].line.width > fig.data[0].line.width

    season = charts.seasonality_chart(frame, title="Test")
    bars = season.data[0]
    # January: (10 + 130) / 2 = 70; April has one year only: 40.
    assert dict(zip(bars.x, bars.y, strict=True))[1] == 70
    assert dict(zip(bars.x, bars.y, strict=True))[4] == 40
    assert bars.text[0] == "70"


def test_year_on_year_and_seasonality_label_small_protected_counts():
    months = [str(p) for p in pd.period_range("2024-01", "2025-02", freq="M")]
    counts = [3, 0, 8, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2, 9]
    frame = pd.DataFrame({"month": months, "count": counts})
    fig = charts.year_on_year_chart(frame, title="Jaar", small_below=5)
    hovers = [row[1] for row in fig.data[0].customdata]
    # 3 and 4 read "<5", 0 stays 0 (no signals), 5 and up are shown.
    assert hovers[:5] == ["<5", "0", "8", "<5", "5"]
    assert [row[1] for row in fig.data[1].customdata] == ["<5", "9"]
    # January: (3 + 2) / 2 = 2.5 -> "<5"; February: (0 + 9) / 2 = 4.5 -> "<5"; March 8.
    season = charts.seasonality_chart(frame, title="Seizoen", small_below=5)
    bars = season.data[0]
    assert list(bars.text[:3]) == ["<5", "<5", "8"]
    assert [row[1] for row in bars.customdata[:3]] == ["<5", "<5", "8,0"]
    exact = charts.seasonality_chart(frame, title="Seizoen")
    assert list(exact.data[0].text[:3]) == ["2", "4", "8"]


def test_trend_and_bar_charts_put_the_domains_in_one_order_whatever_the_input_order():
    frame = pd.DataFrame(
        {
            "month": ["2025-01", "2025-01", "2025-01", "2025-02"],
            "domain": ["overig", "sociaal", "fysiek", "sociaal"],
            "count": [1, 2, 3, 4],
        }
    )
    expected = ["Fysiek domein", "Sociaal domein", "Overig (nog niet ingedeeld)"]
    trend = charts.trend_chart(frame, color="domain", title="T")
    assert [t.name for t in trend.data] == expected
    assert list(trend.data[1].y) == [2, 4]
    bars = charts.bar_chart(frame, x="month", y="count", color="domain", title="T")
    assert [t.name for t in bars.data] == expected
    assert [t.marker.color for t in bars.data] == [
        DOMAIN_COLORS["fysiek"],
        DOMAIN_COLORS["sociaal"],
        DOMAIN_COLORS["overig"],
    ]


# --- bars --------------------------------------------------------------------------------------


def test_bar_chart_sorts_largest_on_top_with_dutch_labels():
    frame = pd.DataFrame({"theme": ["groen", "afval", "wegen"], "count": [1200, 5234, 30]})
    fig = charts.bar_chart(frame, x="theme", y="count", title="Test")
    assert list(fig.layout.yaxis.categoryarray) == ["wegen", "groen", "afval"]
    assert dict(zip(fig.data[0].y, fig.data[0].text, strict=True))["afval"] == "5.234"
    assert fig.data[0].orientation == "h"
    swapped = charts.bar_chart(frame, x="count", y="theme", title="Test")
    assert list(swapped.data[0].x) == list(fig.data[0].x)
    pct = charts.bar_chart(
        pd.DataFrame({"t": ["a"], "v": [0.125]}), x="t", y="v", title="T", text_format="pct"
    )
    assert pct.data[0].text == ("12,5%",)
    with pytest.raises(ValueError, match="getalformaat"):
        charts.bar_chart(frame, x="theme", y="count", title="T", text_format="eur")


def test_domain_change_chart():
    current = pd.Series({"sociaal": 90, "fysiek": 110})
    previous = pd.Series({"fysiek": 100, "sociaal": 100})
    fig = charts.domain_change_chart(current, previous, title="Test")
    prev, cur = fig.data
    assert list(cur.x) == ["Fysiek domein", "Sociaal domein"]
    assert list(cur.y) == [110, 90]
    assert list(prev.y) == [100, 100]
    assert list(cur.marker.color) == [DOMAIN_COLORS["fysiek"], DOMAIN_COLORS["sociaal"]]
    assert [a.text for a in fig.layout.annotations] == ["<b>+10%</b>", "<b>−10%</b>"]


# --- statistics --------------------------------------------------------------------------------


def test_correlation_heatmap_marks_significant_cells():
    themes = ["afval", "groen", "schulden"]
    rho = pd.DataFrame(
        [[1.0, 0.5, -0.3], [0.5, 1.0, np.nan], [-0.3, np.nan, 1.0]], index=themes, columns=themes
    )
    p = pd.DataFrame(
        [[0.0, 0.01, 0.2], [0.01, 0.0, np.nan], [0.2, np.nan, 0.0]], index=themes, columns=themes
    )
    fig = charts.correlation_heatmap(rho, p, title="Test")
    heat = fig.data[0]
    assert heat.text[0][1] == "0,50*"
    assert heat.text[0][2] == "−0,30"
    assert heat.text[0][0] == "1,00"
    assert heat.text[1][2] == ""
    assert list(heat.customdata[0][1]) == ["afval", "groen", "0,50", "0,010"]
    assert (heat.zmin, heat.zmax) == (-1, 1)
    assert heat.colorscale[0][1] != heat.colorscale[-1][1]
    assert any("p < 0,05" in a.text for a in fig.layout.annotations)


def test_leadtime_chart():
    frame = pd.DataFrame(
        {"theme": ["afval", "wegen"], "mediaan_dagen": [2.5, 20.0], "p90_dagen": [8.0, 60.0]}
    )
    fig = charts.leadtime_chart(frame, norm_days=14, title="Test")
    bars, p90 = fig.data
    assert list(bars.y) == ["afval", "wegen"]  # longest on top
    assert list(bars.text) == ["2,5", "20"]
    assert list(p90.x) == [8.0, 60.0]
    (norm,) = fig.layout.shapes
    assert norm.x0 == norm.x1 == 14
    assert norm.line.dash == "dash"
    assert fig.layout.annotations[0].text == "norm: 14 dagen"


# --- house style -------------------------------------------------------------------------------


def _all_figures(buurten) -> list[go.Figure]:
    values = pd.Series(np.arange(len(buurten), dtype=float), index=buurten.index)
    frame = pd.DataFrame({"month": ["2025-01", "2025-02"], "count": [3, 4]})
    return [
        charts.choropleth(buurten, values, title="Kaart", label="x"),
        charts.bivariate_choropleth(buurten, values, values[::-1], title="Bivariaat"),
        charts.bivariate_legend(),
        charts.hotspot_map(buurten, pd.Series("niet significant", index=buurten.index), title="H"),
        charts.quadrant_scatter(
            pd.DataFrame({"name": ["a", "b"], "s": [1, 2], "f": [2, 1]}, index=["A", "B"]),
            x="s",
            y="f",
            x_title="s",
            y_title="f",
            title="Kwadrant",
        ),
        charts.trend_chart(frame, title="Trend"),
        charts.year_on_year_chart(frame, title="Jaar"),
        charts.seasonality_chart(frame, title="Seizoen"),
        charts.bar_chart(pd.DataFrame({"a": ["x"], "b": [1]}), x="a", y="b", title="Staaf"),
        charts.domain_change_chart(pd.Series({"fysiek": 1}), pd.Series({"fysiek": 2}), title="D"),
        charts.leadtime_chart(
            pd.DataFrame({"theme": ["a"], "mediaan_dagen": [1.0], "p90_dagen": [2.0]}), title="L"
        ),
        charts.trend_chart(frame.iloc[:0], title="Leeg"),
    ]


def test_every_figure_has_title_house_style_and_no_geo_trace(buurten):
    for fig in _all_figures(buurten):
        layout = fig.layout
        assert layout.title.text
        assert layout.separators == ",."
        assert layout.font.family.startswith("Source Sans Pro")
        assert layout.font.size >= 14
        assert layout.title.font.size >= 14
        assert all(t.type != "choropleth" for t in fig.data)
        assert all(a.font.size is None or a.font.size >= 14 for a in layout.annotations)
        fig.to_json()  # serialisable (no numpy scalars in meta)
    assert charts.PLOTLY_CONFIG["displaylogo"] is False


def test_presentation_mode_enlarges_fonts():
    fig = charts.bar_chart(pd.DataFrame({"a": ["x"], "b": [1]}), x="a", y="b", title="T")
    assert fig.layout.font.size == 15
    charts.apply_house_style(fig, presentation=True, height=600)
    assert fig.layout.font.size == 22
    assert fig.layout.title.font.size > 22
    assert fig.layout.height == 600
    assert fig.layout.paper_bgcolor == "#ffffff"


@pytest.mark.subprocess
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is niet geïnstalleerd")
def test_png_export_of_all_buurten(buurten):
    values = pd.Series(np.arange(len(buurten), dtype=float), index=buurten.index)
    fig = charts.choropleth(buurten, values, title="Alle buurten", label="x")
    png = charts.to_png(fig, width=640, height=360)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000


def test_the_package_offers_every_public_name_of_its_modules():
    import ast
    import importlib
    import inspect
    import pkgutil

    offered = set(charts.__all__)
    modules = [info.name for info in pkgutil.iter_modules(charts.__path__)]
    assert {"style", "maps", "scatter", "time", "bars", "export"} <= set(modules)
    for name in modules:
        module = importlib.import_module(f"regie_analytics.charts.{name}")
        tree = ast.parse(inspect.getsource(module))
        assert ast.get_docstring(tree), name
        defined = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                defined.add(node.target.id)
        public = {n for n in defined if not n.startswith("_")}
        assert public <= offered, (name, public - offered)
        assert all(getattr(charts, n) is getattr(module, n) for n in public)


# --- speed helpers: shared geometry, one layout assignment --------------------------------------


def test_maps_given_the_same_features_share_their_geometry_without_copies(buurten):
    import copy
    import json

    features = charts.geojson_features(buurten)
    values = pd.Series(np.arange(len(buurten), dtype=float), index=buurten.index)
    first = charts.choropleth(buurten, values, title="Een", label="aantal", features=features)
    klasse = pd.Series("hoog-hoog", index=buurten.index)
    second = charts.cluster_map(buurten, klasse, title="Twee", features=features)

    feature = {f["id"]: f for f in first.data[0].geojson["features"]}
    again = {f["id"]: f for t in second.data for f in t.geojson["features"]}
    shared = set(feature) & set(again)
    assert shared and all(feature[c] is again[c] is features[c] for c in shared)  # converted once
    geojson = first.data[0].geojson
    assert copy.deepcopy(geojson) is geojson  # plotly's copies keep the same object
    assert first.to_dict()["data"][0]["geojson"] is geojson
    # what the browser gets is plain GeoJSON with every area once
    sent = json.loads(first.to_json())
    ids = [f["id"] for trace in sent["data"] for f in trace["geojson"]["features"]]
    assert sorted(ids) == sorted(buurten.index) and sent["data"][0]["geojson"]["type"]
    # the features of a larger set of areas draw a part of them (a profile's neighbours)
    part = charts.choropleth(buurten.iloc[:3], values, title="Drie", label="x", features=features)
    assert sorted(f["id"] for t in part.data for f in t.geojson["features"]) == sorted(
        buurten.index[:3]
    )

    # without features each map converts its own: nothing is kept between calls
    a = charts.choropleth(buurten, values, title="A", label="aantal").data[0].geojson["features"]
    b = charts.choropleth(buurten, values, title="B", label="aantal").data[0].geojson["features"]
    assert a[0] == b[0] and a[0] is not b[0] and a[0] is not features[a[0]["id"]]
    assert json.loads(json.dumps(a[0])) == json.loads(json.dumps(features[a[0]["id"]]))


def test_set_layout_equals_plotly_updates():
    def base() -> go.Figure:
        fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
        fig.update_layout(title={"text": "Titel", "x": 0.3}, legend={"x": 0.2})
        return charts.apply_house_style(fig)

    update = {"title": {"font": {"size": 30}}, "legend": {"y": 0.5}, "meta": {"a": 1}}
    xaxes = {"showgrid": True, "title": {"text": "maand"}}
    yaxes = {"range": [0, 4]}
    shape = {"type": "line", "x0": 2, "x1": 2, "y0": 0, "y1": 1, "yref": "paper"}
    note = {"text": "noot", "x": 1, "y": 1, "xref": "paper", "yref": "paper"}

    expected = base()
    expected.update_layout(update)
    expected.update_xaxes(xaxes)
    expected.update_yaxes(yaxes)
    expected.add_shape(shape)
    expected.add_annotation(note)
    fast = _set_layout(base(), update, xaxes=xaxes, yaxes=yaxes, shapes=[shape], annotations=[note])
    assert fast.to_dict()["layout"] == expected.to_dict()["layout"]
    assert fast.layout.title.text == "Titel" and fast.layout.title.font.size == 30
    assert fast.layout.separators == ",."  # the house style survives


def _set_layout_by_json(fig: go.Figure, update: dict) -> go.Figure:
    """``_set_layout(fig, update)`` as it was written first: the whole layout as JSON."""
    layout = fig.layout.to_plotly_json()
    template = layout.pop("template", None)
    layout.update(update)
    fig.layout = layout
    if template is not None and template != fig.layout.template.to_plotly_json():
        fig.layout.template = template
    return fig


@pytest.mark.parametrize("template", [None, "plotly_white", "none"])
def test_set_layout_keeps_the_figure_template_without_copying_it_as_json(template):
    """The default template, another one or none: the figure's JSON is what replacing the
    whole layout (template and all) gives; an invalid value leaves the figure as it was."""

    def base() -> go.Figure:
        fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": {"text": "T"}})
        if template is not None:
            fig.update_layout(template=template)
        return fig

    update = {"height": 300, "title": {"text": "U"}, "separators": ",."}
    fast = charts.apply_house_style(_set_layout(base(), update))
    expected = charts.apply_house_style(_set_layout_by_json(base(), update))
    assert fast.to_dict() == expected.to_dict()
    assert fast.layout.template == expected.layout.template
    chosen = pio.templates[template or pio.templates.default]
    assert fast.layout.template.to_plotly_json() == chosen.to_plotly_json()
    fig = base()
    before = fig.to_dict()
    with pytest.raises(ValueError):
        _set_layout(fig, {"height": "hoog"})
    assert fig.to_dict() == before


def test_quadrant_labels_do_not_run_into_each_other_or_the_numbered_circles():
    codes = [f"BU{i:02d}" for i in range(24)]
    s = np.concatenate([np.linspace(0, 10, 20), [100.0, 101.0, 22.0, 20.0]])
    f = np.concatenate([np.linspace(0, 10, 20), [100.0, 100.5, 92.0, 95.0]])
    frame = pd.DataFrame({"name": codes, "s": s, "f": f}, index=codes)

    def named(fig: go.Figure) -> list[str]:
        trace = fig.data[0]
        return [c for c, text in zip(trace.customdata, trace.text, strict=True) if text]

    # BU20 and BU21 nearly coincide, and so do BU22 and BU23: of each pair only the more
    # extreme one is named (BU00, the lowest point, has room for its name)
    free = charts.quadrant_scatter(frame, x="s", y="f", x_title="s", y_title="f", title="T")
    assert named(free) == ["BU00", "BU21", "BU23"]
    # with BU23 circled and numbered, BU22's name (just below the circle) would cover it
    ringed = charts.quadrant_scatter(
        frame, x="s", y="f", x_title="s", y_title="f", title="T", highlight=["BU23"]
    )
    assert named(ringed) == ["BU00", "BU21"] and list(ringed.data[1].text) == ["1"]


def test_fit_height_zooms_a_map_as_if_drawn_at_that_height(buurten):
    values = pd.Series(np.arange(len(buurten), dtype=float), index=buurten.index)
    tall = charts.choropleth(buurten, values, title="T", label="aantal", height=620)
    low = charts.choropleth(buurten, values, title="T", label="aantal", height=450)
    fitted = charts.fit_height(tall, 450)
    assert fitted.layout.height == 450
    assert fitted.layout.map.zoom == pytest.approx(low.layout.map.zoom, abs=0.02)
    assert fitted.layout.map.zoom < 10 and fitted.layout.map.center == low.layout.map.center
    line = charts.fit_height(go.Figure(go.Scatter(x=[1], y=[1])), 300)
    assert line.layout.height == 300 and line.layout.map.zoom is None
