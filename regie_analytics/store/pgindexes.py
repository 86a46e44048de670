"""The indexes of the PostgreSQL store's tables (:mod:`~regie_analytics.store.pgschema`): all
made by a version's write after its rows (:func:`area_indexes`, ``CREATE INDEX IF NOT
EXISTS``), so that a first import's rows are written without an index kept up per row and
indexed at once after them, a later write's rows kept up in the indexes that are there, and a
store written before gets the ones it lacks with its next write."""

from __future__ import annotations

from psycopg import sql

ROW_INDEXES = {
    "signals_part": "signals USING brin (part)",
    "counts_part": "counts USING brin (part)",
    "cube_parts_part": "cube_parts USING brin (part)",
    "cube_version_month_channel": "cube (version, month, channel)",
    "cube_dims_version": "cube_dims (version)",
    "cube_areas_version": "cube_areas (version)",
    "cube_area_months_version_month": "cube_area_months (version, month)",
    "cube_area_themes_version_theme_month": "cube_area_themes (version, theme, month)",
    "cube_area_themes_version_month": "cube_area_themes (version, month)",
    "cube_area_channels_version_channel_month": "cube_area_channels (version, channel, month)",
    "cube_area_channels_version_month": "cube_area_channels (version, month)",
    "cube_area_departments_version_month": "cube_area_departments (version, month)",
}
"""The indexes by part (block ranges: a part's rows lie together; an older store's B-trees
kept) and by version, made after the rows as :data:`AREA_INDEXES`: no index kept up per row
in a first import's ``COPY`` (a national one: 113 → 95 s)."""

AREA_INDEXES = {
    "cube_version_area": "cube (version, area_code)",
    "cube_area_months_version_area": "cube_area_months (version, area_code)",
    "cube_area_themes_version_area": "cube_area_themes (version, area_code)",
    "cube_area_channels_version_area": "cube_area_channels (version, area_code)",
    "cube_area_departments_version_area": "cube_area_departments (version, area_code)",
    "signal_leads_part_area": "signal_leads (part, area_code, received_at)",
}
"""The indexes by area (an area profile's cuts and lead times read a few areas' rows without
the others'), made by a version's write after its rows (:func:`area_indexes`): built at once
from a first import's rows, not kept up row by row while they are written (minutes longer at
national scale); an older store gets them with its next write."""

RANGE_INDEXES = {
    "signal_leads_part_received_kind_area_range": "signal_leads USING brin "
    '(part, received_at, domain, channel, area_code COLLATE "C") '
    "WITH (pages_per_range = 8, autosummarize = on)",
}
"""The block-range (BRIN) indexes, made after the rows as :data:`AREA_INDEXES`. A part's lead
rows lie in the order of the month received, the domain, the channel, the area code ("C") and
the time received (:class:`~regie_analytics.store.pgleads.LeadTap`): a period's rows are a run
of pages, within each month a domain's and a channel's rows runs too, and within those the
areas before a code. The lead-time statements (one core each,
:func:`regie_analytics.lead_sql.lead_time_cuts`) read only the period's run (a national year of
36 months: a third of the table), of one channel or domain only its pages (a national year's
App signals: 9,000 instead of 48,000 pages), and each half of the areas about half of them
(:meth:`~regie_analytics.store.pgengine.PostgresEngine.lead_group`), from an index of a few
pages. Ranges of 8 pages: each run of a domain and channel within a month ends inside a range,
which a statement reads whole (with ranges of 32 pages a national half of the areas read 28,000
instead of 25,000 pages; the index is 1.7 MB). (A store written before keeps its earlier
indexes beside this one, :data:`RETIRED_RANGE_INDEXES`, and its parts' rows in their order:
read as before.) Pages a later write appends are summarized by that write
(:data:`SUMMARIZE_RANGES`); until then every unsummarized page is read, which is slower, never
wrong."""

RETIRED_RANGE_INDEXES = (
    "signal_leads_part_received_range",
    "signal_leads_part_received_area_range",
)
"""Block-range indexes of stores written before (on the time received; on the time received
and the area), kept up by every later write as theirs."""
SUMMARIZE_RANGES = [
    sql.SQL("SELECT brin_summarize_new_values(to_regclass({}))").format(sql.Literal(name))
    for name in (*RANGE_INDEXES, *RETIRED_RANGE_INDEXES)
]
"""The statements that summarize the pages written since these indexes were built (if any)."""


def area_indexes() -> list[sql.Composed]:
    """The ``CREATE INDEX IF NOT EXISTS`` of every one of :data:`ROW_INDEXES`,
    :data:`AREA_INDEXES` and :data:`RANGE_INDEXES` (made by a version's write after its rows)."""
    return [
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}").format(
            sql.Identifier(name),
            sql.SQL(target),  # type: ignore[arg-type]
        )
        for name, target in {**ROW_INDEXES, **AREA_INDEXES, **RANGE_INDEXES}.items()
    ]
