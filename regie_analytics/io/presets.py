"""Import presets: how the exports of real systems map onto the data model.

A preset turns one input (file, folder or zip) into an :class:`Extract`: a frame with the
model's column names (values still as text) plus the file and spreadsheet row of each record,
so later steps can name the row of every problem.

Presets
-------
``signalen``
    The Signalen data-warehouse export: ``signals.csv``, ``locations.csv``, ``categories.csv``,
    ``statuses.csv`` joined on ``_signal_id``. Its ``lat`` column holds the longitude and ``lng``
    the latitude; coordinates are never trusted by name (see :func:`geo.assign_points`).
``open311``
    GeoReport v2 service requests as JSON or CSV.
``counts``
    Pre-aggregated counts per area, month and theme (or category).
``generic``
    Any table, with an explicit column mapping in a small JSON file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regie_analytics.io.readers import RawTable, read_tables
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


@dataclass
class Extract:
    """Records in the model's column names (text values) with their origin.

    Attributes
    ----------
    kind
        ``"signals"`` (record level) or ``"counts"`` (pre-aggregated).
    frame
        Columns from :data:`SIGNAL_FIELDS` or :data:`COUNT_FIELDS` (those present), plus
        ``_file`` and ``_row`` (spreadsheet row number in that file).
    source
        The source system, part of the import key.
    columns
        For each model column, the column name in the input (for messages).
    """

    kind: str
    frame: pd.DataFrame
    source: str
    columns: dict[str, str]
    file: str
    notes: list[str] = field(default_factory=list)
    system: str = ""
    """The source system for taxonomy look-ups (``signalen``, ``open311``, ...); defaults to
    ``source``. A custom ``--source`` name changes the import key, not the classification."""

    def __post_init__(self) -> None:
        if not self.system:
            self.system = self.source


def _require(table: RawTable, columns: list[str], *, what: str, hint: str) -> None:
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.frame.columns[:12])
        raise InputError(
            f"verplichte kolom ontbreekt voor {what}: {', '.join(repr(m) for m in missing)}. "
            f"Gevonden kolommen: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint=hint,
        )


def _notes(*tables: RawTable) -> list[str]:
    return [f"{t.file}: {note}" for t in tables for note in t.notes]


def _with_origin(frame: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    out = frame.copy()
    out["_file"] = table.file
    out["_row"] = table.row_number(np.arange(len(table.frame)))
    return out


def _pick(tables: dict[str, RawTable], name: str, *, path: str | Path) -> RawTable:
    for key, table in tables.items():
        if key.lower() == name:
            return table
    raise InputError(
        f"het bestand '{name}' ontbreekt in de Signalen-export. "
        f"Gevonden: {', '.join(sorted(tables))}.",
        file=path,
        hint="lever de volledige export aan (signals.csv, locations.csv, categories.csv, "
        "statuses.csv), als map of als zip.",
    )


def _latest_per_signal(table: RawTable, *, ref: pd.Series | None) -> pd.DataFrame:
    """One row per ``_signal_id``: the row referenced by ``ref`` (id), else the last one."""
    frame = table.frame
    _require(
        table,
        ["_signal_id"],
        what="de Signalen-export",
        hint="de deelbestanden moeten aan signals.csv gekoppeld zijn via '_signal_id'.",
    )
    if ref is not None and "id" in frame.columns:
        chosen = frame[frame["id"].isin(set(ref.dropna()))]
        if chosen["_signal_id"].is_unique and len(chosen) > 0:
            return chosen.set_index("_signal_id")
    return frame.drop_duplicates("_signal_id", keep="last").set_index("_signal_id")


def extract_signalen(path: str | Path) -> Extract:
    """Read a Signalen data-warehouse export (folder or zip of four CSV files)."""
    tables = read_tables(path)
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
    s = signals.frame
    loc = _latest_per_signal(locations, ref=s.get("location_id"))
    cat = _latest_per_signal(categories, ref=s.get("category_assignment_id"))
    sta = _latest_per_signal(statuses, ref=s.get("status_id"))
    key = s["id"]
    out = pd.DataFrame(
        {
            "signal_id": key.to_numpy(),
            "received_at": s["created_at"].to_numpy(),
            "channel": s["source"].to_numpy() if "source" in s else None,
            "category": cat["main"].reindex(key).to_numpy(),
            "subcategory": cat["sub"].reindex(key).to_numpy(),
            # Signalen's export names them the wrong way round: `lat` holds x, `lng` holds y.
            "x": loc["lat"].reindex(key).to_numpy(),
            "y": loc["lng"].reindex(key).to_numpy(),
        }
    )
    if "buurt_code" in loc.columns:
        out["area_code"] = loc["buurt_code"].reindex(key).to_numpy()
    if "state" in sta.columns:
        state = sta["state"].reindex(key)
        display = sta["state_display"].reindex(key) if "state_display" in sta else state
        out["status"] = display.to_numpy()
        closed = sta["created_at"].reindex(key).where(state == "o") if "created_at" in sta else None
        if closed is not None:
            out["closed_at"] = closed.to_numpy()
    out = out.astype("str")
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
        frame=_with_origin(out, signals),
        source="signalen",
        columns=columns,
        file=signals.file,
        notes=[
            "Signalen-export: kolom 'lat' bevat de lengtegraad en 'lng' de breedtegraad; "
            "de coördinaten worden op hun waarden herkend, niet op hun naam",
            *_notes(signals, locations, categories, statuses),
        ],
    )


_OPEN311_MAP = {
    "service_request_id": "signal_id",
    "requested_datetime": "received_at",
    "updated_datetime": "_updated",
    "service_name": "category",
    "service_code": "_service_code",
    "status": "status",
    "long": "x",
    "lat": "y",
}


def _read_open311_json(path: Path) -> RawTable | None:
    if path.suffix.lower() != ".json" or path.is_dir():
        return None
    try:
        payload: Any = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"het JSON-bestand is ongeldig: {exc.args[0] if exc.args else exc}.",
            file=path,
            hint="lever de GeoReport v2-lijst (requests.json) aan zoals de API die geeft.",
        ) from exc
    if isinstance(payload, dict):
        for key in ("service_requests", "requests", "data"):
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise InputError(
            "het JSON-bestand is geen lijst van service requests.",
            file=path,
            hint="verwacht wordt een JSON-lijst met objecten (GeoReport v2).",
        )
    if not payload:
        raise InputError("het JSON-bestand bevat geen service requests.", file=path, row=2)
    frame = pd.DataFrame.from_records(payload)
    frame = frame.astype("str").where(frame.notna(), None).astype("str")
    return RawTable(frame=frame, file=path.name)


def extract_open311(path: str | Path) -> Extract:
    """Read GeoReport v2 (Open311) service requests from JSON or CSV."""
    path = Path(path)
    table = _read_open311_json(path)
    if table is None:
        tables = read_tables(path)
        table = next(iter(tables.values()))
    _require(
        table,
        ["service_request_id", "requested_datetime", "service_name"],
        what="Open311 (GeoReport v2)",
        hint="de export moet de GeoReport v2-velden bevatten.",
    )
    frame = table.frame.rename(columns=_OPEN311_MAP)
    keep = [c for c in frame.columns if c in SIGNAL_FIELDS or c in ("_updated", "_service_code")]
    out = frame[keep].copy()
    if "_service_code" in out:
        out["subcategory"] = out.pop("_service_code")
    if "_updated" in out:
        updated = out.pop("_updated")
        closed = out.get("status", pd.Series("", index=out.index)).str.lower() == "closed"
        out["closed_at"] = updated.where(closed, None)
    columns = {v: k for k, v in _OPEN311_MAP.items() if not v.startswith("_")}
    columns["subcategory"] = "service_code"
    columns["closed_at"] = "updated_datetime"
    return Extract(
        kind="signals",
        frame=_with_origin(out.astype("str"), table),
        source="open311",
        columns=columns,
        file=table.file,
        notes=_notes(table),
    )


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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
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


def _apply_mapping(table: RawTable, columns: dict[str, str], *, mapping_file: str) -> pd.DataFrame:
    missing = [src for src in columns.values() if src not in table.frame.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.frame.columns[:12])
        raise InputError(
            f"kolom {', '.join(repr(m) for m in missing)} uit het koppelbestand "
            f"'{Path(mapping_file).name}' staat niet in het bestand. Gevonden: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint="pas het koppelbestand aan de kolomnamen van de export aan.",
        )
    return pd.DataFrame({model: table.frame[src].to_numpy() for model, src in columns.items()})


def extract_counts(path: str | Path, *, mapping: dict[str, Any] | None = None) -> Extract:
    """Read pre-aggregated counts per area, month and theme (or category)."""
    tables = read_tables(path)
    if len(tables) > 1:
        frames = [extract_counts_table(t, mapping=mapping) for t in tables.values()]
        first = frames[0]
        return Extract(
            kind="counts",
            frame=pd.concat([f.frame for f in frames], ignore_index=True),
            source=first.source,
            columns=first.columns,
            file=Path(path).name,
        )
    return extract_counts_table(next(iter(tables.values())), mapping=mapping)


def extract_counts_table(table: RawTable, *, mapping: dict[str, Any] | None = None) -> Extract:
    """Counts from one table; the default layout or a mapping's column names."""
    source = "telling"
    if mapping is not None:
        columns = dict(mapping["columns"])
        source = str(mapping.get("source", source))
        frame = _apply_mapping(table, columns, mapping_file=str(mapping.get("_file", "mapping")))
        if "source" in table.frame.columns and "source" not in columns.values():
            frame["source"] = table.frame["source"].to_numpy()
    else:
        frame = table.frame
        columns = {c: c for c in COUNT_FIELDS if c in frame.columns}
    label = "theme" if "theme" in frame.columns else "category"
    needed = ["area_code", "period", label, "count"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in table.frame.columns[:12])
        raise InputError(
            f"verplichte kolom ontbreekt voor tellingen: {', '.join(repr(m) for m in missing)}. "
            f"Gevonden kolommen: {found}.",
            file=table.file,
            row=1,
            column=missing[0],
            hint="gebruik de kolommen area_code, period (JJJJ-MM), theme (of category) en "
            "count, of geef een koppelbestand mee met --mapping.",
        )
    keep = [c for c in (*COUNT_FIELDS, "source") if c in frame.columns]
    out = frame[keep].astype("str")
    if "source" in out.columns:
        source = str(out["source"].dropna().iloc[0]) if out["source"].notna().any() else source
        out = out.drop(columns="source")
    return Extract(
        kind="counts",
        frame=_with_origin(out, table),
        source=source,
        columns=columns,
        file=table.file,
        notes=_notes(table),
    )


def extract_generic(path: str | Path, *, mapping: dict[str, Any]) -> Extract:
    """Read any table with an explicit column mapping (see :func:`load_mapping`)."""
    if mapping.get("kind", "signals") == "counts":
        return extract_counts(path, mapping=mapping)
    tables = read_tables(path)
    table = next(iter(tables.values()))
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
    frame = _apply_mapping(table, columns, mapping_file=str(mapping.get("_file", "mapping")))
    return Extract(
        kind="signals",
        frame=_with_origin(frame.astype("str"), table),
        source=str(mapping.get("source", "generiek")),
        columns=columns,
        file=table.file,
        notes=_notes(table),
    )


def extract(path: str | Path, *, preset: str, mapping_path: str | Path | None = None) -> Extract:
    """Read an input with a preset; ``mapping_path`` is required for ``generic``."""
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
        return extract_signalen(path)
    if preset == "open311":
        return extract_open311(path)
    if preset == "counts":
        if mapping is not None and mapping.get("kind", "counts") != "counts":
            mapping = {**mapping, "kind": "counts"}
        return extract_counts(path, mapping=mapping)
    if mapping is None:
        raise InputError(
            "de preset 'generic' heeft een koppelbestand nodig.",
            hint="geef --mapping BESTAND.json mee (zie de README voor het formaat).",
        )
    return extract_generic(path, mapping=mapping)
