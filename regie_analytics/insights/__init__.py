"""What stands out: combined pressure per area, period comparisons and plain Dutch sentences.

Used by the Overzicht page, the presentation mode and the exports; pure pandas, no streamlit.
By topic: :mod:`~regie_analytics.insights.pressure` (the values areas are compared by, the
samenhang statistics, the areas where both domains are high and why),
:mod:`~regie_analytics.insights.periods` (one period against the previous one, the headline),
:mod:`~regie_analytics.insights.tables` (the pages' tables and monthly series),
:mod:`~regie_analytics.insights.analyses` (one analysis as a flat table, for the command line)
and :mod:`~regie_analytics.insights.captions` (the Dutch titles, captions and explanations).
"""

from regie_analytics.insights.analyses import analysis_notes, run_analysis
from regie_analytics.insights.captions import (
    RISING_CLASSES,
    bivariate_caption,
    correlation_caption,
    emerging_sentence,
    empty_reason,
    no_regie_text,
    regie_title,
    samenhang_gap,
    size_ranking_note,
)
from regie_analytics.insights.periods import Overview, headline, overview, top_caption
from regie_analytics.insights.pressure import (
    COUNTS_LABEL,
    RATES_LABEL,
    both_high_flags,
    compares_rates,
    default_measure,
    domain_rates,
    pressure_table,
    rates_label,
    regie_areas,
)
from regie_analytics.insights.tables import (
    area_series,
    comparison_codes,
    domain_monthly,
    emerging,
    flagged_per_part,
    regie,
    theme_comparison,
    theme_matrix,
)

__all__ = [
    "COUNTS_LABEL",
    "RATES_LABEL",
    "RISING_CLASSES",
    "Overview",
    "analysis_notes",
    "area_series",
    "bivariate_caption",
    "both_high_flags",
    "compares_rates",
    "comparison_codes",
    "correlation_caption",
    "default_measure",
    "domain_monthly",
    "domain_rates",
    "emerging",
    "emerging_sentence",
    "empty_reason",
    "flagged_per_part",
    "headline",
    "no_regie_text",
    "overview",
    "pressure_table",
    "rates_label",
    "regie",
    "regie_areas",
    "regie_title",
    "run_analysis",
    "samenhang_gap",
    "size_ranking_note",
    "theme_comparison",
    "theme_matrix",
    "top_caption",
]
