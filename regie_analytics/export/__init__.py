"""Exports: everything that leaves the analyst's screen, protected with the cell-key method.

Safe tables and their downloads:

- :mod:`~regie_analytics.export.tables`: the area table on screen and as published, CSV and
  Excel bytes (Dutch column names, formulas made inert).

The council report, built in two steps: :func:`~regie_analytics.export.collect.collect`
computes the content once, with every count protected; the deck, the PDF, the PNGs and the
presentation mode only lay it out, so they show the same, safe numbers.

- :mod:`~regie_analytics.export.content`: the content model (``ReportContent``,
  ``ReportItem``, ``Protected``) and the source line.
- :mod:`~regie_analytics.export.collect`: ``collect``, checks and dispatch;
  :mod:`~regie_analytics.export.context` what both reports start from.
- :mod:`~regie_analytics.export.municipality`: the municipality report's items and sentences.
- :mod:`~regie_analytics.export.area`, :mod:`~regie_analytics.export.area_themes`,
  :mod:`~regie_analytics.export.area_trend`: one area's profile.
- :mod:`~regie_analytics.export.cells`: protected count tables and published cells as text.
- :mod:`~regie_analytics.export.images`: chart PNGs through Chromium, the PNG zip.
- :mod:`~regie_analytics.export.pdf`, :mod:`~regie_analytics.export.pdf_page`: the PDF.
- :mod:`~regie_analytics.export.deck`: the native PowerPoint deck.
- :mod:`~regie_analytics.export.style`: the colours and banner the PDF and deck share.
- :mod:`~regie_analytics.export.build`: ``build_report``, a store's report in one call.

``regie_analytics.report`` and ``regie_analytics.deck`` keep their names importable.
"""
