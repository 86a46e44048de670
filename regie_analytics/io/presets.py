"""Import presets: how the exports of real systems map onto the data model.

A preset turns one input (file, folder or zip) into an :class:`Extract`: batches of records
with the model's column names (values still as text) plus the file and spreadsheet row of
each record, so later steps can name the row of every problem. Every table of a folder or
zip is read (``noord/telling.csv`` and ``zuid/telling.csv`` both), or named in the notes with
the reason it was not.

Presets
-------
``signalen``
    The Signalen data-warehouse export: ``signals.csv``, ``locations.csv``, ``categories.csv``,
    ``statuses.csv`` joined on ``_signal_id``. Its ``lat`` column holds the longitude and ``lng``
    the latitude; coordinates are never trusted by name (see :func:`geo.assign_points`). Where
    a signal does not reference its current location, category or status, the latest one by
    time is used.
``open311``
    GeoReport v2 service requests as JSON or CSV.
``counts``
    Pre-aggregated counts per area, month and theme (or category).
``generic``
    Any table, with an explicit column mapping in a small JSON file.

The presets live in ``signalen``, ``open311`` and ``mapping`` (``counts`` and ``generic``,
with the mapping file); :class:`Extract` in ``extracts``. Every public name is importable
from here.
"""

from __future__ import annotations

from pathlib import Path

from regie_analytics.io.archives import Inputs
from regie_analytics.io.extracts import (
    COUNT_FIELDS,
    SIGNAL_FIELDS,
    Batches,
    Extract,
)
from regie_analytics.io.mapping import (
    RECOGNISED,
    extract_counts,
    extract_generic,
    guess_mapping,
    load_mapping,
)
from regie_analytics.io.open311 import extract_open311
from regie_analytics.io.signalen import extract_signalen
from regie_analytics.schema import InputError

PRESETS: tuple[str, ...] = ("signalen", "open311", "counts", "generic")


def extract(
    inputs: Inputs, *, path: str | Path, preset: str, mapping_path: str | Path | None = None
) -> Extract:
    """Read an opened input (see :func:`regie_analytics.io.readers.open_inputs`) with a
    preset; ``mapping_path`` is required for ``generic``."""
    if preset not in PRESETS:
        raise InputError(
            f"onbekende preset '{preset}'.",
            hint=f"kies uit: {', '.join(PRESETS)}.",
        )
    mapping = None
    if mapping_path is not None:
        mapping = load_mapping(mapping_path)
        mapping["_file"] = str(mapping_path)
    if preset == "signalen":
        return extract_signalen(inputs, path=path)
    if preset == "open311":
        return extract_open311(inputs, path=path)
    if preset == "counts":
        if mapping is not None and mapping.get("kind", "counts") != "counts":
            mapping = {**mapping, "kind": "counts"}
        return extract_counts(inputs, path=path, mapping=mapping)
    if mapping is None:
        raise InputError(
            "de preset 'generic' heeft een koppelbestand nodig.",
            hint="geef --mapping BESTAND.json mee (zie de README voor het formaat).",
        )
    return extract_generic(inputs, path=path, mapping=mapping)


__all__ = [
    "COUNT_FIELDS",
    "PRESETS",
    "RECOGNISED",
    "SIGNAL_FIELDS",
    "Batches",
    "Extract",
    "extract",
    "extract_counts",
    "extract_generic",
    "extract_open311",
    "extract_signalen",
    "guess_mapping",
    "load_mapping",
]
