"""Area boundaries: reading, CRS, CBS hierarchy, point-in-polygon assignment, simplification.

Every function returns area-level frames indexed by ``area_code`` in EPSG:4326 with the columns
of :data:`AREA_COLUMNS`. Messages a user sees are Dutch and raised as
:class:`regie_analytics.schema.InputError`.

The modules, one topic each (every public name is importable from ``regie_analytics.geo``):

- :mod:`~regie_analytics.geo.boundaries`: reading and checking a boundaries file, its
  fingerprint;
- :mod:`~regie_analytics.geo.columns`: which columns of a file hold codes, names, population;
- :mod:`~regie_analytics.geo.codes`: the CBS code hierarchy (buurt, wijk, gemeente);
- :mod:`~regie_analytics.geo.geometry`: CRSs, guessing a missing CRS, repairing polygons;
- :mod:`~regie_analytics.geo.levels`: area levels, parent codes, dissolves, population;
- :mod:`~regie_analytics.geo.bundled`: the default boundaries and the national gemeenten;
- :mod:`~regie_analytics.geo.points`: assigning coordinates to areas;
- :mod:`~regie_analytics.geo.web`: simplification for maps in the browser, per level;
- :mod:`~regie_analytics.geo.mapview`: what a map draws when there are too many areas for one.
"""

from regie_analytics.geo.boundaries import (
    AREA_COLUMNS,
    boundaries_fingerprint,
    load_boundaries,
    load_boundaries_with_fingerprint,
)
from regie_analytics.geo.bundled import (
    BOUNDARIES_DIR,
    DEFAULT_BOUNDARIES,
    NATIONAL_GEMEENTEN,
    national_gemeenten,
)
from regie_analytics.geo.codes import code_level, gemeente_of, wijk_of
from regie_analytics.geo.columns import CODE_COLUMNS, population_text
from regie_analytics.geo.geometry import RD_NEW, WGS84
from regie_analytics.geo.levels import (
    areas_at_level,
    available_levels,
    level_size,
    municipality_name,
    parent_code_map,
    with_population,
)
from regie_analytics.geo.mapview import MAP_AREA_LIMIT, codes_in_part, map_view, zoom_levels
from regie_analytics.geo.points import PointAssignment, assign_points
from regie_analytics.geo.web import (
    WEB_TOLERANCE_M,
    geojson_payload_size,
    simplify_for_web,
    web_level,
)

# The areas frame's column names, as geo has always offered them (``geo.AREA_CODE``).
from regie_analytics.schema import (
    AREA_CODE,
    AREA_KM2,
    AREA_LEVEL,
    AREA_NAME,
    GEMEENTE_CODE,
    GEMEENTE_NAME,
    POPULATION,
    STADSDEEL_CODE,
    STADSDEEL_NAME,
    WIJK_CODE,
)

__all__ = [
    "AREA_CODE",
    "AREA_COLUMNS",
    "AREA_KM2",
    "AREA_LEVEL",
    "AREA_NAME",
    "BOUNDARIES_DIR",
    "CODE_COLUMNS",
    "DEFAULT_BOUNDARIES",
    "GEMEENTE_CODE",
    "GEMEENTE_NAME",
    "MAP_AREA_LIMIT",
    "NATIONAL_GEMEENTEN",
    "POPULATION",
    "RD_NEW",
    "STADSDEEL_CODE",
    "STADSDEEL_NAME",
    "WEB_TOLERANCE_M",
    "WGS84",
    "WIJK_CODE",
    "PointAssignment",
    "areas_at_level",
    "assign_points",
    "available_levels",
    "boundaries_fingerprint",
    "code_level",
    "codes_in_part",
    "gemeente_of",
    "geojson_payload_size",
    "level_size",
    "load_boundaries",
    "load_boundaries_with_fingerprint",
    "map_view",
    "municipality_name",
    "national_gemeenten",
    "parent_code_map",
    "population_text",
    "simplify_for_web",
    "web_level",
    "wijk_of",
    "with_population",
    "zoom_levels",
]
