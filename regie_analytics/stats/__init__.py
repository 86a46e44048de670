"""Spatial statistics: weights, rates, hot spots, social x physical coherence, trends, anomalies.

Every function takes pandas objects in and returns new pandas objects; area-level results are
indexed by ``area_code`` in the order of the spatial weights (``w.id_order``). Count Series may
omit areas without signals: a missing area counts as 0. Labels in outputs are Dutch; the
constants hold them so pages and charts can refer to one spelling.

The permutation tests are esda's, vendored and vectorised on sparse matrices
(:mod:`~regie_analytics.stats.esda_vendored`): with a fixed ``seed`` a result is reproducible
and identical to calling esda directly with the same weights and seed, and numpy's global
random generator is left alone. They scale to ~14,000 areas; the weights of a store's areas
are built once and stored with the boundaries (:mod:`~regie_analytics.stats.stored`).

The modules, one topic each (every public name is importable from ``regie_analytics.stats``):

- :mod:`~regie_analytics.stats.labels`: shared Dutch labels, ``MIN_REPORTED_COUNT`` and the
  explanations of each statistic;
- :mod:`~regie_analytics.stats.weights`: spatial weights and their subsets;
- :mod:`~regie_analytics.stats.stored`: the weights stored with a store's boundaries;
- :mod:`~regie_analytics.stats.progress`: progress of the long permutation tests;
- :mod:`~regie_analytics.stats.rates`: per 1,000 residents, per km², location quotient,
  empirical Bayes;
- :mod:`~regie_analytics.stats.getis_ord`: Gi* hot spots, for a period and month by month;
- :mod:`~regie_analytics.stats.bivariate`: bivariate local Moran's I;
- :mod:`~regie_analytics.stats.coherence`: the samenhangsindex and theme correlations;
- :mod:`~regie_analytics.stats.regie`: the regie-opgave (departments' entropy);
- :mod:`~regie_analytics.stats.trends`: Mann-Kendall and the area x month table;
- :mod:`~regie_analytics.stats.emerging`: emerging hot spots;
- :mod:`~regie_analytics.stats.jumps`: months that jump (anomalies);
- :mod:`~regie_analytics.stats.esda_vendored`: esda's computations vectorised, with the esda
  version they match.
"""

from regie_analytics.stats.bivariate import CLUSTER_LABELS, bivariate_moran
from regie_analytics.stats.coherence import (
    DOMAIN_CLASSES,
    HIGH_PERCENTILE,
    LOW_PERCENTILE,
    MIN_AREAS_COMPARED,
    domain_class,
    domain_percentile,
    samenhang,
    theme_correlations,
)
from regie_analytics.stats.emerging import EMERGING_CLASSES, MIN_MONTHS_TRENDS, emerging_hotspots
from regie_analytics.stats.esda_vendored import ESDA_MATCHED_VERSION
from regie_analytics.stats.getis_ord import HOTSPOT_CLASSES, gi_star_by_month, hotspots
from regie_analytics.stats.jumps import ANOMALY_HIGH, ANOMALY_LOW, anomalies
from regie_analytics.stats.labels import (
    EXPLANATIONS,
    MIN_REPORTED_COUNT,
    NO_DATA,
    NOT_COMPUTED,
    NOT_SIGNIFICANT,
    both_high_rule,
    explanation,
)
from regie_analytics.stats.rates import eb_smoothed_rate, location_quotient, per_km2, rate_per_1000
from regie_analytics.stats.regie import regie_opgave
from regie_analytics.stats.trends import MannKendall, mann_kendall
from regie_analytics.stats.weights import METRIC_CRS, neighbours, spatial_weights

__all__ = [
    "ANOMALY_HIGH",
    "ANOMALY_LOW",
    "CLUSTER_LABELS",
    "DOMAIN_CLASSES",
    "EMERGING_CLASSES",
    "ESDA_MATCHED_VERSION",
    "EXPLANATIONS",
    "HIGH_PERCENTILE",
    "HOTSPOT_CLASSES",
    "LOW_PERCENTILE",
    "METRIC_CRS",
    "MIN_AREAS_COMPARED",
    "MIN_MONTHS_TRENDS",
    "MIN_REPORTED_COUNT",
    "NOT_COMPUTED",
    "NOT_SIGNIFICANT",
    "NO_DATA",
    "MannKendall",
    "anomalies",
    "bivariate_moran",
    "both_high_rule",
    "domain_class",
    "domain_percentile",
    "eb_smoothed_rate",
    "emerging_hotspots",
    "explanation",
    "gi_star_by_month",
    "hotspots",
    "location_quotient",
    "mann_kendall",
    "neighbours",
    "per_km2",
    "rate_per_1000",
    "regie_opgave",
    "samenhang",
    "spatial_weights",
    "theme_correlations",
]
