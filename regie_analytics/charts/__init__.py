"""Plotly figure builders in the house style: Dutch labels, large fonts, colour-blind safe.

Every builder returns a ``plotly.graph_objects.Figure`` with a short Dutch title, styled by
:func:`apply_house_style`. Maps use ``go.Choroplethmap`` on a blank ``white-bg`` style, so they
render offline; each class is its own trace, so the legend lists classes a director can read,
and the areas' GeoJSON carries ``id = area_code`` so a clicked point returns its area code in
``points[i]["location"]``. Scatter points carry the area code in ``customdata``.

Show figures with :data:`PLOTLY_CONFIG` (no plotly logo) and export them with :func:`to_png`.
No streamlit here. Callers use the names below (``charts.choropleth(...)``); the modules hold
them by topic:

- :mod:`~regie_analytics.charts.style`: fonts, colours, :func:`apply_house_style`,
  :func:`fit_height` and the label helpers every chart shares;
- :mod:`~regie_analytics.charts.geojson`: areas as shared GeoJSON, map centre and zoom;
- :mod:`~regie_analytics.charts.maps`: the classed choropleth and what every map shares;
- :mod:`~regie_analytics.charts.svgmap`: a map's JSON as the browser draws it (SVG);
- :mod:`~regie_analytics.charts.bivariate`: the 3x3 bivariate map and its legend;
- :mod:`~regie_analytics.charts.hotspots`: hot spot, cluster and emerging hot spot maps;
- :mod:`~regie_analytics.charts.scatter`: the quadrant scatter;
- :mod:`~regie_analytics.charts.correlation`: the correlation heatmap;
- :mod:`~regie_analytics.charts.time`: trends, year on year, seasonality;
- :mod:`~regie_analytics.charts.bars`: bar charts and the change per domain;
- :mod:`~regie_analytics.charts.leadtime`: lead times against the norm;
- :mod:`~regie_analytics.charts.export`: PNG images.
"""

from __future__ import annotations

from regie_analytics.charts.bars import TEXT_FORMATS, bar_chart, domain_change_chart
from regie_analytics.charts.bivariate import (
    BIVARIATE_PALETTE,
    TERCILE_NAMES,
    bivariate_choropleth,
    bivariate_classes,
    bivariate_label,
    bivariate_legend,
    without_class_list,
)
from regie_analytics.charts.correlation import correlation_heatmap
from regie_analytics.charts.export import to_png
from regie_analytics.charts.geojson import SharedGeoJSON, geojson_features
from regie_analytics.charts.hotspots import (
    CLUSTER_COLORS,
    EMERGING_COLORS,
    HOTSPOT_COLORS,
    cluster_map,
    emerging_map,
    hotspot_map,
)
from regie_analytics.charts.leadtime import leadtime_chart
from regie_analytics.charts.maps import (
    NO_DATA_NAME,
    NOT_SIGNIFICANT_NAME,
    PDOK_ATTRIBUTION,
    PDOK_TILES,
    SCHEMES,
    SUPPRESSED_NAME,
    choropleth,
    class_breaks,
    class_colors,
    class_labels,
)
from regie_analytics.charts.scatter import LABELS_TRACE, extreme_points, quadrant_scatter
from regie_analytics.charts.style import (
    BASE_FONT_SIZE,
    FONT_FAMILY,
    GRID_COLOR,
    HIGHLIGHT_COLOR,
    MUTED_COLOR,
    NO_DATA_COLOR,
    PLOTLY_CONFIG,
    PRESENTATION_FONT_SIZE,
    TEXT_COLOR,
    apply_house_style,
    fit_height,
)
from regie_analytics.charts.svgmap import (
    FIT_MARGIN,
    LEGEND_BELOW,
    TOPOJSON_URL,
    is_blank_map,
    screen_spec,
)
from regie_analytics.charts.time import seasonality_chart, trend_chart, year_on_year_chart

# The single module charts.py offered these through its own imports; callers use some of
# them (``charts.DOMAIN_LABELS``), so they stay reachable here.
from regie_analytics.formatting import (
    CATEGORICAL,
    DOMAIN_COLORS,
    MONTHS_LONG,
    MONTHS_SHORT,
    SEQUENTIAL,
    SUPPRESSED_COLOR,
    fmt_change,
    fmt_int,
    fmt_month,
    fmt_num,
)
from regie_analytics.schema import AREA_NAME, DOMAIN_LABELS

__all__ = [
    "AREA_NAME",
    "BASE_FONT_SIZE",
    "BIVARIATE_PALETTE",
    "CATEGORICAL",
    "CLUSTER_COLORS",
    "DOMAIN_COLORS",
    "DOMAIN_LABELS",
    "EMERGING_COLORS",
    "FIT_MARGIN",
    "FONT_FAMILY",
    "GRID_COLOR",
    "HIGHLIGHT_COLOR",
    "HOTSPOT_COLORS",
    "LABELS_TRACE",
    "LEGEND_BELOW",
    "MONTHS_LONG",
    "MONTHS_SHORT",
    "MUTED_COLOR",
    "NOT_SIGNIFICANT_NAME",
    "NO_DATA_COLOR",
    "NO_DATA_NAME",
    "PDOK_ATTRIBUTION",
    "PDOK_TILES",
    "PLOTLY_CONFIG",
    "PRESENTATION_FONT_SIZE",
    "SCHEMES",
    "SEQUENTIAL",
    "SUPPRESSED_COLOR",
    "SUPPRESSED_NAME",
    "TERCILE_NAMES",
    "TEXT_COLOR",
    "TEXT_FORMATS",
    "TOPOJSON_URL",
    "SharedGeoJSON",
    "apply_house_style",
    "bar_chart",
    "bivariate_choropleth",
    "bivariate_classes",
    "bivariate_label",
    "bivariate_legend",
    "choropleth",
    "class_breaks",
    "class_colors",
    "class_labels",
    "cluster_map",
    "correlation_heatmap",
    "domain_change_chart",
    "emerging_map",
    "extreme_points",
    "fit_height",
    "fmt_change",
    "fmt_int",
    "fmt_month",
    "fmt_num",
    "geojson_features",
    "hotspot_map",
    "is_blank_map",
    "leadtime_chart",
    "quadrant_scatter",
    "screen_spec",
    "seasonality_chart",
    "to_png",
    "trend_chart",
    "without_class_list",
    "year_on_year_chart",
]
