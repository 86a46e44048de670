"""Column mappings and the presets that use them.

:func:`load_mapping` reads a mapping file (JSON), :func:`guess_mapping` proposes one from the
column names (:data:`RECOGNISED`); :func:`extract_counts` reads pre-aggregated counts (the
model's column names, or a mapping) and :func:`extract_generic` any table with a mapping.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regie_analytics.io.archives import Inputs, read_tables
from regie_analytics.io.extracts import (
    COUNT_FIELDS,
    SIGNAL_FIELDS,
    Extract,
    _mapped,
    _notes,
)
from regie_analytics.io.rawtable import RawTable
from regie_analytics.schema import InputError


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read a column-mapping file (JSON).

    Format::

        {"kind": "signals", "source": "fixi",
         "columns": {"signal_id": "Meldingnummer", "received_at": "Datum melding",
                     "category": "Hoofdcategorie", "subcategory": "Subcategorie",
                     "x": "X-coordinaat", "y": "Y-coordinaat"}}

    ``kind`` is ``signals`` or ``counts``; keys of ``columns`` are model columns, values the
    input's column names. ``lon``/``lat`` are accepted as synonyms of ``x``/``y``.
    """
    path = Path(path)
    try:
        mapping = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(
            "het koppelbestand (mapping) kan niet worden gelezen als JSON.",
            file=path,
            hint='schrijf het als JSON, bijvoorbeeld {"kind": "signals", "columns": '
            '{"signal_id": "Meldingnummer", ...}}.',
        ) from exc
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns", {}), dict):
        raise InputError(
            "het koppelbestand moet een JSON-object met een object 'columns' zijn.",
            file=path,
            column="columns",
        )
    columns = dict(mapping.get("columns", {}))
    for alias, target in (("lon", "x"), ("lat", "y"), ("long", "x")):
        if alias in columns:
            columns[target] = columns.pop(alias)
    if not all(isinstance(v, str) for v in columns.values()):
        raise InputError(
            "in het koppelbestand moet elke kolomnaam tekst zijn.",
            file=path,
            column="columns",
            hint='schrijf bijvoorbeeld "signal_id": "Meldingnummer".',
        )
    mapping["columns"] = columns
    kind = mapping.get("kind", "signals")
    if kind not in ("signals", "counts"):
        raise InputError(
            f"onbekende soort '{kind}' in het koppelbestand.",
            file=path,
            column="kind",
            hint="gebruik 'signals' (losse meldingen) of 'counts' (tellingen).",
        )
    allowed = SIGNAL_FIELDS if kind == "signals" else COUNT_FIELDS
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise InputError(
            f"onbekende modelkolom(men) in het koppelbestand: {', '.join(unknown)}.",
            file=path,
            column="columns",
            hint=f"toegestaan zijn: {', '.join(allowed)}.",
        )
    return mapping


# Column names that mean a model column, compared without case, accents, spaces or punctuation,
# most telling first (the names of Signalen, Open311, Fixi-like and wijkteam exports).
_AREA_NAMES = ("areacode", "gebiedscode", "buurtcode", "wijkcode", "cbscode", "bucode", "wkcode")
RECOGNISED: dict[str, dict[str, tuple[str, ...]]] = {
    "signals": {
        "signal_id": (
            "signalid",
            "meldingnummer",
            "meldingsnummer",
            "meldingid",
            "servicerequestid",
            "zaaknummer",
            "incidentnummer",
            "id",
            "nummer",
        ),
        "received_at": (
            "receivedat",
            "datummelding",
            "meldingsdatum",
            "melddatum",
            "requesteddatetime",
            "createdat",
            "datumontvangst",
            "ontvangen",
            "aangemaakt",
            "datum",
        ),
        "closed_at": (
            "closedat",
            "datumafgehandeld",
            "afgehandeld",
            "datumafgesloten",
            "afgesloten",
            "datumgereed",
            "gereed",
            "einddatum",
            "updateddatetime",
        ),
        "channel": ("channel", "kanaal", "meldkanaal", "ingangskanaal", "bron", "source"),
        "category": (
            "category",
            "hoofdcategorie",
            "categorie",
            "main",
            "servicename",
            "onderwerp",
            "soort",
        ),
        "subcategory": ("subcategory", "subcategorie", "sub", "subonderwerp"),
        "status": ("status", "state", "afhandelstatus"),
        "area_code": _AREA_NAMES,
        "x": ("x", "xcoordinaat", "lon", "lng", "long", "longitude", "lengtegraad"),
        "y": ("y", "ycoordinaat", "lat", "latitude", "breedtegraad"),
    },
    "counts": {
        "area_code": (*_AREA_NAMES, "buurt", "wijk", "gebied"),
        "period": ("period", "periode", "maand", "month", "jaarmaand"),
        "theme": ("theme", "thema"),
        "category": ("category", "categorie", "onderwerp"),
        "domain": ("domain", "domein"),
        "channel": ("channel", "kanaal"),
        "count": ("count", "aantal", "aantallen", "n"),
    },
}
"""Per kind of mapping and model column, the input names :func:`guess_mapping` recognises."""


def _plain_name(name: str) -> str:
    """``'X-coördinaat'`` -> ``'xcoordinaat'``: lower case, no accents, letters and digits."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def guess_mapping(columns: Sequence[str], *, kind: str) -> dict[str, str]:
    """The column of ``columns`` that each model column probably is, by name (see
    :data:`RECOGNISED`): the starting point of a mapping, for the user to check. A column is
    used once; model columns without a recognised name are left out."""
    plain = {_plain_name(c): c for c in reversed(list(columns))}  # the first of equals wins
    found: dict[str, str] = {}
    for field_name, names in RECOGNISED[kind].items():
        for name in names:
            column = plain.get(name)
            if column is not None and column not in found.values():
                found[field_name] = column
                break
    return found


def _check_mapping(table: RawTable, columns: dict[str, str], *, mapping_file: str) -> None:
    missing = [src for src in columns.values() if src not in table.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.columns[:12])
        raise InputError(
            f"kolom {', '.join(repr(m) for m in missing)} uit het koppelbestand "
            f"'{Path(mapping_file).name}' staat niet in het bestand. Gevonden: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint="pas het koppelbestand aan de kolomnamen van de export aan.",
        )


def extract_counts(
    inputs: Inputs, *, path: str | Path, mapping: dict[str, Any] | None = None
) -> Extract:
    """Read pre-aggregated counts per area, month and theme (or category), from every table
    of the input."""
    tables = list(read_tables(inputs, path=path).values())
    source = "telling"
    if mapping is not None:
        columns = dict(mapping["columns"])
        source = str(mapping.get("source", source))
        for table in tables:
            _check_mapping(table, columns, mapping_file=str(mapping.get("_file", "mapping")))
    else:
        columns = {c: c for c in COUNT_FIELDS if c in tables[0].columns}
    label = "theme" if "theme" in columns else "category"
    for table in tables:
        present = {m for m, c in columns.items() if c in table.columns}
        missing = [c for c in ("area_code", "period", label, "count") if c not in present]
        if missing:
            found = ", ".join(f"'{c}'" for c in table.columns[:12])
            raise InputError(
                "verplichte kolom ontbreekt voor tellingen: "
                f"{', '.join(repr(m) for m in missing)}. Gevonden kolommen: {found}.",
                file=table.file,
                row=1,
                column=missing[0],
                hint="gebruik de kolommen area_code, period (JJJJ-MM), theme (of category) en "
                "count, of geef een koppelbestand mee met --mapping.",
            )
    first = tables[0]
    if "source" in first.columns and "source" not in columns.values():
        given = next(first.frames(["source"]))["source"].dropna()
        source = str(given.iloc[0]) if len(given) else source
    fields = [c for c in COUNT_FIELDS if c in columns]
    return Extract(
        kind="counts",
        fields=fields,
        read=_mapped(tables, {f: columns[f] for f in fields}),
        source=source,
        columns=columns,
        file=first.file if len(tables) == 1 else Path(path).name,
        notes=_notes(inputs, *tables),
    )


def extract_generic(inputs: Inputs, *, path: str | Path, mapping: dict[str, Any]) -> Extract:
    """Read any table with an explicit column mapping (see :func:`load_mapping`); every table
    of a zip or folder must have the mapped columns."""
    if mapping.get("kind", "signals") == "counts":
        return extract_counts(inputs, path=path, mapping=mapping)
    columns = dict(mapping["columns"])
    required = ["signal_id", "received_at", "category"]
    absent = [c for c in required if c not in columns]
    if absent:
        raise InputError(
            f"het koppelbestand noemt geen kolom voor {', '.join(absent)}.",
            file=str(mapping.get("_file", "mapping")),
            column="columns",
            hint="voeg die modelkolommen toe aan 'columns'.",
        )
    if not ({"x", "y"} <= set(columns) or "area_code" in columns):
        raise InputError(
            "het koppelbestand noemt geen locatie: geef 'x' en 'y' (of 'lon' en 'lat') of "
            "'area_code'.",
            file=str(mapping.get("_file", "mapping")),
            column="columns",
        )
    tables = list(read_tables(inputs, path=path).values())
    for table in tables:
        _check_mapping(table, columns, mapping_file=str(mapping.get("_file", "mapping")))
    return Extract(
        kind="signals",
        fields=[f for f in SIGNAL_FIELDS if f in columns],
        read=_mapped(tables, columns),
        source=str(mapping.get("source", "generiek")),
        columns=columns,
        file=tables[0].file,
        notes=_notes(inputs, *tables),
    )
