"""Maps on screen as SVG (charts.svgmap): the same traces on a ``geo`` subplot, fitted to the
areas, nothing fetched; and, in Chromium with the plotly.js of the plotly package, every area
drawn as a path that a click names by its code."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from regie_analytics import accessibility, charts, chromium
from regie_analytics.charts import svgmap
from regie_analytics.charts.geojson import geojson_features
from regie_analytics.ui import components, sent

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _spec(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def _classed(buurten, *, n: int = 40, **options) -> go.Figure:
    areas = buurten.iloc[:n]
    values = pd.Series(np.arange(n, dtype=float), index=areas.index)
    suppressed = pd.Series(values < 3, index=areas.index)
    return charts.choropleth(
        areas, values, title="Aantal signalen", label="aantal", suppressed=suppressed, **options
    )


def test_a_blank_map_is_sent_as_svg_with_the_same_traces_fitted_to_its_areas(buurten):
    fig = _classed(buurten, highlight=buurten.index[5])
    spec = _spec(fig)
    before = copy.deepcopy(spec)
    shown = svgmap.screen_spec(spec)
    assert spec == before  # the figure's own JSON is left alone
    assert [t["type"] for t in spec["data"]] == ["choroplethmap"] * len(spec["data"])
    assert [t["type"] for t in shown["data"]] == ["choropleth"] * len(spec["data"])
    for old, new in zip(spec["data"], shown["data"], strict=True):
        # areas, classes, colours, hover texts and legend entries as they were
        assert {k: v for k, v in new.items() if k != "type"} == {
            k: v for k, v in old.items() if k not in ("type", "below", "subplot")
        }
    assert "map" not in shown["layout"]
    assert {k: v for k, v in shown["layout"].items() if k not in ("geo", "legend")} == {
        k: v for k, v in spec["layout"].items() if k not in ("map", "legend")
    }
    # the legend keeps its title and fonts, but lies under the areas, not over them
    legend = shown["layout"]["legend"]
    assert legend["title"] == spec["layout"]["legend"]["title"]
    assert legend["font"] == spec["layout"]["legend"]["font"]
    assert (legend["orientation"], legend["y"], legend["yanchor"]) == ("h", 0, "top")
    geo = shown["layout"]["geo"]
    assert geo["visible"] is False and geo["projection"] == {"type": "mercator"}
    west, south, east, north = buurten.iloc[:40].total_bounds
    (lon0, lon1), (lat0, lat1) = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    pad_x, pad_y = svgmap.FIT_MARGIN * (east - west), svgmap.FIT_MARGIN * (north - south)
    np.testing.assert_allclose([lon0, lon1], [west - pad_x, east + pad_x], rtol=0, atol=1e-6)
    np.testing.assert_allclose([lat0, lat1], [south - pad_y, north + pad_y], rtol=0, atol=1e-6)
    go.Figure(shown)  # every attribute one plotly's choropleth and geo know


def test_maps_that_need_maplibre_and_other_charts_are_sent_as_they_are(buurten):
    basemap = _spec(_classed(buurten, basemap=True))  # PDOK's tiles: only MapLibre draws them
    assert svgmap.screen_spec(basemap) is basemap
    bars = _spec(go.Figure(go.Bar(x=["a"], y=[1])))
    assert svgmap.screen_spec(bars) is bars
    no_style = _spec(go.Figure(go.Choroplethmap(locations=["A"], z=[1])))
    assert svgmap.screen_spec(no_style) is no_style


def test_hotspot_and_bivariate_maps_are_svg_too(buurten):
    areas = buurten.iloc[:12]
    klasse = pd.Series(["hotspot 99%"] * 4 + ["niet significant"] * 8, index=areas.index)
    hotspots = svgmap.screen_spec(_spec(charts.hotspot_map(areas, klasse, title="Hotspots")))
    assert {t["type"] for t in hotspots["data"]} == {"choropleth"}
    x = pd.Series(np.linspace(0, 1, 12), index=areas.index)
    bivariate = charts.bivariate_choropleth(areas, x, x[::-1].set_axis(areas.index), title="B")
    assert {t["type"] for t in svgmap.screen_spec(_spec(bivariate))["data"]} == {"choropleth"}


def test_the_topojson_plotly_asks_for_is_an_empty_one_inline():
    url = svgmap.TOPOJSON_URL
    assert url.startswith("data:application/json;base64,") and url.endswith("#")
    topology = json.loads(base64.b64decode(url.split(",", 1)[1].rstrip("#")))
    assert topology["type"] == "Topology" and topology["arcs"] == []
    assert all(layer["geometries"] == [] for layer in topology["objects"].values())
    assert {"land", "coastlines", "countries", "subunits"} <= set(topology["objects"])
    config = components.SCREEN_CONFIG
    assert config["topojsonURL"] == url
    assert {k: v for k, v in config.items() if k != "topojsonURL"} == accessibility.PLOTLY_CONFIG


def test_a_shown_map_is_sent_as_svg_and_its_table_read_from_the_figure(buurten):
    fig = _classed(buurten)
    made = components.prepared(fig)
    assert json.loads(made.sent.to_dict().text) == svgmap.screen_spec(_spec(fig))
    assert made.classes is not None
    assert made.classes.equals(accessibility.map_classes(fig))  # the figure's own classes


# --- in Chromium --------------------------------------------------------------------------------

_DRAW = """async ([spec, config]) => {
    const gd = document.getElementById('gd');
    await Plotly.newPlot(gd, spec.data, spec.layout, config);
    const clicked = [];
    gd.on('plotly_click', event => clicked.push(...event.points.map(p => p.location)));
    window.__clicked = clicked;
    const paths = [...gd.querySelectorAll('path.choroplethlocation')];
    const box = gd.querySelector('.choroplethlayer').getBoundingClientRect();
    const plot = gd._fullLayout._size;
    return {
        paths: paths.length,
        fills: [...new Set(paths.map(p => getComputedStyle(p).fill))].length,
        canvases: gd.querySelectorAll('canvas').length,
        width: box.width / plot.w, height: box.height / plot.h,
    };
}"""


_UNDER = """([x, y, locations]) => [...document.querySelectorAll('path.choroplethlocation')]
    .map((path, i) => {
        const point = new DOMPoint(x, y).matrixTransform(path.getScreenCTM().inverse());
        return path.isPointInFill(point) ? locations[i] : null;
    })
    .filter(code => code !== null)"""


@pytest.mark.e2e
def test_chromium_draws_every_area_as_an_svg_path_and_a_click_names_its_code(buurten):
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium.browser_path()
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    fig = _classed(buurten, n=60)
    spec = svgmap.screen_spec(_spec(fig))
    areas = sum(len(trace["locations"]) for trace in spec["data"])
    outside: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(chromium.LAUNCH_ARGS)
        )
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 600})
            tab.on(
                "request", lambda r: None if r.url.startswith("data:") else outside.append(r.url)
            )
            tab.set_content("<div id='gd' style='width:900px;height:560px'></div>")
            tab.add_script_tag(path=str(PLOTLY_JS))
            drawn = tab.evaluate(_DRAW, [spec, components.SCREEN_CONFIG])
            assert drawn["paths"] == areas == 60
            assert drawn["fills"] >= 5  # five classes and the grey of the suppressed
            assert drawn["canvases"] == 0  # no WebGL
            assert max(drawn["width"], drawn["height"]) > 0.85  # fitted to the plot area
            locations = [loc for trace in spec["data"] for loc in trace["locations"]]
            box = tab.locator("path.choroplethlocation").nth(20).bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            under = tab.evaluate(_UNDER, [x, y, locations])  # the areas drawn at that point
            assert len(under) == 1
            tab.mouse.click(x, y)
            tab.wait_for_function("() => window.__clicked.length > 0")
            assert tab.evaluate("() => window.__clicked") == under
        finally:
            browser.close()
    assert outside == []  # no topojson or anything else fetched


def _bounds_point_by_point(traces: list[dict]) -> tuple[float, float, float, float]:
    """West, south, east, north over every point of every outer ring, one point at a time."""
    lons: list[float] = []
    lats: list[float] = []
    for trace in traces:
        for feature in trace["geojson"]["features"]:
            geometry = feature["geometry"]
            polygons = (
                [geometry["coordinates"]]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"]
            )
            for polygon in polygons:
                for point in polygon[0]:
                    lons.append(point[0])
                    lats.append(point[1])
    return min(lons), min(lats), max(lons), max(lats)


def test_the_fitted_bounds_are_those_of_every_outer_ring_point(buurten):
    spec = _spec(_classed(buurten, n=len(buurten)))
    expected = _bounds_point_by_point(spec["data"])
    assert svgmap._bounds(spec["data"]) == expected
    assert expected == pytest.approx(tuple(buurten.total_bounds), abs=1e-5)
    square = [[0.0, 0.0, 7.0], [2.0, 0.0, 7.0], [2.0, 3.0, 7.0], [0.0, 0.0, 7.0]]
    hole = [
        [5.0, 5.0],
        [6.0, 5.0],
        [5.0, 6.0],
        [5.0, 5.0],
    ]  # holes are not read (in a valid polygon they lie within)
    multi = {
        "type": "Feature",
        "geometry": {"type": "MultiPolygon", "coordinates": [[square, hole], [[[-1.0, 1.0]]]]},
    }
    assert svgmap._bounds([{"geojson": multi}]) == (-1.0, 0.0, 2.0, 3.0)
    assert svgmap._bounds([{"geojson": {"type": "FeatureCollection", "features": []}}]) is None
    shared = geojson_features(buurten)  # bounds kept on each shared feature: the same again
    collection = {"type": "FeatureCollection", "features": list(shared.values())}
    for _ in range(2):
        assert svgmap._bounds([{"geojson": collection}]) == expected


def test_shared_areas_are_written_once_and_the_figure_json_is_plotly_s(buurten):
    """A map of shared features (``geojson_features``) is written with each feature's JSON
    kept from its first writing: the text is plotly's, also with NaN elsewhere in the figure,
    a plain dict among the features or the marker itself in a text."""

    shared = geojson_features(buurten)
    values = pd.Series(np.arange(len(buurten), dtype=float), index=buurten.index)
    values.iloc[3] = np.nan
    fig = charts.choropleth(buurten, values, title="Kaart", label="aantal", features=shared)
    spec = svgmap.screen_spec(fig.to_dict())
    plain = sent._PLOTLY_TO_JSON(spec, validate=False)
    assert sent._figure_json(spec) == plain
    first = next(iter(shared.values()))
    assert first.__dict__["_json_text"] == json.dumps(first, separators=(",", ":"))
    assert sent._figure_json(spec) == plain  # from the kept texts
    for trace in spec["data"]:
        trace["customdata"] = [[float("nan"), "@@regie-geojson-0@@"]]
    assert sent._figure_json(spec) == sent._PLOTLY_TO_JSON(spec, validate=False)
    features = spec["data"][0]["geojson"]["features"]
    mixed = {**spec, "data": [dict(t) for t in spec["data"]]}  # one plain dict among them
    mixed["data"][0]["geojson"] = {"type": "FeatureCollection", "features": [dict(features[0])]}
    mixed["data"][0]["geojson"]["features"].extend(features[1:])
    assert sent._figure_json(mixed) == sent._PLOTLY_TO_JSON(spec, validate=False)
