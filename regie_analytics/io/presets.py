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
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics.io.parse import ColumnError, DateOrder, parse_datetimes
from regie_analytics.io.readers import (
    Inputs,
    RawTable,
    in_memory_reader,
    load_json,
    read_tables,
)
from regie_analytics.schema import InputError

PRESETS: tuple[str, ...] = ("signalen", "open311", "counts", "generic")

SIGNAL_FIELDS = (
    "signal_id",
    "received_at",
    "closed_at",
    "channel",
    "category",
    "subcategory",
    "status",
    "area_code",
    "x",
    "y",
)
COUNT_FIELDS = ("area_code", "period", "theme", "category", "domain", "channel", "count")

Batches = Callable[[Sequence[str] | None], Iterator[pd.DataFrame]]


@dataclass
class Extract:
    """Records in the model's column names (text values) with their origin, in batches.

    Attributes
    ----------
    kind
        ``"signals"`` (record level) or ``"counts"`` (pre-aggregated).
    fields
        The model columns present (from :data:`SIGNAL_FIELDS` or :data:`COUNT_FIELDS`).
    read
        ``read(fields)`` yields batches with those model columns (all when ``None``) plus
        ``_file`` and ``_row`` (spreadsheet row number in that file).
    source
        The source system, part of the import key.
    columns
        For each model column, the column name in the input (for messages).
    """

    kind: str
    fields: list[str]
    read: Batches = field(repr=False)
    source: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    file: str = ""
    notes: list[str] = field(default_factory=list)
    system: str = ""
    """The source system for taxonomy look-ups (``signalen``, ``open311``, ...); defaults to
    ``source``. A custom ``--source`` name changes the import key, not the classification."""

    def __post_init__(self) -> None:
        if not self.system:
            self.system = self.source

    def frames(self, fields: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The records in batches (see ``read``)."""
        wanted = [f for f in (fields if fields is not None else self.fields) if f in self.fields]
        return self.read(wanted)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """All records at once (for small inputs and tests)."""
        parts = list(self.frames())
        if not parts:
            return pd.DataFrame(columns=[*self.fields, "_file", "_row"])
        return pd.concat(parts, ignore_index=True)


def _require(table: RawTable, columns: list[str], *, what: str, hint: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.columns[:12])
        raise InputError(
            f"verplichte kolom ontbreekt voor {what}: {', '.join(repr(m) for m in missing)}. "
            f"Gevonden kolommen: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint=hint,
        )


def _notes(inputs: Inputs, *tables: RawTable) -> list[str]:
    """What was detected per table, and the members not read (with the reason)."""
    return [*inputs.skipped, *(f"{t.file}: {note}" for t in tables for note in t.notes)]


def _with_origin(frame: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """``frame`` (index: record positions in ``table``) with ``_file`` and ``_row``."""
    out = frame.copy()
    out["_file"] = pd.Categorical.from_codes(
        np.zeros(len(frame), dtype="int8"), categories=pd.Index([table.file], dtype="str")
    )
    out["_row"] = table.row_number(frame.index)
    return out.reset_index(drop=True)


def _mapped(tables: list[RawTable], columns: dict[str, str]) -> Batches:
    """Batches of every table in turn, their ``columns`` (model -> input) renamed to the model."""

    def read(fields: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        wanted = [f for f in (fields if fields is not None else columns) if f in columns]
        for table in tables:
            for part in table.frames(list(dict.fromkeys(columns[f] for f in wanted))):
                renamed = pd.DataFrame({f: part[columns[f]] for f in wanted}, index=part.index)
                yield _with_origin(renamed, table)

    return read


# --- Signalen ----------------------------------------------------------------------------------
def _pick(tables: dict[str, RawTable], name: str, *, path: str | Path) -> RawTable:
    found = [t for key, t in tables.items() if Path(key).name.lower() == name]
    if len(found) > 1:
        raise InputError(
            f"de Signalen-export bevat meer dan één '{name}': {', '.join(t.file for t in found)}.",
            file=path,
            hint="importeer elke export apart (één map of zip per export).",
        )
    if found:
        return found[0]
    raise InputError(
        f"het bestand '{name}' ontbreekt in de Signalen-export. "
        f"Gevonden: {', '.join(sorted(tables))}.",
        file=path,
        hint="lever de volledige export aan (signals.csv, locations.csv, categories.csv, "
        "statuses.csv), als map of als zip.",
    )


@dataclass
class _Lookup:
    """One row per signal from a Signalen history table (locations, categories, statuses):
    the row a signal references, else the signal's latest row by time."""

    by_id: pd.DataFrame | None
    latest: pd.DataFrame

    def rows(self, signal_ids: pd.Series, refs: pd.Series | None) -> pd.DataFrame:
        """The chosen row for each signal (index aligned with ``signal_ids``)."""
        out = self.latest.reindex(signal_ids.to_numpy())
        if self.by_id is not None and refs is not None:
            referenced = self.by_id.reindex(refs.to_numpy())
            found = referenced["_signal_id"].to_numpy(dtype=object) == signal_ids.to_numpy(
                dtype=object
            )
            out = out.copy()
            out.iloc[found] = referenced.iloc[found][out.columns].to_numpy()
        out.index = signal_ids.index
        return out


def _lookup(table: RawTable, columns: list[str]) -> _Lookup:
    _require(
        table,
        ["_signal_id"],
        what="de Signalen-export",
        hint="de deelbestanden moeten aan signals.csv gekoppeld zijn via '_signal_id'.",
    )
    wanted = dict.fromkeys(["_signal_id", "id", "created_at", *columns])
    keep = [c for c in wanted if c in table.columns]
    frame = table.frame[keep]
    order = np.arange(len(frame))
    if "created_at" in frame.columns:
        origin = pd.DataFrame(
            {"_file": table.file, "_row": table.row_number(frame.index)}, index=frame.index
        )
        profile = DateOrder()
        profile.update(frame["created_at"], origin=origin)
        try:
            when, _ = parse_datetimes(frame["created_at"], order=profile.decide())
        except ColumnError as exc:
            raise InputError(
                exc.message, file=exc.file, row=exc.row, column="created_at", hint=exc.hint
            ) from exc
        # latest by time; equal times (and missing ones) keep the file order
        order = np.lexsort((np.arange(len(frame)), when.fillna(pd.Timestamp.min).to_numpy()))
    ordered = frame.iloc[order]
    latest = ordered.drop_duplicates("_signal_id", keep="last").set_index("_signal_id")
    by_id = None
    if "id" in frame.columns and frame["id"].notna().all() and frame["id"].is_unique:
        by_id = frame.set_index("id").reindex(columns=["_signal_id", *columns])
    for column in columns:
        if column not in latest.columns:
            latest[column] = pd.Series(pd.NA, index=latest.index, dtype="str")
    latest = latest[columns]
    return _Lookup(by_id=by_id, latest=latest)


def extract_signalen(inputs: Inputs, *, path: str | Path) -> Extract:
    """Read a Signalen data-warehouse export (folder or zip of four CSV files)."""
    tables = read_tables(inputs, path=path)
    signals = _pick(tables, "signals.csv", path=path)
    locations = _pick(tables, "locations.csv", path=path)
    categories = _pick(tables, "categories.csv", path=path)
    statuses = _pick(tables, "statuses.csv", path=path)
    _require(
        signals,
        ["id", "created_at"],
        what="signals.csv",
        hint="gebruik de data-warehouse-export van Signalen.",
    )
    _require(
        categories,
        ["main", "sub"],
        what="categories.csv",
        hint="gebruik de data-warehouse-export van Signalen.",
    )
    _require(locations, ["lat", "lng"], what="locations.csv", hint="de export mist de coördinaten.")
    unused = sorted(set(tables) - {t.file for t in (signals, locations, categories, statuses)})
    loc = _lookup(locations, ["lat", "lng", "buurt_code"])
    cat = _lookup(categories, ["main", "sub"])
    sta = _lookup(statuses, ["state", "state_display", "created_at"])
    refs = [
        c
        for c in ("location_id", "category_assignment_id", "status_id", "source")
        if c in signals.columns
    ]
    fields = ["signal_id", "received_at", "channel", "category", "subcategory", "x", "y"]
    if "buurt_code" in locations.columns:
        fields.append("area_code")
    if "state" in statuses.columns:
        fields += ["status", "closed_at"]

    def read(wanted: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        chosen = set(wanted if wanted is not None else fields)
        for part in signals.frames(["id", "created_at", *refs]):
            key = part["id"]
            out = pd.DataFrame({"signal_id": key.array}, index=part.index)
            out["received_at"] = part["created_at"].array
            out["channel"] = part["source"].array if "source" in part else None
            if chosen & {"category", "subcategory"}:
                c = cat.rows(key, part.get("category_assignment_id"))
                out["category"], out["subcategory"] = c["main"].array, c["sub"].array
            if chosen & {"x", "y", "area_code"}:
                loc_rows = loc.rows(key, part.get("location_id"))
                # Signalen's export names them the wrong way round: `lat` holds x, `lng` y.
                out["x"], out["y"] = loc_rows["lat"].array, loc_rows["lng"].array
                out["area_code"] = loc_rows["buurt_code"].array
            if chosen & {"status", "closed_at"}:
                s = sta.rows(key, part.get("status_id"))
                state = s["state"]
                display = s["state_display"].fillna(state)
                out["status"] = display.array
                out["closed_at"] = s["created_at"].where(state == "o").array
            out = out[[f for f in fields if f in chosen]]
            yield _with_origin(out.astype("str"), signals)

    columns = {
        "signal_id": "signals.csv: id",
        "received_at": "signals.csv: created_at",
        "channel": "signals.csv: source",
        "category": "categories.csv: main",
        "subcategory": "categories.csv: sub",
        "x": "locations.csv: lat",
        "y": "locations.csv: lng",
        "area_code": "locations.csv: buurt_code",
        "status": "statuses.csv: state_display",
        "closed_at": "statuses.csv: created_at",
    }
    return Extract(
        kind="signals",
        fields=fields,
        read=read,
        source="signalen",
        columns=columns,
        file=signals.file,
        notes=[
            "Signalen-export: kolom 'lat' bevat de lengtegraad en 'lng' de breedtegraad; "
            "de coördinaten worden op hun waarden herkend, niet op hun naam",
            *(f"{name}: niet gelezen (geen deel van de Signalen-export)" for name in unused),
            *_notes(inputs, signals, locations, categories, statuses),
        ],
    )


# --- Open311 -----------------------------------------------------------------------------------
_OPEN311_MAP = {
    "signal_id": "service_request_id",
    "received_at": "requested_datetime",
    "category": "service_name",  # service_code identifies the service: no subcategory
    "status": "status",
    "x": "long",
    "y": "lat",
}
_OPEN311_HINT = "lever de GeoReport v2-lijst (requests.json) aan zoals de API die geeft."


def _open311_json(path: Path, *, name: str) -> RawTable:
    payload: Any = load_json(path, name=name, hint=_OPEN311_HINT)
    if isinstance(payload, dict):
        for key in ("service_requests", "requests", "data"):
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise InputError(
            "het JSON-bestand is geen lijst van service requests.",
            file=name,
            hint="verwacht wordt een JSON-lijst met objecten (GeoReport v2).",
        )
    if not payload:
        raise InputError("het JSON-bestand bevat geen service requests.", file=name, row=2)
    frame = pd.DataFrame.from_records(payload)
    text = frame.astype("str").where(frame.notna(), None).astype("str")
    text.columns = [str(c).strip() for c in text.columns]
    return RawTable(file=name, columns=list(text.columns), read=in_memory_reader(text))


def extract_open311(inputs: Inputs, *, path: str | Path) -> Extract:
    """Read GeoReport v2 (Open311) service requests from JSON or CSV (every table of a zip
    or folder)."""
    tables: list[RawTable] = []
    others = Inputs(members=[], skipped=inputs.skipped)
    for member in inputs.members:
        if Path(member.name).suffix.lower() == ".json":
            with open(member.path, "rb") as handle:
                head = handle.read(4096)
            if b"FeatureCollection" not in head:
                tables.append(_open311_json(member.path, name=member.name))
                continue
        others.members.append(member)
    if others.members or not tables:
        tables += list(read_tables(others, path=path).values())
    for table in tables:
        _require(
            table,
            ["service_request_id", "requested_datetime", "service_name"],
            what="Open311 (GeoReport v2)",
            hint="de export moet de GeoReport v2-velden bevatten.",
        )
    columns = {m: c for m, c in _OPEN311_MAP.items() if _has_all(tables, c)}
    fields = list(columns)
    if "status" in columns and _has_all(tables, "updated_datetime"):
        # the closing time of a closed request is its last update
        columns["_updated"] = "updated_datetime"
        fields.append("closed_at")
    mapped = _mapped(tables, columns)

    def read(wanted: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        chosen = list(wanted if wanted is not None else fields)
        need = [f for f in chosen if f != "closed_at"]
        if "closed_at" in chosen:
            need = list(dict.fromkeys([*need, "status", "_updated"]))
        for part in mapped(need):
            if "closed_at" in chosen:
                closed = part["status"].str.lower() == "closed"
                part["closed_at"] = part.pop("_updated").where(closed, None)
            yield part[[*chosen, "_file", "_row"]]

    names = {m: c for m, c in columns.items() if not m.startswith("_")}
    names["closed_at"] = "updated_datetime"
    return Extract(
        kind="signals",
        fields=fields,
        read=read,
        source="open311",
        columns=names,
        file=tables[0].file,
        notes=_notes(inputs, *tables),
    )


def _has_all(tables: list[RawTable], column: str) -> bool:
    return all(column in t.columns for t in tables)


# --- mappings, counts and generic tables -------------------------------------------------------
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
