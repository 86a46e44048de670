"""The import pipeline: from a raw input to checked, classified, located records and a report.

``prepare_import`` reads an input with a preset in two passes over its batches. The first
pass counts the rows (against the limits) and decides, per column, how dates and numbers are
written (day or month first; Dutch or English notation). The second parses each batch, leaves
out rows whose dates are unreadable or outside the plausible window (each reported by file,
row and column), places every record in an area (by code or coordinates) and classifies its
category with the taxonomy. Then duplicates are removed: within the input (first row kept),
and against the store (:func:`drop_known`; the store runs it again inside its lock when it
commits, so two imports of the same records never both add them). Nothing is written:
:meth:`regie_analytics.store.Store.commit` does that, atomically.

Identity: a signal is its source plus its id as text (``700001.0`` and ``0700001`` are
``700001``); a count is its source, area (the code as given, also when unknown), month,
label and channel. A count delivered again with another value replaces the stored one.

The modules: ``prepare`` (:func:`prepare_import`, the two passes), ``batches`` (the steps
every batch goes through), ``signals`` and ``counts`` (the two kinds of input), ``stored``
(keys, duplicates against the store, the cube, reclassifying) and ``report`` (the report and
the prepared import). Every public name is importable from ``regie_analytics.ingest``.
"""

from regie_analytics.ingest.batches import UNUSABLE_SHARE
from regie_analytics.ingest.counts import prepare_counts
from regie_analytics.ingest.prepare import prepare_import
from regie_analytics.ingest.report import (
    MAX_EXAMPLES,
    ImportReport,
    PreparedImport,
    Problem,
    classification_lines,
    shares,
)
from regie_analytics.ingest.signals import prepare_signals
from regie_analytics.ingest.staged import StoredIds
from regie_analytics.ingest.stored import (
    count_keys,
    cube_part,
    drop_known,
    month_labels,
    reclassify,
    with_keys,
)

__all__ = [
    "MAX_EXAMPLES",
    "UNUSABLE_SHARE",
    "ImportReport",
    "PreparedImport",
    "Problem",
    "StoredIds",
    "classification_lines",
    "count_keys",
    "cube_part",
    "drop_known",
    "month_labels",
    "prepare_counts",
    "prepare_import",
    "prepare_signals",
    "reclassify",
    "shares",
    "with_keys",
]
