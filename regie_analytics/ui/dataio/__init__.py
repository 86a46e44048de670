"""Widgets of the Data page: uploads, column mapping, the report, unknown categories, store.

By topic: :mod:`~regie_analytics.ui.dataio.importing` (the import form with its column
mapping: the Importeren tab), :mod:`~regie_analytics.ui.dataio.categories` (unknown
categories, suggestions and the taxonomy: the Koppelen and Taxonomie tabs),
:mod:`~regie_analytics.ui.dataio.contents` (what is in the store) and
:mod:`~regie_analytics.ui.dataio.session` (uploads, flash messages and guarded actions kept
over reruns).
"""

from regie_analytics.ui.dataio.categories import (
    ACCEPT,
    MAP_VIEW,
    SCOPE_VIEW,
    SUGGESTION_VIEW,
    accept_suggestions,
    map_report_labels,
    map_unknown,
    mapping_step,
    taxonomy_tab,
)
from regie_analytics.ui.dataio.contents import EXACT_STORE_NOTE, show_store, store_info
from regie_analytics.ui.dataio.importing import (
    DATE_ORDER_LABELS,
    FIELD_LABELS,
    MAPPED_PRESETS,
    PRESET_LABELS,
    Choice,
    check,
    import_form,
    mapping_form,
    run_import,
    show_report,
)
from regie_analytics.ui.dataio.session import (
    FLASH,
    forget_upload,
    guarded,
    preview,
    save_upload,
    session_taxonomy,
    show_flash,
)

__all__ = [
    "ACCEPT",
    "DATE_ORDER_LABELS",
    "EXACT_STORE_NOTE",
    "FIELD_LABELS",
    "FLASH",
    "MAPPED_PRESETS",
    "MAP_VIEW",
    "PRESET_LABELS",
    "SCOPE_VIEW",
    "SUGGESTION_VIEW",
    "Choice",
    "accept_suggestions",
    "check",
    "forget_upload",
    "guarded",
    "import_form",
    "map_report_labels",
    "map_unknown",
    "mapping_form",
    "mapping_step",
    "preview",
    "run_import",
    "save_upload",
    "session_taxonomy",
    "show_flash",
    "show_report",
    "show_store",
    "store_info",
    "taxonomy_tab",
]
