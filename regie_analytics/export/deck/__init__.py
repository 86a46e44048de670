"""The council deck: a real PowerPoint built from a report's content, for a clerk who puts it
on screen and edits it.

- :mod:`~regie_analytics.export.deck.slides`: ``build_deck``, the slides and speaker notes.
- :mod:`~regie_analytics.export.deck.master`: the default 16:9 master or the municipality's
  template, and the layouts used.
- :mod:`~regie_analytics.export.deck.native_charts`: bar, line and scatter charts as native,
  editable charts.
- :mod:`~regie_analytics.export.deck.pictures`: maps drawn from their outlines, other
  figures through Chromium, placed with alt text.
- :mod:`~regie_analytics.export.deck.legends`: map legends as editable shapes.
- :mod:`~regie_analytics.export.deck.tables`: real tables whose columns never break a word.
- :mod:`~regie_analytics.export.deck.convert`: plotly colours and text for PowerPoint.
"""
